package configrecorder_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/palisade-sec/palisade/constructs/configrecorder"
)

func TestMain(m *testing.M) {
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

const key = "arn:aws:kms:us-east-1:444444444444:key/1234abcd-12ab-34cd-56ef-1234567890ab"

type resource struct {
	Type           string
	Properties     map[string]any
	DependsOn      []string
	DeletionPolicy string
	Metadata       map[string]any
}

func synth(t *testing.T, p *configrecorder.Props) (map[string]resource, *configrecorder.Recorder) {
	t.Helper()
	app := awscdk.NewApp(&awscdk.AppProps{AnalyticsReporting: jsii.Bool(false)})
	stack := awscdk.NewStack(app, jsii.String("Test"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("333333333333"), Region: jsii.String("us-east-1")},
	})
	r := configrecorder.New(stack, "Config", p)
	raw, err := json.Marshal(app.Synth(nil).GetStackByName(stack.StackName()).Template())
	if err != nil {
		t.Fatal(err)
	}
	var tpl struct{ Resources map[string]resource }
	if err := json.Unmarshal(raw, &tpl); err != nil {
		t.Fatal(err)
	}
	return tpl.Resources, r
}

func str(v any) string { b, _ := json.Marshal(v); return string(b) }

func only(t *testing.T, rs map[string]resource, typ string) (string, resource) {
	t.Helper()
	var ids []string
	for id, r := range rs {
		if r.Type == typ {
			ids = append(ids, id)
		}
	}
	if len(ids) != 1 {
		t.Fatalf("%d %s, want one", len(ids), typ)
	}
	return ids[0], rs[ids[0]]
}

func count(rs map[string]resource, typ string) int {
	n := 0
	for _, r := range rs {
		if r.Type == typ {
			n++
		}
	}
	return n
}

func TestDefaults(t *testing.T) {
	rs, r := synth(t, &configrecorder.Props{BucketName: "example-log-archive"})
	if r.Recorder == nil || r.DeliveryChannel == nil || r.ServiceLinkedRole != nil || r.Aggregator != nil || r.AggregatorRole != nil {
		t.Errorf("Recorder fields: %+v", r)
	}
	if len(rs) != 2 {
		t.Errorf("%d resources, want the recorder and the channel only", len(rs))
	}
	recID, rec := only(t, rs, "AWS::Config::ConfigurationRecorder")
	want := `{"RecordingGroup":{"AllSupported":true,"IncludeGlobalResourceTypes":false},` +
		`"RoleARN":{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":iam::333333333333:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"]]}}`
	if got := str(rec.Properties); got != want {
		t.Errorf("recorder = %s\nwant       %s", got, want)
	}
	_, ch := only(t, rs, "AWS::Config::DeliveryChannel")
	want = `{"ConfigSnapshotDeliveryProperties":{"DeliveryFrequency":"TwentyFour_Hours"},"S3BucketName":"example-log-archive","S3KeyPrefix":"config"}`
	if got := str(ch.Properties); got != want {
		t.Errorf("channel = %s\nwant      %s", got, want)
	}
	if len(ch.DependsOn) != 1 || ch.DependsOn[0] != recID {
		t.Errorf("channel depends on %v, want the recorder %s", ch.DependsOn, recID)
	}
	if count(rs, "AWS::IAM::ServiceLinkedRole") != 0 || count(rs, "AWS::IAM::Role") != 0 {
		t.Error("default recorder creates a role")
	}
}

func TestHomeRegion(t *testing.T) {
	rs, r := synth(t, &configrecorder.Props{
		BucketName: "example-log-archive", S3KeyPrefix: "org/config", KmsKeyArn: key,
		CreateServiceLinkedRole: true, RecordGlobalResources: true,
	})
	if r.ServiceLinkedRole == nil {
		t.Fatal("ServiceLinkedRole is nil")
	}
	slrID, slr := only(t, rs, "AWS::IAM::ServiceLinkedRole")
	if slr.Properties["AWSServiceName"] != "config.amazonaws.com" || slr.DeletionPolicy != "Retain" {
		t.Errorf("service-linked role = %s, deletion %q", str(slr.Properties), slr.DeletionPolicy)
	}
	_, rec := only(t, rs, "AWS::Config::ConfigurationRecorder")
	if str(rec.Properties["RecordingGroup"]) != `{"AllSupported":true,"IncludeGlobalResourceTypes":true}` {
		t.Errorf("recording group = %s", str(rec.Properties["RecordingGroup"]))
	}
	if len(rec.DependsOn) != 1 || rec.DependsOn[0] != slrID {
		t.Errorf("recorder depends on %v, want the service-linked role", rec.DependsOn)
	}
	_, ch := only(t, rs, "AWS::Config::DeliveryChannel")
	if ch.Properties["S3KmsKeyArn"] != key || ch.Properties["S3KeyPrefix"] != "org/config" {
		t.Errorf("channel = %s", str(ch.Properties))
	}
}

