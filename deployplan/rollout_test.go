package deployplan_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/palisade-sec/palisade/cmd/bench/benchorg"
	"github.com/palisade-sec/palisade/config"
	"github.com/palisade-sec/palisade/deployplan"
)

// benchOrg is make bench's org of n workload accounts; production names
// its first workload account (and, if security, the security account) as
// production.
func benchOrg(t *testing.T, n int, production ...string) *config.Org {
	t.Helper()
	file := benchFile(n, production...)
	org, err := config.Load(fmt.Sprintf("bench-%d.yaml", n), []byte(file))
	if err != nil {
		t.Fatal(err)
	}
	return org
}

// benchFile is benchOrg's org file.
func benchFile(n int, production ...string) string {
	file := benchorg.File(n)
	if len(production) > 0 {
		file += "deployment:\n  productionAccounts: ["
		for i, p := range production {
			if i > 0 {
				file += ", "
			}
			file += p
		}
		file += "]\n"
	}
	return file
}

// checkRollout: the steps hold every stack of the plan exactly once, each
// after the stacks it depends on (in an earlier step, or in the same one,
// which the CLI and CDK Pipelines order by the dependency), every step
// within one CodePipeline stage's actions, every production stack after an
// approval (of its stage, its step or an earlier step), and the depth
// within MaxDepth.
func checkRollout(t *testing.T, org *config.Org, steps []deployplan.Step) {
	t.Helper()
	plan := deployplan.New(org)
	step := map[string]int{}
	for i, s := range steps {
		if s.Actions() > deployplan.MaxActions {
			t.Errorf("step %s takes %d actions, over CodePipeline's %d per stage", s.Name, s.Actions(), deployplan.MaxActions)
		}
		for _, st := range s.Stacks() {
			if _, dup := step[st.Name]; dup {
				t.Errorf("%s is in two steps", st.Name)
			}
			step[st.Name] = i
		}
	}
	if len(step) != len(plan.Stacks) {
		t.Errorf("the steps hold %d stacks, the plan %d", len(step), len(plan.Stacks))
	}
	for _, s := range plan.Stacks {
		for _, d := range s.DependsOn {
			if step[d.Stack] > step[s.Name] {
				t.Errorf("%s (step %d) deploys before %s (step %d), which it depends on: %s", s.Name, step[s.Name], d.Stack, step[d.Stack], d.Reason)
			}
		}
	}
	approved := false
	for _, s := range steps {
		approved = approved || s.Approval
		for _, st := range s.Stages {
			if org.Deployment.ProductionAccounts != nil && !approved && !st.Production {
				for _, p := range org.Deployment.ProductionAccounts {
					if st.Account.Name == p {
						t.Errorf("step %s deploys the production account %s before any approval", s.Name, p)
					}
				}
			}
		}
		for _, st := range s.Stages {
			approved = approved || st.Production
		}
	}
	if d := deployplan.Depth(steps); d > deployplan.MaxDepth {
		t.Errorf("depth %d, over %d: %+v", d, deployplan.MaxDepth, names(steps))
	}
}

func names(steps []deployplan.Step) []string {
	var out []string
	for _, s := range steps {
		out = append(out, fmt.Sprintf("%s(cli=%v approval=%v stacks=%d)", s.Name, s.CLI, s.Approval, len(s.Stacks())))
	}
	return out
}

// TestRolloutDepthAtScale: make bench's orgs of 1 to 1,000 workload
// accounts roll out in at most MaxDepth sequential steps, without
// production accounts, with one, and with the security account too; from
// 50 workload accounts on, the accounts phase is a CLI step (8 stacks per
// workload account: 16 actions, 4 accounts fill a stage).
func TestRolloutDepthAtScale(t *testing.T) {
	for _, n := range []int{1, 10, 50, 200, 1000} {
		for _, prod := range [][]string{nil, {benchorg.WorkloadName(0)}, {"security", benchorg.WorkloadName(n - 1)}} {
			org := benchOrg(t, n, prod...)
			steps := deployplan.New(org).Rollout(0)
			checkRollout(t, org, steps)
			depth, cli, actions := deployplan.Depth(steps), 0, 0
			for _, s := range steps {
				actions += s.Actions()
				if s.CLI {
					cli++
				}
			}
			t.Logf("%4d workloads, production %v: depth %d, %d deploy actions (%d CLI): %v", n, prod, depth, actions, cli, names(steps))
			if n >= 10 && cli == 0 {
				t.Errorf("%d workloads: no CLI step; the accounts phase (%d actions) cannot fit one stage", n, 16*n)
			}
			want := 4 // delegation, security, accounts, compliance
			if len(prod) == 1 && n >= 10 {
				want = 6 // accounts split, and the approval
			} else if len(prod) > 0 {
				want = 5 // an approval inside a step, or before the security account's step
			}
			if depth != want {
				t.Errorf("%d workloads, production %v: depth %d, want %d: %v", n, prod, depth, want, names(steps))
			}
		}
	}
}

