package main

import (
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/palisade-sec/palisade/config"
	"github.com/palisade-sec/palisade/deployplan"
)

// policyParts are the execution policy's parts shipped in dir:
// deploy/execution-policy-<part>.json.
func policyParts(dir string) ([]string, error) {
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

// runBootstrapPlan prints, for every account, the commands that create the
// execution policy and bootstrap every region to trust the deploying
// account, and then the deploy waves.
func runBootstrapPlan(args []string, stdout, stderr io.Writer) int {
	path := "organization.yaml"
	if len(args) > 0 {
		path = args[0]
	}
	org, err := config.LoadFile(path)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	parts, err := policyParts("deploy")
	if err != nil {
		fmt.Fprintln(stderr, "palisade:", err)
		return 1
	}
	waves, err := deployplan.Waves(org, 0)
	if err != nil {
		fmt.Fprintln(stderr, "palisade:", err)
		return 1
	}
	d := org.Deployer()
	fmt.Fprintf(stdout, "# Bootstrap plan for %s: every account trusts %s (%s), which deploys.\n", org.Name, d.ID, d.Name)
	fmt.Fprintf(stdout, "# Run each account's commands with that account's credentials, from the palisade checkout.\n")
	var last string
	for _, c := range deployplan.Bootstrap(org, parts) {
		if c.Account.ID != last {
			fmt.Fprintf(stdout, "\n# %s (%s, %s)\n", c.Account.Name, c.Account.ID, c.Account.Role)
			last = c.Account.ID
		}
		fmt.Fprintln(stdout, c.String())
	}
	fmt.Fprintf(stdout, "\n# Then, with %s's credentials: npx cdk deploy --all --concurrency 4 -c org=%s\n", d.Name, path)
	fmt.Fprintf(stdout, "# Stack dependencies order it; the waves (what the pipeline deploys, stage by stage):\n")
	for _, w := range waves {
		var stages []string
		for _, s := range w.Stages {
			stage := fmt.Sprintf("%s (%d stacks)", s.Name, len(s.Stacks))
			if s.Production {
				stage += " after approval"
			}
			stages = append(stages, stage)
		}
		fmt.Fprintf(stdout, "#   %-12s %s\n", w.Name, strings.Join(stages, ", "))
	}
	return 0
}
