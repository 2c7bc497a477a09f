package test

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// jsiiKernel is the jsii kernel's temporary directory, which CDK writes into
// the creation stacks of the constructs whose cfn-lint rules it acknowledges
// (metadata and validation report): different in every process.
var jsiiKernel = regexp.MustCompile(`jsii-kernel-[A-Za-z0-9]+`)

// TestParallelSynth runs the app binary as the CDK CLI does, with -c jobs=2:
// it synthesizes the example org in two processes (parallel.go) and merges
// their assemblies. The result must be the one-process synth's: the same
// files, byte for byte (manifest with every dependency, tree, templates,
// asset manifests and assets, cdk-nag reports); metadata and the validation
// report up to the jsii kernel's directory and the report's order. The
// synth replaces what was in the output directory, except the CLI's locks.
func TestParallelSynth(t *testing.T) {
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "app")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	var cdkJSON struct{ Context map[string]any }
	raw, err := os.ReadFile(filepath.Join(root, "cdk.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &cdkJSON); err != nil {
		t.Fatal(err)
	}
	cdkJSON.Context["jobs"] = "2"
	ctx, err := json.Marshal(cdkJSON.Context)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(tmp, "cdk.out")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"synth.lock", "stale.template.json"} {
		if err := os.WriteFile(filepath.Join(out, f), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	app := exec.Command(bin)
	app.Dir = root
	app.Env = append(os.Environ(), "CDK_CONTEXT_JSON="+string(ctx), "CDK_OUTDIR="+out)
	var stderr bytes.Buffer
	app.Stderr = &stderr
	if err := app.Run(); err != nil {
		t.Fatalf("the app with -c jobs=2: %v\n%s", err, &stderr)
	}
	if !strings.Contains(stderr.String(), "synthesized in 2 processes") {
		t.Fatalf("the app did not synthesize in two processes:\n%s", &stderr)
	}

	files := func(dir string) []string {
		var names []string
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				rel, _ := filepath.Rel(dir, p)
				names = append(names, rel)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return names
	}
	want, got := files(outdir), files(out)
	if i := slices.Index(got, "synth.lock"); i < 0 {
		t.Error("the CLI's lock file is gone")
	} else {
		got = slices.Delete(got, i, i+1)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("files of the parallel synth:\n%s\nof one process:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, f := range want {
		a, _ := os.ReadFile(filepath.Join(outdir, f))
		b, _ := os.ReadFile(filepath.Join(out, f))
		switch {
		case f == "validation-report.json":
			if sa, sb := reportLines(a), reportLines(b); !slices.Equal(sa, sb) {
				t.Errorf("%s differs beyond its order", f)
			}
		case strings.HasSuffix(f, ".metadata.json"):
			if !bytes.Equal(jsiiKernel.ReplaceAll(a, nil), jsiiKernel.ReplaceAll(b, nil)) {
				t.Errorf("%s differs", f)
			}
		case !bytes.Equal(a, b):
			t.Errorf("%s differs", f)
		}
	}
}

// reportLines is a validation report's lines, the jsii kernel's directory
// left out, sorted.
func reportLines(raw []byte) []string {
	lines := strings.Split(string(jsiiKernel.ReplaceAll(raw, nil)), "\n")
	slices.Sort(lines)
	return lines
}
