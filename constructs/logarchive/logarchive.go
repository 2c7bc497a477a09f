// Package logarchive provides Archive: a KMS-encrypted, versioned, private
// S3 bucket that log-delivering AWS services write into, with a separate
// bucket for its own server access logs. Everything it creates is retained
// when its stack is deleted.
//
// The archive bucket: SSE-KMS with a customer-managed key (rotation on) and
// an S3 bucket key, versioning, all public access blocked, object ownership
// enforced to the bucket owner, TLS required (1.2 or later), server access
// logs to the access-log bucket, object events to EventBridge, and a lifecycle that moves logs to Glacier
// Instant Retrieval, optional expiry and optional Object Lock.
//
// Its bucket and key policies are scoped to the organization
// (Props.OrganizationID), never to a list of accounts, so that they keep one
// size however many accounts join: log delivery (delivery.logs.amazonaws.com,
// used by VPC flow logs) acting for any account of the organization
// (aws:SourceOrgID), each account under AWSLogs/<its own account>/ only;
// AWS Config likewise (with Props.AllowConfig) under
// config/AWSLogs/<its own account>/Config/; principals of the organization's
// accounts (aws:PrincipalOrgID; with Props.AllowSessions: instance roles
// writing Session Manager transcripts and command output) only under
// ssm/<their own account>/; CloudTrail only for the trails listed in
// Props.TrailArns, under the prefixes an organization trail writes. The
// account in each prefix is a policy variable (${aws:SourceAccount},
// ${aws:PrincipalAccount}) that AWS fills in from the request. Without an
// organization id the same statements admit this stack's account only.
// Other writers of the same account (a Firehose delivery stream, say) are
// granted through their IAM roles; nothing else can write. Give the bucket a
// name and the key an alias, and other accounts can compute both ARNs
// without a cross-account reference.
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
	"slices"
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
	// OrganizationID is the AWS Organizations id (o- and 10 to 32 lowercase
	// letters or digits) whose accounts' log deliveries (VPC flow logs), AWS
	// Config recorders (with AllowConfig) and principals (with AllowSessions)
	// may write to the archive, each under its own account's prefix only,
	// and whose organization trails (TrailArns) write under
	// AWSLogs/<OrganizationID>/. Default: "", this stack's account only, and
	// no organization trail.
	OrganizationID string
	// TrailArns are the CloudTrail trails (an organization trail of the
	// management account) that may write to the archive under
	// AWSLogs/<OrganizationID>/ and AWSLogs/<the trail's account>/, and
	// encrypt with its key. Default: none.
	TrailArns []string
	// GuardDutyExport lets GuardDuty, acting for this stack's account only
	// (the delegated administrator, which exports every member's findings),
	// write findings under guardduty/ and encrypt them with the key.
	// Default: false.
	GuardDutyExport bool
	// AllowConfig lets the AWS Config recorders of the organization's
	// accounts (config.amazonaws.com acting for them, with the
	// service-linked role) deliver to the archive, each under
	// <ConfigPrefix>/AWSLogs/<its own account>/Config/ only, and encrypt
	// with the key. Default: false.
	AllowConfig bool
	// AllowSessions lets principals of the organization's accounts (their
	// instance roles, as their own IAM policies allow) write Session Manager
	// transcripts and Systems Manager command output under
	// <SessionPrefix>/<their own account>/ only, encrypting with the key
	// through S3. Default: false.
	AllowSessions bool
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

var (
	organizationID = regexp.MustCompile(`^o-[a-z0-9]{10,32}$`)
	trailArn       = regexp.MustCompile(`^arn:aws[a-z-]*:cloudtrail:[a-z0-9-]+:[0-9]{12}:trail/[A-Za-z0-9._-]+$`)
)

