package cisalarms_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/palisade-sec/palisade/constructs/cisalarms"
)

func TestMain(m *testing.M) {
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

const topic = "arn:aws:sns:us-east-1:111111111111:palisade-alerts"

// mustMatch are events each control's pattern has to name, after CIS.
var mustMatch = map[string][]string{
	"4.1":  {`"*UnauthorizedOperation"`, `"AccessDenied*"`},
	"4.2":  {`"ConsoleLogin"`, `$.additionalEventData.MFAUsed != "Yes"`},
	"4.3":  {`$.userIdentity.type = "Root"`, `$.userIdentity.invokedBy NOT EXISTS`, `$.eventType != "AwsServiceEvent"`},
	"4.4":  {"PutRolePolicy", "AttachRolePolicy", "CreatePolicyVersion", "DetachGroupPolicy"},
	"4.5":  {"StopLogging", "DeleteTrail", "UpdateTrail"},
	"4.6":  {"ConsoleLogin", `"Failed authentication"`},
	"4.7":  {"kms.amazonaws.com", "DisableKey", "ScheduleKeyDeletion"},
	"4.8":  {"s3.amazonaws.com", "PutBucketPolicy", "PutBucketAcl", "DeleteBucketPolicy"},
	"4.9":  {"config.amazonaws.com", "StopConfigurationRecorder", "DeleteDeliveryChannel"},
	"4.10": {"AuthorizeSecurityGroupIngress", "RevokeSecurityGroupEgress", "CreateSecurityGroup"},
	"4.11": {"CreateNetworkAclEntry", "ReplaceNetworkAclAssociation"},
	"4.12": {"CreateCustomerGateway", "AttachInternetGateway", "DetachInternetGateway"},
	"4.13": {"ec2.amazonaws.com", "CreateRoute", "ReplaceRouteTableAssociation", "DisassociateRouteTable"},
	"4.14": {"CreateVpc", "ModifyVpcAttribute", "CreateVpcPeeringConnection"},
	"4.15": {"organizations.amazonaws.com", `"LeaveOrganization"`, `"CreateAccount"`, `"AttachPolicy"`},
}

func TestMonitors(t *testing.T) {
	if len(cisalarms.Monitors) != 15 {
		t.Errorf("%d monitors, want CIS 4.1 to 4.15", len(cisalarms.Monitors))
	}
	names := map[string]bool{}
	for i, m := range cisalarms.Monitors {
		if m.Control != fmt.Sprintf("4.%d", i+1) {
			t.Errorf("monitor %d %s is control %s", i, m.Name, m.Control)
		}
		if names[m.Name] {
			t.Errorf("%s twice", m.Name)
		}
		names[m.Name] = true
		if !strings.HasPrefix(m.Pattern, "{ ") || !strings.HasSuffix(m.Pattern, " }") ||
			strings.Count(m.Pattern, "(") != strings.Count(m.Pattern, ")") || strings.Count(m.Pattern, `"`)%2 != 0 {
			t.Errorf("%s: malformed pattern %s", m.Name, m.Pattern)
		}
		for _, w := range mustMatch[m.Control] {
			if !strings.Contains(m.Pattern, w) {
				t.Errorf("%s (%s) lacks %s: %s", m.Name, m.Control, w, m.Pattern)
			}
		}
		// A top-level || after a source filter would match the other
		// services' events too.
		if strings.Contains(m.Pattern, "eventSource") && !strings.Contains(m.Pattern, ") && ((") {
			t.Errorf("%s: the event source does not bound every event name: %s", m.Name, m.Pattern)
		}
	}
}

type resource struct {
	Type           string
	Properties     map[string]any
	DeletionPolicy string
}

func synth(t *testing.T, p *cisalarms.Props) (map[string]resource, *cisalarms.Alarms) {
	t.Helper()
	app := awscdk.NewApp(&awscdk.AppProps{AnalyticsReporting: jsii.Bool(false)})
	stack := awscdk.NewStack(app, jsii.String("Test"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("us-east-1")},
	})
	a := cisalarms.New(stack, "CisAlarms", p)
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

func TestAlarms(t *testing.T) {
	for _, tc := range []struct{ namespace, want string }{{"", "CISBenchmark"}, {"Palisade/CIS", "Palisade/CIS"}} {
		rs, a := synth(t, &cisalarms.Props{LogGroupName: "/palisade/organization-trail", AlarmTopicArn: topic, MetricNamespace: tc.namespace})
		if len(a.MetricFilters) != 15 || len(a.Alarms) != 15 || len(rs) != 30 {
			t.Fatalf("%d filters, %d alarms, %d resources; want 15, 15, 30", len(a.MetricFilters), len(a.Alarms), len(rs))
		}
		patterns := map[string]string{}
		for _, m := range cisalarms.Monitors {
			patterns[m.Name] = m.Pattern
		}
		filters, alarms := map[string]bool{}, map[string]bool{}
		for id, r := range rs {
			p := r.Properties
			switch r.Type {
			case "AWS::Logs::MetricFilter":
				mt := p["MetricTransformations"].([]any)[0].(map[string]any)
				name := mt["MetricName"].(string)
				filters[name] = true
				if p["LogGroupName"] != "/palisade/organization-trail" || p["FilterPattern"] != patterns[name] ||
					mt["MetricNamespace"] != tc.want || mt["MetricValue"] != "1" {
					t.Errorf("filter %s = %v", id, p)
				}
			case "AWS::CloudWatch::Alarm":
				name := p["MetricName"].(string)
				alarms[name] = true
				if p["Namespace"] != tc.want || p["Statistic"] != "Sum" || p["Period"] != 300.0 || p["EvaluationPeriods"] != 1.0 ||
					p["Threshold"] != 1.0 || p["ComparisonOperator"] != "GreaterThanOrEqualToThreshold" ||
					p["TreatMissingData"] != "notBreaching" || fmt.Sprint(p["AlarmActions"]) != "["+topic+"]" ||
					!strings.HasPrefix(p["AlarmDescription"].(string), "CIS AWS Foundations Benchmark 4.") {
					t.Errorf("alarm %s = %v", id, p)
				}
			default:
				t.Errorf("unexpected %s %s", r.Type, id)
			}
		}
		for name := range patterns {
			if !filters[name] || !alarms[name] {
				t.Errorf("%s: filter %v, alarm %v", name, filters[name], alarms[name])
			}
		}
	}
}

func TestMisusePanics(t *testing.T) {
	for _, tc := range []struct {
		props *cisalarms.Props
		want  string
	}{
		{nil, `Props.LogGroupName ""`},
		{&cisalarms.Props{LogGroupName: "trail logs", AlarmTopicArn: topic}, `Props.LogGroupName "trail logs"`},
		{&cisalarms.Props{LogGroupName: "trail", AlarmTopicArn: topic, Emails: []string{"a@example.com"}}, "Props.Emails"},
		{&cisalarms.Props{LogGroupName: "trail", AlarmTopicArn: topic + ".fifo"}, "Props.AlarmTopicArn"},
		{&cisalarms.Props{LogGroupName: "trail", AlarmTopicArn: topic, MetricNamespace: "AWS/CloudTrail"}, `Props.MetricNamespace "AWS/CloudTrail"`},
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

// Without a topic the construct makes one that CloudWatch, for this account
// only, may publish to, encrypted with a key CloudWatch may use, and the
// alarms notify it.
func TestOwnTopic(t *testing.T) {
	rs, a := synth(t, &cisalarms.Props{LogGroupName: "/palisade/organization-trail", Emails: []string{"soc@example.com"}})
	if a.Topic == nil || a.Key == nil {
		t.Fatal("no topic or key made")
	}
	var topicID, keyID string
	for id, r := range rs {
		switch r.Type {
		case "AWS::SNS::Topic":
			topicID = id
		case "AWS::KMS::Key":
			keyID = id
			if r.DeletionPolicy != "Retain" {
				t.Errorf("key DeletionPolicy = %q, want Retain", r.DeletionPolicy)
			}
			pol, _ := json.Marshal(r.Properties["KeyPolicy"])
			for _, w := range []string{`"Service":"cloudwatch.amazonaws.com"`, `"kms:GenerateDataKey*"`, `"aws:SourceAccount":"111111111111"`, "DenyGrantsExceptForAWSServices"} {
				if !strings.Contains(string(pol), w) {
					t.Errorf("key policy lacks %s: %s", w, pol)
				}
			}
		case "AWS::SNS::TopicPolicy":
			pol, _ := json.Marshal(r.Properties)
			for _, w := range []string{`"Service":"cloudwatch.amazonaws.com"`, `"sns:Publish"`, `"aws:SourceAccount":"111111111111"`, `"aws:SecureTransport":"false"`} {
				if !strings.Contains(string(pol), w) {
					t.Errorf("topic policy lacks %s: %s", w, pol)
				}
			}
		case "AWS::SNS::Subscription":
			if r.Properties["Endpoint"] != "soc@example.com" || r.Properties["Protocol"] != "email" {
				t.Errorf("subscription = %v", r.Properties)
			}
		}
	}
	if topicID == "" || keyID == "" {
		t.Fatalf("no topic or key in the template")
	}
	for name, alarm := range rs {
		if alarm.Type != "AWS::CloudWatch::Alarm" {
			continue
		}
		if b, _ := json.Marshal(alarm.Properties["AlarmActions"]); string(b) != `[{"Ref":"`+topicID+`"}]` {
			t.Errorf("%s AlarmActions = %s, want the topic", name, b)
		}
	}
}
