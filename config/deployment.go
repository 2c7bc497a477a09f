package config

import (
	"regexp"
	"slices"
)

// Deployment is the org file's deployment section: which account deploys
// the others (the one every account's CDK bootstrap trusts) and, optionally,
// the pipeline that deploys on every commit.
type Deployment struct {
	// Account is the name of the deploying account. Default: the
	// management account's name.
	Account string
	// Pipeline is the CDK pipeline; nil when the org file has none.
	Pipeline *Pipeline
	// ProductionAccounts are account names whose pipeline stages wait for a
	// manual approval.
	ProductionAccounts []string
	// Concurrency is how many stacks at once the pipeline's CLI deploy
	// action (`cdk deploy --concurrency`) deploys, in a phase too large
	// for one CodePipeline stage of per-stack actions (deployplan.Rollout).
	// Default DefaultConcurrency, at most MaxConcurrency.
	Concurrency int
	// StackSets, when not nil, deploys what is the same in every workload
	// account through service-managed CloudFormation StackSets with
	// automatic deployment to its Targets (docs/stacksets.md): an account
	// created in or moved into a target OU gets it without a commit.
	StackSets *StackSets
}

// StackSets is the org file's deployment.stackSets: where the workload
// accounts' uniform stacks go and how a stack set operation proceeds.
//
// Today the workload accounts' log stacks (logs: the forwarded log groups
// and their subscriptions to the drain) go this way; the baseline and
// Session Manager stacks carry Lambda code, which a stack set can only take
// from a bucket every account of the organization may read, and stay
// per-account stacks until palisade publishes that code (docs/stacksets.md,
// section 5, item 2).
type StackSets struct {
	// Targets are the organization root (r-...) or OUs (ou-...) whose
	// accounts, and those of every OU below, get the stack sets' instances
	// (AWS CloudFormation User Guide, "Service-managed permissions": a stack
	// set deploys to the target OUs and their child OUs). Every workload
	// account of the file must be in one; preflight says which is not.
	Targets []string
	// RetainStacksOnRemoval keeps the stacks in an account that leaves the
	// targets. Default false: the stacks are deleted, and what they retain
	// on delete (palisade's log groups) stays (AutoDeployment,
	// RetainStacksOnAccountRemoval).
	RetainStacksOnRemoval bool
	// FailureTolerancePercentage is the share of accounts per region whose
	// instance may fail before the operation stops there, 0 to 100.
	// Default 0: the first failure stops the region.
	FailureTolerancePercentage int
	// MaxConcurrentPercentage is the share of accounts per region deployed
	// at once, 1 to 100. Default DefaultStackSetConcurrency.
	MaxConcurrentPercentage int
}

// DefaultStackSetConcurrency is deployment.stackSets.maxConcurrentPercentage
// when the file does not set it: a quarter of a region's accounts at once,
// so that a template that fails everywhere, with the default tolerance of
// 0, fails in at most a quarter of them before the region stops (palisade's
// stack sets run in SOFT_FAILURE_TOLERANCE mode: constructs/stackset).
const DefaultStackSetConcurrency = 25

// The bounds of deployment.concurrency. The CLI runs every deploy of one
// action in one Node process of one CodeBuild container, polling each
// stack's events; what that process sustains is not documented
// (docs/stacksets.md, open question 10), so the default is modest and the
// maximum matches StackSets' documented 100 concurrent stack instances per
// stack set (User Guide, "StackSets concepts"), the other fan-out of issue 16.
const (
	DefaultConcurrency = 20
	MaxConcurrency     = 100
)

// Pipeline is where the pipeline takes its source from: a CodeStar (AWS
// CodeConnections) connection to a repository, or a CodeCommit repository.
type Pipeline struct {
	ConnectionArn        string // arn:aws:codeconnections:... or arn:aws:codestar-connections:...
	Repository           string // owner/name, with ConnectionArn
	CodeCommitRepository string // the repository's name, instead of a connection
	Branch               string // default: main
}

var (
	connectionArnRE = regexp.MustCompile(`^arn:aws[a-z-]*:(codestar-connections|codeconnections):[a-z0-9-]+:[0-9]{12}:connection/[0-9a-f-]{36}$`)
	repositoryRE    = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$`)
	codeCommitRE    = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,100}$`)
	branchRE        = regexp.MustCompile(`^[A-Za-z0-9._/-]{1,255}$`)
)

const defaultBranch = "main"

