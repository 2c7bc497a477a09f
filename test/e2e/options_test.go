package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/palisade-sec/palisade/config"
	"github.com/palisade-sec/palisade/internal/defaultvpc"
	"github.com/palisade-sec/palisade/stacks"
)

// The checks of the choices the example org leaves at their defaults and
// the options org (test/testdata/options.yaml) turns: each checks what the
// org file asks for, either way.

// customResourceRequest is one request CloudFormation sent a Lambda-backed
// AWS::CloudFormation::CustomResource, as the emulator records it
// (launcher.py, CustomResource).
type customResourceRequest struct {
	RequestType, RequestID, ServiceToken string
	StackID                              string `json:"StackId"`
	LogicalResourceID                    string `json:"LogicalResourceId"`
	PhysicalResourceID                   string `json:"PhysicalResourceId"`
}

// customResourceRequests reads the recorded requests: "account/region" ->
// "stack/logical id" -> the requests in order.
func customResourceRequests(ctx context.Context, v *verifier) (map[string]map[string][]customResourceRequest, error) {
	var records struct {
		CustomResourceRequests map[string]map[string][]customResourceRequest
	}
	if err := v.getJSON(ctx, "/moto-api/palisade/records", &records); err != nil {
		return nil, err
	}
	return records.CustomResourceRequests, nil
}

// lambdaOf names the function of palisade's (cmd/lambda/<name>, built into
// build/lambda/<name>/bootstrap) that a stack's template deploys as
// functionID: the one whose bootstrap is byte for byte the staged asset's.
func (l *lane) lambdaOf(s stackArtifact, asmDir, functionID string) (string, error) {
	data, err := os.ReadFile(s.template)
	if err != nil {
		return "", err
	}
	var t struct {
		Resources map[string]struct {
			Type       string
			Properties struct{ Code struct{ S3Key string } }
		}
	}
	if err := json.Unmarshal(data, &t); err != nil {
		return "", err
	}
	fn, ok := t.Resources[functionID]
	if !ok || fn.Type != "AWS::Lambda::Function" {
		return "", fmt.Errorf("%s: %s is not a Lambda function of the template", s.name, functionID)
	}
	staged, err := os.ReadFile(filepath.Join(asmDir, "asset."+strings.TrimSuffix(fn.Properties.Code.S3Key, ".zip"), "bootstrap"))
	if err != nil {
		return "", fmt.Errorf("%s: %s is not one of palisade's Go functions: %w", s.name, functionID, err)
	}
	built, _ := filepath.Glob(filepath.Join(l.root, "build", "lambda", "*", "bootstrap"))
	for _, b := range built {
		if code, err := os.ReadFile(b); err == nil && bytes.Equal(code, staged) {
			return filepath.Base(filepath.Dir(b)), nil
		}
	}
	return "", fmt.Errorf("%s: the code of %s is none of build/lambda/*/bootstrap (run make lambdas)", s.name, functionID)
}

// runCustomResources plays the Lambda service for the custom resources the
// deploy created: the emulator runs no function (no Docker), it records
// each request CloudFormation sent (launcher.py, CustomResource). For each
// Create or Update, the code behind the function runs here, in the
// function's account and region, against the emulator, as the function
// would have: palisade's default VPC deletion (cmd/lambda/defaultvpc runs
// internal/defaultvpc.Delete; its Delete does nothing). A request to any
// other function is an error: teach this the function.
func (l *lane) runCustomResources(ctx context.Context, asm *assembly) error {
	v := &verifier{endpoint: l.emu.Endpoint}
	reqs, err := customResourceRequests(ctx, v)
	if err != nil {
		return err
	}
	var errs []error
	ran := 0
	for _, s := range asm.stacks {
		for key, list := range reqs[s.account+"/"+s.region] {
			stack, logical, _ := strings.Cut(key, "/")
			if stack != s.name {
				continue
			}
			for _, r := range list {
				if r.RequestType == "Delete" {
					continue
				}
				parts := strings.Split(r.ServiceToken, ":")
				fnID, err := l.functionOf(s, logical)
				if err != nil {
					errs = append(errs, err)
					continue
				}
				name, err := l.lambdaOf(s, asm.dir, fnID)
				if err != nil {
					errs = append(errs, err)
					continue
				}
				switch name {
				case "defaultvpc":
					client := ec2.NewFromConfig(sdkConfig(l.emu.Endpoint, s.region, l.creds[s.account]))
					if _, err := defaultvpc.Delete(ctx, client); err != nil {
						errs = append(errs, fmt.Errorf("%s %s %s %s: %s request to %s: %w", s.account, s.region, s.name, logical, r.RequestType, parts[len(parts)-1], err))
					}
					ran++
				default:
					errs = append(errs, fmt.Errorf("%s %s %s %s: the lane cannot run function %s (cmd/lambda/%s): teach runCustomResources it", s.account, s.region, s.name, logical, fnID, name))
				}
			}
		}
	}
	l.logf("ran %d custom resource requests", ran)
	return errors.Join(errs...)
}

