package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/palisade-sec/palisade/config"
	"github.com/palisade-sec/palisade/cost"
	"github.com/palisade-sec/palisade/deployplan"
)

// runCost prices a cloud assembly with the shipped price table and prints
// the estimate. It returns 0 on success, 1 when the assembly could not be
// read and 2 on usage errors.
func runCost(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("cost", flag.ContinueOnError)
	fs.SetOutput(stderr)
	compare := fs.String("compare", "", "another assembly of the same org (say, -c profile=lean) to compare with: per account, total and saving")
	orgPath := fs.String("org", "", "the org file the assembly was synthesized from: the estimate also sums each stack purpose of its plan, and a stack outside the plan is an error")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: palisade cost [outdir]\n\nPrints the fixed monthly cost of what the cloud assembly's templates create (default cdk.out),\nper account and region, and the usage-based charges with their unit prices, from cost/prices.json.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	dir := "cdk.out"
	switch fs.NArg() {
	case 0:
	case 1:
		dir = fs.Arg(0)
	default:
		fmt.Fprintf(stderr, "palisade cost: one cloud assembly directory at most, got %d: %q\n", fs.NArg(), fs.Args())
		return 2
	}
	var estimate *cost.Estimate
	var err error
	if *orgPath != "" {
		org, lerr := config.LoadFile(*orgPath)
		if lerr != nil {
			fmt.Fprintln(stderr, lerr)
			return 1
		}
		estimate, err = cost.ReportPlan(dir, cost.DefaultPrices(), deployplan.New(org))
	} else {
		estimate, err = cost.Report(dir, cost.DefaultPrices())
	}
	if err != nil {
		fmt.Fprintf(stderr, "palisade cost: %v\n", err)
		return 1
	}
	estimate.Print(stdout)
	if *compare != "" {
		other, err := cost.Report(*compare, cost.DefaultPrices())
		if err != nil {
			fmt.Fprintf(stderr, "palisade cost: %v\n", err)
			return 1
		}
		cost.PrintComparison(stdout, estimate, dir, other, *compare)
	}
	return 0
}
