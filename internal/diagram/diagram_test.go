package diagram_test

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/palisade-sec/palisade/config"
	"github.com/palisade-sec/palisade/internal/diagram"
)

// testdata/example/manifest.json is cdk.out/manifest.json of the example
// org (make synth), cut down to each stack's type, environment,
// dependencies and template file, plus an asset manifest and the tree that must be ignored.
const exampleAssembly = "testdata/example"

func exampleOrg(t *testing.T) *config.Org {
	t.Helper()
	org, err := config.LoadFile("../../organization.yaml")
	if err != nil {
		t.Fatalf("load the example org: %v", err)
	}
	return org
}

func exampleDOT(t *testing.T) string {
	t.Helper()
	stacks, err := diagram.ReadAssembly(exampleAssembly)
	if err != nil {
		t.Fatal(err)
	}
	dot, err := diagram.DOT(exampleOrg(t), stacks)
	if err != nil {
		t.Fatal(err)
	}
	return string(dot)
}

func TestReadAssemblyWaves(t *testing.T) {
	stacks, err := diagram.ReadAssembly(exampleAssembly)
	if err != nil {
		t.Fatal(err)
	}
	if len(stacks) != 33 {
		t.Errorf("got %d stacks, want the example's 33", len(stacks))
	}
	wave := map[string]int{}
	for _, s := range stacks {
		wave[s.Name] = s.Wave
		for _, d := range s.DependsOn {
			if strings.HasSuffix(d, ".assets") {
				t.Errorf("%s depends on %s: asset manifests are not stacks", s.Name, d)
			}
		}
	}
	for name, want := range map[string]int{
		"example-logarchive-security-us-east-1": 1, // depends on nothing but its assets
		"example-orgadmin-management-eu-west-1": 1,
		"example-network-prod-us-east-1":        2, // after the archive
		"example-detect-security-us-east-1":     2, // after the archive and the delegation
		"example-baseline-dev-us-east-1":        2,
		"example-baseline-dev-eu-west-1":        3, // after its home region's baseline
		"example-compliance-security-us-east-1": 3, // after every recorder of the region
		"example-compliance-security-eu-west-1": 4,
	} {
		if wave[name] != want {
			t.Errorf("%s is in wave %d, want %d", name, wave[name], want)
		}
	}
	if !slices.IsSortedFunc(stacks, func(a, b diagram.Stack) int { return a.Wave - b.Wave }) {
		t.Error("stacks are not sorted by wave")
	}
	s := stacks[slices.IndexFunc(stacks, func(s diagram.Stack) bool { return s.Name == "example-network-dev-eu-west-1" })]
	if s.Account != "444444444444" || s.Region != "eu-west-1" {
		t.Errorf("example-network-dev-eu-west-1 is in %s/%s, want 444444444444/eu-west-1", s.Account, s.Region)
	}
}

