// Command sgingress is the Lambda function (provided.al2023, arm64) behind
// the custom AWS Config rule of package rules/sgingress: no security group
// allows ingress from the internet except to the allowed TCP ports.
//
// AWS Config invokes it when a security group's configuration item changes.
// It parses the event and evaluates the item with package sgingress, fetches
// an oversized item from the configuration history first, and puts the one
// evaluation back with the event's result token. It needs
// config:GetResourceConfigHistory and config:PutEvaluations, nothing else.
//
// Build it with `make lambdas` (build/lambda/sgingress/bootstrap).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"

	"github.com/palisade-sec/palisade/rules/sgingress"
)

// api is the part of the AWS Config API the function calls.
type api interface {
	GetResourceConfigHistory(context.Context, *configservice.GetResourceConfigHistoryInput, ...func(*configservice.Options)) (*configservice.GetResourceConfigHistoryOutput, error)
	PutEvaluations(context.Context, *configservice.PutEvaluationsInput, ...func(*configservice.Options)) (*configservice.PutEvaluationsOutput, error)
}

type handler struct {
	config api
	log    *slog.Logger
}

func main() {
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, "sgingress:", err)
		os.Exit(1)
	}
	h := handler{config: configservice.NewFromConfig(cfg), log: slog.New(slog.NewJSONHandler(os.Stderr, nil))}
	lambda.Start(h.handle)
}

// handle evaluates the item the event names and puts the result. An error
// fails the invocation; AWS Config then shows the rule's last evaluation as
// failed.
func (h handler) handle(ctx context.Context, ev sgingress.Event) error {
	req, err := ev.Parse()
	if err != nil {
		return err
	}
	if req.NeedsHistory() {
		if req.Item.Configuration, err = h.history(ctx, req.Item); err != nil {
			return err
		}
	}
	e, err := req.Evaluate()
	if err != nil {
		return err
	}
	out, err := h.config.PutEvaluations(ctx, &configservice.PutEvaluationsInput{
		ResultToken: aws.String(ev.ResultToken),
		Evaluations: []types.Evaluation{{
			ComplianceResourceType: aws.String(e.ResourceType),
			ComplianceResourceId:   aws.String(e.ResourceID),
			ComplianceType:         types.ComplianceType(e.Compliance),
			Annotation:             aws.String(e.Annotation),
			OrderingTimestamp:      aws.Time(e.OrderingTimestamp),
		}},
	})
	if err != nil {
		return fmt.Errorf("put evaluation of %s %s: %w", e.ResourceType, e.ResourceID, err)
	}
	if len(out.FailedEvaluations) > 0 {
		return fmt.Errorf("AWS Config refused the evaluation of %s %s", e.ResourceType, e.ResourceID)
	}
	h.log.Info("evaluated", "rule", ev.ConfigRuleName, "resourceType", e.ResourceType, "resourceId", e.ResourceID,
		"compliance", e.Compliance, "annotation", e.Annotation, "oversized", req.Oversized)
	return nil
}

// history fetches the configuration of the oversized item: the newest
// recorded at or before its capture time.
func (h handler) history(ctx context.Context, ci sgingress.ConfigurationItem) (json.RawMessage, error) {
	out, err := h.config.GetResourceConfigHistory(ctx, &configservice.GetResourceConfigHistoryInput{
		ResourceType: types.ResourceType(ci.ResourceType),
		ResourceId:   aws.String(ci.ResourceID),
		LaterTime:    aws.Time(ci.CaptureTime),
		Limit:        1,
	})
	if err != nil {
		return nil, fmt.Errorf("configuration history of oversized %s %s: %w", ci.ResourceType, ci.ResourceID, err)
	}
	if len(out.ConfigurationItems) == 0 || out.ConfigurationItems[0].Configuration == nil {
		return nil, errors.New("configuration history of oversized " + ci.ResourceType + " " + ci.ResourceID + " is empty")
	}
	return json.RawMessage(*out.ConfigurationItems[0].Configuration), nil
}
