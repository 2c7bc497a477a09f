package hardening_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/customresources"
	"github.com/aws/jsii-runtime-go"

	"github.com/palisade-sec/palisade/constructs/hardening"
)

func TestMain(m *testing.M) {
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

const key = "arn:aws:kms:eu-west-1:333333333333:key/1234abcd-12ab-34cd-56ef-1234567890ab"

type resource struct {
	Type           string
	Properties     map[string]any
	Metadata       map[string]any
	DependsOn      []string
	DeletionPolicy string
}

func synth(t *testing.T, p *hardening.Props) (map[string]resource, *hardening.Hardening) {
	t.Helper()
	app := awscdk.NewApp(&awscdk.AppProps{AnalyticsReporting: jsii.Bool(false)})
	stack := awscdk.NewStack(app, jsii.String("Test"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("333333333333"), Region: jsii.String("eu-west-1")},
	})
	h := hardening.New(stack, "Hardening", p)
	raw, err := json.Marshal(app.Synth(nil).GetStackByName(stack.StackName()).Template())
	if err != nil {
		t.Fatal(err)
	}
	var tpl struct{ Resources map[string]resource }
	if err := json.Unmarshal(raw, &tpl); err != nil {
		t.Fatal(err)
	}
	return tpl.Resources, h
}

func str(v any) string { b, _ := json.Marshal(v); return string(b) }

func ofType(rs map[string]resource, typ string) map[string]resource {
	out := map[string]resource{}
	for id, r := range rs {
		if r.Type == typ {
			out[id] = r
		}
	}
	return out
}

// sdkCall is an AwsCustomResource's call as its function receives it.
type sdkCall struct {
	Service, Action    string
	Parameters         map[string]any
	PhysicalResourceID struct{ ID string }
}

// calls returns each Custom::AWS resource's create call by action, with its
// id, after checking that update makes the same call and delete none.
func calls(t *testing.T, rs map[string]resource) map[string]struct {
	id   string
	call sdkCall
} {
	t.Helper()
	out := map[string]struct {
		id   string
		call sdkCall
	}{}
	for id, r := range ofType(rs, "Custom::AWS") {
		create, ok := r.Properties["Create"].(string)
		if !ok {
			t.Fatalf("%s: Create = %s, want a JSON string", id, str(r.Properties["Create"]))
		}
		if r.Properties["Update"] != create {
			t.Errorf("%s: Update %v differs from Create %s: a changed setting would not be made again", id, r.Properties["Update"], create)
		}
		if r.Properties["Delete"] != nil {
			t.Errorf("%s: Delete = %v, want no call: settings stay when the stack goes", id, r.Properties["Delete"])
		}
		var c sdkCall
		if err := json.Unmarshal([]byte(create), &c); err != nil {
			t.Fatal(err)
		}
		if r.Properties["InstallLatestAwsSdk"] != false {
			t.Errorf("%s: InstallLatestAwsSdk = %v, want false: no download at deploy", id, r.Properties["InstallLatestAwsSdk"])
		}
		out[c.Action] = struct {
			id   string
			call sdkCall
		}{id, c}
	}
	return out
}

// policyOf returns the statements of the custom resource policy for the
// custom resource id, and its metadata.
func policyOf(t *testing.T, rs map[string]resource, crID string) (string, string) {
	t.Helper()
	for id, r := range ofType(rs, "AWS::IAM::Policy") {
		if strings.HasPrefix(id, strings.TrimSuffix(crID, crID[len(crID)-8:])+"CustomResourcePolicy") {
			return str(r.Properties["PolicyDocument"].(map[string]any)["Statement"]), str(r.Metadata)
		}
	}
	t.Fatalf("no policy for %s", crID)
	panic("unreachable")
}

