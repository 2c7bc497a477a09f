// Command palisade holds the project's pure-Go tooling, which never starts
// Node: validating an org file, running the gates over a cloud assembly,
// printing the bootstrap plan, drawing the org and pricing the assembly.
//
//	palisade validate [organization.yaml]   check an org file; exit 0, or list every problem and exit 1
//	palisade gates [cdk.out]                run cfn-lint and cfn-guard, read cdk-nag's reports, print a summary
//	palisade plan [-table] [organization.yaml]   print every stack of the plan: account, region, wave, what it deploys after and why, the logs it sends (-table: the purposes table)
//	palisade bootstrap-plan [organization.yaml]  print the bootstrap commands for every account and region, and the deploy waves
//	palisade diagram [-org f] [-assembly d] [-o docs/organization.svg] [-format svg|dot]
//	                                        draw accounts, regions, VPCs, log flows and deploy waves (SVG needs Graphviz)
//	palisade cost [cdk.out]                 print the fixed monthly cost per account and region, and the usage-based charges
//	palisade schema [-o file]               print the org file's JSON Schema, for editors (make schema writes organization.schema.json)
//	palisade preflight [-org f]             with the deploying account's credentials, list what would make the first deploy fail; exit 1 if anything
package main

import (
	"fmt"
	"os"
)

const usage = `usage:
  palisade validate [org-file]   check an org file (default organization.yaml)
  palisade gates [outdir]        run the gates over a synthesized cloud assembly (default cdk.out)
  palisade plan [-table] [org-file]  print every stack, its wave, what it deploys after and why, its logs (-table: the purposes)
  palisade bootstrap-plan [org-file]  print every account's bootstrap commands and the deploy waves
  palisade diagram [flags]       draw the org and its cloud assembly as SVG (needs Graphviz's dot) or DOT (-format dot)
  palisade cost [outdir]         print what the cloud assembly costs a month (default cdk.out)
  palisade schema [-o file]      print the org file's JSON Schema, for editors (make schema writes organization.schema.json)
  palisade preflight [-org f]    read-only checks, with the deploying account's credentials, of what would fail the deploy (exit 1)`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(2)
	}
	var code int
	switch os.Args[1] {
	case "validate":
		code = runValidate(os.Args[2:], os.Stdout, os.Stderr)
	case "gates":
		code = runGates(os.Args[2:], os.Stdout, os.Stderr)
	case "plan":
		code = runPlan(os.Args[2:], os.Stdout, os.Stderr)
	case "bootstrap-plan":
		code = runBootstrapPlan(os.Args[2:], os.Stdout, os.Stderr)
	case "diagram":
		code = runDiagram(os.Args[2:], os.Stdout, os.Stderr)
	case "cost":
		code = runCost(os.Args[2:], os.Stdout, os.Stderr)
	case "preflight":
		code = runPreflight(os.Args[2:], os.Stdout, os.Stderr)
	case "schema":
		code = runSchema(os.Args[2:], os.Stdout, os.Stderr)
	case "-h", "--help", "help":
		fmt.Println(usage)
	default:
		fmt.Fprintf(os.Stderr, "palisade: unknown command %q\n%s\n", os.Args[1], usage)
		code = 2
	}
	os.Exit(code)
}
