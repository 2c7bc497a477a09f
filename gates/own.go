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
//
// Every failure fails the gate; there are no waivers for these.
var forbiddenPorts = []int{22, 3389}

// ownFindings runs the checks over one template.
func ownFindings(template string) ([]Finding, error) {
	raw, err := os.ReadFile(template)
	if err != nil {
		return nil, err
	}
	var t struct {
		Resources map[string]struct {
			Type       string
			Properties map[string]any
		}
	}
	if err := json.Unmarshal(raw, &t); err != nil {
		return nil, fmt.Errorf("%s: %w", template, err)
	}
	var out []Finding
	add := func(rule, id, format string, args ...any) {
		out = append(out, Finding{Rule: rule, Resource: id, Level: "Error", Message: fmt.Sprintf(format, args...), Line: lineOf(raw, id)})
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
