package config

import (
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// Compliance is the org file's compliance section: AWS Config, its rules and
// remediation, account hardening and the CIS alarms, with every default
// applied.
type Compliance struct {
	// ExtraRules adds AWS Config managed rules to the organization
	// conformance pack: rule name to managed rule identifier.
	ExtraRules map[string]string
	// DisabledRules drops baseline rules of the pack: rule name to reason.
	DisabledRules map[string]string
	// DisabledRemediations turns automatic remediations off: one of
	// Remediations to the reason.
	DisabledRemediations map[string]string
	// InternetIngressPorts are the TCP ports palisade's custom rule lets a
	// security group open to the internet. Default: 80, 443.
	InternetIngressPorts []int
	// EbsKey is the key EBS encrypts new volumes with by default:
	// "aws-managed" (aws/ebs, the default) or "customer-managed" (a key of
	// each account and region, rotated and retained).
	EbsKey string
	// DeleteDefaultVPCs deletes every account's default VPC in every region.
	DeleteDefaultVPCs bool
	// PasswordMaxAgeDays is the IAM password policy's maximum age. Default: 90.
	PasswordMaxAgeDays int
	// CISAlarms adds the CIS metric filters and alarms to the trail's log
	// group. Default: true (it needs logging.trail.cloudWatchLogs).
	CISAlarms bool
	// CreateConfigRole creates AWS Config's service-linked role in every
	// account (home region). Default: true; false where something else
	// (Control Tower, an earlier recorder) already created it.
	CreateConfigRole bool
	// UnmanagedAccounts are accounts of the organization that the org file
	// does not manage: palisade deploys no recorder there, so the
	// organization conformance pack excludes them (its ExcludedAccounts).
	// AWS Config's organization conformance pack fails in an account
	// without a recorder (PutOrganizationConformancePack, "Prerequisites";
	// superwerker#291), and `palisade preflight` refuses an organization
	// account that is neither in the file nor here.
	UnmanagedAccounts []UnmanagedAccount
}

// UnmanagedAccount is an account of the organization outside the org file,
// with the reason palisade leaves it alone.
type UnmanagedAccount struct {
	ID     string // 12 digits
	Reason string
}

// UnmanagedAccountIDs are the ids of UnmanagedAccounts, in file order.
func (c Compliance) UnmanagedAccountIDs() []string {
	ids := make([]string, len(c.UnmanagedAccounts))
	for i, a := range c.UnmanagedAccounts {
		ids[i] = a.ID
	}
	return ids
}

// The remediations the compliance section can turn off.
const (
	RemediatePublicBuckets        = "publicBuckets"
	RemediateUnencryptedBuckets   = "unencryptedBuckets"
	RemediateDefaultSecurityGroup = "defaultSecurityGroup"
	RemediateUnmanagedInstances   = "unmanagedInstances"
)

// Remediations are every remediation palisade deploys, in order.
var Remediations = []string{RemediatePublicBuckets, RemediateUnencryptedBuckets, RemediateDefaultSecurityGroup, RemediateUnmanagedInstances}

// Sessions is the org file's sessionManager section: Session Manager,
// patching and agents in the security and workload accounts.
type Sessions struct {
	IdleTimeoutMinutes int    // 1 to 60; default 20
	MaxSessionMinutes  int    // 1 to 1440; default 60
	RunAsUser          string // empty: Run As off, sessions run as ssm-user
	LogRetentionDays   int    // session transcripts in CloudWatch; default 365
	Patching           Patching
	// DemoInstance adds a small Graviton instance in a private subnet of
	// each VPC of the workload accounts, reachable only through Session
	// Manager. Default: false.
	DemoInstance bool
}

// Patching is when and how instances are patched.
type Patching struct {
	OperatingSystems []string // Patch Manager families; default AMAZON_LINUX_2023, UBUNTU, WINDOWS
	ApproveAfterDays int      // 1 to 360; default 7
	InstallSchedule  string   // cron(...) or rate(...); default cron(0 3 ? * SUN *)
	Timezone         string   // IANA; default UTC
	MaxConcurrency   string   // a number or a percentage; default 10%
	MaxErrors        string   // a number or a percentage; default 5%
}

var (
	ruleNameRE        = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)
	ruleIdentifierRE  = regexp.MustCompile(`^[A-Z0-9][A-Z0-9_]*$`)
	scheduleRE        = regexp.MustCompile(`^(cron|rate)\(.+\)$`)
	rateRE            = regexp.MustCompile(`^([1-9][0-9]*|[1-9][0-9]?%|100%)$`)
	timezoneRE        = regexp.MustCompile(`^(UTC|[A-Z][A-Za-z_]+(/[A-Z][A-Za-z_+-]+){1,2})$`)
	osUserRE          = regexp.MustCompile(`^[a-z_][a-z0-9_-]{0,31}$`)
	ebsKeys           = []string{"aws-managed", "customer-managed"}
	operatingSystems  = []string{"AMAZON_LINUX_2023", "AMAZON_LINUX_2", "REDHAT_ENTERPRISE_LINUX", "ROCKY_LINUX", "UBUNTU", "DEBIAN", "WINDOWS"}
	defaultOSFamilies = []string{"AMAZON_LINUX_2023", "UBUNTU", "WINDOWS"}

	defaultIngressPorts = []int{80, 443}
	remoteAccessPorts   = []int{22, 3389} // SSH and RDP: never open to the internet
)

