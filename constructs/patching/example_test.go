package patching_test

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/palisade-sec/palisade/constructs/patching"
)

// Patching for Amazon Linux 2023 and Windows instances in a workload
// account, installing on Saturday nights, Berlin time. Instances opt in with
// the tag PatchGroup=palisade-amazon-linux-2023 or palisade-windows.
func Example() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Patching"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("333333333333"), Region: jsii.String("eu-central-1")},
	})
	patching.New(stack, "Patching", &patching.Props{
		OutputBucketName: "example-log-archive",
		OperatingSystems: []patching.OperatingSystem{patching.AmazonLinux2023, patching.Windows},
		InstallSchedule:  "cron(0 22 ? * SAT *)",
		ScheduleTimezone: "Europe/Berlin",
	})
	app.Synth(nil)
}
