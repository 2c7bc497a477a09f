package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The example org and the cut-down manifest of its assembly.
var diagramInputs = []string{"-org", "../../organization.yaml", "-assembly", "../../internal/diagram/testdata/example"}

// None of these cases needs Graphviz: they print DOT or fail before dot runs.
func TestRunDiagram(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name       string
		args       []string
		code       int
		wantStdout string
		wantStderr string
	}{
		{"dot to stdout", append([]string{"-format", "dot"}, diagramInputs...), 0, `digraph "palisade example" {`, ""},
		{"dot to a file", append([]string{"-format", "dot", "-o", filepath.Join(dir, "sub", "org.dot")}, diagramInputs...), 0, "wrote " + filepath.Join(dir, "sub", "org.dot"), ""},
		{"no assembly", []string{"-org", "../../organization.yaml", "-assembly", "testdata/no-such-cdk.out"}, 1, "", "run make synth"},
		{"bad org file", []string{"-org", "testdata/no-such-org.yaml"}, 1, "", "read org file"},
		{"bad format", []string{"-format", "png"}, 2, "", `-format "png" is not svg or dot`},
		{"arguments", []string{"organization.yaml"}, 2, "", "no arguments expected"},
		{"unknown flag", []string{"-no-such-flag"}, 2, "", "usage: palisade diagram"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := runDiagram(tc.args, &stdout, &stderr)
			if code != tc.code || !strings.Contains(stdout.String(), tc.wantStdout) || !strings.Contains(stderr.String(), tc.wantStderr) {
				t.Errorf("runDiagram(%q) = %d, want %d with stdout saying %q and stderr %q\nstdout:\n%.500s\nstderr:\n%s",
					tc.args, code, tc.code, tc.wantStdout, tc.wantStderr, &stdout, &stderr)
			}
		})
	}
	data, err := os.ReadFile(filepath.Join(dir, "sub", "org.dot"))
	if err != nil || !bytes.HasPrefix(data, []byte("digraph ")) {
		t.Errorf("-o wrote %.40q, %v; want the DOT text", data, err)
	}
}

// Without dot on PATH, the SVG format says how to install Graphviz and
// writes nothing.
func TestRunDiagramWithoutGraphviz(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	out := filepath.Join(t.TempDir(), "org.svg")
	var stdout, stderr bytes.Buffer
	code := runDiagram(append([]string{"-o", out}, diagramInputs...), &stdout, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "apt-get install graphviz") {
		t.Errorf("runDiagram without dot = %d, want 1 with stderr saying apt-get install graphviz\nstderr:\n%s", code, &stderr)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("%s exists after a failed run (%v)", out, err)
	}
}
