// Package sessionmanager provides Manager: AWS Systems Manager Session
// Manager set up in one account and region as the only way onto an instance,
// in place of SSH keys and bastion hosts. Build one in every governed account
// and region.
//
// Sessions are encrypted end to end with a customer-managed KMS key of this
// region's own (rotated, retained). Every region has its own key: Session
// Manager refuses a key from another region, and referencing one is a known
// cause of failed sessions in Landing Zone Accelerator deployments. The key
// policy lets this account's principals, through their IAM policies, use the
// key for sessions, and CloudWatch Logs in this region use it for this
// account's log groups only. Grants are refused unless they are for an AWS
// resource.
//
// Session transcripts go to a KMS-encrypted, retained CloudWatch Logs log
// group the construct creates (streamed as they happen) and to the central
// archive bucket, given by name, under ssm/<account>/. The preferences are
// the content of the account's SSM-SessionManagerRunShell Session document,
// which the console also creates and which Session Manager reads for every
// session (SessionPreferences shows it). Because the document may already
// exist, and CloudFormation cannot adopt it, custom resources (AwsCustomResource,
// a Lambda function of CDK's) create it if missing, then put this content
// as its latest version and make that the default. Their role may only
// create, update, describe and set the default version of this one
// document. Removing the construct leaves the document, with its last
// content: deleting it would turn session logging off.
//
// Default Host Management Configuration lets Systems Manager manage every
// EC2 instance in the region without an instance profile: the service
// setting /ssm/managed-instance/default-ec2-instance-management-role names
// the role AWSSystemsManagerDefaultEC2InstanceManagementRole (trusting
// ssm.amazonaws.com, with AmazonSSMManagedEC2InstanceDefaultPolicy). IAM is
// global, so the role is created only where Props.CreateDefaultHostManagementRole
// is set: in one region (the home region) per account, deployed first. Every
// region sets the service setting (a custom resource allowed only
// ssm:UpdateServiceSetting on that setting and iam:PassRole of that role to
// SSM) and attaches to the role, by name, a policy of its own that lets
// instances write session transcripts with this region's key. Removing the
// construct leaves the setting as it was.
//
// Teams that attach an instance profile get InstanceProfile: a role with
// AmazonSSMManagedInstanceCore and CloudWatchAgentServerPolicy and the same
// session logging policy.
//
// CDK's AwsCustomResource function, one per stack, logs to the stack's
// CustomResourceLogs log group: KMS-encrypted (with this construct's Key, unless another construct of the stack made the log group first), kept a year and
// retained with its key; the first construct of the stack that needs it
// makes it and every other shares it (customresourcelogs.go). The
// function's role may write only that log group (not CDK's
// AWSLambdaBasicExecutionRole, which covers every log group of the
// account), besides each custom resource's own calls.
//
// The package imports nothing from palisade: copy it into any CDK app.
package sessionmanager

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/customresources"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Names Session Manager and Default Host Management Configuration fix.
const (
	DocumentName                  = "SSM-SessionManagerRunShell"
	DefaultHostManagementRoleName = "AWSSystemsManagerDefaultEC2InstanceManagementRole"
	DefaultHostManagementSetting  = "/ssm/managed-instance/default-ec2-instance-management-role"
)

// Props configure a Manager.
type Props struct {
	// ArchiveBucketName is the central archive bucket session transcripts
	// are written to, under ssm/<account>/. Its policy must let this
	// account's instance roles put objects there. Default: none; required.
	ArchiveBucketName string
	// ArchiveKeyArn is the KMS key the archive bucket encrypts with, if it
	// is not this account's: instances are allowed kms:GenerateDataKey on it
	// through S3. Default: none, no permission on any other key.
	ArchiveKeyArn string
	// ArchiveKeyAliasArn names the archive key by its alias ARN
	// (arn:aws:kms:<region>:<account>:alias/<name>), for callers that know
	// the alias but not the key id (another account's key): instances are
	// allowed kms:GenerateDataKey, through S3, on that account's keys in
	// that region that carry the alias (kms:ResourceAliases), and no other.
	// Use it or ArchiveKeyArn. Default: none.
	ArchiveKeyAliasArn string
	// LogRetention is how long session transcripts stay in the log group.
	// Default: awslogs.RetentionDays_ONE_YEAR.
	LogRetention awslogs.RetentionDays
	// IdleSessionTimeoutMinutes ends a session idle this long, 1 to 60.
	// Default: 20.
	IdleSessionTimeoutMinutes int
	// MaxSessionDurationMinutes ends any session this long, 1 to 1440.
	// Default: 60.
	MaxSessionDurationMinutes int
	// RunAsUser is the operating system user Linux sessions run as, instead
	// of ssm-user (which has sudo). Default: empty, Run As support off.
	RunAsUser string
	// CreateDefaultHostManagementRole creates the global IAM role of Default
	// Host Management Configuration. Set it in exactly one region per
	// account, deployed before the others. Default: false, the role is
	// expected to exist.
	CreateDefaultHostManagementRole bool
	// InstanceRoleName names InstanceRole (and InstanceProfile), so that
	// other stacks (remediation attaching the profile to unmanaged
	// instances) can name it. IAM names are global: include the region.
	// Default: names CloudFormation generates.
	InstanceRoleName string
}

