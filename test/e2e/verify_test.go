package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/palisade-sec/palisade/config"
)

// finding is one failed expectation, naming where it failed.
type finding struct {
	account, region string
	stack           string // empty for account- or region-wide checks
	resource        string // the resource's id and, when known, type and logical id
	problem         string
}

func (f finding) String() string {
	where := f.account + " " + f.region
	if f.stack != "" {
		where += " " + f.stack
	}
	return fmt.Sprintf("%s: %s: %s", where, f.resource, f.problem)
}

// check is one verified property and what was seen, for the report.
type check struct {
	name     string
	seen     string
	findings []finding
}

// target is what one verification looks at: a stack, or an account and
// region (bootstrap), or the organization.
type target struct {
	title           string
	account, region string
	stack           string
	checks          []check
}

func (t *target) findings() []finding {
	var out []finding
	for _, c := range t.checks {
		out = append(out, c.findings...)
	}
	return out
}

// checker records the checks of one target.
type checker struct {
	t   *target
	cur *check
}

func (c *checker) start(name string) {
	c.t.checks = append(c.t.checks, check{name: name})
	c.cur = &c.t.checks[len(c.t.checks)-1]
}

func (c *checker) seen(format string, args ...any) { c.cur.seen = fmt.Sprintf(format, args...) }

func (c *checker) fail(resource, format string, args ...any) {
	c.cur.findings = append(c.cur.findings, finding{
		account: c.t.account, region: c.t.region, stack: c.t.stack,
		resource: resource, problem: fmt.Sprintf(format, args...),
	})
}

// verification is everything the lane checked.
type verification struct {
	targets []*target
}

func (v *verification) findings() []finding {
	var out []finding
	for _, t := range v.targets {
		out = append(out, t.findings()...)
	}
	return out
}

// verifier reads the deployed org back from the emulator.
type verifier struct {
	endpoint string
	org      *config.Org
	creds    map[string]aws.Credentials
	mgmt     aws.Credentials
	// policies are the execution policy's parts, which every execution
	// role holds.
	policies []executionPolicy
}

// verify checks the organization, every bootstrapped environment and every
// stack of asm against org. An error means the emulator could not be read;
// failed expectations are findings.
func (v *verifier) verify(ctx context.Context, asm *assembly) (*verification, error) {
	out := &verification{}
	t, err := v.organization(ctx)
	if err != nil {
		return nil, err
	}
	out.targets = append(out.targets, t)
	for _, e := range asm.environments(v.org) {
		t, err := v.bootstrap(ctx, e)
		if err != nil {
			return nil, err
		}
		out.targets = append(out.targets, t)
	}

	if envs := asm.environments(v.org); len(envs) > 0 {
		t, err := v.executionPolicy(ctx, asm, envs[0])
		if err != nil {
			return nil, err
		}
		out.targets = append(out.targets, t)
	}

	stacks := slices.Clone(asm.stacks)
	slices.SortStableFunc(stacks, func(a, b stackArtifact) int {
		return orgOrder(v.org, env{a.account, a.region}) - orgOrder(v.org, env{b.account, b.region})
	})
	withVPC := map[env]bool{}
	for _, s := range stacks {
		t, hasVPC, err := v.stack(ctx, asm, s)
		if err != nil {
			return nil, err
		}
		out.targets = append(out.targets, t)
		if hasVPC {
			withVPC[env{s.account, s.region}] = true
		}
	}
	// The logging layer, across accounts.
	lt, err := v.logging(ctx, asm)
	if err != nil {
		return nil, err
	}
	out.targets = append(out.targets, lt...)
	// The security layer, across accounts.
	st, err := v.security(ctx, asm)
	if err != nil {
		return nil, err
	}
	out.targets = append(out.targets, st...)
	// AWS Config, hardening and the CIS alarms, across accounts.
	h, err := v.heldResources(ctx, asm)
	if err != nil {
		return nil, err
	}
	ct, err := v.compliance(ctx, h)
	if err != nil {
		return nil, err
	}
	out.targets = append(out.targets, ct...)
	// Session Manager, patching and agents, across accounts.
	sm, err := v.sessions(ctx, h)
	if err != nil {
		return nil, err
	}
	out.targets = append(out.targets, sm...)
	// Default VPC deletion, the Config role's owner, the trail's log group,
	// the demo instance.
	ot, err := v.options(ctx, h)
	if err != nil {
		return nil, err
	}
	out.targets = append(out.targets, ot...)
	// Every VPC of the org file is deployed.
	for _, a := range v.org.Accounts {
		for _, r := range v.org.Regions {
			if a.VPCs[r] != nil && !withVPC[env{a.ID, r}] {
				out.targets = append(out.targets, &target{title: "missing VPC", account: a.ID, region: r, checks: []check{{
					name: "VPC", findings: []finding{{account: a.ID, region: r, resource: "VPC " + a.VPCs[r].CIDR,
						problem: fmt.Sprintf("the org file gives %s a VPC here, but no deployed stack holds it", a.Name)}},
				}}})
			}
		}
	}
	return out, nil
}

func (v *verifier) account(id string) *config.Account {
	for i := range v.org.Accounts {
		if v.org.Accounts[i].ID == id {
			return &v.org.Accounts[i]
		}
	}
	return nil
}

