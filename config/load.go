package config

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// Load parses data, the contents of the org file called name, applies the
// defaults and validates the whole org. Parsing is strict: unknown keys,
// duplicate keys and values of the wrong type are errors. On any problem
// Load returns a nil Org and an errors.Join of one *Error per problem,
// sorted by position (see Errors).
func Load(name string, data []byte) (*Org, error) { return LoadProfile(name, data, "") }

// LoadProfile is Load with the file's profile replaced by profile
// ("default" or "lean") when it is not empty, to price or compare the
// other profile.
func LoadProfile(name string, data []byte, profile string) (*Org, error) {
	d := &decoder{
		file:    name,
		profile: profile,
		pos:     map[string]position{},
		set:     map[string]bool{},
		bad:     map[string]bool{},
	}
	root, perr := d.parse(data)
	if perr != nil {
		return nil, joinErrors([]*Error{perr})
	}
	org := d.decodeOrg(root)
	org.Source = name
	d.validate(org)
	if err := joinErrors(d.errs); err != nil {
		return nil, err
	}
	for _, a := range org.Accounts {
		org.AllAccounts = append(org.AllAccounts, Account{Name: a.Name, ID: a.ID, Role: a.Role})
	}
	return org, nil
}

// LoadFileProfile is LoadFile with the file's profile replaced by profile
// ("default" or "lean"), to price or compare the other profile.
func LoadFileProfile(path, profile string) (*Org, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read org file: %w", err)
	}
	return LoadProfile(path, data, profile)
}

// LoadFile reads the org file at path and loads it with Load; messages
// name the file by path.
func LoadFile(path string) (*Org, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read org file: %w", err)
	}
	return Load(path, data)
}

const orgShape = "an org file is one mapping with name, organizationId, homeRegion, regions and accounts"

// position is a 1-based line and column; zero when unknown.
type position struct{ line, col int }

// decoder walks the YAML syntax tree into an Org by hand rather than through
// reflection, so that it can report every unknown key and wrongly typed
// value at once, each with its position, and remember where every path is
// for the validation that follows.
type decoder struct {
	file    string
	profile string // overrides the file's profile when set (LoadProfile)
	lean    bool   // the org's profile is lean
	errs    []*Error
	pos     map[string]position // where each path's key or value is
	set     map[string]bool     // paths that hold a decoded, non-null value
	bad     map[string]bool     // paths whose value was reported as the wrong type
	rootOK  bool                // the document is a mapping
	anchors []anchor            // in document order
	vpcs    []vpcRef            // every VPC, in file order
}

type anchor struct {
	name   string
	offset int
	value  ast.Node
}

type vpcRef struct {
	path    string // accounts[i].vpcs[region]
	account int
	region  string
	vpc     *VPC
}

// errorf reports a problem at path, placed where path is in the file.
func (d *decoder) errorf(path, format string, args ...any) {
	d.errorAt(d.pos[path], path, format, args...)
}

func (d *decoder) errorAt(p position, path, format string, args ...any) {
	d.errs = append(d.errs, &Error{File: d.file, Line: p.line, Col: p.col, Path: path, Msg: fmt.Sprintf(format, args...)})
}

// fail reports that the value at path has the wrong type or shape.
func (d *decoder) fail(path, format string, args ...any) {
	d.failAt(d.pos[path], path, format, args...)
}

func (d *decoder) failAt(p position, path, format string, args ...any) {
	d.bad[path] = true
	d.errorAt(p, path, format, args...)
}

// parse turns data into the syntax tree of its one document.
func (d *decoder) parse(data []byte) (ast.Node, *Error) {
	file, err := parseYAML(data)
	if err != nil {
		e := &Error{File: d.file, Msg: err.Error()}
		var yerr interface {
			GetMessage() string
			GetToken() *token.Token
		}
		if errors.As(err, &yerr) {
			e.Msg = yerr.GetMessage()
			if tk := yerr.GetToken(); tk != nil && tk.Position != nil {
				e.Line, e.Col = tk.Position.Line, tk.Position.Column
			}
		}
		e.Msg = "invalid YAML: " + e.Msg
		return nil, e
	}
	var docs []ast.Node
	for _, doc := range file.Docs {
		if doc == nil || doc.Body == nil {
			continue
		}
		switch doc.Body.(type) {
		case *ast.DirectiveNode, *ast.CommentGroupNode:
			continue
		}
		docs = append(docs, doc.Body)
	}
	if len(docs) == 0 {
		return nil, &Error{File: d.file, Msg: "the file is empty; " + orgShape}
	}
	if len(docs) > 1 {
		p := nodePos(docs[1])
		return nil, &Error{File: d.file, Line: p.line, Col: p.col, Msg: fmt.Sprintf("the file holds %d YAML documents; %s", len(docs), orgShape)}
	}
	ast.Walk(anchorCollector{d}, docs[0])
	return docs[0], nil
}

