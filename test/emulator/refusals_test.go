package emulator_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/palisade-sec/palisade/test/emulator"
)

// settings reads the emulator's settings.
func settings(t *testing.T, emu *emulator.Emulator) map[string]any {
	t.Helper()
	resp, err := http.Get(emu.Endpoint + "/moto-api/palisade/settings")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestSettings checks that a setting changes, that an unknown one is
// refused and that a reset restores the defaults.
func TestSettings(t *testing.T) {
	emu := start(t)
	ctx := context.Background()
	if got := settings(t, emu)["lambdaConcurrencyQuota"]; got != 1000.0 {
		t.Errorf("default Lambda concurrency quota %v, want 1000 (AWS's default)", got)
	}
	if err := emu.Set(ctx, map[string]any{"lambdaConcurrencyQuota": 10}); err != nil {
		t.Fatal(err)
	}
	if got := settings(t, emu)["lambdaConcurrencyQuota"]; got != 10.0 {
		t.Errorf("Lambda concurrency quota %v after setting 10", got)
	}
	if err := emu.Set(ctx, map[string]any{"noSuchSetting": 1}); err == nil {
		t.Error("an unknown setting was accepted")
	}
	if err := emu.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if got := settings(t, emu)["lambdaConcurrencyQuota"]; got != 1000.0 {
		t.Errorf("Lambda concurrency quota %v after a reset, want 1000", got)
	}
}
