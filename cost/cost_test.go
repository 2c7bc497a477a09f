package cost_test

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/palisade-sec/palisade/cost"
)

// testdata/assembly holds two stacks with known resources:
// test-network (111111111111 us-east-1): 2 NAT gateways, 2 EIPs, an interface
// endpoint in 3 subnets, a gateway endpoint, a KMS key and a Config rule;
// test-workload (222222222222 eu-west-1): a KMS key, 15 alarms, a c7g.medium
// whose launch template gives an 8 GB gp3 root volume, an x9z.huge with no
// volume stated and an organization conformance pack.
const assembly = "testdata/assembly"

func price(t *testing.T, p cost.Price) float64 {
	t.Helper()
	if p.Price == nil {
		t.Fatalf("the shipped table has no price for %q", p.Unit)
	}
	return *p.Price
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

type want struct {
	count   int
	monthly float64
	priced  bool
}

func lines(env *cost.Env) map[string]want {
	out := map[string]want{}
	for _, l := range env.Lines {
		out[l.Item] = want{l.Count, l.Monthly, l.Priced()}
	}
	return out
}

func TestReportCountsAndPrices(t *testing.T) {
	prices := cost.DefaultPrices()
	fixed := func(k string) float64 { return price(t, prices.Fixed[k]) }
	h := prices.HoursPerMonth

	e, err := cost.Report(assembly, prices)
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Envs) != 2 {
		t.Fatalf("got %d account/regions, want 2", len(e.Envs))
	}

	network := map[string]want{
		"NAT gateways":              {2, 2 * fixed(cost.NATGatewayHour) * h, true},
		"Elastic IPs (public IPv4)": {2, 2 * fixed(cost.PublicIPv4Hour) * h, true},
		"Interface endpoints":       {1, 3 * fixed(cost.InterfaceEndpointAZHour) * h, true},
		"Gateway endpoints":         {1, 0, true},
		"KMS keys":                  {1, fixed(cost.KMSKeyMonth), true},
	}
	workload := map[string]want{
		"KMS keys":          {1, fixed(cost.KMSKeyMonth), true},
		"CloudWatch alarms": {15, 15 * fixed(cost.AlarmStandardMonth), true},
		"EC2 c7g.medium":    {1, 0, false}, // the shipped table could not source it
		"EC2 x9z.huge":      {1, 0, false},
		"EBS gp3 8 GB":      {1, 8 * fixed(cost.EBSGp3GBMonth), true},
		"EBS volumes, size or type not in template": {1, 0, false},
	}
	for i, tc := range []struct {
		account, region string
		want            map[string]want
	}{
		{"111111111111", "us-east-1", network},
		{"222222222222", "eu-west-1", workload},
	} {
		env := e.Envs[i]
		if env.Account != tc.account || env.Region != tc.region {
			t.Fatalf("Envs[%d] = %s %s, want %s %s (sorted)", i, env.Account, env.Region, tc.account, tc.region)
		}
		got := lines(env)
		if len(got) != len(tc.want) {
			t.Errorf("%s %s: lines %v, want %v", tc.account, tc.region, got, tc.want)
		}
		var total float64
		for item, w := range tc.want {
			g, ok := got[item]
			if !ok || g.count != w.count || g.priced != w.priced || !near(g.monthly, w.monthly) {
				t.Errorf("%s %s: %q = %+v, want %+v", tc.account, tc.region, item, g, w)
			}
			total += w.monthly
		}
		if !near(env.Total, total) {
			t.Errorf("%s %s: total %v, want %v", tc.account, tc.region, env.Total, total)
		}
	}

	// With the table as shipped: 65.70 + 7.30 + 21.90 + 1.00 and 1.00 + 1.50 + 0.64.
	if got := fmt.Sprintf("%.2f", e.Total); got != "99.04" {
		t.Errorf("total $%s a month, want $99.04", got)
	}
	if e.Unpriced != 3 {
		t.Errorf("%d unpriced lines, want 3 (c7g.medium, x9z.huge, a root volume of unknown size)", e.Unpriced)
	}

	var usage []string
	for _, u := range e.Usage {
		usage = append(usage, fmt.Sprintf("%s:%d", u.Name, u.Resources))
	}
	wantUsage := "NAT gateway data processing:2 Interface endpoint data processing:1 AWS Config rule evaluations:1 " +
		"AWS Config conformance pack evaluations:1 KMS requests:2"
	if got := strings.Join(usage, " "); got != wantUsage {
		t.Errorf("usage items:\n got %s\nwant %s", got, wantUsage)
	}
}

