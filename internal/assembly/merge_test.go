package assembly

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writePart writes a small cloud assembly: its manifest, tree and files.
func writePart(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func stackArtifact(name string, deps ...string) string {
	q := `"` + name + `.assets"`
	for _, d := range deps {
		q = `"` + d + `", ` + q
	}
	return `"` + name + `.assets": {"type": "cdk:asset-manifest", "properties": {"file": "` + name + `.assets.json"}},
	"` + name + `": {"type": "aws:cloudformation:stack", "environment": "aws://111111111111/us-east-1",
	  "properties": {"templateFile": "` + name + `.template.json"}, "dependencies": [` + q + `]}`
}

func TestMerge(t *testing.T) {
	// Part a built archive and trail (trail after archive); part b built
	// vpc, whose dependency on archive it could not add.
	a := writePart(t, map[string]string{
		"manifest.json":          `{"version": "55.0.0", "artifacts": {` + stackArtifact("archive") + `, ` + stackArtifact("trail", "archive") + `, "Tree": {"type": "cdk:tree", "properties": {"file": "tree.json"}}}, "minimumCliVersion": "2.1147.0"}`,
		"tree.json":              `{"version":"tree-0.1","tree":{"id":"App","path":"","children":{"archive":{"id":"archive"},"trail":{"id":"trail"},"Tree":{"id":"Tree"}}}}`,
		"cdk.out":                `{"version":"55.0.0"}`,
		"archive.template.json":  `{}`,
		"trail.template.json":    `{}`,
		"asset.abc/bootstrap":    "x",
		"validation-report.json": `{"version": "55.0.0", "pluginReports": [{"pluginName": "V", "conclusion": "success", "violations": []}]}`,
	})
	b := writePart(t, map[string]string{
		"manifest.json":          `{"version": "55.0.0", "artifacts": {` + stackArtifact("vpc") + `, "Tree": {"type": "cdk:tree", "properties": {"file": "tree.json"}}}, "minimumCliVersion": "2.1147.0"}`,
		"tree.json":              `{"version":"tree-0.1","tree":{"id":"App","path":"","children":{"vpc":{"id":"vpc"},"Tree":{"id":"Tree"}}}}`,
		"cdk.out":                `{"version":"55.0.0"}`,
		"vpc.template.json":      `{}`,
		"asset.abc/bootstrap":    "x",
		"validation-report.json": `{"version": "55.0.0", "pluginReports": [{"pluginName": "V", "conclusion": "failure", "violations": [{"ruleName": "R"}]}]}`,
	})
	out := filepath.Join(t.TempDir(), "cdk.out")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, "synth.lock"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	deps := map[string][]string{"trail": {"archive"}, "vpc": {"archive", "gone"}}
	if err := Merge(out, []string{a, b}, []string{"archive", "vpc", "trail"}, deps); err != nil {
		t.Fatal(err)
	}

	stacks, err := Read(out)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, s := range stacks {
		got[s.Name] = strings.Join(s.DependsOn, ",")
	}
	if got["vpc"] != "archive" || got["trail"] != "archive" || got["archive"] != "" || len(got) != 3 {
		t.Errorf("dependencies = %v, want vpc and trail after archive (and nothing on a stack the assembly lacks)", got)
	}
	manifest, _ := os.ReadFile(filepath.Join(out, "manifest.json"))
	order := []string{`"archive.assets"`, `"archive"`, `"vpc.assets"`, `"vpc"`, `"trail.assets"`, `"trail"`, `"Tree"`}
	last := -1
	for _, id := range order {
		i := strings.Index(string(manifest), id+": {")
		if i < last {
			t.Errorf("artifact %s out of the build order in:\n%s", id, manifest)
		}
		last = i
	}
	if !strings.Contains(string(manifest), "\n  \"artifacts\": {") {
		t.Errorf("manifest.json is not indented as CDK writes it:\n%s", manifest)
	}
	tree, _ := os.ReadFile(filepath.Join(out, "tree.json"))
	if want := `"children":{"archive":{"id":"archive"},"vpc":{"id":"vpc"},"trail":{"id":"trail"},"Tree":{"id":"Tree"}}`; !strings.Contains(string(tree), want) {
		t.Errorf("tree.json = %s, want children %s", tree, want)
	}
	report, _ := os.ReadFile(filepath.Join(out, "validation-report.json"))
	if !strings.Contains(string(report), `"conclusion": "failure"`) || !strings.Contains(string(report), `"ruleName": "R"`) {
		t.Errorf("validation-report.json = %s, want part b's violation and its failure", report)
	}
	for _, f := range []string{"synth.lock", "archive.template.json", "vpc.template.json", "trail.template.json", "asset.abc/bootstrap", "cdk.out"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("merged assembly lacks %s: %v", f, err)
		}
	}
}

func TestMergeRefuses(t *testing.T) {
	part := func() string {
		return writePart(t, map[string]string{
			"manifest.json":     `{"version": "55.0.0", "artifacts": {` + stackArtifact("vpc") + `}}`,
			"tree.json":         `{"version":"tree-0.1","tree":{"id":"App","path":"","children":{"vpc":{"id":"vpc"}}}}`,
			"vpc.template.json": `{}`,
		})
	}
	out := filepath.Join(t.TempDir(), "cdk.out")
	if err := Merge(out, []string{part(), part()}, []string{"vpc"}, nil); err == nil || !strings.Contains(err.Error(), "is in two parts") {
		t.Errorf("two parts with the same stack: err = %v", err)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, "old.template.json"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Merge(out, []string{part()}, []string{"vpc"}, nil); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("into a directory with files: err = %v", err)
	}
	if err := Merge(filepath.Join(t.TempDir(), "x"), []string{t.TempDir()}, nil, nil); err == nil || !strings.Contains(err.Error(), "manifest.json is missing") {
		t.Errorf("a part without a manifest: err = %v", err)
	}
}
