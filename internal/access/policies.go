package access

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Policies are the policies of an assembly, resolved, by the ARN of the
// resource AWS evaluates them for.
type Policies struct {
	Buckets      map[string]string   // bucket name -> bucket policy
	Keys         map[string]string   // key ARN -> key policy
	Aliases      map[string]string   // alias ARN -> key ARN
	Topics       map[string]string   // topic ARN -> topic policy
	TopicKeys    map[string]string   // topic ARN -> the KMS key ARN that encrypts it
	Destinations map[string]string   // CloudWatch Logs destination ARN -> destination policy
	Trust        map[string]string   // role ARN -> trust policy
	Identity     map[string][]string // role ARN -> its policies in the templates (inline, AWS::IAM::Policy, customer managed)
	// AWSManaged are, per role ARN, the AWS managed policies attached to it
	// (arn:aws:iam::aws:policy/...): their documents are not in the
	// templates, so no request here relies on them.
	AWSManaged map[string][]string
	SCPs       []SCP
	// Resources are every resolved ARN of a type, for the rows to find the
	// trail, the topics, the alarms, the rules and the detectors.
	Resources map[string][]Found
}

// SCP is a service control policy of the templates.
type SCP struct {
	Name    string
	Content string
	Targets []string // roots (r-), OUs (ou-) or accounts
}

// Found is one resource of a type: its stack and ARN (or name, where the
// type has no ARN attribute palisade resolves).
type Found struct {
	Stack, LogicalID, ARN string
	Properties            map[string]any // resolved
}

// Extract resolves every policy of the assembly. A policy whose intrinsics
// do not resolve is an error.
func Extract(a *Assembly) (*Policies, error) {
	p := &Policies{
		Buckets: map[string]string{}, Keys: map[string]string{}, Aliases: map[string]string{},
		Topics: map[string]string{}, TopicKeys: map[string]string{}, Destinations: map[string]string{},
		Trust: map[string]string{}, Identity: map[string][]string{}, AWSManaged: map[string][]string{},
		Resources: map[string][]Found{},
	}
	var errs []error
	for _, name := range a.sortedNames() {
		s := a.Stacks[name]
		for _, lid := range sortedKeys(s.Resources) {
			if err := p.add(a, s, lid); err != nil {
				errs = append(errs, fmt.Errorf("%s/%s: %w", s.Name, lid, err))
			}
		}
	}
	return p, errors.Join(errs...)
}

// tracked are the types whose resources the rows look up.
var tracked = map[string]bool{
	"AWS::CloudTrail::Trail": true, "AWS::SNS::Topic": true, "AWS::CloudWatch::Alarm": true,
	"AWS::Events::Rule": true, "AWS::Logs::Destination": true, "AWS::KinesisFirehose::DeliveryStream": true,
	"AWS::IAM::Role": true, "AWS::S3::Bucket": true, "AWS::KMS::Key": true, "AWS::Logs::SubscriptionFilter": true,
	"AWS::GuardDuty::PublishingDestination": true, "AWS::Config::DeliveryChannel": true, "AWS::EC2::FlowLog": true,
}

