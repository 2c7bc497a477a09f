package gates

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// The policy limits, part of the own checks' "limits" rule: every resource
// and identity policy of a template, measured the way its service measures
// it after the template's intrinsics are resolved to their worst case
// (resolve.go), against AWS's limit; and the counts AWS caps (SCPs per
// target, managed policies per role). The emulator of the deploy lane
// enforces none of them, so without this a policy that grows with the org
// would first fail in a real account.
//
// The policy-bearing types in the example, options and pipeline orgs'
// templates (grepped from their synth): AWS::S3::BucketPolicy,
// AWS::KMS::Key, AWS::IAM::Role, AWS::IAM::Policy, AWS::IAM::ManagedPolicy,
// AWS::Logs::Destination, AWS::SNS::TopicPolicy, AWS::Organizations::Policy
// and AWS::Lambda::Permission. SQS, EventBridge bus, CloudWatch Logs
// resource and Secrets Manager policies are measured too, should a
// construct add one.
//
// How a document is measured (unit):
//
//   - bytes: the UTF-8 bytes of the document as the service is handed it.
//     A JSON property (an object in the template) is handed over as compact
//     JSON; a string property as written.
//   - characters: the characters of the document, white space between JSON
//     tokens not counted (IAM: "IAM does not count white space when
//     calculating the size of a policy"), so compact JSON; white space
//     inside strings is counted, which can only overstate.
//   - given: the characters of the document as handed over, white space
//     included (Organizations: a policy saved through the API or an SDK
//     "is saved exactly as you provided"; CloudFormation is such a caller).
//
// Where a doc says "KB" without saying how many bytes that is (S3, SNS,
// Lambda), palisade reads the smaller, 1,000 bytes: a false alarm costs a
// smaller policy, a miss costs a failed deploy. KMS says 32,768 bytes.
// How CloudFormation serializes a JSON property for the service (compact,
// or with white space) is not documented: palisade assumes compact; for
// the services that count bytes, white space added in transit would be
// counted by them and not here.

// Limit is one AWS limit on a policy or on a count.
type Limit struct {
	Name string // the policy or count limited
	Max  int
	Unit string // bytes, characters, given or count (see above)
	Doc  string // where AWS documents it
	Fix  string // what to do when over it
}

const orgScope = "grant to the organization (a condition on aws:PrincipalOrgID or aws:SourceOrgID, or an aws:ResourceOrgID or organization-path pattern) instead of a statement, principal or ARN per account"

