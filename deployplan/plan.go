package deployplan

import (
	"fmt"
	"slices"
	"strings"

	"github.com/palisade-sec/palisade/config"
)

// Plan is the org's stacks, computed once from the org file: what
// stacks.Build renders with CDK, the parallel synth splits, the pipeline and
// the deploy lane deploy wave by wave, `palisade bootstrap-plan` prints and
// the diagram draws.
type Plan struct {
	Org *config.Org
	// Stacks in the order stacks.Build creates them: each after every stack
	// it depends on.
	Stacks []Stack

	index    map[string]int // stack name -> position in Stacks
	waves    []Wave         // the waves at MaxActions
	wavesErr error
}

// Stack is one stack of the plan.
type Stack struct {
	Name    string // <org>-<purpose>-<account>-<region>
	Purpose string // LogArchive, Network, ...
	Account config.Account
	Region  string
	Home    bool // Region is the org's home region
	// Description is the stack's CloudFormation description.
	Description string
	// Phase is the rollout step the stack deploys in (Phases).
	Phase string
	// Wave is the name of the pipeline wave that deploys it (Plan.Waves at
	// MaxActions), "" when the org's waves cannot be planned.
	Wave string
	// Step is the name of the rollout step that deploys it (Plan.Rollout
	// at MaxActions): what the pipeline deploys, at most MaxDepth in
	// sequence. The wave's name in orgs whose phases fit one stage each.
	Step string
	// DependsOn are the stacks it deploys after, each earlier in
	// Plan.Stacks, with the reason.
	DependsOn []Dependency
	// Logs are the kinds of log the stack sends to the security account's
	// archive of its region (FlowLogs, LogGroups, ...).
	Logs []string
	// Props is the slice of the org the stack reads, with the names and
	// ARNs it needs from other accounts (config/names.go): a
	// *LogArchiveProps for a LogArchive stack, *NetworkProps for Network,
	// and so on (see the purposes table).
	Props any
}

// Dependency is a stack deployed first, and why.
type Dependency struct{ Stack, Reason string }

// The kinds of log that flow to the security account's archive (the
// diagram's arrows name them; short, one line per arrow reads best).
const (
	FlowLogs    = "flow logs"  // VPC flow logs
	LogGroups   = "log groups" // the forwarded log groups, through the log drain
	CloudTrail  = "CloudTrail" // the organization trail
	AWSConfig   = "Config"     // AWS Config snapshots and history
	Transcripts = "sessions"   // Session Manager transcripts
	GuardDuty   = "GuardDuty"  // GuardDuty findings
)

// LogKinds are the kinds of log in the order a flow lists them.
var LogKinds = []string{FlowLogs, LogGroups, CloudTrail, AWSConfig, Transcripts, GuardDuty}

