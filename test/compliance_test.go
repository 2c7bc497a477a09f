package test

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/palisade-sec/palisade/config"
	"github.com/palisade-sec/palisade/constructs/cisalarms"
	"github.com/palisade-sec/palisade/constructs/conformancepack"
	"github.com/palisade-sec/palisade/stacks"
)

// byType groups a stack's resources' properties by type.
func byType(t *testing.T, stack string) map[string][]map[string]any {
	t.Helper()
	out := map[string][]map[string]any{}
	for _, r := range readTemplate(t, outdir, stack).Resources {
		out[r.Type] = append(out[r.Type], r.Properties)
	}
	return out
}

func js(v any) string { b, _ := json.Marshal(v); return string(b) }

// sdkCalls are the AwsCustomResource calls of a stack, as "Service.action".
func sdkCalls(t *testing.T, res map[string][]map[string]any) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, p := range res["Custom::AWS"] {
		for _, phase := range []string{"Create", "Update"} {
			s, ok := p[phase].(string)
			if !ok {
				continue
			}
			var call struct {
				Service, Action string
				Parameters      map[string]any
			}
			if err := json.Unmarshal([]byte(s), &call); err != nil {
				t.Fatalf("Custom::AWS %s: %v", phase, err)
			}
			out[call.Service+"."+call.Action] = call.Parameters
		}
	}
	return out
}

// TestBaseline checks every account's baseline stack in every region:
// AWS Config on the service-linked role delivering to the region's archive,
// the custom rule, the remediations and the account hardening.
func TestBaseline(t *testing.T) {
	c := example.Compliance
	for _, a := range example.Accounts {
		for _, region := range example.Regions {
			home := region == example.HomeRegion
			name := stacks.StackName(example.Name, "baseline", a.Name, region)
			res := byType(t, name)

			rec := res["AWS::Config::ConfigurationRecorder"]
			slr := fmt.Sprintf("arn:aws:iam::%s:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig", a.ID)
			if len(rec) != 1 || rec[0]["RoleARN"] != slr {
				t.Errorf("%s: recorder %v, want one on %s", name, rec, slr)
			} else if g := js(rec[0]["RecordingGroup"]); g != fmt.Sprintf(`{"AllSupported":true,"IncludeGlobalResourceTypes":%t}`, home) {
				t.Errorf("%s: recording group %s, want all supported, global types in the home region only", name, g)
			}
			if got := len(res["AWS::IAM::ServiceLinkedRole"]); got != map[bool]int{true: 1}[home && c.CreateConfigRole] {
				t.Errorf("%s: %d service-linked roles, want one in the home region only", name, got)
			}
			ch := res["AWS::Config::DeliveryChannel"]
			if len(ch) != 1 || ch[0]["S3BucketName"] != example.ArchiveBucketName(region) || ch[0]["S3KeyPrefix"] != "config" {
				t.Errorf("%s: delivery channel %v, want the region's archive under config/", name, ch)
			}

			var rules []string
			for _, r := range res["AWS::Config::ConfigRule"] {
				rules = append(rules, fmt.Sprint(r["ConfigRuleName"]))
				if r["ConfigRuleName"] != stacks.SgIngressRuleName {
					continue
				}
				src := js(r["Source"])
				if !strings.Contains(src, `"Owner":"CUSTOM_LAMBDA"`) || !strings.Contains(src, "ConfigurationItemChangeNotification") ||
					js(r["InputParameters"]) != `{"allowedPorts":"80,443"}` || js(r["Scope"]) != `{"ComplianceResourceTypes":["AWS::EC2::SecurityGroup"]}` {
					t.Errorf("%s: custom rule %s", name, js(r))
				}
			}
			if !slices.Contains(rules, stacks.SgIngressRuleName) {
				t.Errorf("%s: rules %v lack %s", name, rules, stacks.SgIngressRuleName)
			}
			fn := res["AWS::Lambda::Function"]
			if !strings.Contains(js(fn), `"Architectures":["arm64"]`) || !strings.Contains(js(fn), `"Runtime":"provided.al2023"`) {
				t.Errorf("%s: no provided.al2023 arm64 function for the custom rule: %s", name, js(fn))
			}

			// Remediation: target document, automatic, retries, a role.
			docs := map[string]bool{}
			for _, r := range res["AWS::Config::RemediationConfiguration"] {
				docs[fmt.Sprint(r["TargetId"])] = true
				if r["Automatic"] != true || r["TargetType"] != "SSM_DOCUMENT" || r["MaximumAutomaticAttempts"] == nil ||
					!strings.Contains(js(r["Parameters"]), "AutomationAssumeRole") || !strings.Contains(js(r["Parameters"]), "RESOURCE_ID") {
					t.Errorf("%s: remediation %s", name, js(r))
				}
			}
			want := []string{"AWSConfigRemediation-ConfigureS3BucketPublicAccessBlock", "AWS-EnableS3BucketEncryption", "AWSConfigRemediation-RemoveVPCDefaultSecurityGroupRules"}
			if a.Role != config.RoleManagement {
				// The instance profile exists only where Session Manager is.
				want = append(want, "AWS-AttachIAMToInstance")
			}
			for _, d := range want {
				if !docs[d] {
					t.Errorf("%s: no automatic remediation by %s (have %v)", name, d, docs)
				}
			}
			if a.Role == config.RoleManagement && docs["AWS-AttachIAMToInstance"] {
				t.Errorf("%s: the management account has no instance profile to attach", name)
			}

			calls := sdkCalls(t, res)
			if _, ok := calls["EC2.enableEbsEncryptionByDefault"]; !ok {
				t.Errorf("%s: EBS encryption by default is not turned on (calls %v)", name, calls)
			}
			_, pab := calls["S3Control.putPublicAccessBlock"]
			pw, pp := calls["IAM.updateAccountPasswordPolicy"]
			if pab != home || pp != home {
				t.Errorf("%s: account public access block %t, password policy %t; want both in the home region only", name, pab, pp)
			}
			if pp && (fmt.Sprint(pw["MinimumPasswordLength"]) != "14" || fmt.Sprint(pw["PasswordReusePrevention"]) != "24" ||
				fmt.Sprint(pw["MaxPasswordAge"]) != fmt.Sprint(c.PasswordMaxAgeDays)) {
				t.Errorf("%s: password policy %v, want CIS values and max age %d", name, pw, c.PasswordMaxAgeDays)
			}
		}
	}
}

