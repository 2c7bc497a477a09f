package logdrain_test

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/palisade-sec/palisade/constructs/logdrain"
)

// A drain in the security account's eu-west-1 for the organization's accounts,
// writing into the archive bucket of the security account's home region.
func Example() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("LogDrain"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("222222222222"), Region: jsii.String("eu-west-1")},
	})
	logdrain.New(stack, "Drain", &logdrain.Props{
		DestinationName:  "central-logs",
		OrganizationID:   "o-exampleorg1",
		ArchiveBucketArn: "arn:aws:s3:::example-log-archive",
		ArchiveKeyArn:    "arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab",
	})
	// What each workload account's stack subscribes its log groups to,
	// computed without reaching into this stack:
	_ = logdrain.DestinationArn("aws", "eu-west-1", "222222222222", "central-logs")
	app.Synth(nil)
}
