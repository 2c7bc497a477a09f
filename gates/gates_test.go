package gates_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/palisade-sec/palisade/gates"
)

// The tests run the real cfn-lint and cfn-guard over hand-written cloud
// assemblies: testdata/good passes every gate, and in testdata/bad each stack
// fails one gate (Lint, Guard, Nag). Each assembly is checked once and shared.

const (
	loggingWaiver = "s3_bucket_logging_enabled_check"
	loggingReason = "test: access logs of these buckets would log into themselves"
	staleWaiver   = "s3_bucket_versioning_enabled_check"
)

var (
	good = sync.OnceValues(func() (*gates.Report, error) {
		// A waiver for a rule that fails nowhere in this assembly: stale.
		return gates.Run(gates.Options{OutDir: "testdata/good", Waivers: []gates.Waiver{
			{Tool: "cfn-guard", Rule: staleWaiver, Reason: "test: a waiver that matches nothing"}}})
	})
	bad = sync.OnceValues(func() (*gates.Report, error) {
		return gates.Run(gates.Options{OutDir: "testdata/bad", Waivers: []gates.Waiver{
			{Tool: "cfn-guard", Rule: loggingWaiver, Reason: loggingReason}}})
	})
)

// report returns the shared report of one assembly, failing the test when the
// tools are missing.
func report(t *testing.T, run func() (*gates.Report, error)) *gates.Report {
	t.Helper()
	if _, err := exec.LookPath("cfn-lint"); err != nil {
		t.Fatal("cfn-lint is not on PATH: run make setup")
	}
	if _, err := os.Stat("../node_modules/@cdklabs/cdk-validator-cfnguard"); err != nil {
		t.Fatal("node_modules/@cdklabs/cdk-validator-cfnguard is missing: run make setup")
	}
	r, err := run()
	if err != nil {
		t.Fatalf("gates.Run: %v", err)
	}
	return r
}

