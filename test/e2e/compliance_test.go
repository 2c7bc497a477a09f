package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	cfgtypes "github.com/aws/aws-sdk-go-v2/service/configservice/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/palisade-sec/palisade/config"
	"github.com/palisade-sec/palisade/constructs/cisalarms"
	"github.com/palisade-sec/palisade/constructs/configrecorder"
	"github.com/palisade-sec/palisade/constructs/conformancepack"
	"github.com/palisade-sec/palisade/constructs/hardening"
	"github.com/palisade-sec/palisade/constructs/remediation"
	"github.com/palisade-sec/palisade/stacks"
	"github.com/palisade-sec/palisade/test/emulator"
)

// The compliance layer, checked account by account and region by region:
// AWS Config (recorder, delivery channel, palisade's custom rule, the
// remediated rules and their remediations), the account hardening (EBS
// encryption by default, the IAM password policy, S3's account public
// access block, no SSH or RDP anywhere, no key pairs), the organization's
// side of AWS Config in the security account (delegated administrators,
// aggregator, conformance pack) and the CIS metric filters and alarms on
// the trail's log group.
//
// AWS Config goes through its SDK client; CloudWatch alarms, S3 Control and
// Systems Manager through their wire APIs, signed like the SDK's clients
// (see security_test.go), rather than add an SDK module per service.

// serviceLinkedConfigRole is AWS Config's service-linked role in account.
func serviceLinkedConfigRole(account string) string {
	return "arn:aws:iam::" + account + ":role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"
}

// labelIn names resource id of typ for a finding in stack: its label when
// the stack holds it, else id [typ].
func (h *held) labelIn(stack, typ, id string) string {
	for _, s := range h.stacks {
		if s.name == stack && slices.Contains(s.res.ids(typ), id) {
			return s.res.label(id, typ)
		}
	}
	return fmt.Sprintf("%s [%s]", id, typ)
}

// holding returns the stack of account and region that holds resource id
// of typ and its label, or "" and "".
func (h *held) holding(account, region, typ, id string) (stack, label string) {
	for _, s := range h.stacks {
		if s.account == account && s.region == region && slices.Contains(s.res.ids(typ), id) {
			return s.name, s.res.label(id, typ)
		}
	}
	return "", ""
}

// idsIn returns the physical ids of the resources of typ in stack.
func (h *held) idsIn(stack, typ string) []string {
	for _, s := range h.stacks {
		if s.name == stack {
			return s.res.ids(typ)
		}
	}
	return nil
}

// compliance runs every compliance check.
func (v *verifier) compliance(ctx context.Context, h *held) ([]*target, error) {
	var out []*target
	for _, a := range v.org.Accounts {
		for _, r := range v.org.Regions {
			t, err := v.awsConfig(ctx, h, a, r)
			if err != nil {
				return nil, fmt.Errorf("%s %s: AWS Config: %w", a.ID, r, err)
			}
			out = append(out, t)
			t, err = v.hardening(ctx, h, a, r)
			if err != nil {
				return nil, fmt.Errorf("%s %s: hardening: %w", a.ID, r, err)
			}
			out = append(out, t)
		}
	}
	for _, r := range v.org.Regions {
		t, err := v.configOrganization(ctx, h, r)
		if err != nil {
			return nil, fmt.Errorf("%s: AWS Config organization: %w", r, err)
		}
		out = append(out, t)
	}
	t, err := v.cisAlarms(ctx, h)
	if err != nil {
		return nil, fmt.Errorf("CIS alarms: %w", err)
	}
	return append(out, t), nil
}

// remediated is one rule that palisade's remediation deploys with its
// automatic remediation.
type remediated struct {
	option       string // the compliance.disabledRemediations key that turns it off
	rule         string
	identifier   string
	resourceType string
	document     string
	resourceArg  string            // the parameter given the resource id
	static       map[string]string // the parameters with a static value, but the role
}

// remediatedRules are what constructs/remediation deploys, by rule name.
func remediatedRules(instanceRole string) []remediated {
	pab := map[string]string{"BlockPublicAcls": "true", "IgnorePublicAcls": "true", "BlockPublicPolicy": "true", "RestrictPublicBuckets": "true"}
	return []remediated{
		{config.RemediatePublicBuckets, "palisade-s3-bucket-public-read-prohibited", "S3_BUCKET_PUBLIC_READ_PROHIBITED", "AWS::S3::Bucket",
			remediation.PublicAccessBlockDocument, "BucketName", pab},
		{config.RemediatePublicBuckets, "palisade-s3-bucket-public-write-prohibited", "S3_BUCKET_PUBLIC_WRITE_PROHIBITED", "AWS::S3::Bucket",
			remediation.PublicAccessBlockDocument, "BucketName", pab},
		{config.RemediateUnencryptedBuckets, "palisade-s3-bucket-server-side-encryption-enabled", "S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED", "AWS::S3::Bucket",
			remediation.BucketEncryptionDocument, "BucketName", map[string]string{"SSEAlgorithm": "AES256"}},
		{config.RemediateDefaultSecurityGroup, "palisade-vpc-default-security-group-closed", "VPC_DEFAULT_SECURITY_GROUP_CLOSED", "AWS::EC2::SecurityGroup",
			remediation.DefaultSecurityGroupDocument, "GroupId", map[string]string{}},
		{config.RemediateUnmanagedInstances, "palisade-ec2-instance-managed-by-systems-manager", "EC2_INSTANCE_MANAGED_BY_SSM", "AWS::EC2::Instance",
			remediation.AttachInstanceRoleDocument, "InstanceId", map[string]string{"RoleName": instanceRole, "ForceReplace": "false"}},
	}
}