// An instance type the table has no price for is reported as unpriced, with
// the page to read it from, and kept out of the totals: never counted as $0.
func TestUnknownPriceIsReportedNotZero(t *testing.T) {
	prices := cost.DefaultPrices()
	e, err := cost.Report(assembly, prices)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	e.Print(&out)
	for _, s := range []string{
		"EC2 x9z.huge: unpriced, see https://aws.amazon.com/ec2/pricing/on-demand/",
		"EC2 c7g.medium: unpriced, see https://aws.amazon.com/ec2/pricing/on-demand/",
		"+ 3 unpriced items",
		"us-east-1 on-demand list prices, read " + prices.Date,
		"List prices for one region",
		"Amazon Data Firehose", // not triggered here: must not be listed
	} {
		has := strings.Contains(out.String(), s)
		if has != (s != "Amazon Data Firehose") {
			t.Errorf("report contains %q = %v\n%s", s, has, &out)
		}
	}

	// Pricing the type moves it into the totals at 730 hours a month.
	p := 0.5
	prices.Instances["x9z.huge"] = cost.Price{Price: &p, Unit: "per instance-hour", Source: "test"}
	e2, err := cost.Report(assembly, prices)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := e2.Total-e.Total, p*prices.HoursPerMonth; !near(got, want) || e2.Unpriced != 2 {
		t.Errorf("pricing x9z.huge added $%v and left %d unpriced, want $%v and 2", got, e2.Unpriced, want)
	}
}

func TestReportErrors(t *testing.T) {
	_, err := cost.Report("testdata/no-such-cdk.out", cost.DefaultPrices())
	if err == nil || !strings.Contains(err.Error(), "synthesize the app first") {
		t.Errorf("missing assembly: err = %v, want one saying to synthesize first", err)
	}
}

func TestParsePricesRequiresDateBasisAndSources(t *testing.T) {
	_, err := cost.ParsePrices([]byte(`{"fixed": {}}`))
	for _, s := range []string{"date is empty", "basis is empty", "hoursPerMonth 0", "fixed.natGatewayHour is missing"} {
		if err == nil || !strings.Contains(err.Error(), s) {
			t.Errorf("err = %v, want it to say %q", err, s)
		}
	}
	if _, err := cost.ParsePrices([]byte(`{"date": "x", "surprise": 1}`)); err == nil || !strings.Contains(err.Error(), "surprise") {
		t.Errorf("unknown key: err = %v, want it named", err)
	}
}

// The comparison names both assemblies, each account's totals and the
// difference, and the saving in percent.
func TestPrintComparison(t *testing.T) {
	base := &cost.Estimate{Total: 100, Accounts: []cost.AccountTotal{{Account: "111111111111", Total: 60}, {Account: "222222222222", Total: 40}}}
	lean := &cost.Estimate{Total: 75, Accounts: []cost.AccountTotal{{Account: "111111111111", Total: 45}, {Account: "222222222222", Total: 30}}}
	var b bytes.Buffer
	cost.PrintComparison(&b, base, "cdk.out", lean, "cdk.out.lean")
	got := b.String()
	for _, w := range []string{"cdk.out.lean compared with cdk.out", "111111111111", "60.00", "45.00", "-15.00", "all accounts", "100.00", "75.00", "-25.00", "saves 25% of the fixed charges"} {
		if !strings.Contains(got, w) {
			t.Errorf("comparison lacks %q:\n%s", w, got)
		}
	}
}
