package preflight

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/guardduty"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/smithy-go"

	"github.com/palisade-sec/palisade/config"
	"github.com/palisade-sec/palisade/deployplan"
)

// Names palisade creates, as the constructs name them (constructs never
// import config, and preflight never imports CDK; preflight_test.go checks
// them against the constructs' constants).
const (
	configRoleName = "AWSServiceRoleForConfig"
	// DefaultHostManagementRoleName and DefaultHostManagementSetting are
	// sessionmanager's.
	DefaultHostManagementRoleName = "AWSSystemsManagerDefaultEC2InstanceManagementRole"
	DefaultHostManagementSetting  = "/ssm/managed-instance/default-ec2-instance-management-role"
	toolkit                       = "CDKToolkit"
)

// GuardrailNames are the guardrail SCPs' names (guardrails.ProtectSecurityBaseline,
// ProtectDeployment, DenyOutsideAllowedRegions).
var GuardrailNames = []string{"ProtectSecurityBaseline", "ProtectDeployment", "DenyOutsideAllowedRegions"}

// delegations are the services whose delegated administrator palisade
// registers (the security account), with how to undo another account's
// registration: the services with an organization admin API of their own
// (GuardDuty, Security Hub, Inspector) are undone through it first.
var delegations = []struct{ principal, disable string }{
	{"guardduty.amazonaws.com", "aws guardduty disable-organization-admin-account --admin-account-id %s (in every region)"},
	{"securityhub.amazonaws.com", "aws securityhub disable-organization-admin-account --admin-account-id %s"},
	{"inspector2.amazonaws.com", "aws inspector2 disable-delegated-admin-account --delegated-admin-account-id %s"},
	{"access-analyzer.amazonaws.com", ""},
	{"config.amazonaws.com", ""},
	{"config-multiaccountsetup.amazonaws.com", ""},
}

func deregister(principal, disable, account string) string {
	cmd := fmt.Sprintf("aws organizations deregister-delegated-administrator --account-id %s --service-principal %s", account, principal)
	if disable == "" {
		return cmd
	}
	return fmt.Sprintf(disable, account) + ", then " + cmd
}

// ManualTrustedAccess are the service principals whose trusted access the
// deploy needs and does not turn on itself: none today. GuardDuty, Security
// Hub and Inspector turn theirs on when they designate their administrator
// (EnableOrganizationAdminAccount), palisade's Config and Access Analyzer
// delegations call EnableAWSServiceAccess first, and the home orgadmin
// stack turns on CloudTrail's (StackTrustedAccess).
var ManualTrustedAccess []string

// StackTrustedAccess are the service principals whose trusted access the
// home orgadmin stack turns on itself (orgtrail.NewTrustedAccess), before
// the organization trail: CreateTrail with IsOrganizationTrail fails with
// CloudTrailAccessNotEnabledException until it is on (CloudTrail API
// Reference, CreateTrail, Errors; AWS CloudTrail User Guide, "Creating a
// trail for an organization"). Preflight says so when it is off, without
// blocking.
var StackTrustedAccess = []string{"cloudtrail.amazonaws.com"}

