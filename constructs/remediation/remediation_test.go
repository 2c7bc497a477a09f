package remediation_test

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/palisade-sec/palisade/constructs/remediation"
)

func TestMain(m *testing.M) {
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

type resource struct {
	Type       string
	Properties map[string]any
	Metadata   map[string]any
}

func synth(t *testing.T, p *remediation.Props) (map[string]resource, *remediation.Remediations) {
	t.Helper()
	app := awscdk.NewApp(&awscdk.AppProps{AnalyticsReporting: jsii.Bool(false)})
	stack := awscdk.NewStack(app, jsii.String("Test"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("333333333333"), Region: jsii.String("eu-west-1")},
	})
	r := remediation.New(stack, "Remediation", p)
	raw, err := json.Marshal(app.Synth(nil).GetStackByName(stack.StackName()).Template())
	if err != nil {
		t.Fatal(err)
	}
	var tpl struct{ Resources map[string]resource }
	if err := json.Unmarshal(raw, &tpl); err != nil {
		t.Fatal(err)
	}
	return tpl.Resources, r
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

// ruleByIdentifier finds the rule of a managed rule identifier.
func ruleByIdentifier(t *testing.T, rs map[string]resource, identifier string) (string, resource) {
	t.Helper()
	for id, r := range ofType(rs, "AWS::Config::ConfigRule") {
		if str(r.Properties["Source"]) == `{"Owner":"AWS","SourceIdentifier":"`+identifier+`"}` {
			return id, r
		}
	}
	t.Fatalf("no rule %s", identifier)
	panic("unreachable")
}

// remediationOf finds the remediation configuration of a rule.
func remediationOf(rs map[string]resource, ruleID string) (resource, bool) {
	for _, r := range ofType(rs, "AWS::Config::RemediationConfiguration") {
		if str(r.Properties["ConfigRuleName"]) == `{"Ref":"`+ruleID+`"}` {
			return r, true
		}
	}
	return resource{}, false
}

// roleOf returns the role an AutomationAssumeRole parameter names, and the
// statements of the managed policies attached to it.
func roleOf(t *testing.T, rs map[string]resource, params map[string]any) (string, resource, string) {
	t.Helper()
	ref := str(params["AutomationAssumeRole"])
	for id, r := range ofType(rs, "AWS::IAM::Role") {
		if ref == `{"StaticValue":{"Values":[{"Fn::GetAtt":["`+id+`","Arn"]}]}}` {
			if r.Properties["Policies"] != nil || r.Properties["ManagedPolicyArns"] != nil {
				t.Errorf("role %s has policies besides its own managed policy: %s", id, str(r.Properties))
			}
			var statements []string
			for _, p := range ofType(rs, "AWS::IAM::ManagedPolicy") {
				if str(p.Properties["Roles"]) == `[{"Ref":"`+id+`"}]` {
					statements = append(statements, str(p.Properties["PolicyDocument"].(map[string]any)["Statement"]))
				}
			}
			if len(statements) != 1 {
				t.Fatalf("role %s has %d managed policies, want its own one", id, len(statements))
			}
			return id, r, statements[0]
		}
	}
	t.Fatalf("AutomationAssumeRole %s names no role of the template", ref)
	panic("unreachable")
}

const trust = `{"Statement":[{"Action":"sts:AssumeRole","Condition":{"ArnLike":{"aws:SourceArn":{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":ssm:eu-west-1:333333333333:automation-execution/*"]]}},"StringEquals":{"aws:SourceAccount":"333333333333"}},"Effect":"Allow","Principal":{"Service":"ssm.amazonaws.com"}}],"Version":"2012-10-17"}`

func TestRemediations(t *testing.T) {
	rs, r := synth(t, &remediation.Props{InstanceRoleName: "palisade-ssm-instance"})
	const bucket = `[{"Action":%s,"Condition":{"StringEquals":{"s3:ResourceAccount":"333333333333"}},"Effect":"Allow","Resource":{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":s3:::*"]]}}]`
	for _, tc := range []struct {
		identifier, name, resourceType, document string
		params                                   string // without AutomationAssumeRole
		statements                               string
	}{
		{
			"S3_BUCKET_PUBLIC_READ_PROHIBITED", "palisade-s3-bucket-public-read-prohibited", "AWS::S3::Bucket",
			"AWSConfigRemediation-ConfigureS3BucketPublicAccessBlock",
			`{"BlockPublicAcls":{"StaticValue":{"Values":["true"]}},"BlockPublicPolicy":{"StaticValue":{"Values":["true"]}},"BucketName":{"ResourceValue":{"Value":"RESOURCE_ID"}},"IgnorePublicAcls":{"StaticValue":{"Values":["true"]}},"RestrictPublicBuckets":{"StaticValue":{"Values":["true"]}}}`,
			fmt.Sprintf(bucket, `["s3:GetBucketPublicAccessBlock","s3:PutBucketPublicAccessBlock"]`),
		},
		{
			"S3_BUCKET_PUBLIC_WRITE_PROHIBITED", "palisade-s3-bucket-public-write-prohibited", "AWS::S3::Bucket",
			"AWSConfigRemediation-ConfigureS3BucketPublicAccessBlock",
			`{"BlockPublicAcls":{"StaticValue":{"Values":["true"]}},"BlockPublicPolicy":{"StaticValue":{"Values":["true"]}},"BucketName":{"ResourceValue":{"Value":"RESOURCE_ID"}},"IgnorePublicAcls":{"StaticValue":{"Values":["true"]}},"RestrictPublicBuckets":{"StaticValue":{"Values":["true"]}}}`,
			fmt.Sprintf(bucket, `["s3:GetBucketPublicAccessBlock","s3:PutBucketPublicAccessBlock"]`),
		},
		{
			"S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED", "palisade-s3-bucket-server-side-encryption-enabled", "AWS::S3::Bucket",
			"AWS-EnableS3BucketEncryption",
			`{"BucketName":{"ResourceValue":{"Value":"RESOURCE_ID"}},"SSEAlgorithm":{"StaticValue":{"Values":["AES256"]}}}`,
			fmt.Sprintf(bucket, `"s3:PutEncryptionConfiguration"`),
		},
		{
			"VPC_DEFAULT_SECURITY_GROUP_CLOSED", "palisade-vpc-default-security-group-closed", "AWS::EC2::SecurityGroup",
			"AWSConfigRemediation-RemoveVPCDefaultSecurityGroupRules",
			`{"GroupId":{"ResourceValue":{"Value":"RESOURCE_ID"}}}`,
			`[{"Action":"ec2:DescribeSecurityGroups","Effect":"Allow","Resource":"*"},` +
				`{"Action":["ec2:RevokeSecurityGroupEgress","ec2:RevokeSecurityGroupIngress"],"Effect":"Allow","Resource":{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":ec2:eu-west-1:333333333333:security-group/*"]]}}]`,
		},
		{
			"EC2_INSTANCE_MANAGED_BY_SSM", "palisade-ec2-instance-managed-by-systems-manager", "AWS::EC2::Instance",
			"AWS-AttachIAMToInstance",
			`{"ForceReplace":{"StaticValue":{"Values":["false"]}},"InstanceId":{"ResourceValue":{"Value":"RESOURCE_ID"}},"RoleName":{"StaticValue":{"Values":["palisade-ssm-instance"]}}}`,
			`[{"Action":"ec2:DescribeIamInstanceProfileAssociations","Effect":"Allow","Resource":"*"},` +
				`{"Action":"ec2:AssociateIamInstanceProfile","Effect":"Allow","Resource":{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":ec2:eu-west-1:333333333333:instance/*"]]}},` +
				`{"Action":"iam:ListInstanceProfilesForRole","Effect":"Allow","Resource":{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":iam::333333333333:role/palisade-ssm-instance"]]}},` +
				`{"Action":"iam:PassRole","Condition":{"StringEquals":{"iam:PassedToService":"ec2.amazonaws.com"}},"Effect":"Allow","Resource":{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":iam::333333333333:role/palisade-ssm-instance"]]}}]`,
		},
	} {
		t.Run(tc.identifier, func(t *testing.T) {
			ruleID, rule := ruleByIdentifier(t, rs, tc.identifier)
			if got, want := str(rule.Properties), `{"ConfigRuleName":"`+tc.name+`","Scope":{"ComplianceResourceTypes":["`+tc.resourceType+`"]},"Source":{"Owner":"AWS","SourceIdentifier":"`+tc.identifier+`"}}`; got != want {
				t.Errorf("rule = %s\nwant   %s", got, want)
			}
			rem, ok := remediationOf(rs, ruleID)
			if !ok {
				t.Fatal("no remediation")
			}
			if r.ByRule[tc.identifier] == nil || r.ByRule[tc.identifier].Configuration == nil || r.ByRule[tc.identifier].Role == nil {
				t.Errorf("ByRule[%s] = %+v", tc.identifier, r.ByRule[tc.identifier])
			}
			props := map[string]any{}
			for k, v := range rem.Properties {
				if k != "Parameters" {
					props[k] = v
				}
			}
			want := `{"Automatic":true,"ConfigRuleName":{"Ref":"` + ruleID + `"},"ExecutionControls":{"SsmControls":{"ConcurrentExecutionRatePercentage":10,"ErrorPercentage":10}},` +
				`"MaximumAutomaticAttempts":3,"ResourceType":"` + tc.resourceType + `","RetryAttemptSeconds":60,"TargetId":"` + tc.document + `","TargetType":"SSM_DOCUMENT"}`
			if got := str(props); got != want {
				t.Errorf("remediation = %s\nwant          %s", got, want)
			}
			params := rem.Properties["Parameters"].(map[string]any)
			_, role, statements := roleOf(t, rs, params)
			delete(params, "AutomationAssumeRole")
			if got := str(params); got != tc.params {
				t.Errorf("parameters = %s\nwant         %s", got, tc.params)
			}
			if got := str(role.Properties["AssumeRolePolicyDocument"]); got != trust {
				t.Errorf("trust = %s\nwant    %s", got, trust)
			}
			if statements != tc.statements {
				t.Errorf("statements = %s\nwant         %s", statements, tc.statements)
			}
		})
	}
	if n := len(ofType(rs, "AWS::Config::ConfigRule")); n != 5 {
		t.Errorf("%d rules, want 5", n)
	}
	if n := len(ofType(rs, "AWS::IAM::Role")); n != 4 {
		t.Errorf("%d roles, want 4: one per runbook", n)
	}
	for id, p := range ofType(rs, "AWS::IAM::ManagedPolicy") {
		if !strings.Contains(str(p.Metadata), "AwsSolutions-IAM5") {
			t.Errorf("policy %s: its wildcards have no recorded reason", id)
		}
	}
}

func TestSettings(t *testing.T) {
	rs, _ := synth(t, &remediation.Props{
		RuleNamePrefix: "acme", MaximumAutomaticAttempts: 5, RetryAttemptSeconds: 600,
		ConcurrentExecutionRatePercentage: 25, ErrorPercentage: 50,
	})
	for _, r := range ofType(rs, "AWS::Config::ConfigRule") {
		if !strings.HasPrefix(r.Properties["ConfigRuleName"].(string), "acme-") {
			t.Errorf("rule name %v, want the prefix acme-", r.Properties["ConfigRuleName"])
		}
	}
	rems := ofType(rs, "AWS::Config::RemediationConfiguration")
	if len(rems) != 4 {
		t.Errorf("%d remediations, want 4 (instances are only reported without InstanceRoleName)", len(rems))
	}
	for _, r := range rems {
		got := str(r.Properties["MaximumAutomaticAttempts"]) + " " + str(r.Properties["RetryAttemptSeconds"]) + " " + str(r.Properties["ExecutionControls"])
		if want := `5 600 {"SsmControls":{"ConcurrentExecutionRatePercentage":25,"ErrorPercentage":50}}`; got != want {
			t.Errorf("retries and concurrency = %s, want %s", got, want)
		}
	}
}

func TestInstancesOnlyReportedWithoutRole(t *testing.T) {
	rs, r := synth(t, nil)
	ruleID, _ := ruleByIdentifier(t, rs, "EC2_INSTANCE_MANAGED_BY_SSM")
	if _, ok := remediationOf(rs, ruleID); ok {
		t.Error("EC2_INSTANCE_MANAGED_BY_SSM is remediated without an instance role")
	}
	if rem := r.ByRule["EC2_INSTANCE_MANAGED_BY_SSM"]; rem == nil || rem.Rule == nil || rem.Configuration != nil || rem.Role != nil {
		t.Errorf("ByRule[EC2_INSTANCE_MANAGED_BY_SSM] = %+v", rem)
	}
	if n := len(ofType(rs, "AWS::IAM::Role")); n != 3 {
		t.Errorf("%d roles, want 3", n)
	}
}

func TestDisable(t *testing.T) {
	for _, tc := range []struct {
		props remediation.Props
		gone  []string
	}{
		{remediation.Props{DisablePublicBuckets: true}, []string{"S3_BUCKET_PUBLIC_READ_PROHIBITED", "S3_BUCKET_PUBLIC_WRITE_PROHIBITED"}},
		{remediation.Props{DisableBucketEncryption: true}, []string{"S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED"}},
		{remediation.Props{DisableDefaultSecurityGroup: true}, []string{"VPC_DEFAULT_SECURITY_GROUP_CLOSED"}},
		{remediation.Props{DisableInstanceManagement: true}, []string{"EC2_INSTANCE_MANAGED_BY_SSM"}},
		{remediation.Props{DisablePublicBuckets: true, DisableBucketEncryption: true, DisableDefaultSecurityGroup: true, DisableInstanceManagement: true},
			[]string{"S3_BUCKET_PUBLIC_READ_PROHIBITED", "S3_BUCKET_PUBLIC_WRITE_PROHIBITED", "S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED", "VPC_DEFAULT_SECURITY_GROUP_CLOSED", "EC2_INSTANCE_MANAGED_BY_SSM"}},
	} {
		rs, r := synth(t, &tc.props)
		var present []string
		for _, rule := range ofType(rs, "AWS::Config::ConfigRule") {
			present = append(present, rule.Properties["Source"].(map[string]any)["SourceIdentifier"].(string))
		}
		sort.Strings(present)
		for _, g := range tc.gone {
			if r.ByRule[g] != nil || strings.Contains(strings.Join(present, " "), g) {
				t.Errorf("%+v: %s is still there", tc.props, g)
			}
		}
		if len(present)+len(tc.gone) != 5 {
			t.Errorf("%+v: rules %v, want all but %v", tc.props, present, tc.gone)
		}
		if len(tc.gone) == 5 && len(rs) != 0 {
			t.Errorf("everything disabled still creates %d resources", len(rs))
		}
	}
}

func TestMisusePanics(t *testing.T) {
	for _, tc := range []struct {
		props remediation.Props
		want  string
	}{
		{remediation.Props{RuleNamePrefix: "acme rules"}, `Props.RuleNamePrefix "acme rules"`},
		{remediation.Props{MaximumAutomaticAttempts: 26}, "Props.MaximumAutomaticAttempts 26"},
		{remediation.Props{RetryAttemptSeconds: -1}, "Props.RetryAttemptSeconds -1"},
		{remediation.Props{ConcurrentExecutionRatePercentage: 101}, "Props.ConcurrentExecutionRatePercentage 101"},
		{remediation.Props{ErrorPercentage: 200}, "Props.ErrorPercentage 200"},
		{remediation.Props{InstanceRoleName: "arn:aws:iam::333333333333:role/x"}, "Props.InstanceRoleName"},
		{remediation.Props{InstanceRoleName: "ssm", DisableInstanceManagement: true}, "Props.DisableInstanceManagement"},
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
