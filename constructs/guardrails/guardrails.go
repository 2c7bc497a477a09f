// Package guardrails provides Guardrails: the organization's service control
// policies (SCPs), made in the management account and attached to the roots,
// OUs or accounts given as targets.
//
// Two policies, each within the 5,120-character SCP limit:
//
//   - ProtectSecurityBaseline denies every principal in a member account,
//     except the exempt deployment roles, the actions that blind the
//     security baseline: stopping, deleting or reconfiguring CloudTrail
//     trails and event data stores; stopping or deleting the AWS Config
//     recorder and delivery channel; deleting or disassociating GuardDuty
//     and Security Hub (and, in the administrator, dropping members or
//     publishing destinations); deleting IAM Access Analyzer analyzers;
//     deleting VPC flow logs; deleting CloudWatch Logs subscription filters,
//     which ship logs to the log drain; and leaving the organization. It
//     also denies the root user of every member account everything (there is
//     no exemption for root).
//   - DenyOutsideAllowedRegions, made only when Props.AllowedRegions is set,
//     denies every action requested in any other region, except the actions
//     of global services (GlobalServiceActions: IAM, Organizations, STS,
//     CloudFront, Route 53, billing and support, and the like, whose
//     endpoints live in us-east-1) and the exempt deployment roles.
//
// SCPs never restrict the management account itself, nor service-linked
// roles. The deployment roles are exempt by ARN pattern (Props.ExemptRoleArns,
// default DefaultExemptRoleArns: the CDK bootstrap's CloudFormation execution
// roles), so that the stacks that build the baseline can still change it. The
// policy documents are plain Go data (Policies), for review and tests.
//
// The package imports nothing from palisade: copy it into any CDK app.
package guardrails

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsorganizations"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Policy names, unique in the organization.
const (
	ProtectSecurityBaseline   = "ProtectSecurityBaseline"
	DenyOutsideAllowedRegions = "DenyOutsideAllowedRegions"
)

// MaxPolicySize is the largest SCP document AWS Organizations accepts, in
// characters.
const MaxPolicySize = 5120

// DefaultExemptRoleArns are the principals exempt when Props.ExemptRoleArns
// is empty: the CloudFormation execution roles of the CDK bootstrap with its
// default qualifier, in every account and region.
var DefaultExemptRoleArns = []string{"arn:aws:iam::*:role/cdk-hnb659fds-cfn-exec-role-*"}

// Props configure Guardrails.
type Props struct {
	// TargetIds are where the policies are attached: the organization root
	// (r-...), organizational units (ou-...) or member accounts (12 digits).
	// Default: none, at least one is required.
	TargetIds []string
	// ExemptRoleArns are IAM role ARN patterns (aws:PrincipalArn, ArnLike:
	// '*' and '?' match) the policies do not restrict, other than the root
	// user deny: the roles that deploy the baseline. Default:
	// DefaultExemptRoleArns, the CDK bootstrap execution roles
	// arn:aws:iam::*:role/cdk-hnb659fds-cfn-exec-role-*.
	ExemptRoleArns []string
	// AllowedRegions, when set, are the only regions member accounts may use
	// (global services excepted, see GlobalServiceActions). Default: none, no
	// region is denied.
	AllowedRegions []string
}

// Guardrails are the organization's service control policies.
type Guardrails struct {
	constructs.Construct
	// Policies are the SCPs, by policy name.
	Policies map[string]awsorganizations.CfnPolicy
}

// DeniedActions are what ProtectSecurityBaseline denies to all but the
// exempt roles.
var DeniedActions = []string{
	// CloudTrail: the organization trail, and any trail or lake of the account.
	"cloudtrail:StopLogging", "cloudtrail:DeleteTrail", "cloudtrail:UpdateTrail",
	"cloudtrail:PutEventSelectors", "cloudtrail:DeleteEventDataStore",
	"cloudtrail:UpdateEventDataStore", "cloudtrail:StopEventDataStoreIngestion",
	// AWS Config: the recorder and where it delivers.
	"config:StopConfigurationRecorder", "config:DeleteConfigurationRecorder",
	"config:PutConfigurationRecorder", "config:DeleteDeliveryChannel",
	"config:PutDeliveryChannel", "config:DeleteRetentionConfiguration",
	// GuardDuty: in members, and in the administrator for its members.
	"guardduty:DeleteDetector", "guardduty:UpdateDetector",
	"guardduty:DisassociateFromMasterAccount", "guardduty:DisassociateFromAdministratorAccount",
	"guardduty:DeleteMembers", "guardduty:DisassociateMembers", "guardduty:StopMonitoringMembers",
	"guardduty:DeletePublishingDestination", "guardduty:UpdatePublishingDestination",
	// Security Hub: likewise, and its central configuration.
	"securityhub:DisableSecurityHub", "securityhub:DisassociateFromMasterAccount",
	"securityhub:DisassociateFromAdministratorAccount", "securityhub:DeleteMembers",
	"securityhub:DisassociateMembers", "securityhub:BatchDisableStandards",
	"securityhub:DeleteConfigurationPolicy", "securityhub:StartConfigurationPolicyDisassociation",
	"securityhub:DeleteFindingAggregator", "securityhub:UpdateOrganizationConfiguration",
	// IAM Access Analyzer.
	"access-analyzer:DeleteAnalyzer",
	// VPC flow logs.
	"ec2:DeleteFlowLogs",
	// The subscription filters that ship log groups to the log drain.
	"logs:DeleteSubscriptionFilter",
	// The organization itself.
	"organizations:LeaveOrganization",
}

