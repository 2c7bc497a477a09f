package conformancepack_test

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/palisade-sec/palisade/constructs/conformancepack"
)

// The baseline for the whole organization, from the security account (AWS
// Config's delegated administrator), with one extra rule, one baseline rule
// dropped for a written reason, and the sandbox account left out.
func Example() {
	app := awscdk.NewApp(nil)
	security := awscdk.NewStack(app, jsii.String("ConformancePack"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("222222222222"), Region: jsii.String("us-east-1")},
	})
	conformancepack.New(security, "Baseline", &conformancepack.Props{
		ExtraRules:       map[string]string{"rds-storage-encrypted": "RDS_STORAGE_ENCRYPTED"},
		DisabledRules:    map[string]string{"ec2-instance-managed-by-systems-manager": "no EC2 fleet; every workload runs on Fargate"},
		ExcludedAccounts: []string{"555555555555"},
	})
	app.Synth(nil)
}
