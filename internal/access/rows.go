package access

import (
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/palisade-sec/palisade/config"
	"github.com/palisade-sec/palisade/deployplan"
)

// Outside stands for the world outside the org in the DENIED rows: an
// account of another organization.
const (
	OutsideAccount = "999999999999"
	OutsideOrgID   = "o-otherorg0001"
)

// Docs the rows cite, by the title AWS gives them.
const (
	docTrailS3    = "CloudTrail User Guide, Amazon S3 bucket policy for CloudTrail (organization trails)"
	docTrailKMS   = "CloudTrail User Guide, Configure AWS KMS key policies for CloudTrail"
	docTrailPaths = "CloudTrail User Guide, Finding your CloudTrail log files (AWSLogs/O-ID/Account ID/CloudTrail/Region/...)"
	docConfigS3   = "AWS Config Developer Guide, Permissions for the Amazon S3 Bucket for the AWS Config Delivery Channel"
	docConfigKMS  = "AWS Config Developer Guide, Permissions for the KMS Key for the AWS Config Delivery Channel"
	docFlowS3     = "Amazon VPC User Guide, Flow logs: Amazon S3 bucket permissions for flow logs / Required key policy for SSE-KMS"
	docGuardDuty  = "GuardDuty User Guide, Exporting generated findings to Amazon S3 (bucket and KMS key policies)"
	docSessions   = "Systems Manager User Guide, Create a custom IAM instance profile for Session Manager (S3 and AWS KMS) / Logging session data using Amazon S3"
	docS3KMS      = "Amazon S3 User Guide, Using SSE-KMS (kms:ViaService, encryption context aws:s3:arn is the bucket ARN with S3 Bucket Keys)"
	docDest       = "CloudWatch Logs User Guide, Cross-account cross-Region subscriptions: Create a destination (destination policy, role trusted by logs.amazonaws.com with aws:SourceArn)"
	docFirehose   = "Amazon Data Firehose Developer Guide, Grant Firehose access to an Amazon S3 destination (sts:ExternalId, role policy)"
	docSNSAlarms  = "Amazon SNS Developer Guide, Enable compatibility between event sources from AWS services and encrypted topics; CloudWatch User Guide, Using Amazon CloudWatch alarms (aws:SourceArn of the alarm)"
	docSNSEvents  = "Amazon SNS Developer Guide, Enable compatibility between event sources from AWS services and encrypted topics; EventBridge User Guide, Amazon SNS permissions"
	docCrossAcct  = "IAM User Guide, Cross-account policy evaluation logic (identity policy AND resource policy)"
	docDeputy     = "IAM User Guide, The confused deputy problem (aws:SourceArn, aws:SourceAccount, aws:SourceOrgID)"
	docSCP        = "AWS Organizations User Guide, Service control policies (SCPs): effects on permissions, inheritance"
	docSCPRoot    = "AWS Organizations User Guide, SCPs affect the root user of member accounts"
	docASGKMS     = "Amazon EC2 Auto Scaling User Guide, Required AWS KMS key policy for use with encrypted volumes (the service-linked role AWSServiceRoleForAutoScaling, kms:CreateGrant with kms:GrantIsForAWSResource)"
	docKMSVia     = "AWS KMS Developer Guide, kms:ViaService and kms:CallerAccount condition keys"
	docGlobalKeys = "IAM User Guide, AWS global condition context keys (aws:SourceOrgID, aws:PrincipalOrgID present when the account is in an organization)"
)

