package configrecorder_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/palisade-sec/palisade/constructs/configrecorder"
)

// Trusted access, then registration, for each of AWS Config's two service
// principals, one call after the other; and an aggregator without a recorder.
func TestDelegatedAdminAndAggregator(t *testing.T) {
	app := awscdk.NewApp(&awscdk.AppProps{AnalyticsReporting: jsii.Bool(false)})
	stack := awscdk.NewStack(app, jsii.String("Mgmt"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("us-east-1")},
	})
	configrecorder.NewDelegatedAdmin(stack, "ConfigAdmin", "222222222222")
	configrecorder.NewOrganizationAggregator(stack, "Aggregator")
	raw, _ := json.Marshal(app.Synth(nil).GetStackByName(stack.StackName()).Template())
	var tpl struct{ Resources map[string]resource }
	if err := json.Unmarshal(raw, &tpl); err != nil {
		t.Fatal(err)
	}
	calls := map[string]string{} // "action principal" -> logical id
	for id, r := range tpl.Resources {
		if r.Type != "Custom::AWS" {
			continue
		}
		var create struct {
			Service, Action          string
			Parameters               map[string]string
			IgnoreErrorCodesMatching string
		}
		s, _ := r.Properties["Create"].(string)
		if err := json.Unmarshal([]byte(s), &create); err != nil {
			t.Fatalf("%s Create: %v", id, err)
		}
		// Made again on update, never undone on delete; a rerun after a
		// failed deployment finds the account registered, which is success.
		if u, _ := r.Properties["Update"].(string); u != s || r.Properties["Delete"] != nil {
			t.Errorf("%s: update %v, delete %v, want the create call on update and nothing on delete", id, r.Properties["Update"], r.Properties["Delete"])
		}
		if want := map[string]string{"registerDelegatedAdministrator": "^AccountAlreadyRegisteredException$"}[create.Action]; create.IgnoreErrorCodesMatching != want {
			t.Errorf("%s %s ignores %q, want %q", id, create.Action, create.IgnoreErrorCodesMatching, want)
		}
		if create.Service != "Organizations" {
			t.Errorf("%s calls %s", id, create.Service)
		}
		if create.Action == "registerDelegatedAdministrator" && create.Parameters["AccountId"] != "222222222222" {
			t.Errorf("%s registers %v", id, create.Parameters)
		}
		calls[create.Action+" "+create.Parameters["ServicePrincipal"]] = id
	}
	order := []string{
		"enableAWSServiceAccess config.amazonaws.com", "registerDelegatedAdministrator config.amazonaws.com",
		"enableAWSServiceAccess config-multiaccountsetup.amazonaws.com", "registerDelegatedAdministrator config-multiaccountsetup.amazonaws.com",
	}
	if len(calls) != len(order) {
		t.Fatalf("calls = %v, want %v", calls, order)
	}
	for i := 1; i < len(order); i++ {
		if deps := tpl.Resources[calls[order[i]]].DependsOn; !strings.Contains(strings.Join(deps, " "), calls[order[i-1]]) {
			t.Errorf("%q does not wait for %q (DependsOn %v)", order[i], order[i-1], deps)
		}
	}
	if count(tpl.Resources, "AWS::Config::ConfigurationAggregator") != 1 || count(tpl.Resources, "AWS::Config::ConfigurationRecorder") != 0 {
		t.Error("want one aggregator and no recorder")
	}
}

func TestDelegatedAdminBadAccount(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "adminAccountID") {
			t.Errorf("recover() = %v, want a panic naming adminAccountID", r)
		}
	}()
	app := awscdk.NewApp(nil)
	configrecorder.NewDelegatedAdmin(awscdk.NewStack(app, jsii.String("S"), nil), "X", "security")
}
