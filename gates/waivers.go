package gates

import (
	"fmt"
	"strings"
)

// Waiver accepts the failures of one cfn-guard or cfn-lint rule on some
// resources. It must give a specific reason: what makes the control
// unnecessary or impossible for those resources, and what covers the risk
// instead. A waived failure does not fail the gate but is listed with its
// reason on every run; a waiver that no longer matches any failure is
// reported as stale: delete it then.
type Waiver struct {
	// Tool is "cfn-guard" or "cfn-lint".
	Tool string
	// Rule is the cfn-guard rule name (s3_bucket_logging_enabled_check) or the
	// cfn-lint rule id (W3005).
	Rule string
	// Resources are logical-id prefixes of the resources it covers. Empty
	// means every resource; the reason must then say why that is right.
	Resources []string
	// Reason says why the failures are accepted.
	Reason string
}

func (w Waiver) String() string {
	if len(w.Resources) == 0 {
		return fmt.Sprintf("%s %s (all resources)", w.Tool, w.Rule)
	}
	return fmt.Sprintf("%s %s on %s*", w.Tool, w.Rule, strings.Join(w.Resources, "*, "))
}

func (w Waiver) check() error {
	switch {
	case w.Tool != "cfn-guard" && w.Tool != "cfn-lint":
		return fmt.Errorf("waiver %s: tool %q is not cfn-guard or cfn-lint", w, w.Tool)
	case strings.TrimSpace(w.Rule) == "":
		return fmt.Errorf("waiver %s names no rule", w)
	case len(strings.TrimSpace(w.Reason)) < 20:
		return fmt.Errorf("waiver %s has no reason: every waiver must say why the rule's failures are accepted", w)
	}
	return nil
}

func (w Waiver) covers(tool string, f Finding) bool {
	if w.Tool != tool || w.Rule != f.Rule {
		return false
	}
	for _, prefix := range w.Resources {
		if strings.HasPrefix(f.Resource, prefix) {
			return true
		}
	}
	return len(w.Resources) == 0
}

// waive gives each finding not yet accepted the reason of the first waiver
// that covers it, and marks that waiver used.
func waive(tool string, findings []Finding, waivers []Waiver, used []bool) []Finding {
	for i, f := range findings {
		if f.Reason != "" {
			continue
		}
		for j, w := range waivers {
			if w.covers(tool, f) {
				findings[i].Reason, findings[i].Waived = w.Reason, true
				used[j] = true
				break
			}
		}
	}
	return findings
}

// The logical-id prefixes of resources that CDK or palisade's constructs
// create, as they appear in palisade's stacks.
const (
	// CDK's singleton provider behind the VPC's restrictDefaultSecurityGroup.
	restrictDefaultSGProvider = "CustomVpcRestrictDefaultSGCustomResourceProvider"
	// logarchive's bucket for its own server access logs.
	archiveAccessLogs = "LogArchiveAccessLogs"
	// logarchive's log bucket.
	archiveBucket = "LogArchiveBucket"
	// orgtrail's trail.
	orgTrail = "OrgTrail"
	// CDK's singleton function behind every AwsCustomResource of a stack.
	awsCustomResourceProvider = "AWS679f53fac002430cb0da5b7982bd2287"
	// The baseline's custom Config rule function (package customrule).
	sgIngressRuleFunction = "SgIngressRuleFunction"
	// The baseline's default VPC deletion function (package hardening).
	defaultVpcFunction = "HardeningDefaultVpcFunction"
	// The pipeline stack (stacks/pipeline.go): its artifact bucket and that
	// bucket's server access logs; in CodePipeline's support stack of each
	// other region, the replication bucket CDK generates and the bucket
	// palisade adds for its server access logs.
	pipelineArtifacts       = "ArtifactBucket"
	pipelineAccessLogs      = "ArtifactAccessLogs"
	pipelineReplication     = "CrossRegionCodePipelineReplicationBucket"
	pipelineReplicationLogs = "ReplicationAccessLogs"
)

