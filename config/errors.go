package config

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Error is one problem in an org file: where it is and what is wrong.
// Load returns every problem it finds as an errors.Join of *Error; use
// Errors to get them back.
type Error struct {
	File      string // the name given to Load, or the path given to LoadFile
	Line, Col int    // 1-based; 0 when the problem has no place in the file
	Path      string // e.g. accounts[2].vpcs[us-east-1].cidr; empty for a syntax error
	Msg       string
}

// Error formats the problem as "file:line:col: path: msg", leaving out
// whatever is unknown.
func (e *Error) Error() string {
	var b strings.Builder
	sep := func() {
		if b.Len() > 0 {
			b.WriteString(": ")
		}
	}
	b.WriteString(e.File)
	if e.Line > 0 {
		if b.Len() > 0 {
			b.WriteString(":")
		}
		fmt.Fprintf(&b, "%d:%d", e.Line, e.Col)
	}
	if e.Path != "" {
		sep()
		b.WriteString(e.Path)
	}
	sep()
	b.WriteString(e.Msg)
	return b.String()
}

// Errors returns the *Error values inside err, which is typically the
// errors.Join returned by Load. It returns nil for a nil error and for an
// error that holds no *Error (a file that could not be read, say).
func Errors(err error) []*Error {
	var out []*Error
	var walk func(error)
	walk = func(err error) {
		if err == nil {
			return
		}
		if e, ok := err.(*Error); ok {
			out = append(out, e)
			return
		}
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, inner := range j.Unwrap() {
				walk(inner)
			}
			return
		}
		var e *Error
		if errors.As(err, &e) {
			out = append(out, e)
		}
	}
	walk(err)
	return out
}

// joinErrors sorts errs by position (problems without one last) and joins
// them; nil when there are none.
func joinErrors(errs []*Error) error {
	if len(errs) == 0 {
		return nil
	}
	slices.SortStableFunc(errs, func(a, b *Error) int {
		if (a.Line == 0) != (b.Line == 0) {
			if a.Line == 0 {
				return 1
			}
			return -1
		}
		return cmp.Or(
			cmp.Compare(a.Line, b.Line),
			cmp.Compare(a.Col, b.Col),
			cmp.Compare(a.Path, b.Path),
			cmp.Compare(a.Msg, b.Msg),
		)
	})
	joined := make([]error, len(errs))
	for i, e := range errs {
		joined[i] = e
	}
	return errors.Join(joined...)
}
