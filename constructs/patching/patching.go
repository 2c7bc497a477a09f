// Package patching provides Patching: AWS Systems Manager Patch Manager in
// one account and region, for instances managed through Session Manager's
// setup (package sessionmanager or Default Host Management Configuration).
// Build one in every governed account and region.
//
// For each operating system family in Props.OperatingSystems there is a
// patch baseline (AWS::SSM::PatchBaseline) that approves security patches of
// the most severe classifications only, ApproveAfterDays after their release
// (Ubuntu and Debian publish no release dates, so Patch Manager approves
// theirs at once), rates them CRITICAL for compliance and is registered for
// the patch group palisade-<os>, for example palisade-amazon-linux-2023.
// Instances join a group with the tag PatchGroup=<group>.
//
// Every day an association (AWS::SSM::Association) runs AWS-RunPatchBaseline
// with Operation=Scan on every instance of those groups, so compliance is
// always current. Once a week, in a maintenance window (Props.InstallSchedule),
// AWS-RunPatchBaseline installs the approved patches with Operation=Install,
// rebooting when needed, MaxConcurrency instances at a time, stopping after
// MaxErrors. Both write their command output to the archive bucket, under
// ssm/<account>/patching/: instances write it with their own role, whose
// policy must allow it (sessionmanager's allows ssm/<account>/*).
//
// The maintenance window task sets no service role: Systems Manager runs it
// with its service-linked role (AWSServiceRoleForAmazonSSM), whose
// permissions AWS scopes, instead of a role this package would have to keep
// least privilege itself.
//
// The package imports nothing from palisade: copy it into any CDK app.
package patching

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// OperatingSystem is an operating system family as Patch Manager names it.
type OperatingSystem string

// The operating systems a baseline can be made for.
const (
	AmazonLinux2023 OperatingSystem = "AMAZON_LINUX_2023"
	AmazonLinux2    OperatingSystem = "AMAZON_LINUX_2"
	RedHat          OperatingSystem = "REDHAT_ENTERPRISE_LINUX"
	RockyLinux      OperatingSystem = "ROCKY_LINUX"
	Ubuntu          OperatingSystem = "UBUNTU"
	Debian          OperatingSystem = "DEBIAN"
	Windows         OperatingSystem = "WINDOWS"
)

// DefaultOperatingSystems get baselines when Props.OperatingSystems is empty.
var DefaultOperatingSystems = []OperatingSystem{AmazonLinux2023, Ubuntu, Windows}

// filters select the security patches of the most severe kinds, per family.
var filters = map[OperatingSystem]map[string][]string{
	AmazonLinux2023: {"CLASSIFICATION": {"Security"}, "SEVERITY": {"Critical", "Important"}},
	AmazonLinux2:    {"CLASSIFICATION": {"Security"}, "SEVERITY": {"Critical", "Important"}},
	RedHat:          {"CLASSIFICATION": {"Security"}, "SEVERITY": {"Critical", "Important"}},
	RockyLinux:      {"CLASSIFICATION": {"Security"}, "SEVERITY": {"Critical", "Important"}},
	Ubuntu:          {"PRIORITY": {"Required", "Important"}},
	Debian:          {"PRIORITY": {"Required", "Important"}},
	Windows:         {"CLASSIFICATION": {"CriticalUpdates", "SecurityUpdates"}, "MSRC_SEVERITY": {"Critical", "Important"}},
}

// noReleaseDates are the families whose rules take no ApproveAfterDays.
var noReleaseDates = []OperatingSystem{Ubuntu, Debian}

// PatchGroupTag is the tag key that puts an instance in a patch group.
const PatchGroupTag = "PatchGroup"

