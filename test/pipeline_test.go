package test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/version"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/palisade-sec/palisade/config"
	"github.com/palisade-sec/palisade/deployplan"
	"github.com/palisade-sec/palisade/gates"
	"github.com/palisade-sec/palisade/stacks"
)

// synthPipeline is what app.go does with -c pipeline=true.
func synthPipeline(org *config.Org, outdir string) error {
	app := newApp(outdir)
	stacks.AddChecks(app)
	if _, err := stacks.NewPipeline(app, org); err != nil {
		return err
	}
	return stacks.Synth(app)
}

// pipelineOut is the example org's pipeline app, synthesized once beside
// outdir (TestMain removes both).
var pipelineOut = sync.OnceValues(func() (string, error) {
	dir := filepath.Join(filepath.Dir(outdir), "cdk.out.pipeline")
	return dir, synthPipeline(example, dir)
})

func pipelineOutdir(t *testing.T) string {
	t.Helper()
	dir, err := pipelineOut()
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// cfnPipeline is the CodePipeline resource, as much as the tests read.
type cfnPipeline struct {
	Stages []struct {
		Name    string
		Actions []struct {
			Name          string
			RunOrder      int
			ActionTypeID  struct{ Category, Provider string } `json:"ActionTypeId"`
			Configuration map[string]any
		}
	}
}

// rawResources is a template's resources with their properties as JSON.
func rawResources(t *testing.T, file string) map[string]struct {
	Type       string
	Properties json.RawMessage
} {
	t.Helper()
	var tpl struct {
		Resources map[string]struct {
			Type       string
			Properties json.RawMessage
		}
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &tpl); err != nil {
		t.Fatal(err)
	}
	return tpl.Resources
}

func readPipeline(t *testing.T) cfnPipeline {
	t.Helper()
	var found []cfnPipeline
	for _, r := range rawResources(t, filepath.Join(pipelineOutdir(t), stacks.PipelineStackName(example)+".template.json")) {
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

// TestPipelineStages: the pipeline's stages are its own (source, synth,
// self-update, assets) and then deployplan's waves in order, each within
// CodePipeline's 50 actions; a manual approval runs before exactly the
// production accounts' stages. CDK Pipelines names a wave's CodePipeline
// stage after the wave, but a wave of one stage after that stage (whose
// actions then carry no stage prefix).
func TestPipelineStages(t *testing.T) {
	p := readPipeline(t)
	waves, err := deployplan.Waves(example, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Source", "Build", "UpdatePipeline", "Assets"}
	for _, w := range waves {
		if len(w.Stages) == 1 {
			want = append(want, w.Stages[0].Name)
		} else {
			want = append(want, w.Name)
		}
	}
	var got []string
	for _, s := range p.Stages {
		got = append(got, s.Name)
		if len(s.Actions) > deployplan.MaxActions {
			t.Errorf("stage %s has %d actions, over CodePipeline's %d", s.Name, len(s.Actions), deployplan.MaxActions)
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("pipeline stages %v, want %v", got, want)
	}
	if len(example.Deployment.ProductionAccounts) == 0 {
		t.Fatal("the example org names no production account: the approvals would go untested")
	}
	approvals := 0
	for i, w := range waves {
		stage := p.Stages[4+i]
		for _, st := range w.Stages {
			approval, first := 0, 0 // run orders: the stage's approval, its first deploy action
			for _, a := range stage.Actions {
				if len(w.Stages) > 1 && !strings.HasPrefix(a.Name, st.Name+".") {
					continue
				}
				if a.ActionTypeID.Category == "Approval" {
					approval = a.RunOrder
					approvals++
				} else if first == 0 || a.RunOrder < first {
					first = a.RunOrder
				}
			}
			switch {
			case first == 0:
				t.Errorf("wave %s: no deploy action for stage %s", w.Name, st.Name)
			case st.Production && (approval == 0 || approval >= first):
				t.Errorf("wave %s: production stage %s deploys at run order %d without an approval before it (approval at %d)", w.Name, st.Name, first, approval)
			case !st.Production && approval != 0:
				t.Errorf("wave %s: stage %s of a non-production account waits for an approval", w.Name, st.Name)
			}
		}
	}
	if approvals == 0 {
		t.Error("no approval in the pipeline")
	}
}

// TestPipelineSourceAndSynth: the source is the org file's connection,
// repository and branch, triggered on push; the synth step switches to the
// pinned Go with the checksum database on, runs every gate (make synth) and
// synthesizes the pipeline app; no CodeBuild project is privileged or
// unencrypted.
func TestPipelineSourceAndSynth(t *testing.T) {
	pl := example.Deployment.Pipeline
	var source map[string]any
	for _, s := range readPipeline(t).Stages {
		for _, a := range s.Actions {
			if a.ActionTypeID.Category == "Source" {
				source = a.Configuration
			}
		}
	}
	want := map[string]any{"ConnectionArn": pl.ConnectionArn, "FullRepositoryId": pl.Repository, "BranchName": pl.Branch, "DetectChanges": true}
	for k, v := range want {
		if source[k] != v {
			t.Errorf("source action %s = %v, want %v (configuration %v)", k, source[k], v, source)
		}
	}

	var synth []string
	for id, r := range rawResources(t, filepath.Join(pipelineOutdir(t), stacks.PipelineStackName(example)+".template.json")) {
		if r.Type != "AWS::CodeBuild::Project" {
			continue
		}
		var p struct {
			EncryptionKey any
			Environment   struct{ PrivilegedMode bool }
			Source        struct{ BuildSpec string }
			Cache         struct {
				Type     string
				Location any // the artifact bucket, joined with the prefix
			}
		}
		if err := json.Unmarshal(r.Properties, &p); err != nil {
			t.Fatal(err)
		}
		if p.EncryptionKey == nil {
			t.Errorf("CodeBuild project %s has no KMS key", id)
		}
		if p.Environment.PrivilegedMode {
			t.Errorf("CodeBuild project %s is privileged", id)
		}
		if strings.Contains(p.Source.BuildSpec, "make synth") {
			var spec struct {
				Phases map[string]struct{ Commands []string }
				Cache  struct{ Paths []string }
			}
			if err := json.Unmarshal([]byte(p.Source.BuildSpec), &spec); err != nil {
				t.Fatalf("%s: buildspec: %v", id, err)
			}
			// The gates' cache survives the build, in the artifact bucket.
			location, _ := json.Marshal(p.Cache.Location)
			if !slices.Equal(spec.Cache.Paths, []string{stacks.SynthCachePath}) || p.Cache.Type != "S3" || !strings.Contains(string(location), stacks.SynthCachePrefix) {
				t.Errorf("%s: cache %+v, paths %q; want S3 and %s", id, p.Cache, spec.Cache.Paths, stacks.SynthCachePath)
			}
			synth = append(append(synth, spec.Phases["install"].Commands...), spec.Phases["build"].Commands...)
		}
	}
	install, build := stacks.SynthCommands()
	if want := append(install, build...); !slices.Equal(synth, want) {
		t.Fatalf("synth commands:\n  %s\nwant:\n  %s", strings.Join(synth, "\n  "), strings.Join(want, "\n  "))
	}
	for _, want := range []string{
		"export GOTOOLCHAIN=go" + stacks.GoVersion + " GOSUMDB=sum.golang.org",
		"pip install cfn-lint==1.51.0",
		"make synth",
		"npx cdk synth --quiet -c pipeline=true -o " + stacks.PipelineOutDir,
	} {
		if !slices.ContainsFunc(synth, func(c string) bool { return strings.Contains(c, want) }) {
			t.Errorf("no synth command contains %q", want)
		}
	}
	if i, j := slices.Index(synth, "make synth"), len(synth)-1; i < 0 || i >= j {
		t.Errorf("make synth must run before the pipeline synth: %v", synth)
	}
}

// TestPipelineStagesDeployTheSameTemplates: every stack of every stage
// synthesizes to the template the direct app (cdk deploy) makes, and the
// stages hold exactly deployplan's stages.
func TestPipelineStagesDeployTheSameTemplates(t *testing.T) {
	checkSameTemplates(t, example, pipelineOutdir(t), outdir)
}

// TestPipelineFromCodeCommit: an org whose pipeline takes a CodeCommit
// repository synthesizes with every check on, its source is that
// repository and branch (changes come by EventBridge, not polling), and
// its stages deploy the direct app's templates.
func TestPipelineFromCodeCommit(t *testing.T) {
	o := optionsOrgSynth(t)
	// Into the options org's deployment section.
	file := strings.Replace(optionsOrg, "\ndeployment:\n", `
deployment:
  pipeline: {codeCommitRepository: palisade-org, branch: release}
  productionAccounts: [app]
`, 1)
	if file == optionsOrg {
		t.Fatal("the options org has no deployment section to extend")
	}
	org, err := config.Load(optionsFile, []byte(file))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(filepath.Dir(o.outdir), "cdk.out.pipeline")
	if err := synthPipeline(org, dir); err != nil {
		t.Fatal(err)
	}
	var source map[string]any
	for _, r := range rawResources(t, filepath.Join(dir, stacks.PipelineStackName(org)+".template.json")) {
		if r.Type != "AWS::CodePipeline::Pipeline" {
			continue
		}
		var p cfnPipeline
		if err := json.Unmarshal(r.Properties, &p); err != nil {
			t.Fatal(err)
		}
		for _, a := range p.Stages[0].Actions {
			if a.ActionTypeID.Provider == "CodeCommit" {
				source = a.Configuration
			}
		}
	}
	want := map[string]any{"RepositoryName": "palisade-org", "BranchName": "release", "PollForSourceChanges": false}
	for k, v := range want {
		if source[k] != v {
			t.Errorf("CodeCommit source action %s = %v, want %v (configuration %v)", k, source[k], v, source)
		}
	}
	checkSameTemplates(t, org, dir, o.outdir)
}

// checkSameTemplates: the stage assemblies nested in the pipeline assembly
// at dir hold exactly deployplan's stages of org, and each stack's template
// equals (as JSON) the direct app's in direct.
func checkSameTemplates(t *testing.T, org *config.Org, dir, direct string) {
	t.Helper()
	waves, err := deployplan.Waves(org, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{} // assembly directory -> stack names
	for _, w := range waves {
		for _, st := range w.Stages {
			for _, s := range st.Stacks {
				want["assembly-"+st.Name] = append(want["assembly-"+st.Name], s.Name)
			}
		}
	}
	got := map[string][]string{}
	compared := 0
	for _, a := range readNestedManifest(t, dir).Artifacts {
		if a.Type != "cdk:cloud-assembly" {
			continue
		}
		nested := filepath.Join(dir, a.Properties.DirectoryName)
		for _, s := range readNestedManifest(t, nested).Artifacts {
			if s.Type != "aws:cloudformation:stack" {
				continue
			}
			got[a.Properties.DirectoryName] = append(got[a.Properties.DirectoryName], s.Properties.StackName)
			staged := readJSON(t, filepath.Join(nested, s.Properties.TemplateFile))
			if d := jsonDiff(staged, readJSON(t, filepath.Join(direct, s.Properties.StackName+".template.json")), ""); d != "" {
				t.Errorf("%s (%s/%s) differs from the direct app's template: %s", s.Properties.StackName, a.Properties.DirectoryName, s.Properties.TemplateFile, d)
			}
			compared++
		}
	}
	for k := range want {
		slices.Sort(want[k])
		slices.Sort(got[k])
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("stage assemblies hold %v, want deployplan's %v", got, want)
	}
	if compared != len(deployplan.Stacks(org)) {
		t.Errorf("compared %d templates, want every one of the org's %d stacks", compared, len(deployplan.Stacks(org)))
	}
}

// pipelineGates runs the gates over the pipeline assembly's own stacks
// once (TestGates reads its unused waivers too).
var pipelineGates = sync.OnceValues(func() (*gates.Report, error) {
	dir, err := pipelineOut()
	if err != nil {
		return nil, err
	}
	return gates.Run(gates.Options{OutDir: dir})
})

// TestPipelineGates: the pipeline stack (and CodePipeline's support stacks
// in the other regions) pass every gate.
func TestPipelineGates(t *testing.T) {
	report, err := pipelineGates()
	if err != nil {
		t.Fatal(err)
	}
	if !report.OK() {
		var b bytes.Buffer
		report.Print(&b)
		t.Fatalf("gates failed on the pipeline:\n%s", b.String())
	}
	if len(report.Stacks) == 0 || !slices.ContainsFunc(report.Stacks, func(s gates.StackResult) bool { return s.Name == stacks.PipelineStackName(example) }) {
		t.Errorf("the gates did not check the pipeline stack: %v", report.Stacks)
	}
}

// TestPipelineNeedsAPipelineSection: an org file without
// deployment.pipeline cannot make a pipeline, and says so before any
// construct exists.
func TestPipelineNeedsAPipelineSection(t *testing.T) {
	org, err := config.Load(optionsFile, []byte(optionsOrg))
	if err != nil {
		t.Fatal(err)
	}
	if org.Deployment.Pipeline != nil {
		t.Fatal("the options org has a pipeline")
	}
	_, err = stacks.NewPipeline(nil, org)
	if err == nil || !strings.Contains(err.Error(), "deployment.pipeline") {
		t.Errorf("NewPipeline without deployment.pipeline: %v, want an error that names deployment.pipeline", err)
	}
}

type nestedManifest struct {
	Artifacts map[string]struct {
		Type       string
		Properties struct{ TemplateFile, StackName, DirectoryName string }
	}
}

func readNestedManifest(t *testing.T, dir string) nestedManifest {
	t.Helper()
	var m nestedManifest
	data, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err == nil {
		err = json.Unmarshal(data, &m)
	}
	if err != nil {
		t.Fatal(fmt.Errorf("%s: %w", dir, err))
	}
	return m
}

func readJSON(t *testing.T, file string) any {
	t.Helper()
	var v any
	data, err := os.ReadFile(file)
	if err == nil {
		err = json.Unmarshal(data, &v)
	}
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// jsonDiff is the first place where two parsed JSON values differ, or "".
func jsonDiff(a, b any, path string) string {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			break
		}
		keys := map[string]bool{}
		for k := range x {
			keys[k] = true
		}
		for k := range y {
			keys[k] = true
		}
		sortedKeys := make([]string, 0, len(keys))
		for k := range keys {
			sortedKeys = append(sortedKeys, k)
		}
		slices.Sort(sortedKeys)
		for _, k := range sortedKeys {
			if d := jsonDiff(x[k], y[k], path+"/"+k); d != "" {
				return d
			}
		}
		return ""
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			break
		}
		for i := range x {
			if d := jsonDiff(x[i], y[i], fmt.Sprintf("%s/%d", path, i)); d != "" {
				return d
			}
		}
		return ""
	}
	if reflect.DeepEqual(a, b) {
		return ""
	}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return fmt.Sprintf("%s: %.200s, direct %.200s", path, ja, jb)
}

// TestPipelineGoToolchain: the synth step's Go can build this module, and its
// first two install commands, run here in bash, leave the go command at
// GoVersion (fetched and checked against the Go checksum database when this
// machine's Go is another version) — and stop the step when the go command
// is any other version, as an image Go older than 1.21 (which ignores
// GOTOOLCHAIN) would be.
func TestPipelineGoToolchain(t *testing.T) {
	mod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	var need string
	for line := range strings.Lines(string(mod)) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "go "); ok {
			need = "go" + v
		}
	}
	if !version.IsValid(need) || version.Compare("go"+stacks.GoVersion, need) < 0 {
		t.Fatalf("the pipeline builds with go%s; go.mod needs %q", stacks.GoVersion, need)
	}

	install, _ := stacks.SynthCommands()
	script := install[0] + " && " + install[1] + " && go env GOVERSION"
	out, err := exec.Command("bash", "-c", script).CombinedOutput()
	if f := strings.Fields(string(out)); err != nil || len(f) == 0 || f[len(f)-1] != "go"+stacks.GoVersion {
		t.Fatalf("%s: %v\n%s", script, err, out)
	}

	// A go command that is not GoVersion whatever GOTOOLCHAIN says.
	fake := t.TempDir()
	if err := os.WriteFile(filepath.Join(fake, "go"), []byte("#!/bin/sh\necho go1.20.14\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", "-c", install[0]+" && "+install[1])
	cmd.Env = append(os.Environ(), "PATH="+fake+":"+os.Getenv("PATH"))
	if out, err := cmd.CombinedOutput(); err == nil {
		t.Fatalf("the install commands went on with go1.20.14 on the PATH:\n%s", out)
	}
}
