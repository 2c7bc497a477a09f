package emulator_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	configtypes "github.com/aws/aws-sdk-go-v2/service/configservice/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/palisade-sec/palisade/test/emulator"
)

// settings reads the emulator's settings.
func settings(t *testing.T, emu *emulator.Emulator) map[string]any {
	t.Helper()
	resp, err := http.Get(emu.Endpoint + "/moto-api/palisade/settings")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestSettings checks that a setting changes, that an unknown one is
// refused and that a reset restores the defaults.
func TestSettings(t *testing.T) {
	emu := start(t)
	ctx := context.Background()
	if got := settings(t, emu)["lambdaConcurrencyQuota"]; got != 1000.0 {
		t.Errorf("default Lambda concurrency quota %v, want 1000 (AWS's default)", got)
	}
	if err := emu.Set(ctx, map[string]any{"lambdaConcurrencyQuota": 10}); err != nil {
		t.Fatal(err)
	}
	if got := settings(t, emu)["lambdaConcurrencyQuota"]; got != 10.0 {
		t.Errorf("Lambda concurrency quota %v after setting 10", got)
	}
	if err := emu.Set(ctx, map[string]any{"noSuchSetting": 1}); err == nil {
		t.Error("an unknown setting was accepted")
	}
	if err := emu.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if got := settings(t, emu)["lambdaConcurrencyQuota"]; got != 1000.0 {
		t.Errorf("Lambda concurrency quota %v after a reset, want 1000", got)
	}
	// start sets no Organizations write window for this package's tests;
	// a reset brings back the default the deploy lane relies on.
	if got := settings(t, emu)["organizationsWriteSeconds"]; got != 0.25 {
		t.Errorf("Organizations write window %v s after a reset, want the default 0.25", got)
	}
}

// deploy creates (or, when the stack exists, updates) a stack through a
// change set, as the CDK CLI does, and returns nil once it is
// CREATE_COMPLETE or UPDATE_COMPLETE, else an error with its status and
// the reason of its failed resource.
func deploy(ctx context.Context, cfg aws.Config, stack, body string) error {
	cfn := cloudformation.NewFromConfig(cfg)
	kind := cfntypes.ChangeSetTypeCreate
	if d, err := cfn.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(stack)}); err == nil && len(d.Stacks) == 1 {
		switch d.Stacks[0].StackStatus {
		case cfntypes.StackStatusRollbackComplete:
			// what the CLI does with a stack whose create failed
			if _, err := cfn.DeleteStack(ctx, &cloudformation.DeleteStackInput{StackName: aws.String(stack)}); err != nil {
				return err
			}
		default:
			kind = cfntypes.ChangeSetTypeUpdate
		}
	}
	if _, err := cfn.CreateChangeSet(ctx, &cloudformation.CreateChangeSetInput{
		StackName: aws.String(stack), ChangeSetName: aws.String("cdk-deploy-change-set"),
		ChangeSetType: kind, TemplateBody: aws.String(body),
	}); err != nil {
		return err
	}
	if _, err := cfn.ExecuteChangeSet(ctx, &cloudformation.ExecuteChangeSetInput{
		StackName: aws.String(stack), ChangeSetName: aws.String("cdk-deploy-change-set"),
	}); err != nil {
		return err
	}
	d, err := cfn.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(stack)})
	if err != nil {
		return err
	}
	st := d.Stacks[0].StackStatus
	if st == cfntypes.StackStatusCreateComplete || st == cfntypes.StackStatusUpdateComplete {
		return nil
	}
	ev, err := cfn.DescribeStackEvents(ctx, &cloudformation.DescribeStackEventsInput{StackName: aws.String(stack)})
	if err != nil {
		return err
	}
	var reasons []string
	for _, e := range ev.StackEvents {
		if strings.HasSuffix(string(e.ResourceStatus), "_FAILED") {
			reasons = append(reasons, aws.ToString(e.LogicalResourceId)+": "+aws.ToString(e.ResourceStatusReason))
		}
	}
	return fmt.Errorf("stack %s: %s (%s)", stack, st, strings.Join(reasons, "; "))
}

