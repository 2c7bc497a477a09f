package orgtrail_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"

	"github.com/palisade-sec/palisade/constructs/orgtrail"
)

func TestMain(m *testing.M) {
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

const (
	bucket = "example-log-archive"
	key    = "arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab"
)

type resource struct {
	Type           string
	Properties     map[string]any
	DeletionPolicy string
	DependsOn      []string
	Metadata       map[string]any
}

// synth returns the resources, keyed by logical id, of a stack in the
// management account 111111111111 in us-east-1 holding a Trail made from props.
func synth(t *testing.T, props *orgtrail.Props) (map[string]resource, *orgtrail.Trail) {
	t.Helper()
	app := awscdk.NewApp(&awscdk.AppProps{AnalyticsReporting: jsii.Bool(false)})
	stack := awscdk.NewStack(app, jsii.String("Test"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("us-east-1")},
	})
	tr := orgtrail.New(stack, "OrgTrail", props)
	var tpl struct{ Resources map[string]resource }
	raw, err := json.Marshal(app.Synth(nil).GetStackByName(stack.StackName()).Template())
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &tpl); err != nil {
		t.Fatal(err)
	}
	return tpl.Resources, tr
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

func theTrail(t *testing.T, rs map[string]resource) resource {
	t.Helper()
	trails := ofType(rs, "AWS::CloudTrail::Trail")
	if len(trails) != 1 {
		t.Fatalf("trails: %d, want 1", len(trails))
	}
	for _, tr := range trails {
		return tr
	}
	return resource{}
}

func TestTrailArn(t *testing.T) {
	if got, want := orgtrail.TrailArn("aws", "us-east-1", "111111111111", "organization-trail"),
		"arn:aws:cloudtrail:us-east-1:111111111111:trail/organization-trail"; got != want {
		t.Errorf("TrailArn = %q, want %q", got, want)
	}
}

func TestDefaults(t *testing.T) {
	rs, tr := synth(t, &orgtrail.Props{TrailBucketName: bucket, TrailKeyArn: key})
	if tr.TrailArn == nil || tr.Trail == nil || tr.LogGroup != nil || tr.LogGroupKey != nil || tr.LogsRole != nil {
		t.Errorf("Trail fields: %+v", tr)
	}
	trail := theTrail(t, rs)
	if !strings.Contains(str(trail.Metadata), "NIST.800.53.R5-CloudTrailCloudWatchLogsEnabled") {
		t.Errorf("a trail without CloudWatch Logs does not say why: %v", trail.Metadata)
	}
	p := trail.Properties
	want := map[string]any{
		"TrailName":                  orgtrail.DefaultTrailName,
		"IsOrganizationTrail":        true,
		"IsMultiRegionTrail":         true,
		"IncludeGlobalServiceEvents": true,
		"EnableLogFileValidation":    true,
		"IsLogging":                  true,
		"S3BucketName":               bucket,
		"KMSKeyId":                   key,
	}
	for k, w := range want {
		if p[k] != w {
			t.Errorf("%s = %v, want %v", k, p[k], w)
		}
	}
	// Files must land where AWS puts an organization trail's: AWSLogs/<org id>/.
	for _, k := range []string{"S3KeyPrefix", "EventSelectors", "CloudWatchLogsLogGroupArn", "CloudWatchLogsRoleArn"} {
		if _, ok := p[k]; ok {
			t.Errorf("%s is set: %v", k, p[k])
		}
	}
	// Management events, read and write: no readOnly field, nothing else.
	if got := str(p["AdvancedEventSelectors"]); got != `[{"FieldSelectors":[{"Equals":["Management"],"Field":"eventCategory"}],"Name":"All management events"}]` {
		t.Errorf("selectors = %s, want all management events only", got)
	}
	if len(rs) != 1 {
		t.Errorf("resources: %d, want the trail only", len(rs))
	}
}

