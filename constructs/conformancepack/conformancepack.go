// Package conformancepack provides Pack: palisade's baseline of AWS Config
// managed rules, deployed to every account of the organization as one AWS
// Config organization conformance pack (AWS::Config::OrganizationConformancePack).
//
// Why a conformance pack rather than organization Config rules one by one:
// the pack is one deployable unit, so the baseline is added, changed and
// removed as a whole; drift shows as one compliance score per account
// rather than twenty-odd separate rules; and remediation actions can live in
// the same template as the rules they fix. Landing Zone Accelerator deploys
// individual rules and declined conformance packs; palisade takes the other
// side of that trade.
//
// Build the Pack once per governed region, in the management account or AWS
// Config's delegated administrator (the security account), after trusted
// access for config-multiaccountsetup.amazonaws.com is enabled. Every member
// account must already record with AWS Config (package configrecorder):
// conformance packs evaluate what the recorder sees. The pack holds no data:
// compliance history stays in AWS Config, so it is deleted with its stack.
//
// The rule set is plain Go data: Rules gives the rule names and managed rule
// identifiers a Pack deploys and TemplateBody the template, both without
// jsii. Props.ExtraRules adds managed rules; Props.DisabledRules drops
// baseline rules, each with the reason written down.
//
// The package imports nothing from palisade: copy it into any CDK app.
package conformancepack

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsconfig"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Baseline maps each baseline rule's name to its AWS Config managed rule
// identifier. Do not modify it: use Props.ExtraRules and Props.DisabledRules.
var Baseline = map[string]string{
	"s3-bucket-server-side-encryption-enabled":       "S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED",
	"s3-bucket-public-read-prohibited":               "S3_BUCKET_PUBLIC_READ_PROHIBITED",
	"s3-bucket-public-write-prohibited":              "S3_BUCKET_PUBLIC_WRITE_PROHIBITED",
	"s3-bucket-ssl-requests-only":                    "S3_BUCKET_SSL_REQUESTS_ONLY",
	"s3-account-level-public-access-blocks-periodic": "S3_ACCOUNT_LEVEL_PUBLIC_ACCESS_BLOCKS_PERIODIC",
	"vpc-flow-logs-enabled":                          "VPC_FLOW_LOGS_ENABLED",
	"vpc-default-security-group-closed":              "VPC_DEFAULT_SECURITY_GROUP_CLOSED",
	"restricted-ssh":                                 "INCOMING_SSH_DISABLED",
	"restricted-common-ports":                        "RESTRICTED_INCOMING_TRAFFIC",
	"ec2-instance-managed-by-systems-manager":        "EC2_INSTANCE_MANAGED_BY_SSM",
	"ec2-imdsv2-check":                               "EC2_IMDSV2_CHECK",
	"ec2-ebs-encryption-by-default":                  "EC2_EBS_ENCRYPTION_BY_DEFAULT",
	"encrypted-volumes":                              "ENCRYPTED_VOLUMES",
	"cloudtrail-enabled":                             "CLOUD_TRAIL_ENABLED",
	"multi-region-cloudtrail-enabled":                "MULTI_REGION_CLOUD_TRAIL_ENABLED",
	"cloud-trail-log-file-validation-enabled":        "CLOUD_TRAIL_LOG_FILE_VALIDATION_ENABLED",
	"iam-root-access-key-check":                      "IAM_ROOT_ACCESS_KEY_CHECK",
	"root-account-mfa-enabled":                       "ROOT_ACCOUNT_MFA_ENABLED",
	"iam-password-policy":                            "IAM_PASSWORD_POLICY",
	"guardduty-enabled-centralized":                  "GUARDDUTY_ENABLED_CENTRALIZED",
	"securityhub-enabled":                            "SECURITYHUB_ENABLED",
	"kms-cmk-not-scheduled-for-deletion":             "KMS_CMK_NOT_SCHEDULED_FOR_DELETION",
}

