package stackset

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/customresources"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// ServicePrincipal is StackSets' service principal for the organization's
// member accounts, which ActivateOrganizationsAccess trusts in AWS
// Organizations.
const ServicePrincipal = "member.org.stacksets.cloudformation.amazonaws.com"

// providerID is the id of the singleton function behind every
// AwsCustomResource of a stack.
const providerID = "AWS679f53fac002430cb0da5b7982bd2287"

// NewTrustedAccess, in the organization's management account, activates
// StackSets' trusted access with AWS Organizations (CloudFormation API
// Reference, ActivateOrganizationsAccess), which a service-managed stack set
// needs: without it CreateStackSet fails with "You must enable
// organizations access to operate a service managed stack set". Enabling
// the service principal through Organizations (EnableAWSServiceAccess) is
// not the same switch: DescribeOrganizationsAccess stays DISABLED after it
// (reported by users of both; the User Guide, "Activate trusted access for
// stack sets with AWS Organizations", names only CloudFormation's own call
// or console). CloudFormation has no resource type for it: it is an SDK call
// through CDK's AwsCustomResource.
//
// ActivateOrganizationsAccess lists no error for access already active (its
// errors are InvalidOperation and OperationNotFound), so a rerun after a
// failed deployment goes through; the call is made again on every update.
// Deleting the stack leaves trusted access on: deactivating it would stop
// every service-managed stack set of the organization, not only palisade's.
//
// The call turns on trusted access in AWS Organizations and creates
// StackSets' service-linked role in the management account on the caller's
// behalf. The API reference lists no dependent actions for it; the role is
// allowed cloudformation:ActivateOrganizationsAccess and, for those two
// effects, organizations:EnableAWSServiceAccess for StackSets' principal
// only, organizations:DescribeOrganization, and iam:CreateServiceLinkedRole
// for StackSets' service name only. That the call needs these of its caller
// is not settled by the documentation read (docs/stacksets.md, open
// question 2); each is kept to StackSets by its condition.
//
// Build it before the stack sets (a dependency), and serialized with the
// stack's other AWS Organizations writes, which it is one of.
func NewTrustedAccess(scope constructs.Construct, id string) customresources.AwsCustomResource {
	call := &customresources.AwsSdkCall{
		Service:            jsii.String("CloudFormation"),
		Action:             jsii.String("activateOrganizationsAccess"),
		Parameters:         map[string]any{},
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
				// No resource type for either (Service Authorization
				// Reference, AWS CloudFormation and AWS Organizations): only
				// "*" grants them.
				Actions:   jsii.Strings("cloudformation:ActivateOrganizationsAccess", "organizations:DescribeOrganization"),
				Resources: jsii.Strings("*"),
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Actions: jsii.Strings("organizations:EnableAWSServiceAccess"),
				// No resource type: the condition keeps it to StackSets.
				Resources:  jsii.Strings("*"),
				Conditions: &map[string]any{"StringEquals": map[string]any{"organizations:ServicePrincipal": ServicePrincipal}},
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Actions: jsii.Strings("iam:CreateServiceLinkedRole"),
				// The service-linked role's path and name are AWS's; the
				// condition keeps it to StackSets' roles.
				Resources:  jsii.Strings("arn:" + *awscdk.Aws_PARTITION() + ":iam::" + *awscdk.Aws_ACCOUNT_ID() + ":role/aws-service-role/*"),
				Conditions: &map[string]any{"StringLike": map[string]any{"iam:AWSServiceName": "*stacksets.cloudformation.amazonaws.com"}},
			}),
		}),
	})
	suppress(cr.Node().FindChild(jsii.String("CustomResourcePolicy")),
		nagRule{"AwsSolutions-IAM5", "cloudformation:ActivateOrganizationsAccess, organizations:DescribeOrganization and organizations:EnableAWSServiceAccess have no resource type in the Service Authorization Reference (the last is kept to StackSets' principal by its condition); the service-linked role's name is AWS's, kept to StackSets by iam:AWSServiceName", nil},
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

// nagRule is a cdk-nag rule broken on purpose, why, and optionally the
// findings (cdk-nag's applies_to, regexes between slashes) it covers.
type nagRule struct {
	id, reason string
	appliesTo  []string
}

// suppress records on the CloudFormation resource of scope the cdk-nag rules
// it breaks on purpose. cdk-nag reads this metadata; without cdk-nag it is
// inert.
func suppress(scope constructs.IConstruct, rules ...nagRule) {
	r, ok := scope.(awscdk.CfnResource)
	if !ok {
		r = scope.Node().DefaultChild().(awscdk.CfnResource)
	}
	var out []map[string]any
	for _, rule := range rules {
		m := map[string]any{"id": rule.id, "reason": rule.reason}
		if len(rule.appliesTo) > 0 {
			var at []any
			for _, a := range rule.appliesTo {
				if strings.HasPrefix(a, "/") {
					at = append(at, map[string]string{"regex": a})
				} else {
					at = append(at, a)
				}
			}
			m["applies_to"] = at
		}
		out = append(out, m)
	}
	r.AddMetadata(jsii.String("cdk_nag"), map[string]any{"rules_to_suppress": out})
}
