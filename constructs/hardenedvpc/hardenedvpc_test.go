package hardenedvpc_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"

	"github.com/palisade-sec/palisade/constructs/hardenedvpc"
)

func TestMain(m *testing.M) {
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

const bucketArn = "arn:aws:s3:::example-flow-logs"

// template synthesizes props in a stack of account 111111111111 in us-east-1
// and returns its resources, keyed by logical id.
func template(t *testing.T, props *hardenedvpc.Props) map[string]resource {
	t.Helper()
	app := awscdk.NewApp(&awscdk.AppProps{AnalyticsReporting: jsii.Bool(false)})
	stack := awscdk.NewStack(app, jsii.String("Test"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("us-east-1")},
	})
	stack.Node().SetContext(jsii.String("availability-zones:account=111111111111:region=us-east-1"),
		[]string{"us-east-1a", "us-east-1b", "us-east-1c"})
	v := hardenedvpc.New(stack, "Vpc", props)
	if len(v.PrivateSubnets) == 0 {
		t.Errorf("PrivateSubnets is empty")
	}
	var tpl struct{ Resources map[string]resource }
	raw, err := json.Marshal(app.Synth(nil).GetStackByName(stack.StackName()).Template())
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &tpl); err != nil {
		t.Fatal(err)
	}
	return tpl.Resources
}

type resource struct {
	Type           string
	Properties     map[string]any
	DeletionPolicy string
}

