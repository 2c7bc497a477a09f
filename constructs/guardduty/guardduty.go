// Package guardduty provides Detector: Amazon GuardDuty in one account and
// region, and, in the delegated administrator (the security account), the
// organization's GuardDuty: members enabled automatically and findings
// exported to the log archive. GuardDuty is regional: build a Detector in
// every account and region that is governed.
//
// The detector is enabled, publishes updated findings every fifteen minutes
// (the shortest interval) and is retained on delete: deleting a detector
// deletes its findings. It turns on the protection plans named in
// Props.Features, by default S3 protection (S3_DATA_EVENTS) and Malware
// Protection for EC2 (EBS_MALWARE_PROTECTION). RUNTIME_MONITORING also turns
// on GuardDuty's management of its security agent for EKS, ECS on Fargate
// and EC2: without the agent it sees nothing.
//
// With Props.Administrator the detector is the organization's:
//
//   - It is not created: designating the delegated administrator made it,
//     and a second detector in the account and region would be refused. A
//     custom resource finds it (guardduty:ListDetectors) and another sets
//     it as a member's is set (guardduty:UpdateDetector: enabled, fifteen
//     minutes, Features), on create and update; neither undoes anything on
//     delete. Where a guardrail denies guardduty:UpdateDetector, the
//     custom resource function must run as a role it exempts: name it with
//     Props.FunctionRoleName (and the function with Props.FunctionName).
//   - AWS CloudFormation has no resource type for GuardDuty's organization
//     configuration, so a custom resource (AwsCustomResource, an AWS
//     Lambda function of CDK's) calls guardduty:UpdateOrganizationConfiguration
//     on create and update, with only that action. The action has no
//     resource type (Service Authorization Reference, Amazon GuardDuty), so
//     only Resource "*" grants it: a detector ARN would grant nothing.
//     It enables GuardDuty, with the same features, in every member account,
//     present and future (AutoEnableOrganizationMembers ALL). Removing the
//     construct leaves the organization configuration as it was.
//   - Findings are exported (AWS::GuardDuty::PublishingDestination) to an S3
//     bucket given by ARN, encrypted with a KMS key given by ARN. Their
//     policies are the archive's job and must be in place first: GuardDuty
//     checks them. The bucket's must let guardduty.amazonaws.com, with
//     aws:SourceAccount this account, s3:GetBucketLocation and s3:PutObject
//     under the prefix; the key's must let it kms:GenerateDataKey.
//
// In an organization member accounts get their detector from the
// administrator's auto-enable. A Detector in a member account must
// therefore be deployed before its account joins GuardDuty's organization,
// or CloudFormation finds a detector already there.
//
// The management account makes the security account GuardDuty's delegated
// administrator with NewDelegatedAdmin, in every region: CloudFormation has
// no resource type for it either, so it is also a custom resource.
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
package guardduty

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsguardduty"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/customresources"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Feature is a GuardDuty protection plan, as the GuardDuty API names it.
type Feature string

// The protection plans a Detector can turn on.
const (
	S3DataEvents         Feature = "S3_DATA_EVENTS"
	EBSMalwareProtection Feature = "EBS_MALWARE_PROTECTION"
	RuntimeMonitoring    Feature = "RUNTIME_MONITORING"
	EKSAuditLogs         Feature = "EKS_AUDIT_LOGS"
	RDSLoginEvents       Feature = "RDS_LOGIN_EVENTS"
	LambdaNetworkLogs    Feature = "LAMBDA_NETWORK_LOGS"
)

var features = []Feature{S3DataEvents, EBSMalwareProtection, RuntimeMonitoring, EKSAuditLogs, RDSLoginEvents, LambdaNetworkLogs}

// DefaultFeatures are turned on when Props.Features is empty.
var DefaultFeatures = []Feature{S3DataEvents, EBSMalwareProtection}

// runtimeAgents are RUNTIME_MONITORING's agent management settings.
var runtimeAgents = []string{"EKS_ADDON_MANAGEMENT", "ECS_FARGATE_AGENT_MANAGEMENT", "EC2_AGENT_MANAGEMENT"}

