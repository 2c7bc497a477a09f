// Package hardenedvpc provides Vpc, the application and security VPC of the
// palisade architecture, hardened so that its zero-value props are the safe
// choice:
//
//   - public and private subnets over N availability zones (default 2), DNS
//     support and hostnames on, optional dedicated tenancy;
//   - NAT gateways one per AZ (the default), a single one, or none (private
//     subnets are then isolated, and no internet gateway exists unless public
//     subnets are asked for);
//   - no ingress: public subnets never auto-assign public IPs, the default
//     security group is emptied, workloads get an exported security group with
//     no ingress rules and HTTPS-only egress, and optional VPC Block Public
//     Access (ingress mode) for the account and region;
//   - network ACLs: no subnet admits SSH (22) or RDP (3389) from outside the
//     VPC; private subnets admit everything from inside the VPC and, from
//     outside it, only TCP on ephemeral ports (the return path of connections
//     they opened through NAT or a gateway endpoint) and ICMP "fragmentation
//     needed". Network ACLs are stateless, so that return path
//     cannot be closed; they are a second line behind routing and security
//     groups that still holds if a route or a public IP is added by mistake;
//   - flow logs always on, traffic ALL, every field up to version 5, to an S3
//     bucket given by ARN (the central log archive) and optionally to a
//     KMS-encrypted CloudWatch log group with retention;
//   - gateway endpoints for S3 and DynamoDB, and optional interface endpoints
//     whose security group admits HTTPS from the VPC's CIDR only.
//
// The package imports nothing from palisade: copy it into any CDK app.
package hardenedvpc

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// NatStrategy says how private subnets reach the internet.
type NatStrategy string

const (
	// NatPerAz puts a NAT gateway in every AZ, so an AZ outage does not cut
	// the others off. The zero value means NatPerAz.
	NatPerAz NatStrategy = "perAz"
	// NatSingle shares one NAT gateway between all AZs: cheaper, one AZ's fate.
	NatSingle NatStrategy = "single"
	// NatNone gives private subnets no route to the internet (isolated).
	NatNone NatStrategy = "none"
)

// Props configure a Vpc. Every zero value is the hardened choice.
type Props struct {
	// Cidr is the VPC's IPv4 CIDR. Default: 10.0.0.0/16.
	Cidr string
	// AvailabilityZones names the AZs to spread subnets over. Default: the
	// stack's first two AZs.
	AvailabilityZones []string
	// NatGateways is the NAT strategy. Default: NatPerAz.
	NatGateways NatStrategy
	// PublicSubnets asks for public subnets (and so an internet gateway) even
	// with NatNone. NAT gateways always need public subnets, so this only
	// matters with NatNone. Default: false.
	PublicSubnets bool
	// PublicSubnetMask is the prefix length of each public subnet. Default: 24.
	PublicSubnetMask int
	// PrivateSubnetMask is the prefix length of each private subnet. Default: 20.
	PrivateSubnetMask int
	// DedicatedTenancy runs instances on single-tenant hardware. Default: false.
	DedicatedTenancy bool
	// BlockPublicAccess turns on VPC Block Public Access in ingress mode. It is
	// a setting of the whole account and region, so set it on one Vpc per
	// account and region only. Default: false.
	BlockPublicAccess bool
	// InterfaceEndpoints lists AWS services (as in com.amazonaws.REGION.NAME:
	// "ssm", "ecr.api", ...) to reach through interface endpoints in the
	// private subnets, with private DNS. Default: none.
	InterfaceEndpoints []string
	// FlowLogBucketArn is the S3 bucket that receives the flow logs, under
	// AWSLogs/<account>/vpcflowlogs/. Its bucket and key policies must admit
	// delivery.logs.amazonaws.com. Default: none, and flow logs then go to
	// CloudWatch Logs so that they are never off.
	FlowLogBucketArn string
	// FlowLogsToCloudWatch also sends flow logs to a CloudWatch log group
	// encrypted with a key of its own. Default: false (true when
	// FlowLogBucketArn is empty).
	FlowLogsToCloudWatch bool
	// FlowLogRetention is how long the CloudWatch log group keeps flow logs.
	// Default: one year.
	FlowLogRetention awslogs.RetentionDays
	// AllowAllOutbound lets the no-ingress security group send any traffic
	// anywhere. Default: false, HTTPS (TCP 443) out only.
	AllowAllOutbound bool
}

