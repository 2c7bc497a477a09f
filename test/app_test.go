// Package test holds the app-level tests: the example organization
// synthesized as a whole, through the same code paths as `cdk synth`, and
// checked by every gate. It starts one Node process for all of them.
package test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"

	"github.com/palisade-sec/palisade/config"
	"github.com/palisade-sec/palisade/gates"
	"github.com/palisade-sec/palisade/stacks"
)

var (
	root    string      // the repository
	example *config.Org // organization.yaml
	outdir  string      // the example org, synthesized once
)

func TestMain(m *testing.M) {
	code := func() int {
		var err error
		if root, err = filepath.Abs(".."); err != nil {
			panic(err)
		}
		if example, err = config.LoadFile(filepath.Join(root, "organization.yaml")); err != nil {
			panic(err)
		}
		tmp, err := os.MkdirTemp("", "palisade-test-")
		if err != nil {
			panic(err)
		}
		defer os.RemoveAll(tmp)
		outdir = filepath.Join(tmp, "cdk.out")
		if err := synth(example, outdir); err != nil {
			panic(err)
		}
		return m.Run()
	}()
	jsii.Close()
	os.Exit(code)
}

// newApp makes an app with cdk.json's context (the feature flags), as the
// CLI would hand it to app.go.
func newApp(outdir string) awscdk.App {
	var cdkJSON struct{ Context map[string]any }
	data, err := os.ReadFile(filepath.Join(root, "cdk.json"))
	if err != nil {
		panic(err)
	}
	if err := json.Unmarshal(data, &cdkJSON); err != nil {
		panic(err)
	}
	return awscdk.NewApp(&awscdk.AppProps{
		AnalyticsReporting: jsii.Bool(false),
		StackTraces:        jsii.Bool(false), // as app.go
		Context:            &cdkJSON.Context,
		Outdir:             jsii.String(outdir),
	})
}

// synth is what app.go does after loading the org.
func synth(org *config.Org, outdir string) error {
	app := newApp(outdir)
	stacks.AddStackChecks(stacks.Build(app, org))
	return stacks.Synth(app)
}

type manifest struct {
	Artifacts map[string]struct {
		Type         string
		Environment  string
		Dependencies []string
		Properties   struct{ TemplateFile string }
	}
}

