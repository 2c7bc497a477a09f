package gates

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Worst-case resolution of CloudFormation intrinsics, so that a policy can
// be measured before CloudFormation resolves it: every value a template
// leaves to deploy time is replaced by a string of the longest length AWS
// allows for it. The rule, deterministic (no account, region or stack of
// the synth enters it):
//
//   - A pseudo parameter is its longest value (pseudoLengths).
//   - A Ref or Fn::GetAtt of a resource of the template is what that
//     resource type returns (refShapes): a name, an id or an ARN, built
//     from the resource's own name property when the template gives it
//     (itself resolved the same way), else from a name of the longest
//     length the service allows.
//   - A Ref of a parameter is its Default when it has one (as CDK's
//     bootstrap-version parameter does), else MaxLength characters, else
//     unknownLength.
//   - Anything else (another type, Fn::ImportValue, Fn::GetStackOutput, a
//     Fn::FindInMap that does not resolve) is unknownLength characters.
//   - Fn::Join, Fn::Sub, Fn::Select, Fn::Split and Fn::FindInMap are
//     evaluated on the resolved values; Fn::If is whichever branch is
//     longer once resolved; a Ref to AWS::NoValue removes the key or list
//     element; Fn::ToJsonString is the resolved value as compact JSON.
//
// Filler characters are "x", so a resolved ARN keeps its colons and
// slashes (Fn::Split and Fn::Select still see its fields).

// unknownLength is the length of a value the resolver cannot bound better:
// 2,048 characters, the longest ARN IAM's APIs accept (for example
// PolicyArn and RoleArn, "Length Constraints: Minimum length of 20.
// Maximum length of 2048", IAM API Reference, AttachRolePolicy), so that
// an unknown reference can only make a policy look larger than it is.
const unknownLength = 2048

// pseudoLengths are the pseudo parameters' longest values.
var pseudoLengths = map[string]string{
	// An account id is 12 digits (AWS Account Management Reference Guide,
	// "View AWS account identifiers").
	"AWS::AccountId": fill(12),
	// The longest Region codes are 14 characters (ap-southeast-4,
	// ap-northeast-3, us-isob-east-1: AWS General Reference, "AWS
	// Regions"); a Region launched later with a longer code would need
	// this raised.
	"AWS::Region": "xx-xxxxxxxxx-1",
	// aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, ...: aws-us-gov is the
	// longest (AWS General Reference, "Amazon Resource Names (ARNs)").
	"AWS::Partition": "aws-us-gov",
	// amazonaws.com or amazonaws.com.cn (CloudFormation User Guide,
	// "Pseudo parameters reference", AWS::URLSuffix).
	"AWS::URLSuffix": "amazonaws.com.cn",
	// A stack name is at most 128 characters (CloudFormation User Guide,
	// CreateStack: StackName, "no longer than 128 characters").
	"AWS::StackName": fill(128),
}

func init() {
	pseudoLengths["AWS::StackId"] = "arn:" + pseudoLengths["AWS::Partition"] + ":cloudformation:" + pseudoLengths["AWS::Region"] + ":" +
		pseudoLengths["AWS::AccountId"] + ":stack/" + pseudoLengths["AWS::StackName"] + "/" + fill(36)
}

// shape is how a resource type answers Ref and Fn::GetAtt: names its name
// property and the longest name the service allows, and each answer is a
// pattern in which {P}, {R}, {A} are the partition, Region and account,
// {name} the resource's name and {path} its IAM path.
type shape struct {
	nameProp string // the property naming the resource, or ""
	nameMax  int    // the longest name (or id) AWS allows
	ref      string // what Ref returns
	attrs    map[string]string
}

