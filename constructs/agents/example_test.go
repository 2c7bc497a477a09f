package agents_test

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/palisade-sec/palisade/constructs/agents"
)

// Agents on every instance tagged palisade:managed=true in a workload
// account, shipping the audit log as well as the defaults.
func Example() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Agents"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("333333333333"), Region: jsii.String("eu-central-1")},
	})
	agents.New(stack, "Agents", &agents.Props{
		OutputBucketName: "example-log-archive",
		LogGroups:        []string{"/var/log/messages", "/var/log/secure", "/var/log/audit/audit.log"},
	})
	app.Synth(nil)
}
