// Package logarchive provides Archive: a KMS-encrypted, versioned, private
// S3 bucket that log-delivering AWS services write into, with a separate
// bucket for its own server access logs. Everything it creates is retained
// when its stack is deleted.
//
// The archive bucket: SSE-KMS with a customer-managed key (rotation on) and
// an S3 bucket key, versioning, all public access blocked, object ownership
// enforced to the bucket owner, TLS required (1.2 or later), server access
// logs to the access-log bucket, object events to EventBridge, and a lifecycle that moves logs to Glacier
// Instant Retrieval, optional expiry and optional Object Lock. Its bucket and
// key policies admit log delivery (delivery.logs.amazonaws.com, used by VPC
// flow logs) only from the accounts listed in Props.DeliveryAccounts, only
// under AWSLogs/<account>/, and CloudTrail only for the trails listed in
// Props.TrailArns; AWS Config only for Props.ConfigAccounts, under
// config/AWSLogs/<account>/Config/; instance roles of Props.SessionAccounts
// only under ssm/<their account>/. Other writers of the same account (a Firehose delivery
// stream, say) are granted through their IAM roles; nothing else can write.
// Give the bucket a name and the key an alias, and other accounts can
// compute both ARNs without a cross-account reference.
//
// The access-log bucket is encrypted with S3-managed keys, because S3 server
// access logging cannot deliver to a bucket whose default encryption is
// SSE-KMS; it is otherwise hardened the same way.
//
// The package imports nothing from palisade: copy it into any CDK app.
package logarchive

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Props configure an Archive.
type Props struct {
	// BucketName names the archive bucket, so that other accounts can
	// compute its ARN. Default: a name CloudFormation generates.
	BucketName string
	// KeyAlias names the key ("alias/..."), so that other accounts can
	// compute its alias ARN. Default: no alias.
	KeyAlias string
	// DeliveryAccounts are the 12-digit ids of the accounts whose log
	// deliveries (VPC flow logs) may write to the archive, each under
	// AWSLogs/<account>/ only. Default: the stack's account.
	DeliveryAccounts []string
	// TrailArns are the CloudTrail trails (an organization trail of the
	// management account) that may write to the archive under AWSLogs/ and
	// encrypt with its key. Default: none.
	TrailArns []string
	// GuardDutyExport lets GuardDuty, acting for this stack's account only
	// (the delegated administrator, which exports every member's findings),
	// write findings under guardduty/ and encrypt them with the key.
	// Default: false.
	GuardDutyExport bool
	// ConfigAccounts are the 12-digit ids of the accounts whose AWS Config
	// recorders (config.amazonaws.com acting for them, with the
	// service-linked role) may deliver to the archive, each under
	// <ConfigPrefix>/AWSLogs/<account>/Config/ only, and encrypt with the
	// key. Default: none.
	ConfigAccounts []string
	// SessionAccounts are the 12-digit ids of the accounts whose instance
	// roles may write Session Manager transcripts and Systems Manager
	// command output under ssm/<account>/, each its own account's prefix
	// only, encrypting with the key through S3. Their IAM policies must
	// allow it too. Default: none.
	SessionAccounts []string
	// ObjectLockMode locks every new log version for ObjectLockDays:
	// "GOVERNANCE" (users with s3:BypassGovernanceRetention may still delete)
	// or "COMPLIANCE" (nobody may). Object Lock cannot be turned off once on.
	// Default: "", no Object Lock.
	ObjectLockMode string
	// ObjectLockDays is the default retention with ObjectLockMode. Default: 365.
	ObjectLockDays int
	// GlacierTransitionDays is the age in days at which logs move to Glacier
	// Instant Retrieval. Default: 90.
	GlacierTransitionDays int
	// ExpirationDays is the age in days at which logs are deleted. Default: 0,
	// logs are kept for ever.
	ExpirationDays int
	// AccessLogExpirationDays is the age in days at which the archive's own
	// server access logs are deleted. Default: 365.
	AccessLogExpirationDays int
}

// Archive is a hardened log archive bucket, its key and its access-log bucket.
type Archive struct {
	constructs.Construct
	// Key encrypts the archive bucket.
	Key awskms.Key
	// Bucket holds the logs.
	Bucket awss3.Bucket
	// AccessLogBucket holds Bucket's server access logs.
	AccessLogBucket awss3.Bucket
}

