// Package remediation provides Remediations: AWS Config managed rules in one
// account and region that fix what they find, through AWS-owned Systems
// Manager Automation runbooks. Build one in every governed account and
// region, after the account's AWS Config recorder.
//
// Each remediation is a managed rule (named <prefix>-<rule>), an automatic
// AWS::Config::RemediationConfiguration that runs the runbook on every
// non-compliant resource, retried up to MaximumAutomaticAttempts times every
// RetryAttemptSeconds and throttled by ConcurrentExecutionRatePercentage and
// ErrorPercentage, and an IAM role the runbook assumes. Each role is assumed
// only by ssm.amazonaws.com for automations of this account and region
// (aws:SourceAccount, aws:SourceArn) and holds only the calls its runbook
// makes:
//
//   - Public buckets: S3_BUCKET_PUBLIC_READ_PROHIBITED and
//     S3_BUCKET_PUBLIC_WRITE_PROHIBITED run
//     AWSConfigRemediation-ConfigureS3BucketPublicAccessBlock, which turns on
//     all four of the bucket's Block Public Access settings
//     (s3:GetBucketPublicAccessBlock, s3:PutBucketPublicAccessBlock).
//   - Unencrypted buckets: S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED runs
//     AWS-EnableS3BucketEncryption with SSEAlgorithm AES256, SSE-S3, the one
//     algorithm every version of the runbook takes without a key
//     (s3:PutEncryptionConfiguration). Buckets that must use a KMS key say
//     so in their own templates; this only ends "no default encryption".
//   - Open default security groups: VPC_DEFAULT_SECURITY_GROUP_CLOSED runs
//     AWSConfigRemediation-RemoveVPCDefaultSecurityGroupRules, which removes
//     every rule of a group named default (ec2:DescribeSecurityGroups,
//     ec2:RevokeSecurityGroupIngress, ec2:RevokeSecurityGroupEgress).
//   - Instances not managed by Systems Manager: EC2_INSTANCE_MANAGED_BY_SSM.
//     An instance is unmanaged for many reasons (no agent, no route to the
//     Systems Manager endpoints, no permissions); a runbook can fix only the
//     last, and only safely for an instance with no instance profile at all.
//     Default Host Management Configuration (an account-wide Systems Manager
//     setting, made elsewhere) already gives such instances permissions when
//     they use IMDSv2 and a recent agent. For the others, with
//     Props.InstanceRoleName, the rule runs AWS-AttachIAMToInstance with
//     ForceReplace false: it associates the instance profile that holds that
//     role with an instance that has none. It never replaces or changes an
//     existing profile (that would take away the application's own
//     permissions): an instance whose profile lacks the Systems Manager
//     permissions stays NON_COMPLIANT until its owners add
//     AmazonSSMManagedInstanceCore to their role. The role must already be
//     in an instance profile: the runbook role may not create one
//     (ec2:DescribeIamInstanceProfileAssociations,
//     ec2:AssociateIamInstanceProfile on this account's instances,
//     iam:ListInstanceProfilesForRole and iam:PassRole, to EC2, of that role
//     only). Without Props.InstanceRoleName the rule only reports.
//
// The runbooks are AWS's, at their default version: no TargetVersion is
// pinned, and only parameters every version has are passed. The roles are
// not allowed ssm:StartAutomationExecution: none of these runbooks starts
// another automation.
//
// Each of the four can be turned off with its Disable* prop, which removes
// its rule, remediation and role. The rules, remediations and roles hold no
// data: they are deleted with the stack, and what they fixed stays fixed.
//
// The package imports nothing from palisade: copy it into any CDK app.
package remediation

