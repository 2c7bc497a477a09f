package e2e

// The fan-out (deployment.stackSets, issue 16): the options org deploys its
// workload accounts' log stacks through a service-managed stack set to an
// OU that the lane creates, holding the file's workload account and
// fanOutN more, which are in no stack of the CDK app: they get their
// stacks from StackSets alone. After the deploy an account created in the
// OU gets its stacks without anything deployed again, and one moved out
// keeps them (retainStacksOnRemoval: true) while its instances go.
//
// The accounts outside the file get only what the stack sets carry (today
// the log stack: the forwarded log groups subscribed to the drain), not a
// recorder, so the generated org file lists them as
// compliance.unmanagedAccounts for the organization conformance pack to
// exclude: until the baseline stack is a stack set too, that is what an
// account the file does not name must be (README, deploy section).

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"

	"github.com/palisade-sec/palisade/config"
	"github.com/palisade-sec/palisade/deployplan"
)

// The lane puts -fanout-accounts (fanOutN, 10 by default) accounts beside
// the file's in the target OU: with the options org's one workload
// account, the stack set deploys to 11 workload accounts in CI; make
// e2e-scale N=50 deploys to 51.

// fanOutAccountID is the id of the lane's i-th account outside the file.
func fanOutAccountID(i int) string { return fmt.Sprintf("5555%08d", i) }

// fanOut is what the lane made for the stack sets: the OU and the accounts
// in it that the file does not name.
type fanOut struct {
	root, ou string
	extra    []string // account ids
}

// createFanOutOU creates the OU the stack sets target, moves the file's
// workload accounts into it and creates fanOutN more there, as a
// platform team's "workloads" OU holds accounts that palisade's file does
// not list.
func (l *lane) createFanOutOU(ctx context.Context, orgs *organizations.Client) error {
	roots, err := orgs.ListRoots(ctx, &organizations.ListRootsInput{})
	if err != nil {
		return fmt.Errorf("listing the organization's root: %w", err)
	}
	if len(roots.Roots) != 1 {
		return fmt.Errorf("the organization has %d roots, want 1", len(roots.Roots))
	}
	f := &fanOut{root: aws.ToString(roots.Roots[0].Id)}
	ou, err := orgs.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: aws.String(f.root), Name: aws.String("workloads")})
	if err != nil {
		return fmt.Errorf("creating the workloads OU: %w", err)
	}
	f.ou = aws.ToString(ou.OrganizationalUnit.Id)
	var ids []string
	for _, a := range l.org.Workloads() {
		ids = append(ids, a.ID)
	}
	for i := range *fanOutN {
		id := fanOutAccountID(i)
		if err := l.createAccount(ctx, orgs, fmt.Sprintf("fanout-%d", i), id); err != nil {
			return err
		}
		f.extra = append(f.extra, id)
		ids = append(ids, id)
	}
	for _, id := range ids {
		if _, err := orgs.MoveAccount(ctx, &organizations.MoveAccountInput{AccountId: aws.String(id), SourceParentId: aws.String(f.root), DestinationParentId: aws.String(f.ou)}); err != nil {
			return fmt.Errorf("moving account %s into the workloads OU: %w", id, err)
		}
	}
	l.fanOut = f
	l.logf("stack set target: OU %s with %d workload accounts (%d outside the file)", f.ou, len(ids), len(f.extra))
	return nil
}

// fanOutEdits are the generated org file's changes for the fan-out: the
// emulator's OU as the target, and the accounts outside the file as
// unmanaged (with the file's own).
func (l *lane) fanOutEdits() map[string]any {
	if l.fanOut == nil {
		return nil
	}
	unmanaged := []map[string]string{}
	for _, u := range l.org.Compliance.UnmanagedAccounts {
		unmanaged = append(unmanaged, map[string]string{"id": u.ID, "reason": u.Reason})
	}
	for _, id := range l.fanOut.extra {
		unmanaged = append(unmanaged, map[string]string{"id": id, "reason": "in the workloads OU: the stack sets' stacks only, no recorder"})
	}
	return map[string]any{
		"deployment.stackSets.targets": []string{l.fanOut.ou},
		"compliance.unmanagedAccounts": unmanaged,
	}
}

