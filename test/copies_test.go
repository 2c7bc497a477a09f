package test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCustomResourceLogsCopiesAgree: every construct package that makes an
// AwsCustomResource carries its own copy of customresourcelogs.go (a
// construct package imports no sibling, so that it can be copied alone).
// The copies must stay the same but for the package name: all
// AwsCustomResources of a stack share one function, whose log group and
// role the first construct sets (aws-cdk-lib's SingletonFunction), so two
// copies that drifted apart would make a stack's logging depend on which
// construct came first.
func TestCustomResourceLogsCopiesAgree(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(root, "constructs", "*", "customresourcelogs.go"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 2 {
		t.Fatalf("found %d copies of customresourcelogs.go, want one in every construct package that makes an AwsCustomResource", len(files))
	}
	normalize := func(path string) string {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		pkg := filepath.Base(filepath.Dir(path))
		s := strings.Replace(string(data), "package "+pkg+"\n", "package PKG\n", 1)
		return strings.ReplaceAll(s, `"`+pkg+`: `, `"PKG: `)
	}
	want := normalize(files[0])
	for _, f := range files[1:] {
		if got := normalize(f); got != want {
			t.Errorf("%s differs from %s beyond the package name: change every copy alike", f, files[0])
		}
	}
}