// Checks is the table: one entry per check, in the order they report.
var Checks = []Check{
	{Name: "organization", Scope: ScopeOrg, Run: checkOrganization,
		Doc: "AWS Organizations API Reference, DescribeOrganization; every cross-account policy is scoped to organizationId (aws:PrincipalOrgID, aws:SourceOrgID), and SCPs and delegated administrators need all features (AWS Organizations User Guide, \"Enabling all features\")"},
	{Name: "scp-policy-type", Scope: ScopeOrg, Run: checkSCPPolicyType,
		Doc: "AWS Organizations API Reference, AttachPolicy (PolicyTypeNotEnabledException, TargetNotFoundException); User Guide, \"Enabling a policy type\" (EnablePolicyType on the root)"},
	{Name: "accounts", Scope: ScopeOrg, Run: checkAccounts,
		Doc: "AWS Config API Reference, PutOrganizationConformancePack: the pack needs a recorder in every member account, ExcludedAccounts leaves accounts out (superwerker#291)"},
	{Name: "stack-set-targets", Scope: ScopeOrg, Run: checkStackSetTargets,
		Doc: "AWS CloudFormation User Guide, \"Service-managed permissions\": a service-managed stack set deploys to the accounts of its target OUs and of every OU below them; CreateStackInstances with an unknown OU fails; AWS Organizations API Reference, ListParents"},
	{Name: "trusted-access", Scope: ScopeOrg, Run: checkTrustedAccess,
		Doc: "AWS CloudTrail API Reference, CreateTrail, CloudTrailAccessNotEnabledException; AWS Organizations API Reference, ListAWSServiceAccessForOrganization"},
	{Name: "delegated-admin", Scope: ScopeOrg, Run: checkDelegatedAdmins,
		Doc: "AWS Organizations API Reference, RegisterDelegatedAdministrator, AccountAlreadyRegisteredException; GuardDuty API Reference, EnableOrganizationAdminAccount (one administrator per organization)"},
	{Name: "scp-name", Scope: ScopeOrg, Run: checkSCPNames,
		Doc: "AWS Organizations API Reference, CreatePolicy, DuplicatePolicyException (a policy with the same name and type exists)"},
	{Name: "bootstrap", Scope: ScopeRegion, Run: checkBootstrap,
		Doc: "AWS CDK Developer Guide, \"AWS CDK bootstrapping\": every environment deployed to holds the CDKToolkit stack"},
	{Name: "fanout-collision", Scope: ScopeRegion, Run: checkFanOutCollision,
		Doc: "AWS CloudFormation User Guide, \"Name type\": a resource with a custom name cannot be created while one of that name exists; palisade's log groups are named and retained on delete (DeletionPolicy Retain), so a stack set instance cannot create them beside, or after, the per-account log stack that made them"},
	{Name: "stack-sets", Scope: ScopeRegion, Run: checkStackSets,
		Doc: "AWS CloudFormation API Reference, CreateStackSet (NameAlreadyExistsException), DescribeStackSet, DescribeOrganizationsAccess; User Guide, \"Activate trusted access for StackSets with AWS Organizations\""},
	{Name: "config-recorder", Scope: ScopeRegion, Run: checkRecorder,
		Doc: "AWS Config Developer Guide, \"Starting AWS Config with a customer managed configuration recorder\": one customer managed recorder per account per Region (PutConfigurationRecorder, MaxNumberOfConfigurationRecordersExceededException)"},
	{Name: "delivery-channel", Scope: ScopeRegion, Run: checkChannel,
		Doc: "AWS Config Developer Guide, same page: one delivery channel per account per Region (PutDeliveryChannel, MaxNumberOfDeliveryChannelsExceededException)"},
	{Name: "config-role", Scope: ScopeAccount, Run: checkConfigRole,
		Doc: "IAM API Reference, CreateServiceLinkedRole (InvalidInput: a role of that name has been taken); AWS Config Developer Guide, \"Using service-linked roles for AWS Config\""},
	{Name: "default-host-management-role", Scope: ScopeAccount, Run: checkDHMRole,
		Doc: "IAM API Reference, CreateRole, EntityAlreadyExists; AWS Systems Manager User Guide, \"Managing EC2 instances automatically with Default Host Management Configuration\""},
	{Name: "default-host-management-setting", Scope: ScopeRegion, Run: checkDHMSetting,
		Doc: "AWS Systems Manager API Reference, GetServiceSetting / UpdateServiceSetting (/ssm/managed-instance/default-ec2-instance-management-role)"},
	{Name: "guardduty-detector", Scope: ScopeRegion, Run: checkDetector,
		Doc: "Amazon GuardDuty API Reference, CreateDetector: one detector per account per Region (terraform-provider-aws#11780 shows the error); palisade adopts an existing one, so this is a notice"},
	{Name: "archive-bucket", Scope: ScopeRegion, Run: checkArchiveBucket,
		Doc: "Amazon S3 User Guide, \"Bucket naming rules\": names are unique across all accounts of a partition; S3 API Reference, HeadBucket (403 when the bucket exists and is not yours, 404 when it does not exist)"},
	{Name: "lambda-concurrency", Scope: ScopeRegion, Run: checkLambdaConcurrency,
		Doc: "AWS Lambda Developer Guide, \"Configuring reserved concurrency\": Lambda keeps 100 of the account's concurrency unreserved; \"Lambda quotas\" (new accounts may start lower)"},
	// Security Hub and Inspector have no per-account check: palisade creates
	// no AWS::SecurityHub::Hub (designating the administrator enables
	// Security Hub there, and central configuration adopts what members
	// have), and Inspector's members are associated by the administrator
	// whatever their state. Their registrations are checked by
	// delegated-admin.
}

// Security Hub and Inspector delegations only matter when the org turns
// them on; GuardDuty, Config and Access Analyzer are always delegated.
func delegated(org *config.Org, principal string) bool {
	return principal != "inspector2.amazonaws.com" || len(org.Detection.Inspector) > 0
}