// functionOf is the logical id of the function a custom resource's
// ServiceToken names (Fn::GetAtt [function, Arn]) in the stack's template.
func (l *lane) functionOf(s stackArtifact, logical string) (string, error) {
	data, err := os.ReadFile(s.template)
	if err != nil {
		return "", err
	}
	var t struct {
		Resources map[string]struct {
			Properties struct {
				ServiceToken struct {
					GetAtt []string `json:"Fn::GetAtt"`
				}
			}
		}
	}
	if err := json.Unmarshal(data, &t); err != nil {
		return "", err
	}
	if g := t.Resources[logical].Properties.ServiceToken.GetAtt; len(g) == 2 && g[1] == "Arn" {
		return g[0], nil
	}
	return "", fmt.Errorf("%s %s: the ServiceToken is not a function of the template", s.name, logical)
}

// options checks, across accounts, the choices that are neither logging,
// security, compliance nor Session Manager checks of their own:
// default VPC deletion, the Config role's owner, the trail's log group,
// the demo instance.
func (v *verifier) options(ctx context.Context, h *held) ([]*target, error) {
	var out []*target
	reqs, err := customResourceRequests(ctx, v)
	if err != nil {
		return nil, err
	}
	c := v.org.Compliance
	for _, a := range v.org.Accounts {
		for _, r := range v.org.Regions {
			l := newLogChecker("default VPC and Config role", a.ID, r)
			stack := stacks.StackName(v.org.Name, "baseline", a.Name, r)

			// compliance.deleteDefaultVpcs: the baseline's custom resource
			// was created (CloudFormation sent its function a Create), and,
			// the function's code having run (runCustomResources), no
			// default VPC is left. Without it, no such resource.
			l.c.start("default VPC deletion")
			var created []string
			for key, list := range reqs[a.ID+"/"+r] {
				if s, logical, _ := strings.Cut(key, "/"); s == stack && len(list) > 0 && list[0].RequestType == "Create" {
					created = append(created, logical)
				}
			}
			slices.Sort(created)
			held := h.idsIn(stack, "AWS::CloudFormation::CustomResource")
			switch {
			case c.DeleteDefaultVPCs && len(held) == 0:
				l.failIn(stack, "[AWS::CloudFormation::CustomResource]", "holds no default VPC deletion, want one (compliance.deleteDefaultVpcs: true)")
			case !c.DeleteDefaultVPCs && len(held) > 0:
				l.failIn(stack, fmt.Sprintf("%v [AWS::CloudFormation::CustomResource]", held), "deletes the default VPC, but compliance.deleteDefaultVpcs is false")
			}
			if c.DeleteDefaultVPCs {
				if len(created) == 0 {
					l.failIn(stack, "[AWS::CloudFormation::CustomResource]", "CloudFormation sent no Create request to a custom resource of the stack")
				}
				d, err := ec2.NewFromConfig(sdkConfig(v.endpoint, r, v.creds[a.ID])).DescribeVpcs(ctx, &ec2.DescribeVpcsInput{
					Filters: []ec2types.Filter{{Name: aws.String("is-default"), Values: []string{"true"}}}})
				if err != nil {
					return nil, err
				}
				for _, vpc := range d.Vpcs {
					l.failIn(stack, aws.ToString(vpc.VpcId)+" [default VPC]", "still exists (compliance.deleteDefaultVpcs: true)")
				}
				l.c.seen("custom resource %v created; %d default VPCs left", created, len(d.Vpcs))
			} else {
				l.c.seen("off in the org file; no custom resource")
			}

			// compliance.createConfigRole: a stack of palisade's creates AWS
			// Config's service-linked role (the home region's baseline), or,
			// with false, none does and the role existed before (the
			// recorder check reads it).
			if r == v.org.HomeRegion {
				l.c.start("Config service-linked role")
				var owners []string
				for _, s := range h.stacks {
					if s.account == a.ID && len(s.res["AWS::IAM::ServiceLinkedRole"]) > 0 && slices.Contains(s.res.ids("AWS::IAM::ServiceLinkedRole"), "AWSServiceRoleForConfig") {
						owners = append(owners, s.name)
					}
				}
				switch {
				case c.CreateConfigRole && !slices.Equal(owners, []string{stack}):
					l.failIn(stack, "AWSServiceRoleForConfig [AWS::IAM::ServiceLinkedRole]", "is created by %v, want by %s (compliance.createConfigRole: true)", orNone(owners), stack)
				case !c.CreateConfigRole && len(owners) > 0:
					l.failIn(owners[0], "AWSServiceRoleForConfig [AWS::IAM::ServiceLinkedRole]", "is created by %v, but compliance.createConfigRole is false: the role existed before", owners)
				}
				l.c.seen("created by %v (compliance.createConfigRole: %t)", orNone(owners), c.CreateConfigRole)
			}
			out = append(out, l.t)
		}
	}

	// logging.trail.cloudWatchLogs: the organization trail also delivers to
	// a log group of the trail's stack, or to none.
	mgmt, home := v.org.Management(), v.org.HomeRegion
	l := newLogChecker("organization trail's log group", mgmt.ID, home)
	stack := stacks.StackName(v.org.Name, "trail", mgmt.Name, home)
	l.c.start("CloudWatch Logs delivery")
	tr, err := cloudtrail.NewFromConfig(sdkConfig(v.endpoint, home, v.creds[mgmt.ID])).GetTrail(ctx, &cloudtrail.GetTrailInput{Name: aws.String(v.org.TrailName())})
	if err == nil {
		arn := strings.TrimSuffix(aws.ToString(tr.Trail.CloudWatchLogsLogGroupArn), ":*")
		_, group, _ := strings.Cut(arn, ":log-group:")
		label := h.labelIn(stack, "AWS::CloudTrail::Trail", v.org.TrailName())
		switch want := v.org.Logging.Trail.CloudWatchLogs; {
		case want && group == "":
			l.failIn(stack, label, "delivers to no CloudWatch log group (logging.trail.cloudWatchLogs: true)")
		case want && !slices.Contains(h.idsIn(stack, "AWS::Logs::LogGroup"), group):
			l.failIn(stack, label, "delivers to log group %s, which the stack does not hold", group)
		case !want && group != "":
			l.failIn(stack, label, "delivers to log group %s, but logging.trail.cloudWatchLogs is false", group)
		}
		l.c.seen("log group %q (logging.trail.cloudWatchLogs: %t)", group, v.org.Logging.Trail.CloudWatchLogs)
	} // a missing trail is the logging checks' finding
	out = append(out, l.t)

	// sessionManager.demoInstance: one instance in each workload account's
	// VPC, held by its network stack, in a subnet of that VPC without a
	// public address or key pair; or none.
	for _, a := range v.org.Workloads() {
		for _, r := range v.org.Regions {
			if a.VPCs[r] == nil {
				continue
			}
			l := newLogChecker("demo instance", a.ID, r)
			stack := stacks.StackName(v.org.Name, "network", a.Name, r)
			l.c.start("demo instance")
			held := h.idsIn(stack, "AWS::EC2::Instance")
			d, err := ec2.NewFromConfig(sdkConfig(v.endpoint, r, v.creds[a.ID])).DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: held})
			if len(held) == 0 {
				d, err = &ec2.DescribeInstancesOutput{}, nil
			}
			if err != nil {
				return nil, err
			}
			var n int
			for _, res := range d.Reservations {
				for _, i := range res.Instances {
					n++
					label := h.labelIn(stack, "AWS::EC2::Instance", aws.ToString(i.InstanceId))
					if i.PublicIpAddress != nil {
						l.failIn(stack, label, "has the public address %s", aws.ToString(i.PublicIpAddress))
					}
					if i.KeyName != nil {
						l.failIn(stack, label, "has the key pair %s (Session Manager needs none)", aws.ToString(i.KeyName))
					}
					if !slices.Contains(h.idsIn(stack, "AWS::EC2::Subnet"), aws.ToString(i.SubnetId)) {
						l.failIn(stack, label, "is in subnet %s, not one of the stack's VPC", aws.ToString(i.SubnetId))
					}
				}
			}
			if want := map[bool]int{true: 1, false: 0}[v.org.Sessions.DemoInstance]; n != want {
				l.failIn(stack, "[AWS::EC2::Instance]", "the stack holds %d instances, want %d (sessionManager.demoInstance: %t)", n, want, v.org.Sessions.DemoInstance)
			}
			l.c.seen("%d instances (sessionManager.demoInstance: %t)", n, v.org.Sessions.DemoInstance)
			out = append(out, l.t)
		}
	}
	return out, nil
}

