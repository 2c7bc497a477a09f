// Package inspector turns on Amazon Inspector for an AWS Organization from
// its delegated administrator (the security account), one region at a
// time: vulnerability scanning of EC2 instances (through the SSM agent that
// Session Manager's set-up keeps installed), ECR images and Lambda
// functions, in every member account, old and new.
//
// CloudFormation has no resource type for any of it, so every step is an SDK
// call through CDK's AwsCustomResource, each allowed only its own actions:
//
//   - NewDelegatedAdmin, in the management account, in every region:
//     inspector2:EnableDelegatedAdminAccount for the security account (which
//     also turns on trusted access and registers the account in AWS
//     Organizations).
//   - New, in the delegated administrator, in every region: Enable for the
//     administrator itself, UpdateOrganizationConfiguration so that new
//     members are enabled with the same scan types, AssociateMember for each
//     existing member, then Enable for them.
//
// Inspector's actions have no resource-level permissions: the policies name
// "*" with that reason. Deleting the stacks leaves Inspector running and the
// administrator in place: turning scanning off should never be a side
// effect of a delete (call Disable yourself).
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
package inspector

import (
	"fmt"
	"regexp"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/customresources"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// The scan types Inspector offers, as its API names them.
const (
	EC2        = "EC2"
	ECR        = "ECR"
	Lambda     = "LAMBDA"
	LambdaCode = "LAMBDA_CODE"
)

// ResourceTypes are the scan types, in the API's order.
var ResourceTypes = []string{EC2, ECR, Lambda, LambdaCode}

// autoEnableKeys are UpdateOrganizationConfiguration's names for them.
var autoEnableKeys = map[string]string{EC2: "ec2", ECR: "ecr", Lambda: "lambda", LambdaCode: "lambdaCode"}

// providerID is the id of the singleton function behind every
// AwsCustomResource of a stack.
const providerID = "AWS679f53fac002430cb0da5b7982bd2287"

var accountID = regexp.MustCompile(`^[0-9]{12}$`)

// Props configure Inspector in the delegated administrator.
type Props struct {
	// ResourceTypes are the scan types to turn on, each once: EC2, ECR,
	// LAMBDA, LAMBDA_CODE (LAMBDA_CODE needs LAMBDA). Default: EC2 and ECR.
	ResourceTypes []string
	// MemberAccountIds are the organization's existing member accounts to
	// associate and enable (12-digit ids, not the administrator's). New
	// members are enabled by the organization configuration. Default: none.
	MemberAccountIds []string
}

// NewDelegatedAdmin, in the organization's management account, makes
// adminAccountID Amazon Inspector's delegated administrator in this region.
// The call is made on create and again on update, and is idempotent, so
// that a rerun after a failed deployment (which leaves the designation
// behind) succeeds: it ignores ConflictException, which the Amazon Inspector
// API Reference (EnableDelegatedAdminAccount) lists as "a conflict
// occurred"; the reference does not say in so many words that designating
// the administrator already designated is that conflict (nor that it
// succeeds), so the other errors still fail the deployment. Removing it
// leaves the administrator in place (see the package doc).
func NewDelegatedAdmin(scope constructs.Construct, id, adminAccountID string) constructs.Construct {
	if !accountID.MatchString(adminAccountID) {
		panic(fmt.Sprintf("inspector: NewDelegatedAdmin adminAccountID %q is not a 12-digit account id", adminAccountID))
	}
	c := constructs.NewConstruct(scope, &id)
	stack := awscdk.Stack_Of(c)
	// What the Amazon Inspector User Guide ("Designating a delegated
	// administrator for Amazon Inspector", "Permissions required to designate
	// a delegated administrator") lists for the caller.
	call(c, "EnableDelegatedAdmin", "enableDelegatedAdminAccount", map[string]any{"delegatedAdminAccountId": adminAccountID},
		"inspector-admin/"+adminAccountID, "^ConflictException$",
		"Amazon Inspector's and AWS Organizations' actions here have no resource-level permissions; the account and OU reads name any of this organization's, which the Amazon Inspector User Guide does not narrow",
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions: jsii.Strings("inspector2:EnableDelegatedAdminAccount", "organizations:EnableAWSServiceAccess",
				"organizations:RegisterDelegatedAdministrator", "organizations:ListDelegatedAdministrators",
				"organizations:ListAWSServiceAccessForOrganization", "organizations:DescribeOrganization"),
			Resources: anyResource(),
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:     jsii.String("DescribeTheOrganization"),
			Actions: jsii.Strings("organizations:DescribeAccount", "organizations:DescribeOrganizationalUnit"),
			// Their resource types are the account and the OU (Service
			// Authorization Reference, AWS Organizations); the User Guide does
			// not say which ones Inspector describes, so any of this
			// organization's (the management account has one).
			Resources: jsii.Strings(
				fmt.Sprintf("arn:%s:organizations::%s:account/o-*/*", *stack.Partition(), *stack.Account()),
				fmt.Sprintf("arn:%s:organizations::%s:ou/o-*/ou-*", *stack.Partition(), *stack.Account()),
			),
		}),
		serviceLinkedRole())
	suppressProvider(c)
	return c
}