// parseYAML parses with duplicate keys allowed, so that the decoder can
// report each of them along with every other problem. A panic inside the
// YAML library becomes an error: no input may crash the caller.
func parseYAML(data []byte) (file *ast.File, err error) {
	defer func() {
		if r := recover(); r != nil {
			file, err = nil, fmt.Errorf("the YAML parser failed: %v", r)
		}
	}()
	return parser.ParseBytes(data, 0, parser.AllowDuplicateMapKey())
}

type anchorCollector struct{ d *decoder }

func (c anchorCollector) Visit(n ast.Node) ast.Visitor {
	if a, ok := n.(*ast.AnchorNode); ok && a.Name != nil && a.Start != nil && a.Start.Position != nil {
		c.d.anchors = append(c.d.anchors, anchor{name: tokenText(a.Name), offset: a.Start.Position.Offset, value: a.Value})
	}
	return c
}

// nodePos is where a node starts: a block mapping at its first key.
func nodePos(n ast.Node) position {
	switch v := n.(type) {
	case nil:
		return position{}
	case *ast.MappingNode:
		if !v.IsFlowStyle && len(v.Values) > 0 && v.Values[0] != nil {
			return nodePos(v.Values[0])
		}
	case *ast.MappingValueNode:
		if v.Key != nil {
			return nodePos(v.Key)
		}
	}
	tk := n.GetToken()
	if tk == nil || tk.Position == nil {
		return position{}
	}
	return position{tk.Position.Line, tk.Position.Column}
}

func tokenText(n ast.Node) string {
	if n == nil {
		return ""
	}
	if tk := n.GetToken(); tk != nil {
		return tk.Value
	}
	return ""
}

// standardTags are the YAML core schema tags, which the decoder accepts and
// otherwise ignores, except that !!str makes any scalar a string.
var standardTags = map[string]bool{
	"!!str": true, "!!int": true, "!!float": true, "!!bool": true,
	"!!null": true, "!!map": true, "!!seq": true,
}

// resolve looks through anchors, aliases and tags to the node that holds
// the value, reporting (and marking path bad) when it cannot.
func (d *decoder) resolve(n ast.Node, path string) (v ast.Node, tag string, ok bool) {
	for range 100 {
		switch x := n.(type) {
		case *ast.AnchorNode:
			n = x.Value
		case *ast.MappingKeyNode: // an explicit key: ? key
			n = x.Value
		case *ast.AliasNode:
			target := d.anchorFor(x)
			if target == nil {
				d.fail(path, "alias *%s has no anchor &%s before it", tokenText(x.Value), tokenText(x.Value))
				return nil, "", false
			}
			n = target
		case *ast.TagNode:
			t := tokenText(x)
			if !standardTags[t] {
				d.fail(path, "unsupported YAML tag %s; org files use plain values", t)
				return nil, "", false
			}
			if tag == "" {
				tag = t
			}
			n = x.Value
		case nil:
			return &ast.NullNode{}, tag, true
		default:
			return n, tag, true
		}
	}
	d.fail(path, "too many nested anchors, aliases and tags")
	return nil, "", false
}

// anchorFor finds the latest anchor of the alias's name defined before it.
func (d *decoder) anchorFor(a *ast.AliasNode) ast.Node {
	name := tokenText(a.Value)
	at := -1
	if a.Start != nil && a.Start.Position != nil {
		at = a.Start.Position.Offset
	}
	var found ast.Node
	for _, an := range d.anchors {
		if an.name == name && an.offset < at {
			found = an.value
		}
	}
	return found
}

// describe names a value's type (and the value, for scalars) for messages.
func describe(n ast.Node) string {
	switch v := n.(type) {
	case *ast.StringNode:
		return fmt.Sprintf("the string %q", v.Value)
	case *ast.LiteralNode:
		return "a block string"
	case *ast.IntegerNode, *ast.FloatNode, *ast.InfinityNode, *ast.NanNode:
		return "the number " + tokenText(n)
	case *ast.BoolNode:
		return fmt.Sprintf("the boolean %t", v.Value)
	case *ast.NullNode:
		return "null"
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	}
	return "a " + strings.ToLower(n.Type().String())
}

