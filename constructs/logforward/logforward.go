// Package logforward provides Forwarder: the sending end, in an account
// whose logs must reach the security account, of CloudWatch Logs shipping.
//
// A Forwarder creates the log groups it is given (for example those the
// CloudWatch agent will write /var/log/messages to), encrypted with a KMS key
// of its own that CloudWatch Logs may use for those log groups only (key
// rotated, key and log groups retained on delete, retention one year unless
// told otherwise), and subscribes each of them, with an empty filter pattern
// (every event), to a CloudWatch Logs destination in another account given by
// ARN (see logdrain.DestinationArn). It can also subscribe log groups that
// exist already, such as a VPC's flow log group.
//
// A cross-account subscription to a destination whose access policy names
// this account needs no role here: the destination's own role delivers. A
// destination whose access policy admits an organization (aws:PrincipalOrgID)
// needs one: with Props.DestinationAdmitsOrganization the Forwarder makes a
// role that CloudWatch Logs assumes, for the subscription filters, which may
// only put log events into the subscribed log groups. Either way the
// destination must exist, and admit this account, before the Forwarder is
// deployed. A log group takes at most two subscription filters.
//
// The log groups exist before their subscription filters (a filter refers to
// its group), so nothing is lost between the two, and an agent configured
// later finds them in place and encrypted.
//
// The package imports nothing from palisade: copy it into any CDK app.
package logforward

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Props configure a Forwarder.
type Props struct {
	// DestinationArn is the ARN of the CloudWatch Logs destination, usually in
	// another account, that receives every event of the log groups
	// (arn:aws:logs:REGION:ACCOUNT:destination:NAME). It must be in this
	// stack's region. Default: none, it is required.
	DestinationArn string
	// LogGroups names the log groups to create and subscribe, such as
	// "/var/log/messages": 1 to 512 of a-z A-Z 0-9 _ - / . #, not starting
	// with "aws/". Each name also gives the log group's construct id
	// ("/var/log/messages" is VarLogMessages), so names that differ only in
	// punctuation cannot both be used. Default: none.
	LogGroups []string
	// ExistingLogGroups are log groups made elsewhere to subscribe only, by
	// construct id: the key is a short PascalCase id that must stay stable
	// (it makes the subscription filter's logical id), the value the log
	// group's name, which may be a token (such as a VPC's flow log group).
	// Their keys, encryption and retention are left as they are.
	// Default: none.
	ExistingLogGroups map[string]string
	// Retention is how long the created log groups keep events here; the
	// destination keeps its own copy. Default: one year.
	Retention awslogs.RetentionDays
	// DestinationAdmitsOrganization says that the destination's access policy
	// admits the accounts of an organization (aws:PrincipalOrgID) rather
	// than naming this account: the subscription filters then carry
	// SubscriptionRole, as CloudWatch Logs requires. Default: false, no role
	// (CloudWatch Logs has refused one for a destination that names the
	// account: "destinationArn for vendor logs cannot be used with roleArn",
	// github.com/aws/aws-cdk/issues/6884).
	DestinationAdmitsOrganization bool
}

// Forwarder is a set of encrypted log groups and subscriptions that ship
// their events to a CloudWatch Logs destination.
type Forwarder struct {
	constructs.Construct
	// Key encrypts the created log groups; nil when Props.LogGroups is empty.
	Key awskms.Key
	// LogGroups are the created log groups, by name.
	LogGroups map[string]awslogs.LogGroup
	// SubscriptionRole is what CloudWatch Logs assumes for the subscription
	// filters; nil without Props.DestinationAdmitsOrganization.
	SubscriptionRole awsiam.Role
}

var (
	logGroupName   = regexp.MustCompile(`^[A-Za-z0-9_\-/.#]{1,512}$`)
	destinationArn = regexp.MustCompile(`^arn:aws[a-z-]*:logs:([a-z0-9-]+):[0-9]{12}:destination:[^:*]{1,512}$`)
	constructID    = regexp.MustCompile(`^[A-Z][A-Za-z0-9]{0,63}$`)
)

