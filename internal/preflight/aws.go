package preflight

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/guardduty"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/palisade-sec/palisade/config"
)

// The SDK calls preflight makes, as interfaces so that tests fake them.
// Every one is a read: Describe*, List*, Get*, Head*.

// Organizations is the deploying account's Organizations client.
type Organizations interface {
	DescribeOrganization(context.Context, *organizations.DescribeOrganizationInput, ...func(*organizations.Options)) (*organizations.DescribeOrganizationOutput, error)
	ListRoots(context.Context, *organizations.ListRootsInput, ...func(*organizations.Options)) (*organizations.ListRootsOutput, error)
	ListAccounts(context.Context, *organizations.ListAccountsInput, ...func(*organizations.Options)) (*organizations.ListAccountsOutput, error)
	ListAWSServiceAccessForOrganization(context.Context, *organizations.ListAWSServiceAccessForOrganizationInput, ...func(*organizations.Options)) (*organizations.ListAWSServiceAccessForOrganizationOutput, error)
	ListDelegatedAdministrators(context.Context, *organizations.ListDelegatedAdministratorsInput, ...func(*organizations.Options)) (*organizations.ListDelegatedAdministratorsOutput, error)
	ListPolicies(context.Context, *organizations.ListPoliciesInput, ...func(*organizations.Options)) (*organizations.ListPoliciesOutput, error)
	DescribeOrganizationalUnit(context.Context, *organizations.DescribeOrganizationalUnitInput, ...func(*organizations.Options)) (*organizations.DescribeOrganizationalUnitOutput, error)
	ListParents(context.Context, *organizations.ListParentsInput, ...func(*organizations.Options)) (*organizations.ListParentsOutput, error)
}

// ConfigService reads AWS Config's recorders and channels.
type ConfigService interface {
	DescribeConfigurationRecorders(context.Context, *configservice.DescribeConfigurationRecordersInput, ...func(*configservice.Options)) (*configservice.DescribeConfigurationRecordersOutput, error)
	DescribeDeliveryChannels(context.Context, *configservice.DescribeDeliveryChannelsInput, ...func(*configservice.Options)) (*configservice.DescribeDeliveryChannelsOutput, error)
}

// IAM reads roles.
type IAM interface {
	GetRole(context.Context, *iam.GetRoleInput, ...func(*iam.Options)) (*iam.GetRoleOutput, error)
}

// GuardDuty lists detectors.
type GuardDuty interface {
	ListDetectors(context.Context, *guardduty.ListDetectorsInput, ...func(*guardduty.Options)) (*guardduty.ListDetectorsOutput, error)
}

// SSM reads service settings.
type SSM interface {
	GetServiceSetting(context.Context, *ssm.GetServiceSettingInput, ...func(*ssm.Options)) (*ssm.GetServiceSettingOutput, error)
}

// S3 asks whether a bucket name is taken, and by whom.
type S3 interface {
	HeadBucket(context.Context, *s3.HeadBucketInput, ...func(*s3.Options)) (*s3.HeadBucketOutput, error)
	ListBuckets(context.Context, *s3.ListBucketsInput, ...func(*s3.Options)) (*s3.ListBucketsOutput, error)
}

// Lambda reads the account's concurrency quota.
type Lambda interface {
	GetAccountSettings(context.Context, *lambda.GetAccountSettingsInput, ...func(*lambda.Options)) (*lambda.GetAccountSettingsOutput, error)
}

// CloudFormation reads stacks and which stack holds a resource.
type CloudFormation interface {
	DescribeStacks(context.Context, *cloudformation.DescribeStacksInput, ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error)
	DescribeStackResources(context.Context, *cloudformation.DescribeStackResourcesInput, ...func(*cloudformation.Options)) (*cloudformation.DescribeStackResourcesOutput, error)
	DescribeStackSet(context.Context, *cloudformation.DescribeStackSetInput, ...func(*cloudformation.Options)) (*cloudformation.DescribeStackSetOutput, error)
	DescribeOrganizationsAccess(context.Context, *cloudformation.DescribeOrganizationsAccessInput, ...func(*cloudformation.Options)) (*cloudformation.DescribeOrganizationsAccessOutput, error)
}