import (
	"fmt"
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsconfig"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// The AWS-owned runbooks the remediations run.
const (
	PublicAccessBlockDocument    = "AWSConfigRemediation-ConfigureS3BucketPublicAccessBlock"
	BucketEncryptionDocument     = "AWS-EnableS3BucketEncryption"
	DefaultSecurityGroupDocument = "AWSConfigRemediation-RemoveVPCDefaultSecurityGroupRules"
	AttachInstanceRoleDocument   = "AWS-AttachIAMToInstance"
)

// Props configure Remediations.
type Props struct {
	// RuleNamePrefix starts every rule's name: <prefix>-s3-bucket-public-read-prohibited.
	// Letters, digits, - and _, at most 64. Default: "palisade".
	RuleNamePrefix string
	// MaximumAutomaticAttempts is how many times a failed remediation of one
	// resource is tried within RetryAttemptSeconds, 1 to 25. Default: 3.
	MaximumAutomaticAttempts int
	// RetryAttemptSeconds is the window of MaximumAutomaticAttempts, 1 to
	// 2678000. Default: 60.
	RetryAttemptSeconds int
	// ConcurrentExecutionRatePercentage is the share of non-compliant
	// resources remediated at once, 1 to 100. Default: 10.
	ConcurrentExecutionRatePercentage int
	// ErrorPercentage is the share of failed executions at which a round of
	// remediation stops, 1 to 100. Default: 10.
	ErrorPercentage int
	// DisablePublicBuckets removes the public bucket rules and their
	// remediation. Default: false, public buckets are blocked.
	DisablePublicBuckets bool
	// DisableBucketEncryption removes the bucket encryption rule and its
	// remediation. Default: false, unencrypted buckets get SSE-S3.
	DisableBucketEncryption bool
	// DisableDefaultSecurityGroup removes the default security group rule
	// and its remediation. Default: false, default groups are emptied.
	DisableDefaultSecurityGroup bool
	// DisableInstanceManagement removes the EC2_INSTANCE_MANAGED_BY_SSM rule
	// and its remediation. Default: false, the rule reports unmanaged
	// instances.
	DisableInstanceManagement bool
	// InstanceRoleName is the IAM role, already in an instance profile
	// (sessionmanager's InstanceRole, for one), attached to unmanaged
	// instances that have no instance profile. Default: empty, unmanaged
	// instances are only reported.
	InstanceRoleName string
}

// Remediation is one rule's automatic remediation.
type Remediation struct {
	// Rule is the AWS Config managed rule.
	Rule awsconfig.CfnConfigRule
	// Configuration runs Document on Rule's non-compliant resources; nil if
	// the rule only reports.
	Configuration awsconfig.CfnRemediationConfiguration
	// Role is the role Document runs as; nil if the rule only reports.
	Role awsiam.Role
}

// Remediations are AWS Config rules with automatic remediation in one
// account and region.
type Remediations struct {
	constructs.Construct
	// ByRule holds each remediation by its managed rule identifier, such as
	// S3_BUCKET_PUBLIC_READ_PROHIBITED; a disabled one is absent. Make
	// them depend on the account's configuration recorder.
	ByRule map[string]*Remediation
}

var (
	namePrefix = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	roleName   = regexp.MustCompile(`^[A-Za-z0-9+=,.@_-]{1,64}$`)
)

// New creates Remediations. Props that cannot work panic with the prop's name.
func New(scope constructs.Construct, id string, props *Props) *Remediations {
	p := withDefaults(props)
	c := constructs.NewConstruct(scope, &id)
	r := &Remediations{Construct: c, ByRule: map[string]*Remediation{}}
	stack := awscdk.Stack_Of(c)
	partition, region, account := *stack.Partition(), *stack.Region(), *stack.Account()
	arn := func(service, resource string) string {
		return fmt.Sprintf("arn:%s:%s:%s:%s:%s", partition, service, region, account, resource)
	}
	// Bucket ARNs name neither account nor region: s3:ResourceAccount keeps
	// the role to this account's buckets.
	thisAccountsBuckets := &map[string]any{"StringEquals": map[string]any{"s3:ResourceAccount": account}}
	const bucketReason = "bucket ARNs carry no account: arn:<partition>:s3:::* is any bucket, narrowed to this account's by the s3:ResourceAccount condition; the rule finds the bucket at run time"

	if !p.DisablePublicBuckets {
		role := r.role(c, "PublicBucketRole", "Blocks public access to this account's S3 buckets that AWS Config finds public", []awsiam.PolicyStatement{
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Actions:    jsii.Strings("s3:GetBucketPublicAccessBlock", "s3:PutBucketPublicAccessBlock"),
				Resources:  jsii.Strings(fmt.Sprintf("arn:%s:s3:::*", partition)),
				Conditions: thisAccountsBuckets,
			}),
		}, bucketReason)
		params := map[string]any{
			"BucketName":            resourceID(),
			"BlockPublicAcls":       static("true"),
			"IgnorePublicAcls":      static("true"),
			"BlockPublicPolicy":     static("true"),
			"RestrictPublicBuckets": static("true"),
		}
		for _, rule := range []struct{ id, identifier, name string }{
			{"PublicRead", "S3_BUCKET_PUBLIC_READ_PROHIBITED", "s3-bucket-public-read-prohibited"},
			{"PublicWrite", "S3_BUCKET_PUBLIC_WRITE_PROHIBITED", "s3-bucket-public-write-prohibited"},
		} {
			r.add(c, p, rule.id, rule.identifier, p.RuleNamePrefix+"-"+rule.name, "AWS::S3::Bucket", PublicAccessBlockDocument, role, params)
		}
	}

	if !p.DisableBucketEncryption {
		role := r.role(c, "BucketEncryptionRole", "Turns on default encryption of this account's S3 buckets that AWS Config finds without it", []awsiam.PolicyStatement{
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Actions:    jsii.Strings("s3:PutEncryptionConfiguration"),
				Resources:  jsii.Strings(fmt.Sprintf("arn:%s:s3:::*", partition)),
				Conditions: thisAccountsBuckets,
			}),
		}, bucketReason)
		r.add(c, p, "BucketEncryption", "S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED", p.RuleNamePrefix+"-s3-bucket-server-side-encryption-enabled",
			"AWS::S3::Bucket", BucketEncryptionDocument, role, map[string]any{
				"BucketName":   resourceID(),
				"SSEAlgorithm": static("AES256"),
			})
	}

	if !p.DisableDefaultSecurityGroup {
		role := r.role(c, "DefaultSecurityGroupRole", "Removes every rule of this region's default security groups that AWS Config finds open", []awsiam.PolicyStatement{
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Actions: jsii.Strings("ec2:DescribeSecurityGroups"),
				// DescribeSecurityGroups has no resource-level permissions.
				Resources: jsii.Strings("*"),
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Actions:   jsii.Strings("ec2:RevokeSecurityGroupEgress", "ec2:RevokeSecurityGroupIngress"),
				Resources: jsii.Strings(arn("ec2", "security-group/*")),
			}),
		}, "ec2:DescribeSecurityGroups has no resource-level permissions; the revocations are limited to this account's and region's security groups, the runbook checks the group is named default")
		r.add(c, p, "DefaultSecurityGroup", "VPC_DEFAULT_SECURITY_GROUP_CLOSED", p.RuleNamePrefix+"-vpc-default-security-group-closed",
			"AWS::EC2::SecurityGroup", DefaultSecurityGroupDocument, role, map[string]any{"GroupId": resourceID()})
	}

	if !p.DisableInstanceManagement {
		var role awsiam.Role
		if p.InstanceRoleName != "" {
			instanceRole := fmt.Sprintf("arn:%s:iam::%s:role/%s", partition, account, p.InstanceRoleName)
			role = r.role(c, "InstanceManagementRole", "Attaches the Systems Manager instance profile to this region's instances that have none", []awsiam.PolicyStatement{
				awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
					Actions: jsii.Strings("ec2:DescribeIamInstanceProfileAssociations"),
					// DescribeIamInstanceProfileAssociations has no resource-level permissions.
					Resources: jsii.Strings("*"),
				}),
				awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
					Actions:   jsii.Strings("ec2:AssociateIamInstanceProfile"),
					Resources: jsii.Strings(arn("ec2", "instance/*")),
				}),
				awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
					Actions:   jsii.Strings("iam:ListInstanceProfilesForRole"),
					Resources: jsii.Strings(instanceRole),
				}),
				awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
					Actions:    jsii.Strings("iam:PassRole"),
					Resources:  jsii.Strings(instanceRole),
					Conditions: &map[string]any{"StringEquals": map[string]any{"iam:PassedToService": "ec2.amazonaws.com"}},
				}),
			}, "ec2:DescribeIamInstanceProfileAssociations has no resource-level permissions; associating a profile is limited to this account's and region's instances, and only the one instance role may be passed")
		}
		r.add(c, p, "InstanceManagement", "EC2_INSTANCE_MANAGED_BY_SSM", p.RuleNamePrefix+"-ec2-instance-managed-by-systems-manager",
			"AWS::EC2::Instance", AttachInstanceRoleDocument, role, map[string]any{
				"InstanceId":   resourceID(),
				"RoleName":     static(p.InstanceRoleName),
				"ForceReplace": static("false"),
			})
	}
	return r
}

