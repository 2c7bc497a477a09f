// Package configrecorder provides Recorder: AWS Config recording every
// supported resource type in one account and region and delivering its
// snapshots and history to the organization's central archive bucket.
// AWS Config is regional: build a Recorder in every governed account and
// region.
//
// The recorder uses AWS Config's service-linked role,
// AWSServiceRoleForConfig, rather than a role of its own: AWS maintains its
// permissions and nothing else can assume it. The role exists once per
// account, for all regions; creating it a second time fails. Set
// Props.CreateServiceLinkedRole in exactly one stack per account (the home
// region's), and only if nothing else (Control Tower, the console, an
// earlier recorder) has created it. Other regions' recorders name it by ARN.
//
// IAM users, groups, roles and customer managed policies are global: record
// them in one region only (Props.RecordGlobalResources, the home region's),
// or every region reports each change again. The caller decides which.
//
// The delivery channel writes to a bucket in another account, the log
// archive. Its policy is the archive's job and must be in place first: AWS
// Config checks it when the channel is created. It must let
// config.amazonaws.com, or the service-linked role, s3:GetBucketAcl and
// s3:ListBucket on the bucket and s3:PutObject (with bucket-owner-full-control)
// under <prefix>/AWSLogs/<account>/Config/; with Props.KmsKeyArn the key's
// policy must let it kms:GenerateDataKey and kms:Decrypt.
//
// With Props.OrganizationAggregator the construct also builds an
// organization aggregator over every account and region: build that once,
// in the management account or AWS Config's delegated administrator (the
// security account).
//
// The recorder and the channel hold no data (the history is in the bucket):
// they are deleted with the stack, which stops recording. The service-linked
// role is retained: other regions' recorders use it.
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
package configrecorder

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsconfig"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Props configure a Recorder.
type Props struct {
	// BucketName is the S3 bucket, usually in the log archive account, that
	// AWS Config delivers snapshots and history to. Default: none; required.
	BucketName string
	// S3KeyPrefix is the prefix under which AWS Config writes, without
	// leading or trailing slashes. Default: "config".
	S3KeyPrefix string
	// KmsKeyArn is the KMS key (not an alias) AWS Config encrypts delivered
	// objects with; it must be in the bucket's region. Default: none, the
	// bucket's default encryption applies.
	KmsKeyArn string
	// CreateServiceLinkedRole creates AWSServiceRoleForConfig in this
	// account. It exists once per account: set it in one stack per account,
	// and only where nothing has created it yet. Default: false, the role
	// is assumed to exist.
	CreateServiceLinkedRole bool
	// RoleName, when set, makes a customer managed role of that name for the
	// recorder instead of using the service-linked role (see the package
	// doc): IAM role names are account-wide, so give each region's its own
	// (the region in the name). Not with CreateServiceLinkedRole. Default:
	// "", the service-linked role.
	RoleName string
	// RecordGlobalResources records IAM users, groups, roles and customer
	// managed policies. Set it in the home region only. Default: false.
	RecordGlobalResources bool
	// OrganizationAggregator builds an organization aggregator over every
	// account and region, with a role for it. Build it once, in the
	// management account or AWS Config's delegated administrator.
	// Default: false, no aggregator.
	OrganizationAggregator bool
}

// Recorder is AWS Config in one account and region.
type Recorder struct {
	constructs.Construct
	// Recorder records every supported resource type.
	Recorder awsconfig.CfnConfigurationRecorder
	// DeliveryChannel delivers to BucketName.
	DeliveryChannel awsconfig.CfnDeliveryChannel
	// ServiceLinkedRole is AWSServiceRoleForConfig; nil unless
	// CreateServiceLinkedRole.
	ServiceLinkedRole awsiam.CfnServiceLinkedRole
	// Role is the recorder's customer managed role; nil unless RoleName.
	Role awsiam.Role
	// Aggregator is the organization aggregator; nil unless
	// OrganizationAggregator.
	Aggregator awsconfig.CfnConfigurationAggregator
	// AggregatorRole is the role the aggregator reads the organization with;
	// nil unless OrganizationAggregator.
	AggregatorRole awsiam.Role
}

