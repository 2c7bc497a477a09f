package emulator_test

// Tests of the emulator's service-managed StackSets (stacksets.py), one
// behaviour each; the AWS documents behind them are named in stacksets.py.

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/palisade-sec/palisade/test/emulator"
)

// tree is an organization of the management account with OUs
// workloads > team > squad and accounts in each (and one at the root).
type tree struct {
	root, workloads, team, squad string
}

const (
	inWorkloads = "510000000001"
	inTeam      = "510000000002"
	inSquad     = "510000000003"
	atRoot      = "510000000004"
)

func orgTree(t *testing.T, ctx context.Context, cfg aws.Config) tree {
	t.Helper()
	orgs := organizations.NewFromConfig(cfg)
	if _, err := orgs.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll}); err != nil {
		t.Fatal(err)
	}
	roots, err := orgs.ListRoots(ctx, &organizations.ListRootsInput{})
	if err != nil {
		t.Fatal(err)
	}
	tr := tree{root: aws.ToString(roots.Roots[0].Id)}
	ou := func(parent, name string) string {
		out, err := orgs.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: aws.String(parent), Name: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.OrganizationalUnit.Id)
	}
	tr.workloads = ou(tr.root, "workloads")
	tr.team = ou(tr.workloads, "team")
	tr.squad = ou(tr.team, "squad")
	member(t, ctx, cfg, tr, inWorkloads, tr.workloads)
	member(t, ctx, cfg, tr, inTeam, tr.team)
	member(t, ctx, cfg, tr, inSquad, tr.squad)
	member(t, ctx, cfg, tr, atRoot, tr.root)
	return tr
}

// member creates an account (at the root, as CreateAccount does) and
// moves it to parent.
func member(t *testing.T, ctx context.Context, cfg aws.Config, tr tree, id, parent string) {
	t.Helper()
	orgs := organizations.NewFromConfig(cfg)
	if _, err := orgs.CreateAccount(ctx, &organizations.CreateAccountInput{
		AccountName: aws.String("member-" + id), Email: aws.String(id + "@example.invalid"),
		Tags: []orgtypes.Tag{{Key: aws.String("emulator:account-id"), Value: aws.String(id)}},
	}); err != nil {
		t.Fatal(err)
	}
	if parent != tr.root {
		move(t, ctx, cfg, id, tr.root, parent)
	}
}

func move(t *testing.T, ctx context.Context, cfg aws.Config, id, from, to string) {
	t.Helper()
	if _, err := organizations.NewFromConfig(cfg).MoveAccount(ctx, &organizations.MoveAccountInput{
		AccountId: aws.String(id), SourceParentId: aws.String(from), DestinationParentId: aws.String(to),
	}); err != nil {
		t.Fatal(err)
	}
}

func activate(t *testing.T, ctx context.Context, cfg aws.Config) {
	t.Helper()
	if _, err := cloudformation.NewFromConfig(cfg).ActivateOrganizationsAccess(ctx, &cloudformation.ActivateOrganizationsAccessInput{}); err != nil {
		t.Fatal(err)
	}
}

// paramTemplate is a stack set template of one SSM parameter, name, whose
// value is the template parameter Value (default "base"); extra resources
// are added as they are.
func paramTemplate(name string, extra map[string]any) string {
	res := map[string]any{"Param": map[string]any{"Type": "AWS::SSM::Parameter", "Properties": map[string]any{
		"Name": name, "Type": "String", "Value": map[string]any{"Ref": "Value"}}}}
	for k, v := range extra {
		res[k] = v
	}
	body, err := json.Marshal(map[string]any{
		"Parameters": map[string]any{"Value": map[string]any{"Type": "String", "Default": "base"}},
		"Resources":  res,
	})
	if err != nil {
		panic(err)
	}
	return string(body)
}

// param reads the SSM parameter name in account and region ("" if absent).
func param(t *testing.T, ctx context.Context, cfg aws.Config, account, region, name string) string {
	t.Helper()
	c := as(cfg, account)
	c.Region = region
	out, err := ssm.NewFromConfig(c).GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name)})
	if code(err) == "ParameterNotFound" {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.Parameter.Value)
}