// TestOrganizationCompliance checks AWS Config's delegation, the
// conformance pack in every region, the aggregator and the CIS alarms.
func TestOrganizationCompliance(t *testing.T) {
	mgmt, sec := example.Management(), example.Security()
	calls := sdkCalls(t, byType(t, stacks.StackName(example.Name, "orgadmin", mgmt.Name, example.HomeRegion)))
	if p := calls["Organizations.registerDelegatedAdministrator"]; p == nil {
		t.Error("no delegated administrator registered")
	}
	var principals []string
	for _, p := range byType(t, stacks.StackName(example.Name, "orgadmin", mgmt.Name, example.HomeRegion))["Custom::AWS"] {
		principals = append(principals, js(p["Create"]))
	}
	for _, sp := range []string{"config.amazonaws.com", "config-multiaccountsetup.amazonaws.com"} {
		if !strings.Contains(strings.Join(principals, " "), `\"AccountId\":\"`+sec.ID+`\",\"ServicePrincipal\":\"`+sp+`\"`) {
			t.Errorf("the security account is not the delegated administrator of %s: %v", sp, principals)
		}
	}

	for _, region := range example.Regions {
		name := stacks.StackName(example.Name, "compliance", sec.Name, region)
		res := byType(t, name)
		pack := res["AWS::Config::OrganizationConformancePack"]
		if len(pack) != 1 || pack[0]["OrganizationConformancePackName"] != example.ConformancePackName() {
			t.Fatalf("%s: pack %v", name, pack)
		}
		body := fmt.Sprint(pack[0]["TemplateBody"])
		for rule, id := range conformancepack.Baseline {
			if _, off := example.Compliance.DisabledRules[rule]; !off && (!strings.Contains(body, rule) || !strings.Contains(body, id)) {
				t.Errorf("%s: the pack lacks %s (%s)", name, rule, id)
			}
		}
		if got := len(res["AWS::Config::ConfigurationAggregator"]); got != map[bool]int{true: 1}[region == example.HomeRegion] {
			t.Errorf("%s: %d aggregators, want one in the home region only", name, got)
		}
	}

	trail := byType(t, stacks.StackName(example.Name, "trail", mgmt.Name, example.HomeRegion))
	filters, alarms := trail["AWS::Logs::MetricFilter"], trail["AWS::CloudWatch::Alarm"]
	if len(filters) != len(cisalarms.Monitors) || len(alarms) != len(cisalarms.Monitors) {
		t.Fatalf("%d metric filters and %d alarms, want %d of each (CIS 4.1-4.15)", len(filters), len(alarms), len(cisalarms.Monitors))
	}
	for _, f := range filters {
		if !strings.Contains(js(f["LogGroupName"]), "OrgTrail") {
			t.Errorf("metric filter on %s, want the trail's log group", js(f["LogGroupName"]))
		}
	}
	for _, a := range alarms {
		if !strings.Contains(js(a["AlarmActions"]), "CisAlarmsTopic") {
			t.Errorf("alarm %v notifies %s, want the CIS topic", a["MetricName"], js(a["AlarmActions"]))
		}
	}
	if subs := js(trail["AWS::SNS::Subscription"]); !strings.Contains(subs, example.Detection.AlertEmails[0]) {
		t.Errorf("CIS alarms do not reach %v: %s", example.Detection.AlertEmails, subs)
	}
}

