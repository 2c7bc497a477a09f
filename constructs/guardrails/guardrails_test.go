package guardrails_test

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/palisade-sec/palisade/constructs/guardrails"
)

func TestMain(m *testing.M) {
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

type statement struct {
	Sid       string
	Effect    string
	Action    any
	NotAction []string
	Resource  string
	Condition map[string]map[string]any
}

func parse(t *testing.T, doc string) map[string]statement {
	t.Helper()
	var d struct {
		Version   string
		Statement []statement
	}
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		t.Fatalf("%v: %s", err, doc)
	}
	if d.Version != "2012-10-17" {
		t.Errorf("Version = %q", d.Version)
	}
	out := map[string]statement{}
	for _, s := range d.Statement {
		out[s.Sid] = s
	}
	return out
}

func strs(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, x := range v {
			out = append(out, fmt.Sprint(x))
		}
		return out
	}
	return nil
}

func TestProtectSecurityBaseline(t *testing.T) {
	docs := guardrails.Policies(&guardrails.Props{TargetIds: []string{"r-ab12"}})
	if len(docs) != 1 {
		t.Fatalf("without AllowedRegions: %d policies, want 1", len(docs))
	}
	st := parse(t, docs[guardrails.ProtectSecurityBaseline])
	protect := st["ProtectSecurityServices"]
	if protect.Effect != "Deny" || protect.Resource != "*" {
		t.Errorf("ProtectSecurityServices: %+v", protect)
	}
	denied := strs(protect.Action)
	for _, a := range []string{
		"cloudtrail:StopLogging", "cloudtrail:DeleteTrail", "cloudtrail:UpdateTrail", "cloudtrail:PutEventSelectors",
		"config:StopConfigurationRecorder", "config:DeleteConfigurationRecorder", "config:DeleteDeliveryChannel",
		"guardduty:DeleteDetector", "guardduty:DisassociateFromMasterAccount", "guardduty:DisassociateFromAdministratorAccount", "guardduty:UpdateDetector",
		"securityhub:DisableSecurityHub", "securityhub:DisassociateFromMasterAccount", "securityhub:DisassociateFromAdministratorAccount",
		"access-analyzer:DeleteAnalyzer", "ec2:DeleteFlowLogs", "logs:DeleteSubscriptionFilter", "organizations:LeaveOrganization",
	} {
		if !slices.Contains(denied, a) {
			t.Errorf("ProtectSecurityServices does not deny %s", a)
		}
	}
	for _, a := range denied {
		if strings.Contains(a, "*") {
			t.Errorf("ProtectSecurityServices denies the wildcard %s: name each action", a)
		}
	}
	// Shipping logs to the drain must stay possible.
	if slices.Contains(denied, "logs:PutSubscriptionFilter") {
		t.Error("ProtectSecurityServices denies logs:PutSubscriptionFilter")
	}
	if got := strs(protect.Condition["ArnNotLike"]["aws:PrincipalArn"]); !slices.Equal(got, guardrails.DefaultExemptRoleArns) ||
		got[0] != "arn:aws:iam::*:role/cdk-hnb659fds-cfn-exec-role-*" || len(protect.Condition) != 1 {
		t.Errorf("ProtectSecurityServices condition = %v, want only the CDK execution roles exempt", protect.Condition)
	}

	root := st["DenyRootUser"]
	if root.Effect != "Deny" || fmt.Sprint(root.Action) != "*" || root.Resource != "*" ||
		fmt.Sprint(root.Condition) != "map[StringLike:map[aws:PrincipalArn:arn:aws:iam::*:root]]" {
		t.Errorf("DenyRootUser = %+v, want everything denied to root, no exemption", root)
	}
	if len(st) != 2 {
		t.Errorf("%d statements, want 2", len(st))
	}
}

func TestAllowedRegions(t *testing.T) {
	exempt := []string{"arn:aws:iam::*:role/cdk-custom-cfn-exec-role-*", "arn:aws:iam::111111111111:role/BreakGlass"}
	docs := guardrails.Policies(&guardrails.Props{
		TargetIds: []string{"ou-ab12-abcdefgh"}, ExemptRoleArns: exempt, AllowedRegions: []string{"eu-west-1", "us-east-1"},
	})
	st := parse(t, docs[guardrails.DenyOutsideAllowedRegions])
	r := st["DenyOutsideAllowedRegions"]
	if r.Effect != "Deny" || r.Resource != "*" || r.Action != nil {
		t.Errorf("DenyOutsideAllowedRegions = %+v", r)
	}
	if got := strs(r.Condition["StringNotEquals"]["aws:RequestedRegion"]); !slices.Equal(got, []string{"eu-west-1", "us-east-1"}) {
		t.Errorf("regions = %v", got)
	}
	if got := strs(r.Condition["ArnNotLike"]["aws:PrincipalArn"]); !slices.Equal(got, exempt) {
		t.Errorf("region deny exempts %v, want %v", got, exempt)
	}
	for _, a := range []string{"iam:*", "organizations:*", "sts:*", "cloudfront:*", "route53:*", "support:*"} {
		if !slices.Contains(r.NotAction, a) {
			t.Errorf("region deny blocks global %s", a)
		}
	}
	for _, a := range r.NotAction {
		if strings.HasPrefix(a, "ec2:Run") || a == "ec2:*" || a == "s3:*" || a == "*" {
			t.Errorf("region deny lets %s through everywhere", a)
		}
	}
	protect := parse(t, docs[guardrails.ProtectSecurityBaseline])["ProtectSecurityServices"]
	if got := strs(protect.Condition["ArnNotLike"]["aws:PrincipalArn"]); !slices.Equal(got, exempt) {
		t.Errorf("baseline exempts %v, want %v", got, exempt)
	}
}

