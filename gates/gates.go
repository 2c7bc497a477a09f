// Package gates runs the compliance gates over a synthesized cloud assembly
// (cdk.out) and prints a one-screen summary. It is pure Go: it reads the
// assembly's files and runs the tools as processes, never CDK or jsii.
//
// Four gates judge every stack template:
//
//   - cdk-nag runs inside the CDK app; this package reads what it left behind:
//     the <Pack>-<StackName>-NagReport.csv files and the aws:cdk:error and
//     aws:cdk:warning metadata of each stack. Any unsuppressed error fails,
//     and so does any aws:cdk:error, whoever raised it. Warnings and
//     suppressions are counted, not failed.
//   - cfn-lint runs once per region, over all the stack templates of that
//     region, checking them against it. Any error or warning fails.
//     Informational checks are not asked for (cfn-lint's default): CDK's own
//     idioms, such as Fn::Join with an empty delimiter, would fill the screen
//     with them. If a .cfnlintrc turns them on they are counted, never failed.
//     A warning that CDK itself acknowledged in the assembly
//     (aws:cdk:acknowledged-rules metadata "CloudFormation-Validate::<rule>",
//     such as W3010 for the literal availability zones of every VPC) does not
//     fail for the resources under the construct that acknowledged it; it is
//     listed once with CDK's reason.
//   - cfn-guard checks every stack template against AWS Control Tower's
//     proactive rules. A failed rule fails, unless Waivers holds it: then it
//     is counted as waived and listed once with the waiver's reason. A waiver
//     that matched nothing is reported as unused (Report.StaleWaivers).
//   - palisade's own checks (own.go): no SSH or RDP ingress anywhere, no key
//     pairs. Every failure fails; nothing waives them.
//
// With Options.CacheDir, cfn-lint and cfn-guard skip the templates they have
// already judged, byte for byte, with the same tool version, rules and
// configuration (cache.go); palisade gates uses one by default.
//
// Templates in the assembly that no stack artifact names (asset files) are
// not checked. Nested cloud assemblies (CDK stages) are not read.
package gates

import (
	"errors"
	"sync"
)

// Options says where the assembly and the tools are. The zero value runs the
// gates over ./cdk.out with the tools the project installs.
type Options struct {
	// OutDir is the cloud assembly directory. Default: "cdk.out".
	OutDir string
	// CfnLint is the cfn-lint command. Default: "cfn-lint" found on PATH.
	CfnLint string
	// CfnGuard is the cfn-guard binary. Default: the static binary that
	// @cdklabs/cdk-validator-cfnguard ships for this OS and architecture,
	// in the node_modules found by walking up from OutDir, then from the
	// working directory.
	CfnGuard string
	// GuardRules is a directory of .guard rule files. Default: the AWS
	// Control Tower proactive rules in that same npm package.
	GuardRules string
	// Waivers accept failures of cfn-guard and cfn-lint rules on named
	// resources, each with its reason. Default (nil): the package's Waivers.
	Waivers []Waiver
	// CacheDir, when not empty, keeps cfn-lint's findings and cfn-guard's
	// verdicts for each template, keyed by the template's bytes, its region,
	// and the tools' versions, rules and configuration (cache.go): a template
	// that did not change is not checked again. Default (""): no cache,
	// every template is checked.
	CacheDir string
}

// Report is the outcome of all gates over one cloud assembly.
type Report struct {
	// Stacks are the assembly's stacks, sorted by name.
	Stacks []StackResult
	// StaleWaivers are the waivers that matched no failure.
	StaleWaivers []Waiver
	// LintCached and GuardCached count the templates whose cfn-lint findings
	// and cfn-guard verdicts came from Options.CacheDir.
	LintCached, GuardCached int
}

// StackResult is what the gates found in one stack.
type StackResult struct {
	// Name is the CloudFormation stack name.
	Name string
	// Account and Region come from the artifact's environment
	// (aws://ACCOUNT/REGION); env-agnostic stacks say unknown-account and
	// unknown-region.
	Account, Region string
	// Template is the path of the stack's template: OutDir joined with the
	// artifact's templateFile.
	Template string
	// Resources is the number of resources in the template.
	Resources int
	Nag       NagResult
	// Lint holds every cfn-lint finding for the template.
	Lint  []Finding
	Guard GuardResult
	// Own holds the failures of palisade's own checks (no SSH or RDP
	// ingress, no key pairs): each fails the gate.
	Own []Finding
}

// NagResult sums up cdk-nag's reports and the synth annotations of a stack.
type NagResult struct {
	// Errors and Warnings count the unsuppressed findings of all packs, plus
	// aws:cdk:error and aws:cdk:warning metadata that no report row accounts
	// for. Suppressed counts the suppressed findings.
	Errors, Warnings, Suppressed int
	// Findings are the errors: each one fails the gate.
	Findings []Finding
}

