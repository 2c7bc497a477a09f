// Command bench measures how palisade's synth scales: it generates orgs of
// 1, 10, 50 and 200 workload accounts (each with a VPC in each of 2
// regions, plus the management and security accounts), runs the app binary
// on each with cdk.json's context (as the CDK CLI would), CDK's built-in
// validation on and off, and a targeted synth of one account of the largest
// org (-c accounts=...), and prints a table: stacks, wall time, peak memory
// (the largest process of the app's tree: the Node child, as Linux's
// rusage reports it), and the marginal time per extra stack. -jobs sets the
// app's jobs context: "auto" leaves it unset (the app's own choice: a
// parallel synth on orgs of 200 stacks and more, parallel.go), a number sets it
// (1: one process).
//
//	go run ./cmd/bench [-sizes 1,10,50,200] [-validation both|on|off] [-jobs auto,1] [-app path]
//
// It also prints, per size (and always for 1, 10, 50, 200 and 1,000), the
// rollout the pipeline deploys (deployplan.Plan.Rollout): its sequential
// depth, its deploy actions (CodePipeline actions after the pipeline's own
// source, synth, self-update and assets stages) and how many of them are
// CLI actions, beside the waves of per-stack stages it replaced.
//
// `make bench` runs it. It is a measurement, not a test: nothing here fails
// on a time. Warm caches matter: run it twice and keep the second.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/palisade-sec/palisade/cmd/bench/benchorg"
	"github.com/palisade-sec/palisade/config"
	"github.com/palisade-sec/palisade/deployplan"
)

func main() {
	sizes := flag.String("sizes", "1,10,50,200", "workload account counts, comma-separated")
	validation := flag.String("validation", "both", "CDK's built-in validation: both, on or off")
	jobs := flag.String("jobs", "auto", "the app's jobs context, comma-separated: auto (unset) or a number of synth processes")
	app := flag.String("app", "", "the app binary (default: built from the module root into a temp dir)")
	flag.Parse()
	if err := run(os.Stdout, *sizes, *validation, *jobs, *app); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// Result is one measured synth.
type Result struct {
	Workloads  int
	Validation bool
	Target     string // the -c accounts filter, or ""
	Jobs       string // the jobs context, or "auto"
	Stacks     int
	Wall       time.Duration
	PeakRSSMB  int64
}

func run(w io.Writer, sizesFlag, validation, jobsFlag, app string) error {
	var sizes []int
	for _, s := range strings.Split(sizesFlag, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return fmt.Errorf("-sizes: %q is not a count of 1 or more", s)
		}
		sizes = append(sizes, n)
	}
	var modes []bool
	switch validation {
	case "both":
		modes = []bool{true, false}
	case "on":
		modes = []bool{true}
	case "off":
		modes = []bool{false}
	default:
		return fmt.Errorf("-validation: %q is not both, on or off", validation)
	}
	var jobs []string
	for _, j := range strings.Split(jobsFlag, ",") {
		j = strings.TrimSpace(j)
		if n, err := strconv.Atoi(j); j != "auto" && (err != nil || n < 1) {
			return fmt.Errorf("-jobs: %q is neither auto nor a count of 1 or more", j)
		}
		jobs = append(jobs, j)
	}
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "palisade-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if app == "" {
		app = filepath.Join(tmp, "app")
		build := exec.Command("go", "build", "-o", app, ".")
		build.Dir, build.Stdout, build.Stderr = root, os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("building the app: %w", err)
		}
	}
	ctx, err := cdkContext(root)
	if err != nil {
		return err
	}
	var results []Result
	for _, v := range modes {
		for _, j := range jobs {
			for _, n := range sizes {
				org := filepath.Join(tmp, fmt.Sprintf("org-%d.yaml", n))
				if err := os.WriteFile(org, []byte(benchorg.File(n)), 0o644); err != nil {
					return err
				}
				r, err := synth(app, root, tmp, ctx, org, "", v, j)
				if err != nil {
					return err
				}
				r.Workloads = n
				results = append(results, r)
			}
		}
		// One account of the largest org, through the context filter.
		n := sizes[len(sizes)-1]
		r, err := synth(app, root, tmp, ctx, filepath.Join(tmp, fmt.Sprintf("org-%d.yaml", n)), benchorg.WorkloadName(n/2), v, "auto")
		if err != nil {
			return err
		}
		r.Workloads = n
		results = append(results, r)
	}
	Print(w, results)
	rollouts, err := Rollouts(sizes)
	if err != nil {
		return err
	}
	fmt.Fprintln(w)
	PrintRollouts(w, rollouts)
	return nil
}

// RolloutSizes are the sizes whose rollout is always printed.
var RolloutSizes = []int{1, 10, 50, 200, 1000}

// Rollout is the rollout of one bench org: plain Go, no synth.
type Rollout struct {
	Workloads, Stacks, Steps, Depth, Actions, CLI, Waves, WaveActions int
}

