package logforward_test

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"

	"github.com/palisade-sec/palisade/constructs/logforward"
)

// A workload account ships its instances' system logs, and a log group made
// elsewhere in its stack, to the security account's destination in the
// same region.
func Example() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Workload"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("333333333333"), Region: jsii.String("eu-west-1")},
	})
	flowLogs := awslogs.NewLogGroup(stack, jsii.String("FlowLogs"), nil) // say, a VPC's flow log group
	logforward.New(stack, "ShipLogs", &logforward.Props{
		// logdrain.DestinationArn("aws", "eu-west-1", "222222222222", "central-logs")
		DestinationArn:    "arn:aws:logs:eu-west-1:222222222222:destination:central-logs",
		LogGroups:         []string{"/var/log/messages", "/var/log/secure", "/var/log/audit/audit.log"},
		ExistingLogGroups: map[string]string{"FlowLogs": *flowLogs.LogGroupName()},
	})
	app.Synth(nil)
}
