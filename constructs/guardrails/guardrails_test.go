package guardrails_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/palisade-sec/palisade/constructs/guardrails"
)

func TestMain(m *testing.M) {
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

type statement struct {
	Sid       string
	Effect    string
	Action    any
	NotAction []string
	Resource  any
	Condition map[string]map[string]any
}

func parse(t *testing.T, doc string) map[string]statement {
	t.Helper()
	var d struct {
		Version   string
		Statement []statement
	}
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		t.Fatalf("%v: %s", err, doc)
	}
	if d.Version != "2012-10-17" {
		t.Errorf("Version = %q", d.Version)
	}
	out := map[string]statement{}
	for _, s := range d.Statement {
		out[s.Sid] = s
	}
	return out
}

func strs(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, x := range v {
			out = append(out, fmt.Sprint(x))
		}
		return out
	}
	return nil
}

func TestProtectSecurityBaseline(t *testing.T) {
	docs := guardrails.Policies(&guardrails.Props{TargetIds: []string{"r-ab12"}})
	if len(docs) != 2 {
		t.Fatalf("without AllowedRegions: %d policies, want 2", len(docs))
	}
	st := parse(t, docs[guardrails.ProtectSecurityBaseline])
	protect := st["ProtectSecurityServices"]
	if protect.Effect != "Deny" || protect.Resource != "*" {
		t.Errorf("ProtectSecurityServices: %+v", protect)
	}
	denied := strs(protect.Action)
	for _, a := range []string{
		"cloudtrail:StopLogging", "cloudtrail:DeleteTrail", "cloudtrail:UpdateTrail", "cloudtrail:PutEventSelectors",
		"config:StopConfigurationRecorder", "config:DeleteConfigurationRecorder", "config:DeleteDeliveryChannel",
		"guardduty:DeleteDetector", "guardduty:DisassociateFromMasterAccount", "guardduty:DisassociateFromAdministratorAccount", "guardduty:UpdateDetector",
		"securityhub:DisableSecurityHub", "securityhub:DisassociateFromMasterAccount", "securityhub:DisassociateFromAdministratorAccount",
		"access-analyzer:DeleteAnalyzer", "ec2:DeleteFlowLogs", "logs:DeleteSubscriptionFilter", "organizations:LeaveOrganization",
	} {
		if !slices.Contains(denied, a) {
			t.Errorf("ProtectSecurityServices does not deny %s", a)
		}
	}
	for _, a := range denied {
		if strings.Contains(a, "*") {
			t.Errorf("ProtectSecurityServices denies the wildcard %s: name each action", a)
		}
	}
	// Shipping logs to the drain must stay possible.
	if slices.Contains(denied, "logs:PutSubscriptionFilter") {
		t.Error("ProtectSecurityServices denies logs:PutSubscriptionFilter")
	}
	if got := strs(protect.Condition["ArnNotLike"]["aws:PrincipalArn"]); !slices.Equal(got, guardrails.DefaultExemptRoleArns) ||
		got[0] != "arn:aws:iam::*:role/cdk-hnb659fds-cfn-exec-role-*" || len(protect.Condition) != 1 {
		t.Errorf("ProtectSecurityServices condition = %v, want only the CDK execution roles exempt", protect.Condition)
	}

	root := st["DenyRootUser"]
	if root.Effect != "Deny" || fmt.Sprint(root.Action) != "*" || root.Resource != "*" ||
		fmt.Sprint(root.Condition) != "map[StringLike:map[aws:PrincipalArn:arn:aws:iam::*:root]]" {
		t.Errorf("DenyRootUser = %+v, want everything denied to root, no exemption", root)
	}
	if len(st) != 2 {
		t.Errorf("%d statements, want 2 (no forwarded log groups, no destinations)", len(st))
	}
}

