package config_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/palisade-sec/palisade/config"
)

// schemaDrafts are the drafts the schema is checked under: the 2020-12 it
// declares, and draft-07, which is what the YAML language server (VS Code,
// Neovim) documents support for.
var schemaDrafts = []struct {
	name  string
	draft *jsonschema.Draft
}{{"2020-12", jsonschema.Draft2020}, {"draft-07", jsonschema.Draft7}}

// validator validates a value under every draft of schemaDrafts.
type validator []*jsonschema.Schema

// Validate returns the first draft's refusal, or nil when every draft
// accepts v; a value accepted by one draft and refused by another is an
// error of its own.
func (vs validator) Validate(v any) error {
	var errs []error
	for _, s := range vs {
		errs = append(errs, s.Validate(v))
	}
	for i, err := range errs {
		if (err == nil) != (errs[0] == nil) {
			return fmt.Errorf("%s and %s disagree: %v / %v", schemaDrafts[0].name, schemaDrafts[i].name, errs[0], err)
		}
	}
	return errs[0]
}

// compileSchema compiles config.Schema() with a maintained validator,
// under draft 2020-12 and draft-07, as an editor's language server would
// load the committed file (cmd/palisade's test keeps that file equal to
// config.Schema()).
func compileSchema(t *testing.T) validator {
	t.Helper()
	var out validator
	for _, d := range schemaDrafts {
		out = append(out, compileDraft(t, d.draft))
	}
	return out
}

func compileDraft(t *testing.T, draft *jsonschema.Draft) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(config.Schema()))
	if err != nil {
		t.Fatalf("the schema is not JSON: %v", err)
	}
	if m, ok := doc.(map[string]any); ok && draft != jsonschema.Draft2020 {
		delete(m, "$schema") // read it as the other draft
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(draft)
	c.AssertFormat() // format is an annotation in 2020-12; an editor may check it, so the test does
	if err := c.AddResource("organization.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("organization.schema.json")
	if err != nil {
		t.Fatalf("the schema does not compile: %v", err)
	}
	return s
}

// yamlToJSON reads an org file's one YAML document as the JSON value a
// schema validator checks: anchors, aliases and merge keys resolved.
func yamlToJSON(data []byte) (any, error) {
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		return nil, err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return jsonschema.UnmarshalJSON(bytes.NewReader(b))
}

// Every org file the loader accepts that the repository holds is accepted
// by the schema too: the example, the options org and testdata/good.
func TestSchemaAcceptsGoodFiles(t *testing.T) {
	s := compileSchema(t)
	files := map[string][]byte{}
	paths, _ := filepath.Glob(filepath.Join("testdata", "good", "*.yaml"))
	// The example and the options org (test/options_test.go and the deploy
	// lane read it).
	paths = append(paths, filepath.Join("..", "organization.yaml"), filepath.Join("..", "test", "testdata", "options.yaml"))
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		files[p] = data
	}
	if len(files) < 6 {
		t.Fatalf("only %d good files", len(files))
	}
	for name, data := range files {
		t.Run(filepath.Base(name), func(t *testing.T) {
			if _, err := config.Load(name, data); err != nil {
				t.Fatalf("the loader refuses it, so it proves nothing here:\n%v", err)
			}
			v, err := yamlToJSON(data)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Validate(v); err != nil {
				t.Errorf("the schema refuses a file the loader accepts:\n%v", err)
			}
		})
	}
}

// class is why a bad file is bad, as far as the schema is concerned.
type class int

const (
	// structural: an unknown key, a wrong type, a value out of range, a bad
	// pattern or enum, a missing required key. The schema must refuse it.
	structural class = iota + 1
	// yamlLevel: the file is not one plain YAML mapping an editor's YAML
	// parser reads (a syntax error, an unknown alias, a duplicate key): it
	// must not get through the parser and the schema.
	yamlLevel
	// rule: a rule over several keys or the whole org, which only
	// `palisade validate` checks; the schema may accept the file.
	rule
)