func isMapping(n ast.Node) bool {
	switch n.(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		return true
	}
	return false
}

func isScalar(n ast.Node) bool {
	switch n.(type) {
	case *ast.MappingNode, *ast.MappingValueNode, *ast.SequenceNode:
		return false
	}
	return true
}

func join(parent, field string) string {
	if parent == "" {
		return field
	}
	return parent + "." + field
}

// entry is one key and value of a mapping.
type entry struct {
	key      string
	keyNode  ast.Node
	value    ast.Node
	explicit bool // false for entries brought in by a merge key (<<)
}

// entries lists the mapping at path, with merge keys (<<) expanded: explicit
// keys win over merged ones, earlier merges over later ones. It reports
// duplicate keys and keys that are not scalars; child names the path of a
// key. A null value is an empty mapping. ok is false when n is no mapping.
func (d *decoder) entries(n ast.Node, path string, child func(key string) string) (out []entry, ok bool) {
	v, _, ok := d.resolve(n, path)
	if !ok {
		return nil, false
	}
	if _, null := v.(*ast.NullNode); null {
		return nil, true
	}
	if !isMapping(v) {
		d.failAt(nodePos(n), path, "must be a mapping, not %s", describe(v))
		return nil, false
	}
	seen := map[string]ast.Node{}
	var merged []entry
	d.collect(v, path, child, seen, &out, &merged, true, 0)
	for _, e := range merged {
		if _, dup := seen[e.key]; !dup {
			seen[e.key] = e.keyNode
			out = append(out, e)
		}
	}
	return out, true
}

func mappingValues(n ast.Node) []*ast.MappingValueNode {
	switch v := n.(type) {
	case *ast.MappingNode:
		return v.Values
	case *ast.MappingValueNode:
		return []*ast.MappingValueNode{v}
	}
	return nil
}

func (d *decoder) collect(m ast.Node, path string, child func(string) string, seen map[string]ast.Node, out, merged *[]entry, explicit bool, depth int) {
	if depth > 10 {
		d.fail(path, "merge keys (<<) nest too deeply")
		return
	}
	// A mapping's own keys first, then its merges, so that its own keys win.
	var merges []*ast.MappingValueNode
	for _, mv := range mappingValues(m) {
		if mv == nil || mv.Key == nil {
			continue
		}
		if _, ok := mv.Key.(*ast.MergeKeyNode); ok {
			merges = append(merges, mv)
			continue
		}
		k, _, ok := d.resolve(mv.Key, path)
		if !ok {
			continue
		}
		if !isScalar(k) {
			d.errorAt(nodePos(mv.Key), path, "a key must be a plain name, not %s", describe(k))
			continue
		}
		key := tokenText(k)
		if s, ok := k.(*ast.StringNode); ok {
			key = s.Value
		}
		if explicit {
			if first, dup := seen[key]; dup {
				d.errorAt(nodePos(mv.Key), child(key), "duplicate key %q; it is already set at line %d", key, nodePos(first).line)
				continue
			}
			seen[key] = mv.Key
		} else if dupInMerged(*out, key) {
			// among merged mappings the first one to set a key wins
			continue
		}
		*out = append(*out, entry{key: key, keyNode: mv.Key, value: mv.Value, explicit: explicit})
	}
	for _, mv := range merges {
		src, _, ok := d.resolve(mv.Value, path)
		if !ok {
			continue
		}
		sources := []ast.Node{src}
		if seq, ok := src.(*ast.SequenceNode); ok {
			sources = nil
			for _, it := range seq.Values {
				if r, _, ok := d.resolve(it, path); ok {
					sources = append(sources, r)
				}
			}
		}
		for _, s := range sources {
			if !isMapping(s) {
				d.errorAt(nodePos(mv.Key), path, "a merge key (<<) takes a mapping or a list of mappings, not %s", describe(s))
				continue
			}
			d.collect(s, path, child, seen, merged, merged, false, depth+1)
		}
	}
}

func dupInMerged(es []entry, key string) bool {
	for _, e := range es {
		if !e.explicit && e.key == key {
			return true
		}
	}
	return false
}