func TestRegionDefaults(t *testing.T) {
	rs, h := synth(t, nil)
	cs := calls(t, rs)
	if len(cs) != 1 {
		t.Fatalf("calls %v, want only EBS encryption by default", cs)
	}
	c, ok := cs["enableEbsEncryptionByDefault"]
	if !ok || c.call.Service != "EC2" || len(c.call.Parameters) != 0 || c.call.PhysicalResourceID.ID != "ebs-encryption-by-default" {
		t.Errorf("EBS call = %+v", c.call)
	}
	statements, meta := policyOf(t, rs, c.id)
	if want := `[{"Action":"ec2:EnableEbsEncryptionByDefault","Effect":"Allow","Resource":"*"}]`; statements != want {
		t.Errorf("policy = %s\nwant     %s", statements, want)
	}
	if !strings.Contains(meta, "AwsSolutions-IAM5") || !strings.Contains(meta, "NIST.800.53.R5-IAMNoInlinePolicy") {
		t.Errorf("policy suppressions = %s", meta)
	}
	if h.EbsDefaultKey != nil || h.PublicAccessBlock != nil || h.PasswordPolicy != nil || h.DefaultVpcFunction != nil || h.DefaultVpcDeletion != nil {
		t.Errorf("Hardening fields set that are off: %+v", h)
	}
	if n := len(ofType(rs, "AWS::Lambda::Function")); n != 1 {
		t.Errorf("%d functions, want only CDK's custom resource function", n)
	}
	if len(ofType(rs, "AWS::CloudFormation::CustomResource")) != 0 || len(ofType(rs, "AWS::Logs::LogGroup")) != 1 {
		t.Error("default VPC deletion is deployed while off")
	}
	customResourceLogs(t, rs)
}

// customResourceLogs checks that CDK's custom resource function logs to the
// stack's CustomResourceLogs log group, encrypted, kept a year and retained,
// and returns the id of its key.
func customResourceLogs(t *testing.T, rs map[string]resource) string {
	t.Helper()
	var fn resource
	for id, r := range ofType(rs, "AWS::Lambda::Function") {
		if strings.HasPrefix(id, "AWS679f53fac002430cb0da5b7982bd2287") {
			fn = r
		}
	}
	cfg, _ := fn.Properties["LoggingConfig"].(map[string]any)
	ref, _ := cfg["LogGroup"].(map[string]any)
	id, _ := ref["Ref"].(string)
	lg, ok := rs[id]
	if !strings.HasPrefix(id, "CustomResourceLogs") || !ok {
		t.Fatalf("the custom resource function logs to %s, want the stack's CustomResourceLogs", str(fn.Properties["LoggingConfig"]))
	}
	keyRef, _ := lg.Properties["KmsKeyId"].(map[string]any)
	getAtt, _ := keyRef["Fn::GetAtt"].([]any)
	if len(getAtt) != 2 || lg.Properties["RetentionInDays"] != float64(365) || lg.DeletionPolicy != "Retain" {
		t.Fatalf("CustomResourceLogs = %s, deletion %q: want a KMS key, 365 days, retained", str(lg.Properties), lg.DeletionPolicy)
	}
	keyID := getAtt[0].(string)
	k := rs[keyID]
	if k.Type != "AWS::KMS::Key" || k.Properties["EnableKeyRotation"] != true || k.DeletionPolicy != "Retain" ||
		!strings.Contains(str(k.Properties["KeyPolicy"]), `"kms:EncryptionContext:aws:logs:arn"`) {
		t.Errorf("CustomResourceLogs' key %s = %s, deletion %q", keyID, str(k.Properties), k.DeletionPolicy)
	}
	return keyID
}