// add creates the managed rule identifier named name over resourceType and,
// unless role is nil, its automatic remediation through document.
func (r *Remediations) add(c constructs.Construct, p Props, id, identifier, name, resourceType, document string, role awsiam.Role, params map[string]any) {
	rem := &Remediation{}
	rem.Rule = awsconfig.NewCfnConfigRule(c, jsii.String(id+"Rule"), &awsconfig.CfnConfigRuleProps{
		ConfigRuleName: jsii.String(name),
		Source: &awsconfig.CfnConfigRule_SourceProperty{
			Owner:            jsii.String("AWS"),
			SourceIdentifier: jsii.String(identifier),
		},
		Scope: &awsconfig.CfnConfigRule_ScopeProperty{ComplianceResourceTypes: jsii.Strings(resourceType)},
	})
	r.ByRule[identifier] = rem
	if role == nil {
		return
	}
	rem.Role = role
	params["AutomationAssumeRole"] = map[string]any{"StaticValue": map[string]any{"Values": []string{*role.RoleArn()}}}
	rem.Configuration = awsconfig.NewCfnRemediationConfiguration(c, jsii.String(id+"Remediation"), &awsconfig.CfnRemediationConfigurationProps{
		ConfigRuleName:           rem.Rule.Ref(),
		ResourceType:             jsii.String(resourceType),
		TargetType:               jsii.String("SSM_DOCUMENT"),
		TargetId:                 jsii.String(document),
		Parameters:               params,
		Automatic:                jsii.Bool(true),
		MaximumAutomaticAttempts: jsii.Number(p.MaximumAutomaticAttempts),
		RetryAttemptSeconds:      jsii.Number(p.RetryAttemptSeconds),
		ExecutionControls: &awsconfig.CfnRemediationConfiguration_ExecutionControlsProperty{
			SsmControls: &awsconfig.CfnRemediationConfiguration_SsmControlsProperty{
				ConcurrentExecutionRatePercentage: jsii.Number(p.ConcurrentExecutionRatePercentage),
				ErrorPercentage:                   jsii.Number(p.ErrorPercentage),
			},
		},
	})
}

