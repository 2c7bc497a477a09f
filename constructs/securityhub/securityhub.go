// Package securityhub provides Hub: AWS Security Hub's central
// configuration for the organization, made in Security Hub's delegated
// administrator (the security account) in its home region, so that analysts
// see every account's and every linked region's findings in one place.
//
// It makes, in this order (each depends on the one before):
//
//   - a finding aggregator in the home region, linking Props.Regions
//     (SPECIFIED_REGIONS), or, when there are no others, ALL_REGIONS:
//     central configuration needs an aggregator, and CloudFormation accepts
//     neither NO_REGIONS nor an empty region list; a region with no hub
//     sends nothing, and one somebody enabled outside palisade is seen;
//   - the organization configuration: CENTRAL, with local auto-enable off
//     (AutoEnable false, AutoEnableStandards NONE), as central configuration
//     requires: what members run comes from configuration policies only;
//   - one configuration policy that enables Security Hub with Props.Standards
//     (by default AWS Foundational Security Best Practices v1.0.0 and CIS AWS
//     Foundations Benchmark v3.0.0) and every control except
//     Props.DisabledControls, whose reasons are kept in the resource's
//     template metadata (DisabledControls) and their ids in its description;
//   - the policy's association with each of Props.Targets: the root, OUs or
//     accounts. With no targets the policy exists but governs nothing, and
//     Security Hub is not enabled in any member by this construct.
//
// There is no AWS::SecurityHub::Hub here: making the security account the
// delegated administrator (NewDelegatedAdmin, in the management account's
// home region) enables Security Hub in it, and a second enablement would
// fail. The policy, associated with the root, governs the administrator too.
//
// The package imports nothing from palisade: copy it into any CDK app.
package securityhub

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecurityhub"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Standard is a Security Hub standard, named as in its ARN after
// "standards/".
type Standard string

// The standards a policy can enable.
const (
	FoundationalSecurityBestPractices Standard = "aws-foundational-security-best-practices/v/1.0.0"
	CISv1_4                           Standard = "cis-aws-foundations-benchmark/v/1.4.0"
	CISv3_0                           Standard = "cis-aws-foundations-benchmark/v/3.0.0"
	NIST800_53R5                      Standard = "nist-800-53/v/5.0.0"
	PCIDSSv3_2_1                      Standard = "pci-dss/v/3.2.1"
	PCIDSSv4_0_1                      Standard = "pci-dss/v/4.0.1"
	ResourceTagging                   Standard = "aws-resource-tagging-standard/v/1.0.0"
)

var standards = []Standard{FoundationalSecurityBestPractices, CISv1_4, CISv3_0, NIST800_53R5, PCIDSSv3_2_1, PCIDSSv4_0_1, ResourceTagging}

// DefaultStandards are enabled when Props.Standards is empty.
var DefaultStandards = []Standard{FoundationalSecurityBestPractices, CISv3_0}

// DefaultPolicyName names the configuration policy when Props.PolicyName is
// empty.
const DefaultPolicyName = "security-baseline"

// Props configure a Hub.
type Props struct {
	// Regions are the other regions whose findings the home region
	// aggregates, and which central configuration governs. Default: none,
	// the home region's aggregator links ALL_REGIONS (see the package doc).
	Regions []string
	// Standards are the standards the policy enables, each once.
	// Default: DefaultStandards, AWS Foundational Security Best Practices
	// v1.0.0 and CIS AWS Foundations Benchmark v3.0.0.
	Standards []Standard
	// DisabledControls maps security control ids (such as "IAM.6") to why
	// each is off; a reason is required. Default: none, every control of
	// the enabled standards is on.
	DisabledControls map[string]string
	// Targets are what the policy is associated with: the root (r-...), OUs
	// (ou-...) or accounts (12 digits). Default: none, the policy is created
	// but associated with nothing, so it enables nothing.
	Targets []string
	// PolicyName names the configuration policy: 1 to 128 characters,
	// letters, digits, spaces and -_.:/+=@. Default: DefaultPolicyName.
	PolicyName string
}

