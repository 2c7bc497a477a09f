package stackset

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// The log group of the stack's AwsCustomResource function, and the key
// that encrypts it, are the stack's, at its root under these ids. CDK makes
// one function for all the AwsCustomResources of a stack (a
// SingletonFunction, id providerID): the first AwsCustomResource creates it
// with its own LogGroup prop, and the later ones reuse it and their
// LogGroup is ignored (aws-cdk-lib 2.276, custom-resources
// AwsCustomResource and aws-lambda SingletonFunction.ensureLambda). So every
// AwsCustomResource of the stack must be given the same log group: the
// first construct that needs it makes it, and every later one finds it here
// (any package that follows this convention, by these ids, shares it).
const (
	customResourceLogsID   = "CustomResourceLogs"
	customResourceLogKeyID = "CustomResourceLogKey"
)

// customResourceLogs returns the log group to give every AwsCustomResource
// that scope makes: the stack's, made if it does not exist yet, encrypted
// with key (nil: the stack's CustomResourceLogKey, made if need be), kept
// for a year and retained with its key when the stack is deleted. It panics
// if the stack's AwsCustomResource function exists already without it:
// that function's log group would then be CDK's own, unencrypted.
func customResourceLogs(scope constructs.Construct, key awskms.IKey) awslogs.ILogGroup {
	stack := awscdk.Stack_Of(scope)
	if lg, ok := stack.Node().TryFindChild(jsii.String(customResourceLogsID)).(awslogs.ILogGroup); ok {
		return lg
	}
	if stack.Node().TryFindChild(jsii.String(providerID)) != nil {
		panic(fmt.Sprintf("stackset: the stack's AwsCustomResource function exists already without the log group %s: "+
			"build this construct before any other AwsCustomResource of the stack, or give that one LogGroup %s", customResourceLogsID, customResourceLogsID))
	}
	if key == nil {
		key = customResourceLogKey(stack)
	}
	return awslogs.NewLogGroup(stack, jsii.String(customResourceLogsID), &awslogs.LogGroupProps{
		EncryptionKey: key,
		Retention:     awslogs.RetentionDays_ONE_YEAR,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
}

// customResourceLogKey returns the stack's CustomResourceLogKey, made if it
// does not exist yet: a rotated, retained key that CloudWatch Logs may use
// for this account's log groups in this region, and nothing else may be
// granted but for AWS resources.
func customResourceLogKey(stack awscdk.Stack) awskms.IKey {
	if key, ok := stack.Node().TryFindChild(jsii.String(customResourceLogKeyID)).(awskms.IKey); ok {
		return key
	}
	key := awskms.NewKey(stack, jsii.String(customResourceLogKeyID), &awskms.KeyProps{
		Description:       jsii.String("Encrypts the logs of this stack's deploy-time functions"),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
	})
	// AWS Control Tower CT.KMS.PR.3: grants only for AWS resources.
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
	// CloudWatch Logs User Guide, "Encrypt log data in CloudWatch Logs using
	// AWS Key Management Service": the key policy lets the regional service
	// principal use the key, conditioned on kms:EncryptionContext:aws:logs:arn
	// (the log group's ARN). The log group's name is CloudFormation's, and
	// naming its ARN here would make the key depend on the log group that
	// depends on it: any log group of this account and region.
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
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
	return key
}

// customResourceRoleID is the id, at the stack's root, of the role the
// stack's AwsCustomResource function runs as when no construct names one.
const customResourceRoleID = "CustomResourceRole"

// customResourceRole returns the role to give an AwsCustomResource that
// scope makes, or nil when the stack's function exists already: CDK then
// reuses it, with its role, and ignores the Role prop like the LogGroup
// prop (aws-cdk-lib 2.276, SingletonFunction.ensureLambda). The role is
// assumed by Lambda and may only write to logs; each AwsCustomResource adds
// its own calls to it (its CustomResourcePolicy). Call
// customResourceFunctionWaits after making the AwsCustomResource.
func customResourceRole(scope constructs.Construct, logs awslogs.ILogGroup) awsiam.IRole {
	stack := awscdk.Stack_Of(scope)
	if stack.Node().TryFindChild(jsii.String(providerID)) != nil {
		return nil
	}
	if role, ok := stack.Node().TryFindChild(jsii.String(customResourceRoleID)).(awsiam.IRole); ok {
		return role
	}
	role := awsiam.NewRole(stack, jsii.String(customResourceRoleID), &awsiam.RoleProps{
		Description: jsii.String("CDK's AwsCustomResource function of this stack: its deploy-time SDK calls, and its log"),
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
	})
	customResourceLogsPolicy(stack, role, logs)
	return role
}

// customResourceLogsPolicy lets role write the stack's AwsCustomResource
// function's log, in place of AWSLambdaBasicExecutionRole (which CDK would
// attach, and which lets it write any log group of the account), and
// returns that policy.
func customResourceLogsPolicy(stack awscdk.Stack, role awsiam.IRole, logs awslogs.ILogGroup) awsiam.ManagedPolicy {
	return awsiam.NewManagedPolicy(stack, jsii.String(customResourceRoleID+"Logs"), &awsiam.ManagedPolicyProps{
		Description: jsii.String("CDK's AwsCustomResource function of this stack writes its own log group"),
		Roles:       &[]awsiam.IRole{role},
		Statements: &[]awsiam.PolicyStatement{
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Actions: jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents"),
				// The log group's ARN (Fn::GetAtt Arn ends in :*, its streams).
				Resources: &[]*string{logs.LogGroupArn()},
			}),
		},
	})
}

// customResourceFunctionWaits makes the stack's AwsCustomResource function,
// once it exists, wait for its log policy: the role's other policies are
// waited for by each custom resource, this one by nobody else.
func customResourceFunctionWaits(scope constructs.Construct) {
	stack := awscdk.Stack_Of(scope)
	fn := stack.Node().TryFindChild(jsii.String(providerID))
	policy := stack.Node().TryFindChild(jsii.String(customResourceRoleID + "Logs"))
	if fn != nil && policy != nil {
		fn.Node().AddDependency(policy)
	}
}