// TestRollback checks that a failed create deletes what it created and
// leaves the stack ROLLBACK_COMPLETE, that the stack can then be deleted
// and created again, and that a failed update returns the stack to its
// previous template.
func TestRollback(t *testing.T) {
	emu := start(t)
	ctx := context.Background()
	cfg := config(emu)
	logs := cloudwatchlogs.NewFromConfig(cfg)
	groups := func() []string {
		out, err := logs.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, g := range out.LogGroups {
			names = append(names, aws.ToString(g.LogGroupName))
		}
		return names
	}
	const two = `{"Resources": {"One": {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": "one"}},
	  "Two": {"Type": "AWS::Logs::LogGroup", "DependsOn": "One", "Properties": {"LogGroupName": "two"}}}}`
	if err := emu.InjectFault(ctx, emulator.Fault{Call: "AWS::Logs::LogGroup", Nth: 2, Code: "LimitExceededException"}); err != nil {
		t.Fatal(err)
	}
	err := deploy(ctx, cfg, "rollback", two)
	if err == nil || !strings.Contains(err.Error(), "ROLLBACK_COMPLETE") || !strings.Contains(err.Error(), "Two: LimitExceededException") {
		t.Fatalf("create with a failing resource: %v, want ROLLBACK_COMPLETE naming Two and its error", err)
	}
	if q := groups(); len(q) != 0 {
		t.Errorf("groups %v remain after the rollback of their stack's create", q)
	}
	faults, err := emu.Faults(ctx)
	if err != nil || len(faults) != 1 || !faults[0].Fired || faults[0].FiredIn["stack"] != "rollback" || faults[0].FiredIn["resource"] != "Two" {
		t.Errorf("faults %+v (%v), want one fired in stack rollback, resource Two", faults, err)
	}
	if err := deploy(ctx, cfg, "rollback", two); err != nil {
		t.Fatalf("deploying again after the failed create: %v", err)
	}
	if q := groups(); len(q) != 2 {
		t.Errorf("groups %v, want one and two", q)
	}

	const three = `{"Resources": {"One": {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": "one"}},
	  "Two": {"Type": "AWS::Logs::LogGroup", "DependsOn": "One", "Properties": {"LogGroupName": "two"}},
	  "Three": {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": "three"}}}}`
	if err := emu.InjectFault(ctx, emulator.Fault{Call: "AWS::Logs::LogGroup", Stack: "rollback"}); err != nil {
		t.Fatal(err)
	}
	err = deploy(ctx, cfg, "rollback", three)
	if err == nil || !strings.Contains(err.Error(), "UPDATE_ROLLBACK_COMPLETE") {
		t.Fatalf("update with a failing resource: %v, want UPDATE_ROLLBACK_COMPLETE", err)
	}
	if q := groups(); len(q) != 2 {
		t.Errorf("groups %v after the rolled-back update, want one and two", q)
	}
	if err := deploy(ctx, cfg, "rollback", three); err != nil {
		t.Fatalf("updating again after the failed update: %v", err)
	}
	if q := groups(); len(q) != 3 {
		t.Errorf("groups %v, want one, two and three", q)
	}
}

// TestRollbackDeletesManagedPolicies: a role with a customer-managed
// policy rolls back, as CloudFormation does it (the policy's delete
// handler detaches it, then deletes it); moto's model deleted no managed
// policy, so the role's deletion failed (DeleteConflict) and the stack was
// left ROLLBACK_FAILED.
func TestRollbackDeletesManagedPolicies(t *testing.T) {
	emu := start(t)
	ctx := context.Background()
	cfg := config(emu)
	const body = `{"Resources": {
	  "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {"Version": "2012-10-17",
	    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}}},
	  "Logs": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"Roles": [{"Ref": "Role"}], "PolicyDocument": {"Version": "2012-10-17",
	    "Statement": [{"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "*"}]}}},
	  "Group": {"Type": "AWS::Logs::LogGroup", "DependsOn": "Logs", "Properties": {"LogGroupName": "after-the-policy"}}}}`
	if err := emu.InjectFault(ctx, emulator.Fault{Call: "AWS::Logs::LogGroup", Code: "LimitExceededException"}); err != nil {
		t.Fatal(err)
	}
	err := deploy(ctx, cfg, "managed-policy", body)
	if err == nil || !strings.Contains(err.Error(), "ROLLBACK_COMPLETE") {
		t.Fatalf("create with a failing resource after a role's managed policy: %v, want ROLLBACK_COMPLETE", err)
	}
	if err := deploy(ctx, cfg, "managed-policy", body); err != nil {
		t.Fatalf("deploying again after the rollback: %v", err)
	}
}

