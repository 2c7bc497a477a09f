package gates

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestGuardRuleFilterChangesNothing proves the speed-up in runGuard exact:
// checking each template against only the rule files that name one of its
// resource types gives the same verdicts as checking it against every rule
// file. The templates are the example org's (testdata/org: a VPC, the log
// archive, the compliance baseline, detection, Session Manager, the
// management account's stacks) and the hand-written failing one.
func TestGuardRuleFilterChangesNothing(t *testing.T) {
	t.Parallel()
	tools, err := findTools(Options{OutDir: "testdata/good"})
	if err != nil {
		t.Fatal(err)
	}
	paths, _ := filepath.Glob("testdata/org/*.template.json")
	paths = append(paths, "testdata/bad/Guard.template.json")
	var stacks []*stack
	var files []string
	for _, p := range paths {
		s := &stack{name: filepath.Base(p), template: p}
		if err := s.readTemplate(); err != nil {
			t.Fatal(err)
		}
		stacks = append(stacks, s)
		abs, err := filepath.Abs(p)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, abs)
	}

	filtered, _, err := runGuard(tools.guard, tools.rules, stacks, nil)
	if err != nil {
		t.Fatal(err)
	}
	all, err := guardChunk(tools.guard, []string{tools.rules}, files)
	if err != nil {
		t.Fatal(err)
	}
	rules, err := readGuardRules(tools.rules)
	if err != nil {
		t.Fatal(err)
	}

	var passed, failed int
	for i, s := range stacks {
		got := filtered[s.template]
		j := slices.IndexFunc(all, func(g guardFile) bool { return g.Name == files[i] })
		if j < 0 {
			t.Fatalf("cfn-guard did not report on %s", files[i])
		}
		want, err := all[j].verdicts()
		if err != nil {
			t.Fatal(err)
		}
		if !maps.Equal(got.passed, want.passed) {
			t.Errorf("%s: rules passed with the filter %v, without %v", s.name, slices.Sorted(maps.Keys(got.passed)), slices.Sorted(maps.Keys(want.passed)))
		}
		if !maps.EqualFunc(got.failed, want.failed, slices.Equal) {
			t.Errorf("%s: rules failed with the filter %v, without %v", s.name, got.failed, want.failed)
		}
		applicable := 0
		for _, r := range rules {
			if r.appliesTo(s.types) {
				applicable++
			}
		}
		if applicable == len(rules) {
			t.Errorf("%s: every rule file applies, so the filter is not tested on it", s.name)
		}
		passed += len(want.passed)
		failed += len(want.failed)
	}
	if passed == 0 || failed == 0 {
		t.Errorf("the templates pass %d rules and fail %d: the comparison needs both", passed, failed)
	}
}

func TestGuardRuleTypes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, body := range map[string]string{
		"typed.guard": "# Reports on: AWS::S3::Bucket\nlet b = Resources.*[ Type == 'AWS::S3::BucketPolicy' ]\n",
		"regex.guard": "let b = Resources.*[ Type == /AWS::S3::/ ]\n",
		"none.guard":  "rule r { Resources exists }\n",
		"notes.txt":   "AWS::EC2::VPC",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rules, err := readGuardRules(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(rules) != 3 {
		t.Fatalf("rules = %+v, want the three .guard files", rules)
	}
	for _, tc := range []struct {
		rule  string
		types []string
		want  bool
	}{
		{"typed.guard", []string{"AWS::S3::Bucket"}, true},
		{"typed.guard", []string{"AWS::S3::BucketPolicy", "AWS::KMS::Key"}, true},
		{"typed.guard", []string{"AWS::EC2::VPC"}, false},
		{"typed.guard", nil, false},
		{"regex.guard", []string{"AWS::EC2::VPC"}, true}, // a regular expression may match any type
		{"none.guard", []string{"AWS::EC2::VPC"}, true},  // names no type: applies to all
	} {
		i := slices.IndexFunc(rules, func(r guardRule) bool { return filepath.Base(r.path) == tc.rule })
		types := map[string]bool{}
		for _, ty := range tc.types {
			types[ty] = true
		}
		if got := rules[i].appliesTo(types); got != tc.want {
			t.Errorf("%s applies to %v: %v, want %v", tc.rule, tc.types, got, tc.want)
		}
	}
}