// GlobalServiceActions are what DenyOutsideAllowedRegions leaves alone in
// every region: services that are global, or are reached through us-east-1
// whatever the caller's region (IAM, Organizations, STS's global endpoint,
// CloudFront and its certificates and WAF, Route 53, Global Accelerator,
// Shield, Support, Trusted Advisor, Health, billing, cost and pricing), and
// the few account-wide S3 and EC2 calls consoles make.
var GlobalServiceActions = []string{
	"iam:*", "organizations:*", "sts:*", "account:*",
	"cloudfront:*", "acm:*", "waf:*", "wafv2:*", "shield:*",
	"route53:*", "route53domains:*", "globalaccelerator:*", "networkmanager:*",
	"support:*", "trustedadvisor:*", "health:*",
	"aws-portal:*", "billing:*", "budgets:*", "ce:*", "cur:*", "pricing:*",
	"s3:ListAllMyBuckets", "s3:GetAccountPublicAccessBlock", "s3:PutAccountPublicAccessBlock",
	"ec2:DescribeRegions",
}

var (
	targetID = regexp.MustCompile(`^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|[0-9]{12})$`)
	roleArn  = regexp.MustCompile(`^arn:aws[a-z-]*:iam::([0-9]{12}|\*):role/[\w+=,.@/*?-]+$`)
	region   = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]$`)
)

// New creates Guardrails. Props that cannot work panic with the prop's name.
func New(scope constructs.Construct, id string, props *Props) *Guardrails {
	p := withDefaults(props)
	docs := policies(p)
	c := constructs.NewConstruct(scope, &id)
	g := &Guardrails{Construct: c, Policies: map[string]awsorganizations.CfnPolicy{}}
	descriptions := map[string]string{
		ProtectSecurityBaseline:   "Members cannot turn off CloudTrail, Config, GuardDuty, Security Hub, Access Analyzer, flow logs or log shipping, leave the organization, or act as root",
		DenyOutsideAllowedRegions: "Members cannot use regions outside the allowed ones, global services excepted",
	}
	for _, name := range sortedKeys(docs) {
		var content map[string]any
		if err := json.Unmarshal([]byte(docs[name]), &content); err != nil {
			panic(err) // made by json.Marshal
		}
		g.Policies[name] = awsorganizations.NewCfnPolicy(c, jsii.String(name), &awsorganizations.CfnPolicyProps{
			Name:        jsii.String(name),
			Description: jsii.String(descriptions[name]),
			Type:        jsii.String("SERVICE_CONTROL_POLICY"),
			Content:     content,
			TargetIds:   jsii.Strings(p.TargetIds...),
		})
	}
	return g
}

// Policies returns the SCP documents New makes from props, as compact JSON
// by policy name. Props that cannot work panic, as in New.
func Policies(props *Props) map[string]string {
	return policies(withDefaults(props))
}

func policies(p Props) map[string]string {
	exempt := map[string]any{"ArnNotLike": map[string]any{"aws:PrincipalArn": p.ExemptRoleArns}}
	out := map[string]string{
		ProtectSecurityBaseline: document(
			map[string]any{
				"Sid":       "ProtectSecurityServices",
				"Effect":    "Deny",
				"Action":    DeniedActions,
				"Resource":  "*", // every trail, recorder, detector, hub, analyzer, flow log and filter
				"Condition": exempt,
			},
			map[string]any{
				"Sid":       "DenyRootUser",
				"Effect":    "Deny",
				"Action":    "*",
				"Resource":  "*",
				"Condition": map[string]any{"StringLike": map[string]any{"aws:PrincipalArn": "arn:aws:iam::*:root"}},
			},
		),
	}
	if len(p.AllowedRegions) > 0 {
		out[DenyOutsideAllowedRegions] = document(map[string]any{
			"Sid":       "DenyOutsideAllowedRegions",
			"Effect":    "Deny",
			"NotAction": GlobalServiceActions,
			"Resource":  "*", // everything in the other regions
			"Condition": map[string]any{
				"StringNotEquals": map[string]any{"aws:RequestedRegion": p.AllowedRegions},
				"ArnNotLike":      map[string]any{"aws:PrincipalArn": p.ExemptRoleArns},
			},
		})
	}
	for name, doc := range out {
		if len(doc) > MaxPolicySize {
			panic(fmt.Sprintf("guardrails: policy %s is %d characters, more than the SCP limit of %d: shorten Props.ExemptRoleArns or Props.AllowedRegions", name, len(doc), MaxPolicySize))
		}
	}
	return out
}

func document(statements ...map[string]any) string {
	b, err := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": statements})
	if err != nil {
		panic(err)
	}
	return string(b)
}

func withDefaults(props *Props) Props {
	var p Props
	if props != nil {
		p = *props
	}
	if len(p.TargetIds) == 0 {
		panic("guardrails: Props.TargetIds is empty: list the root (r-...), OUs (ou-...) or accounts (12 digits) to attach the policies to")
	}
	checkList("TargetIds", p.TargetIds, targetID, "a root (r-...), OU (ou-...-...) or 12-digit account id")
	if len(p.ExemptRoleArns) == 0 {
		p.ExemptRoleArns = slices.Clone(DefaultExemptRoleArns)
	}
	checkList("ExemptRoleArns", p.ExemptRoleArns, roleArn, "an IAM role ARN pattern such as arn:aws:iam::*:role/cdk-hnb659fds-cfn-exec-role-*")
	checkList("AllowedRegions", p.AllowedRegions, region, "a region such as eu-west-1")
	return p
}

func checkList(prop string, values []string, re *regexp.Regexp, allowed string) {
	for i, v := range values {
		if !re.MatchString(v) {
			panic(fmt.Sprintf("guardrails: Props.%s: %q is not %s", prop, v, allowed))
		}
		if slices.Contains(values[:i], v) {
			panic(fmt.Sprintf("guardrails: Props.%s: %q is listed twice", prop, v))
		}
	}
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