// field decodes one known key of a mapping. Its shape is what the key
// holds, for Schema; the decoders below set shape.kind from the decoder
// they pick, so the schema's type is the type the decoder reads.
type field struct {
	name   string
	shape  shape
	decode func(n ast.Node, path string)
}

func (d *decoder) strField(name string, dst *string, s shape) field {
	s.kind = kString
	return field{name, s, func(n ast.Node, p string) { d.str(n, p, dst) }}
}

// strFieldOf is strField for a named string type (Role, NATStrategy).
func strFieldOf[T ~string](d *decoder, name string, dst *T, s shape) field {
	s.kind = kString
	return field{name, s, func(n ast.Node, p string) {
		var v string
		d.str(n, p, &v)
		*dst = T(v)
	}}
}

func (d *decoder) intField(name string, dst *int, s shape) field {
	s.kind = kInt
	return field{name, s, func(n ast.Node, p string) { d.integer(n, p, dst) }}
}

func (d *decoder) boolField(name string, dst *bool, s shape) field {
	s.kind = kBool
	return field{name, s, func(n ast.Node, p string) { d.boolean(n, p, dst) }}
}

// strListField decodes a list of strings; s.items says what an item is.
func (d *decoder) strListField(name string, dst *[]string, s shape) field {
	s.kind, s.items = kList, itemShape(s.items, kString)
	return field{name, s, func(n ast.Node, p string) { d.strList(n, p, dst) }}
}

func (d *decoder) intListField(name string, dst *[]int, s shape) field {
	s.kind, s.items = kList, itemShape(s.items, kInt)
	return field{name, s, func(n ast.Node, p string) { d.intList(n, p, dst) }}
}

func itemShape(s *shape, k kind) *shape {
	it := shape{}
	if s != nil {
		it = *s
	}
	it.kind = k
	return &it
}

// objectField decodes a mapping of known keys, given by fields.
func (d *decoder) objectField(name string, s shape, fields func() []field) field {
	s.kind, s.fields = kObject, fields
	return field{name, s, func(n ast.Node, p string) { d.mapping(n, p, fields()) }}
}

// presentObjectField is objectField for a mapping whose presence, even
// empty, means something (objectLock, pipeline): it marks the path set and
// calls present first.
func (d *decoder) presentObjectField(name string, s shape, fields func() []field, present func()) field {
	f := d.objectField(name, s, fields)
	decode := f.decode
	f.decode = func(n ast.Node, p string) {
		d.set[p] = true
		if present != nil {
			present()
		}
		decode(n, p)
	}
	return f
}

// reasonsField decodes a mapping of free keys to strings; s.keys and
// s.values say what they are.
func (d *decoder) reasonsField(name string, dst *map[string]string, s shape) field {
	s.kind, s.values = kMap, itemShape(s.values, kString)
	return field{name, s, func(n ast.Node, p string) { d.reasons(n, p, dst) }}
}

// mapping decodes the mapping at path field by field and reports unknown
// keys. It reports whether n was a mapping (or null).
func (d *decoder) mapping(n ast.Node, path string, fields []field) bool {
	es, ok := d.entries(n, path, func(k string) string { return join(path, k) })
	if !ok {
		return false
	}
	for _, e := range es {
		fp := join(path, e.key)
		i := fieldIndex(fields, e.key)
		if i < 0 {
			d.pos[fp] = nodePos(e.keyNode)
			d.errorf(fp, "%s", unknownField(e.key, fields))
			continue
		}
		d.pos[fp] = nodePos(e.keyNode)
		fields[i].decode(e.value, fp)
	}
	return true
}

func fieldIndex(fields []field, name string) int {
	for i, f := range fields {
		if f.name == name {
			return i
		}
	}
	return -1
}

func unknownField(key string, fields []field) string {
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.name
		if strings.EqualFold(f.name, key) {
			return fmt.Sprintf("unknown field %q; did you mean %s", key, f.name)
		}
	}
	return fmt.Sprintf("unknown field %q; allowed fields are %s", key, strings.Join(names, ", "))
}

// scalar resolves n for a scalar field: nil (and nothing recorded) for null.
func (d *decoder) scalar(n ast.Node, path string) (ast.Node, string) {
	d.pos[path] = nodePos(n)
	v, tag, ok := d.resolve(n, path)
	if !ok {
		return nil, ""
	}
	if _, null := v.(*ast.NullNode); null && tag != "!!str" {
		return nil, ""
	}
	return v, tag
}