// badFiles classifies every file of testdata/bad; a new file without a
// class fails TestSchemaRejectsBadFiles. For a rule, the string names it
// (the README's list of what only palisade validate checks).
var badFiles = map[string]struct {
	class class
	rule  string
}{
	"account-id-duplicate":              {rule, "account ids are unique"},
	"account-id-invalid":                {structural, ""},
	"account-id-number":                 {structural, ""}, // a YAML number where a string belongs
	"account-name-duplicate":            {rule, "account names are unique"},
	"account-name-invalid":              {structural, ""},
	"account-name-missing":              {structural, ""},
	"accounts-empty":                    {structural, ""},
	"alias-unknown":                     {yamlLevel, ""},
	"azcount-range":                     {structural, ""},
	"azcount-region-max":                {rule, "no more zones than the region offers"},
	"azs-count-mismatch":                {rule, "azCount matches availabilityZones"},
	"azs-duplicate":                     {structural, ""},
	"azs-too-few":                       {structural, ""},
	"azs-wrong-region":                  {rule, "zones belong to the VPC's region"},
	"cidr-invalid":                      {structural, ""},
	"cidr-ipv6":                         {structural, ""},
	"cidr-missing":                      {structural, ""},
	"cidr-not-network":                  {rule, "a CIDR is a network address (no host bits)"},
	"cidr-overlap-accounts":             {rule, "VPC CIDRs do not overlap anywhere in the org"},
	"cidr-overlap-regions":              {rule, "VPC CIDRs do not overlap anywhere in the org"},
	"cidr-public":                       {structural, ""},
	"cidr-too-large":                    {structural, ""},
	"cidr-too-small":                    {structural, ""},
	"compliance-unmanaged-duplicate":    {structural, ""}, // two equal items: uniqueItems
	"compliance-unmanaged-id-number":    {structural, ""},
	"compliance-unmanaged-in-file":      {rule, "an unmanaged account is not an account of the file"},
	"compliance-unmanaged-reason-short": {rule, "a reason has 10 characters or more"},
	"compliance-unmanaged-unknown-key":  {structural, ""},
	"compliance-cis-default-no-logs":    {rule, "the CIS alarms need logging.trail.cloudWatchLogs"},
	"compliance-cis-no-logs":            {rule, "the CIS alarms need logging.trail.cloudWatchLogs"},
	"compliance-disabled-reason":        {rule, "a reason has 10 characters or more"},
	"compliance-disabled-unknown":       {structural, ""},
	"compliance-ebs-key":                {structural, ""},
	"compliance-extra-baseline":         {structural, ""},
	"compliance-extra-identifier":       {structural, ""},
	"compliance-password-age":           {structural, ""},
	"compliance-port-range":             {structural, ""},
	"compliance-port-ssh":               {structural, ""},
	"compliance-remediation-unknown":    {structural, ""},
	"deployment-account":                {rule, "deployment accounts are accounts of the file"},
	"deployment-concurrency":            {structural, ""},
	"deployment-stacksets-no-targets":   {structural, ""},
	"deployment-stacksets-target":       {structural, ""},
	"deployment-stacksets-concurrency":  {structural, ""},
	"deployment-stacksets-nothing":      {rule, "stack sets fan out forwarded log groups"},
	"deployment-connection":             {structural, ""},
	"deployment-no-source":              {rule, "a pipeline has one source"},
	"deployment-production-management":  {rule, "deployment accounts are accounts of the file"},
	"deployment-repository":             {structural, ""},
	"deployment-two-sources":            {rule, "a pipeline has one source"},
	"duplicate-key":                     {yamlLevel, ""},
	"empty":                             {structural, ""}, // null is not a mapping (an editor shows nothing for an empty file)
	"endpoint-duplicate":                {structural, ""},
	"endpoint-invalid":                  {structural, ""},
	"flowlogs-unknown-key":              {structural, ""},
	"home-region-missing":               {structural, ""},
	"home-region-not-listed":            {rule, "homeRegion is one of regions"},
	"logging-expiration-early":          {rule, "expirationDays is after glacierTransitionDays and objectLock.days"},
	"logging-loggroup-duplicate":        {structural, ""},
	"logging-loggroup-invalid":          {structural, ""},
	"logging-loggroup-long":             {rule, "the forwarded log groups' names fit the guardrail SCP together"},
	"logging-loggroup-many":             {structural, ""},
	"logging-objectlock-longer":         {rule, "expirationDays is after glacierTransitionDays and objectLock.days"},
	"logging-objectlock-mode":           {structural, ""},
	"logging-retention":                 {structural, ""},
	"logging-trail-unknown":             {structural, ""},
	"management-duplicate":              {rule, "exactly one management and one security account"},
	"management-missing":                {rule, "exactly one management and one security account"},
	"management-vpc":                    {rule, "the management account has no VPCs"},
	"many-problems":                     {structural, ""},
	"mask-larger-than-vpc":              {rule, "the subnet plan fits the VPC's CIDR"},
	"name-invalid":                      {structural, ""},
	"name-missing":                      {structural, ""},
	"name-too-long":                     {structural, ""},
	"nat-invalid":                       {structural, ""},
	"not-a-mapping":                     {structural, ""},
	"organization-id-invalid":           {structural, ""},
	"organization-id-missing":           {structural, ""},
	"plan-does-not-fit-zones":           {rule, "the subnet plan fits the VPC's CIDR"},
	"plan-does-not-fit":                 {rule, "the subnet plan fits the VPC's CIDR"},
	"private-mask-range":                {structural, ""},
	"profile-unknown":                   {structural, ""},
	"public-false-default-nat":          {rule, "NAT gateways need public subnets"},
	"public-false-with-nat":             {rule, "NAT gateways need public subnets"},
	"public-mask-range":                 {structural, ""},
	"public-mask-without-public":        {rule, "publicSubnetMask only with public subnets"},
	"region-duplicate":                  {structural, ""},
	"region-unknown-far":                {structural, ""},
	"region-unknown":                    {structural, ""},
	"regions-empty":                     {structural, ""},
	"retention-invalid":                 {structural, ""},
	"retention-without-cloudwatch":      {rule, "flowLogs.retentionDays only with cloudWatch: true"},
	"role-invalid":                      {structural, ""},
	"role-missing":                      {structural, ""},
	"security-control-id":               {structural, ""},
	"security-control-reason":           {rule, "a reason has 10 characters or more"},
	"security-duplicate":                {rule, "exactly one management and one security account"},
	"security-email":                    {structural, ""}, // format: email, which an editor may or may not check
	"security-guardduty-feature":        {structural, ""},
	"security-inspector-code":           {rule, "Inspector's LAMBDA_CODE needs LAMBDA"},
	"security-inspector-type":           {structural, ""},
	"security-missing":                  {rule, "exactly one management and one security account"},
	"security-severity":                 {structural, ""},
	"security-standard-unknown":         {structural, ""},
	"security-target":                   {structural, ""},
	"sessions-approve":                  {structural, ""},
	"sessions-duration":                 {structural, ""},
	"sessions-idle":                     {structural, ""},
	"sessions-os":                       {structural, ""},
	"sessions-rate":                     {structural, ""},
	"sessions-retention":                {structural, ""},
	"sessions-runas":                    {structural, ""},
	"sessions-schedule":                 {structural, ""},
	"sessions-timezone":                 {structural, ""},
	"sessions-unknown":                  {structural, ""},
	"syntax":                            {yamlLevel, ""},
	"tag-unsupported":                   {rule, "no custom YAML tags (!Ref ...)"},
	"two-documents":                     {rule, "one YAML document per file"},
	"unknown-key-case":                  {structural, ""},
	"unknown-key-top":                   {structural, ""},
	"unknown-key-vpc":                   {structural, ""},
	"vpc-region-not-listed":             {rule, "a VPC's region is one of regions"},
	"wrong-type-bool":                   {structural, ""},
	"wrong-type-int":                    {structural, ""},
	"wrong-type-list":                   {structural, ""},
	"wrong-type-mapping":                {structural, ""},
}