// Rollouts plans the rollout of the bench org at each of sizes and
// RolloutSizes, in increasing size.
func Rollouts(sizes []int) ([]Rollout, error) {
	all := slices.Clone(RolloutSizes)
	for _, n := range sizes {
		if !slices.Contains(all, n) {
			all = append(all, n)
		}
	}
	slices.Sort(all)
	var out []Rollout
	for _, n := range all {
		org, err := config.Load(fmt.Sprintf("bench-%d.yaml", n), []byte(benchorg.File(n)))
		if err != nil {
			return nil, err
		}
		plan := deployplan.New(org)
		steps := plan.Rollout(0)
		r := Rollout{Workloads: n, Stacks: len(plan.Stacks), Steps: len(steps), Depth: deployplan.Depth(steps)}
		for _, s := range steps {
			r.Actions += s.Actions()
			if s.CLI {
				r.CLI++
			}
		}
		waves, err := plan.Waves(0)
		if err != nil {
			return nil, err
		}
		r.Waves = len(waves)
		for _, w := range waves {
			for _, st := range w.Stages {
				r.WaveActions += st.Actions()
			}
		}
		out = append(out, r)
	}
	return out, nil
}

// PrintRollouts writes the rollout table.
func PrintRollouts(w io.Writer, rollouts []Rollout) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "workloads\tstacks\trollout depth\tdeploy actions\tCLI actions\tper-stack waves (before)\ttheir actions\t")
	for _, r := range rollouts {
		fmt.Fprintf(tw, "%d\t%d\t%d\t%d\t%d\t%d\t%d\t\n", r.Workloads, r.Stacks, r.Depth, r.Actions, r.CLI, r.Waves, r.WaveActions)
	}
	tw.Flush()
}

func synth(app, root, tmp string, ctx map[string]any, org, target string, validation bool, jobs string) (Result, error) {
	out := filepath.Join(tmp, "cdk.out")
	os.RemoveAll(out)
	c := map[string]any{}
	for k, v := range ctx {
		c[k] = v
	}
	c["org"] = org
	if target != "" {
		c["accounts"] = target
	}
	if jobs != "auto" {
		c["jobs"] = jobs
	}
	raw, _ := json.Marshal(c)
	cmd := exec.Command(app)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CDK_CONTEXT_JSON="+string(raw), "CDK_OUTDIR="+out,
		"CDK_VALIDATION="+strconv.FormatBool(validation), "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20", "NODE_NO_WARNINGS=1")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return Result{}, fmt.Errorf("synth of %s (accounts %q): %w\n%s", filepath.Base(org), target, err, stderr.String())
	}
	r := Result{Validation: validation, Target: target, Jobs: jobs, Wall: time.Since(start)}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.PeakRSSMB = ru.Maxrss / 1024
	}
	var m struct {
		Artifacts map[string]struct{ Type string }
	}
	data, err := os.ReadFile(filepath.Join(out, "manifest.json"))
	if err != nil {
		return Result{}, err
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return Result{}, err
	}
	for _, a := range m.Artifacts {
		if a.Type == "aws:cloudformation:stack" {
			r.Stacks++
		}
	}
	return r, nil
}

// Print writes the table and, per validation mode, the marginal time per
// extra stack between the smallest and largest org.
func Print(w io.Writer, results []Result) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "workloads\tvalidation\tjobs\tsynth of\tstacks\twall s\tpeak MB\t")
	for _, r := range results {
		what := "all"
		if r.Target != "" {
			what = "one account"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%.1f\t%d\t\n", r.Workloads, onOff(r.Validation), r.Jobs, what, r.Stacks, r.Wall.Seconds(), r.PeakRSSMB)
	}
	tw.Flush()
	type mode struct {
		validation bool
		jobs       string
	}
	var modes []mode
	for _, r := range results {
		if m := (mode{r.Validation, r.Jobs}); r.Target == "" && !slices.Contains(modes, m) {
			modes = append(modes, m)
		}
	}
	targeted := map[bool]bool{}
	for _, m := range modes {
		var all []Result
		for _, r := range results {
			if r.Validation == m.validation && r.Jobs == m.jobs && r.Target == "" {
				all = append(all, r)
			}
		}
		if len(all) < 2 {
			continue
		}
		first, last := all[0], all[len(all)-1]
		if last.Stacks > first.Stacks {
			ms := float64(last.Wall-first.Wall) / float64(time.Millisecond) / float64(last.Stacks-first.Stacks)
			fmt.Fprintf(w, "validation %s, jobs %s: %.1f ms per extra stack (%d to %d stacks)\n", onOff(m.validation), m.jobs, ms, first.Stacks, last.Stacks)
		}
		if targeted[m.validation] {
			continue
		}
		targeted[m.validation] = true // compared with the first jobs setting's smallest org
		for _, r := range results {
			if r.Validation == m.validation && r.Target != "" && first.Wall > 0 {
				fmt.Fprintf(w, "validation %s: one account of %d synthesized in %.2fx the time of the %d-workload org\n",
					onOff(m.validation), r.Workloads, r.Wall.Seconds()/first.Wall.Seconds(), first.Workloads)
			}
		}
	}
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// cdkContext is cdk.json's context: the feature flags the CLI hands the app.
func cdkContext(root string) (map[string]any, error) {
	var j struct{ Context map[string]any }
	data, err := os.ReadFile(filepath.Join(root, "cdk.json"))
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(data, &j); err != nil {
		return nil, err
	}
	return j.Context, nil
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no go.mod in %s or above", dir)
		}
	}
}
