package e2e

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	cfgtypes "github.com/aws/aws-sdk-go-v2/service/configservice/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/palisade-sec/palisade/internal/preflight"
)

// emulatorLacks are the checks the lane's preflight skips, because the
// emulator does not implement their read: Systems Manager's
// GetServiceSetting (moto 5.2.1 answers 500). It is tested against fakes
// in internal/preflight. (Lambda's GetAccountSettings, which moto lacks
// too, is served by the launcher with the lane's quota.)
const emulatorLacks = "default-host-management-setting"

// manualPrerequisites does what the README's "Deploying for real" leaves
// to the operator before the first deploy, with the management account's
// credentials: service control policies enabled on the root (when the org
// file has policy targets) and trusted access for the services no stack
// enables (preflight.ManualTrustedAccess); and, with each account's, AWS
// Config's service-linked role when the org file does not create it.
// Preflight reports each while it is missing.
func (l *lane) manualPrerequisites(ctx context.Context) error {
	orgs := organizations.NewFromConfig(sdkConfig(l.emu.Endpoint, l.org.HomeRegion, l.mgmt))
	if len(l.org.Detection.PolicyTargets) > 0 {
		roots, err := orgs.ListRoots(ctx, &organizations.ListRootsInput{})
		if err != nil {
			return err
		}
		if _, err := orgs.EnablePolicyType(ctx, &organizations.EnablePolicyTypeInput{
			RootId: roots.Roots[0].Id, PolicyType: orgtypes.PolicyTypeServiceControlPolicy,
		}); err != nil {
			return fmt.Errorf("enabling service control policies: %w", err)
		}
	}
	for _, sp := range preflight.ManualTrustedAccess {
		if _, err := orgs.EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: aws.String(sp)}); err != nil {
			return fmt.Errorf("enabling trusted access for %s: %w", sp, err)
		}
	}
	// With compliance.createConfigRole: false the recorders use AWS Config's
	// service-linked role, which Control Tower or an earlier setup made; here
	// the operator makes it, in every account of the file, as the README's
	// "What stays manual" says (preflight's config-role blocks until then):
	// aws iam create-service-linked-role --aws-service-name config.amazonaws.com
	if !l.org.Compliance.CreateConfigRole {
		for _, a := range l.org.Accounts {
			if _, err := newClients(l.emu.Endpoint, a.ID, l.org.HomeRegion, l.creds[a.ID]).iam.CreateServiceLinkedRole(ctx,
				&iam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String(configService)}); err != nil {
				return fmt.Errorf("account %s: creating AWS Config's service-linked role: %w", a.ID, err)
			}
		}
	}
	return nil
}

// configService is AWS Config's service principal, whose service-linked
// role is AWSServiceRoleForConfig (AWS Config Developer Guide, "Using
// service-linked roles for AWS Config").
const configService = "config.amazonaws.com"

// preflight runs `palisade preflight` as the operator runs it, with the
// management account's credentials and AWS_ENDPOINT_URL pointing at the
// emulator, and returns its exit code and output.
func (l *lane) preflight(ctx context.Context) (int, string, error) {
	bin, err := palisadeBinary(l.root)
	if err != nil {
		return 0, "", err
	}
	cmd := exec.CommandContext(ctx, bin, "preflight", "-org", l.org.Source, "-skip", emulatorLacks)
	cmd.Env = l.cliEnv(l.mgmt)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode(), string(out), nil
	}
	return 0, string(out), err
}

// palisadeBinary builds cmd/palisade once per test binary, into the
// repository's tmp/ (ignored by git), for every lane's preflight: linking
// it costs seconds of CPU the parallel lanes share.
var palisadeBinary = func() func(root string) (string, error) {
	var once sync.Once
	var bin string
	var err error
	return func(root string) (string, error) {
		once.Do(func() {
			bin = filepath.Join(root, "tmp", "e2e-palisade")
			build := exec.Command("go", "build", "-o", bin, "./cmd/palisade")
			build.Dir = root
			if out, e := build.CombinedOutput(); e != nil {
				err = fmt.Errorf("building palisade: %w\n%s", e, out)
			}
		})
		return bin, err
	}
}()