// Waivers are palisade's accepted failures, all in one place.
var Waivers = []Waiver{
	{
		Tool: "cfn-guard", Rule: "lambda_inside_vpc_check", Resources: []string{restrictDefaultSGProvider},
		Reason: "CDK's handler that empties the default security group runs only while CloudFormation deploys; " +
			"inside the VPC it manages it would need NAT or endpoints that may not exist yet (isolated VPCs)",
	},
	{
		Tool: "cfn-lint", Rule: "W3005", Resources: []string{restrictDefaultSGProvider},
		Reason: "CDK renders the handler's DependsOn on its role, which its Role Fn::GetAtt already orders; the warning is " +
			"only that the DependsOn is redundant, and deleting it with an override would also drop, silently, any " +
			"dependency CDK or a later construct adds to the same resource",
	},
	{
		Tool: "cfn-guard", Rule: "s3_bucket_default_encryption_kms_check", Resources: []string{archiveAccessLogs},
		Reason: "S3 server access logging delivers only to buckets encrypted with SSE-S3; the bucket is SSE-S3, " +
			"private, TLS-only and versioned",
	},
	{
		Tool: "cfn-guard", Rule: "s3_bucket_logging_enabled_check", Resources: []string{archiveAccessLogs},
		Reason: "this bucket is the server access log target of the archive; logging it to itself would loop",
	},
	{
		Tool: "cfn-guard", Rule: "s3_bucket_object_lock_enabled_check", Resources: []string{archiveBucket},
		Reason: "Object Lock cannot be turned off once on, so it is the org file's choice (logging.archive.objectLock), " +
			"off by default; without it versioning, retain-on-delete, termination protection and a bucket policy " +
			"that admits only log services protect the logs",
	},
	{
		Tool: "cfn-guard", Rule: "s3_bucket_object_lock_enabled_check", Resources: []string{archiveAccessLogs},
		Reason: "S3 server access logging cannot deliver to a bucket with an Object Lock default retention; " +
			"the access logs are versioned and retained instead",
	},
	{
		Tool: "cfn-guard", Rule: "cloud_trail_cloud_watch_logs_enabled_check", Resources: []string{orgTrail},
		Reason: "CloudWatch Logs delivery of the organization trail is billed per event for every account, so the org file " +
			"may turn it off (logging.trail.cloudWatchLogs: false, which also turns the CIS alarms off); the archive holds " +
			"the validated, tamper-resistant copy either way",
	},
	{
		Tool: "cfn-guard", Rule: "lambda_inside_vpc_check", Resources: []string{defaultVpcFunction},
		Reason: "the function that deletes the default VPC (compliance.deleteDefaultVpcs) runs once while CloudFormation " +
			"deploys and calls only the EC2 API; the VPC it would run in is the one it deletes",
	},
	{
		Tool: "cfn-guard", Rule: "lambda_inside_vpc_check", Resources: []string{sgIngressRuleFunction},
		Reason: "the custom Config rule's function calls only the AWS Config API and reaches no private resource; " +
			"inside a VPC it would need NAT or a Config endpoint in every account and region, and the management account has no VPC",
	},
	{
		Tool: "cfn-guard", Rule: "lambda_inside_vpc_check", Resources: []string{awsCustomResourceProvider},
		Reason: "CDK's function behind palisade's AwsCustomResources (the delegations, trusted access, GuardDuty adoption, " +
			"account hardening, the Session Manager document) runs only while CloudFormation deploys and calls only AWS " +
			"APIs; the management and security accounts have no VPC for it, and the baseline and sessions stacks do not " +
			"wait for the network stack, whose private subnets would need NAT or endpoints for every API it calls",
	},
	{
		Tool: "cfn-lint", Rule: "W3005", Resources: []string{awsCustomResourceProvider},
		Reason: "CDK renders the shared function's DependsOn on its role, which its Role Fn::GetAtt already orders; the " +
			"warning is only that the DependsOn is redundant, and deleting it with an override would also drop, silently, " +
			"any dependency CDK or another construct of the stack adds to the one function they share",
	},
	{
		Tool: "cfn-guard", Rule: "s3_bucket_default_encryption_kms_check", Resources: []string{pipelineAccessLogs, pipelineReplicationLogs},
		Reason: "S3 server access logging delivers only to buckets encrypted with SSE-S3; these buckets hold only the access logs " +
			"of the pipeline's artifact buckets and are SSE-S3, private, TLS-only and versioned",
	},
	{
		Tool: "cfn-guard", Rule: "s3_bucket_logging_enabled_check", Resources: []string{pipelineAccessLogs, pipelineReplicationLogs},
		Reason: "these buckets are the server access log targets of the pipeline's artifact buckets; logging them to themselves would loop",
	},
	{
		Tool: "cfn-guard", Rule: "s3_bucket_object_lock_enabled_check", Resources: []string{pipelineArtifacts, pipelineReplication},
		Reason: "pipeline artifacts are intermediate build outputs, made again from the repository on every run and expired by the " +
			"lifecycle; Object Lock cannot be turned off once on and would keep every build's output; the buckets are KMS-encrypted, " +
			"versioned, private, TLS-only and retained",
	},
	{
		Tool: "cfn-guard", Rule: "s3_bucket_object_lock_enabled_check", Resources: []string{pipelineAccessLogs, pipelineReplicationLogs},
		Reason: "S3 server access logging cannot deliver to a bucket with an Object Lock default retention; " +
			"the pipeline's access logs are versioned and retained instead",
	},
}
