package access

import (
	"encoding/json"
	"strings"
	"testing"
)

func stackOf(t *testing.T, name, tmpl string) *Assembly {
	t.Helper()
	s := &Stack{Name: name, Account: "222222222222", Region: "eu-west-1"}
	if err := json.Unmarshal([]byte(tmpl), s); err != nil {
		t.Fatal(err)
	}
	return &Assembly{Stacks: map[string]*Stack{name: s}}
}

const archive = `{"Resources": {
  "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "org-logs-222222222222-eu-west-1",
    "BucketEncryption": {"ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"KMSMasterKeyID": {"Fn::GetAtt": ["Key", "Arn"]}, "SSEAlgorithm": "aws:kms"}}]}}},
  "Key": {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": {"Statement": [{"Effect": "Allow", "Action": "kms:GenerateDataKey",
    "Principal": {"Service": "delivery.logs.amazonaws.com"}, "Resource": "*",
    "Condition": {"StringEquals": {"kms:ViaService": {"Fn::Join": ["", ["s3.", {"Fn::Select": [3, {"Fn::Split": [":", {"Fn::GetAtt": ["Key", "Arn"]}]}]}, ".amazonaws.com"]]}}}}]}}},
  "Alias": {"Type": "AWS::KMS::Alias", "Properties": {"AliasName": "alias/org-log-archive", "TargetKeyId": {"Fn::GetAtt": ["Key", "Arn"]}}},
  "Policy": {"Type": "AWS::S3::BucketPolicy", "Properties": {"Bucket": {"Ref": "Bucket"}, "PolicyDocument": {"Statement": [
    {"Effect": "Allow", "Action": "s3:PutObject", "Principal": {"Service": "delivery.logs.amazonaws.com"},
     "Resource": {"Fn::Join": ["", [{"Fn::GetAtt": ["Bucket", "Arn"]}, "/AWSLogs/", {"Ref": "AWS::AccountId"}, "/*"]]}},
    {"Effect": "Allow", "Action": "s3:GetBucketAcl", "Principal": {"Service": "delivery.logs.amazonaws.com"},
     "Resource": {"Fn::Sub": "arn:${AWS::Partition}:s3:::${Bucket}"}}]}}},
  "Role": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": "drain",
    "AssumeRolePolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "logs.amazonaws.com"}}]},
    "ManagedPolicyArns": [{"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::aws:policy/ReadOnlyAccess"]]}]}},
  "RolePolicy": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"Roles": [{"Ref": "Role"}], "PolicyDocument": {"Statement": [
    {"Effect": "Allow", "Action": "firehose:PutRecord", "Resource": {"Fn::GetAtt": ["Stream", "Arn"]}}]}}},
  "Stream": {"Type": "AWS::KinesisFirehose::DeliveryStream", "Properties": {}},
  "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"KmsMasterKeyId": {"Fn::GetAtt": ["Key", "Arn"]}}},
  "TopicPolicy": {"Type": "AWS::SNS::TopicPolicy", "Properties": {"Topics": [{"Ref": "Topic"}], "PolicyDocument": {"Statement": []}}},
  "SCP": {"Type": "AWS::Organizations::Policy", "Properties": {"Type": "SERVICE_CONTROL_POLICY", "Name": "Guard", "TargetIds": ["r-abcd"],
    "Content": {"Statement": [{"Effect": "Deny", "Action": "cloudtrail:StopLogging", "Resource": "*"}]}}}
}}`