// Every structural problem in testdata/bad is refused by the schema as well
// as by the loader; the rest are classified, with their rule named.
func TestSchemaRejectsBadFiles(t *testing.T) {
	s := compileSchema(t)
	paths, _ := filepath.Glob(filepath.Join("testdata", "bad", "*.yaml"))
	if len(paths) == 0 {
		t.Fatal("no bad files")
	}
	seen := map[string]bool{}
	for _, p := range paths {
		name := strings.TrimSuffix(filepath.Base(p), ".yaml")
		seen[name] = true
		t.Run(name, func(t *testing.T) {
			c, ok := badFiles[name]
			if !ok {
				t.Fatalf("testdata/bad/%s.yaml has no class in badFiles: say whether the schema must refuse it (structural) or only palisade validate can (a rule, named)", name)
			}
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := config.Load(p, data); err == nil {
				t.Fatal("the loader accepts it")
			}
			v, yerr := yamlToJSON(data)
			switch c.class {
			case structural:
				if yerr != nil {
					t.Fatalf("a structural problem must reach the schema, but the YAML does not decode: %v", yerr)
				}
				if err := s.Validate(v); err == nil {
					t.Errorf("the schema accepts it; the loader says:\n%v", loadErr(p, data))
				}
			case yamlLevel:
				if yerr == nil {
					if err := s.Validate(v); err == nil {
						t.Errorf("neither the YAML parser nor the schema refuses it")
					}
				}
			case rule:
				if c.rule == "" {
					t.Errorf("a rule file names its rule")
				}
			default:
				t.Errorf("unknown class %d", c.class)
			}
		})
	}
	for name := range badFiles {
		if !seen[name] {
			t.Errorf("badFiles classifies %s, which testdata/bad does not hold", name)
		}
	}
}

