package inspector_test

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/palisade-sec/palisade/constructs/inspector"
)

// Amazon Inspector for an organization in one region: the management
// account delegates to the security account, which scans EC2 and ECR in
// itself, the existing members and every new one.
func Example() {
	app := awscdk.NewApp(nil)
	env := func(account string) *awscdk.StackProps {
		return &awscdk.StackProps{Env: &awscdk.Environment{Account: jsii.String(account), Region: jsii.String("eu-west-1")}}
	}
	mgmt := awscdk.NewStack(app, jsii.String("Management"), env("111111111111"))
	inspector.NewDelegatedAdmin(mgmt, "InspectorAdmin", "222222222222")
	sec := awscdk.NewStack(app, jsii.String("Security"), env("222222222222"))
	inspector.New(sec, "Inspector", &inspector.Props{
		ResourceTypes:    []string{inspector.EC2, inspector.ECR},
		MemberAccountIds: []string{"333333333333", "444444444444"},
	})
	app.Synth(nil)
}
