package cost

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"

	"github.com/palisade-sec/palisade/internal/assembly"
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

// readAssembly reads every stack artifact of the cloud assembly in dir
// (package assembly) with its resources, sorted by stack name. Only stacks
// bound to an account and region can be priced.
func readAssembly(dir string) ([]*stack, error) {
	read, err := assembly.Read(dir)
	if err != nil {
		return nil, err
	}
	var stacks []*stack
	var errs []error
	for _, a := range read {
		if !a.Bound() {
			errs = append(errs, fmt.Errorf("stack %s: environment aws://%s/%s is not an account and region; palisade's stacks are environment-bound", a.Name, a.Account, a.Region))
			continue
		}
		s := &stack{name: a.Name, account: a.Account, region: a.Region}
		if s.resources, err = readTemplate(a.Template); err != nil {
			errs = append(errs, fmt.Errorf("stack %s: %w", s.name, err))
			continue
		}
		stacks = append(stacks, s)
	}
	return stacks, errors.Join(errs...)
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
