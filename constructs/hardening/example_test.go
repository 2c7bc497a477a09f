package hardening_test

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/palisade-sec/palisade/constructs/hardening"
)

// A workload account's home region sets the account-wide settings, uses its
// own EBS key and deletes the default VPC; another region only turns EBS
// encryption on.
func Example() {
	app := awscdk.NewApp(nil)
	env := func(region string) *awscdk.StackProps {
		return &awscdk.StackProps{Env: &awscdk.Environment{Account: jsii.String("333333333333"), Region: jsii.String(region)}}
	}
	home := awscdk.NewStack(app, jsii.String("HardeningHome"), env("eu-west-1"))
	hardening.New(home, "Hardening", &hardening.Props{
		EbsKeyArn:          "arn:aws:kms:eu-west-1:333333333333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
		AccountWide:        true,
		PasswordMaxAgeDays: 60,
		DeleteDefaultVpc:   true,
		DefaultVpcCodePath: "../../build/lambda/defaultvpc", // make lambdas
	})
	other := awscdk.NewStack(app, jsii.String("HardeningOther"), env("eu-central-1"))
	hardening.New(other, "Hardening", nil)
}
