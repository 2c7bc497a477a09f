package access

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Request is one request as an IAM policy engine evaluates it: who, what,
// on which resource, with the request context the calling service sends,
// and the policies AWS evaluates for it. It mirrors internal/iamsim's
// Request; the test converts one to the other.
type Request struct {
	Principal string // an IAM ARN, or a service principal (cloudtrail.amazonaws.com)
	Action    string
	Resource  string
	// ResourceAccount owns the resource; a request from another account
	// needs both an identity policy and the resource's policy (IAM User
	// Guide, "Cross-account policy evaluation logic").
	ResourceAccount  string
	Context          map[string][]string
	IdentityPolicies []string
	ResourcePolicy   string
	// SCPs are the service control policies per level of the org, from the
	// root down to the account; every level must allow (IAM User Guide,
	// "Policy evaluation logic": SCPs). Empty for the management account
	// and for service principals, which SCPs do not affect (AWS
	// Organizations User Guide, "Service control policies": "SCPs don't
	// affect ... service principals" / "the management account").
	SCPs [][]string
}

// Want is a row's verdict as AWS documents it.
type Want string

const (
	Allowed Want = "Allowed"
	Denied  Want = "Denied" // ImplicitlyDenied or ExplicitlyDenied: AWS refuses it
)

// Row is one line of the matrix.
type Row struct {
	Name    string
	Want    Want
	Doc     string // the AWS documentation that gives the request's shape and verdict
	Request Request
	// Steps are the requests that must succeed before Request can be made
	// at all (an attack in several calls: create a role, assume it, act
	// as it). AWS evaluates each call on its own; the row's decision is
	// the first step's that is not allowed, else Request's.
	Steps []Step
	// Gap, when set, says why the engine cannot judge this row (a known gap
	// of the engine, TOOLCHAIN.md): the row is shown with its verdict but
	// does not fail the matrix.
	Gap string
	Got string // the engine's decision, filled by the caller
	// StoppedAt names the step that was not allowed, when one was not.
	StoppedAt string
}

// Step is one call of a row's chain.
type Step struct {
	Name    string
	Request Request
}

// OK reports whether the engine's decision is the row's verdict.
func (r Row) OK() bool {
	switch r.Want {
	case Allowed:
		return r.Got == "Allowed"
	case Denied:
		return r.Got == "ImplicitlyDenied" || r.Got == "ExplicitlyDenied"
	}
	return false
}

// Failed are the rows whose decision is not their verdict, gaps left out.
func Failed(rows []Row) []Row {
	var out []Row
	for _, r := range rows {
		if r.Gap == "" && !r.OK() {
			out = append(out, r)
		}
	}
	return out
}

// Print writes the matrix as a table: every row, or only the failed and
// gap rows with onlyBad.
func Print(w io.Writer, rows []Row, onlyBad bool) {
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
	fmt.Fprintln(tw, "\tname\tprincipal\taction\tresource\twant\tgot\tdoc")
	for _, r := range rows {
		mark := "ok"
		switch {
		case r.Gap != "":
			mark = "GAP"
		case !r.OK():
			mark = "RED"
		}
		if onlyBad && mark == "ok" {
			continue
		}
		got := r.Got
		if r.StoppedAt != "" {
			got += " (at step: " + r.StoppedAt + ")"
		}
		doc := r.Doc
		if r.Gap != "" {
			doc += " [engine gap: " + r.Gap + "]"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", mark, r.Name, short(r.Request.Principal), r.Request.Action, r.Request.Resource, r.Want, got, doc)
	}
	tw.Flush()
}

func short(p string) string { return strings.TrimPrefix(p, "arn:aws:") }
