// Package agents provides Agents: AWS Systems Manager State Manager
// associations that keep the agents of every managed instance tagged
// Props.TargetTagKey=Props.TargetTagValue (palisade:managed=true) installed,
// current and configured, in one account and region, so that no one logs
// in to install them. Build one in every governed account and region.
//
// The associations (AWS::SSM::Association), each applied when created and
// then on its schedule:
//
//   - UpdateSSMAgent runs AWS-UpdateSSMAgent every 14 days.
//   - GatherSoftwareInventory runs AWS-GatherSoftwareInventory every 12
//     hours, for Systems Manager Inventory.
//   - InstallCloudWatchAgent runs AWS-ConfigureAWSPackage to install
//     AmazonCloudWatchAgent, every 14 days (which also updates it).
//   - ConfigureCloudWatchAgent runs AmazonCloudWatch-ManageAgent daily to
//     configure and restart the agent from an SSM parameter the construct
//     creates (AgentConfig shows its content): the files in Props.LogGroups,
//     by default /var/log/messages and /var/log/secure, each shipped to a log
//     group of the same name, one stream per instance. The configuration is
//     for Linux. It waits for the install association.
//
// Each runs at most MaxConcurrency instances at a time, stops after
// MaxErrors, reports compliance at ComplianceSeverity and writes its output
// to the archive bucket under ssm/<account>/associations/.
//
// Instances need a role that allows all this: sessionmanager's instance
// role does (AmazonSSMManagedInstanceCore, CloudWatchAgentServerPolicy,
// whose ssm:GetParameter is limited to parameters named AmazonCloudWatch-*,
// hence the parameter's name, and writes under ssm/<account>/). The Default
// Host Management role's AWS policy has no CloudWatch agent permissions.
// The CloudWatch agent creates the log groups if they do not exist, without
// a KMS key: create them beforehand, encrypted, to have them encrypted.
//
// The package imports nothing from palisade: copy it into any CDK app.
package agents

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// ParameterName is the name of the CloudWatch agent configuration parameter.
const ParameterName = "AmazonCloudWatch-palisade-linux"

// DefaultLogGroups are shipped when Props.LogGroups is empty.
var DefaultLogGroups = []string{"/var/log/messages", "/var/log/secure"}

// Props configure Agents.
type Props struct {
	// OutputBucketName is the archive bucket association output is written
	// to, under ssm/<account>/associations/. Default: none; required.
	OutputBucketName string
	// TargetTagKey is the tag key that selects instances. Default:
	// "palisade:managed".
	TargetTagKey string
	// TargetTagValue is the value of TargetTagKey that selects instances.
	// Default: "true".
	TargetTagValue string
	// LogGroups are the files the CloudWatch agent ships, each to a log group
	// of the same name: absolute paths, each listed once.
	// Default: DefaultLogGroups, /var/log/messages and /var/log/secure.
	LogGroups []string
	// LogRetentionDays is the retention the agent sets on log groups it
	// creates, one of CloudWatch Logs' values. Default: 365.
	LogRetentionDays int
	// MaxConcurrency is how many instances an association runs on at once,
	// a number or a percentage. Default: "10%".
	MaxConcurrency string
	// MaxErrors is how many failures stop an association's run, a number
	// or a percentage. Default: "5%".
	MaxErrors string
	// ComplianceSeverity is how an association's failure is rated in
	// compliance: CRITICAL, HIGH, MEDIUM, LOW or UNSPECIFIED. Default: "HIGH".
	ComplianceSeverity string
}

// Agents is the State Manager associations in one account and region.
type Agents struct {
	constructs.Construct
	// Parameter holds the CloudWatch agent configuration.
	Parameter awsssm.StringParameter
	// Associations by construct id: UpdateSSMAgent, GatherSoftwareInventory,
	// InstallCloudWatchAgent, ConfigureCloudWatchAgent.
	Associations map[string]awsssm.CfnAssociation
}

