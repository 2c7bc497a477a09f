package emulator_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/palisade-sec/palisade/test/emulator"
)

// shared is the emulator the tests share, each starting from a reset.
var shared struct {
	once sync.Once
	dir  string
	emu  *emulator.Emulator
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.emu != nil {
		shared.emu.Stop()
	}
	if shared.dir != "" && code == 0 {
		os.RemoveAll(shared.dir)
	}
	os.Exit(code)
}

// start returns the shared emulator, reset, or fails the test saying what
// is missing.
func start(t *testing.T) *emulator.Emulator {
	t.Helper()
	shared.once.Do(func() {
		shared.dir, shared.err = os.MkdirTemp("", "emulator-test-")
		if shared.err == nil {
			shared.emu, shared.err = startNew(shared.dir)
		}
	})
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	if err := shared.emu.Reset(context.Background()); err != nil {
		t.Fatal(err)
	}
	// The tests of this package call the emulator one call at a time, so
	// no write of theirs overlaps another in time; the window in which an
	// Organizations write stays in flight (0.25 s by default, for the
	// lane's parallel stacks) would only make each of their writes sleep.
	// Overlap within one stack operation is refused whatever the window;
	// the test of overlap in time (TestConcurrentOrganizationsWrites) sets
	// its own window.
	if err := shared.emu.Set(context.Background(), map[string]any{"organizationsWriteSeconds": 0}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("emulator log %s ends:\n%s", shared.emu.LogPath, shared.emu.Tail(40))
		}
	})
	return shared.emu
}