// awsConfig checks AWS Config in one account and region: the recorder
// (service-linked role, every supported type, global types in the home
// region only, recording), the delivery channel to the region's archive,
// palisade's custom rule and the remediated rules with their remediations.
func (v *verifier) awsConfig(ctx context.Context, h *held, a config.Account, region string) (*target, error) {
	l := newLogChecker("AWS Config", a.ID, region)
	stack := stacks.StackName(v.org.Name, "baseline", a.Name, region)
	cs := configservice.NewFromConfig(sdkConfig(v.endpoint, region, v.creds[a.ID]))
	home := region == v.org.HomeRegion

	l.c.start("recorder")
	recs, err := cs.DescribeConfigurationRecorders(ctx, &configservice.DescribeConfigurationRecordersInput{})
	if err != nil {
		return nil, err
	}
	if len(recs.ConfigurationRecorders) != 1 {
		l.failIn(stack, "[AWS::Config::ConfigurationRecorder]", "%d configuration recorders here, want 1", len(recs.ConfigurationRecorders))
	} else {
		rec := recs.ConfigurationRecorders[0]
		name := aws.ToString(rec.Name)
		label := h.labelIn(stack, "AWS::Config::ConfigurationRecorder", name)
		wantRole := serviceLinkedConfigRole(a.ID)
		if got := aws.ToString(rec.RoleARN); got != wantRole {
			l.failIn(stack, label, "records with role %s, want the service-linked role %s", got, wantRole)
		}
		cl := newClients(v.endpoint, a.ID, region, v.creds[a.ID])
		if r, err := cl.iam.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("AWSServiceRoleForConfig")}); err != nil || aws.ToString(r.Role.Arn) != wantRole {
			l.failIn(stack, label, "the service-linked role %s does not exist: %v", wantRole, err)
		}
		g := rec.RecordingGroup
		if g == nil || !g.AllSupported {
			l.failIn(stack, label, "does not record every supported resource type (allSupported off)")
		}
		global := g != nil && g.IncludeGlobalResourceTypes
		if global != home {
			l.failIn(stack, label, "includeGlobalResourceTypes is %t, want %t (global types in the home region %s only)", global, home, v.org.HomeRegion)
		}
		st, err := cs.DescribeConfigurationRecorderStatus(ctx, &configservice.DescribeConfigurationRecorderStatusInput{})
		if err != nil {
			return nil, err
		}
		recording := false
		for _, s := range st.ConfigurationRecordersStatus {
			if aws.ToString(s.Name) == name && s.Recording {
				recording = true
			}
		}
		if !recording {
			l.failIn(stack, label, "is not recording (DescribeConfigurationRecorderStatus)")
		}
		globals := "global types too (home region)"
		if !global {
			globals = "no global types"
		}
		l.c.seen("%s: service-linked role, all supported types, %s, recording (the emulator records no configuration items)", name, globals)
	}

	l.c.start("delivery channel")
	chans, err := cs.DescribeDeliveryChannels(ctx, &configservice.DescribeDeliveryChannelsInput{})
	if err != nil {
		return nil, err
	}
	bucket := v.org.ArchiveBucketName(region)
	if len(chans.DeliveryChannels) != 1 {
		l.failIn(stack, "[AWS::Config::DeliveryChannel]", "%d delivery channels here, want 1", len(chans.DeliveryChannels))
	} else {
		ch := chans.DeliveryChannels[0]
		label := h.labelIn(stack, "AWS::Config::DeliveryChannel", aws.ToString(ch.Name))
		if got, prefix := aws.ToString(ch.S3BucketName), aws.ToString(ch.S3KeyPrefix); got != bucket || prefix != "config" {
			l.failIn(stack, label, "delivers to s3://%s/%s, want s3://%s/config (the region's archive)", got, prefix, bucket)
		}
		freq := ""
		if p := ch.ConfigSnapshotDeliveryProperties; p != nil {
			freq = string(p.DeliveryFrequency)
		}
		sec := v.org.AccountByRole(config.RoleSecurity).ID
		if _, err := newClients(v.endpoint, sec, region, v.creds[sec]).s3.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(bucket)}); err != nil {
			l.failIn(stack, label, "delivers to %s, which does not exist in the security account: %v", bucket, err)
		}
		l.c.seen("to s3://%s/%s, snapshots %s (the emulator delivers nothing)", aws.ToString(ch.S3BucketName), aws.ToString(ch.S3KeyPrefix), freq)
	}

	l.c.start("Config rules")
	rules := map[string]cfgtypes.ConfigRule{}
	p := configservice.NewDescribeConfigRulesPaginator(cs, &configservice.DescribeConfigRulesInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, r := range page.ConfigRules {
			rules[aws.ToString(r.ConfigRuleName)] = r
		}
	}
	c := v.org.Compliance
	// palisade's own rule: a Lambda of the stack, on security group changes.
	wantPorts := c.InternetIngressPortList()
	if r, ok := rules[stacks.SgIngressRuleName]; !ok {
		l.failIn(stack, stacks.SgIngressRuleName+" [AWS::Config::ConfigRule]", "palisade's custom rule does not exist")
	} else {
		label := h.labelIn(stack, "AWS::Config::ConfigRule", stacks.SgIngressRuleName)
		src := r.Source
		fn := ""
		if src != nil {
			fn = aws.ToString(src.SourceIdentifier)
		}
		switch {
		case src == nil || src.Owner != cfgtypes.OwnerCustomLambda:
			l.failIn(stack, label, "source is not CUSTOM_LAMBDA")
		case !strings.HasPrefix(fn, "arn:aws:lambda:"+region+":"+a.ID+":function:") ||
			!slices.Contains(h.idsIn(stack, "AWS::Lambda::Function"), fn[strings.LastIndex(fn, ":")+1:]):
			l.failIn(stack, label, "evaluates with %s, want a function of this stack in %s %s", fn, a.ID, region)
		}
		var params map[string]string
		if err := json.Unmarshal([]byte(aws.ToString(r.InputParameters)), &params); err != nil || params["allowedPorts"] != wantPorts || len(params) != 1 {
			l.failIn(stack, label, "input parameters %s, want {\"allowedPorts\":%q} (compliance.internetIngressPorts)", aws.ToString(r.InputParameters), wantPorts)
		}
		var types []string
		if r.Scope != nil {
			types = r.Scope.ComplianceResourceTypes
		}
		if !slices.Equal(types, []string{"AWS::EC2::SecurityGroup"}) {
			l.failIn(stack, label, "scope %v, want [AWS::EC2::SecurityGroup]", types)
		}
	}
	// The remediated rules: those of every remediation the org file keeps.
	var want []remediated
	for _, rr := range remediatedRules(stacks.InstanceRoleName(region)) {
		_, off := c.DisabledRemediations[rr.option]
		if rr.option == config.RemediateUnmanagedInstances && a.Role == config.RoleManagement {
			off = true // the management account runs no Session Manager stack, so no instance profile to attach
		}
		if !off {
			want = append(want, rr)
		}
	}
	var names, short []string
	for _, rr := range want {
		names = append(names, rr.rule)
		short = append(short, strings.TrimPrefix(rr.rule, "palisade-"))
		r, ok := rules[rr.rule]
		if !ok {
			l.failIn(stack, rr.rule+" [AWS::Config::ConfigRule]", "the remediated rule does not exist (remediation %s)", rr.option)
			continue
		}
		label := h.labelIn(stack, "AWS::Config::ConfigRule", rr.rule)
		if r.Source == nil || r.Source.Owner != cfgtypes.OwnerAws || aws.ToString(r.Source.SourceIdentifier) != rr.identifier {
			l.failIn(stack, label, "source %+v, want the AWS managed rule %s", r.Source, rr.identifier)
		}
		if r.Scope == nil || !slices.Equal(r.Scope.ComplianceResourceTypes, []string{rr.resourceType}) {
			l.failIn(stack, label, "scope is not [%s]", rr.resourceType)
		}
	}
	for name := range rules {
		if strings.HasPrefix(name, "palisade-") && name != stacks.SgIngressRuleName && !slices.Contains(names, name) {
			l.failIn(stack, h.labelIn(stack, "AWS::Config::ConfigRule", name), "is deployed, but the org file turns its remediation off (or it is not palisade's)")
		}
	}
	l.c.seen("%s (the stack's Lambda, allowedPorts %s); remediated palisade-: %s (the emulator evaluates no rule)", stacks.SgIngressRuleName, wantPorts, orNone(short))

	l.c.start("remediations")
	if len(want) == 0 {
		l.c.seen("none: the org file turns every remediation off")
		return l.t, nil
	}
	rcs, err := cs.DescribeRemediationConfigurations(ctx, &configservice.DescribeRemediationConfigurationsInput{ConfigRuleNames: names})
	if err != nil {
		return nil, err
	}
	byRule := map[string]cfgtypes.RemediationConfiguration{}
	for _, rc := range rcs.RemediationConfigurations {
		byRule[aws.ToString(rc.ConfigRuleName)] = rc
	}
	cl := newClients(v.endpoint, a.ID, region, v.creds[a.ID])
	docs := map[string]int{}
	for _, rr := range want {
		rc, ok := byRule[rr.rule]
		if !ok {
			l.failIn(stack, rr.rule+" [AWS::Config::RemediationConfiguration]", "the rule has no remediation configuration")
			continue
		}
		label := rr.rule + " [AWS::Config::RemediationConfiguration]"
		if rc.TargetType != cfgtypes.RemediationTargetTypeSsmDocument || aws.ToString(rc.TargetId) != rr.document {
			l.failIn(stack, label, "runs %s %s, want SSM_DOCUMENT %s", rc.TargetType, aws.ToString(rc.TargetId), rr.document)
		}
		if !rc.Automatic || aws.ToInt32(rc.MaximumAutomaticAttempts) != 3 || aws.ToInt64(rc.RetryAttemptSeconds) != 60 {
			l.failIn(stack, label, "automatic %t, %d attempts every %d s; want automatic, 3 attempts every 60 s",
				rc.Automatic, aws.ToInt32(rc.MaximumAutomaticAttempts), aws.ToInt64(rc.RetryAttemptSeconds))
		}
		if ec := rc.ExecutionControls; ec == nil || ec.SsmControls == nil || aws.ToInt32(ec.SsmControls.ConcurrentExecutionRatePercentage) != 10 ||
			aws.ToInt32(ec.SsmControls.ErrorPercentage) != 10 {
			l.failIn(stack, label, "execution controls are not 10%% of resources at once, stopping at 10%% errors")
		}
		if aws.ToString(rc.ResourceType) != rr.resourceType {
			l.failIn(stack, label, "resource type %q, want %s", aws.ToString(rc.ResourceType), rr.resourceType)
		}
		got := map[string]string{}
		role := ""
		for k, pv := range rc.Parameters {
			switch {
			case pv.ResourceValue != nil:
				got[k] = "RESOURCE_ID"
			case pv.StaticValue != nil && k == "AutomationAssumeRole":
				role = strings.Join(pv.StaticValue.Values, ",")
			case pv.StaticValue != nil:
				got[k] = strings.Join(pv.StaticValue.Values, ",")
			}
		}
		wantParams := maps.Clone(rr.static)
		wantParams[rr.resourceArg] = "RESOURCE_ID"
		if !maps.Equal(got, wantParams) {
			l.failIn(stack, label, "parameters %v, want %v", got, wantParams)
		}
		// The role: one of this stack's, which only SSM Automation assumes.
		roleName := role[strings.LastIndex(role, "/")+1:]
		if !strings.HasPrefix(role, "arn:aws:iam::"+a.ID+":role/") || !slices.Contains(h.idsIn(stack, "AWS::IAM::Role"), roleName) {
			l.failIn(stack, label, "AutomationAssumeRole %q is not a role of this stack", role)
		} else if tr, err := roleTrust(ctx, cl, roleName); err != nil {
			l.failIn(stack, label, "AutomationAssumeRole %s: %v", role, err)
		} else if !slices.Equal(tr.services, []string{"ssm.amazonaws.com"}) || len(tr.aws) > 0 || !tr.sourceAccount(a.ID) {
			l.failIn(stack, h.labelIn(stack, "AWS::IAM::Role", roleName), "trusts %v %v; want only ssm.amazonaws.com for aws:SourceAccount %s", tr.services, tr.aws, a.ID)
		}
		docs[rr.document]++
	}
	var seen []string
	for _, d := range slices.Sorted(maps.Keys(docs)) {
		seen = append(seen, fmt.Sprintf("%s x%d", d, docs[d]))
	}
	l.c.seen("automatic, 3 attempts 60 s apart, 10%%/10%%, roles for ssm.amazonaws.com only: %s (the emulator runs no Automation)", strings.Join(seen, ", "))
	return l.t, nil
}

