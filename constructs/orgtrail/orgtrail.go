// Package orgtrail provides Trail: the organization's CloudTrail trail, made
// in the management account (or CloudTrail's delegated administrator).
//
// The trail covers every account of the organization and every region,
// global service events included; it records all management events (read and
// write), checks its own integrity with digest files (log file validation),
// and delivers to a bucket given by name, normally the central log archive
// in the security account, encrypted with a KMS key given by ARN, normally
// the archive's. The trail has no S3 key prefix, so files land under
// AWSLogs/<organization id>/<account>/ (and the management account's own
// under AWSLogs/<account>/), where AWS puts an organization trail's files.
//
// The bucket's and the key's policies are the archive's job, not this
// package's, and they must be in place before the trail is created:
// CloudTrail checks them then. They must let cloudtrail.amazonaws.com, for
// this trail's ARN (see TrailArn), read the bucket's ACL and write under
// AWSLogs/<organization id>/ and AWSLogs/<management account>/ (the CloudTrail
// User Guide's bucket policy for organization trails), generate data keys
// with the trail's encryption context, describe the key and, when the bucket
// uses an S3 Bucket Key, decrypt with it ("Granting decrypt permissions":
// kms:Decrypt is then required to create or update the trail).
//
// With Props.S3DataEvents the trail also records S3 object-level events
// everywhere, except the writes by which log files arrive in the trail's own
// bucket (logging those would log its own log delivery, without end); reads,
// deletions and every other event on that bucket are still recorded.
//
// With Props.CloudWatchLogs the trail also delivers to a log group in this
// account, encrypted with a key of its own (rotated) and, like the key,
// retained on delete, through a role that can only create streams and put
// events in that group. Its trust has no aws:SourceArn condition: CloudTrail
// does not set it when it assumes the role.
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
package orgtrail

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudtrail"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// DefaultTrailName is the trail's name when Props.TrailName is empty.
const DefaultTrailName = "organization-trail"

// Props configure a Trail.
type Props struct {
	// TrailName names the trail: 3 to 128 letters, digits, '.', '_' and '-',
	// starting and ending with a letter or digit, no two of '.', '_', '-'
	// side by side. The archive's policies need it (see TrailArn).
	// Default: DefaultTrailName.
	TrailName string
	// TrailBucketName is the name of the S3 bucket the trail delivers to,
	// normally the log archive in the security account. Default: none, it is
	// required.
	TrailBucketName string
	// TrailKeyArn is the ARN of the KMS key (or alias) that encrypts the log
	// files, normally the archive's key, in the bucket's region.
	// Default: none, it is required.
	TrailKeyArn string
	// S3DataEvents also records S3 object-level (data) events in every
	// account and region, except the log file writes into TrailBucketName.
	// They can be many, and they are billed. Default: false, management
	// events only.
	S3DataEvents bool
	// CloudWatchLogs also delivers the trail's events to an encrypted log
	// group in this account, for metric filters and alarms. CloudWatch Logs
	// bills the ingestion of the whole organization's events. Default: false,
	// the bucket only.
	CloudWatchLogs bool
	// LogRetention is how long that log group keeps events; the bucket keeps
	// its own copy. Default: one year.
	LogRetention awslogs.RetentionDays
}

// Trail is an organization CloudTrail trail and, optionally, its CloudWatch
// Logs delivery.
type Trail struct {
	constructs.Construct
	// Trail is the CloudTrail trail.
	Trail awscloudtrail.CfnTrail
	// TrailArn is Trail's ARN (a token); other stacks compute it with the
	// TrailArn function instead.
	TrailArn *string
	// LogGroup receives the trail's events; nil without Props.CloudWatchLogs.
	LogGroup awslogs.LogGroup
	// LogGroupKey encrypts LogGroup; nil without Props.CloudWatchLogs.
	LogGroupKey awskms.Key
	// LogsRole is what CloudTrail assumes to write LogGroup; nil without
	// Props.CloudWatchLogs.
	LogsRole awsiam.Role
}

// TrailArn is the ARN of the trail named name in the given partition
// ("aws"), home region and management account: what the archive's bucket
// and key policies admit as aws:SourceArn.
func TrailArn(partition, region, account, name string) string {
	return fmt.Sprintf("arn:%s:cloudtrail:%s:%s:trail/%s", partition, region, account, name)
}

var (
	trailName    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{1,126}[A-Za-z0-9]$`)
	trailNameRun = regexp.MustCompile(`[._-]{2}`)
	ipAddress    = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$`)
	bucketName   = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	keyArn       = regexp.MustCompile(`^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:(key|alias)/[A-Za-z0-9/_-]+$`)
)

