package logarchive_test

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/palisade-sec/palisade/constructs/logarchive"
)

// An archive in the security account that every account of the
// organization delivers its VPC flow logs to, kept for seven years.
func Example() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("LogArchive"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("222222222222"), Region: jsii.String("us-east-1")},
	})
	archive := logarchive.New(stack, "Archive", &logarchive.Props{
		OrganizationID: "o-exampleorg1",
		ExpirationDays: 2557,
	})
	_ = archive.Bucket.BucketArn() // hand this to hardenedvpc.Props.FlowLogBucketArn
	app.Synth(nil)
}