// New creates an Archive. Nil props means every default.
func New(scope constructs.Construct, id string, props *Props) *Archive {
	var p Props
	if props != nil {
		p = *props
	}
	if p.OrganizationID != "" && !organizationID.MatchString(p.OrganizationID) {
		panic(fmt.Sprintf("logarchive: Props.OrganizationID %q is not an organization id: o- and 10 to 32 lowercase letters or digits "+
			"(aws organizations describe-organization --query Organization.Id)", p.OrganizationID))
	}
	if len(p.TrailArns) > 0 && p.OrganizationID == "" {
		panic("logarchive: Props.TrailArns needs Props.OrganizationID: an organization trail writes under AWSLogs/<organization id>/")
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
		if !trailArn.MatchString(arn) {
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
	a.allowLogDelivery(stack, p.OrganizationID)
	if len(p.TrailArns) > 0 {
		a.allowTrails(p.OrganizationID, p.TrailArns)
	}
	if p.AllowConfig {
		a.allowConfig(stack, p.OrganizationID)
	}
	if p.AllowSessions {
		a.allowSessions(stack, p.OrganizationID)
	}
	if p.GuardDutyExport {
		a.allowGuardDuty(stack)
	}
	return a
}

// fromSources is the condition that a service principal acts for a
// resource of the organization's accounts or, without an organization id,
// of this stack's account. One organization id, however many accounts.
//
// aws:SourceOrgID is the organization of the resource on whose behalf a
// service principal calls (IAM User Guide, "AWS global condition context
// keys", aws:SourceOrgID; and "The confused deputy problem"). AWS's own
// data perimeter examples (github.com/aws-samples/data-perimeter-policy-examples,
// resource_control_policies/README.md, "EnforceConfusedDeputyProtection")
// apply it to CloudTrail's and VPC Flow Logs' deliveries to S3, and say it
// is present wherever aws:SourceAccount is, for an account in an
// organization.
func fromSources(stack awscdk.Stack, org string) map[string]any {
	if org == "" {
		return map[string]any{"aws:SourceAccount": *stack.Account()}
	}
	return map[string]any{"aws:SourceOrgID": org}
}

// allowLogDelivery lets delivery.logs.amazonaws.com, acting for the
// organization's accounts, write each account's logs under
// AWSLogs/<that account>/ only, and encrypt with the key.
func (a *Archive) allowLogDelivery(stack awscdk.Stack, org string) {
	delivery := awsiam.NewServicePrincipal(jsii.String("delivery.logs.amazonaws.com"), nil)
	from := map[string]any{"StringEquals": fromSources(stack, org)}
	write := fromSources(stack, org)
	write["s3:x-amz-acl"] = "bucket-owner-full-control"
	a.Bucket.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("LogDeliveryWrite"),
		Principals: &[]awsiam.IPrincipal{delivery},
		Actions:    jsii.Strings("s3:PutObject"),
		// Each account under its own prefix, the one VPC flow logs write
		// (Amazon VPC User Guide, "Flow logs to Amazon S3: permissions for
		// the bucket policy": AWSLogs/account_id/*, with aws:SourceAccount
		// and s3:x-amz-acl). ${aws:SourceAccount} is the account the
		// service acts for: any single-valued condition key can be a
		// policy variable, in the resource part of an ARN (IAM User Guide,
		// "IAM policy elements: Variables and tags", "Where you can use
		// policy variables"); if the request has none, the resource matches
		// nothing.
		Resources:  &[]*string{a.Bucket.ArnForObjects(jsii.String("AWSLogs/${aws:SourceAccount}/*"))},
		Conditions: &map[string]any{"StringEquals": write},
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
		// In a key policy "*" is this key and nothing else. A key has no
		// object prefix: the organization is the fence.
		Resources:  jsii.Strings("*"),
		Conditions: &from,
	}), nil)
}