// Ranges and defaults of the compliance and sessionManager sections.
const (
	minPort, maxPort        = 1, 65535
	maxPasswordAgeDays      = 90 // also the default: CIS asks for 90 at most
	maxIdleMinutes          = 60
	defaultIdleMinutes      = 20
	maxSessionMinutes       = 1440
	defaultSessionMinutes   = 60
	maxApproveDays          = 360
	defaultApproveDays      = 7
	defaultSchedule         = "cron(0 3 ? * SUN *)"
	defaultTimezone         = "UTC"
	defaultMaxConcurrency   = "10%"
	defaultMaxErrors        = "5%"
	defaultCISAlarms        = true
	defaultCreateConfigRole = true
)

func (d *decoder) reasons(n ast.Node, p string, dst *map[string]string) {
	es, ok := d.entries(n, p, func(k string) string { return regionPath(p, k) })
	if !ok {
		return
	}
	d.set[p] = true
	*dst = map[string]string{}
	for _, e := range es {
		cp := regionPath(p, e.key)
		d.pos[cp] = nodePos(e.keyNode)
		var v string
		d.str(e.value, cp, &v)
		(*dst)[e.key] = v
	}
}

func (d *decoder) intList(n ast.Node, p string, dst *[]int) {
	d.set[p] = true
	var out []int
	for i, it := range d.sequence(n, p) {
		ip := item(p, i)
		d.pos[ip] = nodePos(it)
		var v int
		d.integer(it, ip, &v)
		out = append(out, v)
	}
	*dst = out
}

// reasonShape is a reason why something is off: the loader wants 10
// characters or more once trimmed (a rule, not in the schema).
var reasonShape = &shape{doc: "Why this does not apply in this org (10 characters or more)."}