// Manager is Session Manager in one account and region.
type Manager struct {
	constructs.Construct
	// Key encrypts sessions and LogGroup.
	Key awskms.Key
	// LogGroup receives session transcripts.
	LogGroup awslogs.LogGroup
	// InstanceRole is the role of InstanceProfile.
	InstanceRole awsiam.Role
	// InstanceProfile is for instances that carry their own profile.
	InstanceProfile awsiam.InstanceProfile
	// SessionLoggingPolicy lets instances encrypt sessions and write
	// transcripts; attached to InstanceRole and the default host role.
	SessionLoggingPolicy awsiam.ManagedPolicy
	// DefaultHostManagementRole is nil unless CreateDefaultHostManagementRole.
	DefaultHostManagementRole awsiam.Role
	// Preferences is the Session document's content.
	Preferences map[string]any
}

var (
	bucketName = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	roleNameRE = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)
	aliasArn   = regexp.MustCompile(`^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:alias/[A-Za-z0-9/_-]+$`)
	keyArn     = regexp.MustCompile(`^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$`)
	userName   = regexp.MustCompile(`^[a-z_][a-z0-9_-]{0,31}$`)
)

// SessionPreferences is the content of the SSM-SessionManagerRunShell
// document for props in account, with the given key id and log group name.
func SessionPreferences(props *Props, account, kmsKeyID, logGroupName string) map[string]any {
	p := withDefaults(props)
	return map[string]any{
		"schemaVersion": "1.0",
		"description":   "Session Manager preferences set by palisade",
		"sessionType":   "Standard_Stream",
		"inputs": map[string]any{
			"kmsKeyId":                    kmsKeyID,
			"s3BucketName":                p.ArchiveBucketName,
			"s3KeyPrefix":                 "ssm/" + account + "/",
			"s3EncryptionEnabled":         true,
			"cloudWatchLogGroupName":      logGroupName,
			"cloudWatchEncryptionEnabled": true,
			"cloudWatchStreamingEnabled":  true,
			"idleSessionTimeout":          fmt.Sprint(p.IdleSessionTimeoutMinutes),
			"maxSessionDuration":          fmt.Sprint(p.MaxSessionDurationMinutes),
			"runAsEnabled":                p.RunAsUser != "",
			"runAsDefaultUser":            p.RunAsUser,
			"shellProfile":                map[string]any{"linux": "", "windows": ""},
		},
	}
}

