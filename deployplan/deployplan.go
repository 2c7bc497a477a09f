// Package deployplan is the org's plan, as plain Go data computed from the
// org file alone (New): every stack with its account, region, description,
// the props it reads, the stacks it deploys after and why, its phase and
// wave and the logs it sends to the archive (plan.go: one entry per
// purpose). Everything else reads it: stacks.Build renders each stack
// through one CDK factory per purpose, the parallel synth splits it by
// account (Partition) and merges with its dependencies, the pipeline and
// the deploy lane deploy its waves (Waves), `palisade bootstrap-plan`
// prints them with how every account is bootstrapped to trust the
// deploying account (Bootstrap), and the diagram draws its log flows
// (Flows).
//
// It never imports CDK (a test says so): whatever reads the plan runs
// without Node, and its tests cover orgs of 200 and 1,000 accounts.
//
// A rollout mechanism (StackSets fan-out, say) is one more field of an
// entry and of Stack, which Waves reads when it packs the phases into
// waves: the plan stays the one table.
package deployplan

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/palisade-sec/palisade/config"
)

// The purposes of palisade's stacks: the middle of a stack's name,
// <org>-<purpose>-<account>-<region>.
const (
	LogArchive = "logarchive"
	Network    = "network"
	Logs       = "logs"
	Trail      = "trail"
	OrgAdmin   = "orgadmin"
	Detect     = "detect"
	Baseline   = "baseline"
	Sessions   = "sessions"
	Compliance = "compliance"
	// FanOut is the management account's stack of the org's stack sets
	// (deployment.stackSets): the workload accounts' stacks that are the
	// same everywhere, deployed by StackSets instead of one stack each.
	FanOut = "fanout"
)

// StackSetName is <org>-<purpose>, the name of the stack set that deploys
// a purpose's stacks (FanOut); StackSets names each account's stack
// StackSet-<org>-<purpose>-<uuid>.
func StackSetName(org, purpose string) string { return org + "-" + purpose }

// DeployFunctionName is <org>-deploy-fn-<region>: the name of the security
// account's deploy-time function (CDK's AwsCustomResource function of the
// region's detect stack) and of its IAM role, which the guardrails exempt
// from the security services deny and protect; region "*" makes the
// pattern. At most 20 + 11 + 14 characters, within IAM's and Lambda's 64.
func DeployFunctionName(org, region string) string {
	return org + "-deploy-fn-" + region
}

// StackName is <org>-<purpose>-<account>-<region>, the name of every stack.
func StackName(org, purpose, account, region string) string {
	return org + "-" + purpose + "-" + account + "-" + region
}

// Stacks are the org's stacks, in the order stacks.Build creates them
// (New(org).Stacks).
func Stacks(org *config.Org) []Stack { return New(org).Stacks }

// HomeFirst is the org's regions with the home region first, so that a
// region's stack can depend on the home region's stack of its account.
func HomeFirst(org *config.Org) []string {
	var regions []string
	if slices.Contains(org.Regions, org.HomeRegion) {
		regions = append(regions, org.HomeRegion)
	}
	for _, r := range org.Regions {
		if r != org.HomeRegion {
			regions = append(regions, r)
		}
	}
	return regions
}

// The phases of a deployment, in order. A stack's phase is fixed by its
// purpose and account's role; each phase's stacks write only into stacks of
// its own account or of earlier phases:
//
//   - delegation: the management account's orgadmin stacks (delegated
//     administrators, SCPs), which depend on nothing;
//   - security: the security account's archive, network, detection, baseline
//     and sessions (detection needs the delegation);
//   - accounts: the management account's trail and baseline and every
//     workload account's stacks (all write into the security account's
//     archive);
//   - compliance: the security account's organization conformance pack,
//     which evaluates every account's recorder.
//
// The management account has two stages (delegation, accounts) because its
// trail writes into the archive the security stage makes, while the security
// stage's detection needs the management account's delegation.
var Phases = []string{"delegation", "security", "accounts", "compliance"}

