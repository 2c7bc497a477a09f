package alerts_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/palisade-sec/palisade/constructs/alerts"
)

func TestMain(m *testing.M) {
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

type resource struct {
	Type           string
	Properties     map[string]any
	DeletionPolicy string
}

func synth(t *testing.T, p *alerts.Props) map[string]resource {
	t.Helper()
	app := awscdk.NewApp(&awscdk.AppProps{AnalyticsReporting: jsii.Bool(false)})
	stack := awscdk.NewStack(app, jsii.String("Test"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("222222222222"), Region: jsii.String("us-east-1")},
	})
	a := alerts.New(stack, "Alerts", p)
	if a.Topic == nil || a.Key == nil || a.SecurityHubRule == nil || a.GuardDutyRule == nil {
		t.Errorf("Alerts leaves a field nil: %+v", a)
	}
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

func str(v any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
	return strings.TrimSuffix(b.String(), "\n")
}

func ofType(rs map[string]resource, typ string) map[string]resource {
	out := map[string]resource{}
	for id, r := range rs {
		if r.Type == typ {
			out[id] = r
		}
	}
	return out
}

func only(t *testing.T, rs map[string]resource, typ, prefix string) (string, resource) {
	t.Helper()
	var ids []string
	for id, r := range rs {
		if r.Type == typ && strings.HasPrefix(id, prefix) {
			ids = append(ids, id)
		}
	}
	if len(ids) != 1 {
		t.Fatalf("%s %s*: found %v, want one", typ, prefix, ids)
	}
	return ids[0], rs[ids[0]]
}

func contains(t *testing.T, what, got string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("%s lacks %s:\n%s", what, w, got)
		}
	}
}

func TestTopicKeyAndPolicy(t *testing.T) {
	rs := synth(t, &alerts.Props{Emails: []string{"soc@example.com", "ciso@example.com"}})
	keyID, key := only(t, rs, "AWS::KMS::Key", "Alerts")
	if key.Properties["EnableKeyRotation"] != true || key.DeletionPolicy != "Retain" {
		t.Errorf("key: rotation %v, deletion %q", key.Properties["EnableKeyRotation"], key.DeletionPolicy)
	}
	var kp struct{ Statement []map[string]any }
	json.Unmarshal([]byte(str(key.Properties["KeyPolicy"])), &kp)
	found := false
	for _, s := range kp.Statement {
		if s["Sid"] == "EventBridgePublishesToTheTopic" {
			found = true
			// No source condition: SNS does not support one in the key policy
			// for EventBridge-to-encrypted topics, and delivery fails with it.
			if got := str(s); got != `{"Action":["kms:GenerateDataKey*","kms:Decrypt"],"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Resource":"*","Sid":"EventBridgePublishesToTheTopic"}` {
				t.Errorf("EventBridge key statement = %s", got)
			}
		}
	}
	if !found {
		t.Errorf("key policy does not let EventBridge use the key: %s", str(kp))
	}
	contains(t, "key policy", str(kp), "DenyGrantsExceptForAWSServices")

	topicID, topic := only(t, rs, "AWS::SNS::Topic", "Alerts")
	if got := str(topic.Properties["KmsMasterKeyId"]); got != `{"Fn::GetAtt":["`+keyID+`","Arn"]}` {
		t.Errorf("topic key = %s, want the alerts key", got)
	}
	_, tp := only(t, rs, "AWS::SNS::TopicPolicy", "Alerts")
	var doc struct{ Statement []map[string]any }
	json.Unmarshal([]byte(str(tp.Properties["PolicyDocument"])), &doc)
	for _, s := range doc.Statement {
		switch {
		case s["Effect"] == "Deny":
			contains(t, "TLS statement", str(s), `"aws:SecureTransport":"false"`)
		case s["Sid"] == "EventBridgePublishes":
			if got := str(s); got != `{"Action":"sns:Publish","Condition":{"ArnLike":{"aws:SourceArn":{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":events:us-east-1:222222222222:rule/*"]]}},"StringEquals":{"aws:SourceAccount":"222222222222"}},"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Resource":{"Ref":"`+topicID+`"},"Sid":"EventBridgePublishes"}` {
				t.Errorf("publish statement = %s", got)
			}
		default:
			t.Errorf("unexpected topic policy statement %s", str(s))
		}
	}
	if len(doc.Statement) != 2 {
		t.Errorf("topic policy has %d statements, want the TLS deny and EventBridge's publish", len(doc.Statement))
	}

	subs := ofType(rs, "AWS::SNS::Subscription")
	got := map[string]bool{}
	for _, s := range subs {
		if s.Properties["Protocol"] != "email" || str(s.Properties["TopicArn"]) != `{"Ref":"`+topicID+`"}` {
			t.Errorf("subscription %s", str(s.Properties))
		}
		got[s.Properties["Endpoint"].(string)] = true
	}
	if len(got) != 2 || !got["soc@example.com"] || !got["ciso@example.com"] {
		t.Errorf("subscriptions %v", got)
	}
}

