package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"

	"github.com/palisade-sec/palisade/config"
	"github.com/palisade-sec/palisade/deployplan"
	"github.com/palisade-sec/palisade/test/emulator"
)

// The names the lane gives things in the emulator.
const (
	// operatorUser is the management account's IAM user the lane acts as:
	// it creates the organization and runs `cdk deploy`.
	operatorUser = "palisade-e2e-operator"
	// memberRole is the role Organizations creates in every new account,
	// trusted by the management account; bootstrapping goes through it.
	memberRole = "OrganizationAccountAccessRole"
	// executionPolicyPrefix names the customer-managed policies, one from
	// each deploy/execution-policy-<part>.json as
	// palisade-cfn-execution-<part>, that CloudFormation deploys with.
	executionPolicyPrefix = "palisade-cfn-execution"
	// accountIDTag asks the emulator's CreateAccount for a given account id
	// (see test/emulator/launcher.py).
	accountIDTag = "emulator:account-id"
	// organizationsWriteSeconds is the emulator's default Organizations
	// write window (emulator.Emulator.Set).
	organizationsWriteSeconds = 0.25
)

// lane is one run: an emulator, the example organization created in it,
// every account and region bootstrapped and every stack deployed through
// the real CDK CLI.
type lane struct {
	root string // the repository
	dir  string // scratch: emulator log, CLI logs, cloud assemblies
	org  *config.Org
	logf func(format string, args ...any)

	emu   *emulator.Emulator
	mgmt  aws.Credentials            // the management account's operator
	creds map[string]aws.Credentials // account id -> memberRole credentials
	// fanOut: the OU and accounts made for deployment.stackSets
	// (fanout_test.go); nil without.
	fanOut *fanOut

	mu    sync.Mutex
	steps []timing
	bg    sync.WaitGroup // steps running in the background
}

type timing struct {
	name string
	took time.Duration
}

// background runs step name in a goroutine and returns a function that waits
// for it. The lane's cleanup waits for every such goroutine.
func (l *lane) background(ctx context.Context, name string, fn func(context.Context) error) func() error {
	done := make(chan error, 1)
	l.bg.Go(func() { done <- l.step(ctx, name, fn) })
	return func() error { return <-done }
}

// step runs fn as the lane step name, timing it.
func (l *lane) step(ctx context.Context, name string, fn func(context.Context) error) error {
	start := time.Now()
	l.logf("%s ...", name)
	err := fn(ctx)
	took := time.Since(start).Round(10 * time.Millisecond)
	l.mu.Lock()
	l.steps = append(l.steps, timing{name, took})
	l.mu.Unlock()
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	l.logf("%s: done in %s", name, took)
	return nil
}

func (l *lane) management() *config.Account { return l.org.Management() }

// env is one account and region that holds stacks.
type env struct{ account, region string }

// startEmulator starts the patched moto server and clears its state.
func (l *lane) startEmulator(ctx context.Context) error {
	emu, err := emulator.Start(ctx, filepath.Join(l.dir, "moto.log"))
	if err != nil {
		return err
	}
	l.emu = emu
	if err := emu.Reset(ctx); err != nil {
		return err
	}
	// The lane's accounts are new accounts: Lambda's concurrency quota of a
	// new account is often 10, not the default 1,000 (issue 15, point 5;
	// AWS Lambda Developer Guide, "Lambda quotas").
	return emu.Set(ctx, map[string]any{"lambdaConcurrencyQuota": 10})
}

