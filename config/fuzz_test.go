package config_test

import (
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"github.com/palisade-sec/palisade/config"
)

// FuzzLoad checks that no input makes Load panic, that every failure is
// reported as *config.Error values, and that every success is a valid org.
// Seeds are the test data and the example org file; crashers found go to
// testdata/fuzz/FuzzLoad.
func FuzzLoad(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*", "*.yaml"))
	files = append(files, filepath.Join("..", "organization.yaml"))
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		org, err := config.Load("fuzz.yaml", data)
		if err != nil {
			if org != nil {
				t.Errorf("Load returned an org with its error")
			}
			errs := config.Errors(err)
			if len(errs) == 0 {
				t.Fatalf("error %q holds no *config.Error", err)
			}
			for _, e := range errs {
				if e.Msg == "" || e.File != "fuzz.yaml" {
					t.Errorf("malformed error %#v", e)
				}
			}
			return
		}
		checkValid(t, org)
	})
}

var (
	orgNameRE     = regexp.MustCompile(`^[a-z][a-z0-9-]{0,19}$`)
	accountNameRE = regexp.MustCompile(`^[a-z][a-z0-9-]{0,31}$`)
	accountIDRE   = regexp.MustCompile(`^[0-9]{12}$`)
	orgIDRE       = regexp.MustCompile(`^o-[a-z0-9]{10,32}$`)
)

// checkValid asserts, independently of the validator, the properties every
// loaded org has.
func checkValid(t *testing.T, org *config.Org) {
	t.Helper()
	if !orgNameRE.MatchString(org.Name) {
		t.Errorf("org name %q", org.Name)
	}
	if !orgIDRE.MatchString(org.OrganizationID) {
		t.Errorf("organization id %q", org.OrganizationID)
	}
	if len(org.Regions) == 0 || !slices.Contains(org.Regions, org.HomeRegion) {
		t.Errorf("home region %q, regions %v", org.HomeRegion, org.Regions)
	}
	if len(slices.Compact(slices.Sorted(slices.Values(org.Regions)))) != len(org.Regions) {
		t.Errorf("duplicate regions %v", org.Regions)
	}
	roles := map[config.Role]int{}
	names, ids := map[string]bool{}, map[string]bool{}
	var prefixes []netip.Prefix
	for _, a := range org.Accounts {
		roles[a.Role]++
		if !accountNameRE.MatchString(a.Name) || names[a.Name] {
			t.Errorf("account name %q", a.Name)
		}
		if !accountIDRE.MatchString(a.ID) || ids[a.ID] {
			t.Errorf("account id %q", a.ID)
		}
		names[a.Name], ids[a.ID] = true, true
		if a.Role == config.RoleManagement && len(a.VPCs) > 0 {
			t.Errorf("management account with VPCs")
		}
		for region, v := range a.VPCs {
			if !slices.Contains(org.Regions, region) {
				t.Errorf("VPC in region %q outside %v", region, org.Regions)
			}
			p, err := netip.ParsePrefix(v.CIDR)
			if err != nil || p.Masked() != p || p.Bits() < 16 || p.Bits() > 28 || !p.Addr().IsPrivate() || !p.Addr().Is4() {
				t.Errorf("VPC CIDR %q", v.CIDR)
			}
			for _, q := range prefixes {
				if q.Overlaps(p) {
					t.Errorf("VPC CIDRs %s and %s overlap", p, q)
				}
			}
			prefixes = append(prefixes, p)
			if v.AZCount < 2 || v.AZCount > 6 || len(v.AvailabilityZones) != v.AZCount {
				t.Errorf("VPC zones %d %v", v.AZCount, v.AvailabilityZones)
			}
			if !slices.Contains([]config.NATStrategy{config.NATPerAZ, config.NATSingle, config.NATNone}, v.NATGateways) ||
				(v.NATGateways != config.NATNone && !v.PublicSubnets) {
				t.Errorf("VPC NAT %q with public subnets %t", v.NATGateways, v.PublicSubnets)
			}
			if v.FlowLogs.CloudWatch != (v.FlowLogs.RetentionDays > 0) {
				t.Errorf("flow logs %+v", v.FlowLogs)
			}
			plan, err := config.PlanSubnets(v.CIDR, v.AvailabilityZones, v.PublicSubnetMask, v.PrivateSubnetMask, v.PublicSubnets)
			if err != nil || !slices.Equal(plan, v.Subnets) {
				t.Errorf("VPC subnets %v; PlanSubnets gives %v, %v", v.Subnets, plan, err)
			}
		}
	}
	if roles[config.RoleManagement] != 1 || roles[config.RoleSecurity] != 1 || roles[config.RoleManagement]+roles[config.RoleSecurity]+roles[config.RoleWorkload] != len(org.Accounts) {
		t.Errorf("roles %v", roles)
	}
}
