package main

import (
	"bytes"
	"strings"
	"testing"
)

// runGates maps the report to exit codes: 0 passed, 1 a gate failed, 2 the
// gates could not run. The passing and failing cases run the real tools
// (run make setup).
func TestRunGatesExitCodes(t *testing.T) {
	for _, tc := range []struct {
		name       string
		args       []string
		code       int
		wantStdout string
		wantStderr string
	}{
		// -cache=: no cache, so that the tools run (and the user's cache
		// directory stays untouched).
		{"passes", []string{"-cache=", "../../gates/testdata/good"}, 0, "gates: all passed (2 stacks)", ""},
		{"fails", []string{"-cache=", "../../gates/testdata/bad"}, 1, "gates: 16 failures", ""},
		{"no assembly", []string{"testdata/no-such-cdk.out"}, 2, "", "cdk synth"},
		{"no cfn-lint", []string{"-cfn-lint", "no-such-cfn-lint", "../../gates/testdata/good"}, 2, "", "pip install cfn-lint"},
		{"two outdirs", []string{"a", "b"}, 2, "", "one cloud assembly directory at most"},
		{"unknown flag", []string{"-no-such-flag"}, 2, "", "usage: palisade gates"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			code := runGates(tc.args, &stdout, &stderr)
			if code != tc.code || !strings.Contains(stdout.String(), tc.wantStdout) || !strings.Contains(stderr.String(), tc.wantStderr) {
				t.Errorf("runGates(%q) = %d, want %d with stdout saying %q and stderr %q\nstdout:\n%s\nstderr:\n%s",
					tc.args, code, tc.code, tc.wantStdout, tc.wantStderr, &stdout, &stderr)
			}
		})
	}
}