func TestReadAssemblyErrors(t *testing.T) {
	for _, tc := range []struct {
		name, manifest, want string
	}{
		{"no assembly", "", "run make synth"},
		{"not json", "{", "unexpected end of JSON input"},
		{"cycle", `{"artifacts": {
			"a": {"type": "aws:cloudformation:stack", "environment": "aws://111111111111/us-east-1", "dependencies": ["b"], "properties": {"templateFile": "a.template.json"}},
			"b": {"type": "aws:cloudformation:stack", "environment": "aws://111111111111/us-east-1", "dependencies": ["a"], "properties": {"templateFile": "b.template.json"}}}}`,
			"cycle: a -> b -> a"},
		{"environment-agnostic", `{"artifacts": {
			"a": {"type": "aws:cloudformation:stack", "environment": "aws://unknown-account/unknown-region", "properties": {"templateFile": "a.template.json"}}}}`,
			`environment "aws://unknown-account/unknown-region"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.manifest != "" {
				if err := os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(tc.manifest), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			_, err := diagram.ReadAssembly(dir)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ReadAssembly = %v, want an error saying %q", err, tc.want)
			}
		})
	}
}

func TestDOTClusters(t *testing.T) {
	dot := exampleDOT(t)
	for _, want := range []string{
		`subgraph "cluster_management" {`,
		`subgraph "cluster_security" {`,
		`subgraph "cluster_prod" {`,
		`subgraph "cluster_dev" {`,
		`subgraph "cluster_dev_eu-west-1" {`,
		`label="us-east-1 (home)"`,
		`label=<<b>prod</b> · workload · 333333333333>`,
		// the archive of each region sits in the security account
		`"archive/us-east-1" [shape=cylinder`,
		`s3://example-logs-222222222222-eu-west-1`,
	} {
		if !strings.Contains(dot, want) {
			t.Errorf("DOT lacks %s", want)
		}
	}
	// Each region's cluster is inside its account's.
	sec := dot[strings.Index(dot, `subgraph "cluster_security" {`):strings.Index(dot, `subgraph "cluster_prod" {`)]
	for _, want := range []string{`subgraph "cluster_security_eu-west-1"`, `"archive/eu-west-1" [`, `"security/us-east-1" [`} {
		if !strings.Contains(sec, want) {
			t.Errorf("the security account's cluster lacks %s", want)
		}
	}
}

func TestDOTVPCs(t *testing.T) {
	dot := exampleDOT(t)
	for _, want := range []string{
		"<b>VPC 10.0.0.0/16</b>", "<b>VPC 10.1.0.0/16</b>",
		"<b>VPC 10.10.0.0/16</b></td></tr><tr><td colspan=\"2\" align=\"left\">3 AZs · NAT gateway per AZ",
		"<b>VPC 10.21.0.0/16</b></td></tr><tr><td colspan=\"2\" align=\"left\">2 AZs · single NAT gateway",
		"flow logs also to CloudWatch",
	} {
		if !strings.Contains(dot, want) {
			t.Errorf("DOT lacks %s", want)
		}
	}
	if n := strings.Count(dot, "<i>no VPC</i>"); n != 2 {
		t.Errorf("%d boxes say no VPC, want 2 (the management account in both regions)", n)
	}
}

func TestDOTLogFlows(t *testing.T) {
	dot := exampleDOT(t)
	edge := regexp.MustCompile(`(?m)^  "([^"]+)":"logs_([^"]+)":e -> "archive/([^"]+)" \[color="[^"]+", tooltip="[^"]*: ([^"]*)"\];$`)
	got := map[string]string{}
	for _, m := range edge.FindAllStringSubmatch(dot, -1) {
		if m[2] != m[3] {
			t.Errorf("edge from %s leaves port logs_%s but goes to archive/%s", m[1], m[2], m[3])
		}
		got[m[1]+" -> "+m[3]] = m[4]
	}
	want := map[string]string{
		"management/us-east-1 -> us-east-1": "CloudTrail, Config",
		"management/eu-west-1 -> eu-west-1": "Config",
		"security/us-east-1 -> us-east-1":   "flow logs, log groups, Config, sessions, GuardDuty",
		"security/eu-west-1 -> eu-west-1":   "flow logs, log groups, Config, sessions, GuardDuty",
		"prod/us-east-1 -> us-east-1":       "flow logs, log groups, Config, sessions",
		"prod/eu-west-1 -> eu-west-1":       "flow logs, log groups, Config, sessions",
		"dev/us-east-1 -> us-east-1":        "flow logs, log groups, Config, sessions",
		"dev/eu-west-1 -> eu-west-1":        "flow logs, log groups, Config, sessions",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("edge %s carries %q, want %q", k, got[k], v)
		}
	}
	if len(got) != len(want) || strings.Count(dot, " -> ") != len(want) {
		t.Errorf("got edges %v, want exactly %v", got, want)
	}
	// The row each edge leaves from names the same logs.
	if !strings.Contains(dot, `<td port="logs_us-east-1" colspan="2" align="left" bgcolor="#f3f5f9"><font color="#3b6cb3">logs: CloudTrail, Config →</font></td>`) {
		t.Error("the management account's home box has no row sending CloudTrail and Config")
	}
}

func TestDOTWaves(t *testing.T) {
	dot := exampleDOT(t)
	for _, want := range []string{
		"33 stacks in 4 deploy waves",
		`wave 2</font></td><td align="left">baseline`, // deployplan: 1 delegation, 2 security (by name: baseline first)
		`wave 1</font></td><td align="left">orgadmin`,
		`wave 4</font></td><td align="left">compliance`,
		"(1 delegation, 2 security, 3 accounts, 4 compliance)",
	} {
		if !strings.Contains(dot, want) {
			t.Errorf("DOT lacks %s", want)
		}
	}
	// In dev's eu-west-1 box: all in wave 3, the other accounts'.
	box := regexp.MustCompile(`"dev/eu-west-1" \[label=<(.*)>\];`).FindStringSubmatch(dot)
	if box == nil {
		t.Fatal("no box for dev/eu-west-1")
	}
	cells := regexp.MustCompile(`<td align="right">(?:<font color="#777777">(wave \d)</font>)?</td><td align="left">([a-z]+)</td>`).FindAllStringSubmatch(box[1], -1)
	var rows []string
	for _, c := range cells {
		rows = append(rows, strings.TrimSpace(c[1]+" "+c[2]))
	}
	if want := []string{"wave 3 baseline", "logs", "network", "sessions"}; !slices.Equal(rows, want) {
		t.Errorf("dev/eu-west-1 lists %q, want %q", rows, want)
	}
}

func TestDOTDeterministic(t *testing.T) {
	first := exampleDOT(t)
	for range 5 {
		if again := exampleDOT(t); again != first {
			t.Fatal("two calls gave different DOT")
		}
	}
}

func TestDOTWithoutAssembly(t *testing.T) {
	dot, err := diagram.DOT(exampleOrg(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(dot, []byte("no stacks in the assembly")); n != 8 {
		t.Errorf("%d boxes say they have no stacks, want all 8", n)
	}
}

func TestDOTForeignAssembly(t *testing.T) {
	_, err := diagram.DOT(exampleOrg(t), []diagram.Stack{{Name: "other-network-x-us-east-1", Account: "999999999999", Region: "us-east-1", Wave: 1}})
	if err == nil || !strings.Contains(err.Error(), "synthesize the assembly from the same org file") {
		t.Errorf("DOT = %v, want an error about another org's assembly", err)
	}
}

func TestFlowsNoForwardedLogGroups(t *testing.T) {
	org := exampleOrg(t)
	org.Logging.ForwardLogGroups = nil
	for _, f := range diagram.Flows(org) {
		if slices.Contains(f.Kinds, diagram.LogGroups) {
			t.Errorf("%s/%s forwards log groups, but the org names none", f.Account, f.Region)
		}
	}
}
