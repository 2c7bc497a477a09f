package guardduty_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/palisade-sec/palisade/constructs/guardduty"
)

func TestMain(m *testing.M) {
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

const (
	bucket = "arn:aws:s3:::example-log-archive/guardduty"
	key    = "arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab"
)

type resource struct {
	Type           string
	Properties     map[string]any
	DeletionPolicy string
	Metadata       map[string]any
}

func synth(t *testing.T, build func(awscdk.Stack)) map[string]resource {
	t.Helper()
	app := awscdk.NewApp(&awscdk.AppProps{AnalyticsReporting: jsii.Bool(false)})
	stack := awscdk.NewStack(app, jsii.String("Test"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("222222222222"), Region: jsii.String("us-east-1")},
	})
	build(stack)
	raw, err := json.Marshal(app.Synth(nil).GetStackByName(stack.StackName()).Template())
	if err != nil {
		t.Fatal(err)
	}
	var tpl struct{ Resources map[string]resource }
	if err := json.Unmarshal(raw, &tpl); err != nil {
		t.Fatal(err)
	}
	return tpl.Resources
}

func detector(t *testing.T, p *guardduty.Props) (map[string]resource, *guardduty.Detector) {
	var d *guardduty.Detector
	rs := synth(t, func(s awscdk.Stack) { d = guardduty.New(s, "GuardDuty", p) })
	return rs, d
}

func str(v any) string { b, _ := json.Marshal(v); return string(b) }

func ofType(rs map[string]resource, typ string) map[string]resource {
	out := map[string]resource{}
	for id, r := range rs {
		if r.Type == typ {
			out[id] = r
		}
	}
	return out
}

func only(t *testing.T, rs map[string]resource, typ string) (string, resource) {
	t.Helper()
	m := ofType(rs, typ)
	if len(m) != 1 {
		t.Fatalf("%d %s, want one", len(m), typ)
	}
	for id, r := range m {
		return id, r
	}
	panic("unreachable")
}

func status(r resource) map[string]string {
	out := map[string]string{}
	for _, f := range r.Properties["Features"].([]any) {
		f := f.(map[string]any)
		out[f["Name"].(string)] = f["Status"].(string)
	}
	return out
}

func TestMemberDefaults(t *testing.T) {
	rs, d := detector(t, nil)
	if d.Detector == nil || d.PublishingDestination != nil || d.OrganizationConfiguration != nil {
		t.Errorf("member Detector fields: %+v", d)
	}
	if len(rs) != 1 {
		t.Errorf("member stack has %d resources, want the detector only", len(rs))
	}
	_, det := only(t, rs, "AWS::GuardDuty::Detector")
	if det.Properties["Enable"] != true || det.Properties["FindingPublishingFrequency"] != "FIFTEEN_MINUTES" || det.DeletionPolicy != "Retain" {
		t.Errorf("detector: %s, deletion %q", str(det.Properties), det.DeletionPolicy)
	}
	want := map[string]string{"S3_DATA_EVENTS": "ENABLED", "EBS_MALWARE_PROTECTION": "ENABLED", "RUNTIME_MONITORING": "DISABLED",
		"EKS_AUDIT_LOGS": "DISABLED", "RDS_LOGIN_EVENTS": "DISABLED", "LAMBDA_NETWORK_LOGS": "DISABLED"}
	if got := status(det); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("features = %v, want %v", got, want)
	}
	// CloudFormation refuses DataSources next to Features.
	if det.Properties["DataSources"] != nil {
		t.Error("detector sets DataSources as well as Features")
	}
}

