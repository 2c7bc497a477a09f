package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"

	"github.com/palisade-sec/palisade/config"
	"github.com/palisade-sec/palisade/deployplan"
	"github.com/palisade-sec/palisade/test/emulator"
)

// The security layer, checked across accounts: GuardDuty (the security
// account the organization's administrator in every region, its detector
// with the org file's features, publishing findings to the archive,
// members auto-enabled), Security Hub in the home region (delegated
// administrator, finding aggregator, hub), IAM Access Analyzer's
// organization analyzer and its delegation, the alerts topic and the rules
// that feed it, and the guardrail SCPs in the management account.
//
// GuardDuty, Security Hub, SNS and EventBridge are read through their wire
// APIs, signed like the SDK's clients (as Firehose in logging_test.go),
// rather than add an SDK module per service for a few reads.

// first returns the first stack of account and region holding a resource of
// typ, and that resource's physical id and label; or "" and a label naming
// typ alone.
func (h *held) first(account, region, typ string) (stack, id, label string) {
	for _, s := range h.stacks {
		if s.account == account && s.region == region && len(s.res[typ]) > 0 {
			id := aws.ToString(s.res[typ][0].PhysicalResourceId)
			return s.name, id, s.res.label(id, typ)
		}
	}
	return "", "", "[" + typ + "]"
}

