package config_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/palisade-sec/palisade/config"
)

func exampleOrg(t *testing.T) *config.Org {
	t.Helper()
	org, err := config.LoadFile("../organization.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return org
}

func TestRoles(t *testing.T) {
	org := exampleOrg(t)
	if m := org.Management(); m == nil || m.Name != "management" {
		t.Errorf("Management() = %+v", m)
	}
	if s := org.Security(); s == nil || s.Name != "security" {
		t.Errorf("Security() = %+v", s)
	}
	var names []string
	for _, w := range org.Workloads() {
		names = append(names, w.Name)
	}
	if !slices.Equal(names, []string{"prod", "dev"}) {
		t.Errorf("Workloads() = %v, want [prod dev] in file order", names)
	}
	// the accessors point into the org
	org.Workloads()[0].Name = "renamed"
	if org.Accounts[2].Name != "renamed" {
		t.Errorf("Workloads() returned copies")
	}
}

func TestFilter(t *testing.T) {
	tests := []struct {
		name              string
		accounts, regions []string
		wantAccounts      []string
		wantRegions       []string
		wantVPCs          int
	}{
		{"everything", nil, nil, []string{"management", "security", "prod", "dev"}, []string{"us-east-1", "eu-west-1"}, 6},
		{"empty slices mean all", []string{}, []string{}, []string{"management", "security", "prod", "dev"}, []string{"us-east-1", "eu-west-1"}, 6},
		{"by name", []string{"prod"}, nil, []string{"prod"}, []string{"us-east-1", "eu-west-1"}, 2},
		{"by id, file order kept", []string{"444444444444", "222222222222"}, nil, []string{"security", "dev"}, []string{"us-east-1", "eu-west-1"}, 4},
		{"one region", nil, []string{"eu-west-1"}, []string{"management", "security", "prod", "dev"}, []string{"eu-west-1"}, 3},
		{"account and region", []string{"prod", "dev", "prod"}, []string{"us-east-1"}, []string{"prod", "dev"}, []string{"us-east-1"}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			org := exampleOrg(t)
			got, err := org.Filter(tt.accounts, tt.regions)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			vpcs := 0
			for _, a := range got.Accounts {
				names = append(names, a.Name)
				vpcs += len(a.VPCs)
				for r := range a.VPCs {
					if !slices.Contains(got.Regions, r) {
						t.Errorf("%s keeps a VPC in %s", a.Name, r)
					}
				}
			}
			if !slices.Equal(names, tt.wantAccounts) || !slices.Equal(got.Regions, tt.wantRegions) || vpcs != tt.wantVPCs {
				t.Errorf("got accounts %v regions %v with %d VPCs; want %v %v %d", names, got.Regions, vpcs, tt.wantAccounts, tt.wantRegions, tt.wantVPCs)
			}
			if got.Name != org.Name || got.HomeRegion != org.HomeRegion || got.Source != org.Source {
				t.Errorf("org facts changed: %q %q %q", got.Name, got.HomeRegion, got.Source)
			}
		})
	}
}

// Filter returns a copy: changing it leaves the org alone.
func TestFilterCopies(t *testing.T) {
	org := exampleOrg(t)
	got, err := org.Filter(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	v := got.Accounts[2].VPCs["us-east-1"]
	v.CIDR = "changed"
	v.AvailabilityZones[0] = "changed"
	v.Subnets[0].CIDR = "changed"
	v.InterfaceEndpoints[0] = "changed"
	got.Regions[0] = "changed"
	got.Accounts[2].Name = "changed"
	delete(got.Accounts[2].VPCs, "eu-west-1")

	orig := org.Accounts[2]
	ov := orig.VPCs["us-east-1"]
	if ov.CIDR == "changed" || ov.AvailabilityZones[0] == "changed" || ov.Subnets[0].CIDR == "changed" ||
		ov.InterfaceEndpoints[0] == "changed" || org.Regions[0] == "changed" || orig.Name == "changed" || len(orig.VPCs) != 2 {
		t.Errorf("Filter shares memory with the org")
	}
	// Unfiltered, the copy is the org: no section is dropped.
	if got, _ := org.Filter(nil, nil); !reflect.DeepEqual(got, org) {
		t.Errorf("Filter(nil, nil) differs from the org:\n%+v\n%+v", got, org)
	}
	got.Compliance.DisabledRules = map[string]string{"x": "y"}
	got.Sessions.Patching.OperatingSystems[0] = "changed"
	if org.Compliance.DisabledRules != nil || org.Sessions.Patching.OperatingSystems[0] == "changed" {
		t.Errorf("Filter shares the compliance or sessionManager sections with the org")
	}
	// a filtered-out role is nil, not a panic
	only, err := org.Filter([]string{"dev"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if only.Management() != nil || only.Security() != nil || len(only.Workloads()) != 1 {
		t.Errorf("filtered roles: %v %v %v", only.Management(), only.Security(), only.Workloads())
	}
}

func TestFilterUnknown(t *testing.T) {
	org := exampleOrg(t)
	_, err := org.Filter([]string{"prod", "staging"}, []string{"us-west-2"})
	if err == nil {
		t.Fatal("Filter accepted unknown names")
	}
	for _, want := range []string{
		`unknown account "staging"; the org's accounts are management (111111111111), security (222222222222), prod (333333333333), dev (444444444444)`,
		`unknown region "us-west-2"; the org's regions are us-east-1, eu-west-1`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}
