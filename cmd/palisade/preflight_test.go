package main

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// The exit codes other than AWS's verdict: usage and credentials 2, a bad
// org file 1 with its file:line:col. (The verdict itself is tested against
// the emulator in test/e2e, and check by check in internal/preflight.)
func TestRunPreflightUsage(t *testing.T) {
	example := filepath.Join("..", "..", "organization.yaml")
	noCreds := func(context.Context) (aws.Config, error) { return aws.Config{}, errors.New("no credentials found") }
	tests := []struct {
		name      string
		args      []string
		code      int
		stderrHas string
	}{
		{"unknown flag", []string{"-x"}, 2, "usage: palisade preflight"},
		{"stray argument", []string{"organization.yaml"}, 2, "unexpected arguments"},
		{"unknown check to skip", []string{"-org", example, "-skip", "nope"}, 2, `-skip: no check "nope"`},
		{"bad org file", []string{"-org", filepath.Join("..", "..", "config", "testdata", "bad", "compliance-unmanaged-in-file.yaml")}, 1, "compliance-unmanaged-in-file.yaml:14:11: compliance.unmanagedAccounts[0].id"},
		{"no credentials", []string{"-org", example}, 2, "AWS credentials: no credentials found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := preflightWith(tt.args, &stdout, &stderr, noCreds); code != tt.code {
				t.Errorf("exit code %d, want %d; stderr:\n%s", code, tt.code, stderr.String())
			}
			if !strings.Contains(stderr.String(), tt.stderrHas) {
				t.Errorf("stderr lacks %q:\n%s", tt.stderrHas, stderr.String())
			}
		})
	}
}
