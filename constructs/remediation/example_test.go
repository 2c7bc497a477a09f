package remediation_test

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/palisade-sec/palisade/constructs/remediation"
)

// Every remediation in a workload account's region, with the instance role
// of the account's Session Manager setup attached to instances that have no
// profile; and an account whose buckets are managed by another tool.
func Example() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Remediation"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("333333333333"), Region: jsii.String("eu-west-1")},
	})
	remediation.New(stack, "Remediation", &remediation.Props{
		RuleNamePrefix:   "acme",
		InstanceRoleName: "acme-ssm-instance",
	})

	other := awscdk.NewStack(app, jsii.String("RemediationNoBuckets"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("444444444444"), Region: jsii.String("eu-west-1")},
	})
	remediation.New(other, "Remediation", &remediation.Props{
		DisablePublicBuckets:    true,
		DisableBucketEncryption: true,
	})
	app.Synth(nil)
	// Output:
}
