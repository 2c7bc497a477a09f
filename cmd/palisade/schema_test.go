package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/palisade-sec/palisade/config"
)

// The committed schema, which editors read through the org file's modeline,
// is what `palisade schema` writes now.
func TestCommittedSchemaIsCurrent(t *testing.T) {
	var out, errb bytes.Buffer
	if code := runSchema(nil, &out, &errb); code != 0 {
		t.Fatalf("palisade schema exited %d: %s", code, errb.String())
	}
	path := filepath.Join("..", "..", config.SchemaFile)
	committed, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v; write it with: make schema", err)
	}
	if !bytes.Equal(committed, out.Bytes()) {
		t.Fatalf("%s differs from what palisade schema writes (the config package's field tables changed); regenerate it with:\n\n\tmake schema\n\n(or go run ./cmd/palisade schema -o %s) and commit it", config.SchemaFile, config.SchemaFile)
	}
}

// The example org file names the committed schema in its first line, the
// modeline the YAML language server reads.
func TestExampleNamesSchema(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "organization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(string(data), "\n")
	if want := "# yaml-language-server: $schema=./" + config.SchemaFile; first != want {
		t.Errorf("organization.yaml's first line is %q, want %q", first, want)
	}
}

func TestRunSchema(t *testing.T) {
	file := filepath.Join(t.TempDir(), "s.json")
	var out, errb bytes.Buffer
	if code := runSchema([]string{"-o", file}, &out, &errb); code != 0 || out.Len() != 0 {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out.String(), errb.String())
	}
	got, err := os.ReadFile(file)
	if err != nil || !bytes.Equal(got, config.Schema()) {
		t.Errorf("-o wrote %d bytes (%v), want the schema", len(got), err)
	}
	if code := runSchema([]string{"extra"}, &out, &errb); code != 2 {
		t.Errorf("an argument: exit %d, want 2", code)
	}
	if code := runSchema([]string{"-o", filepath.Join(t.TempDir(), "no", "dir", "s.json")}, &out, &errb); code != 1 {
		t.Errorf("an unwritable file: exit %d, want 1", code)
	}
}