// instances lists the stack set's instances as account/region -> summary.
func instances(t *testing.T, ctx context.Context, cfn *cloudformation.Client, name string) map[string]cfntypes.StackInstanceSummary {
	t.Helper()
	out, err := cfn.ListStackInstances(ctx, &cloudformation.ListStackInstancesInput{StackSetName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]cfntypes.StackInstanceSummary{}
	for _, s := range out.Summaries {
		m[aws.ToString(s.Account)+"/"+aws.ToString(s.Region)] = s
	}
	return m
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// stackSetStacks lists the live stacks of stack set instances in account
// and region, name -> status.
func stackSetStacks(t *testing.T, ctx context.Context, cfg aws.Config, account, region string) map[string]string {
	t.Helper()
	c := as(cfg, account)
	c.Region = region
	out, err := cloudformation.NewFromConfig(c).DescribeStacks(ctx, &cloudformation.DescribeStacksInput{})
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, s := range out.Stacks {
		if strings.HasPrefix(aws.ToString(s.StackName), "StackSet-") && s.StackStatus != cfntypes.StackStatusDeleteComplete {
			m[aws.ToString(s.StackName)] = string(s.StackStatus)
		}
	}
	return m
}

func createSet(ctx context.Context, cfn *cloudformation.Client, name, body string, auto *cfntypes.AutoDeployment, callAs cfntypes.CallAs) error {
	_, err := cfn.CreateStackSet(ctx, &cloudformation.CreateStackSetInput{
		StackSetName: aws.String(name), TemplateBody: aws.String(body),
		PermissionModel: cfntypes.PermissionModelsServiceManaged, AutoDeployment: auto, CallAs: callAs,
	})
	return err
}

func operation(t *testing.T, ctx context.Context, cfn *cloudformation.Client, name, id string, callAs cfntypes.CallAs) (cfntypes.StackSetOperationStatus, map[string]cfntypes.StackSetOperationResultSummary) {
	t.Helper()
	d, err := cfn.DescribeStackSetOperation(ctx, &cloudformation.DescribeStackSetOperationInput{StackSetName: aws.String(name), OperationId: aws.String(id), CallAs: callAs})
	if err != nil {
		t.Fatal(err)
	}
	r, err := cfn.ListStackSetOperationResults(ctx, &cloudformation.ListStackSetOperationResultsInput{StackSetName: aws.String(name), OperationId: aws.String(id), CallAs: callAs})
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]cfntypes.StackSetOperationResultSummary{}
	for _, s := range r.Summaries {
		m[aws.ToString(s.Account)+"/"+aws.ToString(s.Region)] = s
	}
	return d.StackSetOperation.Status, m
}

var twoRegions = []string{"us-east-1", "eu-west-1"}

// TestStackSetsNeedTrustedAccess: a service-managed stack set needs trusted
// access activated through CloudFormation; enabling the service principal
// in Organizations alone does not do it; only the management account
// activates it.
func TestStackSetsNeedTrustedAccess(t *testing.T) {
	emu := start(t)
	ctx := context.Background()
	cfg := config(emu)
	orgTree(t, ctx, cfg)
	cfn := cloudformation.NewFromConfig(cfg)
	body := paramTemplate("/ss/access", nil)
	if err := createSet(ctx, cfn, "base", body, nil, ""); code(err) != "ValidationError" || !strings.Contains(err.Error(), "enable organizations access") {
		t.Errorf("a service-managed stack set without trusted access: %v, want ValidationError (enable organizations access)", err)
	}
	if _, err := organizations.NewFromConfig(cfg).EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{
		ServicePrincipal: aws.String("member.org.stacksets.cloudformation.amazonaws.com")}); err != nil {
		t.Fatal(err)
	}
	if err := createSet(ctx, cfn, "base", body, nil, ""); code(err) != "ValidationError" {
		t.Errorf("with the service principal enabled in Organizations only: %v, want ValidationError", err)
	}
	if _, err := cloudformation.NewFromConfig(as(cfg, inWorkloads)).ActivateOrganizationsAccess(ctx, &cloudformation.ActivateOrganizationsAccessInput{}); code(err) != "InvalidOperationException" {
		t.Errorf("a member account activating trusted access: %v, want InvalidOperationException", err)
	}
	activate(t, ctx, cfg)
	d, err := cfn.DescribeOrganizationsAccess(ctx, &cloudformation.DescribeOrganizationsAccessInput{})
	if err != nil || d.Status != cfntypes.OrganizationStatusEnabled {
		t.Errorf("DescribeOrganizationsAccess after activating: %v %v, want ENABLED", d, err)
	}
	if err := createSet(ctx, cfn, "base", body, nil, ""); err != nil {
		t.Errorf("a service-managed stack set with trusted access: %v", err)
	}
	if err := createSet(ctx, cfn, "base", body, nil, ""); code(err) != "NameAlreadyExistsException" {
		t.Errorf("a second stack set of the same name: %v, want NameAlreadyExistsException", err)
	}
}

