package customrule_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"

	"github.com/palisade-sec/palisade/constructs/customrule"
)

func TestMain(m *testing.M) {
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

// codeDir is a directory holding a stand-in bootstrap: the construct
// packages whatever is there.
func codeDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "bootstrap"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func props(t *testing.T) *customrule.Props {
	return &customrule.Props{
		CodeDirectory:   codeDir(t),
		RuleName:        "sg-ingress-internet",
		Description:     "No security group allows ingress from the internet except to TCP 80 and 443",
		InputParameters: map[string]string{"allowedPorts": "80,443"},
		ResourceTypes:   []string{"AWS::EC2::SecurityGroup"},
	}
}

type resource struct {
	Type                string
	Properties          map[string]any
	DependsOn           []string
	DeletionPolicy      string
	UpdateReplacePolicy string
	Metadata            map[string]any
}

func synth(t *testing.T, p *customrule.Props) (assertions.Template, map[string]resource, *customrule.Rule) {
	t.Helper()
	app := awscdk.NewApp(&awscdk.AppProps{AnalyticsReporting: jsii.Bool(false)})
	stack := awscdk.NewStack(app, jsii.String("Test"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("333333333333"), Region: jsii.String("us-east-1")},
	})
	r := customrule.New(stack, "SgIngress", p)
	tpl := assertions.Template_FromStack(stack, nil)
	raw, err := json.Marshal(tpl.ToJSON())
	if err != nil {
		t.Fatal(err)
	}
	var out struct{ Resources map[string]resource }
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return tpl, out.Resources, r
}

// check runs an assertions call, which panics on failure, as a test error.
func check(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s: %v", what, r)
		}
	}()
	f()
}

func str(v any) string { b, _ := json.Marshal(v); return string(b) }

func only(t *testing.T, rs map[string]resource, typ string) (string, resource) {
	t.Helper()
	var ids []string
	for id, r := range rs {
		if r.Type == typ {
			ids = append(ids, id)
		}
	}
	if len(ids) != 1 {
		t.Fatalf("%d %s, want one", len(ids), typ)
	}
	return ids[0], rs[ids[0]]
}

func TestFunction(t *testing.T) {
	tpl, rs, r := synth(t, props(t))
	if r.Function == nil || r.Role == nil || r.Policy == nil || r.Permission == nil || r.ConfigRule == nil || r.LogGroup == nil || r.Key == nil {
		t.Fatalf("Rule fields: %+v", r)
	}
	logGroupID, _ := only(t, rs, "AWS::Logs::LogGroup")
	roleID, _ := only(t, rs, "AWS::IAM::Role")
	policyID, _ := only(t, rs, "AWS::IAM::ManagedPolicy")
	check(t, "function", func() {
		tpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]any{
			"Runtime":       "provided.al2023",
			"Architectures": []string{"arm64"},
			"Handler":       "bootstrap",
			"MemorySize":    128,
			"Timeout":       30,
			"Role":          map[string]any{"Fn::GetAtt": []string{roleID, "Arn"}},
			"LoggingConfig": map[string]any{"LogGroup": map[string]any{"Ref": logGroupID}},
		})
	})
	_, fn := only(t, rs, "AWS::Lambda::Function")
	if !strings.Contains(str(fn.DependsOn), policyID) {
		t.Errorf("function depends on %v, want its policy %s", fn.DependsOn, policyID)
	}
	// Lambda keeps 100 of an account's concurrency unreserved: any
	// reservation fails in a new account whose quota is lower.
	if v, ok := fn.Properties["ReservedConcurrentExecutions"]; ok {
		t.Errorf("function reserves %v concurrent executions; a new account's quota cannot hold any reservation", v)
	}
	if fn.Properties["Environment"] != nil || fn.Properties["VpcConfig"] != nil {
		t.Errorf("function = %s", str(fn.Properties))
	}
}