// createOrganization creates the management account's operator, the
// organization and, through Organizations, every other account of the org
// file under its own id; then assumes memberRole in each.
func (l *lane) createOrganization(ctx context.Context) error {
	mgmt := l.management()
	home := l.org.HomeRegion
	// The organization is made here one call at a time, so the emulator's
	// Organizations write window (each write in flight 0.25 s, to refuse
	// overlapping ones) would only sleep: it is 0 until the organization
	// stands, and back to its default for the deploy, whose stacks write
	// to Organizations in parallel.
	if err := l.emu.Set(ctx, map[string]any{"organizationsWriteSeconds": 0}); err != nil {
		return err
	}
	defer func() {
		if err := l.emu.Set(ctx, map[string]any{"organizationsWriteSeconds": organizationsWriteSeconds}); err != nil {
			l.logf("restoring the Organizations write window: %v", err)
		}
	}()
	// Before any credentials exist, act in the management account through
	// moto's account header; everything after uses real (fake) keys.
	boot := iam.NewFromConfig(asAccount(sdkConfig(l.emu.Endpoint, home, aws.Credentials{
		AccessKeyID: "AKIAPALISADEE2EBOOT", SecretAccessKey: "fake", Source: "bootstrap",
	}), mgmt.ID))
	if _, err := boot.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(operatorUser)}); err != nil {
		return fmt.Errorf("creating the operator user in the management account %s: %w", mgmt.ID, err)
	}
	key, err := boot.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(operatorUser)})
	if err != nil {
		return fmt.Errorf("creating the operator's access key: %w", err)
	}
	l.mgmt = aws.Credentials{
		AccessKeyID:     aws.ToString(key.AccessKey.AccessKeyId),
		SecretAccessKey: aws.ToString(key.AccessKey.SecretAccessKey),
		Source:          "iam user " + operatorUser,
	}

	orgs := organizations.NewFromConfig(sdkConfig(l.emu.Endpoint, home, l.mgmt))
	created, err := orgs.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll})
	if err != nil {
		return fmt.Errorf("creating the organization: %w", err)
	}
	if got := aws.ToString(created.Organization.MasterAccountId); got != mgmt.ID {
		return fmt.Errorf("the organization's management account is %s, want %s (%s)", got, mgmt.ID, mgmt.Name)
	}
	for _, a := range l.org.Accounts {
		if a.ID == mgmt.ID {
			continue
		}
		if err := l.createAccount(ctx, orgs, a.Name, a.ID); err != nil {
			return err
		}
	}

	// The accounts the org file leaves alone (compliance.unmanagedAccounts)
	// are in the organization too, as they are in a real one: the
	// organization conformance pack must exclude them, or fail in them for
	// want of a recorder (superwerker#291; the emulator models it).
	for _, u := range l.org.Compliance.UnmanagedAccounts {
		if err := l.createAccount(ctx, orgs, "unmanaged-"+u.ID, u.ID); err != nil {
			return fmt.Errorf("the unmanaged account: %w", err)
		}
	}

	if l.org.Deployment.StackSets != nil {
		if err := l.createFanOutOU(ctx, orgs); err != nil {
			return err
		}
	}

	l.creds = map[string]aws.Credentials{mgmt.ID: l.mgmt}
	for _, a := range l.org.Accounts {
		if a.ID == mgmt.ID {
			continue
		}
		c, err := assumeRole(ctx, l.emu.Endpoint, home, l.mgmt, a.ID, memberRole)
		if err != nil {
			return fmt.Errorf("account %s: %w", a.Name, err)
		}
		l.creds[a.ID] = c
	}
	return nil
}

// createAccount creates an account of the organization with the given id
// (the emulator's tag), under the root.
func (l *lane) createAccount(ctx context.Context, orgs *organizations.Client, name, id string) error {
	out, err := orgs.CreateAccount(ctx, &organizations.CreateAccountInput{
		AccountName: aws.String(name),
		Email:       aws.String(fmt.Sprintf("aws+%s-%s@example.invalid", l.org.Name, name)),
		Tags:        []orgtypes.Tag{{Key: aws.String(accountIDTag), Value: aws.String(id)}},
	})
	if err != nil {
		return fmt.Errorf("creating account %s (%s): %w", name, id, err)
	}
	if s := out.CreateAccountStatus; s.State != orgtypes.CreateAccountStateSucceeded || aws.ToString(s.AccountId) != id {
		return fmt.Errorf("creating account %s: state %s, id %s, want SUCCEEDED and %s", name, s.State, aws.ToString(s.AccountId), id)
	}
	return nil
}