var accountID = regexp.MustCompile(`^[0-9]{12}$`)

// New creates an Archive. Nil props means every default.
func New(scope constructs.Construct, id string, props *Props) *Archive {
	var p Props
	if props != nil {
		p = *props
	}
	for prop, accounts := range map[string][]string{"DeliveryAccounts": p.DeliveryAccounts, "ConfigAccounts": p.ConfigAccounts, "SessionAccounts": p.SessionAccounts} {
		for _, a := range accounts {
			if !accountID.MatchString(a) {
				panic(fmt.Sprintf("logarchive: Props.%s: %q is not a 12-digit account id", prop, a))
			}
		}
	}
	if p.GlacierTransitionDays == 0 {
		p.GlacierTransitionDays = 90
	}
	if p.AccessLogExpirationDays == 0 {
		p.AccessLogExpirationDays = 365
	}
	var retention awss3.ObjectLockRetention
	if p.ObjectLockDays == 0 {
		p.ObjectLockDays = 365
	}
	switch lock := awscdk.Duration_Days(jsii.Number(p.ObjectLockDays)); p.ObjectLockMode {
	case "":
	case "GOVERNANCE":
		retention = awss3.ObjectLockRetention_Governance(lock)
	case "COMPLIANCE":
		retention = awss3.ObjectLockRetention_Compliance(lock)
	default:
		panic(fmt.Sprintf("logarchive: Props.ObjectLockMode %q is not \"\", \"GOVERNANCE\" or \"COMPLIANCE\"", p.ObjectLockMode))
	}
	for _, arn := range p.TrailArns {
		if !strings.HasPrefix(arn, "arn:") || !strings.Contains(arn, ":cloudtrail:") {
			panic(fmt.Sprintf("logarchive: Props.TrailArns: %q is not a CloudTrail trail ARN", arn))
		}
	}
	if p.ExpirationDays != 0 && p.ExpirationDays <= p.GlacierTransitionDays {
		panic(fmt.Sprintf("logarchive: Props.ExpirationDays %d must be 0 (keep for ever) or more than GlacierTransitionDays %d",
			p.ExpirationDays, p.GlacierTransitionDays))
	}

	c := constructs.NewConstruct(scope, &id)
	// Server access logs are admitted by a bucket policy, never an ACL
	// (object ownership stays bucket-owner-enforced), in any app.
	c.Node().SetContext(jsii.String("@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy"), true)
	a := &Archive{Construct: c}
	stack := awscdk.Stack_Of(c)
	accounts := p.DeliveryAccounts
	if len(accounts) == 0 {
		accounts = []string{*stack.Account()}
	}

	a.AccessLogBucket = awss3.NewBucket(c, jsii.String("AccessLogs"), &awss3.BucketProps{
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		Versioned:         jsii.Bool(true),
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		ObjectOwnership:   awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		EnforceSSL:        jsii.Bool(true),
		MinimumTLSVersion: jsii.Number(1.2),
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Id:                          jsii.String("ExpireAccessLogs"),
			Expiration:                  awscdk.Duration_Days(jsii.Number(p.AccessLogExpirationDays)),
			NoncurrentVersionExpiration: awscdk.Duration_Days(jsii.Number(30)),
		}},
	})
	sendEventsToEventBridge(a.AccessLogBucket)
	suppress(a.AccessLogBucket,
		"AwsSolutions-S1", "this is the server access log target of the archive; logging it to itself would loop",
		"NIST.800.53.R5-S3BucketLoggingEnabled", "this is the server access log target of the archive; logging it to itself would loop",
		"NIST.800.53.R5-S3DefaultEncryptionKMS", "S3 server access logging delivers only to buckets encrypted with SSE-S3, not SSE-KMS",
		"NIST.800.53.R5-S3BucketReplicationEnabled", "access logs of a log bucket are kept in the region they describe; versioning and retention protect them",
	)

	a.Key = awskms.NewKey(c, jsii.String("Key"), &awskms.KeyProps{
		Description:       jsii.String("Encrypts the log archive bucket"),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
	})
	if p.KeyAlias != "" {
		a.Key.AddAlias(jsii.String(p.KeyAlias))
	}
	denyGrantsExceptForAWSServices(a.Key)
	expiration := awscdk.Duration(nil)
	if p.ExpirationDays > 0 {
		expiration = awscdk.Duration_Days(jsii.Number(p.ExpirationDays))
	}
	var name *string
	if p.BucketName != "" {
		name = jsii.String(p.BucketName)
	}
	a.Bucket = awss3.NewBucket(c, jsii.String("Bucket"), &awss3.BucketProps{
		BucketName:                 name,
		ObjectLockEnabled:          jsii.Bool(p.ObjectLockMode != ""),
		ObjectLockDefaultRetention: retention,
		Encryption:                 awss3.BucketEncryption_KMS,
		EncryptionKey:              a.Key,
		BucketKeyEnabled:           jsii.Bool(true),
		Versioned:                  jsii.Bool(true),
		BlockPublicAccess:          awss3.BlockPublicAccess_BLOCK_ALL(),
		ObjectOwnership:            awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		EnforceSSL:                 jsii.Bool(true),
		MinimumTLSVersion:          jsii.Number(1.2),
		ServerAccessLogsBucket:     a.AccessLogBucket,
		ServerAccessLogsPrefix:     jsii.String("archive/"),
		RemovalPolicy:              awscdk.RemovalPolicy_RETAIN,
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Id: jsii.String("TierAndExpireLogs"),
			Transitions: &[]*awss3.Transition{{
				StorageClass:    awss3.StorageClass_GLACIER_INSTANT_RETRIEVAL(),
				TransitionAfter: awscdk.Duration_Days(jsii.Number(p.GlacierTransitionDays)),
			}},
			Expiration: expiration,
		}},
	})
	sendEventsToEventBridge(a.Bucket)
	suppress(a.Bucket,
		"NIST.800.53.R5-S3BucketReplicationEnabled", "logs stay in the region they describe (data residency); versioning, retention on delete and S3's durability protect them",
	)
	a.allowLogDelivery(stack, accounts)
	if len(p.TrailArns) > 0 {
		a.allowTrails(p.TrailArns)
	}
	if len(p.ConfigAccounts) > 0 {
		a.allowConfig(stack, p.ConfigAccounts)
	}
	if len(p.SessionAccounts) > 0 {
		a.allowSessions(stack, p.SessionAccounts)
	}
	if p.GuardDutyExport {
		a.allowGuardDuty(stack)
	}
	return a
}