// Props configure Patching.
type Props struct {
	// OutputBucketName is the archive bucket command output is written to,
	// under ssm/<account>/patching/. Default: none; required.
	OutputBucketName string
	// OperatingSystems get a baseline and a patch group each, listed once.
	// Default: DefaultOperatingSystems, AMAZON_LINUX_2023, UBUNTU, WINDOWS.
	OperatingSystems []OperatingSystem
	// ApproveAfterDays is how long after release a patch is approved, 1 to
	// 360 (not for Ubuntu and Debian). Default: 7.
	ApproveAfterDays int
	// InstallSchedule is when the maintenance window opens, a cron or rate
	// expression. Default: "cron(0 3 ? * SUN *)", Sundays 03:00.
	InstallSchedule string
	// ScheduleTimezone is the IANA time zone of InstallSchedule.
	// Default: "UTC".
	ScheduleTimezone string
	// WindowDurationHours is how long the window stays open, 1 to 24.
	// Default: 4.
	WindowDurationHours int
	// WindowCutoffHours is how long before the window closes no new
	// installs start, 1 to WindowDurationHours-1. Default: 1, or 0 when
	// WindowDurationHours is 1.
	WindowCutoffHours int
	// MaxConcurrency is how many instances install at once, a number or a
	// percentage. Default: "10%".
	MaxConcurrency string
	// MaxErrors is how many failures stop the install, a number or a
	// percentage. Default: "5%".
	MaxErrors string
}

// Patching is Patch Manager in one account and region.
type Patching struct {
	constructs.Construct
	// Baselines are the patch baselines, by operating system.
	Baselines map[OperatingSystem]awsssm.CfnPatchBaseline
	// ScanAssociation scans the patch groups daily.
	ScanAssociation awsssm.CfnAssociation
	// MaintenanceWindow is when patches are installed.
	MaintenanceWindow awsssm.CfnMaintenanceWindow
	// InstallTask installs approved patches in MaintenanceWindow.
	InstallTask awsssm.CfnMaintenanceWindowTask
}

// PatchGroup is the patch group of os: palisade-<os>, lowercase, with dashes.
func PatchGroup(os OperatingSystem) string {
	return "palisade-" + strings.ReplaceAll(strings.ToLower(string(os)), "_", "-")
}

var (
	bucketName = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	schedule   = regexp.MustCompile(`^(cron|rate)\(.+\)$`)
	rate       = regexp.MustCompile(`^([1-9][0-9]*|[1-9][0-9]?%|100%)$`)
)

