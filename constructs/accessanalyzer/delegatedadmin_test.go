package accessanalyzer_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/palisade-sec/palisade/constructs/accessanalyzer"
)

// The delegation turns trusted access on, then registers the account, each
// made again on update, never undone on delete, and idempotent.
func TestDelegatedAdmin(t *testing.T) {
	app := awscdk.NewApp(&awscdk.AppProps{AnalyticsReporting: jsii.Bool(false)})
	stack := awscdk.NewStack(app, jsii.String("Mgmt"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("us-east-1")},
	})
	accessanalyzer.NewDelegatedAdmin(stack, "AccessAnalyzerAdmin", "222222222222")
	raw, _ := json.Marshal(app.Synth(nil).GetStackByName(stack.StackName()).Template())
	var tpl struct {
		Resources map[string]struct {
			Type       string
			Properties map[string]any
			DependsOn  []string
		}
	}
	if err := json.Unmarshal(raw, &tpl); err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for id, r := range tpl.Resources {
		if r.Type != "Custom::AWS" {
			continue
		}
		s, _ := r.Properties["Create"].(string)
		var c struct {
			Action                   string
			Parameters               map[string]string
			IgnoreErrorCodesMatching string
		}
		if err := json.Unmarshal([]byte(s), &c); err != nil {
			t.Fatal(err)
		}
		ids[c.Action] = id
		if u, _ := r.Properties["Update"].(string); u != s || r.Properties["Delete"] != nil {
			t.Errorf("%s: update %v, delete %v, want the create call on update and nothing on delete", id, r.Properties["Update"], r.Properties["Delete"])
		}
		if c.Parameters["ServicePrincipal"] != "access-analyzer.amazonaws.com" {
			t.Errorf("%s: %v", id, c.Parameters)
		}
		if want := map[string]string{"registerDelegatedAdministrator": "^AccountAlreadyRegisteredException$"}[c.Action]; c.IgnoreErrorCodesMatching != want {
			t.Errorf("%s %s ignores %q, want %q", id, c.Action, c.IgnoreErrorCodesMatching, want)
		}
	}
	if len(ids) != 2 {
		t.Fatalf("calls = %v, want enableAWSServiceAccess and registerDelegatedAdministrator", ids)
	}
	if deps := strings.Join(tpl.Resources[ids["registerDelegatedAdministrator"]].DependsOn, " "); !strings.Contains(deps, ids["enableAWSServiceAccess"]) {
		t.Errorf("registering does not wait for trusted access: DependsOn %s", deps)
	}
}
