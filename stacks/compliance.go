package stacks

import (
	"fmt"
	"maps"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/palisade-sec/palisade/config"
	"github.com/palisade-sec/palisade/constructs/configrecorder"
	"github.com/palisade-sec/palisade/constructs/conformancepack"
	"github.com/palisade-sec/palisade/constructs/customrule"
	"github.com/palisade-sec/palisade/constructs/hardening"
	"github.com/palisade-sec/palisade/constructs/remediation"
)

// BaselineProps is what an account's baseline stack of one region reads.
type BaselineProps struct {
	StackName   string
	Description string
	Account     string
	Region      string
	// Home records global resources and holds what is account-wide: AWS
	// Config's service-linked role (with CreateConfigRole).
	Home bool
	// ArchiveBucketName is the region's archive, where AWS Config delivers.
	ArchiveBucketName string
	Compliance        config.Compliance
	// InstanceRoleName is the instance role (in an instance profile of the
	// same name's construct) that remediation attaches to instances with no
	// profile; empty where the account runs no Session Manager stack, which
	// leaves such instances reported only.
	InstanceRoleName string
}

// NewBaseline creates an account's baseline stack of one region: AWS Config
// recording every supported resource type (global ones in the home region)
// and delivering to the region's archive.
func NewBaseline(scope constructs.Construct, id string, props *BaselineProps) awscdk.Stack {
	stack := awscdk.NewStack(scope, &id, &awscdk.StackProps{
		StackName:   jsii.String(props.StackName),
		Description: jsii.String(props.Description),
		Env:         &awscdk.Environment{Account: jsii.String(props.Account), Region: jsii.String(props.Region)},
	})
	c := props.Compliance
	recorder := configrecorder.New(stack, "Config", &configrecorder.Props{
		BucketName: props.ArchiveBucketName,
		// No KmsKeyArn: the archive's default encryption applies (its key,
		// whose id this account cannot know), and its key policy lets AWS
		// Config use it for this account.
		CreateServiceLinkedRole: props.Home && c.CreateConfigRole,
		RecordGlobalResources:   props.Home,
	})
	rule := customrule.New(stack, "SgIngressRule", &customrule.Props{
		CodeDirectory:   LambdaDir("sgingress"),
		RuleName:        SgIngressRuleName,
		Description:     "palisade: no security group lets the internet reach a port other than " + c.InternetIngressPortList() + " (TCP)",
		InputParameters: map[string]string{"allowedPorts": c.InternetIngressPortList()},
		ResourceTypes:   []string{"AWS::EC2::SecurityGroup"},
	})
	// A rule cannot exist without a recorder in its account and region.
	rule.ConfigRule.Node().AddDependency(recorder.Recorder)

	var ebsKey string
	if c.EbsKey == "customer-managed" {
		ebsKey = *ebsEncryptionKey(stack).KeyArn()
	}
	hardening.New(stack, "Hardening", &hardening.Props{
		EbsKeyArn:          ebsKey,
		AccountWide:        props.Home,
		PasswordMaxAgeDays: c.PasswordMaxAgeDays,
		DeleteDefaultVpc:   c.DeleteDefaultVPCs,
		DefaultVpcCodePath: LambdaDir("defaultvpc"),
		// The Config rule's log key encrypts the deploy-time functions' log
		// groups too: one key for the stack's logs, not one per construct.
		LogKey: rule.Key,
	})

	off := func(name string) bool { _, ok := c.DisabledRemediations[name]; return ok }
	rem := remediation.New(stack, "Remediation", &remediation.Props{
		RuleNamePrefix:              "palisade",
		DisablePublicBuckets:        off(config.RemediatePublicBuckets),
		DisableBucketEncryption:     off(config.RemediateUnencryptedBuckets),
		DisableDefaultSecurityGroup: off(config.RemediateDefaultSecurityGroup),
		DisableInstanceManagement:   off(config.RemediateUnmanagedInstances) || props.InstanceRoleName == "",
		InstanceRoleName:            props.InstanceRoleName,
	})
	for _, r := range rem.ByRule {
		r.Rule.Node().AddDependency(recorder.Recorder)
	}
	return stack
}

// SgIngressRuleName is palisade's custom rule's name in every account and
// region.
const SgIngressRuleName = "palisade-sg-internet-ingress"

// ebsEncryptionKey is the account's and region's key for EBS volumes:
// rotated, retained, usable by this account's principals through EC2 only.
func ebsEncryptionKey(stack awscdk.Stack) awskms.Key {
	key := awskms.NewKey(stack, jsii.String("EbsKey"), &awskms.KeyProps{
		Description:       jsii.String("palisade: encrypts this account's EBS volumes by default"),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
		Alias:             jsii.String("alias/palisade-ebs"),
	})
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("ThisAccountThroughEC2"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewAccountPrincipal(stack.Account())},
		Actions:    jsii.Strings("kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey", "kms:CreateGrant"),
		Resources:  jsii.Strings("*"), // in a key policy "*" is this key
		Conditions: &map[string]any{
			"StringEquals": map[string]any{"kms:ViaService": "ec2." + *stack.Region() + ".amazonaws.com", "kms:CallerAccount": *stack.Account()},
		},
	}), nil)
	autoScalingMayUse(stack, key)
	// EC2 creates grants for the volumes it encrypts (GrantIsForAWSResource);
	// nobody else may. Auto Scaling's grants are for its instances' volumes,
	// so the deny, which needs both GrantIsForAWSResource and
	// PrincipalIsAWSService false, leaves them alone.
	denyGrantsExceptForAWSServices(key)
	return key
}

