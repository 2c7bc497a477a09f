// Package cisalarms provides Alarms: the CIS AWS Foundations Benchmark's
// monitoring controls (section 4 of v1.4 to v3.0, section 3 before it, and
// Security Hub's CloudWatch.1 to CloudWatch.14) as CloudWatch Logs metric
// filters on the organization trail's log group, each with an alarm that
// notifies an SNS topic.
//
// Build it in the account and region of the log group (metric filters only
// read a log group of their own account and region): the account that owns
// the organization trail's CloudWatch Logs delivery. The topic may be in the
// same account and region only, as CloudWatch alarm actions require; its
// policy must let cloudwatch.amazonaws.com sns:Publish, and a KMS key that
// encrypts it must let CloudWatch kms:GenerateDataKey* and kms:Decrypt.
// Without Props.AlarmTopicArn the construct makes that topic itself:
// encrypted with a key of its own (rotated, retained), publishable only by
// CloudWatch for this account and only over TLS, with Props.Emails
// subscribed.
//
// Every alarm fires on one matching event in five minutes (threshold 1,
// period 300 seconds, sum) and treats missing data as not breaching: no
// events is the normal state. Monitors holds the patterns as Go data, in CIS
// order. The patterns are CIS's, with two changes: the unauthorized-API-call
// and route-table patterns have parentheses where CIS's mix && and ||
// without them, so that each means what its control says.
//
// The filters and alarms hold no data and are deleted with their stack.
//
// The package imports nothing from palisade: copy it into any CDK app.
package cisalarms

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Monitor is one CIS monitoring control.
type Monitor struct {
	// Name is the construct id and the metric name.
	Name string
	// Control is the CIS AWS Foundations Benchmark v3.0 control number.
	Control string
	// Description says what the alarm means.
	Description string
	// Pattern is the CloudWatch Logs filter pattern.
	Pattern string
}

// eventNames is a pattern's alternation of CloudTrail event names.
func eventNames(names ...string) string {
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = fmt.Sprintf("($.eventName = %s)", n)
	}
	return strings.Join(parts, " || ")
}

// Monitors are the CIS monitoring controls, in CIS order.
var Monitors = []Monitor{
	{"UnauthorizedApiCalls", "4.1", "Unauthorized API calls",
		`{ ($.errorCode = "*UnauthorizedOperation") || (($.errorCode = "AccessDenied*") && ($.sourceIPAddress != "delivery.logs.amazonaws.com") && ($.eventName != "HeadBucket")) }`},
	{"ConsoleSignInWithoutMfa", "4.2", "Management console sign-in without MFA",
		`{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && ($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }`},
	{"RootAccountUsage", "4.3", "Usage of the root user",
		`{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }`},
	{"IamPolicyChanges", "4.4", "IAM policy changes",
		"{ " + eventNames("DeleteGroupPolicy", "DeleteRolePolicy", "DeleteUserPolicy", "PutGroupPolicy", "PutRolePolicy", "PutUserPolicy",
			"CreatePolicy", "DeletePolicy", "CreatePolicyVersion", "DeletePolicyVersion", "AttachRolePolicy", "DetachRolePolicy",
			"AttachUserPolicy", "DetachUserPolicy", "AttachGroupPolicy", "DetachGroupPolicy") + " }"},
	{"CloudTrailChanges", "4.5", "CloudTrail configuration changes",
		"{ " + eventNames("CreateTrail", "UpdateTrail", "DeleteTrail", "StartLogging", "StopLogging") + " }"},
	{"ConsoleAuthenticationFailures", "4.6", "Management console authentication failures",
		`{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }`},
	{"CmkDisabledOrScheduledForDeletion", "4.7", "Customer managed KMS keys disabled or scheduled for deletion",
		"{ ($.eventSource = kms.amazonaws.com) && (" + eventNames("DisableKey", "ScheduleKeyDeletion") + ") }"},
	{"S3BucketPolicyChanges", "4.8", "S3 bucket policy changes",
		"{ ($.eventSource = s3.amazonaws.com) && (" + eventNames("PutBucketAcl", "PutBucketPolicy", "PutBucketCors", "PutBucketLifecycle",
			"PutBucketReplication", "DeleteBucketPolicy", "DeleteBucketCors", "DeleteBucketLifecycle", "DeleteBucketReplication") + ") }"},
	{"ConfigChanges", "4.9", "AWS Config configuration changes",
		"{ ($.eventSource = config.amazonaws.com) && (" + eventNames("StopConfigurationRecorder", "DeleteDeliveryChannel",
			"PutDeliveryChannel", "PutConfigurationRecorder") + ") }"},
	{"SecurityGroupChanges", "4.10", "Security group changes",
		"{ " + eventNames("AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress", "RevokeSecurityGroupIngress",
			"RevokeSecurityGroupEgress", "CreateSecurityGroup", "DeleteSecurityGroup") + " }"},
	{"NetworkAclChanges", "4.11", "Network ACL changes",
		"{ " + eventNames("CreateNetworkAcl", "CreateNetworkAclEntry", "DeleteNetworkAcl", "DeleteNetworkAclEntry",
			"ReplaceNetworkAclEntry", "ReplaceNetworkAclAssociation") + " }"},
	{"NetworkGatewayChanges", "4.12", "Network gateway changes",
		"{ " + eventNames("CreateCustomerGateway", "DeleteCustomerGateway", "AttachInternetGateway", "CreateInternetGateway",
			"DeleteInternetGateway", "DetachInternetGateway") + " }"},
	{"RouteTableChanges", "4.13", "Route table changes",
		"{ ($.eventSource = ec2.amazonaws.com) && (" + eventNames("CreateRoute", "CreateRouteTable", "ReplaceRoute",
			"ReplaceRouteTableAssociation", "DeleteRouteTable", "DeleteRoute", "DisassociateRouteTable") + ") }"},
	{"VpcChanges", "4.14", "VPC changes",
		"{ " + eventNames("CreateVpc", "DeleteVpc", "ModifyVpcAttribute", "AcceptVpcPeeringConnection", "CreateVpcPeeringConnection",
			"DeleteVpcPeeringConnection", "RejectVpcPeeringConnection", "AttachClassicLinkVpc", "DetachClassicLinkVpc",
			"DisableVpcClassicLink", "EnableVpcClassicLink") + " }"},
	{"OrganizationsChanges", "4.15", "AWS Organizations changes",
		"{ ($.eventSource = organizations.amazonaws.com) && (" + eventNames(`"AcceptHandshake"`, `"AttachPolicy"`, `"CreateAccount"`,
			`"CreateOrganizationalUnit"`, `"CreatePolicy"`, `"DeclineHandshake"`, `"DeleteOrganization"`, `"DeleteOrganizationalUnit"`,
			`"DeletePolicy"`, `"DetachPolicy"`, `"DisablePolicyType"`, `"EnablePolicyType"`, `"InviteAccountToOrganization"`,
			`"LeaveOrganization"`, `"MoveAccount"`, `"RemoveAccountFromOrganization"`, `"UpdatePolicy"`, `"UpdateOrganizationalUnit"`) + ") }"},
}