func checkOrganization(ctx context.Context, e *Env) ([]Finding, error) {
	out, err := e.Orgs.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	if err != nil {
		return nil, err
	}
	o := out.Organization
	var fs []Finding
	if id := aws.ToString(o.Id); id != e.Org.OrganizationID {
		fs = append(fs, Finding{Check: "organization", Found: fmt.Sprintf("the credentials' organization is %s, the org file names %s", id, e.Org.OrganizationID),
			Fix: fmt.Sprintf("set organizationId: %s in %s, or use the credentials of the organization's deploying account", id, e.Org.Source)})
	}
	if mgmt := e.Org.AccountByRole(config.RoleManagement); aws.ToString(o.MasterAccountId) != mgmt.ID {
		fs = append(fs, Finding{Check: "organization", Found: fmt.Sprintf("the organization's management account is %s, the org file's (%s) is %s", aws.ToString(o.MasterAccountId), mgmt.Name, mgmt.ID),
			Fix: fmt.Sprintf("set the id of the account with role: management to %q", aws.ToString(o.MasterAccountId))})
	}
	if o.FeatureSet != orgtypes.OrganizationFeatureSetAll {
		fs = append(fs, Finding{Check: "organization", Found: fmt.Sprintf("the organization has feature set %s: SCPs and delegated administrators need all features", o.FeatureSet),
			Fix: "enable all features: aws organizations enable-all-features (every member account approves)"})
	}
	return fs, nil
}

func checkSCPPolicyType(ctx context.Context, e *Env) ([]Finding, error) {
	targets := e.Org.Detection.PolicyTargets
	if len(targets) == 0 {
		return nil, nil
	}
	var roots []orgtypes.Root
	p := organizations.NewListRootsPaginator(e.Orgs, &organizations.ListRootsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		roots = append(roots, page.Roots...)
	}
	if len(roots) == 0 {
		return nil, errors.New("the organization lists no root")
	}
	root := roots[0]
	var fs []Finding
	for _, t := range targets {
		if strings.HasPrefix(t, "r-") && t != aws.ToString(root.Id) {
			fs = append(fs, Finding{Check: "scp-policy-type", Found: fmt.Sprintf("security.policyTargets names the root %s, the organization's root is %s", t, aws.ToString(root.Id)),
				Fix: fmt.Sprintf("replace %s with %s in security.policyTargets", t, aws.ToString(root.Id))})
		}
	}
	for _, t := range targets {
		if !strings.HasPrefix(t, "ou-") {
			continue
		}
		_, err := e.Orgs.DescribeOrganizationalUnit(ctx, &organizations.DescribeOrganizationalUnitInput{OrganizationalUnitId: aws.String(t)})
		var missing *orgtypes.OrganizationalUnitNotFoundException
		if errors.As(err, &missing) {
			fs = append(fs, Finding{Check: "scp-policy-type", Found: fmt.Sprintf("security.policyTargets names the OU %s, which the organization does not have: attaching the guardrails to it fails", t),
				Fix: "replace it with an OU id of `aws organizations list-organizational-units-for-parent --parent-id <root>`"})
		} else if err != nil {
			return nil, err
		}
	}
	enabled := slices.ContainsFunc(root.PolicyTypes, func(pt orgtypes.PolicyTypeSummary) bool {
		return pt.Type == orgtypes.PolicyTypeServiceControlPolicy && pt.Status == orgtypes.PolicyTypeStatusEnabled
	})
	if !enabled {
		fs = append(fs, Finding{Check: "scp-policy-type", Found: fmt.Sprintf("service control policies are not enabled on the root %s; the guardrails cannot be attached", aws.ToString(root.Id)),
			Fix: fmt.Sprintf("aws organizations enable-policy-type --root-id %s --policy-type SERVICE_CONTROL_POLICY (with the management account's credentials), or security.policyTargets: [] to go without guardrails", aws.ToString(root.Id))})
	}
	return fs, nil
}

