package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/palisade-sec/palisade/config"
	"github.com/palisade-sec/palisade/constructs/accessanalyzer"
	"github.com/palisade-sec/palisade/constructs/alerts"
	"github.com/palisade-sec/palisade/constructs/configrecorder"
	"github.com/palisade-sec/palisade/constructs/guardduty"
	"github.com/palisade-sec/palisade/constructs/guardrails"
	"github.com/palisade-sec/palisade/constructs/inspector"
	"github.com/palisade-sec/palisade/constructs/orgtrail"
	"github.com/palisade-sec/palisade/constructs/securityhub"
	"github.com/palisade-sec/palisade/constructs/stackset"
)

// OrgAdminProps is what the management account's stack of one region reads.
type OrgAdminProps struct {
	StackName   string
	Description string
	Account     string
	Region      string
	// SecurityAccount becomes the delegated administrator.
	SecurityAccount string
	// Home adds what is org-wide: Security Hub's, Access Analyzer's and AWS
	// Config's delegation, CloudTrail's trusted access, and the guardrails.
	Home bool
	// Guardrails are the SCPs; nil for none (no targets to attach them to).
	Guardrails *guardrails.Props
	// Inspector delegates Amazon Inspector to SecurityAccount in this region.
	Inspector bool
	// StackSetsTrustedAccess activates StackSets' trusted access with AWS
	// Organizations, for the fanout stack's service-managed stack sets.
	StackSetsTrustedAccess bool
}

// NewOrgAdmin creates the management account's stack of one region: it
// makes the security account the delegated administrator of GuardDuty (per
// region) and, in the home region, of Security Hub, IAM Access Analyzer and
// AWS Config, turns on CloudTrail's trusted access for the organization
// trail, and holds the guardrail SCPs.
func NewOrgAdmin(scope constructs.Construct, id string, props *OrgAdminProps) awscdk.Stack {
	stack := awscdk.NewStack(scope, &id, &awscdk.StackProps{
		StackName:             jsii.String(props.StackName),
		Description:           jsii.String(props.Description),
		Env:                   &awscdk.Environment{Account: jsii.String(props.Account), Region: jsii.String(props.Region)},
		TerminationProtection: jsii.Bool(true),
	})
	// One change to the organization at a time: AWS Organizations answers
	// overlapping changes with ConcurrentModificationException (AWS
	// Organizations API Reference, Common Errors and every write action's
	// errors: "The target of the operation is currently being modified by a
	// different request. Try again later"; seen in
	// landing-zone-accelerator-on-aws#370, CfCT#175,
	// terraform-provider-aws#5073), and CloudFormation creates independent
	// resources in parallel. Each delegation, the trusted access and each
	// guardrail policy waits for the one before; the other regions' stacks
	// wait for the home region's (deployplan: orgadmin after orgadmin (home region)). The AWS SDK retries
	// TooManyRequestsException with backoff itself (it is a throttling
	// error code of its standard retry strategy); CDK's AwsCustomResource
	// gives no way to retry ConcurrentModificationException, which is why
	// nothing here may overlap.
	var last constructs.IConstruct
	then := func(c constructs.IConstruct) {
		if last != nil {
			c.Node().AddDependency(last)
		}
		last = c
	}
	then(guardduty.NewDelegatedAdmin(stack, "GuardDutyAdmin", props.SecurityAccount))
	if props.Inspector {
		then(inspector.NewDelegatedAdmin(stack, "InspectorAdmin", props.SecurityAccount))
	}
	if props.Home {
		then(securityhub.NewDelegatedAdmin(stack, "SecurityHubAdmin", props.SecurityAccount))
		then(accessanalyzer.NewDelegatedAdmin(stack, "AccessAnalyzerAdmin", props.SecurityAccount))
		then(configrecorder.NewDelegatedAdmin(stack, "ConfigAdmin", props.SecurityAccount))
		then(orgtrail.NewTrustedAccess(stack, "CloudTrailTrustedAccess"))
		if props.StackSetsTrustedAccess {
			then(stackset.NewTrustedAccess(stack, "StackSetsTrustedAccess"))
		}
		if props.Guardrails != nil {
			then(guardrails.New(stack, "Guardrails", props.Guardrails))
		}
	}
	return stack
}

// DetectProps is what the security account's detection stack of one region
// reads.
type DetectProps struct {
	StackName   string
	Description string
	Account     string
	Region      string
	// Home adds Security Hub's central configuration (linking LinkedRegions)
	// and the alerts.
	Home          bool
	LinkedRegions []string
	Detection     config.Detection
	// FindingsBucketArn and FindingsKeyArn are the region's archive (with a
	// prefix) and its key, where GuardDuty exports findings.
	FindingsBucketArn string
	FindingsKeyArn    string
	// MemberAccounts are every account but this one, which Amazon Inspector
	// (Detection.Inspector) scans.
	MemberAccounts []string
	// FunctionName names the stack's deploy-time function and its role
	// (DeployFunctionName), which the guardrails exempt and protect.
	FunctionName string
}

// NewDetect creates the security account's detection stack of one region:
// GuardDuty's organization detector, which the delegation made and this
// stack adopts and configures (members are enabled from here, with the org's
// features), the organization's Access Analyzer analyzer of the region, and
// in the home region Security Hub's central configuration and the alerts.
func NewDetect(scope constructs.Construct, id string, props *DetectProps) awscdk.Stack {
	stack := awscdk.NewStack(scope, &id, &awscdk.StackProps{
		StackName:   jsii.String(props.StackName),
		Description: jsii.String(props.Description),
		Env:         &awscdk.Environment{Account: jsii.String(props.Account), Region: jsii.String(props.Region)},
	})
	d := props.Detection
	var features []guardduty.Feature
	for _, f := range d.GuardDutyFeatures {
		features = append(features, guardduty.Feature(f))
	}
	guardduty.New(stack, "GuardDuty", &guardduty.Props{
		Features:          features,
		Administrator:     true,
		FindingsBucketArn: props.FindingsBucketArn,
		FindingsKeyArn:    props.FindingsKeyArn,
		// The stack's AwsCustomResource function adopts the detector with
		// guardduty:UpdateDetector, which ProtectSecurityBaseline denies to
		// all but the exempt: it runs as a role, and under a name, that the
		// guardrails exempt and keep everyone else from acting as.
		FunctionRoleName: props.FunctionName,
		FunctionName:     props.FunctionName,
	})
	if len(d.Inspector) > 0 {
		inspector.New(stack, "Inspector", &inspector.Props{ResourceTypes: d.Inspector, MemberAccountIds: props.MemberAccounts})
	}
	// An analyzer analyzes only its own region: IAM Access Analyzer needs one
	// in every region it should watch (IAM User Guide, "Create an IAM Access
	// Analyzer external access analyzer": "You must create an external access
	// analyzer in each Region in which you want to monitor access to your
	// resources"). The delegation it relies on is the organization's, made
	// once from the home region (AWS Organizations is global).
	accessanalyzer.New(stack, "AccessAnalyzer", nil)
	if !props.Home {
		return stack
	}
	var standards []securityhub.Standard
	for _, s := range d.Standards {
		standards = append(standards, securityhub.Standard(s))
	}
	securityhub.New(stack, "SecurityHub", &securityhub.Props{
		Regions:          props.LinkedRegions,
		Standards:        standards,
		DisabledControls: d.DisabledControls,
		Targets:          d.PolicyTargets,
	})
	alerts.New(stack, "Alerts", &alerts.Props{MinSeverity: alerts.Severity(d.AlertSeverity), Emails: d.AlertEmails})
	return stack
}