var (
	bucketName = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	rate       = regexp.MustCompile(`^([0-9]+|[0-9][0-9]?%|100%)$`)
	tag        = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$`)
	path       = regexp.MustCompile(`^/[A-Za-z0-9_.\-/]{1,510}$`)
	retentions = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}
	severities = []string{"CRITICAL", "HIGH", "MEDIUM", "LOW", "UNSPECIFIED"}
)

// AgentConfig is the CloudWatch agent configuration for props.
func AgentConfig(props *Props) map[string]any {
	p := withDefaults(props)
	var files []map[string]any
	for _, f := range p.LogGroups {
		files = append(files, map[string]any{
			"file_path":         f,
			"log_group_name":    f,
			"log_stream_name":   "{instance_id}",
			"retention_in_days": p.LogRetentionDays,
		})
	}
	return map[string]any{
		"agent": map[string]any{"run_as_user": "cwagent"},
		"logs":  map[string]any{"logs_collected": map[string]any{"files": map[string]any{"collect_list": files}}},
	}
}

// New creates Agents. Props that cannot work panic with the prop's name.
func New(scope constructs.Construct, id string, props *Props) *Agents {
	p := withDefaults(props)
	c := constructs.NewConstruct(scope, &id)
	a := &Agents{Construct: c, Associations: map[string]awsssm.CfnAssociation{}}
	account := *awscdk.Stack_Of(c).Account()

	config, err := json.Marshal(AgentConfig(&p))
	if err != nil {
		panic(err)
	}
	a.Parameter = awsssm.NewStringParameter(c, jsii.String("AgentConfig"), &awsssm.StringParameterProps{
		ParameterName: jsii.String(ParameterName),
		Description:   jsii.String("CloudWatch agent configuration applied by the ConfigureCloudWatchAgent association"),
		StringValue:   jsii.String(string(config)),
		Tier:          awsssm.ParameterTier_STANDARD,
	})

	targets := &[]any{&awsssm.CfnAssociation_TargetProperty{Key: jsii.String("tag:" + p.TargetTagKey), Values: jsii.Strings(p.TargetTagValue)}}
	output := &awsssm.CfnAssociation_InstanceAssociationOutputLocationProperty{
		S3Location: &awsssm.CfnAssociation_S3OutputLocationProperty{
			OutputS3BucketName: jsii.String(p.OutputBucketName),
			OutputS3KeyPrefix:  jsii.String("ssm/" + account + "/associations/"),
		},
	}
	associate := func(id, name, document, schedule string, parameters map[string]any) awsssm.CfnAssociation {
		props := &awsssm.CfnAssociationProps{
			AssociationName:    jsii.String(name),
			Name:               jsii.String(document),
			Targets:            targets,
			ScheduleExpression: jsii.String(schedule),
			MaxConcurrency:     jsii.String(p.MaxConcurrency),
			MaxErrors:          jsii.String(p.MaxErrors),
			ComplianceSeverity: jsii.String(p.ComplianceSeverity),
			OutputLocation:     output,
		}
		if parameters != nil {
			props.Parameters = parameters
		}
		as := awsssm.NewCfnAssociation(c, jsii.String(id), props)
		a.Associations[id] = as
		return as
	}
	associate("UpdateSSMAgent", "palisade-update-ssm-agent", "AWS-UpdateSSMAgent", "rate(14 days)", nil)
	associate("GatherSoftwareInventory", "palisade-software-inventory", "AWS-GatherSoftwareInventory", "rate(12 hours)", nil)
	install := associate("InstallCloudWatchAgent", "palisade-install-cloudwatch-agent", "AWS-ConfigureAWSPackage", "rate(14 days)",
		map[string]any{"action": []string{"Install"}, "name": []string{"AmazonCloudWatchAgent"}})
	configure := associate("ConfigureCloudWatchAgent", "palisade-configure-cloudwatch-agent", "AmazonCloudWatch-ManageAgent", "rate(1 day)",
		map[string]any{
			"action":                        []string{"configure"},
			"mode":                          []string{"ec2"},
			"optionalConfigurationSource":   []string{"ssm"},
			"optionalConfigurationLocation": []*string{a.Parameter.ParameterName()},
			"optionalRestart":               []string{"yes"},
		})
	configure.AddResourceDependency(install, jsii.String("the agent must be installed before it is configured"))
	return a
}

func withDefaults(props *Props) Props {
	var p Props
	if props != nil {
		p = *props
	}
	if p.TargetTagKey == "" {
		p.TargetTagKey = "palisade:managed"
	}
	if p.TargetTagValue == "" {
		p.TargetTagValue = "true"
	}
	if len(p.LogGroups) == 0 {
		p.LogGroups = slices.Clone(DefaultLogGroups)
	}
	if p.LogRetentionDays == 0 {
		p.LogRetentionDays = 365
	}
	if p.MaxConcurrency == "" {
		p.MaxConcurrency = "10%"
	}
	if p.MaxErrors == "" {
		p.MaxErrors = "5%"
	}
	if p.ComplianceSeverity == "" {
		p.ComplianceSeverity = "HIGH"
	}
	if !bucketName.MatchString(p.OutputBucketName) && !unresolved(p.OutputBucketName) {
		panic(fmt.Sprintf("agents: Props.OutputBucketName %q is not an S3 bucket name such as example-log-archive (a name, not an ARN)", p.OutputBucketName))
	}
	if !tag.MatchString(p.TargetTagKey) {
		panic(fmt.Sprintf("agents: Props.TargetTagKey %q is not a tag key: 1 to 128 letters, digits, spaces and _.:/=+-@", p.TargetTagKey))
	}
	if !tag.MatchString(p.TargetTagValue) {
		panic(fmt.Sprintf("agents: Props.TargetTagValue %q is not a tag value: 1 to 128 letters, digits, spaces and _.:/=+-@", p.TargetTagValue))
	}
	for i, f := range p.LogGroups {
		if !path.MatchString(f) {
			panic(fmt.Sprintf("agents: Props.LogGroups: %q is not an absolute file path such as /var/log/secure", f))
		}
		if slices.Contains(p.LogGroups[:i], f) {
			panic(fmt.Sprintf("agents: Props.LogGroups: %q is listed twice", f))
		}
	}
	if !slices.Contains(retentions, p.LogRetentionDays) {
		panic(fmt.Sprintf("agents: Props.LogRetentionDays %d is not a CloudWatch Logs retention: use one of %v", p.LogRetentionDays, retentions))
	}
	if !rate.MatchString(p.MaxConcurrency) || p.MaxConcurrency == "0" || p.MaxConcurrency == "0%" {
		panic(fmt.Sprintf("agents: Props.MaxConcurrency %q is not a positive number or a percentage such as 10%%", p.MaxConcurrency))
	}
	if !rate.MatchString(p.MaxErrors) {
		panic(fmt.Sprintf("agents: Props.MaxErrors %q is not a number or a percentage such as 5%%", p.MaxErrors))
	}
	if !slices.Contains(severities, p.ComplianceSeverity) {
		panic(fmt.Sprintf("agents: Props.ComplianceSeverity %q is not one of %v", p.ComplianceSeverity, severities))
	}
	return p
}

func unresolved(s string) bool {
	return s != "" && *awscdk.Token_IsUnresolved(s)
}
