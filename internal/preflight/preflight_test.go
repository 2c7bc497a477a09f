package preflight_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	cfgtypes "github.com/aws/aws-sdk-go-v2/service/configservice/types"
	"github.com/aws/aws-sdk-go-v2/service/guardduty"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/palisade-sec/palisade/config"
	"github.com/palisade-sec/palisade/internal/preflight"
)

// world is a fake AWS: the organization and, per account and region, what
// exists. The zero world plus clean() is an organization ready for the
// example org file.
type world struct {
	mu          sync.Mutex
	orgID, mgmt string
	featureSet  orgtypes.OrganizationFeatureSet
	rootID      string
	ous         []string
	parents     map[string]string // child (account or OU) -> parent; absent: the root
	deployed    map[string]bool   // account/region/stack name: stacks beside CDKToolkit
	stackSets   map[string]string // name -> stack set id, in the management account's home region
	ssAccess    bool              // StackSets' trusted access
	scpEnabled  bool
	accounts    []orgtypes.Account
	trusted     []string
	admins      map[string][]string // service principal -> account ids
	policies    []orgtypes.PolicySummary
	toolkit     map[string]bool     // account/region
	recorders   map[string][]string // account/region -> names
	channels    map[string][]string // account/region -> names
	roles       map[string]bool     // account/role
	detectors   map[string][]string // account/region
	dhm         map[string]string   // account/region -> setting
	buckets     map[string]string   // name -> owner account
	concurrency int32               // every account's quota
	stacks      map[string]string   // physical id -> stack
	unreachable map[string]bool     // account
	// ignoreOwnerCondition: HeadBucket answers 200 for any bucket, as an
	// endpoint that ignores ExpectedBucketOwner does (moto 5.2.1)
	ignoreOwnerCondition bool
	calls                map[string]map[string]bool // account -> operations, to prove reads only
}

func clean(org *config.Org) *world {
	w := &world{orgID: org.OrganizationID, mgmt: org.AccountByRole(config.RoleManagement).ID, featureSet: orgtypes.OrganizationFeatureSetAll,
		rootID: "r-abcd", scpEnabled: true, trusted: []string{"cloudtrail.amazonaws.com"}, admins: map[string][]string{},
		toolkit: map[string]bool{}, recorders: map[string][]string{}, channels: map[string][]string{}, roles: map[string]bool{},
		detectors: map[string][]string{}, dhm: map[string]string{}, buckets: map[string]string{}, concurrency: 1000,
		stacks: map[string]string{}, unreachable: map[string]bool{}, calls: map[string]map[string]bool{}}
	for _, a := range org.AllAccounts {
		w.accounts = append(w.accounts, orgtypes.Account{Id: aws.String(a.ID), Name: aws.String(a.Name), Status: orgtypes.AccountStatusActive})
		for _, r := range org.Regions {
			w.toolkit[a.ID+"/"+r] = true
		}
	}
	return w
}

func (w *world) record(account, op string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.calls[account] == nil {
		w.calls[account] = map[string]bool{}
	}
	w.calls[account][op] = true
}

type apiErr struct{ code, msg string }

func (e apiErr) Error() string                 { return e.code + ": " + e.msg }
func (e apiErr) ErrorCode() string             { return e.code }
func (e apiErr) ErrorMessage() string          { return e.msg }
func (e apiErr) ErrorFault() smithy.ErrorFault { return smithy.FaultClient }

func httpErr(status int) error {
	return &awshttp.ResponseError{ResponseError: &smithyhttp.ResponseError{
		Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}}, Err: errors.New(http.StatusText(status))}}
}

// orgs is the world's Organizations, as the management account sees it.
type orgs struct{ w *world }

func (o orgs) DescribeOrganization(context.Context, *organizations.DescribeOrganizationInput, ...func(*organizations.Options)) (*organizations.DescribeOrganizationOutput, error) {
	o.w.record(o.w.mgmt, "DescribeOrganization")
	return &organizations.DescribeOrganizationOutput{Organization: &orgtypes.Organization{Id: aws.String(o.w.orgID), MasterAccountId: aws.String(o.w.mgmt), FeatureSet: o.w.featureSet}}, nil
}

