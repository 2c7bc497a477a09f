package test

import (
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/palisade-sec/palisade/config"
	"github.com/palisade-sec/palisade/gates"
	"github.com/palisade-sec/palisade/stacks"
)

// optionsOrg is the options org, testdata/options.yaml: it turns on, or
// away from their defaults, the options the example leaves alone, so that
// synth, the gates and the assertions cover them too. The deploy lane
// (test/e2e, TestDeployOptions) deploys the same file.
//
//go:embed testdata/options.yaml
var optionsOrg string

// optionsFile names the options org in errors.
const optionsFile = "test/testdata/options.yaml"

var options = sync.OnceValues(func() (*optionsResult, error) {
	org, err := config.Load(optionsFile, []byte(optionsOrg))
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "palisade-options-")
	if err != nil {
		return nil, err
	}
	out := filepath.Join(dir, "cdk.out")
	if err := synth(org, out); err != nil {
		return nil, err
	}
	report, err := gates.Run(gates.Options{OutDir: out})
	if err != nil {
		return nil, err
	}
	return &optionsResult{org, out, report}, nil
})

type optionsResult struct {
	org    *config.Org
	outdir string
	report *gates.Report
}

func optionsOrgSynth(t *testing.T) *optionsResult {
	t.Helper()
	r, err := options()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestOptions synthesizes an org with every option away from its default:
// it passes the gates, and each option shows in the templates.
func TestOptions(t *testing.T) {
	o := optionsOrgSynth(t)
	if !o.report.OK() {
		var b strings.Builder
		o.report.Print(&b)
		t.Fatalf("gates failed on the options org:\n%s", b.String())
	}
	read := func(stack string) map[string][]map[string]any {
		out := map[string][]map[string]any{}
		for _, r := range readTemplate(t, o.outdir, stack).Resources {
			out[r.Type] = append(out[r.Type], r.Properties)
		}
		return out
	}
	for _, acct := range []string{"management", "security", "app"} {
		name := stacks.StackName("opts", "baseline", acct, "eu-west-1")
		res := read(name)
		calls := sdkCalls(t, res)
		// The call names the key by reference, so it is an Fn::Join: read it as text.
		if cr := js(res["Custom::AWS"]); !strings.Contains(cr, "modifyEbsDefaultKmsKeyId") || !strings.Contains(cr, `{"Fn::GetAtt":["EbsKey`) {
			t.Errorf("%s: EBS default key is not the account's own key: %s", name, cr)
		}
		if len(res["AWS::IAM::ServiceLinkedRole"]) != 0 {
			t.Errorf("%s: creates AWS Config's service-linked role with createConfigRole: false", name)
		}
		if pw := calls["IAM.updateAccountPasswordPolicy"]; fmt.Sprint(pw["MaxPasswordAge"]) != "60" {
			t.Errorf("%s: password policy %v, want max age 60", name, pw)
		}
		if len(res["AWS::CloudFormation::CustomResource"]) != 1 {
			t.Errorf("%s: no default VPC deletion", name)
		}
		for _, r := range res["AWS::Config::RemediationConfiguration"] {
			if r["TargetId"] == "AWS-EnableS3BucketEncryption" {
				t.Errorf("%s: the unencryptedBuckets remediation is disabled but deployed", name)
			}
		}
		for _, r := range res["AWS::Config::ConfigRule"] {
			if r["ConfigRuleName"] == stacks.SgIngressRuleName && js(r["InputParameters"]) != `{"allowedPorts":"443"}` {
				t.Errorf("%s: custom rule parameters %s, want 443 only", name, js(r["InputParameters"]))
			}
		}
	}
	pack := js(read(stacks.StackName("opts", "compliance", "security", "eu-west-1"))["AWS::Config::OrganizationConformancePack"])
	if !strings.Contains(pack, "rds-storage-encrypted") || strings.Contains(pack, "root-account-mfa-enabled") {
		t.Errorf("pack does not add rds-storage-encrypted and drop root-account-mfa-enabled: %s", pack)
	}
	// An account the file does not manage has no recorder, where the pack
	// would fail (superwerker#291): the pack excludes it.
	if !strings.Contains(pack, `"ExcludedAccounts":["999999999999"]`) {
		t.Errorf("pack does not exclude compliance.unmanagedAccounts: %s", pack)
	}
	trail := read(stacks.StackName("opts", "trail", "management", "eu-west-1"))
	if len(trail["AWS::CloudWatch::Alarm"]) != 0 || len(trail["AWS::Logs::LogGroup"]) != 0 {
		t.Errorf("the trail has a log group or CIS alarms with cloudWatchLogs and cisAlarms off")
	}
	sessions := strings.ReplaceAll(js(read(stacks.StackName("opts", "sessions", "app", "eu-west-1"))), `\\\"`, `"`)
	for _, w := range []string{`"idleSessionTimeout":"10"`, `"runAsEnabled":true`, `"runAsDefaultUser":"operator"`, `"OperatingSystem":"DEBIAN"`} {
		if !strings.Contains(sessions, w) {
			t.Errorf("sessions stack lacks %s", w)
		}
	}
	network := read(stacks.StackName("opts", "network", "app", "eu-west-1"))
	inst := network["AWS::EC2::Instance"]
	if len(inst) != 1 || inst[0]["KeyName"] != nil || inst[0]["IamInstanceProfile"] != nil {
		t.Errorf("demo instance = %v, want one, without key or profile", inst)
	}
	if !strings.Contains(js(inst), "isolated") && !strings.Contains(js(inst), "Private") {
		t.Errorf("demo instance is not in a private subnet: %s", js(inst))
	}
	var endpoints []string
	for _, e := range network["AWS::EC2::VPCEndpoint"] {
		endpoints = append(endpoints, js(e["ServiceName"]))
	}
	for _, svc := range config.SessionManagerEndpoints {
		if !slices.ContainsFunc(endpoints, func(e string) bool { return strings.Contains(e, "."+svc+`"`) || strings.Contains(e, "."+svc+"\"]") }) {
			t.Errorf("the isolated VPC has no %s endpoint (have %v)", svc, endpoints)
		}
	}
}