func (d *decoder) complianceFields(c *Compliance) []field {
	return []field{
		d.reasonsField("extraRules", &c.ExtraRules, shape{
			doc:    "More AWS Config managed rules for the organization conformance pack: a rule name (not a baseline rule's) to its managed rule identifier.",
			keys:   &shape{pattern: ruleNameRE, not: &shape{enum: anys(baselineRules)}, doc: "A rule name: 1 to 64 lowercase letters, digits and hyphens, not a baseline rule's."},
			values: &shape{pattern: ruleIdentifierRE, doc: "An AWS Config managed rule identifier, such as RDS_STORAGE_ENCRYPTED."}}),
		d.reasonsField("disabledRules", &c.DisabledRules, shape{
			doc:    "Baseline rules of the conformance pack to drop, each with the reason it does not apply.",
			keys:   &shape{enum: anys(BaselineRules())},
			values: reasonShape}),
		d.reasonsField("disabledRemediations", &c.DisabledRemediations, shape{
			doc:    "Automatic remediations to turn off, each with the reason.",
			keys:   &shape{enum: anys(Remediations)},
			values: reasonShape}),
		d.intListField("internetIngressPorts", &c.InternetIngressPorts, shape{unique: true, def: defaultIngressPorts,
			doc:   "The TCP ports palisade's AWS Config rule lets a security group open to the internet (22 and 3389 never).",
			items: &shape{min: ptr(minPort), max: ptr(maxPort), not: &shape{enum: anys(remoteAccessPorts)}}}),
		d.strField("ebsKey", &c.EbsKey, shape{enum: anys(ebsKeys), def: ebsKeys[0],
			doc: "The key EBS encrypts new volumes with by default: aws-managed (aws/ebs) or customer-managed (a rotated, retained key of each account and region)."}),
		d.boolField("deleteDefaultVpcs", &c.DeleteDefaultVPCs, shape{def: false,
			doc: "Delete every account's default VPC in every region (only when it has no network interfaces in use)."}),
		d.intField("passwordMaxAgeDays", &c.PasswordMaxAgeDays, shape{min: ptr(1), max: ptr(maxPasswordAgeDays), def: maxPasswordAgeDays,
			doc: "The IAM password policy's maximum password age, in days (CIS asks for 90 at most)."}),
		d.boolField("cisAlarms", &c.CISAlarms, shape{def: defaultCISAlarms,
			doc: "The CIS metric filters and alarms on the organization trail's log group (needs logging.trail.cloudWatchLogs)."}),
		d.boolField("createConfigRole", &c.CreateConfigRole, shape{def: defaultCreateConfigRole,
			doc: "Create AWS Config's service-linked role in every account; false where something else (Control Tower, an earlier recorder) created it."}),
		{"unmanagedAccounts", shape{kind: kList, unique: true, maxItem: maxUnmanagedAccounts,
			doc:   "Accounts of the organization that this file does not manage: the organization conformance pack excludes them (it fails in an account without a recorder), and `palisade preflight` refuses any other account outside the file. Default: none.",
			items: &shape{kind: kObject, fields: func() []field { return d.unmanagedFields(&UnmanagedAccount{}) }}},
			func(n ast.Node, p string) {
				d.set[p] = true
				for i, it := range d.sequence(n, p) {
					ip := item(p, i)
					d.pos[ip] = nodePos(it)
					var u UnmanagedAccount
					d.mapping(it, ip, d.unmanagedFields(&u))
					c.UnmanagedAccounts = append(c.UnmanagedAccounts, u)
				}
			}},
	}
}

// maxUnmanagedAccounts is the most accounts an organization conformance
// pack excludes (PutOrganizationConformancePack, ExcludedAccounts: "Maximum
// number of 1000 items").
const maxUnmanagedAccounts = 1000

func (d *decoder) unmanagedFields(u *UnmanagedAccount) []field {
	return []field{
		d.accountIDField("id", &u.ID, "The 12-digit id of an organization account this file does not manage, in quotes."),
		d.strField("reason", &u.Reason, shape{required: true, doc: "Why palisade leaves this account alone (10 characters or more)."}),
	}
}

