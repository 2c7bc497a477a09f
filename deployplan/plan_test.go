package deployplan_test

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/palisade-sec/palisade/cmd/bench/benchorg"
	"github.com/palisade-sec/palisade/config"
	"github.com/palisade-sec/palisade/deployplan"
)

var update = flag.Bool("update", false, "rewrite the purposes table in ../README.md")

// check is what stacks.BuildPlan and the pipeline rely on: names are
// unique, every dependency is a stack of the plan created earlier (Build
// adds it as it creates the stack), and in the stack's own stage or an
// earlier wave (the pipeline deploys wave by wave, a stage's stacks in
// dependency order); every stack is in exactly one wave.
func check(p *deployplan.Plan, maxActions int) error {
	var errs []string
	pos := map[string]int{}
	for i, s := range p.Stacks {
		if _, dup := pos[s.Name]; dup {
			errs = append(errs, s.Name+" is planned twice")
		}
		pos[s.Name] = i
	}
	waves, err := p.Waves(maxActions)
	if err != nil {
		return err
	}
	type place struct {
		wave  int
		stage string
	}
	where := map[string]place{}
	for i, w := range waves {
		for _, st := range w.Stages {
			for _, s := range st.Stacks {
				if _, twice := where[s.Name]; twice {
					errs = append(errs, s.Name+" is in two waves")
				}
				where[s.Name] = place{i, st.Name}
			}
		}
	}
	if len(where) != len(p.Stacks) {
		errs = append(errs, fmt.Sprintf("the waves hold %d stacks, the plan %d", len(where), len(p.Stacks)))
	}
	for i, s := range p.Stacks {
		for _, d := range s.DependsOn {
			j, ok := pos[d.Stack]
			switch {
			case !ok:
				errs = append(errs, fmt.Sprintf("%s depends on %s, which the plan does not hold", s.Name, d.Stack))
			case j >= i:
				errs = append(errs, fmt.Sprintf("%s depends on %s, created after it", s.Name, d.Stack))
			case d.Reason == "":
				errs = append(errs, fmt.Sprintf("%s depends on %s for no reason", s.Name, d.Stack))
			}
			a, b := where[s.Name], where[d.Stack]
			if ok && !(b.wave < a.wave || b.stage == a.stage) {
				errs = append(errs, fmt.Sprintf("%s (wave %d, stage %s) depends on %s (wave %d, stage %s): not earlier, nor in its stage",
					s.Name, a.wave, a.stage, d.Stack, b.wave, b.stage))
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	return nil
}

func bench(t *testing.T, n int) *config.Org {
	t.Helper()
	org, err := config.Load(fmt.Sprintf("bench-%d.yaml", n), []byte(benchorg.File(n)))
	if err != nil {
		t.Fatal(err)
	}
	return org
}

func TestPlanHolds(t *testing.T) {
	orgs := map[string]*config.Org{"example": example(t), "200 workloads": bench(t, 200), "1,000 workloads": bench(t, 1000)}
	filtered, err := example(t).Filter([]string{"prod", "security"}, []string{"eu-west-1"})
	if err != nil {
		t.Fatal(err)
	}
	orgs["example without management, home region"] = filtered
	for name, org := range orgs {
		if err := check(deployplan.New(org), deployplan.MaxActions); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// check fails a plan whose dependency comes later, or lies outside the plan,
// or crosses waves backwards.
func TestCheckFailsABadPlan(t *testing.T) {
	p := deployplan.New(example(t))
	i := slices.IndexFunc(p.Stacks, func(s deployplan.Stack) bool { return s.Purpose == deployplan.LogArchive })
	bad := *p
	bad.Stacks = slices.Clone(p.Stacks)
	bad.Stacks[i].DependsOn = []deployplan.Dependency{{"example-compliance-security-us-east-1", "test"}, {"example-nothing", "test"}}
	err := check(&bad, deployplan.MaxActions)
	for _, want := range []string{"created after it", "which the plan does not hold", "not earlier, nor in its stage"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("check(bad plan) = %v, want it to say %q", err, want)
		}
	}
}

// The example's plan: the stacks of each purpose, what the dependencies of
// a few are and why, their waves, and what they read.
func TestPlanOfTheExample(t *testing.T) {
	p := deployplan.New(example(t))
	deps := func(name string) []string {
		s, ok := p.Stack(name)
		if !ok {
			t.Fatalf("no stack %s", name)
		}
		var out []string
		for _, d := range s.DependsOn {
			out = append(out, d.Stack)
		}
		return out
	}
	for name, want := range map[string][]string{
		"example-logarchive-security-us-east-1": nil,
		"example-orgadmin-management-eu-west-1": {"example-orgadmin-management-us-east-1"},
		"example-detect-security-us-east-1":     {"example-orgadmin-management-us-east-1", "example-logarchive-security-us-east-1"},
		"example-detect-security-eu-west-1":     {"example-orgadmin-management-eu-west-1", "example-orgadmin-management-us-east-1", "example-logarchive-security-eu-west-1"},
		"example-baseline-dev-eu-west-1":        {"example-logarchive-security-eu-west-1", "example-baseline-dev-us-east-1"},
		"example-trail-management-us-east-1":    {"example-logarchive-security-us-east-1", "example-orgadmin-management-us-east-1"},
		"example-compliance-security-eu-west-1": {"example-orgadmin-management-us-east-1", "example-baseline-management-eu-west-1", "example-baseline-security-eu-west-1", "example-baseline-prod-eu-west-1", "example-baseline-dev-eu-west-1"},
	} {
		if got := deps(name); !slices.Equal(got, want) {
			t.Errorf("%s deploys after %q, want %q", name, got, want)
		}
	}
	s, _ := p.Stack("example-trail-management-us-east-1")
	if s.DependsOn[1].Reason != "an organization trail needs CloudTrail's trusted access in AWS Organizations first" || s.Wave != "accounts" || s.Phase != "accounts" {
		t.Errorf("trail: %+v", s)
	}
	if s.Props.(*deployplan.TrailProps).KeyAliasArn != "arn:aws:kms:us-east-1:222222222222:alias/example-log-archive" {
		t.Errorf("trail reads %+v", s.Props)
	}
	a, _ := p.Stack("example-logarchive-security-us-east-1")
	if got := a.Props.(*deployplan.LogArchiveProps).TrailArns; !slices.Equal(got, []string{"arn:aws:cloudtrail:us-east-1:111111111111:trail/example-org-trail"}) {
		t.Errorf("the home archive admits the trails %q", got)
	}
	if a, _ := p.Stack("example-logarchive-security-eu-west-1"); a.Props.(*deployplan.LogArchiveProps).TrailArns != nil {
		t.Error("the eu-west-1 archive admits a trail")
	}
	d, _ := p.Stack("example-detect-security-eu-west-1")
	if dp := d.Props.(*deployplan.DetectProps); dp.ArchiveKeyFrom != "example-logarchive-security-eu-west-1" || len(dp.MemberAccounts) != 3 || d.Home {
		t.Errorf("detect eu-west-1 reads %+v", dp)
	}
	n, _ := p.Stack("example-network-prod-us-east-1")
	if np := n.Props.(*deployplan.NetworkProps); np.DestinationArn != "arn:aws:logs:us-east-1:222222222222:destination:example-log-drain" || np.VPC.CIDR != "10.10.0.0/16" {
		t.Errorf("network prod us-east-1 reads %+v", np)
	}
	o, _ := p.Stack("example-orgadmin-management-us-east-1")
	if g := o.Props.(*deployplan.OrgAdminProps).Guardrails; g == nil || !slices.Contains(g.ForwardedLogGroups, "example-network-*-*") {
		t.Errorf("the home orgadmin's guardrails: %+v", g)
	}
	if o, _ := p.Stack("example-orgadmin-management-eu-west-1"); o.Props.(*deployplan.OrgAdminProps).Guardrails != nil {
		t.Error("the eu-west-1 orgadmin attaches guardrails")
	}
}

// Every stack of a workload account in 1,000 is planned, and the
// dependencies that grow with the org (the conformance pack's, on every
// recorder) list each account once.
func TestPlanAtScale(t *testing.T) {
	for _, n := range []int{200, 1000} {
		p := deployplan.New(bench(t, n))
		// Per workload and region: network, logs, baseline, sessions; the
		// security account 5 per region, the management account 2 per
		// region and the trail; 2 conformance packs.
		if want := n*2*4 + 2*5 + 2*2 + 1 + 2; len(p.Stacks) != want {
			t.Errorf("%d workloads: %d stacks, want %d", n, len(p.Stacks), want)
		}
		c, _ := p.Stack("bench-compliance-security-eu-west-1")
		if len(c.DependsOn) != 1+n+2 {
			t.Errorf("%d workloads: the conformance pack deploys after %d stacks, want the delegation and %d recorders", n, len(c.DependsOn), n+2)
		}
		flows := p.Flows()
		if len(flows) != (n+2)*2 {
			t.Errorf("%d workloads: %d flows, want one per account and region", n, len(flows))
		}
		for _, f := range flows {
			if !slices.Contains(f.Kinds, deployplan.AWSConfig) || f.To != f.Region {
				t.Errorf("%d workloads: flow %+v", n, f)
			}
		}
		last := p.Stacks[len(p.Stacks)-1]
		if last.Wave != "compliance" {
			t.Errorf("%d workloads: the last stack %s is in wave %q", n, last.Name, last.Wave)
		}
	}
}

// The example's flows, the diagram's arrows: what each account sends from
// each region, from the logs of the plan's stacks.
func TestFlowsOfTheExample(t *testing.T) {
	org := example(t)
	var got []string
	for _, f := range deployplan.New(org).Flows() {
		got = append(got, fmt.Sprintf("%s/%s -> %s: %s", f.Account, f.Region, f.To, strings.Join(f.Kinds, ", ")))
	}
	want := []string{
		"management/us-east-1 -> us-east-1: CloudTrail, Config",
		"management/eu-west-1 -> eu-west-1: Config",
		"security/us-east-1 -> us-east-1: flow logs, log groups, Config, sessions, GuardDuty",
		"security/eu-west-1 -> eu-west-1: flow logs, log groups, Config, sessions, GuardDuty",
		"prod/us-east-1 -> us-east-1: flow logs, log groups, Config, sessions",
		"prod/eu-west-1 -> eu-west-1: flow logs, log groups, Config, sessions",
		"dev/us-east-1 -> us-east-1: flow logs, log groups, Config, sessions",
		"dev/eu-west-1 -> eu-west-1: flow logs, log groups, Config, sessions",
	}
	if !slices.Equal(got, want) {
		t.Errorf("flows =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Through the stack sets, the workload accounts' log groups flow all
	// the same.
	ss := *org
	ss.Deployment.StackSets = &config.StackSets{Targets: []string{"ou-abcd-11111111"}, MaxConcurrentPercentage: 25}
	var fanned []string
	for _, f := range deployplan.New(&ss).Flows() {
		fanned = append(fanned, fmt.Sprintf("%s/%s -> %s: %s", f.Account, f.Region, f.To, strings.Join(f.Kinds, ", ")))
	}
	if !slices.Equal(fanned, want) {
		t.Errorf("flows with stack sets =\n%s\nwant\n%s", strings.Join(fanned, "\n"), strings.Join(want, "\n"))
	}
	org.Logging.ForwardLogGroups = nil
	for _, f := range deployplan.New(org).Flows() {
		if slices.Contains(f.Kinds, deployplan.LogGroups) {
			t.Errorf("%s/%s forwards log groups, but the org names none", f.Account, f.Region)
		}
	}
}

// The plan is plain Go: it imports neither CDK nor jsii, so everything that
// reads it runs without Node.
func TestNoCDK(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.Contains(dep, "aws-cdk-go") || strings.Contains(dep, "jsii-runtime-go") || strings.Contains(dep, "constructs-go") {
			t.Errorf("deployplan imports %s", dep)
		}
	}
}

const (
	tableStart = "<!-- deployplan.Table: go run ./cmd/palisade plan -table; go test ./deployplan -update rewrites it -->\n```\n"
	tableEnd   = "```\n"
)

// The README's architecture section shows the purposes table as the plan
// has it.
func TestREADMETable(t *testing.T) {
	raw, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(raw)
	start := strings.Index(readme, tableStart)
	if start < 0 {
		t.Fatalf("README.md has no purposes table (a line %q)", strings.TrimSpace(tableStart))
	}
	start += len(tableStart)
	end := start + strings.Index(readme[start:], tableEnd)
	if got, want := readme[start:end], deployplan.Table(); got != want {
		if *update {
			if err := os.WriteFile("../README.md", []byte(readme[:start]+want+readme[end:]), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		t.Errorf("README.md's purposes table is stale: go test ./deployplan -update\nREADME:\n%s\nplan:\n%s", got, want)
	}
}