// allowLogDelivery lets delivery.logs.amazonaws.com, acting for the given
// accounts only, write under AWSLogs/<account>/ and encrypt with the key.
func (a *Archive) allowLogDelivery(stack awscdk.Stack, accounts []string) {
	delivery := awsiam.NewServicePrincipal(jsii.String("delivery.logs.amazonaws.com"), nil)
	var objects []*string
	sourceArns := make([]*string, 0, len(accounts))
	for _, acct := range accounts {
		objects = append(objects, a.Bucket.ArnForObjects(jsii.String("AWSLogs/"+acct+"/*")))
		sourceArns = append(sourceArns, jsii.String(fmt.Sprintf("arn:%s:logs:*:%s:*", *stack.Partition(), acct)))
	}
	from := map[string]any{
		"StringEquals": map[string]any{"aws:SourceAccount": accounts},
		"ArnLike":      map[string]any{"aws:SourceArn": sourceArns},
	}
	a.Bucket.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("LogDeliveryWrite"),
		Principals: &[]awsiam.IPrincipal{delivery},
		Actions:    jsii.Strings("s3:PutObject"),
		Resources:  &objects,
		Conditions: &map[string]any{
			"StringEquals": map[string]any{"aws:SourceAccount": accounts, "s3:x-amz-acl": "bucket-owner-full-control"},
			"ArnLike":      map[string]any{"aws:SourceArn": sourceArns},
		},
	}))
	a.Bucket.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("LogDeliveryCheck"),
		Principals: &[]awsiam.IPrincipal{delivery},
		Actions:    jsii.Strings("s3:GetBucketAcl", "s3:ListBucket"),
		Resources:  &[]*string{a.Bucket.BucketArn()},
		Conditions: &from,
	}))
	a.Key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("LogDeliveryEncrypt"),
		Principals: &[]awsiam.IPrincipal{delivery},
		Actions:    jsii.Strings("kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"),
		// In a key policy "*" is this key and nothing else.
		Resources:  jsii.Strings("*"),
		Conditions: &from,
	}), nil)
}

