package stacks

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/palisade-sec/palisade/config"
	"github.com/palisade-sec/palisade/constructs/demoinstance"
	"github.com/palisade-sec/palisade/constructs/hardenedvpc"
	"github.com/palisade-sec/palisade/constructs/logforward"
)

// NetworkProps is what a network stack reads: where it goes, its VPC, and
// the central archive its flow logs go to.
type NetworkProps struct {
	StackName   string
	Description string
	Account     string
	Region      string
	VPC         *config.VPC
	// ArchiveBucketArn is the security account's archive in this region.
	ArchiveBucketArn string
	// DestinationArn is the security account's drain in this region; the
	// CloudWatch copy of the flow logs, when the VPC has one, goes there too.
	DestinationArn string
	// DemoInstance adds the Session Manager demonstration instance to the
	// VPC's first private subnet.
	DemoInstance bool
}

// Network is one account's VPC in one region.
type Network struct {
	awscdk.Stack
	Vpc *hardenedvpc.Vpc
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
		FlowLogBucketArn:     props.ArchiveBucketArn,
		FlowLogsToCloudWatch: v.FlowLogs.CloudWatch,
		FlowLogRetention:     retention(v.FlowLogs.RetentionDays),
	})
	if group := n.Vpc.FlowLogGroup; group != nil {
		logforward.New(stack, "FlowLogForward", &logforward.Props{
			DestinationArn:    props.DestinationArn,
			ExistingLogGroups: map[string]string{"FlowLogs": *group.LogGroupName()},
			// The drain admits the organization.
			DestinationAdmitsOrganization: true,
		})
	}
	if props.DemoInstance {
		demoinstance.New(stack, "DemoInstance", &demoinstance.Props{Vpc: n.Vpc.Vpc})
	}
	return n
}