// fullAWSAccess is the AWS managed SCP attached to every root, OU and
// account by default (AWS Organizations User Guide, "Inheritance for
// service control policies").
const fullAWSAccess = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`

// administratorAccess is the AWS managed policy AdministratorAccess's
// document: what a member account's admin role has.
const administratorAccess = fullAWSAccess

// ExecRoleName is the CDK bootstrap's CloudFormation execution role in an
// account and region (CDK Developer Guide, "Bootstrapping: the bootstrap
// template", default qualifier hnb659fds).
func ExecRoleName(account, region string) string {
	return fmt.Sprintf("cdk-hnb659fds-cfn-exec-role-%s-%s", account, region)
}

// ProtectedActions are what the guardrails exist for: the calls that turn
// off or blind the org's security baseline, which no member account's admin
// may make (README: "behind service control policies that keep member
// accounts from turning any of it off"). The list is the matrix's spec, not
// read from the SCP, so that dropping one from the SCP turns a row red.
var ProtectedActions = []string{
	"cloudtrail:StopLogging", "cloudtrail:DeleteTrail", "cloudtrail:UpdateTrail", "cloudtrail:PutEventSelectors",
	"cloudtrail:DeleteEventDataStore", "cloudtrail:UpdateEventDataStore", "cloudtrail:StopEventDataStoreIngestion",
	"config:StopConfigurationRecorder", "config:DeleteConfigurationRecorder", "config:PutConfigurationRecorder",
	"config:DeleteDeliveryChannel", "config:PutDeliveryChannel", "config:DeleteRetentionConfiguration",
	"guardduty:DeleteDetector", "guardduty:UpdateDetector", "guardduty:DisassociateFromMasterAccount",
	"guardduty:DisassociateFromAdministratorAccount", "guardduty:DeleteMembers", "guardduty:DisassociateMembers",
	"guardduty:StopMonitoringMembers", "guardduty:DeletePublishingDestination", "guardduty:UpdatePublishingDestination",
	"securityhub:DisableSecurityHub", "securityhub:DisassociateFromMasterAccount", "securityhub:DisassociateFromAdministratorAccount",
	"securityhub:DeleteMembers", "securityhub:DisassociateMembers", "securityhub:BatchDisableStandards",
	"securityhub:DeleteConfigurationPolicy", "securityhub:StartConfigurationPolicyDisassociation",
	"securityhub:DeleteFindingAggregator", "securityhub:UpdateOrganizationConfiguration",
	"access-analyzer:DeleteAnalyzer", "ec2:DeleteFlowLogs", "logs:DeleteSubscriptionFilter", "organizations:LeaveOrganization",
}

// protectedResource is the resource a protected action acts on in account
// a, region r, as the Service Authorization Reference names its resource
// type; the wrapper evaluates actions without resource types on "*".
func protectedResource(action, a, r, trail, logGroup string) string {
	svc, name, _ := strings.Cut(action, ":")
	switch svc {
	case "cloudtrail":
		if strings.Contains(name, "EventDataStore") {
			return fmt.Sprintf("arn:aws:cloudtrail:%s:%s:eventdatastore/EXAMPLE-f852-4e8f-8bd1-bcf6cEXAMPLE", r, a)
		}
		return fmt.Sprintf("arn:aws:cloudtrail:%s:%s:trail/%s", r, a, trail)
	case "guardduty":
		detector := fmt.Sprintf("arn:aws:guardduty:%s:%s:detector/12abc34d567e8fa901bc2d34eexample", r, a)
		if strings.Contains(name, "PublishingDestination") {
			return detector + "/publishingdestination/a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9"
		}
		return detector
	case "securityhub":
		switch {
		case strings.Contains(name, "ConfigurationPolicy") && !strings.Contains(name, "Disassociation"):
			return fmt.Sprintf("arn:aws:securityhub:%s:%s:configuration-policy/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111", r, a)
		case strings.Contains(name, "FindingAggregator"):
			return fmt.Sprintf("arn:aws:securityhub:%s:%s:finding-aggregator/a1b2c3d4-5678-90ab-cdef-EXAMPLE22222", r, a)
		}
		return fmt.Sprintf("arn:aws:securityhub:%s:%s:hub/default", r, a)
	case "access-analyzer":
		return fmt.Sprintf("arn:aws:access-analyzer:%s:%s:analyzer/ConsoleAnalyzer-example", r, a)
	case "ec2":
		return fmt.Sprintf("arn:aws:ec2:%s:%s:vpc-flow-log/fl-0123456789abcdef0", r, a)
	case "logs":
		return fmt.Sprintf("arn:aws:logs:%s:%s:log-group:%s:*", r, a, logGroup)
	case "config":
		return fmt.Sprintf("arn:aws:config:%s:%s:configuration-recorder/default/abcdefghijklmnop", r, a)
	}
	return "*"
}

// Inputs are what the rows are built from.
type Inputs struct {
	Org      *config.Org
	Assembly *Assembly
	Policies *Policies
	// ExecPolicies are deploy/execution-policy-*.json: every account's CDK
	// bootstrap attaches all of them to its execution role
	// (deployplan.Bootstrap).
	ExecPolicies []string
}

type builder struct {
	Inputs
	rows []Row
	errs []error
}

// Rows builds the matrix for an org. An error names every path whose
// policies are missing from the templates (a missing bucket policy is a
// finding, not a row to skip).
func Rows(in Inputs) ([]Row, error) {
	b := &builder{Inputs: in}
	b.trail()
	b.configDelivery()
	b.flowLogs()
	b.guardDuty()
	b.sessions()
	b.ebsKeys()
	b.subscriptions()
	b.firehose()
	b.topics()
	b.members()
	b.outsiders()
	if len(in.Org.Detection.PolicyTargets) > 0 {
		b.guardrails()
	}
	return b.rows, errors.Join(b.errs...)
}

func (b *builder) add(r Row) { b.rows = append(b.rows, r) }

func (b *builder) errorf(format string, args ...any) {
	b.errs = append(b.errs, fmt.Errorf(format, args...))
}

// instanceAccounts are the accounts that run instances and forward log
// groups: every account but the management account.
func (b *builder) instanceAccounts() []string {
	var ids []string
	for _, a := range b.Org.AllAccounts {
		if a.Role != config.RoleManagement {
			ids = append(ids, a.ID)
		}
	}
	return ids
}

func (b *builder) inOrg(account string) bool {
	return slices.Contains(b.Org.AccountIDs(), account)
}

// serviceContext is what an AWS service sends when it acts for a source
// resource (IAM User Guide, "AWS global condition context keys":
// aws:SourceAccount, aws:SourceArn, and aws:SourceOrgID when the source
// account is in an organization).
func (b *builder) serviceContext(sourceAccount, sourceArn, service string) map[string][]string {
	c := map[string][]string{
		"aws:SecureTransport":       {"true"},
		"aws:PrincipalIsAWSService": {"true"},
		"aws:PrincipalServiceName":  {service},
	}
	if sourceAccount != "" {
		c["aws:SourceAccount"] = []string{sourceAccount}
		if b.inOrg(sourceAccount) {
			c["aws:SourceOrgID"] = []string{b.Org.OrganizationID}
		} else {
			c["aws:SourceOrgID"] = []string{OutsideOrgID}
		}
	}
	if sourceArn != "" {
		c["aws:SourceArn"] = []string{sourceArn}
	}
	return c
}

// principalContext is what any request of an IAM principal of account
// carries (aws:PrincipalOrgID: IAM User Guide, global condition keys).
func (b *builder) principalContext(account, region string) map[string][]string {
	c := map[string][]string{
		"aws:SecureTransport":       {"true"},
		"aws:PrincipalIsAWSService": {"false"},
		"aws:RequestedRegion":       {region},
	}
	if b.inOrg(account) {
		c["aws:PrincipalOrgID"] = []string{b.Org.OrganizationID}
	} else {
		c["aws:PrincipalOrgID"] = []string{OutsideOrgID}
	}
	return c
}

// with adds S3's own keys to a context for an S3 action (the archive's
// policies deny requests without TLS 1.2 or later).
func with(c map[string][]string, kv ...string) map[string][]string {
	out := map[string][]string{}
	for k, v := range c {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = append(out[kv[i]], kv[i+1])
	}
	return out
}

func s3ctx(c map[string][]string) map[string][]string { return with(c, "s3:TlsVersion", "1.3") }

// scps are the SCP levels for a principal of account: the root's (FullAWSAccess
// and every SCP targeting a root) and the account's (FullAWSAccess and every
// SCP targeting the account id). SCPs attached to OUs are not placed: the org
// file does not say which OU an account is in. The management account has
// none (SCPs do not affect it).
func (b *builder) scps(account string) [][]string {
	if account == b.Org.Management().ID || !b.inOrg(account) {
		return nil
	}
	root, acct := []string{fullAWSAccess}, []string{fullAWSAccess}
	for _, s := range b.Policies.SCPs {
		for _, t := range s.Targets {
			switch {
			case strings.HasPrefix(t, "r-"):
				root = append(root, s.Content)
			case t == account:
				acct = append(acct, s.Content)
			}
		}
	}
	return [][]string{root, acct}
}

// bucketKey is the KMS key ARN a bucket encrypts with by default.
func (b *builder) bucketKey(bucket string) string {
	for _, f := range b.Policies.Resources["AWS::S3::Bucket"] {
		if f.ARN != "arn:aws:s3:::"+bucket {
			continue
		}
		raw, _ := json.Marshal(f.Properties["BucketEncryption"])
		var enc struct {
			ServerSideEncryptionConfiguration []struct {
				ServerSideEncryptionByDefault struct{ KMSMasterKeyID string }
			}
		}
		_ = json.Unmarshal(raw, &enc)
		if len(enc.ServerSideEncryptionConfiguration) > 0 {
			return b.keyARN(enc.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.KMSMasterKeyID)
		}
	}
	return ""
}

// keyARN resolves an alias ARN to its key.
func (b *builder) keyARN(k string) string {
	if target, ok := b.Policies.Aliases[k]; ok {
		return target
	}
	return k
}

func (b *builder) bucketPolicy(bucket string) string {
	p, ok := b.Policies.Buckets[bucket]
	if !ok {
		b.errorf("bucket %s has no bucket policy in the templates", bucket)
	}
	return p
}

func (b *builder) keyPolicy(key string) string {
	p, ok := b.Policies.Keys[key]
	if !ok {
		b.errorf("key %s has no key policy in the templates", key)
	}
	return p
}

func accountOf(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 5 {
		return ""
	}
	return parts[4]
}

func regionOf(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 4 {
		return ""
	}
	return parts[3]
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// ---- ALLOWED: the services' own deliveries ----

// trail: the organization trail writes every account's log files and digests
// of every region to its bucket, encrypted with its key.
func (b *builder) trail() {
	var trails []Found
	for _, f := range b.Policies.Resources["AWS::CloudTrail::Trail"] {
		if f.Properties["IsOrganizationTrail"] == true {
			trails = append(trails, f)
		}
	}
	if len(trails) == 0 {
		b.errorf("no organization trail in the templates")
	}
	mgmt := b.Org.Management().ID
	sec := b.Org.Security().ID
	for _, t := range trails {
		bucket := str(t.Properties["S3BucketName"])
		bp := b.bucketPolicy(bucket)
		ctx := b.serviceContext(mgmt, t.ARN, "cloudtrail.amazonaws.com")
		b.add(Row{Name: "trail: bucket ACL check", Want: Allowed, Doc: docTrailS3, Request: Request{
			Principal: "cloudtrail.amazonaws.com", Action: "s3:GetBucketAcl", Resource: "arn:aws:s3:::" + bucket,
			ResourceAccount: sec, Context: s3ctx(ctx), ResourcePolicy: bp}})
		day := "2026/01/15"
		for _, a := range b.Org.AccountIDs() {
			for _, r := range b.Org.Regions {
				for _, kind := range []string{"CloudTrail", "CloudTrail-Digest"} {
					file := fmt.Sprintf("%s_%s_%s_20260115T0000Z_abcdefgh12345678.json.gz", a, kind, r)
					keys := []string{fmt.Sprintf("AWSLogs/%s/%s/%s/%s/%s/%s", b.Org.OrganizationID, a, kind, r, day, file)}
					if a == mgmt { // the management account's own events also go under AWSLogs/<its id>/
						keys = append(keys, fmt.Sprintf("AWSLogs/%s/%s/%s/%s/%s", a, kind, r, day, file))
					}
					for _, k := range keys {
						b.add(Row{Name: fmt.Sprintf("trail: %s of %s in %s", kind, a, r), Want: Allowed, Doc: docTrailPaths, Request: Request{
							Principal: "cloudtrail.amazonaws.com", Action: "s3:PutObject", Resource: "arn:aws:s3:::" + bucket + "/" + k,
							ResourceAccount: sec, Context: s3ctx(with(ctx, "s3:x-amz-acl", "bucket-owner-full-control")), ResourcePolicy: bp}})
					}
				}
			}
		}
		key := b.keyARN(str(t.Properties["KMSKeyId"]))
		kp := b.keyPolicy(key)
		b.add(Row{Name: "trail: encrypts log files", Want: Allowed, Doc: docTrailKMS, Request: Request{
			Principal: "cloudtrail.amazonaws.com", Action: "kms:GenerateDataKey", Resource: key, ResourceAccount: accountOf(key),
			Context: with(ctx, "kms:EncryptionContext:aws:cloudtrail:arn", t.ARN), ResourcePolicy: kp}})
		b.add(Row{Name: "trail: describes its key", Want: Allowed, Doc: docTrailKMS, Request: Request{
			Principal: "cloudtrail.amazonaws.com", Action: "kms:DescribeKey", Resource: key, ResourceAccount: accountOf(key),
			Context: ctx, ResourcePolicy: kp}})
		// DENIED: a trail of another account (a confused deputy).
		other := fmt.Sprintf("arn:aws:cloudtrail:%s:%s:trail/%s", regionOf(t.ARN), OutsideAccount, b.Org.TrailName())
		octx := b.serviceContext(OutsideAccount, other, "cloudtrail.amazonaws.com")
		b.add(Row{Name: "deputy: a trail outside the org writes into the org's prefix", Want: Denied, Doc: docDeputy, Request: Request{
			Principal: "cloudtrail.amazonaws.com", Action: "s3:PutObject",
			Resource:        fmt.Sprintf("arn:aws:s3:::%s/AWSLogs/%s/%s/CloudTrail/%s/2026/01/15/x.json.gz", bucket, b.Org.OrganizationID, OutsideAccount, b.Org.HomeRegion),
			ResourceAccount: sec, Context: s3ctx(with(octx, "s3:x-amz-acl", "bucket-owner-full-control")), ResourcePolicy: bp}})
		b.add(Row{Name: "deputy: a trail outside the org encrypts with the archive key", Want: Denied, Doc: docDeputy, Request: Request{
			Principal: "cloudtrail.amazonaws.com", Action: "kms:GenerateDataKey", Resource: key, ResourceAccount: accountOf(key),
			Context: with(octx, "kms:EncryptionContext:aws:cloudtrail:arn", other), ResourcePolicy: kp}})
	}
}

// configDelivery: every account's recorder, in every region, delivers
// through its delivery channel. The recorder runs on AWS Config's
// service-linked role; across accounts Config delivers as the service
// principal config.amazonaws.com (docConfigS3).
func (b *builder) configDelivery() {
	channels := b.Policies.Resources["AWS::Config::DeliveryChannel"]
	if len(channels) == 0 {
		b.errorf("no AWS Config delivery channel in the templates")
	}
	for _, f := range channels {
		st := b.Assembly.Stacks[f.Stack]
		a, r := st.Account, st.Region
		bucket := str(f.Properties["S3BucketName"])
		prefix := str(f.Properties["S3KeyPrefix"])
		if prefix != "" {
			prefix += "/"
		}
		bp := b.bucketPolicy(bucket)
		ctx := b.serviceContext(a, "", "config.amazonaws.com")
		name := fmt.Sprintf("config of %s in %s", a, r)
		for _, act := range []string{"s3:GetBucketAcl", "s3:ListBucket"} {
			b.add(Row{Name: name + ": bucket check", Want: Allowed, Doc: docConfigS3, Request: Request{
				Principal: "config.amazonaws.com", Action: act, Resource: "arn:aws:s3:::" + bucket,
				ResourceAccount: b.Org.Security().ID, Context: s3ctx(ctx), ResourcePolicy: bp}})
		}
		for _, obj := range []string{
			fmt.Sprintf("%sAWSLogs/%s/Config/%s/2026/1/15/ConfigHistory/%s_Config_%s_ConfigHistory_AWS::EC2::Instance_20260115T000000Z_20260115T060000Z_1.json.gz", prefix, a, r, a, r),
			fmt.Sprintf("%sAWSLogs/%s/Config/ConfigWritabilityCheckFile", prefix, a),
		} {
			b.add(Row{Name: name + ": delivers", Want: Allowed, Doc: docConfigS3, Request: Request{
				Principal: "config.amazonaws.com", Action: "s3:PutObject", Resource: "arn:aws:s3:::" + bucket + "/" + obj,
				ResourceAccount: b.Org.Security().ID, Context: s3ctx(with(ctx, "s3:x-amz-acl", "bucket-owner-full-control")), ResourcePolicy: bp}})
		}
		key := b.keyARN(str(f.Properties["S3KmsKeyArn"]))
		if key == "" { // the bucket's default encryption
			key = b.bucketKey(bucket)
		}
		if key != "" {
			kctx := with(ctx, "kms:ViaService", "s3."+r+".amazonaws.com", "kms:EncryptionContext:aws:s3:arn", "arn:aws:s3:::"+bucket)
			for _, act := range []string{"kms:GenerateDataKey", "kms:Decrypt"} {
				b.add(Row{Name: name + ": encrypts", Want: Allowed, Doc: docConfigKMS, Request: Request{
					Principal: "config.amazonaws.com", Action: act, Resource: key, ResourceAccount: accountOf(key),
					Context: kctx, ResourcePolicy: b.keyPolicy(key)}})
			}
		}
	}
}

// flowLogs: every VPC's flow log to S3 is delivered by
// delivery.logs.amazonaws.com for the VPC's account.
func (b *builder) flowLogs() {
	for _, f := range b.Policies.Resources["AWS::EC2::FlowLog"] {
		if f.Properties["LogDestinationType"] != "s3" {
			continue
		}
		st := b.Assembly.Stacks[f.Stack]
		a, r := st.Account, st.Region
		dest := strings.TrimPrefix(str(f.Properties["LogDestination"]), "arn:aws:s3:::")
		bucket, prefix, _ := strings.Cut(dest, "/")
		if prefix != "" {
			prefix += "/"
		}
		bp := b.bucketPolicy(bucket)
		ctx := b.serviceContext(a, fmt.Sprintf("arn:aws:logs:%s:%s:*", r, a), "delivery.logs.amazonaws.com")
		name := fmt.Sprintf("flow logs of %s in %s", a, r)
		for _, act := range []string{"s3:GetBucketAcl", "s3:ListBucket"} {
			b.add(Row{Name: name + ": bucket check", Want: Allowed, Doc: docFlowS3, Request: Request{
				Principal: "delivery.logs.amazonaws.com", Action: act, Resource: "arn:aws:s3:::" + bucket,
				ResourceAccount: b.Org.Security().ID, Context: s3ctx(ctx), ResourcePolicy: bp}})
		}
		obj := fmt.Sprintf("%sAWSLogs/%s/vpcflowlogs/%s/2026/01/15/%s_vpcflowlogs_%s_fl-0123456789abcdef0_20260115T0000Z_abcd1234.log.gz", prefix, a, r, a, r)
		b.add(Row{Name: name + ": delivers", Want: Allowed, Doc: docFlowS3, Request: Request{
			Principal: "delivery.logs.amazonaws.com", Action: "s3:PutObject", Resource: "arn:aws:s3:::" + bucket + "/" + obj,
			ResourceAccount: b.Org.Security().ID, Context: s3ctx(with(ctx, "s3:x-amz-acl", "bucket-owner-full-control")), ResourcePolicy: bp}})
		if key := b.bucketKey(bucket); key != "" {
			b.add(Row{Name: name + ": encrypts", Want: Allowed, Doc: docFlowS3, Request: Request{
				Principal: "delivery.logs.amazonaws.com", Action: "kms:GenerateDataKey", Resource: key, ResourceAccount: accountOf(key),
				Context: ctx, ResourcePolicy: b.keyPolicy(key)}})
		}
	}
}

// guardDuty: the security account's detector exports the findings of
// every member account to the archive.
func (b *builder) guardDuty() {
	for _, f := range b.Policies.Resources["AWS::GuardDuty::PublishingDestination"] {
		st := b.Assembly.Stacks[f.Stack]
		a, r := st.Account, st.Region
		props, _ := f.Properties["DestinationProperties"].(map[string]any)
		dest := strings.TrimPrefix(str(props["DestinationArn"]), "arn:aws:s3:::")
		bucket, prefix, _ := strings.Cut(dest, "/")
		if prefix != "" {
			prefix += "/"
		}
		detector := fmt.Sprintf("arn:aws:guardduty:%s:%s:detector/%s", r, a, str(f.Properties["DetectorId"]))
		bp := b.bucketPolicy(bucket)
		ctx := b.serviceContext(a, detector, "guardduty.amazonaws.com")
		name := fmt.Sprintf("guardduty in %s", r)
		b.add(Row{Name: name + ": bucket location", Want: Allowed, Doc: docGuardDuty, Request: Request{
			Principal: "guardduty.amazonaws.com", Action: "s3:GetBucketLocation", Resource: "arn:aws:s3:::" + bucket,
			ResourceAccount: b.Org.Security().ID, Context: s3ctx(ctx), ResourcePolicy: bp}})
		for _, m := range b.Org.AccountIDs() {
			obj := fmt.Sprintf("%sAWSLogs/%s/GuardDuty/%s/2026/01/15/0a1b2c3d-4e5f-6789-abcd-ef0123456789.jsonl.gz", prefix, m, r)
			b.add(Row{Name: name + ": exports findings of " + m, Want: Allowed, Doc: docGuardDuty, Request: Request{
				Principal: "guardduty.amazonaws.com", Action: "s3:PutObject", Resource: "arn:aws:s3:::" + bucket + "/" + obj,
				ResourceAccount: b.Org.Security().ID, Context: s3ctx(ctx), ResourcePolicy: bp}})
		}
		key := b.keyARN(str(props["KmsKeyArn"]))
		b.add(Row{Name: name + ": encrypts", Want: Allowed, Doc: docGuardDuty, Request: Request{
			Principal: "guardduty.amazonaws.com", Action: "kms:GenerateDataKey", Resource: key, ResourceAccount: accountOf(key),
			Context: ctx, ResourcePolicy: b.keyPolicy(key)}})
	}
}

// sessions: an instance of a member account (its instance profile role,
// or Default Host Management's role) writes a session transcript under
// ssm/<its account>/ in its region's archive, encrypted through S3 with the
// archive key: identity policy AND bucket policy AND key policy.
func (b *builder) sessions() {
	for _, f := range b.Policies.Resources["AWS::IAM::Role"] {
		if !strings.Contains(f.Stack, "-sessions-") {
			continue
		}
		trust := b.Policies.Trust[f.ARN]
		if !strings.Contains(trust, "ec2.amazonaws.com") && !strings.Contains(trust, `"ssm.amazonaws.com"`) {
			continue
		}
		st := b.Assembly.Stacks[f.Stack]
		a, r := st.Account, st.Region
		bucket := b.Org.ArchiveBucketName(r)
		key := b.keyARN(b.Org.ArchiveKeyAliasArn("aws", r))
		ip := b.Policies.Identity[f.ARN]
		scps := b.scps(a)
		ctx := b.principalContext(a, r)
		role := path.Base(f.ARN)
		name := fmt.Sprintf("sessions of %s in %s (%s)", a, r, role)
		b.add(Row{Name: name + ": checks encryption", Want: Allowed, Doc: docSessions, Request: Request{
			Principal: f.ARN, Action: "s3:GetEncryptionConfiguration", Resource: "arn:aws:s3:::" + bucket,
			ResourceAccount: b.Org.Security().ID, Context: s3ctx(ctx), IdentityPolicies: ip, ResourcePolicy: b.bucketPolicy(bucket), SCPs: scps}})
		b.add(Row{Name: name + ": writes transcript", Want: Allowed, Doc: docSessions, Request: Request{
			Principal: f.ARN, Action: "s3:PutObject", Resource: fmt.Sprintf("arn:aws:s3:::%s/ssm/%s/operator-0a1b2c3d4e5f67890.log", bucket, a),
			ResourceAccount: b.Org.Security().ID, Context: s3ctx(ctx), IdentityPolicies: ip, ResourcePolicy: b.bucketPolicy(bucket), SCPs: scps}})
		b.add(Row{Name: name + ": encrypts through S3", Want: Allowed, Doc: docSessions + "; " + docS3KMS, Request: Request{
			Principal: f.ARN, Action: "kms:GenerateDataKey", Resource: key, ResourceAccount: accountOf(key),
			Context: with(ctx, "kms:ViaService", "s3."+r+".amazonaws.com", "kms:CallerAccount", a,
				"kms:EncryptionContext:aws:s3:arn", "arn:aws:s3:::"+bucket, "kms:ResourceAliases", b.Org.ArchiveKeyAlias()),
			IdentityPolicies: ip, ResourcePolicy: b.keyPolicy(key), SCPs: scps}})
		// DENIED: the same role writing under another account's prefix.
		for _, other := range b.instanceAccounts() {
			if other == a {
				continue
			}
			b.add(Row{Name: name + ": writes under " + other + "'s prefix", Want: Denied, Doc: docCrossAcct, Request: Request{
				Principal: f.ARN, Action: "s3:PutObject", Resource: fmt.Sprintf("arn:aws:s3:::%s/ssm/%s/forged.log", bucket, other),
				ResourceAccount: b.Org.Security().ID, Context: s3ctx(ctx), IdentityPolicies: ip, ResourcePolicy: b.bucketPolicy(bucket), SCPs: scps}})
			break
		}
	}
}

// ebsKeys: with compliance.ebsKey customer-managed, EC2 Auto Scaling
// launches instances whose volumes EBS encrypts with each baseline stack's
// key, as the service-linked role AWSServiceRoleForAutoScaling through EC2;
// the role's own policy gives it no customer managed key.
func (b *builder) ebsKeys() {
	if b.Org.Compliance.EbsKey != "customer-managed" {
		return
	}
	for _, name := range b.Assembly.sortedNames() {
		if !strings.Contains(name, "-baseline-") {
			continue
		}
		st := b.Assembly.Stacks[name]
		a, r := st.Account, st.Region
		alias := fmt.Sprintf("arn:aws:kms:%s:%s:alias/palisade-ebs", r, a)
		key := b.keyARN(alias)
		if key == alias {
			b.errorf("%s: compliance.ebsKey is customer-managed but the stack has no key aliased alias/palisade-ebs", name)
			continue
		}
		kp := b.keyPolicy(key)
		slr := fmt.Sprintf("arn:aws:iam::%s:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling", a)
		via := with(b.principalContext(a, r), "kms:ViaService", "ec2."+r+".amazonaws.com", "kms:CallerAccount", a)
		row := fmt.Sprintf("EBS key of %s in %s: Auto Scaling's service-linked role", a, r)
		b.add(Row{Name: row + " encrypts a volume through EC2", Want: Allowed, Doc: docASGKMS, Request: Request{
			Principal: slr, Action: "kms:GenerateDataKeyWithoutPlaintext", Resource: key, ResourceAccount: a, Context: via, ResourcePolicy: kp}})
		b.add(Row{Name: row + " decrypts a volume's data key through EC2", Want: Allowed, Doc: docASGKMS, Request: Request{
			Principal: slr, Action: "kms:Decrypt", Resource: key, ResourceAccount: a, Context: via, ResourcePolicy: kp}})
		b.add(Row{Name: row + " creates the volume's grant through EC2", Want: Allowed, Doc: docASGKMS, Request: Request{
			Principal: slr, Action: "kms:CreateGrant", Resource: key, ResourceAccount: a,
			Context: with(via, "kms:GrantIsForAWSResource", "true"), ResourcePolicy: kp}})
		// DENIED: a grant that is not for an AWS resource, the key outside
		// EC2, and another account's Auto Scaling.
		b.add(Row{Name: row + " creates a grant not for an AWS resource", Want: Denied, Doc: docASGKMS, Request: Request{
			Principal: slr, Action: "kms:CreateGrant", Resource: key, ResourceAccount: a,
			Context: with(via, "kms:GrantIsForAWSResource", "false"), ResourcePolicy: kp}})
		b.add(Row{Name: row + " decrypts outside EC2", Want: Denied, Doc: docKMSVia, Request: Request{
			Principal: slr, Action: "kms:Decrypt", Resource: key, ResourceAccount: a,
			Context: with(b.principalContext(a, r), "kms:CallerAccount", a), ResourcePolicy: kp}})
		other := fmt.Sprintf("arn:aws:iam::%s:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling", OutsideAccount)
		b.add(Row{Name: fmt.Sprintf("EBS key of %s in %s: another account's Auto Scaling encrypts through EC2", a, r), Want: Denied, Doc: docKMSVia + "; " + docCrossAcct, Request: Request{
			Principal: other, Action: "kms:GenerateDataKeyWithoutPlaintext", Resource: key, ResourceAccount: a,
			Context:        with(b.principalContext(OutsideAccount, r), "kms:ViaService", "ec2."+r+".amazonaws.com", "kms:CallerAccount", OutsideAccount),
			ResourcePolicy: kp}})
	}
}

// execRole is the ARN of the CloudFormation execution role of an account
// and region.
func execRole(a, r string) string {
	return fmt.Sprintf("arn:aws:iam::%s:role/%s", a, ExecRoleName(a, r))
}

// subscriptions: every forwarded log group's subscription filter to the
// drain is created by its account's CloudFormation execution role; then
// CloudWatch Logs assumes the destination's role and puts the events into
// the stream.
func (b *builder) subscriptions() {
	for _, f := range b.Policies.Resources["AWS::Logs::SubscriptionFilter"] {
		dest := str(f.Properties["DestinationArn"])
		if !strings.Contains(dest, ":destination:") {
			continue
		}
		st := b.Assembly.Stacks[f.Stack]
		a, r := st.Account, st.Region
		group := str(f.Properties["LogGroupName"])
		groupArn := fmt.Sprintf("arn:aws:logs:%s:%s:log-group:%s:*", r, a, group)
		name := fmt.Sprintf("subscription of %s %s in %s", a, group, r)
		dp, ok := b.Policies.Destinations[dest]
		if !ok {
			b.errorf("%s: destination %s is not in the templates", name, dest)
			continue
		}
		b.add(Row{Name: name + ": subscribes to the destination", Want: Allowed, Doc: docDest + "; " + docCrossAcct, Request: Request{
			Principal: execRole(a, r), Action: "logs:PutSubscriptionFilter", Resource: dest, ResourceAccount: accountOf(dest),
			Context: b.principalContext(a, r), IdentityPolicies: b.ExecPolicies, ResourcePolicy: dp, SCPs: b.scps(a)}})
		var d Found
		for _, x := range b.Policies.Resources["AWS::Logs::Destination"] {
			if x.ARN == dest {
				d = x
			}
		}
		role := str(d.Properties["RoleArn"])
		b.add(Row{Name: name + ": logs assumes the drain role", Want: Allowed, Doc: docDest, Request: Request{
			Principal: "logs.amazonaws.com", Action: "sts:AssumeRole", Resource: role, ResourceAccount: accountOf(role),
			Context: b.serviceContext(a, groupArn, "logs.amazonaws.com"), ResourcePolicy: b.Policies.Trust[role]}})
		target := str(d.Properties["TargetArn"])
		b.add(Row{Name: name + ": the drain role puts records", Want: Allowed, Doc: docDest, Request: Request{
			Principal: role, Action: "firehose:PutRecordBatch", Resource: target, ResourceAccount: accountOf(target),
			Context: b.principalContext(accountOf(role), regionOf(target)), IdentityPolicies: b.Policies.Identity[role], SCPs: b.scps(accountOf(role))}})
	}
}

// firehose: the drain's stream assumes its role and writes every sender's
// log group under cwlogs/<account>/<log group>/, encrypted with the
// archive key through S3.
func (b *builder) firehose() {
	for _, f := range b.Policies.Resources["AWS::KinesisFirehose::DeliveryStream"] {
		st := b.Assembly.Stacks[f.Stack]
		a, r := st.Account, st.Region
		dst, _ := f.Properties["ExtendedS3DestinationConfiguration"].(map[string]any)
		role := str(dst["RoleARN"])
		bucket := strings.TrimPrefix(str(dst["BucketARN"]), "arn:aws:s3:::")
		enc, _ := dst["EncryptionConfiguration"].(map[string]any)
		kc, _ := enc["KMSEncryptionConfig"].(map[string]any)
		key := b.keyARN(str(kc["AWSKMSKeyARN"]))
		name := fmt.Sprintf("firehose in %s", r)
		b.add(Row{Name: name + ": assumes its role", Want: Allowed, Doc: docFirehose, Request: Request{
			Principal: "firehose.amazonaws.com", Action: "sts:AssumeRole", Resource: role, ResourceAccount: a,
			Context: with(b.serviceContext(a, f.ARN, "firehose.amazonaws.com"), "sts:ExternalId", a), ResourcePolicy: b.Policies.Trust[role]}})
		b.add(Row{Name: "deputy: firehose for an outside account assumes the drain's role", Want: Denied, Doc: docFirehose + "; " + docDeputy, Request: Request{
			Principal: "firehose.amazonaws.com", Action: "sts:AssumeRole", Resource: role, ResourceAccount: a,
			Context:        with(b.serviceContext(OutsideAccount, fmt.Sprintf("arn:aws:firehose:%s:%s:deliverystream/x", r, OutsideAccount), "firehose.amazonaws.com"), "sts:ExternalId", OutsideAccount),
			ResourcePolicy: b.Policies.Trust[role]}})
		prefix := str(dst["Prefix"])
		ip := b.Policies.Identity[role]
		bp := b.bucketPolicy(bucket)
		ctx := b.principalContext(a, r)
		for _, sender := range b.instanceAccounts() {
			for _, g := range b.Org.Logging.ForwardLogGroups {
				obj := strings.NewReplacer("!{partitionKeyFromQuery:owner}", sender, "!{partitionKeyFromQuery:logGroup}", strings.TrimPrefix(g, "/"),
					"!{timestamp:yyyy}", "2026", "!{timestamp:MM}", "01", "!{timestamp:dd}", "15").Replace(prefix) + "example-1-2026-01-15-00-00-00-abcd.gz"
				b.add(Row{Name: fmt.Sprintf("%s: writes %s %s", name, sender, g), Want: Allowed, Doc: docFirehose, Request: Request{
					Principal: role, Action: "s3:PutObject", Resource: "arn:aws:s3:::" + bucket + "/" + obj, ResourceAccount: a,
					Context: s3ctx(ctx), IdentityPolicies: ip, ResourcePolicy: bp, SCPs: b.scps(a)}})
			}
		}
		b.add(Row{Name: name + ": encrypts through S3", Want: Allowed, Doc: docFirehose + "; " + docS3KMS, Request: Request{
			Principal: role, Action: "kms:GenerateDataKey", Resource: key, ResourceAccount: accountOf(key),
			Context:          with(ctx, "kms:ViaService", "s3."+r+".amazonaws.com", "kms:CallerAccount", a, "kms:EncryptionContext:aws:s3:arn", "arn:aws:s3:::"+bucket),
			IdentityPolicies: ip, ResourcePolicy: b.keyPolicy(key), SCPs: b.scps(a)}})
	}
}

// topics: CloudWatch alarms and EventBridge rules publish to the
// encrypted alert topics; SNS then uses the topic's key as the publishing
// service. The SNS Developer Guide ("Enable compatibility between event
// sources from AWS services and encrypted topics") recommends
// aws:SourceAccount and aws:SourceArn in the key policy against the
// confused deputy, and says only EventBridge-to-encrypted-topic delivery
// does not support aws:SourceAccount, aws:SourceArn or aws:SourceOrgID
// there (Landing Zone Accelerator #407 hit it); AWS End User Messaging's
// guide gives the same conditioned key statement for its publisher. So the
// KMS rows of an EventBridge publisher carry no source keys, and those of
// the other publishers carry the ones their sns:Publish carries. Which keys
// SNS forwards is not stated beyond that.
func (b *builder) topics() {
	type pub struct{ service, source, topic, doc string }
	var pubs []pub
	for _, f := range b.Policies.Resources["AWS::CloudWatch::Alarm"] {
		acts, _ := f.Properties["AlarmActions"].([]any)
		for _, t := range acts {
			if strings.HasPrefix(str(t), "arn:aws:sns:") {
				pubs = append(pubs, pub{"cloudwatch.amazonaws.com", f.ARN, str(t), docSNSAlarms})
			}
		}
	}
	for _, f := range b.Policies.Resources["AWS::Events::Rule"] {
		ts, _ := f.Properties["Targets"].([]any)
		for _, t := range ts {
			m, _ := t.(map[string]any)
			if arn := str(m["Arn"]); strings.HasPrefix(arn, "arn:aws:sns:") {
				pubs = append(pubs, pub{"events.amazonaws.com", f.ARN, arn, docSNSEvents})
			}
		}
	}
	keyDone := map[string]bool{}
	for _, p := range pubs {
		a := accountOf(p.topic)
		tp, ok := b.Policies.Topics[p.topic]
		if !ok {
			b.errorf("topic %s has no topic policy in the templates", p.topic)
		}
		b.add(Row{Name: fmt.Sprintf("%s publishes from %s", strings.TrimSuffix(p.service, ".amazonaws.com"), path.Base(strings.ReplaceAll(p.source, ":", "/"))), Want: Allowed, Doc: p.doc, Request: Request{
			Principal: p.service, Action: "sns:Publish", Resource: p.topic, ResourceAccount: a,
			Context: b.serviceContext(accountOf(p.source), p.source, p.service), ResourcePolicy: tp}})
		if key := b.keyARN(b.Policies.TopicKeys[p.topic]); key != "" && !keyDone[p.service+key] {
			keyDone[p.service+key] = true
			kmsContext := map[string][]string{"aws:SecureTransport": {"true"}, "aws:PrincipalIsAWSService": {"true"}}
			if p.service != "events.amazonaws.com" {
				for k, v := range b.serviceContext(accountOf(p.source), p.source, p.service) {
					kmsContext[k] = v
				}
			}
			for _, act := range []string{"kms:GenerateDataKey", "kms:Decrypt"} {
				b.add(Row{Name: fmt.Sprintf("%s: the topic's key (%s)", strings.TrimSuffix(p.service, ".amazonaws.com"), act), Want: Allowed, Doc: p.doc, Request: Request{
					Principal: p.service, Action: act, Resource: key, ResourceAccount: accountOf(key),
					Context: kmsContext, ResourcePolicy: b.keyPolicy(key)}})
			}
			b.add(Row{Name: "deputy: " + strings.TrimSuffix(p.service, ".amazonaws.com") + " of an outside account publishes", Want: Denied, Doc: docDeputy, Request: Request{
				Principal: p.service, Action: "sns:Publish", Resource: p.topic, ResourceAccount: a,
				Context: b.serviceContext(OutsideAccount, strings.Replace(p.source, ":"+accountOf(p.source)+":", ":"+OutsideAccount+":", 1), p.service), ResourcePolicy: tp}})
		}
	}
}

// ---- DENIED: members and outsiders ----

// memberAdmin is an IAM role with AdministratorAccess in member account a.
func memberAdmin(a string) string { return fmt.Sprintf("arn:aws:iam::%s:role/Admin", a) }

// members: no member account, not even its admin, may delete or overwrite
// the archive's logs or change its policies.
func (b *builder) members() {
	sec := b.Org.Security().ID
	for _, m := range b.Org.AccountIDs() {
		if m == sec {
			continue // the archive's own account administers it
		}
		r := b.Org.HomeRegion
		bucket := b.Org.ArchiveBucketName(r)
		bp := b.bucketPolicy(bucket)
		key := b.keyARN(b.Org.ArchiveKeyAliasArn("aws", r))
		other := sec
		base := Request{Principal: memberAdmin(m), ResourceAccount: sec, Context: s3ctx(b.principalContext(m, r)),
			IdentityPolicies: []string{administratorAccess}, ResourcePolicy: bp, SCPs: b.scps(m)}
		add := func(name, action, resource, pol string) {
			q := base
			q.Action, q.Resource = action, resource
			if pol != "" {
				q.ResourcePolicy = pol
			}
			b.add(Row{Name: fmt.Sprintf("member %s admin: %s", m, name), Want: Denied, Doc: docCrossAcct, Request: q})
		}
		own := fmt.Sprintf("arn:aws:s3:::%s/AWSLogs/%s/vpcflowlogs/%s/2026/01/15/x.log.gz", bucket, m, r)
		add("deletes its own flow logs", "s3:DeleteObject", own, "")
		add("deletes a version of its own flow logs", "s3:DeleteObjectVersion", own, "")
		add("overwrites its own flow logs", "s3:PutObject", own, "")
		add("writes under another account's prefix", "s3:PutObject", fmt.Sprintf("arn:aws:s3:::%s/AWSLogs/%s/vpcflowlogs/%s/2026/01/15/x.log.gz", bucket, other, r), "")
		add("deletes the org's trail logs", "s3:DeleteObject", fmt.Sprintf("arn:aws:s3:::%s/AWSLogs/%s/%s/CloudTrail/%s/2026/01/15/x.json.gz", bucket, b.Org.OrganizationID, m, r), "")
		add("rewrites the bucket policy", "s3:PutBucketPolicy", "arn:aws:s3:::"+bucket, "")
		add("changes the bucket's lifecycle", "s3:PutLifecycleConfiguration", "arn:aws:s3:::"+bucket, "")
		add("schedules the archive key's deletion", "kms:ScheduleKeyDeletion", key, b.keyPolicy(key))
		add("rewrites the archive key's policy", "kms:PutKeyPolicy", key, b.keyPolicy(key))
	}
}

// outsiders: nobody outside the org writes into the archive or the drain,
// directly or through an AWS service acting for them.
func (b *builder) outsiders() {
	sec := b.Org.Security().ID
	r := b.Org.HomeRegion
	bucket := b.Org.ArchiveBucketName(r)
	bp := b.bucketPolicy(bucket)
	key := b.keyARN(b.Org.ArchiveKeyAliasArn("aws", r))
	kp := b.keyPolicy(key)
	member := b.instanceAccounts()[0]
	logsArn := fmt.Sprintf("arn:aws:logs:%s:%s:*", r, OutsideAccount)
	out := b.serviceContext(OutsideAccount, logsArn, "delivery.logs.amazonaws.com")
	acl := func(c map[string][]string) map[string][]string {
		return s3ctx(with(c, "s3:x-amz-acl", "bucket-owner-full-control"))
	}
	add := func(name, doc string, q Request) {
		if q.ResourceAccount == "" {
			q.ResourceAccount = sec
		}
		b.add(Row{Name: name, Want: Denied, Doc: doc, Request: q})
	}
	add("outside: log delivery for an outside account under its own prefix", docDeputy+"; "+docFlowS3, Request{
		Principal: "delivery.logs.amazonaws.com", Action: "s3:PutObject",
		Resource: fmt.Sprintf("arn:aws:s3:::%s/AWSLogs/%s/vpcflowlogs/%s/2026/01/15/x.log.gz", bucket, OutsideAccount, r), Context: acl(out), ResourcePolicy: bp})
	add("deputy: log delivery for an outside account under a member's prefix", docDeputy+"; "+docFlowS3, Request{
		Principal: "delivery.logs.amazonaws.com", Action: "s3:PutObject",
		Resource: fmt.Sprintf("arn:aws:s3:::%s/AWSLogs/%s/vpcflowlogs/%s/2026/01/15/x.log.gz", bucket, member, r), Context: acl(out), ResourcePolicy: bp})
	add("deputy: log delivery for an outside account encrypts with the archive key", docDeputy+"; "+docFlowS3, Request{
		Principal: "delivery.logs.amazonaws.com", Action: "kms:GenerateDataKey", Resource: key, ResourceAccount: accountOf(key), Context: out, ResourcePolicy: kp})
	deputy := b.serviceContext(OutsideAccount, "", "config.amazonaws.com")
	add("deputy: config for an outside account under a member's prefix", docDeputy+"; "+docConfigS3, Request{
		Principal: "config.amazonaws.com", Action: "s3:PutObject",
		Resource: fmt.Sprintf("arn:aws:s3:::%s/config/AWSLogs/%s/Config/%s/2026/1/15/ConfigHistory/x.json.gz", bucket, member, r), Context: acl(deputy), ResourcePolicy: bp})
	add("outside: config for an outside account under its own prefix", docDeputy+"; "+docConfigS3, Request{
		Principal: "config.amazonaws.com", Action: "s3:PutObject",
		Resource: fmt.Sprintf("arn:aws:s3:::%s/config/AWSLogs/%s/Config/%s/2026/1/15/ConfigHistory/x.json.gz", bucket, OutsideAccount, r), Context: acl(deputy), ResourcePolicy: bp})
	add("deputy: config for an outside account encrypts with the archive key", docDeputy+"; "+docConfigKMS, Request{
		Principal: "config.amazonaws.com", Action: "kms:GenerateDataKey", Resource: key, ResourceAccount: accountOf(key),
		Context: with(deputy, "kms:ViaService", "s3."+r+".amazonaws.com", "kms:EncryptionContext:aws:s3:arn", "arn:aws:s3:::"+bucket), ResourcePolicy: kp})
	gd := b.serviceContext(OutsideAccount, fmt.Sprintf("arn:aws:guardduty:%s:%s:detector/0123456789abcdef", r, OutsideAccount), "guardduty.amazonaws.com")
	add("deputy: guardduty for an outside account exports findings", docDeputy+"; "+docGuardDuty, Request{
		Principal: "guardduty.amazonaws.com", Action: "s3:PutObject",
		Resource: fmt.Sprintf("arn:aws:s3:::%s/guardduty/AWSLogs/%s/GuardDuty/%s/x.jsonl.gz", bucket, OutsideAccount, r), Context: s3ctx(gd), ResourcePolicy: bp})
	add("deputy: guardduty for an outside account encrypts with the archive key", docDeputy+"; "+docGuardDuty, Request{
		Principal: "guardduty.amazonaws.com", Action: "kms:GenerateDataKey", Resource: key, ResourceAccount: accountOf(key), Context: gd, ResourcePolicy: kp})
	ctx := b.principalContext(OutsideAccount, r)
	outsider := fmt.Sprintf("arn:aws:iam::%s:role/Admin", OutsideAccount)
	add("outside: an outside admin writes a transcript", docCrossAcct, Request{
		Principal: outsider, Action: "s3:PutObject", Resource: fmt.Sprintf("arn:aws:s3:::%s/ssm/%s/x.log", bucket, OutsideAccount),
		Context: s3ctx(ctx), IdentityPolicies: []string{administratorAccess}, ResourcePolicy: bp})
	add("outside: an outside admin encrypts with the archive key through S3", docCrossAcct, Request{
		Principal: outsider, Action: "kms:GenerateDataKey", Resource: key, ResourceAccount: accountOf(key),
		Context:          with(ctx, "kms:ViaService", "s3."+r+".amazonaws.com", "kms:CallerAccount", OutsideAccount, "kms:EncryptionContext:aws:s3:arn", "arn:aws:s3:::"+bucket),
		IdentityPolicies: []string{administratorAccess}, ResourcePolicy: kp})
	for _, d := range b.Policies.Resources["AWS::Logs::Destination"] {
		if regionOf(d.ARN) != r {
			continue
		}
		add("outside: an outside account subscribes to the drain", docDest+"; "+docCrossAcct, Request{
			Principal: outsider, Action: "logs:PutSubscriptionFilter", Resource: d.ARN, ResourceAccount: accountOf(d.ARN),
			Context: ctx, IdentityPolicies: []string{administratorAccess}, ResourcePolicy: b.Policies.Destinations[d.ARN]})
		role := str(d.Properties["RoleArn"])
		add("deputy: logs for an outside account assumes the drain role", docDest+"; "+docDeputy, Request{
			Principal: "logs.amazonaws.com", Action: "sts:AssumeRole", Resource: role, ResourceAccount: accountOf(role),
			Context:        b.serviceContext(OutsideAccount, fmt.Sprintf("arn:aws:logs:%s:%s:log-group:/var/log/messages:*", r, OutsideAccount), "logs.amazonaws.com"),
			ResourcePolicy: b.Policies.Trust[role]})
	}
}

// guardrails: every protected action is denied to a member account's
// admin and its root user, and the exemption of the deployment roles
// cannot be borrowed; the real execution role keeps the protected actions
// its execution policies grant.
func (b *builder) guardrails() {
	r := b.Org.HomeRegion
	trail := b.Org.TrailName()
	for _, a := range b.Org.AccountIDs() {
		if a == b.Org.Management().ID {
			continue // SCPs do not affect the management account
		}
		scps := b.scps(a)
		ctx := b.principalContext(a, r)
		admin := Request{Principal: memberAdmin(a), ResourceAccount: a, Context: ctx, IdentityPolicies: []string{administratorAccess}, SCPs: scps}
		forged := admin
		forged.Principal = fmt.Sprintf("arn:aws:iam::%s:role/%s", a, ExecRoleName(a, "forged"))
		root := admin
		root.Principal = fmt.Sprintf("arn:aws:iam::%s:root", a)
		// The forged role is the admin's own: it creates it (trusting
		// itself), then assumes it.
		create := admin
		create.Action, create.Resource = "iam:CreateRole", forged.Principal
		assume := admin
		assume.Action, assume.Resource = "sts:AssumeRole", forged.Principal
		assume.ResourcePolicy = fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":%q},"Action":"sts:AssumeRole"}]}`, admin.Principal)
		forgeSteps := []Step{{"creates the role", create}, {"assumes it", assume}}
		exec := Request{Principal: execRole(a, r), ResourceAccount: a, Context: ctx, IdentityPolicies: b.ExecPolicies, SCPs: scps}
		for _, act := range ProtectedActions {
			res := protectedResource(act, a, r, trail, b.forwardedGroup())
			for _, c := range []struct {
				who   string
				q     Request
				doc   string
				steps []Step
			}{{"admin", admin, docSCP, nil}, {"admin as a role it named like the exemption", forged, docSCP, forgeSteps}, {"root user", root, docSCPRoot, nil}} {
				q := c.q
				q.Action, q.Resource = act, res
				b.add(Row{Name: fmt.Sprintf("guardrail %s %s: %s", a, c.who, act), Want: Denied, Doc: c.doc, Request: q, Steps: c.steps})
			}
			if grants(b.ExecPolicies, act) {
				q := exec
				q.Action, q.Resource = act, res
				b.add(Row{Name: fmt.Sprintf("guardrail %s exec role: %s", a, act), Want: Allowed, Doc: docSCP, Request: q})
			}
		}
		bypass := func(name, action, resource string, extra ...string) {
			q := admin
			q.Action, q.Resource = action, resource
			q.Context = with(ctx, extra...)
			b.add(Row{Name: fmt.Sprintf("bypass %s admin: %s", a, name), Want: Denied, Doc: docSCP, Request: q})
		}
		bypass("creates a role named like the exemption", "iam:CreateRole", forged.Principal)
		// The deploy-time function's role is exempt from the security
		// services deny (it adopts GuardDuty's detector): nobody else may
		// make, pass or assume such a role, nor invoke, re-code or
		// re-permission the function that runs as it.
		fnRole := fmt.Sprintf("arn:aws:iam::%s:role/%s", a, deployplan.DeployFunctionName(b.Org.Name, r))
		fn := fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", r, a, deployplan.DeployFunctionName(b.Org.Name, r))
		bypass("creates a role named like the deploy-time function's", "iam:CreateRole", fmt.Sprintf("arn:aws:iam::%s:role/%s", a, deployplan.DeployFunctionName(b.Org.Name, "forged")))
		bypass("passes the deploy-time function's role to Lambda", "iam:PassRole", fnRole, "iam:PassedToService", "lambda.amazonaws.com")
		bypass("rewrites the deploy-time function's role's policy", "iam:PutRolePolicy", fnRole)
		bypass("invokes the deploy-time function", "lambda:InvokeFunction", fn)
		bypass("re-codes the deploy-time function", "lambda:UpdateFunctionCode", fn)
		bypass("lets others invoke the deploy-time function", "lambda:AddPermission", fn)
		if a == b.Org.Security().ID {
			// The function's role itself may adopt the detector.
			q := Request{Principal: fnRole, ResourceAccount: a, Context: ctx, SCPs: scps, Action: "guardduty:UpdateDetector",
				Resource:         protectedResource("guardduty:UpdateDetector", a, r, trail, b.forwardedGroup()),
				IdentityPolicies: []string{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"guardduty:UpdateDetector","Resource":"arn:aws:guardduty:*:*:detector/*"}]}`}}
			b.add(Row{Name: fmt.Sprintf("guardrail %s deploy-time function role: guardduty:UpdateDetector", a), Want: Allowed, Doc: docSCP, Request: q})
			// And nothing else the guardrails protect, even were its own
			// policy to allow everything: its exemption is that one call.
			for _, act := range ProtectedActions {
				if act == "guardduty:UpdateDetector" {
					continue
				}
				q := q
				q.Action, q.Resource = act, protectedResource(act, a, r, trail, b.forwardedGroup())
				q.IdentityPolicies = []string{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`}
				b.add(Row{Name: fmt.Sprintf("guardrail %s deploy-time function role: %s", a, act), Want: Denied, Doc: docSCP, Request: q})
			}
		}
		if b.Org.FansOut() {
			b.stackSetsExemption(a, r, trail, admin, forgeSteps)
		}
		bypass("rewrites the exec role's trust policy", "iam:UpdateAssumeRolePolicy", execRole(a, r))
		bypass("passes the exec role to CloudFormation", "iam:PassRole", execRole(a, r), "iam:PassedToService", "cloudformation.amazonaws.com")
		for _, name := range b.Assembly.sortedNames() {
			st := b.Assembly.Stacks[name]
			if st.Account != a || st.Region != r {
				continue
			}
			stack := fmt.Sprintf("arn:aws:cloudformation:%s:%s:stack/%s/0a1b2c3d-4e5f-6789-abcd-ef0123456789", r, a, name)
			for _, act := range []string{"cloudformation:UpdateStack", "cloudformation:CreateChangeSet", "cloudformation:DeleteStack"} {
				bypass(act+" of "+name, act, stack)
			}
		}
		q := root
		q.Action, q.Resource = "iam:CreateAccessKey", fmt.Sprintf("arn:aws:iam::%s:user/anyone", a)
		b.add(Row{Name: fmt.Sprintf("guardrail %s root user: iam:CreateAccessKey", a), Want: Denied, Doc: docSCPRoot, Request: q})
	}
}

