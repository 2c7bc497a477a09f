package configrecorder_test

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/palisade-sec/palisade/constructs/configrecorder"
)

// AWS Config in a workload account: the home region creates the
// service-linked role and records global resources, the other regions only
// their own; both deliver to the log archive's bucket. The security account,
// AWS Config's delegated administrator, also aggregates the organization.
func Example() {
	app := awscdk.NewApp(nil)
	env := func(account, region string) *awscdk.StackProps {
		return &awscdk.StackProps{Env: &awscdk.Environment{Account: jsii.String(account), Region: jsii.String(region)}}
	}
	home := awscdk.NewStack(app, jsii.String("ConfigHome"), env("333333333333", "us-east-1"))
	configrecorder.New(home, "Config", &configrecorder.Props{
		BucketName:              "example-log-archive",
		KmsKeyArn:               "arn:aws:kms:us-east-1:444444444444:key/1234abcd-12ab-34cd-56ef-1234567890ab",
		CreateServiceLinkedRole: true,
		RecordGlobalResources:   true,
	})
	other := awscdk.NewStack(app, jsii.String("ConfigOther"), env("333333333333", "eu-west-1"))
	configrecorder.New(other, "Config", &configrecorder.Props{BucketName: "example-log-archive"})

	security := awscdk.NewStack(app, jsii.String("ConfigSecurity"), env("222222222222", "us-east-1"))
	configrecorder.New(security, "Config", &configrecorder.Props{
		BucketName:              "example-log-archive",
		CreateServiceLinkedRole: true,
		RecordGlobalResources:   true,
		OrganizationAggregator:  true,
	})
	app.Synth(nil)
}
