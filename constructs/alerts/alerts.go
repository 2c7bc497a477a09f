// Package alerts provides Alerts: the security account's notifications of
// Security Hub and GuardDuty findings, as short readable messages on an SNS
// topic that analysts subscribe to by email.
//
// Two EventBridge rules on the default event bus feed the topic:
//
//   - Security Hub findings ("Security Hub Findings - Imported") whose
//     severity label is Props.MinSeverity or above, that are active and whose
//     workflow status is NEW: each update of a finding is imported again, and
//     only the new ones should wake someone up. Security Hub's finding
//     aggregator brings every linked region's and every member account's
//     findings, GuardDuty's among them, into the aggregation region: build
//     Alerts there.
//   - GuardDuty findings ("GuardDuty Finding") with a numeric severity at or
//     above the one matching Props.MinSeverity (LOW 1, MEDIUM 4, HIGH 7,
//     CRITICAL 9). GuardDuty publishes findings only in the region they are
//     found in, in the administrator account: this rule sees the members'
//     findings of this region without waiting for Security Hub, and a
//     finding may therefore arrive twice, once by each rule.
//
// Each rule's input transformer turns the event into a few lines of text
// (service, severity, account, region, title, a console link) instead of the
// raw event.
//
// The topic is encrypted with a key of its own (rotated, retained on
// delete) that EventBridge may use to publish, with no source condition:
// the SNS Developer Guide ("Managing Amazon SNS encryption keys and costs",
// enabling compatibility between event sources from AWS services and
// encrypted topics) says aws:SourceAccount, aws:SourceArn and
// aws:SourceOrgID in a KMS key policy are not supported for
// EventBridge-to-encrypted topics, and delivery fails with them (Landing
// Zone Accelerator hit it: github.com/awslabs/landing-zone-accelerator-on-aws/issues/407).
// The fence is the topic's policy instead: only EventBridge rules of this
// account and region (aws:SourceAccount and aws:SourceArn, which SNS topic
// policies support for service principals: SNS Developer Guide, "Example
// cases for Amazon SNS access control", aws:SourceAccount versus
// aws:SourceOwner) may publish, and only over TLS. What remains: EventBridge
// may use the key for any caller that names it (another account's rule or
// bus could make EventBridge encrypt with it, their own data only); the
// docs name no condition EventBridge supports here to narrow it (SNS's
// encryption context is not documented as a policy condition), so none is
// guessed.
//
// The package imports nothing from palisade: copy it into any CDK app.
package alerts

