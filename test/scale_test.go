package test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode"

	"github.com/palisade-sec/palisade/config"
	"github.com/palisade-sec/palisade/stacks"
)

// Scale is correctness: the cross-account policies of the security
// account's archive and drain, and the management account's trail, must not
// grow with the organization. AWS's limits, as AWS documents them (whitespace
// not counted): an S3 bucket policy 20 KB, a KMS key policy 32 KB, an IAM
// role's trust policy 2,048 characters (4,096 by quota), a CloudWatch Logs
// destination policy 5,120 characters.
var crossAccountLimits = map[string]int{
	"archive bucket policy": 20 * 1024,
	"archive key policy":    32 * 1024,
	"drain role trust":      2048,
	"destination policy":    5120,
}

// withWorkloads is the example org with n more workload accounts (no VPCs),
// kept to its security and management accounts, as `-c accounts=` or a
// pipeline stage builds them: every other account's stacks are left out,
// the file's whole account list is still known (AllAccounts).
func withWorkloads(t *testing.T, n int) *config.Org {
	t.Helper()
	org := *example
	org.Accounts = append([]config.Account(nil), example.Accounts...)
	org.AllAccounts = append([]config.Account(nil), example.AllAccounts...)
	for i := range n {
		a := config.Account{Name: fmt.Sprintf("scale-%04d", i), ID: fmt.Sprintf("9%011d", i), Role: config.RoleWorkload}
		org.Accounts = append(org.Accounts, a)
		org.AllAccounts = append(org.AllAccounts, a)
	}
	kept, err := org.Filter([]string{example.Security().Name, example.Management().Name}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return kept
}

// crossAccountTemplates synthesizes, with stacks.BuildSelected, the
// security account's logarchive stacks and the management account's trail
// stack of org, and returns their templates by stack name.
func crossAccountTemplates(t *testing.T, org *config.Org) map[string]string {
	t.Helper()
	var names []string
	for _, region := range org.Regions {
		names = append(names, stacks.StackName(org.Name, "logarchive", org.Security().Name, region))
	}
	names = append(names, stacks.StackName(org.Name, "trail", org.Management().Name, org.HomeRegion))
	keep := func(name string) bool { return strings.Contains(strings.Join(names, " "), name) }
	app := newApp(t.TempDir())
	built := stacks.BuildSelected(app, org, keep)
	if len(built) != len(names) {
		t.Fatalf("built %d stacks, want %v", len(built), names)
	}
	assembly := app.Synth(nil)
	out := map[string]string{}
	for _, name := range names {
		b, err := json.Marshal(assembly.GetStackByName(&name).Template())
		if err != nil {
			t.Fatal(err)
		}
		out[name] = string(b)
	}
	return out
}

// resolve replaces the intrinsics of a policy document with plausible
// values of their real length (partition, region, account, an ARN for a
// GetAtt), as CloudFormation would before handing it to AWS.
func resolve(v any, region, account string) any {
	switch x := v.(type) {
	case map[string]any:
		if ref, ok := x["Ref"].(string); ok && len(x) == 1 {
			switch ref {
			case "AWS::Partition":
				return "aws"
			case "AWS::Region":
				return region
			case "AWS::AccountId":
				return account
			}
			return ref
		}
		if att, ok := x["Fn::GetAtt"].([]any); ok && len(x) == 1 {
			return fmt.Sprintf("arn:aws:service:%s:%s:%s", region, account, att[0])
		}
		if join, ok := x["Fn::Join"].([]any); ok && len(x) == 1 {
			var parts []string
			for _, p := range join[1].([]any) {
				parts = append(parts, fmt.Sprint(resolve(p, region, account)))
			}
			return strings.Join(parts, join[0].(string))
		}
		out := map[string]any{}
		for k, e := range x {
			out[k] = resolve(e, region, account)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = resolve(e, region, account)
		}
		return out
	}
	return v
}

// size is a document's length as AWS counts it against the limits above:
// without whitespace.
func size(doc string) int {
	n := 0
	for _, r := range doc {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}

// crossAccountPolicies finds, in a logarchive template of region, the four
// policies that used to list accounts, resolved and minified.
func crossAccountPolicies(t *testing.T, tpl, region, account string) map[string]string {
	t.Helper()
	var doc struct {
		Resources map[string]struct {
			Type       string
			Properties map[string]any
		}
	}
	if err := json.Unmarshal([]byte(tpl), &doc); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	put := func(what string, v any) {
		r := resolve(v, region, account)
		if s, ok := r.(string); ok { // the destination policy is a JSON string
			out[what] = s
			return
		}
		b, _ := json.Marshal(r)
		out[what] = string(b)
	}
	for id, r := range doc.Resources {
		p, _ := json.Marshal(r.Properties)
		switch {
		case r.Type == "AWS::S3::BucketPolicy" && strings.Contains(string(p), "LogDeliveryWrite"):
			put("archive bucket policy", r.Properties["PolicyDocument"])
		case r.Type == "AWS::KMS::Key" && strings.Contains(string(p), "LogDeliveryEncrypt"):
			put("archive key policy", r.Properties["KeyPolicy"])
		case r.Type == "AWS::IAM::Role" && strings.HasPrefix(id, "LogDrainLogsRole"):
			put("drain role trust", r.Properties["AssumeRolePolicyDocument"])
		case r.Type == "AWS::Logs::Destination":
			put("destination policy", r.Properties["DestinationPolicy"])
		}
	}
	if len(out) != 4 {
		t.Fatalf("found %d of the 4 cross-account policies in %s's archive: %v", len(out), region, out)
	}
	return out
}

// TestCrossAccountPoliciesDoNotGrowWithTheOrg: orgs of 1, 200 and 1,000
// workload accounts give the security account's logarchive stacks and the
// management account's trail stack byte-identical templates, and the four
// policies that used to list every account fit AWS's limits.
func TestCrossAccountPoliciesDoNotGrowWithTheOrg(t *testing.T) {
	base := crossAccountTemplates(t, withWorkloads(t, 1))
	var largest map[string]string
	for _, n := range []int{200, 1000} {
		got := crossAccountTemplates(t, withWorkloads(t, n))
		largest = got
		for name, tpl := range base {
			if got[name] != tpl {
				t.Errorf("%s with %d workload accounts differs from its template with 1 (%d and %d bytes): a policy grows with the org",
					name, n, len(got[name]), len(tpl))
			}
		}
	}
	sec := example.Security()
	for _, region := range example.Regions {
		name := stacks.StackName(example.Name, "logarchive", sec.Name, region)
		for what, doc := range crossAccountPolicies(t, largest[name], region, sec.ID) {
			if !json.Valid([]byte(doc)) {
				t.Errorf("%s %s is not JSON: %s", region, what, doc)
			}
			if limit := crossAccountLimits[what]; size(doc) > limit {
				t.Errorf("%s %s: %d characters, over AWS's limit of %d", region, what, size(doc), limit)
			}
			t.Logf("%s %s at 1,000 workload accounts: %d characters (limit %d)", region, what, size(doc), crossAccountLimits[what])
		}
	}
}

// TestAddingAnAccountLeavesTheArchiveAlone: a new workload account changes
// nothing in the security account's logarchive stacks, so adding one needs
// no redeploy of them.
func TestAddingAnAccountLeavesTheArchiveAlone(t *testing.T) {
	before := crossAccountTemplates(t, withWorkloads(t, 0))
	after := crossAccountTemplates(t, withWorkloads(t, 1))
	for name, tpl := range before {
		if strings.Contains(name, "-logarchive-") && after[name] != tpl {
			t.Errorf("%s changes when a workload account joins the org", name)
		}
	}
}
