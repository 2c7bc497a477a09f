package test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/palisade-sec/palisade/internal/diagram"
)

// The committed picture is the example org's: its DOT source, which `make
// diagram` writes beside the SVG, equals what the example's assembly gives
// now. When it does not, run make diagram (with Graphviz) and commit both.
func TestPictureIsCurrent(t *testing.T) {
	stacks, err := diagram.ReadAssembly(outdir)
	if err != nil {
		t.Fatal(err)
	}
	got, err := diagram.DOT(example, stacks)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join(root, "docs", "organization.dot"))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Error("docs/organization.dot (and the SVG made from it) is not the example org's picture any more: run make diagram and commit docs/")
	}
}
