package emulator_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// The models the options org's deploy needed (test/testdata/options.yaml
// in the deploy lane): AWS Config's service-linked role made by hand, a
// Lambda-backed custom resource, an instance placed by its network
// interface, Security Hub enabled by its delegation.

// TestServiceLinkedRoleByHand: CreateServiceLinkedRole, called directly as
// the README tells an operator to with compliance.createConfigRole: false,
// makes AWS's role name and path; a second one fails with InvalidInput.
func TestServiceLinkedRoleByHand(t *testing.T) {
	emu := start(t)
	ctx := context.Background()
	client := iam.NewFromConfig(config(emu))
	out, err := client.CreateServiceLinkedRole(ctx, &iam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String("config.amazonaws.com")})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(out.Role.RoleName); got != "AWSServiceRoleForConfig" {
		t.Errorf("role name %s, want AWSServiceRoleForConfig", got)
	}
	if got := aws.ToString(out.Role.Path); got != "/aws-service-role/config.amazonaws.com/" {
		t.Errorf("role path %s, want /aws-service-role/config.amazonaws.com/", got)
	}
	if _, err := client.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("AWSServiceRoleForConfig")}); err != nil {
		t.Errorf("GetRole of the new role: %v", err)
	}
	_, err = client.CreateServiceLinkedRole(ctx, &iam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String("config.amazonaws.com")})
	if code(err) != "InvalidInput" || !strings.Contains(err.Error(), "has been taken in this account") {
		t.Errorf("a second AWSServiceRoleForConfig: %v, want InvalidInput (has been taken)", err)
	}
}

// customResource is a Lambda-backed AWS::CloudFormation::CustomResource
// whose ServiceToken is token (the stack's Provider function when nil).
func customResource(token any, extra map[string]any) map[string]any {
	if token == nil {
		token = map[string]any{"Fn::GetAtt": []string{"Provider", "Arn"}}
	}
	props := map[string]any{"ServiceToken": token}
	for k, v := range extra {
		props[k] = v
	}
	return map[string]any{"Type": "AWS::CloudFormation::CustomResource", "Properties": props}
}

// TestCustomResourceRequests: CloudFormation sends a custom resource's
// function its request; the emulator, which runs no function, records it
// (a test then runs the function's code). A ServiceToken naming a function
// that does not exist, or a ServiceTimeout outside 1-3600, fails the stack.
func TestCustomResourceRequests(t *testing.T) {
	emu := start(t)
	ctx := context.Background()
	cfg := config(emu)
	if err := deploy(ctx, cfg, "custom", stackTemplate(map[string]any{
		"Deletion": customResource(nil, map[string]any{"ServiceTimeout": 300, "Answer": "42"}),
	})); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(emu.Endpoint + "/moto-api/palisade/records")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var records struct {
		CustomResourceRequests map[string]map[string][]struct {
			RequestType, ServiceToken string
			ResourceProperties        map[string]any
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&records); err != nil {
		t.Fatal(err)
	}
	reqs := records.CustomResourceRequests["123456789012/us-east-1"]["custom/Deletion"]
	if len(reqs) != 1 || reqs[0].RequestType != "Create" || !strings.Contains(reqs[0].ServiceToken, ":function:") || reqs[0].ResourceProperties["Answer"] != "42" {
		t.Errorf("recorded requests %+v, want one Create to the provider with its properties (all: %+v)", reqs, records.CustomResourceRequests)
	}

	if err := deploy(ctx, cfg, "custom-missing", stackTemplate(map[string]any{
		"Deletion": customResource("arn:aws:lambda:us-east-1:123456789012:function:nobody", nil),
	})); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("a custom resource of a missing function: %v, want the stack failed (the function does not exist)", err)
	}
	if err := deploy(ctx, cfg, "custom-other-region", stackTemplate(map[string]any{
		"Deletion": customResource("arn:aws:lambda:eu-west-1:123456789012:function:elsewhere", nil),
	})); err == nil || !strings.Contains(err.Error(), "not in the stack's account") {
		t.Errorf("a custom resource of another region's function: %v, want the stack failed", err)
	}
	if err := deploy(ctx, cfg, "custom-timeout", stackTemplate(map[string]any{
		"Deletion": customResource(nil, map[string]any{"ServiceTimeout": 3601}),
	})); err == nil || !strings.Contains(err.Error(), "ServiceTimeout 3601") {
		t.Errorf("ServiceTimeout 3601: %v, want the stack failed", err)
	}
}

