// Package config is the organization model: the accounts, regions and VPCs
// that palisade turns into stacks, loaded strictly from one YAML file and
// validated as a whole before any construct exists.
//
// Load and LoadFile return an Org with every default applied (zones, NAT
// strategy, subnet masks, the subnet plan itself), so callers never
// re-derive them, or every problem in the file at once, each an *Error with
// its file:line:col and path.
//
// The package is plain Go: it never imports CDK or jsii.
package config

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Role is what an account is for.
type Role string

// The roles an account can have. An org has exactly one management and one
// security account and any number of workload accounts.
const (
	RoleManagement Role = "management" // the organization's management account; holds no workloads
	RoleSecurity   Role = "security"   // the security tooling and log archive account
	RoleWorkload   Role = "workload"   // an account that runs applications
)

// NATStrategy is how a VPC's private subnets reach the internet.
type NATStrategy string

// The NAT strategies.
const (
	NATPerAZ  NATStrategy = "perAz"  // one NAT gateway in each availability zone
	NATSingle NATStrategy = "single" // one NAT gateway for the whole VPC
	NATNone   NATStrategy = "none"   // no NAT gateways: private subnets are isolated
)

// Org is a whole organization file.
type Org struct {
	Name string // lowercase, at most 20 characters; used in stack names
	// OrganizationID is the AWS Organizations id (o-...), which the
	// cross-account policies are scoped to (aws:SourceOrgID,
	// aws:PrincipalOrgID) so that their size does not grow with the
	// number of accounts.
	OrganizationID string
	HomeRegion     string    // one of Regions
	Regions        []string  // the regions palisade deploys to, in file order
	Accounts       []Account // in file order; after Filter, the kept ones
	// AllAccounts are every account of the file, without their VPCs, also
	// after Filter: the security stack admits all of them whichever are built.
	AllAccounts []Account
	Logging     Logging    // the central log archive, the drain and the trail
	Detection   Detection  // the file's security section: Security Hub, GuardDuty, Access Analyzer, alerts, guardrails
	Compliance  Compliance // AWS Config, its rules and remediation, account hardening, CIS alarms
	Sessions    Sessions   // the file's sessionManager section: Session Manager, patching, agents
	Deployment  Deployment // who deploys, and the pipeline
	// Profile is "default" or "lean": lean trades availability and some
	// isolation for cost (one NAT gateway per VPC unless the file says
	// otherwise, Session Manager's interface endpoints only in VPCs without
	// NAT, whose instances have no other way to Systems Manager).
	Profile string
	Source  string // the file the org was loaded from, for messages
}

// Logging is where the org's logs go, with every default applied.
type Logging struct {
	Archive Archive
	// ForwardLogGroups are the CloudWatch log groups the security account and
	// every workload account create and forward to the security account's
	// drain (the CloudWatch agent writes them; the management account runs
	// no instances).
	ForwardLogGroups []string
	// LogGroupRetentionDays is how long those groups keep logs locally.
	LogGroupRetentionDays int
	Trail                 Trail
}

// Archive is the lifecycle of the central log archive.
type Archive struct {
	GlacierTransitionDays int // logs move to Glacier Instant Retrieval at this age
	ExpirationDays        int // logs are deleted at this age; 0 keeps them for ever
	// ObjectLockMode is "", "GOVERNANCE" or "COMPLIANCE"; with a mode, every
	// object is locked for ObjectLockDays.
	ObjectLockMode string
	ObjectLockDays int
}

// Detection is the org file's security section: how the security account
// watches the org and what guardrails hold, with every default applied.
type Detection struct {
	// Standards are the Security Hub standards the central configuration
	// policy enables, as in arn:aws:securityhub:<region>::standards/<standard>.
	Standards []string
	// DisabledControls maps a Security Hub control id (IAM.6) to the reason
	// it is off.
	DisabledControls map[string]string
	// PolicyTargets are the org root (r-...) and OUs (ou-...) that the
	// Security Hub configuration policy and the guardrail SCPs attach to.
	PolicyTargets []string
	// AlertSeverity is the lowest finding severity that alerts: LOW, MEDIUM,
	// HIGH or CRITICAL.
	AlertSeverity string
	// AlertEmails receive the alerts.
	AlertEmails []string
	// GuardDutyFeatures are the GuardDuty protections every detector runs.
	GuardDutyFeatures []string
	// DenyOtherRegions adds an SCP that denies member accounts every region
	// outside the org's regions (global services excepted).
	DenyOtherRegions bool
	// Inspector are the Amazon Inspector scan types (EC2, ECR, LAMBDA,
	// LAMBDA_CODE) turned on for the whole org from the security account;
	// empty: Inspector off.
	Inspector []string
}

// Trail is the organization CloudTrail of the management account.
type Trail struct {
	S3DataEvents   bool // also record S3 object-level (data) events
	CloudWatchLogs bool // also deliver to a CloudWatch log group in the management account; default true
}

// Account is one AWS account of the org.
type Account struct {
	Name string
	ID   string // 12 digits
	Role Role
	VPCs map[string]*VPC // key: region; nil or empty when the account has no VPC
}