func (p *Policies) add(a *Assembly, s *Stack, lid string) error {
	r := s.Resources[lid]
	prop := func(k string) (any, error) { return a.Resolve(s, r.Properties[k]) }
	doc := func(k string) (string, error) {
		v, err := prop(k)
		if err != nil {
			return "", err
		}
		if str, ok := v.(string); ok { // a JSON string property (destination policy)
			return str, nil
		}
		raw, err := json.Marshal(v)
		return string(raw), err
	}
	if tracked[r.Type] {
		f := Found{Stack: s.Name, LogicalID: lid}
		if arn, err := a.getAtt(s, lid, "Arn"); err == nil {
			f.ARN = arn
		} else if ref, err := a.ref(s, lid); err == nil {
			f.ARN = ref
		}
		// Properties that do not resolve (values of other services the rows
		// do not read) are left out rather than failing the whole matrix.
		f.Properties = map[string]any{}
		for k, v := range r.Properties {
			if rv, err := a.Resolve(s, v); err == nil {
				f.Properties[k] = rv
			}
		}
		p.Resources[r.Type] = append(p.Resources[r.Type], f)
	}
	switch r.Type {
	case "AWS::S3::BucketPolicy":
		b, err := prop("Bucket")
		if err != nil {
			return err
		}
		d, err := doc("PolicyDocument")
		if err != nil {
			return err
		}
		p.Buckets[fmt.Sprint(b)] = d
	case "AWS::KMS::Key":
		arn, _ := a.getAtt(s, lid, "Arn")
		d, err := doc("KeyPolicy")
		if err != nil {
			return err
		}
		p.Keys[arn] = d
	case "AWS::KMS::Alias":
		name, err := prop("AliasName")
		if err != nil {
			return err
		}
		target, err := prop("TargetKeyId")
		if err != nil {
			return err
		}
		key := fmt.Sprint(target)
		if !strings.HasPrefix(key, "arn:") {
			key = fmt.Sprintf("arn:aws:kms:%s:%s:key/%s", s.Region, s.Account, key)
		}
		p.Aliases[fmt.Sprintf("arn:aws:kms:%s:%s:%s", s.Region, s.Account, name)] = key
	case "AWS::SNS::TopicPolicy":
		topics, err := prop("Topics")
		if err != nil {
			return err
		}
		d, err := doc("PolicyDocument")
		if err != nil {
			return err
		}
		for _, t := range topics.([]any) {
			p.Topics[fmt.Sprint(t)] = d
		}
	case "AWS::SNS::Topic":
		if r.Properties["KmsMasterKeyId"] != nil {
			arn, _ := a.getAtt(s, lid, "Arn")
			k, err := prop("KmsMasterKeyId")
			if err != nil {
				return err
			}
			p.TopicKeys[arn] = fmt.Sprint(k)
		}
	case "AWS::Logs::Destination":
		arn, _ := a.getAtt(s, lid, "Arn")
		d, err := doc("DestinationPolicy")
		if err != nil {
			return err
		}
		p.Destinations[arn] = d
	case "AWS::IAM::Role":
		arn, _ := a.getAtt(s, lid, "Arn")
		d, err := doc("AssumeRolePolicyDocument")
		if err != nil {
			return err
		}
		p.Trust[arn] = d
		if inline, ok := r.Properties["Policies"].([]any); ok {
			for i := range inline {
				m, _ := inline[i].(map[string]any)
				v, err := a.Resolve(s, m["PolicyDocument"])
				if err != nil {
					return err
				}
				raw, _ := json.Marshal(v)
				p.Identity[arn] = append(p.Identity[arn], string(raw))
			}
		}
		managed, err := prop("ManagedPolicyArns")
		if err != nil {
			return err
		}
		if l, ok := managed.([]any); ok {
			for _, m := range l {
				if ms := fmt.Sprint(m); strings.HasPrefix(ms, "arn:aws:iam::aws:policy/") {
					p.AWSManaged[arn] = append(p.AWSManaged[arn], ms)
				}
				// A customer managed policy of the template is added from
				// its own resource (its Roles, or this reference below).
			}
		}
		for _, ref := range refsTo(r.Properties["ManagedPolicyArns"]) {
			if mp, ok := s.Resources[ref]; ok && mp.Type == "AWS::IAM::ManagedPolicy" && !rolesName(mp, lid) {
				v, err := a.Resolve(s, mp.Properties["PolicyDocument"])
				if err != nil {
					return err
				}
				raw, _ := json.Marshal(v)
				p.Identity[arn] = append(p.Identity[arn], string(raw))
			}
		}
	case "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy":
		d, err := doc("PolicyDocument")
		if err != nil {
			return err
		}
		for _, ref := range refsTo(r.Properties["Roles"]) {
			if _, ok := s.Resources[ref]; ok {
				arn, _ := a.getAtt(s, ref, "Arn")
				p.Identity[arn] = append(p.Identity[arn], d)
			}
		}
	case "AWS::Organizations::Policy":
		if t, _ := prop("Type"); t != "SERVICE_CONTROL_POLICY" {
			return nil
		}
		d, err := doc("Content")
		if err != nil {
			return err
		}
		name, _ := prop("Name")
		targets, err := prop("TargetIds")
		if err != nil {
			return err
		}
		scp := SCP{Name: fmt.Sprint(name), Content: d}
		if l, ok := targets.([]any); ok {
			for _, t := range l {
				scp.Targets = append(scp.Targets, fmt.Sprint(t))
			}
		}
		p.SCPs = append(p.SCPs, scp)
	}
	return nil
}

// refsTo are the logical ids that a list of {"Ref": id} names.
func refsTo(v any) []string {
	l, _ := v.([]any)
	var ids []string
	for _, e := range l {
		if m, ok := e.(map[string]any); ok {
			if id, ok := m["Ref"].(string); ok {
				ids = append(ids, id)
			}
		}
	}
	return ids
}

// rolesName reports whether a managed policy's Roles already name role lid
// (then it was added from the policy's own resource).
func rolesName(mp Resource, lid string) bool {
	for _, r := range refsTo(mp.Properties["Roles"]) {
		if r == lid {
			return true
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
