package logforward_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"

	"github.com/palisade-sec/palisade/constructs/logforward"
)

func TestMain(m *testing.M) {
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

const destination = "arn:aws:logs:eu-west-1:222222222222:destination:central-logs"

type resource struct {
	Type           string
	Properties     map[string]any
	DeletionPolicy string
}

// synth returns the resources, keyed by logical id, of a stack in the
// workload account 333333333333 in eu-west-1 holding a Forwarder made from
// props. With existingGroup it also creates a log group elsewhere in the
// stack and adds its (token) name to ExistingLogGroups as "Other".
func synth(t *testing.T, props *logforward.Props, existingGroup bool) (map[string]resource, *logforward.Forwarder) {
	t.Helper()
	app := awscdk.NewApp(&awscdk.AppProps{AnalyticsReporting: jsii.Bool(false)})
	stack := awscdk.NewStack(app, jsii.String("Test"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("333333333333"), Region: jsii.String("eu-west-1")},
	})
	if existingGroup {
		lg := awslogs.NewLogGroup(stack, jsii.String("Elsewhere"), nil)
		props.ExistingLogGroups = map[string]string{"Other": *lg.LogGroupName()}
	}
	f := logforward.New(stack, "Forward", props)
	var tpl struct{ Resources map[string]resource }
	raw, err := json.Marshal(app.Synth(nil).GetStackByName(stack.StackName()).Template())
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &tpl); err != nil {
		t.Fatal(err)
	}
	return tpl.Resources, f
}

func str(v any) string { b, _ := json.Marshal(v); return string(b) }

func byType(rs map[string]resource, typ string) map[string]resource {
	out := map[string]resource{}
	for id, r := range rs {
		if r.Type == typ {
			out[id] = r
		}
	}
	return out
}

func TestLogGroupsAreCreatedEncryptedAndSubscribed(t *testing.T) {
	rs, f := synth(t, &logforward.Props{
		DestinationArn: destination,
		LogGroups:      []string{"/var/log/messages", "/var/log/secure"},
	}, false)
	if len(f.LogGroups) != 2 || f.LogGroups["/var/log/messages"] == nil || f.Key == nil {
		t.Errorf("Forwarder fields: LogGroups %v, Key %v", f.LogGroups, f.Key)
	}
	keys := byType(rs, "AWS::KMS::Key")
	if len(keys) != 1 {
		t.Fatalf("keys: %d, want 1", len(keys))
	}
	var keyID string
	for id, k := range keys {
		keyID = id
		if k.Properties["EnableKeyRotation"] != true || k.DeletionPolicy != "Retain" {
			t.Errorf("key: rotation %v, deletion %q", k.Properties["EnableKeyRotation"], k.DeletionPolicy)
		}
		policy := str(k.Properties["KeyPolicy"])
		for _, want := range []string{
			"DenyGrantsExceptForAWSServices",
			`"Service":"logs.eu-west-1.amazonaws.com"`,
			`"ArnEquals":{"kms:EncryptionContext:aws:logs:arn":[`,
			":logs:eu-west-1:333333333333:log-group:/var/log/messages\"",
			":logs:eu-west-1:333333333333:log-group:/var/log/secure\"",
		} {
			if !strings.Contains(policy, want) {
				t.Errorf("key policy lacks %s:\n%s", want, policy)
			}
		}
		if strings.Contains(policy, "log-group:*") {
			t.Errorf("key policy admits every log group:\n%s", policy)
		}
	}

	groups := byType(rs, "AWS::Logs::LogGroup")
	if len(groups) != 2 {
		t.Fatalf("log groups: %d, want 2", len(groups))
	}
	byName := map[string]string{} // name -> logical id
	for id, g := range groups {
		name, _ := g.Properties["LogGroupName"].(string)
		byName[name] = id
		if got := str(g.Properties["KmsKeyId"]); got != `{"Fn::GetAtt":["`+keyID+`","Arn"]}` {
			t.Errorf("%s: KmsKeyId %s", name, got)
		}
		if g.Properties["RetentionInDays"] != 365.0 || g.DeletionPolicy != "Retain" {
			t.Errorf("%s: retention %v, deletion %q; want a year, Retain", name, g.Properties["RetentionInDays"], g.DeletionPolicy)
		}
	}
	if !strings.HasPrefix(byName["/var/log/messages"], "ForwardVarLogMessages") || !strings.HasPrefix(byName["/var/log/secure"], "ForwardVarLogSecure") {
		t.Errorf("log group logical ids %v do not come from their names", byName)
	}

	filters := byType(rs, "AWS::Logs::SubscriptionFilter")
	if len(filters) != 2 {
		t.Fatalf("subscription filters: %d, want 2", len(filters))
	}
	subscribed := map[string]bool{}
	for id, sf := range filters {
		p := sf.Properties
		if p["DestinationArn"] != destination || p["FilterPattern"] != "" || p["RoleArn"] != nil {
			t.Errorf("%s: %s; want every event to the destination, no role", id, str(p))
		}
		ref, _ := p["LogGroupName"].(map[string]any)["Ref"].(string)
		subscribed[ref] = true
	}
	for name, id := range byName {
		if !subscribed[id] {
			t.Errorf("%s is not subscribed by Ref (the filter must wait for its group)", name)
		}
	}
}