// TestPreflightBrownfield: an organization where a first deploy would
// fail, made in the emulator (an existing recorder, the archive's bucket
// name taken by another account, an SCP of a guardrail's name, another
// delegated administrator, an account outside the org file, an account not
// bootstrapped): preflight reports each, where it is, and exits 1.
func TestPreflightBrownfield(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the emulator; run it with `make e2e`")
	}
	l, ctx := newLane(t, *orgFile)
	must(t, l.step(ctx, "start emulator", l.startEmulator))
	must(t, l.step(ctx, "create organization", l.createOrganization))
	must(t, l.withEmulatorRoot(ctx))
	must(t, l.manualPrerequisites(ctx))

	mgmt, sec, prod := l.org.AccountByRole("management"), l.org.Accounts[1], l.org.Accounts[2]
	home, other := l.org.HomeRegion, l.org.Regions[1]
	// The lookup roles `cdk bootstrap` makes, made by hand: nothing is
	// bootstrapped here, which preflight must report too.
	for _, a := range l.org.Accounts[1:] {
		for _, r := range l.org.Regions {
			trust := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::%s:root"},"Action":"sts:AssumeRole"}]}`, mgmt.ID)
			if _, err := iam.NewFromConfig(sdkConfig(l.emu.Endpoint, home, l.creds[a.ID])).CreateRole(ctx, &iam.CreateRoleInput{
				RoleName: aws.String(preflight.LookupRoleName(a.ID, r)), AssumeRolePolicyDocument: aws.String(trust),
			}); err != nil {
				t.Fatal(err)
			}
		}
	}
	// The brownfield.
	if _, err := configservice.NewFromConfig(sdkConfig(l.emu.Endpoint, home, l.creds[prod.ID])).PutConfigurationRecorder(ctx, &configservice.PutConfigurationRecorderInput{
		ConfigurationRecorder: &cfgtypes.ConfigurationRecorder{Name: aws.String("default"),
			RoleARN: aws.String(fmt.Sprintf("arn:aws:iam::%s:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig", prod.ID))},
	}); err != nil {
		t.Fatal(err)
	}
	taken := l.org.ArchiveBucketName(other)
	if _, err := s3.NewFromConfig(sdkConfig(l.emu.Endpoint, other, l.creds[prod.ID]), func(o *s3.Options) { o.UsePathStyle = true }).CreateBucket(ctx, &s3.CreateBucketInput{
		Bucket: aws.String(taken), CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(other)},
	}); err != nil {
		t.Fatal(err)
	}
	orgs := organizations.NewFromConfig(sdkConfig(l.emu.Endpoint, home, l.mgmt))
	scp, err := orgs.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: aws.String(preflight.GuardrailNames[0]), Type: orgtypes.PolicyTypeServiceControlPolicy,
		Description: aws.String("an older guardrail"), Content: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:CreateUser","Resource":"*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := orgs.EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: aws.String("guardduty.amazonaws.com")}); err != nil {
		t.Fatal(err)
	}
	if _, err := orgs.RegisterDelegatedAdministrator(ctx, &organizations.RegisterDelegatedAdministratorInput{AccountId: aws.String(prod.ID), ServicePrincipal: aws.String("guardduty.amazonaws.com")}); err != nil {
		t.Fatal(err)
	}
	const outsider = "555555555555"
	if _, err := orgs.CreateAccount(ctx, &organizations.CreateAccountInput{AccountName: aws.String("sandbox"), Email: aws.String("aws+sandbox@example.invalid"),
		Tags: []orgtypes.Tag{{Key: aws.String(accountIDTag), Value: aws.String(outsider)}}}); err != nil {
		t.Fatal(err)
	}

	code, out, err := l.preflight(ctx)
	must(t, err)
	if code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
	for _, want := range []string{
		fmt.Sprintf(`BLOCKS account %s %s [config-recorder]: a configuration recorder "default" exists`, prod.ID, home),
		fmt.Sprintf(`BLOCKS account %s %s [archive-bucket]: the bucket name %s is taken by another owner`, sec.ID, other, taken),
		fmt.Sprintf(`BLOCKS organization [scp-name]: an SCP named %s (%s) exists`, preflight.GuardrailNames[0], aws.ToString(scp.Policy.PolicySummary.Id)),
		fmt.Sprintf(`BLOCKS account %s [delegated-admin]: account %s is already the delegated administrator of guardduty.amazonaws.com`, prod.ID, prod.ID),
		fmt.Sprintf(`BLOCKS account %s [accounts]: the organization's account %s (sandbox) is neither in the org file nor in compliance.unmanagedAccounts`, outsider, outsider),
		fmt.Sprintf(`BLOCKS account %s %s [bootstrap]: the environment is not bootstrapped`, sec.ID, home),
	} {
		if !strings.Contains(out, want) {
			t.Errorf("preflight does not report\n  %s\noutput:\n%s", want, out)
		}
	}
}