// The organization the refusal tests deploy into: the default test
// account manages it; security and workload are members.
const (
	management = "123456789012"
	security   = "222222222222"
	workload   = "333333333333"
)

// organization creates the organization and its member accounts.
func organization(t *testing.T, ctx context.Context, cfg aws.Config, members ...string) {
	t.Helper()
	orgs := organizations.NewFromConfig(cfg)
	if _, err := orgs.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll}); err != nil {
		t.Fatal(err)
	}
	for _, id := range members {
		if _, err := orgs.CreateAccount(ctx, &organizations.CreateAccountInput{
			AccountName: aws.String("member-" + id), Email: aws.String(id + "@example.invalid"),
			Tags: []orgtypes.Tag{{Key: aws.String("emulator:account-id"), Value: aws.String(id)}},
		}); err != nil {
			t.Fatal(err)
		}
	}
}

// as acts in another account of the emulator (moto's account header).
func as(cfg aws.Config, account string) aws.Config {
	cfg.APIOptions = append(slices.Clone(cfg.APIOptions), func(stack *middleware.Stack) error {
		return stack.Build.Add(middleware.BuildMiddlewareFunc("MotoAccountID",
			func(ctx context.Context, in middleware.BuildInput, next middleware.BuildHandler) (middleware.BuildOutput, middleware.Metadata, error) {
				if req, ok := in.Request.(*smithyhttp.Request); ok {
					req.Header.Set("x-moto-account-id", account)
				}
				return next.HandleBuild(ctx, in)
			}), middleware.After)
	})
	return cfg
}

