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

// field decodes one known key of a mapping.
type field struct {
	name   string
	decode func(n ast.Node, path string)
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
	d.rootOK = d.mapping(root, "", []field{
		{"name", func(n ast.Node, p string) { d.str(n, p, &org.Name) }},
		{"organizationId", func(n ast.Node, p string) { d.str(n, p, &org.OrganizationID) }},
		{"homeRegion", func(n ast.Node, p string) { d.str(n, p, &org.HomeRegion) }},
		{"regions", func(n ast.Node, p string) { d.strList(n, p, &org.Regions) }},
		{"accounts", func(n ast.Node, p string) {
			for i, it := range d.sequence(n, p) {
				ip := item(p, i)
				d.pos[ip] = nodePos(it)
				org.Accounts = append(org.Accounts, d.decodeAccount(it, ip, i))
			}
		}},
		{"logging", func(n ast.Node, p string) { d.decodeLogging(n, p, &org.Logging) }},
		{"security", func(n ast.Node, p string) { d.decodeSecurity(n, p, &org.Detection) }},
		{"compliance", func(n ast.Node, p string) { d.decodeCompliance(n, p, &org.Compliance) }},
		{"sessionManager", func(n ast.Node, p string) { d.decodeSessions(n, p, &org.Sessions) }},
		{"deployment", func(n ast.Node, p string) { d.decodeDeployment(n, p, &org.Deployment) }},
		{"profile", func(n ast.Node, p string) { d.str(n, p, &org.Profile) }},
	})
	return org
}

func (d *decoder) decodeSecurity(n ast.Node, path string, sec *Detection) {
	d.mapping(n, path, []field{
		{"standards", func(n ast.Node, p string) { d.strList(n, p, &sec.Standards) }},
		{"disabledControls", func(n ast.Node, p string) {
			es, ok := d.entries(n, p, func(k string) string { return regionPath(p, k) })
			if !ok {
				return
			}
			d.set[p] = true
			sec.DisabledControls = map[string]string{}
			for _, e := range es {
				cp := regionPath(p, e.key)
				d.pos[cp] = nodePos(e.keyNode)
				var reason string
				d.str(e.value, cp, &reason)
				sec.DisabledControls[e.key] = reason
			}
		}},
		{"policyTargets", func(n ast.Node, p string) { d.strList(n, p, &sec.PolicyTargets) }},
		{"alertSeverity", func(n ast.Node, p string) { d.str(n, p, &sec.AlertSeverity) }},
		{"alertEmails", func(n ast.Node, p string) { d.strList(n, p, &sec.AlertEmails) }},
		{"guardDutyFeatures", func(n ast.Node, p string) { d.strList(n, p, &sec.GuardDutyFeatures) }},
		{"denyOtherRegions", func(n ast.Node, p string) { d.boolean(n, p, &sec.DenyOtherRegions) }},
		{"inspector", func(n ast.Node, p string) { d.strList(n, p, &sec.Inspector) }},
	})
}

func (d *decoder) decodeLogging(n ast.Node, path string, l *Logging) {
	d.mapping(n, path, []field{
		{"archive", func(n ast.Node, p string) {
			d.mapping(n, p, []field{
				{"glacierTransitionDays", func(n ast.Node, p string) { d.integer(n, p, &l.Archive.GlacierTransitionDays) }},
				{"expirationDays", func(n ast.Node, p string) { d.integer(n, p, &l.Archive.ExpirationDays) }},
				{"objectLock", func(n ast.Node, p string) {
					d.set[p] = true
					d.mapping(n, p, []field{
						{"mode", func(n ast.Node, p string) { d.str(n, p, &l.Archive.ObjectLockMode) }},
						{"days", func(n ast.Node, p string) { d.integer(n, p, &l.Archive.ObjectLockDays) }},
					})
				}},
			})
		}},
		{"forwardLogGroups", func(n ast.Node, p string) { d.strList(n, p, &l.ForwardLogGroups) }},
		{"logGroupRetentionDays", func(n ast.Node, p string) { d.integer(n, p, &l.LogGroupRetentionDays) }},
		{"trail", func(n ast.Node, p string) {
			d.mapping(n, p, []field{
				{"s3DataEvents", func(n ast.Node, p string) { d.boolean(n, p, &l.Trail.S3DataEvents) }},
				{"cloudWatchLogs", func(n ast.Node, p string) { d.boolean(n, p, &l.Trail.CloudWatchLogs) }},
			})
		}},
	})
}

func (d *decoder) decodeAccount(n ast.Node, path string, index int) Account {
	var acc Account
	d.mapping(n, path, []field{
		{"name", func(n ast.Node, p string) { d.str(n, p, &acc.Name) }},
		{"id", func(n ast.Node, p string) {
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
			d.str(n, p, &acc.ID)
		}},
		{"role", func(n ast.Node, p string) {
			var s string
			d.str(n, p, &s)
			acc.Role = Role(s)
		}},
		{"vpcs", func(n ast.Node, p string) {
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
	})
	return acc
}

func regionPath(vpcs, region string) string { return vpcs + "[" + region + "]" }

func (d *decoder) decodeVPC(n ast.Node, path string) *VPC {
	v := &VPC{}
	d.mapping(n, path, []field{
		{"cidr", func(n ast.Node, p string) { d.str(n, p, &v.CIDR) }},
		{"azCount", func(n ast.Node, p string) { d.integer(n, p, &v.AZCount) }},
		{"availabilityZones", func(n ast.Node, p string) { d.strList(n, p, &v.AvailabilityZones) }},
		{"natGateways", func(n ast.Node, p string) {
			var s string
			d.str(n, p, &s)
			v.NATGateways = NATStrategy(s)
		}},
		{"publicSubnets", func(n ast.Node, p string) { d.boolean(n, p, &v.PublicSubnets) }},
		{"publicSubnetMask", func(n ast.Node, p string) { d.integer(n, p, &v.PublicSubnetMask) }},
		{"privateSubnetMask", func(n ast.Node, p string) { d.integer(n, p, &v.PrivateSubnetMask) }},
		{"interfaceEndpoints", func(n ast.Node, p string) { d.strList(n, p, &v.InterfaceEndpoints) }},
		{"dedicatedTenancy", func(n ast.Node, p string) { d.boolean(n, p, &v.DedicatedTenancy) }},
		{"blockPublicAccess", func(n ast.Node, p string) { d.boolean(n, p, &v.BlockPublicAccess) }},
		{"flowLogs", func(n ast.Node, p string) {
			d.mapping(n, p, []field{
				{"cloudWatch", func(n ast.Node, p string) { d.boolean(n, p, &v.FlowLogs.CloudWatch) }},
				{"retentionDays", func(n ast.Node, p string) { d.integer(n, p, &v.FlowLogs.RetentionDays) }},
			})
		}},
	})
	return v
}
