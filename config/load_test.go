package config_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/palisade-sec/palisade/config"
)

// loadBad loads testdata/bad/<name>.yaml, which must fail, and returns its
// problems.
func loadBad(t *testing.T, name string) []*config.Error {
	t.Helper()
	org, err := config.LoadFile(filepath.Join("testdata", "bad", name+".yaml"))
	if err == nil {
		t.Fatalf("LoadFile(%s) succeeded with %+v; want an error", name, org)
	}
	if org != nil {
		t.Errorf("LoadFile(%s) returned an org with its error", name)
	}
	errs := config.Errors(err)
	if len(errs) == 0 {
		t.Fatalf("LoadFile(%s) error %q holds no *config.Error", name, err)
	}
	return errs
}

// Each bad file holds exactly one problem, reported with its path, its
// position and a message.
func TestLoadBad(t *testing.T) {
	tests := []struct {
		file      string
		path      string
		line, col int
		msg       string // a substring of the message
	}{
		{"compliance-cis-default-no-logs", "logging.trail.cloudWatchLogs", 14, 21, "the CIS alarms (compliance.cisAlarms, on by default) read the organiza"},
		{"compliance-cis-no-logs", "compliance.cisAlarms", 16, 14, "the CIS alarms (compliance.cisAlarms, on by default) read the organiza"},
		{"compliance-unmanaged-duplicate", "compliance.unmanagedAccounts[1].id", 16, 11, `duplicate account id "555555555555"; item 0 already has it`},
		{"compliance-unmanaged-id-number", "compliance.unmanagedAccounts[0].id", 14, 11, "the account id 555555555555 is a YAML number; quote it"},
		{"compliance-unmanaged-in-file", "compliance.unmanagedAccounts[0].id", 14, 11, `"222222222222" is accounts[1] (security) of this file, which palisade manages`},
		{"compliance-unmanaged-reason-short", "compliance.unmanagedAccounts[0].reason", 15, 15, `the reason "n/a" is too short: say why palisade leaves this account alone`},
		{"compliance-unmanaged-unknown-key", "compliance.unmanagedAccounts[0].name", 16, 7, `unknown field "name"; allowed fields are id, reason`},
		{"compliance-disabled-reason", "compliance.disabledRules[root-account-mfa-enabled]", 14, 31, "the reason \"n/a\" is too short: say why this does not apply in this org"},
		{"compliance-disabled-unknown", "compliance.disabledRules[s3-encrypted]", 14, 19, "\"s3-encrypted\" is not a baseline rule; the baseline rules are cloud-tr"},
		{"compliance-ebs-key", "compliance.ebsKey", 13, 11, "\"alias/my-key\" is not an EBS key choice; use aws-managed or customer-m"},
		{"compliance-extra-baseline", "compliance.extraRules[restricted-ssh]", 14, 21, "\"restricted-ssh\" is already a baseline rule; pick another name"},
		{"compliance-extra-identifier", "compliance.extraRules[rds-encrypted]", 14, 20, "\"rds-storage-encrypted\" is not an AWS Config managed rule identifier s"},
		{"compliance-password-age", "compliance.passwordMaxAgeDays", 13, 23, "365 days is not a maximum password age palisade accepts; use 1 to 90 ("},
		{"compliance-port-range", "compliance.internetIngressPorts[1]", 13, 30, "70000 is not a TCP port; use 1 to 65535"},
		{"compliance-port-ssh", "compliance.internetIngressPorts[1]", 13, 31, "22 is SSH or RDP: palisade never lets the internet reach them; use Ses"},
		{"compliance-remediation-unknown", "compliance.disabledRemediations[publicBucket]", 14, 19, "\"publicBucket\" is not a remediation palisade deploys; use one of publi"},
		{"sessions-approve", "sessionManager.patching.approveAfterDays", 14, 23, "0 is not a number of days Patch Manager accepts; use 1 to 360"},
		{"sessions-duration", "sessionManager.maxSessionMinutes", 13, 22, "0 is not a session duration Session Manager accepts; use 1 to 1440 min"},
		{"sessions-idle", "sessionManager.idleTimeoutMinutes", 13, 23, "90 is not an idle timeout Session Manager accepts; use 1 to 60 minutes"},
		{"sessions-os", "sessionManager.patching.operatingSystems[1]", 14, 43, "\"CENTOS\" is not a Patch Manager operating system palisade knows; use o"},
		{"sessions-rate", "sessionManager.patching.maxConcurrency", 14, 21, "\"150%\" is not a number of instances (1 or more) or a percentage (1% to"},
		{"sessions-retention", "sessionManager.logRetentionDays", 13, 21, "100 days is not a retention CloudWatch Logs accepts; use one of 1, 3, "},
		{"sessions-runas", "sessionManager.runAsUser", 13, 14, "\"Admin User\" is not a Linux user name: use lowercase letters, digits, "},
		{"sessions-schedule", "sessionManager.patching.installSchedule", 14, 22, "\"every sunday\" is not a schedule expression such as cron(0 3 ? * SUN *"},
		{"sessions-timezone", "sessionManager.patching.timezone", 14, 15, "\"CET+1\" is not an IANA time zone such as UTC or Europe/Paris"},
		{"sessions-unknown", "sessionManager.idleTimeout", 13, 3, "unknown field \"idleTimeout\"; allowed fields are idleTimeoutMinutes, ma"},
		{"deployment-account", "deployment.account", 13, 12, "\"tooling\" is not an account of this file; name the management account "},
		{"deployment-concurrency", "deployment.concurrency", 13, 16, "500 is not a deploy concurrency palisade accepts; use 1 to 100 stacks a"},
		{"deployment-stacksets-no-targets", "deployment.stackSets.targets", 13, 3, "is required: the org root (r-...) or the OUs (ou-...-...) whose accoun"},
		{"deployment-stacksets-target", "deployment.stackSets.targets[1]", 14, 33, "\"333333333333\" is not an organization root id (r-...) or OU id (ou-...-"},
		{"deployment-stacksets-nothing", "deployment.stackSets", 13, 3, "fans out the workload accounts' log stacks, the only stacks StackSets "},
		{"deployment-stacksets-concurrency", "deployment.stackSets.maxConcurrentPercentage", 15, 30, "0 is not a share of accounts StackSets accepts (1 to 100 percent)"},
		{"deployment-connection", "deployment.pipeline.connectionArn", 14, 20, "\"arn:aws:iam::111111111111:role/github\" is not a connection ARN such a"},
		{"deployment-no-source", "deployment.pipeline", 13, 3, "names no source: give connectionArn with repository (GitHub, GitLab, B"},
		{"deployment-production-management", "deployment.productionAccounts[0]", 13, 24, "\"management\" is the management account, which runs no workloads; list "},
		{"deployment-repository", "deployment.pipeline.repository", 15, 17, "\"palisade\" is not a repository such as owner/name"},
		{"deployment-two-sources", "deployment.pipeline", 13, 3, "names both a connection (connectionArn) and codeCommitRepository; keep"},
		{"profile-unknown", "profile", 12, 10, `"cheap" is not a profile; use default or lean`},
		{"logging-expiration-early", "logging.archive.expirationDays", 15, 21, "30 must be 0 (keep logs for ever) or more than glacierTransitionDays (90)"},
		{"logging-loggroup-duplicate", "logging.forwardLogGroups[1]", 13, 41, "duplicate log group \"/var/log/messages\""},
		{"logging-loggroup-invalid", "logging.forwardLogGroups[1]", 13, 41, "\"/var/log/my app\" is not a CloudWatch log group name"},
		{"logging-loggroup-many", "logging.forwardLogGroups", 13, 3, "11 log groups are more than the 10 palisade forwards"},
		{"logging-loggroup-long", "logging.forwardLogGroups", 13, 3, "the log group names are 602 characters together, more than the 600"},
		{"logging-objectlock-longer", "logging.archive.expirationDays", 14, 21, "400 is shorter than the Object Lock retention (730 days)"},
		{"logging-objectlock-mode", "logging.archive.objectLock.mode", 15, 13, "\"forever\" is not an Object Lock mode; use governance or compliance"},
		{"logging-retention", "logging.logGroupRetentionDays", 13, 26, "100 days is not a retention CloudWatch Logs accepts"},
		{"logging-trail-unknown", "logging.trail.s3DataEvent", 14, 5, "unknown field \"s3DataEvent\"; allowed fields are s3DataEvents, cloudWatchLogs"},
		{"security-standard-unknown", "security.standards[1]", 13, 65, "\"iso-27001/v/1.0.0\" is not a Security Hub standard palisade knows"},
		{"security-control-id", "security.disabledControls[IAM-6]", 14, 12, "\"IAM-6\" is not a Security Hub control id"},
		{"security-control-reason", "security.disabledControls[IAM.6]", 14, 12, "the reason \"no\" is too short"},
		{"security-target", "security.policyTargets[0]", 13, 19, "\"333333333333\" is not an organization root id (r-...) or OU id"},
		{"security-severity", "security.alertSeverity", 13, 18, "\"urgent\" is not a severity; use one of LOW, MEDIUM, HIGH, CRITICAL"},
		{"security-email", "security.alertEmails[1]", 13, 39, "\"soc team\" is not an email address"},
		{"security-inspector-type", "security.inspector[1]", 13, 20, `"S3" is not a scan type (Amazon Inspector) palisade knows; use one of EC2, ECR, LAMBDA, LAMBDA_CODE`},
		{"security-inspector-code", "security.inspector", 13, 3, "lists LAMBDA_CODE without LAMBDA"},
		{"security-guardduty-feature", "security.guardDutyFeatures[1]", 13, 39, "\"MALWARE\" is not a GuardDuty feature palisade knows"},
		{"account-id-duplicate", "accounts[2].id", 16, 9, "duplicate account id \"222222222222\""},
		{"account-id-invalid", "accounts[2].id", 16, 9, "\"33333333333\" is not a valid AWS account id: use exactly 12 digits"},
		{"account-id-number", "accounts[2].id", 16, 9, "quote it: id: \"333333333333\""},
		{"account-name-duplicate", "accounts[2].name", 15, 11, "duplicate account name \"security\""},
		{"account-name-invalid", "accounts[2].name", 15, 11, "\"Prod\" is not a valid account name: use 1 to 32 lowercase letters, digits and hyphens, starting with a letter"},
		{"account-name-missing", "accounts[2].name", 15, 5, "is required: a short lowercase name, like prod"},
		{"accounts-empty", "accounts", 5, 1, "is empty: an org needs one management account, one security account and any number of workload accounts"},
		{"alias-unknown", "accounts[2].vpcs[us-east-1].cidr", 20, 15, "alias *prodCidr has no anchor &prodCidr before it"},
		{"azcount-range", "accounts[2].vpcs[us-east-1].azCount", 21, 18, "1 is out of range: use 2 to 6"},
		{"azcount-region-max", "accounts[2].vpcs[eu-west-1].azCount", 21, 18, "4 is more than the 3 availability zones eu-west-1 offers: use at most 3"},
		{"azs-count-mismatch", "accounts[2].vpcs[us-east-1].availabilityZones", 22, 9, "lists 2 zones but azCount is 3"},
		{"azs-duplicate", "accounts[2].vpcs[us-east-1].availabilityZones[1]", 21, 41, "duplicate availability zone \"us-east-1a\""},
		{"azs-too-few", "accounts[2].vpcs[us-east-1].availabilityZones", 21, 9, "lists 1 zone; list 2 to 6"},
		{"azs-wrong-region", "accounts[2].vpcs[us-east-1].availabilityZones[1]", 21, 41, "\"us-east-2b\" is not an availability zone of us-east-1"},
		{"cidr-invalid", "accounts[2].vpcs[us-east-1].cidr", 20, 15, "\"10.1.0.0/33\" is not a valid IPv4 CIDR, like 10.0.0.0/16"},
		{"cidr-ipv6", "accounts[2].vpcs[us-east-1].cidr", 20, 15, "\"fd00::/48\" is not a valid IPv4 CIDR, like 10.0.0.0/16"},
		{"cidr-missing", "accounts[2].vpcs[us-east-1].cidr", 19, 7, "is required: the VPC's IPv4 range, like 10.0.0.0/16"},
		{"cidr-not-network", "accounts[2].vpcs[us-east-1].cidr", 20, 15, "\"10.1.0.1/16\" is not a network address; did you mean 10.1.0.0/16"},
		{"cidr-overlap-accounts", "accounts[2].vpcs[us-east-1].cidr", 20, 15, "10.0.128.0/17 overlaps 10.0.0.0/16 at accounts[1].vpcs[us-east-1].cidr"},
		{"cidr-overlap-regions", "accounts[2].vpcs[eu-west-1].cidr", 22, 15, "10.1.0.0/16 overlaps 10.1.0.0/16 at accounts[2].vpcs[us-east-1].cidr"},
		{"cidr-public", "accounts[2].vpcs[us-east-1].cidr", 20, 15, "is outside the private ranges of RFC 1918"},
		{"cidr-too-large", "accounts[2].vpcs[us-east-1].cidr", 20, 15, "\"10.0.0.0/8\" has a /8 prefix"},
		{"cidr-too-small", "accounts[2].vpcs[us-east-1].cidr", 20, 15, "\"10.1.0.0/29\" has a /29 prefix"},
		{"duplicate-key", "accounts[2].role", 18, 5, "duplicate key \"role\""},
		{"empty", "", 0, 0, "the file is empty"},
		{"endpoint-duplicate", "accounts[2].vpcs[us-east-1].interfaceEndpoints[2]", 21, 41, "duplicate interface endpoint \"kms\""},
		{"endpoint-invalid", "accounts[2].vpcs[us-east-1].interfaceEndpoints[1]", 21, 35, "\"s3\" is not a supported interface endpoint; use one of ssm, ssmmessages,"},
		{"flowlogs-unknown-key", "accounts[2].vpcs[us-east-1].flowLogs.s3", 22, 11, "unknown field \"s3\""},
		{"home-region-missing", "homeRegion", 2, 1, "is required: one of regions, where org-wide resources live"},
		{"home-region-not-listed", "homeRegion", 3, 13, "\"us-west-2\" is not in regions (us-east-1, eu-west-1)"},
		{"management-duplicate", "accounts[2].role", 17, 11, "a second management account"},
		{"management-missing", "accounts", 5, 1, "no management account: exactly one account needs role: management"},
		{"management-vpc", "accounts[0].vpcs", 9, 5, "the management account holds no workloads, so it has no VPCs; move the VPC to a workload account"},
		{"mask-larger-than-vpc", "accounts[2].vpcs[us-east-1].privateSubnetMask", 21, 28, "/18 is larger than the VPC 10.1.0.0/20: use 20 or more"},
		{"organization-id-missing", "organizationId", 2, 1, "is required: the AWS Organizations id (o-...)"},
		{"organization-id-invalid", "organizationId", 21, 17, "\"O-ABC\" is not an organization id: use o- and 10 to 32 lowercase letters or digits"},
		{"name-invalid", "name", 2, 7, "\"Test_Org\" is not a valid org name: use 1 to 20 lowercase letters, digits and hyphens, starting with a letter"},
		{"name-missing", "name", 2, 1, "is required: the org's name, used in stack names"},
		{"name-too-long", "name", 2, 7, "\"a-very-long-organization-name\" is not a valid org name: use 1 to 20 lowercase letters, digits and hyphens, starting with a letter"},
		{"nat-invalid", "accounts[2].vpcs[us-east-1].natGateways", 21, 22, "\"perAZ\" is not a valid natGateways value"},
		{"not-a-mapping", "", 2, 1, "the file holds a list"},
		{"plan-does-not-fit-zones", "accounts[2].vpcs[us-east-1]", 19, 7, "needs 131072 addresses (3 public /24 and 3 private /17 subnets, each aligned to its size) but 10.1.0.0/16 has 65536"},
		{"plan-does-not-fit", "accounts[2].vpcs[us-east-1]", 19, 7, "needs 384 addresses (2 public /26 and 2 private /25 subnets, each aligned to its size) but 10.1.0.0/24 has 256; use a larger cidr or smaller subnets"},
		{"private-mask-range", "accounts[2].vpcs[us-east-1].privateSubnetMask", 21, 28, "15 is out of range: use 16 to 28"},
		{"public-false-default-nat", "accounts[2].vpcs[us-east-1].publicSubnets", 21, 24, "natGateways is perAz (the default), and NAT gateways live in public subnets"},
		{"public-false-with-nat", "accounts[2].vpcs[us-east-1].publicSubnets", 22, 24, "natGateways is single, and NAT gateways live in public subnets"},
		{"public-mask-range", "accounts[2].vpcs[us-east-1].publicSubnetMask", 21, 27, "29 is out of range: use 16 to 28"},
		{"public-mask-without-public", "accounts[2].vpcs[us-east-1].publicSubnetMask", 22, 27, "has no effect without public subnets"},
		{"region-duplicate", "regions[2]", 4, 33, "duplicate region \"us-east-1\""},
		{"region-unknown-far", "regions[1]", 4, 22, "\"mars-north-1\" is not an AWS commercial region; use one of af-south-1, ap-east-1,"},
		{"region-unknown", "regions[1]", 4, 22, "the closest is us-east-1"},
		{"regions-empty", "regions", 4, 1, "is empty: list at least one region, like [us-east-1]"},
		{"retention-invalid", "accounts[2].vpcs[us-east-1].flowLogs.retentionDays", 23, 26, "100 days is not a retention CloudWatch Logs accepts; use one of 1, 3, 5, 7, 14, 30,"},
		{"retention-without-cloudwatch", "accounts[2].vpcs[us-east-1].flowLogs.retentionDays", 22, 26, "applies only to the CloudWatch copy of the flow logs"},
		{"role-invalid", "accounts[2].role", 17, 11, "\"admin\" is not a valid role"},
		{"role-missing", "accounts[2].role", 15, 5, "is required: one of management, security, workload"},
		{"security-duplicate", "accounts[2].role", 17, 11, "a second security account"},
		{"security-missing", "accounts", 5, 1, "no security account: exactly one account needs role: security"},
		{"syntax", "", 16, 9, "invalid YAML: could not find end character of double-quoted text"},
		{"tag-unsupported", "accounts[2].vpcs[us-east-1].cidr", 20, 15, "unsupported YAML tag !Ref"},
		{"two-documents", "", 22, 1, "the file holds 2 YAML documents"},
		{"unknown-key-case", "accounts[2].vpcs[us-east-1].azcount", 21, 9, "unknown field \"azcount\"; did you mean azCount"},
		{"unknown-key-top", "owner", 21, 1, "unknown field \"owner\"; allowed fields are name, organizationId, homeRegion, regions, accounts"},
		{"unknown-key-vpc", "accounts[2].vpcs[us-east-1].natGateway", 21, 9, "unknown field \"natGateway\"; allowed fields are cidr, azCount,"},
		{"vpc-region-not-listed", "accounts[2].vpcs[us-west-2]", 19, 7, "region \"us-west-2\" is not in regions (us-east-1, eu-west-1)"},
		{"wrong-type-bool", "accounts[2].vpcs[us-east-1].dedicatedTenancy", 21, 27, "must be true or false, not the string \"yes\""},
		{"wrong-type-int", "accounts[2].vpcs[us-east-1].azCount", 21, 18, "must be a whole number, not the string \"three\""},
		{"wrong-type-list", "regions", 4, 10, "must be a list, not the string \"us-east-1\""},
		{"wrong-type-mapping", "accounts[2].vpcs[us-east-1]", 19, 18, "must be a mapping, not the string \"10.1.0.0/16\""},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		seen[tt.file] = true
		t.Run(tt.file, func(t *testing.T) {
			errs := loadBad(t, tt.file)
			if len(errs) != 1 {
				t.Fatalf("got %d errors, want 1:\n%s", len(errs), joinLines(errs))
			}
			e := errs[0]
			if e.Path != tt.path || e.Line != tt.line || e.Col != tt.col || !strings.Contains(e.Msg, tt.msg) {
				t.Errorf("got  %d:%d %s: %s\nwant %d:%d %s: ...%s...", e.Line, e.Col, e.Path, e.Msg, tt.line, tt.col, tt.path, tt.msg)
			}
			if want := filepath.Join("testdata", "bad", tt.file+".yaml"); e.File != want {
				t.Errorf("File = %q, want %q", e.File, want)
			}
			checkMessageStyle(t, e)
		})
	}
	// every bad file has a case
	files, _ := filepath.Glob(filepath.Join("testdata", "bad", "*.yaml"))
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".yaml")
		if !seen[name] && name != "many-problems" {
			t.Errorf("testdata/bad/%s.yaml has no test case", name)
		}
	}
}

