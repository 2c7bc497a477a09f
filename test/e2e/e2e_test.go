// Package e2e is palisade's deploy lane: the example organization deployed
// for real, offline, into the moto emulator with the real CDK CLI, then
// read back with the AWS SDK. See README.md.
package e2e

import (
	"context"
	"flag"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/palisade-sec/palisade/config"
	"github.com/palisade-sec/palisade/constructs/agents"
	"github.com/palisade-sec/palisade/constructs/conformancepack"
	"github.com/palisade-sec/palisade/constructs/sessionmanager"
	"github.com/palisade-sec/palisade/internal/defaultvpc"
	"github.com/palisade-sec/palisade/stacks"
)

var (
	demo    = flag.Bool("demo", false, "print a readable report of what was deployed and verified")
	keep    = flag.Bool("keep", false, "keep the scratch directory (emulator log, CLI logs, cloud assemblies) when the lane passes")
	orgFile = flag.String("org", "organization.yaml", "the org file to deploy, relative to the repository")
	// fanOutN: make e2e-scale N=50 runs the options lane with more.
	fanOutN = flag.Int("fanout-accounts", 10, "how many accounts outside the org file the options lane puts in the stack sets' target OU")
)

// optionsFile is the options org (test/testdata/options.yaml, which
// test/options_test.go synthesizes and gates): every option the example
// leaves alone, turned on or away from its default.
const optionsFile = "test/testdata/options.yaml"

// TestDeploy is the lane: emulator, organization, the manual prerequisites,
// synth, bootstrap, preflight, deploy (failing at an injected fault, then
// rerun), verify, redeploy. Each step is timed; a failure keeps the scratch
// directory and names the emulator log. It runs beside TestDeployOptions,
// each with an emulator of its own.
func TestDeploy(t *testing.T) {
	if testing.Short() {
		t.Skip("the deploy lane takes about 2 minutes; run it with `make e2e`")
	}
	t.Parallel()
	deployLane(t, *orgFile, true)
}

// TestDeployOptions is the lane for the options org: the same steps up to
// the verify, preflight included, but no injected fault and no redeploy,
// which TestDeploy proves of the same deploy code (an org file changes
// which stacks and resources deploy, not how the lane deploys, reruns and
// redeploys them). What the options org assumes already exists the lane
// makes as the README's deploy section tells a user to (manualPrerequisites:
// AWS Config's service-linked role, with compliance.createConfigRole:
// false), and the accounts of compliance.unmanagedAccounts exist in the
// organization, outside the file, as they would.
func TestDeployOptions(t *testing.T) {
	if testing.Short() {
		t.Skip("the deploy lane takes about a minute; run it with `make e2e`")
	}
	t.Parallel()
	deployLane(t, optionsFile, false)
}

