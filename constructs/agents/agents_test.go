package agents_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/palisade-sec/palisade/constructs/agents"
)

func TestMain(m *testing.M) {
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

type resource struct {
	Type       string
	Properties map[string]any
	DependsOn  []string
}

func synth(t *testing.T, p *agents.Props) (map[string]resource, *agents.Agents) {
	t.Helper()
	app := awscdk.NewApp(&awscdk.AppProps{AnalyticsReporting: jsii.Bool(false)})
	stack := awscdk.NewStack(app, jsii.String("Test"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("333333333333"), Region: jsii.String("eu-west-1")},
	})
	a := agents.New(stack, "Agents", p)
	raw, err := json.Marshal(app.Synth(nil).GetStackByName(stack.StackName()).Template())
	if err != nil {
		t.Fatal(err)
	}
	var tpl struct{ Resources map[string]resource }
	if err := json.Unmarshal(raw, &tpl); err != nil {
		t.Fatal(err)
	}
	return tpl.Resources, a
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

const archive = "example-log-archive"

func TestAssociations(t *testing.T) {
	rs, a := synth(t, &agents.Props{OutputBucketName: archive})
	if len(a.Associations) != 4 || a.Parameter == nil {
		t.Errorf("Agents fields: %+v", a)
	}
	byDoc := map[string]resource{}
	ids := map[string]string{}
	for id, r := range ofType(rs, "AWS::SSM::Association") {
		byDoc[r.Properties["Name"].(string)] = r
		ids[r.Properties["Name"].(string)] = id
	}
	for doc, want := range map[string]struct{ schedule, params string }{
		"AWS-UpdateSSMAgent":          {"rate(14 days)", "null"},
		"AWS-GatherSoftwareInventory": {"rate(12 hours)", "null"},
		"AWS-ConfigureAWSPackage":     {"rate(14 days)", `{"action":["Install"],"name":["AmazonCloudWatchAgent"]}`},
		"AmazonCloudWatch-ManageAgent": {"rate(1 day)", `{"action":["configure"],"mode":["ec2"],"optionalConfigurationLocation":[{"Ref":"AgentsAgentConfig` +
			``},
	} {
		r, ok := byDoc[doc]
		if !ok {
			t.Errorf("no association runs %s", doc)
			continue
		}
		pr := r.Properties
		if pr["ScheduleExpression"] != want.schedule || str(pr["Targets"]) != `[{"Key":"tag:palisade:managed","Values":["true"]}]` ||
			pr["MaxConcurrency"] != "10%" || pr["MaxErrors"] != "5%" || pr["ComplianceSeverity"] != "HIGH" ||
			str(pr["OutputLocation"]) != `{"S3Location":{"OutputS3BucketName":"example-log-archive","OutputS3KeyPrefix":"ssm/333333333333/associations/"}}` {
			t.Errorf("%s association = %s", doc, str(pr))
		}
		if got := str(pr["Parameters"]); !strings.HasPrefix(got, want.params) {
			t.Errorf("%s parameters = %s, want %s", doc, got, want.params)
		}
	}
	configure := byDoc["AmazonCloudWatch-ManageAgent"]
	if got := str(configure.Properties["Parameters"]); !strings.Contains(got, `"optionalConfigurationSource":["ssm"]`) || !strings.Contains(got, `"optionalRestart":["yes"]`) {
		t.Errorf("configure parameters = %s", got)
	}
	if !strings.Contains(str(configure.DependsOn), ids["AWS-ConfigureAWSPackage"]) {
		t.Errorf("configuring does not wait for the install: %v", configure.DependsOn)
	}
}

func TestAgentConfigParameter(t *testing.T) {
	rs, _ := synth(t, &agents.Props{OutputBucketName: archive})
	params := ofType(rs, "AWS::SSM::Parameter")
	if len(params) != 1 {
		t.Fatalf("%d parameters, want one", len(params))
	}
	for _, p := range params {
		if p.Properties["Name"] != "AmazonCloudWatch-palisade-linux" || p.Properties["Type"] != "String" || p.Properties["Tier"] != "Standard" {
			t.Errorf("parameter = %s", str(p.Properties))
		}
		want := `{"agent":{"run_as_user":"cwagent"},"logs":{"logs_collected":{"files":{"collect_list":[` +
			`{"file_path":"/var/log/messages","log_group_name":"/var/log/messages","log_stream_name":"{instance_id}","retention_in_days":365},` +
			`{"file_path":"/var/log/secure","log_group_name":"/var/log/secure","log_stream_name":"{instance_id}","retention_in_days":365}]}}}}`
		if p.Properties["Value"] != want {
			t.Errorf("agent config =\n%v\nwant\n%s", p.Properties["Value"], want)
		}
	}
	got := str(agents.AgentConfig(&agents.Props{OutputBucketName: archive, LogGroups: []string{"/var/log/audit/audit.log"}, LogRetentionDays: 30}))
	if !strings.Contains(got, `"log_group_name":"/var/log/audit/audit.log"`) || !strings.Contains(got, `"retention_in_days":30`) || strings.Contains(got, "messages") {
		t.Errorf("AgentConfig = %s", got)
	}
}

func TestProps(t *testing.T) {
	rs, _ := synth(t, &agents.Props{OutputBucketName: archive, TargetTagKey: "team", TargetTagValue: "payments",
		MaxConcurrency: "5", MaxErrors: "1", ComplianceSeverity: "CRITICAL"})
	for _, r := range ofType(rs, "AWS::SSM::Association") {
		pr := r.Properties
		if str(pr["Targets"]) != `[{"Key":"tag:team","Values":["payments"]}]` || pr["MaxConcurrency"] != "5" || pr["MaxErrors"] != "1" || pr["ComplianceSeverity"] != "CRITICAL" {
			t.Errorf("association = %s", str(pr))
		}
	}
	if n := len(ofType(rs, "AWS::IAM::Role")) + len(ofType(rs, "AWS::IAM::Policy")); n != 0 {
		t.Errorf("agents creates %d IAM resources, want none", n)
	}
}

func TestMisusePanics(t *testing.T) {
	for _, tc := range []struct {
		props agents.Props
		want  string
	}{
		{agents.Props{}, "Props.OutputBucketName"},
		{agents.Props{OutputBucketName: archive, TargetTagKey: "bad*key"}, "Props.TargetTagKey"},
		{agents.Props{OutputBucketName: archive, LogGroups: []string{"var/log/x"}}, `Props.LogGroups: "var/log/x"`},
		{agents.Props{OutputBucketName: archive, LogGroups: []string{"/a", "/a"}}, "listed twice"},
		{agents.Props{OutputBucketName: archive, LogRetentionDays: 42}, "Props.LogRetentionDays 42"},
		{agents.Props{OutputBucketName: archive, MaxConcurrency: "0"}, "Props.MaxConcurrency"},
		{agents.Props{OutputBucketName: archive, MaxErrors: "all"}, "Props.MaxErrors"},
		{agents.Props{OutputBucketName: archive, ComplianceSeverity: "high"}, "Props.ComplianceSeverity"},
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), tc.want) {
					t.Errorf("%+v: panic %v, want one naming %s", tc.props, r, tc.want)
				}
			}()
			synth(t, &tc.props)
		}()
	}
}
