// Package logdrain provides Drain: the receiving end, in the security
// account, of CloudWatch Logs shipped from other accounts. Build one per
// region that has senders: a CloudWatch Logs destination only accepts
// subscription filters from log groups in its own region.
//
// A Drain is a CloudWatch Logs destination (AWS::Logs::Destination) whose
// access policy lets only the accounts of one organization subscribe to it
// (aws:PrincipalOrgID: one size however many accounts join), and an
// Amazon Data Firehose stream behind it that writes into the central log
// archive bucket. The sender accounts own nothing on the way: once a log
// event leaves their log group it is in this account, and they can neither
// read nor alter what lands in the archive.
//
// The stream is encrypted at rest with a customer-managed key of its own
// (rotated, retained). It decompresses what CloudWatch Logs sends and
// partitions it with jq over the CloudWatch Logs envelope, so that objects
// land under
//
//	<Prefix><sender account>/<log group without its leading "/">/yyyy/MM/dd/
//
// as newline-delimited JSON envelopes (owner, logGroup, logStream,
// logEvents[] with id, timestamp and message), gzip-compressed and SSE-KMS
// encrypted with the archive's key. The sender account in the path is the
// envelope's owner field, which CloudWatch Logs sets, not the sender. The
// periodic control messages CloudWatch Logs sends carry no account or log
// group and land under <Prefix><owner>/_control/. Records Firehose cannot
// decompress or partition land under <ErrorPrefix><error type>/yyyy/MM/dd/.
//
// Messages are not extracted from the envelope: Firehose's message
// extraction (CloudWatchLogProcessing) strips owner and logGroup before
// partitioning reads them, and it would also drop the log stream and each
// event's timestamp and id, which an audit trail needs.
//
// Two roles, each least privilege: CloudWatch Logs (logs.amazonaws.com,
// only on behalf of the organization's accounts in this region, this one
// included, which sends the test message when the destination is created)
// may only put records into this stream; Firehose may only write objects under Prefix and ErrorPrefix, use
// the archive key through S3 for this bucket, and write its error log stream.
// Firehose's own delivery errors go to a KMS-encrypted, retained log group.
//
// The archive bucket and key are given by ARN and must be in this account:
// their policies are not changed here. The archive's default key policy,
// which delegates to IAM, is what lets the Firehose role use the key.
//
// Senders compute the destination's ARN with DestinationArn, in plain Go,
// and subscribe to it from their own stacks (see package logforward); no
// CloudFormation reference crosses accounts. Deploy the Drain first.
//
// The package imports nothing from palisade: copy it into any CDK app.
package logdrain

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskinesisfirehose"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Props configure a Drain.
type Props struct {
	// DestinationName names the CloudWatch Logs destination, unique in this
	// account and region: 1 to 512 characters, none of them ':' or '*'.
	// Senders need it to compute the ARN (see DestinationArn).
	// Default: none, it is required.
	DestinationName string
	// OrganizationID is the AWS Organizations id (o- and 10 to 32 lowercase
	// letters or digits) whose accounts may subscribe their log groups to the
	// destination. Senders must then give their subscription filters a role
	// of their own (see package logforward). Default: none, it is required.
	OrganizationID string
	// ArchiveBucketArn is the ARN of the archive bucket, in this account,
	// that the stream writes to (arn:aws:s3:::name). Default: none, it is
	// required.
	ArchiveBucketArn string
	// ArchiveKeyArn is the ARN of the KMS key (not an alias) that encrypts the
	// archive bucket. The stream writes SSE-KMS objects with it; its region
	// is taken to be the bucket's. Default: none, it is required.
	ArchiveKeyArn string
	// Prefix is where log data lands in the archive. It ends with "/"; the
	// sender account, log group and date follow it. Default: "cwlogs/".
	Prefix string
	// ErrorPrefix is where records that could not be processed land. It ends
	// with "/"; the error type and date follow it. Default: "cwlogs-errors/".
	ErrorPrefix string
	// LogRetention is how long the stream's own error log group keeps its
	// events. Default: one year.
	LogRetention awslogs.RetentionDays
}

