// Package sgingress is the evaluation logic of a custom AWS Config rule: no
// security group allows ingress from the internet except to the allowed TCP
// ports (by default 80 and 443).
//
// A security group (AWS::EC2::SecurityGroup) is NON_COMPLIANT when one of
// its inbound rules has a source of 0.0.0.0/0 or ::/0 (any /0 prefix) and
//
//   - allows all traffic (ipProtocol -1), or
//   - allows TCP to a port range with any port not in AllowedPorts (a range
//     such as 0-65535 or 80-443 covers disallowed ports), or
//   - allows any other protocol (UDP, ICMP, ICMPv6 or a protocol number):
//     only TCP ports can be allowed.
//
// Otherwise it is COMPLIANT. Sources that are other security groups or
// managed prefix lists are not the internet here: a prefix list's entries
// are not in the configuration item, and resolving them would need an EC2
// call per evaluation, so a prefix list holding 0.0.0.0/0 is not flagged.
// Neither are CIDRs that cover the internet only together (0.0.0.0/1 and
// 128.0.0.0/1). Egress rules are not evaluated.
//
// Resources of other types, deleted resources (ResourceDeleted,
// ResourceDeletedNotRecorded), resources no longer recorded and resources
// that left the rule's scope are NOT_APPLICABLE, so that AWS Config drops
// their earlier results.
//
// The rule takes one input parameter, allowedPorts, a comma-separated list
// of TCP ports ({"allowedPorts":"80,443"}); an empty list allows none.
//
// The package also reads the event AWS Config invokes a rule's Lambda
// function with (ConfigurationItemChangeNotification and
// OversizedConfigurationItemChangeNotification), so the function that wraps
// it (cmd/lambda/sgingress) only calls the AWS Config API. It imports only
// the standard library: it is tested offline on recorded configuration items.
package sgingress

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// ResourceType is the only resource type the rule evaluates.
const ResourceType = "AWS::EC2::SecurityGroup"

// Compliance is an evaluation's result, in AWS Config's words.
type Compliance string

// The results the rule reports.
const (
	Compliant     Compliance = "COMPLIANT"
	NonCompliant  Compliance = "NON_COMPLIANT"
	NotApplicable Compliance = "NOT_APPLICABLE"
)

// MaxAnnotation is the longest annotation AWS Config accepts, in characters.
const MaxAnnotation = 256

// DefaultAllowedPorts are the TCP ports open to the internet when the rule
// has no allowedPorts parameter.
var DefaultAllowedPorts = []int{80, 443}

// Event is what AWS Config invokes a custom rule's Lambda function with.
// Its JSON field names are AWS Config's.
type Event struct {
	Version        string `json:"version"`
	InvokingEvent  string `json:"invokingEvent"`
	RuleParameters string `json:"ruleParameters"`
	ResultToken    string `json:"resultToken"`
	EventLeftScope bool   `json:"eventLeftScope"`
	ConfigRuleName string `json:"configRuleName"`
	ConfigRuleArn  string `json:"configRuleArn"`
	AccountID      string `json:"accountId"`
}

// ConfigurationItem is the part of an AWS Config configuration item the rule
// reads. Its JSON field names are AWS Config's.
type ConfigurationItem struct {
	ResourceType string    `json:"resourceType"`
	ResourceID   string    `json:"resourceId"`
	Status       string    `json:"configurationItemStatus"`
	CaptureTime  time.Time `json:"configurationItemCaptureTime"`
	// Configuration is the resource's configuration, as AWS Config records
	// it; JSON null or absent for a deleted resource and in the summary of
	// an oversized item.
	Configuration json.RawMessage `json:"configuration"`
}

// Request is an invocation, parsed.
type Request struct {
	// AllowedPorts are the TCP ports that may be open to the internet,
	// sorted.
	AllowedPorts []int
	// Item is the configuration item that changed. For an oversized one it
	// is only the summary, without Configuration: see NeedsHistory.
	Item ConfigurationItem
	// Oversized is true for an OversizedConfigurationItemChangeNotification.
	Oversized bool
	// LeftScope is true when the resource no longer is in the rule's scope.
	LeftScope bool
}

// Evaluation is the result to put back to AWS Config for one resource.
type Evaluation struct {
	ResourceType      string
	ResourceID        string
	Compliance        Compliance
	Annotation        string // at most MaxAnnotation characters
	OrderingTimestamp time.Time
}