func checkAccounts(ctx context.Context, e *Env) ([]Finding, error) {
	inOrg := map[string]orgtypes.Account{}
	var order []string
	p := organizations.NewListAccountsPaginator(e.Orgs, &organizations.ListAccountsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, a := range page.Accounts {
			id := aws.ToString(a.Id)
			inOrg[id] = a
			order = append(order, id)
		}
	}
	inFile := map[string]bool{}
	for _, a := range e.Org.AllAccounts {
		inFile[a.ID] = true
	}
	unmanaged := map[string]bool{}
	for _, id := range e.Org.Compliance.UnmanagedAccountIDs() {
		unmanaged[id] = true
	}
	var fs []Finding
	for _, id := range order {
		a := inOrg[id]
		// A suspended account (closed, in its 90-day post-closure period)
		// is no member the conformance pack deploys to; the docs do not say
		// whether it counts, so only active ones are required.
		if a.Status != orgtypes.AccountStatusActive || inFile[id] || unmanaged[id] {
			continue
		}
		fs = append(fs, Finding{Check: "accounts", Account: id,
			Found: fmt.Sprintf("the organization's account %s (%s) is neither in the org file nor in compliance.unmanagedAccounts: the organization conformance pack fails in an account without a recorder", id, aws.ToString(a.Name)),
			Fix:   fmt.Sprintf("add it to accounts (palisade then deploys its recorder), or to compliance.unmanagedAccounts: [{id: %q, reason: ...}] (the pack excludes it)", id)})
	}
	for _, a := range e.Org.AllAccounts {
		if _, ok := inOrg[a.ID]; !ok {
			fs = append(fs, Finding{Check: "accounts", Account: a.ID, Found: fmt.Sprintf("the org file's account %s (%s) is not in the organization", a.Name, a.ID),
				Fix: "invite it (aws organizations invite-account-to-organization) or create it, or correct its id"})
		}
	}
	for _, id := range e.Org.Compliance.UnmanagedAccountIDs() {
		if _, ok := inOrg[id]; !ok {
			fs = append(fs, Finding{Check: "accounts", Account: id, Notice: true, Found: fmt.Sprintf("compliance.unmanagedAccounts lists %s, which is not in the organization", id),
				Fix: "drop it from compliance.unmanagedAccounts (excluding it is harmless)"})
		}
	}
	return fs, nil
}

// checkStackSetTargets: with deployment.stackSets, every target exists,
// and every workload account of the file is in one (in a target OU or an
// OU below it, or anywhere when the root is a target), since its log
// stacks come from the stack set alone: one outside would get none.
func checkStackSetTargets(ctx context.Context, e *Env) ([]Finding, error) {
	ss := e.Org.Deployment.StackSets
	if ss == nil {
		return nil, nil
	}
	roots, err := e.Orgs.ListRoots(ctx, &organizations.ListRootsInput{})
	if err != nil {
		return nil, err
	}
	root := ""
	if len(roots.Roots) > 0 {
		root = aws.ToString(roots.Roots[0].Id)
	}
	var fs []Finding
	targets := map[string]bool{}
	for _, t := range ss.Targets {
		switch {
		case strings.HasPrefix(t, "r-") && t != root:
			fs = append(fs, Finding{Check: "stack-set-targets", Found: fmt.Sprintf("deployment.stackSets.targets names the root %s, the organization's root is %s", t, root),
				Fix: fmt.Sprintf("replace %s with %s in %s", t, root, e.Org.Source)})
			continue
		case strings.HasPrefix(t, "ou-"):
			if _, err := e.Orgs.DescribeOrganizationalUnit(ctx, &organizations.DescribeOrganizationalUnitInput{OrganizationalUnitId: aws.String(t)}); err != nil {
				var nf *orgtypes.OrganizationalUnitNotFoundException
				if !errors.As(err, &nf) {
					return nil, err
				}
				fs = append(fs, Finding{Check: "stack-set-targets", Found: fmt.Sprintf("deployment.stackSets.targets names the OU %s, which the organization does not have", t),
					Fix: "create the OU (aws organizations create-organizational-unit) or correct its id"})
				continue
			}
		}
		targets[t] = true
	}
	if targets[root] {
		return fs, nil // every account is below the root
	}
	for _, a := range e.Org.Workloads() {
		in, err := underTargets(ctx, e.Orgs, a.ID, targets)
		if err != nil {
			return nil, err
		}
		if !in {
			fs = append(fs, Finding{Check: "stack-set-targets", Account: a.ID,
				Found: fmt.Sprintf("the workload account %s (%s) is in none of deployment.stackSets.targets (%s): its log stacks come from the stack set, which deploys only there", a.Name, a.ID, strings.Join(ss.Targets, ", ")),
				Fix:   fmt.Sprintf("move it into a target OU (aws organizations move-account --account-id %s ...), or add its OU to deployment.stackSets.targets", a.ID)})
		}
	}
	return fs, nil
}