var (
	bucketName = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	keyPrefix  = regexp.MustCompile(`^[A-Za-z0-9!_.*'()-]+(/[A-Za-z0-9!_.*'()-]+)*$`)
	roleName   = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)
	keyArn     = regexp.MustCompile(`^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$`)
)

// New creates a Recorder. Props that cannot work panic with the prop's name.
func New(scope constructs.Construct, id string, props *Props) *Recorder {
	p := withDefaults(props)
	c := constructs.NewConstruct(scope, &id)
	r := &Recorder{Construct: c}
	stack := awscdk.Stack_Of(c)

	if p.CreateServiceLinkedRole {
		r.ServiceLinkedRole = awsiam.NewCfnServiceLinkedRole(c, jsii.String("ServiceLinkedRole"), &awsiam.CfnServiceLinkedRoleProps{
			AwsServiceName: jsii.String("config.amazonaws.com"),
			Description:    jsii.String("AWS Config records this account's resources"),
		})
		r.ServiceLinkedRole.ApplyRemovalPolicy(awscdk.RemovalPolicy_RETAIN, nil)
	}
	roleArn := fmt.Sprintf("arn:%s:iam::%s:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig", *stack.Partition(), *stack.Account())
	if p.RoleName != "" {
		r.Role = recorderRole(c, p.RoleName)
		roleArn = *r.Role.RoleArn()
	}
	r.Recorder = awsconfig.NewCfnConfigurationRecorder(c, jsii.String("Recorder"), &awsconfig.CfnConfigurationRecorderProps{
		RoleArn: jsii.String(roleArn),
		RecordingGroup: &awsconfig.CfnConfigurationRecorder_RecordingGroupProperty{
			AllSupported:               jsii.Bool(true),
			IncludeGlobalResourceTypes: jsii.Bool(p.RecordGlobalResources),
		},
	})
	if r.ServiceLinkedRole != nil {
		r.Recorder.Node().AddDependency(r.ServiceLinkedRole)
	}
	if r.Role != nil {
		r.Recorder.Node().AddDependency(r.Role)
	}

	channel := &awsconfig.CfnDeliveryChannelProps{
		S3BucketName: jsii.String(p.BucketName),
		S3KeyPrefix:  jsii.String(p.S3KeyPrefix),
		ConfigSnapshotDeliveryProperties: &awsconfig.CfnDeliveryChannel_ConfigSnapshotDeliveryPropertiesProperty{
			DeliveryFrequency: jsii.String("TwentyFour_Hours"),
		},
	}
	if p.KmsKeyArn != "" {
		channel.S3KmsKeyArn = jsii.String(p.KmsKeyArn)
	}
	r.DeliveryChannel = awsconfig.NewCfnDeliveryChannel(c, jsii.String("DeliveryChannel"), channel)
	r.DeliveryChannel.Node().AddDependency(r.Recorder)

	if !p.OrganizationAggregator {
		return r
	}
	r.Aggregator, r.AggregatorRole = NewOrganizationAggregator(c, "Organization")
	return r
}