// PasswordPolicy holds IAM_PASSWORD_POLICY's input parameters: the CIS AWS
// Foundations Benchmark's (1.8 length at least 14, 1.9 no reuse of the last
// 24), with every character class and a 90-day maximum age.
var PasswordPolicy = map[string]string{
	"RequireUppercaseCharacters": "true",
	"RequireLowercaseCharacters": "true",
	"RequireSymbols":             "true",
	"RequireNumbers":             "true",
	"MinimumPasswordLength":      "14",
	"PasswordReusePrevention":    "24",
	"MaxPasswordAge":             "90",
}

// Props configure a Pack.
type Props struct {
	// PackName names the organization conformance pack: a letter, then
	// letters, digits and hyphens, at most 128. Default: "palisade-baseline".
	PackName string
	// ExtraRules adds AWS managed rules, rule name (lowercase letters,
	// digits and hyphens, at most 64) to managed rule identifier (such as
	// RDS_STORAGE_ENCRYPTED). A name may not repeat a baseline rule's.
	// Default: none, the baseline only.
	ExtraRules map[string]string
	// DisabledRules drops baseline rules, rule name to the reason, which
	// must not be empty. Default: none, every baseline rule.
	DisabledRules map[string]string
	// ExcludedAccounts are 12-digit account ids the pack is not deployed
	// to. Default: none, every account.
	ExcludedAccounts []string
	// DeliveryS3Bucket is the bucket AWS Config writes the pack's results
	// to; AWS Config requires its name to start with awsconfigconforms.
	// Default: none, results stay in AWS Config.
	DeliveryS3Bucket string
	// PasswordMaxAgeDays is the maximum password age iam-password-policy
	// checks, 1 to 90, so that the rule agrees with the account's policy.
	// Default: 90 (PasswordPolicy).
	PasswordMaxAgeDays int
}

// Pack is the organization conformance pack.
type Pack struct {
	constructs.Construct
	// Pack is the organization conformance pack.
	Pack awsconfig.CfnOrganizationConformancePack
}

var (
	packName     = regexp.MustCompile(`^[a-zA-Z][-a-zA-Z0-9]{0,127}$`)
	ruleName     = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)
	identifier   = regexp.MustCompile(`^[A-Z0-9][A-Z0-9_]*$`)
	accountID    = regexp.MustCompile(`^[0-9]{12}$`)
	deliveryName = regexp.MustCompile(`^awsconfigconforms[a-z0-9.-]{0,46}$`)
)

// New creates a Pack. Props that cannot work panic with the prop's name.
func New(scope constructs.Construct, id string, props *Props) *Pack {
	p := withDefaults(props)
	c := constructs.NewConstruct(scope, &id)
	cfn := &awsconfig.CfnOrganizationConformancePackProps{
		OrganizationConformancePackName: jsii.String(p.PackName),
		TemplateBody:                    jsii.String(TemplateBody(&p)),
	}
	if len(p.ExcludedAccounts) > 0 {
		cfn.ExcludedAccounts = jsii.Strings(p.ExcludedAccounts...)
	}
	if p.DeliveryS3Bucket != "" {
		cfn.DeliveryS3Bucket = jsii.String(p.DeliveryS3Bucket)
	}
	return &Pack{Construct: c, Pack: awsconfig.NewCfnOrganizationConformancePack(c, jsii.String("Pack"), cfn)}
}

// Rules returns the rules a Pack with props deploys: the baseline without
// DisabledRules, plus ExtraRules, rule name to managed rule identifier.
// Props that cannot work panic with the prop's name.
func Rules(props *Props) map[string]string {
	p := withDefaults(props)
	rules := maps.Clone(Baseline)
	for name := range p.DisabledRules {
		delete(rules, name)
	}
	maps.Copy(rules, p.ExtraRules)
	return rules
}

