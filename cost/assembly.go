package cost

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// stack is one stack artifact of the cloud assembly and its resources.
type stack struct {
	name            string
	account, region string
	resources       map[string]resource // logical id -> resource
}

type resource struct {
	Type       string         `json:"Type"`
	Properties map[string]any `json:"Properties"`
	raw        []byte
}

type manifest struct {
	Artifacts map[string]struct {
		Type        string `json:"type"`
		Environment string `json:"environment"`
		Properties  struct {
			TemplateFile string `json:"templateFile"`
			StackName    string `json:"stackName"`
		} `json:"properties"`
	} `json:"artifacts"`
}

// readAssembly reads every stack artifact of the cloud assembly in dir,
// sorted by stack name.
func readAssembly(dir string) ([]*stack, error) {
	path := filepath.Join(dir, "manifest.json")
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s does not exist: synthesize the app first (make synth), or name the cloud assembly directory", path)
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
		s := &stack{name: a.Properties.StackName}
		if s.name == "" {
			s.name = id
		}
		env, ok := strings.CutPrefix(a.Environment, "aws://")
		s.account, s.region, _ = strings.Cut(env, "/")
		if !ok || s.account == "" || s.region == "" || strings.HasPrefix(s.account, "unknown-") || strings.HasPrefix(s.region, "unknown-") {
			errs = append(errs, fmt.Errorf("%s: artifact %s: environment %q is not aws://ACCOUNT/REGION", path, id, a.Environment))
			continue
		}
		if a.Properties.TemplateFile == "" {
			errs = append(errs, fmt.Errorf("%s: artifact %s has no templateFile", path, id))
			continue
		}
		if s.resources, err = readTemplate(filepath.Join(dir, a.Properties.TemplateFile)); err != nil {
			errs = append(errs, fmt.Errorf("stack %s: %w", s.name, err))
			continue
		}
		stacks = append(stacks, s)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if len(stacks) == 0 {
		return nil, fmt.Errorf("%s has no stacks: synthesize the app first (make synth), or name the cloud assembly directory", path)
	}
	slices.SortFunc(stacks, func(a, b *stack) int { return strings.Compare(a.name, b.name) })
	return stacks, nil
}

func readTemplate(path string) (map[string]resource, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var t struct {
		Resources map[string]json.RawMessage `json:"Resources"`
	}
	if err := json.Unmarshal(raw, &t); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	out := make(map[string]resource, len(t.Resources))
	for id, r := range t.Resources {
		var res resource
		if err := json.Unmarshal(r, &res); err != nil {
			return nil, fmt.Errorf("%s: resource %s: %w", path, id, err)
		}
		res.raw = r
		out[id] = res
	}
	return out, nil
}

// sortedIDs returns the stack's logical ids in order, so that every walk
// over the resources is deterministic.
func (s *stack) sortedIDs() []string {
	ids := make([]string, 0, len(s.resources))
	for id := range s.resources {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// awsCustomService finds the SDK service an AwsCustomResource (Custom::AWS)
// calls; its Create/Update/Delete properties are JSON strings, often inside
// Fn::Join, so the service name is read from the resource's raw text.
var awsCustomService = regexp.MustCompile(`\\"service\\"\s*:\s*\\"([A-Za-z0-9]+)\\"`)

// types returns the resource's type and pseudo types that usage items can be
// triggered by: "AWS::EC2::VPCEndpoint:Interface" for a billed endpoint and,
// for Custom::AWS, "Custom::AWS:<service>" for each service it calls (a
// service enabled through an SDK call, such as Inspector2).
func (r resource) types() []string {
	out := []string{r.Type}
	if r.Type == "AWS::EC2::VPCEndpoint" {
		if t := str(r.Properties["VpcEndpointType"]); t != "" && t != "Gateway" {
			out = append(out, r.Type+":Interface")
		}
	}
	if r.Type == "Custom::AWS" {
		for _, m := range awsCustomService.FindAllSubmatch(r.raw, -1) {
			t := "Custom::AWS:" + string(m[1])
			if !slices.Contains(out, t) {
				out = append(out, t)
			}
		}
	}
	return out
}
