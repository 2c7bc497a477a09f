package test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/palisade-sec/palisade/cmd/bench/benchorg"
	"github.com/palisade-sec/palisade/config"
	"github.com/palisade-sec/palisade/deployplan"
	"github.com/palisade-sec/palisade/gates"
	"github.com/palisade-sec/palisade/stacks"
)

// CodePipeline's structural quotas (AWS CodePipeline User Guide, "Quotas in
// AWS CodePipeline"; docs/stacksets.md, section 1).
const (
	maxStagesPerPipeline  = 50
	maxActionsPerStage    = 50
	maxActionsPerPipeline = 500
)

// TestPipelineAtScale: the pipeline of make bench's orgs of 200 and 1,000
// workload accounts, with production accounts, fits CodePipeline's quotas
// (stages per pipeline, actions per stage and per pipeline) and deploys in
// at most deployplan.MaxDepth sequential steps: its deploy stages are the
// rollout's steps, the accounts phase one CLI action over its
// non-production accounts, then the approval and the production accounts
// (a CLI action after its approval at 200, per-stack stages at 1,000).
// Only the pipeline stack is synthesized in full: the CLI steps' stages
// stay empty (stacks.PipelineOptions.EmptyCLIStages); the small steps'
// stages (delegation, security, compliance) hold their stacks.
func TestPipelineAtScale(t *testing.T) {
	// 200: ten production accounts (80 stacks, a CLI step after its
	// approval); 1,000: one (per-stack stages after the approval).
	for _, c := range []struct{ n, production int }{{200, 10}, {1000, 1}} {
		n := c.n
		var production []string
		for i := range c.production {
			production = append(production, benchorg.WorkloadName(i))
		}
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			org, err := config.Load(fmt.Sprintf("bench-%d.yaml", n), []byte(benchorg.File(n)+`deployment:
  pipeline:
    connectionArn: arn:aws:codeconnections:us-east-1:100000000000:connection/00000000-0000-4000-8000-000000000000
    repository: example-org/palisade-org
  productionAccounts: [`+strings.Join(production, ", ")+`]
`))
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			app := newApp(dir)
			stacks.AddChecks(app)
			start := time.Now()
			if _, err := stacks.NewPipelineWith(app, org, stacks.PipelineOptions{EmptyCLIStages: true}); err != nil {
				t.Fatal(err)
			}
			if err := stacks.Synth(app); err != nil {
				t.Fatal(err)
			}
			t.Logf("%d workloads: pipeline synthesized in %.1f s", n, time.Since(start).Seconds())
			p := readPipelineIn(t, dir, org)
			steps := deployplan.New(org).Rollout(0)
			checkPipelineQuotas(t, p)
			var shape []string
			total := 0
			for _, s := range p.Stages {
				shape = append(shape, fmt.Sprintf("%s:%d", s.Name, len(s.Actions)))
				total += len(s.Actions)
			}
			t.Logf("%d workloads: depth %d, %d stages, %d actions (stage:actions %s)", n, deployplan.Depth(steps), len(p.Stages), total, strings.Join(shape, " "))
			if d := deployplan.Depth(steps); d > deployplan.MaxDepth {
				t.Errorf("depth %d, over %d", d, deployplan.MaxDepth)
			}
			// The pipeline's own stages, then one per step.
			deploy := p.Stages[4:]
			if len(deploy) != len(steps) {
				t.Fatalf("%d deploy stages, want one per step (%d)", len(deploy), len(steps))
			}
			cli := 0
			for i, step := range steps {
				stage := deploy[i]
				if !step.CLI {
					continue
				}
				cli++
				if stage.Name != step.Name {
					t.Errorf("stage %s, want the step's name %s", stage.Name, step.Name)
				}
				approval, build := 0, 0
				for _, a := range stage.Actions {
					switch a.ActionTypeID.Category {
					case "Approval":
						approval = a.RunOrder
					case "Build":
						build = a.RunOrder
					}
				}
				if build == 0 || len(stage.Actions) > 2 {
					t.Errorf("CLI step %s: actions %+v, want one CodeBuild action (and its approval)", step.Name, stage.Actions)
				}
				if step.Approval && (approval == 0 || approval >= build) {
					t.Errorf("CLI step %s deploys at run order %d, its approval at %d", step.Name, build, approval)
				}
			}
			if want := 1 + min(1, c.production/5); cli != want {
				t.Errorf("%d CLI steps at %d workloads, want %d", cli, n, want)
			}
			// The CLI action runs the deploy command over the step's
			// stage, whose nested assembly the pipeline synthesizes.
			commands := cliCommands(t, dir, org)
			for _, step := range steps {
				if !step.CLI {
					continue
				}
				if want := stacks.DeployCommand(step, org.Deployment.Concurrency); !strings.Contains(commands, want) {
					t.Errorf("no CodeBuild project runs %q", want)
				}
				found := false
				for _, a := range readNestedManifest(t, dir).Artifacts {
					found = found || a.Properties.DirectoryName == "assembly-"+stacks.CLIStageName(step)
				}
				if !found {
					t.Errorf("the pipeline assembly has no nested assembly-%s", stacks.CLIStageName(step))
				}
			}
			checkCLIRole(t, dir, org)
			if n == 1000 {
				report, err := gates.Run(gates.Options{OutDir: dir})
				if err != nil {
					t.Fatal(err)
				}
				if !report.OK() {
					var b bytes.Buffer
					report.Print(&b)
					t.Errorf("gates failed on the pipeline of 1,000 workload accounts:\n%s", b.String())
				}
			}
		})
	}
}

