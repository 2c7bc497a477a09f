package sgingress_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/palisade-sec/palisade/rules/sgingress"
)

// changeEvent wraps a recorded configuration item in the event AWS Config
// invokes the function with when the item changes.
func changeEvent(t *testing.T, file, params string, leftScope bool) sgingress.Event {
	t.Helper()
	ci, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	inv, err := json.Marshal(map[string]any{
		"configurationItemDiff":    nil,
		"configurationItem":        json.RawMessage(ci),
		"notificationCreationTime": "2026-03-02T16:00:00.000Z",
		"messageType":              "ConfigurationItemChangeNotification",
		"recordVersion":            "1.3",
	})
	if err != nil {
		t.Fatal(err)
	}
	return sgingress.Event{
		Version: "1.0", InvokingEvent: string(inv), RuleParameters: params, ResultToken: "token",
		EventLeftScope: leftScope, ConfigRuleName: "sg-ingress-internet", AccountID: "333333333333",
	}
}

func TestEvaluateRecordedItems(t *testing.T) {
	for _, tc := range []struct {
		file, params string
		leftScope    bool
		want         sgingress.Compliance
		annotation   []string // substrings
		resourceID   string
		captured     string
	}{
		{file: "compliant-web.json", want: sgingress.Compliant,
			annotation: []string{"except to tcp 80,443"}, resourceID: "sg-0a1b2c3d4e5f60718", captured: "2026-03-02T10:15:42.118Z"},
		{file: "compliant-web.json", params: `{"allowedPorts":"443"}`, want: sgingress.NonCompliant,
			annotation: []string{"(allowed: tcp 443)", "tcp 80 from 0.0.0.0/0", "tcp 80 from ::/0"}},
		{file: "noncompliant-ssh.json", want: sgingress.NonCompliant,
			annotation: []string{"tcp 22 from 0.0.0.0/0"}, resourceID: "sg-01234abcd5678ef90", captured: "2026-03-02T11:02:07.554Z"},
		{file: "noncompliant-ssh.json", params: `{"allowedPorts":"22, 443"}`, want: sgingress.Compliant},
		{file: "noncompliant-all-traffic.json", want: sgingress.NonCompliant, annotation: []string{"all traffic from 0.0.0.0/0"}},
		{file: "noncompliant-rdp-ipv6.json", want: sgingress.NonCompliant, annotation: []string{"tcp 3389 from ::/0"}},
		{file: "noncompliant-all-ports.json", want: sgingress.NonCompliant, annotation: []string{"tcp 0-65535 (covers 0) from 0.0.0.0/0"}},
		{file: "noncompliant-all-ports.json", params: `{"allowedPorts":""}`, want: sgingress.NonCompliant, annotation: []string{"(allowed: none)"}},
		{file: "notapplicable-vpc.json", want: sgingress.NotApplicable, annotation: []string{"AWS::EC2::SecurityGroup only"}},
		{file: "deleted.json", want: sgingress.NotApplicable, annotation: []string{"ResourceDeleted"},
			resourceID: "sg-01234abcd5678ef90", captured: "2026-03-03T08:20:33.091Z"},
		{file: "deleted-not-recorded.json", want: sgingress.NotApplicable, annotation: []string{"ResourceDeletedNotRecorded"}},
		{file: "noncompliant-ssh.json", leftScope: true, want: sgingress.NotApplicable, annotation: []string{"left the rule's scope"}},
	} {
		t.Run(strings.TrimSuffix(tc.file, ".json")+tc.params, func(t *testing.T) {
			req, err := changeEvent(t, tc.file, tc.params, tc.leftScope).Parse()
			if err != nil {
				t.Fatal(err)
			}
			if req.Oversized || req.NeedsHistory() {
				t.Error("a change notification is taken for an oversized one")
			}
			e, err := req.Evaluate()
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: %s", e.Compliance, e.Annotation)
			if e.Compliance != tc.want {
				t.Errorf("compliance %s, want %s (%s)", e.Compliance, tc.want, e.Annotation)
			}
			for _, s := range tc.annotation {
				if !strings.Contains(e.Annotation, s) {
					t.Errorf("annotation %q lacks %q", e.Annotation, s)
				}
			}
			if n := utf8.RuneCountInString(e.Annotation); n == 0 || n > sgingress.MaxAnnotation {
				t.Errorf("annotation is %d characters", n)
			}
			if tc.resourceID != "" && e.ResourceID != tc.resourceID {
				t.Errorf("resource id %s, want %s", e.ResourceID, tc.resourceID)
			}
			if tc.captured != "" && !e.OrderingTimestamp.Equal(mustTime(t, tc.captured)) {
				t.Errorf("ordering timestamp %s, want the capture time %s", e.OrderingTimestamp, tc.captured)
			}
			if e.ResourceType != req.Item.ResourceType {
				t.Errorf("resource type %s, want %s", e.ResourceType, req.Item.ResourceType)
			}
		})
	}
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// Hand-written rules for what the recorded items do not show.
func TestPermissions(t *testing.T) {
	for _, tc := range []struct {
		name, perms string
		want        sgingress.Compliance
		annotation  string
	}{
		{"range within the allowed ports", `[{"ipProtocol":"tcp","fromPort":80,"toPort":80,"ipRanges":["0.0.0.0/0"]}]`, sgingress.Compliant, ""},
		{"range over a disallowed port", `[{"ipProtocol":"tcp","fromPort":80,"toPort":443,"ipv4Ranges":[{"cidrIp":"0.0.0.0/0"}]}]`, sgingress.NonCompliant, "tcp 80-443 (covers 81)"},
		{"udp 443", `[{"ipProtocol":"udp","fromPort":443,"toPort":443,"ipv6Ranges":[{"cidrIpv6":"::/0"}]}]`, sgingress.NonCompliant, "udp 443 from ::/0"},
		{"icmp", `[{"ipProtocol":"icmp","fromPort":-1,"toPort":-1,"ipRanges":["0.0.0.0/0"]}]`, sgingress.NonCompliant, "icmp from 0.0.0.0/0"},
		{"protocol number", `[{"ipProtocol":"50","ipRanges":["0.0.0.0/0"]}]`, sgingress.NonCompliant, "protocol 50 from 0.0.0.0/0"},
		{"tcp as a number", `[{"ipProtocol":"6","fromPort":22,"toPort":22,"ipRanges":["0.0.0.0/0"]}]`, sgingress.NonCompliant, "tcp 22"},
		{"a /0 written otherwise", `[{"ipProtocol":"tcp","fromPort":22,"toPort":22,"ipv6Ranges":[{"cidrIpv6":"0::/0"}]}]`, sgingress.NonCompliant, "tcp 22 from 0::/0"},
		{"half the internet is not the internet", `[{"ipProtocol":"-1","ipRanges":["0.0.0.0/1","128.0.0.0/1"]}]`, sgingress.Compliant, ""},
		{"prefix lists are not resolved", `[{"ipProtocol":"-1","prefixListIds":[{"prefixListId":"pl-0123456789abcdef0"}]}]`, sgingress.Compliant, ""},
		{"other security groups", `[{"ipProtocol":"-1","userIdGroupPairs":[{"groupId":"sg-0f9e8d7c6b5a49382","userId":"333333333333"}]}]`, sgingress.Compliant, ""},
		{"no rules", `[]`, sgingress.Compliant, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := sgingress.Request{
				AllowedPorts: sgingress.DefaultAllowedPorts,
				Item: sgingress.ConfigurationItem{ResourceType: sgingress.ResourceType, ResourceID: "sg-1", Status: "ResourceDiscovered",
					Configuration: json.RawMessage(`{"groupId":"sg-1","ipPermissions":` + tc.perms + `}`)},
			}.Evaluate()
			if err != nil {
				t.Fatal(err)
			}
			if e.Compliance != tc.want || !strings.Contains(e.Annotation, tc.annotation) {
				t.Errorf("%s %q, want %s with %q", e.Compliance, e.Annotation, tc.want, tc.annotation)
			}
		})
	}
}