// Parse reads the event's invoking event and rule parameters. Scheduled
// notifications are an error: the rule is triggered by configuration changes.
func (e Event) Parse() (Request, error) {
	ports, err := ParseParameters(e.RuleParameters)
	if err != nil {
		return Request{}, err
	}
	var inv struct {
		MessageType       string             `json:"messageType"`
		ConfigurationItem *ConfigurationItem `json:"configurationItem"`
		Summary           *ConfigurationItem `json:"configurationItemSummary"`
	}
	if err := json.Unmarshal([]byte(e.InvokingEvent), &inv); err != nil {
		return Request{}, fmt.Errorf("invoking event is not a configuration change notification: %w", err)
	}
	r := Request{AllowedPorts: ports, LeftScope: e.EventLeftScope}
	switch inv.MessageType {
	case "ConfigurationItemChangeNotification":
		if inv.ConfigurationItem == nil {
			return Request{}, errors.New("ConfigurationItemChangeNotification has no configurationItem")
		}
		r.Item = *inv.ConfigurationItem
	case "OversizedConfigurationItemChangeNotification":
		if inv.Summary == nil {
			return Request{}, errors.New("OversizedConfigurationItemChangeNotification has no configurationItemSummary")
		}
		r.Item, r.Oversized = *inv.Summary, true
		r.Item.Configuration = nil
	default:
		return Request{}, fmt.Errorf("message type %q is not one this rule is triggered by: want ConfigurationItemChangeNotification or OversizedConfigurationItemChangeNotification", inv.MessageType)
	}
	if r.Item.ResourceType == "" || r.Item.ResourceID == "" || r.Item.CaptureTime.IsZero() {
		return Request{}, fmt.Errorf("%s: configuration item lacks resourceType, resourceId or configurationItemCaptureTime", inv.MessageType)
	}
	return r, nil
}

// NeedsHistory is true when the item is oversized and would be evaluated:
// fetch it with GetResourceConfigHistory (resource type and id, LaterTime
// the capture time, Limit 1) and set Item.Configuration before Evaluate.
func (r Request) NeedsHistory() bool {
	return r.Oversized && !r.LeftScope && r.Item.ResourceType == ResourceType && recorded(r.Item.Status)
}

// Evaluate judges the item. The ordering timestamp is the item's capture
// time, so that AWS Config keeps the newest of out-of-order results.
func (r Request) Evaluate() (Evaluation, error) {
	ci := r.Item
	e := Evaluation{ResourceType: ci.ResourceType, ResourceID: ci.ResourceID, OrderingTimestamp: ci.CaptureTime, Compliance: NotApplicable}
	switch {
	case r.LeftScope:
		e.Annotation = "the resource left the rule's scope"
		return e, nil
	case ci.ResourceType != ResourceType:
		e.Annotation = "the rule evaluates " + ResourceType + " only"
		return e, nil
	case !recorded(ci.Status):
		e.Annotation = "the configuration item's status is " + ci.Status
		return e, nil
	}
	if len(ci.Configuration) == 0 || bytes.Equal(ci.Configuration, []byte("null")) {
		return Evaluation{}, fmt.Errorf("%s %s: the configuration item (%s) has no configuration", ci.ResourceType, ci.ResourceID, ci.Status)
	}
	var cfg struct {
		IPPermissions []permission `json:"ipPermissions"`
	}
	if err := json.Unmarshal(ci.Configuration, &cfg); err != nil {
		return Evaluation{}, fmt.Errorf("%s %s: configuration is not a security group's: %w", ci.ResourceType, ci.ResourceID, err)
	}
	var findings []string
	for _, p := range cfg.IPPermissions {
		findings = append(findings, p.findings(r.AllowedPorts)...)
	}
	if len(findings) == 0 {
		e.Compliance, e.Annotation = Compliant, "no ingress from the internet"
		if len(r.AllowedPorts) > 0 {
			e.Annotation += " except to " + portList(r.AllowedPorts)
		}
		return e, nil
	}
	e.Compliance = NonCompliant
	e.Annotation = truncate(fmt.Sprintf("ingress from the internet (allowed: %s): %s", portList(r.AllowedPorts), strings.Join(findings, "; ")))
	return e, nil
}

// recorded is true for the statuses of a resource that exists and is
// recorded.
func recorded(status string) bool {
	return status == "OK" || status == "ResourceDiscovered"
}

// permission is one inbound rule of a security group, as AWS Config records
// it: ipRanges holds the IPv4 CIDRs as plain strings, ipv4Ranges the same
// with descriptions.
type permission struct {
	IPProtocol string   `json:"ipProtocol"`
	FromPort   *int     `json:"fromPort"`
	ToPort     *int     `json:"toPort"`
	IPRanges   []string `json:"ipRanges"`
	IPv4Ranges []struct {
		CidrIP string `json:"cidrIp"`
	} `json:"ipv4Ranges"`
	IPv6Ranges []struct {
		CidrIPv6 string `json:"cidrIpv6"`
	} `json:"ipv6Ranges"`
}