func (d *decoder) str(n ast.Node, path string, dst *string) {
	v, tag := d.scalar(n, path)
	if v == nil {
		return
	}
	switch s := v.(type) {
	case *ast.StringNode:
		*dst = s.Value
	case *ast.LiteralNode:
		if s.Value != nil {
			*dst = s.Value.Value
		}
	default:
		if tag != "!!str" || !isScalar(v) {
			d.fail(path, "must be a string, not %s", describe(v))
			return
		}
		if _, null := v.(*ast.NullNode); !null {
			*dst = tokenText(v)
		}
	}
	d.set[path] = true
}

// bigNumberRE matches the unquoted integers too large for the YAML
// library, which reads them as strings.
var bigNumberRE = regexp.MustCompile(`^[-+]?[0-9]+$`)

func (d *decoder) integer(n ast.Node, path string, dst *int) {
	v, tag := d.scalar(n, path)
	if v == nil {
		return
	}
	const limit = 1 << 31
	if s, ok := v.(*ast.StringNode); ok && tag == "" && s.Token != nil && s.Token.Type == token.StringType && bigNumberRE.MatchString(s.Value) {
		d.fail(path, "%s is out of range", s.Value)
		return
	}
	in, ok := v.(*ast.IntegerNode)
	if !ok || tag == "!!str" {
		d.fail(path, "must be a whole number, not %s", describe(v))
		return
	}
	switch x := in.Value.(type) {
	case int64:
		if x <= -limit || x >= limit {
			d.fail(path, "%s is out of range", tokenText(in))
			return
		}
		*dst = int(x)
	case uint64:
		if x >= limit {
			d.fail(path, "%s is out of range", tokenText(in))
			return
		}
		*dst = int(x)
	default:
		d.fail(path, "must be a whole number, not %s", describe(v))
		return
	}
	d.set[path] = true
}

func (d *decoder) boolean(n ast.Node, path string, dst *bool) {
	v, tag := d.scalar(n, path)
	if v == nil {
		return
	}
	b, ok := v.(*ast.BoolNode)
	if !ok || tag == "!!str" {
		d.fail(path, "must be true or false, not %s", describe(v))
		return
	}
	*dst = b.Value
	d.set[path] = true
}

// sequence resolves the list at path; nil for null.
func (d *decoder) sequence(n ast.Node, path string) []ast.Node {
	v, _, ok := d.resolve(n, path)
	if !ok {
		return nil
	}
	if _, null := v.(*ast.NullNode); null {
		return nil
	}
	seq, ok := v.(*ast.SequenceNode)
	if !ok {
		d.failAt(nodePos(n), path, "must be a list, not %s", describe(v))
		return nil
	}
	d.set[path] = true
	return seq.Values
}

func item(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }

// strList decodes a list of strings; an item of the wrong type is marked bad
// and kept as "" so that indexes match the file.
func (d *decoder) strList(n ast.Node, path string, dst *[]string) {
	items := d.sequence(n, path)
	out := make([]string, len(items))
	for i, it := range items {
		p := item(path, i)
		d.pos[p] = nodePos(it)
		d.str(it, p, &out[i])
	}
	if d.set[path] {
		*dst = out
	}
}

func (d *decoder) decodeOrg(root ast.Node) *Org {
	org := &Org{}
	v, _, ok := d.resolve(root, "")
	if !ok {
		return org
	}
	d.pos[""] = nodePos(root)
	if _, null := v.(*ast.NullNode); null {
		d.errorf("", "the file is empty; %s", orgShape)
		return org
	}
	if !isMapping(v) {
		d.errorf("", "the file holds %s; %s", describe(v), orgShape)
		return org
	}
	d.rootOK = d.mapping(root, "", d.orgFields(org))
	return org
}

// regionShape is a region name, one of the AWS commercial regions palisade
// knows (regions.go).
func regionShape(doc string) *shape {
	return &shape{kind: kString, required: true, doc: doc, enum: anys(knownRegions())}
}

