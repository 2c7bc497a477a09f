// Package guardrails provides Guardrails: the organization's service control
// policies (SCPs), made in the management account and attached to the roots,
// OUs or accounts given as targets.
//
// Three policies, each within the 5,120-character SCP limit (with AWS's
// FullAWSAccess, four of the five SCPs a target may have):
//
//   - ProtectSecurityBaseline denies every principal in a member account,
//     except the exempt deployment roles, the actions that blind the
//     security baseline: stopping, deleting or reconfiguring CloudTrail
//     trails and event data stores; stopping or deleting the AWS Config
//     recorder and delivery channel; deleting or disassociating GuardDuty
//     and Security Hub (and, in the administrator, dropping members or
//     publishing destinations); deleting IAM Access Analyzer analyzers;
//     deleting VPC flow logs; deleting CloudWatch Logs subscription filters,
//     which ship logs to the log drain, and, on the forwarded log groups
//     (Props.ForwardedLogGroups), replacing a filter or deleting the group;
//     deleting or replacing the drain's destinations (Props.LogDestinations);
//     and leaving the organization. It also denies the root user of every
//     member account everything (there is no exemption for root).
//   - ProtectDeployment keeps the exemption from being forged. The exempt
//     roles are the CDK bootstrap's CloudFormation execution roles: whoever
//     can act as one, or make CloudFormation act as one, is exempt. So, to
//     all but the exempt roles and the bootstrap's deploy roles (the roles
//     `cdk deploy` and CDK Pipelines assume, which pass the execution role
//     to CloudFormation), it denies creating, deleting, changing the trust
//     or permissions (inline, managed, boundary), tagging or passing any
//     role of the bootstrap or of Props.ExemptRoleArns; changing, deleting
//     or rolling back the deployment's stacks (Props.ProtectedStackNames,
//     which CloudFormation updates as the execution role they were created
//     with); and writing to the bootstrap's asset bucket, where templates
//     and Lambda code wait between publishing and deploying (the file
//     publishing roles may). And it denies assuming any of these roles to
//     every principal of a member account but those of
//     Props.DeployingAccounts: the bootstrap roles trust their own account,
//     so any administrator of it could otherwise become its deploy role.
//   - The deployment's own deploy-time functions (CloudFormation custom
//     resources) that must make a call ProtectSecurityBaseline denies (the
//     security account adopting the GuardDuty detector that GuardDuty's
//     delegation made, with guardduty:UpdateDetector) run as roles named by
//     Props.FunctionRoleArns. Those are exempt from the actions of the
//     security services statement they must call (Props.FunctionRoleActions,
//     a statement of its own) and from nothing else, and ProtectDeployment protects them as it protects
//     the exempt roles (nobody but the deployment may create, change, pass
//     or assume them), and protects their functions (Props.FunctionNames):
//     nobody but the exempt roles may invoke, re-code, re-configure or
//     re-permission them, since a function acts as its role whatever event
//     it is given. The exemption is no wider: acting as a function role
//     takes acting as the deployment first.
//   - DenyOutsideAllowedRegions, made only when Props.AllowedRegions is set,
//     denies every action requested in any other region, except the actions
//     of global services (GlobalServiceActions: IAM, Organizations, STS,
//     CloudFront, Route 53, billing and support, and the like, whose
//     endpoints live in us-east-1) and the exempt deployment roles.
//
// SCPs never restrict the management account, nor service-linked roles,
// nor principals of accounts outside the organization (AWS Organizations
// User Guide, "Service control policies (SCPs)": SCPs affect only the IAM
// users and roles of member accounts, not the management account's, and
// not service-linked roles). The deployment roles are exempt by ARN pattern
// (aws:PrincipalArn, ArnLike); the patterns are also the Resource of the
// role deny above, so a role whose name or path makes it match is exactly
// a role nobody but the deployment may create. The policy documents are
// plain Go data (Policies), for review and tests.
//
// The package imports nothing from palisade: copy it into any CDK app.
package guardrails

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsorganizations"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Policy names, unique in the organization.
const (
	ProtectSecurityBaseline   = "ProtectSecurityBaseline"
	ProtectDeployment         = "ProtectDeployment"
	DenyOutsideAllowedRegions = "DenyOutsideAllowedRegions"
)