// New creates a Manager. Props that cannot work panic with the prop's name.
func New(scope constructs.Construct, id string, props *Props) *Manager {
	p := withDefaults(props)
	c := constructs.NewConstruct(scope, &id)
	m := &Manager{Construct: c}
	stack := awscdk.Stack_Of(c)
	partition, region, account := *stack.Partition(), *stack.Region(), *stack.Account()

	m.Key = awskms.NewKey(c, jsii.String("Key"), &awskms.KeyProps{
		Description:       jsii.String("Encrypts Session Manager sessions and their transcripts in this region"),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
	})
	m.Key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("DenyGrantsExceptForAWSServices"),
		Effect:     awsiam.Effect_DENY,
		Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
		Actions:    jsii.Strings("kms:CreateGrant"),
		Resources:  jsii.Strings("*"), // in a key policy "*" is this key
		Conditions: &map[string]any{"BoolIfExists": map[string]any{
			"kms:GrantIsForAWSResource": "false", "aws:PrincipalIsAWSService": "false",
		}},
	}), nil)
	m.Key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("ThisAccountsPrincipalsEncryptSessions"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewAccountRootPrincipal()},
		Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey"),
		Resources:  jsii.Strings("*"), // in a key policy "*" is this key
		Conditions: &map[string]any{"StringEquals": map[string]any{"aws:PrincipalAccount": account}},
	}), nil)
	m.Key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("CloudWatchLogsEncryptsThisAccountsLogGroups"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("logs."+region+".amazonaws.com"), nil)},
		Actions:    jsii.Strings("kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"),
		Resources:  jsii.Strings("*"), // in a key policy "*" is this key
		Conditions: &map[string]any{"ArnLike": map[string]any{
			"kms:EncryptionContext:aws:logs:arn": fmt.Sprintf("arn:%s:logs:%s:%s:log-group:*", partition, region, account),
		}},
	}), nil)

	m.LogGroup = awslogs.NewLogGroup(c, jsii.String("LogGroup"), &awslogs.LogGroupProps{
		EncryptionKey: m.Key,
		Retention:     p.LogRetention,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})

	m.SessionLoggingPolicy = m.sessionLoggingPolicy(c, p, partition, region, account)

	var roleName *string
	if p.InstanceRoleName != "" {
		roleName = jsii.String(p.InstanceRoleName)
	}
	m.InstanceRole = awsiam.NewRole(c, jsii.String("InstanceRole"), &awsiam.RoleProps{
		RoleName:    roleName,
		Description: jsii.String("Instances managed by Systems Manager: sessions, patching, inventory, CloudWatch agent"),
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("ec2.amazonaws.com"), nil),
		ManagedPolicies: &[]awsiam.IManagedPolicy{
			awsiam.ManagedPolicy_FromAwsManagedPolicyName(jsii.String("AmazonSSMManagedInstanceCore")),
			awsiam.ManagedPolicy_FromAwsManagedPolicyName(jsii.String("CloudWatchAgentServerPolicy")),
			m.SessionLoggingPolicy,
		},
	})
	suppress(m.InstanceRole, nagRule{"AwsSolutions-IAM4",
		"AmazonSSMManagedInstanceCore and CloudWatchAgentServerPolicy are AWS's maintained minimum for the SSM agent and the CloudWatch agent"})
	m.InstanceProfile = awsiam.NewInstanceProfile(c, jsii.String("InstanceProfile"), &awsiam.InstanceProfileProps{Role: m.InstanceRole, InstanceProfileName: roleName})

	hostRoleArn := fmt.Sprintf("arn:%s:iam::%s:role/%s", partition, account, DefaultHostManagementRoleName)
	if p.CreateDefaultHostManagementRole {
		m.DefaultHostManagementRole = awsiam.NewRole(c, jsii.String("DefaultHostManagementRole"), &awsiam.RoleProps{
			RoleName:    jsii.String(DefaultHostManagementRoleName),
			Description: jsii.String("Systems Manager Default Host Management Configuration: manages EC2 instances without an instance profile"),
			AssumedBy:   awsiam.NewServicePrincipal(jsii.String("ssm.amazonaws.com"), nil),
			ManagedPolicies: &[]awsiam.IManagedPolicy{
				awsiam.ManagedPolicy_FromAwsManagedPolicyName(jsii.String("AmazonSSMManagedEC2InstanceDefaultPolicy")),
			},
		})
		suppress(m.DefaultHostManagementRole, nagRule{"AwsSolutions-IAM4",
			"Default Host Management Configuration is documented with AWS's AmazonSSMManagedEC2InstanceDefaultPolicy, which AWS keeps in step with the SSM agent"})
		m.SessionLoggingPolicy.AttachToRole(m.DefaultHostManagementRole)
	} else {
		m.SessionLoggingPolicy.AttachToRole(awsiam.Role_FromRoleName(c, jsii.String("ExistingDefaultHostManagementRole"), jsii.String(DefaultHostManagementRoleName), nil))
	}

	// The stack's AwsCustomResource function logs to a log group encrypted
	// with this construct's key, unless another construct of the stack made
	// that log group first.
	logs := customResourceLogs(c, m.Key)
	setting := &customresources.AwsSdkCall{
		Service: jsii.String("SSM"),
		Action:  jsii.String("updateServiceSetting"),
		Parameters: map[string]any{
			"SettingId":    DefaultHostManagementSetting,
			"SettingValue": DefaultHostManagementRoleName,
		},
		PhysicalResourceId: customresources.PhysicalResourceId_Of(jsii.String(DefaultHostManagementSetting)),
	}
	hostSetting := customresources.NewAwsCustomResource(c, jsii.String("DefaultHostManagement"), &customresources.AwsCustomResourceProps{
		OnCreate:            setting,
		OnUpdate:            setting,
		InstallLatestAwsSdk: jsii.Bool(false),
		LogGroup:            logs,
		Role:                customResourceRole(c, logs),
		Policy: customresources.AwsCustomResourcePolicy_FromStatements(&[]awsiam.PolicyStatement{
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Actions:   jsii.Strings("ssm:UpdateServiceSetting"),
				Resources: jsii.Strings(fmt.Sprintf("arn:%s:ssm:%s:%s:servicesetting%s", partition, region, account, DefaultHostManagementSetting)),
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Actions:    jsii.Strings("iam:PassRole"),
				Resources:  jsii.Strings(hostRoleArn),
				Conditions: &map[string]any{"StringEquals": map[string]any{"iam:PassedToService": "ssm.amazonaws.com"}},
			}),
		}),
	})
	if m.DefaultHostManagementRole != nil {
		hostSetting.Node().AddDependency(m.DefaultHostManagementRole)
	}
	suppressProvider(hostSetting)

	keyID := *m.Key.KeyId()
	m.Preferences = SessionPreferences(&p, account, keyID, *m.LogGroup.LogGroupName())
	m.document(c, logs, partition, region, account)
	return m
}