// Props configure Alarms.
type Props struct {
	// LogGroupName is the CloudWatch Logs log group the organization trail
	// delivers to, in this stack's account and region. Default: none;
	// required.
	LogGroupName string
	// AlarmTopicArn is the SNS topic every alarm notifies, in this stack's
	// account and region, not FIFO. Default: none, the construct makes one.
	AlarmTopicArn string
	// Emails are subscribed to the topic the construct makes (each confirms
	// its subscription); only without AlarmTopicArn. Default: none.
	Emails []string
	// MetricNamespace is the CloudWatch namespace of the filters' metrics;
	// it may not start with "AWS/". Default: "CISBenchmark".
	MetricNamespace string
}

// Alarms are the CIS monitoring controls on one log group.
type Alarms struct {
	constructs.Construct
	// MetricFilters are the filters, by Monitor name.
	MetricFilters map[string]awslogs.CfnMetricFilter
	// Alarms are the alarms, by Monitor name.
	Alarms map[string]awscloudwatch.CfnAlarm
	// Topic and Key are the topic the construct made and its key; nil with
	// Props.AlarmTopicArn.
	Topic awssns.Topic
	Key   awskms.Key
}

var (
	logGroupName = regexp.MustCompile(`^[.\-_/#A-Za-z0-9]{1,512}$`)
	topicArn     = regexp.MustCompile(`^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$`)
	namespace    = regexp.MustCompile(`^[A-Za-z0-9.\-_/#:]{1,255}$`)
)

// New creates Alarms. Props that cannot work panic with the prop's name.
func New(scope constructs.Construct, id string, props *Props) *Alarms {
	p := withDefaults(props)
	c := constructs.NewConstruct(scope, &id)
	a := &Alarms{Construct: c, MetricFilters: map[string]awslogs.CfnMetricFilter{}, Alarms: map[string]awscloudwatch.CfnAlarm{}}
	if p.AlarmTopicArn == "" {
		a.topic(p.Emails)
		p.AlarmTopicArn = *a.Topic.TopicArn()
	}
	for _, m := range Monitors {
		a.MetricFilters[m.Name] = awslogs.NewCfnMetricFilter(c, jsii.String(m.Name+"Filter"), &awslogs.CfnMetricFilterProps{
			LogGroupName:  jsii.String(p.LogGroupName),
			FilterPattern: jsii.String(m.Pattern),
			MetricTransformations: []any{&awslogs.CfnMetricFilter_MetricTransformationProperty{
				MetricName:      jsii.String(m.Name),
				MetricNamespace: jsii.String(p.MetricNamespace),
				MetricValue:     jsii.String("1"),
			}},
		})
		a.Alarms[m.Name] = awscloudwatch.NewCfnAlarm(c, jsii.String(m.Name+"Alarm"), &awscloudwatch.CfnAlarmProps{
			AlarmDescription:   jsii.String(fmt.Sprintf("CIS AWS Foundations Benchmark %s: %s", m.Control, m.Description)),
			MetricName:         jsii.String(m.Name),
			Namespace:          jsii.String(p.MetricNamespace),
			Statistic:          jsii.String("Sum"),
			Period:             jsii.Number(300),
			EvaluationPeriods:  jsii.Number(1),
			Threshold:          jsii.Number(1),
			ComparisonOperator: jsii.String("GreaterThanOrEqualToThreshold"),
			TreatMissingData:   jsii.String("notBreaching"),
			AlarmActions:       &[]any{jsii.String(p.AlarmTopicArn)},
		})
	}
	return a
}