// Props configure a Detector.
type Props struct {
	// Features are the protection plans to turn on, each once; the others
	// are turned off (GuardDuty would otherwise turn most of them on, and
	// bill them). Default: DefaultFeatures, S3_DATA_EVENTS and
	// EBS_MALWARE_PROTECTION.
	Features []Feature
	// Administrator makes this the organization's detector, in GuardDuty's
	// delegated administrator: it enables GuardDuty with Features in every
	// member account and exports findings to FindingsBucketArn.
	// Default: false, a detector for this account only.
	Administrator bool
	// FindingsBucketArn is where the administrator exports findings: a
	// bucket ARN, optionally with a prefix (arn:aws:s3:::name/prefix).
	// Default: none; required with Administrator, refused without it.
	FindingsBucketArn string
	// FindingsKeyArn is the KMS key (not an alias) GuardDuty encrypts
	// exported findings with. Default: none; required with Administrator,
	// refused without it.
	FindingsKeyArn string
	// FunctionRoleName names the IAM role of the administrator's
	// deploy-time function (the stack's AwsCustomResource function, which
	// adopts and configures the detector): a guardrail that denies
	// guardduty:UpdateDetector must exempt it, by a name nobody else may
	// take. The Detector must then be the first AwsCustomResource of its
	// stack (the function and its role are the stack's, shared). Only with
	// Administrator. Default: none, a role CloudFormation names.
	FunctionRoleName string
	// FunctionName names that function, for a guardrail that keeps anyone
	// else from invoking or changing it. Only with FunctionRoleName.
	// Default: none, a name CloudFormation makes.
	FunctionName string
}

// Detector is GuardDuty in one account and region.
type Detector struct {
	constructs.Construct
	// Detector is the GuardDuty detector; nil with Administrator, whose
	// detector GuardDuty's delegation made and ConfigureDetector adopts.
	Detector awsguardduty.CfnDetector
	// DetectorId is the detector's id (a token).
	DetectorId *string
	// ConfigureDetector adopts and configures the administrator's detector;
	// nil unless Administrator.
	ConfigureDetector customresources.AwsCustomResource
	// PublishingDestination exports findings; nil unless Administrator.
	PublishingDestination awsguardduty.CfnPublishingDestination
	// OrganizationConfiguration enables members; nil unless Administrator.
	OrganizationConfiguration customresources.AwsCustomResource
}

var (
	accountID = regexp.MustCompile(`^[0-9]{12}$`)
	bucketArn = regexp.MustCompile(`^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/[A-Za-z0-9_.!*'()/-]*)?$`)
	keyArn    = regexp.MustCompile(`^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$`)
	// IAM User Guide, IAM quotas: role names; Lambda API Reference,
	// CreateFunction: FunctionName.
	roleName     = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)
	functionName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
)

