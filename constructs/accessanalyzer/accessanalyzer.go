// Package accessanalyzer provides Analyzer: the organization's IAM Access
// Analyzer external access analyzer of one region, made in its delegated
// administrator (the security account). It reports every resource of that
// region in every member account that is shared outside the organization,
// in one place for analysts (Security Hub imports its findings). An
// analyzer sees only its own region (IAM User Guide, "Create an IAM Access
// Analyzer external access analyzer": "You must create an external access
// analyzer in each Region in which you want to monitor access to your
// resources"): create one in every region that is governed.
//
// The analyzer is retained on delete: its archive rules and findings'
// statuses are analysts' work. The management account makes the security
// account the delegated administrator for access-analyzer.amazonaws.com
// (AWS Organizations RegisterDelegatedAdministrator) before it is built.
//
// CDK's AwsCustomResource function, one per stack, logs to the stack's
// CustomResourceLogs log group: KMS-encrypted (with the stack's CustomResourceLogKey), kept a year and
// retained with its key; the first construct of the stack that needs it
// makes it and every other shares it (customresourcelogs.go). The
// function's role may write only that log group (not CDK's
// AWSLambdaBasicExecutionRole, which covers every log group of the
// account), besides each custom resource's own calls.
//
// The package imports nothing from palisade: copy it into any CDK app.
package accessanalyzer

import (
	"fmt"
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsaccessanalyzer"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// DefaultAnalyzerName names the analyzer when Props.AnalyzerName is empty.
const DefaultAnalyzerName = "organization"

// Props configure an Analyzer.
type Props struct {
	// AnalyzerName names the analyzer, unique in the account and region: 1
	// to 255 letters, digits, '.', '_' and '-', starting with a letter.
	// Default: DefaultAnalyzerName.
	AnalyzerName string
}

// Analyzer is an organization-wide IAM Access Analyzer analyzer.
type Analyzer struct {
	constructs.Construct
	// Analyzer is the ORGANIZATION analyzer.
	Analyzer awsaccessanalyzer.CfnAnalyzer
}

var analyzerName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.-]{0,254}$`)

// New creates an Analyzer. Props that cannot work panic with the prop's name.
func New(scope constructs.Construct, id string, props *Props) *Analyzer {
	var p Props
	if props != nil {
		p = *props
	}
	if p.AnalyzerName == "" {
		p.AnalyzerName = DefaultAnalyzerName
	}
	if !analyzerName.MatchString(p.AnalyzerName) {
		panic(fmt.Sprintf("accessanalyzer: Props.AnalyzerName %q is not an analyzer name: 1 to 255 letters, digits, '.', '_' and '-', starting with a letter", p.AnalyzerName))
	}
	c := constructs.NewConstruct(scope, &id)
	a := &Analyzer{Construct: c}
	a.Analyzer = awsaccessanalyzer.NewCfnAnalyzer(c, jsii.String("Analyzer"), &awsaccessanalyzer.CfnAnalyzerProps{
		AnalyzerName: jsii.String(p.AnalyzerName),
		Type:         jsii.String("ORGANIZATION"),
	})
	a.Analyzer.ApplyRemovalPolicy(awscdk.RemovalPolicy_RETAIN, nil)
	return a
}
