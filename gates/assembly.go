package gates

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

// stack is what the gates need to know about one stack artifact.
type stack struct {
	name            string // CloudFormation stack name: also the name cdk-nag gives its reports
	account, region string
	template        string // OutDir joined with the artifact's templateFile
	resources       int
	metadata        map[string][]metadataEntry // construct path -> entries
	logicalIDs      map[string]string          // construct path -> logical id
	paths           map[string]string          // logical id -> construct path
}

type metadataEntry struct {
	Type string          `json:"type"`
	Data json.RawMessage `json:"data"`
}

// text is the entry's data when it is a string (messages, logical ids).
func (e metadataEntry) text() string {
	var s string
	_ = json.Unmarshal(e.Data, &s)
	return s
}

type manifest struct {
	Artifacts map[string]struct {
		Type        string `json:"type"`
		Environment string `json:"environment"`
		Properties  struct {
			TemplateFile string `json:"templateFile"`
			StackName    string `json:"stackName"`
		} `json:"properties"`
		Metadata               map[string][]metadataEntry `json:"metadata"`
		AdditionalMetadataFile string                     `json:"additionalMetadataFile"`
	} `json:"artifacts"`
}

// readAssembly reads the stack artifacts of the cloud assembly in outDir,
// sorted by stack name.
func readAssembly(outDir string) ([]*stack, error) {
	path := filepath.Join(outDir, "manifest.json")
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s does not exist: synthesize the app first (cdk synth), or name the cloud assembly directory", path)
	}
	if err != nil {
		return nil, err
	}
	var m manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}

	var stacks []*stack
	var errs []error
	for id, a := range m.Artifacts {
		if a.Type != "aws:cloudformation:stack" {
			continue
		}
		s := &stack{name: a.Properties.StackName, metadata: a.Metadata}
		if s.name == "" {
			s.name = id
		}
		env, ok := strings.CutPrefix(a.Environment, "aws://")
		s.account, s.region, _ = strings.Cut(env, "/")
		if !ok || s.account == "" || s.region == "" {
			errs = append(errs, fmt.Errorf("%s: artifact %s: environment %q is not aws://ACCOUNT/REGION", path, id, a.Environment))
		}
		if a.Properties.TemplateFile == "" {
			errs = append(errs, fmt.Errorf("%s: artifact %s has no templateFile", path, id))
			continue
		}
		s.template = filepath.Join(outDir, a.Properties.TemplateFile)
		if err := s.readTemplate(); err != nil {
			errs = append(errs, err)
		}
		// Newer CDK versions write the metadata beside the manifest.
		if a.AdditionalMetadataFile != "" {
			if err := s.readMetadata(filepath.Join(outDir, a.AdditionalMetadataFile)); err != nil {
				errs = append(errs, err)
			}
		}
		s.indexLogicalIDs()
		stacks = append(stacks, s)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if len(stacks) == 0 {
		return nil, fmt.Errorf("%s has no stacks: synthesize the app first (cdk synth), or name the cloud assembly directory", path)
	}
	slices.SortFunc(stacks, func(a, b *stack) int { return strings.Compare(a.name, b.name) })
	return stacks, nil
}

func (s *stack) readTemplate() error {
	raw, err := os.ReadFile(s.template)
	if err != nil {
		return fmt.Errorf("stack %s: %w", s.name, err)
	}
	var t struct {
		Resources map[string]json.RawMessage `json:"Resources"`
	}
	if err := json.Unmarshal(raw, &t); err != nil {
		return fmt.Errorf("stack %s: %s: %w", s.name, s.template, err)
	}
	s.resources = len(t.Resources)
	return nil
}

func (s *stack) readMetadata(path string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("stack %s: %w", s.name, err)
	}
	var more map[string][]metadataEntry
	if err := json.Unmarshal(raw, &more); err != nil {
		return fmt.Errorf("stack %s: %s: %w", s.name, path, err)
	}
	if s.metadata == nil {
		s.metadata = more
		return nil
	}
	for p, entries := range more {
		s.metadata[p] = append(s.metadata[p], entries...)
	}
	return nil
}

// indexLogicalIDs maps construct paths and logical ids both ways, from the
// aws:cdk:logicalId metadata.
func (s *stack) indexLogicalIDs() {
	s.logicalIDs, s.paths = map[string]string{}, map[string]string{}
	for path, entries := range s.metadata {
		for _, e := range entries {
			if e.Type == "aws:cdk:logicalId" {
				s.logicalIDs[path] = e.text()
				s.paths[e.text()] = path
			}
		}
	}
}

// resource names a construct path by its logical id when it has one.
func (s *stack) resource(path string) string {
	if id, ok := s.logicalIDs[path]; ok {
		return id
	}
	return path
}
