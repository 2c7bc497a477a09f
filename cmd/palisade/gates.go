package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/palisade-sec/palisade/gates"
)

// runGates runs the gates over a cloud assembly and prints the report.
// It returns 0 when every gate passed, 1 when one failed and 2 when the gates
// could not run.
func runGates(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("gates", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: palisade gates [flags] [outdir]\n\nRuns cfn-lint and cfn-guard over the cloud assembly (default cdk.out), reads cdk-nag's reports, prints a summary.\n\nflags:")
		fs.PrintDefaults()
	}
	var opts gates.Options
	fs.StringVar(&opts.CfnLint, "cfn-lint", "", "cfn-lint command (default: cfn-lint on PATH)")
	fs.StringVar(&opts.CfnGuard, "cfn-guard", "", "cfn-guard binary (default: the one in node_modules/@cdklabs/cdk-validator-cfnguard)")
	fs.StringVar(&opts.GuardRules, "rules", "", "cfn-guard rules directory (default: that package's AWS Control Tower rules)")
	fs.StringVar(&opts.CacheDir, "cache", gates.DefaultCacheDir(), "directory keeping cfn-lint's and cfn-guard's results per template, tool version and rules, so unchanged templates are not checked again; empty: check every template")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	switch fs.NArg() {
	case 0:
	case 1:
		opts.OutDir = fs.Arg(0)
	default:
		fmt.Fprintf(stderr, "palisade gates: one cloud assembly directory at most, got %d: %q\n", fs.NArg(), fs.Args())
		return 2
	}

	report, err := gates.Run(opts)
	if err != nil {
		fmt.Fprintf(stderr, "palisade gates: %v\n", err)
		return 2
	}
	report.Print(stdout)
	if !report.OK() {
		return 1
	}
	return 0
}
