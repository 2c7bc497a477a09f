package guardduty_test

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/palisade-sec/palisade/constructs/guardduty"
)

// GuardDuty for the organization in one region: the management account
// delegates it to the security account, which enables every member and
// exports findings to the log archive. Build both in every governed region.
func Example() {
	app := awscdk.NewApp(nil)
	env := func(account string) *awscdk.StackProps {
		return &awscdk.StackProps{Env: &awscdk.Environment{Account: jsii.String(account), Region: jsii.String("us-east-1")}}
	}
	management := awscdk.NewStack(app, jsii.String("GuardDutyDelegation"), env("111111111111"))
	guardduty.NewDelegatedAdmin(management, "GuardDutyAdmin", "222222222222")

	security := awscdk.NewStack(app, jsii.String("GuardDuty"), env("222222222222"))
	guardduty.New(security, "GuardDuty", &guardduty.Props{
		Administrator:     true,
		Features:          []guardduty.Feature{guardduty.S3DataEvents, guardduty.EBSMalwareProtection, guardduty.RuntimeMonitoring},
		FindingsBucketArn: "arn:aws:s3:::example-log-archive/guardduty",
		FindingsKeyArn:    "arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab",
	})
	app.Synth(nil)
}