func readManifest(t *testing.T, dir string) manifest {
	t.Helper()
	var m manifest
	data, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

type template struct {
	Resources map[string]struct {
		Type                string
		Properties          map[string]any
		DependsOn           []string
		DeletionPolicy      string
		UpdateReplacePolicy string
	}
}

func readTemplate(t *testing.T, dir, stack string) template {
	t.Helper()
	var tpl template
	data, err := os.ReadFile(filepath.Join(dir, stack+".template.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &tpl); err != nil {
		t.Fatal(err)
	}
	return tpl
}

// TestStacks checks the org -> stacks table: which stacks, in which
// environment, deploying after which.
func TestStacks(t *testing.T) {
	m := readManifest(t, outdir)
	sec := example.Security()
	type want struct{ env, after string }
	wants := map[string]want{}
	mgmt := example.Management()
	for _, region := range example.Regions {
		archive := stacks.StackName(example.Name, "logarchive", sec.Name, region)
		admin := stacks.StackName(example.Name, "orgadmin", mgmt.Name, region)
		wants[archive] = want{"aws://" + sec.ID + "/" + region, ""}
		// One region's delegations at a time: the others after the home's.
		adminAfter := ""
		if region != example.HomeRegion {
			adminAfter = stacks.StackName(example.Name, "orgadmin", mgmt.Name, example.HomeRegion)
		}
		wants[admin] = want{"aws://" + mgmt.ID + "/" + region, adminAfter}
		detectAfter := []string{admin, archive}
		if region != example.HomeRegion {
			// The region's organization analyzer needs Access Analyzer's
			// delegation, made from the home region.
			detectAfter = append(detectAfter, stacks.StackName(example.Name, "orgadmin", mgmt.Name, example.HomeRegion))
		}
		wants[stacks.StackName(example.Name, "detect", sec.Name, region)] = want{"aws://" + sec.ID + "/" + region, strings.Join(sorted(detectAfter...), ",")}
	}
	for _, a := range example.Accounts {
		for _, region := range example.Regions {
			archive := stacks.StackName(example.Name, "logarchive", sec.Name, region)
			env := "aws://" + a.ID + "/" + region
			if a.VPCs[region] != nil {
				wants[stacks.StackName(example.Name, "network", a.Name, region)] = want{env, archive}
			}
			if a.Role == config.RoleWorkload {
				wants[stacks.StackName(example.Name, "logs", a.Name, region)] = want{env, archive}
			}
			if a.Role == config.RoleManagement && region == example.HomeRegion {
				// The archive's policies, and CloudTrail's trusted access
				// (the home orgadmin stack), come first.
				wants[stacks.StackName(example.Name, "trail", a.Name, region)] = want{env, strings.Join(sorted(archive, stacks.StackName(example.Name, "orgadmin", a.Name, region)), ",")}
			}
			// Config and Session Manager: the other regions wait for the
			// home region's stack of the account, which makes its IAM roles.
			for _, purpose := range []string{"baseline", "sessions"} {
				if purpose == "sessions" && a.Role == config.RoleManagement {
					continue
				}
				after := []string{archive}
				if region != example.HomeRegion {
					after = append(after, stacks.StackName(example.Name, purpose, a.Name, example.HomeRegion))
				}
				wants[stacks.StackName(example.Name, purpose, a.Name, region)] = want{env, strings.Join(sorted(after...), ",")}
			}
		}
	}
	// The conformance pack waits for Config's delegation and for every
	// account's recorder of its region.
	for _, region := range example.Regions {
		after := []string{stacks.StackName(example.Name, "orgadmin", mgmt.Name, example.HomeRegion)}
		for _, a := range example.Accounts {
			after = append(after, stacks.StackName(example.Name, "baseline", a.Name, region))
		}
		wants[stacks.StackName(example.Name, "compliance", sec.Name, region)] = want{"aws://" + sec.ID + "/" + region, strings.Join(sorted(after...), ",")}
	}
	got := 0
	for id, a := range m.Artifacts { // a stack's artifact id is its name
		if a.Type != "aws:cloudformation:stack" {
			continue
		}
		got++
		w, ok := wants[id]
		if !ok {
			t.Errorf("unexpected stack %s", id)
			continue
		}
		if a.Environment != w.env {
			t.Errorf("%s: environment %q, want %q", id, a.Environment, w.env)
		}
		var deps []string
		for _, d := range a.Dependencies {
			if !strings.HasSuffix(d, ".assets") {
				deps = append(deps, d)
			}
		}
		if strings.Join(sorted(deps...), ",") != w.after {
			t.Errorf("%s: deploys after %v, want %q", id, deps, w.after)
		}
	}
	if got != len(wants) || got != 33 {
		t.Errorf("%d stacks, want %d (%v)", got, len(wants), wants)
	}
}

func sorted(s ...string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// TestSubnetPlan checks that CDK laid out exactly the subnets config planned,
// so that validation ("the plan fits", "no overlaps") speaks of what deploys.
func TestSubnetPlan(t *testing.T) {
	for _, a := range example.Accounts {
		for region, vpc := range a.VPCs {
			name := stacks.StackName(example.Name, "network", a.Name, region)
			var got []string
			for _, r := range readTemplate(t, outdir, name).Resources {
				if r.Type == "AWS::EC2::Subnet" {
					got = append(got, r.Properties["AvailabilityZone"].(string)+" "+r.Properties["CidrBlock"].(string))
				}
			}
			var want []string
			for _, s := range vpc.Subnets {
				want = append(want, s.AZ+" "+s.CIDR)
			}
			sort.Strings(got)
			sort.Strings(want)
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("%s: subnets %v, config planned %v", name, got, want)
			}
		}
	}
}

// TestFlowLogsToTheArchive checks that every VPC's S3 flow log goes to the
// security account's archive of its region, by the name config derives.
func TestFlowLogsToTheArchive(t *testing.T) {
	for _, a := range example.Accounts {
		for region := range a.VPCs {
			name := stacks.StackName(example.Name, "network", a.Name, region)
			found := false
			for id, r := range readTemplate(t, outdir, name).Resources {
				if r.Type != "AWS::EC2::FlowLog" || r.Properties["LogDestinationType"] != "s3" {
					continue
				}
				found = true
				dest, _ := json.Marshal(r.Properties["LogDestination"])
				if want := `"arn:aws:s3:::` + example.ArchiveBucketName(region) + `"`; !strings.Contains(string(dest), want) {
					t.Errorf("%s/%s: destination %s, want the archive %s", name, id, dest, example.ArchiveBucketName(region))
				}
			}
			if !found {
				t.Errorf("%s: no flow log to S3", name)
			}
		}
	}
	archive := readTemplate(t, outdir, stacks.StackName(example.Name, "logarchive", example.Security().Name, "eu-west-1"))
	names := 0
	for _, r := range archive.Resources {
		if r.Type == "AWS::S3::Bucket" && r.Properties["BucketName"] == example.ArchiveBucketName("eu-west-1") {
			names++
		}
	}
	if names != 1 {
		t.Errorf("the eu-west-1 archive has %d buckets named %s", names, example.ArchiveBucketName("eu-west-1"))
	}
}

// TestLogPaths follows every log from its account to the archive: the
// names each side computes from the org file must meet.
func TestLogPaths(t *testing.T) {
	sec, mgmt := example.Security(), example.Management()
	for _, region := range example.Regions {
		dest := "arn:aws:logs:" + region + ":" + sec.ID + ":destination:" + example.LogDestinationName()
		archive := readTemplate(t, outdir, stacks.StackName(example.Name, "logarchive", sec.Name, region))
		var destination, bucketPolicy string
		for _, r := range archive.Resources {
			b, _ := json.Marshal(r.Properties)
			switch r.Type {
			case "AWS::Logs::Destination":
				destination = string(b)
			case "AWS::S3::BucketPolicy":
				if strings.Contains(string(b), "LogDeliveryWrite") {
					bucketPolicy = string(b)
				}
			}
		}
		if !strings.Contains(destination, `"DestinationName":"`+example.LogDestinationName()+`"`) {
			t.Errorf("%s: destination %s", region, destination)
		}
		// Every account of the organization, and no account by name: the
		// organization id is the fence, each account's own prefix the
		// ${aws:SourceAccount} it delivers for.
		if !strings.Contains(destination, `aws:PrincipalOrgID\":\"`+example.OrganizationID) ||
			!strings.Contains(bucketPolicy, `"aws:SourceOrgID":"`+example.OrganizationID+`"`) ||
			!strings.Contains(bucketPolicy, "/AWSLogs/${aws:SourceAccount}/*") {
			t.Errorf("%s: the organization's accounts may not deliver (destination or bucket policy):\n%s\n%s", region, destination, bucketPolicy)
		}
		for _, id := range example.AccountIDs() {
			// (The management account's is the org trail's second prefix.)
			if id != sec.ID && id != mgmt.ID && (strings.Contains(destination, id) || strings.Contains(bucketPolicy, "/AWSLogs/"+id+"/*")) {
				t.Errorf("%s: the destination or the bucket policy names account %s; the organization is the fence", region, id)
			}
		}
		trailArn := "arn:aws:cloudtrail:" + example.HomeRegion + ":" + mgmt.ID + ":trail/" + example.TrailName()
		if got := strings.Contains(bucketPolicy, trailArn); got != (region == example.HomeRegion) {
			t.Errorf("%s: the archive admits the org trail: %v, want only in the home region", region, got)
		}
		for _, prefix := range []string{"/AWSLogs/" + example.OrganizationID + "/*", "/AWSLogs/" + mgmt.ID + "/*"} {
			if got := strings.Contains(bucketPolicy, prefix); got != (region == example.HomeRegion) {
				t.Errorf("%s: the org trail's prefix %s is admitted: %v, want only in the home region", region, prefix, got)
			}
		}

		for _, a := range example.Workloads() {
			filters := map[string]string{}
			for _, r := range readTemplate(t, outdir, stacks.StackName(example.Name, "logs", a.Name, region)).Resources {
				if r.Type == "AWS::Logs::SubscriptionFilter" {
					b, _ := json.Marshal(r.Properties["LogGroupName"])
					filters[string(b)] = r.Properties["DestinationArn"].(string)
					// A destination that admits an organization takes
					// filters with a role of the sender's own.
					if r.Properties["RoleArn"] == nil {
						t.Errorf("%s/%s: subscription filter of %s has no RoleArn", a.Name, region, b)
					}
				}
			}
			if len(filters) != len(example.Logging.ForwardLogGroups) {
				t.Errorf("%s/%s: %d subscription filters, want one per forwarded group %v", a.Name, region, len(filters), example.Logging.ForwardLogGroups)
			}
			for g, d := range filters {
				if d != dest {
					t.Errorf("%s/%s: %s goes to %s, want %s", a.Name, region, g, d, dest)
				}
			}
		}

		for _, a := range example.Accounts {
			vpc := a.VPCs[region]
			if vpc == nil {
				continue
			}
			var forwarded []any
			for _, r := range readTemplate(t, outdir, stacks.StackName(example.Name, "network", a.Name, region)).Resources {
				if r.Type == "AWS::Logs::SubscriptionFilter" {
					forwarded = append(forwarded, r.Properties["DestinationArn"])
				}
			}
			if want := map[bool]int{true: 1, false: 0}[vpc.FlowLogs.CloudWatch]; len(forwarded) != want || (want == 1 && forwarded[0] != dest) {
				t.Errorf("%s/%s: flow log group forwarded to %v, want %d filter to %s", a.Name, region, forwarded, want, dest)
			}
		}
	}

	trail := readTemplate(t, outdir, stacks.StackName(example.Name, "trail", mgmt.Name, example.HomeRegion))
	for _, r := range trail.Resources {
		if r.Type != "AWS::CloudTrail::Trail" {
			continue
		}
		p := r.Properties
		if p["S3BucketName"] != example.ArchiveBucketName(example.HomeRegion) || p["KMSKeyId"] != example.ArchiveKeyAliasArn("aws", example.HomeRegion) ||
			p["IsOrganizationTrail"] != true || p["IsMultiRegionTrail"] != true || p["EnableLogFileValidation"] != true {
			t.Errorf("trail = %v", p)
		}
	}
}

// TestStatefulResourcesAreRetained: deleting or replacing any stack, the
// security account's log archive included, leaves every bucket, key and log
// group (and what they hold) in place.
func TestStatefulResourcesAreRetained(t *testing.T) {
	stateful := map[string]bool{"AWS::S3::Bucket": true, "AWS::KMS::Key": true, "AWS::Logs::LogGroup": true}
	files, _ := filepath.Glob(filepath.Join(outdir, "*.template.json"))
	seen := map[string]int{}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".template.json")
		for id, r := range readTemplate(t, outdir, name).Resources {
			if !stateful[r.Type] {
				continue
			}
			seen[r.Type]++
			if r.DeletionPolicy != "Retain" || r.UpdateReplacePolicy != "Retain" {
				t.Errorf("%s/%s (%s): DeletionPolicy %q, UpdateReplacePolicy %q; want Retain for both", name, id, r.Type, r.DeletionPolicy, r.UpdateReplacePolicy)
			}
		}
	}
	if len(seen) != len(stateful) {
		t.Errorf("found only %v; the example org should hold buckets, keys and log groups", seen)
	}
}