func (o orgs) ListRoots(context.Context, *organizations.ListRootsInput, ...func(*organizations.Options)) (*organizations.ListRootsOutput, error) {
	o.w.record(o.w.mgmt, "ListRoots")
	root := orgtypes.Root{Id: aws.String(o.w.rootID)}
	if o.w.scpEnabled {
		root.PolicyTypes = []orgtypes.PolicyTypeSummary{{Type: orgtypes.PolicyTypeServiceControlPolicy, Status: orgtypes.PolicyTypeStatusEnabled}}
	}
	return &organizations.ListRootsOutput{Roots: []orgtypes.Root{root}}, nil
}

// ListAccounts pages by 20, as AWS does, so that the paginator is exercised.
func (o orgs) ListAccounts(_ context.Context, in *organizations.ListAccountsInput, _ ...func(*organizations.Options)) (*organizations.ListAccountsOutput, error) {
	o.w.record(o.w.mgmt, "ListAccounts")
	start := 0
	if in.NextToken != nil {
		fmt.Sscan(*in.NextToken, &start)
	}
	end := min(start+20, len(o.w.accounts))
	out := &organizations.ListAccountsOutput{Accounts: o.w.accounts[start:end]}
	if end < len(o.w.accounts) {
		out.NextToken = aws.String(fmt.Sprint(end))
	}
	return out, nil
}

func (o orgs) ListAWSServiceAccessForOrganization(context.Context, *organizations.ListAWSServiceAccessForOrganizationInput, ...func(*organizations.Options)) (*organizations.ListAWSServiceAccessForOrganizationOutput, error) {
	o.w.record(o.w.mgmt, "ListAWSServiceAccessForOrganization")
	out := &organizations.ListAWSServiceAccessForOrganizationOutput{}
	for _, sp := range o.w.trusted {
		out.EnabledServicePrincipals = append(out.EnabledServicePrincipals, orgtypes.EnabledServicePrincipal{ServicePrincipal: aws.String(sp)})
	}
	return out, nil
}

func (o orgs) ListDelegatedAdministrators(_ context.Context, in *organizations.ListDelegatedAdministratorsInput, _ ...func(*organizations.Options)) (*organizations.ListDelegatedAdministratorsOutput, error) {
	o.w.record(o.w.mgmt, "ListDelegatedAdministrators")
	out := &organizations.ListDelegatedAdministratorsOutput{}
	for _, id := range o.w.admins[aws.ToString(in.ServicePrincipal)] {
		out.DelegatedAdministrators = append(out.DelegatedAdministrators, orgtypes.DelegatedAdministrator{Id: aws.String(id)})
	}
	return out, nil
}

func (o orgs) DescribeOrganizationalUnit(_ context.Context, in *organizations.DescribeOrganizationalUnitInput, _ ...func(*organizations.Options)) (*organizations.DescribeOrganizationalUnitOutput, error) {
	o.w.record(o.w.mgmt, "DescribeOrganizationalUnit")
	if !slices.Contains(o.w.ous, aws.ToString(in.OrganizationalUnitId)) {
		return nil, &orgtypes.OrganizationalUnitNotFoundException{Message: aws.String("no such OU")}
	}
	return &organizations.DescribeOrganizationalUnitOutput{OrganizationalUnit: &orgtypes.OrganizationalUnit{Id: in.OrganizationalUnitId}}, nil
}

func (o orgs) ListParents(_ context.Context, in *organizations.ListParentsInput, _ ...func(*organizations.Options)) (*organizations.ListParentsOutput, error) {
	o.w.record(o.w.mgmt, "ListParents")
	if p, ok := o.w.parents[aws.ToString(in.ChildId)]; ok {
		return &organizations.ListParentsOutput{Parents: []orgtypes.Parent{{Id: aws.String(p), Type: orgtypes.ParentTypeOrganizationalUnit}}}, nil
	}
	return &organizations.ListParentsOutput{Parents: []orgtypes.Parent{{Id: aws.String(o.w.rootID), Type: orgtypes.ParentTypeRoot}}}, nil
}

func (o orgs) ListPolicies(_ context.Context, in *organizations.ListPoliciesInput, _ ...func(*organizations.Options)) (*organizations.ListPoliciesOutput, error) {
	o.w.record(o.w.mgmt, "ListPolicies")
	if in.Filter != orgtypes.PolicyTypeServiceControlPolicy {
		return nil, fmt.Errorf("ListPolicies with filter %q", in.Filter)
	}
	return &organizations.ListPoliciesOutput{Policies: o.w.policies}, nil
}

