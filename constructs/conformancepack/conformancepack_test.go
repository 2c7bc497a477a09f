package conformancepack_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/palisade-sec/palisade/constructs/conformancepack"
)

func TestMain(m *testing.M) {
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

// required are the managed rules issue 6 asks of the baseline.
var required = []string{
	"S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED", "S3_BUCKET_PUBLIC_READ_PROHIBITED", "S3_BUCKET_PUBLIC_WRITE_PROHIBITED",
	"S3_BUCKET_SSL_REQUESTS_ONLY", "S3_ACCOUNT_LEVEL_PUBLIC_ACCESS_BLOCKS_PERIODIC", "VPC_FLOW_LOGS_ENABLED",
	"VPC_DEFAULT_SECURITY_GROUP_CLOSED", "INCOMING_SSH_DISABLED", "RESTRICTED_INCOMING_TRAFFIC", "EC2_INSTANCE_MANAGED_BY_SSM",
	"EC2_IMDSV2_CHECK", "EC2_EBS_ENCRYPTION_BY_DEFAULT", "ENCRYPTED_VOLUMES", "CLOUD_TRAIL_ENABLED",
	"MULTI_REGION_CLOUD_TRAIL_ENABLED", "CLOUD_TRAIL_LOG_FILE_VALIDATION_ENABLED", "IAM_ROOT_ACCESS_KEY_CHECK",
	"ROOT_ACCOUNT_MFA_ENABLED", "IAM_PASSWORD_POLICY", "GUARDDUTY_ENABLED_CENTRALIZED", "SECURITYHUB_ENABLED",
	"KMS_CMK_NOT_SCHEDULED_FOR_DELETION",
}

func TestBaselineRules(t *testing.T) {
	rules := conformancepack.Rules(nil)
	have := map[string]bool{}
	for _, id := range rules {
		have[id] = true
	}
	for _, id := range required {
		if !have[id] {
			t.Errorf("baseline lacks %s", id)
		}
	}
	if len(rules) != len(required) {
		t.Errorf("baseline has %d rules, want %d", len(rules), len(required))
	}
}

func TestExtraAndDisabled(t *testing.T) {
	rules := conformancepack.Rules(&conformancepack.Props{
		ExtraRules:    map[string]string{"rds-storage-encrypted": "RDS_STORAGE_ENCRYPTED"},
		DisabledRules: map[string]string{"ec2-instance-managed-by-systems-manager": "no EC2 fleet"},
	})
	if rules["rds-storage-encrypted"] != "RDS_STORAGE_ENCRYPTED" {
		t.Error("extra rule missing")
	}
	if _, ok := rules["ec2-instance-managed-by-systems-manager"]; ok {
		t.Error("disabled rule still present")
	}
	if len(rules) != len(conformancepack.Baseline) {
		t.Errorf("%d rules, want %d", len(rules), len(conformancepack.Baseline))
	}
	if len(conformancepack.Baseline) != len(required) {
		t.Error("Rules modified Baseline")
	}
}

type template struct {
	Resources map[string]struct {
		Type       string
		Properties struct {
			ConfigRuleName  string
			Source          struct{ Owner, SourceIdentifier string }
			InputParameters map[string]string
		}
	}
}

func TestTemplateBody(t *testing.T) {
	var tpl template
	if err := json.Unmarshal([]byte(conformancepack.TemplateBody(nil)), &tpl); err != nil {
		t.Fatal(err)
	}
	rules := conformancepack.Rules(nil)
	if len(tpl.Resources) != len(rules) {
		t.Errorf("template has %d resources, want %d", len(tpl.Resources), len(rules))
	}
	for id, r := range tpl.Resources {
		p := r.Properties
		if r.Type != "AWS::Config::ConfigRule" || p.Source.Owner != "AWS" || rules[p.ConfigRuleName] != p.Source.SourceIdentifier {
			t.Errorf("%s: %+v", id, r)
		}
		if p.Source.SourceIdentifier == "IAM_PASSWORD_POLICY" {
			want := map[string]string{"MinimumPasswordLength": "14", "PasswordReusePrevention": "24", "RequireSymbols": "true",
				"RequireNumbers": "true", "RequireUppercaseCharacters": "true", "RequireLowercaseCharacters": "true", "MaxPasswordAge": "90"}
			if fmt.Sprint(p.InputParameters) != fmt.Sprint(want) {
				t.Errorf("password policy parameters = %v, want CIS's %v", p.InputParameters, want)
			}
		} else if p.InputParameters != nil {
			t.Errorf("%s has parameters %v", id, p.InputParameters)
		}
	}
	if _, ok := tpl.Resources["S3BucketSslRequestsOnly"]; !ok {
		t.Error("logical ids are not the PascalCase rule names")
	}
	if len(conformancepack.TemplateBody(nil)) > 51200 {
		t.Error("template body exceeds AWS Config's 51,200 bytes")
	}
}

func TestPack(t *testing.T) {
	app := awscdk.NewApp(&awscdk.AppProps{AnalyticsReporting: jsii.Bool(false)})
	stack := awscdk.NewStack(app, jsii.String("Test"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("222222222222"), Region: jsii.String("us-east-1")},
	})
	props := &conformancepack.Props{ExcludedAccounts: []string{"555555555555"}, DeliveryS3Bucket: "awsconfigconforms-example"}
	p := conformancepack.New(stack, "Baseline", props)
	if p.Pack == nil {
		t.Fatal("Pack is nil")
	}
	raw, _ := json.Marshal(app.Synth(nil).GetStackByName(stack.StackName()).Template())
	var out struct {
		Resources map[string]struct {
			Type       string
			Properties map[string]any
		}
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Resources) != 1 {
		t.Fatalf("%d resources, want the pack only", len(out.Resources))
	}
	for _, r := range out.Resources {
		if r.Type != "AWS::Config::OrganizationConformancePack" {
			t.Fatalf("resource type %s", r.Type)
		}
		pr := r.Properties
		if pr["OrganizationConformancePackName"] != "palisade-baseline" || pr["DeliveryS3Bucket"] != "awsconfigconforms-example" ||
			fmt.Sprint(pr["ExcludedAccounts"]) != "[555555555555]" || pr["TemplateBody"] != conformancepack.TemplateBody(props) {
			t.Errorf("pack properties = %v", pr)
		}
	}
}

