package config

import (
	"bytes"
	"fmt"
	"net/netip"
	"regexp"
	"testing"
)

// cidrRE, the schema's pattern for a VPC CIDR, accepts exactly what
// validateCIDR accepts, except that whether host bits are set is left to
// validateCIDR (a rule). Every /0 to /32 of addresses near the edges of the
// private ranges and elsewhere is tried, with malformed strings.
func TestCIDRPatternMatchesLoader(t *testing.T) {
	var cidrs []string
	for _, a := range []string{
		"0.0.0.0", "9.255.255.255", "10.0.0.0", "10.255.255.255", "11.0.0.0",
		"172.15.255.255", "172.16.0.0", "172.31.255.255", "172.32.0.0",
		"192.167.255.255", "192.168.0.0", "192.168.255.255", "192.169.0.0",
		"8.8.8.8", "100.64.0.0", "255.255.255.255", "10.1.2.3",
	} {
		for bits := 0; bits <= 33; bits++ {
			cidrs = append(cidrs, fmt.Sprintf("%s/%d", a, bits))
		}
	}
	cidrs = append(cidrs, "", "10.0.0.0", "10.0.0/16", "010.0.0.0/16", "10.00.0.0/16", "10.0.0.0/016",
		"10.0.0.256/24", "10.0.0.0/16 ", " 10.0.0.0/16", "10.0.0.0/+16", "::/16", "fd00::/16", "10.0.0.0/16\n")
	accepted := 0
	for _, c := range cidrs {
		d := &decoder{pos: map[string]position{}, set: map[string]bool{"v.cidr": true}, bad: map[string]bool{}}
		_, loaderOK := d.validateCIDR("v", c)
		if !loaderOK {
			// host bits set: the schema leaves that to the loader
			if p, err := netip.ParsePrefix(c); err == nil && p.Masked() != p {
				d2 := &decoder{pos: map[string]position{}, set: map[string]bool{"v.cidr": true}, bad: map[string]bool{}}
				_, loaderOK = d2.validateCIDR("v", p.Masked().String())
			}
		}
		if got := cidrRE.MatchString(c); got != loaderOK {
			t.Errorf("%q: the schema's pattern says %t, the loader %t (%v)", c, got, loaderOK, d.errs)
		}
		if loaderOK {
			accepted++
		}
	}
	if accepted < 50 || accepted > len(cidrs)-50 {
		t.Errorf("%d of %d CIDRs accepted: the cases do not exercise both sides", accepted, len(cidrs))
	}
}

// ecmaUnsafe finds Go regexp syntax that ECMA-262 (the editors' regular
// expressions) reads differently or not at all.
var ecmaUnsafe = regexp.MustCompile(`\(\?|\\[AzQEpPCb]|\[\[:|\\[sSwWdD]`)

// The schema is the same every time, and its patterns stay in the part of
// RE2 that ECMA-262 shares.
func TestSchemaStable(t *testing.T) {
	a, b := Schema(), Schema()
	if !bytes.Equal(a, b) {
		t.Fatal("Schema() differs between two calls")
	}
	var walk func(s shape, path string)
	walk = func(s shape, path string) {
		for _, sh := range []*shape{&s, s.not, s.keys} {
			if sh != nil && sh.pattern != nil && ecmaUnsafe.MatchString(sh.pattern.String()) {
				t.Errorf("%s: pattern %s uses syntax ECMA-262 reads differently", path, sh.pattern)
			}
		}
		if s.items != nil {
			walk(*s.items, path+"[]")
		}
		if s.values != nil {
			walk(*s.values, path+"[]")
		}
		if s.fields != nil {
			for _, f := range s.fields() {
				walk(f.shape, path+"."+f.name)
			}
		}
	}
	d := &decoder{pos: map[string]position{}, set: map[string]bool{}, bad: map[string]bool{}}
	walk(shape{kind: kObject, fields: func() []field { return d.orgFields(&Org{}) }}, "")
}