// checkMessageStyle holds messages to the house style: lowercase, no
// trailing period.
func checkMessageStyle(t *testing.T, e *config.Error) {
	t.Helper()
	if e.Msg == "" || strings.HasSuffix(e.Msg, ".") || strings.ToLower(e.Msg[:1]) != e.Msg[:1] {
		t.Errorf("message %q: want lowercase, no trailing period", e.Msg)
	}
}

func joinLines(errs []*config.Error) string {
	var b strings.Builder
	for _, e := range errs {
		b.WriteString(e.Error() + "\n")
	}
	return b.String()
}

// Every problem in the file is reported at once, sorted by position.
func TestLoadManyProblems(t *testing.T) {
	errs := loadBad(t, "many-problems")
	want := []struct {
		line int
		path string
		msg  string
	}{
		{2, "name", `"Test" is not a valid org name`},
		{4, "regions[2]", `duplicate region "eu-west-1"`},
		{16, "accounts[2].id", "is a YAML number; quote it"},
		{20, "accounts[2].vpcs[us-east-1].cidr", "overlaps 10.0.0.0/16 at accounts[1].vpcs[us-east-1].cidr"},
		{21, "accounts[2].vpcs[us-east-1].natGateways", `"some" is not a valid natGateways value; use one of perAz, single, none`},
		{22, "accounts[2].vpcs[us-east-1].tenancy", `unknown field "tenancy"`},
	}
	if len(errs) != len(want) {
		t.Fatalf("got %d errors, want %d:\n%s", len(errs), len(want), joinLines(errs))
	}
	for i, w := range want {
		e := errs[i]
		if e.Line != w.line || e.Path != w.path || !strings.Contains(e.Msg, w.msg) {
			t.Errorf("error %d: got %s; want line %d %s: ...%s...", i, e, w.line, w.path, w.msg)
		}
	}
}