// The props of each purpose: plain Go, what the stack factory of the
// purpose (stacks.Build) turns into the stack's CDK props. The stack's
// name, account, region and description are the Stack's own.
type (
	LogArchiveProps struct {
		BucketName, KeyAlias string
		OrganizationID       string
		TrailArns            []string // the trails that write here: the org trail, in the home region
		GuardDutyExport      bool
		Archive              config.Archive
		DestinationName      string
		ForwardLogGroups     []string // the security account's own log groups, forwarded to the drain
		LogGroupRetention    int      // days; 0 is the construct's default
	}
	NetworkProps struct {
		VPC              *config.VPC
		ArchiveBucketArn string
		DestinationArn   string
		DemoInstance     bool
	}
	LogsProps struct {
		DestinationArn    string
		ForwardLogGroups  []string
		LogGroupRetention int // days; 0 is the construct's default
	}
	OrgAdminProps struct {
		SecurityAccount string
		Guardrails      *GuardrailsProps // nil: no SCPs from this region
		Inspector       bool
		// StackSetsTrustedAccess activates StackSets' trusted access with
		// AWS Organizations (home region, with deployment.stackSets).
		StackSetsTrustedAccess bool
	}
	// GuardrailsProps are the guardrails.Props the home orgadmin stack
	// attaches as SCPs.
	GuardrailsProps struct {
		TargetIds, ProtectedStackNames, ForwardedLogGroups, LogDestinations []string
		FunctionRoleArns, FunctionNames, DeployingAccounts, AllowedRegions  []string
		FunctionRoleActions                                                 []string
		// MoreExemptRoleArns are exempt beside the CDK execution roles
		// (guardrails.DefaultExemptRoleArns): with deployment.stackSets,
		// the roles StackSets deploys each instance's stack with.
		MoreExemptRoleArns []string
	}
	TrailProps struct {
		TrailName, BucketName, KeyAliasArn string
		Trail                              config.Trail
		CISAlarms                          bool
		AlarmEmails                        []string
	}
	DetectProps struct {
		LinkedRegions []string
		Detection     config.Detection
		// ArchiveBucketArn is the region's archive, where GuardDuty exports
		// findings (under the archive's own prefix).
		ArchiveBucketArn string
		// ArchiveKeyFrom is the logarchive stack (same account and region)
		// whose archive key encrypts the findings: a reference inside one
		// account, so the two are always built in the same app.
		ArchiveKeyFrom string
		FunctionName   string
		MemberAccounts []string
	}
	BaselineProps struct {
		ArchiveBucketName string
		Compliance        config.Compliance
		InstanceRoleName  string // "" in the management account, which runs no instances
	}
	SessionsProps struct {
		ArchiveBucketName, ArchiveKeyAliasArn string
		Sessions                              config.Sessions
		LogGroups                             []string
		LogGroupRetentionDays                 int
	}
	ComplianceProps struct {
		PackName   string
		Compliance config.Compliance
	}
	// FanOutProps are the stack sets of the FanOut stack: for each purpose
	// the workload accounts receive through StackSets, the props its stack
	// reads in every account and region, with the region and partition
	// left as ${AWS::Region} and ${AWS::Partition} (CloudFormation
	// pseudo-parameters, resolved by Fn::Sub in each instance), since one
	// template serves every account and region.
	FanOutProps struct {
		StackSets config.StackSets
		Sets      []StackSetProps
	}
	StackSetProps struct {
		Name    string // StackSetName
		Purpose string // the purpose whose stack it deploys (Logs)
		Regions []string
		// Description of every instance's stack.
		Description string
		Props       any // as the purpose's Stack.Props: *LogsProps
	}
)

// StackSetsExecRoleArns matches the role a service-managed stack set deploys
// each account's stack with: StackSets makes stacksets-exec-<id> in every
// target account, and its service-linked role in the management account may
// assume exactly these (AWS managed policy
// CloudFormationStackSetsOrgAdminServiceRolePolicy: sts:AssumeRole on
// arn:aws:iam::*:role/stacksets-exec-*).
const StackSetsExecRoleArns = "arn:aws:iam::*:role/stacksets-exec-*"

// The pseudo-parameters a stack set's template leaves for each instance.
const (
	RegionParameter    = "${AWS::Region}"
	PartitionParameter = "${AWS::Partition}"
)

// InstanceRoleName is the name of the instance role (and profile) of
// Session Manager's stack in region, which remediation attaches to
// instances that have no profile.
func InstanceRoleName(region string) string { return "palisade-instance-" + region }

// Which accounts and regions hold a purpose's stacks.
type (
	accountSet int
	regionSet  int
)

const (
	securityAccount   accountSet = iota
	managementAccount            //
	instanceAccounts             // security, then workloads: the accounts that run instances
	workloadAccounts             //
	everyAccount                 // file order
)

const (
	everyRegion regionSet = iota // file order
	homeFirst                    // the home region first (HomeFirst)
	homeRegion                   //
	vpcRegions                   // the regions where the account has a VPC, file order
)

func (s accountSet) String() string {
	return [...]string{"security", "management", "security, workloads", "workloads", "every account"}[s]
}

func (s regionSet) String() string {
	return [...]string{"every region", "every region, home first", "home region", "regions with a VPC"}[s]
}

func (s accountSet) of(o *config.Org) []*config.Account {
	var out []*config.Account
	switch s {
	case securityAccount:
		out = []*config.Account{o.Security()}
	case managementAccount:
		out = []*config.Account{o.Management()}
	case instanceAccounts:
		out = append([]*config.Account{o.Security()}, o.Workloads()...)
	case workloadAccounts:
		out = o.Workloads()
	case everyAccount:
		for i := range o.Accounts {
			out = append(out, &o.Accounts[i])
		}
	}
	return slices.DeleteFunc(out, func(a *config.Account) bool { return a == nil }) // filtered out
}