// The worst case a caller plausibly sets must fit the SCP limit.
func TestPolicySize(t *testing.T) {
	var exempt []string
	for i := range 10 {
		exempt = append(exempt, fmt.Sprintf("arn:aws:iam::*:role/deployment-role-number-%02d-*", i))
	}
	regions := []string{"us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-west-2", "eu-west-3",
		"eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2", "ap-southeast-1", "ap-southeast-2", "ap-northeast-1"}
	docs := guardrails.Policies(&guardrails.Props{TargetIds: []string{"r-ab12"}, ExemptRoleArns: exempt, AllowedRegions: regions})
	for name, doc := range docs {
		if len(doc) > guardrails.MaxPolicySize {
			t.Errorf("%s is %d characters, over %d", name, len(doc), guardrails.MaxPolicySize)
		}
		t.Logf("%s: %d characters", name, len(doc))
	}
	// And one that cannot fit is refused before AWS refuses it.
	for i := range 100 {
		exempt = append(exempt, fmt.Sprintf("arn:aws:iam::*:role/yet-another-deployment-role-%03d", i))
	}
	func() {
		defer func() {
			if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "SCP limit") {
				t.Errorf("oversized policy: panic %v, want the SCP limit named", r)
			}
		}()
		guardrails.Policies(&guardrails.Props{TargetIds: []string{"r-ab12"}, ExemptRoleArns: exempt})
	}()
}

type resource struct {
	Type       string
	Properties map[string]any
}

func TestTemplate(t *testing.T) {
	app := awscdk.NewApp(&awscdk.AppProps{AnalyticsReporting: jsii.Bool(false)})
	stack := awscdk.NewStack(app, jsii.String("Test"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("us-east-1")},
	})
	props := &guardrails.Props{TargetIds: []string{"r-ab12", "ou-ab12-abcdefgh", "333333333333"}, AllowedRegions: []string{"eu-west-1"}}
	g := guardrails.New(stack, "Guardrails", props)
	if len(g.Policies) != 2 {
		t.Errorf("Policies has %d entries, want 2", len(g.Policies))
	}
	raw, err := json.Marshal(app.Synth(nil).GetStackByName(stack.StackName()).Template())
	if err != nil {
		t.Fatal(err)
	}
	var tpl struct{ Resources map[string]resource }
	if err := json.Unmarshal(raw, &tpl); err != nil {
		t.Fatal(err)
	}
	docs := guardrails.Policies(props)
	seen := map[string]bool{}
	for _, r := range tpl.Resources {
		if r.Type != "AWS::Organizations::Policy" {
			continue
		}
		name := r.Properties["Name"].(string)
		seen[name] = true
		if r.Properties["Type"] != "SERVICE_CONTROL_POLICY" {
			t.Errorf("%s: Type %v", name, r.Properties["Type"])
		}
		if got := strs(r.Properties["TargetIds"]); !slices.Equal(got, props.TargetIds) {
			t.Errorf("%s: TargetIds %v", name, got)
		}
		content, _ := json.Marshal(r.Properties["Content"])
		var a, b any
		json.Unmarshal(content, &a)
		json.Unmarshal([]byte(docs[name]), &b)
		if fmt.Sprint(a) != fmt.Sprint(b) {
			t.Errorf("%s: template content differs from Policies:\n%s\n%s", name, content, docs[name])
		}
	}
	if len(seen) != 2 {
		t.Errorf("policies in template: %v", seen)
	}
}

func TestMisusePanics(t *testing.T) {
	for _, tc := range []struct {
		props guardrails.Props
		want  string
	}{
		{guardrails.Props{}, "Props.TargetIds is empty"},
		{guardrails.Props{TargetIds: []string{"root"}}, `Props.TargetIds: "root"`},
		{guardrails.Props{TargetIds: []string{"r-ab12", "r-ab12"}}, "listed twice"},
		{guardrails.Props{TargetIds: []string{"r-ab12"}, ExemptRoleArns: []string{"*"}}, `Props.ExemptRoleArns: "*"`},
		{guardrails.Props{TargetIds: []string{"r-ab12"}, ExemptRoleArns: []string{"arn:aws:iam::*:user/admin"}}, "Props.ExemptRoleArns"},
		{guardrails.Props{TargetIds: []string{"r-ab12"}, AllowedRegions: []string{"Europe"}}, `Props.AllowedRegions: "Europe"`},
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), tc.want) {
					t.Errorf("%+v: panic %v, want one naming %s", tc.props, r, tc.want)
				}
			}()
			guardrails.Policies(&tc.props)
		}()
	}
}