// hardening checks one account and region's hardening: EBS encryption by
// default; in the home region the account-wide IAM password policy and S3
// public access block; and that no security group admits SSH or RDP and
// no key pair exists.
func (v *verifier) hardening(ctx context.Context, h *held, a config.Account, region string) (*target, error) {
	l := newLogChecker("hardening", a.ID, region)
	stack := stacks.StackName(v.org.Name, "baseline", a.Name, region)
	cl := newClients(v.endpoint, a.ID, region, v.creds[a.ID])
	c := v.org.Compliance

	l.c.start("EBS encryption")
	ebs, err := cl.ec2.GetEbsEncryptionByDefault(ctx, &ec2.GetEbsEncryptionByDefaultInput{})
	if err != nil {
		return nil, err
	}
	label := h.labelIn(stack, "Custom::AWS", "ebs-encryption-by-default")
	if !aws.ToBool(ebs.EbsEncryptionByDefault) {
		l.failIn(stack, label, "EBS encryption by default is off")
	}
	key, err := cl.ec2.GetEbsDefaultKmsKeyId(ctx, &ec2.GetEbsDefaultKmsKeyIdInput{})
	if err != nil {
		return nil, err
	}
	keyID := aws.ToString(key.KmsKeyId)
	switch c.EbsKey {
	case "customer-managed":
		id := keyID[strings.LastIndex(keyID, "/")+1:]
		if !slices.Contains(h.idsIn(stack, "AWS::KMS::Key"), id) {
			l.failIn(stack, label, "EBS encrypts with %s by default, want the stack's own key (compliance.ebsKey: customer-managed)", keyID)
		}
	default:
		if keyID != "alias/aws/ebs" {
			l.failIn(stack, label, "EBS encrypts with %s by default, want alias/aws/ebs (compliance.ebsKey: %s)", keyID, c.EbsKey)
		}
	}
	l.c.seen("on, key %s (compliance.ebsKey: %s)", keyID, c.EbsKey)

	if region == v.org.HomeRegion {
		l.c.start("IAM password policy")
		pp, err := cl.iam.GetAccountPasswordPolicy(ctx, &iam.GetAccountPasswordPolicyInput{})
		label := h.labelIn(stack, "Custom::AWS", "iam-account-password-policy")
		if err != nil {
			l.failIn(stack, label, "the account has no password policy: %v", err)
		} else {
			p := pp.PasswordPolicy
			got := map[string]any{
				"MinimumPasswordLength":      int(aws.ToInt32(p.MinimumPasswordLength)),
				"RequireSymbols":             p.RequireSymbols,
				"RequireNumbers":             p.RequireNumbers,
				"RequireUppercaseCharacters": p.RequireUppercaseCharacters,
				"RequireLowercaseCharacters": p.RequireLowercaseCharacters,
				"AllowUsersToChangePassword": p.AllowUsersToChangePassword,
				"MaxPasswordAge":             int(aws.ToInt32(p.MaxPasswordAge)),
				"PasswordReusePrevention":    int(aws.ToInt32(p.PasswordReusePrevention)),
				"HardExpiry":                 aws.ToBool(p.HardExpiry),
			}
			want := hardening.PasswordPolicy(c.PasswordMaxAgeDays)
			for _, k := range slices.Sorted(maps.Keys(want)) {
				if fmt.Sprint(got[k]) != fmt.Sprint(want[k]) {
					why := ""
					if k == "MaxPasswordAge" {
						why = " (compliance.passwordMaxAgeDays)"
					}
					l.failIn(stack, label, "%s is %v, want %v%s", k, got[k], want[k], why)
				}
			}
			l.c.seen("%d characters, symbols, numbers, upper and lower case, reuse of the last %d refused, expires after %d days",
				got["MinimumPasswordLength"], got["PasswordReusePrevention"], got["MaxPasswordAge"])
		}

		l.c.start("account public access")
		label = h.labelIn(stack, "Custom::AWS", "s3-account-public-access-block")
		pab, err := v.accountPublicAccessBlock(ctx, a.ID, region)
		switch {
		case err != nil:
			l.failIn(stack, label, "the account has no S3 public access block: %v", err)
		case !pab.BlockPublicAcls || !pab.IgnorePublicAcls || !pab.BlockPublicPolicy || !pab.RestrictPublicBuckets:
			l.failIn(stack, label, "the account's S3 public access block is %+v, want every setting on", *pab)
		default:
			l.c.seen("S3 blocks public ACLs and policies account-wide: all four settings on (S3 Control GetPublicAccessBlock)")
		}
	}

	l.c.start("no SSH or RDP")
	var groups []ec2types.SecurityGroup
	sp := ec2.NewDescribeSecurityGroupsPaginator(cl.ec2, &ec2.DescribeSecurityGroupsInput{})
	for sp.HasMorePages() {
		page, err := sp.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		groups = append(groups, page.SecurityGroups...)
	}
	defaults := map[string]bool{} // the default VPCs
	vp := ec2.NewDescribeVpcsPaginator(cl.ec2, &ec2.DescribeVpcsInput{Filters: []ec2types.Filter{{Name: aws.String("is-default"), Values: []string{"true"}}}})
	for vp.HasMorePages() {
		page, err := vp.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, vpc := range page.Vpcs {
			defaults[aws.ToString(vpc.VpcId)] = true
		}
	}
	for _, g := range groups {
		id := aws.ToString(g.GroupId)
		// The default group of a default VPC is AWS's, not deployed: it
		// admits everything, but only from its own members.
		selfOnly := aws.ToString(g.GroupName) == "default" && defaults[aws.ToString(g.VpcId)]
		gstack, glabel := h.holding(a.ID, region, "AWS::EC2::SecurityGroup", id)
		if gstack == "" {
			glabel = fmt.Sprintf("%s (%s, VPC %s)", id, aws.ToString(g.GroupName), aws.ToString(g.VpcId))
		}
		for _, p := range g.IpPermissions {
			fromElsewhere := len(p.IpRanges) > 0 || len(p.Ipv6Ranges) > 0 || len(p.PrefixListIds) > 0
			for _, pair := range p.UserIdGroupPairs {
				if aws.ToString(pair.GroupId) != id {
					fromElsewhere = true
				}
			}
			if selfOnly && !fromElsewhere {
				continue
			}
			for _, port := range []int32{22, 3389} {
				if covers(aws.ToString(p.IpProtocol), p.FromPort, p.ToPort, port) {
					l.failIn(gstack, glabel, "admits port %d (%s)", port, portsOf(p))
				}
			}
		}
	}
	l.c.seen("%d security groups, none admits 22 or 3389 (the default VPC's default group, AWS's: only from its own members; deleteDefaultVpcs %t)",
		len(groups), c.DeleteDefaultVPCs)

	l.c.start("no key pairs")
	kp, err := cl.ec2.DescribeKeyPairs(ctx, &ec2.DescribeKeyPairsInput{})
	if err != nil {
		return nil, err
	}
	for _, k := range kp.KeyPairs {
		l.failIn("", fmt.Sprintf("%s [EC2 key pair %s]", aws.ToString(k.KeyPairId), aws.ToString(k.KeyName)), "exists; instances are reached through Session Manager only")
	}
	l.c.seen("%d EC2 key pairs", len(kp.KeyPairs))
	return l.t, nil
}

