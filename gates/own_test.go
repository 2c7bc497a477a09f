package gates

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeTemplate writes a template with n resources, m outputs and a
// description of pad bytes, and returns its path.
func writeTemplate(t *testing.T, n, m, pad int) string {
	t.Helper()
	res := map[string]any{}
	for i := range n {
		res[fmt.Sprintf("Topic%04d", i)] = map[string]any{"Type": "AWS::SNS::Topic"}
	}
	outs := map[string]any{}
	for i := range m {
		outs[fmt.Sprintf("Out%03d", i)] = map[string]any{"Value": "x"}
	}
	raw, _ := json.Marshal(map[string]any{"Description": strings.Repeat("x", pad), "Resources": res, "Outputs": outs})
	path := filepath.Join(t.TempDir(), "Big.template.json")
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// The limits fail a template over each of them, naming the count and how
// to split, and pass one at them.
func TestLimits(t *testing.T) {
	over, err := ownFindings(writeTemplate(t, MaxResources+1, MaxOutputs+1, MaxTemplateBytes))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range over {
		if f.Rule == "limits" {
			got = append(got, f.Message)
		}
	}
	want := []string{"451 resources, over palisade's limit of 450 (CloudFormation refuses 500)", "181 outputs, over palisade's limit of 180 (CloudFormation refuses 200)", "bytes, over palisade's limit of 921600 (CloudFormation refuses 1 MB)"}
	if len(got) != len(want) {
		t.Fatalf("limits findings = %q, want %d", got, len(want))
	}
	for i, w := range want {
		if !strings.Contains(got[i], w) || !strings.Contains(got[i], "split the stack") {
			t.Errorf("finding %d = %q, want it to say %q and how to split", i, got[i], w)
		}
	}
	at, err := ownFindings(writeTemplate(t, MaxResources, MaxOutputs, 1000))
	if err != nil {
		t.Fatal(err)
	}
	if len(at) != 0 {
		t.Errorf("a template at the limits fails: %v", at)
	}
}