// deployLane runs the lane for the org file at path (relative to the
// repository); full adds the rerun after an injected failure, the wrong
// expectations and the redeploy.
func deployLane(t *testing.T, path string, full bool) {
	start := time.Now()
	l, ctx := newLane(t, path)

	// Synthesis needs no AWS, but the org file's policy targets name the
	// organization's root, which exists once the organization does: the
	// synth runs once it is created, of a generated copy of the org file
	// with the emulator's root id.
	var asm *assembly
	must(t, l.step(ctx, "start emulator", l.startEmulator))
	must(t, l.step(ctx, "create organization", l.createOrganization))
	must(t, l.withEmulatorRoot(ctx))
	must(t, l.step(ctx, "manual prerequisites", l.manualPrerequisites))
	// One synthesis: the redeploy deploys the same assembly again. That two
	// synths give the same templates and asset manifests, byte for byte, is
	// TestDeterministic's (test/app_test.go), which costs the lane no CPU.
	must(t, l.step(ctx, "synth", func(ctx context.Context) (err error) {
		asm, err = l.synth(ctx, filepath.Join(l.dir, "cdk.out"))
		return err
	}))
	must(t, l.step(ctx, "bootstrap", l.bootstrap))
	// The README's deploy section: preflight before the first deploy. On
	// the clean emulator organization nothing blocks.
	must(t, l.step(ctx, "preflight", func(ctx context.Context) error {
		code, out, err := l.preflight(ctx)
		if err != nil {
			return err
		}
		if code != 0 {
			return fmt.Errorf("palisade preflight exited %d on the clean organization:\n%s", code, out)
		}
		l.logf("%s", lastLines(out, 1))
		return nil
	}))
	if full {
		// Rerun after a failure (rerun_test.go): the first deploy fails at an
		// injected fault, and the deploy is rerun to green with nothing left behind.
		must(t, l.step(ctx, "deploy, failing at "+l.rerunReport(), func(ctx context.Context) error { return l.deployFailingOnce(ctx, asm) }))
	}
	must(t, l.step(ctx, map[bool]string{true: "deploy again", false: "deploy"}[full], func(ctx context.Context) error {
		// The example deploys wave by wave, as the pipeline does; the options
		// org in one `cdk deploy --all`, in dependency order (three CLI
		// starts fewer on the shared cores): that its stacks fit the waves
		// is TestPlanMatchesTheAssembly's, in test/, for both orgs.
		deploy := l.deployWaves
		if !full {
			deploy = func(ctx context.Context, asm *assembly) error {
				_, err := l.deploy(ctx, "deploy-all", asm)
				return err
			}
		}
		if err := deploy(ctx, asm); err != nil {
			return err
		}
		if err := l.deployed(ctx, asm); err != nil {
			return err
		}
		if err := l.nothingLeftBehind(ctx, asm); err != nil {
			return err
		}
		// The Lambda functions behind custom resources, which the emulator
		// does not run (options_test.go).
		return l.runCustomResources(ctx, asm)
	}))

	policies, err := executionPolicies(l.root)
	must(t, err)
	v := &verifier{endpoint: l.emu.Endpoint, org: l.org, creds: l.creds, mgmt: l.mgmt, policies: policies}
	var got *verification
	must(t, l.step(ctx, "verify", func(ctx context.Context) (err error) {
		got, err = v.verify(ctx, asm)
		return err
	}))
	for _, f := range got.findings() {
		t.Error(f)
	}
	if l.fanOut != nil {
		// The stack sets (fanout_test.go): in every account of the OU,
		// and in one created there after the deploy.
		if err := l.step(ctx, "stack sets", func(ctx context.Context) error {
			if err := l.fanOutArrived(ctx, l.fanOut.accounts(l.org)); err != nil {
				return err
			}
			// The check can fail: the security account is outside the OU.
			if err := l.fanOutArrived(ctx, []string{l.org.Security().ID}); err == nil {
				return fmt.Errorf("the stack set check found the stack sets' stacks in the security account, which is not in the OU")
			}
			return l.newAccountGetsTheFanOut(ctx)
		}); err != nil {
			t.Error(err)
		}
	}

	// A lane that cannot fail proves nothing: verify again against an org
	// file with deliberate mistakes and expect each to be reported where it is.
	t.Run("WrongExpectationsAreReported", func(t *testing.T) {
		wrongExpectationsAreReported(ctx, t, v, asm)
	})
	if !full {
		// And the options' own checks (options_test.go), each choice turned
		// the other way.
		t.Run("WrongOptionsAreReported", func(t *testing.T) {
			wrongOptionsAreReported(ctx, t, v, asm)
		})
	}
	if full {
		// compliance.deleteDefaultVpcs deploys a Lambda, which the emulator
		// cannot run (no Docker): its code runs here, against the emulator's EC2.
		t.Run("DefaultVPCDeletion", func(t *testing.T) {
			defaultVPCDeletion(ctx, t, v)
		})
		if err := l.step(ctx, "redeploy", func(ctx context.Context) error { return l.redeploy(ctx, asm) }); err != nil {
			t.Error(err)
		}
	}

	if *demo {
		fmt.Print(report(l, asm, got))
	}
	var b strings.Builder
	for _, s := range l.steps {
		fmt.Fprintf(&b, "  %-20s %6.1fs\n", s.name, s.took.Seconds())
	}
	t.Logf("%s: step timings:\n%s  %-20s %6.1fs", path, b.String(), "wall", time.Since(start).Seconds())
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// wrongExpectationsAreReported verifies the deployed org against a copy of
// the org file with one VPC's CIDR and NAT strategy changed and one more
// forwarded log group, and checks that the lane reports each, naming the
// account, region and resource.
func wrongExpectationsAreReported(ctx context.Context, t *testing.T, v *verifier, asm *assembly) {
	org, err := config.LoadFile(v.org.Source)
	if err != nil {
		t.Fatal(err)
	}
	var acct *config.Account
	var region string
	for i := range org.Accounts {
		for _, r := range org.Regions {
			if vpc := org.Accounts[i].VPCs[r]; vpc != nil && vpc.NATGateways != config.NATNone && acct == nil {
				acct, region = &org.Accounts[i], r
			}
		}
	}
	if acct == nil {
		t.Skip("the org file has no VPC with NAT gateways to break")
	}
	vpc := acct.VPCs[region]
	realCIDR, realNAT := vpc.CIDR, vpc.NATGateways
	vpc.CIDR = "10.255.0.0/16"
	vpc.NATGateways = config.NATNone
	// And one logging expectation: a forwarded log group nobody deployed,
	// which every account but the management account should hold and
	// subscribe to the drain, in every region.
	const wrongGroup = "/var/log/palisade-wrong-expectation"
	org.Logging.ForwardLogGroups = append(org.Logging.ForwardLogGroups, wrongGroup)
	wantGroup := map[string]bool{} // "account region" -> reported
	for _, a := range org.Accounts {
		if a.Role != config.RoleManagement {
			for _, r := range org.Regions {
				wantGroup[a.ID+" "+r] = false
			}
		}
	}
	// And one security expectation: an alert email nobody subscribed.
	const wrongEmail = "palisade-wrong-expectation@example.invalid"
	org.Detection.AlertEmails = append(org.Detection.AlertEmails, wrongEmail)
	sec := org.AccountByRole(config.RoleSecurity).ID
	// And the compliance and Session Manager layers: one wrong expectation
	// each, plus a security group admitting SSH and a key pair put into one
	// account (the no-SSH check has no expectation to get wrong).
	// And Inspector, when on: one more scan type than deployed, which every
	// account should run and new members get, in every region.
	wantScan := map[string]bool{} // "account region" or "auto region" -> reported
	if len(org.Detection.Inspector) > 0 && !slices.Contains(org.Detection.Inspector, "LAMBDA") {
		org.Detection.Inspector = append(org.Detection.Inspector, "LAMBDA")
		for _, r := range org.Regions {
			wantScan["auto "+r] = false
			for _, a := range org.AllAccounts {
				wantScan[a.ID+" "+r] = false
			}
		}
	}
	w := breakCompliance(ctx, t, v, org, wrongGroup)
	defer w.cleanup()
	wrong := *v
	wrong.org = org
	got, err := wrong.verify(ctx, asm)
	if err != nil {
		t.Fatal(err)
	}
	var cidr, nat, email bool
	for _, f := range got.findings() {
		s := f.String()
		here := f.account == acct.ID && f.region == region && f.stack != ""
		if w.expected(f) {
			t.Logf("reported as expected: %s", s)
			continue
		}
		switch {
		case here && strings.Contains(f.resource, "[AWS::EC2::VPC ") && f.problem == fmt.Sprintf("CIDR is %s, want 10.255.0.0/16", realCIDR):
			cidr = true
		case here && strings.HasPrefix(f.resource, "VPC vpc-") && strings.Contains(f.problem, "NAT gateways, want 0 (natGateways: none"):
			nat = true
		case f.account == sec && f.region == org.HomeRegion && f.stack != "" && strings.Contains(f.resource, "[AWS::SNS::Topic ") &&
			strings.HasPrefix(f.problem, "email subscriptions ") && strings.Contains(f.problem, wrongEmail):
			email = true
		case strings.HasPrefix(f.resource, "Inspector in ") && strings.Contains(f.problem, "LAMBDA not scanning"):
			key := strings.Fields(strings.TrimPrefix(f.resource, "Inspector in "))[0] + " " + f.region
			if reported, ok := wantScan[key]; !ok || reported {
				t.Errorf("unexpected finding: %s", s)
				continue
			}
			wantScan[key] = true
		case strings.HasPrefix(f.resource, "Inspector organization configuration") && strings.HasPrefix(f.problem, "auto-enables lambda = false, want true"):
			if reported, ok := wantScan["auto "+f.region]; !ok || reported {
				t.Errorf("unexpected finding: %s", s)
				continue
			}
			wantScan["auto "+f.region] = true
		case strings.HasPrefix(f.resource, wrongGroup+" [AWS::Logs::LogGroup]") && f.problem == "does not exist":
			reported, ok := wantGroup[f.account+" "+f.region]
			if !ok || reported {
				t.Errorf("unexpected finding: %s", s)
				continue
			}
			wantGroup[f.account+" "+f.region] = true
		default:
			t.Errorf("unexpected finding: %s", s)
			continue
		}
		t.Logf("reported as expected: %s", s)
	}
	if !cidr {
		t.Errorf("a VPC deployed with %s but expected with 10.255.0.0/16 in %s %s was not reported by CIDR and resource", realCIDR, acct.ID, region)
	}
	if !nat {
		t.Errorf("a VPC deployed with NAT gateways %s but expected with none in %s %s was not reported", realNAT, acct.ID, region)
	}
	if !email {
		t.Errorf("the alert email %s, expected but never subscribed, was not reported on the alerts topic in %s %s", wrongEmail, sec, org.HomeRegion)
	}
	for where, reported := range wantScan {
		if !reported {
			t.Errorf("Inspector's LAMBDA scans, expected but never enabled, were not reported in %s", where)
		}
	}
	for where, reported := range wantGroup {
		if !reported {
			t.Errorf("the forwarded log group %s, expected but never deployed, was not reported missing in %s", wrongGroup, where)
		}
	}
	w.check(t)
}

// newLane checks what the lane needs, loads the org file and makes the
// scratch directory. Its context ends on Ctrl-C or SIGTERM and shortly
// before the test's deadline, so that every child process is killed and the
// emulator stopped before `go test` gives up on the binary. Cleanup waits
// for background steps, stops the emulator and removes the scratch
// directory, which it keeps (and names) when the test failed.
func newLane(t *testing.T, orgPath string) (*lane, context.Context) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	var missing []string
	if _, err := os.Stat(filepath.Join(root, "node_modules", ".bin", "cdk")); err != nil {
		missing = append(missing, "the CDK CLI (node_modules/.bin/cdk): run `make setup` (npm ci)")
	}
	python := os.Getenv("PYTHON")
	if python == "" {
		python = "python3"
	}
	if out, err := exec.Command(python, "-c", "import moto; print(moto.__version__)").Output(); err != nil || strings.TrimSpace(string(out)) != "5.2.1" {
		missing = append(missing, fmt.Sprintf(`moto 5.2.1 for %s (found %q): pip install "moto[server]==5.2.1"`, python, strings.TrimSpace(string(out))))
	}
	if _, err := exec.LookPath("go"); err != nil {
		missing = append(missing, "go on PATH (cdk.json's app is `go run .`)")
	}
	if len(missing) > 0 {
		t.Fatalf("the deploy lane cannot run here; it needs:\n  %s\n(skip it with go test -short)", strings.Join(missing, "\n  "))
	}

	if !filepath.IsAbs(orgPath) {
		orgPath = filepath.Join(root, orgPath)
	}
	org, err := config.LoadFile(orgPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(root, "tmp"), 0o755); err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp(filepath.Join(root, "tmp"), "e2e-")
	if err != nil {
		t.Fatal(err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	cancel := stop
	if d, ok := t.Deadline(); ok {
		var cancelDeadline context.CancelFunc
		ctx, cancelDeadline = context.WithDeadline(ctx, d.Add(-15*time.Second))
		cancel = func() { cancelDeadline(); stop() }
	}

	l := &lane{root: root, dir: dir, org: org, logf: t.Logf}
	t.Cleanup(func() {
		cancel()
		l.bg.Wait()
		if l.emu != nil {
			l.emu.Stop()
		}
		if t.Failed() || *keep {
			t.Logf("kept the lane's scratch directory %s; emulator log: %s", dir, filepath.Join(dir, "moto.log"))
			return
		}
		os.RemoveAll(dir)
	})
	return l, ctx
}

// wrongExpectation is one deliberate mistake and the places it must be
// reported, each once.
type wrongExpectation struct {
	what  string
	where map[string]bool // "account region" -> reported
	is    func(f finding) bool
}

// complianceWrongs are the compliance and Session Manager layers' wrong
// expectations, and how to undo what they put into the emulator.
type complianceWrongs struct {
	wrongs  []*wrongExpectation
	cleanup func()
}

// expected reports whether f is one of the wrong expectations, reported
// where it should be and not before.
func (w *complianceWrongs) expected(f finding) bool {
	for _, x := range w.wrongs {
		key := f.account + " " + f.region
		if reported, ok := x.where[key]; ok && !reported && x.is(f) {
			x.where[key] = true
			return true
		}
	}
	return false
}

func (w *complianceWrongs) check(t *testing.T) {
	t.Helper()
	for _, x := range w.wrongs {
		for _, where := range slices.Sorted(maps.Keys(x.where)) {
			if !x.where[where] {
				t.Errorf("%s was not reported in %s", x.what, where)
			}
		}
	}
}

// breakCompliance changes org (a copy of the org file) in every area of the
// compliance and Session Manager checks, and puts a security group that
// admits SSH and a key pair into one workload account. wrongGroup is the
// forwarded log group the caller added, which the CloudWatch agent's
// configuration should ship too.
func breakCompliance(ctx context.Context, t *testing.T, v *verifier, org *config.Org, wrongGroup string) *complianceWrongs {
	w := &complianceWrongs{cleanup: func() {}}
	places := func(accounts []config.Account, regions ...string) map[string]bool {
		m := map[string]bool{}
		for _, a := range accounts {
			for _, r := range regions {
				m[a.ID+" "+r] = false
			}
		}
		return m
	}
	var instanceAccounts []config.Account
	for _, a := range org.Accounts {
		if a.Role != config.RoleManagement {
			instanceAccounts = append(instanceAccounts, a)
		}
	}
	mgmt, sec := *org.Management(), org.AccountByRole(config.RoleSecurity)
	c := &org.Compliance

	// Hardening: the password policy's maximum age, in every account.
	realAge := c.PasswordMaxAgeDays
	c.PasswordMaxAgeDays = realAge - 1
	if realAge == 1 {
		c.PasswordMaxAgeDays = 2
	}
	ageProblem := fmt.Sprintf("MaxPasswordAge is %d, want %d (compliance.passwordMaxAgeDays)", realAge, c.PasswordMaxAgeDays)
	w.wrongs = append(w.wrongs, &wrongExpectation{
		what:  fmt.Sprintf("a password policy expiring after %d days, expected after %d,", realAge, c.PasswordMaxAgeDays),
		where: places(org.Accounts, org.HomeRegion),
		is: func(f finding) bool {
			return strings.Contains(f.resource, "iam-account-password-policy") && strings.Contains(f.stack, "-baseline-") && f.problem == ageProblem
		},
	})
	// The pack's password rule checks the age the org file sets: the same
	// wrong age is reported there, in every region.
	packAge := fmt.Sprintf("max age %d)", c.PasswordMaxAgeDays)
	w.wrongs = append(w.wrongs, &wrongExpectation{
		what:  fmt.Sprintf("the conformance pack's password rule, expected to check %d days,", c.PasswordMaxAgeDays),
		where: places([]config.Account{sec}, org.Regions...),
		is: func(f finding) bool {
			return strings.Contains(f.resource, "[AWS::Config::OrganizationConformancePack ") && strings.HasPrefix(f.problem, "iam-password-policy parameters ") &&
				strings.HasSuffix(f.problem, packAge)
		},
	})

	// AWS Config: the custom rule's ports, in every account and region.
	c.InternetIngressPorts = append(slices.Clone(c.InternetIngressPorts), 8080)
	ports := fmt.Sprintf(`want {"allowedPorts":%q}`, c.InternetIngressPortList())
	w.wrongs = append(w.wrongs, &wrongExpectation{
		what:  "palisade's custom rule, expected to allow " + c.InternetIngressPortList() + ",",
		where: places(org.Accounts, org.Regions...),
		is: func(f finding) bool {
			return strings.HasPrefix(f.resource, stacks.SgIngressRuleName+" [AWS::Config::ConfigRule ") && strings.Contains(f.problem, ports)
		},
	})

	// The conformance pack: one more disabled rule, in every region.
	var rule string
	for _, r := range slices.Sorted(maps.Keys(conformancepack.Baseline)) {
		if _, off := c.DisabledRules[r]; !off && rule == "" {
			rule = r
		}
	}
	c.DisabledRules = maps.Clone(c.DisabledRules)
	if c.DisabledRules == nil {
		c.DisabledRules = map[string]string{}
	}
	c.DisabledRules[rule] = "a wrong expectation of the deploy lane"
	w.wrongs = append(w.wrongs, &wrongExpectation{
		what:  "the conformance pack's rule " + rule + ", expected disabled,",
		where: places([]config.Account{sec}, org.Regions...),
		is: func(f finding) bool {
			return strings.Contains(f.resource, "[AWS::Config::OrganizationConformancePack ") && strings.HasPrefix(f.problem, "has rule "+rule+" ") &&
				strings.Contains(f.problem, "compliance.disabledRules drops it")
		},
	})

	// CIS: the alarms turned off, in the management account's home region.
	if c.CISAlarms && org.Logging.Trail.CloudWatchLogs {
		c.CISAlarms = false
		w.wrongs = append(w.wrongs, &wrongExpectation{
			what:  "the CIS metric filters, expected absent (compliance.cisAlarms: false),",
			where: places([]config.Account{mgmt}, org.HomeRegion),
			is: func(f finding) bool {
				return strings.Contains(f.resource, "[AWS::Logs::LogGroup]") && strings.Contains(f.problem, "but the org file turns the CIS alarms off")
			},
		})
	} else {
		t.Logf("the org file turns the CIS alarms off: no wrong expectation for them")
	}

	// Session Manager: the idle timeout, and the agent shipping the extra
	// forwarded log group, in every security and workload account and region.
	org.Sessions.IdleTimeoutMinutes = org.Sessions.IdleTimeoutMinutes%60 + 1
	w.wrongs = append(w.wrongs, &wrongExpectation{
		what:  fmt.Sprintf("the session document, expected with an idle timeout of %d minutes,", org.Sessions.IdleTimeoutMinutes),
		where: places(instanceAccounts, org.Regions...),
		is: func(f finding) bool {
			return strings.HasPrefix(f.resource, sessionmanager.DocumentName+" ") && strings.HasPrefix(f.problem, "inputs.idleSessionTimeout is ") &&
				strings.HasSuffix(f.problem, fmt.Sprintf("want %q (sessionManager.idleTimeoutMinutes)", fmt.Sprint(org.Sessions.IdleTimeoutMinutes)))
		},
	}, &wrongExpectation{
		what:  "the CloudWatch agent's configuration, expected to ship " + wrongGroup + ",",
		where: places(instanceAccounts, org.Regions...),
		is: func(f finding) bool {
			return strings.HasPrefix(f.resource, agents.ParameterName+" [AWS::SSM::Parameter ") && strings.Contains(f.problem, wrongGroup)
		},
	})

	// No SSH: a security group admitting SSH from 10.0.0.0/8 and a key
	// pair, put into the first workload account's home region.
	workloads := org.Workloads()
	if len(workloads) == 0 {
		t.Logf("the org file has no workload account: no security group or key pair put in")
		return w
	}
	a, r := workloads[0].ID, org.HomeRegion
	cl := newClients(v.endpoint, a, r, v.creds[a])
	const name = "palisade-wrong-expectation"
	sg, err := cl.ec2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String(name), Description: aws.String("admits SSH: a fault the lane must report")})
	if err != nil {
		t.Fatalf("creating a security group in %s %s: %v", a, r, err)
	}
	group := aws.ToString(sg.GroupId)
	if _, err := cl.ec2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{
		GroupId: sg.GroupId, IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22), CidrIp: aws.String("10.0.0.0/8"),
	}); err != nil {
		t.Fatalf("admitting SSH to %s: %v", group, err)
	}
	if _, err := cl.ec2.CreateKeyPair(ctx, &ec2.CreateKeyPairInput{KeyName: aws.String(name)}); err != nil {
		t.Fatalf("creating key pair %s in %s %s: %v", name, a, r, err)
	}
	w.cleanup = func() {
		if _, err := cl.ec2.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: sg.GroupId}); err != nil {
			t.Errorf("deleting %s: %v", group, err)
		}
		if _, err := cl.ec2.DeleteKeyPair(ctx, &ec2.DeleteKeyPairInput{KeyName: aws.String(name)}); err != nil {
			t.Errorf("deleting key pair %s: %v", name, err)
		}
	}
	here := map[string]bool{a + " " + r: false}
	w.wrongs = append(w.wrongs, &wrongExpectation{
		what:  "security group " + group + ", admitting SSH,",
		where: maps.Clone(here),
		is: func(f finding) bool {
			return strings.HasPrefix(f.resource, group+" ") && f.problem == "admits port 22 (tcp 22-22)"
		},
	}, &wrongExpectation{
		what:  "key pair " + name + ",",
		where: maps.Clone(here),
		is:    func(f finding) bool { return strings.HasSuffix(f.resource, "[EC2 key pair "+name+"]") },
	})
	return w
}