// underTargets walks account's parents up to the root and reports whether
// one of them is a target. Each account and OU has exactly one parent (AWS
// Organizations API Reference, ListParents: "In the current release, a child
// can have only a single parent").
func underTargets(ctx context.Context, orgs Organizations, account string, targets map[string]bool) (bool, error) {
	child := account
	for range 6 { // the root, and at most five levels of OUs below it (AWS Organizations quotas: OU nesting depth 5)
		out, err := orgs.ListParents(ctx, &organizations.ListParentsInput{ChildId: aws.String(child)})
		if err != nil {
			return false, err
		}
		if len(out.Parents) == 0 {
			return false, nil
		}
		child = aws.ToString(out.Parents[0].Id)
		if targets[child] {
			return true, nil
		}
		if out.Parents[0].Type == orgtypes.ParentTypeRoot {
			return false, nil
		}
	}
	return false, nil
}

func checkTrustedAccess(ctx context.Context, e *Env) ([]Finding, error) {
	on := map[string]bool{}
	p := organizations.NewListAWSServiceAccessForOrganizationPaginator(e.Orgs, &organizations.ListAWSServiceAccessForOrganizationInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, s := range page.EnabledServicePrincipals {
			on[aws.ToString(s.ServicePrincipal)] = true
		}
	}
	var fs []Finding
	for _, sp := range ManualTrustedAccess {
		if !on[sp] {
			fs = append(fs, Finding{Check: "trusted-access", Found: fmt.Sprintf("trusted access for %s is off", sp),
				Fix: fmt.Sprintf("aws organizations enable-aws-service-access --service-principal %s (with the management account's credentials)", sp)})
		}
	}
	for _, sp := range StackTrustedAccess {
		if !on[sp] {
			fs = append(fs, Finding{Check: "trusted-access", Notice: true, Found: fmt.Sprintf("trusted access for %s is off", sp),
				Fix: "nothing: the home orgadmin stack turns it on before the organization trail"})
		}
	}
	return fs, nil
}

func checkDelegatedAdmins(ctx context.Context, e *Env) ([]Finding, error) {
	sec := e.Org.AccountByRole(config.RoleSecurity)
	var fs []Finding
	for _, d := range delegations {
		if !delegated(e.Org, d.principal) {
			continue
		}
		p := organizations.NewListDelegatedAdministratorsPaginator(e.Orgs, &organizations.ListDelegatedAdministratorsInput{ServicePrincipal: aws.String(d.principal)})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, err
			}
			for _, a := range page.DelegatedAdministrators {
				id := aws.ToString(a.Id)
				if id == sec.ID {
					continue // palisade's own, from an earlier deploy: a rerun succeeds
				}
				fs = append(fs, Finding{Check: "delegated-admin", Account: id,
					Found: fmt.Sprintf("account %s is already the delegated administrator of %s; palisade registers the security account (%s)", id, d.principal, sec.ID),
					Fix:   deregister(d.principal, d.disable, id)})
			}
		}
	}
	return fs, nil
}

func checkSCPNames(ctx context.Context, e *Env) ([]Finding, error) {
	if len(e.Org.Detection.PolicyTargets) == 0 {
		return nil, nil // no guardrails
	}
	names := GuardrailNames[:2]
	if e.Org.Detection.DenyOtherRegions {
		names = GuardrailNames
	}
	var fs []Finding
	p := organizations.NewListPoliciesPaginator(e.Orgs, &organizations.ListPoliciesInput{Filter: orgtypes.PolicyTypeServiceControlPolicy})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, pol := range page.Policies {
			name, id := aws.ToString(pol.Name), aws.ToString(pol.Id)
			if !slices.Contains(names, name) {
				continue
			}
			if e.Clients != nil {
				if _, mine := ownedByPalisade(ctx, e, id); mine {
					continue
				}
			}
			fs = append(fs, Finding{Check: "scp-name", Found: fmt.Sprintf("an SCP named %s (%s) exists and is not palisade's: the guardrail of that name cannot be created", name, id),
				Fix: fmt.Sprintf("rename or delete it (aws organizations update-policy --policy-id %s --name %s-old, or detach it and delete-policy --policy-id %s)", id, name, id)})
		}
	}
	return fs, nil
}