// Shipping to the drain cannot be turned off by re-pointing a forwarded
// group's filter, deleting the group, or deleting or replacing the drain.
func TestLogShipping(t *testing.T) {
	docs := guardrails.Policies(&guardrails.Props{
		TargetIds:          []string{"r-ab12"},
		ForwardedLogGroups: []string{"/var/log/secure", "myorg-network-*"},
		LogDestinations:    []string{"myorg-log-drain"},
	})
	st := parse(t, docs[guardrails.ProtectSecurityBaseline])
	onlyExec := func(sid string, s statement) {
		t.Helper()
		if got := strs(s.Condition["ArnNotLike"]["aws:PrincipalArn"]); !slices.Equal(got, guardrails.DefaultExemptRoleArns) || len(s.Condition) != 1 {
			t.Errorf("%s condition = %v, want only the execution roles exempt", sid, s.Condition)
		}
	}
	groups := st["ProtectForwardedLogGroups"]
	if groups.Effect != "Deny" || !slices.Equal(strs(groups.Action), []string{"logs:PutSubscriptionFilter", "logs:DeleteLogGroup"}) {
		t.Errorf("ProtectForwardedLogGroups = %+v", groups)
	}
	if got, want := strs(groups.Resource), []string{
		"arn:aws:logs:*:*:log-group:/var/log/secure", "arn:aws:logs:*:*:log-group:/var/log/secure:*",
		"arn:aws:logs:*:*:log-group:myorg-network-*",
	}; !slices.Equal(got, want) {
		t.Errorf("ProtectForwardedLogGroups resources = %v, want %v", got, want)
	}
	onlyExec("ProtectForwardedLogGroups", groups)
	drain := st["ProtectLogDrain"]
	if drain.Effect != "Deny" || !slices.Equal(strs(drain.Resource), []string{"arn:aws:logs:*:*:destination:myorg-log-drain"}) {
		t.Errorf("ProtectLogDrain = %+v", drain)
	}
	for _, a := range []string{"logs:DeleteDestination", "logs:PutDestination", "logs:PutDestinationPolicy"} {
		if !slices.Contains(strs(drain.Action), a) {
			t.Errorf("ProtectLogDrain does not deny %s", a)
		}
	}
	onlyExec("ProtectLogDrain", drain)
	// Subscribing other groups to the drain stays possible: the destination
	// is never a resource of a PutSubscriptionFilter deny.
	for sid, s := range st {
		if slices.Contains(strs(s.Action), "logs:PutSubscriptionFilter") && slices.ContainsFunc(strs(s.Resource), func(r string) bool { return strings.Contains(r, ":destination:") }) {
			t.Errorf("%s denies subscribing to the drain", sid)
		}
	}
}

