package securityhub_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/palisade-sec/palisade/constructs/securityhub"
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
	Metadata   map[string]any
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

func hub(t *testing.T, p *securityhub.Props) (map[string]resource, *securityhub.Hub) {
	var h *securityhub.Hub
	rs := synth(t, func(s awscdk.Stack) { h = securityhub.New(s, "SecurityHub", p) })
	return rs, h
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

func TestDefaults(t *testing.T) {
	rs, h := hub(t, nil)
	if h.FindingAggregator == nil || h.OrganizationConfiguration == nil || h.Policy == nil || len(h.Associations) != 0 {
		t.Errorf("Hub fields: %+v", h)
	}
	aggID, agg := only(t, rs, "AWS::SecurityHub::FindingAggregator")
	if got := str(agg.Properties); got != `{"RegionLinkingMode":"ALL_REGIONS"}` {
		t.Errorf("aggregator = %s", got)
	}
	orgID, org := only(t, rs, "AWS::SecurityHub::OrganizationConfiguration")
	if got := str(org.Properties); got != `{"AutoEnable":false,"AutoEnableStandards":"NONE","ConfigurationType":"CENTRAL"}` {
		t.Errorf("organization configuration = %s", got)
	}
	if str(org.DependsOn) != `["`+aggID+`"]` {
		t.Errorf("organization configuration depends on %v, want the aggregator (central configuration needs it)", org.DependsOn)
	}
	_, pol := only(t, rs, "AWS::SecurityHub::ConfigurationPolicy")
	if str(pol.DependsOn) != `["`+orgID+`"]` {
		t.Errorf("policy depends on %v, want the organization configuration", pol.DependsOn)
	}
	sh := str(pol.Properties["ConfigurationPolicy"])
	for _, w := range []string{`"ServiceEnabled":true`, `"SecurityControlsConfiguration":{"DisabledSecurityControlIdentifiers":[]}`,
		`":securityhub:us-east-1::standards/aws-foundational-security-best-practices/v/1.0.0"`,
		`":securityhub:us-east-1::standards/cis-aws-foundations-benchmark/v/3.0.0"`} {
		if !strings.Contains(sh, w) {
			t.Errorf("policy lacks %s: %s", w, sh)
		}
	}
	if pol.Properties["Name"] != securityhub.DefaultPolicyName {
		t.Errorf("policy name %v", pol.Properties["Name"])
	}
	if n := len(ofType(rs, "AWS::SecurityHub::PolicyAssociation")); n != 0 {
		t.Errorf("%d associations without targets", n)
	}
	if n := len(ofType(rs, "AWS::SecurityHub::Hub")); n != 0 {
		t.Error("a Hub resource would collide with the one delegation enables")
	}
}

func TestRegionsControlsTargets(t *testing.T) {
	rs, h := hub(t, &securityhub.Props{
		Regions:          []string{"eu-west-1", "eu-central-1"},
		Standards:        []securityhub.Standard{securityhub.NIST800_53R5},
		DisabledControls: map[string]string{"IAM.6": "no root credentials", "Macie.1": "Macie is not used"},
		Targets:          []string{"r-ab12", "ou-ab12-abcdefgh", "333333333333"},
	})
	_, agg := only(t, rs, "AWS::SecurityHub::FindingAggregator")
	if got := str(agg.Properties); got != `{"RegionLinkingMode":"SPECIFIED_REGIONS","Regions":["eu-west-1","eu-central-1"]}` {
		t.Errorf("aggregator = %s", got)
	}
	polID, pol := only(t, rs, "AWS::SecurityHub::ConfigurationPolicy")
	sh := str(pol.Properties["ConfigurationPolicy"])
	if !strings.Contains(sh, `"DisabledSecurityControlIdentifiers":["IAM.6","Macie.1"]`) || !strings.Contains(sh, "standards/nist-800-53/v/5.0.0") ||
		strings.Contains(sh, "aws-foundational") {
		t.Errorf("policy = %s", sh)
	}
	if got := str(pol.Metadata["DisabledControls"]); got != `{"IAM.6":"no root credentials","Macie.1":"Macie is not used"}` {
		t.Errorf("reasons in metadata = %s", got)
	}
	if d := pol.Properties["Description"].(string); !strings.Contains(d, "IAM.6, Macie.1") {
		t.Errorf("description = %s", d)
	}
	want := map[string]string{"r-ab12": "ROOT", "ou-ab12-abcdefgh": "ORGANIZATIONAL_UNIT", "333333333333": "ACCOUNT"}
	assoc := ofType(rs, "AWS::SecurityHub::PolicyAssociation")
	if len(assoc) != 3 || len(h.Associations) != 3 {
		t.Fatalf("%d associations", len(assoc))
	}
	for _, a := range assoc {
		target := a.Properties["TargetId"].(string)
		if a.Properties["TargetType"] != want[target] || str(a.Properties["ConfigurationPolicyId"]) != `{"Fn::GetAtt":["`+polID+`","Id"]}` {
			t.Errorf("association %s", str(a.Properties))
		}
	}
}

func TestDelegatedAdmin(t *testing.T) {
	rs := synth(t, func(s awscdk.Stack) { securityhub.NewDelegatedAdmin(s, "SecurityHubAdmin", "222222222222") })
	_, da := only(t, rs, "AWS::SecurityHub::DelegatedAdmin")
	if got := str(da.Properties); got != `{"AdminAccountId":"222222222222"}` {
		t.Errorf("delegated admin = %s", got)
	}
}

func TestMisusePanics(t *testing.T) {
	for _, tc := range []struct {
		props securityhub.Props
		want  string
	}{
		{securityhub.Props{Regions: []string{"us-east-1"}}, "home region"},
		{securityhub.Props{Regions: []string{"Ireland"}}, `Props.Regions: "Ireland"`},
		{securityhub.Props{Standards: []securityhub.Standard{"cis-aws-foundations-benchmark/v/1.2.0"}}, "Props.Standards"},
		{securityhub.Props{Standards: []securityhub.Standard{securityhub.CISv3_0, securityhub.CISv3_0}}, "listed twice"},
		{securityhub.Props{DisabledControls: map[string]string{"IAM.6": " "}}, `Props.DisabledControls["IAM.6"] has no reason`},
		{securityhub.Props{DisabledControls: map[string]string{"root mfa": "x"}}, "Props.DisabledControls"},
		{securityhub.Props{Targets: []string{"root"}}, `Props.Targets: "root"`},
		{securityhub.Props{PolicyName: strings.Repeat("a", 129)}, "Props.PolicyName"},
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), tc.want) {
					t.Errorf("%+v: panic %v, want one naming %s", tc.props, r, tc.want)
				}
			}()
			hub(t, &tc.props)
		}()
	}
	func() {
		defer func() {
			if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "adminAccountID") {
				t.Errorf("NewDelegatedAdmin(\"x\"): panic %v", r)
			}
		}()
		synth(t, func(s awscdk.Stack) { securityhub.NewDelegatedAdmin(s, "SecurityHubAdmin", "x") })
	}()
}