func TestAdministrator(t *testing.T) {
	rs, d := detector(t, &guardduty.Props{
		Administrator: true, Features: []guardduty.Feature{guardduty.RuntimeMonitoring, guardduty.S3DataEvents},
		FindingsBucketArn: bucket, FindingsKeyArn: key,
	})
	if d.PublishingDestination == nil || d.OrganizationConfiguration == nil {
		t.Errorf("administrator Detector fields: %+v", d)
	}
	detID, det := only(t, rs, "AWS::GuardDuty::Detector")
	if got := status(det); got["RUNTIME_MONITORING"] != "ENABLED" || got["S3_DATA_EVENTS"] != "ENABLED" || got["EBS_MALWARE_PROTECTION"] != "DISABLED" {
		t.Errorf("features = %v", got)
	}
	if got := str(det.Properties["Features"]); !strings.Contains(got, `{"Name":"EC2_AGENT_MANAGEMENT","Status":"ENABLED"}`) {
		t.Errorf("runtime monitoring without agent management: %s", got)
	}

	_, pd := only(t, rs, "AWS::GuardDuty::PublishingDestination")
	if got := str(pd.Properties); got != `{"DestinationProperties":{"DestinationArn":"`+bucket+`","KmsKeyArn":"`+key+`"},"DestinationType":"S3","DetectorId":{"Ref":"`+detID+`"}}` {
		t.Errorf("publishing destination = %s", got)
	}

	_, cr := only(t, rs, "Custom::AWS")
	create := str(cr.Properties["Create"])
	for _, w := range []string{`updateOrganizationConfiguration`, `\"AutoEnableOrganizationMembers\":\"ALL\"`,
		`{\"AutoEnable\":\"ALL\",\"Name\":\"S3_DATA_EVENTS\"}`, `{\"AutoEnable\":\"NONE\",\"Name\":\"EBS_MALWARE_PROTECTION\"}`,
		`\"Name\":\"RUNTIME_MONITORING\"`, `{"Ref":"` + detID + `"}`} {
		if !strings.Contains(create, w) {
			t.Errorf("organization configuration lacks %s: %s", w, create)
		}
	}
	if str(cr.Properties["Update"]) != create {
		t.Error("organization configuration is not re-applied on update")
	}
	if cr.Properties["Delete"] != nil {
		t.Error("removing the construct would change the organization configuration")
	}
	_, policy := only(t, rs, "AWS::IAM::Policy")
	var doc struct{ Statement []map[string]any }
	json.Unmarshal([]byte(str(policy.Properties["PolicyDocument"])), &doc)
	if len(doc.Statement) != 1 {
		t.Fatalf("custom resource policy: %s", str(doc))
	}
	// guardduty:UpdateOrganizationConfiguration has no resource type in the
	// Service Authorization Reference: a detector ARN would grant nothing.
	if stmt := str(doc.Statement[0]); stmt != `{"Action":"guardduty:UpdateOrganizationConfiguration","Effect":"Allow","Resource":"*"}` {
		t.Errorf("custom resource policy = %s, want only guardduty:UpdateOrganizationConfiguration on *", stmt)
	}
	if !strings.Contains(str(policy.Metadata), "UpdateOrganizationConfiguration has no resource type") {
		t.Error("the wildcard resource has no recorded reason")
	}
}

