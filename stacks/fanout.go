package stacks

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/palisade-sec/palisade/config"
	"github.com/palisade-sec/palisade/constructs/stackset"
	"github.com/palisade-sec/palisade/deployplan"
)

// FanOutProps is what the management account's fanout stack reads: the
// org file's stack set options and, per stack set, the template its
// instances deploy.
type FanOutProps struct {
	StackName   string
	Description string
	Account     string
	Region      string
	StackSets   config.StackSets
	Sets        []FanOutSet
}

// FanOutSet is one stack set of the fanout stack.
type FanOutSet struct {
	Name    string
	Regions []string
	// TemplateBody is the instances' template (StackSetTemplate).
	TemplateBody string
}

// NewFanOut creates the management account's fanout stack: one
// service-managed stack set per FanOutSet, deployed to the org file's
// target OUs with automatic deployment (constructs/stackset), termination
// protection on. StackSets' trusted access is the home orgadmin stack's,
// which deploys first.
func NewFanOut(scope constructs.Construct, id string, props *FanOutProps) awscdk.Stack {
	sp := stackProps(props.StackName, props.Description, props.Account, props.Region, false)
	// Deleting it deletes every instance's stack in every target account:
	// termination protection is on, as on the archive's and the
	// delegations' stacks.
	sp.TerminationProtection = jsii.Bool(true)
	stack := awscdk.NewStack(scope, &id, sp)
	ss := props.StackSets
	for _, set := range props.Sets {
		var caps []string
		// StackSets refuses a template with IAM resources unless told
		// (InsufficientCapabilitiesException); named ones need NAMED_IAM.
		if strings.Contains(set.TemplateBody, `"AWS::IAM::`) {
			caps = []string{"CAPABILITY_NAMED_IAM"}
		}
		stackset.New(stack, logicalName(set.Name), &stackset.Props{
			Name:                       set.Name,
			Description:                "palisade: " + set.Name + ", deployed by StackSets to every account of the target OUs",
			TemplateBody:               set.TemplateBody,
			Targets:                    ss.Targets,
			Regions:                    set.Regions,
			Capabilities:               caps,
			RetainStacks:               ss.RetainStacksOnRemoval,
			FailureTolerancePercentage: ss.FailureTolerancePercentage,
			MaxConcurrentPercentage:    ss.MaxConcurrentPercentage,
		})
	}
	return stack
}

// logicalName is name in CamelCase, a construct id.
func logicalName(name string) string {
	var b strings.Builder
	for _, part := range strings.Split(name, "-") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}

// stackProps are a stack's props; for a stack set's template (forStackSet)
// without account, region or name, which are each instance's, and with no
// CDK bootstrap in them: StackSets deploys into accounts that need not be
// bootstrapped, and a template's CheckBootstrapVersion rule reads an SSM
// parameter that only `cdk bootstrap` creates (aws/aws-cdk#26310).
func stackProps(name, description, account, region string, forStackSet bool) *awscdk.StackProps {
	if forStackSet {
		return &awscdk.StackProps{
			Description: jsii.String(description),
			Synthesizer: awscdk.NewDefaultStackSynthesizer(&awscdk.DefaultStackSynthesizerProps{GenerateBootstrapVersionRule: jsii.Bool(false)}),
		}
	}
	return &awscdk.StackProps{
		StackName:   jsii.String(name),
		Description: jsii.String(description),
		Env:         &awscdk.Environment{Account: jsii.String(account), Region: jsii.String(region)},
	}
}

