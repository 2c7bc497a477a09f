package stackset_test

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/palisade-sec/palisade/constructs/stackset"
)

// A template deployed to every account of two OUs in two regions, and to
// every account that joins them later, from the management account.
func Example() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("FanOut"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("us-east-1")},
	})
	access := stackset.NewTrustedAccess(stack, "StackSetsTrustedAccess")
	set := stackset.New(stack, "Logs", &stackset.Props{
		Name:         "example-logs",
		TemplateBody: `{"Resources":{"Group":{"Type":"AWS::Logs::LogGroup","DeletionPolicy":"Retain","UpdateReplacePolicy":"Retain"}}}`,
		Targets:      []string{"ou-abcd-11111111", "ou-abcd-22222222"},
		Regions:      []string{"us-east-1", "eu-west-1"},
	})
	set.Node().AddDependency(access)
	app.Synth(nil)
}