// organization checks that the organization holds every account of the org
// file, under its id and name, with the management account as its manager.
func (v *verifier) organization(ctx context.Context) (*target, error) {
	mgmt := v.org.Management()
	t := &target{title: "organization " + v.org.Name, account: mgmt.ID, region: v.org.HomeRegion}
	c := &checker{t: t}
	orgs := organizations.NewFromConfig(sdkConfig(v.endpoint, v.org.HomeRegion, v.mgmt))
	d, err := orgs.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	if err != nil {
		return nil, fmt.Errorf("describing the organization: %w", err)
	}
	c.start("management account")
	if got := aws.ToString(d.Organization.MasterAccountId); got != mgmt.ID {
		c.fail("organization "+aws.ToString(d.Organization.Id), "managed by %s, want %s (%s)", got, mgmt.ID, mgmt.Name)
	}
	c.seen("%s (%s) manages %s", mgmt.Name, mgmt.ID, aws.ToString(d.Organization.Id))

	c.start("accounts")
	have := map[string]string{}
	p := organizations.NewListAccountsPaginator(orgs, &organizations.ListAccountsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing the organization's accounts: %w", err)
		}
		for _, a := range page.Accounts {
			have[aws.ToString(a.Id)] = aws.ToString(a.Name)
		}
	}
	var names []string
	for _, a := range v.org.Accounts {
		name, ok := have[a.ID]
		switch {
		case !ok:
			c.fail("account "+a.ID, "%s is not in the organization", a.Name)
		case a.Role != config.RoleManagement && name != a.Name:
			c.fail("account "+a.ID, "is named %q, want %q", name, a.Name)
		}
		names = append(names, fmt.Sprintf("%s %s", a.Name, a.ID))
	}
	c.seen("%s", strings.Join(names, ", "))
	return t, nil
}

// bootstrap checks one environment's CDK bootstrap: the toolkit stack, the
// deploy role trusting the management account and the execution role
// holding the execution policy and nothing else.
func (v *verifier) bootstrap(ctx context.Context, e env) (*target, error) {
	mgmt := v.org.Management().ID
	t := &target{title: "bootstrap", account: e.account, region: e.region}
	c := &checker{t: t}
	cl := newClients(v.endpoint, e.account, e.region, v.creds[e.account])

	c.start("CDKToolkit stack")
	d, err := cl.cfn.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String("CDKToolkit")})
	if err != nil {
		c.fail("stack CDKToolkit", "not found: %v", err)
		return t, nil
	}
	st := d.Stacks[0].StackStatus
	if st != cfntypes.StackStatusCreateComplete && st != cfntypes.StackStatusUpdateComplete {
		c.fail("stack CDKToolkit", "status %s", st)
	}
	version := ""
	for _, o := range d.Stacks[0].Outputs {
		if aws.ToString(o.OutputKey) == "BootstrapVersion" {
			version = aws.ToString(o.OutputValue)
		}
	}
	if version == "" {
		c.fail("stack CDKToolkit", "has no BootstrapVersion output")
	}
	c.seen("%s, bootstrap version %s", st, version)

	const qualifier = "hnb659fds"
	deployRole := fmt.Sprintf("cdk-%s-deploy-role-%s-%s", qualifier, e.account, e.region)
	c.start("deploy role trust")
	trust, err := roleTrust(ctx, cl, deployRole)
	if err != nil {
		c.fail("role "+deployRole, "%v", err)
	} else if !slices.Contains(trust.aws, "arn:aws:iam::"+mgmt+":root") && !slices.Contains(trust.aws, mgmt) {
		c.fail("role "+deployRole, "does not trust the management account %s (trusts %v)", mgmt, trust.aws)
	} else {
		c.seen("%s trusts %s", deployRole, strings.Join(trust.aws, ", "))
	}

	execRole := fmt.Sprintf("cdk-%s-cfn-exec-role-%s-%s", qualifier, e.account, e.region)
	c.start("execution role policy")
	attached, err := cl.iam.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(execRole)})
	if err != nil {
		c.fail("role "+execRole, "%v", err)
		return t, nil
	}
	var arns []string
	for _, p := range attached.AttachedPolicies {
		arns = append(arns, aws.ToString(p.PolicyArn))
	}
	var want []string
	for _, p := range v.policies {
		want = append(want, "arn:aws:iam::"+e.account+":policy/"+p.name)
	}
	slices.Sort(arns)
	if !slices.Equal(arns, want) {
		c.fail("role "+execRole, "has policies %v, want only %v", arns, want)
	}
	c.seen("%s has %s", execRole, strings.Join(arns, ", "))
	return t, nil
}

const (
	typeVPC    = "AWS::EC2::VPC"
	typeBucket = "AWS::S3::Bucket"
)

// servicePrefix is the IAM service prefix of a CloudFormation type's
// service, where it is not simply the lowercased service name.
var servicePrefix = map[string]string{
	"KinesisFirehose":        "firehose",
	"ElasticLoadBalancingV2": "elasticloadbalancing",
	"AccessAnalyzer":         "access-analyzer",
	"Lambda":                 "lambda",
}

