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
}

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