// Hub is Security Hub's central configuration for the organization.
type Hub struct {
	constructs.Construct
	// FindingAggregator aggregates the linked regions into this one.
	FindingAggregator awssecurityhub.CfnFindingAggregator
	// OrganizationConfiguration makes configuration CENTRAL.
	OrganizationConfiguration awssecurityhub.CfnOrganizationConfiguration
	// Policy is the configuration policy.
	Policy awssecurityhub.CfnConfigurationPolicy
	// Associations are the policy's associations, by target id.
	Associations map[string]awssecurityhub.CfnPolicyAssociation
}

var (
	region     = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]$`)
	controlID  = regexp.MustCompile(`^[A-Za-z0-9]+(\.[A-Za-z0-9]+)*\.[0-9]+$`)
	policyName = regexp.MustCompile(`^[A-Za-z0-9 \-_.:/+=@]{1,128}$`)
	accountID  = regexp.MustCompile(`^[0-9]{12}$`)
	targets    = []struct {
		re  *regexp.Regexp
		typ string
	}{
		{regexp.MustCompile(`^r-[0-9a-z]{4,32}$`), "ROOT"},
		{regexp.MustCompile(`^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$`), "ORGANIZATIONAL_UNIT"},
		{accountID, "ACCOUNT"},
	}
)

// New creates a Hub. Props that cannot work panic with the prop's name.
func New(scope constructs.Construct, id string, props *Props) *Hub {
	p := withDefaults(props)
	c := constructs.NewConstruct(scope, &id)
	h := &Hub{Construct: c, Associations: map[string]awssecurityhub.CfnPolicyAssociation{}}
	stack := awscdk.Stack_Of(c)
	home := *stack.Region()
	for _, r := range p.Regions {
		if r == home {
			panic(fmt.Sprintf("securityhub: Props.Regions: %q is the home region, where the Hub is; list only the others", r))
		}
	}

	aggregator := &awssecurityhub.CfnFindingAggregatorProps{RegionLinkingMode: jsii.String("ALL_REGIONS")}
	if len(p.Regions) > 0 {
		aggregator = &awssecurityhub.CfnFindingAggregatorProps{
			RegionLinkingMode: jsii.String("SPECIFIED_REGIONS"),
			Regions:           jsii.Strings(p.Regions...),
		}
	}
	h.FindingAggregator = awssecurityhub.NewCfnFindingAggregator(c, jsii.String("FindingAggregator"), aggregator)

	h.OrganizationConfiguration = awssecurityhub.NewCfnOrganizationConfiguration(c, jsii.String("OrganizationConfiguration"), &awssecurityhub.CfnOrganizationConfigurationProps{
		AutoEnable:          jsii.Bool(false),
		AutoEnableStandards: jsii.String("NONE"),
		ConfigurationType:   jsii.String("CENTRAL"),
	})
	h.OrganizationConfiguration.Node().AddDependency(h.FindingAggregator)

	arns := make([]*string, len(p.Standards))
	for i, s := range p.Standards {
		arns[i] = jsii.String(fmt.Sprintf("arn:%s:securityhub:%s::standards/%s", *stack.Partition(), home, s))
	}
	disabled := make([]string, 0, len(p.DisabledControls))
	for control := range p.DisabledControls {
		disabled = append(disabled, control)
	}
	sort.Strings(disabled)
	description := "Security Hub on with " + strings.Join(standardNames(p.Standards), ", ") + "; every control on"
	if len(disabled) > 0 {
		description += " except " + strings.Join(disabled, ", ") + " (reasons in the template metadata)"
	}
	if len(description) > 512 {
		description = description[:509] + "..."
	}
	h.Policy = awssecurityhub.NewCfnConfigurationPolicy(c, jsii.String("Policy"), &awssecurityhub.CfnConfigurationPolicyProps{
		Name:        jsii.String(p.PolicyName),
		Description: jsii.String(description),
		ConfigurationPolicy: &awssecurityhub.CfnConfigurationPolicy_PolicyProperty{
			SecurityHub: &awssecurityhub.CfnConfigurationPolicy_SecurityHubPolicyProperty{
				ServiceEnabled:             jsii.Bool(true),
				EnabledStandardIdentifiers: &arns,
				SecurityControlsConfiguration: &awssecurityhub.CfnConfigurationPolicy_SecurityControlsConfigurationProperty{
					// Listing what is off turns every other control on,
					// including the ones standards add later.
					DisabledSecurityControlIdentifiers: jsii.Strings(disabled...),
				},
			},
		},
	})
	h.Policy.Node().AddDependency(h.OrganizationConfiguration)
	if len(disabled) > 0 {
		h.Policy.AddMetadata(jsii.String("DisabledControls"), p.DisabledControls)
	}

	for _, target := range p.Targets {
		a := awssecurityhub.NewCfnPolicyAssociation(c, jsii.String(target), &awssecurityhub.CfnPolicyAssociationProps{
			ConfigurationPolicyId: h.Policy.AttrId(),
			TargetId:              jsii.String(target),
			TargetType:            jsii.String(targetType(target)),
		})
		h.Associations[target] = a
	}
	return h
}

// NewDelegatedAdmin makes adminAccountID (12 digits) Security Hub's delegated
// administrator for the organization. Build it in the management account,
// in the home region; it enables Security Hub in the administrator there.
// It is a CloudFormation resource (AWS::SecurityHub::DelegatedAdmin), not
// a custom resource: a failed first deployment's rollback deletes it with
// the stack, so a rerun creates it again rather than finding it there.
func NewDelegatedAdmin(scope constructs.Construct, id, adminAccountID string) awssecurityhub.CfnDelegatedAdmin {
	if !accountID.MatchString(adminAccountID) {
		panic(fmt.Sprintf("securityhub: NewDelegatedAdmin adminAccountID %q is not a 12-digit account id", adminAccountID))
	}
	return awssecurityhub.NewCfnDelegatedAdmin(scope, jsii.String(id), &awssecurityhub.CfnDelegatedAdminProps{
		AdminAccountId: jsii.String(adminAccountID),
	})
}

func standardNames(ss []Standard) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = string(s)
	}
	return out
}

func targetType(target string) string {
	for _, t := range targets {
		if t.re.MatchString(target) {
			return t.typ
		}
	}
	return ""
}

func withDefaults(props *Props) Props {
	var p Props
	if props != nil {
		p = *props
	}
	for i, r := range p.Regions {
		if !region.MatchString(r) {
			panic(fmt.Sprintf("securityhub: Props.Regions: %q is not a region such as eu-west-1", r))
		}
		if slices.Contains(p.Regions[:i], r) {
			panic(fmt.Sprintf("securityhub: Props.Regions: %q is listed twice", r))
		}
	}
	if len(p.Standards) == 0 {
		p.Standards = slices.Clone(DefaultStandards)
	}
	for i, s := range p.Standards {
		if !slices.Contains(standards, s) {
			panic(fmt.Sprintf("securityhub: Props.Standards: %q is not a standard: use one of %s", s, strings.Join(standardNames(standards), ", ")))
		}
		if slices.Contains(p.Standards[:i], s) {
			panic(fmt.Sprintf("securityhub: Props.Standards: %q is listed twice", s))
		}
	}
	for control, reason := range p.DisabledControls {
		if !controlID.MatchString(control) {
			panic(fmt.Sprintf("securityhub: Props.DisabledControls: %q is not a security control id such as IAM.6", control))
		}
		if strings.TrimSpace(reason) == "" {
			panic(fmt.Sprintf("securityhub: Props.DisabledControls[%q] has no reason: say why the control is off", control))
		}
	}
	for i, t := range p.Targets {
		if targetType(t) == "" {
			panic(fmt.Sprintf("securityhub: Props.Targets: %q is not a root (r-...), OU (ou-...-...) or 12-digit account id", t))
		}
		if slices.Contains(p.Targets[:i], t) {
			panic(fmt.Sprintf("securityhub: Props.Targets: %q is listed twice", t))
		}
	}
	if p.PolicyName == "" {
		p.PolicyName = DefaultPolicyName
	}
	if !policyName.MatchString(p.PolicyName) {
		panic(fmt.Sprintf("securityhub: Props.PolicyName %q is not a policy name: 1 to 128 letters, digits, spaces and -_.:/+=@", p.PolicyName))
	}
	return p
}
