package gates

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
)

// Palisade's own checks, the fourth gate, judge what no pack covers the way
// the project promises it (pure Go over each template):
//
//   - no-ssh: no security group rule, inline or its own resource, lets
//     anything (any source, any address family) reach TCP port 22 or 3389;
//     Session Manager replaces SSH and RDP. A rule for all protocols (-1)
//     counts, whatever its ports.
//   - no-key-pair: no EC2 key pair is created (AWS::EC2::KeyPair) and no
//     instance, launch template or launch configuration names one (KeyName).
//   - limits: a template stays well inside CloudFormation's limits: at most
//     MaxResources resources (CloudFormation refuses 500), MaxOutputs
//     outputs (200) and MaxTemplateBytes bytes (1 MB), so that a growing org
//     fails at synth, naming the stack, rather than at deploy; and every
//     resource and identity policy within its service's limit, the SCPs
//     per target and the managed policies per role within AWS's counts
//     (policylimits.go, with the doc beside each limit).
//
// Every failure fails the gate; there are no waivers for these. (The
// pipeline's limit of 50 actions per stage is deployplan.Waves's.)
var forbiddenPorts = []int{22, 3389}

// The limits palisade holds a template to, with room under CloudFormation's.
const (
	MaxResources     = 450
	MaxOutputs       = 180
	MaxTemplateBytes = 900 * 1024
)

// ownFindings runs the checks over one template.
func ownFindings(template string) ([]Finding, error) {
	raw, err := os.ReadFile(template)
	if err != nil {
		return nil, err
	}
	var t templateJSON
	if err := json.Unmarshal(raw, &t); err != nil {
		return nil, fmt.Errorf("%s: %w", template, err)
	}
	var out []Finding
	add := func(rule, id, format string, args ...any) {
		out = append(out, Finding{Rule: rule, Resource: id, Level: "Error", Message: fmt.Sprintf(format, args...), Line: lineOf(raw, id)})
	}
	const split = "split the stack: fewer regions or accounts per org file, or fewer VPC endpoints, log groups or rules per account"
	if n := len(t.Resources); n > MaxResources {
		add("limits", "(template)", "%d resources, over palisade's limit of %d (CloudFormation refuses 500): %s", n, MaxResources, split)
	}
	if n := len(t.Outputs); n > MaxOutputs {
		add("limits", "(template)", "%d outputs, over palisade's limit of %d (CloudFormation refuses 200): %s", n, MaxOutputs, split)
	}
	if n := len(raw); n > MaxTemplateBytes {
		add("limits", "(template)", "%d bytes, over palisade's limit of %d (CloudFormation refuses 1 MB): %s", n, MaxTemplateBytes, split)
	}
	for _, p := range measure(t) {
		if p.Over() {
			add("limits", p.Resource, "%s", p.message())
		}
	}
	for _, id := range slices.Sorted(func(yield func(string) bool) {
		for id := range t.Resources {
			if !yield(id) {
				return
			}
		}
	}) {
		r := t.Resources[id]
		switch r.Type {
		case "AWS::EC2::SecurityGroup":
			rules, _ := r.Properties["SecurityGroupIngress"].([]any)
			for _, rule := range rules {
				if m, ok := rule.(map[string]any); ok {
					if port, bad := opensForbidden(m); bad {
						add("no-ssh", id, "an ingress rule reaches port %d (%s); use Session Manager instead of SSH or RDP", port, describeRule(m))
					}
				}
			}
		case "AWS::EC2::SecurityGroupIngress":
			if port, bad := opensForbidden(r.Properties); bad {
				add("no-ssh", id, "the ingress rule reaches port %d (%s); use Session Manager instead of SSH or RDP", port, describeRule(r.Properties))
			}
		case "AWS::EC2::KeyPair":
			add("no-key-pair", id, "creates an EC2 key pair; instances are reached through Session Manager, without keys")
		case "AWS::EC2::Instance", "AWS::AutoScaling::LaunchConfiguration":
			if _, ok := r.Properties["KeyName"]; ok {
				add("no-key-pair", id, "names a key pair (KeyName); instances are reached through Session Manager, without keys")
			}
		case "AWS::EC2::LaunchTemplate":
			if data, ok := r.Properties["LaunchTemplateData"].(map[string]any); ok {
				if _, ok := data["KeyName"]; ok {
					add("no-key-pair", id, "names a key pair (LaunchTemplateData.KeyName); instances are reached through Session Manager, without keys")
				}
			}
		}
	}
	return out, nil
}