// security runs every security-layer check.
func (v *verifier) security(ctx context.Context, asm *assembly) ([]*target, error) {
	h, err := v.heldResources(ctx, asm)
	if err != nil {
		return nil, err
	}
	var out []*target
	for _, r := range v.org.Regions {
		t, err := v.guardDuty(ctx, h, r)
		if err != nil {
			return nil, fmt.Errorf("%s: GuardDuty: %w", r, err)
		}
		out = append(out, t)
		if t, err = v.inspector(ctx, h, r); err != nil {
			return nil, fmt.Errorf("%s: Inspector: %w", r, err)
		}
		out = append(out, t)
	}
	for _, check := range []func(context.Context, *held) (*target, error){v.securityHub, v.accessAnalyzer, v.alerts, v.guardrails} {
		t, err := check(ctx, h)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// guardDuty checks GuardDuty in region: the security account is the
// organization's administrator; its detector runs the org file's features,
// publishes findings to the region's archive under guardduty/ with a KMS
// key, and enables every member.
func (v *verifier) guardDuty(ctx context.Context, h *held, region string) (*target, error) {
	sec := v.org.AccountByRole(config.RoleSecurity).ID
	mgmt := v.org.Management().ID
	l := newLogChecker("GuardDuty", sec, region)

	l.c.start("delegated administrator")
	var admins struct {
		AdminAccounts []struct{ AdminAccountId, AdminStatus string }
	}
	if err := v.rest(ctx, mgmt, region, "guardduty", http.MethodGet, "/admin", nil, &admins); err != nil {
		return nil, err
	}
	astack, _, _ := h.first(mgmt, region, "Custom::AWS")
	var got []string
	for _, a := range admins.AdminAccounts {
		got = append(got, a.AdminAccountId+" "+a.AdminStatus)
	}
	if !slices.Contains(got, sec+" ENABLED") {
		l.failIn(astack, "GuardDuty organization admin of "+mgmt, "is %s, want %s ENABLED", orNone(got), sec)
	}
	l.c.seen("%s (management account %s, %s)", orNone(got), mgmt, astack)

	l.c.start("detector")
	var ids struct{ DetectorIds []string }
	if err := v.rest(ctx, sec, region, "guardduty", http.MethodGet, "/detector", nil, &ids); err != nil {
		return nil, err
	}
	if len(ids.DetectorIds) != 1 {
		stack, _, label := h.first(sec, region, "AWS::GuardDuty::Detector")
		l.failIn(stack, label, "the security account has %d detectors here, want 1", len(ids.DetectorIds))
		return l.t, nil
	}
	id := ids.DetectorIds[0]
	stack, label := h.find(sec, region, "AWS::GuardDuty::Detector", id)
	var det struct {
		Status   string
		Features []struct{ Name, Status string }
	}
	if err := v.rest(ctx, sec, region, "guardduty", http.MethodGet, "/detector/"+id, nil, &det); err != nil {
		return nil, err
	}
	if det.Status != "ENABLED" {
		l.failIn(stack, label, "status %q, want ENABLED", det.Status)
	}
	want := v.org.Detection.GuardDutyFeatures
	var enabled []string
	for _, f := range det.Features {
		if f.Status == "ENABLED" {
			enabled = append(enabled, f.Name)
		}
	}
	slices.Sort(enabled)
	wantSorted := slices.Sorted(slices.Values(want))
	if !slices.Equal(enabled, wantSorted) {
		l.failIn(stack, label, "features enabled: %s, want %s (security.guardDutyFeatures)", orNone(enabled), orNone(wantSorted))
	}
	l.c.seen("%s in %s: %s, features %s", id, stack, det.Status, orNone(enabled))

	l.c.start("publishing destination")
	wantDest := fmt.Sprintf("arn:aws:s3:::%s/guardduty", v.org.ArchiveBucketName(region))
	var dests struct {
		Destinations []struct{ DestinationId string }
	}
	if err := v.rest(ctx, sec, region, "guardduty", http.MethodGet, "/detector/"+id+"/publishingDestination", nil, &dests); err != nil {
		return nil, err
	}
	var seen []string
	ok := false
	for _, d := range dests.Destinations {
		var dd struct {
			DestinationType       string
			DestinationProperties struct{ DestinationArn, KmsKeyArn string }
		}
		if err := v.rest(ctx, sec, region, "guardduty", http.MethodGet, "/detector/"+id+"/publishingDestination/"+d.DestinationId, nil, &dd); err != nil {
			return nil, err
		}
		dp := dd.DestinationProperties
		seen = append(seen, dp.DestinationArn)
		if dp.DestinationArn != wantDest {
			continue
		}
		ok = true
		dstack, dlabel := h.find(sec, region, "AWS::GuardDuty::PublishingDestination", d.DestinationId)
		if dp.KmsKeyArn == "" {
			l.failIn(dstack, dlabel, "publishes to %s without a KMS key", wantDest)
			continue
		}
		parts := strings.Split(dp.KmsKeyArn, ":")
		if len(parts) < 6 || parts[2] != "kms" {
			l.failIn(dstack, dlabel, "KMS key %q is not a KMS key ARN", dp.KmsKeyArn)
			continue
		}
		kc := newClients(v.endpoint, parts[4], parts[3], v.creds[parts[4]]).kms
		if _, err := kc.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(dp.KmsKeyArn)}); err != nil {
			l.failIn(dstack, dlabel, "KMS key %s does not exist: %v", dp.KmsKeyArn, err)
		}
		l.c.seen("%s to %s with %s", dd.DestinationType, dp.DestinationArn, dp.KmsKeyArn)
	}
	if !ok {
		l.failIn(stack, label, "publishes findings to %s, want %s with a KMS key", orNone(seen), wantDest)
	}

	l.c.start("organization configuration")
	var oc struct {
		AutoEnableOrganizationMembers string
		Features                      []struct{ Name, AutoEnable string }
	}
	if err := v.rest(ctx, sec, region, "guardduty", http.MethodGet, "/detector/"+id+"/admin", nil, &oc); err != nil {
		return nil, err
	}
	if oc.AutoEnableOrganizationMembers != "ALL" {
		l.failIn(stack, label, "organization configuration auto-enables members %q, want ALL", oc.AutoEnableOrganizationMembers)
	}
	var auto []string
	for _, f := range oc.Features {
		if f.AutoEnable == "ALL" || f.AutoEnable == "NEW" {
			auto = append(auto, f.Name)
		}
	}
	slices.Sort(auto)
	if !slices.Equal(auto, wantSorted) {
		l.failIn(stack, label, "organization configuration auto-enables features %s, want %s", orNone(auto), orNone(wantSorted))
	}
	l.c.seen("members %s, features %s", oc.AutoEnableOrganizationMembers, orNone(auto))
	return l.t, nil
}