// Drain is a cross-account CloudWatch Logs destination that delivers into
// the log archive through an encrypted Firehose stream.
type Drain struct {
	constructs.Construct
	// Destination is the CloudWatch Logs destination senders subscribe to.
	Destination awslogs.CfnDestination
	// DestinationArn is Destination's ARN (a token); other accounts compute
	// it with the DestinationArn function instead.
	DestinationArn *string
	// DeliveryStream carries the log events into the archive.
	DeliveryStream awskinesisfirehose.CfnDeliveryStream
	// Key encrypts DeliveryStream and ErrorLogGroup.
	Key awskms.Key
	// ErrorLogGroup receives DeliveryStream's delivery and processing errors.
	ErrorLogGroup awslogs.LogGroup
}

// DestinationArn is the ARN of the destination named name in the given
// partition ("aws"), region and account: what a sender passes as the
// destination of its subscription filters.
func DestinationArn(partition, region, account, name string) string {
	return fmt.Sprintf("arn:%s:logs:%s:%s:destination:%s", partition, region, account, name)
}

var (
	destinationName = regexp.MustCompile(`^[^:*]{1,512}$`)
	organizationID  = regexp.MustCompile(`^o-[a-z0-9]{10,32}$`)
	bucketArn       = regexp.MustCompile(`^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	keyArn          = regexp.MustCompile(`^arn:aws[a-z-]*:kms:([a-z0-9-]+):[0-9]{12}:key/[A-Za-z0-9-]+$`)
	// S3's safe key characters; "!" is left out, it opens Firehose expressions.
	s3Prefix = regexp.MustCompile(`^[A-Za-z0-9_.*'()-][A-Za-z0-9_.*'()/-]*/$`)
)

// errorLogStream is the log stream Firehose writes S3 delivery errors to,
// named as the Firehose console names it.
const errorLogStream = "DestinationDelivery"

// partitionQuery reads the partition keys from the decompressed CloudWatch
// Logs envelope. Control messages have no account or log group, and Firehose
// rejects empty keys, so they get "_control" (no account id looks like it).
// The log group's leading "/" goes, so that keys have no empty segment.
const partitionQuery = `{owner: (if (.owner // "") == "" then "_control" else .owner end), ` +
	`logGroup: (if (.logGroup // "") == "" then "_control" else (.logGroup | ltrimstr("/")) end)}`

// New creates a Drain. Props that cannot work panic with the prop's name.
func New(scope constructs.Construct, id string, props *Props) *Drain {
	p := withDefaults(props)
	c := constructs.NewConstruct(scope, &id)
	d := &Drain{Construct: c}
	stack := awscdk.Stack_Of(c)
	partition, region, account := *stack.Partition(), *stack.Region(), *stack.Account()

	d.Key = awskms.NewKey(c, jsii.String("Key"), &awskms.KeyProps{
		Description:       jsii.String("Encrypts the log drain's Firehose stream and its error log group"),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
	})
	denyGrantsExceptForAWSServices(d.Key)
	d.Key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("CloudWatchLogsEncryptsThisAccountsLogGroups"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("logs."+region+".amazonaws.com"), nil)},
		Actions:    jsii.Strings("kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"),
		Resources:  jsii.Strings("*"), // in a key policy "*" is this key
		Conditions: &map[string]any{"ArnLike": map[string]any{
			"kms:EncryptionContext:aws:logs:arn": fmt.Sprintf("arn:%s:logs:%s:%s:log-group:*", partition, region, account),
		}},
	}), nil)

	d.ErrorLogGroup = awslogs.NewLogGroup(c, jsii.String("ErrorLogGroup"), &awslogs.LogGroupProps{
		EncryptionKey: d.Key,
		Retention:     p.LogRetention,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	awslogs.NewLogStream(c, jsii.String("ErrorLogStream"), &awslogs.LogStreamProps{
		LogGroup:      d.ErrorLogGroup,
		LogStreamName: jsii.String(errorLogStream),
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})

	firehoseRole, firehosePolicy := d.firehoseRole(p, partition, region, account)
	d.DeliveryStream = awskinesisfirehose.NewCfnDeliveryStream(c, jsii.String("DeliveryStream"), &awskinesisfirehose.CfnDeliveryStreamProps{
		DeliveryStreamType: jsii.String("DirectPut"),
		DeliveryStreamEncryptionConfigurationInput: &awskinesisfirehose.CfnDeliveryStream_DeliveryStreamEncryptionConfigurationInputProperty{
			KeyType: jsii.String("CUSTOMER_MANAGED_CMK"),
			KeyArn:  d.Key.KeyArn(),
		},
		ExtendedS3DestinationConfiguration: &awskinesisfirehose.CfnDeliveryStream_ExtendedS3DestinationConfigurationProperty{
			BucketArn: jsii.String(p.ArchiveBucketArn),
			RoleArn:   firehoseRole.RoleArn(),
			Prefix: jsii.String(p.Prefix + "!{partitionKeyFromQuery:owner}/!{partitionKeyFromQuery:logGroup}/" +
				"!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/"),
			ErrorOutputPrefix: jsii.String(p.ErrorPrefix + "!{firehose:error-output-type}/" +
				"!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/"),
			// Dynamic partitioning needs 64 MiB or more. Each partition (sender
			// and log group) buffers on its own, so the interval is what
			// usually flushes: at most five minutes from event to archive.
			BufferingHints: &awskinesisfirehose.CfnDeliveryStream_BufferingHintsProperty{
				SizeInMBs:         jsii.Number(64),
				IntervalInSeconds: jsii.Number(300),
			},
			CompressionFormat: jsii.String("GZIP"),
			EncryptionConfiguration: &awskinesisfirehose.CfnDeliveryStream_EncryptionConfigurationProperty{
				KmsEncryptionConfig: &awskinesisfirehose.CfnDeliveryStream_KMSEncryptionConfigProperty{
					AwskmsKeyArn: jsii.String(p.ArchiveKeyArn),
				},
			},
			DynamicPartitioningConfiguration: &awskinesisfirehose.CfnDeliveryStream_DynamicPartitioningConfigurationProperty{
				Enabled: jsii.Bool(true),
			},
			ProcessingConfiguration: &awskinesisfirehose.CfnDeliveryStream_ProcessingConfigurationProperty{
				Enabled: jsii.Bool(true),
				Processors: &[]*awskinesisfirehose.CfnDeliveryStream_ProcessorProperty{
					processor("Decompression", "CompressionFormat", "GZIP"),
					processor("MetadataExtraction", "MetadataExtractionQuery", partitionQuery, "JsonParsingEngine", "JQ-1.6"),
					processor("AppendDelimiterToRecord", "Delimiter", `\n`),
				},
			},
			CloudWatchLoggingOptions: &awskinesisfirehose.CfnDeliveryStream_CloudWatchLoggingOptionsProperty{
				Enabled:       jsii.Bool(true),
				LogGroupName:  d.ErrorLogGroup.LogGroupName(),
				LogStreamName: jsii.String(errorLogStream),
			},
		},
	})
	// Firehose checks its access to the bucket when the stream is created.
	d.DeliveryStream.Node().AddDependency(firehosePolicy)

	logsRole, logsPolicy := d.logsRole(p, partition, region, account)
	// The organization's accounts, by aws:PrincipalOrgID: CloudWatch Logs
	// User Guide, "Cross-account cross-Region subscriptions", "Step 1:
	// Create a destination" (the access policy "can specify the
	// organization ID ... to allow multiple accounts in one organization to
	// send logs"; Principal "*" with aws:PrincipalOrgID). With such a
	// policy a sender's subscription filter must carry a role of its own
	// account ("Step 2: (Only if using an organization) Create an IAM role";
	// PutSubscriptionFilter otherwise fails with "Role ARN is required when
	// creating subscription filter against destination with Organization
	// access policy", github.com/aws/aws-cli/issues/9474).
	destinationPolicy := map[string]any{
		"Version": "2012-10-17",
		"Statement": []map[string]any{{
			"Sid":       "OrganizationSubscribes",
			"Effect":    "Allow",
			"Principal": map[string]any{"AWS": "*"},
			"Action":    "logs:PutSubscriptionFilter",
			"Resource":  DestinationArn(partition, region, account, p.DestinationName),
			"Condition": map[string]any{"StringEquals": map[string]any{"aws:PrincipalOrgID": p.OrganizationID}},
		}},
	}
	d.Destination = awslogs.NewCfnDestination(c, jsii.String("Destination"), &awslogs.CfnDestinationProps{
		DestinationName:   jsii.String(p.DestinationName),
		TargetArn:         d.DeliveryStream.AttrArn(),
		RoleArn:           logsRole.RoleArn(),
		DestinationPolicy: stack.ToJsonString(destinationPolicy, nil),
	})
	// CloudWatch Logs sends a test message through the role on creation.
	d.Destination.Node().AddDependency(logsPolicy)
	d.DestinationArn = d.Destination.AttrArn()
	return d
}

func withDefaults(props *Props) Props {
	var p Props
	if props != nil {
		p = *props
	}
	if !destinationName.MatchString(p.DestinationName) {
		panic(fmt.Sprintf("logdrain: Props.DestinationName %q is not a destination name: 1 to 512 characters, none of them ':' or '*'", p.DestinationName))
	}
	if !organizationID.MatchString(p.OrganizationID) {
		panic(fmt.Sprintf("logdrain: Props.OrganizationID %q is not an organization id: o- and 10 to 32 lowercase letters or digits "+
			"(aws organizations describe-organization --query Organization.Id)", p.OrganizationID))
	}
	if !bucketArn.MatchString(p.ArchiveBucketArn) && !unresolved(p.ArchiveBucketArn) {
		panic(fmt.Sprintf("logdrain: Props.ArchiveBucketArn %q is not an S3 bucket ARN such as arn:aws:s3:::log-archive", p.ArchiveBucketArn))
	}
	if !keyArn.MatchString(p.ArchiveKeyArn) && !unresolved(p.ArchiveKeyArn) {
		panic(fmt.Sprintf("logdrain: Props.ArchiveKeyArn %q is not a KMS key ARN such as arn:aws:kms:us-east-1:111111111111:key/<key id> (aliases cannot be granted in IAM policies)", p.ArchiveKeyArn))
	}
	if p.Prefix == "" {
		p.Prefix = "cwlogs/"
	}
	if p.ErrorPrefix == "" {
		p.ErrorPrefix = "cwlogs-errors/"
	}
	for name, v := range map[string]string{"Prefix": p.Prefix, "ErrorPrefix": p.ErrorPrefix} {
		if !s3Prefix.MatchString(v) || strings.Contains(v, "//") {
			panic(fmt.Sprintf("logdrain: Props.%s %q is not an S3 prefix such as \"cwlogs/\": letters, digits and _.*'()- in segments that each end with \"/\"", name, v))
		}
	}
	if strings.HasPrefix(p.Prefix, p.ErrorPrefix) || strings.HasPrefix(p.ErrorPrefix, p.Prefix) {
		panic(fmt.Sprintf("logdrain: Props.ErrorPrefix %q and Props.Prefix %q overlap: give errors a prefix of their own", p.ErrorPrefix, p.Prefix))
	}
	if p.LogRetention == "" {
		p.LogRetention = awslogs.RetentionDays_ONE_YEAR
	}
	return p
}

func unresolved(s string) bool {
	return s != "" && *awscdk.Token_IsUnresolved(s)
}

// archiveRegion is the region of the archive key, which S3 requires to be
// the bucket's.
func archiveRegion(keyArnValue string) *string {
	if m := keyArn.FindStringSubmatch(keyArnValue); m != nil {
		return jsii.String(m[1])
	}
	return awscdk.Fn_Select(jsii.Number(3), awscdk.Fn_Split(jsii.String(":"), jsii.String(keyArnValue), nil))
}

// firehoseRole is what Firehose assumes to deliver: write the archive under
// the two prefixes, encrypt with its key through S3, log its errors.
func (d *Drain) firehoseRole(p Props, partition, region, account string) (awsiam.Role, awsiam.ManagedPolicy) {
	role := awsiam.NewRole(d.Construct, jsii.String("FirehoseRole"), &awsiam.RoleProps{
		Description: jsii.String("Lets Firehose deliver shipped CloudWatch Logs into the log archive"),
		// Firehose passes the stream's account as the external id.
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("firehose.amazonaws.com"), nil).WithConditions(&map[string]any{
			"StringEquals": map[string]any{"sts:ExternalId": account},
		}),
	})
	s3Region := archiveRegion(p.ArchiveKeyArn)
	objects := []*string{jsii.String(p.ArchiveBucketArn + "/" + p.Prefix + "*"), jsii.String(p.ArchiveBucketArn + "/" + p.ErrorPrefix + "*")}
	policy := awsiam.NewManagedPolicy(d.Construct, jsii.String("FirehosePolicy"), &awsiam.ManagedPolicyProps{
		Description: jsii.String("Deliver shipped CloudWatch Logs into the log archive, under its CloudWatch Logs prefixes only"),
		Roles:       &[]awsiam.IRole{role},
		Statements: &[]awsiam.PolicyStatement{
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:       jsii.String("FindTheArchive"),
				Actions:   jsii.Strings("s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"),
				Resources: jsii.Strings(p.ArchiveBucketArn),
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:       jsii.String("WriteUnderTheLogPrefixes"),
				Actions:   jsii.Strings("s3:PutObject", "s3:AbortMultipartUpload"),
				Resources: &objects,
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:       jsii.String("EncryptThroughS3ForTheArchive"),
				Actions:   jsii.Strings("kms:GenerateDataKey", "kms:Decrypt"),
				Resources: jsii.Strings(p.ArchiveKeyArn),
				Conditions: &map[string]any{
					"StringEquals": map[string]any{"kms:ViaService": "s3." + *s3Region + ".amazonaws.com"},
					// With an S3 bucket key the context is the bucket, else the object.
					"StringLike": map[string]any{"kms:EncryptionContext:aws:s3:arn": append([]*string{jsii.String(p.ArchiveBucketArn)}, objects...)},
				},
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:     jsii.String("LogDeliveryErrors"),
				Actions: jsii.Strings("logs:PutLogEvents"),
				Resources: jsii.Strings(fmt.Sprintf("arn:%s:logs:%s:%s:log-group:%s:log-stream:%s",
					partition, region, account, *d.ErrorLogGroup.LogGroupName(), errorLogStream)),
			}),
		},
	})
	suppress(policy, nagRule{"AwsSolutions-IAM5", "the wildcards are the object keys under the two prefixes this stream writes " +
		"(Firehose names objects at delivery time); bucket, key and log stream are exact",
		[]string{`/^Resource::.*\/\*$/`}})
	return role, policy
}