// executionPolicy checks, statically, that the execution policy the lane
// bootstrapped with allows some action of every service whose resources
// the templates declare. moto does not evaluate IAM, so this is the only
// sign in the lane that a new resource type needs the policy extended.
func (v *verifier) executionPolicy(ctx context.Context, asm *assembly, e env) (*target, error) {
	var names []string
	for _, p := range v.policies {
		names = append(names, p.name)
	}
	t := &target{title: "execution policies " + strings.Join(names, ", "), account: e.account, region: e.region}
	c := &checker{t: t}
	c.start("covers every service")
	cl := newClients(v.endpoint, e.account, e.region, v.creds[e.account])
	arn := "arn:aws:iam::" + e.account + ":policy/" + executionPolicyPrefix + "-*"
	allowed := map[string]bool{}
	for _, ep := range v.policies {
		parn := "arn:aws:iam::" + e.account + ":policy/" + ep.name
		p, err := cl.iam.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(parn)})
		if err != nil {
			c.fail(parn, "%v", err)
			continue
		}
		pv, err := cl.iam.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: aws.String(parn), VersionId: p.Policy.DefaultVersionId})
		if err != nil {
			return nil, err
		}
		doc, err := policyDocument(aws.ToString(pv.PolicyVersion.Document))
		if err != nil {
			return nil, err
		}
		var policy struct {
			Statement []struct {
				Effect string
				Action json.RawMessage
			}
		}
		if err := json.Unmarshal([]byte(doc), &policy); err != nil {
			return nil, fmt.Errorf("%s: %w", parn, err)
		}
		for _, s := range policy.Statement {
			if s.Effect != "Allow" {
				continue
			}
			var actions []string
			if json.Unmarshal(s.Action, &actions) != nil {
				var one string
				_ = json.Unmarshal(s.Action, &one)
				actions = []string{one}
			}
			for _, a := range actions {
				service, _, _ := strings.Cut(a, ":")
				allowed[service] = true
			}
		}
	}
	needed := map[string][]string{} // service -> types
	for _, s := range asm.stacks {
		res, err := s.templateResources()
		if err != nil {
			return nil, err
		}
		for _, typ := range res {
			parts := strings.Split(typ, "::")
			service := ""
			switch {
			case parts[0] == "Custom":
				service = "lambda" // CloudFormation invokes the handler with the execution role
			case len(parts) == 3 && parts[0] == "AWS" && parts[1] != "CDK" && parts[1] != "CloudFormation":
				service = servicePrefix[parts[1]]
				if service == "" {
					service = strings.ToLower(parts[1])
				}
			}
			if service != "" && !slices.Contains(needed[service], typ) {
				needed[service] = append(needed[service], typ)
			}
		}
	}
	services := slices.Sorted(maps.Keys(needed))
	for _, s := range services {
		if !allowed[s] {
			slices.Sort(needed[s])
			c.fail(arn, "allows no %s action, but the stacks declare %s: extend one of deploy/execution-policy-*.json", s, strings.Join(needed[s], ", "))
		}
	}
	c.seen("allows actions of every service the templates use: %s (moto does not evaluate IAM: see README)", strings.Join(services, ", "))
	return t, nil
}

// resources indexes a stack's resources by type.
type resources map[string][]cfntypes.StackResourceSummary

func (r resources) ids(typ string) []string {
	var out []string
	for _, s := range r[typ] {
		out = append(out, aws.ToString(s.PhysicalResourceId))
	}
	return out
}

// label names a resource for a finding: id [type logical-id]. Some types
// share physical ids (a VPC and its gateway attachment, a bucket and its
// policy), so the type is looked up among types, when given.
func (r resources) label(id string, types ...string) string {
	if len(types) == 0 {
		for typ := range r {
			types = append(types, typ)
		}
		sort.Strings(types)
	}
	for _, typ := range types {
		for _, s := range r[typ] {
			if aws.ToString(s.PhysicalResourceId) == id {
				return fmt.Sprintf("%s [%s %s]", id, typ, aws.ToString(s.LogicalResourceId))
			}
		}
	}
	return id
}