// TestNoFunctionReservesConcurrency: Lambda keeps at least 100 of an
// account's concurrency unreserved (Lambda Developer Guide, "Configuring
// reserved concurrency for a function"), and new accounts start with
// reduced quotas ("Lambda quotas"), so a function that reserves any
// concurrency fails the first deployment into a new account.
func TestNoFunctionReservesConcurrency(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(outdir, "*.template.json"))
	functions := 0
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".template.json")
		for id, r := range readTemplate(t, outdir, name).Resources {
			if r.Type != "AWS::Lambda::Function" {
				continue
			}
			functions++
			if v, ok := r.Properties["ReservedConcurrentExecutions"]; ok {
				t.Errorf("%s/%s reserves %v concurrent executions: the deployment fails in an account whose Lambda quota is below 100 plus the reservation", name, id, v)
			}
		}
	}
	if functions == 0 {
		t.Error("no Lambda function in the example org; the check saw nothing")
	}
}

// TestDetection follows the security section of the org file into the
// management and security accounts' stacks.
func TestDetection(t *testing.T) {
	sec, mgmt := example.Security(), example.Management()
	d := example.Detection
	types := func(stack string) map[string][]map[string]any {
		out := map[string][]map[string]any{}
		for _, r := range readTemplate(t, outdir, stack).Resources {
			out[r.Type] = append(out[r.Type], r.Properties)
		}
		return out
	}
	js := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	for _, region := range example.Regions {
		home := region == example.HomeRegion
		admin := types(stacks.StackName(example.Name, "orgadmin", mgmt.Name, region))
		if got := js(admin["Custom::AWS"]); !strings.Contains(got, "enableOrganizationAdminAccount") || !strings.Contains(got, sec.ID) {
			t.Errorf("%s: GuardDuty is not delegated to %s: %s", region, sec.ID, got)
		}
		// The organization trail needs CloudTrail's trusted access, turned
		// on in the home region's stack.
		if got := strings.Contains(js(admin["Custom::AWS"]), `\"ServicePrincipal\":\"cloudtrail.amazonaws.com\"`); got != home {
			t.Errorf("%s: CloudTrail trusted access turned on = %v, want %v", region, got, home)
		}
		if got := admin["AWS::SecurityHub::DelegatedAdmin"]; (len(got) == 1) != home || (home && got[0]["AdminAccountId"] != sec.ID) {
			t.Errorf("%s: Security Hub delegated admin = %v (home region only)", region, got)
		}
		if got := len(admin["AWS::Organizations::Policy"]) > 0; got != (home && len(d.PolicyTargets) > 0) {
			t.Errorf("%s: guardrails present = %v", region, got)
		}
		for _, p := range admin["AWS::Organizations::Policy"] {
			if js(p["TargetIds"]) != js(d.PolicyTargets) || p["Type"] != "SERVICE_CONTROL_POLICY" {
				t.Errorf("guardrail %v: targets %v type %v", p["Name"], p["TargetIds"], p["Type"])
			}
		}

		detect := types(stacks.StackName(example.Name, "detect", sec.Name, region))
		// The delegation made the administrator's detector: the stack
		// adopts and configures it, a second one would be refused.
		if det := detect["AWS::GuardDuty::Detector"]; len(det) != 0 {
			t.Fatalf("%s: %d AWS::GuardDuty::Detector, want none (adopted)", region, len(det))
		}
		var configure string
		for _, cr := range detect["Custom::AWS"] {
			if c := js(cr["Create"]); strings.Contains(c, `\"action\":\"updateDetector\"`) {
				configure = c
			}
		}
		if !strings.Contains(configure, `\"Enable\":true`) {
			t.Fatalf("%s: the adopted detector is not enabled: %s", region, configure)
		}
		for _, f := range d.GuardDutyFeatures {
			if !strings.Contains(configure, `{\"Name\":\"`+f+`\",\"Status\":\"ENABLED\"`) {
				t.Errorf("%s: feature %s is not enabled: %s", region, f, configure)
			}
		}
		dest := js(detect["AWS::GuardDuty::PublishingDestination"])
		if !strings.Contains(dest, "arn:aws:s3:::"+example.ArchiveBucketName(region)+"/guardduty") {
			t.Errorf("%s: findings go to %s, want the region's archive", region, dest)
		}
		// An analyzer sees only its own region (IAM User Guide, "Create an
		// IAM Access Analyzer external access analyzer"): one in every region.
		if an := detect["AWS::AccessAnalyzer::Analyzer"]; len(an) != 1 || an[0]["Type"] != "ORGANIZATION" {
			t.Errorf("%s: analyzers %v, want one ORGANIZATION analyzer in every region", region, an)
		}
		for _, typ := range []string{"AWS::SecurityHub::ConfigurationPolicy", "AWS::SecurityHub::FindingAggregator", "AWS::SNS::Topic"} {
			if got := len(detect[typ]); (got == 1) != home {
				t.Errorf("%s: %d %s, want one in the home region only", region, got, typ)
			}
		}
		if !home {
			continue
		}
		policy := js(detect["AWS::SecurityHub::ConfigurationPolicy"])
		for _, std := range d.Standards {
			if !strings.Contains(policy, "standards/"+std) {
				t.Errorf("configuration policy does not enable %s", std)
			}
		}
		if got := js(detect["AWS::SecurityHub::PolicyAssociation"]); len(d.PolicyTargets) > 0 && !strings.Contains(got, d.PolicyTargets[0]) {
			t.Errorf("configuration policy is not associated with %v: %s", d.PolicyTargets, got)
		}
		if got := js(detect["AWS::SNS::Subscription"]); len(d.AlertEmails) > 0 && !strings.Contains(got, d.AlertEmails[0]) {
			t.Errorf("alerts do not reach %v: %s", d.AlertEmails, got)
		}
		if got := js(detect["AWS::Events::Rule"]); !strings.Contains(got, "aws.securityhub") || !strings.Contains(got, "aws.guardduty") {
			t.Errorf("alert rules: %s", got)
		}
	}
}

