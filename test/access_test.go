package test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/palisade-sec/palisade/config"
	"github.com/palisade-sec/palisade/internal/access"
	"github.com/palisade-sec/palisade/internal/iamsim"
)

// The access matrix: every request AWS services and principals make on
// palisade's log, alert and guardrail paths, built from the synthesized
// templates of the example org and the options org, evaluated by the IAM
// policy engine (internal/iamsim) in one Node process, against the verdict
// AWS documents for it (the doc is named in each row).

// matrixCase is one org's (or one mutation's) matrix.
type matrixCase struct {
	name string
	rows []access.Row
	err  error
}

// mutation weakens one statement of the templates; it reports whether it
// found the statement.
type mutation struct {
	name string
	// of is the org case it applies to.
	of    string
	apply func(a *access.Assembly) bool
}

var mutations = []mutation{
	{"archive log delivery without its source conditions", "example", func(a *access.Assembly) bool {
		return editStatements(a, "AWS::S3::BucketPolicy", "PolicyDocument", func(s map[string]any) bool {
			if !principalIs(s, "delivery.logs.amazonaws.com") || !actionHas(s, "s3:PutObject") || s["Condition"] == nil {
				return false
			}
			delete(s, "Condition")
			return true
		})
	}},
	{"SCP without its protection of the security services", "example", func(a *access.Assembly) bool {
		return dropStatements(a, "AWS::Organizations::Policy", "Content", func(s map[string]any) bool {
			return s["Effect"] == "Deny" && actionHas(s, "cloudtrail:StopLogging")
		})
	}},
	{"SCP without the guard of its exemption", "example", func(a *access.Assembly) bool {
		return dropStatements(a, "AWS::Organizations::Policy", "Content", func(s map[string]any) bool {
			return s["Effect"] == "Deny" && (actionHas(s, "iam:CreateRole") || actionHas(s, "iam:PassRole") || actionHas(s, "iam:UpdateAssumeRolePolicy"))
		})
	}},
}

// simulated says how many requests the engine evaluated and how long it took.
var simulated string

