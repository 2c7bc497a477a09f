package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"

	"github.com/palisade-sec/palisade/config"
	"github.com/palisade-sec/palisade/constructs/agents"
	"github.com/palisade-sec/palisade/constructs/patching"
	"github.com/palisade-sec/palisade/constructs/sessionmanager"
	"github.com/palisade-sec/palisade/stacks"
)

// Session Manager, patching and agents, checked in every security and
// workload account and region: the session document's preferences, Default
// Host Management, the patch baselines and their patch groups, the install
// window and its task, the State Manager associations and the CloudWatch
// agent's configuration. Systems Manager is read through its JSON API,
// signed like the SDK's client (see security_test.go).

// sessions runs every Session Manager check.
func (v *verifier) sessions(ctx context.Context, h *held) ([]*target, error) {
	var out []*target
	for _, a := range v.org.Accounts {
		if a.Role == config.RoleManagement {
			continue
		}
		for _, r := range v.org.Regions {
			t, err := v.sessionManager(ctx, h, a, r)
			if err != nil {
				return nil, fmt.Errorf("%s %s: Session Manager: %w", a.ID, r, err)
			}
			out = append(out, t)
		}
	}
	return out, nil
}

// ssm calls Systems Manager's JSON API in account and region.
func (v *verifier) ssm(ctx context.Context, account, region, action string, body, out any) error {
	return v.jsonRPC(ctx, account, region, "ssm", "AmazonSSM."+action, body, out)
}

// str is a JSON value the emulator may give as a string or a number.
type str string

func (s *str) UnmarshalJSON(b []byte) error {
	var x string
	if json.Unmarshal(b, &x) == nil {
		*s = str(x)
		return nil
	}
	*s = str(strings.TrimSpace(string(b)))
	return nil
}

// ssmTarget is a target of an association or window.
type ssmTarget struct {
	Key    string
	Values []string
}

func targetsString(ts []ssmTarget) string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Key+"="+strings.Join(t.Values, ","))
	}
	return strings.Join(out, " ")
}