// internet returns the rule's sources that are the whole internet, once
// each, in order.
func (p permission) internet() []string {
	var cidrs []string
	cidrs = append(cidrs, p.IPRanges...)
	for _, r := range p.IPv4Ranges {
		cidrs = append(cidrs, r.CidrIP)
	}
	for _, r := range p.IPv6Ranges {
		cidrs = append(cidrs, r.CidrIPv6)
	}
	var out []string
	for _, c := range cidrs {
		if pfx, err := netip.ParsePrefix(c); err == nil && pfx.Bits() == 0 && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

// findings describes what the rule lets in from the internet that is not
// allowed; none when it is compliant.
func (p permission) findings(allowed []int) []string {
	sources := p.internet()
	if len(sources) == 0 {
		return nil
	}
	var what string
	switch strings.ToLower(p.IPProtocol) {
	case "-1", "all":
		what = "all traffic"
	case "tcp", "6":
		if p.FromPort == nil || p.ToPort == nil || *p.FromPort < 0 || *p.ToPort < *p.FromPort {
			what = "tcp all ports"
			break
		}
		bad, ok := disallowed(*p.FromPort, *p.ToPort, allowed)
		if !ok {
			return nil
		}
		what = "tcp " + ports(*p.FromPort, *p.ToPort)
		if *p.FromPort != *p.ToPort {
			what += fmt.Sprintf(" (covers %d)", bad)
		}
	default:
		what = protocol(p.IPProtocol)
		if p.FromPort != nil && p.ToPort != nil && *p.FromPort >= 0 {
			what += " " + ports(*p.FromPort, *p.ToPort)
		}
	}
	out := make([]string, len(sources))
	for i, s := range sources {
		out[i] = what + " from " + s
	}
	return out
}

// disallowed returns the first port in from..to that is not allowed.
func disallowed(from, to int, allowed []int) (int, bool) {
	for port := from; port <= to; port++ {
		if _, found := slices.BinarySearch(allowed, port); !found {
			return port, true
		}
	}
	return 0, false
}

func ports(from, to int) string {
	if from == to {
		return strconv.Itoa(from)
	}
	return fmt.Sprintf("%d-%d", from, to)
}

func protocol(p string) string {
	switch p {
	case "17":
		return "udp"
	case "1":
		return "icmp"
	case "58":
		return "icmpv6"
	}
	if _, err := strconv.Atoi(p); err == nil {
		return "protocol " + p
	}
	return strings.ToLower(p)
}

func portList(allowed []int) string {
	if len(allowed) == 0 {
		return "none"
	}
	s := make([]string, len(allowed))
	for i, p := range allowed {
		s[i] = strconv.Itoa(p)
	}
	return "tcp " + strings.Join(s, ",")
}

// truncate keeps s within MaxAnnotation characters, marking a cut with "...".
func truncate(s string) string {
	if utf8.RuneCountInString(s) <= MaxAnnotation {
		return s
	}
	r := []rune(s)
	return string(r[:MaxAnnotation-3]) + "..."
}

// ParseParameters reads the rule's input parameters, the JSON object AWS
// Config passes as ruleParameters: {"allowedPorts":"80,443"}. Empty or {}
// means DefaultAllowedPorts. Unknown keys are errors, so that a misspelt
// parameter does not silently leave the default in force.
func ParseParameters(ruleParameters string) ([]int, error) {
	if strings.TrimSpace(ruleParameters) == "" {
		return slices.Clone(DefaultAllowedPorts), nil
	}
	var params map[string]any
	if err := json.Unmarshal([]byte(ruleParameters), &params); err != nil {
		return nil, fmt.Errorf("rule parameters %q are not a JSON object such as {\"allowedPorts\":\"80,443\"}: %w", ruleParameters, err)
	}
	var unknown []string
	for k := range params {
		if k != "allowedPorts" {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, fmt.Errorf("rule parameters: unknown %q: the only parameter is allowedPorts", unknown)
	}
	v, ok := params["allowedPorts"]
	if !ok {
		return slices.Clone(DefaultAllowedPorts), nil
	}
	s, ok := v.(string)
	if !ok {
		return nil, fmt.Errorf("rule parameters: allowedPorts is %v, not a string: want a comma-separated list of TCP ports such as \"80,443\"", v)
	}
	out := []int{}
	if strings.TrimSpace(s) == "" {
		return out, nil
	}
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		port, err := strconv.Atoi(f)
		if err != nil || port < 0 || port > 65535 {
			return nil, fmt.Errorf("rule parameters: allowedPorts %q: %q is not a TCP port (0-65535)", s, f)
		}
		out = append(out, port)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}
