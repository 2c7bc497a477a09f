// Package hardening provides Hardening: account settings that CloudFormation
// has no resource type for, set in one account and region through API calls
// made at deployment. Build one in every governed account and region.
//
//   - EBS encryption by default (ec2:EnableEbsEncryptionByDefault), in this
//     region: every new volume and snapshot copy is encrypted. With
//     Props.EbsKeyArn the region's default key becomes that key
//     (ec2:ModifyEbsDefaultKmsKeyId); without it, AWS's managed aws/ebs key
//     stays the default. The key's policy must let the account's EC2 users
//     use it through EC2.
//   - With Props.AccountWide, the account's S3 Block Public Access, all four
//     settings on (s3:PutAccountPublicAccessBlock), and the IAM password
//     policy CIS asks for (iam:UpdateAccountPasswordPolicy): at least 14
//     characters of all four classes, none of the last 24 reused, changed
//     every Props.PasswordMaxAgeDays, and users may change their own. Both
//     are global to the account: set AccountWide in one region only.
//   - With Props.DeleteDefaultVpc, the region's default VPC is deleted, with
//     its internet gateway and subnets, by a Go Lambda function
//     (Props.DefaultVpcCodePath) behind a custom resource. It deletes nothing
//     in use: a default VPC holding network interfaces fails the deployment,
//     with their ids, and is left as it was. No default VPC is success.
//
// Each call is made by CDK's AwsCustomResource, whose function may make that
// one call and nothing else; none of these EC2, S3 account and IAM account
// calls has resource-level permissions, hence "*". The default VPC function
// has a role of its own: the describe calls it needs on "*" (they have no
// resource-level permissions), the deletions only on this account's and
// region's VPCs, subnets and internet gateways. No tag condition narrows
// them: a default VPC's resources carry no tags.
//
// Every call is repeated on each update of its resource and is idempotent.
// Removing the construct, or the stack, changes nothing: encryption by
// default, the default key, Block Public Access and the password policy stay
// as they were set, and a deleted default VPC stays deleted (AWS can create
// a new one on request). Removing EbsKeyArn later does not bring back aws/ebs
// as the default key. The default VPC function's log group is encrypted
// with Props.LogKey, and retained.
//
// CDK's AwsCustomResource function, one per stack, logs to the stack's
// CustomResourceLogs log group: KMS-encrypted (with Props.LogKey), kept a year and
// retained with its key; the first construct of the stack that needs it
// makes it and every other shares it (customresourcelogs.go). The
// function's role may write only that log group (not CDK's
// AWSLambdaBasicExecutionRole, which covers every log group of the
// account), besides each custom resource's own calls.
//
// The package imports nothing from palisade: copy it into any CDK app.
package hardening