// TestRolloutOfTheExample: the example org's phases each fit one stage, so
// its rollout is its waves, stage for stage: its pipeline stays as before.
func TestRolloutOfTheExample(t *testing.T) {
	org := example(t)
	waves, err := deployplan.Waves(org, 0)
	if err != nil {
		t.Fatal(err)
	}
	steps := deployplan.New(org).Rollout(0)
	checkRollout(t, org, steps)
	if len(steps) != len(waves) {
		t.Fatalf("%d steps, %d waves: %v", len(steps), len(waves), names(steps))
	}
	for i, s := range steps {
		if s.CLI || s.Approval || s.Name != waves[i].Name || !reflect.DeepEqual(s.Stages, waves[i].Stages) {
			t.Errorf("step %v differs from wave %s", names(steps[i:i+1]), waves[i].Name)
		}
	}
}

// TestRolloutSplitsProduction: with stages too small for the example's
// accounts phase, that phase becomes a CLI step of its non-production
// accounts, then an approval and its production account; later steps wait
// for no second approval.
func TestRolloutSplitsProduction(t *testing.T) {
	org := example(t)
	steps := deployplan.New(org).Rollout(20)
	checkRollout(t, org, steps)
	var got []string
	for _, s := range steps {
		got = append(got, fmt.Sprintf("%s cli=%v approval=%v", s.Name, s.CLI, s.Approval))
	}
	want := []string{
		"delegation cli=false approval=false",
		"security cli=false approval=false",
		"accounts cli=true approval=false",
		"accounts-production cli=false approval=true",
		"compliance cli=false approval=false",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("steps %q, want %q", got, want)
	}
	for _, st := range steps[3].Stages {
		if st.Production {
			t.Errorf("stage %s waits for a second approval after its step's", st.Name)
		}
	}
	if d := deployplan.Depth(steps); d != 6 {
		t.Errorf("depth %d, want 6", d)
	}
}

// TestDepthCountsApprovals: Depth counts an approval, of a step or of a
// stage in it, as a step of its own, and a rollout with two approvals
// before production parts fails checkRollout's depth.
func TestDepthCountsApprovals(t *testing.T) {
	plain := deployplan.Step{Name: "a"}
	approval := deployplan.Step{Name: "b", Approval: true}
	staged := deployplan.Step{Name: "c", Stages: []deployplan.Stage{{Name: "x", Production: true}}}
	if got := deployplan.Depth([]deployplan.Step{plain, approval, staged}); got != 5 {
		t.Errorf("Depth = %d, want 5", got)
	}
	if got := deployplan.Depth([]deployplan.Step{plain, plain, plain, approval, approval}); got <= deployplan.MaxDepth {
		t.Errorf("Depth = %d, want over %d", got, deployplan.MaxDepth)
	}
}

// TestStackStep: every stack of the plan names the rollout step that
// deploys it; at 200 workload accounts a workload stack's wave is one of
// the per-stack waves, its step the one accounts step.
func TestStackStep(t *testing.T) {
	plan := deployplan.New(benchOrg(t, 200))
	steps := map[string]string{}
	for _, s := range plan.Rollout(0) {
		for _, st := range s.Stacks() {
			steps[st.Name] = s.Name
		}
	}
	for _, s := range plan.Stacks {
		if s.Step == "" || s.Step != steps[s.Name] {
			t.Errorf("%s: step %q, want %q", s.Name, s.Step, steps[s.Name])
		}
	}
	name := deployplan.StackName("bench", deployplan.Network, benchorg.WorkloadName(100), "us-east-1")
	found := false
	for _, s := range plan.Stacks {
		found = found || s.Name == name
		if s.Name == name && (s.Step != "accounts" || s.Wave == "accounts" || !strings.HasPrefix(s.Wave, "accounts-")) {
			t.Errorf("%s: wave %q, step %q; want a numbered accounts wave and the accounts step", s.Name, s.Wave, s.Step)
		}
	}
	if !found {
		t.Errorf("no stack %s", name)
	}
}