// logsRole is what CloudWatch Logs assumes, for the organization's
// accounts (this one included, which sends the test message), to put
// records into the stream.
func (d *Drain) logsRole(p Props, partition, region, account string) (awsiam.Role, awsiam.ManagedPolicy) {
	role := awsiam.NewRole(d.Construct, jsii.String("LogsRole"), &awsiam.RoleProps{
		Description: jsii.String("Lets CloudWatch Logs put the organization's shipped log events into the log drain's stream"),
		// The global principal, as AWS documents for destinations; the
		// documented aws:SourceArn (arn:aws:logs:region:sourceAccountId:*
		// per sender and the recipient, CloudWatch Logs User Guide, "Step
		// 1: Create a destination", and "Confused deputy prevention") with
		// the account left open, so that the trust keeps one size, and
		// aws:SourceOrgID, the organization of the log group CloudWatch
		// Logs delivers for (IAM User Guide, "AWS global condition context
		// keys"), as the account fence where AWS sends it. The CloudWatch
		// Logs guide shows only aws:SourceArn here and does not say that it
		// sets aws:SourceOrgID when it assumes this role (AWS's data
		// perimeter examples warn that not every service does on
		// sts:AssumeRole), so the key is tested only if present
		// (StringEqualsIfExists): were it required and absent, the first
		// deploy would fail (CloudWatch Logs could not deliver the
		// destination's test message). The fence that AWS documents for an
		// organization is the destination's access policy
		// (aws:PrincipalOrgID, below), which every subscription must pass
		// before this role is ever assumed; and no other account can put
		// this role behind a destination of its own, which would need
		// iam:PassRole on it.
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("logs.amazonaws.com"), nil).WithConditions(&map[string]any{
			"StringLike":           map[string]any{"aws:SourceArn": fmt.Sprintf("arn:%s:logs:%s:*:*", partition, region)},
			"StringEqualsIfExists": map[string]any{"aws:SourceOrgID": p.OrganizationID},
		}),
	})
	policy := awsiam.NewManagedPolicy(d.Construct, jsii.String("LogsPolicy"), &awsiam.ManagedPolicyProps{
		Description: jsii.String("Put shipped log events into the log drain's stream only"),
		Roles:       &[]awsiam.IRole{role},
		Statements: &[]awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:   jsii.Strings("firehose:PutRecord", "firehose:PutRecordBatch"),
			Resources: &[]*string{d.DeliveryStream.AttrArn()},
		})},
	})
	return role, policy
}