func (s regionSet) of(o *config.Org, a *config.Account) []string {
	switch s {
	case homeFirst:
		return HomeFirst(o)
	case homeRegion:
		if slices.Contains(o.Regions, o.HomeRegion) {
			return []string{o.HomeRegion}
		}
		return nil
	case vpcRegions:
		return slices.DeleteFunc(slices.Clone(o.Regions), func(r string) bool { return a.VPCs[r] == nil })
	}
	return o.Regions
}

// after is a dependency of every stack of a purpose: on the stack of
// purpose in the account and region named, when the plan has it (a filtered
// org may not) and it is not the stack itself.
type after struct {
	purpose string
	account string // "security", "management", "same" (the stack's own) or "every" (each of the org's accounts)
	region  string // "same", "home" or "every" (each of the org's regions)
	reason  string
}

func (d after) String() string {
	switch {
	case d.account == "same" && d.region == "home":
		return d.purpose + " (its account's home region)"
	case d.account == "every":
		return d.purpose + " (every account, same region)"
	case d.region == "every":
		return d.purpose + " (every region)"
	}
	return fmt.Sprintf("%s (%s region)", d.purpose, d.region)
}

// entry is one purpose of the plan: which stacks it makes, what they read,
// after what they deploy and what logs they send.
type entry struct {
	purpose  string
	accounts accountSet
	regions  regionSet
	// forwarding: only when the org forwards log groups.
	forwarding bool
	// fanout: the purpose's stacks go through StackSets when the org file
	// has deployment.stackSets (perAccountUnlessStackSets), or the entry
	// exists only then (onlyWithStackSets).
	fanout fanoutMode
	// phase is the rollout step; "" means by the account's role: security
	// for the security account, accounts for the others.
	phase    string
	after    []after
	logs     []string
	describe func(o *config.Org, a *config.Account, region string) string
	props    func(o *config.Org, a *config.Account, region string) any
}

type fanoutMode int

const (
	always fanoutMode = iota
	perAccountUnlessStackSets
	onlyWithStackSets
)

