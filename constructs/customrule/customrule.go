// Package customrule provides Rule: a custom AWS Config rule whose
// evaluation runs in a Go Lambda function, triggered by configuration
// changes of the resource types in its scope.
//
// The function runs the executable Props.CodeDirectory/bootstrap on the
// provided.al2023 runtime, arm64 (build it with GOOS=linux GOARCH=arm64
// CGO_ENABLED=0 -tags lambda.norpc). AWS Config invokes it, asynchronously,
// for every ConfigurationItemChangeNotification and
// OversizedConfigurationItemChangeNotification of a resource in scope; the
// function puts its evaluation back with config:PutEvaluations and fetches
// oversized items with config:GetResourceConfigHistory. Those two actions,
// which have no resource-level permissions, and writing to its own log
// group are all its role may do: the role has no AWS managed policy (not
// AWSLambdaBasicExecutionRole, whose logs:* statement covers every log group
// in the account, nor AWSConfigRulesExecutionRole, which also reads every
// resource's configuration).
//
// Only AWS Config, on behalf of this account (aws:SourceAccount), may invoke
// the function. The permission cannot name the rule's ARN: the rule exists
// only once the permission does, which AWS Config checks when the rule is
// created.
//
// The function's log group is encrypted with a KMS key of its own (rotated)
// and keeps events for Props.LogRetention; both are retained when the stack
// is deleted. It reserves no concurrency: Lambda keeps at least 100 of an
// account's concurrency unreserved (Lambda Developer Guide, "Configuring
// reserved concurrency for a function": you can reserve up to the
// unreserved account concurrency minus 100), and new accounts start with
// reduced concurrency quotas (Lambda Developer Guide, "Lambda quotas"; 10
// is what new accounts are commonly reported to get), where any
// reservation fails the deployment. Evaluating a resource takes
// milliseconds and AWS Config invokes the function asynchronously, so a
// burst when a new rule evaluates every resource in scope is absorbed by
// the account's shared pool and, when throttled, by Lambda's asynchronous
// queue (kept for up to six hours). A throttled config:PutEvaluations
// fails the invocation once the AWS SDK's standard retryer gives up (AWS
// SDK for Go v2 Developer Guide, "Retries and timeouts"), and Lambda then
// retries the asynchronous event twice (Lambda Developer Guide,
// "Asynchronous invocation").
//
// The package imports nothing from palisade: copy it into any CDK app.
package customrule

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsconfig"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Props configure a Rule.
type Props struct {
	// CodeDirectory is a directory holding the function's executable, named
	// bootstrap, built for linux/arm64. It is packaged as a CDK asset at
	// synth, so it must exist then. Default: none; required.
	CodeDirectory string
	// RuleName names the AWS Config rule, unique in the account and region:
	// 1 to 128 letters, digits, '-' and '_'. Default: none; required.
	RuleName string
	// Description says what the rule checks; AWS Config shows it with the
	// results. Default: none.
	Description string
	// InputParameters are the rule's parameters, passed to the function as
	// the JSON object ruleParameters. Default: none.
	InputParameters map[string]string
	// ResourceTypes are the resource types whose changes trigger the rule,
	// such as AWS::EC2::SecurityGroup. Default: none; at least one is
	// required (a rule without a scope would run on every change of every
	// resource).
	ResourceTypes []string
	// LogRetention is how long the function's log group keeps events.
	// Default: awslogs.RetentionDays_ONE_YEAR.
	LogRetention awslogs.RetentionDays
}

// Rule is a custom AWS Config rule and the Lambda function behind it.
type Rule struct {
	constructs.Construct
	// ConfigRule is the AWS Config rule.
	ConfigRule awsconfig.CfnConfigRule
	// Function evaluates the rule's resources.
	Function awslambda.Function
	// Role is the function's execution role.
	Role awsiam.Role
	// Policy is the role's only policy.
	Policy awsiam.ManagedPolicy
	// Permission lets AWS Config invoke Function for this account.
	Permission awslambda.CfnPermission
	// LogGroup holds the function's logs.
	LogGroup awslogs.LogGroup
	// Key encrypts LogGroup.
	Key awskms.Key
}

var (
	ruleName     = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)
	resourceType = regexp.MustCompile(`^AWS::[A-Za-z0-9]+::[A-Za-z0-9]+$`)
)

