// Package demoinstance provides Instance: a small Graviton EC2 instance in
// a private subnet, reachable only through AWS Systems Manager Session
// Manager, to try the Session Manager set-up end to end (`aws ssm
// start-session --target <id>`). It is a demonstration, not a workload
// pattern.
//
// The instance: Amazon Linux 2023 for arm64 (the AMI id is read from AWS's
// public SSM parameter by CloudFormation at deploy time, so synth stays
// offline and deterministic), IMDSv2 required (hop limit 1), c7g.medium by default (the smallest Graviton type whose Nitro
// network encrypts traffic between instances, AWS Control Tower
// CT.EC2.PR.19), an encrypted gp3 root volume (the account's EBS default key), no key
// pair, no public IP, detailed monitoring on, and a security group with no
// ingress at all and egress only to HTTPS. It carries no instance profile:
// Systems Manager's Default Host Management Configuration (package
// sessionmanager) manages it. Its tags put it in the patch group and the
// agents' target (PatchGroup and palisade:managed=true by default).
//
// The instance holds nothing worth keeping: it is deleted with its stack.
//
// The package imports nothing from palisade: copy it into any CDK app.
package demoinstance

import (
	"fmt"
	"maps"
	"regexp"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// ImageParameter is AWS's public SSM parameter holding the latest Amazon
// Linux 2023 AMI for arm64.
const ImageParameter = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64"

// Props configure an Instance.
type Props struct {
	// Vpc is where the instance runs. Required.
	Vpc awsec2.IVpc
	// SubnetType selects its subnet: the first of that type.
	// Default: awsec2.SubnetType_PRIVATE_WITH_EGRESS if the VPC has such
	// subnets, else awsec2.SubnetType_PRIVATE_ISOLATED (then the VPC needs
	// Session Manager's interface endpoints).
	SubnetType awsec2.SubnetType
	// InstanceType is a Graviton (arm64) type. Default: "c7g.medium".
	InstanceType string
	// Tags are added to the instance. Default: PatchGroup=palisade-amazon-linux-2023
	// and palisade:managed=true.
	Tags map[string]string
}

// Instance is the demonstration instance and its security group.
type Instance struct {
	constructs.Construct
	Instance       awsec2.CfnInstance
	LaunchTemplate awsec2.CfnLaunchTemplate
	SecurityGroup  awsec2.SecurityGroup
}

var graviton = regexp.MustCompile(`^[a-z][0-9]+g[a-z]*\.[a-z0-9]+$`)

// New creates an Instance. Props that cannot work panic with the prop's name.
func New(scope constructs.Construct, id string, props *Props) *Instance {
	if props == nil || props.Vpc == nil {
		panic("demoinstance: Props.Vpc is required")
	}
	p := *props
	if p.InstanceType == "" {
		p.InstanceType = "c7g.medium"
	}
	if !graviton.MatchString(p.InstanceType) {
		panic(fmt.Sprintf("demoinstance: Props.InstanceType %q is not a Graviton (arm64) type such as c7g.medium", p.InstanceType))
	}
	if p.Tags == nil {
		p.Tags = map[string]string{"PatchGroup": "palisade-amazon-linux-2023", "palisade:managed": "true"}
	}
	if p.SubnetType == "" {
		p.SubnetType = awsec2.SubnetType_PRIVATE_ISOLATED
		if len(*p.Vpc.PrivateSubnets()) > 0 {
			p.SubnetType = awsec2.SubnetType_PRIVATE_WITH_EGRESS
		}
	}
	subnets := p.Vpc.SelectSubnets(&awsec2.SubnetSelection{SubnetType: p.SubnetType}).SubnetIds
	if len(*subnets) == 0 {
		panic(fmt.Sprintf("demoinstance: the VPC has no %s subnet (Props.SubnetType)", p.SubnetType))
	}

	c := constructs.NewConstruct(scope, &id)
	d := &Instance{Construct: c}
	d.SecurityGroup = awsec2.NewSecurityGroup(c, jsii.String("SecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              p.Vpc,
		Description:      jsii.String("palisade demo instance: no ingress, HTTPS out to Systems Manager only"),
		AllowAllOutbound: jsii.Bool(false),
	})
	d.SecurityGroup.AddEgressRule(awsec2.Peer_Ipv4(p.Vpc.VpcCidrBlock()), awsec2.Port_Tcp(jsii.Number(443)),
		jsii.String("HTTPS to the VPC's interface endpoints"), nil)
	d.SecurityGroup.AddEgressRule(awsec2.Peer_AnyIpv4(), awsec2.Port_Tcp(jsii.Number(443)),
		jsii.String("HTTPS to Systems Manager through NAT, where the VPC has it"), nil)

	d.LaunchTemplate = awsec2.NewCfnLaunchTemplate(c, jsii.String("LaunchTemplate"), &awsec2.CfnLaunchTemplateProps{
		LaunchTemplateData: &awsec2.CfnLaunchTemplate_LaunchTemplateDataProperty{
			Monitoring: &awsec2.CfnLaunchTemplate_MonitoringProperty{Enabled: jsii.Bool(true)},
			MetadataOptions: &awsec2.CfnLaunchTemplate_MetadataOptionsProperty{
				HttpTokens:              jsii.String("required"),
				HttpEndpoint:            jsii.String("enabled"),
				HttpPutResponseHopLimit: jsii.Number(1),
			},
			BlockDeviceMappings: &[]any{&awsec2.CfnLaunchTemplate_BlockDeviceMappingProperty{
				DeviceName: jsii.String("/dev/xvda"),
				Ebs: &awsec2.CfnLaunchTemplate_EbsProperty{
					Encrypted:           jsii.Bool(true),
					VolumeType:          jsii.String("gp3"),
					VolumeSize:          jsii.Number(8),
					DeleteOnTermination: jsii.Bool(true),
				},
			}},
		},
	})
	var tagList []*awscdk.CfnTag
	for _, k := range sortedKeys(p.Tags) {
		tagList = append(tagList, &awscdk.CfnTag{Key: jsii.String(k), Value: jsii.String(p.Tags[k])})
	}
	d.Instance = awsec2.NewCfnInstance(c, jsii.String("Instance"), &awsec2.CfnInstanceProps{
		ImageId:      jsii.String("{{resolve:ssm:" + ImageParameter + "}}"),
		InstanceType: jsii.String(p.InstanceType),
		// A network interface of its own, to say no public address where
		// CloudFormation can read it (AWS Control Tower CT.EC2.PR.8).
		NetworkInterfaces: &[]any{&awsec2.CfnInstance_NetworkInterfaceProperty{
			DeviceIndex:              jsii.String("0"),
			SubnetId:                 (*subnets)[0],
			GroupSet:                 &[]*string{d.SecurityGroup.SecurityGroupId()},
			AssociatePublicIpAddress: jsii.Bool(false),
		}},
		LaunchTemplate: &awsec2.CfnInstance_LaunchTemplateSpecificationProperty{
			LaunchTemplateId: d.LaunchTemplate.Ref(),
			Version:          d.LaunchTemplate.AttrLatestVersionNumber(),
		},
		Monitoring: jsii.Bool(true),
		Tags:       &tagList,
	})
	d.Instance.AddMetadata(jsii.String("cdk_nag"), map[string]any{"rules_to_suppress": []map[string]string{
		{"id": "AwsSolutions-EC29", "reason": "a single demonstration instance, off by default; it holds nothing and may be replaced or terminated at will"},
		{"id": "NIST.800.53.R5-EC2InstancesInVPC", "reason": "the instance's network interface is in the VPC's private subnet (NetworkInterfaces[0].SubnetId); cdk-nag reads only the top-level SubnetId, which Control Tower's CT.EC2.PR.8 asks to move into the interface"},
		{"id": "NIST.800.53.R5-EC2InstanceProfileAttached", "reason": "Default Host Management Configuration gives the instance Systems Manager's permissions without a profile; that is what it demonstrates"},
	}})
	return d
}

func sortedKeys(m map[string]string) []string {
	return slices.Sorted(maps.Keys(m))
}