// TemplateBody returns the conformance pack's template, JSON: one
// AWS::Config::ConfigRule per rule in Rules(props), owned by AWS, with
// PasswordPolicy (with Props.PasswordMaxAgeDays) as iam-password-policy's
// parameters.
func TemplateBody(props *Props) string {
	resources := map[string]any{}
	for name, id := range Rules(props) {
		rule := map[string]any{
			"ConfigRuleName": name,
			"Source":         map[string]string{"Owner": "AWS", "SourceIdentifier": id},
		}
		if id == "IAM_PASSWORD_POLICY" {
			params := maps.Clone(PasswordPolicy)
			if props != nil && props.PasswordMaxAgeDays != 0 {
				params["MaxPasswordAge"] = fmt.Sprint(props.PasswordMaxAgeDays)
			}
			rule["InputParameters"] = params
		}
		resources[logicalID(name)] = map[string]any{"Type": "AWS::Config::ConfigRule", "Properties": rule}
	}
	b, err := json.Marshal(map[string]any{"Resources": resources})
	if err != nil {
		panic(err)
	}
	return string(b)
}

// logicalID turns a rule name into a CloudFormation logical id:
// s3-bucket-ssl-requests-only becomes S3BucketSslRequestsOnly.
func logicalID(name string) string {
	var b strings.Builder
	for _, part := range strings.Split(name, "-") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}

func withDefaults(props *Props) Props {
	var p Props
	if props != nil {
		p = *props
	}
	if p.PackName == "" {
		p.PackName = "palisade-baseline"
	}
	if a := p.PasswordMaxAgeDays; a < 0 || a > 90 {
		panic(fmt.Sprintf("conformancepack: Props.PasswordMaxAgeDays %d is not 1 to 90", a))
	}
	if !packName.MatchString(p.PackName) {
		panic(fmt.Sprintf("conformancepack: Props.PackName %q is not a pack name: a letter, then letters, digits and hyphens, at most 128", p.PackName))
	}
	ids := map[string]string{}
	for _, name := range slices.Sorted(maps.Keys(p.ExtraRules)) {
		id := p.ExtraRules[name]
		if !ruleName.MatchString(name) {
			panic(fmt.Sprintf("conformancepack: Props.ExtraRules: %q is not a rule name: lowercase letters, digits and hyphens, at most 64", name))
		}
		if _, ok := Baseline[name]; ok {
			panic(fmt.Sprintf("conformancepack: Props.ExtraRules: %q is a baseline rule already; choose another name", name))
		}
		if !identifier.MatchString(id) {
			panic(fmt.Sprintf("conformancepack: Props.ExtraRules[%q]: %q is not a managed rule identifier such as RDS_STORAGE_ENCRYPTED", name, id))
		}
		if other, ok := ids[logicalID(name)]; ok {
			panic(fmt.Sprintf("conformancepack: Props.ExtraRules: %q and %q make the same logical id; rename one", other, name))
		}
		ids[logicalID(name)] = name
	}
	for _, name := range slices.Sorted(maps.Keys(p.DisabledRules)) {
		if _, ok := Baseline[name]; !ok {
			panic(fmt.Sprintf("conformancepack: Props.DisabledRules: %q is not a baseline rule: use one of %s", name, strings.Join(slices.Sorted(maps.Keys(Baseline)), ", ")))
		}
		if strings.TrimSpace(p.DisabledRules[name]) == "" {
			panic(fmt.Sprintf("conformancepack: Props.DisabledRules[%q]: the reason is empty; say why the rule is dropped", name))
		}
	}
	if len(p.ExcludedAccounts) > 1000 {
		panic(fmt.Sprintf("conformancepack: Props.ExcludedAccounts has %d accounts; AWS Config allows at most 1000", len(p.ExcludedAccounts)))
	}
	for i, a := range p.ExcludedAccounts {
		if !accountID.MatchString(a) {
			panic(fmt.Sprintf("conformancepack: Props.ExcludedAccounts[%d]: %q is not a 12-digit account id", i, a))
		}
		if slices.Contains(p.ExcludedAccounts[:i], a) {
			panic(fmt.Sprintf("conformancepack: Props.ExcludedAccounts: %q is listed twice", a))
		}
	}
	if p.DeliveryS3Bucket != "" && !deliveryName.MatchString(p.DeliveryS3Bucket) {
		panic(fmt.Sprintf("conformancepack: Props.DeliveryS3Bucket %q is not a bucket name starting with awsconfigconforms, as AWS Config requires", p.DeliveryS3Bucket))
	}
	return p
}