// fanOutArrived checks that every account of the OU has the stack set's
// instance in every region, CURRENT, and its stack there, complete, with
// every forwarded log group subscribed to the region's drain.
func (l *lane) fanOutArrived(ctx context.Context, accounts []string) error {
	var errs []string
	for _, set := range l.stackSets() {
		for _, id := range accounts {
			for _, r := range set.Regions {
				if err := l.instanceDeployed(ctx, set, id, r); err != nil {
					errs = append(errs, err.Error())
				}
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("the stack sets did not arrive:\n  %s", strings.Join(errs, "\n  "))
	}
	return nil
}

// stackSets are the plan's stack sets (the fanout stack's).
func (l *lane) stackSets() []deployplan.StackSetProps { return deployplan.New(l.org).StackSets() }

// instanceDeployed checks one account's and region's instance of set.
func (l *lane) instanceDeployed(ctx context.Context, set deployplan.StackSetProps, account, region string) error {
	home := l.org.HomeRegion
	cfn := cloudformation.NewFromConfig(sdkConfig(l.emu.Endpoint, home, l.mgmt))
	out, err := cfn.DescribeStackInstance(ctx, &cloudformation.DescribeStackInstanceInput{
		StackSetName: aws.String(set.Name), StackInstanceAccount: aws.String(account), StackInstanceRegion: aws.String(region), CallAs: cfntypes.CallAsSelf,
	})
	if err != nil {
		return fmt.Errorf("%s %s: stack set %s: no instance: %v", account, region, set.Name, err)
	}
	inst := out.StackInstance
	if inst.Status != cfntypes.StackInstanceStatusCurrent {
		return fmt.Errorf("%s %s: stack set %s: instance %s (%s)", account, region, set.Name, inst.Status, aws.ToString(inst.StatusReason))
	}
	creds, err := assumeRole(ctx, l.emu.Endpoint, home, l.mgmt, account, memberRole)
	if err != nil {
		return fmt.Errorf("%s: %w", account, err)
	}
	stacks, err := cloudformation.NewFromConfig(sdkConfig(l.emu.Endpoint, region, creds)).DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: inst.StackId})
	if err != nil || len(stacks.Stacks) != 1 {
		return fmt.Errorf("%s %s: the instance's stack %s: %v", account, region, aws.ToString(inst.StackId), err)
	}
	st := stacks.Stacks[0]
	if !strings.HasPrefix(aws.ToString(st.StackName), "StackSet-"+set.Name+"-") || st.StackStatus != cfntypes.StackStatusCreateComplete && st.StackStatus != cfntypes.StackStatusUpdateComplete {
		return fmt.Errorf("%s %s: stack %s is %s", account, region, aws.ToString(st.StackName), st.StackStatus)
	}
	logs := cloudwatchlogs.NewFromConfig(sdkConfig(l.emu.Endpoint, region, creds))
	want := l.org.LogDestinationArn(l.org.Partition(), region)
	for _, group := range l.org.Logging.ForwardLogGroups {
		filters, err := logs.DescribeSubscriptionFilters(ctx, &cloudwatchlogs.DescribeSubscriptionFiltersInput{LogGroupName: aws.String(group)})
		if err != nil {
			return fmt.Errorf("%s %s: log group %s: %v", account, region, group, err)
		}
		if !slices.ContainsFunc(filters.SubscriptionFilters, func(f cwtypes.SubscriptionFilter) bool { return aws.ToString(f.DestinationArn) == want }) {
			return fmt.Errorf("%s %s: log group %s is not subscribed to the drain %s", account, region, group, want)
		}
	}
	return nil
}