// purposes is the org -> stacks table, in the order the stacks are
// created. Adding a stack purpose is one entry here and one factory in
// stacks.Build's table.
var purposes = []entry{
	{
		purpose:  LogArchive,
		accounts: securityAccount, regions: everyRegion,
		logs: []string{LogGroups}, // the security account's own forwarded log groups
		describe: func(o *config.Org, _ *config.Account, r string) string {
			return fmt.Sprintf("palisade %s: central log archive and log drain of the organization in %s", o.Name, r)
		},
		props: func(o *config.Org, _ *config.Account, r string) any {
			var trails []string
			if r == o.HomeRegion {
				trails = []string{o.TrailArn(o.Partition())}
			}
			return &LogArchiveProps{
				BucketName:        o.ArchiveBucketName(r),
				KeyAlias:          o.ArchiveKeyAlias(),
				OrganizationID:    o.OrganizationID,
				TrailArns:         trails,
				GuardDutyExport:   true,
				Archive:           o.Logging.Archive,
				DestinationName:   o.LogDestinationName(),
				ForwardLogGroups:  o.Logging.ForwardLogGroups,
				LogGroupRetention: o.Logging.LogGroupRetentionDays,
			}
		},
	},
	{
		purpose:  Network,
		accounts: instanceAccounts, regions: vpcRegions,
		after: []after{{LogArchive, "security", "same", "flow logs are delivered to the archive, whose policy must admit them first"}},
		logs:  []string{FlowLogs},
		describe: func(o *config.Org, a *config.Account, r string) string {
			return fmt.Sprintf("palisade %s: hardened VPC of the %s account %s in %s", o.Name, a.Role, a.Name, r)
		},
		props: func(o *config.Org, a *config.Account, r string) any {
			return &NetworkProps{
				VPC:              a.VPCs[r],
				ArchiveBucketArn: fmt.Sprintf("arn:%s:s3:::%s", o.Partition(), o.ArchiveBucketName(r)),
				DestinationArn:   o.LogDestinationArn(o.Partition(), r),
				DemoInstance:     o.Sessions.DemoInstance && a.Role == config.RoleWorkload,
			}
		},
	},
	{
		purpose:  Logs,
		accounts: workloadAccounts, regions: everyRegion, forwarding: true, fanout: perAccountUnlessStackSets,
		after: []after{{LogArchive, "security", "same", "the drain's destination must admit the subscription filters first"}},
		logs:  []string{LogGroups},
		describe: func(o *config.Org, a *config.Account, r string) string {
			return fmt.Sprintf("palisade %s: log groups of %s in %s, forwarded to the security account", o.Name, a.Name, r)
		},
		props: logsProps,
	},
	{
		purpose:  OrgAdmin,
		accounts: managementAccount, regions: homeFirst, phase: "delegation",
		after: []after{{OrgAdmin, "management", "home", "AWS Organizations refuses overlapping changes (ConcurrentModificationException): one region's delegations at a time"}},
		describe: func(o *config.Org, _ *config.Account, r string) string {
			return fmt.Sprintf("palisade %s: delegated administrators and guardrails of the organization in %s", o.Name, r)
		},
		props: orgAdminProps,
	},
	{
		purpose:  Trail,
		accounts: managementAccount, regions: homeRegion,
		after: []after{
			{LogArchive, "security", "home", "CloudTrail checks the archive's bucket and key policies when the trail is created"},
			{OrgAdmin, "management", "home", "an organization trail needs CloudTrail's trusted access in AWS Organizations first"},
		},
		logs: []string{CloudTrail},
		describe: func(o *config.Org, _ *config.Account, _ string) string {
			return fmt.Sprintf("palisade %s: the organization trail, delivered to the log archive", o.Name)
		},
		props: func(o *config.Org, _ *config.Account, r string) any {
			return &TrailProps{
				TrailName:   o.TrailName(),
				BucketName:  o.ArchiveBucketName(r),
				KeyAliasArn: o.ArchiveKeyAliasArn(o.Partition(), r),
				Trail:       o.Logging.Trail,
				CISAlarms:   o.Compliance.CISAlarms,
				AlarmEmails: o.Detection.AlertEmails,
			}
		},
	},
	{
		purpose:  Detect,
		accounts: securityAccount, regions: everyRegion,
		after: []after{
			{OrgAdmin, "management", "same", "the security account must be the delegated administrator first"},
			{OrgAdmin, "management", "home", "the region's organization analyzer needs IAM Access Analyzer's delegation, made from the home region"},
			{LogArchive, "security", "same", "GuardDuty exports findings to the archive"},
		},
		logs: []string{GuardDuty},
		describe: func(o *config.Org, _ *config.Account, r string) string {
			return fmt.Sprintf("palisade %s: GuardDuty, Security Hub, Access Analyzer and alerts for the organization in %s", o.Name, r)
		},
		props: func(o *config.Org, a *config.Account, r string) any {
			secID := o.AccountByRole(config.RoleSecurity).ID
			return &DetectProps{
				LinkedRegions:    slices.DeleteFunc(slices.Clone(o.Regions), func(x string) bool { return x == o.HomeRegion }),
				Detection:        o.Detection,
				ArchiveBucketArn: fmt.Sprintf("arn:%s:s3:::%s", o.Partition(), o.ArchiveBucketName(r)),
				ArchiveKeyFrom:   StackName(o.Name, LogArchive, a.Name, r),
				FunctionName:     DeployFunctionName(o.Name, r),
				MemberAccounts:   slices.DeleteFunc(o.AccountIDs(), func(id string) bool { return id == secID }),
			}
		},
	},
	{
		purpose:  Baseline,
		accounts: everyAccount, regions: homeFirst,
		after: []after{
			{LogArchive, "security", "same", "AWS Config checks the archive's policy when the delivery channel is created"},
			{Baseline, "same", "home", "the home region creates the account's AWS Config service-linked role"},
		},
		logs: []string{AWSConfig},
		describe: func(o *config.Org, a *config.Account, r string) string {
			return fmt.Sprintf("palisade %s: AWS Config and account hardening of %s in %s", o.Name, a.Name, r)
		},
		props: func(o *config.Org, a *config.Account, r string) any {
			role := ""
			if a.Role != config.RoleManagement {
				role = InstanceRoleName(r)
			}
			return &BaselineProps{ArchiveBucketName: o.ArchiveBucketName(r), Compliance: o.Compliance, InstanceRoleName: role}
		},
	},
	{
		purpose:  Sessions,
		accounts: instanceAccounts, regions: homeFirst,
		after: []after{
			{LogArchive, "security", "same", "the archive's policy must admit the account's transcripts and command output"},
			{Sessions, "same", "home", "the home region creates the account's Default Host Management role"},
		},
		logs: []string{Transcripts},
		describe: func(o *config.Org, a *config.Account, r string) string {
			return fmt.Sprintf("palisade %s: Session Manager, patching and agents of %s in %s", o.Name, a.Name, r)
		},
		props: func(o *config.Org, _ *config.Account, r string) any {
			return &SessionsProps{
				ArchiveBucketName:     o.ArchiveBucketName(r),
				ArchiveKeyAliasArn:    o.ArchiveKeyAliasArn(o.Partition(), r),
				Sessions:              o.Sessions,
				LogGroups:             o.Logging.ForwardLogGroups,
				LogGroupRetentionDays: o.Logging.LogGroupRetentionDays,
			}
		},
	},
	{
		purpose:  FanOut,
		accounts: managementAccount, regions: homeRegion, forwarding: true, fanout: onlyWithStackSets,
		after: []after{
			{LogArchive, "security", "every", "the drain's destination of every region must admit the subscription filters first"},
			{OrgAdmin, "management", "home", "service-managed stack sets need StackSets' trusted access with AWS Organizations first"},
		},
		describe: func(o *config.Org, _ *config.Account, _ string) string {
			return fmt.Sprintf("palisade %s: the stack sets that deploy the workload accounts' uniform stacks to the organization's target OUs", o.Name)
		},
		props: fanOutProps,
	},
	{
		purpose:  Compliance,
		accounts: securityAccount, regions: everyRegion, phase: "compliance",
		after: []after{
			{OrgAdmin, "management", "home", "the security account must be AWS Config's delegated administrator first"},
			{Baseline, "every", "same", "the conformance pack evaluates what every account's recorder records"},
		},
		describe: func(o *config.Org, _ *config.Account, r string) string {
			return fmt.Sprintf("palisade %s: the organization's AWS Config conformance pack in %s", o.Name, r)
		},
		props: func(o *config.Org, _ *config.Account, _ string) any {
			return &ComplianceProps{PackName: o.ConformancePackName(), Compliance: o.Compliance}
		},
	},
}

