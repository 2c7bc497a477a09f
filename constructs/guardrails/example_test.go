package guardrails_test

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/palisade-sec/palisade/constructs/guardrails"
)

// The organization's SCPs, made in the management account and attached to
// the root: members keep the security baseline on, never act as root, and
// stay in two regions.
func Example() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Guardrails"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("us-east-1")},
	})
	guardrails.New(stack, "Guardrails", &guardrails.Props{
		TargetIds:      []string{"r-ab12"},
		AllowedRegions: []string{"us-east-1", "eu-west-1"},
	})
	// The same documents as plain JSON, for review:
	_ = guardrails.Policies(&guardrails.Props{TargetIds: []string{"r-ab12"}})[guardrails.ProtectSecurityBaseline]
	app.Synth(nil)
}
