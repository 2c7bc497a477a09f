package assembly

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Merge moves the cloud assemblies in parts, each synthesized by its own
// process from some of the org's accounts, into one assembly in out, as one
// process synthesizing them all would have written it:
//
//   - manifest.json: every part's artifacts, stacks (each after its asset
//     manifest) in the order of order (stack names in the order the app
//     builds them), then the others (the tree, CDK's feature flag report) in
//     the first part's order. Each stack depends on the stacks deps names
//     for it, in that order, that are in the merged assembly (a part could
//     only record those of its own stacks), then on what else its part said
//     (its assets).
//   - tree.json: every part's stacks under the app, in the same order.
//   - validation-report.json (CDK's built-in validation): each plugin's
//     violations of all parts, in stack order.
//   - every other file (templates, asset manifests and assets, metadata,
//     cdk-nag reports) as it is. Assets, named by their hash, may be in
//     several parts: one copy is kept. Any other file in two parts is an
//     error.
//
// Merge writes into out, which must not exist or hold only lock files (the
// CDK CLI's), only after it has read every part; the parts' files are moved.
func Merge(out string, parts []string, order []string, deps map[string][]string) error {
	if len(parts) == 0 {
		return errors.New("assembly.Merge: no parts")
	}
	var manifests, trees, reports []object
	for _, p := range parts {
		m, err := readObject(filepath.Join(p, "manifest.json"))
		if err != nil {
			return err
		}
		manifests = append(manifests, m)
		t, err := readObject(filepath.Join(p, "tree.json"))
		if err != nil {
			return err
		}
		trees = append(trees, t)
		if _, err := os.Stat(filepath.Join(p, "validation-report.json")); err == nil {
			r, err := readObject(filepath.Join(p, "validation-report.json"))
			if err != nil {
				return err
			}
			reports = append(reports, r)
		}
	}
	rank := map[string]int{}
	for i, name := range order {
		rank[name] = i
	}

	manifest, err := mergeManifests(manifests, rank, deps)
	if err != nil {
		return err
	}
	tree, err := mergeTrees(trees, rank)
	if err != nil {
		return err
	}

	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	if entries, err := os.ReadDir(out); err != nil {
		return err
	} else if slices.ContainsFunc(entries, func(e fs.DirEntry) bool { return !strings.HasSuffix(e.Name(), ".lock") }) {
		return fmt.Errorf("assembly.Merge: %s is not empty", out)
	}
	special := map[string]bool{"manifest.json": true, "tree.json": true, "validation-report.json": true}
	for i, p := range parts {
		entries, err := os.ReadDir(p)
		if err != nil {
			return err
		}
		for _, e := range entries {
			name := e.Name()
			if special[name] {
				continue
			}
			dst := filepath.Join(out, name)
			if _, err := os.Stat(dst); err == nil {
				// Assets are named by their content's hash; the cloud
				// assembly's version file is the same in every part.
				if strings.HasPrefix(name, "asset.") || name == "cdk.out" {
					continue
				}
				return fmt.Errorf("assembly.Merge: parts %s and an earlier one both wrote %s", parts[i], name)
			}
			if err := os.Rename(filepath.Join(p, name), dst); err != nil {
				return err
			}
		}
	}
	if err := writeJSON(filepath.Join(out, "manifest.json"), manifest, true); err != nil {
		return err
	}
	if err := writeJSON(filepath.Join(out, "tree.json"), tree, false); err != nil {
		return err
	}
	if len(reports) > 0 {
		report, err := mergeReports(reports, rank)
		if err != nil {
			return err
		}
		if err := writeJSON(filepath.Join(out, "validation-report.json"), report, true); err != nil {
			return err
		}
	}
	return nil
}

// stackOf is the stack an artifact belongs to (itself, or the stack of an
// asset manifest X.assets) and whether that stack is in rank.
func stackOf(id string, rank map[string]int) (string, bool) {
	if _, ok := rank[id]; ok {
		return id, true
	}
	s := strings.TrimSuffix(id, ".assets")
	_, ok := rank[s]
	return s, ok
}