// env is the world as one account and region sees it.
type env struct {
	w               *world
	account, region string
}

func (e env) key() string { return e.account + "/" + e.region }

func (e env) DescribeConfigurationRecorders(context.Context, *configservice.DescribeConfigurationRecordersInput, ...func(*configservice.Options)) (*configservice.DescribeConfigurationRecordersOutput, error) {
	e.w.record(e.account, "DescribeConfigurationRecorders")
	out := &configservice.DescribeConfigurationRecordersOutput{}
	for _, n := range e.w.recorders[e.key()] {
		out.ConfigurationRecorders = append(out.ConfigurationRecorders, cfgtypes.ConfigurationRecorder{Name: aws.String(n)})
	}
	return out, nil
}

func (e env) DescribeDeliveryChannels(context.Context, *configservice.DescribeDeliveryChannelsInput, ...func(*configservice.Options)) (*configservice.DescribeDeliveryChannelsOutput, error) {
	e.w.record(e.account, "DescribeDeliveryChannels")
	out := &configservice.DescribeDeliveryChannelsOutput{}
	for _, n := range e.w.channels[e.key()] {
		out.DeliveryChannels = append(out.DeliveryChannels, cfgtypes.DeliveryChannel{Name: aws.String(n), S3BucketName: aws.String("old-config-bucket")})
	}
	return out, nil
}

func (e env) GetRole(_ context.Context, in *iam.GetRoleInput, _ ...func(*iam.Options)) (*iam.GetRoleOutput, error) {
	e.w.record(e.account, "GetRole")
	if !e.w.roles[e.account+"/"+aws.ToString(in.RoleName)] {
		return nil, &iamtypes.NoSuchEntityException{Message: aws.String("role not found")}
	}
	return &iam.GetRoleOutput{Role: &iamtypes.Role{RoleName: in.RoleName}}, nil
}

func (e env) ListDetectors(context.Context, *guardduty.ListDetectorsInput, ...func(*guardduty.Options)) (*guardduty.ListDetectorsOutput, error) {
	e.w.record(e.account, "ListDetectors")
	return &guardduty.ListDetectorsOutput{DetectorIds: e.w.detectors[e.key()]}, nil
}

func (e env) GetServiceSetting(context.Context, *ssm.GetServiceSettingInput, ...func(*ssm.Options)) (*ssm.GetServiceSettingOutput, error) {
	e.w.record(e.account, "GetServiceSetting")
	v, ok := e.w.dhm[e.key()]
	if !ok {
		return nil, apiErr{"ServiceSettingNotFound", "no such setting"}
	}
	return &ssm.GetServiceSettingOutput{ServiceSetting: &ssmtypes.ServiceSetting{SettingValue: aws.String(v)}}, nil
}

func (e env) HeadBucket(_ context.Context, in *s3.HeadBucketInput, _ ...func(*s3.Options)) (*s3.HeadBucketOutput, error) {
	e.w.record(e.account, "HeadBucket")
	owner, ok := e.w.buckets[aws.ToString(in.Bucket)]
	switch {
	case !ok:
		return nil, httpErr(404)
	case owner != aws.ToString(in.ExpectedBucketOwner) && !e.w.ignoreOwnerCondition:
		return nil, httpErr(403)
	}
	return &s3.HeadBucketOutput{}, nil
}

func (e env) ListBuckets(context.Context, *s3.ListBucketsInput, ...func(*s3.Options)) (*s3.ListBucketsOutput, error) {
	e.w.record(e.account, "ListBuckets")
	out := &s3.ListBucketsOutput{}
	for name, owner := range e.w.buckets {
		if owner == e.account {
			out.Buckets = append(out.Buckets, s3types.Bucket{Name: aws.String(name)})
		}
	}
	return out, nil
}

func (e env) GetAccountSettings(context.Context, *lambda.GetAccountSettingsInput, ...func(*lambda.Options)) (*lambda.GetAccountSettingsOutput, error) {
	e.w.record(e.account, "GetAccountSettings")
	return &lambda.GetAccountSettingsOutput{AccountLimit: &lambdatypes.AccountLimit{ConcurrentExecutions: e.w.concurrency}}, nil
}

