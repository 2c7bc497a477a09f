// Package assembly reads the stack artifacts of a synthesized cloud assembly
// (cdk.out/manifest.json and the metadata files beside it), in plain Go, for
// the tools that judge, price or draw it: the gates, the cost report and the
// diagram. Nested assemblies (CDK Pipelines stages) are not read.
package assembly

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

// Stack is one stack artifact.
type Stack struct {
	ID   string // the artifact id
	Name string // the CloudFormation stack name (the id when the artifact names none)
	// Account and Region come from the artifact's environment,
	// aws://ACCOUNT/REGION; an environment-agnostic stack has
	// unknown-account and unknown-region.
	Account, Region string
	Template        string // dir joined with the artifact's templateFile
	// DependsOn are the names of the stacks of this assembly it depends on
	// (asset artifacts left out), sorted.
	DependsOn []string
	// Metadata is the artifact's metadata by construct path, with the
	// entries of its additionalMetadataFile (newer CDK versions write them
	// beside the manifest).
	Metadata map[string][]Entry
}

// Entry is one metadata entry.
type Entry struct {
	Type string          `json:"type"`
	Data json.RawMessage `json:"data"`
}

// Text is the entry's data when it is a string (messages, logical ids).
func (e Entry) Text() string {
	var s string
	_ = json.Unmarshal(e.Data, &s)
	return s
}

// Bound reports whether the stack names a real account and region.
func (s Stack) Bound() bool {
	return !strings.HasPrefix(s.Account, "unknown-") && !strings.HasPrefix(s.Region, "unknown-")
}

type manifest struct {
	Artifacts map[string]struct {
		Type         string   `json:"type"`
		Environment  string   `json:"environment"`
		Dependencies []string `json:"dependencies"`
		Properties   struct {
			TemplateFile string `json:"templateFile"`
			StackName    string `json:"stackName"`
		} `json:"properties"`
		Metadata               map[string][]Entry `json:"metadata"`
		AdditionalMetadataFile string             `json:"additionalMetadataFile"`
	} `json:"artifacts"`
}

// Read reads every stack artifact of the cloud assembly in dir, sorted by
// stack name. It fails when the assembly is missing or has no stacks, and
// names every artifact without an aws:// environment or a template file.
func Read(dir string) ([]Stack, error) {
	path := filepath.Join(dir, "manifest.json")
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s does not exist: synthesize the app first (run make synth, or cdk synth), or name the cloud assembly directory", path)
	}
	if err != nil {
		return nil, err
	}
	var m manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	names := map[string]string{} // artifact id -> stack name
	for id, a := range m.Artifacts {
		if a.Type == "aws:cloudformation:stack" {
			names[id] = id
			if a.Properties.StackName != "" {
				names[id] = a.Properties.StackName
			}
		}
	}
	var stacks []Stack
	var errs []error
	for id, a := range m.Artifacts {
		if a.Type != "aws:cloudformation:stack" {
			continue
		}
		s := Stack{ID: id, Name: names[id], Metadata: a.Metadata}
		env, ok := strings.CutPrefix(a.Environment, "aws://")
		s.Account, s.Region, _ = strings.Cut(env, "/")
		if !ok || s.Account == "" || s.Region == "" {
			errs = append(errs, fmt.Errorf("%s: artifact %s: environment %q is not aws://ACCOUNT/REGION", path, id, a.Environment))
			continue
		}
		if a.Properties.TemplateFile == "" {
			errs = append(errs, fmt.Errorf("%s: artifact %s has no templateFile", path, id))
			continue
		}
		s.Template = filepath.Join(dir, a.Properties.TemplateFile)
		for _, d := range a.Dependencies {
			if name, ok := names[d]; ok {
				s.DependsOn = append(s.DependsOn, name)
			}
		}
		slices.Sort(s.DependsOn)
		if a.AdditionalMetadataFile != "" {
			if err := s.readMetadata(filepath.Join(dir, a.AdditionalMetadataFile)); err != nil {
				errs = append(errs, err)
				continue
			}
		}
		stacks = append(stacks, s)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if len(stacks) == 0 {
		return nil, fmt.Errorf("%s has no stacks: synthesize the app first (run make synth, or cdk synth), or name the cloud assembly directory", path)
	}
	slices.SortFunc(stacks, func(a, b Stack) int { return strings.Compare(a.Name, b.Name) })
	return stacks, nil
}

func (s *Stack) readMetadata(path string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("stack %s: %w", s.Name, err)
	}
	var more map[string][]Entry
	if err := json.Unmarshal(raw, &more); err != nil {
		return fmt.Errorf("stack %s: %s: %w", s.Name, path, err)
	}
	if s.Metadata == nil {
		s.Metadata = map[string][]Entry{}
	}
	for p, entries := range more {
		s.Metadata[p] = append(s.Metadata[p], entries...)
	}
	return nil
}