func (d *decoder) sessionFields(s *Sessions) []field {
	pt := &s.Patching
	return []field{
		d.intField("idleTimeoutMinutes", &s.IdleTimeoutMinutes, shape{min: ptr(1), max: ptr(maxIdleMinutes), def: defaultIdleMinutes,
			doc: "An idle session ends after this many minutes."}),
		d.intField("maxSessionMinutes", &s.MaxSessionMinutes, shape{min: ptr(1), max: ptr(maxSessionMinutes), def: defaultSessionMinutes,
			doc: "Any session ends after this many minutes."}),
		d.strField("runAsUser", &s.RunAsUser, shape{pattern: osUserRE, orEmpty: true,
			doc: "Linux sessions run as this user instead of ssm-user (which has sudo). Default: none."}),
		d.intField("logRetentionDays", &s.LogRetentionDays, shape{enum: anys(retentionDays), def: defaultRetentionDays,
			doc: "How long session transcripts stay in CloudWatch Logs, in days (a retention CloudWatch Logs accepts)."}),
		d.boolField("demoInstance", &s.DemoInstance, shape{def: false,
			doc: "A small Graviton instance in a private subnet of each workload VPC, reachable only through Session Manager."}),
		d.objectField("patching", shape{doc: "When and how instances are patched (Patch Manager)."}, func() []field {
			return []field{
				d.strListField("operatingSystems", &pt.OperatingSystems, shape{minItems: 1, unique: true, def: defaultOSFamilies,
					doc:   "A patch baseline and patch group (tag PatchGroup=palisade-<os>) per operating system family.",
					items: &shape{enum: anys(operatingSystems)}}),
				d.intField("approveAfterDays", &pt.ApproveAfterDays, shape{min: ptr(1), max: ptr(maxApproveDays), def: defaultApproveDays,
					doc: "Security patches are approved this many days after release."}),
				d.strField("installSchedule", &pt.InstallSchedule, shape{pattern: scheduleRE, def: defaultSchedule,
					doc: "When the maintenance window opens: cron(...) or rate(...)."}),
				d.strField("timezone", &pt.Timezone, shape{pattern: timezoneRE, def: defaultTimezone,
					doc: "The schedule's IANA time zone, such as UTC or Europe/Paris."}),
				d.strField("maxConcurrency", &pt.MaxConcurrency, shape{pattern: rateRE, def: defaultMaxConcurrency,
					doc: "How many instances patch at a time: a number (1 or more) or a percentage (1% to 100%), as a string."}),
				d.strField("maxErrors", &pt.MaxErrors, shape{pattern: rateRE, def: defaultMaxErrors,
					doc: "The window stops after this many failures: a number (1 or more) or a percentage (1% to 100%), as a string."}),
			}
		}),
	}
}

// baselineRules are the names of the conformance pack's baseline rules (the
// conformancepack construct's Baseline; config never imports constructs).
var baselineRules = []string{
	"s3-bucket-server-side-encryption-enabled", "s3-bucket-public-read-prohibited", "s3-bucket-public-write-prohibited",
	"s3-bucket-ssl-requests-only", "s3-account-level-public-access-blocks-periodic", "vpc-flow-logs-enabled",
	"vpc-default-security-group-closed", "restricted-ssh", "restricted-common-ports", "ec2-instance-managed-by-systems-manager",
	"ec2-imdsv2-check", "ec2-ebs-encryption-by-default", "encrypted-volumes", "cloudtrail-enabled",
	"multi-region-cloudtrail-enabled", "cloud-trail-log-file-validation-enabled", "iam-root-access-key-check",
	"root-account-mfa-enabled", "iam-password-policy", "guardduty-enabled-centralized", "securityhub-enabled",
	"kms-cmk-not-scheduled-for-deletion",
}

// BaselineRules returns the conformance pack's baseline rule names, sorted.
func BaselineRules() []string { return slices.Sorted(slices.Values(baselineRules)) }

