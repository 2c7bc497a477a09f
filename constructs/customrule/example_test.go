package customrule_test

import (
	"os"
	"path/filepath"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/palisade-sec/palisade/constructs/customrule"
)

// A custom rule in a workload account: no security group open to the
// internet except to HTTPS. The app builds the function's bootstrap into
// build/lambda/sgingress first (make lambdas); here a stand-in does.
func Example() {
	dir, err := os.MkdirTemp("", "sgingress")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	if err := os.WriteFile(filepath.Join(dir, "bootstrap"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		panic(err)
	}

	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Rules"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("333333333333"), Region: jsii.String("us-east-1")},
	})
	customrule.New(stack, "SgIngress", &customrule.Props{
		CodeDirectory:   dir,
		RuleName:        "sg-ingress-internet",
		Description:     "No security group allows ingress from the internet except to TCP 443",
		InputParameters: map[string]string{"allowedPorts": "443"},
		ResourceTypes:   []string{"AWS::EC2::SecurityGroup"},
	})
	app.Synth(nil)
}