// New creates a Detector. Props that cannot work panic with the prop's name.
func New(scope constructs.Construct, id string, props *Props) *Detector {
	p := withDefaults(props)
	c := constructs.NewConstruct(scope, &id)
	d := &Detector{Construct: c}

	// GuardDuty turns on every feature a detector does not name (Runtime
	// Monitoring excepted): name them all, so that Features is the truth.
	var cfnFeatures []any
	for _, f := range features {
		status := "DISABLED"
		if slices.Contains(p.Features, f) {
			status = "ENABLED"
		}
		feature := &awsguardduty.CfnDetector_CFNFeatureConfigurationProperty{Name: jsii.String(string(f)), Status: jsii.String(status)}
		if f == RuntimeMonitoring {
			var agents []any
			for _, a := range runtimeAgents {
				agents = append(agents, &awsguardduty.CfnDetector_CFNFeatureAdditionalConfigurationProperty{Name: jsii.String(a), Status: jsii.String(status)})
			}
			feature.AdditionalConfiguration = agents
		}
		cfnFeatures = append(cfnFeatures, feature)
	}
	if !p.Administrator {
		d.Detector = awsguardduty.NewCfnDetector(c, jsii.String("Detector"), &awsguardduty.CfnDetectorProps{
			Enable:                     jsii.Bool(true),
			FindingPublishingFrequency: jsii.String("FIFTEEN_MINUTES"),
			Features:                   cfnFeatures,
		})
		d.Detector.ApplyRemovalPolicy(awscdk.RemovalPolicy_RETAIN, nil)
		d.DetectorId = d.Detector.Ref()
		return d
	}

	// The administrator's detector exists already: designating the
	// delegated administrator "also enables GuardDuty for the delegated
	// GuardDuty administrator account" in that Region (GuardDuty User Guide,
	// "Permissions required to designate a delegated GuardDuty administrator
	// account"), and an account has one detector per Region (GuardDuty API
	// Reference, CreateDetector: "only one detector per account per
	// Region"; terraform-provider-aws#11780 shows the refusal). So it is
	// adopted, not created: ListDetectors finds it and UpdateDetector sets
	// what an AWS::GuardDuty::Detector would (enabled, fifteen minutes, the
	// features), on create and on every update; both calls are idempotent,
	// so a rerun after a failed deployment goes through. With no detector
	// (no designation in this Region) FindDetector fails the deployment:
	// the response has no DetectorIds.0. Deleting the stack leaves the
	// detector enabled and configured: a guardrail turning off is never to
	// be a side effect of a delete (the member detector is retained for the
	// same reason).
	var role awsiam.IRole
	if p.FunctionRoleName != "" {
		if awscdk.Stack_Of(c).Node().TryFindChild(jsii.String(providerID)) != nil {
			panic("guardduty: Props.FunctionRoleName: the stack's AwsCustomResource function exists already, with its own role; build the Detector before any other AwsCustomResource of the stack")
		}
	}
	logs := customResourceLogs(c, nil)
	if p.FunctionRoleName != "" {
		named := awsiam.NewRole(c, jsii.String("FunctionRole"), &awsiam.RoleProps{
			RoleName:    jsii.String(p.FunctionRoleName),
			Description: jsii.String("The deploy-time function that adopts and configures the GuardDuty administrator's detector"),
			AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		})
		customResourceLogsPolicy(awscdk.Stack_Of(c), named, logs)
		role = named
	} else {
		role = customResourceRole(c, logs)
	}
	var fnName *string
	if p.FunctionName != "" {
		fnName = jsii.String(p.FunctionName)
	}
	stack := awscdk.Stack_Of(c)
	find := &customresources.AwsSdkCall{
		Service:            jsii.String("GuardDuty"),
		Action:             jsii.String("listDetectors"),
		PhysicalResourceId: customresources.PhysicalResourceId_FromResponse(jsii.String("DetectorIds.0")),
		OutputPaths:        jsii.Strings("DetectorIds.0"),
	}
	findDetector := customresources.NewAwsCustomResource(c, jsii.String("FindDetector"), &customresources.AwsCustomResourceProps{
		OnCreate:            find,
		OnUpdate:            find,
		InstallLatestAwsSdk: jsii.Bool(false),
		LogGroup:            logs,
		Role:                role,
		FunctionName:        fnName,
		Policy: customresources.AwsCustomResourcePolicy_FromStatements(&[]awsiam.PolicyStatement{
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Actions: jsii.Strings("guardduty:ListDetectors"),
				// No resource type (Service Authorization Reference, Amazon
				// GuardDuty): only "*" grants it.
				Resources: jsii.Strings("*"),
			}),
		}),
	})
	d.DetectorId = findDetector.GetResponseField(jsii.String("DetectorIds.0"))
	apiFeatures := featureSettings(p.Features, "Status", "ENABLED", "DISABLED")
	configure := &customresources.AwsSdkCall{
		Service: jsii.String("GuardDuty"),
		Action:  jsii.String("updateDetector"),
		Parameters: map[string]any{
			"DetectorId":                 d.DetectorId,
			"Enable":                     true,
			"FindingPublishingFrequency": "FIFTEEN_MINUTES",
			"Features":                   apiFeatures,
		},
		PhysicalResourceId: customresources.PhysicalResourceId_Of(d.DetectorId),
	}
	d.ConfigureDetector = customresources.NewAwsCustomResource(c, jsii.String("ConfigureDetector"), &customresources.AwsCustomResourceProps{
		OnCreate:            configure,
		OnUpdate:            configure,
		InstallLatestAwsSdk: jsii.Bool(false),
		LogGroup:            logs,
		Policy: customresources.AwsCustomResourcePolicy_FromStatements(&[]awsiam.PolicyStatement{
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Actions: jsii.Strings("guardduty:UpdateDetector"),
				// Its resource type is the detector: this account's, in this
				// Region.
				Resources: jsii.Strings(fmt.Sprintf("arn:%s:guardduty:%s:%s:detector/*", *stack.Partition(), *stack.Region(), *stack.Account())),
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Actions: jsii.Strings("iam:CreateServiceLinkedRole"),
				// Turning on Malware Protection for EC2 creates its
				// service-linked role (GuardDuty User Guide, "Service-linked
				// role permissions for Malware Protection for EC2"), which the
				// caller must be allowed to create; only that role.
				Resources:  jsii.Strings(fmt.Sprintf("arn:%s:iam::%s:role/aws-service-role/malware-protection.guardduty.amazonaws.com/*", *stack.Partition(), *stack.Account())),
				Conditions: &map[string]any{"StringEquals": map[string]any{"iam:AWSServiceName": "malware-protection.guardduty.amazonaws.com"}},
			}),
		}),
	})
	suppressProvider(findDetector, nagRule{"AwsSolutions-IAM5", "guardduty:ListDetectors has no resource type in the Service Authorization Reference: only Resource * grants it"})
	suppressProvider(d.ConfigureDetector, nagRule{"AwsSolutions-IAM5", "the detector's id is GuardDuty's, found at deploy time: the ARN names this account's and Region's detectors; the service-linked role's path is AWS's"})

	d.PublishingDestination = awsguardduty.NewCfnPublishingDestination(c, jsii.String("PublishingDestination"), &awsguardduty.CfnPublishingDestinationProps{
		DetectorId:      d.DetectorId,
		DestinationType: jsii.String("S3"),
		DestinationProperties: &awsguardduty.CfnPublishingDestination_CFNDestinationPropertiesProperty{
			DestinationArn: jsii.String(p.FindingsBucketArn),
			KmsKeyArn:      jsii.String(p.FindingsKeyArn),
		},
	})
	// After the detector is configured (enabled): one GuardDuty change to
	// the detector at a time.
	d.PublishingDestination.Node().AddDependency(d.ConfigureDetector)

	orgFeatures := featureSettings(p.Features, "AutoEnable", "ALL", "NONE")
	call := &customresources.AwsSdkCall{
		Service: jsii.String("GuardDuty"),
		Action:  jsii.String("updateOrganizationConfiguration"),
		Parameters: map[string]any{
			"DetectorId":                    d.DetectorId,
			"AutoEnableOrganizationMembers": "ALL",
			"Features":                      orgFeatures,
		},
		PhysicalResourceId: customresources.PhysicalResourceId_Of(jsii.String("OrganizationConfiguration")),
	}
	d.OrganizationConfiguration = customresources.NewAwsCustomResource(c, jsii.String("OrganizationConfiguration"), &customresources.AwsCustomResourceProps{
		OnCreate:            call,
		OnUpdate:            call,
		InstallLatestAwsSdk: jsii.Bool(false),
		LogGroup:            logs,
		Policy: customresources.AwsCustomResourcePolicy_FromStatements(&[]awsiam.PolicyStatement{
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Actions: jsii.Strings("guardduty:UpdateOrganizationConfiguration"),
				// The Service Authorization Reference (Amazon GuardDuty) lists
				// no resource type for it: only "*" grants it.
				Resources: jsii.Strings("*"),
			}),
		}),
	})
	d.OrganizationConfiguration.Node().AddDependency(d.ConfigureDetector)
	suppressProvider(d.OrganizationConfiguration, nagRule{"AwsSolutions-IAM5",
		"guardduty:UpdateOrganizationConfiguration has no resource type in the Service Authorization Reference: only Resource * grants it"})
	return d
}

