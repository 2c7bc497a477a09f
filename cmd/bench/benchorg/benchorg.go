// Package benchorg generates the orgs make bench synthesizes (cmd/bench),
// and that test/ synthesizes at 200 and 1,000 workload accounts: plain Go,
// no CDK.
package benchorg

import (
	"fmt"
	"strings"
)

// File is an org file of n workload accounts, each with a /20 VPC (single
// NAT gateway, Session Manager's endpoints) in each of two regions, the
// example's logging, security and compliance defaults.
func File(n int) string {
	var b strings.Builder
	b.WriteString("name: bench\norganizationId: o-benchorg0001\nhomeRegion: us-east-1\nregions: [us-east-1, eu-west-1]\naccounts:\n")
	b.WriteString("  - {name: management, id: \"100000000000\", role: management}\n")
	b.WriteString("  - name: security\n    id: \"100000000001\"\n    role: security\n    vpcs:\n")
	b.WriteString("      us-east-1: {cidr: 10.0.0.0/20, publicSubnetMask: 26, privateSubnetMask: 24}\n      eu-west-1: {cidr: 10.0.16.0/20, publicSubnetMask: 26, privateSubnetMask: 24}\n")
	for i := range n {
		// Two /20s per account: 10.<1+i/8>.<(i%8)*32>.0/20 and +16.
		second, third := 1+i/8, (i%8)*32
		fmt.Fprintf(&b, "  - name: %s\n    id: \"%012d\"\n    role: workload\n    vpcs:\n", WorkloadName(i), 200000000000+i)
		fmt.Fprintf(&b, "      us-east-1: {cidr: 10.%d.%d.0/20, natGateways: single, publicSubnetMask: 26, privateSubnetMask: 24}\n", second, third)
		fmt.Fprintf(&b, "      eu-west-1: {cidr: 10.%d.%d.0/20, natGateways: single, publicSubnetMask: 26, privateSubnetMask: 24}\n", second, third+16)
	}
	b.WriteString("logging:\n  forwardLogGroups: [/var/log/messages, /var/log/secure]\n")
	b.WriteString("security:\n  alertEmails: [security@example.com]\n")
	return b.String()
}

// WorkloadName is the name of the i-th workload account (from 0).
func WorkloadName(i int) string { return fmt.Sprintf("w%04d", i) }
