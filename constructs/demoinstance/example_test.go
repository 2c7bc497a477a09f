package demoinstance_test

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/jsii-runtime-go"

	"github.com/palisade-sec/palisade/constructs/demoinstance"
)

// A demonstration instance in a VPC's private subnet, managed through
// Session Manager (Default Host Management), with no key and no ingress.
func Example() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Demo"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("333333333333"), Region: jsii.String("eu-west-1")},
	})
	vpc := awsec2.NewVpc(stack, jsii.String("Vpc"), &awsec2.VpcProps{MaxAzs: jsii.Number(2)})
	demoinstance.New(stack, "Demo", &demoinstance.Props{Vpc: vpc})
	app.Synth(nil)
}