func TestExistingLogGroupsAreOnlySubscribed(t *testing.T) {
	rs, f := synth(t, &logforward.Props{DestinationArn: destination, Retention: awslogs.RetentionDays_TWO_YEARS}, true)
	if f.Key != nil || len(f.LogGroups) != 0 {
		t.Errorf("nothing to create, yet Key %v, LogGroups %v", f.Key, f.LogGroups)
	}
	if n := len(byType(rs, "AWS::KMS::Key")); n != 0 {
		t.Errorf("keys: %d, want none", n)
	}
	if n := len(byType(rs, "AWS::Logs::LogGroup")); n != 1 {
		t.Errorf("log groups: %d, want only the test's own", n)
	}
	filters := byType(rs, "AWS::Logs::SubscriptionFilter")
	if len(filters) != 1 {
		t.Fatalf("filters: %d, want 1", len(filters))
	}
	for id, sf := range filters {
		if !strings.HasPrefix(id, "ForwardOtherSubscription") {
			t.Errorf("filter logical id %s does not come from the map key", id)
		}
		if got := str(sf.Properties["LogGroupName"]); !strings.HasPrefix(got, `{"Ref":"Elsewhere`) {
			t.Errorf("filter subscribes %s", got)
		}
	}
}

func TestRetention(t *testing.T) {
	rs, _ := synth(t, &logforward.Props{DestinationArn: destination, LogGroups: []string{"app"}, Retention: awslogs.RetentionDays_TEN_YEARS}, false)
	for _, g := range byType(rs, "AWS::Logs::LogGroup") {
		if g.Properties["RetentionInDays"] != 3653.0 {
			t.Errorf("retention %v, want 3653", g.Properties["RetentionInDays"])
		}
	}
}