func (d *decoder) deploymentFields(dep *Deployment) []field {
	pl := &Pipeline{}
	return []field{
		d.strField("account", &dep.Account, shape{
			doc: "The deploying account, by name: the management account (the default) or a dedicated deployment account of this file."}),
		d.strListField("productionAccounts", &dep.ProductionAccounts, shape{
			doc: "Accounts (by name, not the management account) whose pipeline stages wait for a manual approval."}),
		d.intField("concurrency", &dep.Concurrency, shape{min: ptr(1), max: ptr(MaxConcurrency), def: DefaultConcurrency,
			doc: "How many stacks at once the pipeline deploys (cdk deploy --concurrency) in a phase too large for one CodePipeline stage of per-stack actions."}),
		d.stackSetsField(dep),
		d.presentObjectField("pipeline", shape{
			doc: "The CDK pipeline (synthesized with -c pipeline=true). Its source: connectionArn with repository (GitHub, GitLab, Bitbucket through AWS CodeConnections), or codeCommitRepository.",
		}, func() []field {
			return []field{
				d.strField("connectionArn", &pl.ConnectionArn, shape{pattern: connectionArnRE, orEmpty: true,
					doc: "An AWS CodeConnections (or CodeStar Connections) connection ARN, with repository."}),
				d.strField("repository", &pl.Repository, shape{pattern: repositoryRE, orEmpty: true,
					doc: "The repository behind the connection: owner/name."}),
				d.strField("codeCommitRepository", &pl.CodeCommitRepository, shape{pattern: codeCommitRE, orEmpty: true,
					doc: "A CodeCommit repository's name, instead of a connection."}),
				d.strField("branch", &pl.Branch, shape{pattern: branchRE, def: defaultBranch,
					doc: "The branch the pipeline deploys."}),
			}
		}, func() { dep.Pipeline = pl }),
	}
}

func (d *decoder) validateDeployment(org *Org) {
	const dp = "deployment"
	dep := &org.Deployment
	names := map[string]Role{}
	for _, a := range org.Accounts {
		names[a.Name] = a.Role
	}
	if !d.set[join(dp, "account")] {
		if m := org.Management(); m != nil {
			dep.Account = m.Name
		}
	} else if _, ok := names[dep.Account]; !ok {
		d.errorf(join(dp, "account"), "%q is not an account of this file; name the management account or a dedicated deployment account", dep.Account)
	}
	if !d.set[join(dp, "concurrency")] {
		dep.Concurrency = DefaultConcurrency
	} else if dep.Concurrency < 1 || dep.Concurrency > MaxConcurrency {
		d.errorf(join(dp, "concurrency"), "%d is not a deploy concurrency palisade accepts; use 1 to %d stacks at once", dep.Concurrency, MaxConcurrency)
	}
	for i, name := range dep.ProductionAccounts {
		ip := item(join(dp, "productionAccounts"), i)
		if role, ok := names[name]; !ok {
			d.errorf(ip, "%q is not an account of this file", name)
		} else if role == RoleManagement {
			d.errorf(ip, "%q is the management account, which runs no workloads; list workload or security accounts", name)
		} else if slices.Index(dep.ProductionAccounts, name) != i {
			d.errorf(ip, "duplicate account %q", name)
		}
	}
	d.validateStackSets(dep.StackSets)
	if dep.StackSets != nil && len(org.Logging.ForwardLogGroups) == 0 {
		d.errorf(join(dp, "stackSets"), "fans out the workload accounts' log stacks, the only stacks StackSets deploys today, and logging.forwardLogGroups names no log group: there is nothing to fan out; forward log groups or drop deployment.stackSets")
	}
	pl := dep.Pipeline
	if pl == nil {
		return
	}
	pp := join(dp, "pipeline")
	switch {
	case pl.ConnectionArn != "" && pl.CodeCommitRepository != "":
		d.errorf(pp, "names both a connection (connectionArn) and codeCommitRepository; keep one source")
	case pl.ConnectionArn == "" && pl.CodeCommitRepository == "":
		d.errorf(pp, "names no source: give connectionArn with repository (GitHub, GitLab, Bitbucket through AWS CodeConnections) or codeCommitRepository")
	case pl.ConnectionArn != "":
		if !connectionArnRE.MatchString(pl.ConnectionArn) {
			d.errorf(join(pp, "connectionArn"), "%q is not a connection ARN such as arn:aws:codeconnections:us-east-1:111111111111:connection/<uuid>", pl.ConnectionArn)
		}
		if !repositoryRE.MatchString(pl.Repository) {
			d.errorf(join(pp, "repository"), "%q is not a repository such as owner/name", pl.Repository)
		}
	default:
		if !codeCommitRE.MatchString(pl.CodeCommitRepository) {
			d.errorf(join(pp, "codeCommitRepository"), "%q is not a CodeCommit repository name (1 to 100 letters, digits, . _ -)", pl.CodeCommitRepository)
		}
		if pl.Repository != "" {
			d.errorf(join(pp, "repository"), "goes with connectionArn; a CodeCommit repository is named by codeCommitRepository alone")
		}
	}
	if !d.set[join(pp, "branch")] {
		pl.Branch = defaultBranch
	} else if !branchRE.MatchString(pl.Branch) {
		d.errorf(join(pp, "branch"), "%q is not a branch name", pl.Branch)
	}
}