// checkStackSets, in the management account's home region with
// deployment.stackSets: a stack set of palisade's name that no palisade
// stack holds blocks (CreateStackSet refuses the name), and StackSets'
// trusted access being off is a notice (the home orgadmin stack activates
// it before the fanout stack deploys).
func checkStackSets(ctx context.Context, e *Env) ([]Finding, error) {
	if !e.Org.FansOut() || e.Account.Role != config.RoleManagement || e.Region != e.Org.HomeRegion {
		return nil, nil
	}
	var fs []Finding
	access, err := e.Clients.CloudFormation.DescribeOrganizationsAccess(ctx, &cloudformation.DescribeOrganizationsAccessInput{CallAs: cfntypes.CallAsSelf})
	if err != nil {
		return nil, err
	}
	if access.Status != cfntypes.OrganizationStatusEnabled {
		f := e.finding("stack-sets", fmt.Sprintf("StackSets' trusted access with AWS Organizations is %s", access.Status),
			"nothing: the home orgadmin stack activates it (ActivateOrganizationsAccess) before the fanout stack")
		f.Notice = true
		fs = append(fs, f)
	}
	name := deployplan.StackSetName(e.Org.Name, deployplan.Logs)
	out, err := e.Clients.CloudFormation.DescribeStackSet(ctx, &cloudformation.DescribeStackSetInput{StackSetName: aws.String(name), CallAs: cfntypes.CallAsSelf})
	var nf *cfntypes.StackSetNotFoundException
	switch {
	case errors.As(err, &nf):
		return fs, nil
	case err != nil:
		return nil, err
	}
	id := aws.ToString(out.StackSet.StackSetId)
	if stack, ok := ownedByPalisade(ctx, e, id); !ok {
		held := ""
		if stack != "" {
			held = " (it belongs to the stack " + stack + ")"
		}
		fs = append(fs, e.finding("stack-sets", fmt.Sprintf("a stack set named %s (%s) exists and is not palisade's%s: the fanout stack cannot create it", name, id, held),
			fmt.Sprintf("delete it (aws cloudformation delete-stack-instances for its instances, then delete-stack-set --stack-set-name %s), or choose another org name", name)))
	}
	return fs, nil
}

// checkFanOutCollision: with deployment.stackSets, a workload account
// still holding its per-account log stack (<org>-logs-<account>-<region>,
// from a deploy without stack sets) blocks: the stack set's instance would
// create the same named log groups, which exist (and stay, retained, if
// that stack is deleted).
func checkFanOutCollision(ctx context.Context, e *Env) ([]Finding, error) {
	if !e.Org.FansOut() || e.Account.Role != config.RoleWorkload {
		return nil, nil
	}
	name := deployplan.StackName(e.Org.Name, deployplan.Logs, e.Account.Name, e.Region)
	out, err := e.Clients.CloudFormation.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(name)})
	if notFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if len(out.Stacks) == 0 || out.Stacks[0].StackStatus == "DELETE_COMPLETE" {
		return nil, nil
	}
	return []Finding{e.finding("fanout-collision",
		fmt.Sprintf("the per-account log stack %s exists: with deployment.stackSets the stack set creates the same named log groups (%s) in this account, which fails while they exist", name, strings.Join(e.Org.Logging.ForwardLogGroups, ", ")),
		"move the log groups into the stack set (aws cloudformation import-stacks-to-stack-set; palisade does not automate it), or delete the stack and then its retained log groups (their logs are in the archive), or deploy without deployment.stackSets"),
	}, nil
}

func checkBootstrap(ctx context.Context, e *Env) ([]Finding, error) {
	_, err := e.Clients.CloudFormation.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(toolkit)})
	if notFound(err) {
		return []Finding{e.finding("bootstrap", "the environment is not bootstrapped (no CDKToolkit stack)",
			fmt.Sprintf("run this account's commands of `palisade bootstrap-plan -org %s`", e.Org.Source))}, nil
	}
	return nil, err
}

func checkRecorder(ctx context.Context, e *Env) ([]Finding, error) {
	out, err := e.Clients.Config.DescribeConfigurationRecorders(ctx, &configservice.DescribeConfigurationRecordersInput{})
	if err != nil {
		return nil, err
	}
	var fs []Finding
	for _, r := range out.ConfigurationRecorders {
		name := aws.ToString(r.Name)
		if _, mine := ownedByPalisade(ctx, e, name); mine {
			continue
		}
		fs = append(fs, e.finding("config-recorder", fmt.Sprintf("a configuration recorder %q exists; AWS Config allows one per account and region, so palisade's cannot be created", name),
			fmt.Sprintf("if nothing else needs it (Control Tower, another tool), delete it: aws configservice delete-configuration-recorder --configuration-recorder-name %s --region %s; palisade records every supported resource in its place", name, e.Region)))
	}
	return fs, nil
}

func checkChannel(ctx context.Context, e *Env) ([]Finding, error) {
	out, err := e.Clients.Config.DescribeDeliveryChannels(ctx, &configservice.DescribeDeliveryChannelsInput{})
	if err != nil {
		return nil, err
	}
	var fs []Finding
	for _, c := range out.DeliveryChannels {
		name := aws.ToString(c.Name)
		if _, mine := ownedByPalisade(ctx, e, name); mine {
			continue
		}
		fs = append(fs, e.finding("delivery-channel", fmt.Sprintf("a delivery channel %q (to bucket %s) exists; AWS Config allows one per account and region", name, aws.ToString(c.S3BucketName)),
			fmt.Sprintf("delete it with its recorder: aws configservice delete-delivery-channel --delivery-channel-name %s --region %s; palisade delivers to the region's log archive", name, e.Region)))
	}
	return fs, nil
}