// orgFields are the org file's top-level keys. Required keys are checked,
// with their messages, in validate.
func (d *decoder) orgFields(org *Org) []field {
	return []field{
		d.strField("name", &org.Name, shape{required: true, pattern: orgNameRE,
			doc: "The org's name: 1 to 20 lowercase letters, digits and hyphens, starting with a letter. It prefixes every stack name."}),
		d.strField("organizationId", &org.OrganizationID, shape{required: true, pattern: orgIDRE,
			doc: "The AWS Organizations id (o- and 10 to 32 lowercase letters or digits) that every cross-account policy is scoped to; `aws organizations describe-organization --query Organization.Id` prints it."}),
		d.strField("homeRegion", &org.HomeRegion, *regionShape("The region, one of regions, where org-wide resources live (the trail's archive, the Config aggregator).")).required(),
		d.strListField("regions", &org.Regions, shape{required: true, minItems: 1, unique: true,
			doc:   "The AWS commercial regions palisade deploys to, without duplicates.",
			items: regionShape("")}),
		{"accounts", shape{kind: kList, required: true, minItems: 1,
			doc:   "The accounts: exactly one with role management, exactly one with role security, any number of workloads; names and ids unique.",
			items: &shape{kind: kObject, fields: func() []field { return d.accountFields(&Account{}, 0) }}},
			func(n ast.Node, p string) {
				for i, it := range d.sequence(n, p) {
					ip := item(p, i)
					d.pos[ip] = nodePos(it)
					org.Accounts = append(org.Accounts, d.decodeAccount(it, ip, i))
				}
			}},
		d.objectField("logging", shape{doc: "Where the org's logs go: the central log archive, the log drain and the organization trail."},
			func() []field { return d.loggingFields(&org.Logging) }),
		d.objectField("security", shape{doc: "How the security account watches the org (Security Hub, GuardDuty, Inspector, alerts) and the guardrail SCPs."},
			func() []field { return d.securityFields(&org.Detection) }),
		d.objectField("compliance", shape{doc: "AWS Config, its conformance pack and remediations, account hardening and the CIS alarms."},
			func() []field { return d.complianceFields(&org.Compliance) }),
		d.objectField("sessionManager", shape{doc: "Session Manager, patching and agents in the security and workload accounts."},
			func() []field { return d.sessionFields(&org.Sessions) }),
		d.objectField("deployment", shape{doc: "Which account deploys the others (the one every CDK bootstrap trusts) and the pipeline."},
			func() []field { return d.deploymentFields(&org.Deployment) }),
		d.strField("profile", &org.Profile, shape{enum: anys(profiles), def: defaultProfile,
			doc: "default, or lean: one NAT gateway per VPC where a VPC does not choose, and Session Manager's interface endpoints only in VPCs without NAT."}),
	}
}

// required marks a field's value required.
func (f field) required() field {
	f.shape.required = true
	return f
}

func (d *decoder) securityFields(sec *Detection) []field {
	return []field{
		d.strListField("standards", &sec.Standards, shape{unique: true, def: defaultStandards,
			doc:   "The Security Hub standards the central configuration policy enables.",
			items: &shape{enum: anys(standards)}}),
		d.reasonsField("disabledControls", &sec.DisabledControls, shape{
			doc:    "Security Hub controls to turn off (such as IAM.6), each with the reason it does not apply in this org (10 characters or more).",
			keys:   &shape{pattern: controlIDRE, doc: "A Security Hub control id, such as IAM.6 or EC2.10."},
			values: &shape{doc: "Why this control is off in this org."}}),
		d.strListField("policyTargets", &sec.PolicyTargets, shape{
			doc:   "The org root (r-...) and OUs (ou-...-...) the Security Hub configuration policy and the guardrail SCPs attach to; `aws organizations list-roots` prints the root. Default: none (no guardrails).",
			items: &shape{pattern: policyTargetRE, doc: "An organization root id (r-...) or OU id (ou-...-...)."}}),
		d.strField("alertSeverity", &sec.AlertSeverity, shape{enum: anys(severities), foldCase: true, def: defaultSeverity,
			doc: "Findings at or above this severity alert (any case)."}),
		d.strListField("alertEmails", &sec.AlertEmails, shape{
			doc:   "Who receives the alerts; each address confirms its subscription.",
			items: &shape{format: "email"}}),
		d.strListField("guardDutyFeatures", &sec.GuardDutyFeatures, shape{unique: true, def: defaultGuardDutyFeatures,
			doc:   "The GuardDuty protections every detector runs.",
			items: &shape{enum: anys(guardDutyFeatures)}}),
		d.boolField("denyOtherRegions", &sec.DenyOtherRegions, shape{def: false,
			doc: "Also deny member accounts every region outside regions (global services excepted)."}),
		d.strListField("inspector", &sec.Inspector, shape{unique: true,
			doc:   "The Amazon Inspector scan types turned on for the whole org (LAMBDA_CODE needs LAMBDA). Default: none (Inspector off).",
			items: &shape{enum: anys(inspectorTypes)}}),
	}
}