// unmanagedExcluded checks that the organization conformance pack excludes
// exactly compliance.unmanagedAccounts (an account without a recorder
// fails the pack, superwerker#291).
func unmanagedExcluded(c config.Compliance, excluded []string) (string, bool) {
	want := slices.Sorted(slices.Values(c.UnmanagedAccountIDs()))
	got := slices.Sorted(slices.Values(excluded))
	if slices.Equal(want, got) {
		return "", true
	}
	return fmt.Sprintf("excludes accounts %s, want %s (compliance.unmanagedAccounts)", orNone(got), orNone(want)), false
}

// wrongOptionsAreReported verifies the deployed org against a copy of the
// org file with every choice of the options checks turned the other way
// (default VPC deletion, the Config role, the trail's log group, the demo
// instance, the pack's excluded accounts) and wants each reported where it
// is, and nothing else.
func wrongOptionsAreReported(ctx context.Context, t *testing.T, v *verifier, asm *assembly) {
	org, err := config.LoadFile(v.org.Source)
	if err != nil {
		t.Fatal(err)
	}
	c := &org.Compliance
	mgmt, sec := org.Management(), org.AccountByRole(config.RoleSecurity)
	places := func(accounts []config.Account, regions ...string) map[string]bool {
		m := map[string]bool{}
		for _, a := range accounts {
			for _, r := range regions {
				m[a.ID+" "+r] = false
			}
		}
		return m
	}
	var workloadVPCs []config.Account
	for _, a := range org.Workloads() {
		workloadVPCs = append(workloadVPCs, *a)
	}
	c.DeleteDefaultVPCs = !c.DeleteDefaultVPCs
	c.CreateConfigRole = !c.CreateConfigRole
	org.Logging.Trail.CloudWatchLogs = !org.Logging.Trail.CloudWatchLogs
	org.Sessions.DemoInstance = !org.Sessions.DemoInstance
	c.UnmanagedAccounts = []config.UnmanagedAccount{{ID: "888888888888", Reason: "a wrong expectation of the deploy lane"}}
	wrongs := []*wrongExpectation{{
		what:  fmt.Sprintf("default VPC deletion, expected %s,", map[bool]string{true: "on", false: "off"}[c.DeleteDefaultVPCs]),
		where: places(org.Accounts, org.Regions...),
		is: func(f finding) bool {
			return strings.HasSuffix(f.resource, "[AWS::CloudFormation::CustomResource]") && strings.Contains(f.problem, "compliance.deleteDefaultVpcs")
		},
	}, {
		what:  fmt.Sprintf("AWS Config's service-linked role, expected created by palisade: %t,", c.CreateConfigRole),
		where: places(org.Accounts, org.HomeRegion),
		is: func(f finding) bool {
			return strings.HasPrefix(f.resource, "AWSServiceRoleForConfig [AWS::IAM::ServiceLinkedRole]") && strings.Contains(f.problem, "compliance.createConfigRole")
		},
	}, {
		what:  fmt.Sprintf("the trail's log group, expected %t,", org.Logging.Trail.CloudWatchLogs),
		where: places([]config.Account{*mgmt}, org.HomeRegion),
		is:    func(f finding) bool { return strings.Contains(f.problem, "logging.trail.cloudWatchLogs") },
	}, {
		what:  fmt.Sprintf("the demo instance, expected %t,", org.Sessions.DemoInstance),
		where: places(workloadVPCs, org.Regions...),
		is:    func(f finding) bool { return strings.Contains(f.problem, "sessionManager.demoInstance") },
	}, {
		what:  "the conformance pack, expected to exclude 888888888888,",
		where: places([]config.Account{sec}, org.Regions...),
		is: func(f finding) bool {
			return strings.Contains(f.resource, "[AWS::Config::OrganizationConformancePack ") && strings.Contains(f.problem, "want 888888888888 (compliance.unmanagedAccounts)")
		},
	}}
	for _, a := range workloadVPCs {
		for _, r := range org.Regions {
			if a.VPCs[r] == nil {
				delete(wrongs[3].where, a.ID+" "+r)
			}
		}
	}
	wrong := *v
	wrong.org = org
	got, err := wrong.verify(ctx, asm)
	if err != nil {
		t.Fatal(err)
	}
	w := &complianceWrongs{wrongs: wrongs}
	for _, f := range got.findings() {
		if w.expected(f) {
			t.Logf("reported as expected: %s", f)
			continue
		}
		t.Errorf("unexpected finding: %s", f)
	}
	w.check(t)
}