// New creates a Rule. Props that cannot work panic with the prop's name.
func New(scope constructs.Construct, id string, props *Props) *Rule {
	p := withDefaults(props)
	c := constructs.NewConstruct(scope, &id)
	r := &Rule{Construct: c}
	stack := awscdk.Stack_Of(c)

	r.Key = awskms.NewKey(c, jsii.String("LogKey"), &awskms.KeyProps{
		Description:       jsii.String(fmt.Sprintf("Encrypts the log group of AWS Config rule %s's function", p.RuleName)),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
	})
	denyGrantsExceptForAWSServices(r.Key)
	r.Key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("CloudWatchLogsEncryptsThisAccountsLogGroups"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String(fmt.Sprintf("logs.%s.amazonaws.com", *stack.Region())), nil)},
		Actions:    jsii.Strings("kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"),
		Resources:  jsii.Strings("*"), // in a key policy "*" is this key
		Conditions: &map[string]any{"ArnLike": map[string]any{
			"kms:EncryptionContext:aws:logs:arn": stack.FormatArn(&awscdk.ArnComponents{
				Service: jsii.String("logs"), Resource: jsii.String("log-group"), ResourceName: jsii.String("*"),
				ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME,
			}),
		}},
	}), nil)
	r.LogGroup = awslogs.NewLogGroup(c, jsii.String("LogGroup"), &awslogs.LogGroupProps{
		EncryptionKey: r.Key,
		Retention:     p.LogRetention,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})

	r.Role = awsiam.NewRole(c, jsii.String("Role"), &awsiam.RoleProps{
		Description: jsii.String(fmt.Sprintf("AWS Config rule %s's function puts its evaluations", p.RuleName)),
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
	})
	r.Policy = awsiam.NewManagedPolicy(c, jsii.String("Policy"), &awsiam.ManagedPolicyProps{
		Description: jsii.String(fmt.Sprintf("Put AWS Config rule %s's evaluations, read oversized configuration items, write its own log group", p.RuleName)),
		Roles:       &[]awsiam.IRole{r.Role},
		Statements: &[]awsiam.PolicyStatement{
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid: jsii.String("EvaluateWithAWSConfig"),
				// Neither action has resource-level permissions: "*" is the
				// only resource IAM accepts for them. PutEvaluations needs the
				// result token of an invocation of this rule.
				Actions:   jsii.Strings("config:PutEvaluations", "config:GetResourceConfigHistory"),
				Resources: jsii.Strings("*"),
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:       jsii.String("WriteOwnLogGroup"),
				Actions:   jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents"),
				Resources: &[]*string{r.LogGroup.LogGroupArn()},
			}),
		},
	})
	suppress(r.Policy, nagRule{"AwsSolutions-IAM5",
		"config:PutEvaluations and config:GetResourceConfigHistory have no resource-level permissions; \"*\" is the only resource IAM accepts for them",
		[]string{"Resource::*"}})

	r.Function = awslambda.NewFunction(c, jsii.String("Function"), &awslambda.FunctionProps{
		Description:  jsii.String(fmt.Sprintf("Evaluates AWS Config rule %s", p.RuleName)),
		Runtime:      awslambda.Runtime_PROVIDED_AL2023(),
		Architecture: awslambda.Architecture_ARM_64(),
		Handler:      jsii.String("bootstrap"),
		Code:         awslambda.Code_FromAsset(jsii.String(p.CodeDirectory), nil),
		MemorySize:   jsii.Number(128),
		Timeout:      awscdk.Duration_Seconds(jsii.Number(30)),
		// No ReservedConcurrentExecutions: see the package doc.
		// The role by ARN, immutable: Policy is the role's whole policy, and
		// given the Role itself CDK would make the function depend on the
		// role it already references (cfn-lint W3005).
		Role:     awsiam.Role_FromRoleArn(c, jsii.String("FunctionRole"), r.Role.RoleArn(), &awsiam.FromRoleArnOptions{Mutable: jsii.Bool(false)}),
		LogGroup: r.LogGroup,
	})
	// The role's policy must be attached before the function can be invoked.
	r.Function.Node().AddDependency(r.Policy)
	suppress(r.Function,
		nagRule{id: "NIST.800.53.R5-LambdaConcurrency", reason: "reserving concurrency fails the deployment in an account whose Lambda " +
			"concurrency quota is below 100 plus the reservation (new accounts start at 10); AWS Config invokes the function " +
			"asynchronously, so throttled evaluations wait in Lambda's queue instead of being lost"},
		nagRule{id: "NIST.800.53.R5-LambdaInsideVPC", reason: "the function calls only the AWS Config API and reaches no private resource; " +
			"a VPC would need a NAT gateway or a Config interface endpoint in every account and region, and protect nothing"},
		nagRule{id: "NIST.800.53.R5-LambdaDLQ", reason: "AWS Config invokes the function asynchronously; an event that fails Lambda's retries is in the " +
			"function's log group and its Errors metric, and holds nothing AWS Config does not keep: re-evaluating the rule " +
			"(StartConfigRulesEvaluation) evaluates every resource in scope again from AWS Config's own record"})

	r.Permission = awslambda.NewCfnPermission(c, jsii.String("ConfigInvokes"), &awslambda.CfnPermissionProps{
		Action:        jsii.String("lambda:InvokeFunction"),
		FunctionName:  r.Function.FunctionArn(),
		Principal:     jsii.String("config.amazonaws.com"),
		SourceAccount: stack.Account(),
	})

	rule := &awsconfig.CfnConfigRuleProps{
		ConfigRuleName: jsii.String(p.RuleName),
		Source: &awsconfig.CfnConfigRule_SourceProperty{
			Owner:            jsii.String("CUSTOM_LAMBDA"),
			SourceIdentifier: r.Function.FunctionArn(),
			SourceDetails: &[]any{
				&awsconfig.CfnConfigRule_SourceDetailProperty{EventSource: jsii.String("aws.config"), MessageType: jsii.String("ConfigurationItemChangeNotification")},
				&awsconfig.CfnConfigRule_SourceDetailProperty{EventSource: jsii.String("aws.config"), MessageType: jsii.String("OversizedConfigurationItemChangeNotification")},
			},
		},
		Scope: &awsconfig.CfnConfigRule_ScopeProperty{ComplianceResourceTypes: jsii.Strings(p.ResourceTypes...)},
	}
	if p.Description != "" {
		rule.Description = jsii.String(p.Description)
	}
	if len(p.InputParameters) > 0 {
		rule.InputParameters = p.InputParameters
	}
	r.ConfigRule = awsconfig.NewCfnConfigRule(c, jsii.String("ConfigRule"), rule)
	// AWS Config checks that it may invoke the function when the rule is created.
	r.ConfigRule.AddResourceDependency(r.Permission, jsii.String("AWS Config checks that it may invoke the function when the rule is created"))
	return r
}

