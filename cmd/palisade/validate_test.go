package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRunValidate(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte(`name: Bad
homeRegion: us-east-1
regions: [us-east-1]
accounts:
  - name: management
    id: 111111111111
    role: management
  - name: security
    id: "222222222222"
    role: security
    vpcs:
      us-east-1:
        cidr: 10.0.0.1/16
organizationId: o-testorg0001
`), 0o644); err != nil {
		t.Fatal(err)
	}
	example := filepath.Join("..", "..", "organization.yaml")

	tests := []struct {
		name       string
		args       []string
		code       int
		stdout     []string // lines, exactly
		stderrHas  []string // substrings
		stderrNone bool
	}{
		{
			name:       "example org",
			args:       []string{example},
			code:       0,
			stdout:     []string{example + ": ok — org example, 4 accounts, 6 VPCs in 2 regions"},
			stderrNone: true,
		},
		{
			name: "every problem, one per line",
			args: []string{bad},
			code: 1,
			stderrHas: []string{
				bad + `:1:7: name: "Bad" is not a valid org name`,
				bad + `:6:9: accounts[0].id: the account id 111111111111 is a YAML number`,
				bad + `:13:15: accounts[1].vpcs[us-east-1].cidr: "10.0.0.1/16" is not a network address; did you mean 10.0.0.0/16`,
			},
		},
		{
			name:      "missing file",
			args:      []string{filepath.Join(dir, "nope.yaml")},
			code:      1,
			stderrHas: []string{"palisade validate: read org file: open ", "no such file or directory"},
		},
		{
			name:      "too many arguments",
			args:      []string{"a.yaml", "b.yaml"},
			code:      2,
			stderrHas: []string{"one org file at most", "usage: palisade validate"},
		},
		{
			name:      "unknown flag",
			args:      []string{"-x"},
			code:      2,
			stderrHas: []string{"flag provided but not defined: -x", "usage: palisade validate"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := runValidate(tt.args, &stdout, &stderr)
			if code != tt.code {
				t.Errorf("exit code %d, want %d; stderr:\n%s", code, tt.code, stderr.String())
			}
			if tt.stdout != nil {
				if got := strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n"); strings.Join(got, "\n") != strings.Join(tt.stdout, "\n") {
					t.Errorf("stdout:\n%s\nwant:\n%s", stdout.String(), strings.Join(tt.stdout, "\n"))
				}
			} else if stdout.Len() > 0 {
				t.Errorf("unexpected stdout:\n%s", stdout.String())
			}
			if tt.stderrNone && stderr.Len() > 0 {
				t.Errorf("unexpected stderr:\n%s", stderr.String())
			}
			for _, s := range tt.stderrHas {
				if !strings.Contains(stderr.String(), s) {
					t.Errorf("stderr lacks %q:\n%s", s, stderr.String())
				}
			}
		})
	}
}

// The default org file is organization.yaml in the working directory.
func TestRunValidateDefaultFile(t *testing.T) {
	t.Chdir(filepath.Join("..", ".."))
	var stdout, stderr bytes.Buffer
	if code := runValidate(nil, &stdout, &stderr); code != 0 {
		t.Fatalf("exit code %d; stderr:\n%s", code, stderr.String())
	}
	if !strings.HasPrefix(stdout.String(), "organization.yaml: ok — org example,") {
		t.Errorf("stdout = %q", stdout.String())
	}
}

// Each problem is one line: the count of lines is the count of problems.
func TestRunValidateOneLinePerProblem(t *testing.T) {
	var stdout, stderr bytes.Buffer
	runValidate([]string{filepath.Join("..", "..", "config", "testdata", "bad", "many-problems.yaml")}, &stdout, &stderr)
	lines := strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n")
	if len(lines) != 6 {
		t.Errorf("got %d lines, want 6:\n%s", len(lines), stderr.String())
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, filepath.Join("..", "..", "config", "testdata", "bad", "many-problems.yaml")+":") {
			t.Errorf("line %q does not start with file:line:col", l)
		}
	}
}
