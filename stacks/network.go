package stacks

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/palisade-sec/palisade/config"
	"github.com/palisade-sec/palisade/constructs/hardenedvpc"
	"github.com/palisade-sec/palisade/constructs/logarchive"
)

// NetworkProps is what a network stack reads: where it goes and its VPC.
type NetworkProps struct {
	StackName   string
	Description string
	Account     string
	Region      string
	VPC         *config.VPC
}

// Network is one account's VPC in one region, with a local flow-log archive
// until the central log archive takes over.
type Network struct {
	awscdk.Stack
	Vpc     *hardenedvpc.Vpc
	Archive *logarchive.Archive
}

// NewNetwork creates a network stack.
func NewNetwork(scope constructs.Construct, id string, props *NetworkProps) *Network {
	stack := awscdk.NewStack(scope, &id, &awscdk.StackProps{
		StackName:   jsii.String(props.StackName),
		Description: jsii.String(props.Description),
		Env:         &awscdk.Environment{Account: jsii.String(props.Account), Region: jsii.String(props.Region)},
	})
	// The org file names the AZs; stating them as this environment's context
	// keeps synth offline (no availability-zones lookup) and deterministic.
	stack.Node().SetContext(jsii.String(fmt.Sprintf("availability-zones:account=%s:region=%s", props.Account, props.Region)),
		props.VPC.AvailabilityZones)

	n := &Network{Stack: stack}
	n.Archive = logarchive.New(stack, "FlowLogArchive", &logarchive.Props{})
	v := props.VPC
	nat := map[config.NATStrategy]hardenedvpc.NatStrategy{
		config.NATPerAZ: hardenedvpc.NatPerAz, config.NATSingle: hardenedvpc.NatSingle, config.NATNone: hardenedvpc.NatNone,
	}[v.NATGateways]
	n.Vpc = hardenedvpc.New(stack, "Vpc", &hardenedvpc.Props{
		Cidr:                 v.CIDR,
		AvailabilityZones:    v.AvailabilityZones,
		NatGateways:          nat,
		PublicSubnets:        v.PublicSubnets,
		PublicSubnetMask:     v.PublicSubnetMask,
		PrivateSubnetMask:    v.PrivateSubnetMask,
		DedicatedTenancy:     v.DedicatedTenancy,
		BlockPublicAccess:    v.BlockPublicAccess,
		InterfaceEndpoints:   v.InterfaceEndpoints,
		FlowLogBucketArn:     *n.Archive.Bucket.BucketArn(),
		FlowLogsToCloudWatch: v.FlowLogs.CloudWatch,
		FlowLogRetention:     retention(v.FlowLogs.RetentionDays),
	})
	// Flow logs to S3 start delivering at once: let the archive's bucket
	// policy exist first, so the log service never writes without it.
	n.Vpc.FlowLog.Node().AddDependency(n.Archive.Bucket.Policy())
	return n
}
