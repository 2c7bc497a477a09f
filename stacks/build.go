// Package stacks maps an organization onto CloudFormation stacks: build.go is
// the one table from accounts and regions to stacks; each stack composes
// constructs from palisade/constructs and reads only its slice of the org.
package stacks

import (
	"fmt"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/palisade-sec/palisade/config"
	"github.com/palisade-sec/palisade/constructs/guardrails"
	"github.com/palisade-sec/palisade/constructs/logarchive"
	"github.com/palisade-sec/palisade/constructs/logdrain"
	"github.com/palisade-sec/palisade/constructs/orgtrail"
	"github.com/palisade-sec/palisade/deployplan"
)

// Build adds the org's stacks to scope and returns them in creation order.
// It is BuildSelected with every stack kept. This is the whole table:
//
//	security account, every region          <org>-logarchive-<account>-<region>  the central log archive and the log drain
//	security and workload accounts,
//	  every region with a VPC               <org>-network-<account>-<region>     the VPC; flow logs to the region's archive
//	workload accounts, every region,
//	  when the org forwards log groups      <org>-logs-<account>-<region>        the log groups, subscribed to the drain
//	management account, every region        <org>-orgadmin-<account>-<region>    delegated admins (GuardDuty, Inspector; home: Security Hub, Access Analyzer, Config), CloudTrail trusted access and guardrail SCPs (home)
//	management account, home region         <org>-trail-<account>-<region>       the organization trail, to the home archive
//	security account, every region          <org>-detect-<account>-<region>      GuardDuty for the org (findings to the archive), Access Analyzer; home: Security Hub central configuration, alerts
//	every account, every region             <org>-baseline-<account>-<region>    AWS Config recorder delivering to the region's archive
//	security and workload accounts,
//	  every region                          <org>-sessions-<account>-<region>    Session Manager, patching, agents; home: the Default Host Management role
//	security account, every region          <org>-compliance-<account>-<region>  the organization conformance pack; home: the organization aggregator
//
// deployplan.Stacks lists the same stacks without CDK (test/ checks that
// they agree), and deployplan.Waves orders them for the pipeline. The
// management account holds no VPC. Each stack deploys after the stacks
// it writes into; dependencies are added only between stacks that are both
// in the (possibly filtered) org. Names and ARNs that cross accounts come
// from config, never from another stack's outputs.
func Build(scope constructs.Construct, org *config.Org) []awscdk.Stack {
	return BuildSelected(scope, org, nil)
}

// BuildSelected adds to scope only the org's stacks whose names keep
// accepts (every stack when keep is nil), with the same constructs and
// props as Build, so that each one synthesizes the same template; a
// pipeline stage builds its own stacks this way. Dependencies are added
// only between stacks that are both built.
//
// A detect stack reads its region's archive key from the logarchive stack
// (same account and region): keep must accept both or neither, else
// BuildSelected panics.
func BuildSelected(scope constructs.Construct, org *config.Org, keep func(name string) bool) []awscdk.Stack {
	out, _ := BuildPart(scope, org, keep)
	return out
}

// Edge is a dependency between two stacks by name: Stack deploys after
// DependsOn, for Reason.
type Edge struct{ Stack, DependsOn, Reason string }

