package test

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/palisade-sec/palisade/cmd/bench/benchorg"
	"github.com/palisade-sec/palisade/config"
	"github.com/palisade-sec/palisade/gates"
	"github.com/palisade-sec/palisade/stacks"
)

// TestSharedPoliciesAtScale: the policies that grow with the org (the
// security and management accounts' stacks hold what every account
// writes into: the archive's bucket and key policies, the log drain's
// destination and trust policies, the guardrails) stay within AWS's
// limits at 200 and 1,000 workload accounts. It synthesizes make bench's
// orgs (cmd/bench/benchorg) of 1, 10, 50, 200 and 1,000 workloads, only those two
// accounts' stacks (stacks.BuildSelected: the org keeps every account, so
// the policies list them all), runs the own checks on them (stacks.Synth
// does, as every synth) and logs each policy that grows with the org,
// with its size at each scale (-v shows them). The orgs attach the
// guardrails and fan out through StackSets, so the SCPs and the fanout
// stack (its stack set's template too) are measured. The security account's
// logarchive stacks, the management account's trail stack, which every
// account writes into, and its fanout stack must be byte-identical at every
// scale: their
// policies are scoped to the organization (aws:SourceOrgID,
// aws:PrincipalOrgID), so a new account needs no redeploy of them.
func TestSharedPoliciesAtScale(t *testing.T) {
	scales := []int{1, 10, 50, 200, 1000} // make bench's sizes, and 1,000
	type key struct{ stack, resource, limit string }
	sizes := map[key][]int{}
	var order []key
	fixed := map[string][]byte{} // the logarchive and trail templates at the first scale, by stack name
	for i, n := range scales {
		// With the guardrails (policy targets) and the fan-out (stack
		// sets): the SCPs and the fanout stack are shared too.
		file := strings.Replace(benchorg.File(n), "security:\n", "security:\n  policyTargets: [r-abcd]\n", 1) +
			"deployment:\n  stackSets:\n    targets: [ou-abcd-11111111]\n"
		org, err := config.Load(fmt.Sprintf("bench-%d.yaml", n), []byte(file))
		if err != nil {
			t.Fatal(err)
		}
		shared := []string{org.Security().Name, org.Management().Name}
		keep := func(name string) bool {
			return slices.ContainsFunc(shared, func(a string) bool { return strings.Contains(name, "-"+a+"-") })
		}
		dir := t.TempDir()
		app := newApp(dir)
		start := time.Now()
		built := stacks.BuildSelected(app, org, keep)
		synthErr := stacks.Synth(app)
		t.Logf("%d workloads: %d shared stacks synthesized in %.1f s", n, len(built), time.Since(start).Seconds())
		measured, err := gates.PolicySizes(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range measured {
			k := key{strings.TrimPrefix(p.Stack, org.Name+"-"), p.Resource, p.Limit.Name}
			if _, ok := sizes[k]; !ok {
				sizes[k] = make([]int, len(scales))
				order = append(order, k)
			}
			sizes[k][i] = p.Size
		}
		for _, st := range built {
			name := *st.StackName()
			if !strings.Contains(name, "-logarchive-") && !strings.Contains(name, "-trail-") && !strings.Contains(name, "-fanout-") {
				continue
			}
			tpl, err := os.ReadFile(filepath.Join(dir, name+".template.json"))
			if err != nil {
				t.Fatal(err)
			}
			if i == 0 {
				fixed[name] = tpl
			} else if string(tpl) != string(fixed[name]) {
				t.Errorf("%s with %d workload accounts differs from its template with %d (%d and %d bytes): a policy grows with the org",
					name, n, scales[0], len(tpl), len(fixed[name]))
			}
		}
		// The gate's verdict: stacks.Synth ran the own checks.
		if synthErr != nil {
			t.Errorf("%d workloads: %v", n, synthErr)
		}
	}
	if len(fixed) != 4 /* two regions' logarchive stacks, the trail and the fanout */ {
		t.Errorf("compared %d logarchive, trail and fanout stacks, want one logarchive per region, the trail and the fanout: %v", len(fixed), slices.Sorted(maps.Keys(fixed)))
	}
	limits := map[string]gates.Limit{}
	for _, l := range gates.Limits {
		limits[l.Name] = l
	}
	var b strings.Builder
	fmt.Fprintf(&b, "policies that grow with the org (size at %v workloads / AWS's limit):\n", scales)
	constant := 0
	for _, k := range order {
		s := sizes[k]
		if s[0] == s[len(s)-1] {
			constant++
			continue
		}
		l := limits[k.limit]
		fmt.Fprintf(&b, "  %-36s %-44s %-38s %v / %d %s\n", k.stack, k.resource, k.limit, s, l.Max, l.Unit)
	}
	fmt.Fprintf(&b, "  (and %d measured policies and counts that do not grow)\n", constant)
	// What every account writes into, at the largest scale: the archive's
	// and the drain's policies, which listed every account before they were
	// scoped to the organization.
	fmt.Fprintf(&b, "the home region's archive and drain policies at %d workloads:\n", scales[len(scales)-1])
	for _, k := range order {
		if !strings.HasPrefix(k.stack, "logarchive-security-us-east-1") {
			continue
		}
		l := limits[k.limit]
		fmt.Fprintf(&b, "  %-44s %-38s %d / %d %s\n", k.resource, k.limit, sizes[k][len(scales)-1], l.Max, l.Unit)
	}
	t.Log(b.String())
}