// refShapes: each length from the service's API reference (the
// create call's name parameter).
var refShapes = map[string]shape{
	// Bucket names: 3 to 63 characters (Amazon S3 User Guide, "General
	// purpose bucket naming rules").
	"AWS::S3::Bucket": {nameProp: "BucketName", nameMax: 63, ref: "{name}", attrs: map[string]string{
		"Arn": "arn:{P}:s3:::{name}", "DomainName": "{name}.s3.{U}", "RegionalDomainName": "{name}.s3.{R}.{U}",
	}},
	// Role name 64, path 512 characters (IAM User Guide, "IAM and AWS STS
	// quotas", IAM and STS character quotas); RoleId 128 (unique ids).
	"AWS::IAM::Role": {nameProp: "RoleName", nameMax: 64, ref: "{name}", attrs: map[string]string{
		"Arn": "arn:{P}:iam::{A}:role{path}{name}", "RoleId": fill(128),
	}},
	// Policy name 128 characters (same quotas page); Ref is the ARN.
	"AWS::IAM::ManagedPolicy": {nameProp: "ManagedPolicyName", nameMax: 128, ref: "arn:{P}:iam::{A}:policy{path}{name}", attrs: map[string]string{
		"PolicyArn": "arn:{P}:iam::{A}:policy{path}{name}", "PolicyId": fill(128),
	}},
	"AWS::IAM::Policy":          {nameProp: "PolicyName", nameMax: 128, ref: "{name}", attrs: map[string]string{"Id": fill(128)}},
	"AWS::IAM::InstanceProfile": {nameProp: "InstanceProfileName", nameMax: 128, ref: "{name}", attrs: map[string]string{"Arn": "arn:{P}:iam::{A}:instance-profile{path}{name}"}},
	// A key id is a UUID, 36 characters, or mrk- and 32 hex digits for a
	// multi-Region key, also 36 (AWS KMS Developer Guide, "Key
	// identifiers (KeyId)").
	"AWS::KMS::Key":   {nameMax: 36, ref: "{name}", attrs: map[string]string{"Arn": "arn:{P}:kms:{R}:{A}:key/{name}", "KeyId": "{name}"}},
	"AWS::KMS::Alias": {nameProp: "AliasName", nameMax: 256, ref: "{name}"},
	// Function name 64 characters (Lambda API Reference, CreateFunction:
	// FunctionName).
	"AWS::Lambda::Function": {nameProp: "FunctionName", nameMax: 64, ref: "{name}", attrs: map[string]string{"Arn": "arn:{P}:lambda:{R}:{A}:function:{name}"}},
	// Log group name 512 characters (CloudWatch Logs API Reference,
	// CreateLogGroup: logGroupName).
	"AWS::Logs::LogGroup": {nameProp: "LogGroupName", nameMax: 512, ref: "{name}", attrs: map[string]string{"Arn": "arn:{P}:logs:{R}:{A}:log-group:{name}:*"}},
	// Destination name 512 characters (PutDestination: destinationName).
	"AWS::Logs::Destination": {nameProp: "DestinationName", nameMax: 512, ref: "{name}", attrs: map[string]string{"Arn": "arn:{P}:logs:{R}:{A}:destination:{name}"}},
	// Topic name 256 characters (Amazon SNS API Reference, CreateTopic:
	// Name); Ref is the ARN.
	"AWS::SNS::Topic": {nameProp: "TopicName", nameMax: 256, ref: "arn:{P}:sns:{R}:{A}:{name}", attrs: map[string]string{
		"TopicArn": "arn:{P}:sns:{R}:{A}:{name}", "TopicName": "{name}",
	}},
	// Queue name 80 characters (Amazon SQS API Reference, CreateQueue:
	// QueueName); Ref is the queue URL.
	"AWS::SQS::Queue": {nameProp: "QueueName", nameMax: 80, ref: "https://sqs.{R}.{U}/{A}/{name}", attrs: map[string]string{
		"Arn": "arn:{P}:sqs:{R}:{A}:{name}", "QueueName": "{name}", "QueueUrl": "https://sqs.{R}.{U}/{A}/{name}",
	}},
	// Delivery stream name 64 characters (Firehose API Reference,
	// CreateDeliveryStream: DeliveryStreamName).
	"AWS::KinesisFirehose::DeliveryStream": {nameProp: "DeliveryStreamName", nameMax: 64, ref: "{name}", attrs: map[string]string{"Arn": "arn:{P}:firehose:{R}:{A}:deliverystream/{name}"}},
	// Project name 255 characters (CodeBuild API Reference, CreateProject:
	// name).
	"AWS::CodeBuild::Project": {nameProp: "Name", nameMax: 255, ref: "{name}", attrs: map[string]string{"Arn": "arn:{P}:codebuild:{R}:{A}:project/{name}"}},
	// Pipeline name 100 characters (CodePipeline API Reference,
	// PipelineDeclaration: name).
	"AWS::CodePipeline::Pipeline": {nameProp: "Name", nameMax: 100, ref: "{name}"},
	// Detector id: "Length Constraints: Minimum length of 1. Maximum
	// length of 300" (GuardDuty API Reference, GetDetector: detectorId).
	"AWS::GuardDuty::Detector": {nameMax: 300, ref: "{name}"},
	// Event bus name 256 characters (EventBridge API Reference,
	// CreateEventBus: Name).
	"AWS::Events::EventBus": {nameProp: "Name", nameMax: 256, ref: "{name}", attrs: map[string]string{"Arn": "arn:{P}:events:{R}:{A}:event-bus/{name}", "Name": "{name}"}},
	"AWS::Events::Rule":     {nameProp: "Name", nameMax: 64, ref: "{name}", attrs: map[string]string{"Arn": "arn:{P}:events:{R}:{A}:rule/{name}"}},
	// Secret name 512 characters, and Secrets Manager appends a hyphen
	// and six characters to the ARN (Secrets Manager API Reference,
	// CreateSecret: Name).
	"AWS::SecretsManager::Secret": {nameProp: "Name", nameMax: 512, ref: "arn:{P}:secretsmanager:{R}:{A}:secret:{name}-xxxxxx"},
	// Security group id: sg- and 17 hexadecimal characters (Amazon EC2
	// User Guide, "Resource IDs").
	"AWS::EC2::VPC":           {nameMax: 21, ref: "vpc-{name}", attrs: map[string]string{"DefaultSecurityGroup": "sg-" + fill(17)}},
	"AWS::EC2::SecurityGroup": {nameMax: 17, ref: "sg-{name}", attrs: map[string]string{"GroupId": "sg-{name}"}},
	// An SSM parameter name is at most 2,048 characters, with its path
	// (Systems Manager API Reference, PutParameter: Name).
	"AWS::SSM::Parameter": {nameProp: "Name", nameMax: 2048, ref: "{name}"},
}