// securityHub checks Security Hub in the home region: the security account
// is the delegated administrator, its finding aggregator links every other
// region, and its hub is enabled.
func (v *verifier) securityHub(ctx context.Context, h *held) (*target, error) {
	sec := v.org.AccountByRole(config.RoleSecurity).ID
	mgmt, home := v.org.Management().ID, v.org.HomeRegion
	l := newLogChecker("Security Hub", sec, home)

	l.c.start("delegated administrator")
	var admins struct {
		AdminAccounts []struct{ AccountId, Status string }
	}
	if err := v.rest(ctx, mgmt, home, "securityhub", http.MethodGet, "/organization/admin", nil, &admins); err != nil {
		return nil, fmt.Errorf("Security Hub: %w", err)
	}
	astack, _, alabel := h.first(mgmt, home, "AWS::SecurityHub::DelegatedAdmin")
	var got []string
	for _, a := range admins.AdminAccounts {
		got = append(got, a.AccountId)
	}
	if !slices.Equal(got, []string{sec}) {
		l.failIn(astack, alabel, "Security Hub's delegated administrator is %s, want %s", orNone(got), sec)
	}
	l.c.seen("%s (%s)", orNone(got), astack)

	l.c.start("finding aggregator")
	stack, _, label := h.first(sec, home, "AWS::SecurityHub::FindingAggregator")
	var list struct {
		FindingAggregators []struct{ FindingAggregatorArn string }
	}
	if err := v.rest(ctx, sec, home, "securityhub", http.MethodGet, "/findingAggregator/list", nil, &list); err != nil {
		return nil, fmt.Errorf("Security Hub: %w", err)
	}
	var others []string
	for _, r := range v.org.Regions {
		if r != home {
			others = append(others, r)
		}
	}
	if len(list.FindingAggregators) != 1 {
		l.failIn(stack, label, "the security account has %d finding aggregators in %s, want 1", len(list.FindingAggregators), home)
	} else {
		arn := list.FindingAggregators[0].FindingAggregatorArn
		stack, label = h.find(sec, home, "AWS::SecurityHub::FindingAggregator", arn)
		var agg struct {
			FindingAggregationRegion, RegionLinkingMode string
			Regions                                     []string
		}
		if err := v.rest(ctx, sec, home, "securityhub", http.MethodGet, "/findingAggregator/get/"+url.PathEscape(arn), nil, &agg); err != nil {
			return nil, fmt.Errorf("Security Hub: %w", err)
		}
		linked := slices.Sorted(slices.Values(agg.Regions))
		// With no other region, ALL_REGIONS: CloudFormation accepts neither
		// NO_REGIONS nor an empty list (constructs/securityhub's package doc).
		switch {
		case len(others) == 0 && agg.RegionLinkingMode != "ALL_REGIONS":
			l.failIn(stack, label, "links %s %s, want ALL_REGIONS (the org file has no region but %s)", agg.RegionLinkingMode, orNone(linked), home)
		case len(others) > 0 && (agg.RegionLinkingMode != "SPECIFIED_REGIONS" || !slices.Equal(linked, slices.Sorted(slices.Values(others)))):
			l.failIn(stack, label, "links %s %s, want SPECIFIED_REGIONS %s", agg.RegionLinkingMode, orNone(linked), orNone(others))
		}
		l.c.seen("%s in %s links %s", arn, stack, orNone(linked))
	}

	l.c.start("hub")
	var hub struct{ HubArn string }
	if err := v.rest(ctx, sec, home, "securityhub", http.MethodGet, "/accounts", nil, &hub); err != nil {
		l.failIn(stack, "Security Hub of "+sec, "is not enabled in the security account: %v", err)
	} else {
		l.c.seen("%s", hub.HubArn)
	}
	return l.t, nil
}