// allowTrails lets CloudTrail, writing for the given trails only, put log
// files under AWSLogs/ (an organization trail writes AWSLogs/<org id>/...,
// an id the org file does not know, so the trail ARN is the fence) and
// encrypt them with the key.
func (a *Archive) allowTrails(trails []string) {
	cloudtrail := awsiam.NewServicePrincipal(jsii.String("cloudtrail.amazonaws.com"), nil)
	fromTrails := map[string]any{"StringEquals": map[string]any{"aws:SourceArn": trails}}
	a.Bucket.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("TrailAclCheck"),
		Principals: &[]awsiam.IPrincipal{cloudtrail},
		Actions:    jsii.Strings("s3:GetBucketAcl"),
		Resources:  &[]*string{a.Bucket.BucketArn()},
		Conditions: &fromTrails,
	}))
	a.Bucket.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("TrailWrite"),
		Principals: &[]awsiam.IPrincipal{cloudtrail},
		Actions:    jsii.Strings("s3:PutObject"),
		Resources:  &[]*string{a.Bucket.ArnForObjects(jsii.String("AWSLogs/*"))},
		Conditions: &map[string]any{"StringEquals": map[string]any{
			"aws:SourceArn": trails, "s3:x-amz-acl": "bucket-owner-full-control",
		}},
	}))
	var trailContexts []string
	for _, t := range trails {
		// arn:aws:cloudtrail:region:account:trail/name -> the account's trails
		if i := strings.LastIndex(t, ":trail/"); i > 0 {
			trailContexts = append(trailContexts, t[:i]+":trail/*")
		}
	}
	a.Key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("TrailEncrypt"),
		Principals: &[]awsiam.IPrincipal{cloudtrail},
		Actions:    jsii.Strings("kms:GenerateDataKey*"),
		Resources:  jsii.Strings("*"), // in a key policy "*" is this key
		Conditions: &map[string]any{
			"StringEquals": map[string]any{"aws:SourceArn": trails},
			"StringLike":   map[string]any{"kms:EncryptionContext:aws:cloudtrail:arn": trailContexts},
		},
	}), nil)
	a.Key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("TrailDescribeKey"),
		Principals: &[]awsiam.IPrincipal{cloudtrail},
		Actions:    jsii.Strings("kms:DescribeKey"),
		Resources:  jsii.Strings("*"), // in a key policy "*" is this key
		Conditions: &fromTrails,
	}), nil)
}

// ConfigPrefix is where AWS Config delivers in the archive:
// config/AWSLogs/<account>/Config/.
const ConfigPrefix = "config"

// SessionPrefix is where instances write Session Manager transcripts and
// command output in the archive: ssm/<account>/.
const SessionPrefix = "ssm"

// allowConfig lets AWS Config, acting for the given accounts only, check the
// bucket and deliver under ConfigPrefix/AWSLogs/<account>/Config/, and
// encrypt with the key.
func (a *Archive) allowConfig(stack awscdk.Stack, accounts []string) {
	cfg := awsiam.NewServicePrincipal(jsii.String("config.amazonaws.com"), nil)
	var objects []*string
	for _, acct := range accounts {
		objects = append(objects, a.Bucket.ArnForObjects(jsii.String(ConfigPrefix+"/AWSLogs/"+acct+"/Config/*")))
	}
	from := map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": accounts}}
	a.Bucket.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("ConfigCheck"),
		Principals: &[]awsiam.IPrincipal{cfg},
		Actions:    jsii.Strings("s3:GetBucketAcl", "s3:ListBucket"),
		Resources:  &[]*string{a.Bucket.BucketArn()},
		Conditions: &from,
	}))
	a.Bucket.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("ConfigWrite"),
		Principals: &[]awsiam.IPrincipal{cfg},
		Actions:    jsii.Strings("s3:PutObject"),
		Resources:  &objects,
		Conditions: &map[string]any{"StringEquals": map[string]any{
			"aws:SourceAccount": accounts, "s3:x-amz-acl": "bucket-owner-full-control",
		}},
	}))
	a.Key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("ConfigEncrypt"),
		Principals: &[]awsiam.IPrincipal{cfg},
		Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey"),
		Resources:  jsii.Strings("*"), // in a key policy "*" is this key
		Conditions: &from,
	}), nil)
}

