package guardduty_test

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
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
	DependsOn      []string
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

var actionRE = regexp.MustCompile(`\\"action\\":\\"(\w+)\\"`)

// calls returns the custom resources by SDK action, and each one's policy
// document by the same key.
func calls(t *testing.T, rs map[string]resource) (map[string]string, map[string]resource, map[string]string) {
	t.Helper()
	ids, crs, policies := map[string]string{}, map[string]resource{}, map[string]string{}
	for id, r := range ofType(rs, "Custom::AWS") {
		// Create is a JSON string, or an Fn::Join of one with tokens.
		m := actionRE.FindStringSubmatch(str(r.Properties["Create"]))
		if m == nil {
			t.Fatalf("%s: no action in %s", id, str(r.Properties["Create"]))
		}
		c := struct{ Action string }{m[1]}
		ids[c.Action], crs[c.Action] = id, r
		prefix := strings.TrimRight(id, "0123456789ABCDEF")
		for pid, p := range ofType(rs, "AWS::IAM::Policy") {
			if strings.HasPrefix(pid, prefix+"CustomResourcePolicy") {
				policies[c.Action] = str(p.Properties["PolicyDocument"]) + str(p.Metadata)
			}
		}
	}
	return ids, crs, policies
}

func TestAdministrator(t *testing.T) {
	rs, d := detector(t, &guardduty.Props{
		Administrator: true, Features: []guardduty.Feature{guardduty.RuntimeMonitoring, guardduty.S3DataEvents},
		FindingsBucketArn: bucket, FindingsKeyArn: key,
	})
	if d.PublishingDestination == nil || d.OrganizationConfiguration == nil || d.ConfigureDetector == nil || d.Detector != nil {
		t.Errorf("administrator Detector fields: %+v", d)
	}
	// GuardDuty's delegation made the detector: it is adopted, never
	// created (a second detector would be refused).
	if n := len(ofType(rs, "AWS::GuardDuty::Detector")); n != 0 {
		t.Fatalf("%d AWS::GuardDuty::Detector, want none: the delegation made the administrator's", n)
	}
	ids, crs, policies := calls(t, rs)
	if len(crs) != 3 {
		t.Fatalf("custom resources = %v, want listDetectors, updateDetector, updateOrganizationConfiguration", ids)
	}
	detectorID := `{"Fn::GetAtt":["` + ids["listDetectors"] + `","DetectorIds.0"]}`

	find := str(crs["listDetectors"].Properties["Create"])
	if !strings.Contains(find, `\"responsePath\":\"DetectorIds.0\"`) {
		t.Errorf("listDetectors = %s, want the detector's id as the physical id", find)
	}
	configure := str(crs["updateDetector"].Properties["Create"])
	for _, w := range []string{`\"Enable\":true`, `\"FindingPublishingFrequency\":\"FIFTEEN_MINUTES\"`,
		`{\"Name\":\"S3_DATA_EVENTS\",\"Status\":\"ENABLED\"}`, `{\"Name\":\"EBS_MALWARE_PROTECTION\",\"Status\":\"DISABLED\"}`,
		`{\"Name\":\"EC2_AGENT_MANAGEMENT\",\"Status\":\"ENABLED\"}`, detectorID} {
		if !strings.Contains(configure, w) {
			t.Errorf("updateDetector lacks %s: %s", w, configure)
		}
	}
	_, pd := only(t, rs, "AWS::GuardDuty::PublishingDestination")
	if got := str(pd.Properties); got != `{"DestinationProperties":{"DestinationArn":"`+bucket+`","KmsKeyArn":"`+key+`"},"DestinationType":"S3","DetectorId":`+detectorID+`}` {
		t.Errorf("publishing destination = %s", got)
	}

	create := str(crs["updateOrganizationConfiguration"].Properties["Create"])
	for _, w := range []string{`\"AutoEnableOrganizationMembers\":\"ALL\"`,
		`{\"AutoEnable\":\"ALL\",\"Name\":\"S3_DATA_EVENTS\"}`, `{\"AutoEnable\":\"NONE\",\"Name\":\"EBS_MALWARE_PROTECTION\"}`,
		`\"Name\":\"RUNTIME_MONITORING\"`, detectorID} {
		if !strings.Contains(create, w) {
			t.Errorf("organization configuration lacks %s: %s", w, create)
		}
	}
	// Each call is made again on update; none undoes anything on delete
	// (GuardDuty stays on, configured).
	for action, cr := range crs {
		if str(cr.Properties["Update"]) != str(cr.Properties["Create"]) {
			t.Errorf("%s is not re-applied on update", action)
		}
		if cr.Properties["Delete"] != nil {
			t.Errorf("%s calls something on delete: %v", action, cr.Properties["Delete"])
		}
	}
	// Least privilege, each "*" with its reason.
	for action, want := range map[string]string{
		"listDetectors":                   `{"Action":"guardduty:ListDetectors","Effect":"Allow","Resource":"*"}`,
		"updateDetector":                  `{"Action":"guardduty:UpdateDetector","Effect":"Allow","Resource":{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":guardduty:us-east-1:222222222222:detector/*"]]}}`,
		"updateOrganizationConfiguration": `{"Action":"guardduty:UpdateOrganizationConfiguration","Effect":"Allow","Resource":"*"}`,
	} {
		if !strings.Contains(policies[action], want) || !strings.Contains(policies[action], "AwsSolutions-IAM5") {
			t.Errorf("%s policy = %s, want %s with a recorded reason", action, policies[action], want)
		}
	}
	// One change to the detector at a time: the export and the
	// organization configuration wait for the detector's own settings.
	if !slices.Contains(pd.DependsOn, ids["updateDetector"]) || !slices.Contains(crs["updateOrganizationConfiguration"].DependsOn, ids["updateDetector"]) {
		t.Errorf("the publishing destination (%v) or the organization configuration (%v) does not wait for %s",
			pd.DependsOn, crs["updateOrganizationConfiguration"].DependsOn, ids["updateDetector"])
	}
	if !strings.Contains(policies["updateDetector"], `"iam:AWSServiceName":"malware-protection.guardduty.amazonaws.com"`) {
		t.Errorf("updateDetector cannot create Malware Protection's service-linked role: %s", policies["updateDetector"])
	}
}