func (d *decoder) validateCompliance(c *Compliance, trail Trail) {
	const cp = "compliance"
	reason := func(path, r string) {
		if len(strings.TrimSpace(r)) < 10 {
			d.errorf(path, "the reason %q is too short: say why this does not apply in this org", r)
		}
	}
	for _, name := range sortedKeys(c.ExtraRules) {
		p := regionPath(join(cp, "extraRules"), name)
		switch id := c.ExtraRules[name]; {
		case !ruleNameRE.MatchString(name):
			d.errorf(p, "%q is not a rule name: use 1 to 64 lowercase letters, digits and hyphens", name)
		case slices.Contains(baselineRules, name):
			d.errorf(p, "%q is already a baseline rule; pick another name", name)
		case !ruleIdentifierRE.MatchString(id):
			d.errorf(p, "%q is not an AWS Config managed rule identifier such as RDS_STORAGE_ENCRYPTED", id)
		}
	}
	for _, name := range sortedKeys(c.DisabledRules) {
		p := regionPath(join(cp, "disabledRules"), name)
		if !slices.Contains(baselineRules, name) {
			d.errorf(p, "%q is not a baseline rule; the baseline rules are %s", name, strings.Join(BaselineRules(), ", "))
			continue
		}
		reason(p, c.DisabledRules[name])
	}
	for _, name := range sortedKeys(c.DisabledRemediations) {
		p := regionPath(join(cp, "disabledRemediations"), name)
		if !slices.Contains(Remediations, name) {
			d.errorf(p, "%q is not a remediation palisade deploys; use one of %s", name, strings.Join(Remediations, ", "))
			continue
		}
		reason(p, c.DisabledRemediations[name])
	}
	pp := join(cp, "internetIngressPorts")
	if !d.set[pp] {
		c.InternetIngressPorts = slices.Clone(defaultIngressPorts)
	}
	seen := map[int]int{}
	for i, port := range c.InternetIngressPorts {
		ip := item(pp, i)
		if port < minPort || port > maxPort {
			d.errorf(ip, "%d is not a TCP port; use %d to %d", port, minPort, maxPort)
		} else if slices.Contains(remoteAccessPorts, port) {
			d.errorf(ip, "%d is SSH or RDP: palisade never lets the internet reach them; use Session Manager", port)
		} else if j, dup := seen[port]; dup {
			d.errorf(ip, "duplicate port %d; it is already item %d", port, j)
		} else {
			seen[port] = i
		}
	}
	if !d.set[join(cp, "ebsKey")] {
		c.EbsKey = ebsKeys[0]
	} else if !slices.Contains(ebsKeys, c.EbsKey) {
		d.errorf(join(cp, "ebsKey"), "%q is not an EBS key choice; use aws-managed or customer-managed", c.EbsKey)
	}
	mp := join(cp, "passwordMaxAgeDays")
	if !d.set[mp] {
		c.PasswordMaxAgeDays = maxPasswordAgeDays
	} else if a := c.PasswordMaxAgeDays; a < 1 || a > maxPasswordAgeDays {
		d.errorf(mp, "%d days is not a maximum password age palisade accepts; use 1 to %d (CIS asks for 90 at most)", a, maxPasswordAgeDays)
	}
	if !d.set[join(cp, "createConfigRole")] {
		c.CreateConfigRole = defaultCreateConfigRole
	}
	d.validateUnmanaged(c.UnmanagedAccounts)
	ap := join(cp, "cisAlarms")
	if !d.set[ap] {
		c.CISAlarms = defaultCISAlarms
	}
	if c.CISAlarms && !trail.CloudWatchLogs {
		path := ap
		if !d.set[ap] {
			path = "logging.trail.cloudWatchLogs"
			if _, ok := d.pos[path]; !ok {
				path = ""
			}
		}
		d.errorf(path, "the CIS alarms (compliance.cisAlarms, on by default) read the organization trail's CloudWatch log group: set logging.trail.cloudWatchLogs: true, or compliance.cisAlarms: false to go without them")
	}
}

// validateUnmanaged checks compliance.unmanagedAccounts; that no id is also
// an account of the file is checked with the accounts (validateAccounts).
func (d *decoder) validateUnmanaged(us []UnmanagedAccount) {
	up := join("compliance", "unmanagedAccounts")
	if len(us) > maxUnmanagedAccounts {
		d.errorf(up, "lists %d accounts; an organization conformance pack excludes at most %d", len(us), maxUnmanagedAccounts)
	}
	seen := map[string]int{}
	for i, u := range us {
		p := item(up, i)
		if d.bad[p] {
			continue
		}
		if d.require(p, "id", `the 12-digit id of the organization account, quoted, like "123456789012"`) {
			ip := join(p, "id")
			switch j, dup := seen[u.ID]; {
			case !accountIDRE.MatchString(u.ID):
				d.errorf(ip, "%q is not a valid AWS account id: use exactly 12 digits", u.ID)
			case dup:
				d.errorf(ip, "duplicate account id %q; item %d already has it", u.ID, j)
			default:
				seen[u.ID] = i
			}
		}
		if d.require(p, "reason", "why palisade leaves this account alone") && len(strings.TrimSpace(u.Reason)) < 10 {
			d.errorf(join(p, "reason"), "the reason %q is too short: say why palisade leaves this account alone", u.Reason)
		}
	}
}