// The exemption cannot be forged: nobody but the exempt and deploy roles
// may create, re-trust, re-permission, tag or pass a role the exemption
// matches, or change the stacks the execution role deploys; nobody but
// those and the file publishing roles may write the asset bucket; no
// member account's principal may assume a bootstrap role.
func TestProtectDeployment(t *testing.T) {
	st := parse(t, guardrails.Policies(&guardrails.Props{TargetIds: []string{"r-ab12"}})[guardrails.ProtectDeployment])
	if len(st) != 4 {
		t.Errorf("%d statements, want 4", len(st))
	}
	deployPath := []string{"arn:aws:iam::*:role/cdk-hnb659fds-cfn-exec-role-*", "arn:aws:iam::*:role/cdk-hnb659fds-deploy-role-*"}
	exemptOnly := func(sid string, want []string) {
		t.Helper()
		s := st[sid]
		if got := strs(s.Condition["ArnNotLike"]["aws:PrincipalArn"]); !slices.Equal(got, want) || len(s.Condition) != 1 {
			t.Errorf("%s condition = %v, want %v exempt and nothing else", sid, s.Condition, want)
		}
		if s.Effect != "Deny" {
			t.Errorf("%s Effect = %s", sid, s.Effect)
		}
	}

	roles := st["ProtectDeploymentRoles"]
	for _, a := range []string{
		"iam:CreateRole", "iam:DeleteRole", "iam:UpdateAssumeRolePolicy", "iam:AttachRolePolicy", "iam:DetachRolePolicy",
		"iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:PutRolePermissionsBoundary", "iam:DeleteRolePermissionsBoundary",
		"iam:TagRole", "iam:UntagRole", "iam:PassRole",
	} {
		if !slices.Contains(strs(roles.Action), a) {
			t.Errorf("ProtectDeploymentRoles does not deny %s", a)
		}
	}
	// The exemption pattern itself is a protected resource: a role whose
	// name or path makes it exempt is one only the deployment may create.
	if got := strs(roles.Resource); !slices.Equal(got, []string{"arn:aws:iam::*:role/cdk-hnb659fds-*", guardrails.DefaultExemptRoleArns[0]}) {
		t.Errorf("ProtectDeploymentRoles resources = %v", got)
	}
	exemptOnly("ProtectDeploymentRoles", deployPath)

	stacks := st["ProtectDeploymentStacks"]
	for _, a := range []string{
		"cloudformation:CreateStack", "cloudformation:UpdateStack", "cloudformation:DeleteStack", "cloudformation:CreateChangeSet",
		"cloudformation:ExecuteChangeSet", "cloudformation:SetStackPolicy", "cloudformation:UpdateTerminationProtection",
		"cloudformation:ContinueUpdateRollback", "cloudformation:RollbackStack", "cloudformation:CancelUpdateStack",
	} {
		if !slices.Contains(strs(stacks.Action), a) {
			t.Errorf("ProtectDeploymentStacks does not deny %s", a)
		}
	}
	if got := strs(stacks.Resource); !slices.Equal(got, []string{"arn:aws:cloudformation:*:*:stack/CDKToolkit/*"}) {
		t.Errorf("ProtectDeploymentStacks resources = %v, want the bootstrap stack", got)
	}
	exemptOnly("ProtectDeploymentStacks", deployPath)

	assets := st["ProtectDeploymentAssets"]
	for _, a := range []string{"s3:PutObject", "s3:DeleteObject", "s3:PutBucketPolicy", "s3:CreateBucket"} {
		if !slices.Contains(strs(assets.Action), a) {
			t.Errorf("ProtectDeploymentAssets does not deny %s", a)
		}
	}
	if got := strs(assets.Resource); !slices.Equal(got, []string{"arn:aws:s3:::cdk-hnb659fds-assets-*"}) {
		t.Errorf("ProtectDeploymentAssets resources = %v", got)
	}
	exemptOnly("ProtectDeploymentAssets", append(slices.Clone(deployPath), "arn:aws:iam::*:role/cdk-hnb659fds-file-publishing-role-*"))

	assume := st["AssumeDeploymentRoles"]
	if assume.Effect != "Deny" || fmt.Sprint(assume.Action) != "sts:AssumeRole" || assume.Condition != nil ||
		!slices.Equal(strs(assume.Resource), strs(roles.Resource)) {
		t.Errorf("AssumeDeploymentRoles = %+v, want every protected role denied to every member principal", assume)
	}

	for sid, s := range st {
		for _, a := range strs(s.Action) {
			if strings.Contains(a, "*") {
				t.Errorf("%s denies the wildcard %s: name each action", sid, a)
			}
		}
	}
}