// forwardedGroup is the log group the guardrail rows act on: the org's
// first forwarded one, which the guardrails protect.
func (b *builder) forwardedGroup() string {
	if g := b.Org.Logging.ForwardLogGroups; len(g) > 0 {
		return g[0]
	}
	return "/var/log/messages"
}

// stackSetsExecRole is account's role that deployplan.StackSetsExecRoleArns
// matches; its name's suffix is StackSets' own, "a1b2c3" stands for it.
func stackSetsExecRole(account string) string {
	return fmt.Sprintf("arn:aws:iam::%s:role/stacksets-exec-a1b2c3", account)
}

// stackSetsExemption: with deployment.stackSets the guardrails exempt
// StackSets' execution role, which deploys the fanned-out log stacks (it
// creates the forwarded log groups and their subscription filters, which
// the guardrails protect); a member admin cannot borrow that exemption by
// making a role of that name and acting as it.
func (b *builder) stackSetsExemption(a, r, trail string, admin Request, forgeSteps []Step) {
	docSS := docSCP + "; AWS managed policy CloudFormationStackSetsOrgAdminServiceRolePolicy (sts:AssumeRole on stacksets-exec-*)"
	exec := admin
	exec.Principal = stackSetsExecRole(a)
	forged := admin
	forged.Principal = fmt.Sprintf("arn:aws:iam::%s:role/stacksets-exec-forged", a)
	create := forgeSteps[0].Request
	create.Resource = forged.Principal
	assume := forgeSteps[1].Request
	assume.Resource = forged.Principal
	steps := []Step{{"creates the role", create}, {"assumes it", assume}}
	for _, act := range []string{"logs:PutSubscriptionFilter", "logs:DeleteSubscriptionFilter", "logs:DeleteLogGroup"} {
		res := protectedResource(act, a, r, trail, b.forwardedGroup())
		q := exec
		q.Action, q.Resource = act, res
		b.add(Row{Name: fmt.Sprintf("guardrail %s StackSets' execution role: %s", a, act), Want: Allowed, Doc: docSS, Request: q})
		q = forged
		q.Action, q.Resource = act, res
		b.add(Row{Name: fmt.Sprintf("guardrail %s admin as a role it named like StackSets': %s", a, act), Want: Denied, Doc: docSS, Request: q, Steps: steps})
	}
}