func withDefaults(props *Props) Props {
	var p Props
	if props != nil {
		p = *props
	}
	if p.LogRetention == "" {
		p.LogRetention = awslogs.RetentionDays_ONE_YEAR
	}
	if p.CodeDirectory == "" {
		panic("customrule: Props.CodeDirectory is empty: it is required, a directory holding the function's executable named bootstrap")
	}
	bootstrap := filepath.Join(p.CodeDirectory, "bootstrap")
	switch info, err := os.Stat(bootstrap); {
	case err != nil:
		panic(fmt.Sprintf("customrule: Props.CodeDirectory %q has no bootstrap (%v): build the function into it first (make lambdas)", p.CodeDirectory, err))
	case !info.Mode().IsRegular() || info.Mode().Perm()&0o111 == 0:
		panic(fmt.Sprintf("customrule: Props.CodeDirectory %q: bootstrap is not an executable file (mode %v); Lambda runs it as the function", p.CodeDirectory, info.Mode()))
	}
	if !ruleName.MatchString(p.RuleName) {
		panic(fmt.Sprintf("customrule: Props.RuleName %q is not a rule name: 1 to 128 letters, digits, '-' and '_'; it is required", p.RuleName))
	}
	if len(p.ResourceTypes) == 0 {
		panic("customrule: Props.ResourceTypes is empty: name at least one resource type, such as AWS::EC2::SecurityGroup")
	}
	for _, t := range p.ResourceTypes {
		if !resourceType.MatchString(t) {
			panic(fmt.Sprintf("customrule: Props.ResourceTypes: %q is not a resource type such as AWS::EC2::SecurityGroup", t))
		}
	}
	if b, err := json.Marshal(p.InputParameters); err != nil || len(b) > 1024 {
		panic(fmt.Sprintf("customrule: Props.InputParameters are %d characters of JSON; AWS Config accepts at most 1024", len(b)))
	}
	for k := range p.InputParameters {
		if strings.TrimSpace(k) == "" {
			panic("customrule: Props.InputParameters has an empty key")
		}
	}
	return p
}

// denyGrantsExceptForAWSServices keeps kms:CreateGrant to AWS services acting
// for AWS resources (AWS Control Tower CT.KMS.PR.3).
func denyGrantsExceptForAWSServices(key awskms.Key) {
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("DenyGrantsExceptForAWSServices"),
		Effect:     awsiam.Effect_DENY,
		Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
		Actions:    jsii.Strings("kms:CreateGrant"),
		Resources:  jsii.Strings("*"), // in a key policy "*" is this key
		Conditions: &map[string]any{"BoolIfExists": map[string]any{
			"kms:GrantIsForAWSResource": "false", "aws:PrincipalIsAWSService": "false",
		}},
	}), nil)
}

// nagRule is a cdk-nag rule broken on purpose, why, and optionally the
// findings (cdk-nag's applies_to) it covers.
type nagRule struct {
	id, reason string
	appliesTo  []string
}

// suppress records on scope's CloudFormation resource the cdk-nag rules it
// breaks on purpose. cdk-nag reads this metadata; without cdk-nag it is inert.
func suppress(scope constructs.IConstruct, rules ...nagRule) {
	var out []map[string]any
	for _, r := range rules {
		m := map[string]any{"id": r.id, "reason": r.reason}
		if len(r.appliesTo) > 0 {
			m["applies_to"] = r.appliesTo
		}
		out = append(out, m)
	}
	scope.Node().DefaultChild().(awscdk.CfnResource).AddMetadata(jsii.String("cdk_nag"), map[string]any{"rules_to_suppress": out})
}