// VPC is one VPC, with every default applied.
type VPC struct {
	CIDR              string      // an RFC 1918 network, /16 to /28
	AZCount           int         // 2 to 6
	AvailabilityZones []string    // resolved zone names, len == AZCount
	NATGateways       NATStrategy // never empty
	PublicSubnets     bool
	PublicSubnetMask  int // 16 to 28; meaningful only with PublicSubnets
	PrivateSubnetMask int // 16 to 28
	// InterfaceEndpoints are service names such as "ssm" or "ecr.api",
	// in file order.
	InterfaceEndpoints []string
	DedicatedTenancy   bool
	BlockPublicAccess  bool // VPC Block Public Access, ingress mode
	FlowLogs           FlowLogs
	Subnets            []Subnet // the plan, in allocation order (see PlanSubnets)
}

// FlowLogs configures the VPC's flow logs beyond the default destination.
type FlowLogs struct {
	CloudWatch    bool // also send flow logs to an encrypted CloudWatch log group
	RetentionDays int  // the log group's retention; 0 unless CloudWatch
}

// Subnet is one subnet of a VPC's plan.
type Subnet struct {
	Group string // "public" or "private"
	AZ    string
	CIDR  string
}

// Management returns the management account, or nil when a Filter left it out.
func (o *Org) Management() *Account { return o.byRole(RoleManagement) }

// Security returns the security account, or nil when a Filter left it out.
func (o *Org) Security() *Account { return o.byRole(RoleSecurity) }

// Workloads returns the workload accounts in file order.
func (o *Org) Workloads() []*Account {
	var out []*Account
	for i := range o.Accounts {
		if o.Accounts[i].Role == RoleWorkload {
			out = append(out, &o.Accounts[i])
		}
	}
	return out
}

func (o *Org) byRole(r Role) *Account {
	for i := range o.Accounts {
		if o.Accounts[i].Role == r {
			return &o.Accounts[i]
		}
	}
	return nil
}

// Filter returns a copy of the org restricted to the named accounts (each
// given by name or by id) and regions; an empty slice means all of them.
// Accounts and regions keep their file order, and each account keeps only
// the VPCs in the kept regions. HomeRegion is kept even when it is filtered
// out, since it is a fact about the org. A name that is not in the org is an
// error that lists the valid ones.
func (o *Org) Filter(accounts, regions []string) (*Org, error) {
	var errs []error

	keepRegion := map[string]bool{}
	for _, r := range regions {
		if !slices.Contains(o.Regions, r) {
			errs = append(errs, fmt.Errorf("unknown region %q; the org's regions are %s", r, strings.Join(o.Regions, ", ")))
		}
		keepRegion[r] = true
	}
	keepAccount := map[int]bool{}
	for _, a := range accounts {
		i := slices.IndexFunc(o.Accounts, func(acc Account) bool { return acc.Name == a || acc.ID == a })
		if i < 0 {
			var valid []string
			for _, acc := range o.Accounts {
				valid = append(valid, fmt.Sprintf("%s (%s)", acc.Name, acc.ID))
			}
			errs = append(errs, fmt.Errorf("unknown account %q; the org's accounts are %s", a, strings.Join(valid, ", ")))
			continue
		}
		keepAccount[i] = true
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}

	// Every section is kept (a copy), only Regions and Accounts are filtered.
	out := new(Org)
	*out = *o
	out.Regions, out.Accounts = nil, nil
	out.Logging.ForwardLogGroups = slices.Clone(o.Logging.ForwardLogGroups)
	d := &out.Detection
	d.Standards, d.PolicyTargets = slices.Clone(d.Standards), slices.Clone(d.PolicyTargets)
	d.AlertEmails, d.GuardDutyFeatures = slices.Clone(d.AlertEmails), slices.Clone(d.GuardDutyFeatures)
	d.DisabledControls = maps.Clone(d.DisabledControls)
	d.Inspector = slices.Clone(d.Inspector)
	c := &out.Compliance
	c.ExtraRules, c.DisabledRules, c.DisabledRemediations = maps.Clone(c.ExtraRules), maps.Clone(c.DisabledRules), maps.Clone(c.DisabledRemediations)
	c.InternetIngressPorts = slices.Clone(c.InternetIngressPorts)
	out.Sessions.Patching.OperatingSystems = slices.Clone(o.Sessions.Patching.OperatingSystems)
	out.Deployment.ProductionAccounts = slices.Clone(o.Deployment.ProductionAccounts)
	if p := o.Deployment.Pipeline; p != nil {
		c := *p
		out.Deployment.Pipeline = &c
	}
	for _, r := range o.Regions {
		if len(regions) == 0 || keepRegion[r] {
			out.Regions = append(out.Regions, r)
		}
	}
	for i, acc := range o.Accounts {
		if len(accounts) > 0 && !keepAccount[i] {
			continue
		}
		c := Account{Name: acc.Name, ID: acc.ID, Role: acc.Role}
		if acc.VPCs != nil {
			c.VPCs = map[string]*VPC{}
			for r, v := range acc.VPCs {
				if len(regions) == 0 || keepRegion[r] {
					c.VPCs[r] = v.clone()
				}
			}
		}
		out.Accounts = append(out.Accounts, c)
	}
	return out, nil
}

func (v *VPC) clone() *VPC {
	c := *v
	c.AvailabilityZones = slices.Clone(v.AvailabilityZones)
	c.InterfaceEndpoints = slices.Clone(v.InterfaceEndpoints)
	c.Subnets = slices.Clone(v.Subnets)
	return &c
}
