package alerts_test

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/palisade-sec/palisade/constructs/alerts"
)

// Alerts in the security account's home region, where Security Hub
// aggregates every account's and region's findings, mailed to the SOC.
func Example() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Alerts"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("222222222222"), Region: jsii.String("us-east-1")},
	})
	alerts.New(stack, "Alerts", &alerts.Props{
		MinSeverity: alerts.Medium,
		Emails:      []string{"soc@example.com"},
	})
	app.Synth(nil)
}
