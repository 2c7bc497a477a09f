package test

import (
	"slices"
	"strings"
	"testing"

	"github.com/palisade-sec/palisade/config"
	"github.com/palisade-sec/palisade/deployplan"
)

// assemblyStacks are the stack artifacts of an assembly: name -> the stacks
// it depends on.
func assemblyStacks(t *testing.T, dir string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for id, a := range readManifest(t, dir).Artifacts {
		if a.Type != "aws:cloudformation:stack" {
			continue
		}
		var deps []string
		for _, d := range a.Dependencies {
			if !strings.HasSuffix(d, ".assets") {
				deps = append(deps, d)
			}
		}
		out[id] = deps
	}
	return out
}

// checkPlan: the assembly holds exactly deployplan.Stacks(org), and every
// dependency is on a stack of the same stage or of an earlier wave, so the
// pipeline's waves and the lane's deploy order are right.
func checkPlan(t *testing.T, org *config.Org, dir string) {
	t.Helper()
	got := assemblyStacks(t, dir)
	var planned []string
	for _, s := range deployplan.Stacks(org) {
		planned = append(planned, s.Name)
	}
	var synthesized []string
	for name := range got {
		synthesized = append(synthesized, name)
	}
	slices.Sort(planned)
	slices.Sort(synthesized)
	if !slices.Equal(planned, synthesized) {
		t.Fatalf("deployplan.Stacks = %v\nassembly = %v", planned, synthesized)
	}
	waves, err := deployplan.Waves(org, 0)
	if err != nil {
		t.Fatal(err)
	}
	type place struct {
		wave  int
		stage string
	}
	where := map[string]place{}
	for i, w := range waves {
		for _, st := range w.Stages {
			for _, s := range st.Stacks {
				where[s.Name] = place{i, st.Name}
			}
		}
	}
	for name, deps := range got {
		for _, d := range deps {
			a, b := where[name], where[d]
			if !(b.wave < a.wave || b.stage == a.stage) {
				t.Errorf("%s (wave %s, stage %s) depends on %s (wave %s, stage %s): not earlier, nor in its stage",
					name, waves[a.wave].Name, a.stage, d, waves[b.wave].Name, b.stage)
			}
		}
	}
}

func TestPlanMatchesTheAssembly(t *testing.T) {
	checkPlan(t, example, outdir)
	o := optionsOrgSynth(t)
	checkPlan(t, o.org, o.outdir)
}