// stack checks one stack: deployed in dependency order, every resource of
// its template created, and its buckets, keys and roles hardened. A stack
// with a VPC is also checked against the VPC the org file plans for its
// account and region.
func (v *verifier) stack(ctx context.Context, asm *assembly, s stackArtifact) (t *target, hasVPC bool, err error) {
	t = &target{title: s.name, account: s.account, region: s.region, stack: s.name}
	c := &checker{t: t}
	cl := newClients(v.endpoint, s.account, s.region, v.creds[s.account])

	c.start("stack")
	d, err := cl.cfn.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(s.name)})
	if err != nil {
		c.fail(s.name, "not deployed: %v", err)
		return t, false, nil
	}
	stack := d.Stacks[0]
	if stack.StackStatus != cfntypes.StackStatusCreateComplete && stack.StackStatus != cfntypes.StackStatusUpdateComplete {
		c.fail(s.name, "status %s", stack.StackStatus)
	}
	// The CLI deploys a stack only after the stacks it depends on.
	for _, dep := range s.dependencies {
		i := slices.IndexFunc(asm.stacks, func(o stackArtifact) bool { return o.name == dep })
		o := asm.stacks[i]
		dd, err := newClients(v.endpoint, o.account, o.region, v.creds[o.account]).cfn.
			DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(dep)})
		if err != nil {
			c.fail(s.name, "depends on %s, which is not deployed: %v", dep, err)
			continue
		}
		if aws.ToTime(dd.Stacks[0].CreationTime).After(aws.ToTime(stack.CreationTime)) {
			c.fail(s.name, "was created before %s, which it depends on", dep)
		}
	}
	list, err := stackResources(ctx, cl, s.name)
	if err != nil {
		return nil, false, fmt.Errorf("%s %s %s: %w", s.account, s.region, s.name, err)
	}
	res := resources{}
	created := map[string]bool{}
	for _, r := range list {
		res[aws.ToString(r.ResourceType)] = append(res[aws.ToString(r.ResourceType)], r)
		created[aws.ToString(r.LogicalResourceId)] = true
		if r.ResourceStatus != cfntypes.ResourceStatusCreateComplete && r.ResourceStatus != cfntypes.ResourceStatusUpdateComplete {
			c.fail(res.label(aws.ToString(r.PhysicalResourceId)), "status %s", r.ResourceStatus)
		}
	}
	c.seen("%s, %d resources, deployed after %s", stack.StackStatus, len(list), orNone(s.dependencies))

	// The emulator skips, with only a warning in its log, every type it has
	// no CloudFormation model for: such a resource is in the template and
	// nowhere else.
	c.start("resources created")
	want, err := s.templateResources()
	if err != nil {
		return nil, false, err
	}
	var missing []string
	for id, typ := range want {
		if !created[id] {
			missing = append(missing, id)
			c.fail(fmt.Sprintf("%s [%s]", id, typ), "is in the template but was not created: the emulator has no CloudFormation model "+
				"for %s; add one to test/emulator/launcher.py", typ)
		}
	}
	c.seen("all %d resources of the template", len(want)-len(missing))

	for _, step := range []func(context.Context, *checker, *clients, resources) error{v.checkBuckets, v.checkKeys, v.checkRoles} {
		if err := step(ctx, c, cl, res); err != nil {
			return nil, false, fmt.Errorf("%s %s %s: %w", s.account, s.region, s.name, err)
		}
	}

	vpcs := res.ids("AWS::EC2::VPC")
	if len(vpcs) == 0 {
		return t, false, nil
	}
	c.start("VPC")
	acct := v.account(s.account)
	var vpc *config.VPC
	if acct != nil {
		vpc = acct.VPCs[s.region]
	}
	switch {
	case vpc == nil:
		c.fail(res.label(vpcs[0], typeVPC), "the org file has no VPC for this account and region")
		return t, true, nil
	case len(vpcs) != 1:
		c.fail(s.name, "has %d VPCs, want 1", len(vpcs))
		return t, true, nil
	}
	vpcID := vpcs[0]
	for _, step := range []func(context.Context, *checker, *clients, resources, string, *config.VPC) error{
		v.checkVPC, v.checkSubnets, v.checkNAT, v.checkFlowLogs, v.checkSecurityGroups, v.checkNetworkACLs, v.checkEndpoints,
	} {
		if err := step(ctx, c, cl, res, vpcID, vpc); err != nil {
			return nil, true, fmt.Errorf("%s %s %s: %w", s.account, s.region, s.name, err)
		}
	}
	return t, true, nil
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "nothing"
	}
	return strings.Join(s, ", ")
}

func (v *verifier) checkVPC(ctx context.Context, c *checker, cl *clients, res resources, vpcID string, want *config.VPC) error {
	d, err := cl.ec2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{vpcID}})
	if err != nil {
		return err
	}
	got := d.Vpcs[0]
	if aws.ToString(got.CidrBlock) != want.CIDR {
		c.fail(res.label(vpcID, typeVPC), "CIDR is %s, want %s", aws.ToString(got.CidrBlock), want.CIDR)
	}
	tenancy := ec2types.TenancyDefault
	if want.DedicatedTenancy {
		tenancy = ec2types.TenancyDedicated
	}
	if got.InstanceTenancy != tenancy {
		c.fail(res.label(vpcID, typeVPC), "tenancy %s, want %s", got.InstanceTenancy, tenancy)
	}
	for _, attr := range []ec2types.VpcAttributeName{ec2types.VpcAttributeNameEnableDnsSupport, ec2types.VpcAttributeNameEnableDnsHostnames} {
		a, err := cl.ec2.DescribeVpcAttribute(ctx, &ec2.DescribeVpcAttributeInput{VpcId: aws.String(vpcID), Attribute: attr})
		if err != nil {
			return err
		}
		on := a.EnableDnsSupport
		if attr == ec2types.VpcAttributeNameEnableDnsHostnames {
			on = a.EnableDnsHostnames
		}
		if on == nil || !aws.ToBool(on.Value) {
			c.fail(res.label(vpcID, typeVPC), "%s is off", attr)
		}
	}
	c.seen("%s %s, DNS support and hostnames on, %s tenancy", vpcID, aws.ToString(got.CidrBlock), got.InstanceTenancy)
	return nil
}

func (v *verifier) subnets(ctx context.Context, cl *clients, vpcID string) ([]ec2types.Subnet, error) {
	d, err := cl.ec2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{{Name: aws.String("vpc-id"), Values: []string{vpcID}}}})
	if err != nil {
		return nil, err
	}
	return d.Subnets, nil
}

// checkSubnets compares the VPC's subnets with the org file's subnet plan:
// the same CIDRs in the same zones, none extra, none auto-assigning public IPs.
func (v *verifier) checkSubnets(ctx context.Context, c *checker, cl *clients, res resources, vpcID string, want *config.VPC) error {
	c.start("subnets")
	subnets, err := v.subnets(ctx, cl, vpcID)
	if err != nil {
		return err
	}
	byCIDR := map[string]ec2types.Subnet{}
	for _, s := range subnets {
		byCIDR[aws.ToString(s.CidrBlock)] = s
	}
	perAZ := map[string][]string{}
	for _, p := range want.Subnets {
		s, ok := byCIDR[p.CIDR]
		if !ok {
			c.fail("VPC "+vpcID, "has no %s subnet %s in %s", p.Group, p.CIDR, p.AZ)
			continue
		}
		delete(byCIDR, p.CIDR)
		id := aws.ToString(s.SubnetId)
		if az := aws.ToString(s.AvailabilityZone); az != p.AZ {
			c.fail(res.label(id), "%s subnet %s is in %s, want %s", p.Group, p.CIDR, az, p.AZ)
		}
		if aws.ToBool(s.MapPublicIpOnLaunch) {
			c.fail(res.label(id), "assigns public IPs on launch")
		}
		perAZ[p.AZ] = append(perAZ[p.AZ], p.Group+" "+p.CIDR)
	}
	for cidr, s := range byCIDR {
		c.fail(res.label(aws.ToString(s.SubnetId)), "subnet %s in %s is not in the plan", cidr, aws.ToString(s.AvailabilityZone))
	}
	var parts []string
	for _, az := range want.AvailabilityZones {
		parts = append(parts, az+": "+strings.Join(perAZ[az], ", "))
	}
	c.seen("%d subnets as planned; %s", len(want.Subnets), strings.Join(parts, "; "))
	return nil
}