// The administrator's deploy-time function runs as a role, and under a
// name, that a guardrail can exempt and protect.
func TestAdministratorFunctionRole(t *testing.T) {
	rs, _ := detector(t, &guardduty.Props{
		Administrator: true, FindingsBucketArn: bucket, FindingsKeyArn: key,
		FunctionRoleName: "example-deploy-fn-us-east-1", FunctionName: "example-deploy-fn-us-east-1",
	})
	roleID, role := "", resource{}
	for id, r := range ofType(rs, "AWS::IAM::Role") {
		if r.Properties["RoleName"] == "example-deploy-fn-us-east-1" {
			roleID, role = id, r
		}
	}
	if roleID == "" || !strings.Contains(str(role.Properties["AssumeRolePolicyDocument"]), `"Service":"lambda.amazonaws.com"`) {
		t.Fatalf("no role example-deploy-fn-us-east-1 for Lambda: %v", ofType(rs, "AWS::IAM::Role"))
	}
	_, fn := only(t, rs, "AWS::Lambda::Function")
	if fn.Properties["FunctionName"] != "example-deploy-fn-us-east-1" || str(fn.Properties["Role"]) != `{"Fn::GetAtt":["`+roleID+`","Arn"]}` {
		t.Errorf("function = %s, want it named and running as %s", str(fn.Properties), roleID)
	}
	// No AWS managed policy (AWSLambdaBasicExecutionRole writes every log
	// group): the stack's log policy, for the function's own log group.
	if role.Properties["ManagedPolicyArns"] != nil || len(ofType(rs, "AWS::IAM::Role")) != 1 {
		t.Errorf("roles = %v, want only %s, with no AWS managed policy", ofType(rs, "AWS::IAM::Role"), roleID)
	}
	logs := ""
	for id, mp := range ofType(rs, "AWS::IAM::ManagedPolicy") {
		if str(mp.Properties["Roles"]) == `[{"Ref":"`+roleID+`"}]` {
			logs = id + " " + str(mp.Properties["PolicyDocument"])
		}
	}
	if !strings.Contains(logs, `"Action":["logs:CreateLogStream","logs:PutLogEvents"],"Effect":"Allow","Resource":{"Fn::GetAtt":["CustomResourceLogs`) {
		t.Errorf("the function role's log policy = %q, want its own log group's streams only", logs)
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
		{guardduty.Props{FunctionRoleName: "r"}, "Props.Administrator"},
		{guardduty.Props{Administrator: true, FindingsBucketArn: bucket, FindingsKeyArn: key, FunctionRoleName: "a role"}, "Props.FunctionRoleName"},
		{guardduty.Props{Administrator: true, FindingsBucketArn: bucket, FindingsKeyArn: key, FunctionName: "f"}, "Props.FunctionName"},
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
	// The function's role is the stack's: a Detector after another
	// AwsCustomResource could not give it its role.
	func() {
		defer func() {
			if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "Props.FunctionRoleName") {
				t.Errorf("a Detector with FunctionRoleName after another AwsCustomResource: panic %v", r)
			}
		}()
		synth(t, func(s awscdk.Stack) {
			guardduty.NewDelegatedAdmin(s, "Other", "222222222222")
			guardduty.New(s, "GuardDuty", &guardduty.Props{Administrator: true, FindingsBucketArn: bucket, FindingsKeyArn: key, FunctionRoleName: "r"})
		})
	}()
	func() {
		defer func() {
			if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "adminAccountID") {
				t.Errorf("NewDelegatedAdmin(\"2222\"): panic %v", r)
			}
		}()
		synth(t, func(s awscdk.Stack) { guardduty.NewDelegatedAdmin(s, "GuardDutyAdmin", "2222") })
	}()
}