func TestS3DataEventsSkipOnlyLogFileWrites(t *testing.T) {
	rs, _ := synth(t, &orgtrail.Props{TrailBucketName: bucket, TrailKeyArn: key, S3DataEvents: true})
	var sels []struct {
		Name           string
		FieldSelectors []map[string]any
	}
	if err := json.Unmarshal([]byte(str(theTrail(t, rs).Properties["AdvancedEventSelectors"])), &sels); err != nil {
		t.Fatal(err)
	}
	if len(sels) != 3 {
		t.Fatalf("selectors: %d, want management, S3 outside the trail bucket, S3 inside it", len(sels))
	}
	trailObjects := `[{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":s3:::` + bucket + `/"]]}]`
	s3 := `{"Equals":["Data"],"Field":"eventCategory"},{"Equals":["AWS::S3::Object"],"Field":"resources.type"}`
	if got, want := str(sels[1].FieldSelectors), `[`+s3+`,{"Field":"resources.ARN","NotStartsWith":`+trailObjects+`}]`; got != want {
		t.Errorf("outside selector =\n%s\nwant\n%s", got, want)
	}
	inside := str(sels[2].FieldSelectors)
	for _, w := range []string{s3, `{"Field":"resources.ARN","StartsWith":` + trailObjects + `}`, `"Field":"eventName","NotEquals":["PutObject",`} {
		if !strings.Contains(inside, w) {
			t.Errorf("inside selector lacks %s:\n%s", w, inside)
		}
	}
	// Tampering with the archive must stay visible.
	for _, kept := range []string{"DeleteObject", "GetObject", "PutObjectRetention"} {
		if strings.Contains(inside, kept) {
			t.Errorf("inside selector drops %s", kept)
		}
	}
}

func TestCloudWatchLogs(t *testing.T) {
	rs, tr := synth(t, &orgtrail.Props{TrailName: "org-audit", TrailBucketName: bucket, TrailKeyArn: key,
		CloudWatchLogs: true, LogRetention: awslogs.RetentionDays_TWO_YEARS})
	if tr.LogGroup == nil || tr.LogGroupKey == nil || tr.LogsRole == nil {
		t.Fatalf("Trail fields: %+v", tr)
	}
	keys := ofType(rs, "AWS::KMS::Key")
	groups := ofType(rs, "AWS::Logs::LogGroup")
	roles := ofType(rs, "AWS::IAM::Role")
	policies := ofType(rs, "AWS::IAM::ManagedPolicy")
	if len(keys) != 1 || len(groups) != 1 || len(roles) != 1 || len(policies) != 1 {
		t.Fatalf("keys %d, log groups %d, roles %d, policies %d; want one each", len(keys), len(groups), len(roles), len(policies))
	}
	var keyID, groupID, roleID, policyID string
	for id, k := range keys {
		keyID = id
		if k.Properties["EnableKeyRotation"] != true || k.DeletionPolicy != "Retain" {
			t.Errorf("key: rotation %v, deletion %q", k.Properties["EnableKeyRotation"], k.DeletionPolicy)
		}
		pol := str(k.Properties["KeyPolicy"])
		for _, w := range []string{"DenyGrantsExceptForAWSServices", `"Service":"logs.us-east-1.amazonaws.com"`, ":logs:us-east-1:111111111111:log-group:*"} {
			if !strings.Contains(pol, w) {
				t.Errorf("key policy lacks %s", w)
			}
		}
	}
	for id, g := range groups {
		groupID = id
		if got := str(g.Properties); got != `{"KmsKeyId":{"Fn::GetAtt":["`+keyID+`","Arn"]},"RetentionInDays":731}` || g.DeletionPolicy != "Retain" {
			t.Errorf("log group = %s, deletion %q", got, g.DeletionPolicy)
		}
	}
	for id, r := range roles {
		roleID = id
		if got := str(r.Properties["AssumeRolePolicyDocument"]); got != `{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"}}],"Version":"2012-10-17"}` {
			t.Errorf("role trust = %s, want CloudTrail only", got)
		}
	}
	for id, p := range policies {
		policyID = id
		want := `{"Statement":[{"Action":["logs:CreateLogStream","logs:PutLogEvents"],"Effect":"Allow","Resource":{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},` +
			`":logs:us-east-1:111111111111:log-group:",{"Ref":"` + groupID + `"},":log-stream:*"]]}}],"Version":"2012-10-17"}`
		if got := str(p.Properties["PolicyDocument"]); got != want {
			t.Errorf("role policy =\n%s\nwant\n%s", got, want)
		}
		if got := str(p.Properties["Roles"]); got != `[{"Ref":"`+roleID+`"}]` {
			t.Errorf("policy attached to %s", got)
		}
	}
	trail := theTrail(t, rs)
	if got := str(trail.Properties["CloudWatchLogsLogGroupArn"]); got != `{"Fn::GetAtt":["`+groupID+`","Arn"]}` {
		t.Errorf("CloudWatchLogsLogGroupArn = %s", got)
	}
	if got := str(trail.Properties["CloudWatchLogsRoleArn"]); got != `{"Fn::GetAtt":["`+roleID+`","Arn"]}` {
		t.Errorf("CloudWatchLogsRoleArn = %s", got)
	}
	if len(trail.DependsOn) != 1 || trail.DependsOn[0] != policyID {
		t.Errorf("trail depends on %v, want the role's policy %s (CloudTrail checks it at creation)", trail.DependsOn, policyID)
	}
	if trail.Properties["TrailName"] != "org-audit" {
		t.Errorf("TrailName = %v", trail.Properties["TrailName"])
	}
	if strings.Contains(str(trail.Metadata), "CloudTrailCloudWatchLogsEnabled") {
		t.Errorf("the trail suppresses a rule it meets: %v", trail.Metadata)
	}
}