// One key for the stack's logs: the given LogKey, or else the stack's own.
func TestLogKey(t *testing.T) {
	code := t.TempDir()
	if err := os.WriteFile(filepath.Join(code, "bootstrap"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	rs, _ := synth(t, &hardening.Props{DeleteDefaultVpc: true, DefaultVpcCodePath: code})
	keyID := customResourceLogs(t, rs)
	if n := len(ofType(rs, "AWS::KMS::Key")); n != 1 {
		t.Errorf("%d keys, want one for both log groups", n)
	}
	for id, lg := range ofType(rs, "AWS::Logs::LogGroup") {
		if str(lg.Properties["KmsKeyId"]) != `{"Fn::GetAtt":["`+keyID+`","Arn"]}` {
			t.Errorf("log group %s: key %s, want %s", id, str(lg.Properties["KmsKeyId"]), keyID)
		}
	}

	app := awscdk.NewApp(&awscdk.AppProps{AnalyticsReporting: jsii.Bool(false)})
	stack := awscdk.NewStack(app, jsii.String("Given"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("333333333333"), Region: jsii.String("eu-west-1")},
	})
	given := awskms.NewKey(stack, jsii.String("Given"), nil)
	hardening.New(stack, "Hardening", &hardening.Props{LogKey: given, DeleteDefaultVpc: true, DefaultVpcCodePath: code})
	tpl := assertions.Template_FromStack(stack, nil)
	if n := len(*tpl.FindResources(jsii.String("AWS::KMS::Key"), nil)); n != 1 {
		t.Errorf("%d keys with LogKey given, want only it", n)
	}
	want := map[string]any{"Properties": map[string]any{"KmsKeyId": map[string]any{"Fn::GetAtt": []any{*stack.GetLogicalId(given.Node().DefaultChild().(awscdk.CfnElement)), "Arn"}}}}
	if n := len(*tpl.FindResources(jsii.String("AWS::Logs::LogGroup"), want)); n != 2 {
		t.Errorf("%d log groups encrypted with LogKey, want both", n)
	}
}

// CDK ignores the log group of every AwsCustomResource of a stack but the
// first: one made before Hardening without the stack's log group is refused.
func TestCustomResourceFunctionMadeElsewhere(t *testing.T) {
	app := awscdk.NewApp(&awscdk.AppProps{AnalyticsReporting: jsii.Bool(false)})
	stack := awscdk.NewStack(app, jsii.String("Other"), nil)
	call := &customresources.AwsSdkCall{Service: jsii.String("STS"), Action: jsii.String("getCallerIdentity"),
		PhysicalResourceId: customresources.PhysicalResourceId_Of(jsii.String("x"))}
	customresources.NewAwsCustomResource(stack, jsii.String("First"), &customresources.AwsCustomResourceProps{
		OnCreate: call, InstallLatestAwsSdk: jsii.Bool(false),
		Policy: customresources.AwsCustomResourcePolicy_FromSdkCalls(&customresources.SdkCallsPolicyOptions{Resources: customresources.AwsCustomResourcePolicy_ANY_RESOURCE()}),
	})
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "CustomResourceLogs") {
			t.Errorf("panic %v, want one naming CustomResourceLogs", r)
		}
	}()
	hardening.New(stack, "Hardening", nil)
}

func TestEbsKey(t *testing.T) {
	rs, h := synth(t, &hardening.Props{EbsKeyArn: key})
	cs := calls(t, rs)
	c, ok := cs["modifyEbsDefaultKmsKeyId"]
	if !ok || h.EbsDefaultKey == nil {
		t.Fatalf("no modifyEbsDefaultKmsKeyId call: %v", cs)
	}
	if c.call.Service != "EC2" || str(c.call.Parameters) != `{"KmsKeyId":"`+key+`"}` {
		t.Errorf("key call = %+v", c.call)
	}
	statements, _ := policyOf(t, rs, c.id)
	if want := `[{"Action":"ec2:ModifyEbsDefaultKmsKeyId","Effect":"Allow","Resource":"*"}]`; statements != want {
		t.Errorf("policy = %s\nwant     %s", statements, want)
	}
	// The key is set after encryption is on.
	if deps := rs[c.id].DependsOn; !strings.Contains(strings.Join(deps, " "), cs["enableEbsEncryptionByDefault"].id) {
		t.Errorf("key call depends on %v, want the encryption call", deps)
	}
}

func TestAccountWide(t *testing.T) {
	rs, h := synth(t, &hardening.Props{AccountWide: true})
	cs := calls(t, rs)
	if len(cs) != 3 || h.PublicAccessBlock == nil || h.PasswordPolicy == nil {
		t.Fatalf("calls %v, want EBS, S3 Block Public Access and the password policy", cs)
	}
	bpa := cs["putPublicAccessBlock"]
	if want := `{"AccountId":"333333333333","PublicAccessBlockConfiguration":{"BlockPublicAcls":true,"BlockPublicPolicy":true,"IgnorePublicAcls":true,"RestrictPublicBuckets":true}}`; bpa.call.Service != "S3Control" || str(bpa.call.Parameters) != want {
		t.Errorf("S3 call = %s %s\nwant S3Control %s", bpa.call.Service, str(bpa.call.Parameters), want)
	}
	if statements, _ := policyOf(t, rs, bpa.id); statements != `[{"Action":"s3:PutAccountPublicAccessBlock","Effect":"Allow","Resource":"*"}]` {
		t.Errorf("S3 policy = %s", statements)
	}
	pw := cs["updateAccountPasswordPolicy"]
	want := `{"AllowUsersToChangePassword":true,"HardExpiry":false,"MaxPasswordAge":90,"MinimumPasswordLength":14,"PasswordReusePrevention":24,` +
		`"RequireLowercaseCharacters":true,"RequireNumbers":true,"RequireSymbols":true,"RequireUppercaseCharacters":true}`
	if pw.call.Service != "IAM" || str(pw.call.Parameters) != want {
		t.Errorf("password call = %s %s\nwant IAM %s", pw.call.Service, str(pw.call.Parameters), want)
	}
	if statements, _ := policyOf(t, rs, pw.id); statements != `[{"Action":"iam:UpdateAccountPasswordPolicy","Effect":"Allow","Resource":"*"}]` {
		t.Errorf("password policy = %s", statements)
	}

	rs, _ = synth(t, &hardening.Props{AccountWide: true, PasswordMaxAgeDays: 60})
	if got := calls(t, rs)["updateAccountPasswordPolicy"].call.Parameters["MaxPasswordAge"]; got != float64(60) {
		t.Errorf("MaxPasswordAge = %v, want 60", got)
	}
}