// Stage is one account's stacks of one phase: a CDK Pipelines stage.
type Stage struct {
	Name       string // <account>, or <account>-<phase> for the management and security accounts' second stages
	Account    config.Account
	Phase      string
	Stacks     []Stack
	Production bool // a manual approval precedes it
}

// Actions is how many CodePipeline actions the stage takes: two per stack
// (create the change set, execute it) and one approval.
func (s Stage) Actions() int {
	n := 2 * len(s.Stacks)
	if s.Production {
		n++
	}
	return n
}

// Wave is stages that deploy in parallel.
type Wave struct {
	Name   string
	Stages []Stage
}

// MaxActions is CodePipeline's limit on actions in one stage, which one
// wave of CDK Pipelines becomes.
const MaxActions = 50

// Waves is New(org).Waves(maxActions).
func Waves(org *config.Org, maxActions int) ([]Wave, error) {
	if maxActions == 0 || maxActions == MaxActions {
		p := New(org)
		return p.waves, p.wavesErr
	}
	return New(org).Waves(maxActions)
}

// Waves orders the plan's stacks into waves of stages: the phases in order,
// the accounts phase split so that no wave exceeds maxActions (MaxActions
// when 0). A stage alone over the limit is an error that says how to split.
func (p *Plan) Waves(maxActions int) ([]Wave, error) {
	if maxActions == 0 {
		maxActions = MaxActions
	}
	var out []Wave
	var errs []string
	for _, phase := range Phases {
		var waves []Wave
		actions := 0
		for _, st := range p.stages(phase) {
			if st.Actions() > maxActions {
				errs = append(errs, fmt.Sprintf("stage %s has %d stacks (%d pipeline actions), over CodePipeline's %d actions per stage: split the account's regions into separate orgs or accounts",
					st.Name, len(st.Stacks), st.Actions(), maxActions))
				continue
			}
			if len(waves) == 0 || actions+st.Actions() > maxActions {
				waves = append(waves, Wave{})
				actions = 0
			}
			w := &waves[len(waves)-1]
			w.Stages = append(w.Stages, st)
			actions += st.Actions()
		}
		for i := range waves {
			waves[i].Name = phase
			if len(waves) > 1 {
				waves[i].Name = fmt.Sprintf("%s-%d", phase, i+1)
			}
		}
		out = append(out, waves...)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	return out, nil
}

// stages is the phase's stacks by account, one Stage per account in the
// order of the file's accounts.
func (p *Plan) stages(phase string) []Stage {
	org := p.Org
	var out []*Stage
	index := map[string]*Stage{} // account -> stage
	for _, s := range p.Stacks {
		if s.Phase != phase {
			continue
		}
		st := index[s.Account.Name]
		if st == nil {
			name := s.Account.Name
			if (s.Account.Role == config.RoleManagement && phase == "delegation") || (s.Account.Role == config.RoleSecurity && phase == "compliance") {
				name += "-" + phase
			}
			st = &Stage{Name: name, Account: s.Account, Phase: phase, Production: slices.Contains(org.Deployment.ProductionAccounts, s.Account.Name)}
			index[s.Account.Name] = st
			out = append(out, st)
		}
		st.Stacks = append(st.Stacks, s)
	}
	order := map[string]int{}
	for i, a := range org.AllAccounts {
		order[a.Name] = i
	}
	slices.SortStableFunc(out, func(a, b *Stage) int { return order[a.Account.Name] - order[b.Account.Name] })
	stages := make([]Stage, len(out))
	for i, st := range out {
		stages[i] = *st
	}
	return stages
}

// Command is one step of the bootstrap plan, run with credentials of
// Account (the target account).
type Command struct {
	Account config.Account
	Args    []string
}

// String is the command as a shell line, arguments quoted where needed.
func (c Command) String() string {
	quoted := make([]string, len(c.Args))
	for i, a := range c.Args {
		if a == "" || strings.ContainsAny(a, " \t\n'\"$`\\|&;<>()*?[]#~") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		quoted[i] = a
	}
	return strings.Join(quoted, " ")
}

// PolicyParts are the parts of the execution policy shipped in dir (the
// repository's deploy/): the <part> of every execution-policy-<part>.json,
// sorted. AWS caps one managed policy at 6,144 characters, hence parts.
func PolicyParts(dir string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "execution-policy-*.json"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("no execution policy in %s (deploy/execution-policy-*.json): run from the palisade checkout", dir)
	}
	var parts []string
	for _, f := range files {
		parts = append(parts, strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "execution-policy-"), ".json"))
	}
	slices.Sort(parts)
	return parts, nil
}