// TestInstanceNetworkInterfaces: an instance whose subnet and groups are
// given in NetworkInterfaces runs in that subnet, without a public address
// when the interface says so (moto put it in the default VPC); with a
// subnet given both ways it fails, as RunInstances does.
func TestInstanceNetworkInterfaces(t *testing.T) {
	emu := start(t)
	ctx := context.Background()
	cfg := config(emu)
	resources := func(instanceSubnet bool) string {
		inst := map[string]any{"ImageId": "ami-12c6146b", "InstanceType": "t3.micro",
			"NetworkInterfaces": []any{map[string]any{"DeviceIndex": "0", "AssociatePublicIpAddress": false,
				"SubnetId": map[string]any{"Ref": "Subnet"}, "GroupSet": []any{map[string]any{"Fn::GetAtt": []string{"Group", "GroupId"}}}}}}
		if instanceSubnet {
			inst["SubnetId"] = map[string]any{"Ref": "Subnet"}
		}
		return stackTemplate(map[string]any{
			"Vpc":    map[string]any{"Type": "AWS::EC2::VPC", "Properties": map[string]any{"CidrBlock": "10.8.0.0/16"}},
			"Subnet": map[string]any{"Type": "AWS::EC2::Subnet", "Properties": map[string]any{"VpcId": map[string]any{"Ref": "Vpc"}, "CidrBlock": "10.8.0.0/24", "AvailabilityZone": "us-east-1a"}},
			"Group": map[string]any{"Type": "AWS::EC2::SecurityGroup", "Properties": map[string]any{"GroupDescription": "none in",
				"VpcId": map[string]any{"Ref": "Vpc"}}},
			"Instance": map[string]any{"Type": "AWS::EC2::Instance", "Properties": inst},
		})
	}
	if err := deploy(ctx, cfg, "instance", resources(false)); err != nil {
		t.Fatal(err)
	}
	client := ec2.NewFromConfig(cfg)
	d, err := client.DescribeInstances(ctx, &ec2.DescribeInstancesInput{})
	if err != nil {
		t.Fatal(err)
	}
	subnets, err := client.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{})
	if err != nil {
		t.Fatal(err)
	}
	want := ""
	for _, s := range subnets.Subnets {
		if aws.ToString(s.CidrBlock) == "10.8.0.0/24" {
			want = aws.ToString(s.SubnetId)
		}
	}
	if len(d.Reservations) != 1 || len(d.Reservations[0].Instances) != 1 {
		t.Fatalf("%d reservations, want one instance", len(d.Reservations))
	}
	inst := d.Reservations[0].Instances[0]
	if aws.ToString(inst.SubnetId) != want {
		t.Errorf("instance in subnet %s, want the stack's %s", aws.ToString(inst.SubnetId), want)
	}
	if inst.PublicIpAddress != nil {
		t.Errorf("instance has the public address %s, want none", aws.ToString(inst.PublicIpAddress))
	}
	if len(inst.NetworkInterfaces) != 1 || len(inst.NetworkInterfaces[0].Groups) != 1 || !strings.HasPrefix(aws.ToString(inst.NetworkInterfaces[0].Groups[0].GroupId), "sg-") {
		t.Errorf("instance interfaces %+v, want one, in the stack's group", inst.NetworkInterfaces)
	}
	if err := deploy(ctx, cfg, "instance-both", resources(true)); err == nil || !strings.Contains(err.Error(), "InvalidParameterCombination") {
		t.Errorf("a subnet given on the instance and its interface: %v, want InvalidParameterCombination", err)
	}
}

// TestSecurityHubDelegationEnablesHub: designating Security Hub's
// delegated administrator enables Security Hub in that account, in that
// region, with no configuration policy associated.
func TestSecurityHubDelegationEnablesHub(t *testing.T) {
	emu := start(t)
	ctx := context.Background()
	cfg := config(emu)
	organization(t, ctx, cfg, security)
	if err := deploy(ctx, cfg, "securityhub-admin", stackTemplate(map[string]any{
		"Access": sdkCall("Organizations", "enableAWSServiceAccess", map[string]any{"ServicePrincipal": "securityhub.amazonaws.com"}, nil),
		"Admin":  map[string]any{"Type": "AWS::SecurityHub::DelegatedAdmin", "Properties": map[string]any{"AdminAccountId": security}, "DependsOn": []string{"Access"}},
	})); err != nil {
		t.Fatal(err)
	}
	hub := func(region string) int {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, emu.Endpoint+"/accounts", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("x-moto-account-id", security)
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAEMULATORTEST/20260101/"+region+"/securityhub/aws4_request, SignedHeaders=host, Signature=0")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := hub("us-east-1"); got != http.StatusOK {
		t.Errorf("DescribeHub in the administrator's us-east-1: HTTP %d, want 200 (enabled by the delegation)", got)
	}
	if got := hub("us-west-2"); got == http.StatusOK {
		t.Errorf("DescribeHub in the administrator's us-west-2: HTTP %d, want it not enabled (the delegation enables its own region only)", got)
	}
}

// TestLookupEventsAnswers: CloudTrail LookupEvents, which the CDK CLI
// calls after a stack fails, answers an empty list (moto's HTTP 500 was
// retried by the CLI for about 20 s).
func TestLookupEventsAnswers(t *testing.T) {
	emu := start(t)
	out, err := cloudtrail.NewFromConfig(config(emu)).LookupEvents(context.Background(), &cloudtrail.LookupEventsInput{})
	if err != nil {
		t.Fatalf("LookupEvents: %v", err)
	}
	if len(out.Events) != 0 {
		t.Errorf("LookupEvents: %d events, want none (the emulator records none)", len(out.Events))
	}
}
