// Package stackset provides StackSet: one service-managed AWS CloudFormation
// stack set that deploys a template to every account of some organizational
// units (OUs), in some regions, and to every account created in or moved
// into those OUs later, without anyone deploying again.
//
// The stack set is SERVICE_MANAGED (AWS CloudFormation User Guide,
// "StackSets concepts", permission models): StackSets creates the roles it
// needs in the target accounts itself, so a new account needs no CDK
// bootstrap and no role made by hand. It is created from the organization's
// management account (CallAs SELF); StackSets' trusted access with AWS
// Organizations must be on first (NewTrustedAccess, in the same account),
// else CreateStackSet fails ("You must enable organizations access to
// operate a service managed stack set"). Deployment targets are the OUs (or
// the root) and, by StackSets' rule, every OU below them; the management
// account itself never gets an instance, even when the root is a target
// (User Guide, "Service-managed permissions": stack sets do not deploy to
// the management account).
//
// Automatic deployment is always on (AutoDeployment.Enabled): an account
// that joins a target OU gets the stack set's instances in every target
// region; one that leaves loses them, its stacks deleted unless
// Props.RetainStacks (resources the template retains on delete stay either
// way). Operations run the regions in parallel, at most
// Props.MaxConcurrentPercentage of a region's accounts at once, and stop in
// a region once more than Props.FailureTolerancePercentage have failed.
// The concurrency mode is SOFT_FAILURE_TOLERANCE: with StackSets' default,
// STRICT_FAILURE_TOLERANCE, the concurrency is at most the tolerance + 1
// accounts (API Reference, StackSetOperationPreferences, ConcurrencyMode),
// so the default tolerance of 0 would deploy one account at a time, 1,000
// accounts in 1,000 rounds; soft keeps the concurrency, and up to that many
// accounts may fail before the region stops. These preferences apply to
// the stack set's own operations, not to automatic deployments (same page:
// "StackSetOperationPreferences don't apply to AutoDeployment").
// ManagedExecution is active, so that StackSets queues an operation that
// conflicts with one in progress (an automatic deployment for a new account
// while the stack set is updated) instead of refusing it
// (OperationInProgressException; API Reference, ManagedExecution).
//
// The template is given as its body, which AWS limits to 51,200 bytes
// (the AWS::CloudFormation::StackSet resource schema, TemplateBody
// maxLength; cfn-lint checks it, and the stack set's template must name no
// CDK asset: a new account has no CDK bootstrap bucket to read it from).
package stackset