// sessionManager checks one account and region's sessions stack.
func (v *verifier) sessionManager(ctx context.Context, h *held, a config.Account, region string) (*target, error) {
	l := newLogChecker("Session Manager", a.ID, region)
	stack := stacks.StackName(v.org.Name, "sessions", a.Name, region)
	s := v.org.Sessions
	bucket := v.org.ArchiveBucketName(region)
	cl := newClients(v.endpoint, a.ID, region, v.creds[a.ID])

	// The session document: SessionPreferences for the org file, with the
	// key and log group of the stack.
	l.c.start("session preferences")
	doc := sessionmanager.DocumentName
	dlabel := doc + " [SSM document, Custom::AWS]"
	var d struct {
		Content, DocumentType, DocumentVersion string
	}
	if err := v.ssm(ctx, a.ID, region, "GetDocument", map[string]any{"Name": doc}, &d); err != nil {
		l.failIn(stack, dlabel, "does not exist: %v", err)
	} else {
		var got struct {
			Inputs map[string]any
		}
		var gotAll map[string]any
		if err := json.Unmarshal([]byte(d.Content), &gotAll); err != nil {
			l.failIn(stack, dlabel, "content is not JSON: %v", err)
		} else {
			_ = json.Unmarshal([]byte(d.Content), &got)
			key, _ := got.Inputs["kmsKeyId"].(string)
			group, _ := got.Inputs["cloudWatchLogGroupName"].(string)
			if !slices.Contains(h.idsIn(stack, "AWS::KMS::Key"), key) {
				l.failIn(stack, dlabel, "encrypts sessions with %q, which is not a key of this stack", key)
			}
			if !slices.Contains(h.idsIn(stack, "AWS::Logs::LogGroup"), group) {
				l.failIn(stack, dlabel, "logs sessions to %q, which is not a log group of this stack", group)
			}
			prefs := sessionmanager.SessionPreferences(&sessionmanager.Props{
				ArchiveBucketName:         bucket,
				IdleSessionTimeoutMinutes: s.IdleTimeoutMinutes,
				MaxSessionDurationMinutes: s.MaxSessionMinutes,
				RunAsUser:                 s.RunAsUser,
			}, a.ID, key, group)
			var want map[string]any
			b, _ := json.Marshal(prefs)
			_ = json.Unmarshal(b, &want)
			wantInputs, _ := want["inputs"].(map[string]any)
			gotInputs, _ := gotAll["inputs"].(map[string]any)
			why := map[string]string{"idleSessionTimeout": " (sessionManager.idleTimeoutMinutes)", "maxSessionDuration": " (sessionManager.maxSessionMinutes)",
				"runAsEnabled": " (sessionManager.runAsUser)", "runAsDefaultUser": " (sessionManager.runAsUser)"}
			for _, k := range slices.Sorted(maps.Keys(wantInputs)) {
				if !reflect.DeepEqual(gotInputs[k], wantInputs[k]) {
					l.failIn(stack, dlabel, "inputs.%s is %s, want %s%s", k, jsonText(gotInputs[k]), jsonText(wantInputs[k]), why[k])
				}
			}
			for _, k := range slices.Sorted(maps.Keys(gotInputs)) {
				if _, ok := wantInputs[k]; !ok {
					l.failIn(stack, dlabel, "inputs.%s is %s, which SessionPreferences does not set", k, jsonText(gotInputs[k]))
				}
			}
			for _, k := range []string{"schemaVersion", "sessionType"} {
				if !reflect.DeepEqual(gotAll[k], want[k]) {
					l.failIn(stack, dlabel, "%s is %s, want %s", k, jsonText(gotAll[k]), jsonText(want[k]))
				}
			}
			var dd struct {
				Document struct {
					DefaultVersion, LatestVersion str
					DocumentType                  string
				}
			}
			if err := v.ssm(ctx, a.ID, region, "DescribeDocument", map[string]any{"Name": doc}, &dd); err != nil {
				return nil, err
			}
			if dd.Document.DocumentType != "Session" || dd.Document.DefaultVersion != dd.Document.LatestVersion {
				l.failIn(stack, dlabel, "type %s, default version %s of %s; want a Session document whose latest version is the default",
					dd.Document.DocumentType, dd.Document.DefaultVersion, dd.Document.LatestVersion)
			}
			// The transcripts' log group: the stack's key, the org file's retention.
			g, err := cl.logs.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String(group)})
			if err != nil {
				return nil, err
			}
			for _, lg := range g.LogGroups {
				if aws.ToString(lg.LogGroupName) != group {
					continue
				}
				glabel := h.labelIn(stack, "AWS::Logs::LogGroup", group)
				if r := int(aws.ToInt32(lg.RetentionInDays)); r != s.LogRetentionDays {
					l.failIn(stack, glabel, "keeps transcripts %d days, want %d (sessionManager.logRetentionDays)", r, s.LogRetentionDays)
				}
				if k := aws.ToString(lg.KmsKeyId); !strings.HasSuffix(k, "/"+key) {
					l.failIn(stack, glabel, "is encrypted with %q, want the session key %s", k, key)
				}
			}
			l.c.seen("%s v%s: idle %v min, max %v min, as %s, the stack's KMS key and log group (%d days), s3://%s/%s",
				doc, dd.Document.DefaultVersion, gotInputs["idleSessionTimeout"], gotInputs["maxSessionDuration"], orDefault(s.RunAsUser, "ssm-user"),
				s.LogRetentionDays, gotInputs["s3BucketName"], gotInputs["s3KeyPrefix"])
		}
	}

	l.c.start("Default Host Management")
	var setting struct {
		ServiceSetting struct{ SettingValue, Status string }
	}
	slabel := h.labelIn(stack, "Custom::AWS", sessionmanager.DefaultHostManagementSetting)
	if err := v.ssm(ctx, a.ID, region, "GetServiceSetting", map[string]any{"SettingId": sessionmanager.DefaultHostManagementSetting}, &setting); err != nil {
		return nil, err
	}
	if setting.ServiceSetting.SettingValue != sessionmanager.DefaultHostManagementRoleName {
		l.failIn(stack, slabel, "%s is %q, want %s", sessionmanager.DefaultHostManagementSetting, setting.ServiceSetting.SettingValue, sessionmanager.DefaultHostManagementRoleName)
	}
	homeStack := stacks.StackName(v.org.Name, "sessions", a.Name, v.org.HomeRegion)
	rlabel := h.labelIn(homeStack, "AWS::IAM::Role", sessionmanager.DefaultHostManagementRoleName)
	if tr, err := roleTrust(ctx, cl, sessionmanager.DefaultHostManagementRoleName); err != nil {
		l.failIn(homeStack, rlabel, "the Default Host Management role does not exist: %v", err)
	} else if !slices.Equal(tr.services, []string{"ssm.amazonaws.com"}) || len(tr.aws) > 0 {
		l.failIn(homeStack, rlabel, "trusts %v %v; want only ssm.amazonaws.com", tr.services, tr.aws)
	}
	l.c.seen("%s, a role for ssm.amazonaws.com of %s", setting.ServiceSetting.SettingValue, homeStack)

	l.c.start("patch baselines")
	p := s.Patching
	var baselines struct {
		BaselineIdentities []struct{ BaselineId, BaselineName, OperatingSystem string }
	}
	if err := v.ssm(ctx, a.ID, region, "DescribePatchBaselines", map[string]any{}, &baselines); err != nil {
		return nil, err
	}
	var groups, seen []string
	for _, osName := range p.OperatingSystems {
		os := patching.OperatingSystem(osName)
		group := patching.PatchGroup(os)
		groups = append(groups, group)
		i := slices.IndexFunc(baselines.BaselineIdentities, func(b struct{ BaselineId, BaselineName, OperatingSystem string }) bool {
			return b.BaselineName == group
		})
		if i < 0 {
			l.failIn(stack, group+" [AWS::SSM::PatchBaseline]", "no patch baseline for %s (sessionManager.patching.operatingSystems)", osName)
			continue
		}
		id := baselines.BaselineIdentities[i].BaselineId
		blabel := h.labelIn(stack, "AWS::SSM::PatchBaseline", id)
		var b struct {
			OperatingSystem string
			ApprovalRules   struct {
				PatchRules []struct {
					ApproveAfterDays *str
					ComplianceLevel  string
				}
			}
			PatchGroups []string
		}
		if err := v.ssm(ctx, a.ID, region, "GetPatchBaseline", map[string]any{"BaselineId": id}, &b); err != nil {
			return nil, err
		}
		if b.OperatingSystem != osName {
			l.failIn(stack, blabel, "is for %s, want %s", b.OperatingSystem, osName)
		}
		days := "none"
		after := "no delay: no release dates"
		if rules := b.ApprovalRules.PatchRules; len(rules) != 1 {
			l.failIn(stack, blabel, "has %d approval rules, want 1", len(rules))
		} else {
			if rules[0].ApproveAfterDays != nil {
				days = string(*rules[0].ApproveAfterDays)
				after = "after " + days + " days"
			}
			// Ubuntu and Debian publish no release dates: no delay applies.
			want := fmt.Sprint(p.ApproveAfterDays)
			if os == patching.Ubuntu || os == patching.Debian {
				want = "none"
			}
			if days != want {
				l.failIn(stack, blabel, "approves after %s days, want %s (sessionManager.patching.approveAfterDays)", days, want)
			}
			if rules[0].ComplianceLevel != "CRITICAL" {
				l.failIn(stack, blabel, "approval rule compliance level %s, want CRITICAL", rules[0].ComplianceLevel)
			}
		}
		if !slices.Contains(b.PatchGroups, group) {
			l.failIn(stack, blabel, "patch groups %v, want %s", b.PatchGroups, group)
		}
		var reg struct{ BaselineId string }
		if err := v.ssm(ctx, a.ID, region, "GetPatchBaselineForPatchGroup", map[string]any{"PatchGroup": group, "OperatingSystem": osName}, &reg); err != nil || reg.BaselineId != id {
			l.failIn(stack, blabel, "patch group %s for %s resolves to %q, want %s (%v)", group, osName, reg.BaselineId, id, err)
		}
		seen = append(seen, fmt.Sprintf("%s (%s)", group, after))
	}
	l.c.seen("%s, each its patch group's (the emulator evaluates no patches)", orNone(seen))

	l.c.start("install window")
	var windows struct {
		WindowIdentities []struct {
			WindowId, Name, Schedule, ScheduleTimezone string
			Duration, Cutoff                           int
		}
	}
	if err := v.ssm(ctx, a.ID, region, "DescribeMaintenanceWindows", map[string]any{}, &windows); err != nil {
		return nil, err
	}
	wi := slices.IndexFunc(windows.WindowIdentities, func(w struct {
		WindowId, Name, Schedule, ScheduleTimezone string
		Duration, Cutoff                           int
	}) bool {
		return w.Name == "palisade-patch-install"
	})
	if wi < 0 {
		l.failIn(stack, "palisade-patch-install [AWS::SSM::MaintenanceWindow]", "the install window does not exist")
	} else {
		w := windows.WindowIdentities[wi]
		wlabel := h.labelIn(stack, "AWS::SSM::MaintenanceWindow", w.WindowId)
		if w.Schedule != p.InstallSchedule || w.ScheduleTimezone != p.Timezone {
			l.failIn(stack, wlabel, "opens %s %s, want %s %s (sessionManager.patching.installSchedule, timezone)", w.Schedule, w.ScheduleTimezone, p.InstallSchedule, p.Timezone)
		}
		if w.Duration != 4 || w.Cutoff != 1 {
			l.failIn(stack, wlabel, "lasts %d h with a cutoff of %d h, want 4 and 1", w.Duration, w.Cutoff)
		}
		l.c.seen("%s: %s %s, %d h, cutoff %d h (never opens in the emulator)", w.Name, w.Schedule, w.ScheduleTimezone, w.Duration, w.Cutoff)

		l.c.start("install task")
		var tasks struct {
			Tasks []struct {
				WindowTaskId, MaxConcurrency, MaxErrors string
				Targets                                 []ssmTarget
			}
		}
		if err := v.ssm(ctx, a.ID, region, "DescribeMaintenanceWindowTasks", map[string]any{"WindowId": w.WindowId}, &tasks); err != nil {
			return nil, err
		}
		var targets struct {
			Targets []struct {
				WindowTargetId string
				Targets        []ssmTarget
			}
		}
		if err := v.ssm(ctx, a.ID, region, "DescribeMaintenanceWindowTargets", map[string]any{"WindowId": w.WindowId}, &targets); err != nil {
			return nil, err
		}
		if len(tasks.Tasks) != 1 {
			l.failIn(stack, wlabel, "has %d tasks, want 1 (AWS-RunPatchBaseline Install)", len(tasks.Tasks))
		}
		for _, t := range tasks.Tasks {
			tlabel := h.labelIn(stack, "AWS::SSM::MaintenanceWindowTask", t.WindowTaskId)
			if t.MaxConcurrency != p.MaxConcurrency || t.MaxErrors != p.MaxErrors {
				l.failIn(stack, tlabel, "%s at a time, stopping after %s errors; want %s and %s (sessionManager.patching.maxConcurrency, maxErrors)",
					t.MaxConcurrency, t.MaxErrors, p.MaxConcurrency, p.MaxErrors)
			}
			var task struct {
				TaskArn, TaskType        string
				TaskInvocationParameters struct {
					RunCommand struct {
						Parameters         map[string][]string
						OutputS3BucketName string
						OutputS3KeyPrefix  string
					}
				}
			}
			if err := v.ssm(ctx, a.ID, region, "GetMaintenanceWindowTask", map[string]any{"WindowId": w.WindowId, "WindowTaskId": t.WindowTaskId}, &task); err != nil {
				return nil, err
			}
			if task.TaskArn != "AWS-RunPatchBaseline" || task.TaskType != "RUN_COMMAND" {
				l.failIn(stack, tlabel, "runs %s %s, want RUN_COMMAND AWS-RunPatchBaseline", task.TaskType, task.TaskArn)
			}
			rc := task.TaskInvocationParameters.RunCommand
			if !slices.Equal(rc.Parameters["Operation"], []string{"Install"}) {
				l.failIn(stack, tlabel, "Operation %v, want [Install]", rc.Parameters["Operation"])
			}
			if rc.OutputS3BucketName != bucket || rc.OutputS3KeyPrefix != "ssm/"+a.ID+"/patching/" {
				l.failIn(stack, tlabel, "writes output to s3://%s/%s, want s3://%s/ssm/%s/patching/", rc.OutputS3BucketName, rc.OutputS3KeyPrefix, bucket, a.ID)
			}
			// Its targets: the window's target of every patch group.
			var windowTargets []string
			for _, tt := range t.Targets {
				if tt.Key == "WindowTargetIds" {
					windowTargets = append(windowTargets, tt.Values...)
				}
			}
			covered := false
			for _, wt := range targets.Targets {
				if slices.Contains(windowTargets, wt.WindowTargetId) && len(wt.Targets) == 1 && wt.Targets[0].Key == "tag:"+patching.PatchGroupTag &&
					slices.Equal(slices.Sorted(slices.Values(wt.Targets[0].Values)), slices.Sorted(slices.Values(groups))) {
					covered = true
				}
			}
			if !covered {
				l.failIn(stack, tlabel, "does not target the instances tagged %s=%s", patching.PatchGroupTag, strings.Join(groups, ","))
			}
			l.c.seen("%s Operation=%s on the patch groups, %s at a time, %s errors, output to s3://%s/%s", task.TaskArn, strings.Join(rc.Parameters["Operation"], ","),
				t.MaxConcurrency, t.MaxErrors, rc.OutputS3BucketName, rc.OutputS3KeyPrefix)
		}
	}

	l.c.start("associations")
	var list struct {
		Associations []struct{ AssociationId, AssociationName, Name string }
	}
	if err := v.ssm(ctx, a.ID, region, "ListAssociations", map[string]any{}, &list); err != nil {
		return nil, err
	}
	type wantAssociation struct {
		name, document, schedule string
		params                   map[string][]string
		targets                  []ssmTarget
		prefix                   string
		rates                    bool // the org file's rate controls
	}
	managed := []ssmTarget{{Key: "tag:palisade:managed", Values: []string{"true"}}}
	assocPrefix := "ssm/" + a.ID + "/associations/"
	wants := []wantAssociation{
		{"palisade-patch-scan", "AWS-RunPatchBaseline", "cron(0 1 ? * * *)", map[string][]string{"Operation": {"Scan"}},
			[]ssmTarget{{Key: "tag:" + patching.PatchGroupTag, Values: groups}}, "ssm/" + a.ID + "/patching/", true},
		{"palisade-update-ssm-agent", "AWS-UpdateSSMAgent", "rate(14 days)", nil, managed, assocPrefix, false},
		{"palisade-software-inventory", "AWS-GatherSoftwareInventory", "rate(12 hours)", nil, managed, assocPrefix, false},
		{"palisade-install-cloudwatch-agent", "AWS-ConfigureAWSPackage", "rate(14 days)",
			map[string][]string{"action": {"Install"}, "name": {"AmazonCloudWatchAgent"}}, managed, assocPrefix, false},
		{"palisade-configure-cloudwatch-agent", "AmazonCloudWatch-ManageAgent", "rate(1 day)",
			map[string][]string{"action": {"configure"}, "mode": {"ec2"}, "optionalConfigurationSource": {"ssm"},
				"optionalConfigurationLocation": {agents.ParameterName}, "optionalRestart": {"yes"}}, managed, assocPrefix, false},
	}
	var notes []string
	for _, w := range wants {
		i := slices.IndexFunc(list.Associations, func(x struct{ AssociationId, AssociationName, Name string }) bool { return x.AssociationName == w.name })
		if i < 0 {
			l.failIn(stack, w.name+" [AWS::SSM::Association]", "the association does not exist (%s)", w.document)
			continue
		}
		id := list.Associations[i].AssociationId
		alabel := h.labelIn(stack, "AWS::SSM::Association", id)
		var d struct {
			AssociationDescription struct {
				Name, ScheduleExpression, MaxConcurrency, MaxErrors string
				Parameters                                          map[string][]string
				Targets                                             []ssmTarget
				OutputLocation                                      struct {
					S3Location struct{ OutputS3BucketName, OutputS3KeyPrefix string }
				}
			}
		}
		if err := v.ssm(ctx, a.ID, region, "DescribeAssociation", map[string]any{"AssociationId": id}, &d); err != nil {
			return nil, err
		}
		ad := d.AssociationDescription
		if ad.Name != w.document || ad.ScheduleExpression != w.schedule {
			l.failIn(stack, alabel, "runs %s on %s, want %s on %s", ad.Name, ad.ScheduleExpression, w.document, w.schedule)
		}
		if len(ad.Parameters) > 0 || len(w.params) > 0 {
			if !reflect.DeepEqual(ad.Parameters, w.params) {
				l.failIn(stack, alabel, "parameters %v, want %v", ad.Parameters, w.params)
			}
		}
		if targetsString(ad.Targets) != targetsString(w.targets) {
			l.failIn(stack, alabel, "targets %s, want %s", targetsString(ad.Targets), targetsString(w.targets))
		}
		if o := ad.OutputLocation.S3Location; o.OutputS3BucketName != bucket || o.OutputS3KeyPrefix != w.prefix {
			l.failIn(stack, alabel, "writes output to s3://%s/%s, want s3://%s/%s", o.OutputS3BucketName, o.OutputS3KeyPrefix, bucket, w.prefix)
		}
		if w.rates && (ad.MaxConcurrency != p.MaxConcurrency || ad.MaxErrors != p.MaxErrors) {
			l.failIn(stack, alabel, "%s at a time, %s errors; want %s and %s (sessionManager.patching)", ad.MaxConcurrency, ad.MaxErrors, p.MaxConcurrency, p.MaxErrors)
		}
		op := ""
		if o := ad.Parameters["Operation"]; len(o) > 0 {
			op = " " + strings.Join(o, ",")
		}
		notes = append(notes, fmt.Sprintf("%s%s (%s)", ad.Name, op, ad.ScheduleExpression))
	}
	l.c.seen("%s (none runs: the emulator has no instances)", orNone(notes))

	l.c.start("CloudWatch agent config")
	plabel := h.labelIn(stack, "AWS::SSM::Parameter", agents.ParameterName)
	var param struct {
		Parameter struct{ Value string }
	}
	if err := v.ssm(ctx, a.ID, region, "GetParameter", map[string]any{"Name": agents.ParameterName}, &param); err != nil {
		l.failIn(stack, plabel, "does not exist: %v", err)
		return l.t, nil
	}
	var got, want any
	wantJSON, _ := json.Marshal(agents.AgentConfig(&agents.Props{
		OutputBucketName: bucket, LogGroups: v.org.Logging.ForwardLogGroups, LogRetentionDays: v.org.Logging.LogGroupRetentionDays,
	}))
	_ = json.Unmarshal(wantJSON, &want)
	if err := json.Unmarshal([]byte(param.Parameter.Value), &got); err != nil || !reflect.DeepEqual(got, want) {
		l.failIn(stack, plabel, "is %s, want %s (logging.forwardLogGroups, logGroupRetentionDays)", param.Parameter.Value, wantJSON)
	}
	l.c.seen("%s ships %s (%d days)", agents.ParameterName, strings.Join(orDefaults(v.org.Logging.ForwardLogGroups, agents.DefaultLogGroups), ", "),
		v.org.Logging.LogGroupRetentionDays)
	return l.t, nil
}

func jsonText(x any) string {
	b, _ := json.Marshal(x)
	return string(b)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func orDefaults(s, def []string) []string {
	if len(s) == 0 {
		return def
	}
	return s
}