// BuildPart is BuildSelected that also returns every dependency of a built
// stack, in the order it added them, including those it could not add
// because keep refused the stack depended on. A parallel synth (one process
// per part of the org's accounts) restores them in the merged cloud
// assembly, where both stacks are.
func BuildPart(scope constructs.Construct, org *config.Org, keep func(name string) bool) ([]awscdk.Stack, []Edge) {
	var (
		out   []awscdk.Stack
		edges []Edge
		built = map[string]awscdk.Stack{}
	)
	partition := org.Partition()
	kept := func(name string) bool { return keep == nil || keep(name) }
	add := func(name string, s awscdk.Stack) {
		built[name] = s
		out = append(out, s)
	}
	// after makes the stack named name deploy after the stack named dep
	// (when the org has one: dep is "" otherwise).
	after := func(name, dep, why string) {
		if dep == "" {
			return
		}
		edges = append(edges, Edge{name, dep, why})
		if d, ok := built[dep]; ok {
			built[name].AddStackDependency(d, jsii.String(why))
		}
	}
	// afterHome remembers an account's home-region stack (regions come home
	// first) and makes its other regions' stacks deploy after it.
	afterHome := func(region, name string, home *string, why string) {
		if region == org.HomeRegion {
			*home = name
		} else {
			after(name, *home, why)
		}
	}

	mgmt, secID := org.AccountByRole(config.RoleManagement), org.AccountByRole(config.RoleSecurity).ID
	trailArn := orgtrail.TrailArn(partition, org.HomeRegion, mgmt.ID, org.TrailName())
	destination := func(region string) string {
		return logdrain.DestinationArn(partition, region, secID, org.LogDestinationName())
	}
	logRetention := retention(org.Logging.LogGroupRetentionDays)

	// The stacks others depend on, by region: "" when the org has none.
	archive := func(region string) string {
		if sec := org.Security(); sec != nil {
			return StackName(org.Name, "logarchive", sec.Name, region)
		}
		return ""
	}
	admin := func(region string) string {
		if m := org.Management(); m != nil {
			return StackName(org.Name, "orgadmin", m.Name, region)
		}
		return ""
	}
	archiveKeys := map[string]string{} // by region: the archive key's ARN, a same-account reference
	if sec := org.Security(); sec != nil {
		for _, region := range org.Regions {
			var trails []string
			if region == org.HomeRegion {
				trails = []string{trailArn}
			}
			name := StackName(org.Name, "logarchive", sec.Name, region)
			if !kept(name) {
				continue
			}
			s := NewLogArchive(scope, name, &LogArchiveProps{
				StackName:         name,
				Description:       fmt.Sprintf("palisade %s: central log archive and log drain of the organization in %s", org.Name, region),
				Account:           sec.ID,
				Region:            region,
				BucketName:        org.ArchiveBucketName(region),
				KeyAlias:          org.ArchiveKeyAlias(),
				OrganizationID:    org.OrganizationID,
				TrailArns:         trails,
				GuardDutyExport:   true,
				Archive:           org.Logging.Archive,
				DestinationName:   org.LogDestinationName(),
				ForwardLogGroups:  org.Logging.ForwardLogGroups,
				LogGroupRetention: logRetention,
			})
			archiveKeys[region] = *s.Archive.Key.KeyArn()
			add(name, s.Stack)
		}
	}

	for _, acct := range append([]*config.Account{org.Security()}, org.Workloads()...) {
		if acct == nil {
			continue
		}
		for _, region := range org.Regions {
			vpc := acct.VPCs[region]
			if vpc == nil {
				continue
			}
			name := StackName(org.Name, "network", acct.Name, region)
			if !kept(name) {
				continue
			}
			s := NewNetwork(scope, name, &NetworkProps{
				StackName:        name,
				Description:      fmt.Sprintf("palisade %s: hardened VPC of the %s account %s in %s", org.Name, acct.Role, acct.Name, region),
				Account:          acct.ID,
				Region:           region,
				VPC:              vpc,
				ArchiveBucketArn: fmt.Sprintf("arn:%s:s3:::%s", partition, org.ArchiveBucketName(region)),
				DestinationArn:   destination(region),
				DemoInstance:     org.Sessions.DemoInstance && acct.Role == config.RoleWorkload,
			})
			add(name, s.Stack)
			after(name, archive(region), "flow logs are delivered to the archive, whose policy must admit them first")
		}
	}

	if len(org.Logging.ForwardLogGroups) > 0 {
		for _, acct := range org.Workloads() {
			for _, region := range org.Regions {
				name := StackName(org.Name, "logs", acct.Name, region)
				if !kept(name) {
					continue
				}
				s := NewLogForward(scope, name, &LogForwardProps{
					StackName:         name,
					Description:       fmt.Sprintf("palisade %s: log groups of %s in %s, forwarded to the security account", org.Name, acct.Name, region),
					Account:           acct.ID,
					Region:            region,
					DestinationArn:    destination(region),
					ForwardLogGroups:  org.Logging.ForwardLogGroups,
					LogGroupRetention: logRetention,
				})
				add(name, s)
				after(name, archive(region), "the drain's destination must admit the subscription filters first")
			}
		}
	}

	if m := org.Management(); m != nil {
		for _, region := range deployplan.HomeFirst(org) {
			home := region == org.HomeRegion
			var rails *guardrails.Props
			if d := org.Detection; home && len(d.PolicyTargets) > 0 {
				rails = &guardrails.Props{
					TargetIds: d.PolicyTargets,
					// Every stack of the org, and the bootstrap's.
					ProtectedStackNames: []string{org.Name + "-*", "CDKToolkit"},
					// The log groups subscribed to the drain: the org file's, and
					// the VPC flow log groups, whose names CloudFormation makes
					// from the network stack's name (CloudFormation User Guide,
					// "Name type": the stack name, the logical id, a random string).
					ForwardedLogGroups: append(slices.Clone(org.Logging.ForwardLogGroups), StackName(org.Name, "network", "*", "*")),
					LogDestinations:    []string{org.LogDestinationName()},
					// The detect stacks' deploy-time functions, which adopt
					// GuardDuty's detector (DeployFunctionName).
					FunctionRoleArns: []string{"arn:aws:iam::*:role/" + DeployFunctionName(org.Name, "*")},
					FunctionNames:    []string{DeployFunctionName(org.Name, "*")},

					// What they call that ProtectSecurityBaseline denies: only that.
					FunctionRoleActions: []string{"guardduty:UpdateDetector"},
				}
				if dep := org.Deployer(); dep.ID != m.ID {
					rails.DeployingAccounts = []string{dep.ID}
				}
				if d.DenyOtherRegions {
					rails.AllowedRegions = org.Regions
				}
			}
			name := StackName(org.Name, "orgadmin", m.Name, region)
			if !kept(name) {
				continue
			}
			s := NewOrgAdmin(scope, name, &OrgAdminProps{
				StackName:       name,
				Description:     fmt.Sprintf("palisade %s: delegated administrators and guardrails of the organization in %s", org.Name, region),
				Account:         m.ID,
				Region:          region,
				SecurityAccount: secID,
				Home:            home,
				Guardrails:      rails,
				Inspector:       len(org.Detection.Inspector) > 0,
			})
			add(name, s)
			if !home {
				after(name, admin(org.HomeRegion), "AWS Organizations refuses overlapping changes (ConcurrentModificationException): one region's delegations at a time")
			}
		}
	}

	if m := org.Management(); m != nil && slices.Contains(org.Regions, org.HomeRegion) && kept(StackName(org.Name, "trail", m.Name, org.HomeRegion)) {
		name := StackName(org.Name, "trail", m.Name, org.HomeRegion)
		s := NewTrail(scope, name, &TrailProps{
			StackName:   name,
			Description: fmt.Sprintf("palisade %s: the organization trail, delivered to the log archive", org.Name),
			Account:     m.ID,
			Region:      org.HomeRegion,
			TrailName:   org.TrailName(),
			BucketName:  org.ArchiveBucketName(org.HomeRegion),
			KeyAliasArn: org.ArchiveKeyAliasArn(partition, org.HomeRegion),
			Trail:       org.Logging.Trail,
			CISAlarms:   org.Compliance.CISAlarms,
			AlarmEmails: org.Detection.AlertEmails,
		})
		add(name, s)
		after(name, archive(org.HomeRegion), "CloudTrail checks the archive's bucket and key policies when the trail is created")
		after(name, admin(org.HomeRegion), "an organization trail needs CloudTrail's trusted access in AWS Organizations first")
	}

	if sec := org.Security(); sec != nil {
		for _, region := range org.Regions {
			var linked []string
			for _, r := range org.Regions {
				if r != org.HomeRegion {
					linked = append(linked, r)
				}
			}
			name := StackName(org.Name, "detect", sec.Name, region)
			if !kept(name) {
				continue
			}
			if _, ok := archiveKeys[region]; !ok {
				panic(fmt.Sprintf("stacks.BuildSelected: keep accepts %s but not %s, whose archive key it reads; keep both or neither",
					name, StackName(org.Name, "logarchive", sec.Name, region)))
			}
			s := NewDetect(scope, name, &DetectProps{
				StackName:         name,
				Description:       fmt.Sprintf("palisade %s: GuardDuty, Security Hub, Access Analyzer and alerts for the organization in %s", org.Name, region),
				Account:           sec.ID,
				Region:            region,
				Home:              region == org.HomeRegion,
				LinkedRegions:     linked,
				Detection:         org.Detection,
				FindingsBucketArn: fmt.Sprintf("arn:%s:s3:::%s/%s", partition, org.ArchiveBucketName(region), logarchive.GuardDutyPrefix),
				FindingsKeyArn:    archiveKeys[region],
				FunctionName:      DeployFunctionName(org.Name, region),
				MemberAccounts:    slices.DeleteFunc(org.AccountIDs(), func(id string) bool { return id == secID }),
			})
			add(name, s)
			after(name, admin(region), "the security account must be the delegated administrator first")
			if region != org.HomeRegion {
				after(name, admin(org.HomeRegion), "the region's organization analyzer needs IAM Access Analyzer's delegation, made from the home region")
			}
			after(name, archive(region), "GuardDuty exports findings to the archive")
		}
	}

	for _, acct := range org.Accounts {
		var home string
		for _, region := range deployplan.HomeFirst(org) {
			instanceRole := ""
			if acct.Role != config.RoleManagement {
				instanceRole = InstanceRoleName(region)
			}
			name := StackName(org.Name, "baseline", acct.Name, region)
			if !kept(name) {
				continue
			}
			s := NewBaseline(scope, name, &BaselineProps{
				StackName:         name,
				Description:       fmt.Sprintf("palisade %s: AWS Config and account hardening of %s in %s", org.Name, acct.Name, region),
				Account:           acct.ID,
				Region:            region,
				Home:              region == org.HomeRegion,
				ArchiveBucketName: org.ArchiveBucketName(region),
				Compliance:        org.Compliance,
				InstanceRoleName:  instanceRole,
			})
			add(name, s)
			after(name, archive(region), "AWS Config checks the archive's policy when the delivery channel is created")
			afterHome(region, name, &home, "the home region creates the account's AWS Config service-linked role")
		}
	}

	for _, acct := range append([]*config.Account{org.Security()}, org.Workloads()...) {
		if acct == nil {
			continue
		}
		var home string
		for _, region := range deployplan.HomeFirst(org) {
			name := StackName(org.Name, "sessions", acct.Name, region)
			if !kept(name) {
				continue
			}
			s := NewSessions(scope, name, &SessionsProps{
				StackName:             name,
				Description:           fmt.Sprintf("palisade %s: Session Manager, patching and agents of %s in %s", org.Name, acct.Name, region),
				Account:               acct.ID,
				Region:                region,
				Home:                  region == org.HomeRegion,
				ArchiveBucketName:     org.ArchiveBucketName(region),
				ArchiveKeyAliasArn:    org.ArchiveKeyAliasArn(partition, region),
				Sessions:              org.Sessions,
				LogGroups:             org.Logging.ForwardLogGroups,
				LogGroupRetentionDays: org.Logging.LogGroupRetentionDays,
			})
			add(name, s)
			after(name, archive(region), "the archive's policy must admit the account's transcripts and command output")
			afterHome(region, name, &home, "the home region creates the account's Default Host Management role")
		}
	}

	if sec := org.Security(); sec != nil {
		for _, region := range org.Regions {
			name := StackName(org.Name, "compliance", sec.Name, region)
			if !kept(name) {
				continue
			}
			s := NewCompliance(scope, name, &ComplianceProps{
				StackName:   name,
				Description: fmt.Sprintf("palisade %s: the organization's AWS Config conformance pack in %s", org.Name, region),
				Account:     sec.ID,
				Region:      region,
				Home:        region == org.HomeRegion,
				PackName:    org.ConformancePackName(),
				Compliance:  org.Compliance,
			})
			add(name, s)
			after(name, admin(org.HomeRegion), "the security account must be AWS Config's delegated administrator first")
			for _, acct := range org.Accounts {
				after(name, StackName(org.Name, "baseline", acct.Name, region), "the conformance pack evaluates what every account's recorder records")
			}
		}
	}
	return out, edges
}