func TestMisusePanics(t *testing.T) {
	for _, tc := range []struct {
		props *orgtrail.Props
		want  string
	}{
		{&orgtrail.Props{TrailKeyArn: key}, "Props.TrailBucketName"},
		{&orgtrail.Props{TrailBucketName: "arn:aws:s3:::" + bucket, TrailKeyArn: key}, "Props.TrailBucketName"},
		{&orgtrail.Props{TrailBucketName: "Upper_Case", TrailKeyArn: key}, "Props.TrailBucketName"},
		{&orgtrail.Props{TrailBucketName: bucket}, "Props.TrailKeyArn"},
		{&orgtrail.Props{TrailBucketName: bucket, TrailKeyArn: "1234abcd-12ab-34cd-56ef-1234567890ab"}, "Props.TrailKeyArn"},
		{&orgtrail.Props{TrailBucketName: bucket, TrailKeyArn: key, TrailName: "ab"}, "Props.TrailName"},
		{&orgtrail.Props{TrailBucketName: bucket, TrailKeyArn: key, TrailName: "my-_trail"}, "Props.TrailName"},
		{&orgtrail.Props{TrailBucketName: bucket, TrailKeyArn: key, TrailName: "-trail"}, "Props.TrailName"},
		{&orgtrail.Props{TrailBucketName: bucket, TrailKeyArn: key, TrailName: "192.168.5.4"}, "Props.TrailName"},
		{nil, "Props.TrailBucketName"},
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), tc.want) {
					t.Errorf("%+v: panic %v, want one naming %s", tc.props, r, tc.want)
				}
			}()
			synth(t, tc.props)
		}()
	}
}

// CloudTrail's trusted access is turned on by one call, made again on
// update, never undone on delete, allowed only for CloudTrail's principal.
func TestTrustedAccess(t *testing.T) {
	app := awscdk.NewApp(&awscdk.AppProps{AnalyticsReporting: jsii.Bool(false)})
	stack := awscdk.NewStack(app, jsii.String("Test"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("us-east-1")},
	})
	orgtrail.NewTrustedAccess(stack, "TrustedAccess")
	var tpl struct{ Resources map[string]resource }
	raw, _ := json.Marshal(app.Synth(nil).GetStackByName(stack.StackName()).Template())
	if err := json.Unmarshal(raw, &tpl); err != nil {
		t.Fatal(err)
	}
	crs := ofType(tpl.Resources, "Custom::AWS")
	if len(crs) != 1 {
		t.Fatalf("custom resources = %v, want one", crs)
	}
	for id, r := range crs {
		var call struct {
			Service, Action string
			Parameters      map[string]any
		}
		if err := json.Unmarshal([]byte(r.Properties["Create"].(string)), &call); err != nil {
			t.Fatal(err)
		}
		if call.Service != "Organizations" || call.Action != "enableAWSServiceAccess" || call.Parameters["ServicePrincipal"] != "cloudtrail.amazonaws.com" {
			t.Errorf("%s: call = %+v", id, call)
		}
		if r.Properties["Update"] != r.Properties["Create"] {
			t.Errorf("%s: update %v differs from create", id, r.Properties["Update"])
		}
		if _, ok := r.Properties["Delete"]; ok {
			t.Errorf("%s turns trusted access off on delete", id)
		}
	}
	pol := str(ofType(tpl.Resources, "AWS::IAM::Policy"))
	if !strings.Contains(pol, `"organizations:ServicePrincipal":"cloudtrail.amazonaws.com"`) || strings.Contains(pol, "RegisterDelegatedAdministrator") {
		t.Errorf("policy = %s, want EnableAWSServiceAccess for CloudTrail only", pol)
	}
}