// executionPolicy is one of the execution policy's parts: a file of
// deploy/ and the name of the policy made from it.
type executionPolicy struct {
	name, file string
}

// executionPolicies are the parts of the execution policy in the
// repository at root (deployplan.PolicyParts) and the policies made from
// them.
func executionPolicies(root string) ([]executionPolicy, error) {
	parts, err := deployplan.PolicyParts(filepath.Join(root, "deploy"))
	if err != nil {
		return nil, err
	}
	var out []executionPolicy
	for _, part := range parts {
		out = append(out, executionPolicy{name: deployplan.PolicyName(part), file: filepath.Join(root, "deploy", "execution-policy-"+part+".json")})
	}
	return out, nil
}

// bootstrap carries out the bootstrap plan that `palisade bootstrap-plan`
// prints (deployplan.Bootstrap) for the lane's org file, account by account
// in parallel, each with that account's credentials: every `aws iam
// create-policy` of the plan through the SDK, with the file it names, and
// every `npx cdk bootstrap` as it is written, through the CLI.
func (l *lane) bootstrap(ctx context.Context) error {
	parts, err := deployplan.PolicyParts(filepath.Join(l.root, "deploy"))
	if err != nil {
		return err
	}
	byAccount := map[string][]deployplan.Command{}
	var accounts []string
	for _, c := range deployplan.Bootstrap(l.org, parts) {
		if byAccount[c.Account.ID] == nil {
			accounts = append(accounts, c.Account.ID)
		}
		byAccount[c.Account.ID] = append(byAccount[c.Account.ID], c)
	}
	errs := make([]error, len(accounts))
	var wg sync.WaitGroup
	for i, acct := range accounts {
		wg.Go(func() {
			for _, c := range byAccount[acct] {
				if errs[i] = l.run(ctx, c); errs[i] != nil {
					return
				}
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// run carries out one command of the bootstrap plan in its account.
func (l *lane) run(ctx context.Context, c deployplan.Command) error {
	account := c.Account.ID
	creds := l.creds[account]
	flag := func(name string) string {
		if i := slices.Index(c.Args, name); i >= 0 && i+1 < len(c.Args) {
			return c.Args[i+1]
		}
		return ""
	}
	switch {
	case len(c.Args) > 3 && c.Args[0] == "aws" && c.Args[1] == "iam" && c.Args[2] == "create-policy":
		file := strings.TrimPrefix(flag("--policy-document"), "file://")
		doc, err := os.ReadFile(filepath.Join(l.root, file))
		if err != nil {
			return fmt.Errorf("account %s: %s: %w", account, c, err)
		}
		cl := newClients(l.emu.Endpoint, account, l.org.HomeRegion, creds)
		if _, err := cl.iam.CreatePolicy(ctx, &iam.CreatePolicyInput{
			PolicyName:     aws.String(flag("--policy-name")),
			PolicyDocument: aws.String(string(doc)),
			Description:    aws.String("What CloudFormation may do when it deploys palisade's stacks (" + file + ")"),
		}); err != nil {
			return fmt.Errorf("account %s: %s: %w", account, c, err)
		}
		return nil
	case len(c.Args) > 2 && c.Args[0] == "npx" && c.Args[1] == "cdk":
		_, err := l.cdk(ctx, "bootstrap-"+account, l.dir, creds, c.Args[2:]...)
		return err
	}
	return fmt.Errorf("account %s: the lane cannot run %q: teach (*lane).run this command of the bootstrap plan", account, c)
}

// synth runs `cdk synth` of the lane's org file in the repository, so
// cdk.json's app and context are used, into out.
func (l *lane) synth(ctx context.Context, out string) (*assembly, error) {
	if _, err := l.cdk(ctx, "synth-"+filepath.Base(out), l.root, aws.Credentials{}, "synth", "--quiet", "--output", out, "-c", "org="+l.org.Source); err != nil {
		return nil, err
	}
	return readAssembly(out)
}

// deploy runs `cdk deploy --all` on the assembly with the management
// account's credentials: every stack goes through its account's bootstrap
// roles, in dependency order. Up to four stacks deploy at once (the CLI
// still waits for a stack's dependencies). The redeploy uses it.
func (l *lane) deploy(ctx context.Context, name string, asm *assembly) (string, error) {
	return l.cdk(ctx, name, l.dir, l.mgmt, "deploy", "--all", "--app", asm.dir,
		"--require-approval", "never", "--progress", "events", "--concurrency", "4")
}

// deployWaves deploys the assembly wave by wave, as the pipeline does
// (deployplan.Waves): each wave's stacks with `cdk deploy --exclusively`,
// so that a stack depending on one of a later wave, or of a parallel stage,
// fails here rather than being pulled in by the CLI.
func (l *lane) deployWaves(ctx context.Context, asm *assembly) error {
	waves, err := deployplan.Waves(l.org, 0)
	if err != nil {
		return err
	}
	for _, w := range waves {
		args := []string{"deploy", "--exclusively", "--app", asm.dir, "--require-approval", "never", "--progress", "events", "--concurrency", "4"}
		for _, st := range w.Stages {
			for _, s := range st.Stacks {
				args = append(args, s.Name)
			}
		}
		if _, err := l.cdk(ctx, "deploy-"+w.Name, l.dir, l.mgmt, args...); err != nil {
			return fmt.Errorf("wave %s: %w", w.Name, err)
		}
	}
	return nil
}

// deployed checks that every stack of asm is CREATE_COMPLETE or
// UPDATE_COMPLETE: the CLI can print success for a stack whose change set
// failed to execute (ExecuteChangeSet answered HTTP 500, the stack never
// left REVIEW_IN_PROGRESS), so its exit status alone proves nothing.
func (l *lane) deployed(ctx context.Context, asm *assembly) error {
	var errs []error
	for _, s := range asm.stacks {
		cfn := newClients(l.emu.Endpoint, s.account, s.region, l.creds[s.account]).cfn
		d, err := cfn.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(s.name)})
		if err != nil {
			errs = append(errs, fmt.Errorf("%s %s %s: not deployed: %w", s.account, s.region, s.name, err))
			continue
		}
		st := d.Stacks[0]
		if st.StackStatus != cfntypes.StackStatusCreateComplete && st.StackStatus != cfntypes.StackStatusUpdateComplete {
			reason := aws.ToString(st.StackStatusReason)
			if reason == "" {
				reason = "no reason given; see the emulator log"
			}
			errs = append(errs, fmt.Errorf("%s %s %s: status %s after cdk deploy, want CREATE_COMPLETE or UPDATE_COMPLETE (%s)",
				s.account, s.region, s.name, st.StackStatus, reason))
		}
	}
	return errors.Join(errs...)
}

// stackState is what a no-op deploy must leave unchanged.
type stackState struct {
	status string
	events int
}

func (l *lane) stackStates(ctx context.Context, asm *assembly) (map[string]stackState, error) {
	out := map[string]stackState{}
	for _, s := range asm.stacks {
		cfn := newClients(l.emu.Endpoint, s.account, s.region, l.creds[s.account]).cfn
		d, err := cfn.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(s.name)})
		if err != nil {
			return nil, fmt.Errorf("%s %s %s: %w", s.account, s.region, s.name, err)
		}
		n := 0
		p := cloudformation.NewDescribeStackEventsPaginator(cfn, &cloudformation.DescribeStackEventsInput{StackName: aws.String(s.name)})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, fmt.Errorf("%s %s %s: %w", s.account, s.region, s.name, err)
			}
			n += len(page.StackEvents)
		}
		out[s.name] = stackState{string(d.Stacks[0].StackStatus), n}
	}
	return out, nil
}

