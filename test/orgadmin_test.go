package test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/palisade-sec/palisade/stacks"
)

// orgWrites are the SDK calls that change the organization in AWS
// Organizations, directly or through the service being delegated.
var orgWrites = []string{
	"enableOrganizationAdminAccount", "enableDelegatedAdminAccount",
	"enableAWSServiceAccess", "registerDelegatedAdministrator",
}

// TestOrganizationsWritesInSeries checks that no two changes to the
// organization in the management account's home orgadmin stack can run
// at once: AWS Organizations refuses overlapping changes with
// ConcurrentModificationException, and CloudFormation creates resources
// with no dependency between them in parallel. Every pair of writes must
// be ordered by DependsOn, directly or through others.
func TestOrganizationsWritesInSeries(t *testing.T) {
	for _, region := range example.Regions {
		name := stacks.StackName(example.Name, "orgadmin", example.Management().Name, region)
		tpl := readTemplate(t, outdir, name)
		var writes []string
		for id, r := range tpl.Resources {
			switch r.Type {
			case "AWS::SecurityHub::DelegatedAdmin", "AWS::Organizations::Policy":
				writes = append(writes, id)
			case "Custom::AWS":
				create, _ := json.Marshal(r.Properties["Create"])
				for _, w := range orgWrites {
					if strings.Contains(string(create), `\"action\":\"`+w+`\"`) {
						writes = append(writes, id)
						break
					}
				}
			}
		}
		if len(writes) < 2 && region == example.HomeRegion {
			t.Fatalf("%s: %d organization writes found, want the delegations, trusted access and guardrails", name, len(writes))
		}
		// after[x] is everything x waits for, transitively.
		after := map[string]map[string]bool{}
		var walk func(id string) map[string]bool
		walk = func(id string) map[string]bool {
			if a, ok := after[id]; ok {
				return a
			}
			a := map[string]bool{}
			after[id] = a
			for _, d := range tpl.Resources[id].DependsOn {
				a[d] = true
				for x := range walk(d) {
					a[x] = true
				}
			}
			return a
		}
		slices.Sort(writes)
		for i, x := range writes {
			for _, y := range writes[i+1:] {
				if !walk(x)[y] && !walk(y)[x] {
					t.Errorf("%s: %s and %s can run at once (neither waits for the other)", name, x, y)
				}
			}
		}
	}
}