func TestRegionalRole(t *testing.T) {
	rs, r := synth(t, &configrecorder.Props{BucketName: "example-log-archive", RoleName: "palisade-config-us-east-1"})
	if r.Role == nil || r.ServiceLinkedRole != nil {
		t.Fatalf("Recorder fields: %+v", r)
	}
	if n := count(rs, "AWS::IAM::ServiceLinkedRole"); n != 0 {
		t.Errorf("%d service-linked roles, want none", n)
	}
	roleID, role := only(t, rs, "AWS::IAM::Role")
	if role.Properties["RoleName"] != "palisade-config-us-east-1" {
		t.Errorf("role name = %v", role.Properties["RoleName"])
	}
	trust := str(role.Properties["AssumeRolePolicyDocument"])
	if !strings.Contains(trust, `"Principal":{"Service":"config.amazonaws.com"}`) || !strings.Contains(trust, `"aws:SourceAccount":"333333333333"`) {
		t.Errorf("recorder role trust = %s", trust)
	}
	if got := str(role.Properties["ManagedPolicyArns"]); !strings.Contains(got, `:iam::aws:policy/service-role/AWS_ConfigRole"`) || strings.Count(got, "policy/") != 1 {
		t.Errorf("recorder role policies = %s", got)
	}
	if !strings.Contains(str(role.Metadata), "AwsSolutions-IAM4") {
		t.Error("the AWS managed policy has no recorded reason")
	}
	_, rec := only(t, rs, "AWS::Config::ConfigurationRecorder")
	if got, want := str(rec.Properties["RoleARN"]), `{"Fn::GetAtt":["`+roleID+`","Arn"]}`; got != want {
		t.Errorf("recorder role = %s, want %s", got, want)
	}
	if len(rec.DependsOn) != 1 || rec.DependsOn[0] != roleID {
		t.Errorf("recorder depends on %v, want its role", rec.DependsOn)
	}
}

func TestOrganizationAggregator(t *testing.T) {
	rs, r := synth(t, &configrecorder.Props{BucketName: "example-log-archive", OrganizationAggregator: true})
	if r.Aggregator == nil || r.AggregatorRole == nil {
		t.Fatalf("Recorder fields: %+v", r)
	}
	roleID, role := only(t, rs, "AWS::IAM::Role")
	trust := str(role.Properties["AssumeRolePolicyDocument"])
	if !strings.Contains(trust, `"Principal":{"Service":"config.amazonaws.com"}`) || strings.Count(trust, `"Action"`) != 1 {
		t.Errorf("aggregator role trust = %s", trust)
	}
	if got := str(role.Properties["ManagedPolicyArns"]); !strings.Contains(got, `:iam::aws:policy/service-role/AWSConfigRoleForOrganizations"`) || strings.Count(got, "policy/") != 1 {
		t.Errorf("aggregator role policies = %s", got)
	}
	if role.Properties["Policies"] != nil || count(rs, "AWS::IAM::Policy") != 0 {
		t.Error("aggregator role has inline policies")
	}
	if !strings.Contains(str(role.Metadata), "AwsSolutions-IAM4") {
		t.Error("the AWS managed policy has no recorded reason")
	}
	_, agg := only(t, rs, "AWS::Config::ConfigurationAggregator")
	want := `{"OrganizationAggregationSource":{"AllAwsRegions":true,"RoleArn":{"Fn::GetAtt":["` + roleID + `","Arn"]}}}`
	if got := str(agg.Properties); got != want {
		t.Errorf("aggregator = %s\nwant         %s", got, want)
	}
}

func TestMisusePanics(t *testing.T) {
	for _, tc := range []struct {
		props *configrecorder.Props
		want  string
	}{
		{nil, `Props.BucketName ""`},
		{&configrecorder.Props{BucketName: "arn:aws:s3:::example-log-archive"}, "Props.BucketName"},
		{&configrecorder.Props{BucketName: "example-log-archive", S3KeyPrefix: "/config/"}, `Props.S3KeyPrefix "/config/"`},
		{&configrecorder.Props{BucketName: "example-log-archive", S3KeyPrefix: "AWSLogs"}, "Props.S3KeyPrefix"},
		{&configrecorder.Props{BucketName: "example-log-archive", KmsKeyArn: "alias/archive"}, `Props.KmsKeyArn "alias/archive"`},
		{&configrecorder.Props{BucketName: "example-log-archive", RoleName: "r", CreateServiceLinkedRole: true}, "exclude each other"},
		{&configrecorder.Props{BucketName: "example-log-archive", RoleName: "a role"}, `Props.RoleName "a role"`},
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