// redeploy checks that `cdk diff` of the deployed assembly sees no
// differences from what the emulator holds and that a second `cdk deploy
// --all` changes nothing. (That a second synthesis gives the same
// assembly is TestDeterministic's, in test/.)
func (l *lane) redeploy(ctx context.Context, asm *assembly) error {
	diff, err := l.cdk(ctx, "diff", l.dir, l.mgmt, "diff", "--app", asm.dir, "--fail")
	if err != nil {
		return fmt.Errorf("cdk diff after deploying: %w", err)
	}
	if !strings.Contains(diff, "Number of stacks with differences: 0") {
		return fmt.Errorf("cdk diff after deploying reports differences (log %s)", filepath.Join(l.dir, "diff.log"))
	}
	before, err := l.stackStates(ctx, asm)
	if err != nil {
		return err
	}
	out, err := l.deploy(ctx, "deploy-again", asm)
	if err != nil {
		return err
	}
	if err := l.deployed(ctx, asm); err != nil {
		return err
	}
	var errs []error
	for _, s := range asm.stacks {
		if !strings.Contains(out, s.name+" (no changes)") {
			errs = append(errs, fmt.Errorf("%s %s %s: the second deploy did not report (no changes)", s.account, s.region, s.name))
		}
	}
	after, err := l.stackStates(ctx, asm)
	if err != nil {
		return err
	}
	for _, s := range asm.stacks {
		if before[s.name] != after[s.name] {
			errs = append(errs, fmt.Errorf("%s %s %s: the second deploy changed the stack: status %s -> %s, %d -> %d events",
				s.account, s.region, s.name, before[s.name].status, after[s.name].status, before[s.name].events, after[s.name].events))
		}
	}
	return errors.Join(errs...)
}