// logDeliveryWrites are the S3 calls by which CloudTrail (and other log
// deliveries) put files into a bucket.
var logDeliveryWrites = []string{"PutObject", "CreateMultipartUpload", "UploadPart", "CompleteMultipartUpload"}

// New creates a Trail. Props that cannot work panic with the prop's name.
func New(scope constructs.Construct, id string, props *Props) *Trail {
	p := withDefaults(props)
	c := constructs.NewConstruct(scope, &id)
	t := &Trail{Construct: c}
	stack := awscdk.Stack_Of(c)
	partition, region, account := *stack.Partition(), *stack.Region(), *stack.Account()

	type field = awscloudtrail.CfnTrail_AdvancedFieldSelectorProperty
	type selector = awscloudtrail.CfnTrail_AdvancedEventSelectorProperty
	selectors := []*selector{{
		Name:           jsii.String("All management events"),
		FieldSelectors: []*field{{Field: jsii.String("eventCategory"), EqualTo: jsii.Strings("Management")}},
	}}
	if p.S3DataEvents {
		trailObjects := jsii.Strings(fmt.Sprintf("arn:%s:s3:::%s/", partition, p.TrailBucketName))
		s3Data := func(more ...*field) []*field {
			return append([]*field{
				{Field: jsii.String("eventCategory"), EqualTo: jsii.Strings("Data")},
				{Field: jsii.String("resources.type"), EqualTo: jsii.Strings("AWS::S3::Object")},
			}, more...)
		}
		selectors = append(selectors,
			&selector{
				Name:           jsii.String("S3 data events outside the trail bucket"),
				FieldSelectors: s3Data(&field{Field: jsii.String("resources.ARN"), NotStartsWith: trailObjects}),
			},
			&selector{
				Name: jsii.String("S3 data events in the trail bucket but log file writes"),
				FieldSelectors: s3Data(
					&field{Field: jsii.String("resources.ARN"), StartsWith: trailObjects},
					&field{Field: jsii.String("eventName"), NotEquals: jsii.Strings(logDeliveryWrites...)},
				),
			})
	}

	trailProps := &awscloudtrail.CfnTrailProps{
		TrailName:                  jsii.String(p.TrailName),
		IsLogging:                  jsii.Bool(true),
		IsOrganizationTrail:        jsii.Bool(true),
		IsMultiRegionTrail:         jsii.Bool(true),
		IncludeGlobalServiceEvents: jsii.Bool(true),
		EnableLogFileValidation:    jsii.Bool(true),
		S3BucketName:               jsii.String(p.TrailBucketName),
		KmsKeyId:                   jsii.String(p.TrailKeyArn),
		AdvancedEventSelectors:     selectors,
	}
	var logsPolicy awsiam.ManagedPolicy
	if p.CloudWatchLogs {
		logsPolicy = t.cloudWatchLogs(p, partition, region, account)
		trailProps.CloudWatchLogsLogGroupArn = t.LogGroup.LogGroupArn()
		trailProps.CloudWatchLogsRoleArn = t.LogsRole.RoleArn()
	}
	t.Trail = awscloudtrail.NewCfnTrail(c, jsii.String("Trail"), trailProps)
	if logsPolicy != nil {
		// CloudTrail checks that the role can write when the trail is made.
		t.Trail.Node().AddDependency(logsPolicy)
	} else {
		suppress(t.Trail, nagRule{"NIST.800.53.R5-CloudTrailCloudWatchLogsEnabled",
			"the organization's events are delivered to the central archive in the security account, where the accounts " +
				"they describe cannot alter them; CloudWatch Logs delivery (billed per GB for the whole organization) is opt-in, Props.CloudWatchLogs", nil})
	}
	t.TrailArn = t.Trail.AttrArn()
	return t
}

func withDefaults(props *Props) Props {
	var p Props
	if props != nil {
		p = *props
	}
	if p.TrailName == "" {
		p.TrailName = DefaultTrailName
	}
	if !trailName.MatchString(p.TrailName) || trailNameRun.MatchString(p.TrailName) || ipAddress.MatchString(p.TrailName) {
		panic(fmt.Sprintf("orgtrail: Props.TrailName %q is not a trail name: 3 to 128 letters, digits, '.', '_' and '-', "+
			"starting and ending with a letter or digit, no two of '.', '_', '-' side by side, not an IP address", p.TrailName))
	}
	if !bucketName.MatchString(p.TrailBucketName) || strings.Contains(p.TrailBucketName, "..") {
		panic(fmt.Sprintf("orgtrail: Props.TrailBucketName %q is not an S3 bucket name (3 to 63 of a-z 0-9 . -): give the name, not the ARN", p.TrailBucketName))
	}
	if !keyArn.MatchString(p.TrailKeyArn) && !*awscdk.Token_IsUnresolved(p.TrailKeyArn) {
		panic(fmt.Sprintf("orgtrail: Props.TrailKeyArn %q is not a KMS key or alias ARN such as arn:aws:kms:us-east-1:222222222222:key/<key id>; "+
			"a key in another account needs its full ARN", p.TrailKeyArn))
	}
	if p.LogRetention == "" {
		p.LogRetention = awslogs.RetentionDays_ONE_YEAR
	}
	return p
}