// checkNAT counts the VPC's NAT gateways against the NAT strategy: one per
// zone (perAz), one (single) or none, each in a public subnet.
func (v *verifier) checkNAT(ctx context.Context, c *checker, cl *clients, res resources, vpcID string, want *config.VPC) error {
	c.start("NAT gateways")
	d, err := cl.ec2.DescribeNatGateways(ctx, &ec2.DescribeNatGatewaysInput{Filter: []ec2types.Filter{{Name: aws.String("vpc-id"), Values: []string{vpcID}}}})
	if err != nil {
		return err
	}
	wantN := map[config.NATStrategy]int{config.NATPerAZ: len(want.AvailabilityZones), config.NATSingle: 1, config.NATNone: 0}[want.NATGateways]
	public := map[string]string{} // subnet id -> AZ
	subnets, err := v.subnets(ctx, cl, vpcID)
	if err != nil {
		return err
	}
	for _, s := range subnets {
		for _, p := range want.Subnets {
			if p.Group == "public" && p.CIDR == aws.ToString(s.CidrBlock) {
				public[aws.ToString(s.SubnetId)] = p.AZ
			}
		}
	}
	var nats []ec2types.NatGateway
	for _, n := range d.NatGateways {
		if n.State != ec2types.NatGatewayStateDeleted && n.State != ec2types.NatGatewayStateDeleting {
			nats = append(nats, n)
		}
	}
	if len(nats) != wantN {
		c.fail("VPC "+vpcID, "has %d NAT gateways, want %d (natGateways: %s, %d zones)", len(nats), wantN, want.NATGateways, len(want.AvailabilityZones))
	}
	zones := map[string]bool{}
	for _, n := range nats {
		id := aws.ToString(n.NatGatewayId)
		az, ok := public[aws.ToString(n.SubnetId)]
		if !ok {
			c.fail(res.label(id), "is in subnet %s, which is not a public subnet of the plan", aws.ToString(n.SubnetId))
		}
		if zones[az] && want.NATGateways == config.NATPerAZ {
			c.fail(res.label(id), "is a second NAT gateway in %s; perAz wants one per zone", az)
		}
		zones[az] = true
	}
	var zl []string
	for z := range zones {
		zl = append(zl, z)
	}
	sort.Strings(zl)
	c.seen("%d (%s) in %s", len(nats), want.NATGateways, orNone(zl))
	return nil
}