import (
	"fmt"
	"net/mail"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Severity is a finding severity label, as Security Hub names them.
type Severity string

// The severities, lowest first.
const (
	Low      Severity = "LOW"
	Medium   Severity = "MEDIUM"
	High     Severity = "HIGH"
	Critical Severity = "CRITICAL"
)

var severities = []Severity{Low, Medium, High, Critical}

// guardDutyThreshold is the lowest GuardDuty numeric severity of each label.
var guardDutyThreshold = map[Severity]float64{Low: 1, Medium: 4, High: 7, Critical: 9}

// Props configure Alerts.
type Props struct {
	// MinSeverity is the lowest severity that alerts. Default: High.
	MinSeverity Severity
	// Emails are the addresses subscribed to the topic; each must confirm
	// its subscription from the mail AWS sends. Default: none, subscribe
	// other endpoints to Topic.
	Emails []string
}

// Alerts is an encrypted SNS topic fed by EventBridge rules for Security
// Hub and GuardDuty findings.
type Alerts struct {
	constructs.Construct
	// Topic receives the alert messages.
	Topic awssns.Topic
	// Key encrypts Topic.
	Key awskms.Key
	// SecurityHubRule and GuardDutyRule send findings to Topic.
	SecurityHubRule, GuardDutyRule awsevents.CfnRule
}

// New creates Alerts. Props that cannot work panic with the prop's name.
func New(scope constructs.Construct, id string, props *Props) *Alerts {
	p := withDefaults(props)
	c := constructs.NewConstruct(scope, &id)
	a := &Alerts{Construct: c}
	account := awscdk.Stack_Of(c).Account()
	stack := awscdk.Stack_Of(c)
	fromThisAccountsRules := &map[string]any{
		"StringEquals": map[string]any{"aws:SourceAccount": account},
		"ArnLike":      map[string]any{"aws:SourceArn": fmt.Sprintf("arn:%s:events:%s:%s:rule/*", *stack.Partition(), *stack.Region(), *account)},
	}
	events := awsiam.NewServicePrincipal(jsii.String("events.amazonaws.com"), nil)

	a.Key = awskms.NewKey(c, jsii.String("Key"), &awskms.KeyProps{
		Description:       jsii.String("Encrypts the security alerts topic"),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
	})
	a.Key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("EventBridgePublishesToTheTopic"),
		Principals: &[]awsiam.IPrincipal{events},
		// The actions the SNS Developer Guide lists for an event source.
		Actions:   jsii.Strings("kms:GenerateDataKey*", "kms:Decrypt"),
		Resources: jsii.Strings("*"), // in a key policy "*" is this key
		// No aws:SourceAccount/aws:SourceArn: not supported here (see the
		// package doc); the topic policy carries them.
	}), nil)
	denyGrantsExceptForAWSServices(a.Key)

	a.Topic = awssns.NewTopic(c, jsii.String("Topic"), &awssns.TopicProps{
		DisplayName: jsii.String("Security alerts"),
		MasterKey:   a.Key,
		EnforceSSL:  jsii.Bool(true),
	})
	a.Topic.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("EventBridgePublishes"),
		Principals: &[]awsiam.IPrincipal{events},
		Actions:    jsii.Strings("sns:Publish"),
		Resources:  jsii.Strings(*a.Topic.TopicArn()),
		Conditions: fromThisAccountsRules,
	}))
	for _, email := range p.Emails {
		// The address is the id: stable whatever the order of Emails.
		awssns.NewSubscription(c, jsii.String(email), &awssns.SubscriptionProps{
			Topic:    a.Topic,
			Protocol: awssns.SubscriptionProtocol_EMAIL,
			Endpoint: jsii.String(email),
		})
	}

	labels := severities[slices.Index(severities, p.MinSeverity):]
	a.SecurityHubRule = a.rule("SecurityHubRule", "Security Hub findings of severity "+string(p.MinSeverity)+" or above",
		map[string]any{
			"source":      []string{"aws.securityhub"},
			"detail-type": []string{"Security Hub Findings - Imported"},
			"detail": map[string]any{"findings": map[string]any{
				"Severity":    map[string]any{"Label": labels},
				"RecordState": []string{"ACTIVE"},
				"Workflow":    map[string]any{"Status": []string{"NEW"}},
			}},
		},
		map[string]string{
			"account":  "$.detail.findings[0].AwsAccountId",
			"region":   "$.detail.findings[0].Region",
			"title":    "$.detail.findings[0].Title",
			"severity": "$.detail.findings[0].Severity.Label",
			"id":       "$.detail.findings[0].Id",
		},
		"https://console.aws.amazon.com/securityhub/home?region=<region>#/findings?search=Id%3D%255Coperator%255C%253AEQUALS%255C%253A<id>",
		"Security Hub")
	a.GuardDutyRule = a.rule("GuardDutyRule", "GuardDuty findings of severity "+string(p.MinSeverity)+" or above",
		map[string]any{
			"source":      []string{"aws.guardduty"},
			"detail-type": []string{"GuardDuty Finding"},
			"detail": map[string]any{
				"severity": []any{map[string]any{"numeric": []any{">=", guardDutyThreshold[p.MinSeverity]}}},
			},
		},
		map[string]string{
			"account":  "$.detail.accountId",
			"region":   "$.detail.region",
			"title":    "$.detail.title",
			"severity": "$.detail.severity",
			"id":       "$.detail.id",
		},
		"https://console.aws.amazon.com/guardduty/home?region=<region>#/findings?macros=current&fId=<id>",
		"GuardDuty")
	return a
}

// rule makes an enabled rule on the default bus that sends matching events
// to the topic as a readable message.
func (a *Alerts) rule(id, description string, pattern map[string]any, paths map[string]string, link, service string) awsevents.CfnRule {
	message := fmt.Sprintf(`"%s finding, severity <severity>\n`+
		`Account: <account>\nRegion: <region>\nTitle: <title>\n`+
		`Open: %s"`, service, link)
	return awsevents.NewCfnRule(a.Construct, jsii.String(id), &awsevents.CfnRuleProps{
		Description:  jsii.String(description),
		State:        jsii.String("ENABLED"),
		EventPattern: pattern,
		Targets: &[]*awsevents.CfnRule_TargetProperty{{
			Id:  jsii.String("AlertsTopic"),
			Arn: a.Topic.TopicArn(),
			InputTransformer: &awsevents.CfnRule_InputTransformerProperty{
				InputPathsMap: &paths,
				InputTemplate: jsii.String(message),
			},
		}},
	})
}

func withDefaults(props *Props) Props {
	var p Props
	if props != nil {
		p = *props
	}
	if p.MinSeverity == "" {
		p.MinSeverity = High
	}
	if !slices.Contains(severities, p.MinSeverity) {
		panic(fmt.Sprintf("alerts: Props.MinSeverity %q is not a severity: use LOW, MEDIUM, HIGH or CRITICAL", p.MinSeverity))
	}
	for i, e := range p.Emails {
		if addr, err := mail.ParseAddress(e); err != nil || addr.Address != e || addr.Name != "" {
			panic(fmt.Sprintf("alerts: Props.Emails: %q is not a bare email address such as soc@example.com", e))
		}
		if slices.Contains(p.Emails[:i], e) {
			panic(fmt.Sprintf("alerts: Props.Emails: %q is listed twice", e))
		}
	}
	return p
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
