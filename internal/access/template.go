// Package access builds palisade's access matrix: every request that AWS
// services and principals make on palisade's log, alert and guardrail paths,
// each with the policies AWS evaluates for it (identity policies, the
// resource's policy, the SCPs), taken from the synthesized templates with
// their intrinsics resolved to the org's real names and ARNs, and the
// verdict AWS documents for it. The test package evaluates the requests with
// an IAM policy engine (internal/iamsim) and prints the table; this package
// is plain Go and never starts Node.
package access

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/palisade-sec/palisade/internal/assembly"
)

// Stack is one synthesized stack: where it deploys and its template.
type Stack struct {
	Name, Account, Region string
	Resources             map[string]Resource
	Outputs               map[string]struct{ Value any }
}

// Resource is one template resource.
type Resource struct {
	Type       string
	Properties map[string]any
}

// Assembly is every stack of a cloud assembly, by name.
type Assembly struct {
	Stacks map[string]*Stack
}

// ReadAssembly reads every stack template of the cloud assembly in dir.
func ReadAssembly(dir string) (*Assembly, error) {
	stacks, err := assembly.Read(dir)
	if err != nil {
		return nil, err
	}
	a := &Assembly{Stacks: map[string]*Stack{}}
	for _, s := range stacks {
		raw, err := os.ReadFile(s.Template)
		if err != nil {
			return nil, err
		}
		st := &Stack{Name: s.Name, Account: s.Account, Region: s.Region}
		if err := json.Unmarshal(raw, st); err != nil {
			return nil, fmt.Errorf("%s: %w", s.Template, err)
		}
		a.Stacks[s.Name] = st
	}
	return a, nil
}

// Clone is a deep copy, for mutation tests.
func (a *Assembly) Clone() *Assembly {
	raw, err := json.Marshal(a.Stacks)
	if err != nil {
		panic(err)
	}
	c := &Assembly{}
	if err := json.Unmarshal(raw, &c.Stacks); err != nil {
		panic(err)
	}
	return c
}