func TestProviderSuppressions(t *testing.T) {
	rs, _ := synth(t, &hardening.Props{AccountWide: true})
	fns := ofType(rs, "AWS::Lambda::Function")
	for id, fn := range fns {
		for _, rule := range []string{"NIST.800.53.R5-LambdaConcurrency", "NIST.800.53.R5-LambdaDLQ", "NIST.800.53.R5-LambdaInsideVPC"} {
			if !strings.Contains(str(fn.Metadata), rule) {
				t.Errorf("CDK's function %s: no reason for %s", id, rule)
			}
		}
	}
	// The function's role has no AWS managed policy (no
	// AWSLambdaBasicExecutionRole, whose logs:* covers every log group):
	// one policy of the stack's lets it write its own log group only, and
	// the function waits for it.
	roleID, role := only(t, rs, "AWS::IAM::Role")
	if role.Properties["ManagedPolicyArns"] != nil || strings.Contains(str(role.Metadata), "AwsSolutions-IAM4") {
		t.Errorf("CDK's function role %s: %s, metadata %s", roleID, str(role.Properties), str(role.Metadata))
	}
	policyID, policy := only(t, rs, "AWS::IAM::ManagedPolicy")
	doc := str(policy.Properties["PolicyDocument"])
	if !strings.HasPrefix(policyID, "CustomResourceRoleLogs") || str(policy.Properties["Roles"]) != `[{"Ref":"`+roleID+`"}]` ||
		!strings.Contains(doc, `"Statement":[{"Action":["logs:CreateLogStream","logs:PutLogEvents"],"Effect":"Allow","Resource":{"Fn::GetAtt":["CustomResourceLogs`) {
		t.Errorf("the function role's log policy %s = %s", policyID, str(policy.Properties))
	}
	for id, fn := range fns {
		if !slices.Contains(fn.DependsOn, policyID) {
			t.Errorf("CDK's function %s does not wait for its log policy: DependsOn %v", id, fn.DependsOn)
		}
	}
}