// TestGates runs cfn-lint, cfn-guard and the cdk-nag reports over the
// example org: everything passes or is waived with a reason.
func TestGates(t *testing.T) {
	report, err := gates.Run(gates.Options{OutDir: outdir})
	if err != nil {
		t.Fatal(err)
	}
	if !report.OK() {
		var b bytes.Buffer
		report.Print(&b)
		t.Fatalf("gates failed on the example org:\n%s", b.String())
	}
	// A waiver is stale when it matches nothing in the example org, in
	// the org of every option (options_test.go), nor in the example org's
	// pipeline (pipeline_test.go).
	opts := optionsOrgSynth(t)
	pipeline, err := pipelineGates()
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range report.StaleWaivers {
		same := func(o gates.Waiver) bool { return o.String() == w.String() }
		if slices.ContainsFunc(opts.report.StaleWaivers, same) && slices.ContainsFunc(pipeline.StaleWaivers, same) {
			t.Errorf("stale waiver: %s matches nothing in the example org, the options org nor the pipeline; delete it from gates/waivers.go", w)
		}
	}
}

// TestDeterministic synthesizes again and compares every template and asset
// manifest byte for byte.
func TestDeterministic(t *testing.T) {
	again := filepath.Join(t.TempDir(), "cdk.out")
	if err := synth(example, again); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(outdir, "*.json"))
	if len(files) < 6 {
		t.Fatalf("only %d files in %s", len(files), outdir)
	}
	for _, f := range files {
		a, _ := os.ReadFile(f)
		b, err := os.ReadFile(filepath.Join(again, filepath.Base(f)))
		if err != nil || !bytes.Equal(a, b) {
			t.Errorf("%s differs between two synths", filepath.Base(f))
		}
	}
}

