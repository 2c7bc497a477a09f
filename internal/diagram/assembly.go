package diagram

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
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

// manifest is the part of cdk.out/manifest.json that the picture reads.
type manifest struct {
	Artifacts map[string]struct {
		Type         string   `json:"type"`
		Environment  string   `json:"environment"`
		Dependencies []string `json:"dependencies"`
		Properties   struct {
			StackName string `json:"stackName"`
		} `json:"properties"`
	} `json:"artifacts"`
}

// ReadAssembly reads dir/manifest.json and returns its stacks sorted by wave
// and then name. Only the top-level assembly is read: nested assemblies
// (CDK Pipelines stages) are not stacks that `cdk deploy` deploys.
func ReadAssembly(dir string) ([]Stack, error) {
	path := filepath.Join(dir, "manifest.json")
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("no cloud assembly at %s: run make synth (or cdk synth) first", path)
		}
		return nil, fmt.Errorf("read cloud assembly: %w", err)
	}
	var m manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}

	ids := map[string]string{} // artifact id -> stack name
	for id, a := range m.Artifacts {
		if a.Type == "aws:cloudformation:stack" {
			ids[id] = id
			if a.Properties.StackName != "" {
				ids[id] = a.Properties.StackName
			}
		}
	}
	var stacks []Stack
	for id, a := range m.Artifacts {
		if a.Type != "aws:cloudformation:stack" {
			continue
		}
		account, region, ok := parseEnvironment(a.Environment)
		if !ok {
			return nil, fmt.Errorf("%s: stack %s has environment %q, want aws://<account>/<region> (palisade's stacks are environment-bound)", path, id, a.Environment)
		}
		s := Stack{Name: ids[id], Account: account, Region: region}
		for _, dep := range a.Dependencies {
			if name, ok := ids[dep]; ok {
				s.DependsOn = append(s.DependsOn, name)
			}
		}
		slices.Sort(s.DependsOn)
		stacks = append(stacks, s)
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

func parseEnvironment(env string) (account, region string, ok bool) {
	rest, ok := strings.CutPrefix(env, "aws://")
	if !ok {
		return "", "", false
	}
	account, region, ok = strings.Cut(rest, "/")
	if !ok || account == "" || region == "" || strings.HasPrefix(account, "unknown-") || strings.HasPrefix(region, "unknown-") {
		return "", "", false
	}
	return account, region, true
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