// Vpc is a hardened VPC and its parts.
type Vpc struct {
	constructs.Construct
	// Vpc is the VPC itself.
	Vpc awsec2.Vpc
	// PublicSubnets are the public subnets, one per AZ; empty without them.
	PublicSubnets []awsec2.ISubnet
	// PrivateSubnets are the private subnets, one per AZ: with egress through
	// NAT, or isolated with NatNone.
	PrivateSubnets []awsec2.ISubnet
	// NoIngressSecurityGroup admits nothing; attach it to workloads.
	NoIngressSecurityGroup awsec2.SecurityGroup
	// EndpointSecurityGroup guards the interface endpoints; nil without them.
	EndpointSecurityGroup awsec2.SecurityGroup
	// FlowLog delivers to FlowLogBucketArn; nil without a bucket.
	FlowLog awsec2.FlowLog
	// CloudWatchFlowLog delivers to FlowLogGroup; nil when not asked for.
	CloudWatchFlowLog awsec2.FlowLog
	// FlowLogGroup is the encrypted log group of CloudWatchFlowLog, or nil.
	FlowLogGroup awslogs.LogGroup
}

// FlowLogFormat is every flow log field through version 5, in AWS's order.
const FlowLogFormat = "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} " +
	"${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status} ${vpc-id} ${subnet-id} " +
	"${instance-id} ${tcp-flags} ${type} ${pkt-srcaddr} ${pkt-dstaddr} ${region} ${az-id} " +
	"${sublocation-type} ${sublocation-id} ${pkt-src-aws-service} ${pkt-dst-aws-service} " +
	"${flow-direction} ${traffic-path}"

// Subnet group names; stable, they appear in construct paths.
const (
	PublicGroup  = "Public"
	PrivateGroup = "Private"
)