// The limits. Keep each with the doc that sets it.
var (
	BucketPolicyLimit = Limit{"S3 bucket policy", 20000, "bytes",
		`Amazon S3 User Guide, "Bucket policies and user policies": "Bucket policies are limited to 20 KB in size"`, orgScope}
	KeyPolicyLimit = Limit{"KMS key policy", 32768, "bytes",
		`AWS KMS Developer Guide, "Key policies" (key policy format: "Up to 32 kilobytes (32,768 bytes)") and "Resource quotas" (key policy document size, not adjustable)`, orgScope}
	TrustPolicyLimit = Limit{"IAM role trust policy", 2048, "characters",
		`IAM User Guide, "IAM and AWS STS quotas": role trust policy length, 2,048 characters by default (adjustable to 4,096; palisade holds itself to the default)`,
		"trust the organization (aws:PrincipalOrgID) or one account's root rather than a principal per account, or split the role"}
	RoleInlineLimit = Limit{"IAM role inline policies, together", 10240, "characters",
		`IAM User Guide, "IAM and AWS STS quotas", IAM and STS character quotas: the sum of a role's inline policies cannot exceed 10,240 characters; white space not counted`,
		"move statements into customer managed policies (6,144 characters each), or use wildcards and conditions instead of listing resources"}
	UserInlineLimit = Limit{"IAM user inline policies, together", 2048, "characters",
		`IAM User Guide, "IAM and AWS STS quotas": user policy size cannot exceed 2,048 characters`, "use managed policies"}
	GroupInlineLimit = Limit{"IAM group inline policies, together", 5120, "characters",
		`IAM User Guide, "IAM and AWS STS quotas": group policy size cannot exceed 5,120 characters`, "use managed policies"}
	ManagedPolicyLimit = Limit{"IAM managed policy", 6144, "characters",
		`IAM User Guide, "IAM and AWS STS quotas": the size of each managed policy cannot exceed 6,144 characters; white space not counted`,
		"split it into more managed policies, or use wildcards and conditions instead of listing resources"}
	ManagedPerRoleLimit = Limit{"managed policies attached to an IAM role", 10, "count",
		`IAM User Guide, "IAM and AWS STS quotas": managed policies attached to an IAM role, 10 by default (adjustable to 20)`,
		"merge managed policies, or move the smallest into the role's inline policies"}
	DestinationPolicyLimit = Limit{"CloudWatch Logs destination access policy", 5120, "bytes",
		`CloudWatch Logs API Reference, PutDestinationPolicy: accessPolicy "can be up to 5120 bytes"`, orgScope}
	LogsResourcePolicyLimit = Limit{"CloudWatch Logs resource policy", 5120, "characters",
		`CloudFormation, AWS::Logs::ResourcePolicy: PolicyDocument maximum 5,120; Step Functions Developer Guide: "CloudWatch Logs resource policies are limited to 5120 characters"`,
		"use one statement with a wildcard log group ARN (for example /aws/vendedlogs/*) instead of one per log group"}
	TopicPolicyLimit = Limit{"SNS topic policy", 30000, "bytes",
		`Amazon SNS Developer Guide, "Amazon SNS API permissions: Actions and resources reference", policy quotas: 30 kb`, orgScope}
	QueuePolicyLimit = Limit{"SQS queue policy", 8192, "bytes",
		`Amazon SQS Developer Guide, "Amazon SQS policy quotas": 8,192 bytes`, orgScope}
	EventBusPolicyLimit = Limit{"EventBridge event bus policy", 10240, "characters",
		`Amazon EventBridge User Guide, "Amazon EventBridge quotas": event bus policy size, 10,240 characters (adjustable)`, orgScope}
	FunctionPolicyLimit = Limit{"Lambda function policy", 20000, "bytes",
		`AWS Lambda Developer Guide, "Lambda quotas": function resource-based policy, 20 KB (not adjustable)`,
		"grant with one permission per service and a wildcard or organization condition instead of one per source"}
	SCPLimit = Limit{"service control policy", 5120, "given",
		`AWS Organizations User Guide, "Quotas and service limits for AWS Organizations": maximum size of a policy document, SCP 5,120 characters`,
		"split it into another SCP (at most 4 per target), or shorten it with wildcards in actions"}
	RCPLimit = Limit{"resource control policy", 5120, "given",
		`AWS Organizations User Guide, "Quotas and service limits for AWS Organizations": maximum size of a policy document, RCP 5,120 characters`,
		"split it into another RCP, or shorten it with wildcards in actions"}
	SCPsPerTargetLimit = Limit{"SCPs attached to one root, OU or account, besides FullAWSAccess", 4, "count",
		`AWS Organizations User Guide, "Managing policies in AWS Organizations": at most 5 SCPs attached to a root, OU or account, and AWS attaches FullAWSAccess to each`,
		"merge SCPs (each up to 5,120 characters) or attach some to an OU above the target instead"}
	SecretPolicyLimit = Limit{"Secrets Manager secret policy", 20480, "characters",
		`AWS Secrets Manager User Guide, "AWS Secrets Manager quotas": resource-based policy length, 20,480 characters`, orgScope}
)

// Limits is every limit, for the README and the tests.
var Limits = []Limit{
	BucketPolicyLimit, KeyPolicyLimit, TrustPolicyLimit, RoleInlineLimit, UserInlineLimit, GroupInlineLimit,
	ManagedPolicyLimit, ManagedPerRoleLimit, DestinationPolicyLimit, LogsResourcePolicyLimit, TopicPolicyLimit,
	QueuePolicyLimit, EventBusPolicyLimit, FunctionPolicyLimit, SCPLimit, RCPLimit, SCPsPerTargetLimit, SecretPolicyLimit,
}

// PolicySize is one measured policy (or count) of a template.
type PolicySize struct {
	Stack    string // the stack's name ("" for a bare template)
	Resource string // the logical id; for a count per SCP target, the target
	Policy   string // which document: the property, or what was summed
	Size     int
	Limit    Limit
}

// Over reports whether the policy is over its limit.
func (p PolicySize) Over() bool { return p.Size > p.Limit.Max }

func (p PolicySize) message() string {
	unit := p.Limit.Unit
	if unit == "given" {
		unit = "characters"
	}
	if unit == "count" {
		return fmt.Sprintf("%s (%s): %d, over AWS's limit of %d (%s): %s", p.Limit.Name, p.Policy, p.Size, p.Limit.Max, p.Limit.Doc, p.Limit.Fix)
	}
	return fmt.Sprintf("%s (%s) is %d %s with intrinsics at their worst case, over AWS's limit of %d (%s): %s",
		p.Limit.Name, p.Policy, p.Size, unit, p.Limit.Max, p.Limit.Doc, p.Limit.Fix)
}