func TestProtectDeploymentProps(t *testing.T) {
	st := parse(t, guardrails.Policies(&guardrails.Props{
		TargetIds:           []string{"r-ab12"},
		Qualifier:           "team1",
		ExemptRoleArns:      []string{"arn:aws:iam::*:role/cdk-team1-cfn-exec-role-*", "arn:aws:iam::111111111111:role/BreakGlass"},
		ProtectedStackNames: []string{"myorg-*", "CDKToolkit"},
		DeployingAccounts:   []string{"555555555555"},
	})[guardrails.ProtectDeployment])
	roles := st["ProtectDeploymentRoles"]
	if got, want := strs(roles.Resource), []string{
		"arn:aws:iam::*:role/cdk-team1-*", "arn:aws:iam::*:role/cdk-team1-cfn-exec-role-*", "arn:aws:iam::111111111111:role/BreakGlass",
	}; !slices.Equal(got, want) {
		t.Errorf("roles = %v, want %v", got, want)
	}
	if got := strs(roles.Condition["ArnNotLike"]["aws:PrincipalArn"]); !slices.Contains(got, "arn:aws:iam::*:role/cdk-team1-deploy-role-*") ||
		!slices.Contains(got, "arn:aws:iam::111111111111:role/BreakGlass") || slices.Contains(got, "arn:aws:iam::*:role/cdk-hnb659fds-deploy-role-*") {
		t.Errorf("roles exempt %v", got)
	}
	if got := strs(st["ProtectDeploymentStacks"].Resource); !slices.Equal(got, []string{
		"arn:aws:cloudformation:*:*:stack/myorg-*/*", "arn:aws:cloudformation:*:*:stack/CDKToolkit/*",
	}) {
		t.Errorf("stacks = %v", got)
	}
	if got := strs(st["ProtectDeploymentAssets"].Resource); !slices.Equal(got, []string{"arn:aws:s3:::cdk-team1-assets-*"}) {
		t.Errorf("assets = %v", got)
	}
	assume := st["AssumeDeploymentRoles"]
	if got := strs(assume.Condition["StringNotEquals"]["aws:PrincipalAccount"]); !slices.Equal(got, []string{"555555555555"}) || len(assume.Condition) != 1 {
		t.Errorf("AssumeDeploymentRoles condition = %v, want only the deploying account's principals let through", assume.Condition)
	}
}