// accessAnalyzer checks the organization analyzer in each of the security
// account's regions (which the emulator records: an analyzer sees only its
// own region) and the delegation to it.
func (v *verifier) accessAnalyzer(ctx context.Context, h *held) (*target, error) {
	sec := v.org.AccountByRole(config.RoleSecurity).ID
	home := v.org.HomeRegion
	l := newLogChecker("IAM Access Analyzer", sec, home)

	var records struct {
		Analyzers map[string]map[string]struct{ Arn, Name, Type, Status string }
	}
	if err := v.getJSON(ctx, "/moto-api/palisade/records", &records); err != nil {
		return nil, fmt.Errorf("Access Analyzer: %w", err)
	}
	for _, region := range v.org.Regions {
		l.c.start("organization analyzer in " + region)
		stack, _, label := h.first(sec, region, "AWS::AccessAnalyzer::Analyzer")
		var found []string
		for _, a := range records.Analyzers[sec+"/"+region] {
			if a.Type == "ORGANIZATION" && a.Status == "ACTIVE" {
				found = append(found, a.Arn)
				stack, label = h.find(sec, region, "AWS::AccessAnalyzer::Analyzer", a.Arn)
			}
		}
		if len(found) == 0 {
			l.failIn(stack, label, "no ORGANIZATION analyzer in the security account in %s", region)
		}
		l.c.seen("%s in %s", orNone(found), stack)
	}

	l.c.start("delegated administrator")
	const sp = "access-analyzer.amazonaws.com"
	orgs := organizations.NewFromConfig(sdkConfig(v.endpoint, home, v.mgmt))
	d, err := orgs.ListDelegatedAdministrators(ctx, &organizations.ListDelegatedAdministratorsInput{ServicePrincipal: aws.String(sp)})
	if err != nil {
		return nil, fmt.Errorf("Access Analyzer: ListDelegatedAdministrators: %w", err)
	}
	var admins []string
	for _, a := range d.DelegatedAdministrators {
		admins = append(admins, aws.ToString(a.Id))
	}
	if !slices.Contains(admins, sec) {
		mstack, _, _ := h.first(v.org.Management().ID, home, "Custom::AWS")
		l.failIn(mstack, "delegated administrators for "+sp, "are %s, want %s", orNone(admins), sec)
	}
	l.c.seen("%s for %s", orNone(admins), sp)
	return l.t, nil
}

// alerts checks the alerts topic in the security account's home region: a
// KMS key, the org file's email subscriptions, and the EventBridge rules of
// Security Hub and GuardDuty findings that target it.
func (v *verifier) alerts(ctx context.Context, h *held) (*target, error) {
	sec := v.org.AccountByRole(config.RoleSecurity).ID
	home := v.org.HomeRegion
	l := newLogChecker("alerts", sec, home)

	l.c.start("topic")
	stack, topic, label := h.first(sec, home, "AWS::SNS::Topic")
	if topic == "" {
		l.failIn("", label, "no deployed stack of the security account holds the alerts topic")
		return l.t, nil
	}
	var attrs struct {
		GetTopicAttributesResponse struct {
			GetTopicAttributesResult struct {
				// moto's JSON form of the query protocol's map.
				Attributes struct {
					Entry []struct{ Key, Value string }
				}
			}
		}
	}
	if err := v.query(ctx, sec, home, "sns", url.Values{"Action": {"GetTopicAttributes"}, "TopicArn": {topic}}, &attrs); err != nil {
		l.failIn(stack, label, "does not exist: %v", err)
		return l.t, nil
	}
	key := ""
	for _, e := range attrs.GetTopicAttributesResponse.GetTopicAttributesResult.Attributes.Entry {
		if e.Key == "KmsMasterKeyId" {
			key = e.Value
		}
	}
	if key == "" {
		l.failIn(stack, label, "is not encrypted with a KMS key")
	}
	l.c.seen("%s in %s, KMS key %s", topic, stack, key)

	l.c.start("email subscriptions")
	var subs struct {
		ListSubscriptionsByTopicResponse struct {
			ListSubscriptionsByTopicResult struct {
				Subscriptions json.RawMessage
			}
		}
	}
	if err := v.query(ctx, sec, home, "sns", url.Values{"Action": {"ListSubscriptionsByTopic"}, "TopicArn": {topic}}, &subs); err != nil {
		return nil, err
	}
	// A list, or moto's JSON form of one: {"member": [...]}.
	type subscription struct{ Protocol, Endpoint string }
	raw := subs.ListSubscriptionsByTopicResponse.ListSubscriptionsByTopicResult.Subscriptions
	var list []subscription
	if json.Unmarshal(raw, &list) != nil {
		var wrapped struct{ Member []subscription }
		if err := json.Unmarshal(raw, &wrapped); err != nil {
			return nil, fmt.Errorf("ListSubscriptionsByTopic: %w: %.200s", err, raw)
		}
		list = wrapped.Member
	}
	var emails []string
	for _, s := range list {
		if s.Protocol == "email" {
			emails = append(emails, s.Endpoint)
		}
	}
	slices.Sort(emails)
	if want := slices.Sorted(slices.Values(v.org.Detection.AlertEmails)); !slices.Equal(emails, want) {
		l.failIn(stack, label, "email subscriptions %s, want %s (security.alertEmails)", orNone(emails), orNone(want))
	}
	l.c.seen("%s", orNone(emails))

	l.c.start("EventBridge rules")
	var rules struct {
		Rules []struct{ Name, Arn, EventPattern, State string }
	}
	if err := v.jsonRPC(ctx, sec, home, "events", "AWSEvents.ListRules", map[string]any{}, &rules); err != nil {
		return nil, err
	}
	var notes []string
	for _, source := range []string{"aws.securityhub", "aws.guardduty"} {
		var targeted []string
		matched := false
		for _, r := range rules.Rules {
			var pattern struct{ Source []string }
			if json.Unmarshal([]byte(r.EventPattern), &pattern) != nil || !slices.Contains(pattern.Source, source) {
				continue
			}
			matched = true
			var targets struct {
				Targets []struct{ Id, Arn string }
			}
			if err := v.jsonRPC(ctx, sec, home, "events", "AWSEvents.ListTargetsByRule", map[string]any{"Rule": r.Name}, &targets); err != nil {
				l.c.seen("SKIPPED: the emulator's EventBridge cannot list the targets of %s: %v", r.Name, err)
				return l.t, nil
			}
			for _, t := range targets.Targets {
				targeted = append(targeted, t.Arn)
			}
			rstack, rlabel := h.find(sec, home, "AWS::Events::Rule", r.Name)
			if !slices.Contains(targeted, topic) {
				l.failIn(rstack, rlabel, "rule of %s findings targets %s, want the alerts topic %s", source, orNone(targeted), topic)
			}
			if r.State != "ENABLED" {
				l.failIn(rstack, rlabel, "state %q, want ENABLED", r.State)
			}
			notes = append(notes, fmt.Sprintf("%s (%s) -> %s", r.Name, source, orNone(targeted)))
		}
		if !matched {
			l.failIn(stack, "[AWS::Events::Rule]", "no rule sends %s findings to the alerts topic", source)
		}
	}
	l.c.seen("%s", strings.Join(notes, "; "))
	return l.t, nil
}