// allowSessions lets principals of the given accounts (their instance roles,
// as their IAM policies allow) write under ssm/<their own account>/ and
// encrypt with the key through S3 in this region.
func (a *Archive) allowSessions(stack awscdk.Stack, accounts []string) {
	principals := make([]awsiam.IPrincipal, len(accounts))
	for i, acct := range accounts {
		principals[i] = awsiam.NewAccountPrincipal(jsii.String(acct))
	}
	a.Bucket.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("SessionsWrite"),
		Principals: &principals,
		Actions:    jsii.Strings("s3:PutObject"),
		// Each account only under its own prefix: the policy variable is
		// the calling principal's account.
		Resources: &[]*string{a.Bucket.ArnForObjects(jsii.String(SessionPrefix + "/${aws:PrincipalAccount}/*"))},
	}))
	a.Bucket.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("SessionsCheckEncryption"),
		Principals: &principals,
		Actions:    jsii.Strings("s3:GetEncryptionConfiguration"),
		Resources:  &[]*string{a.Bucket.BucketArn()},
	}))
	a.Key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("SessionsEncrypt"),
		Principals: &principals,
		Actions:    jsii.Strings("kms:GenerateDataKey"),
		Resources:  jsii.Strings("*"), // in a key policy "*" is this key
		Conditions: &map[string]any{"StringEquals": map[string]any{"kms:ViaService": "s3." + *stack.Region() + ".amazonaws.com"}},
	}), nil)
}

// GuardDutyPrefix is where GuardDuty exports findings in the archive.
const GuardDutyPrefix = "guardduty"

// allowGuardDuty lets GuardDuty's detectors of this account (and region
// family) export findings under GuardDutyPrefix and encrypt them.
func (a *Archive) allowGuardDuty(stack awscdk.Stack) {
	guardduty := awsiam.NewServicePrincipal(jsii.String("guardduty.amazonaws.com"), nil)
	from := map[string]any{
		"StringEquals": map[string]any{"aws:SourceAccount": *stack.Account()},
		"ArnLike": map[string]any{"aws:SourceArn": fmt.Sprintf("arn:%s:guardduty:%s:%s:detector/*",
			*stack.Partition(), *stack.Region(), *stack.Account())},
	}
	a.Bucket.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("GuardDutyLocation"),
		Principals: &[]awsiam.IPrincipal{guardduty},
		Actions:    jsii.Strings("s3:GetBucketLocation"),
		Resources:  &[]*string{a.Bucket.BucketArn()},
		Conditions: &from,
	}))
	a.Bucket.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("GuardDutyWrite"),
		Principals: &[]awsiam.IPrincipal{guardduty},
		Actions:    jsii.Strings("s3:PutObject"),
		Resources:  &[]*string{a.Bucket.ArnForObjects(jsii.String(GuardDutyPrefix + "/*"))},
		Conditions: &from,
	}))
	a.Key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("GuardDutyEncrypt"),
		Principals: &[]awsiam.IPrincipal{guardduty},
		Actions:    jsii.Strings("kms:GenerateDataKey"),
		Resources:  jsii.Strings("*"), // in a key policy "*" is this key
		Conditions: &from,
	}), nil)
}

// suppress records, on the bucket's CloudFormation resource, the cdk-nag
// rules it breaks on purpose and why (pairs of rule id and reason). cdk-nag
// reads this metadata; without cdk-nag it is inert.
func suppress(b awss3.Bucket, pairs ...string) {
	rules := make([]map[string]string, 0, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		rules = append(rules, map[string]string{"id": pairs[i], "reason": pairs[i+1]})
	}
	b.Node().DefaultChild().(awscdk.CfnResource).AddMetadata(jsii.String("cdk_nag"), map[string]any{"rules_to_suppress": rules})
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

// sendEventsToEventBridge publishes the bucket's object events to the
// account's default event bus, where detection rules can pick them up. It is
// set on the CloudFormation resource: the L2 property would add a custom
// resource and a Lambda function for what CloudFormation does natively.
func sendEventsToEventBridge(b awss3.Bucket) {
	b.Node().DefaultChild().(awss3.CfnBucket).AddPropertyOverride(
		jsii.String("NotificationConfiguration.EventBridgeConfiguration.EventBridgeEnabled"), true)
}
