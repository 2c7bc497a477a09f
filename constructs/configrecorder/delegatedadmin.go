package configrecorder

import (
	"fmt"
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/customresources"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

var accountID = regexp.MustCompile(`^[0-9]{12}$`)

// providerID is the id of the singleton function behind every
// AwsCustomResource of a stack.
const providerID = "AWS679f53fac002430cb0da5b7982bd2287"

// ServicePrincipals are AWS Config's two service principals in AWS
// Organizations: config.amazonaws.com for organization aggregators and
// config-multiaccountsetup.amazonaws.com for organization rules and
// conformance packs.
var ServicePrincipals = []string{"config.amazonaws.com", "config-multiaccountsetup.amazonaws.com"}

// NewDelegatedAdmin, in the organization's management account, makes
// adminAccountID AWS Config's delegated administrator: for each of
// ServicePrincipals it turns on trusted access, then registers the account.
// The administrator can then hold the organization aggregator and deploy
// organization conformance packs. CloudFormation has no resource type for
// either call, hence SDK calls through CDK's AwsCustomResource, each allowed
// only its own action. Deleting the stack leaves both in place: turning
// trusted access off would delete every member's organization rules.
func NewDelegatedAdmin(scope constructs.Construct, id, adminAccountID string) constructs.Construct {
	if !accountID.MatchString(adminAccountID) {
		panic(fmt.Sprintf("configrecorder: NewDelegatedAdmin adminAccountID %q is not a 12-digit account id", adminAccountID))
	}
	c := constructs.NewConstruct(scope, &id)
	logs := customResourceLogs(c, nil)
	call := func(id, action, iamAction, principal string, params map[string]any) customresources.AwsCustomResource {
		sdk := sdkCall(action, principal, adminAccountID, params)
		cr := customresources.NewAwsCustomResource(c, jsii.String(id), &customresources.AwsCustomResourceProps{
			OnCreate:            sdk,
			OnUpdate:            sdk,
			InstallLatestAwsSdk: jsii.Bool(false),
			LogGroup:            logs,
			Role:                customResourceRole(c, logs),
			Policy: customresources.AwsCustomResourcePolicy_FromStatements(&[]awsiam.PolicyStatement{
				awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
					Actions: jsii.Strings(iamAction),
					// AWS Organizations has no resource-level permissions for these calls.
					Resources: jsii.Strings("*"),
				}),
			}),
		})
		suppress(cr.Node().FindChild(jsii.String("CustomResourcePolicy")),
			nagRule{"AwsSolutions-IAM5", "AWS Organizations has no resource-level permissions for enabling trusted access or registering a delegated administrator"},
			nagRule{"NIST.800.53.R5-IAMNoInlinePolicy", "CDK attaches the custom resource's one-statement policy inline to its own function's role, which nothing else uses"})
		return cr
	}
	// One after the other: Organizations refuses concurrent changes to the
	// same organization (ConcurrentModificationException).
	var last constructs.IConstruct
	for i, principal := range ServicePrincipals {
		access := call(fmt.Sprintf("TrustedAccess%d", i), "enableAWSServiceAccess", "organizations:EnableAWSServiceAccess", principal,
			map[string]any{"ServicePrincipal": principal})
		register := call(fmt.Sprintf("Register%d", i), "registerDelegatedAdministrator", "organizations:RegisterDelegatedAdministrator", principal,
			map[string]any{"AccountId": adminAccountID, "ServicePrincipal": principal})
		register.Node().AddDependency(access)
		if last != nil {
			access.Node().AddDependency(last)
		}
		last = register
	}
	customResourceFunctionWaits(c)
	if fn := awscdk.Stack_Of(c).Node().TryFindChild(jsii.String(providerID)); fn != nil {
		suppress(fn,
			nagRule{"NIST.800.53.R5-LambdaConcurrency", "CDK's custom resource function runs once per deployment of each of its resources; reserving concurrency would fail the deployment in new accounts, whose Lambda concurrency quota starts as low as 10 while Lambda keeps 100 unreserved"},
			nagRule{"NIST.800.53.R5-LambdaDLQ", "CloudFormation invokes CDK's custom resource function asynchronously and waits for its answer at the event's callback URL (Lambda Developer Guide, Using AWS Lambda with CloudFormation); a failed or lost invocation fails the stack operation, which CloudFormation reports, and the next deployment sends the request again: a dead-letter queue would hold only a copy of it"},
			nagRule{"NIST.800.53.R5-LambdaInsideVPC", "CDK's custom resource function calls only AWS APIs, while CloudFormation deploys; the management account has no VPC for it"})
	}
	return c
}

// sdkCall is one AWS Organizations call, made on create and again on update
// (never on delete), and idempotent so that a rerun after a failed
// deployment succeeds: EnableAWSServiceAccess for a service already trusted
// succeeds (its API Reference lists no error for it), and
// RegisterDelegatedAdministrator of the account already registered fails
// with AccountAlreadyRegisteredException (AWS Organizations API Reference,
// RegisterDelegatedAdministrator: "The specified account is already a
// delegated administrator for this Amazon Web Services service"), which is
// success here.
func sdkCall(action, principal, adminAccountID string, params map[string]any) *customresources.AwsSdkCall {
	sdk := &customresources.AwsSdkCall{
		Service:            jsii.String("Organizations"),
		Action:             jsii.String(action),
		Parameters:         params,
		PhysicalResourceId: customresources.PhysicalResourceId_Of(jsii.String(principal + "/" + adminAccountID)),
	}
	if action == "registerDelegatedAdministrator" {
		sdk.IgnoreErrorCodesMatching = jsii.String("^AccountAlreadyRegisteredException$")
	}
	return sdk
}
