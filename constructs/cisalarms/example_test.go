package cisalarms_test

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/palisade-sec/palisade/constructs/cisalarms"
)

// The CIS monitoring alarms on the organization trail's log group, in the
// account that receives the trail's CloudWatch Logs delivery, notifying the
// alerts topic there.
func Example() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("CisAlarms"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("us-east-1")},
	})
	cisalarms.New(stack, "CisAlarms", &cisalarms.Props{
		LogGroupName:  "/palisade/organization-trail",
		AlarmTopicArn: "arn:aws:sns:us-east-1:111111111111:palisade-alerts",
	})
	app.Synth(nil)
}
