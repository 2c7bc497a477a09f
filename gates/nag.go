package gates

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// nagReportSuffix ends the name of every report cdk-nag's NagReportLogger
// writes: <Pack>-<StackName>-NagReport.csv.
const nagReportSuffix = "-NagReport.csv"

// nagColumns are the columns the gate reads from a report.
var nagColumns = []string{"Rule ID", "Resource ID", "Compliance", "Rule Level", "Rule Info"}

// readNag sums up, per stack name, cdk-nag's reports in outDir and the stack's
// aws:cdk:error and aws:cdk:warning metadata. Reports of stacks that are not
// in the assembly (left from an earlier synth) are ignored.
func readNag(outDir string, stacks []*stack) (map[string]NagResult, error) {
	entries, err := os.ReadDir(outDir)
	if err != nil {
		return nil, err
	}
	out := map[string]NagResult{}
	reported := map[string]map[nagKey]bool{} // stack -> findings the reports hold
	for _, e := range entries {
		s := nagStack(e.Name(), stacks)
		if s == nil {
			continue
		}
		r := out[s.name]
		if reported[s.name] == nil {
			reported[s.name] = map[nagKey]bool{}
		}
		if err := readNagReport(filepath.Join(outDir, e.Name()), s, &r, reported[s.name]); err != nil {
			return nil, err
		}
		out[s.name] = r
	}

	// The annotations cdk-nag (and CDK) left in the assembly, less those a
	// report already counted.
	for _, s := range stacks {
		r := out[s.name]
		for _, path := range slices.Sorted(maps.Keys(s.metadata)) {
			for _, e := range s.metadata[path] {
				level := map[string]string{"aws:cdk:error": "Error", "aws:cdk:warning": "Warning"}[e.Type]
				if level == "" {
					continue
				}
				message := oneLine(e.Text())
				rule, _, _ := strings.Cut(message, ":")
				rule, _, _ = strings.Cut(rule, "[") // AwsSolutions-IAM5[Action::s3:*]: ...
				if reported[s.name][nagKey{level, path, rule}] {
					continue
				}
				if level == "Warning" {
					r.Warnings++
					continue
				}
				r.Errors++
				r.Findings = append(r.Findings, Finding{Rule: e.Type, Resource: s.resource(path), Level: level, Message: message})
			}
		}
		out[s.name] = r
	}
	return out, nil
}

// nagKey is one finding as a report row and an annotation both name it.
type nagKey struct{ level, path, rule string }

// nagStack is the stack a report file belongs to: the longest stack name that
// the file name ends with, as stack names may contain dashes.
func nagStack(file string, stacks []*stack) *stack {
	var best *stack
	for _, s := range stacks {
		if strings.HasSuffix(file, "-"+s.name+nagReportSuffix) &&
			len(file) > len("-"+s.name+nagReportSuffix) &&
			(best == nil || len(s.name) > len(best.name)) {
			best = s
		}
	}
	return best
}

func readNagReport(path string, s *stack, r *NagResult, reported map[nagKey]bool) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	rows := csv.NewReader(f)
	header, err := rows.Read()
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	col := map[string]int{}
	for i, name := range header {
		col[name] = i
	}
	for _, name := range nagColumns {
		if _, ok := col[name]; !ok {
			return fmt.Errorf("%s: no %q column: not a cdk-nag report", path, name)
		}
	}
	for {
		row, err := rows.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		rule, level := row[col["Rule ID"]], "Error"
		if row[col["Rule Level"]] == "Warning" {
			level = "Warning"
		}
		constructPath := "/" + strings.TrimPrefix(row[col["Resource ID"]], "/")
		switch row[col["Compliance"]] {
		case "Compliant":
		case "Suppressed":
			r.Suppressed++
		case "UNKNOWN": // the rule could not evaluate: cdk-nag annotates that as a warning
			r.Warnings++
			reported[nagKey{"Warning", constructPath, "CdkNagValidationFailure"}] = true
		default: // Non-Compliant, and anything newer is not taken for a pass
			reported[nagKey{level, constructPath, rule}] = true
			if level == "Warning" {
				r.Warnings++
				continue
			}
			r.Errors++
			r.Findings = append(r.Findings, Finding{
				Rule:     rule,
				Resource: s.resource(constructPath),
				Level:    level,
				Message:  oneLine(row[col["Rule Info"]]),
			})
		}
	}
}
