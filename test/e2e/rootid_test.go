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

// withEmulatorRoot points the org file's policy targets at the emulator's
// organization root. An org file names its real root (r-...), which only
// exists once the organization does, and the emulator mints a new one each
// run; so, when the file names a root, the lane writes a generated copy of
// it into its scratch directory with that root's id (OU ids are kept: the
// lane creates no OUs, and an unknown target fails the deploy as it would in
// AWS). The file on disk never changes. The lane then synthesizes, deploys
// and verifies the copy.
func (l *lane) withEmulatorRoot(ctx context.Context) error {
	targets := l.org.Detection.PolicyTargets
	if !slices.ContainsFunc(targets, func(t string) bool { return strings.HasPrefix(t, "r-") }) {
		return nil
	}
	roots, err := organizations.NewFromConfig(sdkConfig(l.emu.Endpoint, l.org.HomeRegion, l.mgmt)).ListRoots(ctx, &organizations.ListRootsInput{})
	if err != nil {
		return fmt.Errorf("listing the organization's root: %w", err)
	}
	if len(roots.Roots) != 1 {
		return fmt.Errorf("the organization has %d roots, want 1", len(roots.Roots))
	}
	root := aws.ToString(roots.Roots[0].Id)
	var want []string
	for _, t := range targets {
		if strings.HasPrefix(t, "r-") {
			t = root
		}
		if !slices.Contains(want, t) {
			want = append(want, t)
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
	path, err := yaml.PathString("$.security.policyTargets")
	if err != nil {
		return err
	}
	flow, err := yaml.MarshalWithOptions(want, yaml.Flow(true))
	if err != nil {
		return err
	}
	if err := path.ReplaceWithReader(file, strings.NewReader(string(flow))); err != nil {
		return fmt.Errorf("%s: replacing security.policyTargets: %w", l.org.Source, err)
	}
	out := filepath.Join(l.dir, "organization.generated.yaml")
	if err := os.WriteFile(out, []byte(file.String()+"\n"), 0o644); err != nil {
		return err
	}
	org, err := config.LoadFile(out)
	if err != nil {
		return fmt.Errorf("the generated org file %s: %w", out, err)
	}
	if !slices.Equal(org.Detection.PolicyTargets, want) {
		return fmt.Errorf("the generated org file %s has policy targets %v, want %v", out, org.Detection.PolicyTargets, want)
	}
	l.logf("policy targets %v -> %v (the emulator's root) in %s", targets, want, out)
	l.org = org
	return nil
}