// roleExists reports whether the IAM role name exists.
func roleExists(ctx context.Context, e *Env, name string) (bool, error) {
	_, err := e.Clients.IAM.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	var nse *iamtypes.NoSuchEntityException
	if errors.As(err, &nse) {
		return false, nil
	}
	return err == nil, err
}

func checkConfigRole(ctx context.Context, e *Env) ([]Finding, error) {
	exists, err := roleExists(ctx, e, configRoleName)
	if err != nil {
		return nil, err
	}
	create := e.Org.Compliance.CreateConfigRole
	switch {
	case exists && create:
		if _, mine := ownedByPalisade(ctx, e, configRoleName); mine {
			return nil, nil
		}
		return []Finding{e.finding("config-role", fmt.Sprintf("AWS Config's service-linked role %s exists (Control Tower, an earlier recorder, or a service that made it), and compliance.createConfigRole is true: creating it again fails", configRoleName),
			fmt.Sprintf("set compliance.createConfigRole: false in %s (the recorders use the existing role)", e.Org.Source))}, nil
	case !exists && !create:
		return []Finding{e.finding("config-role", fmt.Sprintf("AWS Config's service-linked role %s does not exist, and compliance.createConfigRole is false: the recorders have no role", configRoleName),
			"set compliance.createConfigRole: true, or create it: aws iam create-service-linked-role --aws-service-name config.amazonaws.com")}, nil
	}
	return nil, nil
}

// sessionsAccount reports whether palisade deploys Session Manager (and
// Default Host Management) in the account: the security and workload
// accounts (stacks/build.go).
func sessionsAccount(a config.Account) bool { return a.Role != config.RoleManagement }

func checkDHMRole(ctx context.Context, e *Env) ([]Finding, error) {
	if !sessionsAccount(e.Account) {
		return nil, nil
	}
	exists, err := roleExists(ctx, e, DefaultHostManagementRoleName)
	if err != nil || !exists {
		return nil, err
	}
	if _, mine := ownedByPalisade(ctx, e, DefaultHostManagementRoleName); mine {
		return nil, nil
	}
	return []Finding{e.finding("default-host-management-role", fmt.Sprintf("the role %s exists (Quick Setup or an earlier Default Host Management set-up made it); palisade creates a role of that name", DefaultHostManagementRoleName),
		fmt.Sprintf("if its trust and policy are the managed ones (AmazonSSMManagedEC2InstanceDefaultPolicy), delete it and let palisade recreate it: aws iam detach-role-policy and aws iam delete-role --role-name %s", DefaultHostManagementRoleName))}, nil
}

func checkDHMSetting(ctx context.Context, e *Env) ([]Finding, error) {
	if !sessionsAccount(e.Account) {
		return nil, nil
	}
	out, err := e.Clients.SSM.GetServiceSetting(ctx, &ssm.GetServiceSettingInput{SettingId: aws.String(DefaultHostManagementSetting)})
	if err != nil {
		var api smithy.APIError
		if errors.As(err, &api) && api.ErrorCode() == "ServiceSettingNotFound" {
			return nil, nil
		}
		return nil, err
	}
	v := ""
	if out.ServiceSetting != nil {
		v = aws.ToString(out.ServiceSetting.SettingValue)
	}
	if v == "" || v == "$None" || strings.HasSuffix(v, DefaultHostManagementRoleName) {
		return nil, nil
	}
	return []Finding{{Check: "default-host-management-setting", Account: e.Account.ID, Region: e.Region, Notice: true,
		Found: fmt.Sprintf("Default Host Management is set to the role %s; palisade sets it to %s", v, DefaultHostManagementRoleName),
		Fix:   "nothing, if that is intended: instances are then managed with palisade's role"}}, nil
}

func checkDetector(ctx context.Context, e *Env) ([]Finding, error) {
	out, err := e.Clients.GuardDuty.ListDetectors(ctx, &guardduty.ListDetectorsInput{})
	if err != nil {
		return nil, err
	}
	var fs []Finding
	for _, id := range out.DetectorIds {
		if _, mine := ownedByPalisade(ctx, e, id); mine {
			continue
		}
		// palisade creates no detector: the security account's detect stack
		// adopts the one there (GuardDuty allows one per account and
		// Region), and the administrator enrolls the others' as members
		// (GuardDuty User Guide, "Managing GuardDuty accounts with AWS
		// Organizations"). An existing detector is worth knowing, not a
		// blocker.
		f := e.finding("guardduty-detector", fmt.Sprintf("a GuardDuty detector %s exists", id),
			"nothing: palisade adopts it (security account) or the organization's GuardDuty administrator enrolls it as a member, with the org's features")
		f.Notice = true
		fs = append(fs, f)
	}
	return fs, nil
}