// document creates SSM-SessionManagerRunShell if it is missing, puts
// Preferences as its latest version and makes that the default.
func (m *Manager) document(c constructs.Construct, logs awslogs.ILogGroup, partition, region, account string) {
	content, err := json.Marshal(m.Preferences)
	if err != nil {
		panic(err)
	}
	docArn := fmt.Sprintf("arn:%s:ssm:%s:%s:document/%s", partition, region, account, DocumentName)
	policy := func(action string) customresources.AwsCustomResourcePolicy {
		return customresources.AwsCustomResourcePolicy_FromStatements(&[]awsiam.PolicyStatement{
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{Actions: jsii.Strings(action), Resources: jsii.Strings(docArn)}),
		})
	}
	id := customresources.PhysicalResourceId_Of(jsii.String(DocumentName))

	// The console creates the document the first time anyone opens Session
	// Manager's preferences: creating it is allowed to find it there.
	create := customresources.NewAwsCustomResource(c, jsii.String("CreateDocument"), &customresources.AwsCustomResourceProps{
		OnCreate: &customresources.AwsSdkCall{
			Service: jsii.String("SSM"), Action: jsii.String("createDocument"),
			Parameters: map[string]any{
				"Name": DocumentName, "DocumentType": "Session", "DocumentFormat": "JSON", "Content": string(content),
			},
			PhysicalResourceId:       id,
			IgnoreErrorCodesMatching: jsii.String("DocumentAlreadyExists"),
		},
		InstallLatestAwsSdk: jsii.Bool(false),
		LogGroup:            logs,
		Role:                customResourceRole(c, logs),
		Policy:              policy("ssm:CreateDocument"),
	})
	// Content already the latest version (just created, or unchanged) is
	// not an error.
	updateCall := &customresources.AwsSdkCall{
		Service: jsii.String("SSM"), Action: jsii.String("updateDocument"),
		Parameters: map[string]any{
			"Name": DocumentName, "DocumentVersion": "$LATEST", "DocumentFormat": "JSON", "Content": string(content),
		},
		PhysicalResourceId:       id,
		IgnoreErrorCodesMatching: jsii.String("DuplicateDocumentContent"),
	}
	update := customresources.NewAwsCustomResource(c, jsii.String("UpdateDocument"), &customresources.AwsCustomResourceProps{
		OnCreate: updateCall, OnUpdate: updateCall,
		InstallLatestAwsSdk: jsii.Bool(false),
		LogGroup:            logs,
		Role:                customResourceRole(c, logs),
		Policy:              policy("ssm:UpdateDocument"),
	})
	update.Node().AddDependency(create)
	// updateDocument answers nothing when the content was already there, so
	// the latest version is read back. Its id carries the content's hash:
	// new content replaces it, which reads the version again.
	// Hash the content as CloudFormation sees it: token strings depend on
	// construction order, logical ids do not.
	resolved, err := json.Marshal(awscdk.Stack_Of(c).Resolve(jsii.String(string(content))))
	if err != nil {
		panic(err)
	}
	sum := sha256.Sum256(resolved)
	latest := customresources.NewAwsCustomResource(c, jsii.String(fmt.Sprintf("LatestVersion%x", sum[:4])), &customresources.AwsCustomResourceProps{
		OnCreate: &customresources.AwsSdkCall{
			Service: jsii.String("SSM"), Action: jsii.String("describeDocument"),
			Parameters:         map[string]any{"Name": DocumentName},
			PhysicalResourceId: id,
			OutputPaths:        jsii.Strings("Document.LatestVersion"),
		},
		InstallLatestAwsSdk: jsii.Bool(false),
		LogGroup:            logs,
		Role:                customResourceRole(c, logs),
		Policy:              policy("ssm:DescribeDocument"),
	})
	latest.Node().AddDependency(update)
	setDefault := &customresources.AwsSdkCall{
		Service: jsii.String("SSM"), Action: jsii.String("updateDocumentDefaultVersion"),
		Parameters: map[string]any{
			"Name": DocumentName, "DocumentVersion": latest.GetResponseField(jsii.String("Document.LatestVersion")),
		},
		PhysicalResourceId: id,
	}
	def := customresources.NewAwsCustomResource(c, jsii.String("DefaultVersion"), &customresources.AwsCustomResourceProps{
		OnCreate: setDefault, OnUpdate: setDefault,
		InstallLatestAwsSdk: jsii.Bool(false),
		LogGroup:            logs,
		Role:                customResourceRole(c, logs),
		Policy:              policy("ssm:UpdateDocumentDefaultVersion"),
	})
	for _, cr := range []customresources.AwsCustomResource{create, update, latest, def} {
		suppressProvider(cr)
	}
}

