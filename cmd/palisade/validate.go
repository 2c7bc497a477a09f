package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/palisade-sec/palisade/config"
)

// runValidate implements `palisade validate [org-file]`: it loads the org
// file (default organization.yaml) and either prints a one-line summary
// and returns 0, or prints every problem, one per line as
// file:line:col: path: message, to stderr and returns 1. Usage errors
// return 2.
func runValidate(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: palisade validate [org-file]   (default organization.yaml)")
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 1 {
		fmt.Fprintf(stderr, "palisade validate: one org file at most, got %d\n", fs.NArg())
		fs.Usage()
		return 2
	}
	path := "organization.yaml"
	if fs.NArg() == 1 {
		path = fs.Arg(0)
	}

	org, err := config.LoadFile(path)
	if err != nil {
		problems := config.Errors(err)
		if len(problems) == 0 {
			fmt.Fprintf(stderr, "palisade validate: %v\n", err)
			return 1
		}
		for _, p := range problems {
			fmt.Fprintln(stderr, p)
		}
		return 1
	}

	vpcs := 0
	for _, a := range org.Accounts {
		vpcs += len(a.VPCs)
	}
	fmt.Fprintf(stdout, "%s: ok — org %s, %s, %s in %s\n", path, org.Name,
		count(len(org.Accounts), "account"), count(vpcs, "VPC"), count(len(org.Regions), "region"))
	return 0
}

// count formats n things: "1 region", "2 regions".
func count(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}