// MaxPolicySize is the largest SCP document AWS Organizations accepts, in
// characters.
const MaxPolicySize = 5120

// DefaultQualifier is the CDK bootstrap's default qualifier, the hnb659fds
// in every bootstrap resource's name.
const DefaultQualifier = "hnb659fds"

// DefaultExemptRoleArns are the principals exempt when Props.ExemptRoleArns
// is empty: the CloudFormation execution roles of the CDK bootstrap with its
// default qualifier, in every account and region.
var DefaultExemptRoleArns = []string{"arn:aws:iam::*:role/cdk-hnb659fds-cfn-exec-role-*"}

// DefaultProtectedStackNames are the stacks ProtectDeployment keeps when
// Props.ProtectedStackNames is empty: the CDK bootstrap stack, which
// defines the execution and deploy roles.
var DefaultProtectedStackNames = []string{"CDKToolkit"}

// Props configure Guardrails.
type Props struct {
	// TargetIds are where the policies are attached: the organization root
	// (r-...), organizational units (ou-...) or member accounts (12 digits).
	// Default: none, at least one is required.
	TargetIds []string
	// Qualifier is the CDK bootstrap qualifier of the deployment: its roles
	// are arn:aws:iam::*:role/cdk-<Qualifier>-*, its asset buckets
	// cdk-<Qualifier>-assets-*. Default: DefaultQualifier, hnb659fds.
	Qualifier string
	// ExemptRoleArns are IAM role ARN patterns (aws:PrincipalArn, ArnLike:
	// '*' and '?' match) the policies do not restrict, other than the root
	// user deny: the roles that deploy the baseline. ProtectDeployment keeps
	// anyone else from creating, changing, passing or assuming them.
	// Default: the CDK bootstrap execution roles of Qualifier,
	// arn:aws:iam::*:role/cdk-hnb659fds-cfn-exec-role-* (DefaultExemptRoleArns).
	ExemptRoleArns []string
	// FunctionRoleArns are IAM role ARN patterns (as ExemptRoleArns) of the
	// deployment's own deploy-time functions (CloudFormation custom
	// resources) that must make calls ProtectSecurityBaseline denies, such
	// as guardduty:UpdateDetector on the detector GuardDuty's delegation
	// made. They are exempt from the security services statement only (not
	// from the log shipping, root or region statements), and protected as
	// the exempt roles are: ProtectDeployment denies creating, changing,
	// tagging, passing or assuming them to all but the exempt and deploy
	// roles. They are not deploy roles themselves: they may not change the
	// deployment. Default: none.
	FunctionRoleArns []string
	// FunctionRoleActions are the actions of DeniedActions that
	// FunctionRoleArns are exempt from, and the only ones: what the
	// deploy-time functions must call, such as guardduty:UpdateDetector.
	// Every other action of DeniedActions stays denied to them. Required
	// with FunctionRoleArns. Default: none.
	FunctionRoleActions []string
	// FunctionNames are the names (patterns: '*' and '?' match) of the
	// Lambda functions that run as FunctionRoleArns: ProtectDeployment
	// denies creating, invoking, re-coding, re-configuring or
	// re-permissioning them (FunctionActions) to all but the exempt roles,
	// since whoever can invoke one with an event of their own acts as its
	// exempt role. Required with FunctionRoleArns. Default: none.
	FunctionNames []string
	// ProtectedStackNames are the CloudFormation stack names (patterns:
	// '*' and '?' match) that only the exempt and deploy roles may change:
	// every stack the exempt roles deploy, and the bootstrap stack. Setting
	// it replaces the default, so list the bootstrap stack too.
	// Default: DefaultProtectedStackNames, CDKToolkit only.
	ProtectedStackNames []string
	// DeployingAccounts are the member accounts (12 digits) whose principals
	// may assume the bootstrap and exempt roles, in their own account and in
	// those that trust them: the account that runs `cdk deploy` or the
	// pipeline, when it is not the management account (SCPs never bind the
	// management account). Default: none, no member account's principal may.
	DeployingAccounts []string
	// ForwardedLogGroups are the CloudWatch log groups (names, or patterns
	// where '*' and '?' match, starting with a literal) whose subscription filters ship them to the log drain:
	// nobody but the exempt roles may replace a filter on them or delete
	// them. Default: none (subscription filters still cannot be deleted
	// anywhere).
	ForwardedLogGroups []string
	// LogDestinations are the names of the CloudWatch Logs destinations of
	// the log drain: nobody but the exempt roles may delete or replace them
	// or their policies. Default: none.
	LogDestinations []string
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

// Each action below is named as the Service Authorization Reference lists
// it, and scoped only where its resource type lets a Resource pattern say
// what is protected: IAM's role actions (role), CloudFormation's stack
// actions (stack, arn:aws:cloudformation:<region>:<account>:stack/<name>/<id>),
// S3 object and bucket actions, CloudWatch Logs' log-group and destination
// actions. None of them has a condition key that names the subscription
// filter's destination or the template's content, so what is protected is
// named by resource, not by what a request would set.

// RoleActions are what ProtectDeployment denies on the bootstrap and exempt
// roles to all but the exempt and deploy roles: everything that creates,
// removes, re-trusts, re-permissions or tags a role, and passing it to a
// service (a stack given the execution role acts as it).
var RoleActions = []string{
	"iam:CreateRole", "iam:DeleteRole", "iam:UpdateRole", "iam:UpdateRoleDescription", "iam:UpdateAssumeRolePolicy",
	"iam:AttachRolePolicy", "iam:DetachRolePolicy", "iam:PutRolePolicy", "iam:DeleteRolePolicy",
	"iam:PutRolePermissionsBoundary", "iam:DeleteRolePermissionsBoundary",
	"iam:TagRole", "iam:UntagRole", "iam:PassRole",
}

// StackActions are every CloudFormation write action on a stack:
// ProtectDeployment denies them on the protected stacks to all but the
// exempt and deploy roles. An update of a stack created with a service
// role runs as that role whoever asks for it (CloudFormation API
// Reference, CreateChangeSet and UpdateStack, RoleARN: "CloudFormation
// uses this role for all future operations on the stack. Provided that
// users have permission to operate on the stack, CloudFormation uses this
// role even if the users don't have permission to pass it"), so without
// this deny anyone allowed to update a palisade stack acts as the exempt
// execution role.
var StackActions = []string{
	"cloudformation:CreateStack", "cloudformation:UpdateStack", "cloudformation:DeleteStack",
	"cloudformation:CreateChangeSet", "cloudformation:ExecuteChangeSet", "cloudformation:DeleteChangeSet",
	"cloudformation:SetStackPolicy", "cloudformation:UpdateTerminationProtection",
	"cloudformation:ContinueUpdateRollback", "cloudformation:CancelUpdateStack", "cloudformation:RollbackStack",
	"cloudformation:SignalResource", "cloudformation:RecordHandlerProgress",
	"cloudformation:CreateStackRefactor", "cloudformation:ExecuteStackRefactor",
	"cloudformation:TagResource", "cloudformation:UntagResource",
}

// FunctionActions are what ProtectDeployment denies on the deploy-time
// functions (Props.FunctionNames) to all but the exempt roles: a function
// acts as its role whatever event it is given, so invoking it (the AWS SDK
// call of CDK's AwsCustomResource function is the event's), replacing its
// code or configuration, letting others invoke it (a resource policy, a
// function URL, an alias or version with its own policy, asynchronous
// invocation destinations), or creating it under its name, is acting as
// the exempt role. CloudFormation invokes a custom resource's function for
// the stack, whose operations run as the stack's execution role (see
// StackActions), an exempt role. Event source mappings are left out: the
// mapping polls its source with the function's role, which has no
// permission to read any queue or stream, and nobody but the deployment
// may change that role.
var FunctionActions = []string{
	"lambda:InvokeFunction", "lambda:InvokeAsync", "lambda:CreateFunction", "lambda:DeleteFunction",
	"lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration", "lambda:AddPermission",
	"lambda:PublishVersion", "lambda:CreateAlias", "lambda:UpdateAlias",
	"lambda:CreateFunctionUrlConfig", "lambda:UpdateFunctionUrlConfig",
	"lambda:PutFunctionEventInvokeConfig", "lambda:UpdateFunctionEventInvokeConfig",
}

// AssetActions are what ProtectDeployment denies on the bootstrap's asset
// buckets (cdk-<qualifier>-assets-<account>-<region>) to all but the file
// publishing, deploy and exempt roles: templates and Lambda code wait there
// between publishing and deploying, and whoever replaces one deploys it as
// the execution role. Creating the bucket is denied too, so nobody squats
// its name before the bootstrap.
var AssetActions = []string{
	"s3:PutObject", "s3:PutObjectAcl", "s3:DeleteObject",
	"s3:CreateBucket", "s3:DeleteBucket", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy", "s3:PutBucketAcl",
}

// LogGroupActions are what ProtectSecurityBaseline denies on the forwarded
// log groups to all but the exempt roles: a log group has as many as two
// subscription filters, and PutSubscriptionFilter with an existing
// filter's name replaces it (CloudWatch Logs API Reference,
// PutSubscriptionFilter), so it would re-point shipping elsewhere without
// deleting a filter; deleting the group deletes its filters with it.
var LogGroupActions = []string{"logs:PutSubscriptionFilter", "logs:DeleteLogGroup"}

// DestinationActions are what ProtectSecurityBaseline denies on the log
// drain's destinations to all but the exempt roles: deleting one, or
// replacing it or its policy, stops every account's shipping.
var DestinationActions = []string{"logs:DeleteDestination", "logs:PutDestination", "logs:PutDestinationPolicy"}

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
	targetID   = regexp.MustCompile(`^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|[0-9]{12})$`)
	roleArn    = regexp.MustCompile(`^arn:aws[a-z-]*:iam::([0-9]{12}|\*):role/[\w+=,.@/*?-]+$`)
	region     = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]$`)
	qualifier  = regexp.MustCompile(`^[a-z0-9]{1,10}$`)
	stackName  = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9*?-]{0,127}$`)
	accountID  = regexp.MustCompile(`^[0-9]{12}$`)
	logGroup   = regexp.MustCompile(`^[A-Za-z0-9_\-/.#][A-Za-z0-9_\-/.#*?]{0,511}$`)
	logDrainID = regexp.MustCompile(`^[^:*]{1,512}$`)
	// Lambda API Reference, CreateFunction: FunctionName, with * and ?.
	functionName = regexp.MustCompile(`^[A-Za-z0-9_*?-]{1,64}$`)
)