// TestSessions checks Session Manager, patching and the agents in every
// security and workload account and region, and their absence from the
// management account.
func TestSessions(t *testing.T) {
	s := example.Sessions
	for _, a := range example.Accounts {
		for _, region := range example.Regions {
			name := stacks.StackName(example.Name, "sessions", a.Name, region)
			if a.Role == config.RoleManagement {
				continue
			}
			home := region == example.HomeRegion
			res := byType(t, name)
			calls := sdkCalls(t, res)
			// The document's content holds the key's and log group's
			// references, so the calls are Fn::Joins: read them as text, where
			// the content's quotes are escaped twice.
			content := strings.ReplaceAll(js(res["Custom::AWS"]), `\\\"`, `"`)
			if !strings.Contains(content, "updateDocument") {
				t.Fatalf("%s: the session document is not written: %s", name, content)
			}
			for _, w := range []string{
				fmt.Sprintf(`"idleSessionTimeout":"%d"`, s.IdleTimeoutMinutes), fmt.Sprintf(`"maxSessionDuration":"%d"`, s.MaxSessionMinutes),
				`"s3BucketName":"` + example.ArchiveBucketName(region) + `"`, `"s3KeyPrefix":"ssm/` + a.ID, `"cloudWatchEncryptionEnabled":true`, `"s3EncryptionEnabled":true`,
			} {
				if !strings.Contains(content, w) {
					t.Errorf("%s: session preferences lack %s: %s", name, w, content)
				}
			}
			if _, ok := calls["SSM.updateServiceSetting"]; !ok {
				t.Errorf("%s: Default Host Management is not set", name)
			}
			dhmc := 0
			for _, r := range res["AWS::IAM::Role"] {
				if r["RoleName"] == "AWSSystemsManagerDefaultEC2InstanceManagementRole" {
					dhmc++
				}
			}
			if dhmc != map[bool]int{true: 1}[home] {
				t.Errorf("%s: %d Default Host Management roles, want one in the home region only", name, dhmc)
			}
			profile := res["AWS::IAM::InstanceProfile"]
			if len(profile) != 1 || profile[0]["InstanceProfileName"] != stacks.InstanceRoleName(region) {
				t.Errorf("%s: instance profile %v, want %s (remediation attaches it)", name, profile, stacks.InstanceRoleName(region))
			}

			var oses []string
			for _, b := range res["AWS::SSM::PatchBaseline"] {
				oses = append(oses, fmt.Sprint(b["OperatingSystem"]))
			}
			slices.Sort(oses)
			if want := slices.Sorted(slices.Values(s.Patching.OperatingSystems)); !slices.Equal(oses, want) {
				t.Errorf("%s: baselines for %v, want %v", name, oses, want)
			}
			mw := res["AWS::SSM::MaintenanceWindow"]
			if len(mw) != 1 || mw[0]["Schedule"] != s.Patching.InstallSchedule || mw[0]["ScheduleTimezone"] != s.Patching.Timezone {
				t.Errorf("%s: maintenance window %v", name, mw)
			}
			task := js(res["AWS::SSM::MaintenanceWindowTask"])
			for _, w := range []string{`"TaskArn":"AWS-RunPatchBaseline"`, `"Install"`, `"MaxConcurrency":"` + s.Patching.MaxConcurrency + `"`, `"MaxErrors":"` + s.Patching.MaxErrors + `"`} {
				if !strings.Contains(task, w) {
					t.Errorf("%s: install task lacks %s: %s", name, w, task)
				}
			}
			var assocDocs []string
			for _, as := range res["AWS::SSM::Association"] {
				assocDocs = append(assocDocs, fmt.Sprint(as["Name"]))
			}
			for _, d := range []string{"AWS-RunPatchBaseline", "AWS-UpdateSSMAgent", "AWS-GatherSoftwareInventory", "AWS-ConfigureAWSPackage", "AmazonCloudWatch-ManageAgent"} {
				if !slices.Contains(assocDocs, d) {
					t.Errorf("%s: no association runs %s (have %v)", name, d, assocDocs)
				}
			}
		}
	}
}

// TestArchiveAdmitsConfigAndSessions: the archive of every region lets the
// organization's AWS Config recorders deliver and its principals write,
// each account under its own prefix, naming no account.
func TestArchiveAdmitsConfigAndSessions(t *testing.T) {
	for _, region := range example.Regions {
		res := byType(t, stacks.StackName(example.Name, "logarchive", example.Security().Name, region))
		policy := js(res["AWS::S3::BucketPolicy"])
		for _, want := range []string{
			"/config/AWSLogs/${aws:SourceAccount}/Config/*", `"aws:SourceOrgID":"` + example.OrganizationID + `"`,
			"/ssm/${aws:PrincipalAccount}/*", `"aws:PrincipalOrgID":"` + example.OrganizationID + `"`,
		} {
			if !strings.Contains(policy, want) {
				t.Errorf("%s: archive policy lacks %s", region, want)
			}
		}
		for _, a := range example.Accounts {
			// (The management account is the org trail's.)
			if a.Role == config.RoleWorkload && strings.Contains(policy, a.ID) {
				t.Errorf("%s: archive policy names %s; the organization is the fence", region, a.Name)
			}
		}
	}
}