func mergeManifests(parts []object, rank map[string]int, deps map[string][]string) (object, error) {
	type artifact struct {
		id    string
		value json.RawMessage
		part  int
		seq   int
	}
	var all []artifact
	seen := map[string]bool{}
	stacks := map[string]bool{}
	for i, m := range parts {
		raw, ok := m.get("artifacts")
		if !ok {
			return nil, errors.New("assembly.Merge: a part's manifest.json has no artifacts")
		}
		var arts object
		if err := json.Unmarshal(raw, &arts); err != nil {
			return nil, err
		}
		for _, a := range arts {
			if seen[a.Key] {
				if _, inOrder := stackOf(a.Key, rank); inOrder {
					return nil, fmt.Errorf("assembly.Merge: artifact %s is in two parts", a.Key)
				}
				continue // the tree and CDK's report: one is enough
			}
			seen[a.Key] = true
			var head struct{ Type string }
			if err := json.Unmarshal(a.Value, &head); err != nil {
				return nil, err
			}
			if head.Type == "aws:cloudformation:stack" {
				stacks[a.Key] = true
			}
			all = append(all, artifact{a.Key, a.Value, i, len(all)})
		}
	}
	slices.SortStableFunc(all, func(a, b artifact) int {
		sa, oka := stackOf(a.id, rank)
		sb, okb := stackOf(b.id, rank)
		switch {
		case oka && okb && sa != sb:
			return rank[sa] - rank[sb]
		case oka && okb:
			return a.seq - b.seq // a stack's asset manifest, then the stack, as its part wrote them
		case oka:
			return -1
		case okb:
			return 1
		}
		return a.seq - b.seq
	})

	var merged object
	for _, a := range all {
		value := a.value
		if stacks[a.id] {
			var err error
			if value, err = withDependencies(value, deps[a.id], stacks); err != nil {
				return nil, fmt.Errorf("assembly.Merge: artifact %s: %w", a.id, err)
			}
		}
		merged = append(merged, field{a.id, value})
	}
	raw, err := marshal(merged)
	if err != nil {
		return nil, err
	}
	out := slices.Clone(parts[0])
	out.set("artifacts", raw)
	return out, nil
}

// withDependencies rewrites a stack artifact's dependencies: the stacks in
// want that the merged assembly has, in order, then its other dependencies.
func withDependencies(artifact json.RawMessage, want []string, stacks map[string]bool) (json.RawMessage, error) {
	var a object
	if err := json.Unmarshal(artifact, &a); err != nil {
		return nil, err
	}
	var had []string
	if raw, ok := a.get("dependencies"); ok {
		if err := json.Unmarshal(raw, &had); err != nil {
			return nil, err
		}
	}
	var now []string
	for _, d := range want {
		if stacks[d] && !slices.Contains(now, d) {
			now = append(now, d)
		}
	}
	for _, d := range had {
		if !stacks[d] {
			now = append(now, d)
		}
	}
	if len(now) == 0 {
		return artifact, nil
	}
	raw, err := marshal(now)
	if err != nil {
		return nil, err
	}
	a.set("dependencies", raw)
	return marshal(a)
}

func mergeTrees(parts []object, rank map[string]int) (object, error) {
	var children []field
	seen := map[string]bool{}
	var app object
	for i, t := range parts {
		raw, ok := t.get("tree")
		if !ok {
			return nil, errors.New("assembly.Merge: a part's tree.json has no tree")
		}
		var root object
		if err := json.Unmarshal(raw, &root); err != nil {
			return nil, err
		}
		if i == 0 {
			app = root
		}
		var kids object
		if raw, ok := root.get("children"); ok {
			if err := json.Unmarshal(raw, &kids); err != nil {
				return nil, err
			}
		}
		for _, k := range kids {
			if !seen[k.Key] {
				seen[k.Key] = true
				children = append(children, k)
			}
		}
	}
	slices.SortStableFunc(children, func(a, b field) int {
		ra, oka := rank[a.Key]
		rb, okb := rank[b.Key]
		switch {
		case oka && okb:
			return ra - rb
		case oka:
			return -1
		case okb:
			return 1
		}
		return 0
	})
	raw, err := marshal(object(children))
	if err != nil {
		return nil, err
	}
	app.set("children", raw)
	if raw, err = marshal(app); err != nil {
		return nil, err
	}
	out := slices.Clone(parts[0])
	out.set("tree", raw)
	return out, nil
}