func TestAnnotationIsTruncated(t *testing.T) {
	var perms []string
	for port := 1000; port < 1100; port++ {
		perms = append(perms, `{"ipProtocol":"tcp","fromPort":`+itoa(port)+`,"toPort":`+itoa(port)+`,"ipRanges":["0.0.0.0/0"]}`)
	}
	e, err := sgingress.Request{
		AllowedPorts: sgingress.DefaultAllowedPorts,
		Item: sgingress.ConfigurationItem{ResourceType: sgingress.ResourceType, ResourceID: "sg-1", Status: "OK",
			Configuration: json.RawMessage(`{"ipPermissions":[` + strings.Join(perms, ",") + `]}`)},
	}.Evaluate()
	if err != nil {
		t.Fatal(err)
	}
	if n := utf8.RuneCountInString(e.Annotation); n != sgingress.MaxAnnotation || !strings.HasSuffix(e.Annotation, "...") {
		t.Errorf("annotation of %d characters: %q", n, e.Annotation)
	}
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

func TestOversizedNotification(t *testing.T) {
	raw, err := os.ReadFile("testdata/event-oversized.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev sgingress.Event
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	req, err := ev.Parse()
	if err != nil {
		t.Fatal(err)
	}
	if !req.Oversized || !req.NeedsHistory() || req.Item.ResourceID != "sg-0123456789abcdef0" ||
		!req.Item.CaptureTime.Equal(mustTime(t, "2026-03-02T15:10:12.400Z")) || !slices.Equal(req.AllowedPorts, []int{443}) {
		t.Fatalf("request %+v", req)
	}
	if _, err := req.Evaluate(); err == nil || !strings.Contains(err.Error(), "has no configuration") {
		t.Errorf("evaluating an oversized summary without its history: %v", err)
	}
	// The history, as the function sets it.
	ci, err := os.ReadFile("testdata/noncompliant-ssh.json")
	if err != nil {
		t.Fatal(err)
	}
	var item struct{ Configuration json.RawMessage }
	if err := json.Unmarshal(ci, &item); err != nil {
		t.Fatal(err)
	}
	req.Item.Configuration = item.Configuration
	e, err := req.Evaluate()
	if err != nil || e.Compliance != sgingress.NonCompliant || e.ResourceID != "sg-0123456789abcdef0" {
		t.Errorf("%+v, %v", e, err)
	}

	deleted := strings.Replace(ev.InvokingEvent, `"configurationItemStatus": "OK"`, `"configurationItemStatus": "ResourceDeleted"`, 1)
	if deleted == ev.InvokingEvent {
		t.Fatal("the recorded event has no status OK to replace")
	}
	ev.InvokingEvent = deleted
	if req, err := ev.Parse(); err != nil || req.NeedsHistory() {
		t.Errorf("a deleted oversized item needs its history: %+v, %v", req, err)
	}
}

func TestParseErrors(t *testing.T) {
	good := changeEvent(t, "noncompliant-ssh.json", "", false)
	for _, tc := range []struct {
		name    string
		mutate  func(*sgingress.Event)
		wantErr string
	}{
		{"parameters not JSON", func(e *sgingress.Event) { e.RuleParameters = `allowedPorts=80` }, "not a JSON object"},
		{"unknown parameter", func(e *sgingress.Event) { e.RuleParameters = `{"allowedPort":"22"}` }, `unknown ["allowedPort"]`},
		{"port not a string", func(e *sgingress.Event) { e.RuleParameters = `{"allowedPorts":443}` }, "not a string"},
		{"port not a number", func(e *sgingress.Event) { e.RuleParameters = `{"allowedPorts":"80,https"}` }, `"https" is not a TCP port`},
		{"port out of range", func(e *sgingress.Event) { e.RuleParameters = `{"allowedPorts":"65536"}` }, `"65536" is not a TCP port`},
		{"a range", func(e *sgingress.Event) { e.RuleParameters = `{"allowedPorts":"0-65535"}` }, `"0-65535" is not a TCP port`},
		{"empty entry", func(e *sgingress.Event) { e.RuleParameters = `{"allowedPorts":"80,,443"}` }, `"" is not a TCP port`},
		{"invoking event not JSON", func(e *sgingress.Event) { e.InvokingEvent = "{" }, "not a configuration change notification"},
		{"scheduled", func(e *sgingress.Event) {
			e.InvokingEvent = `{"awsAccountId":"333333333333","notificationCreationTime":"2026-03-02T16:00:00.000Z","messageType":"ScheduledNotification","recordVersion":"1.0"}`
		}, `"ScheduledNotification" is not one this rule is triggered by`},
		{"no item", func(e *sgingress.Event) { e.InvokingEvent = `{"messageType":"ConfigurationItemChangeNotification"}` }, "has no configurationItem"},
		{"item without id", func(e *sgingress.Event) {
			e.InvokingEvent = `{"messageType":"ConfigurationItemChangeNotification","configurationItem":{"resourceType":"AWS::EC2::SecurityGroup","configurationItemCaptureTime":"2026-03-02T16:00:00Z"}}`
		}, "lacks resourceType, resourceId"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev := good
			tc.mutate(&ev)
			if _, err := ev.Parse(); err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error %v, want one with %q", err, tc.wantErr)
			}
		})
	}
}