func (e env) DescribeStacks(_ context.Context, in *cloudformation.DescribeStacksInput, _ ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error) {
	e.w.record(e.account, "DescribeStacks")
	if e.w.deployed[e.key()+"/"+aws.ToString(in.StackName)] {
		return &cloudformation.DescribeStacksOutput{Stacks: []cfntypes.Stack{{StackName: in.StackName, StackStatus: cfntypes.StackStatusCreateComplete}}}, nil
	}
	if aws.ToString(in.StackName) != "CDKToolkit" || !e.w.toolkit[e.key()] {
		return nil, apiErr{"ValidationError", "Stack with id " + aws.ToString(in.StackName) + " does not exist"}
	}
	return &cloudformation.DescribeStacksOutput{Stacks: []cfntypes.Stack{{StackName: in.StackName}}}, nil
}

func (e env) DescribeStackResources(_ context.Context, in *cloudformation.DescribeStackResourcesInput, _ ...func(*cloudformation.Options)) (*cloudformation.DescribeStackResourcesOutput, error) {
	e.w.record(e.account, "DescribeStackResources")
	stack, ok := e.w.stacks[aws.ToString(in.PhysicalResourceId)]
	if !ok {
		return nil, apiErr{"ValidationError", "Stack for " + aws.ToString(in.PhysicalResourceId) + " does not exist"}
	}
	return &cloudformation.DescribeStackResourcesOutput{StackResources: []cfntypes.StackResource{{StackName: aws.String(stack)}}}, nil
}

func (e env) DescribeStackSet(_ context.Context, in *cloudformation.DescribeStackSetInput, _ ...func(*cloudformation.Options)) (*cloudformation.DescribeStackSetOutput, error) {
	e.w.record(e.account, "DescribeStackSet")
	id, ok := e.w.stackSets[aws.ToString(in.StackSetName)]
	if !ok {
		return nil, &cfntypes.StackSetNotFoundException{Message: aws.String("StackSet not found")}
	}
	return &cloudformation.DescribeStackSetOutput{StackSet: &cfntypes.StackSet{StackSetName: in.StackSetName, StackSetId: aws.String(id)}}, nil
}

func (e env) DescribeOrganizationsAccess(context.Context, *cloudformation.DescribeOrganizationsAccessInput, ...func(*cloudformation.Options)) (*cloudformation.DescribeOrganizationsAccessOutput, error) {
	e.w.record(e.account, "DescribeOrganizationsAccess")
	status := cfntypes.OrganizationStatusDisabled
	if e.w.ssAccess {
		status = cfntypes.OrganizationStatusEnabled
	}
	return &cloudformation.DescribeOrganizationsAccessOutput{Status: status}, nil
}

func (w *world) dial(_ context.Context, a config.Account, region string) (*preflight.Clients, error) {
	if w.unreachable[a.ID] {
		return nil, errors.New("AccessDenied: not authorized to perform sts:AssumeRole")
	}
	e := env{w, a.ID, region}
	return &preflight.Clients{Config: e, IAM: e, GuardDuty: e, SSM: e, S3: e, Lambda: e, CloudFormation: e}, nil
}