import (
	"fmt"
	"regexp"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudformation"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Props configures a StackSet. Name, TemplateBody, Targets and Regions are
// required.
type Props struct {
	// Name is the stack set's name: a letter, then letters, digits and
	// hyphens, at most 128 in all. Its instances' stacks are named
	// StackSet-<Name>-<uuid>.
	Name        string
	Description string
	// TemplateBody is the template every instance deploys.
	TemplateBody string
	// Targets are organization root (r-...) or OU (ou-...) ids.
	Targets []string
	// Regions the instances are deployed in, in every target account.
	Regions []string
	// Capabilities the template needs, such as CAPABILITY_NAMED_IAM for
	// named IAM resources (StackSets refuses such a template without it).
	Capabilities []string
	// RetainStacks keeps an account's stacks when it leaves the targets.
	// Default false: they are deleted (their retained resources stay).
	RetainStacks bool
	// FailureTolerancePercentage, 0 to 100 (default 0: the first failure
	// stops the region).
	FailureTolerancePercentage int
	// MaxConcurrentPercentage, 1 to 100, of a region's accounts at once.
	// Default (0): 25.
	MaxConcurrentPercentage int
}

// DefaultMaxConcurrentPercentage is Props.MaxConcurrentPercentage when it is
// zero.
const DefaultMaxConcurrentPercentage = 25

// StackSet is one service-managed stack set with its instances.
type StackSet struct {
	constructs.Construct
	Resource awscloudformation.CfnStackSet
}

var (
	nameRE   = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9-]{0,127}$`)
	targetRE = regexp.MustCompile(`^(ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}|r-[a-z0-9]{4,32})$`)
)

// New creates a StackSet. It panics on props AWS would refuse: a name or
// target id of the wrong form, no target, no region, a percentage out of
// range, or an empty template.
func New(scope constructs.Construct, id string, props *Props) *StackSet {
	p := *props
	if p.MaxConcurrentPercentage == 0 {
		p.MaxConcurrentPercentage = DefaultMaxConcurrentPercentage
	}
	if err := p.check(); err != nil {
		panic("stackset: " + err.Error())
	}
	c := constructs.NewConstruct(scope, &id)
	regions := slices.Clone(p.Regions)
	var description *string
	if p.Description != "" {
		description = jsii.String(p.Description)
	}
	var caps *[]*string
	if len(p.Capabilities) > 0 {
		caps = jsii.Strings(p.Capabilities...)
	}
	res := awscloudformation.NewCfnStackSet(c, jsii.String("Resource"), &awscloudformation.CfnStackSetProps{
		StackSetName:    jsii.String(p.Name),
		Description:     description,
		PermissionModel: jsii.String("SERVICE_MANAGED"),
		CallAs:          jsii.String("SELF"),
		TemplateBody:    jsii.String(p.TemplateBody),
		Capabilities:    caps,
		AutoDeployment: &awscloudformation.CfnStackSet_AutoDeploymentProperty{
			Enabled:                      jsii.Bool(true),
			RetainStacksOnAccountRemoval: jsii.Bool(p.RetainStacks),
		},
		ManagedExecution: map[string]any{"Active": true},
		OperationPreferences: &awscloudformation.CfnStackSet_OperationPreferencesProperty{
			RegionConcurrencyType:      jsii.String("PARALLEL"),
			ConcurrencyMode:            jsii.String("SOFT_FAILURE_TOLERANCE"),
			FailureTolerancePercentage: jsii.Number(float64(p.FailureTolerancePercentage)),
			MaxConcurrentPercentage:    jsii.Number(float64(p.MaxConcurrentPercentage)),
		},
		StackInstancesGroup: []any{
			&awscloudformation.CfnStackSet_StackInstancesProperty{
				DeploymentTargets: &awscloudformation.CfnStackSet_DeploymentTargetsProperty{
					OrganizationalUnitIds: jsii.Strings(p.Targets...),
				},
				Regions: jsii.Strings(regions...),
			},
		},
	})
	// Deleting the stack set deletes every instance's stack (each stack's
	// retained resources stay), which is what removing palisade's fan-out
	// means; a stack set itself holds no data.
	res.ApplyRemovalPolicy(awscdk.RemovalPolicy_DESTROY, nil)
	return &StackSet{Construct: c, Resource: res}
}

func (p *Props) check() error {
	switch {
	case !nameRE.MatchString(p.Name):
		return fmt.Errorf("Props.Name %q is not a stack set name (a letter, then letters, digits and hyphens, at most 128)", p.Name)
	case p.TemplateBody == "":
		return fmt.Errorf("stack set %s: Props.TemplateBody is empty", p.Name)
	case len(p.Targets) == 0:
		return fmt.Errorf("stack set %s: Props.Targets is empty: name the root (r-...) or the OUs (ou-...) to deploy to", p.Name)
	case len(p.Regions) == 0:
		return fmt.Errorf("stack set %s: Props.Regions is empty", p.Name)
	case p.FailureTolerancePercentage < 0 || p.FailureTolerancePercentage > 100:
		return fmt.Errorf("stack set %s: Props.FailureTolerancePercentage %d is not 0 to 100", p.Name, p.FailureTolerancePercentage)
	case p.MaxConcurrentPercentage < 1 || p.MaxConcurrentPercentage > 100:
		return fmt.Errorf("stack set %s: Props.MaxConcurrentPercentage %d is not 1 to 100", p.Name, p.MaxConcurrentPercentage)
	}
	for _, t := range p.Targets {
		if !targetRE.MatchString(t) {
			return fmt.Errorf("stack set %s: target %q is not an organization root (r-...) or OU (ou-...-...) id", p.Name, t)
		}
	}
	return nil
}