func TestLoadGoodDefaults(t *testing.T) {
	org := loadGood(t, "defaults")
	if org.Name != "defaults" || org.HomeRegion != "us-east-1" || !slices.Equal(org.Regions, []string{"us-east-1", "us-west-1"}) {
		t.Errorf("org = %q %q %v", org.Name, org.HomeRegion, org.Regions)
	}
	if org.Source != filepath.Join("testdata", "good", "defaults.yaml") {
		t.Errorf("Source = %q", org.Source)
	}
	app := org.Workloads()[0]

	east := app.VPCs["us-east-1"]
	checkVPC(t, "us-east-1", east, config.VPC{
		CIDR: "10.0.0.0/16", AZCount: 2, AvailabilityZones: []string{"us-east-1a", "us-east-1b"},
		NATGateways: config.NATPerAZ, PublicSubnets: true, PublicSubnetMask: 24, PrivateSubnetMask: 20,
		InterfaceEndpoints: config.SessionManagerEndpoints, // always, for Session Manager
		Subnets: []config.Subnet{
			{Group: "public", AZ: "us-east-1a", CIDR: "10.0.0.0/24"},
			{Group: "public", AZ: "us-east-1b", CIDR: "10.0.1.0/24"},
			{Group: "private", AZ: "us-east-1a", CIDR: "10.0.16.0/20"},
			{Group: "private", AZ: "us-east-1b", CIDR: "10.0.32.0/20"},
		},
	})

	// natGateways: none turns public subnets off; cloudWatch brings the
	// default retention; us-west-1's zones are a and c
	west := app.VPCs["us-west-1"]
	checkVPC(t, "us-west-1", west, config.VPC{
		CIDR: "10.1.0.0/16", AZCount: 2, AvailabilityZones: []string{"us-west-1a", "us-west-1c"},
		NATGateways: config.NATNone, PublicSubnets: false, PublicSubnetMask: 24, PrivateSubnetMask: 20,
		FlowLogs:           config.FlowLogs{CloudWatch: true, RetentionDays: 365},
		InterfaceEndpoints: config.SessionManagerEndpoints,
		Subnets: []config.Subnet{
			{Group: "private", AZ: "us-west-1a", CIDR: "10.1.0.0/20"},
			{Group: "private", AZ: "us-west-1c", CIDR: "10.1.16.0/20"},
		},
	})
	if m := org.Management(); len(m.VPCs) != 0 {
		t.Errorf("management VPCs = %v, want none (vpcs: {} is allowed)", m.VPCs)
	}
}