func (d *decoder) validateSessions(s *Sessions) {
	const sp = "sessionManager"
	def := func(name string, dst *int, v int) bool {
		if !d.set[join(sp, name)] {
			*dst = v
			return false
		}
		return true
	}
	if def("idleTimeoutMinutes", &s.IdleTimeoutMinutes, defaultIdleMinutes) && (s.IdleTimeoutMinutes < 1 || s.IdleTimeoutMinutes > maxIdleMinutes) {
		d.errorf(join(sp, "idleTimeoutMinutes"), "%d is not an idle timeout Session Manager accepts; use 1 to %d minutes", s.IdleTimeoutMinutes, maxIdleMinutes)
	}
	if def("maxSessionMinutes", &s.MaxSessionMinutes, defaultSessionMinutes) && (s.MaxSessionMinutes < 1 || s.MaxSessionMinutes > maxSessionMinutes) {
		d.errorf(join(sp, "maxSessionMinutes"), "%d is not a session duration Session Manager accepts; use 1 to %d minutes", s.MaxSessionMinutes, maxSessionMinutes)
	}
	if s.RunAsUser != "" && !osUserRE.MatchString(s.RunAsUser) {
		d.errorf(join(sp, "runAsUser"), "%q is not a Linux user name: use lowercase letters, digits, _ and -, starting with a letter or _", s.RunAsUser)
	}
	if def("logRetentionDays", &s.LogRetentionDays, defaultRetentionDays) && !slices.Contains(retentionDays, s.LogRetentionDays) {
		d.errorf(join(sp, "logRetentionDays"), "%d days is not a retention CloudWatch Logs accepts; use one of %s", s.LogRetentionDays, retentionList())
	}
	pp := join(sp, "patching")
	pt := &s.Patching
	if !d.set[join(pp, "operatingSystems")] {
		pt.OperatingSystems = slices.Clone(defaultOSFamilies)
	} else if len(pt.OperatingSystems) == 0 {
		d.errorf(join(pp, "operatingSystems"), "lists no operating system; name at least one of %s", strings.Join(operatingSystems, ", "))
	}
	d.uniqueOf(join(pp, "operatingSystems"), pt.OperatingSystems, operatingSystems, "Patch Manager operating system")
	if !d.set[join(pp, "approveAfterDays")] {
		pt.ApproveAfterDays = defaultApproveDays
	} else if a := pt.ApproveAfterDays; a < 1 || a > maxApproveDays {
		d.errorf(join(pp, "approveAfterDays"), "%d is not a number of days Patch Manager accepts; use 1 to %d", a, maxApproveDays)
	}
	str := func(name string, dst *string, def string, re *regexp.Regexp, what string) {
		p := join(pp, name)
		if !d.set[p] {
			*dst = def
		} else if !re.MatchString(*dst) {
			d.errorf(p, "%q is not %s", *dst, what)
		}
	}
	str("installSchedule", &pt.InstallSchedule, defaultSchedule, scheduleRE, "a schedule expression such as cron(0 3 ? * SUN *) or rate(7 days)")
	str("timezone", &pt.Timezone, defaultTimezone, timezoneRE, "an IANA time zone such as UTC or Europe/Paris")
	str("maxConcurrency", &pt.MaxConcurrency, defaultMaxConcurrency, rateRE, "a number of instances (1 or more) or a percentage (1% to 100%)")
	str("maxErrors", &pt.MaxErrors, defaultMaxErrors, rateRE, "a number of instances (1 or more) or a percentage (1% to 100%)")
}

func sortedKeys(m map[string]string) []string {
	return slices.Sorted(func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	})
}

// portList formats ports for a rule parameter: "80,443".
func portList(ports []int) string {
	s := make([]string, len(ports))
	for i, p := range ports {
		s[i] = strconv.Itoa(p)
	}
	return strings.Join(s, ",")
}

// InternetIngressPortList is InternetIngressPorts as the custom rule's
// parameter: "80,443".
func (c Compliance) InternetIngressPortList() string { return portList(c.InternetIngressPorts) }
