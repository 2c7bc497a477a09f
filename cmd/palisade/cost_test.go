package main

import (
	"bytes"
	"strings"
	"testing"
)

// runCost maps success, an unreadable assembly and usage errors to 0, 1 and 2.
func TestRunCostExitCodes(t *testing.T) {
	for _, tc := range []struct {
		name       string
		args       []string
		code       int
		wantStdout string
		wantStderr string
	}{
		{"prices", []string{"../../cost/testdata/assembly"}, 0, "all accounts       99.04", ""},
		{"no assembly", []string{"testdata/no-such-cdk.out"}, 1, "", "synthesize the app first"},
		{"another org's assembly", []string{"-org", "../../organization.yaml", "../../cost/testdata/assembly"}, 1, "", "is not in the plan of ../../organization.yaml"},
		{"bad org file", []string{"-org", "testdata/no-such-org.yaml", "../../cost/testdata/assembly"}, 1, "", "no-such-org.yaml"},
		{"two outdirs", []string{"a", "b"}, 2, "", "one cloud assembly directory at most"},
		{"unknown flag", []string{"-no-such-flag"}, 2, "", "usage: palisade cost"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			code := runCost(tc.args, &stdout, &stderr)
			if code != tc.code || !strings.Contains(stdout.String(), tc.wantStdout) || !strings.Contains(stderr.String(), tc.wantStderr) {
				t.Errorf("runCost(%q) = %d, want %d with stdout saying %q and stderr %q\nstdout:\n%s\nstderr:\n%s",
					tc.args, code, tc.code, tc.wantStdout, tc.wantStderr, &stdout, &stderr)
			}
		})
	}
}
