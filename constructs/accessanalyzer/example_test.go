package accessanalyzer_test

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/palisade-sec/palisade/constructs/accessanalyzer"
)

// The organization's analyzer in the security account, its delegated
// administrator, in one governed region.
func Example() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("AccessAnalyzer"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("222222222222"), Region: jsii.String("us-east-1")},
	})
	accessanalyzer.New(stack, "AccessAnalyzer", nil)
	app.Synth(nil)
}
