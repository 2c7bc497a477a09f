package deployplan

import "slices"

// MaxDepth is the most sequential steps a rollout takes at any org size:
// one deploy step per phase (4), the accounts phase split into its
// non-production and production accounts (1), and the one manual approval
// before production (1).
const MaxDepth = 6

// Step is one sequential step of the rollout (Plan.Rollout): the stacks of
// one phase, or of its non-production or production accounts.
//
// A step whose stacks fit one CodePipeline stage (two actions per stack,
// MaxActions per stage) deploys as today's waves do, one CDK Pipelines
// stage per account, each stack its own change-set actions. A larger step
// is one action that runs the CDK CLI over the step's stacks,
// `cdk deploy --concurrency N` (CLI), since per-stack actions cannot reach
// hundreds of accounts: CodePipeline allows 50 actions per stage, 50
// stages and 500 actions per pipeline (AWS CodePipeline User Guide,
// "Quotas in AWS CodePipeline"), and 1,000 workload accounts have 8,000
// stacks.
type Step struct {
	Name   string // the phase, or <phase>-production for the production part of a split phase
	Phase  string
	Stages []Stage // the step's stacks, by account in the file's order
	// CLI: the step is one action running `cdk deploy --concurrency` over
	// every stack of Stages, instead of per-stack actions.
	CLI bool
	// Approval: one manual approval precedes the whole step (the production
	// part of a split phase). A per-stack step may instead hold production
	// stages, each after its own approval (Stage.Production), as today.
	Approval bool
}

// Stacks is every stack of the step.
func (s Step) Stacks() []Stack {
	var out []Stack
	for _, st := range s.Stages {
		out = append(out, st.Stacks...)
	}
	return out
}

// Actions is how many CodePipeline actions the step takes: one for a CLI
// step, the stages' actions otherwise, and its approval.
func (s Step) Actions() int {
	n := 1
	if !s.CLI {
		n = 0
		for _, st := range s.Stages {
			n += st.Actions()
		}
	}
	if s.Approval {
		n++
	}
	return n
}

// Waits is how many sequential waits the step adds to the rollout: its
// deploy and, when anything in it waits for a person, that approval.
func (s Step) Waits() int {
	if s.Approval || slices.ContainsFunc(s.Stages, func(st Stage) bool { return st.Production }) {
		return 2
	}
	return 1
}

// Depth is the rollout's sequential steps: every step's Waits.
func Depth(steps []Step) int {
	n := 0
	for _, s := range steps {
		n += s.Waits()
	}
	return n
}

// Rollout orders the plan's stacks into steps: one per phase, in order,
// each within maxActions (MaxActions when 0) per CodePipeline stage.
//
// A phase whose per-stack actions fit one stage is one step of per-stack
// stages, exactly the phase's one wave of Waves (so an org as small as the
// example deploys as before). A larger phase is a CLI step; if it holds
// production accounts and no approval has come before, it is split: its
// non-production accounts first, then one approval, then its production
// accounts (per-stack stages if they fit one stage, else a CLI step).
//
// Only the first step that deploys to production accounts waits for an
// approval: CodePipeline runs a pipeline's stages in sequence, so every
// later step of the same execution runs only after that approval was
// given ("Each stage contains one or more actions that must complete
// before the next stage begins", AWS CodePipeline API Reference, Welcome),
// and the approver has approved that revision for production. Later steps' stages therefore carry Production false.
// The depth is thus at most MaxDepth whatever the number of accounts.
func (p *Plan) Rollout(maxActions int) []Step {
	if maxActions == 0 {
		maxActions = MaxActions
	}
	fits := func(stages []Stage, extra int) bool {
		n := extra
		for _, st := range stages {
			n += st.Actions()
		}
		return n <= maxActions
	}
	var out []Step
	approved := false // a step with an approval has come before
	for _, phase := range Phases {
		stages := p.stages(phase)
		if len(stages) == 0 {
			continue
		}
		production := slices.ContainsFunc(stages, func(st Stage) bool { return st.Production })
		if approved {
			stages = withoutApprovals(stages)
		}
		if fits(stages, 0) {
			out = append(out, Step{Name: phase, Phase: phase, Stages: stages})
			approved = approved || production
			continue
		}
		if !production || approved {
			out = append(out, Step{Name: phase, Phase: phase, Stages: stages, CLI: true})
			continue
		}
		var rest, prod []Stage
		for _, st := range stages {
			if st.Production {
				prod = append(prod, st)
			} else {
				rest = append(rest, st)
			}
		}
		if len(rest) > 0 {
			out = append(out, Step{Name: phase, Phase: phase, Stages: rest, CLI: !fits(rest, 0)})
		}
		prod = withoutApprovals(prod)
		out = append(out, Step{Name: phase + "-production", Phase: phase, Stages: prod, CLI: !fits(prod, 1), Approval: true})
		approved = true
	}
	return out
}

// withoutApprovals is stages with Production false: an approval earlier in
// the rollout already gates them.
func withoutApprovals(stages []Stage) []Stage {
	out := slices.Clone(stages)
	for i := range out {
		out[i].Production = false
	}
	return out
}