// The deploy-time functions' roles are exempt from the security services
// deny for FunctionRoleActions only, protected like the exempt roles, and
// their functions may be invoked or changed by the exempt roles only.
func TestFunctionRoles(t *testing.T) {
	props := &guardrails.Props{
		TargetIds:           []string{"r-ab12"},
		FunctionRoleArns:    []string{"arn:aws:iam::*:role/myorg-deploy-fn-*"},
		FunctionRoleActions: []string{"guardduty:UpdateDetector"},
		FunctionNames:       []string{"myorg-deploy-fn-*"},
	}
	docs := guardrails.Policies(props)
	exec := guardrails.DefaultExemptRoleArns[0]
	fnRole := props.FunctionRoleArns[0]
	base := parse(t, docs[guardrails.ProtectSecurityBaseline])
	services, calls := base["ProtectSecurityServices"], base["ProtectSecurityServicesButDeployFunctions"]
	if got := strs(services.Condition["ArnNotLike"]["aws:PrincipalArn"]); !slices.Equal(got, []string{exec}) {
		t.Errorf("ProtectSecurityServices exempts %v, want the execution roles only", got)
	}
	if got := strs(calls.Condition["ArnNotLike"]["aws:PrincipalArn"]); !slices.Equal(got, []string{exec, fnRole}) || calls.Effect != "Deny" || calls.Resource != "*" {
		t.Errorf("ProtectSecurityServicesButDeployFunctions = %+v, want a deny on * to all but the execution and function roles", calls)
	}
	if got := strs(calls.Action); !slices.Equal(got, []string{"guardduty:UpdateDetector"}) {
		t.Errorf("the function roles are exempt from %v, want guardduty:UpdateDetector only", got)
	}
	// Between them the two statements deny every one of DeniedActions, each once.
	both := append(strs(services.Action), strs(calls.Action)...)
	slices.Sort(both)
	want := slices.Clone(guardrails.DeniedActions)
	slices.Sort(want)
	if !slices.Equal(both, want) {
		t.Errorf("the security services statements deny %v, want DeniedActions %v", both, want)
	}
	for sid, st := range base {
		if sid != "ProtectSecurityServicesButDeployFunctions" && slices.Contains(strs(st.Condition["ArnNotLike"]["aws:PrincipalArn"]), fnRole) {
			t.Errorf("%s exempts the function roles too: the exemption is wider than the one call they need", sid)
		}
	}
	// Without function roles there is one security services statement,
	// exempting the execution roles only.
	plain := parse(t, guardrails.Policies(&guardrails.Props{TargetIds: []string{"r-ab12"}})[guardrails.ProtectSecurityBaseline])
	if _, ok := plain["ProtectSecurityServicesButDeployFunctions"]; ok || len(strs(plain["ProtectSecurityServices"].Action)) != len(guardrails.DeniedActions) {
		t.Errorf("without FunctionRoleArns: %+v", plain)
	}
	dep := parse(t, docs[guardrails.ProtectDeployment])
	roles := dep["ProtectDeploymentRoles"]
	if !slices.Contains(strs(roles.Resource), fnRole) || slices.Contains(strs(roles.Condition["ArnNotLike"]["aws:PrincipalArn"]), fnRole) {
		t.Errorf("ProtectDeploymentRoles = %+v, want the function roles protected, and not among those that may change roles", roles)
	}
	if !slices.Contains(strs(dep["AssumeDeploymentRoles"].Resource), fnRole) {
		t.Error("member principals may assume the function roles")
	}
	fns := dep["ProtectDeploymentFunctions"]
	for _, a := range []string{"lambda:InvokeFunction", "lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration", "lambda:AddPermission", "lambda:CreateFunction", "lambda:CreateFunctionUrlConfig"} {
		if !slices.Contains(strs(fns.Action), a) {
			t.Errorf("ProtectDeploymentFunctions does not deny %s", a)
		}
	}
	if got := strs(fns.Resource); !slices.Equal(got, []string{"arn:aws:lambda:*:*:function:myorg-deploy-fn-*"}) {
		t.Errorf("ProtectDeploymentFunctions resources = %v", got)
	}
	if got := strs(fns.Condition["ArnNotLike"]["aws:PrincipalArn"]); !slices.Equal(got, []string{exec}) || fns.Effect != "Deny" {
		t.Errorf("ProtectDeploymentFunctions = %+v, want it denied to all but the execution roles", fns)
	}
	// Without FunctionNames the function roles would be exempt while
	// anyone could invoke their functions.
	func() {
		defer func() {
			if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "Props.FunctionNames") {
				t.Errorf("FunctionRoleArns without FunctionNames: panic %v", r)
			}
		}()
		guardrails.Policies(&guardrails.Props{TargetIds: []string{"r-ab12"}, FunctionRoleArns: props.FunctionRoleArns, FunctionRoleActions: props.FunctionRoleActions})
	}()
	for _, tc := range []struct {
		actions []string
		want    string
	}{
		{nil, "Props.FunctionRoleActions go together"},
		{[]string{"guardduty:CreateDetector"}, `"guardduty:CreateDetector" is not one of DeniedActions`},
		{[]string{"guardduty:UpdateDetector", "guardduty:UpdateDetector"}, "listed twice"},
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), tc.want) {
					t.Errorf("FunctionRoleActions %v: panic %v, want one saying %s", tc.actions, r, tc.want)
				}
			}()
			guardrails.Policies(&guardrails.Props{TargetIds: []string{"r-ab12"}, FunctionRoleArns: props.FunctionRoleArns,
				FunctionNames: props.FunctionNames, FunctionRoleActions: tc.actions})
		}()
	}
}

func TestAllowedRegions(t *testing.T) {
	exempt := []string{"arn:aws:iam::*:role/cdk-custom-cfn-exec-role-*", "arn:aws:iam::111111111111:role/BreakGlass"}
	docs := guardrails.Policies(&guardrails.Props{
		TargetIds: []string{"ou-ab12-abcdefgh"}, ExemptRoleArns: exempt, AllowedRegions: []string{"eu-west-1", "us-east-1"},
	})
	st := parse(t, docs[guardrails.DenyOutsideAllowedRegions])
	r := st["DenyOutsideAllowedRegions"]
	if r.Effect != "Deny" || r.Resource != "*" || r.Action != nil {
		t.Errorf("DenyOutsideAllowedRegions = %+v", r)
	}
	if got := strs(r.Condition["StringNotEquals"]["aws:RequestedRegion"]); !slices.Equal(got, []string{"eu-west-1", "us-east-1"}) {
		t.Errorf("regions = %v", got)
	}
	if got := strs(r.Condition["ArnNotLike"]["aws:PrincipalArn"]); !slices.Equal(got, exempt) {
		t.Errorf("region deny exempts %v, want %v", got, exempt)
	}
	for _, a := range []string{"iam:*", "organizations:*", "sts:*", "cloudfront:*", "route53:*", "support:*"} {
		if !slices.Contains(r.NotAction, a) {
			t.Errorf("region deny blocks global %s", a)
		}
	}
	for _, a := range r.NotAction {
		if strings.HasPrefix(a, "ec2:Run") || a == "ec2:*" || a == "s3:*" || a == "*" {
			t.Errorf("region deny lets %s through everywhere", a)
		}
	}
	protect := parse(t, docs[guardrails.ProtectSecurityBaseline])["ProtectSecurityServices"]
	if got := strs(protect.Condition["ArnNotLike"]["aws:PrincipalArn"]); !slices.Equal(got, exempt) {
		t.Errorf("baseline exempts %v, want %v", got, exempt)
	}
}