// checkFlowLogs checks the VPC's flow logs: traffic ALL to the security
// account's central archive of the region (SSE-KMS, rotating key) and
// nowhere else in S3, and, when the org file asks, to a KMS-encrypted log
// group of the stack with its retention, delivered by a role only the
// flow-logs service can assume, and forwarded to the region's log drain.
func (v *verifier) checkFlowLogs(ctx context.Context, c *checker, cl *clients, res resources, vpcID string, want *config.VPC) error {
	c.start("flow logs")
	d, err := cl.ec2.DescribeFlowLogs(ctx, &ec2.DescribeFlowLogsInput{Filter: []ec2types.Filter{{Name: aws.String("resource-id"), Values: []string{vpcID}}}})
	if err != nil {
		return err
	}
	var toS3, toLogs []ec2types.FlowLog
	for _, f := range d.FlowLogs {
		id := aws.ToString(f.FlowLogId)
		if f.TrafficType != ec2types.TrafficTypeAll {
			c.fail(res.label(id), "traffic type %s, want ALL", f.TrafficType)
		}
		switch f.LogDestinationType {
		case ec2types.LogDestinationTypeS3:
			toS3 = append(toS3, f)
		case ec2types.LogDestinationTypeCloudWatchLogs:
			toLogs = append(toLogs, f)
		default:
			c.fail(res.label(id), "unexpected destination type %s", f.LogDestinationType)
		}
	}
	var seen []string
	if len(toS3) != 1 {
		c.fail("VPC "+vpcID, "has %d flow logs to S3, want 1 (to the log archive)", len(toS3))
	}
	central := v.org.ArchiveBucketName(cl.region)
	for _, f := range toS3 {
		id := aws.ToString(f.FlowLogId)
		dest := aws.ToString(f.LogDestination)
		bucket := strings.TrimPrefix(dest, "arn:aws:s3:::")
		switch {
		case bucket != central:
			// Only the central archive is right: a local bucket would be
			// writable (and deletable) by the account whose traffic it records.
			c.fail(res.label(id), "delivers to %s, want the central archive arn:aws:s3:::%s of the security account", dest, central)
		default:
			sec := v.org.AccountByRole(config.RoleSecurity).ID
			scl := newClients(v.endpoint, sec, cl.region, v.creds[sec])
			key, err := bucketKMSKey(ctx, scl, bucket)
			if err != nil {
				return err
			}
			if key == "" {
				c.fail(bucket, "the central archive (account %s) is not encrypted with SSE-KMS", sec)
				break
			}
			r, err := scl.kms.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: aws.String(key)})
			if err != nil || !r.KeyRotationEnabled {
				c.fail(key, "encrypts the central archive %s but does not rotate (%v)", bucket, err)
			}
			seen = append(seen, fmt.Sprintf("ALL to the central archive %s in %s (SSE-KMS, rotating key)", dest, sec))
		}
	}

	wantLogs := 0
	if want.FlowLogs.CloudWatch {
		wantLogs = 1
	}
	if len(toLogs) != wantLogs {
		c.fail("VPC "+vpcID, "has %d flow logs to CloudWatch Logs, want %d (flowLogs.cloudWatch: %t)", len(toLogs), wantLogs, want.FlowLogs.CloudWatch)
	}
	for _, f := range toLogs {
		id := aws.ToString(f.FlowLogId)
		group := aws.ToString(f.LogGroupName)
		if !slices.Contains(res.ids("AWS::Logs::LogGroup"), group) {
			c.fail(res.label(id), "delivers to log group %s, which is not of this stack", group)
			continue
		}
		g, err := cl.logs.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String(group)})
		if err != nil {
			return err
		}
		for _, lg := range g.LogGroups {
			if aws.ToString(lg.LogGroupName) != group {
				continue
			}
			if r := int(aws.ToInt32(lg.RetentionInDays)); r != want.FlowLogs.RetentionDays {
				c.fail(res.label(group), "retention %d days, want %d", r, want.FlowLogs.RetentionDays)
			}
			if aws.ToString(lg.KmsKeyId) == "" {
				c.fail(res.label(group), "is not encrypted with a KMS key")
			} else if err := v.stackKeyRotates(ctx, c, cl, res, aws.ToString(lg.KmsKeyId), "log group "+group); err != nil {
				return err
			}
		}
		// The flow log group is forwarded to the log drain of the region.
		if err := subscribedTo(ctx, cl, group, v.destinationArn(cl.region), func(format string, args ...any) {
			c.fail(res.label(group), format, args...)
		}); err != nil {
			return err
		}
		role := aws.ToString(f.DeliverLogsPermissionArn)
		roleName := role[strings.LastIndex(role, "/")+1:]
		trust, err := roleTrust(ctx, cl, roleName)
		if err != nil {
			c.fail(res.label(id), "delivery role %s: %v", role, err)
		} else if !slices.Equal(trust.services, []string{"vpc-flow-logs.amazonaws.com"}) || len(trust.aws) > 0 || !trust.sourceAccount(cl.account) {
			c.fail(res.label(roleName), "trusts %v %v; want only vpc-flow-logs.amazonaws.com, for aws:SourceAccount %s", trust.services, trust.aws, cl.account)
		}
		seen = append(seen, fmt.Sprintf("ALL to log group %s (KMS, %d days, role for vpc-flow-logs only, forwarded to %s)", group, want.FlowLogs.RetentionDays, v.destinationArn(cl.region)))
	}
	c.seen("%s", strings.Join(seen, "; "))
	return nil
}

// stackKeyRotates checks that key (an ARN or id) is a KMS key of this stack
// with rotation on.
func (v *verifier) stackKeyRotates(ctx context.Context, c *checker, cl *clients, res resources, key, user string) error {
	id := key[strings.LastIndex(key, "/")+1:]
	if !slices.Contains(res.ids("AWS::KMS::Key"), id) {
		c.fail(user, "is encrypted with %s, which is not a key of this stack", key)
		return nil
	}
	r, err := cl.kms.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: aws.String(id)})
	if err != nil {
		return err
	}
	if !r.KeyRotationEnabled {
		c.fail(res.label(id), "encrypts %s but does not rotate", user)
	}
	return nil
}

// bucketKMSKey returns the KMS key of the bucket's default SSE-KMS
// encryption, or "" when it has none.
func bucketKMSKey(ctx context.Context, cl *clients, bucket string) (string, error) {
	e, err := cl.s3.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: aws.String(bucket)})
	if err != nil {
		return "", nil
	}
	for _, r := range e.ServerSideEncryptionConfiguration.Rules {
		if d := r.ApplyServerSideEncryptionByDefault; d != nil && d.SSEAlgorithm == "aws:kms" {
			return aws.ToString(d.KMSMasterKeyID), nil
		}
	}
	return "", nil
}

// checkBuckets checks every bucket of the stack: default encryption,
// versioning, and every public access block setting on.
func (v *verifier) checkBuckets(ctx context.Context, c *checker, cl *clients, res resources) error {
	c.start("buckets")
	var seen []string
	for _, b := range res.ids("AWS::S3::Bucket") {
		algo := "none"
		e, err := cl.s3.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: aws.String(b)})
		if err == nil && len(e.ServerSideEncryptionConfiguration.Rules) > 0 && e.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault != nil {
			algo = string(e.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm)
		} else {
			c.fail(res.label(b, typeBucket), "has no default encryption")
		}
		ver, err := cl.s3.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String(b)})
		if err != nil {
			return err
		}
		if ver.Status != "Enabled" {
			c.fail(res.label(b, typeBucket), "versioning is %q, want Enabled", ver.Status)
		}
		pab, err := cl.s3.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: aws.String(b)})
		if err != nil {
			c.fail(res.label(b, typeBucket), "has no public access block: %v", err)
		} else if p := pab.PublicAccessBlockConfiguration; !aws.ToBool(p.BlockPublicAcls) || !aws.ToBool(p.IgnorePublicAcls) ||
			!aws.ToBool(p.BlockPublicPolicy) || !aws.ToBool(p.RestrictPublicBuckets) {
			c.fail(res.label(b, typeBucket), "public access is not fully blocked")
		}
		seen = append(seen, fmt.Sprintf("%s (%s)", b, algo))
	}
	c.seen("%d, versioned, public access blocked: %s", len(res["AWS::S3::Bucket"]), strings.Join(seen, ", "))
	return nil
}