func TestParseParameters(t *testing.T) {
	for in, want := range map[string][]int{
		``:                           {80, 443},
		`{}`:                         {80, 443},
		`{"allowedPorts":"443, 80"}`: {80, 443},
		`{"allowedPorts":"443,443"}`: {443},
		`{"allowedPorts":"8443"}`:    {8443},
		`{"allowedPorts":" "}`:       {},
		`{"allowedPorts":"0,65535"}`: {0, 65535},
	} {
		got, err := sgingress.ParseParameters(in)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("ParseParameters(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	// The default is not shared with callers.
	got, _ := sgingress.ParseParameters("")
	got[0] = 22
	if sgingress.DefaultAllowedPorts[0] != 80 {
		t.Error("ParseParameters returned DefaultAllowedPorts itself")
	}
}

func TestRecordedItemsAreRealistic(t *testing.T) {
	// Every recorded item parses as AWS Config writes it: version 1.3, an
	// ARN, a region, and a configuration unless the resource is deleted.
	files, _ := filepath.Glob("testdata/*.json")
	for _, f := range files {
		if strings.HasPrefix(filepath.Base(f), "event-") {
			continue
		}
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var ci map[string]any
		if err := json.Unmarshal(raw, &ci); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		deleted := strings.HasPrefix(ci["configurationItemStatus"].(string), "ResourceDeleted")
		if ci["configurationItemVersion"] != "1.3" || ci["ARN"] == nil || ci["awsRegion"] == nil || (ci["configuration"] == nil) != deleted {
			t.Errorf("%s does not look like a recorded configuration item", f)
		}
	}
}