var matrices = sync.OnceValues(func() (map[string]*matrixCase, error) {
	var execPolicies []string
	files, err := filepath.Glob(filepath.Join(root, "deploy", "execution-policy-*.json"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("no deploy/execution-policy-*.json: %v", err)
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		execPolicies = append(execPolicies, string(raw))
	}
	o, err := options()
	if err != nil {
		return nil, err
	}
	orgs := map[string]*config.Org{"example": example, "options": o.org}
	dirs := map[string]string{"example": outdir, "options": o.outdir}
	assemblies := map[string]*access.Assembly{}
	cases := map[string]*matrixCase{}
	build := func(name string, org *config.Org, a *access.Assembly) {
		c := &matrixCase{name: name}
		cases[name] = c
		p, err := access.Extract(a)
		if err != nil {
			c.err = err
			return
		}
		c.rows, c.err = access.Rows(access.Inputs{Org: org, Assembly: a, Policies: p, ExecPolicies: execPolicies})
	}
	for name, dir := range dirs {
		a, err := access.ReadAssembly(dir)
		if err != nil {
			return nil, err
		}
		assemblies[name] = a
		build(name, orgs[name], a)
	}
	for _, m := range mutations {
		a := assemblies[m.of].Clone()
		if !m.apply(a) {
			cases["mutation: "+m.name] = &matrixCase{name: m.name, err: fmt.Errorf("the templates have no such statement to weaken")}
			continue
		}
		build("mutation: "+m.name, orgs[m.of], a)
	}
	// One batch, one Node process, for every case.
	var reqs []iamsim.Request
	type at struct {
		row  *access.Row
		step string // "" for the row's own request
	}
	var where []at
	add := func(name string, q access.Request, a at) {
		reqs = append(reqs, iamsim.Request{
			Name: name, Principal: q.Principal, Action: q.Action, Resource: q.Resource,
			Context: q.Context, IdentityPolicies: q.IdentityPolicies, ResourcePolicy: q.ResourcePolicy,
			ResourceAccount: q.ResourceAccount, SCPs: q.SCPs,
		})
		where = append(where, a)
	}
	for _, name := range sortedCaseNames(cases) {
		c := cases[name]
		for i := range c.rows {
			r := &c.rows[i]
			for _, s := range r.Steps {
				add(name+": "+r.Name+" (step: "+s.Name+")", s.Request, at{r, s.Name})
			}
			add(name+": "+r.Name, r.Request, at{r, ""})
		}
	}
	start := time.Now()
	results, err := iamsim.Simulate(context.Background(), reqs)
	if err != nil {
		return nil, err
	}
	simulated = fmt.Sprintf("%d requests in one engine process: %s", len(reqs), time.Since(start).Round(time.Millisecond))
	for i, res := range results {
		r := where[i].row
		if where[i].step != "" { // steps come first: the first one refused decides
			if r.StoppedAt == "" && res.Decision != iamsim.Allowed {
				r.Got, r.StoppedAt = res.Decision, where[i].step
			}
			continue
		}
		if r.StoppedAt == "" {
			r.Got = res.Decision
		}
		// A context key the engine dropped that a condition of the
		// evaluated policies names: the engine cannot judge the row.
		policies := strings.Join(append(slices.Clone(r.Request.IdentityPolicies), r.Request.ResourcePolicy), "\n")
		for _, k := range res.IgnoredContextKeys {
			if strings.Contains(policies, `"`+k+`"`) {
				r.Gap = fmt.Sprintf("the engine ignored %s, which a condition names (not defined for %s in its Service Authorization Reference)", k, r.Request.Action)
			}
		}
	}
	return cases, nil
})

func sortedCaseNames(m map[string]*matrixCase) []string {
	var names []string
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func matrix(t *testing.T, name string) *matrixCase {
	t.Helper()
	cases, err := matrices()
	if err != nil {
		t.Fatal(err)
	}
	c := cases[name]
	if c == nil {
		t.Fatalf("no matrix %s", name)
	}
	return c
}

// TestAccessMatrix: every row of both orgs gets the verdict AWS documents.
func TestAccessMatrix(t *testing.T) {
	for _, name := range []string{"example", "options"} {
		t.Run(name, func(t *testing.T) {
			c := matrix(t, name)
			if c.err != nil {
				t.Errorf("building the matrix: %v", c.err)
			}
			t.Log(simulated)
			if len(c.rows) == 0 {
				t.Fatal("no rows")
			}
			var gaps int
			for _, r := range c.rows {
				if r.Gap != "" {
					gaps++
				}
			}
			if bad := access.Failed(c.rows); len(bad) > 0 || gaps > 0 {
				var b strings.Builder
				access.Print(&b, c.rows, true)
				msg := fmt.Sprintf("%d of %d rows are not what AWS documents (%d more the engine cannot judge):\n%s", len(bad), len(c.rows), gaps, b.String())
				if len(bad) > 0 {
					t.Error(msg)
				} else {
					t.Log(msg)
				}
			}
			if testing.Verbose() {
				var b strings.Builder
				access.Print(&b, c.rows, false)
				t.Log("\n" + b.String())
			}
		})
	}
}

// TestAccessMatrixMutations: weakening one statement turns rows that were
// right wrong; a matrix that cannot see the change would not be a test.
func TestAccessMatrixMutations(t *testing.T) {
	for _, m := range mutations {
		t.Run(m.name, func(t *testing.T) {
			base := matrix(t, m.of)
			mut := matrix(t, "mutation: "+m.name)
			if mut.err != nil {
				t.Fatalf("mutation: %v", mut.err)
			}
			ok := map[string]bool{}
			for _, r := range base.rows {
				if r.Gap == "" && r.OK() {
					ok[r.Name+"\x00"+r.Request.Action+"\x00"+r.Request.Resource] = true
				}
			}
			var turned []access.Row
			for _, r := range access.Failed(mut.rows) {
				if ok[r.Name+"\x00"+r.Request.Action+"\x00"+r.Request.Resource] {
					turned = append(turned, r)
				}
			}
			if len(turned) == 0 {
				t.Fatalf("weakening the templates (%s) turned no row red", m.name)
			}
			var b strings.Builder
			access.Print(&b, turned, false)
			t.Logf("%d rows turned red:\n%s", len(turned), b.String())
		})
	}
}

// ---- editing templates for the mutations ----

func editStatements(a *access.Assembly, typ, prop string, edit func(map[string]any) bool) bool {
	found := false
	for _, s := range a.Stacks {
		for _, r := range s.Resources {
			if r.Type != typ {
				continue
			}
			doc, _ := r.Properties[prop].(map[string]any)
			sts, _ := doc["Statement"].([]any)
			for _, st := range sts {
				if m, ok := st.(map[string]any); ok && edit(m) {
					found = true
				}
			}
		}
	}
	return found
}

func dropStatements(a *access.Assembly, typ, prop string, drop func(map[string]any) bool) bool {
	found := false
	for _, s := range a.Stacks {
		for _, r := range s.Resources {
			if r.Type != typ {
				continue
			}
			doc, _ := r.Properties[prop].(map[string]any)
			sts, _ := doc["Statement"].([]any)
			var keep []any
			for _, st := range sts {
				if m, ok := st.(map[string]any); ok && drop(m) {
					found = true
					continue
				}
				keep = append(keep, st)
			}
			if doc != nil {
				doc["Statement"] = keep
			}
		}
	}
	return found
}

func principalIs(s map[string]any, service string) bool {
	p, _ := s["Principal"].(map[string]any)
	switch v := p["Service"].(type) {
	case string:
		return v == service
	case []any:
		return slices.Contains(v, any(service))
	}
	return false
}

func actionHas(s map[string]any, action string) bool {
	switch v := s["Action"].(type) {
	case string:
		return v == action
	case []any:
		return slices.Contains(v, any(action))
	}
	return false
}