// sortedNames are the stack names in order, so that every walk over the
// assembly is deterministic.
func (a *Assembly) sortedNames() []string {
	var names []string
	for n := range a.Stacks {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// physicalID is the name a resource gets when its template names none.
// CloudFormation generates <stack>-<logical id>-<random suffix>; the suffix
// is left out (it is unknown before deploy), which no policy of palisade's
// depends on: cross-account names come from config/names.go, never from a
// generated name.
func physicalID(s *Stack, logicalID string) string { return s.Name + "-" + logicalID }

// nameProps is, per resource type, the property that names it.
var nameProps = map[string]string{
	"AWS::S3::Bucket":                      "BucketName",
	"AWS::IAM::Role":                       "RoleName",
	"AWS::IAM::ManagedPolicy":              "ManagedPolicyName",
	"AWS::SNS::Topic":                      "TopicName",
	"AWS::Logs::LogGroup":                  "LogGroupName",
	"AWS::Logs::Destination":               "DestinationName",
	"AWS::KinesisFirehose::DeliveryStream": "DeliveryStreamName",
	"AWS::CloudTrail::Trail":               "TrailName",
	"AWS::CloudWatch::Alarm":               "AlarmName",
	"AWS::Events::Rule":                    "Name",
	"AWS::KMS::Alias":                      "AliasName",
	"AWS::IAM::InstanceProfile":            "InstanceProfileName",
}

// name is the resource's physical name: its name property when it has one
// (resolved), else the generated one.
func (a *Assembly) name(s *Stack, logicalID string) (string, error) {
	r, ok := s.Resources[logicalID]
	if !ok {
		return "", fmt.Errorf("%s: no resource %s", s.Name, logicalID)
	}
	if p, ok := nameProps[r.Type]; ok && r.Properties[p] != nil {
		v, err := a.Resolve(s, r.Properties[p])
		if err != nil {
			return "", err
		}
		if str, ok := v.(string); ok {
			return str, nil
		}
	}
	return physicalID(s, logicalID), nil
}

// ref is what Ref returns for a resource, per the CloudFormation resource
// reference ("Return values" of each type).
func (a *Assembly) ref(s *Stack, logicalID string) (string, error) {
	r := s.Resources[logicalID]
	n, err := a.name(s, logicalID)
	if err != nil {
		return "", err
	}
	switch r.Type {
	case "AWS::SNS::Topic": // Ref: the topic ARN
		return fmt.Sprintf("arn:aws:sns:%s:%s:%s", s.Region, s.Account, n), nil
	case "AWS::IAM::ManagedPolicy": // Ref: the policy ARN
		return fmt.Sprintf("arn:aws:iam::%s:policy/%s", s.Account, n), nil
	case "AWS::KMS::Key": // Ref: the key id
		return n, nil
	}
	return n, nil // buckets, roles, log groups, destinations, streams, trails, aliases: the name
}

// getAtt is what Fn::GetAtt returns, per the CloudFormation resource
// reference ("Return values"): the ARNs palisade's policies use.
func (a *Assembly) getAtt(s *Stack, logicalID, attr string) (string, error) {
	r, ok := s.Resources[logicalID]
	if !ok {
		return "", fmt.Errorf("%s: Fn::GetAtt of missing resource %s", s.Name, logicalID)
	}
	n, err := a.name(s, logicalID)
	if err != nil {
		return "", err
	}
	acct, region := s.Account, s.Region
	if attr != "Arn" {
		// Ids and other attributes (a VPC's default security group) stand
		// for themselves: a generated, deterministic id. No policy on
		// palisade's paths conditions on one.
		return physicalID(s, logicalID) + "." + attr, nil
	}
	switch r.Type {
	case "AWS::S3::Bucket":
		return "arn:aws:s3:::" + n, nil
	case "AWS::KMS::Key":
		return fmt.Sprintf("arn:aws:kms:%s:%s:key/%s", region, acct, n), nil
	case "AWS::IAM::Role":
		return fmt.Sprintf("arn:aws:iam::%s:role/%s", acct, n), nil
	case "AWS::Logs::LogGroup": // Arn ends in :* (AWS::Logs::LogGroup return values)
		return fmt.Sprintf("arn:aws:logs:%s:%s:log-group:%s:*", region, acct, n), nil
	case "AWS::Logs::Destination":
		return fmt.Sprintf("arn:aws:logs:%s:%s:destination:%s", region, acct, n), nil
	case "AWS::KinesisFirehose::DeliveryStream":
		return fmt.Sprintf("arn:aws:firehose:%s:%s:deliverystream/%s", region, acct, n), nil
	case "AWS::CloudTrail::Trail":
		return fmt.Sprintf("arn:aws:cloudtrail:%s:%s:trail/%s", region, acct, n), nil
	case "AWS::SNS::Topic":
		return fmt.Sprintf("arn:aws:sns:%s:%s:%s", region, acct, n), nil
	case "AWS::CloudWatch::Alarm":
		return fmt.Sprintf("arn:aws:cloudwatch:%s:%s:alarm:%s", region, acct, n), nil
	case "AWS::Events::Rule":
		return fmt.Sprintf("arn:aws:events:%s:%s:rule/%s", region, acct, n), nil
	case "AWS::IAM::InstanceProfile":
		return fmt.Sprintf("arn:aws:iam::%s:instance-profile/%s", acct, n), nil
	}
	return "", fmt.Errorf("%s: Fn::GetAtt %s.Arn of type %s is not resolved", s.Name, logicalID, r.Type)
}

// Resolve evaluates the CloudFormation intrinsics in v, in stack s: Ref
// (resources and the AWS:: pseudo parameters), Fn::GetAtt .Arn, Fn::Join,
// Fn::Select, Fn::Split, Fn::Sub (no variable map needed by palisade) and
// Fn::GetStackOutput (the output of another stack of the assembly). JSON
// strings embedded in a property (a destination policy) are left as they
// are. An intrinsic it cannot resolve is an error: a policy is never
// evaluated with a placeholder in it.
func (a *Assembly) Resolve(s *Stack, v any) (any, error) {
	switch x := v.(type) {
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			r, err := a.Resolve(s, e)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	case map[string]any:
		if len(x) == 1 {
			for k, arg := range x {
				if k == "Ref" || strings.HasPrefix(k, "Fn::") {
					return a.intrinsic(s, k, arg)
				}
			}
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			r, err := a.Resolve(s, e)
			if err != nil {
				return nil, err
			}
			out[k] = r
		}
		return out, nil
	}
	return v, nil
}

func (a *Assembly) intrinsic(s *Stack, fn string, arg any) (any, error) {
	bad := func() (any, error) { return nil, fmt.Errorf("%s: cannot resolve %s %v", s.Name, fn, arg) }
	switch fn {
	case "Ref":
		name, _ := arg.(string)
		switch name {
		case "AWS::AccountId":
			return s.Account, nil
		case "AWS::Region":
			return s.Region, nil
		case "AWS::Partition":
			return "aws", nil
		case "AWS::URLSuffix":
			return "amazonaws.com", nil
		case "AWS::StackName":
			return s.Name, nil
		}
		if _, ok := s.Resources[name]; !ok {
			return bad()
		}
		return a.ref(s, name)
	case "Fn::GetAtt":
		var parts []string
		switch g := arg.(type) {
		case []any:
			for _, p := range g {
				str, _ := p.(string)
				parts = append(parts, str)
			}
		case string:
			parts = strings.SplitN(g, ".", 2)
		}
		if len(parts) != 2 {
			return bad()
		}
		return a.getAtt(s, parts[0], parts[1])
	case "Fn::Join":
		l, ok := arg.([]any)
		if !ok || len(l) != 2 {
			return bad()
		}
		sep, _ := l[0].(string)
		items, err := a.Resolve(s, l[1])
		if err != nil {
			return nil, err
		}
		var strs []string
		for _, it := range items.([]any) {
			str, ok := it.(string)
			if !ok {
				return bad()
			}
			strs = append(strs, str)
		}
		return strings.Join(strs, sep), nil
	case "Fn::Split":
		l, ok := arg.([]any)
		if !ok || len(l) != 2 {
			return bad()
		}
		sep, _ := l[0].(string)
		src, err := a.Resolve(s, l[1])
		if err != nil {
			return nil, err
		}
		str, ok := src.(string)
		if !ok {
			return bad()
		}
		var out []any
		for _, p := range strings.Split(str, sep) {
			out = append(out, p)
		}
		return out, nil
	case "Fn::Select":
		l, ok := arg.([]any)
		if !ok || len(l) != 2 {
			return bad()
		}
		var i int
		switch n := l[0].(type) {
		case float64:
			i = int(n)
		case string:
			if _, err := fmt.Sscan(n, &i); err != nil {
				return bad()
			}
		}
		list, err := a.Resolve(s, l[1])
		if err != nil {
			return nil, err
		}
		items, ok := list.([]any)
		if !ok || i < 0 || i >= len(items) {
			return bad()
		}
		return items[i], nil
	case "Fn::Sub":
		tmpl, ok := arg.(string)
		if !ok {
			return bad()
		}
		var b strings.Builder
		for {
			i := strings.Index(tmpl, "${")
			if i < 0 {
				b.WriteString(tmpl)
				break
			}
			j := strings.Index(tmpl[i:], "}")
			if j < 0 {
				return bad()
			}
			b.WriteString(tmpl[:i])
			name := tmpl[i+2 : i+j]
			tmpl = tmpl[i+j+1:]
			if strings.HasPrefix(name, "!") { // ${!Literal}
				b.WriteString("${" + name[1:] + "}")
				continue
			}
			var v any
			var err error
			if res, attr, ok := strings.Cut(name, "."); ok && !strings.HasPrefix(name, "AWS::") {
				v, err = a.getAtt(s, res, attr)
			} else {
				v, err = a.intrinsic(s, "Ref", name)
			}
			if err != nil {
				return nil, err
			}
			b.WriteString(fmt.Sprint(v))
		}
		return b.String(), nil
	case "Fn::GetStackOutput":
		m, ok := arg.(map[string]any)
		if !ok {
			return bad()
		}
		name, _ := m["StackName"].(string)
		out, _ := m["OutputName"].(string)
		other, ok := a.Stacks[name]
		if !ok {
			return bad()
		}
		o, ok := other.Outputs[out]
		if !ok {
			return bad()
		}
		return a.Resolve(other, o.Value)
	}
	return bad()
}