// newAccountGetsTheFanOut creates an account in the target OU after the
// deploy and checks that its stacks arrive with nothing deployed again;
// then moves it out and checks that, with retainStacksOnRemoval, its
// stacks stay while its instances go.
func (l *lane) newAccountGetsTheFanOut(ctx context.Context) error {
	orgs := organizations.NewFromConfig(sdkConfig(l.emu.Endpoint, l.org.HomeRegion, l.mgmt))
	id := fanOutAccountID(*fanOutN)
	if err := l.createAccount(ctx, orgs, "newcomer", id); err != nil {
		return err
	}
	if _, err := orgs.MoveAccount(ctx, &organizations.MoveAccountInput{AccountId: aws.String(id), SourceParentId: aws.String(l.fanOut.root), DestinationParentId: aws.String(l.fanOut.ou)}); err != nil {
		return fmt.Errorf("moving the new account into the OU: %w", err)
	}
	if err := l.fanOutArrived(ctx, []string{id}); err != nil {
		return fmt.Errorf("an account created in the target OU after the deploy: %w", err)
	}
	if _, err := orgs.MoveAccount(ctx, &organizations.MoveAccountInput{AccountId: aws.String(id), SourceParentId: aws.String(l.fanOut.ou), DestinationParentId: aws.String(l.fanOut.root)}); err != nil {
		return fmt.Errorf("moving the new account out of the OU: %w", err)
	}
	cfn := cloudformation.NewFromConfig(sdkConfig(l.emu.Endpoint, l.org.HomeRegion, l.mgmt))
	creds, err := assumeRole(ctx, l.emu.Endpoint, l.org.HomeRegion, l.mgmt, id, memberRole)
	if err != nil {
		return err
	}
	for _, set := range l.stackSets() {
		insts, err := cfn.ListStackInstances(ctx, &cloudformation.ListStackInstancesInput{StackSetName: aws.String(set.Name), StackInstanceAccount: aws.String(id), CallAs: cfntypes.CallAsSelf})
		if err != nil {
			return err
		}
		for _, in := range insts.Summaries {
			if aws.ToString(in.Account) == id {
				return fmt.Errorf("stack set %s: the account moved out of the OU still has its instance in %s", set.Name, aws.ToString(in.Region))
			}
		}
		for _, r := range set.Regions {
			stacks, err := cloudformation.NewFromConfig(sdkConfig(l.emu.Endpoint, r, creds)).ListStacks(ctx, &cloudformation.ListStacksInput{
				StackStatusFilter: []cfntypes.StackStatus{cfntypes.StackStatusCreateComplete, cfntypes.StackStatusUpdateComplete}})
			if err != nil {
				return err
			}
			kept := slices.ContainsFunc(stacks.StackSummaries, func(s cfntypes.StackSummary) bool {
				return strings.HasPrefix(aws.ToString(s.StackName), "StackSet-"+set.Name+"-")
			})
			if want := l.org.Deployment.StackSets.RetainStacksOnRemoval; kept != want {
				return fmt.Errorf("stack set %s, %s: the account moved out of the OU kept its stack: %v, want %v (retainStacksOnRemoval)", set.Name, r, kept, want)
			}
		}
	}
	l.logf("account %s created in OU %s got the stack sets' stacks; moved out, it kept them (retainStacksOnRemoval: %v)", id, l.fanOut.ou, l.org.Deployment.StackSets.RetainStacksOnRemoval)
	return nil
}

// stackSetStacks are the stacks StackSets deployed in the file's workload
// accounts for the plan's stack sets (StackSet-<set>-<uuid>), with their
// resources.
func (v *verifier) stackSetStacks(ctx context.Context) ([]heldStack, error) {
	var out []heldStack
	for _, set := range deployplan.New(v.org).StackSets() {
		for _, a := range v.org.Workloads() {
			for _, r := range set.Regions {
				cl := newClients(v.endpoint, a.ID, r, v.creds[a.ID])
				list, err := cl.cfn.ListStacks(ctx, &cloudformation.ListStacksInput{
					StackStatusFilter: []cfntypes.StackStatus{cfntypes.StackStatusCreateComplete, cfntypes.StackStatusUpdateComplete}})
				if err != nil {
					return nil, fmt.Errorf("%s %s: listing stacks: %w", a.ID, r, err)
				}
				for _, st := range list.StackSummaries {
					name := aws.ToString(st.StackName)
					if !strings.HasPrefix(name, "StackSet-"+set.Name+"-") {
						continue
					}
					summaries, err := stackResources(ctx, cl, name)
					if err != nil {
						return nil, err
					}
					res := resources{}
					for _, x := range summaries {
						res[aws.ToString(x.ResourceType)] = append(res[aws.ToString(x.ResourceType)], x)
					}
					out = append(out, heldStack{name, a.ID, r, res})
				}
			}
		}
	}
	return out, nil
}

// accounts are the file's workload accounts and the lane's others in the
// OU.
func (f *fanOut) accounts(org *config.Org) []string {
	var ids []string
	for _, a := range org.Workloads() {
		ids = append(ids, a.ID)
	}
	return append(ids, f.extra...)
}
