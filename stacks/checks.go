package stacks

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
	"github.com/palisade-sec/palisade/gates"
)

// AddChecks runs cdk-nag's AwsSolutions and NIST 800-53 rev 5 packs over
// every stack under app (an App or a Stage) at synth. Findings become
// annotations, and each pack writes a <Pack>-<Stack>-NagReport.csv into the
// cloud assembly. An app's aspects do not reach the stacks of its nested
// stages: each pipeline stage gets its own AddChecks.
func AddChecks(app constructs.IConstruct) {
	props := &cdknag.NagPackProps{Reports: jsii.Bool(true), Verbose: jsii.Bool(true)}
	awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(props), nil)
	awscdk.Aspects_Of(app).Add(cdknag.NewNIST80053R5Checks(props), nil)
}

// AddStackChecks is AddChecks on each stack, with packs of its own. For
// many stacks it is much faster than AddChecks on their app: a pack looks
// each finding's report file up in a list of every stack's report files it
// has opened (cdk-nag 2.38's NagReportLogger), so one pack over a whole org
// does work quadratic in the number of stacks. Measured with make bench's
// 50-workload org (417 stacks): that lookup alone was 15 s of a 74 s synth.
func AddStackChecks(stacks []awscdk.Stack) {
	for _, s := range stacks {
		AddChecks(s)
	}
}

// Synth synthesizes app. With error annotations (unsuppressed cdk-nag errors
// among them) aws-cdk-lib writes validation-report.json and fails; Synth then
// returns an error that lists every violation by rule, construct path and
// template, so that running the app binary without the CDK CLI fails as
// clearly as `cdk synth` does.
func Synth(app awscdk.App) (err error) {
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		if e, ok := r.(error); !ok || !strings.Contains(e.Error(), "ValidationFailed") {
			panic(r)
		}
		err = validationReport(filepath.Join(*app.Outdir(), "validation-report.json"))
	}()
	app.Synth(nil)
	// No SSH, no key pairs, CloudFormation's limits: fail the synth itself,
	// naming the stack, rather than the deploy.
	return gates.Own(*app.Outdir())
}

// validationReport reads the report aws-cdk-lib writes when validation fails.
func validationReport(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("synth failed validation, and its report is unreadable: %w", err)
	}
	var report struct {
		PluginReports []struct {
			PluginName string
			Violations []struct {
				Description         string
				ViolatingConstructs []struct {
					ConstructPath          string
					CloudFormationResource struct{ TemplatePath, LogicalID string }
				}
			}
		}
	}
	if err := json.Unmarshal(data, &report); err != nil {
		return fmt.Errorf("synth failed validation, and its report %s is not JSON: %w", path, err)
	}
	var lines []string
	for _, p := range report.PluginReports {
		for _, v := range p.Violations {
			rule, _, _ := strings.Cut(v.Description, ":")
			for _, c := range v.ViolatingConstructs {
				lines = append(lines, fmt.Sprintf("%s: %s (%s %s)", c.ConstructPath, rule,
					c.CloudFormationResource.TemplatePath, c.CloudFormationResource.LogicalID))
			}
		}
	}
	sort.Strings(lines)
	return fmt.Errorf("synth failed with %d violation(s); fix each, or suppress its cdk-nag rule on that resource with a specific reason:\n  %s\n(full report: %s)",
		len(lines), strings.Join(lines, "\n  "), path)
}