// TestInspector: with security.inspector, the management account delegates
// Amazon Inspector to the security account in every region, which enables
// it for itself, every other account and new members.
func TestInspector(t *testing.T) {
	d := example.Detection
	if len(d.Inspector) == 0 {
		t.Skip("the example org leaves Inspector off")
	}
	mgmt, sec := example.Management(), example.Security()
	for _, region := range example.Regions {
		admin := sdkCalls(t, byType(t, stacks.StackName(example.Name, "orgadmin", mgmt.Name, region)))
		if p := admin["Inspector2.enableDelegatedAdminAccount"]; p["delegatedAdminAccountId"] != sec.ID {
			t.Errorf("%s: Inspector is not delegated to %s: %v", region, sec.ID, p)
		}
		res := byType(t, stacks.StackName(example.Name, "detect", sec.Name, region))
		var enables, associations []string
		for _, p := range res["Custom::AWS"] {
			c := fmt.Sprint(p["Create"])
			switch {
			case strings.Contains(c, `"action":"enable"`):
				enables = append(enables, c)
			case strings.Contains(c, `"action":"associateMember"`):
				associations = append(associations, c)
			}
		}
		if len(associations) != len(example.AllAccounts)-1 || len(enables) != 2 {
			t.Errorf("%s: %d associations and %d enables, want %d and 2 (the administrator, then the members)", region, len(associations), len(enables), len(example.AllAccounts)-1)
		}
		for _, e := range enables {
			for _, typ := range d.Inspector {
				if !strings.Contains(e, `"`+typ+`"`) {
					t.Errorf("%s: %s does not scan %s", region, e, typ)
				}
			}
		}
	}
}

// config validates disabledRules against its own copy of the pack's rule
// names (config never imports constructs): the two must not drift.
func TestBaselineRuleNamesAgree(t *testing.T) {
	want := slices.Sorted(maps.Keys(conformancepack.Baseline))
	if got := config.BaselineRules(); !slices.Equal(got, want) {
		t.Errorf("config.BaselineRules() = %v\nconformancepack.Baseline = %v", got, want)
	}
}

// TestFunctionLogsEncrypted checks every Lambda function of the example org
// logs to a log group of its own stack that is KMS-encrypted, keeps events
// for a set time and is retained: a function with no log group in its
// template logs to one Lambda creates on first use, unencrypted and kept
// forever, which no gate sees. CDK's restrictDefaultSecurityGroup handler is
// the one exception: CDK's CustomResourceProvider behind it takes no log
// group (aws-cdk-lib 2.276, aws-ec2 Vpc restrictDefaultSecurityGroup).
func TestFunctionLogsEncrypted(t *testing.T) {
	const noLogGroupProp = "CustomVpcRestrictDefaultSGCustomResourceProviderHandler"
	m := readManifest(t, outdir)
	functions := 0
	for _, name := range slices.Sorted(maps.Keys(m.Artifacts)) {
		if m.Artifacts[name].Type != "aws:cloudformation:stack" {
			continue
		}
		res := readTemplate(t, outdir, name).Resources
		for id, r := range res {
			if r.Type != "AWS::Lambda::Function" || strings.HasPrefix(id, noLogGroupProp) {
				continue
			}
			functions++
			cfg, _ := r.Properties["LoggingConfig"].(map[string]any)
			ref, _ := cfg["LogGroup"].(map[string]any)
			lgID, _ := ref["Ref"].(string)
			lg, ok := res[lgID]
			if !ok || lg.Type != "AWS::Logs::LogGroup" {
				t.Errorf("%s %s logs to %s, not to a log group of its stack", name, id, js(r.Properties["LoggingConfig"]))
				continue
			}
			if lg.Properties["KmsKeyId"] == nil || lg.Properties["RetentionInDays"] == nil || lg.DeletionPolicy != "Retain" {
				t.Errorf("%s %s logs to %s: KmsKeyId %v, RetentionInDays %v, DeletionPolicy %q; want a key, a retention and Retain",
					name, id, lgID, lg.Properties["KmsKeyId"], lg.Properties["RetentionInDays"], lg.DeletionPolicy)
			}
		}
	}
	if functions == 0 {
		t.Fatal("no Lambda function in the example org: the check measured nothing")
	}
}
