package gates

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

// lintFinding is one entry of cfn-lint --format json.
type lintFinding struct {
	Filename *string `json:"Filename"`
	Level    string  `json:"Level"`
	Message  string  `json:"Message"`
	Location struct {
		Start struct {
			LineNumber int `json:"LineNumber"`
		} `json:"Start"`
		Path []any `json:"Path"`
	} `json:"Location"`
	Rule struct {
		ID string `json:"Id"`
	} `json:"Rule"`
}

// runLint runs cfn-lint over all templates and returns the findings by
// template path. It runs one process per region, given all of that region's
// templates: cfn-lint's start-up costs more than a template, and it checks
// resource types and values against the region it is told (us-east-1 when
// told none, which is what env-agnostic stacks get). It runs in the working
// directory, so that a project's .cfnlintrc applies.
//
// With a cache, templates whose findings it holds are not linted again; it
// returns how many came from the cache.
func runLint(bin string, stacks []*stack, c *cache) (map[string][]Finding, int, error) {
	var id []byte
	if c != nil {
		var err error
		if id, err = lintIdentity(bin); err != nil {
			return nil, 0, err
		}
	}
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		out    = map[string][]Finding{}
		errs   []error
		keys   = map[string]string{} // template -> cache key, for those linted now
		cached int
	)
	byRegion := map[string][]string{}
	for _, s := range stacks {
		key := digest([]byte("cfn-lint"), id, []byte(s.region), []byte(s.sum))
		var found []Finding
		if c.get(key, &found) {
			out[s.template] = found
			cached++
			continue
		}
		keys[s.template] = key
		byRegion[s.region] = append(byRegion[s.region], s.template)
	}
	for region, templates := range byRegion {
		wg.Go(func() {
			found, err := lint(bin, region, templates)
			mu.Lock()
			defer mu.Unlock()
			errs = append(errs, err)
			maps.Copy(out, found)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, 0, err
	}
	for template, key := range keys {
		c.put(key, out[template])
	}
	return out, cached, nil
}

// lint runs one cfn-lint over templates of one region.
func lint(bin, region string, templates []string) (map[string][]Finding, error) {
	args := []string{"--format", "json"}
	if region != "unknown-region" {
		args = append(args, "--regions", region)
	}
	args = append(args, "--")
	byFile := map[string]string{}
	for _, t := range templates {
		byFile[filepath.Clean(t)] = t
		args = append(args, t)
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run() // exits non-zero whenever it finds something: judge by its output
	var found []lintFinding
	if err := json.Unmarshal(stdout.Bytes(), &found); err != nil {
		return nil, fmt.Errorf("cfn-lint failed (%v): %s", runErr, lastLines(stderr.String(), stdout.String()))
	}

	out := map[string][]Finding{}
	for _, f := range found {
		var template string
		if f.Filename != nil {
			template = byFile[filepath.Clean(*f.Filename)]
		}
		if template == "" { // such as E0003, a configuration error
			return nil, fmt.Errorf("cfn-lint could not check the templates: %s %s", f.Rule.ID, f.Message)
		}
		out[template] = append(out[template], Finding{
			Rule:     f.Rule.ID,
			Resource: lintResource(f.Location.Path),
			Level:    f.Level,
			Message:  oneLine(f.Message),
			Line:     f.Location.Start.LineNumber,
		})
	}
	return out, nil
}

// lintResource names what a finding's template path points at: the logical
// id of a resource, or the section and name of anything else (Outputs/Foo).
func lintResource(path []any) string {
	switch {
	case len(path) >= 2 && path[0] == "Resources":
		return fmt.Sprint(path[1])
	case len(path) >= 2:
		return fmt.Sprintf("%v/%v", path[0], path[1])
	case len(path) == 1:
		return fmt.Sprint(path[0])
	}
	return ""
}

// cdkValidateNamespace prefixes the cfn-lint rule ids that CDK acknowledges in
// aws:cdk:acknowledged-rules metadata (its built-in CloudFormation validation
// runs cfn-lint's rules).
const cdkValidateNamespace = "CloudFormation-Validate::"

// acknowledge gives a finding the reason of the closest CDK acknowledgment of
// its rule on its resource's construct path or an ancestor, as CDK itself
// scopes them.
func acknowledge(s *stack, findings []Finding) []Finding {
	acks := map[string]map[string]string{} // rule -> construct path -> reason
	for path, entries := range s.metadata {
		for _, e := range entries {
			if e.Type != "aws:cdk:acknowledged-rules" {
				continue
			}
			var rules map[string]string
			if json.Unmarshal(e.Data, &rules) != nil {
				continue
			}
			for id, reason := range rules {
				if rule, ok := strings.CutPrefix(id, cdkValidateNamespace); ok {
					if acks[rule] == nil {
						acks[rule] = map[string]string{}
					}
					acks[rule][path] = reason
				}
			}
		}
	}
	for i, f := range findings {
		byPath := acks[f.Rule]
		path, ok := s.paths[f.Resource]
		for ok && byPath != nil && path != "" {
			if reason, found := byPath[path]; found {
				findings[i].Reason = reason
				break
			}
			path = path[:max(0, strings.LastIndex(path, "/"))]
		}
	}
	return findings
}

// oneLine folds a message onto one line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// lastLines is the end of a failed tool's output, for an error message.
func lastLines(outputs ...string) string {
	for _, o := range outputs {
		if o = strings.TrimSpace(o); o != "" {
			lines := strings.Split(o, "\n")
			return strings.Join(lines[max(0, len(lines)-5):], "\n")
		}
	}
	return "no output"
}