func (d *decoder) loggingFields(l *Logging) []field {
	return []field{
		d.objectField("archive", shape{doc: "The lifecycle of the central log archive."}, func() []field {
			return []field{
				d.intField("glacierTransitionDays", &l.Archive.GlacierTransitionDays, shape{min: ptr(1), def: defaultGlacierDays,
					doc: "Logs move to S3 Glacier Instant Retrieval at this age, in days."}),
				d.intField("expirationDays", &l.Archive.ExpirationDays, shape{min: ptr(0), def: 0,
					doc: "Logs are deleted at this age, in days: 0 keeps them for ever, otherwise more than glacierTransitionDays and no less than objectLock.days."}),
				d.presentObjectField("objectLock", shape{
					doc: "S3 Object Lock makes every log immutable for days; it cannot be turned off once on. Default: off.",
				}, func() []field {
					return []field{
						d.strField("mode", &l.Archive.ObjectLockMode, shape{required: true, enum: anys(objectLockModes), foldCase: true,
							doc: "governance (privileged users may still delete) or compliance (nobody may, not even root); any case."}),
						d.intField("days", &l.Archive.ObjectLockDays, shape{required: true, min: ptr(1), max: ptr(maxObjectLockDays),
							doc: "How long every object is locked, in days."}),
					}
				}, nil),
			}
		}),
		d.strListField("forwardLogGroups", &l.ForwardLogGroups, shape{unique: true, maxItem: maxForwardLogGroups,
			doc:   "CloudWatch log groups the security and workload accounts create and forward to the security account's drain. Default: none.",
			items: &shape{pattern: logGroupRE, not: &shape{pattern: reservedLogGroupRE}, doc: "A log group name: 1 to 512 of letters, digits and . - _ / #, not starting with aws/."}}),
		d.intField("logGroupRetentionDays", &l.LogGroupRetentionDays, shape{enum: anys(retentionDays), def: defaultRetentionDays,
			doc: "How long the forwarded log groups keep logs in their own account, in days (a retention CloudWatch Logs accepts)."}),
		d.objectField("trail", shape{doc: "The organization CloudTrail of the management account."}, func() []field {
			return []field{
				d.boolField("s3DataEvents", &l.Trail.S3DataEvents, shape{def: false,
					doc: "Also record S3 object-level (data) events: more detail, more cost."}),
				d.boolField("cloudWatchLogs", &l.Trail.CloudWatchLogs, shape{def: defaultTrailCloudWatchLogs,
					doc: "Also deliver the trail to a CloudWatch log group in the management account, which the CIS alarms (compliance.cisAlarms) read."}),
			}
		}),
	}
}

func (d *decoder) decodeAccount(n ast.Node, path string, index int) Account {
	var acc Account
	d.mapping(n, path, d.accountFields(&acc, index))
	return acc
}

func (d *decoder) accountFields(acc *Account, index int) []field {
	return []field{
		d.strField("name", &acc.Name, shape{required: true, pattern: accountNameRE,
			doc: "A short name, unique in the org: 1 to 32 lowercase letters, digits and hyphens, starting with a letter."}),
		d.accountIDField("id", &acc.ID, `The 12-digit AWS account id, unique in the org, in quotes ("123456789012"): unquoted, YAML reads a number and drops leading zeros.`),
		strFieldOf(d, "role", &acc.Role, shape{required: true, enum: anys(roles),
			doc: "management (the organization's management account; no VPCs), security (security tooling and the log archive) or workload."}),
		{"vpcs", shape{kind: kMap,
			doc:    "The account's VPCs by region (one of regions); the management account has none.",
			keys:   regionShape(""),
			values: &shape{kind: kObject, fields: func() []field { return d.vpcFields(&VPC{}) }}},
			func(n ast.Node, p string) {
				es, ok := d.entries(n, p, func(k string) string { return regionPath(p, k) })
				if !ok {
					return
				}
				d.set[p] = true
				acc.VPCs = map[string]*VPC{}
				for _, e := range es {
					vp := regionPath(p, e.key)
					d.pos[vp] = nodePos(e.keyNode)
					vpc := d.decodeVPC(e.value, vp)
					acc.VPCs[e.key] = vpc
					d.vpcs = append(d.vpcs, vpcRef{path: vp, account: index, region: e.key, vpc: vpc})
				}
			}},
	}
}