// publicAccessBlock is S3's public access block configuration.
type publicAccessBlock struct {
	BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets bool
}

// accountPublicAccessBlock reads the account's S3 public access block
// through S3 Control's REST API. The SDK's endpoint rules put the account
// id in the host name (<account>.localhost, which does not resolve), so the
// request is signed here and sent to the emulator's own host, with the
// account in x-amz-account-id as the API wants it.
func (v *verifier) accountPublicAccessBlock(ctx context.Context, account, region string) (*publicAccessBlock, error) {
	data, err := v.signedRaw(ctx, account, region, "s3", http.MethodGet, "/v20180820/configuration/publicAccessBlock", "",
		map[string]string{"x-amz-account-id": account}, nil)
	if err != nil {
		return nil, err
	}
	var out struct {
		publicAccessBlock
		Wrapped *publicAccessBlock `xml:"PublicAccessBlockConfiguration"`
	}
	if err := xml.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("GetPublicAccessBlock: %w: %.200s", err, data)
	}
	if out.Wrapped != nil {
		return out.Wrapped, nil
	}
	return &out.publicAccessBlock, nil
}

// configOrganization checks the organization's side of AWS Config in the
// security account and region: the conformance pack with the org file's
// rules; in the home region the organization aggregator and the security
// account's delegation for config and config-multiaccountsetup.
func (v *verifier) configOrganization(ctx context.Context, h *held, region string) (*target, error) {
	sec := v.org.AccountByRole(config.RoleSecurity)
	mgmt := v.org.Management()
	l := newLogChecker("AWS Config organization", sec.ID, region)
	stack := stacks.StackName(v.org.Name, "compliance", sec.Name, region)
	cs := configservice.NewFromConfig(sdkConfig(v.endpoint, region, v.creds[sec.ID]))
	home := region == v.org.HomeRegion

	if home {
		l.c.start("delegated administrators")
		orgs := organizations.NewFromConfig(sdkConfig(v.endpoint, region, v.mgmt))
		astack := stacks.StackName(v.org.Name, "orgadmin", mgmt.Name, region)
		var seen []string
		for _, sp := range configrecorder.ServicePrincipals {
			d, err := orgs.ListDelegatedAdministrators(ctx, &organizations.ListDelegatedAdministratorsInput{ServicePrincipal: aws.String(sp)})
			if err != nil {
				return nil, fmt.Errorf("ListDelegatedAdministrators %s: %w", sp, err)
			}
			var ids []string
			for _, a := range d.DelegatedAdministrators {
				ids = append(ids, aws.ToString(a.Id))
			}
			if !slices.Equal(ids, []string{sec.ID}) {
				l.failIn(astack, "delegated administrators for "+sp, "are %s, want %s (%s)", orNone(ids), sec.ID, sec.Name)
			}
			seen = append(seen, fmt.Sprintf("%s: %s", sp, orNone(ids)))
		}
		ds, err := orgs.ListDelegatedServicesForAccount(ctx, &organizations.ListDelegatedServicesForAccountInput{AccountId: aws.String(sec.ID)})
		if err != nil {
			return nil, fmt.Errorf("ListDelegatedServicesForAccount %s: %w", sec.ID, err)
		}
		var services []string
		for _, s := range ds.DelegatedServices {
			services = append(services, aws.ToString(s.ServicePrincipal))
		}
		for _, sp := range configrecorder.ServicePrincipals {
			if !slices.Contains(services, sp) {
				l.failIn(astack, "delegated services of "+sec.ID, "are %s, missing %s", orNone(services), sp)
			}
		}
		l.c.seen("%s (via %s)", strings.Join(seen, "; "), astack)

		l.c.start("organization aggregator")
		aggs, err := cs.DescribeConfigurationAggregators(ctx, &configservice.DescribeConfigurationAggregatorsInput{})
		if err != nil {
			return nil, err
		}
		if len(aggs.ConfigurationAggregators) != 1 {
			l.failIn(stack, "[AWS::Config::ConfigurationAggregator]", "the security account has %d aggregators in the home region, want 1", len(aggs.ConfigurationAggregators))
		} else {
			agg := aggs.ConfigurationAggregators[0]
			name := aws.ToString(agg.ConfigurationAggregatorName)
			label := h.labelIn(stack, "AWS::Config::ConfigurationAggregator", name)
			src := agg.OrganizationAggregationSource
			switch {
			case src == nil:
				l.failIn(stack, label, "is not an organization aggregator")
			case !src.AllAwsRegions:
				l.failIn(stack, label, "does not aggregate all regions")
			default:
				role := aws.ToString(src.RoleArn)
				roleName := role[strings.LastIndex(role, "/")+1:]
				cl := newClients(v.endpoint, sec.ID, region, v.creds[sec.ID])
				if tr, err := roleTrust(ctx, cl, roleName); err != nil {
					l.failIn(stack, label, "role %s: %v", role, err)
				} else if !slices.Equal(tr.services, []string{"config.amazonaws.com"}) || len(tr.aws) > 0 {
					l.failIn(stack, h.labelIn(stack, "AWS::IAM::Role", roleName), "trusts %v %v; want only config.amazonaws.com", tr.services, tr.aws)
				}
				l.c.seen("%s: the organization, all regions, role for config.amazonaws.com (the emulator aggregates nothing)", name)
			}
		}
	}

	l.c.start("conformance pack")
	pack := v.org.ConformancePackName()
	label := h.labelIn(stack, "AWS::Config::OrganizationConformancePack", pack)
	d, err := cs.DescribeOrganizationConformancePacks(ctx, &configservice.DescribeOrganizationConformancePacksInput{OrganizationConformancePackNames: []string{pack}})
	if err != nil || len(d.OrganizationConformancePacks) != 1 {
		l.failIn(stack, label, "the organization conformance pack does not exist in the security account: %v", err)
		return l.t, nil
	}
	if problem, ok := unmanagedExcluded(v.org.Compliance, d.OrganizationConformancePacks[0].ExcludedAccounts); !ok {
		l.failIn(stack, label, "%s", problem)
	}
	// Config returns no pack's template; the emulator keeps it (see
	// launcher.py). In AWS the members' OrgConformsPack-* rules show it.
	var records struct {
		ConformancePacks map[string]map[string]struct{ TemplateBody string }
	}
	if err := v.getJSON(ctx, "/moto-api/palisade/records", &records); err != nil {
		return nil, err
	}
	body := records.ConformancePacks[sec.ID+"/"+region][pack].TemplateBody
	var tmpl struct {
		Resources map[string]struct {
			Type       string
			Properties struct {
				ConfigRuleName  string
				Source          struct{ Owner, SourceIdentifier string }
				InputParameters map[string]any
			}
		}
	}
	if err := json.Unmarshal([]byte(body), &tmpl); err != nil {
		l.failIn(stack, label, "the template body is not JSON: %v", err)
		return l.t, nil
	}
	got := map[string]string{}
	var passwordParams map[string]any
	for _, r := range tmpl.Resources {
		if r.Type != "AWS::Config::ConfigRule" {
			continue
		}
		p := r.Properties
		got[p.ConfigRuleName] = p.Source.Owner + " " + p.Source.SourceIdentifier
		if p.Source.SourceIdentifier == "IAM_PASSWORD_POLICY" {
			passwordParams = p.InputParameters
		}
	}
	c := v.org.Compliance
	want := map[string]string{}
	for name, id := range conformancepack.Rules(&conformancepack.Props{PackName: pack, ExtraRules: c.ExtraRules, DisabledRules: c.DisabledRules}) {
		want[name] = "AWS " + id
	}
	for _, name := range slices.Sorted(maps.Keys(want)) {
		switch g, ok := got[name]; {
		case !ok:
			why := "a baseline rule"
			if _, extra := c.ExtraRules[name]; extra {
				why = "compliance.extraRules"
			}
			l.failIn(stack, label, "has no rule %s (%s), want %s", name, why, want[name])
		case g != want[name]:
			l.failIn(stack, label, "rule %s is %s, want %s", name, g, want[name])
		}
	}
	for _, name := range slices.Sorted(maps.Keys(got)) {
		if _, ok := want[name]; !ok {
			why := ""
			if r, disabled := c.DisabledRules[name]; disabled {
				why = fmt.Sprintf(": compliance.disabledRules drops it (%q)", r)
			}
			l.failIn(stack, label, "has rule %s (%s), which the org file does not ask for%s", name, got[name], why)
		}
	}
	// The pack's password rule checks exactly the policy the org file sets.
	if passwordParams != nil {
		num := func(k string) int { n, _ := strconv.Atoi(fmt.Sprint(passwordParams[k])); return n }
		if num("MaxPasswordAge") != c.PasswordMaxAgeDays || num("MinimumPasswordLength") != 14 || num("PasswordReusePrevention") != 24 {
			l.failIn(stack, label, "iam-password-policy parameters %v are not the policy the org file sets (14 characters, reuse 24, max age %d)",
				passwordParams, c.PasswordMaxAgeDays)
		}
	}
	l.c.seen("%s: %d rules as the org file asks (baseline %d - disabled %d + extra %d; template as the emulator keeps it: members get no rules there)",
		pack, len(got), len(conformancepack.Baseline), len(c.DisabledRules), len(c.ExtraRules))
	return l.t, nil
}