// fanOutProps are the stack sets of the org: one per purpose whose
// per-account stacks StackSets replaces (today: Logs).
func fanOutProps(o *config.Org, _ *config.Account, _ string) any {
	return &FanOutProps{
		StackSets: *o.Deployment.StackSets,
		Sets: []StackSetProps{{
			Name:        StackSetName(o.Name, Logs),
			Purpose:     Logs,
			Regions:     o.Regions,
			Description: fmt.Sprintf("palisade %s: log groups of this account, forwarded to the security account (stack set %s)", o.Name, StackSetName(o.Name, Logs)),
			Props:       logsPropsIn(o, PartitionParameter, RegionParameter),
		}},
	}
}

// purposeLogs are the kinds of log a purpose's stacks send.
func purposeLogs(purpose string) []string {
	for _, e := range purposes {
		if e.purpose == purpose {
			return e.logs
		}
	}
	return nil
}

// logsProps are a Logs stack's props in region.
func logsProps(o *config.Org, _ *config.Account, r string) any {
	return logsPropsIn(o, o.Partition(), r)
}

// logsPropsIn are the Logs props in partition and region: a stack set's
// template passes PartitionParameter and RegionParameter.
func logsPropsIn(o *config.Org, partition, r string) *LogsProps {
	return &LogsProps{
		DestinationArn:    o.LogDestinationArn(partition, r),
		ForwardLogGroups:  o.Logging.ForwardLogGroups,
		LogGroupRetention: o.Logging.LogGroupRetentionDays,
	}
}