func code(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "bootstrap"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestDeleteDefaultVpc(t *testing.T) {
	rs, h := synth(t, &hardening.Props{DeleteDefaultVpc: true, DefaultVpcCodePath: code(t)})
	if h.DefaultVpcFunction == nil || h.DefaultVpcRole == nil || h.DefaultVpcDeletion == nil {
		t.Fatalf("Hardening fields: %+v", h)
	}
	fnID := awscdk.Stack_Of(h.Construct).GetLogicalId(h.DefaultVpcFunction.Node().DefaultChild().(awscdk.CfnElement))
	roleID := awscdk.Stack_Of(h.Construct).GetLogicalId(h.DefaultVpcRole.Node().DefaultChild().(awscdk.CfnElement))
	fn := rs[*fnID]
	for k, want := range map[string]string{
		"Runtime": `"provided.al2023"`, "Architectures": `["arm64"]`, "Handler": `"bootstrap"`,
		"Role":    `{"Fn::GetAtt":["` + *roleID + `","Arn"]}`,
		"Timeout": "120", "ReservedConcurrentExecutions": "null",
	} {
		if got := str(fn.Properties[k]); got != want {
			t.Errorf("function %s = %s, want %s", k, got, want)
		}
	}
	logs := rs[*awscdk.Stack_Of(h.Construct).GetLogicalId(h.DefaultVpcFunction.LogGroup().Node().DefaultChild().(awscdk.CfnElement))]
	if logs.DeletionPolicy != "Retain" || logs.Properties["RetentionInDays"] != float64(365) {
		t.Errorf("log group = %s, deletion %q", str(logs.Properties), logs.DeletionPolicy)
	}
	if !strings.Contains(str(fn.Properties["LoggingConfig"]), "LogGroup") {
		t.Errorf("function logs to %s, want its retained log group", str(fn.Properties["LoggingConfig"]))
	}

	role := rs[*roleID]
	if got := str(role.Properties["AssumeRolePolicyDocument"]); got != `{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"}}],"Version":"2012-10-17"}` {
		t.Errorf("trust = %s", got)
	}
	if role.Properties["ManagedPolicyArns"] != nil || role.Properties["Policies"] != nil {
		t.Errorf("role has other policies (AWSLambdaBasicExecutionRole?): %s", str(role.Properties))
	}
	var statements string
	for _, p := range ofType(rs, "AWS::IAM::ManagedPolicy") {
		if str(p.Properties["Roles"]) == `[{"Ref":"`+*roleID+`"}]` {
			statements = str(p.Properties["PolicyDocument"].(map[string]any)["Statement"])
			if !strings.Contains(str(p.Metadata), "AwsSolutions-IAM5") {
				t.Error("the function's policy has no reason for its wildcards")
			}
		}
	}
	ec2 := func(r string) string {
		return `{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":ec2:eu-west-1:333333333333:` + r + `"]]}`
	}
	logsID := *awscdk.Stack_Of(h.Construct).GetLogicalId(h.DefaultVpcFunction.LogGroup().Node().DefaultChild().(awscdk.CfnElement))
	want := `[{"Action":["ec2:DescribeInternetGateways","ec2:DescribeNetworkInterfaces","ec2:DescribeSubnets","ec2:DescribeVpcs"],"Effect":"Allow","Resource":"*","Sid":"FindTheDefaultVpc"},` +
		`{"Action":["ec2:DeleteInternetGateway","ec2:DeleteSubnet","ec2:DeleteVpc","ec2:DetachInternetGateway"],"Effect":"Allow","Resource":[` + ec2("internet-gateway/*") + `,` + ec2("subnet/*") + `,` + ec2("vpc/*") + `],"Sid":"DeleteTheDefaultVpc"},` +
		`{"Action":["logs:CreateLogStream","logs:PutLogEvents"],"Effect":"Allow","Resource":{"Fn::GetAtt":["` + logsID + `","Arn"]},"Sid":"WriteTheLog"}]`
	if statements != want {
		t.Errorf("function policy = %s\nwant              %s", statements, want)
	}
	for _, rule := range []string{"NIST.800.53.R5-LambdaConcurrency", "NIST.800.53.R5-LambdaDLQ", "NIST.800.53.R5-LambdaInsideVPC"} {
		if !strings.Contains(str(fn.Metadata), rule) {
			t.Errorf("function: no reason for %s", rule)
		}
	}

	_, cr := only(t, rs, "AWS::CloudFormation::CustomResource")
	if got := str(cr.Properties); got != `{"ServiceTimeout":300,"ServiceToken":{"Fn::GetAtt":["`+*fnID+`","Arn"]}}` {
		t.Errorf("custom resource = %s", got)
	}
}

func only(t *testing.T, rs map[string]resource, typ string) (string, resource) {
	t.Helper()
	m := ofType(rs, typ)
	if len(m) != 1 {
		t.Fatalf("%d %s, want one", len(m), typ)
	}
	for id, r := range m {
		return id, r
	}
	panic("unreachable")
}

func TestMisusePanics(t *testing.T) {
	for _, tc := range []struct {
		props hardening.Props
		want  string
	}{
		{hardening.Props{EbsKeyArn: "alias/aws/ebs"}, `Props.EbsKeyArn "alias/aws/ebs"`},
		{hardening.Props{PasswordMaxAgeDays: 2000}, "Props.PasswordMaxAgeDays 2000"},
		{hardening.Props{DeleteDefaultVpc: true}, "Props.DefaultVpcCodePath"},
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), tc.want) {
					t.Errorf("%+v: panic %v, want one naming %s", tc.props, r, tc.want)
				}
			}()
			synth(t, &tc.props)
		}()
	}
}
