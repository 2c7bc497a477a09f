package hardenedvpc_test

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/palisade-sec/palisade/constructs/hardenedvpc"
)

// A workload VPC over three AZs whose flow logs go to a central archive, with
// the endpoints Session Manager needs.
func Example() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Network"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("333333333333"), Region: jsii.String("us-east-1")},
	})
	vpc := hardenedvpc.New(stack, "Vpc", &hardenedvpc.Props{
		Cidr:               "10.16.0.0/16",
		AvailabilityZones:  []string{"us-east-1a", "us-east-1b", "us-east-1c"},
		FlowLogBucketArn:   "arn:aws:s3:::example-log-archive",
		InterfaceEndpoints: []string{"ssm", "ssmmessages", "ec2messages", "kms", "logs"},
	})
	_ = vpc.NoIngressSecurityGroup // attach to instances; it admits nothing
	app.Synth(nil)
}
