package config_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/palisade-sec/palisade/config"
)

func TestLoggingDefaultsAndNames(t *testing.T) {
	org, err := config.LoadFile("../organization.yaml")
	if err != nil {
		t.Fatal(err)
	}
	l := org.Logging
	if l.Archive.GlacierTransitionDays == 0 || l.LogGroupRetentionDays == 0 {
		t.Errorf("defaults not applied: %+v", l)
	}
	// Names survive a filter that leaves the security account out.
	prod, err := org.Filter([]string{"prod"}, []string{"eu-west-1"})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []*config.Org{org, prod} {
		if got := o.ArchiveBucketName("eu-west-1"); got != "example-logs-222222222222-eu-west-1" {
			t.Errorf("ArchiveBucketName = %q", got)
		}
		if got := o.ArchiveKeyAliasArn("aws", "eu-west-1"); got != "arn:aws:kms:eu-west-1:222222222222:alias/example-log-archive" {
			t.Errorf("ArchiveKeyAliasArn = %q", got)
		}
		if got := o.AccountIDs(); !slices.Equal(got, []string{"111111111111", "222222222222", "333333333333", "444444444444"}) {
			t.Errorf("AccountIDs = %v", got)
		}
		if got := o.AccountByRole(config.RoleManagement).ID; got != "111111111111" {
			t.Errorf("management = %q", got)
		}
	}
	if o := prod; o.LogDestinationName() != "example-log-drain" || o.TrailName() != "example-org-trail" {
		t.Errorf("names: %q %q", o.LogDestinationName(), o.TrailName())
	}
}

func TestLoggingDefaults(t *testing.T) {
	org, err := config.LoadFile("testdata/good/minimal.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := config.Logging{Archive: config.Archive{GlacierTransitionDays: 90}, LogGroupRetentionDays: 365, Trail: config.Trail{CloudWatchLogs: true}}
	if got := org.Logging; got.Archive != want.Archive || got.LogGroupRetentionDays != 365 || len(got.ForwardLogGroups) != 0 || got.Trail != want.Trail {
		t.Errorf("Logging = %+v, want %+v", got, want)
	}
}

func TestSecurityDefaults(t *testing.T) {
	org, err := config.LoadFile("testdata/good/minimal.yaml")
	if err != nil {
		t.Fatal(err)
	}
	d := org.Detection
	if !slices.Equal(d.Standards, []string{"aws-foundational-security-best-practices/v/1.0.0", "cis-aws-foundations-benchmark/v/3.0.0"}) ||
		d.AlertSeverity != "HIGH" || !slices.Equal(d.GuardDutyFeatures, []string{"S3_DATA_EVENTS", "EBS_MALWARE_PROTECTION"}) ||
		d.DenyOtherRegions || len(d.PolicyTargets) != 0 || len(d.AlertEmails) != 0 {
		t.Errorf("Detection = %+v", d)
	}
}

func TestComplianceAndSessionDefaults(t *testing.T) {
	org, err := config.LoadFile("testdata/good/minimal.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c := org.Compliance
	if !slices.Equal(c.InternetIngressPorts, []int{80, 443}) || c.EbsKey != "aws-managed" || c.DeleteDefaultVPCs ||
		c.PasswordMaxAgeDays != 90 || !c.CISAlarms || !c.CreateConfigRole || len(c.ExtraRules)+len(c.DisabledRules)+len(c.DisabledRemediations) != 0 {
		t.Errorf("Compliance = %+v, want the documented defaults", c)
	}
	if got := c.InternetIngressPortList(); got != "80,443" {
		t.Errorf("InternetIngressPortList() = %q, want 80,443", got)
	}
	want := config.Sessions{
		IdleTimeoutMinutes: 20, MaxSessionMinutes: 60, LogRetentionDays: 365,
		Patching: config.Patching{
			OperatingSystems: []string{"AMAZON_LINUX_2023", "UBUNTU", "WINDOWS"}, ApproveAfterDays: 7,
			InstallSchedule: "cron(0 3 ? * SUN *)", Timezone: "UTC", MaxConcurrency: "10%", MaxErrors: "5%",
		},
	}
	if got := org.Sessions; !reflect.DeepEqual(got, want) {
		t.Errorf("Sessions = %+v, want %+v", got, want)
	}
	if d := org.Deployment; d.Account != "management" || d.Pipeline != nil || len(d.ProductionAccounts) != 0 || org.Deployer().Role != config.RoleManagement {
		t.Errorf("Deployment = %+v, want the management account deploying, no pipeline", d)
	}
	if n := len(config.BaselineRules()); n != 22 {
		t.Errorf("BaselineRules() has %d rules, want the 22 of the conformance pack", n)
	}
}

// The lean profile: one NAT gateway where the file does not choose, and
// Session Manager's endpoints only where there is no NAT; a file's profile
// can be replaced to price the other one.
func TestLeanProfile(t *testing.T) {
	def, err := config.LoadFile("../organization.yaml")
	if err != nil {
		t.Fatal(err)
	}
	lean, err := config.LoadFileProfile("../organization.yaml", "lean")
	if err != nil {
		t.Fatal(err)
	}
	if def.Profile != "default" || lean.Profile != "lean" {
		t.Fatalf("profiles %q %q", def.Profile, lean.Profile)
	}
	// security us-east-1 sets no natGateways: perAz by default, single when lean.
	if d, l := def.Security().VPCs["us-east-1"], lean.Security().VPCs["us-east-1"]; d.NATGateways != config.NATPerAZ || l.NATGateways != config.NATSingle {
		t.Errorf("security us-east-1 NAT: default %s, lean %s", d.NATGateways, l.NATGateways)
	}
	// prod us-east-1 says perAz itself: lean keeps it.
	if l := lean.Workloads()[0].VPCs["us-east-1"]; l.NATGateways != config.NATPerAZ {
		t.Errorf("lean overrode the file's natGateways: %s", l.NATGateways)
	}
	// dev us-east-1 lists no endpoints and has NAT: none when lean, SM's by default.
	if d, l := def.Workloads()[1].VPCs["us-east-1"], lean.Workloads()[1].VPCs["us-east-1"]; len(d.InterfaceEndpoints) != 5 || len(l.InterfaceEndpoints) != 0 {
		t.Errorf("dev endpoints: default %v, lean %v", d.InterfaceEndpoints, l.InterfaceEndpoints)
	}
	if _, err := config.LoadFileProfile("../organization.yaml", "cheap"); err == nil || !strings.Contains(err.Error(), `profile: "cheap" is not a profile; use default or lean`) {
		t.Errorf("LoadFileProfile(cheap) error = %v", err)
	}
}