func startNew(dir string) (*emulator.Emulator, error) {
	if out, err := exec.Command("python3", "-c", "import moto; print(moto.__version__)").Output(); err != nil || strings.TrimSpace(string(out)) != "5.2.1" {
		return nil, fmt.Errorf(`the emulator needs python3 with moto 5.2.1 (found %q): pip install "moto[server]==5.2.1"`, strings.TrimSpace(string(out)))
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return emulator.Start(ctx, filepath.Join(dir, "moto.log"))
}

func config(emu *emulator.Emulator) aws.Config {
	return aws.Config{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(emu.Endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIAEMULATORTEST", "fake", ""),
		Retryer:      emulator.Retryer,
	}
}

// The template holds one resource of every type the launcher models or
// completes, wired the way CDK wires them.
const template = `{
  "Resources": {
    "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.9.0.0/16", "EnableDnsHostnames": true, "EnableDnsSupport": true}},
    "Subnet": {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.9.0.0/24", "AvailabilityZone": "us-east-1a"}},
    "Acl": {"Type": "AWS::EC2::NetworkAcl", "Properties": {"VpcId": {"Ref": "Vpc"}}},
    "AclIn": {"Type": "AWS::EC2::NetworkAclEntry", "Properties": {"NetworkAclId": {"Ref": "Acl"}, "RuleNumber": 100,
      "Protocol": 6, "RuleAction": "allow", "Egress": false, "CidrBlock": "0.0.0.0/0", "PortRange": {"From": 443, "To": 443}}},
    "AclAssoc": {"Type": "AWS::EC2::SubnetNetworkAclAssociation", "Properties": {"NetworkAclId": {"Ref": "Acl"}, "SubnetId": {"Ref": "Subnet"}}},
    "Group": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"GroupDescription": "https out", "VpcId": {"Ref": "Vpc"},
      "SecurityGroupEgress": [{"CidrIp": "0.0.0.0/0", "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443}]}},
    "RestrictDefault": {"Type": "Custom::VpcRestrictDefaultSG", "Properties": {"ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:none",
      "DefaultSecurityGroupId": {"Fn::GetAtt": ["Vpc", "DefaultSecurityGroup"]}}},
    "Bpa": {"Type": "AWS::EC2::VPCBlockPublicAccessOptions", "Properties": {"InternetGatewayBlockMode": "block-ingress"}},
    "Key": {"Type": "AWS::KMS::Key", "Properties": {"EnableKeyRotation": true, "KeyPolicy": {"Version": "2012-10-17",
      "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "kms:*", "Resource": "*"}]}}},
    "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"VersioningConfiguration": {"Status": "Enabled"},
      "PublicAccessBlockConfiguration": {"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true}}},
    "BucketPolicy": {"Type": "AWS::S3::BucketPolicy", "Properties": {"Bucket": {"Ref": "Bucket"}, "PolicyDocument": {"Version": "2012-10-17",
      "Statement": [{"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "s3:*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}}},
    "Logs": {"Type": "AWS::Logs::LogGroup", "Properties": {"KmsKeyId": {"Fn::GetAtt": ["Key", "Arn"]}, "RetentionInDays": 30}},
    "Policy": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": {"Version": "2012-10-17",
      "Statement": [{"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "*"}]}}},
    "Role": {"Type": "AWS::IAM::Role", "Properties": {"ManagedPolicyArns": [{"Ref": "Policy"}], "AssumeRolePolicyDocument": {"Version": "2012-10-17",
      "Statement": [{"Effect": "Allow", "Principal": {"Service": "vpc-flow-logs.amazonaws.com"}, "Action": "sts:AssumeRole"}]}}}
  }
}`

// TestModels deploys the template through a change set, as the CDK CLI
// does, and reads every resource back through its service's API.
func TestModels(t *testing.T) {
	emu := start(t)
	ctx := context.Background()
	cfg := config(emu)
	cfn := cloudformation.NewFromConfig(cfg)

	if _, err := cfn.CreateChangeSet(ctx, &cloudformation.CreateChangeSetInput{
		StackName: aws.String("models"), ChangeSetName: aws.String("cdk-deploy-change-set"),
		ChangeSetType: cfntypes.ChangeSetTypeCreate, TemplateBody: aws.String(template),
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := cfn.ExecuteChangeSet(ctx, &cloudformation.ExecuteChangeSetInput{
		StackName: aws.String("models"), ChangeSetName: aws.String("cdk-deploy-change-set"),
	}); err != nil {
		t.Fatal(err)
	}
	res := map[string]string{}
	list, err := cfn.ListStackResources(ctx, &cloudformation.ListStackResourcesInput{StackName: aws.String("models")})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range list.StackResourceSummaries {
		res[aws.ToString(r.LogicalResourceId)] = aws.ToString(r.PhysicalResourceId)
	}
	var tmpl struct{ Resources map[string]any }
	if err := json.Unmarshal([]byte(template), &tmpl); err != nil {
		t.Fatal(err)
	}
	for id := range tmpl.Resources {
		if res[id] == "" {
			t.Errorf("%s was not created", id)
		}
	}

	e := ec2.NewFromConfig(cfg)
	t.Run("VPC DNS attributes", func(t *testing.T) {
		a, err := e.DescribeVpcAttribute(ctx, &ec2.DescribeVpcAttributeInput{VpcId: aws.String(res["Vpc"]), Attribute: ec2types.VpcAttributeNameEnableDnsHostnames})
		if err != nil || !aws.ToBool(a.EnableDnsHostnames.Value) {
			t.Errorf("DNS hostnames not on: %v", err)
		}
	})
	t.Run("network ACL", func(t *testing.T) {
		d, err := e.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{NetworkAclIds: []string{res["Acl"]}})
		if err != nil {
			t.Fatal(err)
		}
		acl := d.NetworkAcls[0]
		if len(acl.Associations) != 1 || aws.ToString(acl.Associations[0].SubnetId) != res["Subnet"] {
			t.Errorf("associations %+v, want the subnet %s", acl.Associations, res["Subnet"])
		}
		if len(acl.Entries) != 1 || aws.ToInt32(acl.Entries[0].RuleNumber) != 100 || aws.ToInt32(acl.Entries[0].PortRange.From) != 443 {
			t.Errorf("entries %+v, want rule 100 for port 443", acl.Entries)
		}
	})
	t.Run("security groups", func(t *testing.T) {
		d, err := e.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []ec2types.Filter{{Name: aws.String("vpc-id"), Values: []string{res["Vpc"]}}}})
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range d.SecurityGroups {
			switch aws.ToString(g.GroupId) {
			case res["RestrictDefault"]:
				if len(g.IpPermissions)+len(g.IpPermissionsEgress) != 0 {
					t.Errorf("default group keeps rules: %+v %+v", g.IpPermissions, g.IpPermissionsEgress)
				}
			case res["Group"]:
				if len(g.IpPermissionsEgress) != 1 || aws.ToInt32(g.IpPermissionsEgress[0].FromPort) != 443 {
					t.Errorf("egress %+v, want only TCP 443", g.IpPermissionsEgress)
				}
			}
		}
	})
	t.Run("bucket", func(t *testing.T) {
		s := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
		b := aws.String(res["Bucket"])
		if v, err := s.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: b}); err != nil || v.Status != "Enabled" {
			t.Errorf("versioning %v: %v", v, err)
		}
		if p, err := s.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: b}); err != nil || !aws.ToBool(p.PublicAccessBlockConfiguration.RestrictPublicBuckets) {
			t.Errorf("public access block: %v", err)
		}
		if p, err := s.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: b}); err != nil || !strings.Contains(aws.ToString(p.Policy), "SecureTransport") {
			t.Errorf("bucket policy: %v", err)
		}
		// The TLS-only deny is conditional: it must not deny every request.
		if _, err := s.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("k"), Body: strings.NewReader("v")}); err != nil {
			t.Errorf("PutObject under a conditional deny: %v", err)
		}
	})
	t.Run("KMS key and log group", func(t *testing.T) {
		k := kms.NewFromConfig(cfg)
		if _, err := k.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(res["Key"])}); err != nil {
			t.Errorf("DescribeKey: %v", err)
		}
		if r, err := k.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: aws.String(res["Key"])}); err != nil || !r.KeyRotationEnabled {
			t.Errorf("rotation: %v", err)
		}
		g, err := cloudwatchlogs.NewFromConfig(cfg).DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String(res["Logs"])})
		if err != nil || len(g.LogGroups) != 1 || !strings.HasSuffix(aws.ToString(g.LogGroups[0].KmsKeyId), res["Key"]) {
			t.Errorf("log group %+v: %v, want encrypted with %s", g, err, res["Key"])
		}
	})
	t.Run("role managed policies", func(t *testing.T) {
		a, err := iam.NewFromConfig(cfg).ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(res["Role"])})
		if err != nil || len(a.AttachedPolicies) != 1 || aws.ToString(a.AttachedPolicies[0].PolicyArn) != res["Policy"] {
			t.Errorf("attached %+v: %v, want %s", a, err, res["Policy"])
		}
	})
}

