package config_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/palisade-sec/palisade/config"
)

// The cases marked cdk were checked against aws-cdk-lib 2.276.0's ec2.Vpc
// (IpAddresses.cidr, explicit availabilityZones, a cidrMask on each
// group), as were 500 random plans.
func TestPlanSubnets(t *testing.T) {
	tests := []struct {
		name          string
		cidr          string
		azs           []string
		public, priv  int
		withPublic    bool
		want          []string // group/az/cidr, az as its last letter
		errSubstrings []string
	}{
		{
			name: "defaults", cidr: "10.0.0.0/16", azs: zones("us-east-1", "ab"), public: 24, priv: 20, withPublic: true,
			want: []string{"public/a/10.0.0.0/24", "public/b/10.0.1.0/24", "private/a/10.0.16.0/20", "private/b/10.0.32.0/20"},
		},
		{
			name: "no public subnets", cidr: "10.0.0.0/16", azs: zones("us-east-1", "abc"), public: 24, priv: 20,
			want: []string{"private/a/10.0.0.0/20", "private/b/10.0.16.0/20", "private/c/10.0.32.0/20"},
		},
		{
			name: "cdk: alignment gap", cidr: "192.168.116.0/22", azs: zones("us-east-1", "abc"), public: 26, priv: 25, withPublic: true,
			want: []string{"public/a/192.168.116.0/26", "public/b/192.168.116.64/26", "public/c/192.168.116.128/26",
				"private/a/192.168.117.0/25", "private/b/192.168.117.128/25", "private/c/192.168.118.0/25"},
		},
		{
			name: "cdk: wide gap", cidr: "192.168.112.0/20", azs: zones("us-east-1", "ab"), public: 28, priv: 22, withPublic: true,
			want: []string{"public/a/192.168.112.0/28", "public/b/192.168.112.16/28", "private/a/192.168.116.0/22", "private/b/192.168.120.0/22"},
		},
		{
			name: "cdk: gap in a /16", cidr: "192.168.0.0/16", azs: zones("us-east-1", "ab"), public: 25, priv: 18, withPublic: true,
			want: []string{"public/a/192.168.0.0/25", "public/b/192.168.0.128/25", "private/a/192.168.64.0/18", "private/b/192.168.128.0/18"},
		},
		{
			name: "cdk: zones in the given order", cidr: "10.228.0.0/16", azs: zones("us-east-1", "baec"), public: 22, priv: 23, withPublic: true,
			want: []string{"public/b/10.228.0.0/22", "public/a/10.228.4.0/22", "public/e/10.228.8.0/22", "public/c/10.228.12.0/22",
				"private/b/10.228.16.0/23", "private/a/10.228.18.0/23", "private/e/10.228.20.0/23", "private/c/10.228.22.0/23"},
		},
		{
			name: "cdk: public mask ignored without public subnets", cidr: "10.217.64.0/19", azs: zones("us-east-1", "ab"), public: 28, priv: 20,
			want: []string{"private/a/10.217.64.0/20", "private/b/10.217.80.0/20"},
		},
		{
			name: "fits exactly", cidr: "10.5.0.0/20", azs: zones("eu-west-1", "abc"), public: 26, priv: 22, withPublic: true,
			want: []string{"public/a/10.5.0.0/26", "public/b/10.5.0.64/26", "public/c/10.5.0.128/26",
				"private/a/10.5.4.0/22", "private/b/10.5.8.0/22", "private/c/10.5.12.0/22"},
		},
		{
			name: "smallest VPC", cidr: "10.0.0.0/28", azs: zones("us-east-1", "ab"), public: 28, priv: 28,
			errSubstrings: []string{"needs 32 addresses", "2 private /28", "10.0.0.0/28 has 16"},
		},
		{
			name: "cdk: does not fit", cidr: "10.202.32.0/21", azs: zones("us-east-1", "ab"), public: 22, priv: 22, withPublic: true,
			errSubstrings: []string{"needs 4096 addresses (2 public /22 and 2 private /22 subnets", "10.202.32.0/21 has 2048", "use a larger cidr or smaller subnets"},
		},
		{
			name: "cdk: public subnets fill the VPC", cidr: "192.168.0.0/16", azs: zones("us-east-1", "ab"), public: 17, priv: 22, withPublic: true,
			errSubstrings: []string{"needs 67584 addresses", "192.168.0.0/16 has 65536"},
		},
		{
			name: "cdk: does not fit after alignment", cidr: "172.21.200.128/25", azs: zones("us-east-1", "ab"), public: 26, priv: 27, withPublic: true,
			errSubstrings: []string{"needs 192 addresses", "has 128"},
		},
		{
			name: "top of the address space", cidr: "192.168.255.0/24", azs: zones("us-east-1", "abc"), public: 26, priv: 26, withPublic: true,
			errSubstrings: []string{"needs 384 addresses"},
		},
		{name: "mask below 16", cidr: "10.0.0.0/16", azs: zones("us-east-1", "ab"), public: 24, priv: 15, errSubstrings: []string{"private subnet mask 15 is out of range: use 16 to 28"}},
		{name: "mask above 28", cidr: "10.0.0.0/16", azs: zones("us-east-1", "ab"), public: 29, priv: 20, withPublic: true, errSubstrings: []string{"public subnet mask 29 is out of range"}},
		{name: "subnet larger than VPC", cidr: "10.0.0.0/20", azs: zones("us-east-1", "ab"), public: 24, priv: 19, errSubstrings: []string{"private subnet mask /19 is larger than the VPC 10.0.0.0/20"}},
		{name: "not a CIDR", cidr: "10.0.0.0", azs: zones("us-east-1", "ab"), public: 24, priv: 20, errSubstrings: []string{`"10.0.0.0" is not a valid IPv4 CIDR`}},
		{name: "IPv6", cidr: "fd00::/56", azs: zones("us-east-1", "ab"), public: 24, priv: 20, errSubstrings: []string{"not a valid IPv4 CIDR"}},
		{name: "host bits", cidr: "10.0.0.1/16", azs: zones("us-east-1", "ab"), public: 24, priv: 20, errSubstrings: []string{"did you mean 10.0.0.0/16"}},
		{name: "no zones", cidr: "10.0.0.0/16", public: 24, priv: 20, errSubstrings: []string{"no availability zones"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := config.PlanSubnets(tt.cidr, tt.azs, tt.public, tt.priv, tt.withPublic)
			if tt.errSubstrings != nil {
				if err == nil {
					t.Fatalf("got plan %v, want an error", got)
				}
				for _, s := range tt.errSubstrings {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q lacks %q", err, s)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var short []string
			for _, s := range got {
				short = append(short, fmt.Sprintf("%s/%s/%s", s.Group, s.AZ[len(s.AZ)-1:], s.CIDR))
			}
			if !slices.Equal(short, tt.want) {
				t.Errorf("got  %v\nwant %v", short, tt.want)
			}
		})
	}
}

func zones(region, letters string) []string {
	var out []string
	for _, l := range letters {
		out = append(out, region+string(l))
	}
	return out
}