// TestFilter builds one account in one region: its stacks only, with no
// dependency on a stack that is not in the app.
func TestFilter(t *testing.T) {
	org, err := example.Filter([]string{"prod"}, []string{"eu-west-1"})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "cdk.out")
	if err := synth(org, dir); err != nil {
		t.Fatal(err)
	}
	var names []string
	for id, a := range readManifest(t, dir).Artifacts {
		if a.Type == "aws:cloudformation:stack" {
			names = append(names, id)
			for _, d := range a.Dependencies {
				if !strings.HasSuffix(d, ".assets") {
					t.Errorf("%s depends on %s", id, d)
				}
			}
		}
	}
	sort.Strings(names)
	if strings.Join(names, ",") != "example-baseline-prod-eu-west-1,example-logs-prod-eu-west-1,example-network-prod-eu-west-1,example-sessions-prod-eu-west-1" {
		t.Errorf("stacks = %v", names)
	}
}

// TestNagFailsSynth proves the cdk-nag gate can fail: a stack with a bare
// bucket fails synth with the rules it breaks, by construct path.
func TestNagFailsSynth(t *testing.T) {
	app := newApp(filepath.Join(t.TempDir(), "cdk.out"))
	stacks.AddChecks(app)
	stack := awscdk.NewStack(app, jsii.String("Bad"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("333333333333"), Region: jsii.String("us-east-1")},
	})
	awss3.NewBucket(stack, jsii.String("Open"), &awss3.BucketProps{})
	err := stacks.Synth(app)
	if err == nil {
		t.Fatal("a bucket without logging, TLS enforcement or KMS synthesized without error")
	}
	for _, want := range []string{"Bad/Open/Resource: AwsSolutions-S1", "Bad/Open/Resource: AwsSolutions-S10", "NIST.800.53.R5-S3DefaultEncryptionKMS"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

// TestAppBinary runs the real app binary the way the CDK CLI does: a bad org
// file prints every problem with its position, exits 1 and writes no
// cloud assembly; the example org synthesizes.
func TestAppBinary(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "palisade-app")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	run := func(org string) (string, string, error) {
		out := filepath.Join(t.TempDir(), "cdk.out")
		ctx, _ := json.Marshal(map[string]string{"org": org})
		cmd := exec.Command(bin)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CDK_OUTDIR="+out, "CDK_CONTEXT_JSON="+string(ctx))
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		return out, stderr.String(), err
	}

	out, stderr, err := run("test/testdata/bad-org.yaml")
	if exit, ok := err.(*exec.ExitError); !ok || exit.ExitCode() != 1 {
		t.Fatalf("bad org: %v, want exit 1; stderr:\n%s", err, stderr)
	}
	for _, want := range []string{
		`test/testdata/bad-org.yaml:`,
		`accounts[1].id`,
		`accounts[2].vpcs[us-east-1].cidr: "10.0.0.0/33"`,
		`accounts[3].vpcs[eu-west-1].natGateways`,
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("bad org: stderr lacks %q:\n%s", want, stderr)
		}
	}
	if strings.Contains(stderr, "panic") || strings.Contains(stderr, "goroutine") {
		t.Errorf("bad org: stderr shows a panic:\n%s", stderr)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("bad org: %s exists (%v); nothing may be written", out, err)
	}

	out, stderr, err = run("organization.yaml")
	if err != nil {
		t.Fatalf("example org: %v\n%s", err, stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "example-network-prod-us-east-1.template.json")); err != nil {
		t.Errorf("example org: %v", err)
	}
}
