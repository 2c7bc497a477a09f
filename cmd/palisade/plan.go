package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/palisade-sec/palisade/config"
	"github.com/palisade-sec/palisade/deployplan"
)

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
	parts, err := deployplan.PolicyParts("deploy")
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
