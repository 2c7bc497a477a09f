package patching_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/palisade-sec/palisade/constructs/patching"
)

func TestMain(m *testing.M) {
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

type resource struct {
	Type       string
	Properties map[string]any
	DependsOn  []string
}

func synth(t *testing.T, p *patching.Props) (map[string]resource, *patching.Patching) {
	t.Helper()
	app := awscdk.NewApp(&awscdk.AppProps{AnalyticsReporting: jsii.Bool(false)})
	stack := awscdk.NewStack(app, jsii.String("Test"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("333333333333"), Region: jsii.String("eu-west-1")},
	})
	pt := patching.New(stack, "Patching", p)
	raw, err := json.Marshal(app.Synth(nil).GetStackByName(stack.StackName()).Template())
	if err != nil {
		t.Fatal(err)
	}
	var tpl struct{ Resources map[string]resource }
	if err := json.Unmarshal(raw, &tpl); err != nil {
		t.Fatal(err)
	}
	return tpl.Resources, pt
}

func str(v any) string { b, _ := json.Marshal(v); return string(b) }

func ofType(rs map[string]resource, typ string) map[string]resource {
	out := map[string]resource{}
	for id, r := range rs {
		if r.Type == typ {
			out[id] = r
		}
	}
	return out
}

func only(t *testing.T, rs map[string]resource, typ string) (string, resource) {
	t.Helper()
	m := ofType(rs, typ)
	if len(m) != 1 {
		t.Fatalf("%d %s, want one", len(m), typ)
	}
	for id, r := range m {
		return id, r
	}
	panic("unreachable")
}

const archive = "example-log-archive"

func TestBaselines(t *testing.T) {
	rs, pt := synth(t, &patching.Props{OutputBucketName: archive})
	baselines := map[string]resource{}
	for _, r := range ofType(rs, "AWS::SSM::PatchBaseline") {
		baselines[r.Properties["OperatingSystem"].(string)] = r
	}
	if len(baselines) != 3 || len(pt.Baselines) != 3 {
		t.Fatalf("baselines for %v, want AMAZON_LINUX_2023, UBUNTU, WINDOWS", baselines)
	}
	for os, want := range map[string]struct{ group, filters string }{
		"AMAZON_LINUX_2023": {"palisade-amazon-linux-2023", `[{"Key":"CLASSIFICATION","Values":["Security"]},{"Key":"SEVERITY","Values":["Critical","Important"]}]`},
		"UBUNTU":            {"palisade-ubuntu", `[{"Key":"PRIORITY","Values":["Required","Important"]}]`},
		"WINDOWS":           {"palisade-windows", `[{"Key":"CLASSIFICATION","Values":["CriticalUpdates","SecurityUpdates"]},{"Key":"MSRC_SEVERITY","Values":["Critical","Important"]}]`},
	} {
		b := baselines[os]
		if str(b.Properties["PatchGroups"]) != `["`+want.group+`"]` {
			t.Errorf("%s patch groups = %s", os, str(b.Properties["PatchGroups"]))
		}
		rules := b.Properties["ApprovalRules"].(map[string]any)["PatchRules"].([]any)
		if len(rules) != 1 {
			t.Fatalf("%s rules: %s", os, str(rules))
		}
		rule := rules[0].(map[string]any)
		if got := str(rule["PatchFilterGroup"].(map[string]any)["PatchFilters"]); got != want.filters {
			t.Errorf("%s filters = %s, want %s", os, got, want.filters)
		}
		if rule["ComplianceLevel"] != "CRITICAL" || rule["EnableNonSecurity"] != false {
			t.Errorf("%s rule = %s", os, str(rule))
		}
		days, has := rule["ApproveAfterDays"]
		if os == "UBUNTU" && has {
			t.Errorf("ubuntu rule sets ApproveAfterDays, which Patch Manager refuses")
		}
		if os != "UBUNTU" && days != 7.0 {
			t.Errorf("%s ApproveAfterDays = %v, want 7", os, days)
		}
	}
	rs, _ = synth(t, &patching.Props{OutputBucketName: archive, OperatingSystems: []patching.OperatingSystem{patching.RedHat}, ApproveAfterDays: 3})
	_, b := only(t, rs, "AWS::SSM::PatchBaseline")
	if !strings.Contains(str(b.Properties), `"ApproveAfterDays":3`) || str(b.Properties["PatchGroups"]) != `["palisade-redhat-enterprise-linux"]` {
		t.Errorf("redhat baseline = %s", str(b.Properties))
	}
}

