package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"

	"github.com/palisade-sec/palisade/rules/sgingress"
)

// fake records the calls and answers from a recorded item.
type fake struct {
	history    *configservice.GetResourceConfigHistoryInput
	put        *configservice.PutEvaluationsInput
	config     string
	putErr     error
	failedEval bool
}

func (f *fake) GetResourceConfigHistory(_ context.Context, in *configservice.GetResourceConfigHistoryInput, _ ...func(*configservice.Options)) (*configservice.GetResourceConfigHistoryOutput, error) {
	f.history = in
	if f.config == "" {
		return &configservice.GetResourceConfigHistoryOutput{}, nil
	}
	return &configservice.GetResourceConfigHistoryOutput{ConfigurationItems: []types.ConfigurationItem{{
		ResourceType: types.ResourceType(sgingress.ResourceType), ResourceId: in.ResourceId, Configuration: aws.String(f.config),
		ConfigurationItemStatus: types.ConfigurationItemStatusOk, ConfigurationItemCaptureTime: in.LaterTime,
	}}}, nil
}

func (f *fake) PutEvaluations(_ context.Context, in *configservice.PutEvaluationsInput, _ ...func(*configservice.Options)) (*configservice.PutEvaluationsOutput, error) {
	f.put = in
	out := &configservice.PutEvaluationsOutput{}
	if f.failedEval {
		out.FailedEvaluations = in.Evaluations
	}
	return out, f.putErr
}

func oversized(t *testing.T) sgingress.Event {
	t.Helper()
	raw, err := os.ReadFile("../../../rules/sgingress/testdata/event-oversized.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev sgingress.Event
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	return ev
}

// recordedConfiguration is the configuration of a recorded item, as
// GetResourceConfigHistory returns it: a JSON string.
func recordedConfiguration(t *testing.T, file string) string {
	t.Helper()
	raw, err := os.ReadFile("../../../rules/sgingress/testdata/" + file)
	if err != nil {
		t.Fatal(err)
	}
	var ci struct{ Configuration json.RawMessage }
	if err := json.Unmarshal(raw, &ci); err != nil {
		t.Fatal(err)
	}
	return string(ci.Configuration)
}

func newHandler(f *fake) handler {
	return handler{config: f, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

func TestOversizedItemIsFetchedAndPut(t *testing.T) {
	f := &fake{config: recordedConfiguration(t, "noncompliant-ssh.json")}
	ev := oversized(t)
	if err := newHandler(f).handle(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	captured := time.Date(2026, 3, 2, 15, 10, 12, 400e6, time.UTC)
	if f.history == nil || *f.history.ResourceId != "sg-0123456789abcdef0" || f.history.ResourceType != "AWS::EC2::SecurityGroup" ||
		f.history.Limit != 1 || !f.history.LaterTime.Equal(captured) {
		t.Fatalf("history request %+v", f.history)
	}
	if f.put == nil || *f.put.ResultToken != ev.ResultToken || len(f.put.Evaluations) != 1 {
		t.Fatalf("put %+v", f.put)
	}
	e := f.put.Evaluations[0]
	if *e.ComplianceResourceId != "sg-0123456789abcdef0" || *e.ComplianceResourceType != "AWS::EC2::SecurityGroup" ||
		e.ComplianceType != types.ComplianceTypeNonCompliant || !e.OrderingTimestamp.Equal(captured) ||
		!strings.Contains(*e.Annotation, "tcp 22 from 0.0.0.0/0") {
		t.Errorf("evaluation %+v (%s)", e, aws.ToString(e.Annotation))
	}
}

func TestChangeNotificationIsPutWithoutHistory(t *testing.T) {
	ci, err := os.ReadFile("../../../rules/sgingress/testdata/deleted.json")
	if err != nil {
		t.Fatal(err)
	}
	inv, _ := json.Marshal(map[string]any{"configurationItem": json.RawMessage(ci), "messageType": "ConfigurationItemChangeNotification"})
	f := &fake{}
	if err := newHandler(f).handle(context.Background(), sgingress.Event{InvokingEvent: string(inv), ResultToken: "token"}); err != nil {
		t.Fatal(err)
	}
	if f.history != nil {
		t.Error("a change notification fetched the history")
	}
	if f.put == nil || f.put.Evaluations[0].ComplianceType != types.ComplianceTypeNotApplicable {
		t.Errorf("put %+v", f.put)
	}
}

func TestFailures(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    *fake
		ev   func(sgingress.Event) sgingress.Event
		want string
	}{
		{"empty history", &fake{}, nil, "is empty"},
		{"put fails", &fake{config: `{"ipPermissions":[]}`, putErr: errors.New("throttled")}, nil, "throttled"},
		{"evaluation refused", &fake{config: `{"ipPermissions":[]}`, failedEval: true}, nil, "refused"},
		{"bad parameters", &fake{}, func(e sgingress.Event) sgingress.Event { e.RuleParameters = `{"ports":"22"}`; return e }, "unknown"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev := oversized(t)
			if tc.ev != nil {
				ev = tc.ev(ev)
			}
			if err := newHandler(tc.f).handle(context.Background(), ev); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one with %q", err, tc.want)
			}
		})
	}
}