// grants reports whether an Allow statement of policies names action
// (wildcards as IAM matches them), whatever its resources: the protected
// actions the execution role is meant to have.
func grants(policies []string, action string) bool {
	for _, p := range policies {
		var doc struct{ Statement []map[string]any }
		if json.Unmarshal([]byte(p), &doc) != nil {
			continue
		}
		for _, s := range doc.Statement {
			if s["Effect"] != "Allow" {
				continue
			}
			var acts []string
			switch v := s["Action"].(type) {
			case string:
				acts = []string{v}
			case []any:
				for _, x := range v {
					acts = append(acts, str(x))
				}
			}
			for _, pat := range acts {
				if wildMatch(strings.ToLower(pat), strings.ToLower(action)) {
					return true
				}
			}
		}
	}
	return false
}

// wildMatch matches IAM's * and ? wildcards.
func wildMatch(pat, s string) bool {
	if pat == "" {
		return s == ""
	}
	switch pat[0] {
	case '*':
		for i := 0; i <= len(s); i++ {
			if wildMatch(pat[1:], s[i:]) {
				return true
			}
		}
		return false
	case '?':
		return s != "" && wildMatch(pat[1:], s[1:])
	}
	return s != "" && pat[0] == s[0] && wildMatch(pat[1:], s[1:])
}