// checkSecurityGroups checks every security group of the VPC: no ingress
// from anywhere, nothing on SSH or RDP, and the default group empty (the
// Custom::VpcRestrictDefaultSG resource's job).
func (v *verifier) checkSecurityGroups(ctx context.Context, c *checker, cl *clients, res resources, vpcID string, want *config.VPC) error {
	c.start("security groups")
	d, err := cl.ec2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []ec2types.Filter{{Name: aws.String("vpc-id"), Values: []string{vpcID}}}})
	if err != nil {
		return err
	}
	defaultEmpty := false
	for _, g := range d.SecurityGroups {
		id := aws.ToString(g.GroupId)
		if aws.ToString(g.GroupName) == "default" {
			if len(g.IpPermissions) > 0 || len(g.IpPermissionsEgress) > 0 {
				c.fail(id+" [default security group]", "has %d ingress and %d egress rules, want none", len(g.IpPermissions), len(g.IpPermissionsEgress))
			} else {
				defaultEmpty = true
			}
		}
		for _, p := range g.IpPermissions {
			for _, r := range p.IpRanges {
				if aws.ToString(r.CidrIp) == "0.0.0.0/0" {
					c.fail(res.label(id), "admits %s from 0.0.0.0/0", portsOf(p))
				}
			}
			for _, r := range p.Ipv6Ranges {
				if aws.ToString(r.CidrIpv6) == "::/0" {
					c.fail(res.label(id), "admits %s from ::/0", portsOf(p))
				}
			}
			for _, port := range []int32{22, 3389} {
				if covers(aws.ToString(p.IpProtocol), p.FromPort, p.ToPort, port) {
					c.fail(res.label(id), "admits port %d (%s)", port, portsOf(p))
				}
			}
		}
	}
	c.seen("%d groups, none open to the internet or on 22/3389; default group empty: %t", len(d.SecurityGroups), defaultEmpty)
	return nil
}

func portsOf(p ec2types.IpPermission) string {
	proto := aws.ToString(p.IpProtocol)
	if proto == "-1" {
		return "all traffic"
	}
	return fmt.Sprintf("%s %d-%d", proto, aws.ToInt32(p.FromPort), aws.ToInt32(p.ToPort))
}

// covers reports whether a rule of protocol and port range includes port
// over TCP or UDP.
func covers(protocol string, from, to *int32, port int32) bool {
	switch protocol {
	case "-1", "all":
		return true
	case "tcp", "6", "udp", "17":
		return from == nil || to == nil || (aws.ToInt32(from) <= port && port <= aws.ToInt32(to)) || aws.ToInt32(from) == -1
	}
	return false
}

// checkNetworkACLs checks that every subnet of the VPC has a network ACL of
// the stack and that no ACL admits SSH or RDP from anywhere.
func (v *verifier) checkNetworkACLs(ctx context.Context, c *checker, cl *clients, res resources, vpcID string, want *config.VPC) error {
	c.start("network ACLs")
	d, err := cl.ec2.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{Filters: []ec2types.Filter{{Name: aws.String("vpc-id"), Values: []string{vpcID}}}})
	if err != nil {
		return err
	}
	ours := res.ids("AWS::EC2::NetworkAcl")
	aclOf := map[string]string{}
	for _, a := range d.NetworkAcls {
		id := aws.ToString(a.NetworkAclId)
		for _, as := range a.Associations {
			aclOf[aws.ToString(as.SubnetId)] = id
		}
		// The VPC's default ACL admits everything, as in AWS; it matters
		// only while a subnet uses it, which the association check catches.
		if len(a.Associations) == 0 && !slices.Contains(ours, id) {
			continue
		}
		for _, e := range a.Entries {
			if aws.ToBool(e.Egress) || e.RuleAction != ec2types.RuleActionAllow || aws.ToString(e.CidrBlock) != "0.0.0.0/0" {
				continue
			}
			var from, to *int32
			if e.PortRange != nil {
				from, to = e.PortRange.From, e.PortRange.To
			}
			proto := aws.ToString(e.Protocol)
			if covers(proto, from, to, 22) && proto != "udp" && proto != "17" {
				c.fail(res.label(id), "rule %d admits SSH (22) from 0.0.0.0/0", aws.ToInt32(e.RuleNumber))
			}
			if covers(proto, from, to, 3389) {
				c.fail(res.label(id), "rule %d admits RDP (3389) from 0.0.0.0/0", aws.ToInt32(e.RuleNumber))
			}
		}
	}
	subnets, err := v.subnets(ctx, cl, vpcID)
	if err != nil {
		return err
	}
	for _, s := range subnets {
		id := aws.ToString(s.SubnetId)
		if acl := aclOf[id]; !slices.Contains(ours, acl) {
			c.fail(res.label(id), "is associated with network ACL %q, not one of this stack's %v", acl, ours)
		}
	}
	c.seen("%d ACLs of the stack cover all %d subnets; none admits 22 or 3389 from 0.0.0.0/0", len(ours), len(subnets))
	return nil
}

