package stackset_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/palisade-sec/palisade/constructs/stackset"
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
	DependsOn      []string
}

const body = `{"Resources":{"Group":{"Type":"AWS::Logs::LogGroup"}}}`

func props() *stackset.Props {
	return &stackset.Props{
		Name: "example-logs", TemplateBody: body,
		Targets: []string{"ou-abcd-11111111"}, Regions: []string{"us-east-1", "eu-west-1"},
	}
}

// synth returns the resources of a management-account stack holding what
// build makes.
func synth(t *testing.T, build func(stack awscdk.Stack)) map[string]resource {
	t.Helper()
	app := awscdk.NewApp(&awscdk.AppProps{AnalyticsReporting: jsii.Bool(false)})
	stack := awscdk.NewStack(app, jsii.String("Test"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("us-east-1")},
	})
	build(stack)
	var tpl struct{ Resources map[string]resource }
	raw, err := json.Marshal(app.Synth(nil).GetStackByName(stack.StackName()).Template())
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &tpl); err != nil {
		t.Fatal(err)
	}
	return tpl.Resources
}

func ofType(rs map[string]resource, typ string) []resource {
	var out []resource
	for _, r := range rs {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

func str(v any) string { b, _ := json.Marshal(v); return string(b) }

func TestStackSet(t *testing.T) {
	p := props()
	p.Capabilities = []string{"CAPABILITY_NAMED_IAM"}
	p.FailureTolerancePercentage = 10
	sets := ofType(synth(t, func(s awscdk.Stack) { stackset.New(s, "Logs", p) }), "AWS::CloudFormation::StackSet")
	if len(sets) != 1 {
		t.Fatalf("stack sets = %v, want one", sets)
	}
	got := sets[0].Properties
	want := map[string]string{
		"StackSetName":         `"example-logs"`,
		"PermissionModel":      `"SERVICE_MANAGED"`,
		"CallAs":               `"SELF"`,
		"TemplateBody":         str(body),
		"Capabilities":         `["CAPABILITY_NAMED_IAM"]`,
		"AutoDeployment":       `{"Enabled":true,"RetainStacksOnAccountRemoval":false}`,
		"ManagedExecution":     `{"Active":true}`,
		"OperationPreferences": `{"ConcurrencyMode":"SOFT_FAILURE_TOLERANCE","FailureTolerancePercentage":10,"MaxConcurrentPercentage":25,"RegionConcurrencyType":"PARALLEL"}`,
		"StackInstancesGroup":  `[{"DeploymentTargets":{"OrganizationalUnitIds":["ou-abcd-11111111"]},"Regions":["us-east-1","eu-west-1"]}]`,
	}
	for k, v := range want {
		if str(got[k]) != v {
			t.Errorf("%s = %s, want %s", k, str(got[k]), v)
		}
	}
	if _, ok := got["Description"]; ok {
		t.Errorf("Description = %v without Props.Description", got["Description"])
	}
}

func TestStackSetRetainsStacksWhenAsked(t *testing.T) {
	p := props()
	p.RetainStacks = true
	p.MaxConcurrentPercentage = 100
	got := ofType(synth(t, func(s awscdk.Stack) { stackset.New(s, "Logs", p) }), "AWS::CloudFormation::StackSet")[0].Properties
	if s := str(got["AutoDeployment"]); s != `{"Enabled":true,"RetainStacksOnAccountRemoval":true}` {
		t.Errorf("AutoDeployment = %s", s)
	}
	if s := str(got["OperationPreferences"]); !strings.Contains(s, `"MaxConcurrentPercentage":100`) {
		t.Errorf("OperationPreferences = %s", s)
	}
}

// Props AWS would refuse panic at synth, each with what is wrong.
func TestStackSetRefusesBadProps(t *testing.T) {
	for name, tc := range map[string]struct {
		edit func(p *stackset.Props)
		msg  string
	}{
		"name":        {func(p *stackset.Props) { p.Name = "1-logs" }, `Props.Name "1-logs" is not a stack set name`},
		"template":    {func(p *stackset.Props) { p.TemplateBody = "" }, "Props.TemplateBody is empty"},
		"targets":     {func(p *stackset.Props) { p.Targets = nil }, "Props.Targets is empty"},
		"target":      {func(p *stackset.Props) { p.Targets = []string{"333333333333"} }, `target "333333333333" is not an organization root`},
		"regions":     {func(p *stackset.Props) { p.Regions = nil }, "Props.Regions is empty"},
		"tolerance":   {func(p *stackset.Props) { p.FailureTolerancePercentage = 101 }, "FailureTolerancePercentage 101 is not 0 to 100"},
		"concurrency": {func(p *stackset.Props) { p.MaxConcurrentPercentage = 101 }, "MaxConcurrentPercentage 101 is not 1 to 100"},
	} {
		t.Run(name, func(t *testing.T) {
			p := props()
			tc.edit(p)
			defer func() {
				r := recover()
				if r == nil || !strings.Contains(r.(string), tc.msg) {
					t.Errorf("panic = %v, want one saying %q", r, tc.msg)
				}
			}()
			app := awscdk.NewApp(&awscdk.AppProps{AnalyticsReporting: jsii.Bool(false)})
			stackset.New(awscdk.NewStack(app, jsii.String("Test"), nil), "Logs", p)
		})
	}
}

func TestTrustedAccess(t *testing.T) {
	rs := synth(t, func(s awscdk.Stack) { stackset.NewTrustedAccess(s, "TrustedAccess") })
	crs := ofType(rs, "Custom::AWS")
	if len(crs) != 1 {
		t.Fatalf("custom resources = %v, want one", crs)
	}
	var call struct{ Service, Action string }
	if err := json.Unmarshal([]byte(crs[0].Properties["Create"].(string)), &call); err != nil {
		t.Fatal(err)
	}
	if call.Service != "CloudFormation" || call.Action != "activateOrganizationsAccess" {
		t.Errorf("call = %+v", call)
	}
	if crs[0].Properties["Update"] != crs[0].Properties["Create"] {
		t.Errorf("update %v differs from create", crs[0].Properties["Update"])
	}
	if _, ok := crs[0].Properties["Delete"]; ok {
		t.Error("trusted access is deactivated on delete: that would stop every service-managed stack set of the organization")
	}
	pol := str(ofType(rs, "AWS::IAM::Policy"))
	for _, want := range []string{
		`"cloudformation:ActivateOrganizationsAccess"`,
		`"organizations:ServicePrincipal":"member.org.stacksets.cloudformation.amazonaws.com"`,
		`"iam:AWSServiceName":"*stacksets.cloudformation.amazonaws.com"`,
	} {
		if !strings.Contains(pol, want) {
			t.Errorf("policy = %s\nwant it to hold %s", pol, want)
		}
	}
	if strings.Contains(pol, "RegisterDelegatedAdministrator") || strings.Contains(pol, `"organizations:*"`) {
		t.Errorf("policy = %s: more than trusted access", pol)
	}
	// The function's log group is the stack's encrypted, retained one.
	lgs := ofType(rs, "AWS::Logs::LogGroup")
	if len(lgs) != 1 || lgs[0].DeletionPolicy != "Retain" || lgs[0].Properties["KmsKeyId"] == nil {
		t.Errorf("log groups = %v, want one, encrypted and retained", lgs)
	}
}