// PolicyName is the name of the execution policy made from
// deploy/execution-policy-<part>.json in every account.
func PolicyName(part string) string { return "palisade-cfn-execution-" + part }

// Bootstrap is the bootstrap plan: for every account of the org file, with
// its own credentials, create the execution policy's parts (policyParts, as
// in deploy/execution-policy-<part>.json) and bootstrap every region of the
// org to trust the deploying account (org.Deployer()) with exactly those
// policies as CloudFormation's execution policies, never
// AdministratorAccess. partition is "aws" unless the org is elsewhere.
func Bootstrap(org *config.Org, policyParts []string) []Command {
	deployer := org.Deployer().ID
	var out []Command
	for _, a := range org.AllAccounts {
		var arns []string
		for _, part := range policyParts {
			out = append(out, Command{a, []string{"aws", "iam", "create-policy", "--policy-name", PolicyName(part),
				"--policy-document", "file://deploy/execution-policy-" + part + ".json"}})
			arns = append(arns, fmt.Sprintf("arn:%s:iam::%s:policy/%s", org.Partition(), a.ID, PolicyName(part)))
		}
		args := []string{"npx", "cdk", "bootstrap"}
		for _, r := range org.Regions {
			args = append(args, "aws://"+a.ID+"/"+r)
		}
		args = append(args, "--trust", deployer, "--cloudformation-execution-policies", strings.Join(arns, ","))
		out = append(out, Command{a, args})
	}
	return out
}

// Partition splits the org's accounts into n parts (fewer when the org has
// fewer accounts) of about the same number of stacks, for a parallel synth:
// each part is synthesized by its own process (its own Node), and an
// account's stacks stay together, as a detect stack needs its account's
// logarchive stack in the same app. Parts are account names in the org
// file's order; none is empty.
func Partition(org *config.Org, n int) [][]string { return New(org).Partition(n) }

// Partition is the plan's accounts in n parts (the function Partition).
func (p *Plan) Partition(n int) [][]string {
	org := p.Org
	count := map[string]int{}
	for _, s := range p.Stacks {
		count[s.Account.Name]++
	}
	n = max(1, min(n, len(org.Accounts)))
	// Largest first, each to the part with the fewest stacks so far.
	order := slices.Clone(org.Accounts)
	slices.SortStableFunc(order, func(a, b config.Account) int { return count[b.Name] - count[a.Name] })
	sizes := make([]int, n)
	part := map[string]int{}
	for _, a := range order {
		i := slices.Index(sizes, slices.Min(sizes))
		part[a.Name] = i
		sizes[i] += count[a.Name]
	}
	parts := make([][]string, n)
	for _, a := range org.Accounts {
		parts[part[a.Name]] = append(parts[part[a.Name]], a.Name)
	}
	return parts
}

// MinStacksPerPart is the fewest stacks worth a synth process of their own.
// A process spends seconds starting Node, loading aws-cdk-lib and compiling
// CDK's built-in validation (a 9 MB WebAssembly module, compiled on
// background threads too). Measured on 2 cores with validation on: 33
// stacks took 12-14 s in one process and 12-17 s in two, 97 stacks 20-22 s
// and 20-24 s, 417 stacks 89 s and 51 s.
const MinStacksPerPart = 100