// The worst case a caller plausibly sets must fit the SCP limit: five
// exempt roles, fifteen regions, four stack patterns, three deploying
// accounts, and the most forwarded log groups palisade's org file admits
// (config: ten, their names 600 characters together) with the flow log
// pattern.
func TestPolicySize(t *testing.T) {
	var exempt, groups []string
	for i := range 5 {
		exempt = append(exempt, fmt.Sprintf("arn:aws:iam::*:role/deployment-role-number-%02d-*", i))
	}
	for i := range 10 {
		groups = append(groups, fmt.Sprintf("/%02d/%s", i, strings.Repeat("g", 56)))
	}
	regions := []string{"us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-west-2", "eu-west-3",
		"eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2", "ap-southeast-1", "ap-southeast-2", "ap-northeast-1"}
	docs := guardrails.Policies(&guardrails.Props{
		TargetIds: []string{"r-ab12"}, ExemptRoleArns: exempt, AllowedRegions: regions,
		ProtectedStackNames: []string{"organization-name-20-*", "CDKToolkit", "CDKToolkit-team1", "CDKToolkit-team2"},
		DeployingAccounts:   []string{"111111111111", "222222222222", "333333333333"},
		ForwardedLogGroups:  append(groups, "organization-name-20-network-*-*"),
		LogDestinations:     []string{"organization-name-20-log-drain"},
	})
	if len(docs) != 3 {
		t.Errorf("%d policies, want 3 (at most 3 of palisade's, with FullAWSAccess 4 of the 5 a target may have)", len(docs))
	}
	for name, doc := range docs {
		if len(doc) > guardrails.MaxPolicySize {
			t.Errorf("%s is %d characters, over %d", name, len(doc), guardrails.MaxPolicySize)
		}
		t.Logf("%s: %d characters", name, len(doc))
	}
	// And one that cannot fit is refused before AWS refuses it.
	for i := range 100 {
		exempt = append(exempt, fmt.Sprintf("arn:aws:iam::*:role/yet-another-deployment-role-%03d", i))
	}
	func() {
		defer func() {
			if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "SCP limit") {
				t.Errorf("oversized policy: panic %v, want the SCP limit named", r)
			}
		}()
		guardrails.Policies(&guardrails.Props{TargetIds: []string{"r-ab12"}, ExemptRoleArns: exempt})
	}()
}

type resource struct {
	Type       string
	Properties map[string]any
	DependsOn  []string
}

