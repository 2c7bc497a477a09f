package main

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-lambda-go/cfn"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/palisade-sec/palisade/internal/defaultvpc"
)

// region answers that there is one default VPC with nothing in it and
// lets everything be deleted.
type region struct {
	defaultvpc.EC2 // calls the test does not expect panic
	deleted        []string
}

func (r *region) DescribeVpcs(context.Context, *ec2.DescribeVpcsInput, ...func(*ec2.Options)) (*ec2.DescribeVpcsOutput, error) {
	if len(r.deleted) > 0 {
		return &ec2.DescribeVpcsOutput{}, nil
	}
	return &ec2.DescribeVpcsOutput{Vpcs: []types.Vpc{{VpcId: aws.String("vpc-1")}}}, nil
}

func (r *region) DescribeNetworkInterfaces(context.Context, *ec2.DescribeNetworkInterfacesInput, ...func(*ec2.Options)) (*ec2.DescribeNetworkInterfacesOutput, error) {
	return &ec2.DescribeNetworkInterfacesOutput{}, nil
}

func (r *region) DescribeInternetGateways(context.Context, *ec2.DescribeInternetGatewaysInput, ...func(*ec2.Options)) (*ec2.DescribeInternetGatewaysOutput, error) {
	return &ec2.DescribeInternetGatewaysOutput{}, nil
}

func (r *region) DescribeSubnets(context.Context, *ec2.DescribeSubnetsInput, ...func(*ec2.Options)) (*ec2.DescribeSubnetsOutput, error) {
	return &ec2.DescribeSubnetsOutput{}, nil
}

func (r *region) DeleteVpc(_ context.Context, in *ec2.DeleteVpcInput, _ ...func(*ec2.Options)) (*ec2.DeleteVpcOutput, error) {
	r.deleted = append(r.deleted, aws.ToString(in.VpcId))
	return &ec2.DeleteVpcOutput{}, nil
}

func TestCreateAndUpdateDelete(t *testing.T) {
	for _, rt := range []cfn.RequestType{cfn.RequestCreate, cfn.RequestUpdate} {
		r := &region{}
		h := handler{newClient: func(context.Context) (defaultvpc.EC2, error) { return r, nil }}
		id, data, err := h.handle(context.Background(), cfn.Event{RequestType: rt, PhysicalResourceID: physicalID})
		if err != nil || id != physicalID || data["VpcIds"] != "vpc-1" || len(r.deleted) != 1 {
			t.Errorf("%s: %q %v %v, deleted %v", rt, id, data, err, r.deleted)
		}
	}
}

func TestDeleteIsANoOp(t *testing.T) {
	h := handler{newClient: func(context.Context) (defaultvpc.EC2, error) {
		t.Fatal("Delete built an EC2 client")
		return nil, nil
	}}
	id, _, err := h.handle(context.Background(), cfn.Event{RequestType: cfn.RequestDelete, PhysicalResourceID: physicalID})
	if err != nil || id != physicalID {
		t.Errorf("Delete = %q, %v", id, err)
	}
}

func TestFailureIsReported(t *testing.T) {
	h := handler{newClient: func(context.Context) (defaultvpc.EC2, error) { return nil, errors.New("no credentials") }}
	if _, _, err := h.handle(context.Background(), cfn.Event{RequestType: cfn.RequestCreate}); err == nil {
		t.Error("a failure to build the client was not reported")
	}
}