// checkEndpoints checks the gateway endpoints (S3, DynamoDB) and one
// interface endpoint per service the org file lists, with private DNS.
func (v *verifier) checkEndpoints(ctx context.Context, c *checker, cl *clients, res resources, vpcID string, want *config.VPC) error {
	c.start("VPC endpoints")
	d, err := cl.ec2.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{Filters: []ec2types.Filter{{Name: aws.String("vpc-id"), Values: []string{vpcID}}}})
	if err != nil {
		return err
	}
	prefix := "com.amazonaws." + cl.region + "."
	var gateway, iface []string
	for _, e := range d.VpcEndpoints {
		svc := strings.TrimPrefix(aws.ToString(e.ServiceName), prefix)
		if e.VpcEndpointType == ec2types.VpcEndpointTypeGateway {
			gateway = append(gateway, svc)
			continue
		}
		iface = append(iface, svc)
		if !aws.ToBool(e.PrivateDnsEnabled) {
			c.fail(res.label(aws.ToString(e.VpcEndpointId)), "%s endpoint has private DNS off", svc)
		}
	}
	sort.Strings(gateway)
	if !slices.Equal(gateway, []string{"dynamodb", "s3"}) {
		c.fail("VPC "+vpcID, "has gateway endpoints %v, want [dynamodb s3]", gateway)
	}
	wantIface := slices.Sorted(slices.Values(want.InterfaceEndpoints))
	sort.Strings(iface)
	if !slices.Equal(iface, wantIface) {
		c.fail("VPC "+vpcID, "has interface endpoints %v, want %v", iface, wantIface)
	}
	c.seen("gateway %s; interface %s (private DNS)", strings.Join(gateway, ", "), orNone(iface))
	return nil
}

// checkKeys checks that every KMS key of the stack is enabled and rotates.
func (v *verifier) checkKeys(ctx context.Context, c *checker, cl *clients, res resources) error {
	c.start("KMS keys")
	for _, k := range res.ids("AWS::KMS::Key") {
		d, err := cl.kms.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(k)})
		if err != nil {
			return err
		}
		if !d.KeyMetadata.Enabled {
			c.fail(res.label(k), "is disabled")
		}
		r, err := cl.kms.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: aws.String(k)})
		if err != nil {
			return err
		}
		if !r.KeyRotationEnabled {
			c.fail(res.label(k), "rotation is off")
		}
	}
	c.seen("%d, enabled, rotation on", len(res["AWS::KMS::Key"]))
	return nil
}

// checkRoles checks that every IAM role of the stack can be assumed by AWS
// services only: no account, user or wildcard principal.
func (v *verifier) checkRoles(ctx context.Context, c *checker, cl *clients, res resources) error {
	c.start("IAM roles")
	var seen []string
	for _, name := range res.ids("AWS::IAM::Role") {
		trust, err := roleTrust(ctx, cl, name)
		if err != nil {
			return err
		}
		if len(trust.aws) > 0 || len(trust.services) == 0 {
			c.fail(res.label(name), "trusts %v %v; want AWS services only", trust.services, trust.aws)
		}
		seen = append(seen, strings.Join(trust.services, "+"))
	}
	c.seen("%d, trusted by services only: %s", len(seen), orNone(seen))
	return nil
}

// trust is the principals of a role's trust policy.
type trust struct {
	services   []string // service principals
	aws        []string // account, role, user or "*" principals
	conditions []map[string]map[string]any
}

// sourceAccount reports whether every statement limits aws:SourceAccount to
// account.
func (t trust) sourceAccount(account string) bool {
	if len(t.conditions) == 0 {
		return false
	}
	for _, c := range t.conditions {
		if fmt.Sprint(c["StringEquals"]["aws:SourceAccount"]) != account {
			return false
		}
	}
	return true
}

func roleTrust(ctx context.Context, cl *clients, name string) (trust, error) {
	r, err := cl.iam.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	if err != nil {
		return trust{}, err
	}
	doc, err := policyDocument(aws.ToString(r.Role.AssumeRolePolicyDocument))
	if err != nil {
		return trust{}, err
	}
	var p struct {
		Statement []struct {
			Effect    string
			Principal json.RawMessage
			Condition map[string]map[string]any
		}
	}
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		return trust{}, fmt.Errorf("role %s: trust policy: %w", name, err)
	}
	var t trust
	for _, s := range p.Statement {
		if s.Effect != "Allow" {
			continue
		}
		var star string
		if json.Unmarshal(s.Principal, &star) == nil {
			t.aws = append(t.aws, star)
			continue
		}
		var pr map[string]json.RawMessage
		if err := json.Unmarshal(s.Principal, &pr); err != nil {
			return trust{}, fmt.Errorf("role %s: principal %s: %w", name, s.Principal, err)
		}
		for kind, v := range pr {
			var list []string
			var one string
			if json.Unmarshal(v, &one) == nil {
				list = []string{one}
			} else if err := json.Unmarshal(v, &list); err != nil {
				return trust{}, fmt.Errorf("role %s: principal %s: %w", name, v, err)
			}
			if kind == "Service" {
				t.services = append(t.services, list...)
			} else {
				t.aws = append(t.aws, list...)
			}
		}
		t.conditions = append(t.conditions, s.Condition)
	}
	sort.Strings(t.services)
	sort.Strings(t.aws)
	t.services, t.aws = slices.Compact(t.services), slices.Compact(t.aws)
	return t, nil
}

// policyDocument decodes a policy document as IAM returns it: URL-encoded
// (RFC 3986), or as is.
func policyDocument(doc string) (string, error) {
	if strings.HasPrefix(doc, "{") {
		return doc, nil
	}
	return url.PathUnescape(doc)
}