// New, in the delegated administrator, turns Inspector on for itself, for
// props.MemberAccountIds and, through the organization configuration, for
// every new member. Props that cannot work panic with the prop's name.
func New(scope constructs.Construct, id string, props *Props) constructs.Construct {
	p := Props{}
	if props != nil {
		p = *props
	}
	if len(p.ResourceTypes) == 0 {
		p.ResourceTypes = []string{EC2, ECR}
	}
	for i, t := range p.ResourceTypes {
		if !slices.Contains(ResourceTypes, t) || slices.Index(p.ResourceTypes, t) != i {
			panic(fmt.Sprintf("inspector: Props.ResourceTypes %v: %q is not one of %v, or repeats", p.ResourceTypes, t, ResourceTypes))
		}
	}
	if slices.Contains(p.ResourceTypes, LambdaCode) && !slices.Contains(p.ResourceTypes, Lambda) {
		panic("inspector: Props.ResourceTypes: LAMBDA_CODE needs LAMBDA")
	}
	for _, a := range p.MemberAccountIds {
		if !accountID.MatchString(a) {
			panic(fmt.Sprintf("inspector: Props.MemberAccountIds: %q is not a 12-digit account id", a))
		}
	}
	c := constructs.NewConstruct(scope, &id)
	self := *awscdk.Stack_Of(c).Account()
	for _, a := range p.MemberAccountIds {
		if a == self {
			panic(fmt.Sprintf("inspector: Props.MemberAccountIds lists the administrator %s itself", a))
		}
	}
	const why = "Amazon Inspector's actions have no resource-level permissions"
	types := slices.Clone(p.ResourceTypes)
	enableSelf := call(c, "EnableAdministrator", "enable", map[string]any{"accountIds": []string{self}, "resourceTypes": types},
		"inspector-enable/"+self, "", why,
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{Actions: jsii.Strings("inspector2:Enable"), Resources: anyResource()}),
		serviceLinkedRole())
	auto := map[string]any{}
	for _, t := range ResourceTypes {
		auto[autoEnableKeys[t]] = slices.Contains(types, t)
	}
	orgConfig := call(c, "OrganizationConfiguration", "updateOrganizationConfiguration", map[string]any{"autoEnable": auto},
		"inspector-organization-configuration", "", why,
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{Actions: jsii.Strings("inspector2:UpdateOrganizationConfiguration"), Resources: anyResource()}))
	orgConfig.Node().AddDependency(enableSelf)
	last := constructs.IConstruct(orgConfig)
	if len(p.MemberAccountIds) > 0 {
		var associations []constructs.IConstruct
		for _, a := range p.MemberAccountIds {
			as := call(c, "Associate"+a, "associateMember", map[string]any{"accountId": a}, "inspector-member/"+a, "", why,
				awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{Actions: jsii.Strings("inspector2:AssociateMember"), Resources: anyResource()}))
			as.Node().AddDependency(last)
			associations = append(associations, as)
		}
		members := call(c, "EnableMembers", "enable", map[string]any{"accountIds": slices.Clone(p.MemberAccountIds), "resourceTypes": types},
			"inspector-enable-members", "", why,
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{Actions: jsii.Strings("inspector2:Enable"), Resources: anyResource()}),
			serviceLinkedRole())
		for _, as := range associations {
			members.Node().AddDependency(as)
		}
	}
	suppressProvider(c)
	return c
}