// Clients are one account and region's clients.
type Clients struct {
	Config         ConfigService
	IAM            IAM
	GuardDuty      GuardDuty
	SSM            SSM
	S3             S3
	Lambda         Lambda
	CloudFormation CloudFormation
}

// NewClients makes the clients of cfg's account and region.
func NewClients(cfg aws.Config) *Clients {
	return &Clients{
		Config:         configservice.NewFromConfig(cfg),
		IAM:            iam.NewFromConfig(cfg),
		GuardDuty:      guardduty.NewFromConfig(cfg),
		SSM:            ssm.NewFromConfig(cfg),
		S3:             s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }),
		Lambda:         lambda.NewFromConfig(cfg),
		CloudFormation: cloudformation.NewFromConfig(cfg),
	}
}

// LookupRoleName is the CDK bootstrap's lookup role of an account and
// region with the default qualifier (hnb659fds): the bootstrap template
// (AWS CDK Developer Guide, "Customize AWS CDK bootstrapping", the
// LookupRole resource) gives it the AWS managed policy ReadOnlyAccess, with
// kms:Decrypt denied, and trusts the accounts of `cdk bootstrap --trust`
// (which also trusts them for lookups: CDK CLI reference, bootstrap,
// --trust-for-lookup), which `palisade bootstrap-plan` passes the deploying
// account.
func LookupRoleName(account, region string) string {
	return fmt.Sprintf("cdk-hnb659fds-lookup-role-%s-%s", account, region)
}

// Dial reaches every account through its CDK bootstrap's lookup role,
// from the deploying account's credentials in base (the deploying account
// itself is read with base directly).
//
// Why the lookup role and not OrganizationAccountAccessRole: preflight only
// reads, and the lookup role can only read (ReadOnlyAccess), whatever a bug
// in preflight did; OrganizationAccountAccessRole has AdministratorAccess
// (AWS Organizations User Guide, "Accessing member accounts") and exists
// only in accounts that Organizations created, not in invited ones. The
// lookup role also proves the bootstrap trust the deploy needs. Before the
// bootstrap it does not exist: preflight then reports the account
// unreachable, with the bootstrap as the fix, and checks nothing else in
// it. ReadOnlyAccess covers every call of Clients (config:Describe*,
// iam:Get*, guardduty:List*, ssm:Get*, s3:ListBucket for HeadBucket, s3:ListAllMyBuckets,
// lambda:Get*, cloudformation:Describe*): AWS managed policy reference,
// ReadOnlyAccess.
func Dial(base aws.Config, deployer string) Dialer {
	return func(ctx context.Context, account config.Account, region string) (*Clients, error) {
		cfg := base.Copy()
		cfg.Region = region
		if account.ID == deployer {
			return NewClients(cfg), nil
		}
		arn := fmt.Sprintf("arn:aws:iam::%s:role/%s", account.ID, LookupRoleName(account.ID, region))
		provider := stscreds.NewAssumeRoleProvider(sts.NewFromConfig(cfg), arn, func(o *stscreds.AssumeRoleOptions) {
			o.RoleSessionName = "palisade-preflight"
		})
		if _, err := provider.Retrieve(ctx); err != nil {
			return nil, fmt.Errorf("assuming %s: %w", arn, err)
		}
		cfg.Credentials = aws.NewCredentialsCache(provider)
		return NewClients(cfg), nil
	}
}

func describeByPhysicalID(id string) *cloudformation.DescribeStackResourcesInput {
	return &cloudformation.DescribeStackResourcesInput{PhysicalResourceId: aws.String(id)}
}
