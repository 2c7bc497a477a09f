package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/palisade-sec/palisade/cmd/bench/benchorg"
	"github.com/palisade-sec/palisade/config"
	"github.com/palisade-sec/palisade/deployplan"
)

// The generated orgs are valid org files, up to 1,000 workloads (2,000
// VPCs that must not overlap; test/ synthesizes the shared stacks of 200
// and 1,000).
func TestOrgFiles(t *testing.T) {
	for _, n := range []int{1, 10, 50, 200, 1000} {
		org, err := config.Load("bench.yaml", []byte(benchorg.File(n)))
		if err != nil {
			t.Fatalf("benchorg.File(%d): %v", n, err)
		}
		if got := len(org.Workloads()); got != n {
			t.Errorf("benchorg.File(%d) has %d workloads", n, got)
		}
	}
}

// The rollout table: depth at most deployplan.MaxDepth at every size, one
// CLI action from 10 workload accounts on, and the per-stack waves it
// replaced growing with the org (70 at 200 workload accounts).
func TestRollouts(t *testing.T) {
	rollouts, err := Rollouts([]int{2})
	if err != nil {
		t.Fatal(err)
	}
	var sizes []int
	for _, r := range rollouts {
		sizes = append(sizes, r.Workloads)
		if r.Depth > deployplan.MaxDepth || r.Depth < r.Steps {
			t.Errorf("%d workloads: depth %d over %d steps", r.Workloads, r.Depth, r.Steps)
		}
		if (r.CLI == 1) != (r.Workloads >= 10) {
			t.Errorf("%d workloads: %d CLI actions", r.Workloads, r.CLI)
		}
		if r.Workloads == 200 && r.Waves != 70 {
			t.Errorf("200 workloads: %d waves before, want issue 16's 70", r.Waves)
		}
	}
	if !slices.Equal(sizes, []int{1, 2, 10, 50, 200, 1000}) {
		t.Errorf("sizes %v", sizes)
	}
	var out strings.Builder
	PrintRollouts(&out, rollouts)
	t.Log("\n" + out.String())
}

// The benchmark in a small configuration, so that it cannot rot: two orgs
// (each synthesized by two processes: -jobs 2) and the targeted synth,
// validation off. It asserts what was measured, never how fast.
func TestBenchSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("synthesizes three orgs")
	}
	var out strings.Builder
	if err := run(&out, "1,2", "off", "2", ""); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{"workloads", "one account", "jobs 2: ", "ms per extra stack", "one account of 2 synthesized in", "rollout depth", "deploy actions"} {
		if !strings.Contains(got, want) {
			t.Errorf("bench output lacks %q:\n%s", want, got)
		}
	}
	t.Log("\n" + got)
}