func TestLoadGoodFull(t *testing.T) {
	org := loadGood(t, "full")
	dp := org.Workloads()[0]
	if dp.Name != "data-platform" || dp.ID != "000000000003" || dp.Role != config.RoleWorkload {
		t.Errorf("workload = %+v", dp)
	}
	checkVPC(t, "data-platform", dp.VPCs["eu-west-1"], config.VPC{
		CIDR: "10.5.0.0/20", AZCount: 3,
		AvailabilityZones: []string{"eu-west-1c", "eu-west-1a", "eu-west-1b"}, // file order
		NATGateways:       config.NATNone, PublicSubnets: true, PublicSubnetMask: 26, PrivateSubnetMask: 22,
		// Session Manager's endpoints follow the listed ones.
		InterfaceEndpoints: []string{"ecr.api", "ecr.dkr", "sts", "secretsmanager", "monitoring", "ec2", "sns", "sqs", "events", "ssm", "ssmmessages", "ec2messages", "kms", "logs"},
		DedicatedTenancy:   true, BlockPublicAccess: true,
		FlowLogs: config.FlowLogs{CloudWatch: true, RetentionDays: 731},
		// the private /22s start at the first /22 boundary after the
		// public /26s, leaving 10.5.0.192-10.5.3.255 unused, as in CDK
		Subnets: []config.Subnet{
			{Group: "public", AZ: "eu-west-1c", CIDR: "10.5.0.0/26"},
			{Group: "public", AZ: "eu-west-1a", CIDR: "10.5.0.64/26"},
			{Group: "public", AZ: "eu-west-1b", CIDR: "10.5.0.128/26"},
			{Group: "private", AZ: "eu-west-1c", CIDR: "10.5.4.0/22"},
			{Group: "private", AZ: "eu-west-1a", CIDR: "10.5.8.0/22"},
			{Group: "private", AZ: "eu-west-1b", CIDR: "10.5.12.0/22"},
		},
	})
	sec := org.Security().VPCs["ap-northeast-1"]
	if !slices.Equal(sec.AvailabilityZones, []string{"ap-northeast-1a", "ap-northeast-1c", "ap-northeast-1d"}) {
		t.Errorf("ap-northeast-1 zones = %v; want a, c, d (there is no 1b for new accounts)", sec.AvailabilityZones)
	}
	sandbox := org.Workloads()[1].VPCs["eu-west-1"]
	if sandbox.NATGateways != config.NATSingle || !sandbox.PublicSubnets || len(sandbox.Subnets) != 4 || sandbox.Subnets[3].CIDR != "192.168.0.128/26" {
		t.Errorf("sandbox VPC = %+v", sandbox)
	}
	wantC := config.Compliance{
		ExtraRules:           map[string]string{"rds-storage-encrypted": "RDS_STORAGE_ENCRYPTED"},
		DisabledRules:        map[string]string{"root-account-mfa-enabled": "member accounts have no root password (centralized root access)"},
		DisabledRemediations: map[string]string{"unencryptedBuckets": "data owners choose bucket keys themselves"},
		InternetIngressPorts: []int{443}, EbsKey: "customer-managed", DeleteDefaultVPCs: true, PasswordMaxAgeDays: 60,
		CISAlarms: true, CreateConfigRole: false,
		UnmanagedAccounts: []config.UnmanagedAccount{{ID: "999999999999", Reason: "a sandbox account the research team runs outside palisade"}},
	}
	if !reflect.DeepEqual(org.Compliance, wantC) {
		t.Errorf("Compliance = %+v\nwant %+v", org.Compliance, wantC)
	}
	wantS := config.Sessions{
		IdleTimeoutMinutes: 15, MaxSessionMinutes: 120, RunAsUser: "operator", LogRetentionDays: 731, DemoInstance: true,
		Patching: config.Patching{OperatingSystems: []string{"AMAZON_LINUX_2023", "DEBIAN"}, ApproveAfterDays: 3,
			InstallSchedule: "rate(7 days)", Timezone: "Europe/Paris", MaxConcurrency: "2", MaxErrors: "10%"},
	}
	if !reflect.DeepEqual(org.Sessions, wantS) {
		t.Errorf("Sessions = %+v\nwant %+v", org.Sessions, wantS)
	}
	wantD := config.Deployment{Account: "data-platform", ProductionAccounts: []string{"data-platform"}, Concurrency: 40,
		Pipeline: &config.Pipeline{CodeCommitRepository: "org-config", Branch: "release"},
		// maxConcurrentPercentage not set: the default.
		StackSets: &config.StackSets{Targets: []string{"ou-abcd-12345678", "ou-abcd-87654321"}, FailureTolerancePercentage: 10, MaxConcurrentPercentage: config.DefaultStackSetConcurrency}}
	if !reflect.DeepEqual(org.Deployment, wantD) || org.Deployer().ID != "000000000003" {
		t.Errorf("Deployment = %+v (deployer %v)\nwant %+v", org.Deployment, org.Deployer(), wantD)
	}
}