// mergeReports joins the plugin reports of validation-report.json: one per
// plugin, its violations in stack order, failed when a part's failed.
func mergeReports(parts []object, rank map[string]int) (object, error) {
	type plugin struct {
		report object
		lists  map[string][]json.RawMessage
		failed bool
	}
	var plugins []*plugin
	byName := map[string]*plugin{}
	lists := []string{"violations", "suppressedViolations"}
	for _, r := range parts {
		raw, ok := r.get("pluginReports")
		if !ok {
			continue
		}
		var reports []object
		if err := json.Unmarshal(raw, &reports); err != nil {
			return nil, err
		}
		for _, pr := range reports {
			var head struct{ PluginName, Conclusion string }
			raw, _ := marshal(pr)
			if err := json.Unmarshal(raw, &head); err != nil {
				return nil, err
			}
			p := byName[head.PluginName]
			if p == nil {
				p = &plugin{report: pr, lists: map[string][]json.RawMessage{}}
				byName[head.PluginName] = p
				plugins = append(plugins, p)
			}
			p.failed = p.failed || head.Conclusion == "failure"
			for _, l := range lists {
				if raw, ok := pr.get(l); ok {
					var vs []json.RawMessage
					if err := json.Unmarshal(raw, &vs); err != nil {
						return nil, err
					}
					p.lists[l] = append(p.lists[l], vs...)
				}
			}
		}
	}
	firstStack := func(v json.RawMessage) int {
		var s struct {
			ViolatingConstructs []struct {
				CloudFormationResource struct{ TemplatePath string }
			}
		}
		_ = json.Unmarshal(v, &s)
		for _, c := range s.ViolatingConstructs {
			name := strings.TrimSuffix(filepath.Base(c.CloudFormationResource.TemplatePath), ".template.json")
			if r, ok := rank[name]; ok {
				return r
			}
		}
		return len(rank)
	}
	var out []object
	for _, p := range plugins {
		for _, l := range lists {
			if _, ok := p.report.get(l); !ok {
				continue
			}
			vs := p.lists[l]
			slices.SortStableFunc(vs, func(a, b json.RawMessage) int { return firstStack(a) - firstStack(b) })
			if vs == nil {
				vs = []json.RawMessage{}
			}
			raw, err := marshal(vs)
			if err != nil {
				return nil, err
			}
			p.report.set(l, raw)
		}
		if p.failed {
			p.report.set("conclusion", json.RawMessage(`"failure"`))
		}
		out = append(out, p.report)
	}
	raw, err := marshal(out)
	if err != nil {
		return nil, err
	}
	report := slices.Clone(parts[0])
	report.set("pluginReports", raw)
	return report, nil
}

// object is a JSON object that keeps its keys' order, as CDK wrote them.
type object []field

type field struct {
	Key   string
	Value json.RawMessage
}

func (o *object) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return fmt.Errorf("not a JSON object: %.40s", b)
	}
	*o = nil
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return err
		}
		*o = append(*o, field{t.(string), v})
	}
	_, err := dec.Token()
	return err
}

func (o object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := marshal(f.Key)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(f.Value)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func (o object) get(key string) (json.RawMessage, bool) {
	for _, f := range o {
		if f.Key == key {
			return f.Value, true
		}
	}
	return nil, false
}

func (o *object) set(key string, v json.RawMessage) {
	for i, f := range *o {
		if f.Key == key {
			(*o)[i].Value = v
			return
		}
	}
	*o = append(*o, field{key, v})
}

// marshal is json.Marshal without HTML escaping, which JavaScript's
// JSON.stringify does not do either.
func marshal(v any) (json.RawMessage, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

func readObject(path string) (object, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("assembly.Merge: %s is missing: did that part's synth fail?", path)
	}
	if err != nil {
		return nil, err
	}
	var o object
	if err := json.Unmarshal(raw, &o); err != nil {
		return nil, fmt.Errorf("assembly.Merge: %s: %w", path, err)
	}
	return o, nil
}

// writeJSON writes v as CDK does: indented by two spaces (the manifest, the
// validation report) or on one line (the tree).
func writeJSON(path string, v object, indent bool) error {
	raw, err := marshal(v)
	if err != nil {
		return err
	}
	if indent {
		var b bytes.Buffer
		if err := json.Indent(&b, raw, "", "  "); err != nil {
			return err
		}
		raw = b.Bytes()
	}
	return os.WriteFile(path, raw, 0o644)
}