// NewDelegatedAdmin makes adminAccountID (12 digits) GuardDuty's delegated
// administrator for the organization in this stack's region. Build it in
// the management account, in every governed region. CloudFormation has no
// resource type for it: it is an AwsCustomResource whose role may call
// guardduty:EnableOrganizationAdminAccount and the AWS Organizations calls
// GuardDuty makes on the caller's behalf to register it.
//
// The designation also enables GuardDuty, a detector, in the administrator
// in this region (GuardDuty User Guide, "Permissions required to designate
// a delegated GuardDuty administrator account": it "also enables GuardDuty
// for the delegated GuardDuty administrator account"): the administrator's
// Detector adopts that detector rather than creating one.
//
// It is made on create and again on update, and is idempotent: a rerun
// after a failed deployment, which leaves the designation behind, succeeds.
// The GuardDuty API Reference (EnableOrganizationAdminAccount) names no
// error for "already the administrator", only BadRequestException for
// every bad request, so the call ignores BadRequestException: the docs do
// not let the answer for an account already designated be told apart from
// the others by its code. A designation that did not happen (another
// administrator already set by hand, say) then fails the administrator's
// stack, whose GuardDuty calls only an administrator may make.
//
// Removing it leaves the administrator in place: removing the
// administrator disassociates every member account from it, and a
// guardrail turning off is never to be a side effect of a delete (call
// DisableOrganizationAdminAccount yourself).
func NewDelegatedAdmin(scope constructs.Construct, id, adminAccountID string) customresources.AwsCustomResource {
	if !accountID.MatchString(adminAccountID) {
		panic(fmt.Sprintf("guardduty: NewDelegatedAdmin adminAccountID %q is not a 12-digit account id", adminAccountID))
	}
	call := &customresources.AwsSdkCall{
		Service:                  jsii.String("GuardDuty"),
		Action:                   jsii.String("enableOrganizationAdminAccount"),
		Parameters:               map[string]any{"AdminAccountId": adminAccountID},
		PhysicalResourceId:       customresources.PhysicalResourceId_Of(jsii.String(adminAccountID)),
		IgnoreErrorCodesMatching: jsii.String("^BadRequestException$"),
	}
	stack := awscdk.Stack_Of(scope)
	logs := customResourceLogs(scope, nil)
	cr := customresources.NewAwsCustomResource(scope, jsii.String(id), &customresources.AwsCustomResourceProps{
		OnCreate:            call,
		OnUpdate:            call,
		InstallLatestAwsSdk: jsii.Bool(false),
		LogGroup:            logs,
		Role:                customResourceRole(scope, logs),
		// What the GuardDuty User Guide ("Permissions required to designate a
		// delegated GuardDuty administrator account") lists, each scoped as
		// far as the Service Authorization Reference (Amazon GuardDuty, AWS
		// Organizations) lets it be.
		Policy: customresources.AwsCustomResourcePolicy_FromStatements(&[]awsiam.PolicyStatement{
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid: jsii.String("NoResourceType"),
				Actions: jsii.Strings(
					"guardduty:EnableOrganizationAdminAccount",
					"organizations:ListDelegatedAdministrators",
					"organizations:ListAWSServiceAccessForOrganization",
					"organizations:DescribeOrganization",
					"organizations:ListAccounts",
				),
				// None of these has a resource type: only "*" grants them.
				Resources: jsii.Strings("*"),
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:     jsii.String("TrustGuardDuty"),
				Actions: jsii.Strings("organizations:EnableAWSServiceAccess"),
				// No resource type either; its condition key
				// organizations:ServicePrincipal keeps it to GuardDuty.
				Resources:  jsii.Strings("*"),
				Conditions: &map[string]any{"StringEquals": map[string]any{"organizations:ServicePrincipal": "guardduty.amazonaws.com"}},
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:     jsii.String("RegisterTheAdministrator"),
				Actions: jsii.Strings("organizations:RegisterDelegatedAdministrator"),
				// Its resource type is the account,
				// arn:aws:organizations::<management account>:account/o-<org>/<account>:
				// only the administrator, only for GuardDuty.
				Resources:  jsii.Strings(fmt.Sprintf("arn:%s:organizations::%s:account/o-*/%s", *stack.Partition(), *stack.Account(), adminAccountID)),
				Conditions: &map[string]any{"StringEquals": map[string]any{"organizations:ServicePrincipal": "guardduty.amazonaws.com"}},
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:     jsii.String("DescribeTheOrganization"),
				Actions: jsii.Strings("organizations:DescribeAccount", "organizations:DescribeOrganizationalUnit"),
				// Their resource types are the account and the OU; the
				// GuardDuty User Guide does not say which ones GuardDuty
				// describes, so any of this organization's (the management
				// account has one).
				Resources: jsii.Strings(
					fmt.Sprintf("arn:%s:organizations::%s:account/o-*/*", *stack.Partition(), *stack.Account()),
					fmt.Sprintf("arn:%s:organizations::%s:ou/o-*/ou-*", *stack.Partition(), *stack.Account()),
				),
			}),
		}),
	})
	suppressProvider(cr, nagRule{"AwsSolutions-IAM5",
		"guardduty:EnableOrganizationAdminAccount and the AWS Organizations reads and EnableAWSServiceAccess have no resource type in the Service Authorization Reference; the account and OU reads name any of this organization's, which the GuardDuty User Guide does not narrow"})
	return cr
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

