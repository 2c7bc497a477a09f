package orgtrail

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/customresources"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// ServicePrincipal is CloudTrail's service principal in AWS Organizations.
const ServicePrincipal = "cloudtrail.amazonaws.com"

// providerID is the id of the singleton function behind every
// AwsCustomResource of a stack.
const providerID = "AWS679f53fac002430cb0da5b7982bd2287"

// NewTrustedAccess, in the organization's management account, turns on
// CloudTrail's trusted access in AWS Organizations, which an organization
// trail needs: CreateTrail with IsOrganizationTrail fails with
// CloudTrailAccessNotEnabledException until it is on (CloudTrail API
// Reference, CreateTrail, CloudTrailAccessNotEnabledException; CloudTrail
// User Guide, "Prepare for creating a trail for your organization": outside
// the console, "you must enable trusted access" with
// organizations:EnableAWSServiceAccess). Build it in a stack that deploys
// before the trail's. CloudFormation has no resource type for it: it is an
// SDK call through CDK's AwsCustomResource, allowed only that action for
// CloudTrail's principal. EnableAWSServiceAccess for a service already
// trusted succeeds (AWS Organizations API Reference, EnableAWSServiceAccess,
// lists no error for it), so a rerun after a failed deployment goes through;
// the call is made again on every update. Deleting the stack leaves trusted
// access on: turning it off would turn every organization trail into the
// management account's own (AWS Organizations User Guide, "AWS CloudTrail
// and AWS Organizations", disabling trusted access).
func NewTrustedAccess(scope constructs.Construct, id string) customresources.AwsCustomResource {
	call := &customresources.AwsSdkCall{
		Service:            jsii.String("Organizations"),
		Action:             jsii.String("enableAWSServiceAccess"),
		Parameters:         map[string]any{"ServicePrincipal": ServicePrincipal},
		PhysicalResourceId: customresources.PhysicalResourceId_Of(jsii.String(ServicePrincipal)),
	}
	logs := customResourceLogs(scope, nil)
	cr := customresources.NewAwsCustomResource(scope, jsii.String(id), &customresources.AwsCustomResourceProps{
		OnCreate:            call,
		OnUpdate:            call,
		InstallLatestAwsSdk: jsii.Bool(false),
		LogGroup:            logs,
		Role:                customResourceRole(scope, logs),
		Policy: customresources.AwsCustomResourcePolicy_FromStatements(&[]awsiam.PolicyStatement{
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Actions: jsii.Strings("organizations:EnableAWSServiceAccess"),
				// No resource type (Service Authorization Reference, AWS
				// Organizations): only "*" grants it; its condition key
				// organizations:ServicePrincipal keeps it to CloudTrail.
				Resources:  jsii.Strings("*"),
				Conditions: &map[string]any{"StringEquals": map[string]any{"organizations:ServicePrincipal": ServicePrincipal}},
			}),
		}),
	})
	suppress(cr.Node().FindChild(jsii.String("CustomResourcePolicy")),
		nagRule{"AwsSolutions-IAM5", "organizations:EnableAWSServiceAccess has no resource type in the Service Authorization Reference; the condition keeps it to CloudTrail's principal", nil},
		nagRule{"NIST.800.53.R5-IAMNoInlinePolicy", "CDK attaches the custom resource's policy inline to its own function's role, which nothing else uses", nil})
	customResourceFunctionWaits(scope)
	if fn := awscdk.Stack_Of(scope).Node().TryFindChild(jsii.String(providerID)); fn != nil {
		for _, n := range *fn.Node().FindAll(constructs.ConstructOrder_PREORDER) {
			if _, ok := n.(awscdk.CfnResource); ok {
				suppress(n,
					nagRule{"NIST.800.53.R5-LambdaConcurrency", "CDK's custom resource function runs once per deployment of each of its resources; reserving concurrency would fail the deployment in new accounts, whose Lambda concurrency quota starts as low as 10 while Lambda keeps 100 unreserved", nil},
					nagRule{"NIST.800.53.R5-LambdaDLQ", "CloudFormation invokes CDK's custom resource function asynchronously and waits for its answer at the event's callback URL (Lambda Developer Guide, Using AWS Lambda with CloudFormation); a failed or lost invocation fails the stack operation, which CloudFormation reports, and the next deployment sends the request again: a dead-letter queue would hold only a copy of it", nil},
					nagRule{"NIST.800.53.R5-LambdaInsideVPC", "CDK's custom resource function calls only AWS APIs, while CloudFormation deploys; the management account has no VPC for it", nil})
			}
		}
	}
	return cr
}