// stackTemplate is a template of resources, with the Lambda function that
// CDK's AwsCustomResource resources name as their provider (Provider).
func stackTemplate(resources map[string]any) string {
	all := map[string]any{
		"ProviderRole": map[string]any{"Type": "AWS::IAM::Role", "Properties": map[string]any{"AssumeRolePolicyDocument": map[string]any{
			"Version": "2012-10-17", "Statement": []any{map[string]any{"Effect": "Allow", "Principal": map[string]any{"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}}}}},
		"Provider": map[string]any{"Type": "AWS::Lambda::Function", "Properties": map[string]any{
			"Runtime": "nodejs20.x", "Handler": "index.handler", "Code": map[string]any{"ZipFile": "exports.handler = async () => ({})"},
			"Role": map[string]any{"Fn::GetAtt": []string{"ProviderRole", "Arn"}}}},
	}
	maps.Copy(all, resources)
	body, err := json.Marshal(map[string]any{"Resources": all})
	if err != nil {
		panic(err)
	}
	return string(body)
}

// sdkCall is a Custom::AWS resource making one SDK call on create, as CDK's
// AwsCustomResource does; extra goes into the call (ignoreErrorCodesMatching).
func sdkCall(service, action string, params map[string]any, extra map[string]any, dependsOn ...string) map[string]any {
	call := map[string]any{"service": service, "action": action, "parameters": params,
		"physicalResourceId": map[string]any{"id": service + "." + action}}
	maps.Copy(call, extra)
	raw, err := json.Marshal(call)
	if err != nil {
		panic(err)
	}
	r := map[string]any{"Type": "Custom::AWS", "Properties": map[string]any{
		"ServiceToken": map[string]any{"Fn::GetAtt": []string{"Provider", "Arn"}}, "Create": string(raw)}}
	if len(dependsOn) > 0 {
		r["DependsOn"] = dependsOn
	}
	return r
}

// TestRegisterDelegatedAdministratorTwice: Organizations refuses to
// register an account that is already a service's delegated administrator
// (AccountAlreadyRegisteredException), which a create-only delegation
// meets when a deploy is rerun after its stack rolled back; a delegation
// that takes already-registered as done deploys again.
func TestRegisterDelegatedAdministratorTwice(t *testing.T) {
	emu := start(t)
	ctx := context.Background()
	cfg := config(emu)
	organization(t, ctx, cfg, security)
	register := func(extra map[string]any) string {
		return stackTemplate(map[string]any{
			"Access": sdkCall("Organizations", "enableAWSServiceAccess", map[string]any{"ServicePrincipal": "config.amazonaws.com"}, nil),
			"Admin": sdkCall("Organizations", "registerDelegatedAdministrator",
				map[string]any{"ServicePrincipal": "config.amazonaws.com", "AccountId": security}, extra, "Access"),
		})
	}
	if err := deploy(ctx, cfg, "delegation", register(nil)); err != nil {
		t.Fatal(err)
	}
	err := deploy(ctx, cfg, "delegation-again", register(nil))
	if err == nil || !strings.Contains(err.Error(), "AccountAlreadyRegisteredException") {
		t.Errorf("registering the delegated administrator again: %v, want AccountAlreadyRegisteredException", err)
	}
	if err := deploy(ctx, cfg, "delegation-idempotent", register(map[string]any{"ignoreErrorCodesMatching": "AccountAlreadyRegisteredException"})); err != nil {
		t.Errorf("registering again, already-registered taken as done: %v", err)
	}
}

// TestGuardDutyDelegationEnablesDetector: designating GuardDuty's delegated
// administrator enables GuardDuty in that account, in that region only; a
// detector created there afterwards fails, as GuardDuty allows one per
// account and region.
func TestGuardDutyDelegationEnablesDetector(t *testing.T) {
	emu := start(t)
	ctx := context.Background()
	cfg := config(emu)
	organization(t, ctx, cfg, security)
	if err := deploy(ctx, cfg, "guardduty-admin", stackTemplate(map[string]any{
		"Admin": sdkCall("GuardDuty", "enableOrganizationAdminAccount", map[string]any{"AdminAccountId": security}, nil),
	})); err != nil {
		t.Fatal(err)
	}
	detector := `{"Resources": {"Detector": {"Type": "AWS::GuardDuty::Detector", "Properties": {"Enable": true}}}}`
	err := deploy(ctx, as(cfg, security), "detector", detector)
	if err == nil || !strings.Contains(err.Error(), "BadRequestException") || !strings.Contains(err.Error(), "detector already exists") {
		t.Errorf("a detector in the delegated administrator's account and region: %v, want BadRequestException (a detector already exists)", err)
	}
	west := as(cfg, security)
	west.Region = "us-west-2"
	if err := deploy(ctx, west, "detector", detector); err != nil {
		t.Errorf("a detector in another region, where no administrator was designated: %v", err)
	}
	if err := deploy(ctx, west, "detector-again", detector); err == nil || !strings.Contains(err.Error(), "detector already exists") {
		t.Errorf("a second detector in one account and region: %v, want BadRequestException", err)
	}
}

// TestOrganizationTrailNeedsTrustedAccess: CloudTrail refuses an
// organization trail, created or updated to one, until the organization
// has enabled trusted access for cloudtrail.amazonaws.com.
func TestOrganizationTrailNeedsTrustedAccess(t *testing.T) {
	emu := start(t)
	ctx := context.Background()
	cfg := config(emu)
	organization(t, ctx, cfg, security)
	s := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := s.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("trail-bucket")}); err != nil {
		t.Fatal(err)
	}
	ct := cloudtrail.NewFromConfig(cfg)
	_, err := ct.CreateTrail(ctx, &cloudtrail.CreateTrailInput{Name: aws.String("org"), S3BucketName: aws.String("trail-bucket"), IsOrganizationTrail: aws.Bool(true)})
	if code(err) != "CloudTrailAccessNotEnabledException" {
		t.Errorf("CreateTrail of an organization trail without trusted access: %v, want CloudTrailAccessNotEnabledException", err)
	}
	if _, err := ct.CreateTrail(ctx, &cloudtrail.CreateTrailInput{Name: aws.String("account"), S3BucketName: aws.String("trail-bucket")}); err != nil {
		t.Fatal(err)
	}
	_, err = ct.UpdateTrail(ctx, &cloudtrail.UpdateTrailInput{Name: aws.String("account"), IsOrganizationTrail: aws.Bool(true)})
	if code(err) != "CloudTrailAccessNotEnabledException" {
		t.Errorf("UpdateTrail to an organization trail without trusted access: %v, want CloudTrailAccessNotEnabledException", err)
	}
	trail := `{"Resources": {"Trail": {"Type": "AWS::CloudTrail::Trail", "Properties": {"TrailName": "org-trail", "IsLogging": true,
	  "IsOrganizationTrail": true, "IsMultiRegionTrail": true, "S3BucketName": "trail-bucket"}}}}`
	if err := deploy(ctx, cfg, "trail", trail); err == nil || !strings.Contains(err.Error(), "CloudTrailAccessNotEnabledException") {
		t.Errorf("a stack's organization trail without trusted access: %v, want CloudTrailAccessNotEnabledException", err)
	}
	if _, err := organizations.NewFromConfig(cfg).EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: aws.String("cloudtrail.amazonaws.com")}); err != nil {
		t.Fatal(err)
	}
	if err := deploy(ctx, cfg, "trail", trail); err != nil {
		t.Errorf("an organization trail with trusted access: %v", err)
	}
}

// code is the API error code of err, or "" for none.
func code(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

// policy is a policy document of n statements, each allowing one account
// (about 150 characters a statement).
func policy(n int, principal func(i int) any, action, resource string) map[string]any {
	var st []any
	for i := range n {
		st = append(st, map[string]any{"Sid": fmt.Sprintf("Account%04d", i), "Effect": "Allow",
			"Principal": principal(i), "Action": action, "Resource": resource})
	}
	return map[string]any{"Version": "2012-10-17", "Statement": st}
}

func accountRoot(i int) any {
	return map[string]any{"AWS": fmt.Sprintf("arn:aws:iam::%012d:root", 100000000000+i)}
}

// TestPolicySizeLimits: a bucket, key, CloudWatch Logs destination or role
// trust policy over its service's limit fails, and one within it deploys.
func TestPolicySizeLimits(t *testing.T) {
	emu := start(t)
	ctx := context.Background()
	cfg := config(emu)
	bucket := func(n int) string {
		return stackTemplate(map[string]any{
			"Bucket": map[string]any{"Type": "AWS::S3::Bucket"},
			"Policy": map[string]any{"Type": "AWS::S3::BucketPolicy", "Properties": map[string]any{"Bucket": map[string]any{"Ref": "Bucket"},
				"PolicyDocument": policy(n, accountRoot, "s3:GetObject", "arn:aws:s3:::*/*")}}})
	}
	key := func(n int) string {
		return stackTemplate(map[string]any{"Key": map[string]any{"Type": "AWS::KMS::Key", "Properties": map[string]any{
			"KeyPolicy": policy(n, accountRoot, "kms:Decrypt", "*")}}})
	}
	role := func(n int) string {
		return stackTemplate(map[string]any{"Role": map[string]any{"Type": "AWS::IAM::Role", "Properties": map[string]any{
			"AssumeRolePolicyDocument": policy(n, accountRoot, "sts:AssumeRole", "*")}}})
	}
	for _, c := range []struct {
		name      string
		body      func(n int) string
		ok, over  int
		wantError string
		limit     string
	}{
		// ~150 bytes a statement: S3 20,000 bytes, KMS 32,768 bytes, IAM trust 2,048 characters.
		{"bucket policy", bucket, 100, 160, "MalformedPolicy", "20000"},
		{"key policy", key, 180, 300, "MalformedPolicyDocumentException", "32768"},
		{"role trust policy", role, 10, 20, "LimitExceeded", "2048"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := deploy(ctx, cfg, "within-"+strings.ReplaceAll(c.name, " ", "-"), c.body(c.ok)); err != nil {
				t.Errorf("%d statements: %v", c.ok, err)
			}
			err := deploy(ctx, cfg, "over-"+strings.ReplaceAll(c.name, " ", "-"), c.body(c.over))
			if err == nil || !strings.Contains(err.Error(), c.wantError+": ") || !strings.Contains(err.Error(), c.limit) {
				t.Errorf("%d statements: %v, want %s naming the limit %s", c.over, err, c.wantError, c.limit)
			}
		})
	}
	t.Run("destination policy", func(t *testing.T) {
		logs := cloudwatchlogs.NewFromConfig(cfg)
		if _, err := logs.PutDestination(ctx, &cloudwatchlogs.PutDestinationInput{DestinationName: aws.String("drain"),
			RoleArn:   aws.String("arn:aws:iam::123456789012:role/drain"),
			TargetArn: aws.String("arn:aws:firehose:us-east-1:123456789012:deliverystream/drain")}); err != nil {
			t.Fatal(err)
		}
		put := func(n int) error {
			doc, err := json.Marshal(policy(n, accountRoot, "logs:PutSubscriptionFilter", "*"))
			if err != nil {
				t.Fatal(err)
			}
			_, err = logs.PutDestinationPolicy(ctx, &cloudwatchlogs.PutDestinationPolicyInput{DestinationName: aws.String("drain"), AccessPolicy: aws.String(string(doc))})
			return err
		}
		if err := put(25); err != nil {
			t.Errorf("25 statements: %v", err)
		}
		// 5,120 bytes
		if err := put(40); code(err) != "InvalidParameterException" {
			t.Errorf("40 statements: %v, want InvalidParameterException", err)
		}
	})
}

// function is a stack of one Lambda function reserving reserved
// concurrent executions (none when negative).
func function(reserved int) string {
	props := map[string]any{"Runtime": "nodejs20.x", "Handler": "index.handler", "Code": map[string]any{"ZipFile": "exports.handler = async () => ({})"},
		"Role": map[string]any{"Fn::GetAtt": []string{"ProviderRole", "Arn"}}}
	if reserved >= 0 {
		props["ReservedConcurrentExecutions"] = reserved
	}
	return stackTemplate(map[string]any{"Function": map[string]any{"Type": "AWS::Lambda::Function", "Properties": props}})
}

// TestReservedConcurrencyQuota: Lambda keeps 100 of the account's
// concurrency quota unreserved: a function whose reservation would leave
// fewer fails, under the default quota of 1,000 and under a new account's 10.
func TestReservedConcurrencyQuota(t *testing.T) {
	emu := start(t)
	ctx := context.Background()
	cfg := config(emu)
	if err := deploy(ctx, cfg, "reserves-2", function(2)); err != nil {
		t.Fatalf("reserving 2 of 1,000: %v", err)
	}
	if err := deploy(ctx, cfg, "reserves-899", function(899)); err == nil || !strings.Contains(err.Error(), "InvalidParameterValueException") ||
		!strings.Contains(err.Error(), "below its minimum value of [100]") {
		t.Errorf("reserving 899 more of 1,000 (99 left unreserved): %v, want InvalidParameterValueException", err)
	}
	if err := deploy(ctx, cfg, "reserves-898", function(898)); err != nil {
		t.Errorf("reserving 898 more of 1,000 (100 left unreserved): %v", err)
	}
	if _, err := cloudformation.NewFromConfig(cfg).DeleteStack(ctx, &cloudformation.DeleteStackInput{StackName: aws.String("reserves-898")}); err != nil {
		t.Fatal(err)
	}
	if err := emu.Set(ctx, map[string]any{"lambdaConcurrencyQuota": 10}); err != nil {
		t.Fatal(err)
	}
	west := cfg
	west.Region = "us-west-2"
	if err := deploy(ctx, west, "reserves-2", function(2)); err == nil || !strings.Contains(err.Error(), "InvalidParameterValueException") {
		t.Errorf("reserving 2 of a new account's 10: %v, want InvalidParameterValueException", err)
	}
	if err := deploy(ctx, west, "reserves-none", function(-1)); err != nil {
		t.Errorf("a function reserving nothing under a quota of 10: %v", err)
	}
}

// TestConformancePackNeedsRecorders: an organization conformance pack is
// deployed to every account of the organization in its region, and fails
// while one of them, not excluded, has no configuration recorder there.
func TestConformancePackNeedsRecorders(t *testing.T) {
	emu := start(t)
	ctx := context.Background()
	cfg := config(emu)
	organization(t, ctx, cfg, security, workload)
	if _, err := organizations.NewFromConfig(cfg).EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{
		ServicePrincipal: aws.String("config-multiaccountsetup.amazonaws.com")}); err != nil {
		t.Fatal(err)
	}
	recorder := func(account string) {
		t.Helper()
		if _, err := configservice.NewFromConfig(as(cfg, account)).PutConfigurationRecorder(ctx, &configservice.PutConfigurationRecorderInput{
			ConfigurationRecorder: &configtypes.ConfigurationRecorder{Name: aws.String("default"), RoleARN: aws.String("arn:aws:iam::" + account + ":role/config")},
		}); err != nil {
			t.Fatal(err)
		}
	}
	recorder(management)
	recorder(security)
	pack := func(excluded ...string) string {
		body := `{"Resources": {"Versioning": {"Type": "AWS::Config::ConfigRule", "Properties": {"ConfigRuleName": "s3-bucket-versioning-enabled",
		  "Source": {"Owner": "AWS", "SourceIdentifier": "S3_BUCKET_VERSIONING_ENABLED"}}}}}`
		props := map[string]any{"OrganizationConformancePackName": "baseline", "TemplateBody": body}
		if len(excluded) > 0 {
			props["ExcludedAccounts"] = excluded
		}
		return stackTemplate(map[string]any{"Pack": map[string]any{"Type": "AWS::Config::OrganizationConformancePack", "Properties": props}})
	}
	err := deploy(ctx, cfg, "pack", pack())
	if err == nil || !strings.Contains(err.Error(), "NoAvailableConfigurationRecorderException in 1 account(s)") {
		t.Errorf("a pack while %s has no recorder: %v, want NoAvailableConfigurationRecorderException in 1 account", workload, err)
	}
	if err := deploy(ctx, cfg, "pack", pack(workload)); err != nil {
		t.Errorf("a pack excluding the account without a recorder: %v", err)
	}
	recorder(workload)
	if err := deploy(ctx, cfg, "pack", pack()); err != nil {
		t.Errorf("a pack once every account has a recorder: %v", err)
	}
}

// TestConcurrentOrganizationsWrites: Organizations refuses a write that
// starts while another one of the same organization is in flight
// (ConcurrentModificationException). CloudFormation starts the resources of
// a stack that do not depend on each other at once, so two delegations of
// one stack without an order between them overlap; ordered, they deploy.
// Two writes from parallel callers overlap while the first is in flight.
func TestConcurrentOrganizationsWrites(t *testing.T) {
	emu := start(t)
	ctx := context.Background()
	cfg := config(emu)
	organization(t, ctx, cfg, security)
	access := func(sp string, dependsOn ...string) map[string]any {
		return sdkCall("Organizations", "enableAWSServiceAccess", map[string]any{"ServicePrincipal": sp}, nil, dependsOn...)
	}
	parallel := stackTemplate(map[string]any{"Config": access("config.amazonaws.com"), "Hub": access("securityhub.amazonaws.com")})
	if err := deploy(ctx, cfg, "parallel", parallel); err == nil || !strings.Contains(err.Error(), "ConcurrentModificationException") {
		t.Errorf("two unordered Organizations writes in one stack: %v, want ConcurrentModificationException", err)
	}
	serial := stackTemplate(map[string]any{"Config": access("config.amazonaws.com"), "Hub": access("securityhub.amazonaws.com", "Config"),
		"Analyzer": access("access-analyzer.amazonaws.com", "Hub")})
	if err := deploy(ctx, cfg, "serial", serial); err != nil {
		t.Errorf("Organizations writes ordered by DependsOn: %v", err)
	}

	if err := emu.Set(ctx, map[string]any{"organizationsWriteSeconds": 1.0}); err != nil {
		t.Fatal(err)
	}
	orgs := organizations.NewFromConfig(cfg)
	first := make(chan error, 1)
	go func() {
		_, err := orgs.EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: aws.String("guardduty.amazonaws.com")})
		first <- err
	}()
	time.Sleep(300 * time.Millisecond)
	_, err := orgs.EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: aws.String("inspector2.amazonaws.com")})
	if code(err) != "ConcurrentModificationException" {
		t.Errorf("a write while another is in flight: %v, want ConcurrentModificationException", err)
	}
	if err := <-first; err != nil {
		t.Errorf("the write in flight: %v", err)
	}
	if _, err := orgs.EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: aws.String("inspector2.amazonaws.com")}); err != nil {
		t.Errorf("the same write once the other one finished: %v", err)
	}
}