func ofType(rs map[string]resource, typ string) []resource {
	var out []resource
	for _, r := range rs {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

func str(v any) string { b, _ := json.Marshal(v); return string(b) }

func TestSubnetsAndNat(t *testing.T) {
	azs3 := []string{"us-east-1a", "us-east-1b", "us-east-1c"}
	for _, tc := range []struct {
		name                  string
		props                 *hardenedvpc.Props
		public, private, nats int
		igw                   bool
	}{
		{"nil props: 2 AZs, NAT per AZ", nil, 2, 2, 2, true},
		{"per AZ over 3 AZs", &hardenedvpc.Props{AvailabilityZones: azs3, FlowLogBucketArn: bucketArn}, 3, 3, 3, true},
		{"single NAT", &hardenedvpc.Props{AvailabilityZones: azs3, NatGateways: hardenedvpc.NatSingle, FlowLogBucketArn: bucketArn}, 3, 3, 1, true},
		{"no NAT: isolated, no IGW", &hardenedvpc.Props{NatGateways: hardenedvpc.NatNone, FlowLogBucketArn: bucketArn}, 0, 2, 0, false},
		{"no NAT with public subnets", &hardenedvpc.Props{NatGateways: hardenedvpc.NatNone, PublicSubnets: true, FlowLogBucketArn: bucketArn}, 2, 2, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rs := template(t, tc.props)
			var public, private int
			for _, sn := range ofType(rs, "AWS::EC2::Subnet") {
				if sn.Properties["MapPublicIpOnLaunch"] != false {
					t.Errorf("subnet %v: MapPublicIpOnLaunch = %v, want false", sn.Properties["CidrBlock"], sn.Properties["MapPublicIpOnLaunch"])
				}
				if strings.Contains(str(sn.Properties["Tags"]), `"Public"`) {
					public++
				} else {
					private++
				}
			}
			if public != tc.public || private != tc.private {
				t.Errorf("subnets: %d public, %d private; want %d, %d", public, private, tc.public, tc.private)
			}
			if n := len(ofType(rs, "AWS::EC2::NatGateway")); n != tc.nats {
				t.Errorf("NAT gateways: %d, want %d", n, tc.nats)
			}
			if n := len(ofType(rs, "AWS::EC2::InternetGateway")); (n == 1) != tc.igw {
				t.Errorf("internet gateways: %d, want present=%v", n, tc.igw)
			}
			vpc := ofType(rs, "AWS::EC2::VPC")[0].Properties
			if vpc["EnableDnsHostnames"] != true || vpc["EnableDnsSupport"] != true || vpc["InstanceTenancy"] != "default" {
				t.Errorf("VPC: %v", vpc)
			}
			if n := len(ofType(rs, "Custom::VpcRestrictDefaultSG")); n != 1 {
				t.Errorf("default security group is not emptied: %d restrict resources", n)
			}
			for _, svc := range []string{".s3", ".dynamodb"} {
				found := false
				for _, ep := range ofType(rs, "AWS::EC2::VPCEndpoint") {
					found = found || (ep.Properties["VpcEndpointType"] == "Gateway" && strings.Contains(str(ep.Properties["ServiceName"]), svc))
				}
				if !found {
					t.Errorf("no gateway endpoint for %s", svc)
				}
			}
		})
	}
}

// TestNoIngressFromAnywhere scans every security group, ingress rule and
// network ACL entry of the fullest configuration.
func TestNoIngressFromAnywhere(t *testing.T) {
	rs := template(t, &hardenedvpc.Props{
		Cidr: "10.20.0.0/16", FlowLogBucketArn: bucketArn, FlowLogsToCloudWatch: true,
		InterfaceEndpoints: []string{"ssm", "ssmmessages", "ec2messages", "kms", "logs", "ecr.api"},
	})
	open := func(from, to float64, port float64) bool { return from <= port && port <= to }
	for id, r := range rs {
		var rules []any
		switch r.Type {
		case "AWS::EC2::SecurityGroup":
			rules, _ = r.Properties["SecurityGroupIngress"].([]any)
		case "AWS::EC2::SecurityGroupIngress":
			rules = []any{r.Properties}
		case "AWS::EC2::NetworkAclEntry":
			p := r.Properties
			if p["Egress"] == true || p["RuleAction"] != "allow" {
				continue
			}
			if p["CidrBlock"] != "0.0.0.0/0" {
				continue
			}
			if p["Protocol"] == float64(-1) {
				t.Errorf("%s: NACL admits all traffic from 0.0.0.0/0", id)
				continue
			}
			pr, _ := p["PortRange"].(map[string]any)
			if pr == nil {
				continue // ICMP
			}
			ports := []float64{3389} // RDP: TCP and UDP
			if p["Protocol"] == float64(6) {
				ports = append(ports, 22) // SSH: TCP
			}
			for _, port := range ports {
				if open(pr["From"].(float64), pr["To"].(float64), port) {
					t.Errorf("%s: NACL admits port %v from 0.0.0.0/0 (%v)", id, port, pr)
				}
			}
			continue
		}
		for _, rule := range rules {
			m := rule.(map[string]any)
			if m["CidrIp"] == "0.0.0.0/0" || m["CidrIpv6"] == "::/0" {
				t.Errorf("%s: ingress from anywhere: %v", id, m)
			}
			if from, ok := m["FromPort"].(float64); ok {
				for _, port := range []float64{22, 3389} {
					if open(from, m["ToPort"].(float64), port) {
						t.Errorf("%s: ingress on port %v: %v", id, port, m)
					}
				}
			}
		}
	}
	var endpointSG, noIngress map[string]any
	for _, sg := range ofType(rs, "AWS::EC2::SecurityGroup") {
		switch sg.Properties["GroupDescription"] {
		case "Interface endpoints: HTTPS from the VPC only":
			endpointSG = sg.Properties
		case "No ingress; attach to workloads":
			noIngress = sg.Properties
		}
	}
	if got := str(endpointSG["SecurityGroupIngress"]); !strings.Contains(got, `"CidrIp":"10.20.0.0/16"`) || !strings.Contains(got, `"FromPort":443,"IpProtocol":"tcp","ToPort":443`) ||
		strings.Count(got, "CidrIp") != 1 {
		t.Errorf("endpoint security group ingress = %s, want only 443 from 10.20.0.0/16", got)
	}
	if noIngress["SecurityGroupIngress"] != nil {
		t.Errorf("no-ingress group has ingress: %v", noIngress["SecurityGroupIngress"])
	}
	if got := str(noIngress["SecurityGroupEgress"]); strings.Count(got, "CidrIp") != 1 || !strings.Contains(got, `"FromPort":443`) {
		t.Errorf("no-ingress group egress = %s, want HTTPS only", got)
	}
	interfaces := 0
	for _, ep := range ofType(rs, "AWS::EC2::VPCEndpoint") {
		if ep.Properties["VpcEndpointType"] == "Interface" {
			interfaces++
			if ep.Properties["PrivateDnsEnabled"] != true {
				t.Errorf("endpoint %v: private DNS off", ep.Properties["ServiceName"])
			}
		}
	}
	if interfaces != 6 {
		t.Errorf("interface endpoints: %d, want 6", interfaces)
	}
}

func TestFlowLogs(t *testing.T) {
	rs := template(t, &hardenedvpc.Props{FlowLogBucketArn: bucketArn, FlowLogsToCloudWatch: true,
		FlowLogRetention: awslogs.RetentionDays_TWO_YEARS})
	var s3, cw int
	for _, fl := range ofType(rs, "AWS::EC2::FlowLog") {
		p := fl.Properties
		if p["TrafficType"] != "ALL" || p["MaxAggregationInterval"] != float64(60) || p["LogFormat"] != hardenedvpc.FlowLogFormat {
			t.Errorf("flow log %v: traffic %v, interval %v, format %v", p["LogDestinationType"], p["TrafficType"], p["MaxAggregationInterval"], p["LogFormat"])
		}
		switch p["LogDestinationType"] {
		case "s3":
			s3++
			if p["LogDestination"] != bucketArn {
				t.Errorf("S3 flow log destination = %v, want %s", p["LogDestination"], bucketArn)
			}
		case "cloud-watch-logs":
			cw++
		}
	}
	if s3 != 1 || cw != 1 {
		t.Fatalf("flow logs: %d to S3, %d to CloudWatch; want 1 and 1", s3, cw)
	}
	lg := ofType(rs, "AWS::Logs::LogGroup")[0]
	if lg.Properties["RetentionInDays"] != float64(731) || lg.Properties["KmsKeyId"] == nil || lg.DeletionPolicy != "Retain" {
		t.Errorf("log group: %v, deletion %s", lg.Properties, lg.DeletionPolicy)
	}
	key := ofType(rs, "AWS::KMS::Key")[0]
	if key.Properties["EnableKeyRotation"] != true || key.DeletionPolicy != "Retain" {
		t.Errorf("key: rotation %v, deletion %s", key.Properties["EnableKeyRotation"], key.DeletionPolicy)
	}
	if !strings.Contains(str(key.Properties["KeyPolicy"]), "DenyGrantsExceptForAWSServices") {
		t.Error("key policy does not limit grants to AWS services")
	}
	if len(ofType(rs, "AWS::IAM::Policy")) != 0 {
		t.Error("flow log role has an inline policy; want the managed policy only")
	}
	if got := str(ofType(rs, "AWS::IAM::Role")); !strings.Contains(got, "vpc-flow-logs.amazonaws.com") || !strings.Contains(got, "aws:SourceAccount") {
		t.Errorf("flow log role trust = %s", got)
	}
}

func TestFlowLogsNeverOff(t *testing.T) {
	rs := template(t, &hardenedvpc.Props{})
	fls := ofType(rs, "AWS::EC2::FlowLog")
	if len(fls) != 1 || fls[0].Properties["LogDestinationType"] != "cloud-watch-logs" {
		t.Fatalf("without a bucket, want one flow log to CloudWatch Logs; got %v", fls)
	}
}

func TestOptions(t *testing.T) {
	rs := template(t, &hardenedvpc.Props{FlowLogBucketArn: bucketArn, DedicatedTenancy: true, BlockPublicAccess: true})
	if got := ofType(rs, "AWS::EC2::VPC")[0].Properties["InstanceTenancy"]; got != "dedicated" {
		t.Errorf("tenancy = %v", got)
	}
	bpa := ofType(rs, "AWS::EC2::VPCBlockPublicAccessOptions")
	if len(bpa) != 1 || bpa[0].Properties["InternetGatewayBlockMode"] != "block-ingress" {
		t.Errorf("block public access = %v", bpa)
	}
	if n := len(ofType(template(t, &hardenedvpc.Props{FlowLogBucketArn: bucketArn}), "AWS::EC2::VPCBlockPublicAccessOptions")); n != 0 {
		t.Errorf("block public access on by default: %d", n)
	}
}

func TestMisusePanics(t *testing.T) {
	for _, tc := range []struct {
		props *hardenedvpc.Props
		want  string
	}{
		{&hardenedvpc.Props{Cidr: "10.0.0.1/16"}, "Props.Cidr"},
		{&hardenedvpc.Props{Cidr: "fd00::/8"}, "Props.Cidr"},
		{&hardenedvpc.Props{NatGateways: "many"}, "Props.NatGateways"},
		{&hardenedvpc.Props{PrivateSubnetMask: 30}, "Props.PrivateSubnetMask"},
		{&hardenedvpc.Props{InterfaceEndpoints: []string{"SSM Messages"}}, "Props.InterfaceEndpoints"},
		{&hardenedvpc.Props{FlowLogBucketArn: "my-bucket"}, "Props.FlowLogBucketArn"},
	} {
		func() {
			defer func() {
				r := recover()
				if r == nil || !strings.Contains(fmt.Sprint(r), tc.want) {
					t.Errorf("%+v: panic %v, want one naming %s", tc.props, r, tc.want)
				}
			}()
			template(t, tc.props)
		}()
	}
}