func TestLoadGoodMinimal(t *testing.T) {
	org := loadGood(t, "minimal")
	if len(org.Accounts) != 2 || org.Management().Name != "management" || org.Security().ID != "222222222222" || len(org.Workloads()) != 0 {
		t.Errorf("org = %+v", org)
	}
	for _, a := range org.Accounts {
		if len(a.VPCs) != 0 {
			t.Errorf("account %s has VPCs %v", a.Name, a.VPCs)
		}
	}
}

// Anchors, aliases and merge keys work, and keys beside a merge win.
func TestLoadGoodAnchors(t *testing.T) {
	org := loadGood(t, "anchors")
	a := org.Workloads()[0]
	east := a.VPCs["us-east-1"]
	if east.CIDR != "10.1.0.0/16" || east.AZCount != 3 || east.NATGateways != config.NATSingle ||
		!slices.Equal(east.InterfaceEndpoints, config.SessionManagerEndpoints) {
		t.Errorf("merged VPC = %+v", east)
	}
	if west := a.VPCs["eu-west-1"]; !slices.Equal(west.InterfaceEndpoints, config.SessionManagerEndpoints) || west.NATGateways != config.NATPerAZ {
		t.Errorf("aliased endpoints VPC = %+v", west)
	}
	if sec := org.Security().VPCs["us-east-1"]; sec.CIDR != "10.0.0.0/16" {
		t.Errorf("anchored VPC = %+v", sec)
	}
}

