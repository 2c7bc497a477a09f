package gates

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// guardVerdicts is what cfn-guard said about one template.
type guardVerdicts struct {
	passed map[string]bool      // rule names
	failed map[string][]Finding // rule name -> one finding per resource
}

// result counts the rules and applies the waivers, marking in used each
// waiver that matched. A rule counts as waived when every one of its failures
// is waived, and as failed otherwise.
func (v guardVerdicts) result(waivers []Waiver, used []bool) GuardResult {
	var r GuardResult
	for rule := range v.passed {
		if _, failed := v.failed[rule]; !failed {
			r.Passed++
		}
	}
	for _, rule := range slices.Sorted(maps.Keys(v.failed)) {
		findings := waive("cfn-guard", v.failed[rule], waivers, used)
		allWaived := true
		for _, f := range findings {
			allWaived = allWaived && f.Reason != ""
		}
		if allWaived {
			r.Waived++
		} else {
			r.Failed++
		}
		r.Findings = append(r.Findings, findings...)
	}
	return r
}

// runGuard checks all templates against the rules that can apply to them and
// returns the verdicts by template path.
//
// cfn-guard 3.1.1 spends about 7 ms evaluating each rule file on a 30 KB
// template even when the template has none of the resource types the rule
// file is about (the rule then reports SKIP, which the gate does not count):
// 237 Control Tower rules took 2.5 s on one VPC stack, 30 s on the example
// org's 33 stacks. So each template is given only the rule files that name
// one of its resource types (guardRule.appliesTo); the others could only
// skip it. Templates that need the same rule files are checked by the same
// processes, a few at a time, each given its share of the templates as
// --data flags (a process per template would parse the rules every time).
// One CPU is left to cfn-lint, which runs at the same time.
//
// With a cache, templates whose verdicts it holds are not checked again; it
// returns how many came from the cache.
func runGuard(bin, rulesDir string, stacks []*stack, c *cache) (map[string]guardVerdicts, int, error) {
	rules, err := readGuardRules(rulesDir)
	if err != nil {
		return nil, 0, err
	}
	var binSum string
	if c != nil {
		if binSum, err = fileDigest(bin); err != nil {
			return nil, 0, fmt.Errorf("cfn-guard: %w", err)
		}
	}
	out := map[string]guardVerdicts{}
	keys := map[string]string{} // template -> cache key, for those checked now
	cached := 0
	byFile := map[string]string{} // as cfn-guard names it -> template path
	groups := map[string]*guardJob{}
	var order []string
	for _, s := range stacks {
		var applicable []string
		parts := [][]byte{[]byte("cfn-guard"), []byte(binSum), []byte(s.sum)}
		for _, r := range rules {
			if r.appliesTo(s.types) {
				applicable = append(applicable, r.path)
				parts = append(parts, []byte(r.name), []byte(r.sum))
			}
		}
		if len(applicable) == 0 { // every rule would skip it
			out[s.template] = guardVerdicts{passed: map[string]bool{}, failed: map[string][]Finding{}}
			continue
		}
		key := digest(parts...)
		var hit guardFile
		if c.get(key, &hit) {
			if out[s.template], err = hit.verdicts(); err == nil {
				cached++
				continue
			}
		}
		keys[s.template] = key
		f, err := filepath.Abs(s.template)
		if err == nil {
			f, err = filepath.EvalSymlinks(f) // cfn-guard reports the canonical path
		}
		if err != nil {
			return nil, 0, fmt.Errorf("stack %s: %w", s.name, err)
		}
		byFile[f] = s.template
		group := strings.Join(applicable, "\x00")
		if groups[group] == nil {
			groups[group] = &guardJob{rules: applicable}
			order = append(order, group)
		}
		groups[group].files = append(groups[group].files, f)
	}

	n := max(1, runtime.NumCPU()-1)
	var jobs []guardJob
	for _, key := range order {
		g := groups[key]
		parts := min(n, len(g.files))
		for i := range parts {
			jobs = append(jobs, guardJob{rules: g.rules, files: g.files[i*len(g.files)/parts : (i+1)*len(g.files)/parts]})
		}
	}
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		errs    []error
		results []guardFile
		next    = make(chan guardJob)
	)
	for range min(n, len(jobs)) {
		wg.Go(func() {
			for job := range next {
				got, err := guardChunk(bin, job.rules, job.files)
				mu.Lock()
				errs = append(errs, err)
				results = append(results, got...)
				mu.Unlock()
			}
		})
	}
	for _, job := range jobs {
		next <- job
	}
	close(next)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, 0, err
	}

	for _, r := range results {
		template, ok := byFile[r.Name]
		if !ok {
			return nil, 0, fmt.Errorf("cfn-guard reported on %s, which is not a stack template", r.Name)
		}
		if out[template], err = r.verdicts(); err != nil {
			return nil, 0, err
		}
		c.put(keys[template], r)
	}
	for _, s := range stacks {
		if _, ok := out[s.template]; !ok {
			return nil, 0, fmt.Errorf("cfn-guard did not report on %s", s.template)
		}
	}
	return out, cached, nil
}

// guardJob is one cfn-guard process: rule files and the templates they check.
type guardJob struct{ rules, files []string }

// guardRule is one .guard file and the CloudFormation resource types it names.
type guardRule struct {
	path string
	name string // path within the rules directory
	sum  string // SHA-256 of the file
	// types are the AWS::Service::Resource strings anywhere in the file,
	// comments included (a type too many only costs time). Nil means the
	// rule applies to every template: the file names no type, or it matches
	// types with a regular expression.
	types []string
}

