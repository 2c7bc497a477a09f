package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/palisade-sec/palisade/config"
	"github.com/palisade-sec/palisade/constructs/cisalarms"
	"github.com/palisade-sec/palisade/constructs/logarchive"
	"github.com/palisade-sec/palisade/constructs/logdrain"
	"github.com/palisade-sec/palisade/constructs/logforward"
	"github.com/palisade-sec/palisade/constructs/orgtrail"
)

// LogArchiveProps is what the security account's log stack of one region
// reads: the archive's names, who may write to it, and its lifecycle.
type LogArchiveProps struct {
	StackName   string
	Description string
	Account     string
	Region      string
	// BucketName and KeyAlias are the names every account computes.
	BucketName string
	KeyAlias   string
	// OrganizationID scopes every cross-account statement of the archive and
	// the drain to the organization: no account is listed, so adding one
	// changes nothing here.
	OrganizationID string
	// TrailArns are the trails that write here (the org trail, in the home
	// region only).
	TrailArns []string
	// GuardDutyExport admits GuardDuty's findings export from this account.
	GuardDutyExport bool
	Archive         config.Archive
	// DestinationName is the drain's CloudWatch Logs destination; every
	// account of the organization may subscribe to it.
	DestinationName string
	// ForwardLogGroups are the security account's own log groups to create
	// and forward to the drain, kept locally for LogGroupRetention.
	ForwardLogGroups  []string
	LogGroupRetention awslogs.RetentionDays
}

// LogArchive is the security account's log stack of one region: the central
// archive every account's logs end up in, and the drain that carries other
// accounts' CloudWatch logs into it. Termination protection is on, and
// everything stateful is retained if the stack goes anyway.
type LogArchive struct {
	awscdk.Stack
	Archive   *logarchive.Archive
	Drain     *logdrain.Drain
	Forwarder *logforward.Forwarder // nil without ForwardLogGroups
}

// NewLogArchive creates the security account's log stack for one region.
func NewLogArchive(scope constructs.Construct, id string, props *LogArchiveProps) *LogArchive {
	stack := awscdk.NewStack(scope, &id, &awscdk.StackProps{
		StackName:             jsii.String(props.StackName),
		Description:           jsii.String(props.Description),
		Env:                   &awscdk.Environment{Account: jsii.String(props.Account), Region: jsii.String(props.Region)},
		TerminationProtection: jsii.Bool(true),
	})
	s := &LogArchive{Stack: stack}
	s.Archive = logarchive.New(stack, "LogArchive", &logarchive.Props{
		BucketName:            props.BucketName,
		KeyAlias:              props.KeyAlias,
		OrganizationID:        props.OrganizationID,
		AllowConfig:           true,
		AllowSessions:         true,
		TrailArns:             props.TrailArns,
		GuardDutyExport:       props.GuardDutyExport,
		GlacierTransitionDays: props.Archive.GlacierTransitionDays,
		ExpirationDays:        props.Archive.ExpirationDays,
		ObjectLockMode:        props.Archive.ObjectLockMode,
		ObjectLockDays:        props.Archive.ObjectLockDays,
	})
	s.Drain = logdrain.New(stack, "LogDrain", &logdrain.Props{
		DestinationName:  props.DestinationName,
		OrganizationID:   props.OrganizationID,
		ArchiveBucketArn: *s.Archive.Bucket.BucketArn(),
		ArchiveKeyArn:    *s.Archive.Key.KeyArn(),
	})
	if len(props.ForwardLogGroups) > 0 {
		s.Forwarder = logforward.New(stack, "LogForward", &logforward.Props{
			DestinationArn: *s.Drain.DestinationArn,
			LogGroups:      props.ForwardLogGroups,
			Retention:      props.LogGroupRetention,
			// The drain admits the organization.
			DestinationAdmitsOrganization: true,
		})
	}
	return s
}

// LogForwardProps is what a workload account's log stack of one region reads.
type LogForwardProps struct {
	StackName   string
	Description string
	Account     string
	Region      string
	// DestinationArn is the security account's drain in this region.
	DestinationArn    string
	ForwardLogGroups  []string
	LogGroupRetention awslogs.RetentionDays
	// ForStackSet makes the template of a stack set (StackSetTemplate):
	// no Account, Region or StackName (each instance's own), DestinationArn
	// an Fn::Sub string over ${AWS::Region} and ${AWS::Partition}.
	ForStackSet bool
}

// NewLogForward creates a workload account's log stack for one region: the
// log groups the org forwards, each subscribed to the security account's
// drain.
func NewLogForward(scope constructs.Construct, id string, props *LogForwardProps) awscdk.Stack {
	stack := awscdk.NewStack(scope, &id, stackProps(props.StackName, props.Description, props.Account, props.Region, props.ForStackSet))
	destination := props.DestinationArn
	if props.ForStackSet {
		destination = *awscdk.Fn_Sub(jsii.String(destination), nil)
	}
	logforward.New(stack, "LogForward", &logforward.Props{
		DestinationArn: destination,
		LogGroups:      props.ForwardLogGroups,
		Retention:      props.LogGroupRetention,
		// The drain admits the organization.
		DestinationAdmitsOrganization: true,
	})
	return stack
}

// TrailProps is what the management account's trail stack reads.
type TrailProps struct {
	StackName   string
	Description string
	Account     string
	Region      string
	TrailName   string
	// BucketName and KeyAliasArn are the home region's archive.
	BucketName  string
	KeyAliasArn string
	Trail       config.Trail
	// CISAlarms adds the CIS metric filters and alarms on the trail's log
	// group (which Trail.CloudWatchLogs must turn on), notifying AlarmEmails.
	CISAlarms   bool
	AlarmEmails []string
}

// NewTrail creates the management account's organization trail stack.
func NewTrail(scope constructs.Construct, id string, props *TrailProps) awscdk.Stack {
	stack := awscdk.NewStack(scope, &id, &awscdk.StackProps{
		StackName:             jsii.String(props.StackName),
		Description:           jsii.String(props.Description),
		Env:                   &awscdk.Environment{Account: jsii.String(props.Account), Region: jsii.String(props.Region)},
		TerminationProtection: jsii.Bool(true),
	})
	t := orgtrail.New(stack, "OrgTrail", &orgtrail.Props{
		TrailName:       props.TrailName,
		TrailBucketName: props.BucketName,
		TrailKeyArn:     props.KeyAliasArn,
		S3DataEvents:    props.Trail.S3DataEvents,
		CloudWatchLogs:  props.Trail.CloudWatchLogs,
	})
	if props.CISAlarms && t.LogGroup != nil {
		cisalarms.New(stack, "CisAlarms", &cisalarms.Props{
			LogGroupName: *t.LogGroup.LogGroupName(),
			Emails:       props.AlarmEmails,
		})
	}
	return stack
}
