package e2e

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/palisade-sec/palisade/config"
)

// inspector checks Amazon Inspector in region when the org file turns it on
// (security.inspector): the security account is the delegated
// administrator, every account of the org scans the org file's resource
// types, and new members are enabled by the organization configuration.
func (v *verifier) inspector(ctx context.Context, h *held, region string) (*target, error) {
	sec := v.org.AccountByRole(config.RoleSecurity).ID
	mgmt := v.org.Management().ID
	l := newLogChecker("Amazon Inspector", sec, region)
	want := v.org.Detection.Inspector

	l.c.start("delegated administrator")
	var admins struct {
		DelegatedAdminAccounts []struct{ AccountId, Status string }
	}
	if err := v.rest(ctx, mgmt, region, "inspector2", http.MethodPost, "/delegatedadminaccounts/list", map[string]any{}, &admins); err != nil {
		return nil, err
	}
	var got []string
	for _, a := range admins.DelegatedAdminAccounts {
		got = append(got, a.AccountId+" "+a.Status)
	}
	astack, _, alabel := h.first(mgmt, region, "Custom::AWS")
	if len(want) > 0 && !slices.Contains(got, sec+" ENABLED") {
		l.failIn(astack, "Inspector administrator of "+mgmt+" "+alabel, "is %s, want %s ENABLED (security.inspector)", orNone(got), sec)
	}
	if len(want) == 0 && len(got) > 0 {
		l.failIn(astack, "Inspector administrator of "+mgmt, "is %s, but the org file leaves Inspector off", orNone(got))
	}
	l.c.seen("%s (management account %s)", orNone(got), mgmt)
	if len(want) == 0 {
		return l.t, nil
	}

	dstack, _, dlabel := h.first(sec, region, "Custom::AWS")
	l.c.start("accounts scanned")
	var status struct {
		Accounts []struct {
			AccountId     string
			State         struct{ Status string }
			ResourceState map[string]struct{ Status string }
		}
	}
	ids := v.org.AccountIDs()
	if err := v.rest(ctx, sec, region, "inspector2", http.MethodPost, "/status/batch/get", map[string]any{"accountIds": ids}, &status); err != nil {
		return nil, err
	}
	keys := map[string]string{"EC2": "ec2", "ECR": "ecr", "LAMBDA": "lambda", "LAMBDA_CODE": "lambdaCode"}
	seen := map[string]bool{}
	for _, a := range status.Accounts {
		seen[a.AccountId] = true
		var off []string
		for _, typ := range want {
			if a.ResourceState[keys[typ]].Status != "ENABLED" {
				off = append(off, typ)
			}
		}
		if a.State.Status != "ENABLED" || len(off) > 0 {
			l.failIn(dstack, "Inspector in "+a.AccountId+" "+dlabel, "is %s with %s not scanning, want %s scanned", a.State.Status, orNone(off), strings.Join(want, ", "))
		}
	}
	for _, id := range ids {
		if !seen[id] {
			l.failIn(dstack, "Inspector in "+id, "is not enabled, want %s scanned (security.inspector)", strings.Join(want, ", "))
		}
	}
	l.c.seen("%d accounts scan %s (moto runs no scan)", len(status.Accounts), strings.Join(want, ", "))

	l.c.start("new members")
	var oc struct{ AutoEnable map[string]bool }
	if err := v.rest(ctx, sec, region, "inspector2", http.MethodPost, "/organizationconfiguration/describe", map[string]any{}, &oc); err != nil {
		return nil, err
	}
	for typ, key := range keys {
		if oc.AutoEnable[key] != slices.Contains(want, typ) {
			l.failIn(dstack, "Inspector organization configuration "+dlabel, "auto-enables %s = %t, want %t", key, oc.AutoEnable[key], slices.Contains(want, typ))
		}
	}
	l.c.seen("auto-enable %s", fmt.Sprint(oc.AutoEnable))
	return l.t, nil
}
