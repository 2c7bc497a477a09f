package defaultvpc_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"

	"github.com/palisade-sec/palisade/internal/defaultvpc"
)

// fake is a region's VPCs. It answers the filters Delete uses, refuses what
// EC2 refuses (deleting a VPC with subnets or a gateway, a gateway still
// attached), answers NotFound for what is gone, and records every call.
type fake struct {
	vpcs    map[string]bool   // id -> is default
	igws    map[string]string // id -> attached VPC ("" detached)
	subnets map[string]string // id -> VPC
	enis    map[string]string // id -> VPC
	fail    map[string]error  // call -> error to return once
	before  map[string]func() // call -> what happens, once, just before it
	calls   []string          // "Call id"
}

func newFake() *fake {
	return &fake{vpcs: map[string]bool{}, igws: map[string]string{}, subnets: map[string]string{}, enis: map[string]string{}, fail: map[string]error{}, before: map[string]func(){}}
}

// defaultVPC adds a default VPC as AWS creates it: a gateway and three subnets.
func (f *fake) defaultVPC() {
	f.vpcs["vpc-default"] = true
	f.igws["igw-default"] = "vpc-default"
	for _, s := range []string{"subnet-a", "subnet-b", "subnet-c"} {
		f.subnets[s] = "vpc-default"
	}
}

func apiErr(code string) error { return &smithy.GenericAPIError{Code: code, Message: code} }

func value(fs []types.Filter, name string) string {
	for _, f := range fs {
		if aws.ToString(f.Name) == name {
			return f.Values[0]
		}
	}
	return ""
}