// TestStackSetsDeployToOUs: instances go to every account of the target OU
// and of its child OUs, in every region asked for, as real stacks in the
// member accounts; never to the management account, not even when the
// root is the target; ParameterOverrides apply per instance, and
// UpdateStackInstances changes one account's.
func TestStackSetsDeployToOUs(t *testing.T) {
	emu := start(t)
	ctx := context.Background()
	cfg := config(emu)
	tr := orgTree(t, ctx, cfg)
	activate(t, ctx, cfg)
	cfn := cloudformation.NewFromConfig(cfg)
	if err := createSet(ctx, cfn, "base", paramTemplate("/ss/base", nil), nil, ""); err != nil {
		t.Fatal(err)
	}
	op, err := cfn.CreateStackInstances(ctx, &cloudformation.CreateStackInstancesInput{
		StackSetName: aws.String("base"), Regions: twoRegions,
		DeploymentTargets:  &cfntypes.DeploymentTargets{OrganizationalUnitIds: []string{tr.workloads}},
		ParameterOverrides: []cfntypes.Parameter{{ParameterKey: aws.String("Value"), ParameterValue: aws.String("overridden")}},
		OperationPreferences: &cfntypes.StackSetOperationPreferences{
			RegionConcurrencyType: cfntypes.RegionConcurrencyTypeParallel, MaxConcurrentPercentage: aws.Int32(100),
			FailureTolerancePercentage: aws.Int32(10), ConcurrencyMode: cfntypes.ConcurrencyModeSoftFailureTolerance,
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := operation(t, ctx, cfn, "base", aws.ToString(op.OperationId), ""); st != cfntypes.StackSetOperationStatusSucceeded {
		t.Errorf("operation %s, want SUCCEEDED", st)
	}
	var want []string
	for _, a := range []string{inWorkloads, inTeam, inSquad} {
		for _, r := range twoRegions {
			want = append(want, a+"/"+r)
		}
	}
	sort.Strings(want)
	got := instances(t, ctx, cfn, "base")
	if fmt.Sprint(keys(got)) != fmt.Sprint(want) {
		t.Errorf("instances %v, want %v (the OU and its child OUs, not the root's account)", keys(got), want)
	}
	for k, s := range got {
		if s.Status != cfntypes.StackInstanceStatusCurrent || aws.ToString(s.OrganizationalUnitId) != tr.workloads {
			t.Errorf("instance %s: %s in %s, want CURRENT in %s", k, s.Status, aws.ToString(s.OrganizationalUnitId), tr.workloads)
		}
		account, region, _ := strings.Cut(k, "/")
		if stacks := stackSetStacks(t, ctx, cfg, account, region); len(stacks) != 1 {
			t.Errorf("account %s %s has stack set stacks %v, want one", account, region, stacks)
		}
		if v := param(t, ctx, cfg, account, region, "/ss/base"); v != "overridden" {
			t.Errorf("account %s %s: parameter %q, want the override's", account, region, v)
		}
	}
	if v := param(t, ctx, cfg, atRoot, "us-east-1", "/ss/base"); v != "" {
		t.Errorf("the account at the root, outside the target OU, got the parameter (%q)", v)
	}

	// one account's own value
	if _, err := cfn.UpdateStackInstances(ctx, &cloudformation.UpdateStackInstancesInput{
		StackSetName: aws.String("base"), Regions: []string{"us-east-1"},
		DeploymentTargets:  &cfntypes.DeploymentTargets{Accounts: []string{inTeam}},
		ParameterOverrides: []cfntypes.Parameter{{ParameterKey: aws.String("Value"), ParameterValue: aws.String("team's own")}},
	}); err != nil {
		t.Fatal(err)
	}
	if v := param(t, ctx, cfg, inTeam, "us-east-1", "/ss/base"); v != "team's own" {
		t.Errorf("after UpdateStackInstances of one account: %q", v)
	}
	if v := param(t, ctx, cfg, inTeam, "eu-west-1", "/ss/base"); v != "overridden" {
		t.Errorf("the same account's other region changed too: %q", v)
	}
	if v := param(t, ctx, cfg, inSquad, "us-east-1", "/ss/base"); v != "overridden" {
		t.Errorf("another account changed too: %q", v)
	}
	if _, err := cfn.UpdateStackInstances(ctx, &cloudformation.UpdateStackInstancesInput{
		StackSetName: aws.String("base"), Regions: []string{"us-east-1"},
		DeploymentTargets:  &cfntypes.DeploymentTargets{Accounts: []string{inTeam}},
		ParameterOverrides: []cfntypes.Parameter{{ParameterKey: aws.String("NotDeclared"), ParameterValue: aws.String("x")}},
	}); code(err) != "ValidationError" {
		t.Errorf("an override of a parameter the template does not declare: %v, want ValidationError", err)
	}

	// the root as the target: every member, never the management account
	if err := createSet(ctx, cfn, "everywhere", paramTemplate("/ss/everywhere", nil), nil, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := cfn.CreateStackInstances(ctx, &cloudformation.CreateStackInstancesInput{
		StackSetName: aws.String("everywhere"), Regions: []string{"us-east-1"},
		DeploymentTargets: &cfntypes.DeploymentTargets{OrganizationalUnitIds: []string{tr.root}},
	}); err != nil {
		t.Fatal(err)
	}
	got = instances(t, ctx, cfn, "everywhere")
	if _, ok := got[management+"/us-east-1"]; ok || len(got) != 4 {
		t.Errorf("instances of the root %v, want the four members and not the management account", keys(got))
	}
	if v := param(t, ctx, cfg, management, "us-east-1", "/ss/everywhere"); v != "" {
		t.Errorf("the management account got the stack set's parameter (%q)", v)
	}
	if _, err := cfn.CreateStackInstances(ctx, &cloudformation.CreateStackInstancesInput{
		StackSetName: aws.String("everywhere"), Regions: []string{"us-east-1"}, Accounts: []string{inTeam},
	}); code(err) != "ValidationError" {
		t.Errorf("accounts as targets of a service-managed stack set: %v, want ValidationError", err)
	}

	// a stack set with instances cannot be deleted; RetainStacks keeps the stacks
	if _, err := cfn.DeleteStackSet(ctx, &cloudformation.DeleteStackSetInput{StackSetName: aws.String("everywhere")}); code(err) != "StackSetNotEmptyException" {
		t.Errorf("deleting a stack set with instances: %v, want StackSetNotEmptyException", err)
	}
	if _, err := cfn.DeleteStackInstances(ctx, &cloudformation.DeleteStackInstancesInput{
		StackSetName: aws.String("everywhere"), Regions: []string{"us-east-1"}, RetainStacks: aws.Bool(true),
		DeploymentTargets: &cfntypes.DeploymentTargets{OrganizationalUnitIds: []string{tr.root}},
	}); err != nil {
		t.Fatal(err)
	}
	if n := len(instances(t, ctx, cfn, "everywhere")); n != 0 {
		t.Errorf("%d instances left after DeleteStackInstances", n)
	}
	if v := param(t, ctx, cfg, atRoot, "us-east-1", "/ss/everywhere"); v != "base" {
		t.Errorf("RetainStacks: the account's parameter is %q, want it kept", v)
	}
	if _, err := cfn.DeleteStackSet(ctx, &cloudformation.DeleteStackSetInput{StackSetName: aws.String("everywhere")}); err != nil {
		t.Errorf("deleting the empty stack set: %v", err)
	}
}

// TestStackSetsAutoDeployment: with AutoDeployment enabled, an account
// created in the target (the root here) or moved into a target OU (or
// below it) gets the instances of the target's regions; one moved out
// loses them, its stacks deleted, or kept with RetainStacksOnAccountRemoval;
// without AutoDeployment nothing follows the move.
func TestStackSetsAutoDeployment(t *testing.T) {
	emu := start(t)
	ctx := context.Background()
	cfg := config(emu)
	tr := orgTree(t, ctx, cfg)
	activate(t, ctx, cfg)
	cfn := cloudformation.NewFromConfig(cfg)
	for _, s := range []struct {
		name   string
		auto   *cfntypes.AutoDeployment
		target string
	}{
		{"dropping", &cfntypes.AutoDeployment{Enabled: aws.Bool(true), RetainStacksOnAccountRemoval: aws.Bool(false)}, tr.team},
		{"retaining", &cfntypes.AutoDeployment{Enabled: aws.Bool(true), RetainStacksOnAccountRemoval: aws.Bool(true)}, tr.team},
		{"manual", nil, tr.team},
		{"org", &cfntypes.AutoDeployment{Enabled: aws.Bool(true)}, tr.root},
	} {
		if err := createSet(ctx, cfn, s.name, paramTemplate("/ss/"+s.name, nil), s.auto, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := cfn.CreateStackInstances(ctx, &cloudformation.CreateStackInstancesInput{
			StackSetName: aws.String(s.name), Regions: twoRegions,
			DeploymentTargets: &cfntypes.DeploymentTargets{OrganizationalUnitIds: []string{s.target}},
		}); err != nil {
			t.Fatal(err)
		}
	}
	d, err := cfn.DescribeStackSet(ctx, &cloudformation.DescribeStackSetInput{StackSetName: aws.String("retaining")})
	if err != nil {
		t.Fatal(err)
	}
	if ad := d.StackSet.AutoDeployment; ad == nil || !aws.ToBool(ad.Enabled) || !aws.ToBool(ad.RetainStacksOnAccountRemoval) ||
		d.StackSet.PermissionModel != cfntypes.PermissionModelsServiceManaged || fmt.Sprint(d.StackSet.OrganizationalUnitIds) != fmt.Sprint([]string{tr.team}) {
		t.Errorf("DescribeStackSet: auto-deployment %+v, permission model %s, OUs %v", d.StackSet.AutoDeployment, d.StackSet.PermissionModel, d.StackSet.OrganizationalUnitIds)
	}
	targets, err := cfn.ListStackSetAutoDeploymentTargets(ctx, &cloudformation.ListStackSetAutoDeploymentTargetsInput{StackSetName: aws.String("dropping")})
	if err != nil || len(targets.Summaries) != 1 || aws.ToString(targets.Summaries[0].OrganizationalUnitId) != tr.team || len(targets.Summaries[0].Regions) != 2 {
		t.Errorf("ListStackSetAutoDeploymentTargets: %+v %v, want %s in two regions", targets, err, tr.team)
	}

	// a new account: created at the root (the "org" target), then moved
	// below the team OU (into squad)
	const newcomer = "510000000009"
	member(t, ctx, cfg, tr, newcomer, tr.root)
	if v := param(t, ctx, cfg, newcomer, "eu-west-1", "/ss/org"); v != "base" {
		t.Errorf("an account created in the target root: parameter %q, want the stack set's", v)
	}
	if v := param(t, ctx, cfg, newcomer, "us-east-1", "/ss/dropping"); v != "" {
		t.Errorf("an account at the root has the team's parameter (%q)", v)
	}
	move(t, ctx, cfg, newcomer, tr.root, tr.squad)
	for _, name := range []string{"dropping", "retaining"} {
		for _, r := range twoRegions {
			if v := param(t, ctx, cfg, newcomer, r, "/ss/"+name); v != "base" {
				t.Errorf("%s: the account moved below the target OU has %q in %s, want the stack set's", name, v, r)
			}
			if s, ok := instances(t, ctx, cfn, name)[newcomer+"/"+r]; !ok || s.Status != cfntypes.StackInstanceStatusCurrent {
				t.Errorf("%s: instance of the moved account in %s: %+v", name, r, s)
			}
		}
	}
	if v := param(t, ctx, cfg, newcomer, "us-east-1", "/ss/manual"); v != "" {
		t.Errorf("a stack set without auto-deployment followed the account (%q)", v)
	}
	if _, ok := instances(t, ctx, cfn, "org")[newcomer+"/us-east-1"]; !ok {
		t.Errorf("moving within the root target dropped the account's instance")
	}

	// moved out of the team OU
	move(t, ctx, cfg, newcomer, tr.squad, tr.root)
	if _, ok := instances(t, ctx, cfn, "dropping")[newcomer+"/us-east-1"]; ok {
		t.Errorf("dropping: the account moved out still has an instance")
	}
	if v := param(t, ctx, cfg, newcomer, "us-east-1", "/ss/dropping"); v != "" {
		t.Errorf("dropping: the account moved out kept the stack (parameter %q)", v)
	}
	if _, ok := instances(t, ctx, cfn, "retaining")[newcomer+"/us-east-1"]; ok {
		t.Errorf("retaining: the account moved out is still an instance")
	}
	if v := param(t, ctx, cfg, newcomer, "us-east-1", "/ss/retaining"); v != "base" {
		t.Errorf("retaining: the account moved out lost its stack (parameter %q)", v)
	}
	if _, err := cfn.CreateStackSet(ctx, &cloudformation.CreateStackSetInput{
		StackSetName: aws.String("self"), TemplateBody: aws.String(paramTemplate("/ss/self", nil)),
		AutoDeployment: &cfntypes.AutoDeployment{Enabled: aws.Bool(true)},
	}); code(err) != "ValidationError" {
		t.Errorf("AutoDeployment on a self-managed stack set: %v, want ValidationError", err)
	}
}

// TestStackSetsDelegatedAdministrator: a member account acts for the
// organization only once registered as StackSets' delegated administrator,
// and with CallAs DELEGATED_ADMIN; its stack sets live in the management
// account; it gets instances itself when it is in a target OU.
func TestStackSetsDelegatedAdministrator(t *testing.T) {
	emu := start(t)
	ctx := context.Background()
	cfg := config(emu)
	tr := orgTree(t, ctx, cfg)
	activate(t, ctx, cfg)
	admin := cloudformation.NewFromConfig(as(cfg, inWorkloads))
	body := paramTemplate("/ss/delegated", nil)
	if err := createSet(ctx, admin, "delegated", body, nil, cfntypes.CallAsDelegatedAdmin); code(err) != "ValidationError" || !strings.Contains(err.Error(), "not a delegated administrator") {
		t.Errorf("CallAs DELEGATED_ADMIN before registering: %v, want ValidationError (not a delegated administrator)", err)
	}
	if err := createSet(ctx, admin, "delegated", body, nil, ""); code(err) != "ValidationError" {
		t.Errorf("a member account, CallAs SELF: %v, want ValidationError", err)
	}
	if _, err := organizations.NewFromConfig(cfg).RegisterDelegatedAdministrator(ctx, &organizations.RegisterDelegatedAdministratorInput{
		AccountId: aws.String(inWorkloads), ServicePrincipal: aws.String("member.org.stacksets.cloudformation.amazonaws.com"),
	}); err != nil {
		t.Fatal(err)
	}
	if err := createSet(ctx, admin, "delegated", body, nil, ""); code(err) != "ValidationError" {
		t.Errorf("the registered administrator, CallAs SELF: %v, want ValidationError", err)
	}
	if err := createSet(ctx, admin, "delegated", body, &cfntypes.AutoDeployment{Enabled: aws.Bool(true)}, cfntypes.CallAsDelegatedAdmin); err != nil {
		t.Fatalf("the registered administrator, CallAs DELEGATED_ADMIN: %v", err)
	}
	op, err := admin.CreateStackInstances(ctx, &cloudformation.CreateStackInstancesInput{
		StackSetName: aws.String("delegated"), Regions: []string{"us-east-1"}, CallAs: cfntypes.CallAsDelegatedAdmin,
		DeploymentTargets: &cfntypes.DeploymentTargets{OrganizationalUnitIds: []string{tr.workloads}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := operation(t, ctx, admin, "delegated", aws.ToString(op.OperationId), cfntypes.CallAsDelegatedAdmin); st != cfntypes.StackSetOperationStatusSucceeded {
		t.Errorf("operation %s", st)
	}
	d, err := cloudformation.NewFromConfig(cfg).DescribeStackSet(ctx, &cloudformation.DescribeStackSetInput{StackSetName: aws.String("delegated")})
	if err != nil || !strings.Contains(aws.ToString(d.StackSet.StackSetARN), ":"+management+":") {
		t.Errorf("the delegated administrator's stack set, seen from the management account: %v %v, want it there", d, err)
	}
	if v := param(t, ctx, cfg, inWorkloads, "us-east-1", "/ss/delegated"); v != "base" {
		t.Errorf("the delegated administrator in the target OU: parameter %q, want an instance like any member", v)
	}
	if _, err := admin.ListStackInstances(ctx, &cloudformation.ListStackInstancesInput{StackSetName: aws.String("delegated")}); code(err) != "StackSetNotFoundException" {
		t.Errorf("the administrator's own stack sets, CallAs SELF: %v, want StackSetNotFoundException (they are the management account's)", err)
	}
}

// TestStackSetsTemplateRules: a TemplateBody over 51,200 bytes is refused
// (a TemplateURL takes it), IAM resources need their capability, and a
// service-managed template may not hold a transform.
func TestStackSetsTemplateRules(t *testing.T) {
	emu := start(t)
	ctx := context.Background()
	cfg := config(emu)
	orgTree(t, ctx, cfg)
	activate(t, ctx, cfg)
	cfn := cloudformation.NewFromConfig(cfg)
	big := paramTemplate("/ss/big", map[string]any{"Padding": map[string]any{"Type": "AWS::SSM::Parameter", "Properties": map[string]any{
		"Type": "String", "Value": strings.Repeat("x", 52000)}}})
	if err := createSet(ctx, cfn, "big", big, nil, ""); code(err) != "ValidationError" || !strings.Contains(err.Error(), "51200") {
		t.Errorf("a %d-byte TemplateBody: %v, want ValidationError (51200)", len(big), err)
	}
	c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("templates")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("templates"), Key: aws.String("big.json"), Body: strings.NewReader(big)}); err != nil {
		t.Fatal(err)
	}
	if _, err := cfn.CreateStackSet(ctx, &cloudformation.CreateStackSetInput{
		StackSetName: aws.String("big"), TemplateURL: aws.String(emu.Endpoint + "/templates/big.json"),
		PermissionModel: cfntypes.PermissionModelsServiceManaged,
	}); err != nil {
		t.Errorf("the same template through TemplateURL: %v", err)
	}
	role := map[string]any{"Role": map[string]any{"Type": "AWS::IAM::Role", "Properties": map[string]any{
		"AssumeRolePolicyDocument": map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
			"Effect": "Allow", "Principal": map[string]any{"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}}}}}}
	if err := createSet(ctx, cfn, "iam", paramTemplate("/ss/iam", role), nil, ""); code(err) != "InsufficientCapabilitiesException" {
		t.Errorf("an IAM role without CAPABILITY_IAM: %v, want InsufficientCapabilitiesException", err)
	}
	if _, err := cfn.CreateStackSet(ctx, &cloudformation.CreateStackSetInput{
		StackSetName: aws.String("iam"), TemplateBody: aws.String(paramTemplate("/ss/iam", role)),
		PermissionModel: cfntypes.PermissionModelsServiceManaged, Capabilities: []cfntypes.Capability{cfntypes.CapabilityCapabilityIam},
	}); err != nil {
		t.Errorf("an IAM role with CAPABILITY_IAM: %v", err)
	}
	var tpl map[string]any
	if err := json.Unmarshal([]byte(paramTemplate("/ss/macro", nil)), &tpl); err != nil {
		t.Fatal(err)
	}
	tpl["Transform"] = "AWS::Serverless-2016-10-31"
	macro, _ := json.Marshal(tpl)
	if err := createSet(ctx, cfn, "macro", string(macro), nil, ""); code(err) != "ValidationError" {
		t.Errorf("a transform in a service-managed template: %v, want ValidationError", err)
	}
}

// TestStackSetsFailureTolerance: an instance that fails rolls its stack
// back and is OUTDATED; past the failure tolerance the operation FAILED,
// the rest of that region and (regions SEQUENTIAL) the later regions
// CANCELLED; within the tolerance, regions PARALLEL, it SUCCEEDED; an
// update of the stack set deploys the failed instance again.
func TestStackSetsFailureTolerance(t *testing.T) {
	emu := start(t)
	ctx := context.Background()
	cfg := config(emu)
	tr := orgTree(t, ctx, cfg)
	activate(t, ctx, cfg)
	cfn := cloudformation.NewFromConfig(cfg)
	run := func(name string, prefs *cfntypes.StackSetOperationPreferences) (cfntypes.StackSetOperationStatus, map[string]cfntypes.StackSetOperationResultSummary) {
		t.Helper()
		if err := createSet(ctx, cfn, name, paramTemplate("/ss/"+name, nil), nil, ""); err != nil {
			t.Fatal(err)
		}
		if err := emu.InjectFault(ctx, emulator.Fault{Call: "AWS::SSM::Parameter", Account: inWorkloads, Region: "us-east-1", Stack: "StackSet-" + name + "-"}); err != nil {
			t.Fatal(err)
		}
		op, err := cfn.CreateStackInstances(ctx, &cloudformation.CreateStackInstancesInput{
			StackSetName: aws.String(name), Regions: twoRegions, OperationPreferences: prefs,
			DeploymentTargets: &cfntypes.DeploymentTargets{OrganizationalUnitIds: []string{tr.workloads}},
		})
		if err != nil {
			t.Fatal(err)
		}
		return operation(t, ctx, cfn, name, aws.ToString(op.OperationId), "")
	}

	// defaults: tolerance 0, one account at a time, regions in order
	st, res := run("strict", &cfntypes.StackSetOperationPreferences{RegionOrder: twoRegions})
	if st != cfntypes.StackSetOperationStatusFailed {
		t.Errorf("a failure over the tolerance: operation %s, want FAILED", st)
	}
	if r := res[inWorkloads+"/us-east-1"]; r.Status != cfntypes.StackSetOperationResultStatusFailed || !strings.Contains(aws.ToString(r.StatusReason), "InternalFailure") {
		t.Errorf("the failed instance's result: %s %q", r.Status, aws.ToString(r.StatusReason))
	}
	for _, k := range []string{inTeam + "/us-east-1", inSquad + "/us-east-1", inWorkloads + "/eu-west-1", inTeam + "/eu-west-1"} {
		if r := res[k]; r.Status != cfntypes.StackSetOperationResultStatusCancelled {
			t.Errorf("%s after the region stopped: %s, want CANCELLED", k, r.Status)
		}
	}
	if s := instances(t, ctx, cfn, "strict")[inWorkloads+"/us-east-1"]; s.Status != cfntypes.StackInstanceStatusOutdated || s.StackInstanceStatus.DetailedStatus != cfntypes.StackInstanceDetailedStatusFailed {
		t.Errorf("the failed instance: %s %+v, want OUTDATED FAILED", s.Status, s.StackInstanceStatus)
	}
	for name, status := range stackSetStacks(t, ctx, cfg, inWorkloads, "us-east-1") {
		if status != "ROLLBACK_COMPLETE" {
			t.Errorf("the failed instance's stack %s: %s, want ROLLBACK_COMPLETE", name, status)
		}
	}
	op, err := cfn.UpdateStackSet(ctx, &cloudformation.UpdateStackSetInput{StackSetName: aws.String("strict"), UsePreviousTemplate: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := operation(t, ctx, cfn, "strict", aws.ToString(op.OperationId), ""); st != cfntypes.StackSetOperationStatusSucceeded {
		t.Errorf("the update after the fault: %s", st)
	}
	if v := param(t, ctx, cfg, inWorkloads, "us-east-1", "/ss/strict"); v != "base" {
		t.Errorf("the once failed instance after the update: parameter %q", v)
	}

	// one failure tolerated, regions in parallel
	st, res = run("tolerant", &cfntypes.StackSetOperationPreferences{FailureToleranceCount: aws.Int32(1), MaxConcurrentCount: aws.Int32(2),
		RegionConcurrencyType: cfntypes.RegionConcurrencyTypeParallel})
	if st != cfntypes.StackSetOperationStatusSucceeded {
		t.Errorf("a failure within the tolerance: operation %s, want SUCCEEDED", st)
	}
	for k, r := range res {
		want := cfntypes.StackSetOperationResultStatusSucceeded
		if k == inWorkloads+"/us-east-1" {
			want = cfntypes.StackSetOperationResultStatusFailed
		}
		if r.Status != want {
			t.Errorf("%s: %s, want %s", k, r.Status, want)
		}
	}

	if _, err := cfn.CreateStackInstances(ctx, &cloudformation.CreateStackInstancesInput{
		StackSetName: aws.String("tolerant"), Regions: twoRegions,
		DeploymentTargets:    &cfntypes.DeploymentTargets{OrganizationalUnitIds: []string{tr.workloads}},
		OperationPreferences: &cfntypes.StackSetOperationPreferences{FailureToleranceCount: aws.Int32(1), FailureTolerancePercentage: aws.Int32(10)},
	}); code(err) != "ValidationError" {
		t.Errorf("failure tolerance as a count and a percentage: %v, want ValidationError", err)
	}
}

// stackSetResource is an AWS::CloudFormation::StackSet targeting ou.
func stackSetResource(name, ou, value string) string {
	props := map[string]any{
		"StackSetName": name, "PermissionModel": "SERVICE_MANAGED",
		"AutoDeployment": map[string]any{"Enabled": true, "RetainStacksOnAccountRemoval": false},
		"TemplateBody":   paramTemplate("/ss/"+name, nil),
		"Parameters":     []any{map[string]any{"ParameterKey": "Value", "ParameterValue": value}},
		"OperationPreferences": map[string]any{"RegionConcurrencyType": "PARALLEL", "MaxConcurrentPercentage": 100,
			"FailureTolerancePercentage": 0, "ConcurrencyMode": "SOFT_FAILURE_TOLERANCE"},
		"StackInstancesGroup": []any{map[string]any{"DeploymentTargets": map[string]any{"OrganizationalUnitIds": []string{ou}},
			"Regions": twoRegions}},
	}
	body, err := json.Marshal(map[string]any{
		"Resources": map[string]any{"Baseline": map[string]any{"Type": "AWS::CloudFormation::StackSet", "Properties": props}},
		"Outputs":   map[string]any{"Id": map[string]any{"Value": map[string]any{"Ref": "Baseline"}}},
	})
	if err != nil {
		panic(err)
	}
	return string(body)
}

// TestStackSetResourceType: AWS::CloudFormation::StackSet in a template
// creates the stack set and its instances, updates them with the stack,
// deletes them with it, and its refusals fail the stack (which rolls back).
func TestStackSetResourceType(t *testing.T) {
	emu := start(t)
	ctx := context.Background()
	cfg := config(emu)
	tr := orgTree(t, ctx, cfg)
	if err := deploy(ctx, cfg, "fanout", stackSetResource("fanout", tr.team, "one")); err == nil || !strings.Contains(err.Error(), "enable organizations access") {
		t.Errorf("the resource without trusted access: %v, want the stack to fail (enable organizations access)", err)
	}
	activate(t, ctx, cfg)
	if err := deploy(ctx, cfg, "fanout", stackSetResource("fanout", tr.team, "one")); err != nil {
		t.Fatal(err)
	}
	cfn := cloudformation.NewFromConfig(cfg)
	d, err := cfn.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String("fanout")})
	if err != nil || len(d.Stacks[0].Outputs) != 1 || !strings.HasPrefix(aws.ToString(d.Stacks[0].Outputs[0].OutputValue), "fanout:") {
		t.Errorf("Ref of the stack set: %+v %v, want its StackSetId", d, err)
	}
	for _, a := range []string{inTeam, inSquad} {
		for _, r := range twoRegions {
			if v := param(t, ctx, cfg, a, r, "/ss/fanout"); v != "one" {
				t.Errorf("%s %s: parameter %q, want one", a, r, v)
			}
		}
	}
	if v := param(t, ctx, cfg, inWorkloads, "us-east-1", "/ss/fanout"); v != "" {
		t.Errorf("the account above the target OU got an instance (%q)", v)
	}
	if err := deploy(ctx, cfg, "fanout", stackSetResource("fanout", tr.team, "two")); err != nil {
		t.Fatal(err)
	}
	if v := param(t, ctx, cfg, inSquad, "eu-west-1", "/ss/fanout"); v != "two" {
		t.Errorf("after updating the stack: parameter %q, want two", v)
	}
	const later = "510000000010"
	member(t, ctx, cfg, tr, later, tr.team)
	if v := param(t, ctx, cfg, later, "us-east-1", "/ss/fanout"); v != "two" {
		t.Errorf("an account moved into the target OU after the deploy: parameter %q, want two", v)
	}
	if _, err := cfn.DeleteStack(ctx, &cloudformation.DeleteStackInput{StackName: aws.String("fanout")}); err != nil {
		t.Fatal(err)
	}
	if v := param(t, ctx, cfg, inTeam, "us-east-1", "/ss/fanout"); v != "" {
		t.Errorf("after deleting the stack the instance's parameter is still there (%q)", v)
	}
	if n := len(stackSetStacks(t, ctx, cfg, later, "eu-west-1")); n != 0 {
		t.Errorf("after deleting the stack the account has %d stack set stacks", n)
	}
	// an instance that fails fails the resource and the stack, which rolls
	// back without leaving the stack set behind: the next deploy creates it
	if err := emu.InjectFault(ctx, emulator.Fault{Call: "AWS::SSM::Parameter", Account: inSquad, Stack: "StackSet-retry-"}); err != nil {
		t.Fatal(err)
	}
	if err := deploy(ctx, cfg, "retry", stackSetResource("retry", tr.team, "x")); err == nil || !strings.Contains(err.Error(), "InternalFailure") {
		t.Errorf("the resource with a failing instance: %v, want the stack to fail with the instance's error", err)
	}
	if _, err := cfn.DescribeStackSet(ctx, &cloudformation.DescribeStackSetInput{StackSetName: aws.String("retry")}); code(err) != "StackSetNotFoundException" {
		t.Errorf("the stack set after its stack rolled back: %v, want StackSetNotFoundException", err)
	}
	if err := deploy(ctx, cfg, "retry", stackSetResource("retry", tr.team, "x")); err != nil {
		t.Errorf("deploying again after the rollback: %v", err)
	}
	var tpl map[string]any
	if err := json.Unmarshal([]byte(stackSetResource("huge", tr.team, "x")), &tpl); err != nil {
		t.Fatal(err)
	}
	props := tpl["Resources"].(map[string]any)["Baseline"].(map[string]any)["Properties"].(map[string]any)
	props["TemplateBody"] = paramTemplate("/ss/huge", map[string]any{"Padding": map[string]any{"Type": "AWS::SSM::Parameter", "Properties": map[string]any{
		"Type": "String", "Value": strings.Repeat("x", 52000)}}})
	huge, _ := json.Marshal(tpl)
	if err := deploy(ctx, cfg, "huge", string(huge)); err == nil || !strings.Contains(err.Error(), "51200") {
		t.Errorf("the resource with a TemplateBody over 51,200 bytes: %v, want the stack to fail", err)
	}
}

// TestStackSetsAtScale: an organization of 200 and of 1,000 member
// accounts under a target root: auto-deployment reaches each account as
// it is created, and an update of the stack set reaches every instance in
// one operation.
func TestStackSetsAtScale(t *testing.T) {
	for _, n := range []int{200, 1000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			emu := start(t)
			ctx := context.Background()
			cfg := config(emu)
			orgs := organizations.NewFromConfig(cfg)
			if _, err := orgs.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll}); err != nil {
				t.Fatal(err)
			}
			roots, err := orgs.ListRoots(ctx, &organizations.ListRootsInput{})
			if err != nil {
				t.Fatal(err)
			}
			activate(t, ctx, cfg)
			cfn := cloudformation.NewFromConfig(cfg)
			body := `{"Parameters": {"Value": {"Type": "String", "Default": "v1"}},
			  "Resources": {"Handle": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
			  "Outputs": {"Value": {"Value": {"Ref": "Value"}}}}`
			if err := createSet(ctx, cfn, "scale", body, &cfntypes.AutoDeployment{Enabled: aws.Bool(true)}, ""); err != nil {
				t.Fatal(err)
			}
			if _, err := cfn.CreateStackInstances(ctx, &cloudformation.CreateStackInstancesInput{
				StackSetName: aws.String("scale"), Regions: []string{"us-east-1"},
				DeploymentTargets: &cfntypes.DeploymentTargets{OrganizationalUnitIds: []string{aws.ToString(roots.Roots[0].Id)}},
			}); err != nil {
				t.Fatal(err)
			}
			for i := range n {
				id := fmt.Sprintf("6%011d", i)
				if _, err := orgs.CreateAccount(ctx, &organizations.CreateAccountInput{
					AccountName: aws.String("m" + id), Email: aws.String(id + "@example.invalid"),
					Tags: []orgtypes.Tag{{Key: aws.String("emulator:account-id"), Value: aws.String(id)}},
				}); err != nil {
					t.Fatal(err)
				}
			}
			got := instances(t, ctx, cfn, "scale")
			if len(got) != n {
				t.Fatalf("%d instances after creating %d accounts, want %d", len(got), n, n)
			}
			op, err := cfn.UpdateStackSet(ctx, &cloudformation.UpdateStackSetInput{
				StackSetName: aws.String("scale"), UsePreviousTemplate: aws.Bool(true),
				Parameters: []cfntypes.Parameter{{ParameterKey: aws.String("Value"), ParameterValue: aws.String("v2")}},
				OperationPreferences: &cfntypes.StackSetOperationPreferences{MaxConcurrentPercentage: aws.Int32(100),
					FailureTolerancePercentage: aws.Int32(5), ConcurrencyMode: cfntypes.ConcurrencyModeSoftFailureTolerance},
			})
			if err != nil {
				t.Fatal(err)
			}
			st, res := operation(t, ctx, cfn, "scale", aws.ToString(op.OperationId), "")
			if st != cfntypes.StackSetOperationStatusSucceeded || len(res) != n {
				t.Errorf("the update: %s with %d results, want SUCCEEDED with %d", st, len(res), n)
			}
			last := fmt.Sprintf("6%011d", n-1)
			c := as(cfg, last)
			d, err := cloudformation.NewFromConfig(c).DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(strings.Split(aws.ToString(got[last+"/us-east-1"].StackId), "/")[1])})
			if err != nil || len(d.Stacks[0].Outputs) != 1 || aws.ToString(d.Stacks[0].Outputs[0].OutputValue) != "v2" {
				t.Errorf("the last account's stack after the update: %+v %v, want output v2", d, err)
			}
		})
	}
}