// FansOut reports whether the org deploys through StackSets: it has
// deployment.stackSets and forwards log groups, whose stacks are the only
// ones StackSets deploys today (the loader refuses stackSets without them;
// an org made in code may still have it).
func (o *Org) FansOut() bool {
	return o.Deployment.StackSets != nil && len(o.Logging.ForwardLogGroups) > 0
}

// Deployer is the deploying account: the one every account's bootstrap
// trusts and the pipeline runs in. It is found among AllAccounts, so it is
// known after Filter too.
func (o *Org) Deployer() Account {
	for _, a := range o.AllAccounts {
		if a.Name == o.Deployment.Account {
			return a
		}
	}
	return o.AccountByRole(RoleManagement)
}

func (d *decoder) stackSetsField(dep *Deployment) field {
	ss := &StackSets{}
	return d.presentObjectField("stackSets", shape{
		doc: "Deploy the workload accounts' uniform stacks (today: logs) through service-managed CloudFormation StackSets, automatically to every account of targets, including accounts created or moved there later.",
	}, func() []field {
		return []field{
			d.strListField("targets", &ss.Targets, shape{required: true, minItems: 1, unique: true,
				doc:   "The org root (r-...) or OUs (ou-...-...) whose accounts, and those of the OUs below, get the stack sets. Required; every workload account of this file must be in one.",
				items: &shape{pattern: policyTargetRE, doc: "An organization root id (r-...) or OU id (ou-...-...)."}}),
			d.boolField("retainStacksOnRemoval", &ss.RetainStacksOnRemoval, shape{def: false,
				doc: "Keep the stacks in an account that leaves the targets. Default false: they are deleted, and the log groups they retain stay."}),
			d.intField("failureTolerancePercentage", &ss.FailureTolerancePercentage, shape{min: ptr(0), max: ptr(100), def: 0,
				doc: "The share of a region's accounts whose instance may fail before the operation stops in that region."}),
			d.intField("maxConcurrentPercentage", &ss.MaxConcurrentPercentage, shape{min: ptr(1), max: ptr(100), def: DefaultStackSetConcurrency,
				doc: "The share of a region's accounts deployed at once."}),
		}
	}, func() { dep.StackSets = ss })
}

func (d *decoder) validateStackSets(ss *StackSets) {
	if ss == nil {
		return
	}
	sp := join("deployment", "stackSets")
	if d.require(sp, "targets", "the org root (r-...) or the OUs (ou-...-...) whose accounts get the stack sets") && len(ss.Targets) == 0 {
		d.errorf(join(sp, "targets"), "names no target: list the org root (r-...) or the OUs (ou-...-...) whose accounts get the stack sets")
	}
	for i, t := range ss.Targets {
		if !policyTargetRE.MatchString(t) {
			d.errorf(item(join(sp, "targets"), i), "%q is not an organization root id (r-...) or OU id (ou-...-...)", t)
		} else if slices.Index(ss.Targets, t) != i {
			d.errorf(item(join(sp, "targets"), i), "duplicate target %q", t)
		}
	}
	if ss.FailureTolerancePercentage < 0 || ss.FailureTolerancePercentage > 100 {
		d.errorf(join(sp, "failureTolerancePercentage"), "%d is not a percentage (0 to 100)", ss.FailureTolerancePercentage)
	}
	if !d.set[join(sp, "maxConcurrentPercentage")] {
		ss.MaxConcurrentPercentage = DefaultStackSetConcurrency
	} else if ss.MaxConcurrentPercentage < 1 || ss.MaxConcurrentPercentage > 100 {
		d.errorf(join(sp, "maxConcurrentPercentage"), "%d is not a share of accounts StackSets accepts (1 to 100 percent)", ss.MaxConcurrentPercentage)
	}
}