// StackSetTemplate synthesizes the template a stack set deploys for the
// plan's set: the purpose's stack from the same factory code as every
// per-account stack, environment-agnostic, in an app of its own (its
// template must be known while the fanout stack is built), with the same
// cdk-nag packs as every stack. It returns the template and the cdk-nag
// and CDK errors of its synth; a template that needs a CDK asset (Lambda
// code, say) is an error too, since a target account has no CDK bootstrap
// bucket to read it from.
func StackSetTemplate(set deployplan.StackSetProps) (body string, errs []string) {
	return StackSetTemplateOf(set.Name, func(scope constructs.Construct) awscdk.Stack {
		switch set.Purpose {
		case deployplan.Logs:
			p := set.Props.(*deployplan.LogsProps)
			return NewLogForward(scope, set.Name, &LogForwardProps{
				Description:       set.Description,
				DestinationArn:    p.DestinationArn,
				ForwardLogGroups:  p.ForwardLogGroups,
				LogGroupRetention: retention(p.LogGroupRetention),
				ForStackSet:       true,
			})
		}
		panic(fmt.Sprintf("stacks: no stack set template for purpose %q: teach StackSetTemplate its factory", set.Purpose))
	})
}

// StackSetTemplateOf is StackSetTemplate of the stack that build makes in
// scope, the app of its own, for the stack set name.
func StackSetTemplateOf(name string, build func(scope constructs.Construct) awscdk.Stack) (body string, errs []string) {
	dir, err := os.MkdirTemp("", "palisade-stackset-")
	if err != nil {
		return "", []string{err.Error()}
	}
	defer os.RemoveAll(dir)
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(dir), AnalyticsReporting: jsii.Bool(false), StackTraces: jsii.Bool(false)})
	stack := build(app)
	AddChecks(stack)
	artifact := app.Synth(nil).GetStackByName(stack.StackName())
	for _, m := range *artifact.Messages() {
		if m.Level == cxapi.SynthesisMessageLevel_ERROR {
			errs = append(errs, fmt.Sprintf("stack set %s: %s: %v", name, *m.Id, m.Entry.Data))
		}
	}
	raw, err := json.Marshal(artifact.Template())
	if err != nil {
		return "", append(errs, err.Error())
	}
	body = string(raw)
	// The stack's asset manifest (DefaultStackSynthesizer) lists every file
	// and image it needs published, the template itself among the files
	// (the CLI uploads it to deploy the stack; a stack set carries it in
	// TemplateBody); a template naming the bootstrap's buckets or
	// repositories needs them too.
	var manifest struct {
		Files map[string]struct {
			Source struct{ Path string }
		}
		DockerImages map[string]any
	}
	if data, err := os.ReadFile(filepath.Join(dir, *artifact.Id()+".assets.json")); err == nil {
		if err := json.Unmarshal(data, &manifest); err != nil {
			errs = append(errs, fmt.Sprintf("stack set %s: its asset manifest: %v", name, err))
		}
	}
	n := len(manifest.DockerImages)
	for _, f := range manifest.Files {
		if f.Source.Path != *artifact.TemplateFile() {
			n++
		}
	}
	if n > 0 || strings.Contains(body, "cdk-hnb659fds") {
		errs = append(errs, fmt.Sprintf("stack set %s: its template needs CDK assets (%d), which no target account can read: a stack set's template must carry everything itself", name, n))
	}
	return body, errs
}

// fanOutFactory renders the plan's fanout stack, each stack set's template
// synthesized by StackSetTemplate; their errors become the fanout stack's,
// so that the synth fails on them.
func fanOutFactory(r *renderer, s *deployplan.Stack) awscdk.Stack {
	p := s.Props.(*deployplan.FanOutProps)
	props := &FanOutProps{
		StackName: s.Name, Description: s.Description, Account: s.Account.ID, Region: s.Region,
		StackSets: p.StackSets,
	}
	var errs []string
	for _, set := range p.Sets {
		body, e := StackSetTemplate(set)
		errs = append(errs, e...)
		props.Sets = append(props.Sets, FanOutSet{Name: set.Name, Regions: slices.Clone(set.Regions), TemplateBody: body})
	}
	st := NewFanOut(r.scope, s.Name, props)
	for _, e := range errs {
		awscdk.Annotations_Of(st).AddError(jsii.String(e))
	}
	return st
}