// topic makes the encrypted topic only CloudWatch, for this account, may
// publish to.
func (a *Alarms) topic(emails []string) {
	account := awscdk.Stack_Of(a.Construct).Account()
	// CloudWatch alarms publish to an encrypted topic as the service
	// principal cloudwatch.amazonaws.com, which the key policy must let
	// kms:GenerateDataKey* and kms:Decrypt; aws:SourceAccount in that key
	// policy is what the SNS Developer Guide recommends against the confused
	// deputy ("Managing Amazon SNS encryption keys and costs", compatibility
	// between event sources from AWS services and encrypted topics, step 3).
	// Only EventBridge-to-encrypted topics do not support it, and no
	// EventBridge rule publishes here.
	fromThisAccount := &map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": account}}
	cloudwatch := awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil)
	a.Key = awskms.NewKey(a.Construct, jsii.String("Key"), &awskms.KeyProps{
		Description:       jsii.String("Encrypts the CIS alarms topic"),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
	})
	a.Key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("CloudWatchPublishesToTheTopic"),
		Principals: &[]awsiam.IPrincipal{cloudwatch},
		Actions:    jsii.Strings("kms:GenerateDataKey*", "kms:Decrypt"),
		Resources:  jsii.Strings("*"), // in a key policy "*" is this key
		Conditions: fromThisAccount,
	}), nil)
	a.Key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("DenyGrantsExceptForAWSServices"),
		Effect:     awsiam.Effect_DENY,
		Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
		Actions:    jsii.Strings("kms:CreateGrant"),
		Resources:  jsii.Strings("*"), // in a key policy "*" is this key
		Conditions: &map[string]any{"BoolIfExists": map[string]any{
			"kms:GrantIsForAWSResource": "false", "aws:PrincipalIsAWSService": "false",
		}},
	}), nil)
	a.Topic = awssns.NewTopic(a.Construct, jsii.String("Topic"), &awssns.TopicProps{
		DisplayName: jsii.String("CIS alarms"),
		MasterKey:   a.Key,
		EnforceSSL:  jsii.Bool(true),
	})
	a.Topic.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("CloudWatchPublishes"),
		Principals: &[]awsiam.IPrincipal{cloudwatch},
		Actions:    jsii.Strings("sns:Publish"),
		Resources:  jsii.Strings(*a.Topic.TopicArn()),
		Conditions: fromThisAccount,
	}))
	for _, email := range emails {
		// The address is the id: stable whatever the order of Emails.
		awssns.NewSubscription(a.Construct, jsii.String(email), &awssns.SubscriptionProps{
			Topic:    a.Topic,
			Protocol: awssns.SubscriptionProtocol_EMAIL,
			Endpoint: jsii.String(email),
		})
	}
}

func withDefaults(props *Props) Props {
	var p Props
	if props != nil {
		p = *props
	}
	if p.MetricNamespace == "" {
		p.MetricNamespace = "CISBenchmark"
	}
	if !logGroupName.MatchString(p.LogGroupName) && !unresolved(p.LogGroupName) {
		panic(fmt.Sprintf("cisalarms: Props.LogGroupName %q is not a log group name (1-512 letters, digits and . - _ / #); it is required", p.LogGroupName))
	}
	if p.AlarmTopicArn != "" && !topicArn.MatchString(p.AlarmTopicArn) && !unresolved(p.AlarmTopicArn) {
		panic(fmt.Sprintf("cisalarms: Props.AlarmTopicArn %q is not a standard SNS topic ARN such as arn:aws:sns:us-east-1:111111111111:alerts", p.AlarmTopicArn))
	}
	if p.AlarmTopicArn != "" && len(p.Emails) > 0 {
		panic("cisalarms: Props.Emails subscribe to the topic the construct makes; with Props.AlarmTopicArn, subscribe them to that topic")
	}
	if !namespace.MatchString(p.MetricNamespace) || strings.HasPrefix(p.MetricNamespace, "AWS/") {
		panic(fmt.Sprintf("cisalarms: Props.MetricNamespace %q is not a custom namespace: 1-255 letters, digits and . - _ / # :, not starting with AWS/", p.MetricNamespace))
	}
	return p
}

func unresolved(s string) bool {
	return s != "" && *awscdk.Token_IsUnresolved(s)
}
