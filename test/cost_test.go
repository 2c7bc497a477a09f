package test

import (
	"testing"

	"github.com/palisade-sec/palisade/cost"
	"github.com/palisade-sec/palisade/deployplan"
)

// TestCostCoversEveryService: the cost report of the example org lists a
// usage line, triggered by at least one resource of its templates, for
// every service the org turns on. A service palisade enables through a
// deploy-time call instead of its own resource type (GuardDuty's detector
// is adopted through Custom::AWS since issue 15) falls out of the report
// silently unless a trigger names that call.
func TestCostCoversEveryService(t *testing.T) {
	est, err := cost.ReportPlan(outdir, cost.DefaultPrices(), deployplan.New(example))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, u := range est.Usage {
		got[u.Name] = u.Resources
	}
	for _, service := range []string{
		"GuardDuty", "Security Hub", "Amazon Inspector",
		"AWS Config rule evaluations", "AWS Config conformance pack evaluations", "AWS Config configuration items recorded",
		"CloudTrail events", "VPC flow log delivery", "CloudWatch Logs", "KMS requests",
	} {
		if got[service] == 0 {
			t.Errorf("the example org's cost report has no usage line for %s (usage lines: %v)", service, got)
		}
	}
}