// The log pipeline's types, wired as palisade's logdrain, logforward and
// orgtrail constructs wire them: a Firehose stream into a bucket behind a
// CloudWatch Logs destination, a log group subscribed to it, and a trail.
const logTemplate = `{
  "Resources": {
    "Bucket": {"Type": "AWS::S3::Bucket"},
    "Key": {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": {"Version": "2012-10-17",
      "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "kms:*", "Resource": "*"}]}}},
    "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {"Version": "2012-10-17",
      "Statement": [{"Effect": "Allow", "Principal": {"Service": "firehose.amazonaws.com"}, "Action": "sts:AssumeRole"}]}}},
    "Errors": {"Type": "AWS::Logs::LogGroup"},
    "ErrorStream": {"Type": "AWS::Logs::LogStream", "Properties": {"LogGroupName": {"Ref": "Errors"}, "LogStreamName": "DestinationDelivery"}},
    "Stream": {"Type": "AWS::KinesisFirehose::DeliveryStream", "Properties": {"DeliveryStreamType": "DirectPut",
      "DeliveryStreamEncryptionConfigurationInput": {"KeyType": "CUSTOMER_MANAGED_CMK", "KeyArn": {"Fn::GetAtt": ["Key", "Arn"]}},
      "ExtendedS3DestinationConfiguration": {"BucketARN": {"Fn::GetAtt": ["Bucket", "Arn"]}, "RoleARN": {"Fn::GetAtt": ["Role", "Arn"]},
        "Prefix": "cwlogs/!{partitionKeyFromQuery:owner}/", "ErrorOutputPrefix": "errors/", "CompressionFormat": "GZIP",
        "BufferingHints": {"SizeInMBs": 64, "IntervalInSeconds": 300},
        "DynamicPartitioningConfiguration": {"Enabled": true},
        "CloudWatchLoggingOptions": {"Enabled": true, "LogGroupName": {"Ref": "Errors"}, "LogStreamName": "DestinationDelivery"}}}},
    "Destination": {"Type": "AWS::Logs::Destination", "Properties": {"DestinationName": "example-log-drain",
      "TargetArn": {"Fn::GetAtt": ["Stream", "Arn"]}, "RoleArn": {"Fn::GetAtt": ["Role", "Arn"]},
      "DestinationPolicy": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":[\"333333333333\"]},\"Action\":\"logs:PutSubscriptionFilter\",\"Resource\":\"*\"}]}"}},
    "Forwarded": {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": "/var/log/secure"}},
    "Subscription": {"Type": "AWS::Logs::SubscriptionFilter", "Properties": {"LogGroupName": {"Ref": "Forwarded"},
      "DestinationArn": {"Fn::GetAtt": ["Destination", "Arn"]}, "FilterPattern": ""}},
    "Trail": {"Type": "AWS::CloudTrail::Trail", "Properties": {"TrailName": "example-org-trail", "IsLogging": true,
      "IsOrganizationTrail": true, "IsMultiRegionTrail": true, "IncludeGlobalServiceEvents": true, "EnableLogFileValidation": true,
      "S3BucketName": {"Ref": "Bucket"}, "KMSKeyId": {"Fn::GetAtt": ["Key", "Arn"]},
      "AdvancedEventSelectors": [{"Name": "management", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]}]}}
  }
}`