// New creates Patching. Props that cannot work panic with the prop's name.
func New(scope constructs.Construct, id string, props *Props) *Patching {
	p := withDefaults(props)
	c := constructs.NewConstruct(scope, &id)
	t := &Patching{Construct: c, Baselines: map[OperatingSystem]awsssm.CfnPatchBaseline{}}
	account := *awscdk.Stack_Of(c).Account()
	prefix := "ssm/" + account + "/patching/"

	var groups []string
	for _, os := range p.OperatingSystems {
		group := PatchGroup(os)
		groups = append(groups, group)
		var fs []any
		keys := make([]string, 0, len(filters[os]))
		for k := range filters[os] {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			fs = append(fs, &awsssm.CfnPatchBaseline_PatchFilterProperty{Key: jsii.String(k), Values: jsii.Strings(filters[os][k]...)})
		}
		rule := &awsssm.CfnPatchBaseline_RuleProperty{
			PatchFilterGroup:  &awsssm.CfnPatchBaseline_PatchFilterGroupProperty{PatchFilters: fs},
			ComplianceLevel:   jsii.String("CRITICAL"),
			EnableNonSecurity: jsii.Bool(false),
		}
		if !slices.Contains(noReleaseDates, os) {
			rule.ApproveAfterDays = jsii.Number(float64(p.ApproveAfterDays))
		}
		t.Baselines[os] = awsssm.NewCfnPatchBaseline(c, jsii.String(baselineID(os)), &awsssm.CfnPatchBaselineProps{
			Name:                           jsii.String(group),
			Description:                    jsii.String(fmt.Sprintf("Critical and important security patches for %s", os)),
			OperatingSystem:                jsii.String(string(os)),
			ApprovalRules:                  &awsssm.CfnPatchBaseline_RuleGroupProperty{PatchRules: &[]any{rule}},
			ApprovedPatchesComplianceLevel: jsii.String("CRITICAL"),
			PatchGroups:                    jsii.Strings(group),
		})
	}
	targets := &[]any{&awsssm.CfnAssociation_TargetProperty{Key: jsii.String("tag:" + PatchGroupTag), Values: jsii.Strings(groups...)}}

	t.ScanAssociation = awsssm.NewCfnAssociation(c, jsii.String("ScanAssociation"), &awsssm.CfnAssociationProps{
		AssociationName:    jsii.String("palisade-patch-scan"),
		Name:               jsii.String("AWS-RunPatchBaseline"),
		Parameters:         map[string]any{"Operation": []string{"Scan"}},
		Targets:            targets,
		ScheduleExpression: jsii.String("cron(0 1 ? * * *)"),
		MaxConcurrency:     jsii.String(p.MaxConcurrency),
		MaxErrors:          jsii.String(p.MaxErrors),
		ComplianceSeverity: jsii.String("CRITICAL"),
		OutputLocation: &awsssm.CfnAssociation_InstanceAssociationOutputLocationProperty{
			S3Location: &awsssm.CfnAssociation_S3OutputLocationProperty{
				OutputS3BucketName: jsii.String(p.OutputBucketName),
				OutputS3KeyPrefix:  jsii.String(prefix),
			},
		},
	})
	// The baselines must be registered before the first scan reads them.
	for _, os := range p.OperatingSystems {
		t.ScanAssociation.AddResourceDependency(t.Baselines[os], jsii.String("the first scan reads the registered baselines"))
	}

	t.MaintenanceWindow = awsssm.NewCfnMaintenanceWindow(c, jsii.String("MaintenanceWindow"), &awsssm.CfnMaintenanceWindowProps{
		Name:                     jsii.String("palisade-patch-install"),
		Description:              jsii.String("Installs approved security patches on the palisade patch groups"),
		Schedule:                 jsii.String(p.InstallSchedule),
		ScheduleTimezone:         jsii.String(p.ScheduleTimezone),
		Duration:                 jsii.Number(float64(p.WindowDurationHours)),
		Cutoff:                   jsii.Number(float64(p.WindowCutoffHours)),
		AllowUnassociatedTargets: jsii.Bool(false),
	})
	target := awsssm.NewCfnMaintenanceWindowTarget(c, jsii.String("MaintenanceWindowTarget"), &awsssm.CfnMaintenanceWindowTargetProps{
		WindowId:     t.MaintenanceWindow.Ref(),
		Name:         jsii.String("palisade-patch-groups"),
		ResourceType: jsii.String("INSTANCE"),
		Targets:      &[]any{&awsssm.CfnMaintenanceWindowTarget_TargetsProperty{Key: jsii.String("tag:" + PatchGroupTag), Values: jsii.Strings(groups...)}},
	})
	t.InstallTask = awsssm.NewCfnMaintenanceWindowTask(c, jsii.String("InstallTask"), &awsssm.CfnMaintenanceWindowTaskProps{
		WindowId:       t.MaintenanceWindow.Ref(),
		Name:           jsii.String("palisade-patch-install"),
		TaskType:       jsii.String("RUN_COMMAND"),
		TaskArn:        jsii.String("AWS-RunPatchBaseline"),
		Priority:       jsii.Number(1),
		MaxConcurrency: jsii.String(p.MaxConcurrency),
		MaxErrors:      jsii.String(p.MaxErrors),
		Targets:        &[]any{&awsssm.CfnMaintenanceWindowTask_TargetProperty{Key: jsii.String("WindowTargetIds"), Values: &[]*string{target.Ref()}}},
		TaskInvocationParameters: &awsssm.CfnMaintenanceWindowTask_TaskInvocationParametersProperty{
			MaintenanceWindowRunCommandParameters: &awsssm.CfnMaintenanceWindowTask_MaintenanceWindowRunCommandParametersProperty{
				Parameters:         map[string]any{"Operation": []string{"Install"}, "RebootOption": []string{"RebootIfNeeded"}},
				OutputS3BucketName: jsii.String(p.OutputBucketName),
				OutputS3KeyPrefix:  jsii.String(prefix),
			},
		},
	})
	return t
}