import (
	"fmt"
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/customresources"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Props configure Hardening.
type Props struct {
	// EbsKeyArn is the KMS key (an ARN, in this region) new EBS volumes are
	// encrypted with by default. Default: empty, AWS's managed aws/ebs key.
	EbsKeyArn string
	// AccountWide sets the account's global settings: S3 Block Public
	// Access and the IAM password policy. Set it in one region (the home
	// region) per account. Default: false, only this region's settings.
	AccountWide bool
	// PasswordMaxAgeDays is how long an IAM user's password lasts, 1 to
	// 1095; only with AccountWide. Default: 90.
	PasswordMaxAgeDays int
	// DeleteDefaultVpc deletes this region's default VPC. Default: false,
	// the default VPC is left alone.
	DeleteDefaultVpc bool
	// DefaultVpcCodePath is the directory holding the default VPC
	// function's bootstrap executable, built from cmd/lambda/defaultvpc for
	// provided.al2023 on arm64; required with DeleteDefaultVpc.
	// Default: none.
	DefaultVpcCodePath string
	// DefaultVpcLogRetention is how long the default VPC function's logs
	// are kept. Default: awslogs.RetentionDays_ONE_YEAR.
	DefaultVpcLogRetention awslogs.RetentionDays
	// LogKey is a KMS key, of this account and region, whose policy lets
	// CloudWatch Logs use it for this account's log groups here: it
	// encrypts the default VPC function's log group and, unless another
	// construct of the stack made it first, the log group of the stack's
	// AwsCustomResource function. Hand one key to every construct of a
	// stack that asks for one: a key costs $1 a month. Default: the stack's
	// CustomResourceLogKey, made by the first construct that needs it.
	LogKey awskms.IKey
}

// Hardening is the account settings of one account and region.
type Hardening struct {
	constructs.Construct
	// EbsEncryption turns EBS encryption by default on.
	EbsEncryption customresources.AwsCustomResource
	// EbsDefaultKey sets the default key; nil without EbsKeyArn.
	EbsDefaultKey customresources.AwsCustomResource
	// PublicAccessBlock blocks public S3 access account-wide; nil unless
	// AccountWide.
	PublicAccessBlock customresources.AwsCustomResource
	// PasswordPolicy sets the IAM password policy; nil unless AccountWide.
	PasswordPolicy customresources.AwsCustomResource
	// DefaultVpcFunction deletes the default VPC; nil unless
	// DeleteDefaultVpc.
	DefaultVpcFunction awslambda.Function
	// DefaultVpcRole is DefaultVpcFunction's role.
	DefaultVpcRole awsiam.Role
	// DefaultVpcDeletion is the custom resource that calls it.
	DefaultVpcDeletion awscdk.CfnCustomResource
}

// PasswordPolicy is the IAM password policy AccountWide sets, as
// iam:UpdateAccountPasswordPolicy takes it, with maxAgeDays.
func PasswordPolicy(maxAgeDays int) map[string]any {
	return map[string]any{
		"MinimumPasswordLength":      14,
		"RequireSymbols":             true,
		"RequireNumbers":             true,
		"RequireUppercaseCharacters": true,
		"RequireLowercaseCharacters": true,
		"AllowUsersToChangePassword": true,
		"MaxPasswordAge":             maxAgeDays,
		"PasswordReusePrevention":    24,
		"HardExpiry":                 false,
	}
}

var keyArn = regexp.MustCompile(`^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$`)

// New creates Hardening. Props that cannot work panic with the prop's name.
func New(scope constructs.Construct, id string, props *Props) *Hardening {
	p := withDefaults(props)
	c := constructs.NewConstruct(scope, &id)
	h := &Hardening{Construct: c}
	stack := awscdk.Stack_Of(c)
	partition, region, account := *stack.Partition(), *stack.Region(), *stack.Account()
	if p.LogKey == nil {
		p.LogKey = customResourceLogKey(stack)
	}
	logs := customResourceLogs(c, p.LogKey)

	h.EbsEncryption = call(c, logs, "EbsEncryptionByDefault", "EC2", "enableEbsEncryptionByDefault", "ec2:EnableEbsEncryptionByDefault",
		map[string]any{}, "ebs-encryption-by-default",
		"ec2:EnableEbsEncryptionByDefault has no resource-level permissions")
	if p.EbsKeyArn != "" {
		h.EbsDefaultKey = call(c, logs, "EbsDefaultKmsKey", "EC2", "modifyEbsDefaultKmsKeyId", "ec2:ModifyEbsDefaultKmsKeyId",
			map[string]any{"KmsKeyId": p.EbsKeyArn}, "ebs-default-kms-key",
			"ec2:ModifyEbsDefaultKmsKeyId has no resource-level permissions")
		h.EbsDefaultKey.Node().AddDependency(h.EbsEncryption)
	}

	if p.AccountWide {
		h.PublicAccessBlock = call(c, logs, "S3PublicAccessBlock", "S3Control", "putPublicAccessBlock", "s3:PutAccountPublicAccessBlock",
			map[string]any{
				"AccountId": account,
				"PublicAccessBlockConfiguration": map[string]any{
					"BlockPublicAcls": true, "IgnorePublicAcls": true, "BlockPublicPolicy": true, "RestrictPublicBuckets": true,
				},
			}, "s3-account-public-access-block",
			"s3:PutAccountPublicAccessBlock acts on the calling account and has no resource-level permissions")
		h.PasswordPolicy = call(c, logs, "PasswordPolicy", "IAM", "updateAccountPasswordPolicy", "iam:UpdateAccountPasswordPolicy",
			PasswordPolicy(p.PasswordMaxAgeDays), "iam-account-password-policy",
			"iam:UpdateAccountPasswordPolicy acts on the calling account and has no resource-level permissions")
	}

	if p.DeleteDefaultVpc {
		h.defaultVpc(c, p, partition, region, account)
	}
	return h
}

// call makes one SDK call on create and update through AwsCustomResource,
// allowing its function only iamAction. On delete it does nothing: the
// setting stays.
func call(c constructs.Construct, logs awslogs.ILogGroup, id, service, action, iamAction string, params map[string]any, physicalID, reason string) customresources.AwsCustomResource {
	sdk := &customresources.AwsSdkCall{
		Service:            jsii.String(service),
		Action:             jsii.String(action),
		Parameters:         params,
		PhysicalResourceId: customresources.PhysicalResourceId_Of(jsii.String(physicalID)),
	}
	cr := customresources.NewAwsCustomResource(c, jsii.String(id), &customresources.AwsCustomResourceProps{
		OnCreate:            sdk,
		OnUpdate:            sdk,
		InstallLatestAwsSdk: jsii.Bool(false),
		LogGroup:            logs,
		Role:                customResourceRole(c, logs),
		Policy: customresources.AwsCustomResourcePolicy_FromStatements(&[]awsiam.PolicyStatement{
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Actions:   jsii.Strings(iamAction),
				Resources: jsii.Strings("*"), // reason: see the suppression below
			}),
		}),
	})
	suppressProvider(cr, nagRule{"AwsSolutions-IAM5", reason})
	return cr
}