// TestLogPipelineModels deploys the log pipeline's types and reads them back.
func TestLogPipelineModels(t *testing.T) {
	emu := start(t)
	ctx := context.Background()
	cfg := config(emu)
	// The organization trail needs an organization with CloudTrail's trusted access.
	organization(t, ctx, cfg)
	if _, err := organizations.NewFromConfig(cfg).EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: aws.String("cloudtrail.amazonaws.com")}); err != nil {
		t.Fatal(err)
	}
	cfn := cloudformation.NewFromConfig(cfg)
	if _, err := cfn.CreateStack(ctx, &cloudformation.CreateStackInput{StackName: aws.String("logs"), TemplateBody: aws.String(logTemplate)}); err != nil {
		t.Fatal(err)
	}
	list, err := cfn.ListStackResources(ctx, &cloudformation.ListStackResourcesInput{StackName: aws.String("logs")})
	if err != nil {
		t.Fatal(err)
	}
	res := map[string]string{}
	for _, r := range list.StackResourceSummaries {
		res[aws.ToString(r.LogicalResourceId)] = aws.ToString(r.PhysicalResourceId)
	}
	for _, id := range []string{"ErrorStream", "Stream", "Destination", "Subscription", "Trail"} {
		if res[id] == "" {
			t.Errorf("%s was not created", id)
		}
	}
	logs := cloudwatchlogs.NewFromConfig(cfg)
	d, err := logs.DescribeDestinations(ctx, &cloudwatchlogs.DescribeDestinationsInput{DestinationNamePrefix: aws.String("example-log-drain")})
	if err != nil || len(d.Destinations) != 1 || !strings.Contains(aws.ToString(d.Destinations[0].TargetArn), ":firehose:") ||
		!strings.Contains(aws.ToString(d.Destinations[0].AccessPolicy), "333333333333") {
		t.Errorf("destination %+v: %v, want one targeting the Firehose stream with its policy", d, err)
	}
	f, err := logs.DescribeSubscriptionFilters(ctx, &cloudwatchlogs.DescribeSubscriptionFiltersInput{LogGroupName: aws.String("/var/log/secure")})
	if err != nil || len(f.SubscriptionFilters) != 1 || !strings.HasSuffix(aws.ToString(f.SubscriptionFilters[0].DestinationArn), ":destination:example-log-drain") {
		t.Errorf("subscription filters %+v: %v, want one to the destination", f, err)
	}
	tr, err := cloudtrail.NewFromConfig(cfg).GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: aws.String("example-org-trail")})
	if err != nil || !aws.ToBool(tr.IsLogging) {
		t.Errorf("trail status %+v: %v, want logging", tr, err)
	}
}