// orgAdminProps: the home region's stack attaches the guardrails when the
// org file names policy targets.
func orgAdminProps(o *config.Org, a *config.Account, r string) any {
	p := &OrgAdminProps{SecurityAccount: o.AccountByRole(config.RoleSecurity).ID, Inspector: len(o.Detection.Inspector) > 0,
		StackSetsTrustedAccess: o.FansOut() && r == o.HomeRegion}
	if d := o.Detection; r == o.HomeRegion && len(d.PolicyTargets) > 0 {
		g := &GuardrailsProps{
			TargetIds: d.PolicyTargets,
			// Every stack of the org, and the bootstrap's.
			ProtectedStackNames: []string{o.Name + "-*", "CDKToolkit"},
			// The log groups subscribed to the drain: the org file's, and
			// the VPC flow log groups, whose names CloudFormation makes
			// from the network stack's name (CloudFormation User Guide,
			// "Name type": the stack name, the logical id, a random string).
			ForwardedLogGroups: append(slices.Clone(o.Logging.ForwardLogGroups), StackName(o.Name, Network, "*", "*")),
			LogDestinations:    []string{o.LogDestinationName()},
			// The detect stacks' deploy-time functions, which adopt
			// GuardDuty's detector (DeployFunctionName).
			FunctionRoleArns: []string{"arn:aws:iam::*:role/" + DeployFunctionName(o.Name, "*")},
			FunctionNames:    []string{DeployFunctionName(o.Name, "*")},
			// What they call that ProtectSecurityBaseline denies: only that.
			FunctionRoleActions: []string{"guardduty:UpdateDetector"},
		}
		if dep := o.Deployer(); dep.ID != a.ID {
			g.DeployingAccounts = []string{dep.ID}
		}
		if o.FansOut() {
			// A service-managed stack set deploys each account's stack as
			// the role stacksets-exec-<id> that StackSets makes in every
			// target account: the role its service-linked role in the
			// management account may assume (AWS managed policy
			// CloudFormationStackSetsOrgAdminServiceRolePolicy:
			// sts:AssumeRole on arn:aws:iam::*:role/stacksets-exec-*).
			// SCPs apply to it (it is not service-linked), so it is exempt
			// like CDK's execution role, and its stacks,
			// StackSet-<stack set>-<uuid>, are protected like the org's.
			g.MoreExemptRoleArns = []string{StackSetsExecRoleArns}
			g.ProtectedStackNames = append(g.ProtectedStackNames, "StackSet-"+o.Name+"-*")
		}
		if d.DenyOtherRegions {
			g.AllowedRegions = o.Regions
		}
		p.Guardrails = g
	}
	return p
}

// New computes the plan of org: every stack of the purposes table, in its
// order, with its props, dependencies, phase, wave and logs.
func New(org *config.Org) *Plan {
	p := &Plan{Org: org, index: map[string]int{}}
	for _, e := range purposes {
		if e.forwarding && len(org.Logging.ForwardLogGroups) == 0 {
			continue
		}
		if stackSets := org.Deployment.StackSets != nil; (e.fanout == perAccountUnlessStackSets && stackSets) || (e.fanout == onlyWithStackSets && !stackSets) {
			continue
		}
		for _, a := range e.accounts.of(org) {
			for _, r := range e.regions.of(org, a) {
				p.add(e, a, r)
			}
		}
	}
	p.waves, p.wavesErr = p.Waves(MaxActions)
	for _, w := range p.waves {
		for _, st := range w.Stages {
			for i := range st.Stacks {
				st.Stacks[i].Wave = w.Name
				p.Stacks[p.index[st.Stacks[i].Name]].Wave = w.Name
			}
		}
	}
	step := map[string]string{}
	for _, s := range p.Rollout(MaxActions) {
		for _, st := range s.Stages {
			for _, x := range st.Stacks {
				step[x.Name] = s.Name
			}
		}
	}
	for i := range p.Stacks {
		p.Stacks[i].Step = step[p.Stacks[i].Name]
	}
	for _, w := range p.waves {
		for _, st := range w.Stages {
			for i := range st.Stacks {
				st.Stacks[i].Step = step[st.Stacks[i].Name]
			}
		}
	}
	return p
}

