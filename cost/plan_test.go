package cost_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/palisade-sec/palisade/config"
	"github.com/palisade-sec/palisade/cost"
	"github.com/palisade-sec/palisade/deployplan"
)

// planAssembly is testdata/assembly's two templates as stacks named like
// the example org's: stacks maps stack name -> template file.
func planAssembly(t *testing.T, stacks map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	artifacts := map[string]any{}
	for name, file := range stacks {
		raw, err := os.ReadFile(filepath.Join(assembly, file))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".template.json"), raw, 0o644); err != nil {
			t.Fatal(err)
		}
		artifacts[name] = map[string]any{"type": "aws:cloudformation:stack", "environment": "aws://333333333333/us-east-1",
			"properties": map[string]any{"templateFile": name + ".template.json", "stackName": name}}
	}
	raw, err := json.Marshal(map[string]any{"version": "48.0.0", "artifacts": artifacts})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// With the org's plan, the estimate sums each purpose's stacks, in the
// plan's order, to the same total; a stack the plan does not hold is an
// error.
func TestReportPlanSumsPurposes(t *testing.T) {
	org, err := config.LoadFile("../organization.yaml")
	if err != nil {
		t.Fatal(err)
	}
	plan := deployplan.New(org)
	dir := planAssembly(t, map[string]string{
		"example-network-prod-us-east-1":  "network.template.json",
		"example-baseline-prod-us-east-1": "workload.template.json",
	})
	e, err := cost.ReportPlan(dir, cost.DefaultPrices(), plan)
	if err != nil {
		t.Fatal(err)
	}
	alone, err := cost.Report(dir, cost.DefaultPrices())
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Purposes) != 2 || e.Purposes[0].Purpose != deployplan.Network || e.Purposes[1].Purpose != deployplan.Baseline {
		t.Fatalf("purposes %+v, want network then baseline", e.Purposes)
	}
	if sum := e.Purposes[0].Total + e.Purposes[1].Total; !near(sum, e.Total) || !near(e.Total, alone.Total) || e.Purposes[0].Total == 0 {
		t.Errorf("purposes sum to %v, the estimate is %v (without the plan %v)", sum, e.Total, alone.Total)
	}
	if e.Purposes[1].Unpriced == 0 {
		t.Error("the baseline's unpriced instance type is not counted")
	}
	if alone.Purposes != nil {
		t.Error("Report without a plan sums purposes")
	}

	dir = planAssembly(t, map[string]string{"other-network-prod-us-east-1": "network.template.json"})
	if _, err := cost.ReportPlan(dir, cost.DefaultPrices(), plan); err == nil || !strings.Contains(err.Error(), "is not in the plan of") {
		t.Errorf("a foreign stack: err = %v", err)
	}
}
