package orgtrail_test

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/palisade-sec/palisade/constructs/orgtrail"
)

// The organization trail, made in the management account, delivering to
// the log archive of the security account and, for alarms, to CloudWatch
// Logs in the management account.
func Example() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("OrgTrail"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("us-east-1")},
	})
	orgtrail.New(stack, "Trail", &orgtrail.Props{
		TrailBucketName: "example-log-archive",
		TrailKeyArn:     "arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab",
		CloudWatchLogs:  true,
	})
	// What the archive's bucket and key policies admit as aws:SourceArn,
	// computed without reaching into this stack:
	_ = orgtrail.TrailArn("aws", "us-east-1", "111111111111", orgtrail.DefaultTrailName)
	app.Synth(nil)
}
