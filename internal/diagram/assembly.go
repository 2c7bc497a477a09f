package diagram

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/palisade-sec/palisade/internal/assembly"
)

// Stack is one CloudFormation stack of a cloud assembly and the wave it
// deploys in.
type Stack struct {
	Name      string   // the stack name (properties.stackName, else the artifact id)
	Account   string   // from the artifact's environment aws://<account>/<region>
	Region    string   //
	DependsOn []string // the stack artifacts it depends on, sorted; assets left out
	// Wave is the stack's topological level among the assembly's stacks: 1
	// for a stack that depends on none, else one more than the highest wave
	// it depends on. Stacks of one wave can deploy in parallel.
	Wave int
}

// ReadAssembly reads dir's stacks (package assembly) and returns them
// sorted by wave and then name. Only the top-level assembly is read: nested
// assemblies (CDK Pipelines stages) are not stacks that `cdk deploy` deploys.
func ReadAssembly(dir string) ([]Stack, error) {
	read, err := assembly.Read(dir)
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "manifest.json")
	var stacks []Stack
	for _, a := range read {
		if !a.Bound() {
			return nil, fmt.Errorf("%s: stack %s has environment %q, want aws://<account>/<region> (palisade's stacks are environment-bound)",
				path, a.ID, "aws://"+a.Account+"/"+a.Region)
		}
		stacks = append(stacks, Stack{Name: a.Name, Account: a.Account, Region: a.Region, DependsOn: a.DependsOn})
	}
	if err := assignWaves(stacks); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	slices.SortFunc(stacks, func(a, b Stack) int {
		if a.Wave != b.Wave {
			return a.Wave - b.Wave
		}
		return strings.Compare(a.Name, b.Name)
	})
	return stacks, nil
}

// assignWaves sets every stack's Wave, or reports a dependency cycle.
func assignWaves(stacks []Stack) error {
	index := map[string]int{}
	for i, s := range stacks {
		index[s.Name] = i
	}
	const visiting = -1
	var visit func(i int, path []string) error
	visit = func(i int, path []string) error {
		s := &stacks[i]
		switch s.Wave {
		case visiting:
			return fmt.Errorf("stack dependencies form a cycle: %s", strings.Join(append(path, s.Name), " -> "))
		case 0:
		default:
			return nil
		}
		s.Wave = visiting
		wave := 1
		for _, dep := range s.DependsOn {
			j := index[dep]
			if err := visit(j, append(path, s.Name)); err != nil {
				return err
			}
			wave = max(wave, stacks[j].Wave+1)
		}
		s.Wave = wave
		return nil
	}
	// Visit in name order so that a cycle is always reported the same way.
	order := make([]int, len(stacks))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return strings.Compare(stacks[a].Name, stacks[b].Name) })
	for _, i := range order {
		if err := visit(i, nil); err != nil {
			return err
		}
	}
	return nil
}
