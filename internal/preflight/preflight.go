// Package preflight checks, with read-only AWS calls, that an organization
// is ready for palisade's first deploy: every collision with what already
// exists (brownfield) and every prerequisite that only a person can
// provide, each with the account, the region, what AWS holds and the
// org-file choice or command that resolves it.
//
// The checks are a table (Checks): one entry per check, each naming the
// AWS documentation that says why the deploy would fail. Organization
// checks run once with the deploying account's Organizations client; the
// account checks run in every account and region of the org file through
// Dial, which reaches each account through its CDK bootstrap's lookup role
// (see Dial in aws.go for which role and why).
//
// The package is plain Go (aws-sdk-go-v2): it never imports CDK or jsii.
package preflight

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/palisade-sec/palisade/config"
)

// Finding is one collision or missing prerequisite.
type Finding struct {
	Check   string // the check's name
	Account string // the account id; empty for the organization
	Region  string // empty for a global resource or the organization
	Found   string // what AWS holds (or lacks)
	Fix     string // the org-file choice or the command that resolves it
	// Notice marks a finding that does not fail the deploy (something to
	// know, or a manual step that makes later use work).
	Notice bool
}

func (f Finding) String() string {
	where := "organization"
	if f.Account != "" {
		where = "account " + f.Account
	}
	if f.Region != "" {
		where += " " + f.Region
	}
	kind := "BLOCKS"
	if f.Notice {
		kind = "notice"
	}
	return fmt.Sprintf("%s %s [%s]: %s\n    fix: %s", kind, where, f.Check, f.Found, f.Fix)
}

// Scope is where a check runs.
type Scope int

const (
	// ScopeOrg runs once, with the deploying account's Organizations client.
	ScopeOrg Scope = iota + 1
	// ScopeAccount runs in every account of the file, in the home region
	// (IAM is global).
	ScopeAccount
	// ScopeRegion runs in every account and region of the file.
	ScopeRegion
)

// Check is one entry of the table.
type Check struct {
	Name  string
	Doc   string // the AWS documentation that says why it matters
	Scope Scope
	// Run returns the check's findings; an error is a failed call (not a
	// finding) and stops preflight with exit 2.
	Run func(ctx context.Context, e *Env) ([]Finding, error)
}

// Env is what a check sees: the org file and, for account checks, one
// account and region and its clients.
type Env struct {
	Org     *config.Org
	Orgs    Organizations
	Account config.Account // ScopeAccount and ScopeRegion
	Region  string         // ScopeRegion; the home region for ScopeAccount
	Clients *Clients       // ScopeAccount and ScopeRegion
}

func (e *Env) finding(check, found, fix string) Finding {
	return Finding{Check: check, Account: e.Account.ID, Region: e.Region, Found: found, Fix: fix}
}

// Dialer returns the clients of one account and region. An error means
// the account cannot be reached; Run reports it as a finding of the
// "reach" check and skips that account's other checks.
type Dialer func(ctx context.Context, account config.Account, region string) (*Clients, error)

// Result is what Run found.
type Result struct {
	Findings []Finding
}

// Blocked reports whether any finding would fail the deploy.
func (r Result) Blocked() bool {
	return slices.ContainsFunc(r.Findings, func(f Finding) bool { return !f.Notice })
}

// Write prints the findings, blockers first, then a summary line.
func (r Result) Write(w io.Writer) {
	var blocks, notices int
	for _, notice := range []bool{false, true} {
		for _, f := range r.Findings {
			if f.Notice == notice {
				fmt.Fprintln(w, f)
				if notice {
					notices++
				} else {
					blocks++
				}
			}
		}
	}
	if blocks == 0 {
		fmt.Fprintf(w, "preflight: ok — nothing blocks the deploy (%d notices)\n", notices)
		return
	}
	fmt.Fprintf(w, "preflight: %d problems block the deploy, %d notices\n", blocks, notices)
}

// parallel bounds how many accounts preflight reads at once: every
// account and region is a few calls, and 1,000 accounts must not open
// thousands of connections at once.
const parallel = 16

// Run runs checks: the organization's once, the others in every account
// and region of the org file (the home region only for ScopeAccount),
// accounts in parallel. Findings come out in a stable order: organization
// first, then by account in file order, region in file order, check in
// table order.
func Run(ctx context.Context, org *config.Org, orgs Organizations, dial Dialer, checks []Check) (Result, error) {
	var res Result
	var errs []error
	// The organization's checks also read the management account's
	// CloudFormation (which stack holds an SCP); unreachable, they go
	// without, and the account checks report why.
	mgmt, err := dial(ctx, org.AccountByRole(config.RoleManagement), org.HomeRegion)
	if err != nil {
		mgmt = nil
	}
	for _, c := range checks {
		if c.Scope != ScopeOrg {
			continue
		}
		fs, err := c.Run(ctx, &Env{Org: org, Orgs: orgs, Region: org.HomeRegion, Clients: mgmt})
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", c.Name, err))
		}
		res.Findings = append(res.Findings, fs...)
	}

	perAccount := make([][]Finding, len(org.Accounts))
	accountErrs := make([]error, len(org.Accounts))
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for i, acct := range org.Accounts {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			perAccount[i], accountErrs[i] = runAccount(ctx, org, orgs, dial, acct, checks)
		})
	}
	wg.Wait()
	for i := range org.Accounts {
		res.Findings = append(res.Findings, perAccount[i]...)
	}
	errs = append(errs, accountErrs...)
	return res, errors.Join(errs...)
}

func runAccount(ctx context.Context, org *config.Org, orgs Organizations, dial Dialer, acct config.Account, checks []Check) ([]Finding, error) {
	var out []Finding
	var errs []error
	for _, region := range org.Regions {
		cl, err := dial(ctx, acct, region)
		if err != nil {
			out = append(out, Finding{Check: "reach", Account: acct.ID, Region: region,
				Found: fmt.Sprintf("preflight cannot reach %s (%s): %v", acct.Name, acct.ID, err),
				Fix:   "bootstrap the account with the commands of `palisade bootstrap-plan` (its lookup role is how preflight and cdk reach it), or run preflight with credentials of the deploying account"})
			continue
		}
		for _, c := range checks {
			if c.Scope == ScopeOrg || (c.Scope == ScopeAccount && region != org.HomeRegion) {
				continue
			}
			fs, err := c.Run(ctx, &Env{Org: org, Orgs: orgs, Account: acct, Region: region, Clients: cl})
			if err != nil {
				errs = append(errs, fmt.Errorf("%s in %s %s: %w", c.Name, acct.ID, region, err))
			}
			out = append(out, fs...)
		}
	}
	return out, errors.Join(errs...)
}

// ownedByPalisade reports whether the resource with physical id id is a
// resource of one of this org's stacks (<org>-...), which a rerun updates
// rather than creates: DescribeStackResources with PhysicalResourceId
// returns the stack that holds a resource (CloudFormation API Reference,
// DescribeStackResources: "you can specify either StackName or
// PhysicalResourceId"); an error (no stack holds it) reads as not owned.
func ownedByPalisade(ctx context.Context, e *Env, id string) (string, bool) {
	out, err := e.Clients.CloudFormation.DescribeStackResources(ctx, describeByPhysicalID(id))
	if err != nil || len(out.StackResources) == 0 {
		return "", false
	}
	stack := deref(out.StackResources[0].StackName)
	return stack, strings.HasPrefix(stack, e.Org.Name+"-")
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
