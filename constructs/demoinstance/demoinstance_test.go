package demoinstance_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/jsii-runtime-go"

	"github.com/palisade-sec/palisade/constructs/demoinstance"
)

func TestMain(m *testing.M) {
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

type resource struct {
	Type       string
	Properties map[string]any
}

func synth(t *testing.T, isolated bool, props *demoinstance.Props) map[string]resource {
	t.Helper()
	app := awscdk.NewApp(&awscdk.AppProps{AnalyticsReporting: jsii.Bool(false)})
	stack := awscdk.NewStack(app, jsii.String("Test"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("333333333333"), Region: jsii.String("eu-west-1")},
	})
	vp := &awsec2.VpcProps{MaxAzs: jsii.Number(2)}
	if isolated {
		vp.NatGateways = jsii.Number(0)
		vp.SubnetConfiguration = &[]*awsec2.SubnetConfiguration{{Name: jsii.String("isolated"), SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED}}
	}
	p := demoinstance.Props{}
	if props != nil {
		p = *props
	}
	p.Vpc = awsec2.NewVpc(stack, jsii.String("Vpc"), vp)
	demoinstance.New(stack, "Demo", &p)
	raw, _ := json.Marshal(app.Synth(nil).GetStackByName(stack.StackName()).Template())
	var tpl struct{ Resources map[string]resource }
	if err := json.Unmarshal(raw, &tpl); err != nil {
		t.Fatal(err)
	}
	return tpl.Resources
}

func one(t *testing.T, rs map[string]resource, typ string) resource {
	t.Helper()
	var out []resource
	for _, r := range rs {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	if len(out) != 1 {
		t.Fatalf("%d %s, want 1", len(out), typ)
	}
	return out[0]
}

func str(v any) string { b, _ := json.Marshal(v); return string(b) }

func TestHardenedInstance(t *testing.T) {
	for _, isolated := range []bool{false, true} {
		rs := synth(t, isolated, nil)
		inst := one(t, rs, "AWS::EC2::Instance")
		p := inst.Properties
		if _, ok := p["KeyName"]; ok {
			t.Error("the instance names a key pair")
		}
		if _, ok := p["IamInstanceProfile"]; ok {
			t.Error("the instance has a profile; Default Host Management should manage it")
		}
		if p["ImageId"] != "{{resolve:ssm:"+demoinstance.ImageParameter+"}}" || p["InstanceType"] != "c7g.medium" || p["Monitoring"] != true {
			t.Errorf("instance = %s", str(p))
		}
		want := map[bool]string{false: "PrivateSubnet1", true: "isolatedSubnet1"}[isolated]
		nic := str(p["NetworkInterfaces"])
		if !strings.Contains(nic, want) || !strings.Contains(nic, `"AssociatePublicIpAddress":false`) || !strings.Contains(nic, "DemoSecurityGroup") {
			t.Errorf("network interface %s, want in %s, no public address, the demo's group", nic, want)
		}
		tags := str(p["Tags"])
		for _, w := range []string{`{"Key":"PatchGroup","Value":"palisade-amazon-linux-2023"}`, `{"Key":"palisade:managed","Value":"true"}`} {
			if !strings.Contains(tags, w) {
				t.Errorf("tags %s lack %s", tags, w)
			}
		}
		lt := str(one(t, rs, "AWS::EC2::LaunchTemplate").Properties)
		for _, w := range []string{`"HttpTokens":"required"`, `"HttpPutResponseHopLimit":1`, `"Encrypted":true`, `"VolumeType":"gp3"`, `"Monitoring":{"Enabled":true}`} {
			if !strings.Contains(lt, w) {
				t.Errorf("launch template lacks %s: %s", w, lt)
			}
		}
		if strings.Contains(lt, "AssociatePublicIpAddress\":true") || strings.Contains(lt, "KeyName") {
			t.Errorf("launch template gives a public IP or a key: %s", lt)
		}
		sg := one(t, rs, "AWS::EC2::SecurityGroup").Properties
		if _, ok := sg["SecurityGroupIngress"]; ok {
			t.Errorf("the security group has ingress: %s", str(sg))
		}
		egress := str(sg["SecurityGroupEgress"])
		if strings.Count(egress, `"FromPort":443`) != 2 || strings.Contains(egress, `"IpProtocol":"-1"`) {
			t.Errorf("egress = %s, want HTTPS only", egress)
		}
	}
}

func TestMisuse(t *testing.T) {
	for _, tc := range []struct {
		props *demoinstance.Props
		want  string
	}{
		{&demoinstance.Props{InstanceType: "t3.micro"}, "Props.InstanceType"},
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), tc.want) {
					t.Errorf("recover() = %v, want a panic naming %s", r, tc.want)
				}
			}()
			synth(t, false, tc.props)
		}()
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "Props.Vpc") {
			t.Errorf("recover() = %v, want a panic naming Props.Vpc", r)
		}
	}()
	demoinstance.New(awscdk.NewStack(awscdk.NewApp(nil), jsii.String("S"), nil), "D", nil)
}