func TestScanAndInstall(t *testing.T) {
	rs, _ := synth(t, &patching.Props{OutputBucketName: archive, OperatingSystems: []patching.OperatingSystem{patching.AmazonLinux2023, patching.Windows}})
	targets := `[{"Key":"tag:PatchGroup","Values":["palisade-amazon-linux-2023","palisade-windows"]}]`
	output := `"OutputS3BucketName":"example-log-archive","OutputS3KeyPrefix":"ssm/333333333333/patching/"`

	_, scan := only(t, rs, "AWS::SSM::Association")
	if scan.Properties["Name"] != "AWS-RunPatchBaseline" || str(scan.Properties["Parameters"]) != `{"Operation":["Scan"]}` ||
		str(scan.Properties["Targets"]) != targets || scan.Properties["ScheduleExpression"] != "cron(0 1 ? * * *)" ||
		!strings.Contains(str(scan.Properties["OutputLocation"]), output) {
		t.Errorf("scan association = %s", str(scan.Properties))
	}
	if len(scan.DependsOn) != 2 {
		t.Errorf("scan does not wait for the baselines: %v", scan.DependsOn)
	}

	windowID, window := only(t, rs, "AWS::SSM::MaintenanceWindow")
	if str(window.Properties) != `{"AllowUnassociatedTargets":false,"Cutoff":1,"Description":"Installs approved security patches on the palisade patch groups","Duration":4,"Name":"palisade-patch-install","Schedule":"cron(0 3 ? * SUN *)","ScheduleTimezone":"UTC"}` {
		t.Errorf("window = %s", str(window.Properties))
	}
	targetID, target := only(t, rs, "AWS::SSM::MaintenanceWindowTarget")
	if str(target.Properties["Targets"]) != targets || str(target.Properties["WindowId"]) != `{"Ref":"`+windowID+`"}` {
		t.Errorf("window target = %s", str(target.Properties))
	}
	_, task := only(t, rs, "AWS::SSM::MaintenanceWindowTask")
	tp := str(task.Properties)
	for _, w := range []string{`"TaskArn":"AWS-RunPatchBaseline"`, `"TaskType":"RUN_COMMAND"`, `"MaxConcurrency":"10%"`, `"MaxErrors":"5%"`,
		`"Operation":["Install"]`, `"RebootOption":["RebootIfNeeded"]`, output, `"Targets":[{"Key":"WindowTargetIds","Values":[{"Ref":"` + targetID + `"}]}]`} {
		if !strings.Contains(tp, w) {
			t.Errorf("install task lacks %s: %s", w, tp)
		}
	}
	if task.Properties["ServiceRoleArn"] != nil {
		t.Errorf("install task has a role of its own: %s", tp)
	}
	if n := len(ofType(rs, "AWS::IAM::Role")) + len(ofType(rs, "AWS::IAM::Policy")); n != 0 {
		t.Errorf("patching creates %d IAM resources, want none", n)
	}
}

func TestProps(t *testing.T) {
	rs, _ := synth(t, &patching.Props{OutputBucketName: archive, InstallSchedule: "cron(0 22 ? * SAT *)", ScheduleTimezone: "Europe/Berlin",
		WindowDurationHours: 1, MaxConcurrency: "2", MaxErrors: "0"})
	_, window := only(t, rs, "AWS::SSM::MaintenanceWindow")
	if window.Properties["Schedule"] != "cron(0 22 ? * SAT *)" || window.Properties["ScheduleTimezone"] != "Europe/Berlin" ||
		window.Properties["Duration"] != 1.0 || window.Properties["Cutoff"] != 0.0 {
		t.Errorf("window = %s", str(window.Properties))
	}
	_, task := only(t, rs, "AWS::SSM::MaintenanceWindowTask")
	if task.Properties["MaxConcurrency"] != "2" || task.Properties["MaxErrors"] != "0" {
		t.Errorf("task = %s", str(task.Properties))
	}
}

func TestMisusePanics(t *testing.T) {
	for _, tc := range []struct {
		props patching.Props
		want  string
	}{
		{patching.Props{}, "Props.OutputBucketName"},
		{patching.Props{OutputBucketName: archive, OperatingSystems: []patching.OperatingSystem{"AMAZON_LINUX"}}, `Props.OperatingSystems: "AMAZON_LINUX"`},
		{patching.Props{OutputBucketName: archive, OperatingSystems: []patching.OperatingSystem{patching.Ubuntu, patching.Ubuntu}}, "listed twice"},
		{patching.Props{OutputBucketName: archive, ApproveAfterDays: 400}, "Props.ApproveAfterDays 400"},
		{patching.Props{OutputBucketName: archive, InstallSchedule: "0 3 * * 0"}, "Props.InstallSchedule"},
		{patching.Props{OutputBucketName: archive, WindowDurationHours: 25}, "Props.WindowDurationHours 25"},
		{patching.Props{OutputBucketName: archive, WindowDurationHours: 2, WindowCutoffHours: 2}, "Props.WindowCutoffHours 2"},
		{patching.Props{OutputBucketName: archive, MaxConcurrency: "ten"}, "Props.MaxConcurrency"},
		{patching.Props{OutputBucketName: archive, MaxErrors: "150%"}, "Props.MaxErrors"},
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), tc.want) {
					t.Errorf("%+v: panic %v, want one naming %s", tc.props, r, tc.want)
				}
			}()
			synth(t, &tc.props)
		}()
	}
}