// defaultVPCDeletion runs internal/defaultvpc, the code of the custom
// resource compliance.deleteDefaultVpcs deploys, against the emulator's EC2
// in the last workload account's last region: the default VPC goes, with
// its subnets and internet gateway, and a second run succeeds with nothing
// left to delete.
func defaultVPCDeletion(ctx context.Context, t *testing.T, v *verifier) {
	workloads := v.org.Workloads()
	if len(workloads) == 0 {
		t.Skip("the org file has no workload account")
	}
	a, r := workloads[len(workloads)-1].ID, v.org.Regions[len(v.org.Regions)-1]
	client := ec2.NewFromConfig(sdkConfig(v.endpoint, r, v.creds[a]))
	isDefault := []ec2types.Filter{{Name: aws.String("is-default"), Values: []string{"true"}}}
	before, err := client.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: isDefault})
	if err != nil {
		t.Fatal(err)
	}
	if len(before.Vpcs) == 0 {
		t.Fatalf("%s %s has no default VPC to delete: the test would prove nothing", a, r)
	}
	// AWS's default VPC has an internet gateway; moto's has none, so one is
	// attached, for Delete to detach and delete as it must in AWS.
	var gateways []string
	for _, vpc := range before.Vpcs {
		id := aws.ToString(vpc.VpcId)
		gw, err := client.DescribeInternetGateways(ctx, &ec2.DescribeInternetGatewaysInput{
			Filters: []ec2types.Filter{{Name: aws.String("attachment.vpc-id"), Values: []string{id}}}})
		if err != nil {
			t.Fatal(err)
		}
		if len(gw.InternetGateways) > 0 {
			continue
		}
		igw, err := client.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{})
		if err != nil {
			t.Fatal(err)
		}
		gateways = append(gateways, aws.ToString(igw.InternetGateway.InternetGatewayId))
		if _, err := client.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: igw.InternetGateway.InternetGatewayId, VpcId: vpc.VpcId}); err != nil {
			t.Fatal(err)
		}
	}
	res, err := defaultvpc.Delete(ctx, client)
	if err != nil {
		t.Fatalf("%s %s: deleting the default VPC: %v", a, r, err)
	}
	t.Logf("%s %s: deleted VPC %v, internet gateways %v, subnets %v", a, r, res.VpcIDs, res.InternetGatewayIDs, res.SubnetIDs)
	for _, g := range gateways {
		if !slices.Contains(res.InternetGatewayIDs, g) {
			t.Errorf("%s %s: Delete did not delete internet gateway %s of the default VPC", a, r, g)
		} else if _, err := client.DescribeInternetGateways(ctx, &ec2.DescribeInternetGatewaysInput{InternetGatewayIds: []string{g}}); err == nil {
			t.Errorf("%s %s: internet gateway %s of the default VPC still exists", a, r, g)
		}
	}
	after, err := client.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: isDefault})
	if err != nil {
		t.Fatal(err)
	}
	for _, vpc := range after.Vpcs {
		t.Errorf("%s %s: default VPC %s still exists", a, r, aws.ToString(vpc.VpcId))
	}
	for _, vpc := range before.Vpcs {
		id := aws.ToString(vpc.VpcId)
		if !slices.Contains(res.VpcIDs, id) {
			t.Errorf("%s %s: Delete did not report deleting default VPC %s", a, r, id)
		}
		byVpc := []ec2types.Filter{{Name: aws.String("vpc-id"), Values: []string{id}}}
		if s, err := client.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: byVpc}); err != nil || len(s.Subnets) > 0 {
			t.Errorf("%s %s: subnets of the deleted VPC %s remain: %d (%v)", a, r, id, len(s.Subnets), err)
		}
		gw, err := client.DescribeInternetGateways(ctx, &ec2.DescribeInternetGatewaysInput{
			Filters: []ec2types.Filter{{Name: aws.String("attachment.vpc-id"), Values: []string{id}}}})
		if err != nil || len(gw.InternetGateways) > 0 {
			t.Errorf("%s %s: internet gateways of the deleted VPC %s remain: %d (%v)", a, r, id, len(gw.InternetGateways), err)
		}
	}
	again, err := defaultvpc.Delete(ctx, client)
	if err != nil {
		t.Errorf("%s %s: a second Delete failed (it must be idempotent): %v", a, r, err)
	} else if len(again.VpcIDs) > 0 {
		t.Errorf("%s %s: a second Delete deleted %v", a, r, again.VpcIDs)
	}
}