// role creates a role that Systems Manager Automation assumes, for this
// account's and region's automations only, holding statements in a managed
// policy of its own. reason says why the statements hold wildcards.
func (r *Remediations) role(c constructs.Construct, id, description string, statements []awsiam.PolicyStatement, reason string) awsiam.Role {
	stack := awscdk.Stack_Of(c)
	partition, region, account := *stack.Partition(), *stack.Region(), *stack.Account()
	role := awsiam.NewRole(c, jsii.String(id), &awsiam.RoleProps{
		Description: jsii.String(description),
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("ssm.amazonaws.com"), nil).WithConditions(&map[string]any{
			"StringEquals": map[string]any{"aws:SourceAccount": account},
			"ArnLike":      map[string]any{"aws:SourceArn": fmt.Sprintf("arn:%s:ssm:%s:%s:automation-execution/*", partition, region, account)},
		}),
	})
	policy := awsiam.NewManagedPolicy(c, jsii.String(id+"Policy"), &awsiam.ManagedPolicyProps{
		Description: jsii.String(description),
		Statements:  &statements,
		Roles:       &[]awsiam.IRole{role},
	})
	suppress(policy, nagRule{"AwsSolutions-IAM5", reason})
	return role
}

func resourceID() map[string]any {
	return map[string]any{"ResourceValue": map[string]any{"Value": "RESOURCE_ID"}}
}

func static(v string) map[string]any {
	return map[string]any{"StaticValue": map[string]any{"Values": []string{v}}}
}

func withDefaults(props *Props) Props {
	var p Props
	if props != nil {
		p = *props
	}
	if p.RuleNamePrefix == "" {
		p.RuleNamePrefix = "palisade"
	}
	if p.MaximumAutomaticAttempts == 0 {
		p.MaximumAutomaticAttempts = 3
	}
	if p.RetryAttemptSeconds == 0 {
		p.RetryAttemptSeconds = 60
	}
	if p.ConcurrentExecutionRatePercentage == 0 {
		p.ConcurrentExecutionRatePercentage = 10
	}
	if p.ErrorPercentage == 0 {
		p.ErrorPercentage = 10
	}
	if !namePrefix.MatchString(p.RuleNamePrefix) {
		panic(fmt.Sprintf("remediation: Props.RuleNamePrefix %q is not a rule name prefix: 1 to 64 letters, digits, - and _", p.RuleNamePrefix))
	}
	for _, n := range []struct {
		name      string
		v, lo, hi int
	}{
		{"MaximumAutomaticAttempts", p.MaximumAutomaticAttempts, 1, 25},
		{"RetryAttemptSeconds", p.RetryAttemptSeconds, 1, 2678000},
		{"ConcurrentExecutionRatePercentage", p.ConcurrentExecutionRatePercentage, 1, 100},
		{"ErrorPercentage", p.ErrorPercentage, 1, 100},
	} {
		if n.v < n.lo || n.v > n.hi {
			panic(fmt.Sprintf("remediation: Props.%s %d is out of range: use %d to %d", n.name, n.v, n.lo, n.hi))
		}
	}
	if p.InstanceRoleName != "" && !roleName.MatchString(p.InstanceRoleName) && !unresolved(p.InstanceRoleName) {
		panic(fmt.Sprintf("remediation: Props.InstanceRoleName %q is not an IAM role name (a name, not an ARN: letters, digits and +=,.@_-, at most 64)", p.InstanceRoleName))
	}
	if p.InstanceRoleName != "" && p.DisableInstanceManagement {
		panic("remediation: Props.InstanceRoleName is set but Props.DisableInstanceManagement removes the remediation that uses it: set one or the other")
	}
	return p
}

func unresolved(s string) bool {
	return s != "" && *awscdk.Token_IsUnresolved(s)
}

type nagRule struct{ id, reason string }

// suppress records on every CloudFormation resource at or under scope the
// cdk-nag rules it breaks on purpose. cdk-nag reads this metadata; without
// cdk-nag it is inert.
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