// New creates Guardrails. Props that cannot work panic with the prop's name.
func New(scope constructs.Construct, id string, props *Props) *Guardrails {
	p := withDefaults(props)
	docs := policies(p)
	c := constructs.NewConstruct(scope, &id)
	g := &Guardrails{Construct: c, Policies: map[string]awsorganizations.CfnPolicy{}}
	descriptions := map[string]string{
		ProtectSecurityBaseline:   "Members cannot turn off CloudTrail, Config, GuardDuty, Security Hub, Access Analyzer, flow logs or log shipping, leave the organization, or act as root",
		ProtectDeployment:         "Only the deployment may change, pass or assume its CDK bootstrap roles, change its stacks or write its assets",
		DenyOutsideAllowedRegions: "Members cannot use regions outside the allowed ones, global services excepted",
	}
	// One policy at a time: each creates and attaches an SCP, and AWS
	// Organizations answers overlapping changes with
	// ConcurrentModificationException (AWS Organizations API Reference,
	// CreatePolicy and AttachPolicy, Errors), while CloudFormation creates
	// independent resources in parallel.
	var last awsorganizations.CfnPolicy
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
		if last != nil {
			g.Policies[name].AddDependency(last)
		}
		last = g.Policies[name]
	}
	return g
}

// Policies returns the SCP documents New makes from props, as compact JSON
// by policy name. Props that cannot work panic, as in New.
func Policies(props *Props) map[string]string {
	return policies(withDefaults(props))
}

