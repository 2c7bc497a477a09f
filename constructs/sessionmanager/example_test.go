package sessionmanager_test

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/palisade-sec/palisade/constructs/sessionmanager"
)

// Session Manager in a workload account's home region, which also creates
// the Default Host Management role, and in a second region, which uses it.
func Example() {
	app := awscdk.NewApp(nil)
	env := func(region string) *awscdk.StackProps {
		return &awscdk.StackProps{Env: &awscdk.Environment{Account: jsii.String("333333333333"), Region: jsii.String(region)}}
	}
	home := awscdk.NewStack(app, jsii.String("SessionsHome"), env("us-east-1"))
	sessionmanager.New(home, "SessionManager", &sessionmanager.Props{
		ArchiveBucketName:               "example-log-archive",
		CreateDefaultHostManagementRole: true,
	})
	other := awscdk.NewStack(app, jsii.String("SessionsWest"), env("us-west-2"))
	sessionmanager.New(other, "SessionManager", &sessionmanager.Props{
		ArchiveBucketName:         "example-log-archive",
		IdleSessionTimeoutMinutes: 15,
		RunAsUser:                 "operator",
	})
	app.Synth(nil)
}
