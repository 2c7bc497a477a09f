package e2e

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"

	"github.com/palisade-sec/palisade/stacks"
	"github.com/palisade-sec/palisade/test/emulator"
)

// Rerun after a failure (issue 15): a first deploy into a real
// organization can fail half-way (a throttled call, a quota, a collision
// found late); CloudFormation rolls the failed stack back and the operator
// reruns the deploy. The lane makes one deploy-time call of one stack fail
// (emulator fault injection): GuardDuty's delegated-administrator
// designation in the management account's home orgadmin stack, a
// Custom::AWS call of the first wave with Organizations writes around it.
// The deploy must fail there, with that stack rolled back; the lane's
// deploy then reruns every wave and must end green with nothing left
// behind (nothingLeftBehind).

// injectedFault is the call the first deploy fails at.
func (l *lane) injectedFault() emulator.Fault {
	m := l.management()
	return emulator.Fault{
		Call:    "GuardDuty:EnableOrganizationAdminAccount",
		Account: m.ID,
		Region:  l.org.HomeRegion,
		Stack:   stacks.StackName(l.org.Name, "orgadmin", m.Name, l.org.HomeRegion),
		// GuardDuty's own server error (EnableOrganizationAdminAccount,
		// Errors): what a transient failure looks like.
		Code:    "InternalServerErrorException",
		Message: "injected by the deploy lane: the first deploy fails here and is rerun",
	}
}

// deployFailingOnce injects the fault, deploys the waves and checks that
// the deploy failed at the fault: the fault fired, in its stack, and that
// stack was rolled back. Every other outcome is an error.
func (l *lane) deployFailingOnce(ctx context.Context, asm *assembly) error {
	f := l.injectedFault()
	if err := l.emu.InjectFault(ctx, f); err != nil {
		return err
	}
	deployErr := l.deployWaves(ctx, asm)
	faults, err := l.emu.Faults(ctx)
	if err != nil {
		return err
	}
	if len(faults) != 1 || !faults[0].Fired {
		return fmt.Errorf("the injected fault (%s in stack %s) did not fire (faults %+v); the deploy said: %v",
			f.Call, f.Stack, faults, deployErr)
	}
	if deployErr == nil {
		return fmt.Errorf("the deploy succeeded although %s failed in stack %s", f.Call, f.Stack)
	}
	l.logf("the deploy failed as injected (%s in %s): %v", f.Call, f.Stack, lastLines(deployErr.Error(), 3))
	cfn := newClients(l.emu.Endpoint, f.Account, f.Region, l.creds[f.Account]).cfn
	d, err := cfn.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(f.Stack)})
	if err != nil {
		return fmt.Errorf("stack %s after the failed deploy: %w", f.Stack, err)
	}
	if st := d.Stacks[0].StackStatus; st != cfntypes.StackStatusRollbackComplete && st != cfntypes.StackStatusUpdateRollbackComplete {
		return fmt.Errorf("stack %s is %s after the injected failure, want it rolled back (ROLLBACK_COMPLETE)", f.Stack, st)
	}
	return nil
}

// failedStatuses are the states a rerun must leave no stack in.
var failedStatuses = []cfntypes.StackStatus{
	cfntypes.StackStatusCreateFailed, cfntypes.StackStatusRollbackFailed, cfntypes.StackStatusRollbackComplete,
	cfntypes.StackStatusRollbackInProgress, cfntypes.StackStatusDeleteFailed, cfntypes.StackStatusUpdateRollbackFailed,
	cfntypes.StackStatusUpdateRollbackComplete, cfntypes.StackStatusUpdateFailed, cfntypes.StackStatusCreateInProgress,
	cfntypes.StackStatusUpdateInProgress, cfntypes.StackStatusReviewInProgress,
}

// nothingLeftBehind checks, after the rerun, every account and region of
// the assembly: no stack is left failed, rolled back or half-done, and every
// service control policy in the organization is a resource of a deployed
// stack (an SCP of the rolled-back attempt that outlived it would be
// attached, and counted against each target's five, with no stack to
// remove it). What the rolled-back stack's calls left in the services
// (delegations) the verify step checks against the org file.
func (l *lane) nothingLeftBehind(ctx context.Context, asm *assembly) error {
	var errs []error
	owned := map[string]bool{}
	for _, e := range asm.environments(l.org) {
		c := newClients(l.emu.Endpoint, e.account, e.region, l.creds[e.account])
		p := cloudformation.NewListStacksPaginator(c.cfn, &cloudformation.ListStacksInput{})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return fmt.Errorf("%s %s: listing stacks: %w", e.account, e.region, err)
			}
			for _, s := range page.StackSummaries {
				if slices.Contains(failedStatuses, s.StackStatus) {
					errs = append(errs, fmt.Errorf("%s %s: stack %s left %s after the rerun (%s)", e.account, e.region,
						aws.ToString(s.StackName), s.StackStatus, aws.ToString(s.StackStatusReason)))
				}
			}
		}
		for _, s := range asm.stacks {
			if s.account != e.account || s.region != e.region {
				continue
			}
			res, err := stackResources(ctx, c, s.name)
			if err != nil {
				return fmt.Errorf("%s %s %s: %w", e.account, e.region, s.name, err)
			}
			for _, r := range res {
				if aws.ToString(r.ResourceType) == "AWS::Organizations::Policy" {
					owned[aws.ToString(r.PhysicalResourceId)] = true
				}
			}
		}
	}
	orgs := organizations.NewFromConfig(sdkConfig(l.emu.Endpoint, l.org.HomeRegion, l.mgmt))
	p := organizations.NewListPoliciesPaginator(orgs, &organizations.ListPoliciesInput{Filter: orgtypes.PolicyTypeServiceControlPolicy})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("listing the organization's SCPs: %w", err)
		}
		for _, pol := range page.Policies {
			if !pol.AwsManaged && !owned[aws.ToString(pol.Id)] {
				errs = append(errs, fmt.Errorf("SCP %s (%s) is in the organization but in no deployed stack: left behind by the failed deploy",
					aws.ToString(pol.Name), aws.ToString(pol.Id)))
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("after the rerun: %w", errors.Join(errs...))
	}
	l.logf("after the rerun: no stack failed or half-done in %d environments; all %d SCPs belong to a stack", len(asm.environments(l.org)), len(owned))
	return nil
}

// rerunReport names the injected fault for the step log.
func (l *lane) rerunReport() string {
	f := l.injectedFault()
	return strings.Join([]string{f.Call, "in", f.Stack}, " ")
}
