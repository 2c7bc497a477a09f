package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/palisade-sec/palisade/config"
)

// runSchema implements `palisade schema [-o file]`: it writes the org
// file's JSON Schema (draft 2020-12), generated from the loader's own field
// tables, to stdout or to file. Usage errors return 2.
func runSchema(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("schema", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "write the schema to this file instead of stdout (make schema writes "+config.SchemaFile+")")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: palisade schema [-o file]   print the org file's JSON Schema, for editors (yaml-language-server)")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "palisade schema: no arguments expected, got %q\n", fs.Args())
		fs.Usage()
		return 2
	}
	schema := config.Schema()
	if *out == "" {
		if _, err := stdout.Write(schema); err != nil {
			fmt.Fprintf(stderr, "palisade schema: %v\n", err)
			return 1
		}
		return 0
	}
	if err := os.WriteFile(*out, schema, 0o644); err != nil {
		fmt.Fprintf(stderr, "palisade schema: %v\n", err)
		return 1
	}
	return 0
}
