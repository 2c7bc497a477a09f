package deployplan_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/palisade-sec/palisade/config"
	"github.com/palisade-sec/palisade/deployplan"
)

const stackSetsSection = "  stackSets:\n    targets: [ou-abcd-11111111]\n"

// withStackSets is the bench org of n workload accounts with
// deployment.stackSets.
func withStackSets(t *testing.T, n int) *config.Org {
	t.Helper()
	// benchFile with a production account has a deployment section.
	file := strings.Replace(benchFile(n, "security"), "deployment:\n", "deployment:\n"+stackSetsSection, 1)
	org, err := config.Load("bench-stacksets.yaml", []byte(file))
	if err != nil {
		t.Fatal(err)
	}
	return org
}

// TestFanOutReplacesTheLogsStacks: with deployment.stackSets no workload
// account has a logs stack; one fanout stack in the management account's
// home region holds one stack set for them, in every region, whose props
// leave region and partition to each instance, and it deploys after every
// region's drain and the home delegation (trusted access). At 1, 200 and
// 1,000 workload accounts the fan-out is the same one stack and one set:
// nothing of it grows with the org, and the rollout stays within MaxDepth.
func TestFanOutReplacesTheLogsStacks(t *testing.T) {
	for _, n := range []int{1, 200, 1000} {
		org := withStackSets(t, n)
		plan := deployplan.New(org)
		if err := check(plan, 0); err != nil {
			t.Fatalf("%d workloads: %v", n, err)
		}
		var fanouts []deployplan.Stack
		for _, s := range plan.Stacks {
			switch s.Purpose {
			case deployplan.Logs:
				t.Errorf("%d workloads: %s is planned; with stackSets the logs stacks are the stack set's", n, s.Name)
			case deployplan.FanOut:
				fanouts = append(fanouts, s)
			}
		}
		if len(fanouts) != 1 {
			t.Fatalf("%d workloads: fanout stacks %d, want 1", n, len(fanouts))
		}
		f := fanouts[0]
		mgmt := org.Management()
		if f.Account.ID != mgmt.ID || f.Region != org.HomeRegion || f.Phase != "accounts" {
			t.Errorf("fanout in %s %s, phase %s; want the management account's home region, accounts phase", f.Account.Name, f.Region, f.Phase)
		}
		var deps []string
		for _, d := range f.DependsOn {
			deps = append(deps, d.Stack)
		}
		for _, r := range org.Regions {
			if want := deployplan.StackName(org.Name, deployplan.LogArchive, "security", r); !slices.Contains(deps, want) {
				t.Errorf("fanout depends on %v, not %s", deps, want)
			}
		}
		if want := deployplan.StackName(org.Name, deployplan.OrgAdmin, mgmt.Name, org.HomeRegion); !slices.Contains(deps, want) {
			t.Errorf("fanout depends on %v, not %s (trusted access)", deps, want)
		}
		p := f.Props.(*deployplan.FanOutProps)
		if len(p.Sets) != 1 || p.Sets[0].Name != org.Name+"-logs" || !slices.Equal(p.Sets[0].Regions, org.Regions) {
			t.Fatalf("sets = %+v", p.Sets)
		}
		logs := p.Sets[0].Props.(*deployplan.LogsProps)
		if want := "arn:${AWS::Partition}:logs:${AWS::Region}:" + org.Security().ID + ":destination:" + org.LogDestinationName(); logs.DestinationArn != want {
			t.Errorf("destination %s, want %s", logs.DestinationArn, want)
		}
		if !slices.Equal(p.StackSets.Targets, []string{"ou-abcd-11111111"}) || p.StackSets.MaxConcurrentPercentage != config.DefaultStackSetConcurrency {
			t.Errorf("stack set options = %+v", p.StackSets)
		}
		if d := deployplan.Depth(plan.Rollout(0)); d > deployplan.MaxDepth {
			t.Errorf("%d workloads: depth %d", n, d)
		}
	}
}

// Without deployment.stackSets nothing changes: every workload account has
// its logs stacks and there is no fanout stack.
func TestNoFanOutWithoutStackSets(t *testing.T) {
	plan := deployplan.New(benchOrg(t, 10))
	logs := 0
	for _, s := range plan.Stacks {
		if s.Purpose == deployplan.FanOut {
			t.Errorf("%s is planned without stackSets", s.Name)
		}
		if s.Purpose == deployplan.Logs {
			logs++
		}
	}
	if logs != 10*2 {
		t.Errorf("%d logs stacks, want 20", logs)
	}
}

// TestFanOutGuardrails: with stackSets the guardrails exempt the role
// StackSets deploys each instance's stack with (stacksets-exec-*) and
// protect those stacks like the org's own; without, neither; and the home
// orgadmin stack activates StackSets' trusted access.
func TestFanOutGuardrails(t *testing.T) {
	for _, with := range []bool{false, true} {
		org := benchOrg(t, 10)
		if with {
			org = withStackSets(t, 10)
		}
		org.Detection.PolicyTargets = []string{"r-abcd"}
		plan := deployplan.New(org)
		s, ok := plan.Stack(deployplan.StackName(org.Name, deployplan.OrgAdmin, org.Management().Name, org.HomeRegion))
		if !ok {
			t.Fatal("no home orgadmin stack")
		}
		p := s.Props.(*deployplan.OrgAdminProps)
		g := p.Guardrails
		exempt := slices.Contains(g.MoreExemptRoleArns, "arn:aws:iam::*:role/stacksets-exec-*") // the literal, as AWS's policy names it
		protected := slices.Contains(g.ProtectedStackNames, "StackSet-"+org.Name+"-*")
		if exempt != with || protected != with || p.StackSetsTrustedAccess != with {
			t.Errorf("stackSets %v: stacksets-exec exempt %v, StackSet stacks protected %v, trusted access %v", with, exempt, protected, p.StackSetsTrustedAccess)
		}
	}
}