// cisAlarms checks the CIS metric filters on the organization trail's log
// group in the management account's home region, each with its alarm to a
// topic that exists.
func (v *verifier) cisAlarms(ctx context.Context, h *held) (*target, error) {
	mgmt, home := v.org.Management(), v.org.HomeRegion
	l := newLogChecker("CIS alarms", mgmt.ID, home)
	stack := stacks.StackName(v.org.Name, "trail", mgmt.Name, home)
	cl := newClients(v.endpoint, mgmt.ID, home, v.creds[mgmt.ID])
	l.c.start("metric filters")
	ct := cloudtrail.NewFromConfig(sdkConfig(v.endpoint, home, v.creds[mgmt.ID]))
	tr, err := ct.GetTrail(ctx, &cloudtrail.GetTrailInput{Name: aws.String(v.org.TrailName())})
	if err != nil {
		l.failIn(stack, v.org.TrailName()+" [AWS::CloudTrail::Trail]", "the organization trail does not exist: %v", err)
		return l.t, nil
	}
	arn := strings.TrimSuffix(aws.ToString(tr.Trail.CloudWatchLogsLogGroupArn), ":*")
	// No log group (logging.trail.cloudWatchLogs: false) leaves the ARN empty.
	_, group, _ := strings.Cut(arn, ":log-group:")
	want := v.org.Compliance.CISAlarms && v.org.Logging.Trail.CloudWatchLogs
	var filters []struct{ name, pattern, metric, namespace, value string }
	if group != "" {
		fp := cloudwatchlogs.NewDescribeMetricFiltersPaginator(cl.logs, &cloudwatchlogs.DescribeMetricFiltersInput{LogGroupName: aws.String(group)})
		for fp.HasMorePages() {
			page, err := fp.NextPage(ctx)
			if err != nil {
				return nil, err
			}
			for _, f := range page.MetricFilters {
				for _, m := range f.MetricTransformations {
					filters = append(filters, struct{ name, pattern, metric, namespace, value string }{
						aws.ToString(f.FilterName), aws.ToString(f.FilterPattern), aws.ToString(m.MetricName), aws.ToString(m.MetricNamespace), aws.ToString(m.MetricValue)})
				}
			}
		}
	}
	if !want {
		if len(filters) > 0 {
			l.failIn(stack, group+" [AWS::Logs::LogGroup]", "has %d metric filters, but the org file turns the CIS alarms off (compliance.cisAlarms: %t, logging.trail.cloudWatchLogs: %t)",
				len(filters), v.org.Compliance.CISAlarms, v.org.Logging.Trail.CloudWatchLogs)
		}
		l.c.seen("off in the org file; %d metric filters", len(filters))
		return l.t, nil
	}
	if group == "" {
		l.failIn(stack, h.labelIn(stack, "AWS::CloudTrail::Trail", v.org.TrailName()), "delivers to no CloudWatch log group, so there is nothing to filter")
		return l.t, nil
	}
	metrics := map[string]string{} // metric name -> namespace
	var controls []string
	for _, m := range cisalarms.Monitors {
		i := slices.IndexFunc(filters, func(f struct{ name, pattern, metric, namespace, value string }) bool { return f.metric == m.Name })
		if i < 0 {
			l.failIn(stack, group+" [AWS::Logs::LogGroup]", "has no metric filter for CIS %s (%s, metric %s)", m.Control, m.Description, m.Name)
			continue
		}
		f := filters[i]
		flabel := h.labelIn(stack, "AWS::Logs::MetricFilter", f.name)
		if f.pattern != m.Pattern {
			l.failIn(stack, flabel, "CIS %s pattern is %s, want %s", m.Control, f.pattern, m.Pattern)
		}
		if f.value != "1" {
			l.failIn(stack, flabel, "CIS %s metric value is %s, want 1", m.Control, f.value)
		}
		metrics[m.Name] = f.namespace
		controls = append(controls, m.Control)
	}
	l.c.seen("%d of %d CIS controls filtered on %s: %s", len(controls), len(cisalarms.Monitors), group, strings.Join(controls, " "))

	l.c.start("alarms")
	alarms, err := v.describeAlarms(ctx, mgmt.ID, home)
	if err != nil {
		return nil, err
	}
	topics := map[string]bool{}
	n := 0
	for _, m := range cisalarms.Monitors {
		ns, ok := metrics[m.Name]
		if !ok {
			continue
		}
		i := slices.IndexFunc(alarms, func(a metricAlarm) bool { return a.MetricName == m.Name && a.Namespace == ns })
		if i < 0 {
			l.failIn(stack, "[AWS::CloudWatch::Alarm]", "no alarm on metric %s/%s (CIS %s)", ns, m.Name, m.Control)
			continue
		}
		a := alarms[i]
		alabel := h.labelIn(stack, "AWS::CloudWatch::Alarm", a.AlarmName)
		if a.Statistic != "Sum" || a.ComparisonOperator != "GreaterThanOrEqualToThreshold" || a.Threshold != 1 || a.EvaluationPeriods != 1 {
			l.failIn(stack, alabel, "fires on %s %s %g over %d periods, want Sum GreaterThanOrEqualToThreshold 1 over 1", a.Statistic, a.ComparisonOperator, a.Threshold, a.EvaluationPeriods)
		}
		if len(a.AlarmActions) == 0 {
			l.failIn(stack, alabel, "has no alarm action")
		}
		for _, t := range a.AlarmActions {
			if !strings.HasPrefix(t, "arn:aws:sns:"+home+":"+mgmt.ID+":") {
				l.failIn(stack, alabel, "alarm action %s is not a topic of the management account in %s", t, home)
				continue
			}
			if _, ok := topics[t]; !ok {
				var attrs json.RawMessage
				topics[t] = v.query(ctx, mgmt.ID, home, "sns", url.Values{"Action": {"GetTopicAttributes"}, "TopicArn": {t}}, &attrs) == nil
			}
			if !topics[t] {
				l.failIn(stack, alabel, "alarm action %s: the topic does not exist", t)
			}
		}
		n++
	}
	l.c.seen("%d alarms (Sum >= 1 in 5 min) to %s (the emulator matches no events: alarms never fire)", n, orNone(slices.Sorted(maps.Keys(topics))))
	return l.t, nil
}