// GuardResult sums up cfn-guard's verdicts on a stack's template.
type GuardResult struct {
	// Passed, Failed and Waived count rules; rules that did not apply to
	// the template are not counted.
	Passed, Failed, Waived int
	// Findings has one entry per failed or waived rule and resource; a waived
	// one carries its waiver's reason.
	Findings []Finding
}

// Finding is one thing a tool reported about one resource of a template.
type Finding struct {
	// Rule is the tool's rule id or name (AwsSolutions-S1, E3002,
	// s3_bucket_versioning_enabled_check), or aws:cdk:error for a synth error.
	Rule string
	// Resource is the logical id, or the construct path where the tool gives
	// no logical id and the assembly cannot map it to one.
	Resource string
	// Level is the tool's severity: Error, Warning or Informational.
	Level string
	// Message is the tool's explanation, on one line.
	Message string
	// Line is the 1-based line in the stack's template, or 0 when the tool
	// gives none.
	Line int
	// Reason, when not empty, is why the finding does not fail its gate:
	// a waiver's or an acknowledgment's reason.
	Reason string
	// Waived says Reason comes from one of Options.Waivers (else from CDK's
	// acknowledgment of a cfn-lint rule).
	Waived bool
}

// Run checks every stack of the cloud assembly in opts.OutDir with all gates.
// It returns an error only when the gates could not run: a tool is missing,
// the assembly cannot be read, a waiver has no reason. Its message says how to
// fix that. Failing gates are not errors: see Report.OK.
func Run(opts Options) (*Report, error) {
	if opts.OutDir == "" {
		opts.OutDir = "cdk.out"
	}
	if opts.Waivers == nil {
		opts.Waivers = Waivers
	}
	for _, w := range opts.Waivers {
		if err := w.check(); err != nil {
			return nil, err
		}
	}
	tools, err := findTools(opts)
	if err != nil {
		return nil, err
	}
	stacks, err := readAssembly(opts.OutDir)
	if err != nil {
		return nil, err
	}
	nag, err := readNag(opts.OutDir, stacks)
	if err != nil {
		return nil, err
	}

	var (
		wg                sync.WaitGroup
		lintErr, guardErr error
		lint              map[string][]Finding
		guard             map[string]guardVerdicts
	)
	c := newCache(opts.CacheDir)
	report := &Report{}
	wg.Go(func() { lint, report.LintCached, lintErr = runLint(tools.lint, stacks, c) })
	wg.Go(func() { guard, report.GuardCached, guardErr = runGuard(tools.guard, tools.rules, stacks, c) })
	wg.Wait()
	if err := errors.Join(lintErr, guardErr); err != nil {
		return nil, err
	}

	used := make([]bool, len(opts.Waivers))
	for _, s := range stacks {
		own, err := ownFindings(s.template)
		if err != nil {
			return nil, err
		}
		report.Stacks = append(report.Stacks, StackResult{
			Name:      s.name,
			Account:   s.account,
			Region:    s.region,
			Template:  s.template,
			Resources: s.resources,
			Nag:       nag[s.name],
			Lint:      waive("cfn-lint", acknowledge(s, lint[s.template]), opts.Waivers, used),
			Guard:     guard[s.template].result(opts.Waivers, used),
			Own:       own,
		})
	}
	for i, w := range opts.Waivers {
		if !used[i] {
			report.StaleWaivers = append(report.StaleWaivers, w)
		}
	}
	return report, nil
}

// OK reports whether every gate passed for every stack.
func (r *Report) OK() bool { return len(r.failures()) == 0 }

// failure is a finding that fails its gate, with where it was found.
type failure struct {
	stack *StackResult
	gate  string
	Finding
}

// failures lists the findings that fail their gates, stack by stack in the
// order of the table's columns.
func (r *Report) failures() []failure {
	var out []failure
	for i := range r.Stacks {
		s := &r.Stacks[i]
		for _, f := range s.Nag.Findings {
			out = append(out, failure{s, "nag", f})
		}
		for _, f := range s.Lint {
			if f.fails() {
				out = append(out, failure{s, "cfn-lint", f})
			}
		}
		for _, f := range s.Guard.Findings {
			if f.Reason == "" {
				out = append(out, failure{s, "cfn-guard", f})
			}
		}
		for _, f := range s.Own {
			out = append(out, failure{s, "palisade", f})
		}
	}
	return out
}

// fails reports whether a cfn-lint finding fails the gate: an error or a
// warning that nobody acknowledged.
func (f Finding) fails() bool {
	return f.Reason == "" && (f.Level == "Error" || f.Level == "Warning")
}
