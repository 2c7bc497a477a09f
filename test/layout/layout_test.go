// Package layout checks the repository's layout rules in plain Go (no
// jsii, no synth): what construct packages may import, and that the files
// they carry as copies stay alike.
package layout

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// root is the repository.
const root = "../.."

// allowedImport says whether a construct package may import path: CDK,
// constructs-go, jsii and the standard library only, so that one package
// can be copied into another app alone (HOUSE_STYLE.md).
func allowedImport(path string) bool {
	for _, prefix := range []string{"github.com/aws/aws-cdk-go/", "github.com/aws/constructs-go/", "github.com/aws/jsii-runtime-go"} {
		if strings.HasPrefix(path, prefix) {
			return true
		}
	}
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".") // the standard library has no dot in its first element
}

// TestConstructPackagesStandAlone: no construct package imports config/,
// stacks/, a sibling construct or any other module.
func TestConstructPackagesStandAlone(t *testing.T) {
	cmd := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "./constructs/...")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) < 10 {
		t.Fatalf("go list found %d construct packages:\n%s", len(lines), out)
	}
	for _, line := range lines {
		fields := strings.Fields(line)
		for _, imp := range fields[1:] {
			if !allowedImport(imp) {
				t.Errorf("%s imports %s: a construct package imports only CDK, constructs-go, jsii and the standard library", fields[0], imp)
			}
		}
	}
}

// The check itself: it refuses what a construct package must not import.
func TestAllowedImportRefuses(t *testing.T) {
	for _, imp := range []string{"github.com/palisade-sec/palisade/config", "github.com/palisade-sec/palisade/constructs/logarchive", "gopkg.in/yaml.v3"} {
		if allowedImport(imp) {
			t.Errorf("allowedImport(%q) = true", imp)
		}
	}
	for _, imp := range []string{"fmt", "encoding/json", "github.com/aws/aws-cdk-go/awscdk/v2/awskms", "github.com/aws/jsii-runtime-go"} {
		if !allowedImport(imp) {
			t.Errorf("allowedImport(%q) = false", imp)
		}
	}
}

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
