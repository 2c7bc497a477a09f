package gates

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
)

// Print writes the report for a terminal: a table with one row per stack and
// a verdict per gate; then the failures, grouped by gate, rule and message,
// each group with where it failed (template:line and resource); each waiver
// and acknowledgment that applied, once, with its reason; each waiver that matched nothing;
// and last the verdict. A group shows its first few places and counts the rest,
// so that a construct failing in every stack still fits on one screen.
func (r *Report) Print(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "STACK\tACCOUNT\tREGION\tRESOURCES\tNAG\tCFN-LINT\tCFN-GUARD\tPALISADE")
	for _, s := range r.Stacks {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", s.Name, s.Account, s.Region, s.Resources,
			s.Nag.cell(), lintCell(s.Lint), s.Guard.cell(), cell(len(s.Own) > 0, count{len(s.Own), "err"}))
	}
	tw.Flush()

	failures := r.failures()
	notes := failureNotes(failures)
	notes = append(notes, r.accepted()...)
	if n := len(r.StaleWaivers); n > 0 {
		// Waivers cover options and the pipeline too; the tests, not this
		// summary, fail on one that no tested org needs.
		var rules []string
		for _, w := range r.StaleWaivers {
			rules = append(rules, w.Tool+" "+w.Rule)
		}
		slices.Sort(rules)
		rules = slices.Compact(rules)
		notes = append(notes, fmt.Sprintf("note: %s matched nothing in this assembly (they cover options or the pipeline it does not have): %s",
			plural(n, "waiver"), strings.Join(rules, ", ")))
	}
	if r.LintCached > 0 || r.GuardCached > 0 {
		notes = append(notes, fmt.Sprintf("note: unchanged since checked (same template, tools and rules): cfn-lint's findings for %s and cfn-guard's for %s come from the cache",
			plural(r.LintCached, "template"), plural(r.GuardCached, "template")))
	}
	if len(notes) > 0 {
		fmt.Fprintln(w)
		for _, n := range notes {
			fmt.Fprintln(w, n)
		}
	}

	fmt.Fprintln(w)
	switch len(failures) {
	case 0:
		fmt.Fprintf(w, "gates: all passed (%d stacks)\n", len(r.Stacks))
	case 1:
		fmt.Fprintln(w, "gates: 1 failure")
	default:
		fmt.Fprintf(w, "gates: %d failures\n", len(failures))
	}
}

// shownPerGroup is how many places Print shows for one group of failures.
const shownPerGroup = 3

// failureNotes groups the failures by gate, rule and message, in the order
// they first occur.
func failureNotes(failures []failure) []string {
	type group struct {
		gate, rule, message string
		places              []string
		stacks              map[*StackResult]bool
	}
	var groups []*group
	index := map[[3]string]*group{}
	for _, f := range failures {
		k := [3]string{f.gate, f.Rule, f.Message}
		g := index[k]
		if g == nil {
			g = &group{gate: f.gate, rule: f.Rule, message: f.Message, stacks: map[*StackResult]bool{}}
			index[k] = g
			groups = append(groups, g)
		}
		where := f.stack.Template
		if f.Line > 0 {
			where = fmt.Sprintf("%s:%d", where, f.Line)
		}
		g.places = append(g.places, where+" "+f.Resource)
		g.stacks[f.stack] = true
	}
	var out []string
	for _, g := range groups {
		out = append(out, fmt.Sprintf("%s %s: %s", g.gate, g.rule, g.message))
		for _, p := range g.places[:min(len(g.places), shownPerGroup)] {
			out = append(out, "  "+p)
		}
		if n := len(g.places) - shownPerGroup; n > 0 {
			out = append(out, fmt.Sprintf("  and %d more (%s failing in all)", n, plural(len(g.stacks), "stack")))
		}
	}
	return out
}

// accepted lists, once per rule and reason, the findings that a waiver or an
// acknowledgment kept from failing.
func (r *Report) accepted() []string {
	type key struct{ kind, gate, rule, reason string }
	type tally struct{ resources, stacks int }
	counts := map[key]*tally{}
	add := func(gate string, findings []Finding) {
		seen := map[key]bool{}
		for _, f := range findings {
			if f.Reason == "" {
				continue
			}
			kind := "acknowledged by CDK"
			if f.Waived {
				kind = "waived"
			}
			k := key{kind, gate, f.Rule, f.Reason}
			if counts[k] == nil {
				counts[k] = &tally{}
			}
			counts[k].resources++
			if !seen[k] {
				seen[k] = true
				counts[k].stacks++
			}
		}
	}
	for _, s := range r.Stacks {
		add("cfn-lint", s.Lint)
		add("cfn-guard", s.Guard.Findings)
	}
	var out []string
	for _, k := range slices.SortedFunc(maps.Keys(counts), func(a, b key) int {
		return strings.Compare(a.kind+a.gate+a.rule+a.reason, b.kind+b.gate+b.rule+b.reason)
	}) {
		c := counts[k]
		out = append(out, fmt.Sprintf("%s: %s %s (%s in %s): %s", k.kind, k.gate, k.rule,
			plural(c.resources, "resource"), plural(c.stacks, "stack"), k.reason))
	}
	return out
}

func (n NagResult) cell() string {
	return cell(len(n.Findings) > 0, count{n.Errors, "err"}, count{n.Warnings, "warn"}, count{n.Suppressed, "supp"})
}

func lintCell(findings []Finding) string {
	var errs, warns, infos, acks int
	for _, f := range findings {
		switch {
		case f.Reason != "":
			acks++
		case f.Level == "Error":
			errs++
		case f.Level == "Warning":
			warns++
		default:
			infos++
		}
	}
	return cell(errs+warns > 0, count{errs, "err"}, count{warns, "warn"}, count{infos, "info"}, count{acks, "ack"})
}

func (g GuardResult) cell() string {
	return cell(g.Failed > 0, count{g.Failed, "fail"}, count{g.Passed, "pass"}, count{g.Waived, "waived"})
}

type count struct {
	n     int
	label string
}

// cell is a gate's verdict followed by its non-zero counts: "FAIL 2 err 1 warn".
func cell(failed bool, counts ...count) string {
	verdict := "ok"
	if failed {
		verdict = "FAIL"
	}
	var b strings.Builder
	b.WriteString(verdict)
	for _, c := range counts {
		if c.n > 0 {
			fmt.Fprintf(&b, " %d %s", c.n, c.label)
		}
	}
	return b.String()
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