// allowTrails lets CloudTrail, writing for the given trails only, put log
// files where an organization trail writes them and encrypt them with the
// key. This follows the CloudTrail User Guide, "Amazon S3 bucket policy for
// CloudTrail", "Create or update an Amazon S3 bucket to use to store the log
// files for an organization trail": GetBucketAcl on the bucket, PutObject
// under AWSLogs/<organization id>/* (every account's files, the management
// account's included: AWSLogs/O-ID/<account>/CloudTrail/..., "Finding your
// CloudTrail log files") and under AWSLogs/<management account>/*, which the
// guide keeps for the trail turned back into a trail of that account only;
// each with aws:SourceArn, which for an organization trail is the trail ARN
// of the management account. The organization trail writes every account's
// files itself, with one aws:SourceArn: no condition key tells one member's
// files from another's, so the prefix is the organization's, not an
// account's.
func (a *Archive) allowTrails(org string, trails []string) {
	cloudtrail := awsiam.NewServicePrincipal(jsii.String("cloudtrail.amazonaws.com"), nil)
	fromTrails := map[string]any{"StringEquals": map[string]any{"aws:SourceArn": trails}}
	objects := []*string{a.Bucket.ArnForObjects(jsii.String("AWSLogs/" + org + "/*"))}
	var trailContexts []string
	for _, t := range trails {
		// arn:aws:cloudtrail:region:account:trail/name
		parts := strings.SplitN(t, ":", 6)
		if acct := parts[4]; !slices.ContainsFunc(objects, func(o *string) bool { return strings.HasSuffix(*o, "/AWSLogs/"+acct+"/*") }) {
			objects = append(objects, a.Bucket.ArnForObjects(jsii.String("AWSLogs/"+acct+"/*")))
		}
		// The account's trails, as the encryption context names them.
		if i := strings.LastIndex(t, ":trail/"); i > 0 {
			trailContexts = append(trailContexts, t[:i]+":trail/*")
		}
	}
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
		Resources:  &objects,
		Conditions: &map[string]any{"StringEquals": map[string]any{
			"aws:SourceArn": trails, "s3:x-amz-acl": "bucket-owner-full-control",
		}},
	}))
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
	// The archive bucket uses an S3 Bucket Key, and then "kms:Decrypt
	// permissions are required to create or update a trail with SSE-KMS
	// encryption enabled" (CloudTrail User Guide, "Configure AWS KMS key
	// policies for CloudTrail", "Granting decrypt permissions"). The one
	// principal that section's statement for a trail's own use of the key
	// names is CloudTrail's service principal ("an example policy that is
	// required to allow the CloudTrail service principal to decrypt trail
	// logs"); its other statement is for the users who read the logs, not
	// for the one who creates the trail. So CloudTrail gets kms:Decrypt, for
	// these trails only (aws:SourceArn, as the guide recommends for every
	// statement of CloudTrail's), and the caller that creates the trail (the
	// management account's CloudFormation execution role) gets nothing here.
	// The guide does not say which call needs it: no encryption context is
	// required, since with a bucket key the context is the bucket's, not the
	// trail's.
	a.Key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("TrailDecrypt"),
		Principals: &[]awsiam.IPrincipal{cloudtrail},
		Actions:    jsii.Strings("kms:Decrypt"),
		Resources:  jsii.Strings("*"), // in a key policy "*" is this key
		Conditions: &fromTrails,
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

// allowConfig lets AWS Config, acting for the organization's accounts,
// check the bucket and deliver each account's files under
// ConfigPrefix/AWSLogs/<that account>/Config/ only, and encrypt with the key.
func (a *Archive) allowConfig(stack awscdk.Stack, org string) {
	cfg := awsiam.NewServicePrincipal(jsii.String("config.amazonaws.com"), nil)
	from := map[string]any{"StringEquals": fromSources(stack, org)}
	write := fromSources(stack, org)
	write["s3:x-amz-acl"] = "bucket-owner-full-control"
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
		// AWS Config Developer Guide, "Permissions for the Amazon S3 Bucket
		// for the AWS Config Delivery Channel": the service principal (the
		// service-linked role's way) writes
		// <prefix>/AWSLogs/<sourceAccountID>/Config/*, with aws:SourceAccount
		// the account it delivers for. That key, as a policy variable, binds
		// each account to its own prefix (IAM User Guide, "IAM policy
		// elements: Variables and tags").
		Resources:  &[]*string{a.Bucket.ArnForObjects(jsii.String(ConfigPrefix + "/AWSLogs/${aws:SourceAccount}/Config/*"))},
		Conditions: &map[string]any{"StringEquals": write},
	}))
	a.Key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("ConfigEncrypt"),
		Principals: &[]awsiam.IPrincipal{cfg},
		Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey"),
		Resources:  jsii.Strings("*"), // in a key policy "*" is this key
		Conditions: &from,
	}), nil)
}

// allowSessions lets principals of the organization's accounts (their
// instance roles, as their IAM policies allow) write under ssm/<their own
// account>/ and encrypt with the key through S3 in this region.
func (a *Archive) allowSessions(stack awscdk.Stack, org string) {
	// Any principal of an account of the organization (IAM User Guide, "AWS
	// global condition context keys", aws:PrincipalOrgID); CDK writes
	// Principal {"AWS": "*"} with that condition. S3 does not count such a
	// policy as public, so Block Public Access lets it be ("Blocking public
	// access to your Amazon S3 storage", "The meaning of public":
	// aws:PrincipalOrgID is one of the keys with fixed values).
	var principal awsiam.IPrincipal = awsiam.NewOrganizationPrincipal(jsii.String(org))
	if org == "" {
		principal = awsiam.NewAccountRootPrincipal()
	}
	principals := []awsiam.IPrincipal{principal}
	a.Bucket.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("SessionsWrite"),
		Principals: &principals,
		Actions:    jsii.Strings("s3:PutObject"),
		// Each account only under its own prefix: ${aws:PrincipalAccount}
		// is the calling principal's account (IAM User Guide, "IAM policy
		// elements: Variables and tags": any single-valued key, in the
		// resource part of the ARN).
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