func TestRoleIsLeastPrivilege(t *testing.T) {
	_, rs, _ := synth(t, props(t))
	roleID, role := only(t, rs, "AWS::IAM::Role")
	if got := str(role.Properties["AssumeRolePolicyDocument"]); got !=
		`{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"}}],"Version":"2012-10-17"}` {
		t.Errorf("trust = %s", got)
	}
	if role.Properties["ManagedPolicyArns"] != nil || role.Properties["Policies"] != nil {
		t.Errorf("role has AWS managed or inline policies: %s", str(role.Properties))
	}
	for _, r := range rs {
		if r.Type == "AWS::IAM::Policy" {
			t.Errorf("an inline policy: %s", str(r.Properties))
		}
	}
	logGroupID, _ := only(t, rs, "AWS::Logs::LogGroup")
	_, policy := only(t, rs, "AWS::IAM::ManagedPolicy")
	want := `{"Statement":[` +
		`{"Action":["config:PutEvaluations","config:GetResourceConfigHistory"],"Effect":"Allow","Resource":"*","Sid":"EvaluateWithAWSConfig"},` +
		`{"Action":["logs:CreateLogStream","logs:PutLogEvents"],"Effect":"Allow","Resource":{"Fn::GetAtt":["` + logGroupID + `","Arn"]},"Sid":"WriteOwnLogGroup"}` +
		`],"Version":"2012-10-17"}`
	if got := str(policy.Properties["PolicyDocument"]); got != want {
		t.Errorf("policy = %s\nwant     %s", got, want)
	}
	if got := str(policy.Properties["Roles"]); got != `[{"Ref":"`+roleID+`"}]` {
		t.Errorf("policy roles = %s", got)
	}
	if !strings.Contains(str(policy.Metadata), `"applies_to":["Resource::*"]`) {
		t.Errorf("the \"*\" has no recorded reason: %s", str(policy.Metadata))
	}
}

func TestPermission(t *testing.T) {
	_, rs, _ := synth(t, props(t))
	fnID, _ := only(t, rs, "AWS::Lambda::Function")
	_, perm := only(t, rs, "AWS::Lambda::Permission")
	want := `{"Action":"lambda:InvokeFunction","FunctionName":{"Fn::GetAtt":["` + fnID + `","Arn"]},"Principal":"config.amazonaws.com","SourceAccount":"333333333333"}`
	if got := str(perm.Properties); got != want {
		t.Errorf("permission = %s\nwant         %s", got, want)
	}
}

func TestConfigRule(t *testing.T) {
	_, rs, _ := synth(t, props(t))
	fnID, _ := only(t, rs, "AWS::Lambda::Function")
	permID, _ := only(t, rs, "AWS::Lambda::Permission")
	_, rule := only(t, rs, "AWS::Config::ConfigRule")
	want := `{"ConfigRuleName":"sg-ingress-internet",` +
		`"Description":"No security group allows ingress from the internet except to TCP 80 and 443",` +
		`"InputParameters":{"allowedPorts":"80,443"},` +
		`"Scope":{"ComplianceResourceTypes":["AWS::EC2::SecurityGroup"]},` +
		`"Source":{"Owner":"CUSTOM_LAMBDA","SourceDetails":[` +
		`{"EventSource":"aws.config","MessageType":"ConfigurationItemChangeNotification"},` +
		`{"EventSource":"aws.config","MessageType":"OversizedConfigurationItemChangeNotification"}],` +
		`"SourceIdentifier":{"Fn::GetAtt":["` + fnID + `","Arn"]}}}`
	if got := str(rule.Properties); got != want {
		t.Errorf("rule = %s\nwant   %s", got, want)
	}
	if len(rule.DependsOn) != 1 || rule.DependsOn[0] != permID {
		t.Errorf("rule depends on %v, want the permission %s", rule.DependsOn, permID)
	}
}

func TestOptionalPropsAreLeftOut(t *testing.T) {
	p := props(t)
	p.Description, p.InputParameters = "", nil
	_, rs, _ := synth(t, p)
	_, rule := only(t, rs, "AWS::Config::ConfigRule")
	if _, ok := rule.Properties["Description"]; ok {
		t.Error("rule has a Description")
	}
	if _, ok := rule.Properties["InputParameters"]; ok {
		t.Error("rule has InputParameters")
	}
}