func sorted(m map[string]string, match func(string) bool) []string {
	var out []string
	for id, v := range m {
		if match(v) {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

func (f *fake) call(name, id string) error {
	f.calls = append(f.calls, name+" "+id)
	if h, ok := f.before[name]; ok {
		delete(f.before, name)
		h()
	}
	if err, ok := f.fail[name]; ok {
		delete(f.fail, name)
		return err
	}
	return nil
}

func (f *fake) DescribeVpcs(_ context.Context, in *ec2.DescribeVpcsInput, _ ...func(*ec2.Options)) (*ec2.DescribeVpcsOutput, error) {
	if err := f.call("DescribeVpcs", value(in.Filters, "is-default")); err != nil {
		return nil, err
	}
	out := &ec2.DescribeVpcsOutput{}
	var ids []string
	for id, def := range f.vpcs {
		if value(in.Filters, "is-default") != "true" || def {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	for _, id := range ids {
		out.Vpcs = append(out.Vpcs, types.Vpc{VpcId: aws.String(id), IsDefault: aws.Bool(f.vpcs[id])})
	}
	return out, nil
}

func (f *fake) DescribeNetworkInterfaces(_ context.Context, in *ec2.DescribeNetworkInterfacesInput, _ ...func(*ec2.Options)) (*ec2.DescribeNetworkInterfacesOutput, error) {
	vpc := value(in.Filters, "vpc-id")
	if err := f.call("DescribeNetworkInterfaces", vpc); err != nil {
		return nil, err
	}
	out := &ec2.DescribeNetworkInterfacesOutput{}
	for _, id := range sorted(f.enis, func(v string) bool { return v == vpc }) {
		out.NetworkInterfaces = append(out.NetworkInterfaces, types.NetworkInterface{NetworkInterfaceId: aws.String(id)})
	}
	return out, nil
}

// DescribeInternetGateways answers one gateway per page, to exercise paging.
func (f *fake) DescribeInternetGateways(_ context.Context, in *ec2.DescribeInternetGatewaysInput, _ ...func(*ec2.Options)) (*ec2.DescribeInternetGatewaysOutput, error) {
	vpc := value(in.Filters, "attachment.vpc-id")
	if err := f.call("DescribeInternetGateways", vpc); err != nil {
		return nil, err
	}
	ids := sorted(f.igws, func(v string) bool { return v == vpc })
	start := 0
	if in.NextToken != nil {
		start = slices.Index(ids, *in.NextToken)
	}
	out := &ec2.DescribeInternetGatewaysOutput{}
	if start >= 0 && start < len(ids) {
		out.InternetGateways = []types.InternetGateway{{InternetGatewayId: aws.String(ids[start])}}
		if start+1 < len(ids) {
			out.NextToken = aws.String(ids[start+1])
		}
	}
	return out, nil
}

func (f *fake) DescribeSubnets(_ context.Context, in *ec2.DescribeSubnetsInput, _ ...func(*ec2.Options)) (*ec2.DescribeSubnetsOutput, error) {
	vpc := value(in.Filters, "vpc-id")
	if err := f.call("DescribeSubnets", vpc); err != nil {
		return nil, err
	}
	out := &ec2.DescribeSubnetsOutput{}
	for _, id := range sorted(f.subnets, func(v string) bool { return v == vpc }) {
		out.Subnets = append(out.Subnets, types.Subnet{SubnetId: aws.String(id)})
	}
	return out, nil
}

func (f *fake) DetachInternetGateway(_ context.Context, in *ec2.DetachInternetGatewayInput, _ ...func(*ec2.Options)) (*ec2.DetachInternetGatewayOutput, error) {
	id := aws.ToString(in.InternetGatewayId)
	if err := f.call("DetachInternetGateway", id+"/"+aws.ToString(in.VpcId)); err != nil {
		return nil, err
	}
	vpc, ok := f.igws[id]
	switch {
	case !ok:
		return nil, apiErr("InvalidInternetGatewayID.NotFound")
	case vpc != aws.ToString(in.VpcId):
		return nil, apiErr("Gateway.NotAttached")
	}
	f.igws[id] = ""
	return &ec2.DetachInternetGatewayOutput{}, nil
}

func (f *fake) DeleteInternetGateway(_ context.Context, in *ec2.DeleteInternetGatewayInput, _ ...func(*ec2.Options)) (*ec2.DeleteInternetGatewayOutput, error) {
	id := aws.ToString(in.InternetGatewayId)
	if err := f.call("DeleteInternetGateway", id); err != nil {
		return nil, err
	}
	vpc, ok := f.igws[id]
	switch {
	case !ok:
		return nil, apiErr("InvalidInternetGatewayID.NotFound")
	case vpc != "":
		return nil, apiErr("DependencyViolation")
	}
	delete(f.igws, id)
	return &ec2.DeleteInternetGatewayOutput{}, nil
}

func (f *fake) DeleteSubnet(_ context.Context, in *ec2.DeleteSubnetInput, _ ...func(*ec2.Options)) (*ec2.DeleteSubnetOutput, error) {
	id := aws.ToString(in.SubnetId)
	if err := f.call("DeleteSubnet", id); err != nil {
		return nil, err
	}
	if _, ok := f.subnets[id]; !ok {
		return nil, apiErr("InvalidSubnetID.NotFound")
	}
	delete(f.subnets, id)
	return &ec2.DeleteSubnetOutput{}, nil
}

func (f *fake) DeleteVpc(_ context.Context, in *ec2.DeleteVpcInput, _ ...func(*ec2.Options)) (*ec2.DeleteVpcOutput, error) {
	id := aws.ToString(in.VpcId)
	if err := f.call("DeleteVpc", id); err != nil {
		return nil, err
	}
	if _, ok := f.vpcs[id]; !ok {
		return nil, apiErr("InvalidVpcID.NotFound")
	}
	if len(sorted(f.subnets, func(v string) bool { return v == id })) > 0 || len(sorted(f.igws, func(v string) bool { return v == id })) > 0 {
		return nil, apiErr("DependencyViolation")
	}
	delete(f.vpcs, id)
	return &ec2.DeleteVpcOutput{}, nil
}

func TestDeletesTheDefaultVPC(t *testing.T) {
	f := newFake()
	f.defaultVPC()
	f.vpcs["vpc-mine"] = false
	f.subnets["subnet-mine"] = "vpc-mine"
	f.enis["eni-mine"] = "vpc-mine"

	res, err := defaultvpc.Delete(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	want := defaultvpc.Result{
		VpcIDs:             []string{"vpc-default"},
		InternetGatewayIDs: []string{"igw-default"},
		SubnetIDs:          []string{"subnet-a", "subnet-b", "subnet-c"},
	}
	if !reflect.DeepEqual(res, want) {
		t.Errorf("result = %+v\nwant     %+v", res, want)
	}
	wantCalls := []string{
		"DescribeVpcs true",
		"DescribeNetworkInterfaces vpc-default",
		"DescribeInternetGateways vpc-default",
		"DetachInternetGateway igw-default/vpc-default",
		"DeleteInternetGateway igw-default",
		"DescribeSubnets vpc-default",
		"DeleteSubnet subnet-a", "DeleteSubnet subnet-b", "DeleteSubnet subnet-c",
		"DeleteVpc vpc-default",
	}
	if !slices.Equal(f.calls, wantCalls) {
		t.Errorf("calls = %q\nwant    %q", f.calls, wantCalls)
	}
	if _, ok := f.vpcs["vpc-mine"]; !ok || f.subnets["subnet-mine"] != "vpc-mine" {
		t.Error("a VPC that is not the default was touched")
	}
}

func TestNoDefaultVPCIsSuccess(t *testing.T) {
	f := newFake()
	f.vpcs["vpc-mine"] = false
	res, err := defaultvpc.Delete(context.Background(), f)
	if err != nil || len(res.VpcIDs) != 0 {
		t.Errorf("Delete = %+v, %v; want nothing deleted and no error", res, err)
	}
	if !slices.Equal(f.calls, []string{"DescribeVpcs true"}) {
		t.Errorf("calls = %q, want only the look-up", f.calls)
	}
}

func TestIdempotent(t *testing.T) {
	f := newFake()
	f.defaultVPC()
	if _, err := defaultvpc.Delete(context.Background(), f); err != nil {
		t.Fatal(err)
	}
	f.calls = nil
	res, err := defaultvpc.Delete(context.Background(), f)
	if err != nil || len(res.VpcIDs) != 0 {
		t.Errorf("second Delete = %+v, %v; want nothing to do", res, err)
	}
}

func TestResumesAfterAPartialRun(t *testing.T) {
	f := newFake()
	f.defaultVPC()
	f.fail["DeleteSubnet"] = apiErr("RequestLimitExceeded")
	if _, err := defaultvpc.Delete(context.Background(), f); err == nil || !strings.Contains(err.Error(), "subnet-a") {
		t.Fatalf("first run: %v, want the throttled subnet named", err)
	}
	if _, ok := f.igws["igw-default"]; ok {
		t.Fatal("the gateway should be gone after the first run")
	}
	res, err := defaultvpc.Delete(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.VpcIDs, []string{"vpc-default"}) || len(res.InternetGatewayIDs) != 0 || len(res.SubnetIDs) != 3 || len(f.vpcs) != 0 {
		t.Errorf("second run = %+v, left %v", res, f.vpcs)
	}
}

func TestAlreadyGoneIsSkipped(t *testing.T) {
	// Someone else removes the gateway and a subnet between the look-up and
	// the calls: EC2 answers NotFound, which means done.
	f := newFake()
	f.defaultVPC()
	f.before["DetachInternetGateway"] = func() { delete(f.igws, "igw-default") }
	f.before["DeleteSubnet"] = func() { delete(f.subnets, "subnet-a") }
	res, err := defaultvpc.Delete(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.VpcIDs) != 1 || len(res.InternetGatewayIDs) != 1 || len(res.SubnetIDs) != 3 || len(f.vpcs) != 0 {
		t.Errorf("result = %+v, left %v; want everything counted as done", res, f.vpcs)
	}
}

func TestDetachedGatewayIsDeleted(t *testing.T) {
	f := newFake()
	f.defaultVPC()
	f.before["DetachInternetGateway"] = func() { f.igws["igw-default"] = "" }
	if _, err := defaultvpc.Delete(context.Background(), f); err != nil {
		t.Fatal(err)
	}
	if len(f.igws) != 0 {
		t.Errorf("gateways left: %v", f.igws)
	}
}

func TestInUseChangesNothing(t *testing.T) {
	f := newFake()
	f.defaultVPC()
	f.enis["eni-1"] = "vpc-default"
	f.enis["eni-2"] = "vpc-default"
	_, err := defaultvpc.Delete(context.Background(), f)
	if !errors.Is(err, defaultvpc.ErrInUse) || !strings.Contains(err.Error(), "eni-1, eni-2") || !strings.Contains(err.Error(), "vpc-default") {
		t.Fatalf("Delete error = %v, want ErrInUse naming the VPC and its interfaces", err)
	}
	if len(f.vpcs) != 1 || len(f.subnets) != 3 || f.igws["igw-default"] != "vpc-default" {
		t.Error("an in-use default VPC was changed")
	}
}

func TestPagesThroughGateways(t *testing.T) {
	f := newFake()
	f.defaultVPC()
	f.igws["igw-second"] = "vpc-default"
	res, err := defaultvpc.Delete(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.InternetGatewayIDs, []string{"igw-default", "igw-second"}) {
		t.Errorf("gateways = %v, want both pages", res.InternetGatewayIDs)
	}
}

func TestReportsOtherErrors(t *testing.T) {
	for _, call := range []string{"DescribeVpcs", "DescribeNetworkInterfaces", "DescribeInternetGateways", "DescribeSubnets", "DetachInternetGateway", "DeleteInternetGateway", "DeleteVpc"} {
		f := newFake()
		f.defaultVPC()
		f.fail[call] = apiErr("UnauthorizedOperation")
		if _, err := defaultvpc.Delete(context.Background(), f); err == nil || !strings.Contains(err.Error(), "UnauthorizedOperation") {
			t.Errorf("%s failing: Delete error = %v, want it reported", call, err)
		}
	}
}

func TestActionsCoverTheInterface(t *testing.T) {
	var want []string
	it := reflect.TypeFor[defaultvpc.EC2]()
	for i := range it.NumMethod() {
		want = append(want, "ec2:"+it.Method(i).Name)
	}
	got := slices.Clone(defaultvpc.Actions)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("Actions = %v, want one per method of EC2: %v", got, want)
	}
}
