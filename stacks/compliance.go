package stacks

import (
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
	// EC2 creates grants for the volumes it encrypts (GrantIsForAWSResource);
	// nobody else may.
	denyGrantsExceptForAWSServices(key)
	return key
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