func fill(n int) string { return strings.Repeat("x", n) }

// resolver resolves one template's intrinsics to their worst case.
type resolver struct {
	resources  map[string]resource
	parameters map[string]map[string]any
	mappings   map[string]any
	depth      int
}

// noValue stands for Ref AWS::NoValue until its key or element is dropped.
type noValue struct{}

// resolve returns v with every intrinsic replaced by its worst case.
func (r *resolver) resolve(v any) any {
	r.depth++
	defer func() { r.depth-- }()
	if r.depth > 64 { // a name that refers to itself
		return fill(unknownLength)
	}
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 1 {
			for k, arg := range x {
				if out, ok := r.intrinsic(k, arg); ok {
					return out
				}
			}
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			if e = r.resolve(e); e != (noValue{}) {
				out[k] = e
			}
		}
		return out
	case []any:
		out := make([]any, 0, len(x))
		for _, e := range x {
			if e = r.resolve(e); e != (noValue{}) {
				out = append(out, e)
			}
		}
		return out
	}
	return v
}

// str is v resolved and made a string, as CloudFormation would where a
// string is expected.
func (r *resolver) str(v any) string {
	switch s := r.resolve(v).(type) {
	case string:
		return s
	case float64, bool:
		return fmt.Sprint(s)
	case noValue:
		return ""
	default:
		return fill(unknownLength)
	}
}

// list is v resolved as a list of strings (Fn::Join's, Fn::Select's).
func (r *resolver) list(v any) []any {
	if l, ok := r.resolve(v).([]any); ok {
		return l
	}
	return []any{fill(unknownLength)}
}

func (r *resolver) intrinsic(fn string, arg any) (any, bool) {
	args, _ := arg.([]any)
	switch fn {
	case "Ref":
		name, _ := arg.(string)
		return r.ref(name), true
	case "Fn::GetAtt":
		var id, attr string
		switch a := arg.(type) {
		case string:
			id, attr, _ = strings.Cut(a, ".")
		case []any:
			if len(a) == 2 {
				id, _ = a[0].(string)
				attr = r.str(a[1])
			}
		}
		return r.getAtt(id, attr), true
	case "Fn::Join":
		if len(args) != 2 {
			return fill(unknownLength), true
		}
		sep := r.str(args[0])
		var parts []string
		for _, e := range r.list(args[1]) {
			parts = append(parts, r.str(e))
		}
		return strings.Join(parts, sep), true
	case "Fn::Sub":
		return r.sub(arg), true
	case "Fn::Select":
		if len(args) != 2 {
			return fill(unknownLength), true
		}
		l := r.list(args[1])
		var i int
		if _, err := fmt.Sscan(r.str(args[0]), &i); err == nil && i >= 0 && i < len(l) {
			return l[i], true
		}
		return longest(l), true
	case "Fn::Split":
		if len(args) != 2 {
			return []any{fill(unknownLength)}, true
		}
		var out []any
		for _, p := range strings.Split(r.str(args[1]), r.str(args[0])) {
			out = append(out, p)
		}
		return out, true
	case "Fn::If":
		if len(args) != 3 {
			return fill(unknownLength), true
		}
		return longest([]any{r.resolve(args[1]), r.resolve(args[2])}), true
	case "Fn::FindInMap":
		if len(args) == 3 {
			m, _ := r.mappings[r.str(args[0])].(map[string]any)
			if m2, ok := m[r.str(args[1])].(map[string]any); ok {
				if v, ok := m2[r.str(args[2])]; ok {
					return r.resolve(v), true
				}
			}
		}
		return fill(unknownLength), true
	case "Fn::ToJsonString":
		return compact(r.resolve(arg)), true
	case "Fn::ImportValue", "Fn::GetStackOutput", "Fn::Base64", "Fn::GetAZs", "Fn::Cidr", "Fn::Length":
		return fill(unknownLength), true
	}
	return nil, false
}