// checkCLIRole: the CLI action's role may assume the CDK bootstrap roles
// (deploy, file-publishing, lookup) only in accounts of the org.
func checkCLIRole(t *testing.T, dir string, org *config.Org) {
	t.Helper()
	found := 0
	for id, r := range rawResources(t, filepath.Join(dir, stacks.PipelineStackName(org)+".template.json")) {
		if r.Type != "AWS::IAM::Policy" {
			continue
		}
		var p struct {
			PolicyDocument struct {
				Statement []struct {
					Sid       string
					Action    any
					Resource  any
					Condition map[string]map[string]any
				}
			}
		}
		if err := json.Unmarshal(r.Properties, &p); err != nil {
			t.Fatal(err)
		}
		for _, st := range p.PolicyDocument.Statement {
			if st.Sid != "AssumeTheCDKBootstrapRolesOfTheOrg" {
				continue
			}
			found++
			res, _ := json.Marshal(st.Resource)
			for _, role := range []string{"deploy", "file-publishing", "lookup"} {
				if !strings.Contains(string(res), "role/cdk-hnb659fds-"+role+"-role-*") {
					t.Errorf("%s: the CLI role cannot assume the %s role: %s", id, role, res)
				}
			}
			if got := st.Condition["StringEquals"]["aws:ResourceOrgID"]; got != org.OrganizationID {
				t.Errorf("%s: aws:ResourceOrgID %v, want %s", id, got, org.OrganizationID)
			}
		}
	}
	if found == 0 {
		t.Error("no policy lets the CLI action assume the bootstrap roles")
	}
}

// checkPipelineQuotas: p is within CodePipeline's stages per pipeline,
// actions per stage and actions per pipeline.
func checkPipelineQuotas(t *testing.T, p cfnPipeline) {
	t.Helper()
	for _, problem := range quotaProblems(p) {
		t.Error(problem)
	}
}

// quotaProblems is every quota of CodePipeline that p exceeds.
func quotaProblems(p cfnPipeline) []string {
	var out []string
	total := 0
	for _, s := range p.Stages {
		total += len(s.Actions)
		if len(s.Actions) > maxActionsPerStage {
			out = append(out, fmt.Sprintf("stage %s has %d actions, over CodePipeline's %d", s.Name, len(s.Actions), maxActionsPerStage))
		}
	}
	if len(p.Stages) > maxStagesPerPipeline {
		out = append(out, fmt.Sprintf("%d stages, over CodePipeline's %d per pipeline", len(p.Stages), maxStagesPerPipeline))
	}
	if total > maxActionsPerPipeline {
		out = append(out, fmt.Sprintf("%d actions, over CodePipeline's %d per pipeline", total, maxActionsPerPipeline))
	}
	return out
}

// TestPipelineQuotasCheck: the quota check fails on a pipeline of today's
// waves at 200 workload accounts (70 stages, 3,200 deploy actions), the
// shape the rollout replaced.
func TestPipelineQuotasCheck(t *testing.T) {
	org, err := config.Load("bench-200.yaml", []byte(benchorg.File(200)))
	if err != nil {
		t.Fatal(err)
	}
	waves, err := deployplan.Waves(org, 0)
	if err != nil {
		t.Fatal(err)
	}
	type action struct{ Name string }
	type stage struct {
		Name    string
		Actions []action
	}
	var stages []stage
	for _, w := range waves {
		s := stage{Name: w.Name}
		for _, st := range w.Stages {
			for i := range st.Actions() {
				s.Actions = append(s.Actions, action{fmt.Sprintf("%s.%d", st.Name, i)})
			}
		}
		stages = append(stages, s)
	}
	data, _ := json.Marshal(map[string]any{"Stages": stages})
	var p cfnPipeline
	if err := json.Unmarshal(data, &p); err != nil {
		t.Fatal(err)
	}
	problems := quotaProblems(p)
	if len(problems) != 2 {
		t.Errorf("the quota check of %d waves found %q, want the stages and the actions per pipeline", len(waves), problems)
	}
}

// readPipelineIn is the CodePipeline resource of org's pipeline stack in dir.
func readPipelineIn(t *testing.T, dir string, org *config.Org) cfnPipeline {
	t.Helper()
	var found []cfnPipeline
	for _, r := range rawResources(t, filepath.Join(dir, stacks.PipelineStackName(org)+".template.json")) {
		if r.Type == "AWS::CodePipeline::Pipeline" {
			var p cfnPipeline
			if err := json.Unmarshal(r.Properties, &p); err != nil {
				t.Fatal(err)
			}
			found = append(found, p)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d CodePipeline pipelines in the pipeline stack, want 1", len(found))
	}
	return found[0]
}

// cliCommands is the buildspecs of the pipeline stack's CodeBuild projects.
func cliCommands(t *testing.T, dir string, org *config.Org) string {
	t.Helper()
	var b strings.Builder
	for _, r := range rawResources(t, filepath.Join(dir, stacks.PipelineStackName(org)+".template.json")) {
		if r.Type != "AWS::CodeBuild::Project" {
			continue
		}
		var p struct{ Source struct{ BuildSpec string } }
		if err := json.Unmarshal(r.Properties, &p); err != nil {
			t.Fatal(err)
		}
		b.WriteString(p.Source.BuildSpec + "\n")
	}
	return b.String()
}