// TestExtract: every policy lands under the ARN AWS evaluates it for, with
// its intrinsics resolved to real names.
func TestExtract(t *testing.T) {
	a := stackOf(t, "org-logarchive-security-eu-west-1", archive)
	p, err := Extract(a)
	if err != nil {
		t.Fatal(err)
	}
	key := "arn:aws:kms:eu-west-1:222222222222:key/org-logarchive-security-eu-west-1-Key"
	if got := p.Aliases["arn:aws:kms:eu-west-1:222222222222:alias/org-log-archive"]; got != key {
		t.Errorf("alias -> %q, want %q", got, key)
	}
	if !strings.Contains(p.Keys[key], `"kms:ViaService":"s3.eu-west-1.amazonaws.com"`) {
		t.Errorf("key policy's Fn::Select/Fn::Split not resolved: %s", p.Keys[key])
	}
	bp := p.Buckets["org-logs-222222222222-eu-west-1"]
	for _, want := range []string{`arn:aws:s3:::org-logs-222222222222-eu-west-1/AWSLogs/222222222222/*`, `"Resource":"arn:aws:s3:::org-logs-222222222222-eu-west-1"`} {
		if !strings.Contains(bp, want) {
			t.Errorf("bucket policy lacks %s: %s", want, bp)
		}
	}
	role := "arn:aws:iam::222222222222:role/drain"
	if !strings.Contains(p.Trust[role], "logs.amazonaws.com") {
		t.Errorf("trust policy of %s: %q", role, p.Trust[role])
	}
	if len(p.Identity[role]) != 1 || !strings.Contains(p.Identity[role][0], "arn:aws:firehose:eu-west-1:222222222222:deliverystream/org-logarchive-security-eu-west-1-Stream") {
		t.Errorf("identity policies of %s: %v", role, p.Identity[role])
	}
	if got := p.AWSManaged[role]; len(got) != 1 || got[0] != "arn:aws:iam::aws:policy/ReadOnlyAccess" {
		t.Errorf("AWS managed policies of %s: %v", role, got)
	}
	topic := "arn:aws:sns:eu-west-1:222222222222:org-logarchive-security-eu-west-1-Topic"
	if _, ok := p.Topics[topic]; !ok || p.TopicKeys[topic] != key {
		t.Errorf("topic %s: policy %v, key %q", topic, p.Topics, p.TopicKeys[topic])
	}
	if len(p.SCPs) != 1 || p.SCPs[0].Targets[0] != "r-abcd" || !strings.Contains(p.SCPs[0].Content, "cloudtrail:StopLogging") {
		t.Errorf("SCPs = %+v", p.SCPs)
	}
}

// TestResolveRefusesWhatItCannotResolve: a policy is never evaluated with a
// placeholder in it.
func TestResolveRefusesWhatItCannotResolve(t *testing.T) {
	a := stackOf(t, "s", `{"Resources": {"P": {"Type": "AWS::S3::BucketPolicy", "Properties": {"Bucket": {"Ref": "Missing"}, "PolicyDocument": {}}},
	  "Q": {"Type": "AWS::SNS::TopicPolicy", "Properties": {"Topics": [{"Fn::ImportValue": "x"}], "PolicyDocument": {}}}}}`)
	_, err := Extract(a)
	if err == nil || !strings.Contains(err.Error(), "Missing") || !strings.Contains(err.Error(), "Fn::ImportValue") {
		t.Fatalf("err = %v, want both the missing Ref and the unknown intrinsic named", err)
	}
}

// TestGetStackOutput: a cross-stack reference resolves in the stack that
// exports it.
func TestGetStackOutput(t *testing.T) {
	a := stackOf(t, "archive", `{"Resources": {"Key": {"Type": "AWS::KMS::Key", "Properties": {}}},
	  "Outputs": {"KeyArn": {"Value": {"Fn::GetAtt": ["Key", "Arn"]}}}}`)
	other := &Stack{Name: "detect", Account: "222222222222", Region: "eu-west-1"}
	a.Stacks["detect"] = other
	v, err := a.Resolve(other, map[string]any{"Fn::GetStackOutput": map[string]any{"StackName": "archive", "OutputName": "KeyArn"}})
	if err != nil || v != "arn:aws:kms:eu-west-1:222222222222:key/archive-Key" {
		t.Fatalf("got %v, %v", v, err)
	}
}

func TestWildMatch(t *testing.T) {
	for _, c := range []struct {
		pat, s string
		want   bool
	}{
		{"cloudtrail:*", "cloudtrail:stoplogging", true},
		{"cloudtrail:stop*", "cloudtrail:stoplogging", true},
		{"cloudtrail:stop*", "cloudtrail:deletetrail", false},
		{"config:?utconfigurationrecorder", "config:putconfigurationrecorder", true},
		{"*", "anything", true},
		{"s3:get*", "s3:put", false},
	} {
		if got := wildMatch(c.pat, c.s); got != c.want {
			t.Errorf("wildMatch(%q, %q) = %v", c.pat, c.s, got)
		}
	}
}

// TestRowOK: a row fails when the decision is not its verdict, and a gap
// row is shown but never counted.
func TestRowOK(t *testing.T) {
	rows := []Row{
		{Name: "a", Want: Allowed, Got: "Allowed"},
		{Name: "b", Want: Allowed, Got: "ImplicitlyDenied"},
		{Name: "c", Want: Denied, Got: "ExplicitlyDenied"},
		{Name: "d", Want: Denied, Got: "Allowed"},
		{Name: "e", Want: Denied, Got: "Allowed", Gap: "engine"},
	}
	bad := Failed(rows)
	if len(bad) != 2 || bad[0].Name != "b" || bad[1].Name != "d" {
		t.Fatalf("Failed = %v", bad)
	}
	var b strings.Builder
	Print(&b, rows, true)
	out := b.String()
	if !strings.Contains(out, "RED b") || !strings.Contains(out, "GAP e") || strings.Contains(out, "ok a") {
		t.Errorf("table:\n%s", out)
	}
}
