package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/aws/aws-cdk-go/awscdk/v2"

	"github.com/palisade-sec/palisade/deployplan"
	"github.com/palisade-sec/palisade/internal/assembly"
	"github.com/palisade-sec/palisade/stacks"
)

// A parallel synth: the app starts copies of itself, each synthesizing the
// stacks of some of the org's accounts (deployplan.Partition) with its own
// Node process, and merges their cloud assemblies into CDK_OUTDIR
// (assembly.Merge) with the plan's dependencies (deployplan.New), those
// between stacks of different parts included.
// jsii runs one Node per process and Node runs one thread: this is how a
// synth uses more than one core. The stacks are built by the same code with
// the same props, so each template is the one a single process writes
// (test/parallel_test.go compares them).
const partEnv = "PALISADE_SYNTH_PART" // "i/n": this process synthesizes part i of n

// synthJobs is how many processes synthesize the org: the jobs context
// (-c jobs=N; 1 turns the parallel synth off; at most one per account),
// else the machine's cores, at most 4 (each process holds 0.5-1.5 GB), and
// no more than one per deployplan.MinStacksPerPart stacks.
func synthJobs(ctx map[string]string, plan *deployplan.Plan) (int, error) {
	if s, ok := ctx["jobs"]; ok {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return 0, fmt.Errorf("-c jobs=%s: want a number of synth processes, 1 or more", s)
		}
		return n, nil
	}
	return max(1, min(runtime.NumCPU(), 4, len(plan.Stacks)/deployplan.MinStacksPerPart)), nil
}

// partKeep is the keep function of part i/n (from partEnv) of the org: the
// stacks of that part's accounts.
func partKeep(plan *deployplan.Plan, spec string) (func(string) bool, error) {
	i, n, err := parsePart(spec)
	if err != nil {
		return nil, err
	}
	parts := plan.Partition(n)
	if len(parts) != n || i >= n {
		return nil, fmt.Errorf("%s=%s: the org splits into %d parts", partEnv, spec, len(parts))
	}
	return func(name string) bool {
		s, _ := plan.Stack(name)
		return s != nil && slices.Contains(parts[i], s.Account.Name)
	}, nil
}

func parsePart(spec string) (i, n int, err error) {
	a, b, ok := strings.Cut(spec, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || i < 0 || n < 1 || i >= n {
		return 0, 0, fmt.Errorf("%s=%q: want i/n with 0 <= i < n", partEnv, spec)
	}
	return i, n, nil
}

// buildPart builds part spec of the plan in app.
func buildPart(app awscdk.App, plan *deployplan.Plan, spec string) error {
	keep, err := partKeep(plan, spec)
	if err != nil {
		return err
	}
	stacks.AddStackChecks(stacks.BuildPlan(app, plan, keep))
	return nil
}

// synthParallel synthesizes org in parts, one process each, and merges them
// into outdir. It returns false, having done nothing, when the org is too
// small to split (jobs 1, or one account). A part that fails fails the synth with its own message;
// outdir is then left as it was.
func synthParallel(plan *deployplan.Plan, jobs int, outdir string) (bool, error) {
	parts := plan.Partition(jobs)
	if len(parts) < 2 {
		return false, nil
	}
	exe, err := os.Executable()
	if err != nil {
		return false, nil
	}
	abs, err := filepath.Abs(outdir)
	if err != nil {
		return true, err
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return true, err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(abs), ".palisade-synth-")
	if err != nil {
		return true, err
	}
	defer os.RemoveAll(tmp)

	dirs := make([]string, len(parts))
	stderr := make([]bytes.Buffer, len(parts))
	errs := make([]error, len(parts))
	var wg sync.WaitGroup
	for i := range parts {
		dirs[i] = filepath.Join(tmp, fmt.Sprintf("part-%d", i))
		cmd := exec.Command(exe, os.Args[1:]...)
		cmd.Env = append(os.Environ(),
			"CDK_OUTDIR="+dirs[i],
			fmt.Sprintf("%s=%d/%d", partEnv, i, len(parts)))
		cmd.Stdout, cmd.Stderr = os.Stdout, &stderr[i]
		wg.Go(func() { errs[i] = cmd.Run() })
	}
	wg.Wait()
	var failed []error
	for i, err := range errs {
		os.Stderr.Write(stderr[i].Bytes())
		if err != nil {
			failed = append(failed, fmt.Errorf("synth of part %d of %d (accounts %s) failed: %w", i+1, len(parts), strings.Join(parts[i], ", "), err))
		}
	}
	if len(failed) > 0 {
		return true, errors.Join(failed...)
	}

	fmt.Fprintf(os.Stderr, "palisade: synthesized in %d processes (-c jobs=1 for one)\n", len(parts))
	// The plan's order and dependencies: a part could add only those
	// between its own stacks.
	var order []string
	deps := map[string][]string{}
	for _, s := range plan.Stacks {
		order = append(order, s.Name)
		for _, d := range s.DependsOn {
			deps[s.Name] = append(deps[s.Name], d.Stack)
		}
	}
	// What a synth writes replaces what was there; the CDK CLI's lock files
	// (*.lock) stay.
	entries, err := os.ReadDir(abs)
	if err != nil {
		return true, err
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".lock") {
			if err := os.RemoveAll(filepath.Join(abs, e.Name())); err != nil {
				return true, err
			}
		}
	}
	return true, assembly.Merge(abs, dirs, order, deps)
}
