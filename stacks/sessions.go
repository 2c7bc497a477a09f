package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/palisade-sec/palisade/config"
	"github.com/palisade-sec/palisade/constructs/agents"
	"github.com/palisade-sec/palisade/constructs/patching"
	"github.com/palisade-sec/palisade/constructs/sessionmanager"
)

// SessionsProps is what an account's Session Manager stack of one region
// reads.
type SessionsProps struct {
	StackName   string
	Description string
	Account     string
	Region      string
	// Home creates the account's Default Host Management role (IAM is
	// global); the other regions' stacks deploy after it.
	Home bool
	// ArchiveBucketName and ArchiveKeyAliasArn are the region's archive, where
	// transcripts and command output go under ssm/<account>/.
	ArchiveBucketName  string
	ArchiveKeyAliasArn string
	Sessions           config.Sessions
	// LogGroups are the files the CloudWatch agent ships (the log groups the
	// drain forwards).
	LogGroups []string
	// LogGroupRetentionDays is the retention the agent gives those log
	// groups if it creates them.
	LogGroupRetentionDays int
}

// NewSessions creates an account's Session Manager stack of one region:
// encrypted, logged sessions and Default Host Management, patch baselines
// with a daily scan and a weekly install window, and the State Manager
// associations that keep the agents installed.
func NewSessions(scope constructs.Construct, id string, props *SessionsProps) awscdk.Stack {
	stack := awscdk.NewStack(scope, &id, &awscdk.StackProps{
		StackName:   jsii.String(props.StackName),
		Description: jsii.String(props.Description),
		Env:         &awscdk.Environment{Account: jsii.String(props.Account), Region: jsii.String(props.Region)},
	})
	s := props.Sessions
	sessionmanager.New(stack, "SessionManager", &sessionmanager.Props{
		ArchiveBucketName:               props.ArchiveBucketName,
		ArchiveKeyAliasArn:              props.ArchiveKeyAliasArn,
		LogRetention:                    retention(s.LogRetentionDays),
		IdleSessionTimeoutMinutes:       s.IdleTimeoutMinutes,
		MaxSessionDurationMinutes:       s.MaxSessionMinutes,
		RunAsUser:                       s.RunAsUser,
		CreateDefaultHostManagementRole: props.Home,
		InstanceRoleName:                InstanceRoleName(props.Region),
	})
	var families []patching.OperatingSystem
	for _, os := range s.Patching.OperatingSystems {
		families = append(families, patching.OperatingSystem(os))
	}
	patching.New(stack, "Patching", &patching.Props{
		OutputBucketName: props.ArchiveBucketName,
		OperatingSystems: families,
		ApproveAfterDays: s.Patching.ApproveAfterDays,
		InstallSchedule:  s.Patching.InstallSchedule,
		ScheduleTimezone: s.Patching.Timezone,
		MaxConcurrency:   s.Patching.MaxConcurrency,
		MaxErrors:        s.Patching.MaxErrors,
	})
	agents.New(stack, "Agents", &agents.Props{
		OutputBucketName: props.ArchiveBucketName,
		LogGroups:        props.LogGroups,
		LogRetentionDays: props.LogGroupRetentionDays,
	})
	return stack
}
