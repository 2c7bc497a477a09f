package accessanalyzer

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

// NewDelegatedAdmin, in the organization's management account, makes
// adminAccountID the delegated administrator of IAM Access Analyzer, so that
// it can hold an ORGANIZATION analyzer: it turns on the service's trusted
// access, then registers the account. CloudFormation has no resource type
// for either, hence two SDK calls through CDK's AwsCustomResource, each
// allowed only its own action, made again on update and idempotent (see
// sdkCall). Deleting the stack leaves both in place: without the
// registration the security account's organization analyzer no longer
// analyzes the organization, and a guardrail turning off is never to be a
// side effect of a delete.
func NewDelegatedAdmin(scope constructs.Construct, id, adminAccountID string) constructs.Construct {
	if !accountID.MatchString(adminAccountID) {
		panic(fmt.Sprintf("accessanalyzer: NewDelegatedAdmin adminAccountID %q is not a 12-digit account id", adminAccountID))
	}
	c := constructs.NewConstruct(scope, &id)
	const principal = "access-analyzer.amazonaws.com"
	logs := customResourceLogs(c, nil)
	call := func(id, action, iamAction string, params map[string]any) customresources.AwsCustomResource {
		sdk := sdkCall(action, principal, adminAccountID, params)
		return customresources.NewAwsCustomResource(c, jsii.String(id), &customresources.AwsCustomResourceProps{
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
	}
	access := call("TrustedAccess", "enableAWSServiceAccess", "organizations:EnableAWSServiceAccess",
		map[string]any{"ServicePrincipal": principal})
	register := call("Register", "registerDelegatedAdministrator", "organizations:RegisterDelegatedAdministrator",
		map[string]any{"AccountId": adminAccountID, "ServicePrincipal": principal})
	register.Node().AddDependency(access)

	for _, cr := range []customresources.AwsCustomResource{access, register} {
		suppress(cr.Node().FindChild(jsii.String("CustomResourcePolicy")),
			"AwsSolutions-IAM5", "AWS Organizations has no resource-level permissions for enabling trusted access or registering a delegated administrator",
			"NIST.800.53.R5-IAMNoInlinePolicy", "CDK attaches the custom resource's one-statement policy inline to its own function's role, which nothing else uses")
	}
	customResourceFunctionWaits(c)
	if fn := awscdk.Stack_Of(c).Node().TryFindChild(jsii.String(providerID)); fn != nil {
		suppress(fn,
			"NIST.800.53.R5-LambdaConcurrency", "CDK's custom resource function runs once per deployment of each of its resources; reserving concurrency would fail the deployment in new accounts, whose Lambda concurrency quota starts as low as 10 while Lambda keeps 100 unreserved",
			"NIST.800.53.R5-LambdaDLQ", "CloudFormation invokes CDK's custom resource function asynchronously and waits for its answer at the event's callback URL (Lambda Developer Guide, Using AWS Lambda with CloudFormation); a failed or lost invocation fails the stack operation, which CloudFormation reports, and the next deployment sends the request again: a dead-letter queue would hold only a copy of it",
			"NIST.800.53.R5-LambdaInsideVPC", "CDK's custom resource function calls only AWS APIs, while CloudFormation deploys; the security and management accounts have no VPC for it")
	}
	return c
}

// suppress records on every CloudFormation resource at or under scope the
// cdk-nag rules (pairs of id and reason) it breaks on purpose. cdk-nag reads
// this metadata; without cdk-nag it is inert.
func suppress(scope constructs.IConstruct, pairs ...string) {
	var rules []map[string]string
	for i := 0; i+1 < len(pairs); i += 2 {
		rules = append(rules, map[string]string{"id": pairs[i], "reason": pairs[i+1]})
	}
	for _, n := range *scope.Node().FindAll(constructs.ConstructOrder_PREORDER) {
		if r, ok := n.(awscdk.CfnResource); ok {
			r.AddMetadata(jsii.String("cdk_nag"), map[string]any{"rules_to_suppress": rules})
		}
	}
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
