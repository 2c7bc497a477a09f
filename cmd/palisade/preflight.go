package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/palisade-sec/palisade/config"
	"github.com/palisade-sec/palisade/internal/preflight"
)

// runPreflight implements `palisade preflight [-org FILE]`: with the
// deploying account's credentials (the SDK's default chain; the endpoint
// from AWS_ENDPOINT_URL like every SDK), it runs preflight.Checks and
// prints every finding. It returns 1 when a finding would fail the deploy
// (or the org file is bad), 0 otherwise, and 2 on usage errors, missing or
// wrong credentials, or a failed AWS call.
func runPreflight(args []string, stdout, stderr io.Writer) int {
	return preflightWith(args, stdout, stderr, func(ctx context.Context) (aws.Config, error) {
		return awsconfig.LoadDefaultConfig(ctx)
	})
}

func preflightWith(args []string, stdout, stderr io.Writer, load func(context.Context) (aws.Config, error)) int {
	fs := flag.NewFlagSet("preflight", flag.ContinueOnError)
	fs.SetOutput(stderr)
	orgPath := fs.String("org", "organization.yaml", "the org file")
	timeout := fs.Duration("timeout", 10*time.Minute, "give up after this long")
	skip := fs.String("skip", "", "checks not to run, comma-separated (say why where you script it); preflight prints what it skipped")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: palisade preflight [-org organization.yaml] [-skip check,...] [-timeout 10m]   (with the deploying account's credentials)")
		fs.PrintDefaults()
		fmt.Fprintln(stderr, "checks (the AWS documentation each rests on):")
		for _, c := range preflight.Checks {
			fmt.Fprintf(stderr, "  %-32s %s\n", c.Name, c.Doc)
		}
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "palisade preflight: unexpected arguments %v\n", fs.Args())
		fs.Usage()
		return 2
	}
	checks := preflight.Checks
	if *skip != "" {
		for _, name := range strings.Split(*skip, ",") {
			i := slices.IndexFunc(checks, func(c preflight.Check) bool { return c.Name == name })
			if i < 0 {
				fmt.Fprintf(stderr, "palisade preflight: -skip: no check %q\n", name)
				fs.Usage()
				return 2
			}
			checks = slices.Delete(slices.Clone(checks), i, i+1)
		}
		fmt.Fprintf(stdout, "preflight: skipping %s\n", *skip)
	}
	org, err := config.LoadFile(*orgPath)
	if err != nil {
		for _, p := range config.Errors(err) {
			fmt.Fprintln(stderr, p)
		}
		if len(config.Errors(err)) == 0 {
			fmt.Fprintf(stderr, "palisade preflight: %v\n", err)
		}
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	cfg, err := load(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "palisade preflight: AWS credentials: %v\n", err)
		return 2
	}
	if cfg.Region == "" {
		cfg.Region = org.HomeRegion
	}
	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		fmt.Fprintf(stderr, "palisade preflight: AWS credentials: %v\n", err)
		return 2
	}
	deployer := org.Deployer()
	if got := aws.ToString(id.Account); got != deployer.ID {
		fmt.Fprintf(stderr, "palisade preflight: the credentials are of account %s; run preflight with the deploying account's (%s, %s)\n", got, deployer.Name, deployer.ID)
		return 2
	}
	res, err := preflight.Run(ctx, org, organizations.NewFromConfig(cfg), preflight.Dial(cfg, deployer.ID), checks)
	res.Write(stdout)
	if err != nil {
		fmt.Fprintf(stderr, "palisade preflight: some checks could not run: %v\n", err)
		return 2
	}
	if res.Blocked() {
		return 1
	}
	return 0
}