// sessionLoggingPolicy lets an instance use the key for sessions and write
// transcripts to the log group and the archive.
func (m *Manager) sessionLoggingPolicy(c constructs.Construct, p Props, partition, region, account string) awsiam.ManagedPolicy {
	statements := []awsiam.PolicyStatement{
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("EncryptSessions"),
			Actions:   jsii.Strings("kms:Decrypt", "kms:GenerateDataKey"),
			Resources: jsii.Strings(*m.Key.KeyArn()),
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("StreamTranscripts"),
			Actions:   jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"),
			Resources: jsii.Strings(*m.LogGroup.LogGroupArn()),
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:     jsii.String("FindTheLogGroup"),
			Actions: jsii.Strings("logs:DescribeLogGroups"),
			// The agent checks the log group's encryption with
			// DescribeLogGroups, which has no resource-level permission.
			Resources: jsii.Strings("*"),
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("ArchiveTranscripts"),
			Actions:   jsii.Strings("s3:PutObject"),
			Resources: jsii.Strings(fmt.Sprintf("arn:%s:s3:::%s/ssm/%s/*", partition, p.ArchiveBucketName, account)),
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("CheckArchiveEncryption"),
			Actions:   jsii.Strings("s3:GetEncryptionConfiguration"),
			Resources: jsii.Strings(fmt.Sprintf("arn:%s:s3:::%s", partition, p.ArchiveBucketName)),
		}),
	}
	if a := p.ArchiveKeyAliasArn; a != "" {
		i := strings.LastIndex(a, ":alias/")
		statements = append(statements, awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("EncryptArchivedTranscriptsByAlias"),
			Actions:   jsii.Strings("kms:GenerateDataKey"),
			Resources: jsii.Strings(a[:i] + ":key/*"),
			Conditions: &map[string]any{
				"StringEquals":             map[string]any{"kms:ViaService": "s3." + region + ".amazonaws.com"},
				"ForAnyValue:StringEquals": map[string]any{"kms:ResourceAliases": a[i+1:]},
			},
		}))
	}
	if p.ArchiveKeyArn != "" {
		statements = append(statements, awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("EncryptArchivedTranscripts"),
			Actions:    jsii.Strings("kms:GenerateDataKey"),
			Resources:  jsii.Strings(p.ArchiveKeyArn),
			Conditions: &map[string]any{"StringEquals": map[string]any{"kms:ViaService": "s3." + region + ".amazonaws.com"}},
		}))
	}
	policy := awsiam.NewManagedPolicy(c, jsii.String("SessionLoggingPolicy"), &awsiam.ManagedPolicyProps{
		Description: jsii.String("Lets managed instances encrypt Session Manager sessions and write their transcripts in " + region),
		Statements:  &statements,
	})
	suppress(policy, nagRule{"AwsSolutions-IAM5",
		"the wildcards are the objects under ssm/<account>/ in the archive, the streams of the one transcript log group, logs:DescribeLogGroups, which has no resource-level permission, and (with ArchiveKeyAliasArn) the archive account's keys in the region, narrowed by kms:ResourceAliases to the one with the archive's alias"})
	return policy
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
func suppressProvider(cr customresources.AwsCustomResource) {
	suppress(cr.Node().FindChild(jsii.String("CustomResourcePolicy")), nagRule{"NIST.800.53.R5-IAMNoInlinePolicy",
		"CDK attaches the custom resource's one-statement policy inline to its own function's role, which nothing else uses"})
	customResourceFunctionWaits(cr)
	if fn := awscdk.Stack_Of(cr).Node().TryFindChild(jsii.String(providerID)); fn != nil {
		suppress(fn,
			nagRule{"NIST.800.53.R5-LambdaConcurrency", "CDK's custom resource function runs once per deployment of each of its resources; reserving concurrency would fail the deployment in new accounts, whose Lambda concurrency quota starts as low as 10 while Lambda keeps 100 unreserved"},
			nagRule{"NIST.800.53.R5-LambdaDLQ", "CloudFormation invokes CDK's custom resource function asynchronously and waits for its answer at the event's callback URL (Lambda Developer Guide, Using AWS Lambda with CloudFormation); a failed or lost invocation fails the stack operation, which CloudFormation reports, and the next deployment sends the request again: a dead-letter queue would hold only a copy of it"},
			nagRule{"NIST.800.53.R5-LambdaInsideVPC", "CDK's custom resource function calls only AWS APIs, while CloudFormation deploys"},
		)
	}
}

