package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/palisade-sec/palisade/config"
	"github.com/palisade-sec/palisade/internal/diagram"
)

// runDiagram implements `palisade diagram`: it draws the org file and the
// cloud assembly synthesized from it as DOT and, unless -format dot, turns
// that into SVG with Graphviz's dot. It returns 0 on success, 1 when the
// picture could not be made (bad org file, no assembly, no dot) and 2 on
// usage errors.
func runDiagram(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("diagram", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: palisade diagram [flags]\n\nDraws the org (accounts, regions, VPCs, log flows, deploy waves) from the org file and the cloud assembly\nsynthesized from it; SVG needs Graphviz's dot (apt-get install graphviz).\n\nflags:")
		fs.PrintDefaults()
	}
	orgPath := fs.String("org", "organization.yaml", "the org file")
	assembly := fs.String("assembly", "cdk.out", "the cloud assembly synthesized from it (make synth)")
	out := fs.String("o", "docs/organization.svg", "the SVG to write (with -format dot: the DOT file; - for stdout)")
	format := fs.String("format", "svg", "svg (runs dot) or dot (the Graphviz source, no Graphviz needed)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "palisade diagram: no arguments expected, got %q (use -org and -assembly)\n", fs.Args())
		return 2
	}
	if *format != "svg" && *format != "dot" {
		fmt.Fprintf(stderr, "palisade diagram: -format %q is not svg or dot\n", *format)
		return 2
	}
	// Without -o, -format dot prints the DOT text: the default path is an SVG's.
	outSet := false
	fs.Visit(func(f *flag.Flag) { outSet = outSet || f.Name == "o" })
	if *format == "dot" && !outSet {
		*out = "-"
	}

	org, err := config.LoadFile(*orgPath)
	if err != nil {
		problems := config.Errors(err)
		if len(problems) == 0 {
			fmt.Fprintf(stderr, "palisade diagram: %v\n", err)
		}
		for _, p := range problems {
			fmt.Fprintln(stderr, p)
		}
		return 1
	}
	stacks, err := diagram.ReadAssembly(*assembly)
	if err != nil {
		fmt.Fprintf(stderr, "palisade diagram: %v\n", err)
		return 1
	}
	dot, err := diagram.DOT(org, stacks)
	if err != nil {
		fmt.Fprintf(stderr, "palisade diagram: %v\n", err)
		return 1
	}

	if *format == "svg" {
		dot, err = renderSVG(dot)
		if err != nil {
			fmt.Fprintf(stderr, "palisade diagram: %v\n", err)
			return 1
		}
	}
	if *out == "-" {
		stdout.Write(dot)
		return 0
	}
	if err := writeFile(*out, dot); err != nil {
		fmt.Fprintf(stderr, "palisade diagram: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "palisade diagram: wrote %s (%d stacks)\n", *out, len(stacks))
	return 0
}

// renderSVG runs Graphviz's dot over the DOT text.
func renderSVG(dot []byte) ([]byte, error) {
	path, err := exec.LookPath("dot")
	if err != nil {
		return nil, errors.New("dot is not on PATH: install Graphviz (apt-get install graphviz; on macOS brew install graphviz), or print the DOT text with -format dot")
	}
	cmd := exec.Command(path, "-Tsvg")
	cmd.Stdin = bytes.NewReader(dot)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("dot -Tsvg: %v: %s", err, bytes.TrimSpace(errOut.Bytes()))
	}
	return out.Bytes(), nil
}

// writeFile writes data to a temporary file next to path and renames it
// over path, so a failed run never leaves half a picture.
func writeFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
