package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/palisade-sec/palisade/config"
	"github.com/palisade-sec/palisade/constructs/logarchive"
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
	// DeliveryAccounts are every account of the org.
	DeliveryAccounts []string
	// TrailArns are the trails that write here (the org trail, in the home
	// region only).
	TrailArns []string
	Archive   config.Archive
}

// LogArchive is the security account's log stack of one region: the central
// archive every account's logs end up in. Termination protection is on, and
// everything stateful is retained if the stack goes anyway.
type LogArchive struct {
	awscdk.Stack
	Archive *logarchive.Archive
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
		DeliveryAccounts:      props.DeliveryAccounts,
		TrailArns:             props.TrailArns,
		GlacierTransitionDays: props.Archive.GlacierTransitionDays,
		ExpirationDays:        props.Archive.ExpirationDays,
		ObjectLockMode:        props.Archive.ObjectLockMode,
		ObjectLockDays:        props.Archive.ObjectLockDays,
	})
	return s
}
