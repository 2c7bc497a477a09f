package test

import (
	"slices"
	"testing"

	"github.com/palisade-sec/palisade/constructs/guardrails"
	"github.com/palisade-sec/palisade/constructs/sessionmanager"
	"github.com/palisade-sec/palisade/internal/preflight"
)

// preflight looks for the names palisade's constructs create, which it
// cannot import (it is plain Go, the constructs are CDK): they must agree,
// or preflight looks for the wrong collisions.
func TestPreflightNamesAreTheConstructs(t *testing.T) {
	if want := []string{guardrails.ProtectSecurityBaseline, guardrails.ProtectDeployment, guardrails.DenyOutsideAllowedRegions}; !slices.Equal(preflight.GuardrailNames, want) {
		t.Errorf("preflight.GuardrailNames = %v, the guardrails are %v", preflight.GuardrailNames, want)
	}
	if preflight.DefaultHostManagementRoleName != sessionmanager.DefaultHostManagementRoleName || preflight.DefaultHostManagementSetting != sessionmanager.DefaultHostManagementSetting {
		t.Errorf("preflight's Default Host Management names %q, %q; sessionmanager's %q, %q", preflight.DefaultHostManagementRoleName, preflight.DefaultHostManagementSetting,
			sessionmanager.DefaultHostManagementRoleName, sessionmanager.DefaultHostManagementSetting)
	}
}
