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
// account, and then the rollout's steps (deployplan.Plan.Rollout) and its
// depth.
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
	steps := deployplan.New(org).Rollout(deployplan.MaxActions)
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
	fmt.Fprintf(stdout, "\n# Then, with %s's credentials: npx cdk deploy --all --concurrency %d -c org=%s\n", d.Name, org.Deployment.Concurrency, path)
	fmt.Fprintf(stdout, "# Stack dependencies order it; the rollout (what the pipeline deploys, step by step), %d sequential steps (at most %d at any size):\n",
		deployplan.Depth(steps), deployplan.MaxDepth)
	for _, step := range steps {
		var what string
		if step.CLI {
			what = fmt.Sprintf("one action, cdk deploy --concurrency %d: %d stacks of %d accounts", org.Deployment.Concurrency, len(step.Stacks()), len(step.Stages))
		} else {
			var stages []string
			for _, s := range step.Stages {
				stage := fmt.Sprintf("%s (%d stacks)", s.Name, len(s.Stacks))
				if s.Production {
					stage += " after approval"
				}
				stages = append(stages, stage)
			}
			what = strings.Join(stages, ", ")
		}
		if step.Approval {
			what = "after approval: " + what
		}
		fmt.Fprintf(stdout, "#   %-12s %s\n", step.Name, what)
	}
	return 0
}

// runPlan prints the org's plan (deployplan.New): every stack with its
// account, region and wave, the stacks it deploys after and why, and the
// logs it sends to the archive; with -table, the purposes table the plan
// is computed from (the README shows it).
func runPlan(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "-table" {
		if len(args) > 1 {
			fmt.Fprintf(stderr, "palisade plan -table: no arguments expected, got %q\n", args[1:])
			return 2
		}
		fmt.Fprint(stdout, deployplan.Table())
		return 0
	}
	path := "organization.yaml"
	switch len(args) {
	case 0:
	case 1:
		path = args[0]
	default:
		fmt.Fprintf(stderr, "palisade plan: one org file at most, got %q\n", args)
		return 2
	}
	org, err := config.LoadFile(path)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	plan := deployplan.New(org)
	fmt.Fprintf(stdout, "# The plan of %s (%s): %d stacks, in the order they are created.\n", org.Name, path, len(plan.Stacks))
	for _, s := range plan.Stacks {
		wave := s.Wave
		if wave == "" {
			wave = s.Phase
		}
		if s.Step != wave {
			wave += " (pipeline step " + s.Step + ")"
		}
		fmt.Fprintf(stdout, "\n%s\n  %s (%s) %s, wave %s: %s\n", s.Name, s.Account.Name, s.Account.ID, s.Region, wave, s.Description)
		for _, d := range s.DependsOn {
			fmt.Fprintf(stdout, "  after %s: %s\n", d.Stack, d.Reason)
		}
		if len(s.Logs) > 0 {
			fmt.Fprintf(stdout, "  logs to the archive in %s: %s\n", s.Region, strings.Join(s.Logs, ", "))
		}
	}
	return 0
}