// cloudWatchLogs makes the log group, its key, and the role CloudTrail
// assumes to write it; it returns the role's policy.
func (t *Trail) cloudWatchLogs(p Props, partition, region, account string) awsiam.ManagedPolicy {
	t.LogGroupKey = awskms.NewKey(t.Construct, jsii.String("LogGroupKey"), &awskms.KeyProps{
		Description:       jsii.String("Encrypts the organization trail's CloudWatch log group"),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
	})
	denyGrantsExceptForAWSServices(t.LogGroupKey)
	t.LogGroupKey.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("CloudWatchLogsEncryptsThisAccountsLogGroups"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("logs."+region+".amazonaws.com"), nil)},
		Actions:    jsii.Strings("kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"),
		Resources:  jsii.Strings("*"), // in a key policy "*" is this key
		Conditions: &map[string]any{"ArnLike": map[string]any{
			"kms:EncryptionContext:aws:logs:arn": fmt.Sprintf("arn:%s:logs:%s:%s:log-group:*", partition, region, account),
		}},
	}), nil)
	t.LogGroup = awslogs.NewLogGroup(t.Construct, jsii.String("LogGroup"), &awslogs.LogGroupProps{
		EncryptionKey: t.LogGroupKey,
		Retention:     p.LogRetention,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	t.LogsRole = awsiam.NewRole(t.Construct, jsii.String("LogsRole"), &awsiam.RoleProps{
		Description: jsii.String("Lets CloudTrail deliver the organization trail to its CloudWatch log group"),
		// No aws:SourceArn or aws:SourceAccount condition: CloudTrail sets
		// neither when it assumes this role, and delivery would stop (AWS's
		// CloudTrail guide says so). The role is no confused deputy anyway:
		// only a trail of this account can be given it, by someone allowed
		// iam:PassRole on it.
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("cloudtrail.amazonaws.com"), nil),
	})
	policy := awsiam.NewManagedPolicy(t.Construct, jsii.String("LogsPolicy"), &awsiam.ManagedPolicyProps{
		Description: jsii.String("Create log streams and put events in the organization trail's log group only"),
		Roles:       &[]awsiam.IRole{t.LogsRole},
		Statements: &[]awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions: jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents"),
			Resources: jsii.Strings(fmt.Sprintf("arn:%s:logs:%s:%s:log-group:%s:log-stream:*",
				partition, region, account, *t.LogGroup.LogGroupName())),
		})},
	})
	suppress(policy, nagRule{"AwsSolutions-IAM5", "the wildcard is the log streams of the trail's own log group: CloudTrail names " +
		"one per account and region (<account>_CloudTrail_<region>, <org id>_<account>_CloudTrail_<region>) as accounts join",
		[]string{`/^Resource::.*:log-stream:\*$/`}})
	return policy
}

// nagRule is a cdk-nag rule broken on purpose, why, and optionally the
// findings (cdk-nag's applies_to, regexes between slashes) it covers.
type nagRule struct {
	id, reason string
	appliesTo  []string
}

// suppress records on the CloudFormation resource of scope the cdk-nag rules
// it breaks on purpose. cdk-nag reads this metadata; without cdk-nag it is
// inert.
func suppress(scope constructs.IConstruct, rules ...nagRule) {
	r, ok := scope.(awscdk.CfnResource)
	if !ok {
		r = scope.Node().DefaultChild().(awscdk.CfnResource)
	}
	var out []map[string]any
	for _, rule := range rules {
		m := map[string]any{"id": rule.id, "reason": rule.reason}
		if len(rule.appliesTo) > 0 {
			var at []any
			for _, a := range rule.appliesTo {
				if strings.HasPrefix(a, "/") {
					at = append(at, map[string]string{"regex": a})
				} else {
					at = append(at, a)
				}
			}
			m["applies_to"] = at
		}
		out = append(out, m)
	}
	r.AddMetadata(jsii.String("cdk_nag"), map[string]any{"rules_to_suppress": out})
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