// New creates a Forwarder. Props that cannot work panic with the prop's name.
func New(scope constructs.Construct, id string, props *Props) *Forwarder {
	p, ids := withDefaults(props)
	c := constructs.NewConstruct(scope, &id)
	f := &Forwarder{Construct: c, LogGroups: map[string]awslogs.LogGroup{}}
	stack := awscdk.Stack_Of(c)
	if m := destinationArn.FindStringSubmatch(p.DestinationArn); m != nil && !unresolved(*stack.Region()) && m[1] != *stack.Region() {
		panic(fmt.Sprintf("logforward: Props.DestinationArn %q is in region %s, but log groups can only subscribe to a destination in their own region, %s",
			p.DestinationArn, m[1], *stack.Region()))
	}

	if len(p.LogGroups) > 0 {
		f.Key = awskms.NewKey(c, jsii.String("Key"), &awskms.KeyProps{
			Description:       jsii.String("Encrypts log groups whose events are shipped to the security account"),
			EnableKeyRotation: jsii.Bool(true),
			RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
		})
		denyGrantsExceptForAWSServices(f.Key)
		groupArns := make([]*string, 0, len(p.LogGroups))
		for _, name := range p.LogGroups {
			groupArns = append(groupArns, stack.FormatArn(&awscdk.ArnComponents{
				Service: jsii.String("logs"), Resource: jsii.String("log-group"), ResourceName: jsii.String(name),
				ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME,
			}))
		}
		f.Key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("CloudWatchLogsEncryptsTheseLogGroups"),
			Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("logs."+*stack.Region()+".amazonaws.com"), nil)},
			Actions:    jsii.Strings("kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"),
			Resources:  jsii.Strings("*"), // in a key policy "*" is this key
			Conditions: &map[string]any{"ArnEquals": map[string]any{"kms:EncryptionContext:aws:logs:arn": groupArns}},
		}), nil)
	}

	var roleArn *string
	var rolePolicy awsiam.ManagedPolicy
	if p.DestinationAdmitsOrganization {
		rolePolicy = f.subscriptionRole(stack, p)
		roleArn = f.SubscriptionRole.RoleArn()
	}
	subscribe := func(id string, name *string) {
		filter := awslogs.NewCfnSubscriptionFilter(c, jsii.String(id+"Subscription"), &awslogs.CfnSubscriptionFilterProps{
			LogGroupName:   name,
			DestinationArn: jsii.String(p.DestinationArn),
			FilterPattern:  jsii.String(""), // every event
			RoleArn:        roleArn,
		})
		if rolePolicy != nil {
			// CloudWatch Logs assumes the role when the filter is made.
			filter.Node().AddDependency(rolePolicy)
		}
	}
	for _, name := range p.LogGroups {
		lg := awslogs.NewLogGroup(c, jsii.String(ids[name]), &awslogs.LogGroupProps{
			LogGroupName:  jsii.String(name),
			EncryptionKey: f.Key,
			Retention:     p.Retention,
			RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
		})
		f.LogGroups[name] = lg
		subscribe(ids[name], lg.LogGroupName()) // a Ref: the filter waits for its group
	}
	for _, id := range slices.Sorted(maps.Keys(p.ExistingLogGroups)) {
		subscribe(id, jsii.String(p.ExistingLogGroups[id]))
	}
	return f
}

// subscriptionRole makes the role a subscription filter to a destination
// that admits an organization must carry: CloudWatch Logs User Guide,
// "Cross-account cross-Region subscriptions", "Step 2: (Only if using an
// organization) Create an IAM role" — trusted by logs.<region>.amazonaws.com,
// allowed logs:PutLogEvents on the subscribed log groups only; CloudWatch
// Logs assumes it to check that this account may subscribe. The guide's
// trust policy has no condition, and it names none that CloudWatch Logs
// sets for this role, so none is added; the role can do no more than put
// events into this account's forwarded log groups.
func (f *Forwarder) subscriptionRole(stack awscdk.Stack, p Props) awsiam.ManagedPolicy {
	names := make([]*string, 0, len(p.LogGroups)+len(p.ExistingLogGroups))
	for _, name := range p.LogGroups {
		names = append(names, jsii.String(name))
	}
	for _, id := range slices.Sorted(maps.Keys(p.ExistingLogGroups)) {
		names = append(names, jsii.String(p.ExistingLogGroups[id]))
	}
	groups := make([]*string, 0, len(names))
	for _, name := range names {
		groups = append(groups, stack.FormatArn(&awscdk.ArnComponents{
			Service: jsii.String("logs"), Resource: jsii.String("log-group"), ResourceName: jsii.String(*name + ":*"),
			ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME,
		}))
	}
	f.SubscriptionRole = awsiam.NewRole(f.Construct, jsii.String("SubscriptionRole"), &awsiam.RoleProps{
		Description: jsii.String("Lets CloudWatch Logs subscribe this account's forwarded log groups to the organization's log destination"),
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("logs."+*stack.Region()+".amazonaws.com"), nil),
	})
	policy := awsiam.NewManagedPolicy(f.Construct, jsii.String("SubscriptionPolicy"), &awsiam.ManagedPolicyProps{
		Description: jsii.String("Put log events into the forwarded log groups only"),
		Roles:       &[]awsiam.IRole{f.SubscriptionRole},
		Statements: &[]awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:   jsii.Strings("logs:PutLogEvents"),
			Resources: &groups,
		})},
	})
	policy.Node().DefaultChild().(awscdk.CfnResource).AddMetadata(jsii.String("cdk_nag"), map[string]any{"rules_to_suppress": []map[string]any{{
		"id":         "AwsSolutions-IAM5",
		"reason":     "the wildcard is the log streams of each forwarded log group (log-group:<name>:*), the form the CloudWatch Logs guide gives this role",
		"applies_to": []map[string]string{{"regex": `/^Resource::.*:log-group:.*:\*$/`}},
	}}})
	return policy
}

