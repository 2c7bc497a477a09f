package securityhub_test

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/palisade-sec/palisade/constructs/securityhub"
)

// Security Hub for the whole organization: the management account delegates
// it to the security account, which configures every account centrally from
// us-east-1 and aggregates eu-west-1's findings there.
func Example() {
	app := awscdk.NewApp(nil)
	env := func(account string) *awscdk.StackProps {
		return &awscdk.StackProps{Env: &awscdk.Environment{Account: jsii.String(account), Region: jsii.String("us-east-1")}}
	}
	management := awscdk.NewStack(app, jsii.String("SecurityHubDelegation"), env("111111111111"))
	securityhub.NewDelegatedAdmin(management, "SecurityHubAdmin", "222222222222")

	security := awscdk.NewStack(app, jsii.String("SecurityHub"), env("222222222222"))
	securityhub.New(security, "SecurityHub", &securityhub.Props{
		Regions: []string{"eu-west-1"},
		DisabledControls: map[string]string{
			"IAM.6": "member accounts have no root credentials (centralized root access); hardware MFA cannot apply",
		},
		Targets: []string{"r-ab12"},
	})
	app.Synth(nil)
}