func TestLogsAreEncryptedAndRetained(t *testing.T) {
	p := props(t)
	_, rs, _ := synth(t, p)
	keyID, key := only(t, rs, "AWS::KMS::Key")
	_, lg := only(t, rs, "AWS::Logs::LogGroup")
	if lg.DeletionPolicy != "Retain" || lg.UpdateReplacePolicy != "Retain" || key.DeletionPolicy != "Retain" {
		t.Errorf("deletion policies: log group %q/%q, key %q", lg.DeletionPolicy, lg.UpdateReplacePolicy, key.DeletionPolicy)
	}
	if str(lg.Properties["KmsKeyId"]) != `{"Fn::GetAtt":["`+keyID+`","Arn"]}` || lg.Properties["RetentionInDays"] != float64(365) {
		t.Errorf("log group = %s", str(lg.Properties))
	}
	if key.Properties["EnableKeyRotation"] != true {
		t.Error("key is not rotated")
	}
	policy := str(key.Properties["KeyPolicy"])
	for _, s := range []string{`"Service":"logs.us-east-1.amazonaws.com"`, `"Sid":"DenyGrantsExceptForAWSServices"`, `"kms:EncryptionContext:aws:logs:arn"`} {
		if !strings.Contains(policy, s) {
			t.Errorf("key policy lacks %s: %s", s, policy)
		}
	}

	p = props(t)
	p.LogRetention = awslogs.RetentionDays_TWO_YEARS
	_, rs, _ = synth(t, p)
	if _, lg := only(t, rs, "AWS::Logs::LogGroup"); lg.Properties["RetentionInDays"] != float64(731) {
		t.Errorf("LogRetention two years: %v", lg.Properties["RetentionInDays"])
	}
}

func TestNagSuppressionsSayWhy(t *testing.T) {
	_, rs, _ := synth(t, props(t))
	_, fn := only(t, rs, "AWS::Lambda::Function")
	md := str(fn.Metadata)
	for _, id := range []string{"NIST.800.53.R5-LambdaConcurrency", "NIST.800.53.R5-LambdaInsideVPC", "NIST.800.53.R5-LambdaDLQ"} {
		if !strings.Contains(md, `"id":"`+id+`"`) {
			t.Errorf("function metadata lacks %s: %s", id, md)
		}
	}
}

func TestMisusePanics(t *testing.T) {
	noBootstrap := t.TempDir()
	notExecutable := t.TempDir()
	if err := os.WriteFile(filepath.Join(notExecutable, "bootstrap"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		mutate func(*customrule.Props)
		want   string
	}{
		{"no code directory", func(p *customrule.Props) { p.CodeDirectory = "" }, "Props.CodeDirectory is empty"},
		{"no bootstrap", func(p *customrule.Props) { p.CodeDirectory = noBootstrap }, "has no bootstrap"},
		{"bootstrap not executable", func(p *customrule.Props) { p.CodeDirectory = notExecutable }, "bootstrap is not an executable file"},
		{"no rule name", func(p *customrule.Props) { p.RuleName = "" }, `Props.RuleName ""`},
		{"bad rule name", func(p *customrule.Props) { p.RuleName = "sg ingress" }, `Props.RuleName "sg ingress"`},
		{"no resource types", func(p *customrule.Props) { p.ResourceTypes = nil }, "Props.ResourceTypes is empty"},
		{"bad resource type", func(p *customrule.Props) { p.ResourceTypes = []string{"EC2::SecurityGroup"} }, `"EC2::SecurityGroup" is not a resource type`},
		{"parameters too long", func(p *customrule.Props) { p.InputParameters = map[string]string{"x": strings.Repeat("1", 1100)} }, "at most 1024"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := props(t)
			tc.mutate(p)
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), tc.want) {
					t.Errorf("panic %v, want one with %q", r, tc.want)
				}
			}()
			synth(t, p)
		})
	}
	func() {
		defer func() {
			if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "Props.CodeDirectory") {
				t.Errorf("nil props: panic %v", r)
			}
		}()
		synth(t, nil)
	}()
}