// providerID is the id, in the stack, of the AWS Lambda function that CDK
// shares among a stack's AwsCustomResources.
const providerID = "AWS679f53fac002430cb0da5b7982bd2287"

// suppressProvider records why the custom resource's policy and CDK's shared
// function break cdk-nag rules.
func suppressProvider(cr customresources.AwsCustomResource, policyRules ...nagRule) {
	customResourceFunctionWaits(cr)
	suppress(cr.Node().FindChild(jsii.String("CustomResourcePolicy")), append(policyRules, nagRule{"NIST.800.53.R5-IAMNoInlinePolicy",
		"CDK attaches the custom resource's policy inline to its own function's role, which nothing else uses"})...)
	if fn := awscdk.Stack_Of(cr).Node().TryFindChild(jsii.String(providerID)); fn != nil {
		suppress(fn,
			nagRule{"NIST.800.53.R5-LambdaConcurrency", "CDK's custom resource function runs once per deployment of each of its resources; reserving concurrency would fail the deployment in new accounts, whose Lambda concurrency quota starts as low as 10 while Lambda keeps 100 unreserved"},
			nagRule{"NIST.800.53.R5-LambdaDLQ", "CloudFormation invokes CDK's custom resource function asynchronously and waits for its answer at the event's callback URL (Lambda Developer Guide, Using AWS Lambda with CloudFormation); a failed or lost invocation fails the stack operation, which CloudFormation reports, and the next deployment sends the request again: a dead-letter queue would hold only a copy of it"},
			nagRule{"NIST.800.53.R5-LambdaInsideVPC", "CDK's custom resource function calls only AWS APIs, while CloudFormation deploys; the security and management accounts have no VPC for it"},
		)
	}
}