// The example org file at the repository root is the user's template: it
// must load, and its plan is the one its comments describe.
func TestExampleOrganization(t *testing.T) {
	org, err := config.LoadFile(filepath.Join("..", "organization.yaml"))
	if err != nil {
		t.Fatalf("organization.yaml does not load:\n%v", err)
	}
	if org.Name != "example" || org.HomeRegion != "us-east-1" || !slices.Equal(org.Regions, []string{"us-east-1", "eu-west-1"}) {
		t.Errorf("org = %q %q %v", org.Name, org.HomeRegion, org.Regions)
	}
	want := []struct {
		name, id string
		role     config.Role
		vpcs     int
	}{
		{"management", "111111111111", config.RoleManagement, 0},
		{"security", "222222222222", config.RoleSecurity, 2},
		{"prod", "333333333333", config.RoleWorkload, 2},
		{"dev", "444444444444", config.RoleWorkload, 2},
	}
	if len(org.Accounts) != len(want) {
		t.Fatalf("got %d accounts, want %d", len(org.Accounts), len(want))
	}
	for i, w := range want {
		a := org.Accounts[i]
		if a.Name != w.name || a.ID != w.id || a.Role != w.role || len(a.VPCs) != w.vpcs {
			t.Errorf("accounts[%d] = %s %s %s with %d VPCs; want %+v", i, a.Name, a.ID, a.Role, len(a.VPCs), w)
		}
	}
	prod := org.Accounts[2].VPCs["us-east-1"]
	var cidrs []string
	for _, s := range prod.Subnets {
		cidrs = append(cidrs, s.CIDR)
	}
	if prod.AZCount != 3 || prod.NATGateways != config.NATPerAZ || !prod.FlowLogs.CloudWatch ||
		!slices.Equal(cidrs, []string{"10.10.0.0/24", "10.10.1.0/24", "10.10.2.0/24", "10.10.16.0/20", "10.10.32.0/20", "10.10.48.0/20"}) {
		t.Errorf("prod us-east-1 = %+v", prod)
	}
	for _, e := range []string{"ssm", "kms", "logs"} {
		if !slices.Contains(prod.InterfaceEndpoints, e) {
			t.Errorf("prod us-east-1 lacks the %s endpoint", e)
		}
	}
	for _, r := range org.Regions {
		if dev := org.Accounts[3].VPCs[r]; dev.NATGateways != config.NATSingle {
			t.Errorf("dev %s NAT = %s, want single", r, dev.NATGateways)
		}
		if sec := org.Security().VPCs[r]; sec.NATGateways != config.NATPerAZ || sec.AZCount != 2 || len(sec.InterfaceEndpoints) == 0 {
			t.Errorf("security %s = %+v", r, sec)
		}
	}
}