var endpointName = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]*$`)

// New creates a hardened VPC. Nil props means every default. Props that
// cannot work (a bad CIDR, an unknown NAT strategy) panic with the prop's name.
func New(scope constructs.Construct, id string, props *Props) *Vpc {
	p := withDefaults(props)
	c := constructs.NewConstruct(scope, &id)
	v := &Vpc{Construct: c}

	var azs *[]*string
	maxAzs := jsii.Number(2)
	if len(p.AvailabilityZones) > 0 {
		azs, maxAzs = jsii.Strings(p.AvailabilityZones...), nil
	}
	private := awsec2.SubnetType_PRIVATE_WITH_EGRESS
	nat := len(p.AvailabilityZones)
	if azs == nil {
		nat = int(*maxAzs)
	}
	switch p.NatGateways {
	case NatSingle:
		nat = 1
	case NatNone:
		nat = 0
		private = awsec2.SubnetType_PRIVATE_ISOLATED
	}
	public := nat > 0 || p.PublicSubnets
	var subnets []*awsec2.SubnetConfiguration
	if public {
		subnets = append(subnets, &awsec2.SubnetConfiguration{
			Name: jsii.String(PublicGroup), SubnetType: awsec2.SubnetType_PUBLIC,
			CidrMask: jsii.Number(p.PublicSubnetMask), MapPublicIpOnLaunch: jsii.Bool(false),
		})
	}
	subnets = append(subnets, &awsec2.SubnetConfiguration{
		Name: jsii.String(PrivateGroup), SubnetType: private, CidrMask: jsii.Number(p.PrivateSubnetMask),
	})
	tenancy := awsec2.DefaultInstanceTenancy_DEFAULT
	if p.DedicatedTenancy {
		tenancy = awsec2.DefaultInstanceTenancy_DEDICATED
	}
	v.Vpc = awsec2.NewVpc(c, jsii.String("Vpc"), &awsec2.VpcProps{
		IpAddresses:                  awsec2.IpAddresses_Cidr(jsii.String(p.Cidr)),
		AvailabilityZones:            azs,
		MaxAzs:                       maxAzs,
		NatGateways:                  jsii.Number(nat),
		SubnetConfiguration:          &subnets,
		EnableDnsHostnames:           jsii.Bool(true),
		EnableDnsSupport:             jsii.Bool(true),
		DefaultInstanceTenancy:       tenancy,
		RestrictDefaultSecurityGroup: jsii.Bool(true),
		GatewayEndpoints: &map[string]*awsec2.GatewayVpcEndpointOptions{
			"S3":       {Service: awsec2.GatewayVpcEndpointAwsService_S3()},
			"DynamoDb": {Service: awsec2.GatewayVpcEndpointAwsService_DYNAMODB()},
		},
	})

	v.PublicSubnets = *v.Vpc.PublicSubnets()
	if nat > 0 {
		v.PrivateSubnets = *v.Vpc.PrivateSubnets()
	} else {
		v.PrivateSubnets = *v.Vpc.IsolatedSubnets()
	}
	for _, sn := range v.PublicSubnets {
		suppressTree(sn.Node().FindChild(jsii.String("DefaultRoute")), "NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW",
			"public subnets hold only the NAT gateways (or subnets asked for explicitly): their default route to the internet "+
				"gateway is what NAT egress needs; nothing there gets a public IP and the NACL denies SSH and RDP from outside")
	}

	v.NoIngressSecurityGroup = awsec2.NewSecurityGroup(c, jsii.String("NoIngress"), &awsec2.SecurityGroupProps{
		Vpc:              v.Vpc,
		Description:      jsii.String("No ingress; attach to workloads"),
		AllowAllOutbound: jsii.Bool(p.AllowAllOutbound),
	})
	if !p.AllowAllOutbound {
		v.NoIngressSecurityGroup.AddEgressRule(awsec2.Peer_AnyIpv4(), awsec2.Port_Tcp(jsii.Number(443)),
			jsii.String("HTTPS to AWS APIs and package mirrors"), nil)
	}

	networkAcls(c, v.Vpc, p.Cidr, public)
	if p.BlockPublicAccess {
		awsec2.NewCfnVPCBlockPublicAccessOptions(c, jsii.String("BlockPublicAccess"), &awsec2.CfnVPCBlockPublicAccessOptionsProps{
			InternetGatewayBlockMode: jsii.String("block-ingress"),
		})
	}
	if len(p.InterfaceEndpoints) > 0 {
		v.EndpointSecurityGroup = interfaceEndpoints(c, v.Vpc, p.Cidr, p.InterfaceEndpoints)
	}
	v.flowLogs(p)
	return v
}

func withDefaults(props *Props) Props {
	var p Props
	if props != nil {
		p = *props
	}
	if p.Cidr == "" {
		p.Cidr = "10.0.0.0/16"
	}
	if pfx, err := netip.ParsePrefix(p.Cidr); err != nil || !pfx.Addr().Is4() || pfx.Masked() != pfx {
		panic(fmt.Sprintf("hardenedvpc: Props.Cidr %q is not an IPv4 network CIDR such as 10.0.0.0/16", p.Cidr))
	}
	switch p.NatGateways {
	case "":
		p.NatGateways = NatPerAz
	case NatPerAz, NatSingle, NatNone:
	default:
		panic(fmt.Sprintf("hardenedvpc: Props.NatGateways %q is not one of %q, %q, %q", p.NatGateways, NatPerAz, NatSingle, NatNone))
	}
	if p.PublicSubnetMask == 0 {
		p.PublicSubnetMask = 24
	}
	if p.PrivateSubnetMask == 0 {
		p.PrivateSubnetMask = 20
	}
	for name, m := range map[string]int{"PublicSubnetMask": p.PublicSubnetMask, "PrivateSubnetMask": p.PrivateSubnetMask} {
		if m < 16 || m > 28 {
			panic(fmt.Sprintf("hardenedvpc: Props.%s %d is outside 16..28", name, m))
		}
	}
	for _, e := range p.InterfaceEndpoints {
		if !endpointName.MatchString(e) {
			panic(fmt.Sprintf("hardenedvpc: Props.InterfaceEndpoints: %q is not a service name such as \"ssm\" or \"ecr.api\"", e))
		}
	}
	if p.FlowLogBucketArn == "" {
		p.FlowLogsToCloudWatch = true
	} else if !strings.HasPrefix(p.FlowLogBucketArn, "arn:") && !*awscdk.Token_IsUnresolved(p.FlowLogBucketArn) {
		panic(fmt.Sprintf("hardenedvpc: Props.FlowLogBucketArn %q is not an ARN such as arn:aws:s3:::bucket", p.FlowLogBucketArn))
	}
	if p.FlowLogRetention == "" {
		p.FlowLogRetention = awslogs.RetentionDays_ONE_YEAR
	}
	return p
}

// networkAcls keeps SSH and RDP from outside the VPC off every subnet and
// keeps private subnets to traffic from the VPC plus the return path of their
// own outbound connections. No entry that admits 0.0.0.0/0 covers TCP 22 or
// TCP/UDP 3389, so the default deny closes them whatever the rule order (AWS
// Control Tower's CT.EC2.PR.5 reads entries one by one). See the package doc.
func networkAcls(c constructs.Construct, vpc awsec2.Vpc, cidr string, public bool) {
	tcp := func(from, to float64) awsec2.AclTraffic {
		return awsec2.AclTraffic_TcpPortRange(jsii.Number(from), jsii.Number(to))
	}
	udp := func(from, to float64) awsec2.AclTraffic {
		return awsec2.AclTraffic_UdpPortRange(jsii.Number(from), jsii.Number(to))
	}
	type entry struct {
		id      string
		traffic awsec2.AclTraffic
		from    string
	}
	add := func(id string, group string, ingress []entry) {
		acl := awsec2.NewNetworkAcl(c, jsii.String(id), &awsec2.NetworkAclProps{Vpc: vpc})
		// The associations NetworkAclProps.SubnetSelection would make, with
		// ids that do not change when the stack is built inside a stage
		// (a CDK pipeline's), so both deploy the same logical ids.
		for _, sn := range *vpc.SelectSubnets(&awsec2.SubnetSelection{SubnetGroupName: jsii.String(group)}).Subnets {
			awsec2.NewSubnetNetworkAclAssociation(acl, jsii.String("DefaultAssociation"+uniqueIDInStage(sn)), &awsec2.SubnetNetworkAclAssociationProps{
				NetworkAcl: acl,
				Subnet:     sn,
			})
		}
		defer suppressTree(acl, "AwsSolutions-VPC3", naclReason)
		for i, e := range ingress {
			acl.AddEntry(jsii.String(e.id), &awsec2.CommonNetworkAclEntryOptions{
				Cidr: awsec2.AclCidr_Ipv4(jsii.String(e.from)), RuleNumber: jsii.Number(100 + 10*i),
				Traffic: e.traffic, Direction: awsec2.TrafficDirection_INGRESS, RuleAction: awsec2.Action_ALLOW,
			})
		}
		acl.AddEntry(jsii.String("AllowAllOut"), &awsec2.CommonNetworkAclEntryOptions{
			Cidr: awsec2.AclCidr_AnyIpv4(), RuleNumber: jsii.Number(100),
			Traffic: awsec2.AclTraffic_AllTraffic(), Direction: awsec2.TrafficDirection_EGRESS, RuleAction: awsec2.Action_ALLOW,
		})
	}
	const anywhere = "0.0.0.0/0"
	fromVpc := entry{"AllowVpcIn", awsec2.AclTraffic_AllTraffic(), cidr}
	if public {
		add("PublicAcl", PublicGroup, []entry{fromVpc,
			{"AllowTcpBelowSshIn", tcp(1, 21), anywhere},
			{"AllowTcpBelowRdpIn", tcp(23, 3388), anywhere},
			{"AllowTcpAboveRdpIn", tcp(3390, 65535), anywhere},
			{"AllowUdpBelowRdpIn", udp(1, 3388), anywhere},
			{"AllowUdpAboveRdpIn", udp(3390, 65535), anywhere},
			{"AllowIcmpIn", awsec2.AclTraffic_Icmp(&awsec2.AclIcmp{Type: jsii.Number(-1), Code: jsii.Number(-1)}), anywhere},
		})
	}
	add("PrivateAcl", PrivateGroup, []entry{fromVpc,
		{"AllowReturnTcpBelowRdpIn", tcp(1024, 3388), anywhere},
		{"AllowReturnTcpAboveRdpIn", tcp(3390, 65535), anywhere},
		{"AllowFragNeededIn", awsec2.AclTraffic_Icmp(&awsec2.AclIcmp{Type: jsii.Number(3), Code: jsii.Number(4)}), anywhere},
	})
}

const naclReason = "deliberate: the NACLs deny SSH and RDP from outside the VPC and keep private subnets to VPC traffic " +
	"plus return traffic, a stateless second line behind security groups (see the hardenedvpc package doc)"

func interfaceEndpoints(c constructs.Construct, vpc awsec2.Vpc, cidr string, services []string) awsec2.SecurityGroup {
	sg := awsec2.NewSecurityGroup(c, jsii.String("EndpointSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              vpc,
		Description:      jsii.String("Interface endpoints: HTTPS from the VPC only"),
		AllowAllOutbound: jsii.Bool(false),
	})
	sg.AddIngressRule(awsec2.Peer_Ipv4(jsii.String(cidr)), awsec2.Port_Tcp(jsii.Number(443)),
		jsii.String("HTTPS from the VPC"), nil)
	for _, name := range services {
		vpc.AddInterfaceEndpoint(jsii.String(endpointID(name)), &awsec2.InterfaceVpcEndpointOptions{
			Service:           awsec2.NewInterfaceVpcEndpointAwsService(jsii.String(name), nil, nil, nil),
			PrivateDnsEnabled: jsii.Bool(true),
			SecurityGroups:    &[]awsec2.ISecurityGroup{sg},
			Open:              jsii.Bool(false),
			Subnets:           &awsec2.SubnetSelection{SubnetGroupName: jsii.String(PrivateGroup)},
		})
	}
	return sg
}

// endpointID turns "ecr.api" into "EcrApiEndpoint": stable ids from names.
func endpointID(service string) string {
	var b strings.Builder
	for _, part := range strings.FieldsFunc(service, func(r rune) bool { return r == '.' || r == '-' }) {
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String() + "Endpoint"
}

func (v *Vpc) flowLogs(p Props) {
	format := &[]awsec2.LogFormat{awsec2.LogFormat_Custom(jsii.String(FlowLogFormat))}
	if p.FlowLogBucketArn != "" {
		bucket := awss3.Bucket_FromBucketArn(v.Construct, jsii.String("FlowLogBucket"), jsii.String(p.FlowLogBucketArn))
		v.FlowLog = v.Vpc.AddFlowLog(jsii.String("FlowLogToS3"), &awsec2.FlowLogOptions{
			Destination:            awsec2.FlowLogDestination_ToS3(bucket, nil, nil),
			TrafficType:            awsec2.FlowLogTrafficType_ALL,
			LogFormat:              format,
			MaxAggregationInterval: awsec2.FlowLogMaxAggregationInterval_ONE_MINUTE,
		})
	}
	if !p.FlowLogsToCloudWatch {
		return
	}
	stack := awscdk.Stack_Of(v.Construct)
	key := awskms.NewKey(v.Construct, jsii.String("FlowLogKey"), &awskms.KeyProps{
		Description:       jsii.String("Encrypts the VPC flow log group"),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
	})
	denyGrantsExceptForAWSServices(key)
	logsPrincipal := awsiam.NewServicePrincipal(jsii.String(fmt.Sprintf("logs.%s.amazonaws.com", *stack.Region())), nil)
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("CloudWatchLogsEncryptsThisAccountsLogGroups"),
		Principals: &[]awsiam.IPrincipal{logsPrincipal},
		Actions:    jsii.Strings("kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"),
		// In a key policy "*" is this key and nothing else.
		Resources: jsii.Strings("*"),
		Conditions: &map[string]any{"ArnLike": map[string]any{
			"kms:EncryptionContext:aws:logs:arn": stack.FormatArn(&awscdk.ArnComponents{
				Service: jsii.String("logs"), Resource: jsii.String("log-group"), ResourceName: jsii.String("*"),
				ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME,
			}),
		}},
	}), nil)
	v.FlowLogGroup = awslogs.NewLogGroup(v.Construct, jsii.String("FlowLogGroup"), &awslogs.LogGroupProps{
		EncryptionKey: key,
		Retention:     p.FlowLogRetention,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	role := awsiam.NewRole(v.Construct, jsii.String("FlowLogRole"), &awsiam.RoleProps{
		Description: jsii.String("Lets VPC flow logs write to the flow log group"),
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("vpc-flow-logs.amazonaws.com"), nil).WithConditions(&map[string]any{
			"StringEquals": map[string]any{"aws:SourceAccount": stack.Account()},
		}),
	})
	awsiam.NewManagedPolicy(v.Construct, jsii.String("FlowLogPolicy"), &awsiam.ManagedPolicyProps{
		Description: jsii.String("Write VPC flow logs to the flow log group"),
		Roles:       &[]awsiam.IRole{role},
		Statements: &[]awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:   jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"),
			Resources: jsii.Strings(*v.FlowLogGroup.LogGroupArn()),
		})},
	})
	v.CloudWatchFlowLog = v.Vpc.AddFlowLog(jsii.String("FlowLogToCloudWatch"), &awsec2.FlowLogOptions{
		// WithoutPolicyUpdates: the managed policy above grants what the flow
		// log needs; CDK would otherwise add the same grant as an inline policy.
		Destination:            awsec2.FlowLogDestination_ToCloudWatchLogs(v.FlowLogGroup, role.WithoutPolicyUpdates(nil)),
		TrafficType:            awsec2.FlowLogTrafficType_ALL,
		LogFormat:              format,
		MaxAggregationInterval: awsec2.FlowLogMaxAggregationInterval_ONE_MINUTE,
	})
}

// suppressTree records on every CloudFormation resource at or under scope
// that it breaks a cdk-nag rule on purpose, and why. cdk-nag reads this
// metadata; without cdk-nag it is inert.
func suppressTree(scope constructs.IConstruct, rule, reason string) {
	for _, n := range *scope.Node().FindAll(constructs.ConstructOrder_PREORDER) {
		if r, ok := n.(awscdk.CfnResource); ok {
			r.AddMetadata(jsii.String("cdk_nag"), map[string]any{"rules_to_suppress": []map[string]string{{"id": rule, "reason": reason}}})
		}
	}
}

// denyGrantsExceptForAWSServices keeps kms:CreateGrant to AWS services acting
// for AWS resources (AWS Control Tower CT.KMS.PR.3).
func denyGrantsExceptForAWSServices(key awskms.Key) {
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("DenyGrantsExceptForAWSServices"),
		Effect:     awsiam.Effect_DENY,
		Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
		Actions:    jsii.Strings("kms:CreateGrant"),
		Resources:  jsii.Strings("*"), // in a key policy "*" is this key
		Conditions: &map[string]any{"BoolIfExists": map[string]any{
			"kms:GrantIsForAWSResource": "false", "aws:PrincipalIsAWSService": "false",
		}},
	}), nil)
}

// uniqueIDInStage is awscdk.Names_NodeUniqueId of c as if its stage (a CDK
// pipeline's stage) were the app: the same id whether the stack is
// synthesized directly or inside a stage. CDK's own function hashes the
// stage's id in; this one lets CDK hash the path below the stage, on a
// throwaway tree of plain constructs.
func uniqueIDInStage(c constructs.IConstruct) string {
	stage := *awscdk.Stage_Of(c).Node().Path()
	if stage == "" {
		return *awscdk.Names_NodeUniqueId(c.Node())
	}
	var scope constructs.Construct = constructs.NewRootConstruct(nil)
	for _, id := range strings.Split(strings.TrimPrefix(*c.Node().Path(), stage+"/"), "/") {
		scope = constructs.NewConstruct(scope, jsii.String(id))
	}
	return *awscdk.Names_NodeUniqueId(scope.Node())
}