// autoScalingMayUse lets EC2 Auto Scaling launch instances whose volumes the
// key encrypts by default. Auto Scaling launches as its service-linked role
// AWSServiceRoleForAutoScaling, whose AWS managed policy covers no customer
// managed key, so the key policy must name the role itself: EC2 Auto
// Scaling User Guide, "Required AWS KMS key policy for use with encrypted
// volumes" (use of the key, and kms:CreateGrant with
// kms:GrantIsForAWSResource). ThisAccountThroughEC2 does not: its principal
// is the account, which leaves the decision to IAM policies (AWS KMS
// Developer Guide, "Default key policy": allows access to the AWS account
// and enables IAM policies), and the role has none for this key.
//
// Auto Scaling creates the role only with the account's first Auto Scaling
// group, and a key policy whose principal does not exist is refused (AWS
// KMS API Reference, CreateKey, Policy: "The principals in the key policy
// must exist and be visible to KMS"; MalformedPolicyDocumentException). So
// the role is not the principal: the principal is "*", narrowed to the role
// by aws:PrincipalArn (a condition's value need not exist), to this account
// by kms:CallerAccount, and to EC2 by kms:ViaService (AWS KMS Developer
// Guide, "Determining access: key policy": "*" only with conditions that
// restrict it; "kms:CallerAccount", "kms:ViaService"). A key policy
// statement that names a principal grants it directly, with no IAM policy
// needed, which is what the role lacks. The stored AWS docs did not show
// AWS's own aws/ebs key policy, which is said to have this very shape (a
// wildcard principal with kms:CallerAccount and kms:ViaService). Creating
// the role in the stack instead (AWS::IAM::ServiceLinkedRole) fails in every
// account where Auto Scaling was ever used: the role name is taken. Only
// the default role is covered, not custom-suffix variants
// (AWSServiceRoleForAutoScaling_<suffix>) nor other services' roles that
// launch instances (EC2 Spot Fleet's); a group on such a role needs a
// statement of its own.
func autoScalingMayUse(stack awscdk.Stack, key awskms.Key) {
	scoped := func(extra map[string]any) *map[string]any {
		c := map[string]any{
			"StringEquals": map[string]any{"kms:ViaService": "ec2." + *stack.Region() + ".amazonaws.com", "kms:CallerAccount": *stack.Account()},
			"ArnEquals": map[string]any{"aws:PrincipalArn": fmt.Sprintf("arn:%s:iam::%s:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling",
				*stack.Partition(), *stack.Account())},
		}
		maps.Copy(c, extra)
		return &c
	}
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AutoScalingServiceLinkedRoleThroughEC2"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
		Actions:    jsii.Strings("kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"),
		Resources:  jsii.Strings("*"), // in a key policy "*" is this key
		Conditions: scoped(nil),
	}), nil)
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AutoScalingServiceLinkedRoleGrantsForVolumes"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
		Actions:    jsii.Strings("kms:CreateGrant"),
		Resources:  jsii.Strings("*"), // in a key policy "*" is this key
		Conditions: scoped(map[string]any{"Bool": map[string]any{"kms:GrantIsForAWSResource": "true"}}),
	}), nil)
}

// ComplianceProps is what the security account's compliance stack of one
// region reads.
type ComplianceProps struct {
	StackName   string
	Description string
	Account     string
	Region      string
	// Home adds the organization aggregator.
	Home       bool
	PackName   string
	Compliance config.Compliance
}

// NewCompliance creates the security account's compliance stack of one
// region: the organization conformance pack, deployed from AWS Config's
// delegated administrator to every account, and in the home region the
// organization aggregator.
func NewCompliance(scope constructs.Construct, id string, props *ComplianceProps) awscdk.Stack {
	stack := awscdk.NewStack(scope, &id, &awscdk.StackProps{
		StackName:   jsii.String(props.StackName),
		Description: jsii.String(props.Description),
		Env:         &awscdk.Environment{Account: jsii.String(props.Account), Region: jsii.String(props.Region)},
	})
	conformancepack.New(stack, "Pack", &conformancepack.Props{
		PackName:           props.PackName,
		ExtraRules:         maps.Clone(props.Compliance.ExtraRules),
		DisabledRules:      maps.Clone(props.Compliance.DisabledRules),
		PasswordMaxAgeDays: props.Compliance.PasswordMaxAgeDays,
		// The pack fails in an organization account without a recorder
		// (superwerker#291); the org file's unmanaged accounts get none.
		ExcludedAccounts: props.Compliance.UnmanagedAccountIDs(),
	})
	if props.Home {
		configrecorder.NewOrganizationAggregator(stack, "OrganizationAggregator")
	}
	return stack
}