func TestMisusePanics(t *testing.T) {
	for _, tc := range []struct {
		props *logforward.Props
		want  string
	}{
		{&logforward.Props{LogGroups: []string{"a"}}, "Props.DestinationArn"},
		{&logforward.Props{DestinationArn: "arn:aws:firehose:eu-west-1:222222222222:deliverystream/x", LogGroups: []string{"a"}}, "Props.DestinationArn"},
		{&logforward.Props{DestinationArn: "arn:aws:logs:us-east-1:222222222222:destination:central-logs", LogGroups: []string{"a"}}, "own region, eu-west-1"},
		{&logforward.Props{DestinationArn: destination}, "both empty"},
		{&logforward.Props{DestinationArn: destination, LogGroups: []string{"/var/log/messages", "/var/log/messages"}}, "listed twice"},
		{&logforward.Props{DestinationArn: destination, LogGroups: []string{"/var/log:messages"}}, `Props.LogGroups: "/var/log:messages"`},
		{&logforward.Props{DestinationArn: destination, LogGroups: []string{"aws/mine"}}, `not starting with "aws/"`},
		{&logforward.Props{DestinationArn: destination, LogGroups: []string{strings.Repeat("a", 513)}}, "Props.LogGroups"},
		{&logforward.Props{DestinationArn: destination, LogGroups: []string{"/app/a-b", "/app/a/b"}}, "both make the construct id AppAB"},
		{&logforward.Props{DestinationArn: destination, LogGroups: []string{"//"}}, "no letter or digit"},
		{&logforward.Props{DestinationArn: destination, ExistingLogGroups: map[string]string{"flow logs": "/vpc/flow"}}, "PascalCase"},
		{&logforward.Props{DestinationArn: destination, ExistingLogGroups: map[string]string{"Flow": "bad:name"}}, "Props.ExistingLogGroups[Flow]"},
		{&logforward.Props{DestinationArn: destination, LogGroups: []string{"/app"}, ExistingLogGroups: map[string]string{"App": "/other"}}, "key App is also the construct id"},
		{&logforward.Props{DestinationArn: destination, LogGroups: []string{"/app"}, ExistingLogGroups: map[string]string{"Again": "/app"}}, "subscribed once"},
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), tc.want) {
					t.Errorf("%+v: panic %v, want one naming %s", tc.props, r, tc.want)
				}
			}()
			synth(t, tc.props, false)
		}()
	}
}

func TestOrganizationDestinationGetsASubscriptionRole(t *testing.T) {
	rs, f := synth(t, &logforward.Props{
		DestinationArn:                destination,
		LogGroups:                     []string{"/var/log/messages"},
		DestinationAdmitsOrganization: true,
	}, true)
	if f.SubscriptionRole == nil {
		t.Fatal("no SubscriptionRole")
	}
	roles := byType(rs, "AWS::IAM::Role")
	if len(roles) != 1 {
		t.Fatalf("roles: %d, want the subscription role", len(roles))
	}
	var roleID string
	for id, r := range roles {
		roleID = id
		if got := str(r.Properties["AssumeRolePolicyDocument"]); !strings.Contains(got, `"Service":"logs.eu-west-1.amazonaws.com"`) {
			t.Errorf("trust = %s, want CloudWatch Logs of this region", got)
		}
	}
	policies := byType(rs, "AWS::IAM::ManagedPolicy")
	if len(policies) != 1 {
		t.Fatalf("managed policies: %d, want 1", len(policies))
	}
	for _, p := range policies {
		doc := str(p.Properties["PolicyDocument"])
		for _, want := range []string{`"Action":"logs:PutLogEvents"`, `:log-group:/var/log/messages:*"`, `{"Ref":"Elsewhere`} {
			if !strings.Contains(doc, want) {
				t.Errorf("subscription policy lacks %s: %s", want, doc)
			}
		}
		if strings.Contains(doc, `"Resource":"*"`) || strings.Count(doc, `"Effect"`) != 1 {
			t.Errorf("subscription policy is wider than PutLogEvents on the forwarded groups: %s", doc)
		}
	}
	filters := byType(rs, "AWS::Logs::SubscriptionFilter")
	if len(filters) != 2 {
		t.Fatalf("filters: %d, want 2", len(filters))
	}
	for id, fl := range filters {
		if got := str(fl.Properties["RoleArn"]); !strings.Contains(got, roleID) {
			t.Errorf("%s: RoleArn = %s, want the subscription role", id, got)
		}
	}
	// Without it no role: CloudWatch Logs refuses one for a destination
	// that names the account.
	rs, f = synth(t, &logforward.Props{DestinationArn: destination, LogGroups: []string{"/var/log/messages"}}, false)
	if f.SubscriptionRole != nil || len(byType(rs, "AWS::IAM::Role")) != 0 || strings.Contains(str(byType(rs, "AWS::Logs::SubscriptionFilter")), "RoleArn") {
		t.Error("a role without DestinationAdmitsOrganization")
	}
}
