package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/parser"

	"github.com/palisade-sec/palisade/config"
)

// withEmulatorRoot points the org file at the emulator's organization: its
// organizationId at the emulator's organization id, and its policy targets'
// root at the emulator's root. An org file names its real organization
// (o-...) and root (r-...), which only exist once the organization does, and
// the emulator mints new ones each run; so the lane writes a generated copy
// of the file into its scratch directory with the emulator's ids (OU ids are
// kept: the lane creates no OUs, and an unknown target fails the deploy as
// it would in AWS). The file on disk never changes. The lane then
// synthesizes, deploys and verifies the copy, whose cross-account policies
// are scoped to the emulator's organization.
func (l *lane) withEmulatorRoot(ctx context.Context) error {
	orgs := organizations.NewFromConfig(sdkConfig(l.emu.Endpoint, l.org.HomeRegion, l.mgmt))
	described, err := orgs.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	if err != nil {
		return fmt.Errorf("describing the organization: %w", err)
	}
	orgID := aws.ToString(described.Organization.Id)
	targets := l.org.Detection.PolicyTargets
	want := targets
	if slices.ContainsFunc(targets, func(t string) bool { return strings.HasPrefix(t, "r-") }) {
		roots, err := orgs.ListRoots(ctx, &organizations.ListRootsInput{})
		if err != nil {
			return fmt.Errorf("listing the organization's root: %w", err)
		}
		if len(roots.Roots) != 1 {
			return fmt.Errorf("the organization has %d roots, want 1", len(roots.Roots))
		}
		root := aws.ToString(roots.Roots[0].Id)
		want = nil
		for _, t := range targets {
			if strings.HasPrefix(t, "r-") {
				t = root
			}
			if !slices.Contains(want, t) {
				want = append(want, t)
			}
		}
	}
	src, err := os.ReadFile(l.org.Source)
	if err != nil {
		return err
	}
	file, err := parser.ParseBytes(src, parser.ParseComments)
	if err != nil {
		return err
	}
	replace := func(key string, v any, opts ...yaml.EncodeOption) error {
		path, err := yaml.PathString("$." + key)
		if err != nil {
			return err
		}
		val, err := yaml.MarshalWithOptions(v, opts...)
		if err != nil {
			return err
		}
		if err := path.ReplaceWithReader(file, strings.NewReader(string(val))); err != nil {
			return fmt.Errorf("%s: replacing %s: %w", l.org.Source, key, err)
		}
		return nil
	}
	if err := replace("organizationId", orgID); err != nil {
		return err
	}
	if !slices.Equal(want, targets) {
		if err := replace("security.policyTargets", want, yaml.Flow(true)); err != nil {
			return err
		}
	}
	for key, v := range l.fanOutEdits() {
		if err := replace(key, v, yaml.Flow(true)); err != nil {
			return err
		}
	}
	out := filepath.Join(l.dir, "organization.generated.yaml")
	if err := os.WriteFile(out, []byte(file.String()+"\n"), 0o644); err != nil {
		return err
	}
	org, err := config.LoadFile(out)
	if err != nil {
		return fmt.Errorf("the generated org file %s: %w", out, err)
	}
	if !slices.Equal(org.Detection.PolicyTargets, want) || org.OrganizationID != orgID {
		return fmt.Errorf("the generated org file %s has organization %s and policy targets %v, want %s and %v",
			out, org.OrganizationID, org.Detection.PolicyTargets, orgID, want)
	}
	l.logf("organization %s -> %s, policy targets %v -> %v (the emulator's) in %s", l.org.OrganizationID, orgID, targets, want, out)
	l.org = org
	return nil
}
