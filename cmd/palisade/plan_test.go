package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/palisade-sec/palisade/cmd/bench/benchorg"
	"github.com/palisade-sec/palisade/deployplan"
)

// The plan for the example org: every account's policies and bootstrap,
// trusting the management account, and the waves; a bad org gets its
// errors and exit 1.
func TestBootstrapPlan(t *testing.T) {
	wd, _ := os.Getwd()
	if err := os.Chdir("../.."); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)
	var out, errOut bytes.Buffer
	if code := runBootstrapPlan([]string{"organization.yaml"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	got := out.String()
	for _, id := range []string{"111111111111", "222222222222", "333333333333", "444444444444"} {
		want := "npx cdk bootstrap aws://" + id + "/us-east-1 aws://" + id + "/eu-west-1 --trust 111111111111 --cloudformation-execution-policies arn:aws:iam::" + id + ":policy/palisade-cfn-execution-compliance,"
		if !strings.Contains(got, want) {
			t.Errorf("plan lacks %q:\n%s", want, got)
		}
	}
	parts, err := filepath.Glob("deploy/execution-policy-*.json")
	if err != nil || len(parts) < 5 {
		t.Fatalf("execution policy parts: %v, %v", parts, err)
	}
	if strings.Count(got, "aws iam create-policy") != 4*len(parts) {
		t.Errorf("want the %d execution policy parts in each of 4 accounts:\n%s", len(parts), got)
	}
	if !strings.Contains(got, "#   accounts     management (3 stacks), prod (8 stacks) after approval, dev (8 stacks)") {
		t.Errorf("plan lacks the waves:\n%s", got)
	}
	if !strings.Contains(got, "5 sequential steps (at most 6 at any size)") {
		t.Errorf("plan lacks the depth:\n%s", got)
	}
	// 1,000 workload accounts, one of them production: the accounts phase
	// is one CLI action, then the approval and the production account.
	big := filepath.Join(t.TempDir(), "bench.yaml")
	if err := os.WriteFile(big, []byte(benchorg.File(1000)+"deployment:\n  productionAccounts: [w0000]\n  concurrency: 50\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if code := runBootstrapPlan([]string{big}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	for _, want := range []string{
		"6 sequential steps (at most 6 at any size):\n",
		"#   accounts     one action, cdk deploy --concurrency 50: 7995 stacks of 1000 accounts\n",
		"#   accounts-production after approval: w0000 (8 stacks)\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the 1,000-workload plan lacks %q:\n%s", want, out.String()[strings.LastIndex(out.String(), "# Then"):])
		}
	}
	out.Reset()
	errOut.Reset()
	if code := runBootstrapPlan([]string{"config/testdata/bad/deployment-account.yaml"}, &out, &errOut); code != 1 || out.Len() != 0 ||
		!strings.Contains(errOut.String(), `deployment.account: "tooling" is not an account of this file`) {
		t.Errorf("bad org: exit %d, stdout %q, stderr %q", code, out.String(), errOut.String())
	}
}

// palisade plan prints every stack of the example with its wave, what it
// deploys after and why, and its logs; -table is the purposes table; a bad
// org file gets its error and exit 1.
func TestPlanCommand(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := runPlan([]string{"../../organization.yaml"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	for _, want := range []string{
		"33 stacks, in the order they are created",
		"\nexample-trail-management-us-east-1\n  management (111111111111) us-east-1, wave accounts: palisade example: the organization trail, delivered to the log archive\n" +
			"  after example-logarchive-security-us-east-1: CloudTrail checks the archive's bucket and key policies when the trail is created\n" +
			"  after example-orgadmin-management-us-east-1: an organization trail needs CloudTrail's trusted access in AWS Organizations first\n" +
			"  logs to the archive in us-east-1: CloudTrail\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("palisade plan lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if code := runPlan([]string{"-table"}, &out, &errOut); code != 0 || out.String() != deployplan.Table() {
		t.Errorf("palisade plan -table: exit %d, %q", code, out.String())
	}
	out.Reset()
	errOut.Reset()
	if code := runPlan([]string{"../../config/testdata/bad/deployment-account.yaml"}, &out, &errOut); code != 1 || out.Len() != 0 ||
		!strings.Contains(errOut.String(), `deployment.account: "tooling" is not an account of this file`) {
		t.Errorf("bad org: exit %d, stdout %q, stderr %q", code, out.String(), errOut.String())
	}
}