func stack(t *testing.T, r *gates.Report, name string) gates.StackResult {
	t.Helper()
	for _, s := range r.Stacks {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no stack %s in the report", name)
	return gates.StackResult{}
}

func printed(r *gates.Report) string {
	var b bytes.Buffer
	r.Print(&b)
	return b.String()
}

func TestGoodAssemblyPasses(t *testing.T) {
	t.Parallel()
	r := report(t, good)
	if !r.OK() {
		t.Fatalf("OK() = false, want true:\n%s", printed(r))
	}
	want := []gates.StackResult{{
		Name: "Keys-111111111111-eu-west-1", Account: "111111111111", Region: "eu-west-1",
		Template: "testdata/good/Keys-111111111111-eu-west-1.template.json", Resources: 1,
		// The warning is both in the report and in the metadata: counted once.
		Nag: gates.NagResult{Warnings: 1, Suppressed: 1},
	}, {
		// The artifact is KeysUs; its stackName names the stack and its nag report.
		Name: "Keys-222222222222-us-east-1", Account: "222222222222", Region: "us-east-1",
		Template: "testdata/good/KeysUs.template.json", Resources: 3,
		// Its metadata is in KeysUs.metadata.json, with a warning of CDK's own.
		Nag: gates.NagResult{Warnings: 1, Suppressed: 1},
	}}
	if len(r.Stacks) != len(want) {
		t.Fatalf("%d stacks, want %d (asset manifests, the tree and asset templates are not stacks)", len(r.Stacks), len(want))
	}
	for i, w := range want {
		s := r.Stacks[i]
		if s.Name != w.Name || s.Account != w.Account || s.Region != w.Region || s.Template != w.Template || s.Resources != w.Resources {
			t.Errorf("stack %d = %s %s %s %s %d resources, want %s %s %s %s %d", i,
				s.Name, s.Account, s.Region, s.Template, s.Resources, w.Name, w.Account, w.Region, w.Template, w.Resources)
		}
		if s.Nag.Errors != w.Nag.Errors || s.Nag.Warnings != w.Nag.Warnings || s.Nag.Suppressed != w.Nag.Suppressed {
			t.Errorf("%s: nag = %+v, want %+v", s.Name, s.Nag, w.Nag)
		}
		if s.Guard.Passed == 0 || s.Guard.Failed != 0 {
			t.Errorf("%s: guard = %+v, want rules passed and none failed", s.Name, s.Guard)
		}
	}

	// CDK acknowledged W3010 on the VPC: its subnet's literal AZ does not fail.
	lint := r.Stacks[1].Lint
	if len(lint) != 1 || lint[0].Rule != "W3010" || lint[0].Resource != "VpcSubnetA1B2C3D4" || !strings.Contains(lint[0].Reason, "Literal AZs") {
		t.Errorf("Keys-222222222222-us-east-1 lint = %+v, want one W3010 on VpcSubnetA1B2C3D4 acknowledged by CDK", lint)
	}
	if len(r.StaleWaivers) != 1 || r.StaleWaivers[0].Rule != staleWaiver {
		t.Errorf("StaleWaivers = %q, want [%s]", r.StaleWaivers, staleWaiver)
	}

	wantPrint := `STACK                        ACCOUNT       REGION     RESOURCES  NAG               CFN-LINT  CFN-GUARD  PALISADE
Keys-111111111111-eu-west-1  111111111111  eu-west-1  1          ok 1 warn 1 supp  ok        ok 2 pass  ok
Keys-222222222222-us-east-1  222222222222  us-east-1  3          ok 1 warn 1 supp  ok 1 ack  ok 3 pass  ok

acknowledged by CDK: cfn-lint W3010 (1 resource in 1 stack): Literal AZs in template are the result of accessing stack.availabilityZones, this is expected and safe
note: 1 waiver matched nothing in this assembly (they cover options or the pipeline it does not have): cfn-guard s3_bucket_versioning_enabled_check

gates: all passed (2 stacks)
`
	if got := printed(r); got != wantPrint {
		t.Errorf("Print:\n%s\nwant:\n%s", got, wantPrint)
	}
}

// Each gate fails on its own: in testdata/bad every stack fails exactly one.
func TestEachGateFails(t *testing.T) {
	t.Parallel()
	r := report(t, bad)
	if r.OK() {
		t.Fatalf("OK() = true, want false:\n%s", printed(r))
	}
	for _, tc := range []struct {
		stack, gate string
	}{
		{"Lint", "cfn-lint"},
		{"Guard", "cfn-guard"},
		{"Nag", "nag"},
		{"Own", "palisade"},
	} {
		s := stack(t, r, tc.stack)
		failed := map[string]bool{
			"nag":       len(s.Nag.Findings) > 0,
			"cfn-lint":  slices.ContainsFunc(s.Lint, func(f gates.Finding) bool { return f.Reason == "" && f.Level != "Informational" }),
			"cfn-guard": s.Guard.Failed > 0,
			"palisade":  len(s.Own) > 0,
		}
		for gate, fails := range failed {
			if fails != (gate == tc.gate) {
				t.Errorf("stack %s: %s failed = %t, want %t", tc.stack, gate, fails, gate == tc.gate)
			}
		}
	}
	out := printed(r)
	if last := lastLine(out); last != "gates: 14 failures" {
		t.Errorf("last line = %q, want %q (4 guard rules x 2 buckets, 1 lint, 2 nag, 3 palisade)\n%s", last, "gates: 14 failures", out)
	}
}

// Palisade's own checks find SSH in a port range, RDP over IPv6 in a rule
// of its own, and a key pair, each with its line.
func TestOwnFailure(t *testing.T) {
	t.Parallel()
	s := stack(t, report(t, bad), "Own")
	var got []string
	for _, f := range s.Own {
		got = append(got, fmt.Sprintf("%s %s:%d %s", f.Rule, f.Resource, f.Line, f.Message))
	}
	want := []string{
		"no-key-pair KeyPair9C0D1E2F:23 creates an EC2 key pair; instances are reached through Session Manager, without keys",
		"no-ssh OpsGroup1A2B3C4D:3 an ingress rule reaches port 22 (tcp 20-25 from 10.0.0.0/8); use Session Manager instead of SSH or RDP",
		"no-ssh RdpFromPeered5E6F7A8B:13 the ingress rule reaches port 3389 (6 3389-3389 from fd00::/8); use Session Manager instead of SSH or RDP",
	}
	if !slices.Equal(got, want) {
		t.Errorf("own findings:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestLintFailure(t *testing.T) {
	t.Parallel()
	s := stack(t, report(t, bad), "Lint")
	want := gates.Finding{Rule: "E3002", Resource: "Vpc8378EB38", Level: "Error", Line: 6}
	if len(s.Lint) != 1 {
		t.Fatalf("lint = %+v, want one finding", s.Lint)
	}
	got := s.Lint[0]
	if got.Rule != want.Rule || got.Resource != want.Resource || got.Level != want.Level || got.Line != want.Line || !strings.Contains(got.Message, "10.0.0.0/33") {
		t.Errorf("lint = %+v, want %+v about 10.0.0.0/33", got, want)
	}
}

func TestGuardFailureAndWaiver(t *testing.T) {
	t.Parallel()
	r := report(t, bad)
	s := stack(t, r, "Guard")
	if s.Guard.Failed != 4 || s.Guard.Waived != 1 || s.Guard.Passed == 0 {
		t.Errorf("guard = %d failed, %d waived, %d passed; want 4, 1 (%s) and some", s.Guard.Failed, s.Guard.Waived, s.Guard.Passed, loggingWaiver)
	}
	// Versioning is suspended on line 22 (Logs) and 47 (Archive).
	for resource, line := range map[string]int{"Logs6819BB44": 22, "Archive1F6E4A2B": 47} {
		i := slices.IndexFunc(s.Guard.Findings, func(f gates.Finding) bool {
			return f.Rule == "s3_bucket_versioning_enabled_check" && f.Resource == resource
		})
		if i < 0 {
			t.Errorf("no s3_bucket_versioning_enabled_check finding on %s in %+v", resource, s.Guard.Findings)
			continue
		}
		if f := s.Guard.Findings[i]; f.Line != line || f.Reason != "" || !strings.Contains(f.Message, "CT.S3.PR.11") {
			t.Errorf("finding = %+v, want line %d, not waived, message of CT.S3.PR.11", f, line)
		}
	}
	for _, f := range s.Guard.Findings {
		if (f.Rule == loggingWaiver) != (f.Reason == loggingReason) {
			t.Errorf("finding %s on %s has reason %q: only %s is waived", f.Rule, f.Resource, f.Reason, loggingWaiver)
		}
	}
	if len(r.StaleWaivers) != 0 {
		t.Errorf("StaleWaivers = %q, want none: the waiver matched", r.StaleWaivers)
	}

	out := printed(r)
	if !strings.Contains(out, "cfn-guard s3_bucket_versioning_enabled_check: [CT.S3.PR.11]") ||
		!strings.Contains(out, "testdata/bad/Guard.template.json:22 Logs6819BB44") {
		t.Errorf("Print does not show the versioning failure with its place:\n%s", out)
	}
	waived := "waived: cfn-guard " + loggingWaiver + " (2 resources in 1 stack): " + loggingReason
	if n := strings.Count(out, loggingWaiver); n != 1 || !strings.Contains(out, waived) {
		t.Errorf("Print names %s %d times, want once, as %q:\n%s", loggingWaiver, n, waived, out)
	}
}

func TestNagFailure(t *testing.T) {
	t.Parallel()
	s := stack(t, report(t, bad), "Nag")
	// The report's error is also an aws:cdk:error: counted once. The app's own
	// aws:cdk:error fails too.
	if s.Nag.Errors != 2 || s.Nag.Warnings != 0 || s.Nag.Suppressed != 1 {
		t.Errorf("nag = %d errors, %d warnings, %d suppressed; want 2, 0, 1", s.Nag.Errors, s.Nag.Warnings, s.Nag.Suppressed)
	}
	var got []string
	for _, f := range s.Nag.Findings {
		got = append(got, f.Rule+" "+f.Resource)
	}
	want := []string{"AwsSolutions-KMS5 KeyB3E7C46A", "aws:cdk:error /Nag"}
	if !slices.Equal(got, want) {
		t.Errorf("nag findings = %q, want %q", got, want)
	}
}

// When the gates cannot run, the error says how to fix it; nothing is run.
func TestCannotRun(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		opts gates.Options
		want string
	}{
		{"no cfn-lint", gates.Options{OutDir: "testdata/good", CfnLint: "no-such-cfn-lint"}, "pip install cfn-lint"},
		{"no cfn-guard", gates.Options{OutDir: "testdata/good", CfnGuard: "testdata/no-such-cfn-guard"}, "run make setup (npm ci)"},
		{"no rules", gates.Options{OutDir: "testdata/good", GuardRules: "testdata/no-such-rules"}, "run make setup (npm ci)"},
		{"no assembly", gates.Options{OutDir: "testdata/no-such-cdk.out"}, "synthesize the app first (run make synth, or cdk synth)"},
		{"waiver without reason", gates.Options{OutDir: "testdata/good", Waivers: []gates.Waiver{{Tool: "cfn-guard", Rule: "some_rule"}}}, "every waiver must say why"},
		{"waiver of an unknown tool", gates.Options{OutDir: "testdata/good", Waivers: []gates.Waiver{{Tool: "nag", Rule: "x", Reason: "a reason that is long enough"}}}, "is not cfn-guard or cfn-lint"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := gates.Run(tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Run error = %v, want one saying %q", err, tc.want)
			}
		})
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

// TestScopedWaivers: a waiver covers only the resources it names, for
// cfn-guard and cfn-lint alike; a rule with one unwaived failure still fails.
func TestScopedWaivers(t *testing.T) {
	r, err := gates.Run(gates.Options{OutDir: "testdata/bad", Waivers: []gates.Waiver{
		{Tool: "cfn-guard", Rule: loggingWaiver, Resources: []string{"Logs"}, Reason: loggingReason},
		{Tool: "cfn-lint", Rule: "E3002", Resources: []string{"Vpc"}, Reason: "test: the bad CIDR is the point of this fixture"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range r.Stacks {
		switch s.Name {
		case "Guard":
			for _, f := range s.Guard.Findings {
				if f.Rule == loggingWaiver && (f.Reason != "") != strings.HasPrefix(f.Resource, "Logs") {
					t.Errorf("%s on %s: reason %q; only Logs* is waived", f.Rule, f.Resource, f.Reason)
				}
			}
			if s.Guard.Waived != 0 {
				t.Errorf("guard waived %d rules; the logging rule still fails on Archive*", s.Guard.Waived)
			}
		case "Lint":
			if lintFails(s.Lint) {
				t.Errorf("lint still fails with E3002 waived on Vpc*: %+v", s.Lint)
			}
		}
	}
	if len(r.StaleWaivers) != 0 {
		t.Errorf("stale waivers: %v", r.StaleWaivers)
	}
}

func lintFails(fs []gates.Finding) bool {
	for _, f := range fs {
		if f.Reason == "" && (f.Level == "Error" || f.Level == "Warning") {
			return true
		}
	}
	return false
}

// TestCache proves the cache saves the tools' work and nothing else: a second
// run over the same assembly takes every result from the cache and reports the
// same, and a template changed after it was cached is checked again and fails.
func TestCache(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "cdk.out")
	if err := os.CopyFS(dir, os.DirFS("testdata/good")); err != nil {
		t.Fatal(err)
	}
	// The tools are found through the repository's node_modules, above the
	// working directory, not above the copy.
	opts := gates.Options{OutDir: dir, CacheDir: t.TempDir(), Waivers: []gates.Waiver{}}
	run := func() *gates.Report {
		t.Helper()
		r, err := gates.Run(opts)
		if err != nil {
			t.Fatalf("gates.Run: %v", err)
		}
		return r
	}

	first := run()
	if !first.OK() || first.LintCached != 0 || first.GuardCached != 0 {
		t.Fatalf("first run: OK %v, %d lint and %d guard results cached; want a pass from an empty cache:\n%s", first.OK(), first.LintCached, first.GuardCached, printed(first))
	}
	second := run()
	if second.LintCached != len(second.Stacks) || second.GuardCached != len(second.Stacks) {
		t.Errorf("second run: %d lint and %d guard results cached, want all %d", second.LintCached, second.GuardCached, len(second.Stacks))
	}
	note := func(s string) string { // the summary without the cache's note
		var keep []string
		for _, l := range strings.Split(s, "\n") {
			if !strings.Contains(l, "come from the cache") {
				keep = append(keep, l)
			}
		}
		return strings.Join(keep, "\n")
	}
	if a, b := printed(first), note(printed(second)); a != b {
		t.Errorf("the cached run reports differently:\n%s\nfirst:\n%s", b, a)
	}

	// Turn key rotation off in one template: cfn-guard must fail it.
	path := filepath.Join(dir, "Keys-111111111111-eu-west-1.template.json")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(string(raw), `"EnableKeyRotation": true`, `"EnableKeyRotation": false`, 1)
	if changed == string(raw) {
		t.Fatal("the template has no key rotation to turn off")
	}
	if err := os.WriteFile(path, []byte(changed), 0o644); err != nil {
		t.Fatal(err)
	}
	third := run()
	if third.OK() {
		t.Fatalf("a key without rotation passed with the cache:\n%s", printed(third))
	}
	if want := len(third.Stacks) - 1; third.LintCached != want || third.GuardCached != want {
		t.Errorf("third run: %d lint and %d guard results cached, want %d (all but the changed template)", third.LintCached, third.GuardCached, want)
	}
	if !strings.Contains(printed(third), "kms_key_rotation_enabled_check") {
		t.Errorf("the failure is not the key rotation rule:\n%s", printed(third))
	}
}