// guardrailActions are actions the guardrails must deny to all but the
// deployment roles.
var guardrailActions = []string{"cloudtrail:StopLogging", "guardduty:DeleteDetector", "organizations:LeaveOrganization"}

// guardrailExemption is the role pattern the guardrails exempt.
const guardrailExemption = "arn:aws:iam::*:role/cdk-hnb659fds-cfn-exec-role-*"

// functionRoleActions are the guarded actions palisade's deploy-time
// function (the one that adopts GuardDuty's detector) must call: the
// guardrails deny them to all but guardrailExemption and that function's
// role, and deny it every other (guardrailActions among them).
var functionRoleActions = []string{"guardduty:UpdateDetector"}

// deployPathActions are actions ProtectDeployment must deny to all but the
// exempt role and the bootstrap's deploy role (deployPath), so the
// exemption cannot be forged.
var (
	deployPathActions = []string{"iam:CreateRole", "iam:UpdateAssumeRolePolicy", "iam:PassRole", "cloudformation:UpdateStack", "cloudformation:ExecuteChangeSet"}
	deployRolePattern = "arn:aws:iam::*:role/cdk-hnb659fds-deploy-role-*"
)

// guardrails checks the management account's guardrail SCPs: each exists,
// is attached to every policy target of the org file, and together they
// deny guardrailActions to every principal but guardrailExemption.
func (v *verifier) guardrails(ctx context.Context, h *held) (*target, error) {
	mgmt, home := v.org.Management().ID, v.org.HomeRegion
	l := newLogChecker("guardrails", mgmt, home)
	l.c.start("service control policies")
	targets := v.org.Detection.PolicyTargets
	if len(targets) == 0 {
		l.c.seen("the org file names no policy targets: no guardrails")
		return l.t, nil
	}
	want := []string{"ProtectSecurityBaseline", "ProtectDeployment"}
	if v.org.Detection.DenyOtherRegions {
		want = append(want, "DenyOutsideAllowedRegions")
	}
	orgs := organizations.NewFromConfig(sdkConfig(v.endpoint, home, v.mgmt))
	var policies []orgtypes.PolicySummary
	p := organizations.NewListPoliciesPaginator(orgs, &organizations.ListPoliciesInput{Filter: orgtypes.PolicyTypeServiceControlPolicy})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("guardrails: ListPolicies: %w", err)
		}
		policies = append(policies, page.Policies...)
	}
	// With deployment.stackSets, StackSets' execution role is exempt
	// beside CDK's (deployplan: it deploys the fanned-out stacks).
	exempt := []string{guardrailExemption}
	if v.org.FansOut() {
		exempt = append(exempt, deployplan.StackSetsExecRoleArns)
	}
	deployPath := append(slices.Clone(exempt), deployRolePattern)
	denied, fnDenied, deployDenied := map[string]bool{}, map[string]bool{}, map[string]bool{}
	var notes []string
	for _, name := range want {
		i := slices.IndexFunc(policies, func(s orgtypes.PolicySummary) bool { return aws.ToString(s.Name) == name })
		if i < 0 {
			stack, _, _ := h.first(mgmt, home, "AWS::Organizations::Policy")
			l.failIn(stack, name+" [AWS::Organizations::Policy]", "the guardrail SCP does not exist in the organization")
			continue
		}
		id := aws.ToString(policies[i].Id)
		stack, label := h.find(mgmt, home, "AWS::Organizations::Policy", id)
		tl, err := orgs.ListTargetsForPolicy(ctx, &organizations.ListTargetsForPolicyInput{PolicyId: aws.String(id)})
		if err != nil {
			return nil, fmt.Errorf("guardrails: ListTargetsForPolicy %s: %w", id, err)
		}
		var attached []string
		for _, t := range tl.Targets {
			attached = append(attached, aws.ToString(t.TargetId))
		}
		for _, t := range targets {
			if !slices.Contains(attached, t) {
				l.failIn(stack, label, "%s is not attached to %s (attached to %s)", name, t, orNone(attached))
			}
		}
		d, err := orgs.DescribePolicy(ctx, &organizations.DescribePolicyInput{PolicyId: aws.String(id)})
		if err != nil {
			return nil, fmt.Errorf("guardrails: DescribePolicy %s: %w", id, err)
		}
		// The security services are denied to all but the execution role,
		// and the calls palisade's own deploy-time function makes (it adopts
		// GuardDuty's detector) to all but it and the function's role,
		// which only the deployment may create or change.
		for _, a := range scpExemptDenies(aws.ToString(d.Policy.Content), exempt) {
			denied[a] = true
		}
		fnExemption := append(slices.Clone(exempt), "arn:aws:iam::*:role/"+deployplan.DeployFunctionName(v.org.Name, "*"))
		for _, a := range scpExemptDenies(aws.ToString(d.Policy.Content), fnExemption) {
			fnDenied[a] = true
		}
		for _, a := range scpExemptDenies(aws.ToString(d.Policy.Content), deployPath) {
			deployDenied[a] = true
		}
		notes = append(notes, fmt.Sprintf("%s (%s) on %s", name, id, orNone(attached)))
	}
	for _, a := range guardrailActions {
		if !denied[a] {
			stack, _, _ := h.first(mgmt, home, "AWS::Organizations::Policy")
			l.failIn(stack, "ProtectSecurityBaseline [AWS::Organizations::Policy]", "no guardrail denies %s with the exemption ArnNotLike aws:PrincipalArn %s alone", a, strings.Join(exempt, ", "))
		}
	}
	for _, a := range functionRoleActions {
		if !fnDenied[a] {
			stack, _, _ := h.first(mgmt, home, "AWS::Organizations::Policy")
			l.failIn(stack, "ProtectSecurityBaseline [AWS::Organizations::Policy]", "no guardrail denies %s with the exemption ArnNotLike aws:PrincipalArn %s and palisade's deploy-time function role", a, strings.Join(exempt, ", "))
		}
	}
	for _, a := range deployPathActions {
		if !deployDenied[a] {
			stack, _, _ := h.first(mgmt, home, "AWS::Organizations::Policy")
			l.failIn(stack, "ProtectDeployment [AWS::Organizations::Policy]", "no guardrail denies %s with the exemption ArnNotLike aws:PrincipalArn %s", a, strings.Join(deployPath, ", "))
		}
	}
	l.c.seen("%s; deny %s to all but %s; deny %s to all but it and the deploy-time function role; deny %s to all but %s", strings.Join(notes, ", "), strings.Join(guardrailActions, ", "), strings.Join(exempt, ", "),
		strings.Join(functionRoleActions, ", "), strings.Join(deployPathActions, ", "), strings.Join(deployPath, ", "))
	return l.t, nil
}