func (p *Plan) add(e entry, a *config.Account, region string) {
	o := p.Org
	s := Stack{
		Name:        StackName(o.Name, e.purpose, a.Name, region),
		Purpose:     e.purpose,
		Account:     *a,
		Region:      region,
		Home:        region == o.HomeRegion,
		Description: e.describe(o, a, region),
		Phase:       e.phase,
		Props:       e.props(o, a, region),
	}
	if s.Phase == "" {
		s.Phase = "accounts"
		if a.Role == config.RoleSecurity {
			s.Phase = "security"
		}
	}
	for _, kind := range e.logs {
		// The log groups flow only when the org forwards some.
		if kind != LogGroups || len(o.Logging.ForwardLogGroups) > 0 {
			s.Logs = append(s.Logs, kind)
		}
	}
	seen := map[string]bool{s.Name: true}
	for _, d := range e.after {
		var accounts []*config.Account
		switch d.account {
		case "security":
			accounts = securityAccount.of(o)
		case "management":
			accounts = managementAccount.of(o)
		case "same":
			accounts = []*config.Account{a}
		case "every":
			accounts = everyAccount.of(o)
		}
		regions := []string{region}
		switch d.region {
		case "home":
			regions = []string{o.HomeRegion}
		case "every":
			regions = o.Regions
		}
		for _, acct := range accounts {
			for _, r := range regions {
				name := StackName(o.Name, d.purpose, acct.Name, r)
				if _, ok := p.index[name]; ok && !seen[name] {
					seen[name] = true
					s.DependsOn = append(s.DependsOn, Dependency{name, d.reason})
				}
			}
		}
	}
	p.index[s.Name] = len(p.Stacks)
	p.Stacks = append(p.Stacks, s)
}

// Stack is the plan's stack named name.
func (p *Plan) Stack(name string) (*Stack, bool) {
	i, ok := p.index[name]
	if !ok {
		return nil, false
	}
	return &p.Stacks[i], true
}

// StackSets are the stack sets of the plan's fanout stack (none without
// one).
func (p *Plan) StackSets() []StackSetProps {
	for _, s := range p.Stacks {
		if s.Purpose == FanOut {
			return s.Props.(*FanOutProps).Sets
		}
	}
	return nil
}

// Flow is the logs an account sends from a region to the security
// account's archive of a region.
type Flow struct {
	Account string   // account name
	Region  string   // where the logs come from
	To      string   // the region of the archive they go to
	Kinds   []string // in LogKinds order
}

// Flows are the plan's log flows, from its stacks' Logs: accounts in file
// order, regions in file order.
func (p *Plan) Flows() []Flow {
	type place struct{ account, region string }
	kinds := map[place][]string{}
	for _, s := range p.Stacks {
		k := place{s.Account.Name, s.Region}
		kinds[k] = append(kinds[k], s.Logs...)
	}
	// The stack sets' stacks send from the workload accounts.
	for _, set := range p.StackSets() {
		for _, a := range p.Org.Workloads() {
			for _, r := range set.Regions {
				kinds[place{a.Name, r}] = append(kinds[place{a.Name, r}], purposeLogs(set.Purpose)...)
			}
		}
	}
	var out []Flow
	for _, a := range p.Org.Accounts {
		for _, r := range p.Org.Regions {
			got := kinds[place{a.Name, r}]
			if len(got) == 0 {
				continue
			}
			var sorted []string
			for _, kind := range LogKinds {
				if slices.Contains(got, kind) {
					sorted = append(sorted, kind)
				}
			}
			out = append(out, Flow{Account: a.Name, Region: r, To: r, Kinds: sorted})
		}
	}
	return out
}

// Table is the purposes table as text, one line per purpose: the
// README's architecture section shows it (a test keeps the two equal).
func Table() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-11s %-20s %-25s %-11s %-36s %s\n", "purpose", "accounts", "regions", "phase", "after", "logs to the archive")
	for _, e := range purposes {
		regions := e.regions.String()
		if e.forwarding {
			regions += " (*)"
		}
		switch e.fanout {
		case perAccountUnlessStackSets:
			regions += " (s)"
		case onlyWithStackSets:
			regions += " (S)"
		}
		phase := e.phase
		if phase == "" {
			phase = "by account"
		}
		var deps []string
		for _, d := range e.after {
			deps = append(deps, d.String())
		}
		if len(deps) == 0 {
			deps = []string{"-"}
		}
		logs := strings.Join(e.logs, ", ")
		if logs == "" {
			logs = "-"
		}
		for i, d := range deps {
			if i == 0 {
				fmt.Fprintf(&b, "%-11s %-20s %-25s %-11s %-36s %s\n", e.purpose, e.accounts, regions, phase, d, logs)
			} else {
				fmt.Fprintf(&b, "%-11s %-20s %-25s %-11s %s\n", "", "", "", "", d)
			}
		}
	}
	b.WriteString("(*) only when the org forwards log groups; phase by account: security for the security account, accounts for the others\n")
	b.WriteString("(s) one stack per account without deployment.stackSets, else one stack set of the fanout stack; (S) only with deployment.stackSets\n")
	return b.String()
}