func loadErr(name string, data []byte) error {
	_, err := config.Load(name, data)
	return err
}

// The schema refuses, key by key, what the loader refuses on its own: a
// YAML number for an account id, an unknown key at every level, null for a
// required key. Each case starts from the minimal good file.
func TestSchemaAgreesOnEdits(t *testing.T) {
	s := compileSchema(t)
	base, err := os.ReadFile(filepath.Join("testdata", "good", "minimal.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, old, new string
		ok             bool // what both the loader and the schema say
	}{
		{"id number", `id: "111111111111"`, `id: 111111111111`, false},
		{"id leading zero number", `id: "111111111111"`, `id: 011111111111`, false},
		{"id tagged string", `id: "111111111111"`, `id: !!str 111111111111`, true},
		{"null optional section", `organizationId: o-testorg0001`, "organizationId: o-testorg0001\nlogging:", true},
		{"null optional scalar", `organizationId: o-testorg0001`, "organizationId: o-testorg0001\nprofile:", true},
		{"null required", `name: min`, `name:`, false},
		{"unknown nested key", `organizationId: o-testorg0001`, "organizationId: o-testorg0001\nlogging: {trail: {s3DataEvent: true}}", false},
		{"object lock needs days", `organizationId: o-testorg0001`, "organizationId: o-testorg0001\nlogging: {archive: {objectLock: {mode: governance}}}", false},
		{"object lock any case", `organizationId: o-testorg0001`, "organizationId: o-testorg0001\nlogging: {archive: {objectLock: {mode: GoVernance, days: 30}}}", true},
		{"severity any case", `organizationId: o-testorg0001`, "organizationId: o-testorg0001\nsecurity: {alertSeverity: critical}", true},
		{"empty run-as user", `organizationId: o-testorg0001`, "organizationId: o-testorg0001\nsessionManager: {runAsUser: \"\"}", true},
		{"aws/ log group", `organizationId: o-testorg0001`, "organizationId: o-testorg0001\nlogging: {forwardLogGroups: [aws/lambda/x]}", false},
		{"merge key", `  - name: security`, "  - &sec\n    name: security", true},
		{"codecommit with empty connection", `organizationId: o-testorg0001`, "organizationId: o-testorg0001\ndeployment: {pipeline: {codeCommitRepository: org, connectionArn: \"\"}}", true},
		{"port as string", `organizationId: o-testorg0001`, "organizationId: o-testorg0001\ncompliance: {internetIngressPorts: [\"443\"]}", false},
		{"rate as number", `organizationId: o-testorg0001`, "organizationId: o-testorg0001\nsessionManager: {patching: {maxErrors: 1}}", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !bytes.Contains(base, []byte(tt.old)) {
				t.Fatalf("minimal.yaml has no %q", tt.old)
			}
			data := bytes.Replace(base, []byte(tt.old), []byte(tt.new), 1)
			_, lerr := config.Load("edit.yaml", data)
			if (lerr == nil) != tt.ok {
				t.Fatalf("loader: ok = %t, want %t: %v", lerr == nil, tt.ok, lerr)
			}
			v, err := yamlToJSON(data)
			if err != nil {
				t.Fatal(err)
			}
			serr := s.Validate(v)
			if (serr == nil) != tt.ok {
				t.Errorf("schema: ok = %t, want %t: %v", serr == nil, tt.ok, serr)
			}
		})
	}
}

// The schema describes every key: an editor shows each one's description.
func TestSchemaDescribesEveryKey(t *testing.T) {
	var root any
	if err := json.Unmarshal(config.Schema(), &root); err != nil {
		t.Fatal(err)
	}
	var walk func(path string, v any)
	count := 0
	walk = func(path string, v any) {
		m, ok := v.(map[string]any)
		if !ok {
			return
		}
		if props, ok := m["properties"].(map[string]any); ok {
			if m["additionalProperties"] != false {
				t.Errorf("%s: unknown keys are not refused", path)
			}
			for _, k := range slices.Sorted(func(yield func(string) bool) {
				for k := range props {
					if !yield(k) {
						return
					}
				}
			}) {
				p := strings.TrimPrefix(path+"."+k, ".")
				count++
				if d, _ := props[k].(map[string]any)["description"].(string); d == "" {
					t.Errorf("%s has no description", p)
				}
				walk(p, props[k])
			}
		}
		for _, sub := range []string{"items", "additionalProperties"} {
			walk(fmt.Sprintf("%s[]", path), m[sub])
		}
	}
	walk("", root)
	if count < 60 {
		t.Errorf("only %d keys described; the walk missed some", count)
	}
}