// scpExemptDenies returns the actions an SCP denies in statements that
// exempt exactly exemption through ArnNotLike aws:PrincipalArn.
func scpExemptDenies(content string, exemption []string) []string {
	var doc struct {
		Statement []struct {
			Effect    string
			Action    json.RawMessage
			Condition map[string]map[string]json.RawMessage
		}
	}
	if json.Unmarshal([]byte(content), &doc) != nil {
		return nil
	}
	var out []string
	for _, s := range doc.Statement {
		if s.Effect != "Deny" {
			continue
		}
		var exempt []string
		raw := s.Condition["ArnNotLike"]["aws:PrincipalArn"]
		if json.Unmarshal(raw, &exempt) != nil {
			var one string
			_ = json.Unmarshal(raw, &one)
			exempt = []string{one}
		}
		if !slices.Equal(exempt, exemption) {
			continue
		}
		var actions []string
		if json.Unmarshal(s.Action, &actions) != nil {
			var one string
			_ = json.Unmarshal(s.Action, &one)
			actions = []string{one}
		}
		out = append(out, actions...)
	}
	return out
}

// The wire calls: each signed with the account's credentials, as the SDK
// would, and sent to the emulator.

// rest calls a REST-JSON API (GuardDuty, Security Hub).
func (v *verifier) rest(ctx context.Context, account, region, service, method, path string, body, out any) error {
	var data []byte
	if body != nil {
		data, _ = json.Marshal(body)
	}
	return v.signed(ctx, account, region, service, method, path, "application/json", "", data, out)
}