// ref resolves a Ref to a pseudo parameter, parameter or resource.
func (r *resolver) ref(name string) any {
	if name == "AWS::NoValue" {
		return noValue{}
	}
	if v, ok := pseudoLengths[name]; ok {
		return v
	}
	if p, ok := r.parameters[name]; ok {
		if d, ok := p["Default"]; ok {
			return r.str(d)
		}
		if n, ok := p["MaxLength"].(float64); ok {
			return fill(int(n))
		}
		return fill(unknownLength)
	}
	res, ok := r.resources[name]
	if !ok {
		return fill(unknownLength)
	}
	sh, ok := refShapes[res.Type]
	if !ok {
		return fill(unknownLength)
	}
	return r.expand(sh.ref, res, sh)
}

func (r *resolver) getAtt(id, attr string) any {
	res, ok := r.resources[id]
	if !ok {
		return fill(unknownLength)
	}
	sh, ok := refShapes[res.Type]
	if !ok {
		return fill(unknownLength)
	}
	pattern, ok := sh.attrs[attr]
	if !ok {
		return fill(unknownLength)
	}
	return r.expand(pattern, res, sh)
}

// expand fills a shape's pattern for one resource.
func (r *resolver) expand(pattern string, res resource, sh shape) string {
	name := fill(sh.nameMax)
	if v, ok := res.Properties[sh.nameProp]; ok && sh.nameProp != "" {
		name = r.str(v)
	}
	path := "/"
	if v, ok := res.Properties["Path"]; ok {
		path = r.str(v)
	}
	return strings.NewReplacer(
		"{P}", pseudoLengths["AWS::Partition"], "{R}", pseudoLengths["AWS::Region"],
		"{A}", pseudoLengths["AWS::AccountId"], "{U}", pseudoLengths["AWS::URLSuffix"],
		"{name}", name, "{path}", path,
	).Replace(pattern)
}

var subVar = regexp.MustCompile(`\$\{([^}]*)\}`)

// sub evaluates Fn::Sub: "${Name}" and "${Name.Attr}" as Ref and GetAtt
// (or the variables the second form names), "${!Literal}" as "${Literal}".
func (r *resolver) sub(arg any) string {
	var (
		text string
		vars map[string]any
	)
	switch a := arg.(type) {
	case string:
		text = a
	case []any:
		if len(a) != 2 {
			return fill(unknownLength)
		}
		text, _ = a[0].(string)
		vars, _ = a[1].(map[string]any)
	}
	return subVar.ReplaceAllStringFunc(text, func(m string) string {
		name := m[2 : len(m)-1]
		if strings.HasPrefix(name, "!") {
			return "${" + name[1:] + "}"
		}
		if v, ok := vars[name]; ok {
			return r.str(v)
		}
		if id, attr, ok := strings.Cut(name, "."); ok {
			return r.str(r.getAtt(id, attr))
		}
		return r.str(r.ref(name))
	})
}

// longest is the element of l whose compact JSON is longest (the first of
// equals), so that Fn::If and an unknown Fn::Select err on the large side.
func longest(l []any) any {
	if len(l) == 0 {
		return ""
	}
	return slices.MaxFunc(l, func(a, b any) int { return len(compact(a)) - len(compact(b)) })
}

// compact is v as CloudFormation hands a JSON property to a service: JSON
// with no whitespace between tokens and no HTML escaping.
func compact(v any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fill(unknownLength)
	}
	return strings.TrimSuffix(b.String(), "\n")
}
