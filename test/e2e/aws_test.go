package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
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
		Retryer:      droppedConnectionRetryer,
	}
}

// droppedConnectionRetryer retries a call only when its connection broke
// (reset, or closed under a response being read): moto's threaded werkzeug
// server now and then drops a kept-alive connection, and one such drop
// failed a CI run in the middle of verify. Any answer the emulator does give
// (an error code, a 500, throttling) fails the step at once, as before.
func droppedConnectionRetryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = 3
		o.MaxBackoff = 100 * time.Millisecond
		o.Retryables = []retry.IsErrorRetryable{retry.RetryableConnectionError{}}
		o.RateLimiter = ratelimit.None
	})
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

// emulatorCall sends a request the SDK does not make (moto's own endpoints,
// APIs the lane signs by hand) and reads the whole answer, retrying a broken
// connection the way droppedConnectionRetryer does. A request with a body must
// have been built over a bytes.Reader (http.NewRequest then knows how to send
// the body again).
func emulatorCall(req *http.Request) (status int, data []byte, err error) {
	client := &http.Client{Timeout: 60 * time.Second}
	for attempt := 1; ; attempt++ {
		status, data, err = readAnswer(client, req)
		if err == nil || attempt == 3 || (retry.RetryableConnectionError{}).IsErrorRetryable(err) != aws.TrueTernary {
			return status, data, err
		}
		time.Sleep(time.Duration(attempt) * 50 * time.Millisecond)
		if req.GetBody != nil {
			body, err := req.GetBody()
			if err != nil {
				return 0, nil, err
			}
			req = req.Clone(req.Context())
			req.Body = body
		}
	}
}

func readAnswer(client *http.Client, req *http.Request) (int, []byte, error) {
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp.StatusCode, data, err
}