var (
	guardTypeLiteral = regexp.MustCompile(`AWS::[A-Za-z0-9]+::[A-Za-z0-9]+`)
	guardTypeRegex   = regexp.MustCompile(`Type\s*(==|!=|IN)\s*\[?\s*/`)
)

// readGuardRules reads every .guard file under dir, sorted by path.
func readGuardRules(dir string) ([]guardRule, error) {
	var rules []guardRule
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".guard") {
			return err
		}
		body, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		r := guardRule{path: path, name: filepath.ToSlash(rel), sum: hex.EncodeToString(sum[:])}
		if !guardTypeRegex.Match(body) {
			r.types = guardTypeLiteral.FindAllString(string(body), -1)
		}
		rules = append(rules, r)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("cfn-guard rules: %w", err)
	}
	if len(rules) == 0 {
		return nil, fmt.Errorf("cfn-guard rules: no .guard file under %s", dir)
	}
	return rules, nil
}

// appliesTo reports whether the rule file can say anything but SKIP about a
// template with these resource types.
func (r guardRule) appliesTo(types map[string]bool) bool {
	if r.types == nil {
		return true
	}
	for _, t := range r.types {
		if types[t] {
			return true
		}
	}
	return false
}

// guardFile is cfn-guard's structured report on one data file. A failed
// rule comes as the tree of checks it evaluated.
type guardFile struct {
	Name         string            `json:"name"`
	Compliant    []string          `json:"compliant"`
	NotCompliant []json.RawMessage `json:"not_compliant"`
}

func guardChunk(bin string, rules, files []string) ([]guardFile, error) {
	args := []string{"validate", "--structured", "--show-summary", "none", "--output-format", "json"}
	for _, r := range rules {
		args = append(args, "--rules", r)
	}
	for _, f := range files {
		args = append(args, "--data", f)
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 19) { // 19: a rule failed
		return nil, fmt.Errorf("cfn-guard failed (%v): %s", err, lastLines(stderr.String(), stdout.String()))
	}
	var got []guardFile
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
		return nil, fmt.Errorf("cfn-guard: reading its report: %w", err)
	}
	return got, nil
}

func (g guardFile) verdicts() (guardVerdicts, error) {
	v := guardVerdicts{passed: map[string]bool{}, failed: map[string][]Finding{}}
	for _, rule := range g.Compliant {
		v.passed[rule] = true
	}
	for _, raw := range g.NotCompliant {
		var tree struct {
			Rule struct {
				Name string `json:"name"`
			} `json:"Rule"`
		}
		var checks any
		if err := json.Unmarshal(raw, &tree); err != nil {
			return v, fmt.Errorf("cfn-guard: reading its report on %s: %w", g.Name, err)
		}
		if err := json.Unmarshal(raw, &checks); err != nil {
			return v, fmt.Errorf("cfn-guard: reading its report on %s: %w", g.Name, err)
		}
		rule := tree.Rule.Name
		v.failed[rule] = mergeFindings(v.failed[rule], guardFindings(rule, checks))
	}
	return v, nil
}

// A path into the template with cfn-guard's position, such as
// /Resources/Bucket/Properties[L:4,C:20]; its lines and columns count from 0.
var guardPosition = regexp.MustCompile(`/Resources/([^/\[\s]+)[^\[\s]*\[L:(\d+),C:\d+\]`)

// guardFindings turns the tree of checks of one failed rule into one finding
// per resource it names, with the first template line cfn-guard gives for it
// and the rule's own message (the control id, what it requires, the fix).
func guardFindings(rule string, tree any) []Finding {
	var out []Finding
	index := map[string]int{} // resource -> position in out
	var walk func(node any, message string)
	note := func(resource string, line int, message string) {
		i, ok := index[resource]
		if !ok {
			index[resource] = len(out)
			out = append(out, Finding{Rule: rule, Resource: resource, Level: "Error", Message: message})
			i = len(out) - 1
		}
		if out[i].Message == "" {
			out[i].Message = message
		}
		if line > 0 && (out[i].Line == 0 || line < out[i].Line) {
			out[i].Line = line
		}
	}
	walk = func(node any, message string) {
		switch n := node.(type) {
		case map[string]any:
			if m, ok := n["messages"].(map[string]any); ok {
				if custom, ok := m["custom_message"].(string); ok && strings.TrimSpace(custom) != "" {
					message = oneLine(custom)
				}
			}
			for _, k := range slices.Sorted(maps.Keys(n)) {
				if p, ok := n[k].(string); ok && k == "path" {
					if id, ok := strings.CutPrefix(p, "/Resources/"); ok {
						id, _, _ = strings.Cut(id, "/")
						note(id, 0, message)
					}
					continue
				}
				walk(n[k], message)
			}
		case []any:
			for _, c := range n {
				walk(c, message)
			}
		case string:
			for _, m := range guardPosition.FindAllStringSubmatch(n, -1) {
				line, _ := strconv.Atoi(m[2])
				note(m[1], line+1, message)
			}
		}
	}
	walk(tree, "")
	if len(out) == 0 {
		out = append(out, Finding{Rule: rule, Level: "Error"})
	}
	return out
}

// mergeFindings adds findings for resources that have none yet.
func mergeFindings(have, more []Finding) []Finding {
	for _, f := range more {
		if !slices.ContainsFunc(have, func(h Finding) bool { return h.Resource == f.Resource }) {
			have = append(have, f)
		}
	}
	return have
}