func policies(p Props) map[string]string {
	q := p.Qualifier
	exempt := map[string]any{"ArnNotLike": map[string]any{"aws:PrincipalArn": p.ExemptRoleArns}}
	deployRoles := append(slices.Clone(p.ExemptRoleArns), "arn:aws:iam::*:role/cdk-"+q+"-deploy-role-*")
	deployPath := map[string]any{"ArnNotLike": map[string]any{"aws:PrincipalArn": deployRoles}}
	publishers := append(slices.Clone(deployRoles), "arn:aws:iam::*:role/cdk-"+q+"-file-publishing-role-*")
	// The deploy-time functions' roles are exempt from the security
	// services deny for FunctionRoleActions only: those actions are a
	// statement of their own.
	var denied, functionCalls []string
	for _, a := range DeniedActions {
		if slices.Contains(p.FunctionRoleActions, a) {
			functionCalls = append(functionCalls, a)
		} else {
			denied = append(denied, a)
		}
	}
	// Every role of the bootstrap (execution, deploy, file and image
	// publishing, lookup), and the exempt and function roles wherever they
	// are.
	roles := []string{"arn:aws:iam::*:role/cdk-" + q + "-*"}
	for _, r := range append(slices.Clone(p.ExemptRoleArns), p.FunctionRoleArns...) {
		if !slices.Contains(roles, r) {
			roles = append(roles, r)
		}
	}
	var stacks []string
	for _, name := range p.ProtectedStackNames {
		stacks = append(stacks, "arn:aws:cloudformation:*:*:stack/"+name+"/*")
	}

	baseline := []map[string]any{
		{
			"Sid":       "ProtectSecurityServices",
			"Effect":    "Deny",
			"Action":    denied,
			"Resource":  "*", // every trail, recorder, detector, hub, analyzer, flow log and filter
			"Condition": exempt,
		},
	}
	if len(functionCalls) > 0 {
		baseline = append(baseline, map[string]any{
			"Sid":      "ProtectSecurityServicesButDeployFunctions",
			"Effect":   "Deny",
			"Action":   functionCalls,
			"Resource": "*", // as ProtectSecurityServices
			"Condition": map[string]any{"ArnNotLike": map[string]any{
				"aws:PrincipalArn": append(slices.Clone(p.ExemptRoleArns), p.FunctionRoleArns...),
			}},
		})
	}
	if len(p.ForwardedLogGroups) > 0 {
		// The Service Authorization Reference writes a log group's ARN
		// arn:aws:logs:<region>:<account>:log-group:<name>, and CloudWatch
		// Logs also authorizes some actions on <that ARN>:* (CloudWatch
		// Logs User Guide, "CloudWatch Logs permissions reference"): both
		// forms are denied.
		groups := withQualifiers("arn:aws:logs:*:*:log-group:", p.ForwardedLogGroups)
		baseline = append(baseline, map[string]any{
			"Sid":       "ProtectForwardedLogGroups",
			"Effect":    "Deny",
			"Action":    LogGroupActions,
			"Resource":  groups,
			"Condition": exempt,
		})
	}
	if len(p.LogDestinations) > 0 {
		var dests []string
		for _, d := range p.LogDestinations {
			dests = append(dests, "arn:aws:logs:*:*:destination:"+d)
		}
		baseline = append(baseline, map[string]any{
			"Sid":       "ProtectLogDrain",
			"Effect":    "Deny",
			"Action":    DestinationActions,
			"Resource":  dests,
			"Condition": exempt,
		})
	}
	baseline = append(baseline, map[string]any{
		"Sid":       "DenyRootUser",
		"Effect":    "Deny",
		"Action":    "*",
		"Resource":  "*",
		"Condition": map[string]any{"StringLike": map[string]any{"aws:PrincipalArn": "arn:aws:iam::*:root"}},
	})

	assume := map[string]any{
		"Sid":      "AssumeDeploymentRoles",
		"Effect":   "Deny",
		"Action":   "sts:AssumeRole",
		"Resource": roles,
	}
	if len(p.DeployingAccounts) > 0 {
		assume["Condition"] = map[string]any{"StringNotEquals": map[string]any{"aws:PrincipalAccount": p.DeployingAccounts}}
	}
	deployment := []map[string]any{
		{
			"Sid":       "ProtectDeploymentRoles",
			"Effect":    "Deny",
			"Action":    RoleActions,
			"Resource":  roles,
			"Condition": deployPath,
		},
	}
	if len(p.FunctionNames) > 0 {
		// The function and its versions and aliases (<function ARN>:<qualifier>).
		fns := withQualifiers("arn:aws:lambda:*:*:function:", p.FunctionNames)
		deployment = append(deployment, map[string]any{
			"Sid":       "ProtectDeploymentFunctions",
			"Effect":    "Deny",
			"Action":    FunctionActions,
			"Resource":  fns,
			"Condition": exempt,
		})
	}
	out := map[string]string{
		ProtectSecurityBaseline: document(baseline...),
		ProtectDeployment: document(append(deployment,
			map[string]any{
				"Sid":       "ProtectDeploymentStacks",
				"Effect":    "Deny",
				"Action":    StackActions,
				"Resource":  stacks,
				"Condition": deployPath,
			},
			map[string]any{
				"Sid":       "ProtectDeploymentAssets",
				"Effect":    "Deny",
				"Action":    AssetActions,
				"Resource":  "arn:aws:s3:::cdk-" + q + "-assets-*", // the buckets and, * matching /, their objects
				"Condition": map[string]any{"ArnNotLike": map[string]any{"aws:PrincipalArn": publishers}},
			},
			assume,
		)...),
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
			panic(fmt.Sprintf("guardrails: policy %s is %d characters, more than the SCP limit of %d: shorten Props.ExemptRoleArns, Props.FunctionRoleArns, Props.FunctionRoleActions, Props.FunctionNames, Props.ProtectedStackNames, Props.DeployingAccounts, Props.ForwardedLogGroups, Props.LogDestinations or Props.AllowedRegions", name, len(doc), MaxPolicySize))
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
	if p.Qualifier == "" {
		p.Qualifier = DefaultQualifier
	}
	if !qualifier.MatchString(p.Qualifier) {
		panic(fmt.Sprintf("guardrails: Props.Qualifier: %q is not a CDK bootstrap qualifier: use 1 to 10 lowercase letters or digits, such as %s", p.Qualifier, DefaultQualifier))
	}
	if len(p.ExemptRoleArns) == 0 {
		p.ExemptRoleArns = []string{"arn:aws:iam::*:role/cdk-" + p.Qualifier + "-cfn-exec-role-*"}
	}
	checkList("ExemptRoleArns", p.ExemptRoleArns, roleArn, "an IAM role ARN pattern such as arn:aws:iam::*:role/cdk-hnb659fds-cfn-exec-role-*")
	checkList("FunctionRoleArns", p.FunctionRoleArns, roleArn, "an IAM role ARN pattern such as arn:aws:iam::*:role/myorg-deploy-fn-*")
	checkList("FunctionNames", p.FunctionNames, functionName, "a Lambda function name or pattern (* and ? match) such as myorg-deploy-fn-*")
	if (len(p.FunctionRoleArns) > 0) != (len(p.FunctionNames) > 0) {
		panic("guardrails: Props.FunctionRoleArns and Props.FunctionNames go together: an exempt function role is safe only while nobody else may invoke or change the functions that run as it")
	}
	if (len(p.FunctionRoleArns) > 0) != (len(p.FunctionRoleActions) > 0) {
		panic("guardrails: Props.FunctionRoleArns and Props.FunctionRoleActions go together: name the actions of DeniedActions the function roles must call, and only those")
	}
	for i, a := range p.FunctionRoleActions {
		if !slices.Contains(DeniedActions, a) {
			panic(fmt.Sprintf("guardrails: Props.FunctionRoleActions: %q is not one of DeniedActions: only those are denied, so only those need an exemption", a))
		}
		if slices.Contains(p.FunctionRoleActions[:i], a) {
			panic(fmt.Sprintf("guardrails: Props.FunctionRoleActions: %q is listed twice", a))
		}
	}
	if len(p.ProtectedStackNames) == 0 {
		p.ProtectedStackNames = slices.Clone(DefaultProtectedStackNames)
	}
	checkList("ProtectedStackNames", p.ProtectedStackNames, stackName, "a CloudFormation stack name or pattern starting with a letter, such as CDKToolkit or myorg-*")
	checkList("DeployingAccounts", p.DeployingAccounts, accountID, "a 12-digit account id")
	checkList("ForwardedLogGroups", p.ForwardedLogGroups, logGroup, "a log group name or pattern (* and ? match) starting with a letter, digit or one of _-/.#, such as /var/log/secure or myorg-network-*")
	checkList("LogDestinations", p.LogDestinations, logDrainID, "a CloudWatch Logs destination name (no : or *)")
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

// withQualifiers returns prefix+name for each name and, unless the name ends
// in * (which matches the colon and what follows already), also
// prefix+name+":*", the ARN with a qualifier (a log group's ":*", a
// function's version or alias).
func withQualifiers(prefix string, names []string) []string {
	var out []string
	for _, n := range names {
		out = append(out, prefix+n)
		if !strings.HasSuffix(n, "*") {
			out = append(out, prefix+n+":*")
		}
	}
	return out
}