// defaultVpc deploys the function that deletes the default VPC and the
// custom resource that runs it.
func (h *Hardening) defaultVpc(c constructs.Construct, p Props, partition, region, account string) {
	logs := awslogs.NewLogGroup(c, jsii.String("DefaultVpcLogs"), &awslogs.LogGroupProps{
		EncryptionKey: p.LogKey,
		Retention:     p.DefaultVpcLogRetention,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	ec2 := func(resource string) string {
		return fmt.Sprintf("arn:%s:ec2:%s:%s:%s", partition, region, account, resource)
	}
	h.DefaultVpcRole = awsiam.NewRole(c, jsii.String("DefaultVpcRole"), &awsiam.RoleProps{
		Description: jsii.String("Deletes this region's default VPC, its internet gateway and its subnets"),
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
	})
	policy := awsiam.NewManagedPolicy(c, jsii.String("DefaultVpcPolicy"), &awsiam.ManagedPolicyProps{
		Description: jsii.String("Finds and deletes this region's default VPC; writes the function's log"),
		Roles:       &[]awsiam.IRole{h.DefaultVpcRole},
		Statements: &[]awsiam.PolicyStatement{
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:     jsii.String("FindTheDefaultVpc"),
				Actions: jsii.Strings("ec2:DescribeInternetGateways", "ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets", "ec2:DescribeVpcs"),
				// EC2's Describe calls have no resource-level permissions.
				Resources: jsii.Strings("*"),
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:       jsii.String("DeleteTheDefaultVpc"),
				Actions:   jsii.Strings("ec2:DeleteInternetGateway", "ec2:DeleteSubnet", "ec2:DeleteVpc", "ec2:DetachInternetGateway"),
				Resources: jsii.Strings(ec2("internet-gateway/*"), ec2("subnet/*"), ec2("vpc/*")),
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:       jsii.String("WriteTheLog"),
				Actions:   jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents"),
				Resources: jsii.Strings(*logs.LogGroupArn()),
			}),
		},
	})
	suppress(policy, nagRule{"AwsSolutions-IAM5",
		"EC2's Describe calls have no resource-level permissions; the deletions are limited to this account's and region's internet gateways, subnets and VPCs (a default VPC's carry no tags to narrow them further), the log to the function's log group's streams"})

	h.DefaultVpcFunction = awslambda.NewFunction(c, jsii.String("DefaultVpcFunction"), &awslambda.FunctionProps{
		Description:  jsii.String("Deletes this region's default VPC for CloudFormation"),
		Runtime:      awslambda.Runtime_PROVIDED_AL2023(),
		Architecture: awslambda.Architecture_ARM_64(),
		Handler:      jsii.String("bootstrap"),
		Code:         awslambda.Code_FromAsset(jsii.String(p.DefaultVpcCodePath), nil),
		// By ARN, immutable: given the Role itself CDK adds a DependsOn on it
		// that repeats the GetAtt (cfn-lint W3005).
		Role:       awsiam.Role_FromRoleArn(c, jsii.String("DefaultVpcFunctionRole"), h.DefaultVpcRole.RoleArn(), &awsiam.FromRoleArnOptions{Mutable: jsii.Bool(false)}),
		LogGroup:   logs,
		Timeout:    awscdk.Duration_Minutes(jsii.Number(2)),
		MemorySize: jsii.Number(128),
	})
	// The role's policy must be in place before CloudFormation invokes the
	// function.
	h.DefaultVpcFunction.Node().AddDependency(policy)
	suppress(h.DefaultVpcFunction,
		// Reserving concurrency fails in new accounts whose Lambda quota is
		// still 10: AWS keeps the whole of it unreserved.
		nagRule{"NIST.800.53.R5-LambdaConcurrency", "CloudFormation is the function's only caller, once per deployment of its custom resource; reserving concurrency would fail in new accounts whose Lambda quota is still 10"},
		nagRule{"NIST.800.53.R5-LambdaDLQ", "CloudFormation invokes the function asynchronously, once per deployment of its custom resource, and waits for its answer at the event's callback URL (Lambda Developer Guide, Using AWS Lambda with CloudFormation); a failed invocation fails the stack operation, and the next deployment sends the request again: a dead-letter queue would hold only a copy of it"},
		nagRule{"NIST.800.53.R5-LambdaInsideVPC", "the function calls only the EC2 API, to delete the default VPC; it has no VPC to run in"},
	)

	h.DefaultVpcDeletion = awscdk.NewCfnCustomResource(c, jsii.String("DefaultVpcDeletion"), &awscdk.CfnCustomResourceProps{
		ServiceToken:   h.DefaultVpcFunction.FunctionArn(),
		ServiceTimeout: jsii.Number(300),
	})
}