func TestTemplate(t *testing.T) {
	app := awscdk.NewApp(&awscdk.AppProps{AnalyticsReporting: jsii.Bool(false)})
	stack := awscdk.NewStack(app, jsii.String("Test"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("us-east-1")},
	})
	props := &guardrails.Props{TargetIds: []string{"r-ab12", "ou-ab12-abcdefgh", "333333333333"}, AllowedRegions: []string{"eu-west-1"}}
	g := guardrails.New(stack, "Guardrails", props)
	if len(g.Policies) != 3 {
		t.Errorf("Policies has %d entries, want 3", len(g.Policies))
	}
	raw, err := json.Marshal(app.Synth(nil).GetStackByName(stack.StackName()).Template())
	if err != nil {
		t.Fatal(err)
	}
	var tpl struct{ Resources map[string]resource }
	if err := json.Unmarshal(raw, &tpl); err != nil {
		t.Fatal(err)
	}
	docs := guardrails.Policies(props)
	seen := map[string]bool{}
	ids := map[string]string{} // policy name -> logical id
	for id, r := range tpl.Resources {
		if r.Type != "AWS::Organizations::Policy" {
			continue
		}
		name := r.Properties["Name"].(string)
		seen[name] = true
		ids[name] = id
		if r.Properties["Type"] != "SERVICE_CONTROL_POLICY" {
			t.Errorf("%s: Type %v", name, r.Properties["Type"])
		}
		if got := strs(r.Properties["TargetIds"]); !slices.Equal(got, props.TargetIds) {
			t.Errorf("%s: TargetIds %v", name, got)
		}
		content, _ := json.Marshal(r.Properties["Content"])
		var a, b any
		json.Unmarshal(content, &a)
		json.Unmarshal([]byte(docs[name]), &b)
		if fmt.Sprint(a) != fmt.Sprint(b) {
			t.Errorf("%s: template content differs from Policies:\n%s\n%s", name, content, docs[name])
		}
	}
	if len(seen) != 3 {
		t.Errorf("policies in template: %v", seen)
	}
	// One at a time (AWS Organizations refuses overlapping changes): each
	// policy, in name order, waits for the one before.
	names := slices.Sorted(maps.Keys(ids))
	for i := 1; i < len(names); i++ {
		if deps := tpl.Resources[ids[names[i]]].DependsOn; !slices.Contains(deps, ids[names[i-1]]) {
			t.Errorf("%s does not wait for %s: DependsOn %v", names[i], names[i-1], deps)
		}
	}
}

func TestMisusePanics(t *testing.T) {
	for _, tc := range []struct {
		props guardrails.Props
		want  string
	}{
		{guardrails.Props{}, "Props.TargetIds is empty"},
		{guardrails.Props{TargetIds: []string{"root"}}, `Props.TargetIds: "root"`},
		{guardrails.Props{TargetIds: []string{"r-ab12", "r-ab12"}}, "listed twice"},
		{guardrails.Props{TargetIds: []string{"r-ab12"}, ExemptRoleArns: []string{"*"}}, `Props.ExemptRoleArns: "*"`},
		{guardrails.Props{TargetIds: []string{"r-ab12"}, ExemptRoleArns: []string{"arn:aws:iam::*:user/admin"}}, "Props.ExemptRoleArns"},
		{guardrails.Props{TargetIds: []string{"r-ab12"}, AllowedRegions: []string{"Europe"}}, `Props.AllowedRegions: "Europe"`},
		{guardrails.Props{TargetIds: []string{"r-ab12"}, Qualifier: "Not-A-Qualifier"}, `Props.Qualifier: "Not-A-Qualifier"`},
		{guardrails.Props{TargetIds: []string{"r-ab12"}, ProtectedStackNames: []string{"*"}}, `Props.ProtectedStackNames: "*"`},
		{guardrails.Props{TargetIds: []string{"r-ab12"}, ProtectedStackNames: []string{"a", "a"}}, "listed twice"},
		{guardrails.Props{TargetIds: []string{"r-ab12"}, DeployingAccounts: []string{"1234"}}, `Props.DeployingAccounts: "1234"`},
		{guardrails.Props{TargetIds: []string{"r-ab12"}, ForwardedLogGroups: []string{"*"}}, `Props.ForwardedLogGroups: "*"`},
		{guardrails.Props{TargetIds: []string{"r-ab12"}, ForwardedLogGroups: []string{"a:b"}}, `Props.ForwardedLogGroups: "a:b"`},
		{guardrails.Props{TargetIds: []string{"r-ab12"}, LogDestinations: []string{"drain:*"}}, `Props.LogDestinations: "drain:*"`},
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), tc.want) {
					t.Errorf("%+v: panic %v, want one naming %s", tc.props, r, tc.want)
				}
			}()
			guardrails.Policies(&tc.props)
		}()
	}
}