func withDefaults(props *Props) Props {
	var p Props
	if props != nil {
		p = *props
	}
	if p.LogRetention == "" {
		p.LogRetention = awslogs.RetentionDays_ONE_YEAR
	}
	if p.IdleSessionTimeoutMinutes == 0 {
		p.IdleSessionTimeoutMinutes = 20
	}
	if p.MaxSessionDurationMinutes == 0 {
		p.MaxSessionDurationMinutes = 60
	}
	if !bucketName.MatchString(p.ArchiveBucketName) && !unresolved(p.ArchiveBucketName) {
		panic(fmt.Sprintf("sessionmanager: Props.ArchiveBucketName %q is not an S3 bucket name such as example-log-archive (a name, not an ARN)", p.ArchiveBucketName))
	}
	if p.ArchiveKeyArn != "" && !keyArn.MatchString(p.ArchiveKeyArn) && !unresolved(p.ArchiveKeyArn) {
		panic(fmt.Sprintf("sessionmanager: Props.ArchiveKeyArn %q is not a KMS key ARN such as arn:aws:kms:us-east-1:111111111111:key/<key id>", p.ArchiveKeyArn))
	}
	if p.ArchiveKeyAliasArn != "" && (p.ArchiveKeyArn != "" || !aliasArn.MatchString(p.ArchiveKeyAliasArn)) {
		panic(fmt.Sprintf("sessionmanager: Props.ArchiveKeyAliasArn %q is not a KMS alias ARN such as arn:aws:kms:us-east-1:111111111111:alias/log-archive, or ArchiveKeyArn is set too", p.ArchiveKeyAliasArn))
	}
	if p.InstanceRoleName != "" && !roleNameRE.MatchString(p.InstanceRoleName) {
		panic(fmt.Sprintf("sessionmanager: Props.InstanceRoleName %q is not an IAM role name: 1 to 64 of letters, digits and +=,.@_-", p.InstanceRoleName))
	}
	if p.IdleSessionTimeoutMinutes < 1 || p.IdleSessionTimeoutMinutes > 60 {
		panic(fmt.Sprintf("sessionmanager: Props.IdleSessionTimeoutMinutes %d is out of range: use 1 to 60", p.IdleSessionTimeoutMinutes))
	}
	if p.MaxSessionDurationMinutes < 1 || p.MaxSessionDurationMinutes > 1440 {
		panic(fmt.Sprintf("sessionmanager: Props.MaxSessionDurationMinutes %d is out of range: use 1 to 1440", p.MaxSessionDurationMinutes))
	}
	if p.RunAsUser != "" && !userName.MatchString(p.RunAsUser) {
		panic(fmt.Sprintf("sessionmanager: Props.RunAsUser %q is not a Linux user name: lowercase letters, digits, _ and -, at most 32", p.RunAsUser))
	}
	return p
}

func unresolved(s string) bool {
	return s != "" && *awscdk.Token_IsUnresolved(s)
}