func TestMisusePanics(t *testing.T) {
	for _, tc := range []struct {
		props conformancepack.Props
		want  string
	}{
		{conformancepack.Props{PackName: "1pack"}, `Props.PackName "1pack"`},
		{conformancepack.Props{ExtraRules: map[string]string{"Bad_Name": "RDS_STORAGE_ENCRYPTED"}}, `Props.ExtraRules: "Bad_Name"`},
		{conformancepack.Props{ExtraRules: map[string]string{"restricted-ssh": "INCOMING_SSH_DISABLED"}}, "baseline rule already"},
		{conformancepack.Props{ExtraRules: map[string]string{"rds": "rds-storage-encrypted"}}, `Props.ExtraRules["rds"]`},
		{conformancepack.Props{DisabledRules: map[string]string{"restricted-rdp": "x"}}, `Props.DisabledRules: "restricted-rdp"`},
		{conformancepack.Props{DisabledRules: map[string]string{"restricted-ssh": " "}}, `Props.DisabledRules["restricted-ssh"]`},
		{conformancepack.Props{ExcludedAccounts: []string{"5555"}}, `Props.ExcludedAccounts[0]: "5555"`},
		{conformancepack.Props{ExcludedAccounts: []string{"555555555555", "555555555555"}}, "listed twice"},
		{conformancepack.Props{DeliveryS3Bucket: "example-log-archive"}, `Props.DeliveryS3Bucket "example-log-archive"`},
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), tc.want) {
					t.Errorf("%+v: panic %v, want one naming %s", tc.props, r, tc.want)
				}
			}()
			conformancepack.Rules(&tc.props)
		}()
	}
}

// The password rule checks the age the account's policy sets.
func TestPasswordMaxAge(t *testing.T) {
	body := conformancepack.TemplateBody(&conformancepack.Props{PasswordMaxAgeDays: 60})
	if !strings.Contains(body, `"MaxPasswordAge":"60"`) || strings.Contains(body, `"MaxPasswordAge":"90"`) {
		t.Errorf("template body = %s, want MaxPasswordAge 60", body)
	}
	if conformancepack.PasswordPolicy["MaxPasswordAge"] != "90" {
		t.Error("TemplateBody changed the shared PasswordPolicy")
	}
}
