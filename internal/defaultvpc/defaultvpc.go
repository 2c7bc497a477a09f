// Package defaultvpc deletes the default VPC of one account and region: the
// logic of the custom resource that constructs/hardening deploys as a Lambda
// function (cmd/lambda/defaultvpc), written against the few EC2 calls it
// needs so that it can be tested with a fake and run against an emulator.
//
// A default VPC comes with an attached internet gateway, one public subnet
// per Availability Zone, and a main route table, network ACL and security
// group that go with the VPC. Delete detaches and deletes the gateway,
// deletes the subnets, then the VPC. It deletes nothing in use: if any
// network interface is in the VPC (an instance, a load balancer, a Lambda
// function, an endpoint) it stops before changing anything and says which.
// Anything else someone added (security groups, route tables, peering) makes
// EC2 refuse the VPC's deletion, which Delete reports.
//
// Delete is idempotent: no default VPC is success, and what is already gone
// (a subnet, a detached gateway) is skipped, so a retry after a partial run
// finishes the job.
package defaultvpc

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"
)

// EC2 is the part of the EC2 API Delete calls; *ec2.Client implements it.
type EC2 interface {
	DescribeVpcs(context.Context, *ec2.DescribeVpcsInput, ...func(*ec2.Options)) (*ec2.DescribeVpcsOutput, error)
	DescribeNetworkInterfaces(context.Context, *ec2.DescribeNetworkInterfacesInput, ...func(*ec2.Options)) (*ec2.DescribeNetworkInterfacesOutput, error)
	DescribeInternetGateways(context.Context, *ec2.DescribeInternetGatewaysInput, ...func(*ec2.Options)) (*ec2.DescribeInternetGatewaysOutput, error)
	DescribeSubnets(context.Context, *ec2.DescribeSubnetsInput, ...func(*ec2.Options)) (*ec2.DescribeSubnetsOutput, error)
	DetachInternetGateway(context.Context, *ec2.DetachInternetGatewayInput, ...func(*ec2.Options)) (*ec2.DetachInternetGatewayOutput, error)
	DeleteInternetGateway(context.Context, *ec2.DeleteInternetGatewayInput, ...func(*ec2.Options)) (*ec2.DeleteInternetGatewayOutput, error)
	DeleteSubnet(context.Context, *ec2.DeleteSubnetInput, ...func(*ec2.Options)) (*ec2.DeleteSubnetOutput, error)
	DeleteVpc(context.Context, *ec2.DeleteVpcInput, ...func(*ec2.Options)) (*ec2.DeleteVpcOutput, error)
}

// Actions are the IAM actions Delete needs, for its callers' policies.
var Actions = []string{
	"ec2:DescribeVpcs", "ec2:DescribeNetworkInterfaces", "ec2:DescribeInternetGateways", "ec2:DescribeSubnets",
	"ec2:DetachInternetGateway", "ec2:DeleteInternetGateway", "ec2:DeleteSubnet", "ec2:DeleteVpc",
}

// ErrInUse is returned, wrapped, when the default VPC holds network
// interfaces: Delete then changes nothing.
var ErrInUse = errors.New("the default VPC is in use")

// Result is what Delete deleted.
type Result struct {
	// VpcIDs are the default VPCs deleted; empty if there was none.
	VpcIDs []string
	// InternetGatewayIDs were detached from them and deleted.
	InternetGatewayIDs []string
	// SubnetIDs were deleted.
	SubnetIDs []string
}

// Delete deletes the region's default VPC, if there is one, with its
// internet gateway and subnets.
func Delete(ctx context.Context, client EC2) (Result, error) {
	var res Result
	var vpcs []string
	p := ec2.NewDescribeVpcsPaginator(client, &ec2.DescribeVpcsInput{Filters: []types.Filter{filter("is-default", "true")}})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return res, fmt.Errorf("finding the default VPC: %w", err)
		}
		for _, v := range page.Vpcs {
			vpcs = append(vpcs, aws.ToString(v.VpcId))
		}
	}
	for _, vpc := range vpcs {
		if err := deleteVpc(ctx, client, vpc, &res); err != nil {
			return res, err
		}
	}
	return res, nil
}