func TestRules(t *testing.T) {
	for _, tc := range []struct {
		min       alerts.Severity
		labels    string
		threshold string
	}{
		{"", `["HIGH","CRITICAL"]`, `[">=",7]`},
		{alerts.Low, `["LOW","MEDIUM","HIGH","CRITICAL"]`, `[">=",1]`},
		{alerts.Medium, `["MEDIUM","HIGH","CRITICAL"]`, `[">=",4]`},
		{alerts.Critical, `["CRITICAL"]`, `[">=",9]`},
	} {
		rs := synth(t, &alerts.Props{MinSeverity: tc.min})
		topicID, _ := only(t, rs, "AWS::SNS::Topic", "Alerts")
		_, sh := only(t, rs, "AWS::Events::Rule", "AlertsSecurityHubRule")
		if got := str(sh.Properties["EventPattern"]); got != `{"detail":{"findings":{"RecordState":["ACTIVE"],"Severity":{"Label":`+tc.labels+`},"Workflow":{"Status":["NEW"]}}},"detail-type":["Security Hub Findings - Imported"],"source":["aws.securityhub"]}` {
			t.Errorf("%q: Security Hub pattern = %s", tc.min, got)
		}
		_, gd := only(t, rs, "AWS::Events::Rule", "AlertsGuardDutyRule")
		if got := str(gd.Properties["EventPattern"]); got != `{"detail":{"severity":[{"numeric":`+tc.threshold+`}]},"detail-type":["GuardDuty Finding"],"source":["aws.guardduty"]}` {
			t.Errorf("%q: GuardDuty pattern = %s", tc.min, got)
		}
		for name, r := range map[string]resource{"Security Hub": sh, "GuardDuty": gd} {
			if r.Properties["State"] != "ENABLED" || r.Properties["EventBusName"] != nil {
				t.Errorf("%s rule: state %v bus %v", name, r.Properties["State"], r.Properties["EventBusName"])
			}
			targets := r.Properties["Targets"].([]any)
			if len(targets) != 1 {
				t.Fatalf("%s rule: %d targets", name, len(targets))
			}
			target := targets[0].(map[string]any)
			if str(target["Arn"]) != `{"Ref":"`+topicID+`"}` {
				t.Errorf("%s rule targets %s", name, str(target["Arn"]))
			}
			it := target["InputTransformer"].(map[string]any)
			paths := it["InputPathsMap"].(map[string]any)
			for _, k := range []string{"account", "region", "title", "severity", "id"} {
				if paths[k] == nil {
					t.Errorf("%s rule: no input path %s", name, k)
				}
			}
			var message string
			if err := json.Unmarshal([]byte(it["InputTemplate"].(string)), &message); err != nil {
				t.Errorf("%s rule: input template is not a JSON string: %v", name, err)
			}
			contains(t, name+" message", message, name+" finding, severity <severity>", "Account: <account>",
				"Region: <region>", "Title: <title>", "Open: https://console.aws.amazon.com/", "region=<region>", "<id>")
			if target["Input"] != nil || target["InputPath"] != nil {
				t.Errorf("%s rule sends the raw event", name)
			}
		}
	}
}

func TestMisusePanics(t *testing.T) {
	for _, tc := range []struct {
		props alerts.Props
		want  string
	}{
		{alerts.Props{MinSeverity: "high"}, `Props.MinSeverity "high"`},
		{alerts.Props{MinSeverity: "INFORMATIONAL"}, "Props.MinSeverity"},
		{alerts.Props{Emails: []string{"soc"}}, `Props.Emails: "soc"`},
		{alerts.Props{Emails: []string{"SOC <soc@example.com>"}}, "Props.Emails"},
		{alerts.Props{Emails: []string{"a@example.com", "a@example.com"}}, "listed twice"},
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