// cdk runs the repository's CDK CLI in dir with creds (none for synth),
// logging to <scratch>/<name>.log, and returns its output. The CLI and
// whatever it starts (go run, the app) form a process group that is killed
// when ctx ends.
func (l *lane) cdk(ctx context.Context, name, dir string, creds aws.Credentials, args ...string) (string, error) {
	logPath := filepath.Join(l.dir, name+".log")
	f, err := os.Create(logPath)
	if err != nil {
		return "", err
	}
	defer f.Close()
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, filepath.Join(l.root, "node_modules", ".bin", "cdk"), args...)
	cmd.Dir = dir
	cmd.Env = l.cliEnv(creds)
	cmd.Stdout = io.MultiWriter(f, &out)
	cmd.Stderr = cmd.Stdout
	// Own process group, killed as a whole when ctx ends; and killed by the
	// kernel should this process die without cleaning up.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return out.String(), fmt.Errorf("cdk %s: stopped (%v); log %s", args[0], context.Cause(ctx), logPath)
		}
		return out.String(), fmt.Errorf("cdk %s: %w; log %s ends:\n%s", strings.Join(args, " "), err, logPath, lastLines(out.String(), 25))
	}
	return out.String(), nil
}

// cliEnv is the environment of a CLI run: this process's, minus anything
// that could point it at real AWS (AWS_*, profiles, the CDK's own), plus the
// emulator endpoint and creds. Before the emulator runs (synth makes no AWS
// calls) the endpoint is a closed local port, so a stray call fails at once.
func (l *lane) cliEnv(creds aws.Credentials) []string {
	endpoint := "http://localhost:9"
	if l.emu != nil && creds.AccessKeyID != "" {
		endpoint = l.emu.Endpoint
	}
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "AWS_") || strings.HasPrefix(k, "CDK_") || strings.HasPrefix(k, "MOTO_") ||
			slices.Contains([]string{"HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"}, k) {
			continue
		}
		env = append(env, kv)
	}
	env = append(env,
		"AWS_ENDPOINT_URL="+endpoint,
		"AWS_REGION="+l.org.HomeRegion,
		"AWS_DEFAULT_REGION="+l.org.HomeRegion,
		"AWS_CONFIG_FILE="+filepath.Join(l.dir, "no-aws-config"),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(l.dir, "no-aws-credentials"),
		"AWS_EC2_METADATA_DISABLED=true",
		"NO_PROXY=localhost,127.0.0.1",
		"no_proxy=localhost,127.0.0.1",
		"CDK_HOME="+filepath.Join(l.root, ".cdk"),
		"CDK_DISABLE_CLI_TELEMETRY=true",
		// The built-in CloudFormation validation is `make synth`'s business
		// and costs ~2 s a synth; the lane checks what deploys.
		"CDK_VALIDATION=false",
		"JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20",
		"JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION=1",
		"NODE_NO_WARNINGS=1",
	)
	if creds.AccessKeyID != "" {
		env = append(env, "AWS_ACCESS_KEY_ID="+creds.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+creds.SecretAccessKey)
		if creds.SessionToken != "" {
			env = append(env, "AWS_SESSION_TOKEN="+creds.SessionToken)
		}
	}
	return env
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// assembly is a synthesized cloud assembly: its stacks, from manifest.json.
type assembly struct {
	dir    string
	stacks []stackArtifact
}