func example(t *testing.T) *config.Org {
	t.Helper()
	org, err := config.LoadFile(filepath.Join("..", "..", "organization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return org
}

func run(t *testing.T, org *config.Org, w *world) preflight.Result {
	t.Helper()
	res, err := preflight.Run(context.Background(), org, orgs{w}, w.dial, preflight.Checks)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// A clean organization: nothing blocks, and every call was a read.
func TestCleanOrganization(t *testing.T) {
	org := example(t)
	w := clean(org)
	res := run(t, org, w)
	if res.Blocked() || len(res.Findings) > 0 {
		t.Errorf("findings on a clean organization:\n%v", res.Findings)
	}
	var b bytes.Buffer
	res.Write(&b)
	if !strings.Contains(b.String(), "preflight: ok") {
		t.Errorf("summary = %q", b.String())
	}
	for acct, ops := range w.calls {
		for op := range ops {
			if !slices.ContainsFunc([]string{"Describe", "List", "Get", "Head"}, func(p string) bool { return strings.HasPrefix(op, p) }) {
				t.Errorf("account %s: %s is not a read", acct, op)
			}
		}
	}
}

// Each collision and missing prerequisite is reported by its check, in
// its account and region, with a fix that names the way out; and the
// deploy is blocked.
func TestEachProblemIsReported(t *testing.T) {
	org := example(t)
	const (
		mgmt, sec, prod = "111111111111", "222222222222", "333333333333"
		home, other     = "us-east-1", "eu-west-1"
	)
	tests := []struct {
		name             string
		spoil            func(w *world)
		check, acct, reg string
		found, fix       string
		notice           bool
	}{
		{"another organization", func(w *world) { w.orgID = "o-otherorg12" }, "organization", "", "",
			"the credentials' organization is o-otherorg12", "set organizationId: o-otherorg12", false},
		{"consolidated billing only", func(w *world) { w.featureSet = orgtypes.OrganizationFeatureSetConsolidatedBilling }, "organization", "", "",
			"feature set CONSOLIDATED_BILLING", "enable-all-features", false},
		{"SCPs not enabled", func(w *world) { w.scpEnabled = false }, "scp-policy-type", "", "",
			"service control policies are not enabled on the root r-abcd", "aws organizations enable-policy-type --root-id r-abcd --policy-type SERVICE_CONTROL_POLICY", false},
		{"another root", func(w *world) { w.rootID = "r-wxyz" }, "scp-policy-type", "", "",
			"security.policyTargets names the root r-abcd, the organization's root is r-wxyz", "replace r-abcd with r-wxyz", false},
		{"an account outside the file", func(w *world) {
			w.accounts = append(w.accounts, orgtypes.Account{Id: aws.String("555555555555"), Name: aws.String("sandbox"), Status: orgtypes.AccountStatusActive})
		}, "accounts", "555555555555", "", "neither in the org file nor in compliance.unmanagedAccounts", `compliance.unmanagedAccounts: [{id: "555555555555"`, false},
		{"a file account outside the organization", func(w *world) { w.accounts = w.accounts[:3] }, "accounts", "444444444444", "",
			"the org file's account dev (444444444444) is not in the organization", "invite it", false},
		{"CloudTrail trusted access off", func(w *world) { w.trusted = nil }, "trusted-access", "", "",
			"trusted access for cloudtrail.amazonaws.com is off", "the home orgadmin stack turns it on", true},
		{"another delegated administrator", func(w *world) { w.admins["guardduty.amazonaws.com"] = []string{prod} }, "delegated-admin", prod, "",
			"account 333333333333 is already the delegated administrator of guardduty.amazonaws.com", "aws guardduty disable-organization-admin-account --admin-account-id 333333333333", false},
		{"an SCP of the same name", func(w *world) {
			w.policies = []orgtypes.PolicySummary{{Id: aws.String("p-12345678"), Name: aws.String("ProtectSecurityBaseline")}}
		}, "scp-name", "", "", "an SCP named ProtectSecurityBaseline (p-12345678) exists", "update-policy --policy-id p-12345678", false},
		{"not bootstrapped", func(w *world) { delete(w.toolkit, prod+"/"+other) }, "bootstrap", prod, other,
			"not bootstrapped", "palisade bootstrap-plan", false},
		{"unreachable", func(w *world) { w.unreachable[prod] = true }, "reach", prod, home,
			"preflight cannot reach prod", "bootstrap the account", false},
		{"an existing recorder", func(w *world) { w.recorders[sec+"/"+other] = []string{"default"} }, "config-recorder", sec, other,
			`a configuration recorder "default" exists`, "delete-configuration-recorder --configuration-recorder-name default --region eu-west-1", false},
		{"an existing delivery channel", func(w *world) { w.channels[prod+"/"+home] = []string{"default"} }, "delivery-channel", prod, home,
			`a delivery channel "default" (to bucket old-config-bucket) exists`, "delete-delivery-channel --delivery-channel-name default", false},
		{"the Config role exists", func(w *world) { w.roles[prod+"/AWSServiceRoleForConfig"] = true }, "config-role", prod, home,
			"AWSServiceRoleForConfig exists", "set compliance.createConfigRole: false", false},
		{"the Default Host Management role exists", func(w *world) { w.roles[sec+"/AWSSystemsManagerDefaultEC2InstanceManagementRole"] = true },
			"default-host-management-role", sec, home, "the role AWSSystemsManagerDefaultEC2InstanceManagementRole exists", "aws iam delete-role", false},
		{"a detector exists", func(w *world) { w.detectors[prod+"/"+other] = []string{"abc123"} }, "guardduty-detector", prod, other,
			"a GuardDuty detector abc123 exists", "palisade adopts it", true},
		{"the archive name is taken", func(w *world) { w.buckets["example-logs-222222222222-eu-west-1"] = "999999999999" }, "archive-bucket", sec, other,
			"the bucket name example-logs-222222222222-eu-west-1 is taken by another owner (HeadBucket: 403)", "choose another org name", false},
		{"the archive name is taken, and the endpoint ignores the owner condition", func(w *world) {
			w.buckets["example-logs-222222222222-eu-west-1"] = "999999999999"
			w.ignoreOwnerCondition = true
		}, "archive-bucket", sec, other, "is taken by another owner (not among the security account's buckets)", "choose another org name", false},
		{"the archive bucket exists outside palisade", func(w *world) { w.buckets["example-logs-222222222222-us-east-1"] = sec }, "archive-bucket", sec, home,
			"already has a bucket example-logs-222222222222-us-east-1 that no palisade stack holds", "aws s3 rb s3://example-logs-222222222222-us-east-1", false},
		{"another Default Host Management role", func(w *world) { w.dhm[prod+"/"+home] = "service-role/OtherRole" }, "default-host-management-setting", prod, home,
			"Default Host Management is set to the role service-role/OtherRole", "nothing, if that is intended", true},
		{"a low Lambda quota", func(w *world) { w.concurrency = 10 }, "lambda-concurrency", mgmt, home,
			"the account's Lambda concurrency quota is 10", "--quota-code L-B99A9384", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := clean(org)
			tt.spoil(w)
			res := run(t, org, w)
			i := slices.IndexFunc(res.Findings, func(f preflight.Finding) bool {
				return f.Check == tt.check && f.Account == tt.acct && f.Region == tt.reg
			})
			if i < 0 {
				t.Fatalf("no %s finding in %q %q; got:\n%v", tt.check, tt.acct, tt.reg, res.Findings)
			}
			f := res.Findings[i]
			if !strings.Contains(f.Found, tt.found) || !strings.Contains(f.Fix, tt.fix) || f.Notice != tt.notice {
				t.Errorf("finding = %+v\nwant found ~ %q, fix ~ %q, notice %v", f, tt.found, tt.fix, tt.notice)
			}
			if res.Blocked() == tt.notice {
				t.Errorf("Blocked() = %v for a finding with notice %v", res.Blocked(), tt.notice)
			}
		})
	}
}

// A policy target OU that the organization lacks blocks (AttachPolicy
// would fail with TargetNotFoundException); once it exists, nothing does.
func TestUnknownOU(t *testing.T) {
	org := example(t)
	org.Detection.PolicyTargets = []string{"r-abcd", "ou-abcd-12345678"}
	w := clean(org)
	res := run(t, org, w)
	if len(res.Findings) != 1 || res.Findings[0].Check != "scp-policy-type" || !res.Blocked() ||
		!strings.Contains(res.Findings[0].Found, "security.policyTargets names the OU ou-abcd-12345678, which the organization does not have") {
		t.Errorf("findings:\n%v", res.Findings)
	}
	w.ous = []string{"ou-abcd-12345678"}
	if res := run(t, org, w); len(res.Findings) > 0 {
		t.Errorf("findings with the OU there:\n%v", res.Findings)
	}
}

// With deployment.stackSets, a workload account outside the targets
// blocks (it would get no log stacks), and so does a target OU the
// organization lacks; accounts in a target OU, or in an OU below one, pass,
// and the root as a target admits every account.
func TestStackSetTargets(t *testing.T) {
	org := example(t)
	org.Deployment.StackSets = &config.StackSets{Targets: []string{"ou-abcd-11111111"}, MaxConcurrentPercentage: 25}
	w := clean(org)
	w.ssAccess = true
	w.ous = []string{"ou-abcd-11111111", "ou-abcd-22222222"}
	w.parents = map[string]string{"333333333333": "ou-abcd-11111111", "444444444444": "ou-abcd-22222222", "ou-abcd-22222222": "ou-abcd-11111111"}
	if res := run(t, org, w); len(res.Findings) > 0 {
		t.Errorf("findings with both workloads below the target:\n%v", res.Findings)
	}
	delete(w.parents, "444444444444") // dev under the root
	res := run(t, org, w)
	if len(res.Findings) != 1 || res.Findings[0].Check != "stack-set-targets" || res.Findings[0].Account != "444444444444" || !res.Blocked() ||
		!strings.Contains(res.Findings[0].Found, "the workload account dev (444444444444) is in none of deployment.stackSets.targets") {
		t.Errorf("findings:\n%v", res.Findings)
	}
	org.Deployment.StackSets.Targets = []string{"r-abcd"}
	if res := run(t, org, w); len(res.Findings) > 0 {
		t.Errorf("findings with the root as target:\n%v", res.Findings)
	}
	// A workload account that still has its per-account log stack (from a
	// deploy without stack sets) blocks: the stack set would create the
	// same named log groups there.
	w.deployed = map[string]bool{"333333333333/eu-west-1/example-logs-prod-eu-west-1": true}
	res = run(t, org, w)
	if len(res.Findings) != 1 || res.Findings[0].Check != "fanout-collision" || res.Findings[0].Account != "333333333333" || res.Findings[0].Region != "eu-west-1" ||
		!res.Blocked() || !strings.Contains(res.Findings[0].Found, "the per-account log stack example-logs-prod-eu-west-1 exists") {
		t.Errorf("findings with a per-account log stack left:\n%v", res.Findings)
	}
	w.deployed = nil
	// A stack set of palisade's name that is not the fanout stack's blocks;
	// the fanout stack's own (a rerun) does not; trusted access off is a
	// notice.
	w.stackSets = map[string]string{"example-logs": "example-logs:0a1b2c3d"}
	res = run(t, org, w)
	if len(res.Findings) != 1 || res.Findings[0].Check != "stack-sets" || res.Findings[0].Account != "111111111111" || !res.Blocked() ||
		!strings.Contains(res.Findings[0].Found, "a stack set named example-logs (example-logs:0a1b2c3d) exists and is not palisade's") {
		t.Errorf("findings with a foreign stack set of palisade's name:\n%v", res.Findings)
	}
	w.stacks["example-logs:0a1b2c3d"] = "example-fanout-management-us-east-1"
	w.ssAccess = false
	res = run(t, org, w)
	if len(res.Findings) != 1 || res.Findings[0].Check != "stack-sets" || !res.Findings[0].Notice || res.Blocked() ||
		!strings.Contains(res.Findings[0].Found, "StackSets' trusted access with AWS Organizations is DISABLED") {
		t.Errorf("findings with palisade's own stack set and trusted access off:\n%v", res.Findings)
	}
	w.ssAccess, w.stackSets = true, nil
	org.Deployment.StackSets.Targets = []string{"ou-abcd-99999999"}
	res = run(t, org, w)
	if !res.Blocked() || !slices.ContainsFunc(res.Findings, func(f preflight.Finding) bool {
		return strings.Contains(f.Found, "names the OU ou-abcd-99999999, which the organization does not have")
	}) {
		t.Errorf("findings with an unknown target OU:\n%v", res.Findings)
	}
}

// An unmanaged account is not refused; a Config role that exists with
// createConfigRole: false is fine, and missing with it is a problem.
func TestOrgFileChoicesResolve(t *testing.T) {
	org := example(t)
	w := clean(org)
	w.accounts = append(w.accounts, orgtypes.Account{Id: aws.String("555555555555"), Name: aws.String("sandbox"), Status: orgtypes.AccountStatusActive},
		orgtypes.Account{Id: aws.String("666666666666"), Name: aws.String("closed"), Status: orgtypes.AccountStatusSuspended})
	org.Compliance.UnmanagedAccounts = []config.UnmanagedAccount{{ID: "555555555555", Reason: "a sandbox run by research"}}
	for _, a := range org.AllAccounts {
		w.roles[a.ID+"/AWSServiceRoleForConfig"] = true
	}
	org.Compliance.CreateConfigRole = false
	if res := run(t, org, w); len(res.Findings) > 0 {
		t.Errorf("findings:\n%v", res.Findings)
	}
	delete(w.roles, "333333333333/AWSServiceRoleForConfig")
	res := run(t, org, w)
	if len(res.Findings) != 1 || res.Findings[0].Check != "config-role" || !strings.Contains(res.Findings[0].Fix, "createConfigRole: true") {
		t.Errorf("findings:\n%v", res.Findings)
	}
}

// What palisade's own stacks hold (a rerun after a failed deploy) is no
// collision.
func TestPalisadesOwnResourcesAreNoCollision(t *testing.T) {
	org := example(t)
	w := clean(org)
	w.recorders["222222222222/us-east-1"] = []string{"example-recorder"}
	w.channels["222222222222/us-east-1"] = []string{"example-channel"}
	w.detectors["222222222222/us-east-1"] = []string{"det1"}
	w.buckets["example-logs-222222222222-us-east-1"] = "222222222222"
	w.policies = []orgtypes.PolicySummary{{Id: aws.String("p-aaaaaaaa"), Name: aws.String("ProtectDeployment")}}
	w.admins["config.amazonaws.com"] = []string{"222222222222"}
	for id, stack := range map[string]string{"example-recorder": "example-baseline-security-us-east-1", "example-channel": "example-baseline-security-us-east-1",
		"det1": "example-detect-security-us-east-1", "example-logs-222222222222-us-east-1": "example-logs-security-us-east-1", "p-aaaaaaaa": "example-detect-management-us-east-1"} {
		w.stacks[id] = stack
	}
	if res := run(t, org, w); len(res.Findings) > 0 {
		t.Errorf("findings:\n%v", res.Findings)
	}
	// A stack of another app holding the recorder is still a collision.
	w.stacks["example-recorder"] = "other-app-config"
	if res := run(t, org, w); !res.Blocked() {
		t.Error("a recorder of another app's stack is not reported")
	}
}

// Scale: preflight reads every account of a 200- and 1,000-account
// organization and reports each outside account once.
func TestScale(t *testing.T) {
	for _, n := range []int{200, 1000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			org := example(t)
			for i := range n {
				id := fmt.Sprintf("7%011d", i)
				org.Accounts = append(org.Accounts, config.Account{Name: fmt.Sprintf("w%d", i), ID: id, Role: config.RoleWorkload})
				org.AllAccounts = append(org.AllAccounts, config.Account{Name: fmt.Sprintf("w%d", i), ID: id, Role: config.RoleWorkload})
			}
			w := clean(org)
			for i := range n {
				w.accounts = append(w.accounts, orgtypes.Account{Id: aws.String(fmt.Sprintf("8%011d", i)), Status: orgtypes.AccountStatusActive})
			}
			res := run(t, org, w)
			got := 0
			for _, f := range res.Findings {
				if f.Check == "accounts" {
					got++
				}
			}
			if got != n || len(res.Findings) != n {
				t.Errorf("%d account findings of %d, want %d", got, len(res.Findings), n)
			}
			if len(w.calls) != len(org.Accounts) {
				t.Errorf("read %d accounts, want %d", len(w.calls), len(org.Accounts))
			}
		})
	}
}

// A failed call is an error, not a clean result.
func TestCallErrorsAreErrors(t *testing.T) {
	org := example(t)
	w := clean(org)
	_, err := preflight.Run(context.Background(), org, failingOrgs{orgs{w}}, w.dial, preflight.Checks)
	if err == nil || !strings.Contains(err.Error(), "organization: AccessDenied") {
		t.Errorf("err = %v", err)
	}
}

type failingOrgs struct{ orgs }

func (failingOrgs) DescribeOrganization(context.Context, *organizations.DescribeOrganizationInput, ...func(*organizations.Options)) (*organizations.DescribeOrganizationOutput, error) {
	return nil, apiErr{"AccessDenied", "not authorized"}
}

// Every check names its AWS documentation.
func TestEveryCheckNamesItsDoc(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range preflight.Checks {
		if c.Doc == "" || c.Run == nil || c.Scope == 0 || seen[c.Name] {
			t.Errorf("check %q: doc %q, scope %d, duplicate %v", c.Name, c.Doc, c.Scope, seen[c.Name])
		}
		seen[c.Name] = true
	}
}