func loadGood(t *testing.T, name string) *config.Org {
	t.Helper()
	org, err := config.LoadFile(filepath.Join("testdata", "good", name+".yaml"))
	if err != nil {
		t.Fatalf("LoadFile(%s):\n%v", name, err)
	}
	checkValid(t, org)
	return org
}

func checkVPC(t *testing.T, name string, got *config.VPC, want config.VPC) {
	t.Helper()
	if got == nil {
		t.Fatalf("%s: no VPC", name)
	}
	g, w := *got, want
	if !slices.Equal(g.AvailabilityZones, w.AvailabilityZones) || !slices.Equal(g.InterfaceEndpoints, w.InterfaceEndpoints) || !slices.Equal(g.Subnets, w.Subnets) {
		t.Errorf("%s:\n got zones %v endpoints %v subnets %v\nwant zones %v endpoints %v subnets %v",
			name, g.AvailabilityZones, g.InterfaceEndpoints, g.Subnets, w.AvailabilityZones, w.InterfaceEndpoints, w.Subnets)
	}
	g.AvailabilityZones, g.InterfaceEndpoints, g.Subnets = nil, nil, nil
	w.AvailabilityZones, w.InterfaceEndpoints, w.Subnets = nil, nil, nil
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s:\n got %+v\nwant %+v", name, g, w)
	}
}

