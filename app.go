// Command palisade-app is the CDK app: it loads and validates the org file,
// builds the org's stacks and synthesizes them with every check on.
//
// Context (cdk.json or -c):
//
//	org       the org file (default: organization.yaml, embedded in the binary)
//	accounts  build only these accounts, by name or id, comma-separated
//	regions   build only these regions, comma-separated
//	profile   default or lean, in place of the org file's profile (to price the other)
//	pipeline  "true": synthesize the org's CDK pipeline (stacks.NewPipeline),
//	          whose stages hold the same stacks, instead of the stacks
//	          themselves; the org file must have deployment.pipeline
//	jobs      how many processes synthesize the stacks (parallel.go); default:
//	          the machine's cores, at most 4, one per 100 stacks; 1: one process
//
// The org file is loaded and validated before the CDK app exists, so a bad
// one prints every problem and exits 1 without starting Node or writing a
// cloud assembly.
package main

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/palisade-sec/palisade/config"
	"github.com/palisade-sec/palisade/deployplan"
	"github.com/palisade-sec/palisade/stacks"
)

//go:embed organization.yaml
var exampleOrg []byte

func main() {
	ctx, err := cliContext()
	var org *config.Org
	if err == nil {
		org, err = selectOrg(ctx)
	}
	pipeline := ctx["pipeline"] == "true"
	if err == nil && pipeline && org.Deployment.Pipeline == nil {
		err = errors.New("-c pipeline=true: the org file has no deployment.pipeline; add one (connectionArn and repository, or codeCommitRepository) or synthesize without the pipeline context")
	}
	if err == nil {
		err = stacks.CheckLambdas()
	}
	var plan *deployplan.Plan
	if err == nil {
		plan = deployplan.New(org)
	}
	part := os.Getenv(partEnv)
	if err == nil && !pipeline && part == "" && os.Getenv("CDK_OUTDIR") != "" {
		var jobs int
		if jobs, err = synthJobs(ctx, plan); err == nil {
			var done bool
			if done, err = synthParallel(plan, jobs, os.Getenv("CDK_OUTDIR")); done && err == nil {
				return
			}
		}
	}
	if err == nil {
		// No construct stack traces: they record the jsii kernel's temporary
		// directory, which differs from run to run, in the metadata of every
		// construct with a warning. (CDK still records a creation stack for
		// the constructs whose cfn-lint rules it acknowledges.)
		app := awscdk.NewApp(&awscdk.AppProps{AnalyticsReporting: jsii.Bool(false), StackTraces: jsii.Bool(false)})
		if pipeline {
			stacks.AddChecks(app) // the pipeline stack; each stage checks its own stacks
			_, err = stacks.NewPipeline(app, org)
		} else if part != "" {
			err = buildPart(app, plan, part)
		} else {
			stacks.AddStackChecks(stacks.BuildPlan(app, plan, nil))
		}
		if err == nil {
			err = stacks.Synth(app)
		}
		jsii.Close()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// selectOrg loads the org file named by the context and keeps the accounts
// and regions the context asks for.
func selectOrg(ctx map[string]string) (*config.Org, error) {
	var (
		org *config.Org
		err error
	)
	if path := ctx["org"]; path == "" {
		org, err = config.LoadProfile("organization.yaml (embedded)", exampleOrg, ctx["profile"])
	} else {
		org, err = config.LoadFileProfile(path, ctx["profile"])
	}
	if err != nil {
		return nil, err
	}
	return org.Filter(list(ctx["accounts"]), list(ctx["regions"]))
}

// cliContext reads the string context the CDK CLI hands the app: JSON in
// CDK_CONTEXT_JSON, or in the file CONTEXT_OVERFLOW_LOCATION_ENV names when
// it is large. aws-cdk-lib reads the same variables.
func cliContext() (map[string]string, error) {
	out := map[string]string{}
	for _, src := range []struct{ env, file string }{
		{"CDK_CONTEXT_JSON", ""}, {"", os.Getenv("CONTEXT_OVERFLOW_LOCATION_ENV")},
	} {
		data := []byte(os.Getenv(src.env))
		if src.file != "" {
			var err error
			if data, err = os.ReadFile(src.file); err != nil {
				return nil, fmt.Errorf("reading the CDK context: %w", err)
			}
		}
		if len(data) == 0 {
			continue
		}
		var ctx map[string]any
		if err := json.Unmarshal(data, &ctx); err != nil {
			return nil, fmt.Errorf("the CDK context is not JSON: %w", err)
		}
		for k, v := range ctx {
			if s, ok := v.(string); ok {
				out[k] = strings.TrimSpace(s)
			}
		}
	}
	return out, nil
}

func list(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