// NewOrganizationAggregator builds an AWS Config organization aggregator
// over every account and region, with the role it reads the organization
// with, under a construct of the given id. Build it once, in the management
// account or AWS Config's delegated administrator, without a Recorder where
// the stack holds none.
func NewOrganizationAggregator(scope constructs.Construct, id string) (awsconfig.CfnConfigurationAggregator, awsiam.Role) {
	c := constructs.NewConstruct(scope, &id)
	role := awsiam.NewRole(c, jsii.String("AggregatorRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("config.amazonaws.com"), nil),
		Description: jsii.String("AWS Config's organization aggregator lists the organization's accounts"),
		ManagedPolicies: &[]awsiam.IManagedPolicy{
			awsiam.ManagedPolicy_FromAwsManagedPolicyName(jsii.String("service-role/AWSConfigRoleForOrganizations")),
		},
	})
	suppress(role, nagRule{"AwsSolutions-IAM4",
		"AWSConfigRoleForOrganizations is AWS's least-privilege policy for an organization aggregator: read-only Organizations calls, kept current by AWS"})
	agg := awsconfig.NewCfnConfigurationAggregator(c, jsii.String("Aggregator"), &awsconfig.CfnConfigurationAggregatorProps{
		OrganizationAggregationSource: &awsconfig.CfnConfigurationAggregator_OrganizationAggregationSourceProperty{
			RoleArn:       role.RoleArn(),
			AllAwsRegions: jsii.Bool(true),
		},
	})
	return agg, role
}

// recorderRole is the recorder's own role: AWS Config's documented set-up
// for a customer managed role (AWS Config Developer Guide, "Permissions for
// the IAM Role Assigned to AWS Config": the AWS managed policy
// AWS_ConfigRole, and a trust policy for config.amazonaws.com with
// aws:SourceAccount against the confused deputy).
func recorderRole(scope constructs.Construct, name string) awsiam.Role {
	account := awscdk.Stack_Of(scope).Account()
	role := awsiam.NewRole(scope, jsii.String("Role"), &awsiam.RoleProps{
		RoleName: jsii.String(name),
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("config.amazonaws.com"), &awsiam.ServicePrincipalOpts{
			Conditions: &map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": account}},
		}),
		Description: jsii.String("AWS Config records this account's resources in this region"),
		ManagedPolicies: &[]awsiam.IManagedPolicy{
			awsiam.ManagedPolicy_FromAwsManagedPolicyName(jsii.String("service-role/AWS_ConfigRole")),
		},
	})
	suppress(role, nagRule{"AwsSolutions-IAM4",
		"AWS_ConfigRole is the policy AWS documents for a recorder's customer managed role: read-only Describe/List/Get calls of every type Config records, kept current by AWS as types are added"})
	return role
}

func withDefaults(props *Props) Props {
	var p Props
	if props != nil {
		p = *props
	}
	if p.S3KeyPrefix == "" {
		p.S3KeyPrefix = "config"
	}
	if !bucketName.MatchString(p.BucketName) && !unresolved(p.BucketName) {
		panic(fmt.Sprintf("configrecorder: Props.BucketName %q is not an S3 bucket name (3-63 lowercase letters, digits, dots and hyphens); it is required", p.BucketName))
	}
	if (!keyPrefix.MatchString(p.S3KeyPrefix) || strings.Contains(p.S3KeyPrefix, "AWSLogs")) && !unresolved(p.S3KeyPrefix) {
		panic(fmt.Sprintf("configrecorder: Props.S3KeyPrefix %q is not a key prefix such as config or org/config: no leading or trailing slash, no AWSLogs", p.S3KeyPrefix))
	}
	if p.RoleName != "" && p.CreateServiceLinkedRole {
		panic("configrecorder: Props.RoleName and Props.CreateServiceLinkedRole exclude each other: the recorder has one role")
	}
	if p.RoleName != "" && !roleName.MatchString(p.RoleName) && !unresolved(p.RoleName) {
		panic(fmt.Sprintf("configrecorder: Props.RoleName %q is not an IAM role name (1-64 of letters, digits and +=,.@_-)", p.RoleName))
	}
	if p.KmsKeyArn != "" && !keyArn.MatchString(p.KmsKeyArn) && !unresolved(p.KmsKeyArn) {
		panic(fmt.Sprintf("configrecorder: Props.KmsKeyArn %q is not a KMS key ARN such as arn:aws:kms:us-east-1:111111111111:key/<key id>", p.KmsKeyArn))
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
