package gates

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/palisade-sec/palisade/internal/assembly"
)

// stack is what the gates need to know about one stack artifact.
type stack struct {
	name            string // CloudFormation stack name: also the name cdk-nag gives its reports
	account, region string
	template        string // OutDir joined with the artifact's templateFile
	resources       int
	types           map[string]bool             // the template's resource types
	sum             string                      // SHA-256 of the template's bytes
	metadata        map[string][]assembly.Entry // construct path -> entries
	logicalIDs      map[string]string           // construct path -> logical id
	paths           map[string]string           // logical id -> construct path
}

// readAssembly reads the stack artifacts of the cloud assembly in outDir
// (package assembly), sorted by stack name, with each template's resource
// count and the construct paths' logical ids.
func readAssembly(outDir string) ([]*stack, error) {
	read, err := assembly.Read(outDir)
	if err != nil {
		return nil, err
	}
	var stacks []*stack
	var errs []error
	for _, a := range read {
		s := &stack{name: a.Name, account: a.Account, region: a.Region, template: a.Template, metadata: a.Metadata}
		if err := s.readTemplate(); err != nil {
			errs = append(errs, err)
		}
		s.indexLogicalIDs()
		stacks = append(stacks, s)
	}
	return stacks, errors.Join(errs...)
}

func (s *stack) readTemplate() error {
	raw, err := os.ReadFile(s.template)
	if err != nil {
		return fmt.Errorf("stack %s: %w", s.name, err)
	}
	var t struct {
		Resources map[string]struct {
			Type string `json:"Type"`
		} `json:"Resources"`
	}
	if err := json.Unmarshal(raw, &t); err != nil {
		return fmt.Errorf("stack %s: %s: %w", s.name, s.template, err)
	}
	s.resources = len(t.Resources)
	sum := sha256.Sum256(raw)
	s.sum = hex.EncodeToString(sum[:])
	s.types = map[string]bool{}
	for _, r := range t.Resources {
		s.types[r.Type] = true
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
				s.logicalIDs[path] = e.Text()
				s.paths[e.Text()] = path
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