func checkArchiveBucket(ctx context.Context, e *Env) ([]Finding, error) {
	if e.Account.Role != config.RoleSecurity {
		return nil, nil
	}
	name := e.Org.ArchiveBucketName(e.Region)
	_, err := e.Clients.S3.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(name), ExpectedBucketOwner: aws.String(e.Account.ID)})
	status := httpStatus(err)
	evidence := fmt.Sprintf("HeadBucket: %d", status)
	if err == nil {
		// HeadBucket with ExpectedBucketOwner answers 403 when another
		// account owns the bucket (S3 User Guide, "Verifying bucket
		// ownership with bucket owner condition"); ListBuckets, which
		// lists only the caller's own buckets (S3 API Reference,
		// ListBuckets), confirms the owner for an endpoint that ignores
		// the condition.
		owns, lerr := ownsBucket(ctx, e.Clients.S3, name)
		if lerr != nil {
			return nil, lerr
		}
		if !owns {
			status, evidence = 403, "not among the security account's buckets"
		}
	}
	switch {
	case err == nil && status != 403:
		if _, mine := ownedByPalisade(ctx, e, name); mine {
			return nil, nil
		}
		return []Finding{e.finding("archive-bucket", fmt.Sprintf("the security account already has a bucket %s that no palisade stack holds: the log archive cannot be created", name),
			fmt.Sprintf("empty and delete it (aws s3 rb s3://%s), or choose another org name (name: in %s; the bucket is <name>-logs-<security account>-<region>)", name, e.Org.Source))}, nil
	case status == 404:
		return nil, nil
	case status == 403 || status == 301:
		// 403: it exists and the security account does not own it; 301:
		// it exists in another region (HeadBucket redirects to the
		// bucket's region), whoever owns it. Either way the name is taken.
		what := "taken by another owner"
		if status == 301 {
			what = "taken in another region (by another owner, or by the security account itself)"
		}
		return []Finding{e.finding("archive-bucket", fmt.Sprintf("the bucket name %s is %s (%s)", name, what, evidence),
			fmt.Sprintf("choose another org name (name: in %s): bucket names are global, and the archive's is <name>-logs-<security account>-<region>", e.Org.Source))}, nil
	}
	return nil, err
}

func ownsBucket(ctx context.Context, c S3, name string) (bool, error) {
	p := s3.NewListBucketsPaginator(c, &s3.ListBucketsInput{Prefix: aws.String(name)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return false, err
		}
		if slices.ContainsFunc(page.Buckets, func(b s3types.Bucket) bool { return aws.ToString(b.Name) == name }) {
			return true, nil
		}
	}
	return false, nil
}

func checkLambdaConcurrency(ctx context.Context, e *Env) ([]Finding, error) {
	out, err := e.Clients.Lambda.GetAccountSettings(ctx, &lambda.GetAccountSettingsInput{})
	if err != nil {
		return nil, err
	}
	if out.AccountLimit == nil || out.AccountLimit.ConcurrentExecutions >= 100 {
		return nil, nil
	}
	// palisade's functions reserve no concurrency (constructs/customrule:
	// Lambda keeps 100 unreserved, so any reservation fails under a quota
	// this low), so the quota blocks nothing; throttled Config evaluations
	// wait in Lambda's asynchronous queue.
	return []Finding{{Check: "lambda-concurrency", Account: e.Account.ID, Region: e.Region, Notice: true,
		Found: fmt.Sprintf("the account's Lambda concurrency quota is %d (new accounts may start below the default 1,000)", out.AccountLimit.ConcurrentExecutions),
		Fix:   "nothing blocks the deploy; for the account's own functions, request an increase: aws service-quotas request-service-quota-increase --service-code lambda --quota-code L-B99A9384 --desired-value 1000"}}, nil
}

// notFound reports whether err is CloudFormation's answer for a stack that
// does not exist (ValidationError "Stack with id X does not exist").
func notFound(err error) bool {
	var api smithy.APIError
	return errors.As(err, &api) && api.ErrorCode() == "ValidationError" && strings.Contains(api.ErrorMessage(), "does not exist")
}

func httpStatus(err error) int {
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}