// opensForbidden reports the first forbidden port an ingress rule reaches.
// Ports given as intrinsic functions count as reaching every port.
func opensForbidden(rule map[string]any) (int, bool) {
	proto := strings.ToLower(fmt.Sprint(rule["IpProtocol"]))
	if proto == "-1" || proto == "all" {
		return forbiddenPorts[0], true
	}
	if proto != "tcp" && proto != "6" {
		return 0, false
	}
	from, okFrom := port(rule["FromPort"])
	to, okTo := port(rule["ToPort"])
	if !okFrom || !okTo {
		from, to = 0, 65535
	}
	for _, p := range forbiddenPorts {
		if (from <= p && p <= to) || from == -1 {
			return p, true
		}
	}
	return 0, false
}

func port(v any) (int, bool) {
	switch n := v.(type) {
	case float64:
		return int(n), true
	case string:
		i, err := strconv.Atoi(n)
		return i, err == nil
	}
	return 0, false
}

func describeRule(rule map[string]any) string {
	var source string
	for _, k := range []string{"CidrIp", "CidrIpv6", "SourceSecurityGroupId", "SourcePrefixListId"} {
		if v, ok := rule[k]; ok {
			source = fmt.Sprintf("from %v", v)
			break
		}
	}
	return strings.TrimSpace(fmt.Sprintf("%v %v-%v %s", rule["IpProtocol"], rule["FromPort"], rule["ToPort"], source))
}

// lineOf is the 1-based line where logical id id is declared, or 0.
func lineOf(raw []byte, id string) int {
	i := bytes.Index(raw, []byte(`"`+id+`":`))
	if i < 0 {
		return 0
	}
	return bytes.Count(raw[:i], []byte("\n")) + 1
}

// Own runs palisade's own checks alone over the stacks of the cloud assembly
// in outDir (no tools, no nag reports: quick enough for every synth) and
// returns an error listing every failure by stack, or nil.
func Own(outDir string) error {
	stacks, err := readAssembly(outDir)
	if err != nil {
		return err
	}
	var lines []string
	for _, s := range stacks {
		findings, err := ownFindings(s.template)
		if err != nil {
			return err
		}
		for _, f := range findings {
			lines = append(lines, fmt.Sprintf("%s: %s %s: %s", s.name, f.Rule, f.Resource, f.Message))
		}
	}
	// SCPs attached to one target from several stacks: each stack's share
	// is checked with its template, their sum here.
	sizes, err := policySizes(stacks)
	if err != nil {
		return err
	}
	for _, p := range scpTargetsAcrossStacks(sizes) {
		lines = append(lines, fmt.Sprintf("%s: limits %s: %s", p.Stack, p.Resource, p.message()))
	}
	if len(lines) == 0 {
		return nil
	}
	return fmt.Errorf("synth failed palisade's own checks:\n  %s", strings.Join(lines, "\n  "))
}

// PolicySizes measures every policy and count of the stacks of the cloud
// assembly in outDir against AWS's limits (policylimits.go), stack by
// stack, each in its template's logical-id order.
func PolicySizes(outDir string) ([]PolicySize, error) {
	stacks, err := readAssembly(outDir)
	if err != nil {
		return nil, err
	}
	return policySizes(stacks)
}

func policySizes(stacks []*stack) ([]PolicySize, error) {
	var out []PolicySize
	for _, s := range stacks {
		raw, err := os.ReadFile(s.template)
		if err != nil {
			return nil, err
		}
		var t templateJSON
		if err := json.Unmarshal(raw, &t); err != nil {
			return nil, fmt.Errorf("%s: %w", s.template, err)
		}
		for _, p := range measure(t) {
			p.Stack = s.name
			out = append(out, p)
		}
	}
	return out, nil
}

// scpTargetsAcrossStacks sums the SCPs attached to each target over the
// stacks and returns each target over the limit only there (a target over
// it within one stack is that stack's finding already).
func scpTargetsAcrossStacks(sizes []PolicySize) []PolicySize {
	type total struct {
		PolicySize
		reported bool // over within one stack already
	}
	sums := map[string]*total{}
	var order []string
	for _, p := range sizes {
		if p.Limit != SCPsPerTargetLimit {
			continue
		}
		s, ok := sums[p.Resource]
		if !ok {
			s = &total{PolicySize: PolicySize{Resource: p.Resource, Limit: p.Limit}}
			sums[p.Resource] = s
			order = append(order, p.Resource)
		} else {
			s.Stack += ", "
			s.Policy += "; "
		}
		s.Stack += p.Stack
		s.Policy += p.Stack + ": " + p.Policy
		s.Size += p.Size
		s.reported = s.reported || p.Over()
	}
	var out []PolicySize
	for _, target := range order {
		if s := sums[target]; s.Over() && !s.reported {
			out = append(out, s.PolicySize)
		}
	}
	return out
}