// withDefaults checks props and returns them with defaults, and the
// construct id of each created log group by name.
func withDefaults(props *Props) (Props, map[string]string) {
	var p Props
	if props != nil {
		p = *props
	}
	if !destinationArn.MatchString(p.DestinationArn) && !unresolved(p.DestinationArn) {
		panic(fmt.Sprintf("logforward: Props.DestinationArn %q is not a CloudWatch Logs destination ARN such as arn:aws:logs:us-east-1:222222222222:destination:central-logs", p.DestinationArn))
	}
	if len(p.LogGroups) == 0 && len(p.ExistingLogGroups) == 0 {
		panic("logforward: Props.LogGroups and Props.ExistingLogGroups are both empty: name at least one log group to forward")
	}
	ids := map[string]string{}    // created log group name -> id
	usedBy := map[string]string{} // id -> what it was made from
	names := map[string]string{}  // literal log group name -> which prop lists it
	for _, name := range p.LogGroups {
		if !logGroupName.MatchString(name) || strings.HasPrefix(name, "aws/") {
			panic(fmt.Sprintf("logforward: Props.LogGroups: %q is not a log group name: 1 to 512 of a-z A-Z 0-9 _ - / . #, not starting with \"aws/\"", name))
		}
		if _, dup := names[name]; dup {
			panic(fmt.Sprintf("logforward: Props.LogGroups: %q is listed twice", name))
		}
		names[name] = "LogGroups"
		id := idFrom(name)
		if id == "" {
			panic(fmt.Sprintf("logforward: Props.LogGroups: %q has no letter or digit to make a construct id from", name))
		}
		if other, taken := usedBy[id]; taken {
			panic(fmt.Sprintf("logforward: Props.LogGroups: %q and %s both make the construct id %s; rename one", name, other, id))
		}
		ids[name], usedBy[id] = id, fmt.Sprintf("%q", name)
	}
	for _, id := range slices.Sorted(maps.Keys(p.ExistingLogGroups)) {
		name := p.ExistingLogGroups[id]
		if !constructID.MatchString(id) {
			panic(fmt.Sprintf("logforward: Props.ExistingLogGroups: key %q is not a short PascalCase construct id such as \"FlowLogs\"", id))
		}
		if other, taken := usedBy[id]; taken {
			panic(fmt.Sprintf("logforward: Props.ExistingLogGroups: key %s is also the construct id of %s in Props.LogGroups; pick another", id, other))
		}
		usedBy[id] = "ExistingLogGroups key " + id
		if unresolved(name) {
			continue
		}
		if !logGroupName.MatchString(name) {
			panic(fmt.Sprintf("logforward: Props.ExistingLogGroups[%s]: %q is not a log group name: 1 to 512 of a-z A-Z 0-9 _ - / . #", id, name))
		}
		if prop, dup := names[name]; dup {
			panic(fmt.Sprintf("logforward: Props.ExistingLogGroups[%s]: %q is also in Props.%s; a log group is subscribed once", id, name, prop))
		}
		names[name] = "ExistingLogGroups"
	}
	if p.Retention == "" {
		p.Retention = awslogs.RetentionDays_ONE_YEAR
	}
	return p, ids
}

// idFrom makes a PascalCase construct id from a log group name:
// "/var/log/messages" is VarLogMessages, "/aws/lambda/my_fn" AwsLambdaMyFn.
func idFrom(name string) string {
	var b strings.Builder
	for _, part := range strings.FieldsFunc(name, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	id := b.String()
	if id != "" && !unicode.IsLetter(rune(id[0])) {
		id = "LogGroup" + id
	}
	return id
}

func unresolved(s string) bool {
	return s != "" && *awscdk.Token_IsUnresolved(s)
}

// denyGrantsExceptForAWSServices keeps kms:CreateGrant to AWS services acting
// for AWS resources (AWS Control Tower CT.KMS.PR.3).
func denyGrantsExceptForAWSServices(key awskms.Key) {
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("DenyGrantsExceptForAWSServices"),
		Effect:     awsiam.Effect_DENY,
		Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
		Actions:    jsii.Strings("kms:CreateGrant"),
		Resources:  jsii.Strings("*"), // in a key policy "*" is this key
		Conditions: &map[string]any{"BoolIfExists": map[string]any{
			"kms:GrantIsForAWSResource": "false", "aws:PrincipalIsAWSService": "false",
		}},
	}), nil)
}
