package test

import (
	_ "embed"
	"encoding/json"
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

// TestFanOutTemplate: the options org's deployment.stackSets puts the
// workload account's log stack into one service-managed stack set of the
// management account's fanout stack. The set's template comes from the
// logs stack's own factory, environment-agnostic: no workload account id,
// no fixed region, no CDK bootstrap rule or asset (a target account has
// neither); the org file's options reach the StackSet resource; the
// home orgadmin stack activates StackSets' trusted access, and no
// workload account has a logs stack of its own.
func TestFanOutTemplate(t *testing.T) {
	o := optionsOrgSynth(t)
	fan := readTemplate(t, o.outdir, stacks.StackName("opts", "fanout", "management", "eu-west-1"))
	var sets []map[string]any
	for _, r := range fan.Resources {
		if r.Type == "AWS::CloudFormation::StackSet" {
			sets = append(sets, r.Properties)
		}
	}
	if len(sets) != 1 {
		t.Fatalf("stack sets = %d, want 1", len(sets))
	}
	set := sets[0]
	body, _ := set["TemplateBody"].(string)
	for _, want := range []string{`"AWS::Logs::LogGroup"`, `"AWS::Logs::SubscriptionFilter"`, `"/app/audit"`, "${AWS::Region}",
		"arn:${AWS::Partition}:logs:${AWS::Region}:222222222222:destination:"} {
		if !strings.Contains(body, want) {
			t.Errorf("the stack set's template lacks %s:\n%s", want, body)
		}
	}
	for _, bad := range []string{"333333333333", "eu-west-1", "BootstrapVersion", "cdk-hnb659fds"} {
		if strings.Contains(body, bad) {
			t.Errorf("the stack set's template holds %s: it must be the same for every account and region", bad)
		}
	}
	for key, want := range map[string]string{
		"PermissionModel":      `"SERVICE_MANAGED"`,
		"AutoDeployment":       `{"Enabled":true,"RetainStacksOnAccountRemoval":true}`,
		"OperationPreferences": `{"ConcurrencyMode":"SOFT_FAILURE_TOLERANCE","FailureTolerancePercentage":10,"MaxConcurrentPercentage":50,"RegionConcurrencyType":"PARALLEL"}`,
		"StackInstancesGroup":  `[{"DeploymentTargets":{"OrganizationalUnitIds":["ou-abcd-11111111"]},"Regions":["eu-west-1"]}]`,
	} {
		if got := js(set[key]); got != want {
			t.Errorf("%s = %s, want %s", key, got, want)
		}
	}
	for _, s := range o.report.Stacks {
		if strings.HasPrefix(s.Name, "opts-logs-") {
			t.Errorf("%s is synthesized: with stackSets the workload accounts' log stacks are the stack set's", s.Name)
		}
	}
	judged := slices.ContainsFunc(o.report.Stacks, func(s gates.StackResult) bool {
		return strings.HasPrefix(s.Name, stacks.StackName("opts", "fanout", "management", "eu-west-1")+"/") && s.Resources > 0
	})
	if !judged {
		t.Error("the gates did not judge the stack set's template as a stack of its own")
	}
	// Deleting the fanout stack deletes every account's instance stack.
	raw, err := os.ReadFile(filepath.Join(o.outdir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var manifest struct {
		Artifacts map[string]struct{ Properties map[string]any }
	}
	if err := json.Unmarshal(raw, &manifest); err != nil {
		t.Fatal(err)
	}
	if p := manifest.Artifacts[stacks.StackName("opts", "fanout", "management", "eu-west-1")].Properties; p["terminationProtection"] != true {
		t.Errorf("the fanout stack's properties %v: no termination protection", p)
	}
	// The options org attaches no guardrails (no policy targets): their
	// StackSets exemption is deployplan's TestFanOutGuardrails.
	if admin := js(readTemplate(t, o.outdir, stacks.StackName("opts", "orgadmin", "management", "eu-west-1")).Resources); !strings.Contains(admin, "activateOrganizationsAccess") {
		t.Error("the orgadmin stack does not activate StackSets' trusted access")
	}
}