func processor(typ string, params ...string) *awskinesisfirehose.CfnDeliveryStream_ProcessorProperty {
	var ps []*awskinesisfirehose.CfnDeliveryStream_ProcessorParameterProperty
	for i := 0; i+1 < len(params); i += 2 {
		ps = append(ps, &awskinesisfirehose.CfnDeliveryStream_ProcessorParameterProperty{
			ParameterName: jsii.String(params[i]), ParameterValue: jsii.String(params[i+1]),
		})
	}
	return &awskinesisfirehose.CfnDeliveryStream_ProcessorProperty{Type: jsii.String(typ), Parameters: &ps}
}

// nagRule is a cdk-nag rule broken on purpose, why, and optionally the
// findings (cdk-nag's applies_to, regexes between slashes) it covers.
type nagRule struct {
	id, reason string
	appliesTo  []string
}

// suppress records on scope's CloudFormation resource the cdk-nag rules it
// breaks on purpose. cdk-nag reads this metadata; without cdk-nag it is inert.
func suppress(scope constructs.IConstruct, rules ...nagRule) {
	var out []map[string]any
	for _, r := range rules {
		m := map[string]any{"id": r.id, "reason": r.reason}
		if len(r.appliesTo) > 0 {
			var at []any
			for _, a := range r.appliesTo {
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
	scope.Node().DefaultChild().(awscdk.CfnResource).AddMetadata(jsii.String("cdk_nag"), map[string]any{"rules_to_suppress": out})
}

// denyGrantsExceptForAWSServices keeps kms:CreateGrant to AWS services acting
// for AWS resources (AWS Control Tower CT.KMS.PR.3). Firehose's grant for
// server-side encryption is such a grant.
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