// DeployFunctionName is deployplan.DeployFunctionName: the security
// account's deploy-time function and its role, which the guardrails exempt
// and protect (guardrails.Props FunctionRoleArns and FunctionNames).
func DeployFunctionName(org, region string) string {
	return deployplan.DeployFunctionName(org, region)
}

// StackName is <org>-<purpose>-<account>-<region>, the name of every stack
// (deployplan.StackName).
func StackName(org, purpose, account, region string) string {
	return deployplan.StackName(org, purpose, account, region)
}

// retention converts days (validated by config against the same list) to
// the CDK enum; 0 means the construct's default.
func retention(days int) awslogs.RetentionDays {
	return retentionDays[days]
}

var retentionDays = map[int]awslogs.RetentionDays{
	1:    awslogs.RetentionDays_ONE_DAY,
	3:    awslogs.RetentionDays_THREE_DAYS,
	5:    awslogs.RetentionDays_FIVE_DAYS,
	7:    awslogs.RetentionDays_ONE_WEEK,
	14:   awslogs.RetentionDays_TWO_WEEKS,
	30:   awslogs.RetentionDays_ONE_MONTH,
	60:   awslogs.RetentionDays_TWO_MONTHS,
	90:   awslogs.RetentionDays_THREE_MONTHS,
	120:  awslogs.RetentionDays_FOUR_MONTHS,
	150:  awslogs.RetentionDays_FIVE_MONTHS,
	180:  awslogs.RetentionDays_SIX_MONTHS,
	365:  awslogs.RetentionDays_ONE_YEAR,
	400:  awslogs.RetentionDays_THIRTEEN_MONTHS,
	545:  awslogs.RetentionDays_EIGHTEEN_MONTHS,
	731:  awslogs.RetentionDays_TWO_YEARS,
	1096: awslogs.RetentionDays_THREE_YEARS,
	1827: awslogs.RetentionDays_FIVE_YEARS,
	2192: awslogs.RetentionDays_SIX_YEARS,
	2557: awslogs.RetentionDays_SEVEN_YEARS,
	2922: awslogs.RetentionDays_EIGHT_YEARS,
	3288: awslogs.RetentionDays_NINE_YEARS,
	3653: awslogs.RetentionDays_TEN_YEARS,
}