func withDefaults(props *Props) Props {
	var p Props
	if props != nil {
		p = *props
	}
	if len(p.Features) == 0 {
		p.Features = slices.Clone(DefaultFeatures)
	}
	for i, f := range p.Features {
		if !slices.Contains(features, f) {
			names := make([]string, len(features))
			for j, f := range features {
				names[j] = string(f)
			}
			panic(fmt.Sprintf("guardduty: Props.Features: %q is not a feature: use one of %s", f, strings.Join(names, ", ")))
		}
		if slices.Contains(p.Features[:i], f) {
			panic(fmt.Sprintf("guardduty: Props.Features: %q is listed twice", f))
		}
	}
	if !p.Administrator {
		if p.FindingsBucketArn != "" || p.FindingsKeyArn != "" || p.FunctionRoleName != "" || p.FunctionName != "" {
			panic("guardduty: Props.FindingsBucketArn, Props.FindingsKeyArn, Props.FunctionRoleName and Props.FunctionName are for the administrator: set Props.Administrator or leave them empty")
		}
		return p
	}
	if p.FunctionRoleName != "" && !roleName.MatchString(p.FunctionRoleName) {
		panic(fmt.Sprintf("guardduty: Props.FunctionRoleName %q is not an IAM role name: 1 to 64 letters, digits and +=,.@_-", p.FunctionRoleName))
	}
	if p.FunctionName != "" && (p.FunctionRoleName == "" || !functionName.MatchString(p.FunctionName)) {
		panic(fmt.Sprintf("guardduty: Props.FunctionName %q: set it only with Props.FunctionRoleName, as 1 to 64 letters, digits, - and _", p.FunctionName))
	}
	if !bucketArn.MatchString(p.FindingsBucketArn) && !unresolved(p.FindingsBucketArn) {
		panic(fmt.Sprintf("guardduty: Props.FindingsBucketArn %q is not an S3 bucket ARN such as arn:aws:s3:::log-archive or arn:aws:s3:::log-archive/guardduty", p.FindingsBucketArn))
	}
	if !keyArn.MatchString(p.FindingsKeyArn) && !unresolved(p.FindingsKeyArn) {
		panic(fmt.Sprintf("guardduty: Props.FindingsKeyArn %q is not a KMS key ARN such as arn:aws:kms:us-east-1:111111111111:key/<key id>", p.FindingsKeyArn))
	}
	return p
}

func unresolved(s string) bool {
	return s != "" && *awscdk.Token_IsUnresolved(s)
}

// featureSettings lists every GuardDuty feature as the API takes it, the
// chosen ones set to on and the others to off under key ("Status" for a
// detector, "AutoEnable" for the organization configuration), Runtime
// Monitoring with its agents set the same way.
func featureSettings(chosen []Feature, key, on, off string) []map[string]any {
	var out []map[string]any
	for _, f := range features {
		v := off
		if slices.Contains(chosen, f) {
			v = on
		}
		feature := map[string]any{"Name": string(f), key: v}
		if f == RuntimeMonitoring {
			var agents []map[string]any
			for _, a := range runtimeAgents {
				agents = append(agents, map[string]any{"Name": a, key: v})
			}
			feature["AdditionalConfiguration"] = agents
		}
		out = append(out, feature)
	}
	return out
}
