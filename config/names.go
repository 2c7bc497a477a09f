package config

import "fmt"

// The names other accounts need to reach the security account's log
// archive and drain, and the management account's trail, derived from the
// org file alone: each account computes them in plain Go, so no stack takes
// a CloudFormation reference across accounts, and synth stays offline.

// Partition is the AWS partition of the org's regions: "aws", since the
// region table holds the commercial regions only. ARNs built with it are
// plain strings, readable in templates and checkable by cfn-guard.
func (o *Org) Partition() string { return "aws" }

// ArchiveBucketName is the central log archive bucket of the security
// account in region: <org>-logs-<security account id>-<region>.
func (o *Org) ArchiveBucketName(region string) string {
	return fmt.Sprintf("%s-logs-%s-%s", o.Name, o.account(RoleSecurity).ID, region)
}

// ArchiveKeyAlias is the alias of the archive's KMS key in every region.
func (o *Org) ArchiveKeyAlias() string { return "alias/" + o.Name + "-log-archive" }

// ArchiveKeyAliasArn is the ARN of ArchiveKeyAlias in region.
func (o *Org) ArchiveKeyAliasArn(partition, region string) string {
	return fmt.Sprintf("arn:%s:kms:%s:%s:%s", partition, region, o.account(RoleSecurity).ID, o.ArchiveKeyAlias())
}

// LogDestinationName is the CloudWatch Logs destination of the log drain in
// every region of the security account.
func (o *Org) LogDestinationName() string { return o.Name + "-log-drain" }

// LogDestinationArn is the ARN of LogDestinationName in region (CloudWatch
// Logs destinations are regional resources of the security account).
func (o *Org) LogDestinationArn(partition, region string) string {
	return fmt.Sprintf("arn:%s:logs:%s:%s:destination:%s", partition, region, o.account(RoleSecurity).ID, o.LogDestinationName())
}

// TrailName is the organization trail of the management account.
func (o *Org) TrailName() string { return o.Name + "-org-trail" }

// TrailArn is the ARN of the organization trail, which the management
// account creates in the home region.
func (o *Org) TrailArn(partition string) string {
	return fmt.Sprintf("arn:%s:cloudtrail:%s:%s:trail/%s", partition, o.HomeRegion, o.account(RoleManagement).ID, o.TrailName())
}

// AccountIDs are the ids of every account of the file, in file order.
func (o *Org) AccountIDs() []string {
	ids := make([]string, len(o.AllAccounts))
	for i, a := range o.AllAccounts {
		ids[i] = a.ID
	}
	return ids
}

// ConformancePackName is the organization conformance pack's name.
func (o *Org) ConformancePackName() string { return o.Name + "-baseline" }

// AccountByRole is the first account of the file with role r, also after
// Filter; Load guarantees one management and one security account.
func (o *Org) AccountByRole(r Role) Account { return o.account(r) }

func (o *Org) account(r Role) Account {
	for _, a := range o.AllAccounts {
		if a.Role == r {
			return a
		}
	}
	return Account{}
}
