package inspector_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/palisade-sec/palisade/constructs/inspector"
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

type sdkCall struct {
	Service, Action          string
	Parameters               map[string]any
	IgnoreErrorCodesMatching string
}

// synth returns the calls of a stack by logical id, and every resource.
func synth(t *testing.T, account string, build func(awscdk.Stack)) (map[string]sdkCall, map[string]resource) {
	t.Helper()
	app := awscdk.NewApp(&awscdk.AppProps{AnalyticsReporting: jsii.Bool(false)})
	stack := awscdk.NewStack(app, jsii.String("Test"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String(account), Region: jsii.String("eu-west-1")},
	})
	build(stack)
	raw, _ := json.Marshal(app.Synth(nil).GetStackByName(stack.StackName()).Template())
	var tpl struct{ Resources map[string]resource }
	if err := json.Unmarshal(raw, &tpl); err != nil {
		t.Fatal(err)
	}
	calls := map[string]sdkCall{}
	for id, r := range tpl.Resources {
		if r.Type != "Custom::AWS" {
			continue
		}
		var c sdkCall
		if err := json.Unmarshal([]byte(r.Properties["Create"].(string)), &c); err != nil {
			t.Fatal(err)
		}
		if r.Properties["Update"] != r.Properties["Create"] {
			t.Errorf("%s: update %v differs from create", id, r.Properties["Update"])
		}
		if _, ok := r.Properties["Delete"]; ok {
			t.Errorf("%s calls something on delete", id)
		}
		calls[id] = c
	}
	return calls, tpl.Resources
}

func str(v any) string { b, _ := json.Marshal(v); return string(b) }

func policyOf(rs map[string]resource, callID string) string {
	for id, r := range rs {
		if r.Type == "AWS::IAM::Policy" && strings.HasPrefix(id, strings.TrimRight(callID, "0123456789ABCDEF")) {
			return str(r.Properties["PolicyDocument"])
		}
	}
	return ""
}

func TestDelegatedAdmin(t *testing.T) {
	calls, rs := synth(t, "111111111111", func(s awscdk.Stack) { inspector.NewDelegatedAdmin(s, "Admin", "222222222222") })
	if len(calls) != 1 {
		t.Fatalf("calls = %v, want one", calls)
	}
	for id, c := range calls {
		if c.Service != "Inspector2" || c.Action != "enableDelegatedAdminAccount" || c.Parameters["delegatedAdminAccountId"] != "222222222222" {
			t.Errorf("call = %+v", c)
		}
		// A rerun after a failed deployment finds the administrator
		// designated: that conflict is success.
		if c.IgnoreErrorCodesMatching != "^ConflictException$" {
			t.Errorf("ignoreErrorCodesMatching = %q, want ^ConflictException$", c.IgnoreErrorCodesMatching)
		}
		pol := policyOf(rs, id)
		// The Amazon Inspector User Guide's list for the caller, including
		// the account and OU reads, scoped to this organization's.
		for _, w := range []string{"inspector2:EnableDelegatedAdminAccount", "organizations:RegisterDelegatedAdministrator", `"iam:AWSServiceName":["inspector2.amazonaws.com"`,
			"organizations:DescribeAccount", "organizations:DescribeOrganizationalUnit", ":organizations::111111111111:account/o-*/*", ":organizations::111111111111:ou/o-*/ou-*"} {
			if !strings.Contains(pol, w) {
				t.Errorf("policy lacks %s: %s", w, pol)
			}
		}
	}
}

func TestAdministrator(t *testing.T) {
	calls, rs := synth(t, "222222222222", func(s awscdk.Stack) {
		inspector.New(s, "Inspector", &inspector.Props{ResourceTypes: []string{"EC2", "LAMBDA"}, MemberAccountIds: []string{"333333333333", "444444444444"}})
	})
	byAction := map[string][]string{}
	ids := map[string]string{}
	for id, c := range calls {
		byAction[c.Action] = append(byAction[c.Action], str(c.Parameters))
		ids[c.Action+str(c.Parameters)] = id
	}
	self := `{"accountIds":["222222222222"],"resourceTypes":["EC2","LAMBDA"]}`
	members := `{"accountIds":["333333333333","444444444444"],"resourceTypes":["EC2","LAMBDA"]}`
	auto := `{"autoEnable":{"ec2":true,"ecr":false,"lambda":true,"lambdaCode":false}}`
	if len(byAction["enable"]) != 2 || !strings.Contains(strings.Join(byAction["enable"], " "), self) || !strings.Contains(strings.Join(byAction["enable"], " "), members) {
		t.Errorf("enable calls = %v", byAction["enable"])
	}
	if len(byAction["updateOrganizationConfiguration"]) != 1 || byAction["updateOrganizationConfiguration"][0] != auto {
		t.Errorf("organization configuration = %v, want %s", byAction["updateOrganizationConfiguration"], auto)
	}
	if len(byAction["associateMember"]) != 2 {
		t.Errorf("associations = %v", byAction["associateMember"])
	}
	// Order: self, organization configuration, associations, members.
	deps := func(key string) string { return strings.Join(rs[ids[key]].DependsOn, " ") }
	if !strings.Contains(deps("updateOrganizationConfiguration"+auto), ids["enable"+self]) {
		t.Error("the organization configuration does not wait for the administrator's own Enable")
	}
	for _, a := range byAction["associateMember"] {
		if !strings.Contains(deps("enable"+members), ids["associateMember"+a]) {
			t.Errorf("enabling the members does not wait for %s", a)
		}
	}
}

func TestMisuse(t *testing.T) {
	for _, tc := range []struct {
		props inspector.Props
		want  string
	}{
		{inspector.Props{ResourceTypes: []string{"EC2", "EC2"}}, "Props.ResourceTypes"},
		{inspector.Props{ResourceTypes: []string{"S3"}}, "Props.ResourceTypes"},
		{inspector.Props{ResourceTypes: []string{"LAMBDA_CODE"}}, "LAMBDA_CODE needs LAMBDA"},
		{inspector.Props{MemberAccountIds: []string{"123"}}, "Props.MemberAccountIds"},
		{inspector.Props{MemberAccountIds: []string{"222222222222"}}, "the administrator"},
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), tc.want) {
					t.Errorf("%+v: recover() = %v, want a panic naming %s", tc.props, r, tc.want)
				}
			}()
			synth(t, "222222222222", func(s awscdk.Stack) { inspector.New(s, "I", &tc.props) })
		}()
	}
}