func TestLoadFileMissing(t *testing.T) {
	_, err := config.LoadFile(filepath.Join("testdata", "no-such-file.yaml"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("err = %v, want fs.ErrNotExist", err)
	}
}

// Load takes its name for messages from the caller.
func TestLoadName(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "bad", "name-invalid.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = config.Load("org.yaml", data)
	if got, want := err.Error(), `org.yaml:2:7: name: "Test_Org" is not a valid org name`; !strings.HasPrefix(got, want) {
		t.Errorf("err = %q, want prefix %q", got, want)
	}
}

// Odd YAML is an error, never a panic, and never a silent default.
func TestLoadOddYAML(t *testing.T) {
	tests := []struct {
		name, yaml string
		path, msg  string
	}{
		{"null document", "~\n", "", "the file is empty"},
		{"scalar document", "hello\n", "", `the file holds the string "hello"`},
		{"flow duplicate key", "{name: a, name: b}\n", "name", `duplicate key "name"`},
		{"non-scalar key", "? [a, b]\n: 1\n", "", ""},
		{"number too large", "name: x\naccounts:\n  - vpcs:\n      us-east-1:\n        azCount: 99999999999\n", "accounts[0].vpcs[us-east-1].azCount", "out of range"},
		{"merge of a scalar", "a: &a 1\nname:\n  <<: *a\n", "", ""},
		{"directive only", "%YAML 1.2\n---\n", "", "the file is empty"},
		{"bad tag on account", "accounts:\n  - !Account {name: a}\n", "accounts[0]", "unsupported YAML tag !Account"},
		{"string tag on number", "name: !!str 123\n", "name", `"123" is not a valid org name`},
		{"tab indentation", "name: x\n\tregions: []\n", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			org, err := config.Load("odd.yaml", []byte(tt.yaml))
			if err == nil {
				t.Fatalf("Load succeeded with %+v", org)
			}
			errs := config.Errors(err)
			if len(errs) == 0 {
				t.Fatalf("no *config.Error in %v", err)
			}
			if tt.msg == "" {
				return
			}
			for _, e := range errs {
				if e.Path == tt.path && strings.Contains(e.Msg, tt.msg) {
					return
				}
			}
			t.Errorf("no error %s: ...%s... in\n%s", tt.path, tt.msg, joinLines(errs))
		})
	}
}

func TestErrorString(t *testing.T) {
	tests := []struct {
		err  config.Error
		want string
	}{
		{config.Error{File: "o.yaml", Line: 3, Col: 7, Path: "name", Msg: "bad"}, "o.yaml:3:7: name: bad"},
		{config.Error{File: "o.yaml", Path: "accounts", Msg: "bad"}, "o.yaml: accounts: bad"},
		{config.Error{File: "o.yaml", Line: 1, Col: 2, Msg: "bad"}, "o.yaml:1:2: bad"},
		{config.Error{Line: 1, Col: 2, Path: "name", Msg: "bad"}, "1:2: name: bad"},
		{config.Error{Msg: "bad"}, "bad"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestErrors(t *testing.T) {
	a := &config.Error{Msg: "a"}
	b := &config.Error{Msg: "b"}
	if got := config.Errors(nil); got != nil {
		t.Errorf("Errors(nil) = %v", got)
	}
	if got := config.Errors(errors.Join(a, errors.Join(b))); len(got) != 2 || got[0] != a || got[1] != b {
		t.Errorf("Errors(join) = %v", got)
	}
	if got := config.Errors(a); len(got) != 1 || got[0] != a {
		t.Errorf("Errors(single) = %v", got)
	}
	if got := config.Errors(errors.New("plain")); len(got) != 0 {
		t.Errorf("Errors(plain) = %v", got)
	}
}
