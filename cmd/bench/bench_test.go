package main

import (
	"strings"
	"testing"

	"github.com/palisade-sec/palisade/cmd/bench/benchorg"
	"github.com/palisade-sec/palisade/config"
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
	for _, want := range []string{"workloads", "one account", "jobs 2: ", "ms per extra stack", "one account of 2 synthesized in"} {
		if !strings.Contains(got, want) {
			t.Errorf("bench output lacks %q:\n%s", want, got)
		}
	}
	t.Log("\n" + got)
}