type stackArtifact struct {
	name            string
	account, region string
	dependencies    []string // names of the stacks it deploys after
	template        string   // path of the template file
}

// environments are the accounts and regions that hold the assembly's
// stacks, in the org file's order of accounts and regions.
func (a *assembly) environments(org *config.Org) []env {
	var out []env
	for _, s := range a.stacks {
		if e := (env{s.account, s.region}); !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	slices.SortStableFunc(out, func(x, y env) int { return orgOrder(org, x) - orgOrder(org, y) })
	return out
}

// orgOrder ranks an account and region by their places in the org file.
func orgOrder(org *config.Org, e env) int {
	a := slices.IndexFunc(org.Accounts, func(acc config.Account) bool { return acc.ID == e.account })
	return a*len(org.Regions) + slices.Index(org.Regions, e.region)
}

// templateResources returns the logical ids and types of a stack's template.
func (s stackArtifact) templateResources() (map[string]string, error) {
	data, err := os.ReadFile(s.template)
	if err != nil {
		return nil, err
	}
	var t struct {
		Resources map[string]struct{ Type string }
	}
	if err := json.Unmarshal(data, &t); err != nil {
		return nil, fmt.Errorf("%s: %w", s.template, err)
	}
	out := map[string]string{}
	for id, r := range t.Resources {
		out[id] = r.Type
	}
	return out, nil
}

func readAssembly(dir string) (*assembly, error) {
	data, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return nil, err
	}
	var m struct {
		Artifacts map[string]struct {
			Type         string
			Environment  string
			Dependencies []string
			Properties   struct{ StackName, TemplateFile string }
		}
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%s/manifest.json: %w", dir, err)
	}
	asm := &assembly{dir: dir}
	for id, a := range m.Artifacts {
		if a.Type != "aws:cloudformation:stack" {
			continue
		}
		s := stackArtifact{name: id, template: filepath.Join(dir, a.Properties.TemplateFile)}
		if a.Properties.StackName != "" {
			s.name = a.Properties.StackName
		}
		envParts := strings.Split(strings.TrimPrefix(a.Environment, "aws://"), "/")
		if len(envParts) != 2 {
			return nil, fmt.Errorf("stack %s: environment %q is not aws://ACCOUNT/REGION", id, a.Environment)
		}
		s.account, s.region = envParts[0], envParts[1]
		for _, d := range a.Dependencies {
			if dep, ok := m.Artifacts[d]; ok && dep.Type == "aws:cloudformation:stack" {
				s.dependencies = append(s.dependencies, d)
			}
		}
		asm.stacks = append(asm.stacks, s)
	}
	slices.SortFunc(asm.stacks, func(a, b stackArtifact) int { return strings.Compare(a.name, b.name) })
	return asm, nil
}

// stackResources lists a stack's resources.
func stackResources(ctx context.Context, c *clients, stack string) ([]cfntypes.StackResourceSummary, error) {
	var out []cfntypes.StackResourceSummary
	p := cloudformation.NewListStackResourcesPaginator(c.cfn, &cloudformation.ListStackResourcesInput{StackName: aws.String(stack)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, page.StackResourceSummaries...)
	}
	return out, nil
}