func TestDelegatedAdmin(t *testing.T) {
	rs := synth(t, func(s awscdk.Stack) { guardduty.NewDelegatedAdmin(s, "GuardDutyAdmin", "222222222222") })
	_, cr := only(t, rs, "Custom::AWS")
	create := str(cr.Properties["Create"])
	if !strings.Contains(create, `enableOrganizationAdminAccount`) || !strings.Contains(create, `\"AdminAccountId\":\"222222222222\"`) {
		t.Errorf("create = %s", create)
	}
	// Made again on update, never undone on delete, and a rerun after a
	// failed deployment succeeds: GuardDuty's one client error code is
	// ignored (see NewDelegatedAdmin).
	if cr.Properties["Delete"] != nil || str(cr.Properties["Update"]) != create {
		t.Errorf("update = %v, delete = %v, want the create call on update and nothing on delete", cr.Properties["Update"], cr.Properties["Delete"])
	}
	if !strings.Contains(create, `\"ignoreErrorCodesMatching\":\"^BadRequestException$\"`) {
		t.Errorf("create = %s, want BadRequestException (already the administrator) ignored", create)
	}
	_, policy := only(t, rs, "AWS::IAM::Policy")
	doc := str(policy.Properties["PolicyDocument"])
	if strings.Contains(doc, `guardduty:*`) || strings.Contains(doc, `organizations:*`) {
		t.Errorf("policy = %s", doc)
	}
	var d struct{ Statement []map[string]any }
	json.Unmarshal([]byte(doc), &d)
	bySid := map[string]string{}
	for _, s := range d.Statement {
		bySid[fmt.Sprint(s["Sid"])] = str(s)
	}
	// As the GuardDuty User Guide lists them, scoped where the Service
	// Authorization Reference gives the action a resource type.
	for sid, want := range map[string]string{
		"NoResourceType":           `{"Action":["guardduty:EnableOrganizationAdminAccount","organizations:ListDelegatedAdministrators","organizations:ListAWSServiceAccessForOrganization","organizations:DescribeOrganization","organizations:ListAccounts"],"Effect":"Allow","Resource":"*","Sid":"NoResourceType"}`,
		"TrustGuardDuty":           `{"Action":"organizations:EnableAWSServiceAccess","Condition":{"StringEquals":{"organizations:ServicePrincipal":"guardduty.amazonaws.com"}},"Effect":"Allow","Resource":"*","Sid":"TrustGuardDuty"}`,
		"RegisterTheAdministrator": `{"Action":"organizations:RegisterDelegatedAdministrator","Condition":{"StringEquals":{"organizations:ServicePrincipal":"guardduty.amazonaws.com"}},"Effect":"Allow","Resource":{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":organizations::222222222222:account/o-*/222222222222"]]},"Sid":"RegisterTheAdministrator"}`,
	} {
		if got := bySid[sid]; got != want {
			t.Errorf("%s =\n%s\nwant\n%s", sid, got, want)
		}
	}
	if got := bySid["DescribeTheOrganization"]; !strings.Contains(got, `":organizations::222222222222:account/o-*/*"`) || !strings.Contains(got, `":organizations::222222222222:ou/o-*/ou-*"`) || strings.Contains(got, `"Resource":"*"`) {
		t.Errorf("DescribeTheOrganization = %s", got)
	}
	if len(d.Statement) != 4 {
		t.Errorf("%d statements, want 4", len(d.Statement))
	}
	if !strings.Contains(str(policy.Metadata), "AwsSolutions-IAM5") {
		t.Error("the wildcard resource has no recorded reason")
	}
}

func TestMisusePanics(t *testing.T) {
	for _, tc := range []struct {
		props guardduty.Props
		want  string
	}{
		{guardduty.Props{Features: []guardduty.Feature{"S3"}}, `Props.Features: "S3"`},
		{guardduty.Props{Features: []guardduty.Feature{guardduty.S3DataEvents, guardduty.S3DataEvents}}, "listed twice"},
		{guardduty.Props{FindingsBucketArn: bucket}, "Props.Administrator"},
		{guardduty.Props{Administrator: true, FindingsKeyArn: key}, "Props.FindingsBucketArn"},
		{guardduty.Props{Administrator: true, FindingsBucketArn: "example-log-archive", FindingsKeyArn: key}, "Props.FindingsBucketArn"},
		{guardduty.Props{Administrator: true, FindingsBucketArn: bucket}, "Props.FindingsKeyArn"},
		{guardduty.Props{Administrator: true, FindingsBucketArn: bucket, FindingsKeyArn: "arn:aws:kms:us-east-1:222222222222:alias/x"}, "Props.FindingsKeyArn"},
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), tc.want) {
					t.Errorf("%+v: panic %v, want one naming %s", tc.props, r, tc.want)
				}
			}()
			detector(t, &tc.props)
		}()
	}
	func() {
		defer func() {
			if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "adminAccountID") {
				t.Errorf("NewDelegatedAdmin(\"2222\"): panic %v", r)
			}
		}()
		synth(t, func(s awscdk.Stack) { guardduty.NewDelegatedAdmin(s, "GuardDutyAdmin", "2222") })
	}()
}