// accountIDField decodes a 12-digit account id, refusing a YAML number
// with a message that says to quote it.
func (d *decoder) accountIDField(name string, dst *string, doc string) field {
	return field{name, shape{kind: kString, required: true, pattern: accountIDRE, doc: doc},
		func(n ast.Node, p string) {
			d.pos[p] = nodePos(n)
			v, tag, ok := d.resolve(n, p)
			if !ok {
				return
			}
			if tag != "!!str" {
				switch v.(type) {
				case *ast.IntegerNode, *ast.FloatNode:
					text := tokenText(v)
					d.fail(p, "the account id %s is a YAML number; quote it: id: %q (unquoted, YAML drops leading zeros and may read it as octal)", text, text)
					return
				}
			}
			d.str(n, p, dst)
		}}
}

func regionPath(vpcs, region string) string { return vpcs + "[" + region + "]" }

func (d *decoder) decodeVPC(n ast.Node, path string) *VPC {
	v := &VPC{}
	d.mapping(n, path, d.vpcFields(v))
	return v
}

func (d *decoder) vpcFields(v *VPC) []field {
	mask := fmt.Sprintf("%d to /%d", minMask, maxMask)
	return []field{
		d.strField("cidr", &v.CIDR, shape{required: true, pattern: cidrRE,
			doc: "The VPC's IPv4 range: a network address inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16, /" + mask + "; no two VPCs in the org may overlap."}),
		d.intField("azCount", &v.AZCount, shape{min: ptr(minAZCount), max: ptr(maxAZCount), def: defaultAZCount,
			doc: "How many availability zones to spread subnets over, no more than the region has; with availabilityZones, their number."}),
		d.strListField("availabilityZones", &v.AvailabilityZones, shape{minItems: minAZCount, maxItem: maxAZCount, unique: true,
			doc:   "The zone names (this region and a letter), instead of the region's first azCount zones.",
			items: &shape{pattern: zoneRE, doc: "An availability zone of the VPC's region: the region's name and a letter, such as us-east-1a."}}),
		strFieldOf(d, "natGateways", &v.NATGateways, shape{enum: anys(natStrategy), def: string(NATPerAZ),
			doc: "perAz (one NAT gateway per zone), single (one for the VPC) or none (private subnets are isolated). Default: perAz, single with profile lean."}),
		d.boolField("publicSubnets", &v.PublicSubnets, shape{
			doc: "One public subnet per zone. Default: true unless natGateways is none; NAT gateways need them."}),
		d.intField("publicSubnetMask", &v.PublicSubnetMask, shape{min: ptr(minMask), max: ptr(maxMask), def: defaultPublicSubnetMask,
			doc: "The public subnets' prefix length, no shorter than the VPC's; only with public subnets."}),
		d.intField("privateSubnetMask", &v.PrivateSubnetMask, shape{min: ptr(minMask), max: ptr(maxMask), def: defaultPrivateSubnetMask,
			doc: "The private subnets' prefix length, no shorter than the VPC's."}),
		d.strListField("interfaceEndpoints", &v.InterfaceEndpoints, shape{unique: true,
			doc:   "Interface endpoints that keep AWS API traffic inside the VPC. Session Manager's (ssm, ssmmessages, ec2messages, kms, logs) are always added (with profile lean, only without NAT).",
			items: &shape{enum: anys(interfaceEndpoints)}}),
		d.boolField("dedicatedTenancy", &v.DedicatedTenancy, shape{def: false,
			doc: "Instances on single-tenant hardware."}),
		d.boolField("blockPublicAccess", &v.BlockPublicAccess, shape{def: false,
			doc: "VPC Block Public Access, ingress mode."}),
		d.objectField("flowLogs", shape{doc: "The VPC's flow logs, which always go to the log archive."}, func() []field {
			return []field{
				d.boolField("cloudWatch", &v.FlowLogs.CloudWatch, shape{def: false,
					doc: "Also send the flow logs to an encrypted CloudWatch log group."}),
				d.intField("retentionDays", &v.FlowLogs.RetentionDays, shape{enum: anys(retentionDays), def: defaultRetentionDays,
					doc: "The CloudWatch copy's retention in days (a value CloudWatch Logs accepts); only with cloudWatch: true."}),
			}
		}),
	}
}