// resource is one resource of a template.
type resource struct {
	Type       string
	Properties map[string]any
}

type templateJSON struct {
	Resources  map[string]resource
	Parameters map[string]map[string]any
	Mappings   map[string]any
	Outputs    map[string]any
}

// measure returns every policy and count of a template, in logical-id
// order (sums after the resources they sum).
func measure(t templateJSON) []PolicySize {
	r := &resolver{resources: t.Resources, parameters: t.Parameters, mappings: t.Mappings}
	var out []PolicySize
	add := func(id, policy string, size int, l Limit) {
		out = append(out, PolicySize{Resource: id, Policy: policy, Size: size, Limit: l})
	}
	doc := func(v any, l Limit) int { return docSize(r.resolve(v), l.Unit) }

	// Sums: a role's inline policies and managed policies, a principal's
	// inline policies, a function's and a bus's statements, a target's SCPs.
	type sum struct {
		size  int
		parts []string
	}
	inline := map[string]*sum{}  // "Role X", "User X", "Group X"
	managed := map[string]*sum{} // role key
	functions := map[string][]any{}
	buses := map[string][]any{}
	targets := map[string]*sum{}
	addTo := func(m map[string]*sum, key, part string, n int) {
		if m[key] == nil {
			m[key] = &sum{}
		}
		m[key].size += n
		m[key].parts = append(m[key].parts, part)
	}
	ids := slices.Sorted(func(yield func(string) bool) {
		for id := range t.Resources {
			if !yield(id) {
				return
			}
		}
	})
	roleNames := map[string]string{} // a role's literal RoleName -> its logical id
	for _, id := range ids {
		if res := t.Resources[id]; res.Type == "AWS::IAM::Role" {
			if name, ok := res.Properties["RoleName"].(string); ok {
				roleNames[name] = id
			}
		}
	}
	// principal names the role, user or group a policy is attached to: its
	// logical id, or its name when it is not this template's.
	principal := func(kind string, v any) string {
		if m, ok := v.(map[string]any); ok {
			if ref, ok := m["Ref"].(string); ok {
				if _, ok := t.Resources[ref]; ok {
					return kind + " " + ref
				}
			}
		}
		name := r.str(v)
		if id, ok := roleNames[name]; ok && kind == "role" {
			return "role " + id
		}
		return kind + " " + name + " (not in this template)"
	}
	list := func(v any) []any { l, _ := r.resolve(v).([]any); return l }
	rawList := func(v any) []any { l, _ := v.([]any); return l }

	for _, id := range ids {
		res := t.Resources[id]
		p := res.Properties
		switch res.Type {
		case "AWS::S3::BucketPolicy":
			add(id, "PolicyDocument", doc(p["PolicyDocument"], BucketPolicyLimit), BucketPolicyLimit)
		case "AWS::KMS::Key":
			if v, ok := p["KeyPolicy"]; ok {
				add(id, "KeyPolicy", doc(v, KeyPolicyLimit), KeyPolicyLimit)
			}
		case "AWS::IAM::Role":
			add(id, "AssumeRolePolicyDocument", doc(p["AssumeRolePolicyDocument"], TrustPolicyLimit), TrustPolicyLimit)
			for _, pol := range rawList(p["Policies"]) {
				m, _ := r.resolve(pol).(map[string]any)
				addTo(inline, "role "+id, fmt.Sprintf("Policies %v", m["PolicyName"]), docSize(m["PolicyDocument"], RoleInlineLimit.Unit))
			}
			for _, arn := range list(p["ManagedPolicyArns"]) {
				addTo(managed, "role "+id, fmt.Sprint(arn), 1)
			}
		case "AWS::IAM::Policy", "AWS::IAM::RolePolicy", "AWS::IAM::UserPolicy", "AWS::IAM::GroupPolicy":
			n := doc(p["PolicyDocument"], RoleInlineLimit)
			part := id + " (" + res.Type + ")"
			for _, role := range append(rawList(p["Roles"]), ifPresent(p["RoleName"])...) {
				addTo(inline, principal("role", role), part, n)
			}
			for _, user := range append(rawList(p["Users"]), ifPresent(p["UserName"])...) {
				addTo(inline, principal("user", user), part, n)
			}
			for _, group := range append(rawList(p["Groups"]), ifPresent(p["GroupName"])...) {
				addTo(inline, principal("group", group), part, n)
			}
		case "AWS::IAM::ManagedPolicy":
			add(id, "PolicyDocument", doc(p["PolicyDocument"], ManagedPolicyLimit), ManagedPolicyLimit)
			for _, role := range rawList(p["Roles"]) {
				addTo(managed, principal("role", role), id, 1)
			}
		case "AWS::Logs::Destination":
			add(id, "DestinationPolicy", doc(p["DestinationPolicy"], DestinationPolicyLimit), DestinationPolicyLimit)
		case "AWS::Logs::ResourcePolicy":
			add(id, "PolicyDocument", doc(p["PolicyDocument"], LogsResourcePolicyLimit), LogsResourcePolicyLimit)
		case "AWS::SNS::TopicPolicy":
			add(id, "PolicyDocument", doc(p["PolicyDocument"], TopicPolicyLimit), TopicPolicyLimit)
		case "AWS::SQS::QueuePolicy":
			add(id, "PolicyDocument", doc(p["PolicyDocument"], QueuePolicyLimit), QueuePolicyLimit)
		case "AWS::SecretsManager::ResourcePolicy":
			add(id, "ResourcePolicy", doc(p["ResourcePolicy"], SecretPolicyLimit), SecretPolicyLimit)
		case "AWS::Organizations::Policy":
			l, scp := SCPLimit, true
			switch p["Type"] {
			case "SERVICE_CONTROL_POLICY":
			case "RESOURCE_CONTROL_POLICY":
				l, scp = RCPLimit, false
			default:
				continue // tag, backup and other management policies: not palisade's
			}
			add(id, "Content", doc(p["Content"], l), l)
			if scp {
				for _, target := range list(p["TargetIds"]) {
					addTo(targets, fmt.Sprint(target), id, 1)
				}
			}
		case "AWS::Lambda::Permission":
			key := logicalKey(p["FunctionName"])
			functions[key] = append(functions[key], lambdaStatement(r, p))
		case "AWS::Events::EventBusPolicy":
			bus := "default"
			if v, ok := p["EventBusName"]; ok {
				bus = logicalKey(v)
			}
			buses[bus] = append(buses[bus], busStatement(r, p))
		}
	}

	for _, key := range sortedKeys(inline) {
		s := inline[key]
		l := RoleInlineLimit
		switch {
		case strings.HasPrefix(key, "user "):
			l = UserInlineLimit
		case strings.HasPrefix(key, "group "):
			l = GroupInlineLimit
		}
		kind, name, _ := strings.Cut(key, " ")
		add(name, kind+" inline policies: "+strings.Join(s.parts, ", "), s.size, l)
	}
	for _, key := range sortedKeys(managed) {
		_, name, _ := strings.Cut(key, " ")
		add(name, "managed policies: "+strings.Join(managed[key].parts, ", "), managed[key].size, ManagedPerRoleLimit)
	}
	for _, key := range sortedKeys(functions) {
		policy := map[string]any{"Version": "2012-10-17", "Id": "default", "Statement": functions[key]}
		add(key, fmt.Sprintf("the function policy of %d AWS::Lambda::Permission statements", len(functions[key])), docSize(policy, FunctionPolicyLimit.Unit), FunctionPolicyLimit)
	}
	for _, key := range sortedKeys(buses) {
		policy := map[string]any{"Version": "2012-10-17", "Statement": buses[key]}
		add(key, fmt.Sprintf("the bus policy of %d AWS::Events::EventBusPolicy statements", len(buses[key])), docSize(policy, EventBusPolicyLimit.Unit), EventBusPolicyLimit)
	}
	for _, key := range sortedKeys(targets) {
		add(key, "SCPs: "+strings.Join(targets[key].parts, ", "), targets[key].size, SCPsPerTargetLimit)
	}
	return out
}

