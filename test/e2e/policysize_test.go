package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"unicode"
)

// managedPolicyLimit is AWS's limit on a customer-managed policy's
// document: 6,144 characters, whitespace not counted.
const managedPolicyLimit = 6144

// policyMargin is what each execution policy part leaves free under the
// limit, so a statement or two can be added before another split is due.
const policyMargin = 1000

// policySize is a policy document's size as IAM counts it against the
// limit: its characters, whitespace excepted.
func policySize(doc string) int {
	n := 0
	for _, r := range doc {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}

// checkPolicySize returns why doc cannot be a managed policy within the
// margin, or nil.
func checkPolicySize(name, doc string) error {
	if !json.Valid([]byte(doc)) {
		return fmt.Errorf("%s: not valid JSON", name)
	}
	switch n := policySize(doc); {
	case n > managedPolicyLimit:
		return fmt.Errorf("%s: %d characters without whitespace, over AWS's managed-policy limit of %d: split it into another deploy/execution-policy-*.json", name, n, managedPolicyLimit)
	case n > managedPolicyLimit-policyMargin:
		return fmt.Errorf("%s: %d characters without whitespace, within %d of AWS's managed-policy limit of %d: split it into another deploy/execution-policy-*.json", name, n, policyMargin, managedPolicyLimit)
	}
	return nil
}

// TestExecutionPoliciesFitTheManagedPolicyLimit: every part of the
// execution policy can be created as a managed policy, with room to spare.
// No emulator: it runs with -short.
func TestExecutionPoliciesFitTheManagedPolicyLimit(t *testing.T) {
	policies, err := executionPolicies("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat("../../deploy/execution-policy.json"); err == nil {
		t.Errorf("deploy/execution-policy.json is back: the execution policy is split into deploy/execution-policy-*.json (each a managed policy under the size limit)")
	}
	for _, p := range policies {
		doc, err := os.ReadFile(p.file)
		if err != nil {
			t.Fatal(err)
		}
		if err := checkPolicySize(p.file, string(doc)); err != nil {
			t.Error(err)
		}
		t.Logf("%s (%s): %d of %d characters", p.name, p.file, policySize(string(doc)), managedPolicyLimit)
	}
}

// TestPolicySizeCheckCanFail: the check above rejects documents over the
// limit or too near it, and counts only what IAM counts.
func TestPolicySizeCheckCanFail(t *testing.T) {
	statement := func(actions int) string {
		var a []string
		for i := range actions {
			a = append(a, fmt.Sprintf(`"ec2:Action%04d"`, i))
		}
		return `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": [` + strings.Join(a, ", ") + `], "Resource": "*"}]}`
	}
	for _, c := range []struct {
		name    string
		doc     string
		wantErr string
	}{
		{"small", statement(10), ""},
		{"oversized", statement(400), "over AWS's managed-policy limit"},
		{"near the limit", statement(320), "within 1000 of"},
		{"whitespace is not counted", strings.ReplaceAll(statement(100), ", ", strings.Repeat(" ", 200)+",\n"), ""},
		{"not JSON", `{"Version": `, "not valid JSON"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := checkPolicySize(c.name, c.doc)
			switch {
			case c.wantErr == "" && err != nil:
				t.Errorf("size %d: %v", policySize(c.doc), err)
			case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
				t.Errorf("size %d: got %v, want an error containing %q", policySize(c.doc), err, c.wantErr)
			}
		})
	}
}