// metricAlarm is one CloudWatch alarm of DescribeAlarms.
type metricAlarm struct {
	AlarmName, MetricName, Namespace, Statistic, ComparisonOperator string
	Period, EvaluationPeriods                                       int
	Threshold                                                       float64
	AlarmActions                                                    []string `xml:"AlarmActions>member"`
}

// describeAlarms lists the metric alarms of account and region through
// CloudWatch's query API.
func (v *verifier) describeAlarms(ctx context.Context, account, region string) ([]metricAlarm, error) {
	var all []metricAlarm
	token := ""
	for {
		params := url.Values{"Action": {"DescribeAlarms"}, "Version": {"2010-08-01"}}
		if token != "" {
			params.Set("NextToken", token)
		}
		data, err := v.signedRaw(ctx, account, region, "monitoring", http.MethodPost, "/", "application/x-www-form-urlencoded", nil, []byte(params.Encode()))
		if err != nil {
			return nil, err
		}
		var out struct {
			Alarms    []metricAlarm `xml:"DescribeAlarmsResult>MetricAlarms>member"`
			NextToken string        `xml:"DescribeAlarmsResult>NextToken"`
		}
		if err := xml.Unmarshal(data, &out); err != nil {
			return nil, fmt.Errorf("DescribeAlarms: %w: %.200s", err, data)
		}
		all = append(all, out.Alarms...)
		if out.NextToken == "" {
			return all, nil
		}
		token = out.NextToken
	}
}

// signedRaw sends a request signed with the account's credentials and
// returns the body of a 200 answer.
func (v *verifier) signedRaw(ctx context.Context, account, region, service, method, path, contentType string, headers map[string]string, body []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, v.endpoint+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, val := range headers {
		req.Header.Set(k, val)
	}
	req.Header.Set("x-moto-account-id", account)
	sum := sha256.Sum256(body)
	req.Header.Set("X-Amz-Content-Sha256", hex.EncodeToString(sum[:]))
	if err := v4.NewSigner().SignHTTP(ctx, v.creds[account], req, hex.EncodeToString(sum[:]), service, region, time.Now()); err != nil {
		return nil, err
	}
	status, data, err := emulator.Call(req)
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, fmt.Errorf("%s %s: HTTP %d: %s", method, path, status, lastLines(string(bytes.TrimSpace(data)), 3))
	}
	return data, nil
}
