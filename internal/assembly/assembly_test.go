package assembly_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/palisade-sec/palisade/internal/assembly"
)

func write(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// Stacks by name, dependencies on stacks only, metadata merged from the
// file beside the manifest.
func TestRead(t *testing.T) {
	dir := write(t, map[string]string{
		"manifest.json": `{"artifacts": {
			"B": {"type": "aws:cloudformation:stack", "environment": "aws://111111111111/eu-west-1", "dependencies": ["A", "B.assets"],
			      "properties": {"templateFile": "B.template.json", "stackName": "b-stack"}, "additionalMetadataFile": "B.metadata.json",
			      "metadata": {"/B/X": [{"type": "aws:cdk:logicalId", "data": "X1"}]}},
			"A": {"type": "aws:cloudformation:stack", "environment": "aws://unknown-account/unknown-region", "properties": {"templateFile": "A.template.json"}},
			"B.assets": {"type": "cdk:asset-manifest"}}}`,
		"B.metadata.json": `{"/B/Y": [{"type": "aws:cdk:logicalId", "data": "Y1"}]}`,
	})
	got, err := assembly.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Name != "A" || got[1].Name != "b-stack" || got[1].ID != "B" {
		t.Fatalf("stacks = %+v", got)
	}
	b := got[1]
	if strings.Join(b.DependsOn, ",") != "A" || b.Template != filepath.Join(dir, "B.template.json") || b.Account != "111111111111" || !b.Bound() {
		t.Errorf("b = %+v", b)
	}
	if b.Metadata["/B/X"][0].Text() != "X1" || b.Metadata["/B/Y"][0].Text() != "Y1" {
		t.Errorf("metadata = %+v", b.Metadata)
	}
	if got[0].Bound() {
		t.Error("an environment-agnostic stack is bound")
	}
}

func TestReadErrors(t *testing.T) {
	for name, tc := range map[string]struct{ manifest, want string }{
		"missing":     {"", "synthesize the app first (run make synth, or cdk synth)"},
		"no stacks":   {`{"artifacts": {}}`, "has no stacks"},
		"no template": {`{"artifacts": {"A": {"type": "aws:cloudformation:stack", "environment": "aws://111111111111/eu-west-1"}}}`, "artifact A has no templateFile"},
		"no env":      {`{"artifacts": {"A": {"type": "aws:cloudformation:stack", "environment": "local", "properties": {"templateFile": "a"}}}}`, `environment "local" is not aws://ACCOUNT/REGION`},
		"not json":    {"{", "unexpected end of JSON input"},
	} {
		files := map[string]string{}
		if tc.manifest != "" {
			files["manifest.json"] = tc.manifest
		}
		if _, err := assembly.Read(write(t, files)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Read = %v, want an error saying %q", name, err, tc.want)
		}
	}
}