// jsonRPC calls a JSON 1.1 API (EventBridge) by its X-Amz-Target.
func (v *verifier) jsonRPC(ctx context.Context, account, region, service, target string, body, out any) error {
	data, _ := json.Marshal(body)
	return v.signed(ctx, account, region, service, http.MethodPost, "/", "application/x-amz-json-1.1", target, data, out)
}

// query calls a query API (SNS), asking for its JSON form.
func (v *verifier) query(ctx context.Context, account, region, service string, params url.Values, out any) error {
	params.Set("Version", "2010-03-31")
	params.Set("ContentType", "JSON")
	return v.signed(ctx, account, region, service, http.MethodPost, "/", "application/x-www-form-urlencoded", "", []byte(params.Encode()), out)
}

func (v *verifier) signed(ctx context.Context, account, region, service, method, path, contentType, target string, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, v.endpoint+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", contentType)
	if target != "" {
		req.Header.Set("X-Amz-Target", target)
	}
	req.Header.Set("x-moto-account-id", account)
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(ctx, v.creds[account], req, hex.EncodeToString(sum[:]), service, region, time.Now()); err != nil {
		return err
	}
	return doJSON(req, out)
}

// getJSON reads one of the emulator's own endpoints.
func (v *verifier) getJSON(ctx context.Context, path string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, v.endpoint+path, nil)
	if err != nil {
		return err
	}
	return doJSON(req, out)
}

func doJSON(req *http.Request, out any) error {
	status, data, err := emulator.Call(req)
	if err != nil {
		return err
	}
	what := req.Method + " " + req.URL.Path
	if t := req.Header.Get("X-Amz-Target"); t != "" {
		what = t
	}
	if status != http.StatusOK {
		return fmt.Errorf("%s: HTTP %d: %s", what, status, lastLines(string(bytes.TrimSpace(data)), 3))
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s: %w: %.200s", what, err, data)
	}
	return nil
}