// baselineID is the construct id of os's baseline, from its name:
// AMAZON_LINUX_2023 -> AmazonLinux2023Baseline.
func baselineID(os OperatingSystem) string {
	var b strings.Builder
	for _, w := range strings.Split(string(os), "_") {
		b.WriteString(w[:1] + strings.ToLower(w[1:]))
	}
	return b.String() + "Baseline"
}

func withDefaults(props *Props) Props {
	var p Props
	if props != nil {
		p = *props
	}
	if len(p.OperatingSystems) == 0 {
		p.OperatingSystems = slices.Clone(DefaultOperatingSystems)
	}
	if p.ApproveAfterDays == 0 {
		p.ApproveAfterDays = 7
	}
	if p.InstallSchedule == "" {
		p.InstallSchedule = "cron(0 3 ? * SUN *)"
	}
	if p.ScheduleTimezone == "" {
		p.ScheduleTimezone = "UTC"
	}
	if p.WindowDurationHours == 0 {
		p.WindowDurationHours = 4
	}
	if p.WindowCutoffHours == 0 && p.WindowDurationHours > 1 {
		p.WindowCutoffHours = 1
	}
	if p.MaxConcurrency == "" {
		p.MaxConcurrency = "10%"
	}
	if p.MaxErrors == "" {
		p.MaxErrors = "5%"
	}
	if !bucketName.MatchString(p.OutputBucketName) && !unresolved(p.OutputBucketName) {
		panic(fmt.Sprintf("patching: Props.OutputBucketName %q is not an S3 bucket name such as example-log-archive (a name, not an ARN)", p.OutputBucketName))
	}
	for i, os := range p.OperatingSystems {
		if _, ok := filters[os]; !ok {
			var names []string
			for o := range filters {
				names = append(names, string(o))
			}
			slices.Sort(names)
			panic(fmt.Sprintf("patching: Props.OperatingSystems: %q is not supported: use one of %s", os, strings.Join(names, ", ")))
		}
		if slices.Contains(p.OperatingSystems[:i], os) {
			panic(fmt.Sprintf("patching: Props.OperatingSystems: %q is listed twice", os))
		}
	}
	if p.ApproveAfterDays < 1 || p.ApproveAfterDays > 360 {
		panic(fmt.Sprintf("patching: Props.ApproveAfterDays %d is out of range: use 1 to 360", p.ApproveAfterDays))
	}
	if !schedule.MatchString(p.InstallSchedule) {
		panic(fmt.Sprintf("patching: Props.InstallSchedule %q is not a cron(...) or rate(...) expression", p.InstallSchedule))
	}
	if p.WindowDurationHours < 1 || p.WindowDurationHours > 24 {
		panic(fmt.Sprintf("patching: Props.WindowDurationHours %d is out of range: use 1 to 24", p.WindowDurationHours))
	}
	if p.WindowCutoffHours < 0 || p.WindowCutoffHours >= p.WindowDurationHours {
		panic(fmt.Sprintf("patching: Props.WindowCutoffHours %d is out of range: use 0 to %d (Props.WindowDurationHours - 1)", p.WindowCutoffHours, p.WindowDurationHours-1))
	}
	if !rate.MatchString(p.MaxConcurrency) {
		panic(fmt.Sprintf("patching: Props.MaxConcurrency %q is not a positive number or a percentage such as 10%%", p.MaxConcurrency))
	}
	if !rate.MatchString(p.MaxErrors) && p.MaxErrors != "0" && p.MaxErrors != "0%" {
		panic(fmt.Sprintf("patching: Props.MaxErrors %q is not a number or a percentage such as 5%%", p.MaxErrors))
	}
	return p
}

func unresolved(s string) bool {
	return s != "" && *awscdk.Token_IsUnresolved(s)
}