// TestChangeSets covers the change set calls the CDK CLI makes around every
// deploy and diff.
func TestChangeSets(t *testing.T) {
	emu := start(t)
	ctx := context.Background()
	cfn := cloudformation.NewFromConfig(config(emu))
	const body = `{"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}, "Outputs": {"Name": {"Value": {"Fn::GetAtt": ["Q", "QueueName"]}}}}`

	// Two stacks, one change set name: each execution must apply its own.
	for _, stack := range []string{"one", "two"} {
		if _, err := cfn.DeleteChangeSet(ctx, &cloudformation.DeleteChangeSetInput{StackName: aws.String(stack), ChangeSetName: aws.String("cdk-deploy-change-set")}); err != nil {
			t.Errorf("deleting a missing change set must succeed: %v", err)
		}
		if _, err := cfn.CreateChangeSet(ctx, &cloudformation.CreateChangeSetInput{
			StackName: aws.String(stack), ChangeSetName: aws.String("cdk-deploy-change-set"),
			ChangeSetType: cfntypes.ChangeSetTypeCreate, TemplateBody: aws.String(body),
		}); err != nil {
			t.Fatal(err)
		}
	}
	for _, stack := range []string{"two", "one"} {
		if _, err := cfn.ExecuteChangeSet(ctx, &cloudformation.ExecuteChangeSetInput{StackName: aws.String(stack), ChangeSetName: aws.String("cdk-deploy-change-set")}); err != nil {
			t.Fatal(err)
		}
		d, err := cfn.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(stack)})
		if err != nil {
			t.Fatal(err)
		}
		if s := d.Stacks[0]; s.StackStatus != cfntypes.StackStatusCreateComplete || len(s.Outputs) != 1 {
			t.Errorf("stack %s: %s with outputs %+v, want CREATE_COMPLETE with its output", stack, s.StackStatus, s.Outputs)
		}
		_, err = cfn.DescribeChangeSet(ctx, &cloudformation.DescribeChangeSetInput{StackName: aws.String(stack), ChangeSetName: aws.String("cdk-deploy-change-set")})
		var apiErr smithy.APIError
		if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "ChangeSetNotFound" {
			t.Errorf("stack %s: describing an executed change set: %v, want ChangeSetNotFound", stack, err)
		}
	}
}

// TestAccountIDs checks that CreateAccount honours the emulator:account-id
// tag, so an org file's ids can be created as they are.
func TestAccountIDs(t *testing.T) {
	emu := start(t)
	ctx := context.Background()
	cfg := config(emu)
	cfg.APIOptions = nil
	orgs := organizations.NewFromConfig(cfg)
	if _, err := orgs.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll}); err != nil {
		t.Fatal(err)
	}
	out, err := orgs.CreateAccount(ctx, &organizations.CreateAccountInput{
		AccountName: aws.String("workload"), Email: aws.String("workload@example.invalid"),
		Tags: []orgtypes.Tag{{Key: aws.String("emulator:account-id"), Value: aws.String("555555555555")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(out.CreateAccountStatus.AccountId); got != "555555555555" {
		t.Errorf("account id %s, want 555555555555", got)
	}
	if _, err := orgs.CreateAccount(ctx, &organizations.CreateAccountInput{
		AccountName: aws.String("again"), Email: aws.String("again@example.invalid"),
		Tags: []orgtypes.Tag{{Key: aws.String("emulator:account-id"), Value: aws.String("555555555555")}},
	}); err == nil {
		t.Error("a second account with the same id was created")
	}
}

// TestStop checks that Stop ends the server's process group.
func TestStop(t *testing.T) {
	emu, err := startNew(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	emu.Stop()
	if _, err := http.Get(emu.Endpoint + "/moto-api/data.json"); err == nil {
		t.Error("the emulator still answers after Stop")
	}
}

// TestComplianceModels runs check_models.py against the shared emulator: it
// deploys the compliance and Systems Manager templates (testdata/), updates
// and deletes them, reads every resource back through its service's API and
// checks that what AWS refuses is refused, for the reason AWS gives.
func TestComplianceModels(t *testing.T) {
	emu := start(t)
	cmd := exec.Command("python3", "check_models.py", "--endpoint", emu.Endpoint, "--log", emu.LogPath)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("check_models.py: %v\n%s", err, out)
	}
}
