package test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3assets"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/palisade-sec/palisade/stacks"
)

// A stack set's template is synthesized in an app of its own, out of the
// reach of the main app's gates at synth: stacks.StackSetTemplateOf must
// report what would fail them there, or reach accounts that cannot use it.
// A bucket that breaks cdk-nag's rules is reported by rule, and a template
// that needs a CDK asset (which no target account's bootstrap bucket holds)
// is refused; either error fails the fanout stack's synth.
func TestStackSetTemplateErrors(t *testing.T) {
	_, errs := stacks.StackSetTemplateOf("bad-bucket", func(scope constructs.Construct) awscdk.Stack {
		s := awscdk.NewStack(scope, jsii.String("Bad"), nil)
		awss3.NewBucket(s, jsii.String("Open"), &awss3.BucketProps{})
		return s
	})
	if !strings.Contains(strings.Join(errs, "\n"), "AwsSolutions-S1") {
		t.Errorf("errors of a bucket without access logs = %q, want cdk-nag's AwsSolutions-S1", errs)
	}
	file := filepath.Join(t.TempDir(), "code.txt")
	if err := os.WriteFile(file, []byte("code"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, errs = stacks.StackSetTemplateOf("with-asset", func(scope constructs.Construct) awscdk.Stack {
		s := awscdk.NewStack(scope, jsii.String("Asset"), nil)
		awss3assets.NewAsset(s, jsii.String("Code"), &awss3assets.AssetProps{Path: jsii.String(file)})
		return s
	})
	if !strings.Contains(strings.Join(errs, "\n"), "needs CDK assets (1)") {
		t.Errorf("errors of a template with an asset = %q, want it refused", errs)
	}
}
