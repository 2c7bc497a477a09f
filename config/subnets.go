package config

import (
	"encoding/binary"
	"fmt"
	"net/netip"
)

// Subnet mask limits AWS puts on VPCs and subnets.
const (
	minMask = 16
	maxMask = 28
)

// Subnet group names, in allocation order.
const (
	groupPublic  = "public"
	groupPrivate = "private"
)

// PlanSubnets lays out a VPC's subnets exactly as AWS CDK's ec2.Vpc does
// when every subnet group has a cidrMask: the groups in order ("public",
// only when public is true, then "private"), and within each group one
// subnet per zone in the order of azs. Each subnet starts at the first
// address after the previous one that is aligned to its own size, so a
// larger subnet after smaller ones may leave a gap.
//
// cidr must be an IPv4 network address (/16 to /28), the masks 16 to 28 and
// no smaller than the VPC's prefix. The plan must fit inside cidr.
func PlanSubnets(cidr string, azs []string, publicMask, privateMask int, public bool) ([]Subnet, error) {
	vpc, err := netip.ParsePrefix(cidr)
	if err != nil || !vpc.Addr().Is4() {
		return nil, fmt.Errorf("%q is not a valid IPv4 CIDR", cidr)
	}
	if vpc.Masked() != vpc {
		return nil, fmt.Errorf("%q is not a network address; did you mean %s", cidr, vpc.Masked())
	}
	if len(azs) == 0 {
		return nil, fmt.Errorf("no availability zones to plan subnets in")
	}
	type group struct {
		name string
		mask int
	}
	var groups []group
	if public {
		groups = append(groups, group{groupPublic, publicMask})
	}
	groups = append(groups, group{groupPrivate, privateMask})
	for _, g := range groups {
		if g.mask < minMask || g.mask > maxMask {
			return nil, fmt.Errorf("%s subnet mask %d is out of range: use %d to %d", g.name, g.mask, minMask, maxMask)
		}
		if g.mask < vpc.Bits() {
			return nil, fmt.Errorf("%s subnet mask /%d is larger than the VPC %s: use a mask of %d or more", g.name, g.mask, vpc, vpc.Bits())
		}
	}

	a4 := vpc.Addr().As4()
	base := uint64(binary.BigEndian.Uint32(a4[:]))
	size := uint64(1) << (32 - vpc.Bits())
	next := base
	var subnets []Subnet
	for _, g := range groups {
		block := uint64(1) << (32 - g.mask)
		for _, az := range azs {
			// CDK's CidrBlock: networkAddress = ip + size - 1, rounded down
			// to the block's alignment.
			start := (next + block - 1) / block * block
			next = start + block
			var ip [4]byte
			binary.BigEndian.PutUint32(ip[:], uint32(start))
			subnets = append(subnets, Subnet{
				Group: g.name,
				AZ:    az,
				CIDR:  netip.PrefixFrom(netip.AddrFrom4(ip), g.mask).String(),
			})
		}
	}
	if need := next - base; need > size {
		var parts string
		for i, g := range groups {
			if i > 0 {
				parts += " and "
			}
			parts += fmt.Sprintf("%d %s /%d", len(azs), g.name, g.mask)
		}
		return nil, fmt.Errorf("the subnet plan needs %d addresses (%s subnets, each aligned to its size) but %s has %d; use a larger cidr or smaller subnets (a higher publicSubnetMask or privateSubnetMask)",
			need, parts, vpc, size)
	}
	return subnets, nil
}
