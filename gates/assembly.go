package gates

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

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
		sets, err := stackSetTemplates(outDir, s)
		if err != nil {
			errs = append(errs, err)
		}
		stacks = append(stacks, sets...)
	}
	return stacks, errors.Join(errs...)
}

// stackSetTemplates are the templates that s deploys through StackSets (the
// TemplateBody of each AWS::CloudFormation::StackSet), written to
// <outDir>/stacksets/<stack>.<logical id>.template.json and judged as stacks
// of their own, named <stack>/<logical id>, so that what reaches every
// target account passes the same cfn-lint, cfn-guard and own checks as any
// stack. cdk-nag ran on them when they were synthesized (stacks.
// StackSetTemplate), and its errors are the fanout stack's. cfn-lint checks
// them against s's region, not each target region.
func stackSetTemplates(outDir string, s *stack) ([]*stack, error) {
	if !s.types["AWS::CloudFormation::StackSet"] {
		return nil, nil
	}
	raw, err := os.ReadFile(s.template)
	if err != nil {
		return nil, err
	}
	var t struct {
		Resources map[string]struct {
			Type       string
			Properties struct{ TemplateBody any }
		}
	}
	if err := json.Unmarshal(raw, &t); err != nil {
		return nil, fmt.Errorf("stack %s: %w", s.name, err)
	}
	var out []*stack
	for id, r := range t.Resources {
		body, ok := r.Properties.TemplateBody.(string)
		if r.Type != "AWS::CloudFormation::StackSet" || !ok {
			continue // a TemplateURL, or a body computed at deploy time: not here to judge
		}
		var pretty bytes.Buffer
		if err := json.Indent(&pretty, []byte(body), "", " "); err != nil {
			return nil, fmt.Errorf("stack %s: %s's TemplateBody is not JSON: %w", s.name, id, err)
		}
		dir := filepath.Join(outDir, "stacksets")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		file := filepath.Join(dir, s.name+"."+id+".template.json")
		if err := os.WriteFile(file, pretty.Bytes(), 0o644); err != nil {
			return nil, err
		}
		set := &stack{name: s.name + "/" + id, account: "unknown-account", region: s.region, template: file}
		if err := set.readTemplate(); err != nil {
			return nil, err
		}
		set.indexLogicalIDs()
		out = append(out, set)
	}
	slices.SortFunc(out, func(a, b *stack) int { return strings.Compare(a.name, b.name) })
	return out, nil
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