func ifPresent(v any) []any {
	if v == nil {
		return nil
	}
	return []any{v}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// logicalKey names what a property refers to: the logical id of a Ref or
// Fn::GetAtt, else the property as JSON.
func logicalKey(v any) string {
	if m, ok := v.(map[string]any); ok && len(m) == 1 {
		if ref, ok := m["Ref"].(string); ok {
			return ref
		}
		if a, ok := m["Fn::GetAtt"].([]any); ok && len(a) == 2 {
			if id, ok := a[0].(string); ok {
				return id
			}
		}
		if a, ok := m["Fn::GetAtt"].(string); ok {
			id, _, _ := strings.Cut(a, ".")
			return id
		}
	}
	if s, ok := v.(string); ok {
		return s
	}
	return compact(v)
}

// docSize measures a resolved document in unit (see the top of the file).
func docSize(v any, unit string) int {
	s, isString := v.(string)
	if !isString {
		s = compact(v)
	} else if unit == "characters" {
		// IAM counts no white space between tokens: re-compact a JSON string.
		var parsed any
		if json.Unmarshal([]byte(s), &parsed) == nil {
			s = compact(parsed)
		}
	}
	if unit == "bytes" {
		return len(s)
	}
	return utf8.RuneCountInString(s)
}

// lambdaStatement is the statement Lambda adds to a function's policy for
// one AWS::Lambda::Permission, in the shape GetPolicy returns: an account
// principal becomes its root ARN, SourceArn an ArnLike condition,
// SourceAccount, PrincipalOrgID, FunctionUrlAuthType and EventSourceToken
// StringEquals conditions. The statement id is the permission's physical
// id, which CloudFormation generates: counted at StatementId's maximum, 100
// characters (Lambda API Reference, AddPermission). Lambda documents the
// 20 KB limit but not the stored shape; this is the shape its GetPolicy
// examples show.
func lambdaStatement(r *resolver, p map[string]any) map[string]any {
	principal := r.str(p["Principal"])
	var who map[string]any
	switch {
	case strings.HasSuffix(principal, ".amazonaws.com") || strings.HasSuffix(principal, ".amazonaws.com.cn"):
		who = map[string]any{"Service": principal}
	case strings.HasPrefix(principal, "arn:"):
		who = map[string]any{"AWS": principal}
	default:
		who = map[string]any{"AWS": "arn:" + pseudoLengths["AWS::Partition"] + ":iam::" + principal + ":root"}
	}
	function := r.str(p["FunctionName"])
	if !strings.HasPrefix(function, "arn:") {
		function = "arn:" + pseudoLengths["AWS::Partition"] + ":lambda:" + pseudoLengths["AWS::Region"] + ":" + pseudoLengths["AWS::AccountId"] + ":function:" + function
	}
	st := map[string]any{"Sid": fill(100), "Effect": "Allow", "Principal": who, "Action": r.str(p["Action"]), "Resource": function}
	cond := map[string]map[string]any{}
	for prop, key := range map[string][2]string{
		"SourceArn": {"ArnLike", "AWS:SourceArn"}, "SourceAccount": {"StringEquals", "AWS:SourceAccount"},
		"PrincipalOrgID": {"StringEquals", "aws:PrincipalOrgID"}, "FunctionUrlAuthType": {"StringEquals", "lambda:FunctionUrlAuthType"},
		"EventSourceToken": {"StringEquals", "lambda:EventSourceToken"},
	} {
		if v, ok := p[prop]; ok {
			if cond[key[0]] == nil {
				cond[key[0]] = map[string]any{}
			}
			cond[key[0]][key[1]] = r.str(v)
		}
	}
	if len(cond) > 0 {
		st["Condition"] = cond
	}
	return st
}

// busStatement is the statement one AWS::Events::EventBusPolicy adds to its
// bus's policy: its Statement, or the statement EventBridge builds from
// Action, Principal and Condition (the legacy form: PutPermission).
func busStatement(r *resolver, p map[string]any) any {
	if st, ok := p["Statement"]; ok {
		return r.resolve(st)
	}
	partition := pseudoLengths["AWS::Partition"]
	principal := r.str(p["Principal"])
	if principal != "*" {
		principal = "arn:" + partition + ":iam::" + principal + ":root"
	}
	bus := fill(256)
	if v, ok := p["EventBusName"]; ok {
		bus = r.str(v)
	}
	st := map[string]any{"Sid": r.str(p["StatementId"]), "Effect": "Allow", "Principal": map[string]any{"AWS": principal},
		"Action": r.str(p["Action"]), "Resource": "arn:" + partition + ":events:" + pseudoLengths["AWS::Region"] + ":" + pseudoLengths["AWS::AccountId"] + ":event-bus/" + bus}
	if c, ok := p["Condition"].(map[string]any); ok {
		st["Condition"] = map[string]any{r.str(c["Type"]): map[string]any{r.str(c["Key"]): r.str(c["Value"])}}
	}
	return st
}