// anyResource is "*", for Inspector's (and, delegating, Organizations')
// actions here: none of them has resource-level permissions.
func anyResource() *[]*string { return jsii.Strings("*") }

// serviceLinkedRole lets a call create Inspector's service-linked roles,
// which Enable and EnableDelegatedAdminAccount make on first use.
func serviceLinkedRole() awsiam.PolicyStatement {
	return awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("iam:CreateServiceLinkedRole"),
		Resources: jsii.Strings("arn:aws:iam::*:role/aws-service-role/*"),
		Conditions: &map[string]any{"StringEquals": map[string]any{
			"iam:AWSServiceName": []string{"inspector2.amazonaws.com", "agentless.inspector2.amazonaws.com"},
		}},
	})
}

// call is one Inspector2 SDK call on create and update (never on delete),
// ignoring the errors whose codes match ignore (none when "").
func call(c constructs.Construct, id, action string, params map[string]any, physicalID, ignore, why string, statements ...awsiam.PolicyStatement) customresources.AwsCustomResource {
	sdk := &customresources.AwsSdkCall{
		Service:            jsii.String("Inspector2"),
		Action:             jsii.String(action),
		Parameters:         params,
		PhysicalResourceId: customresources.PhysicalResourceId_Of(jsii.String(physicalID)),
	}
	if ignore != "" {
		sdk.IgnoreErrorCodesMatching = jsii.String(ignore)
	}
	logs := customResourceLogs(c, nil)
	cr := customresources.NewAwsCustomResource(c, jsii.String(id), &customresources.AwsCustomResourceProps{
		OnCreate:            sdk,
		OnUpdate:            sdk,
		InstallLatestAwsSdk: jsii.Bool(false),
		LogGroup:            logs,
		Role:                customResourceRole(c, logs),
		Policy:              customresources.AwsCustomResourcePolicy_FromStatements(&statements),
	})
	suppress(cr.Node().FindChild(jsii.String("CustomResourcePolicy")),
		"AwsSolutions-IAM5", why+"; the service-linked role statement is limited to Inspector's own roles",
		"NIST.800.53.R5-IAMNoInlinePolicy", "CDK attaches the custom resource's policy inline to its own function's role, which nothing else uses")
	return cr
}

func suppressProvider(c constructs.Construct) {
	customResourceFunctionWaits(c)
	if fn := awscdk.Stack_Of(c).Node().TryFindChild(jsii.String(providerID)); fn != nil {
		suppress(fn,
			"NIST.800.53.R5-LambdaConcurrency", "CDK's custom resource function runs once per deployment of each of its resources; reserving concurrency would fail the deployment in new accounts, whose Lambda concurrency quota starts as low as 10 while Lambda keeps 100 unreserved",
			"NIST.800.53.R5-LambdaDLQ", "CloudFormation invokes CDK's custom resource function asynchronously and waits for its answer at the event's callback URL (Lambda Developer Guide, Using AWS Lambda with CloudFormation); a failed or lost invocation fails the stack operation, which CloudFormation reports, and the next deployment sends the request again: a dead-letter queue would hold only a copy of it",
			"NIST.800.53.R5-LambdaInsideVPC", "CDK's custom resource function calls only AWS APIs, while CloudFormation deploys; the management and security accounts have no VPC for it")
	}
}

// suppress records on every CloudFormation resource at or under scope the
// cdk-nag rules (pairs of id and reason) it breaks on purpose.
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
