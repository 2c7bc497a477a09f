// Command defaultvpc is the AWS Lambda function behind constructs/hardening's
// default VPC deletion: a CloudFormation custom resource whose Create and
// Update delete the region's default VPC (internal/defaultvpc) and whose
// Delete does nothing, so the VPC stays deleted when the stack goes.
//
// The Makefile builds it for provided.al2023 on arm64 into
// build/lambda/defaultvpc/bootstrap.
package main

import (
	"context"
	"strings"

	"github.com/aws/aws-lambda-go/cfn"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/palisade-sec/palisade/internal/defaultvpc"
)

// physicalID names the one thing the resource stands for: "this region has
// no default VPC". It never changes, so an update never asks CloudFormation
// to delete an old resource.
const physicalID = "default-vpc-deleted"

// handler answers custom resource events; newClient builds the EC2 client
// only when there is work.
type handler struct {
	newClient func(context.Context) (defaultvpc.EC2, error)
}

func (h handler) handle(ctx context.Context, event cfn.Event) (string, map[string]any, error) {
	if event.RequestType == cfn.RequestDelete {
		return physicalID, nil, nil
	}
	client, err := h.newClient(ctx)
	if err != nil {
		return physicalID, nil, err
	}
	res, err := defaultvpc.Delete(ctx, client)
	data := map[string]any{
		"VpcIds":             strings.Join(res.VpcIDs, ","),
		"InternetGatewayIds": strings.Join(res.InternetGatewayIDs, ","),
		"SubnetIds":          strings.Join(res.SubnetIDs, ","),
	}
	return physicalID, data, err
}

func ec2Client(ctx context.Context) (defaultvpc.EC2, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, err
	}
	return ec2.NewFromConfig(cfg), nil
}

func main() {
	lambda.Start(cfn.LambdaWrap(handler{newClient: ec2Client}.handle))
}
