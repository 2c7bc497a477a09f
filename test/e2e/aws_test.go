package e2e

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/palisade-sec/palisade/test/emulator"
)

// sdkConfig is an AWS SDK configuration for the emulator at endpoint, built
// field by field: nothing is read from the environment or ~/.aws, so the
// lane can never pick up real credentials or reach real AWS.
func sdkConfig(endpoint, region string, creds aws.Credentials) aws.Config {
	return aws.Config{
		Region:       region,
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.StaticCredentialsProvider{Value: creds},
		HTTPClient:   &http.Client{Timeout: 60 * time.Second},
		Retryer:      emulator.Retryer,
	}
}

// asAccount adds moto's x-moto-account-id header to every request: the way
// to act in an account before any credentials for it exist.
func asAccount(cfg aws.Config, account string) aws.Config {
	cfg.APIOptions = append(cfg.APIOptions, func(stack *middleware.Stack) error {
		return stack.Build.Add(middleware.BuildMiddlewareFunc("MotoAccountID",
			func(ctx context.Context, in middleware.BuildInput, next middleware.BuildHandler) (middleware.BuildOutput, middleware.Metadata, error) {
				if req, ok := in.Request.(*smithyhttp.Request); ok {
					req.Header.Set("x-moto-account-id", account)
				}
				return next.HandleBuild(ctx, in)
			}), middleware.After)
	})
	return cfg
}

// clients are the SDK clients of one account and region.
type clients struct {
	account, region string
	cfn             *cloudformation.Client
	ec2             *ec2.Client
	s3              *s3.Client
	kms             *kms.Client
	iam             *iam.Client
	logs            *cloudwatchlogs.Client
}

func newClients(endpoint, account, region string, creds aws.Credentials) *clients {
	cfg := sdkConfig(endpoint, region, creds)
	return &clients{
		account: account,
		region:  region,
		cfn:     cloudformation.NewFromConfig(cfg),
		ec2:     ec2.NewFromConfig(cfg),
		// moto serves buckets path-style only.
		s3:   s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }),
		kms:  kms.NewFromConfig(cfg),
		iam:  iam.NewFromConfig(cfg),
		logs: cloudwatchlogs.NewFromConfig(cfg),
	}
}

// assumeRole returns credentials for role in account, obtained with creds
// from STS in region.
func assumeRole(ctx context.Context, endpoint, region string, creds aws.Credentials, account, role string) (aws.Credentials, error) {
	arn := fmt.Sprintf("arn:aws:iam::%s:role/%s", account, role)
	out, err := sts.NewFromConfig(sdkConfig(endpoint, region, creds)).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn:         aws.String(arn),
		RoleSessionName: aws.String("palisade-e2e"),
	})
	if err != nil {
		return aws.Credentials{}, fmt.Errorf("assuming %s: %w", arn, err)
	}
	c := out.Credentials
	return aws.Credentials{
		AccessKeyID:     aws.ToString(c.AccessKeyId),
		SecretAccessKey: aws.ToString(c.SecretAccessKey),
		SessionToken:    aws.ToString(c.SessionToken),
		Source:          "sts:AssumeRole " + arn,
	}, nil
}