func deleteVpc(ctx context.Context, client EC2, vpc string, res *Result) error {
	var enis []string
	ep := ec2.NewDescribeNetworkInterfacesPaginator(client, &ec2.DescribeNetworkInterfacesInput{Filters: []types.Filter{filter("vpc-id", vpc)}})
	for ep.HasMorePages() {
		page, err := ep.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("listing network interfaces in default VPC %s: %w", vpc, err)
		}
		for _, n := range page.NetworkInterfaces {
			enis = append(enis, aws.ToString(n.NetworkInterfaceId))
		}
	}
	if len(enis) > 0 {
		return fmt.Errorf("%w: %s holds network interfaces %s; move or delete what uses them, then deploy again", ErrInUse, vpc, strings.Join(enis, ", "))
	}

	var igws []string
	gp := ec2.NewDescribeInternetGatewaysPaginator(client, &ec2.DescribeInternetGatewaysInput{Filters: []types.Filter{filter("attachment.vpc-id", vpc)}})
	for gp.HasMorePages() {
		page, err := gp.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("listing internet gateways of default VPC %s: %w", vpc, err)
		}
		for _, g := range page.InternetGateways {
			igws = append(igws, aws.ToString(g.InternetGatewayId))
		}
	}
	for _, igw := range igws {
		_, err := client.DetachInternetGateway(ctx, &ec2.DetachInternetGatewayInput{InternetGatewayId: aws.String(igw), VpcId: aws.String(vpc)})
		if err := ignore(err, "Gateway.NotAttached", "InvalidInternetGatewayID.NotFound"); err != nil {
			return fmt.Errorf("detaching internet gateway %s from default VPC %s: %w", igw, vpc, err)
		}
		_, err = client.DeleteInternetGateway(ctx, &ec2.DeleteInternetGatewayInput{InternetGatewayId: aws.String(igw)})
		if err := ignore(err, "InvalidInternetGatewayID.NotFound"); err != nil {
			return fmt.Errorf("deleting internet gateway %s of default VPC %s: %w", igw, vpc, err)
		}
		res.InternetGatewayIDs = append(res.InternetGatewayIDs, igw)
	}

	var subnets []string
	sp := ec2.NewDescribeSubnetsPaginator(client, &ec2.DescribeSubnetsInput{Filters: []types.Filter{filter("vpc-id", vpc)}})
	for sp.HasMorePages() {
		page, err := sp.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("listing subnets of default VPC %s: %w", vpc, err)
		}
		for _, s := range page.Subnets {
			subnets = append(subnets, aws.ToString(s.SubnetId))
		}
	}
	for _, s := range subnets {
		_, err := client.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: aws.String(s)})
		if err := ignore(err, "InvalidSubnetID.NotFound"); err != nil {
			return fmt.Errorf("deleting subnet %s of default VPC %s: %w", s, vpc, err)
		}
		res.SubnetIDs = append(res.SubnetIDs, s)
	}

	_, err := client.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: aws.String(vpc)})
	if err := ignore(err, "InvalidVpcID.NotFound"); err != nil {
		return fmt.Errorf("deleting default VPC %s (anything added to it, such as security groups or route tables, must go first): %w", vpc, err)
	}
	res.VpcIDs = append(res.VpcIDs, vpc)
	return nil
}

func filter(name, value string) types.Filter {
	return types.Filter{Name: aws.String(name), Values: []string{value}}
}

// ignore returns nil for an API error with one of codes: what they say is
// already done.
func ignore(err error, codes ...string) error {
	var api smithy.APIError
	if errors.As(err, &api) {
		for _, c := range codes {
			if api.ErrorCode() == c {
				return nil
			}
		}
	}
	return err
}