func withDefaults(props *Props) Props {
	var p Props
	if props != nil {
		p = *props
	}
	if p.PasswordMaxAgeDays == 0 {
		p.PasswordMaxAgeDays = 90
	}
	if p.DefaultVpcLogRetention == "" {
		p.DefaultVpcLogRetention = awslogs.RetentionDays_ONE_YEAR
	}
	if p.EbsKeyArn != "" && !keyArn.MatchString(p.EbsKeyArn) && !unresolved(p.EbsKeyArn) {
		panic(fmt.Sprintf("hardening: Props.EbsKeyArn %q is not a KMS key ARN such as arn:aws:kms:us-east-1:111111111111:key/<key id> (not an alias)", p.EbsKeyArn))
	}
	if p.PasswordMaxAgeDays < 1 || p.PasswordMaxAgeDays > 1095 {
		panic(fmt.Sprintf("hardening: Props.PasswordMaxAgeDays %d is out of range: use 1 to 1095", p.PasswordMaxAgeDays))
	}
	if p.DeleteDefaultVpc && p.DefaultVpcCodePath == "" {
		panic(`hardening: Props.DefaultVpcCodePath "" is required with Props.DeleteDefaultVpc: the directory of the bootstrap built from cmd/lambda/defaultvpc`)
	}
	return p
}

func unresolved(s string) bool {
	return s != "" && *awscdk.Token_IsUnresolved(s)
}

type nagRule struct{ id, reason string }

// suppress records on every CloudFormation resource at or under scope the
// cdk-nag rules it breaks on purpose. cdk-nag reads this metadata; without
// cdk-nag it is inert. A later call for the same resource replaces the
// earlier one's rules: give each resource all its rules in one call.
func suppress(scope constructs.IConstruct, rules ...nagRule) {
	var out []map[string]string
	for _, r := range rules {
		out = append(out, map[string]string{"id": r.id, "reason": r.reason})
	}
	for _, n := range *scope.Node().FindAll(constructs.ConstructOrder_PREORDER) {
		if r, ok := n.(awscdk.CfnResource); ok {
			r.AddMetadata(jsii.String("cdk_nag"), map[string]any{"rules_to_suppress": out})
		}
	}
}

// providerID is the id, in the stack, of the AWS Lambda function that CDK
// shares among a stack's AwsCustomResources.
const providerID = "AWS679f53fac002430cb0da5b7982bd2287"

// suppressProvider records why the custom resource's policy (with policy,
// its own reasons) and CDK's shared function break cdk-nag rules.
func suppressProvider(cr customresources.AwsCustomResource, policy ...nagRule) {
	suppress(cr.Node().FindChild(jsii.String("CustomResourcePolicy")), append(policy, nagRule{"NIST.800.53.R5-IAMNoInlinePolicy",
		"CDK attaches the custom resource's one-statement policy inline to its own function's role, which nothing else uses"})...)
	customResourceFunctionWaits(cr)
	if fn := awscdk.Stack_Of(cr).Node().TryFindChild(jsii.String(providerID)); fn != nil {
		suppress(fn,
			nagRule{"NIST.800.53.R5-LambdaConcurrency", "CDK's custom resource function runs once per deployment of each of its resources; reserving concurrency would fail the deployment in new accounts, whose Lambda concurrency quota starts as low as 10 while Lambda keeps 100 unreserved"},
			nagRule{"NIST.800.53.R5-LambdaDLQ", "CloudFormation invokes CDK's custom resource function asynchronously and waits for its answer at the event's callback URL (Lambda Developer Guide, Using AWS Lambda with CloudFormation); a failed or lost invocation fails the stack operation, which CloudFormation reports, and the next deployment sends the request again: a dead-letter queue would hold only a copy of it"},
			nagRule{"NIST.800.53.R5-LambdaInsideVPC", "CDK's custom resource function calls only AWS APIs, while CloudFormation deploys"},
		)
	}
}
