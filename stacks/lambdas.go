package stacks

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// Lambdas are the Go Lambda functions the stacks deploy: each is built by
// `make lambdas` from cmd/lambda/<name> into build/lambda/<name>/bootstrap,
// which synth packages as an asset.
var Lambdas = []string{"defaultvpc", "sgingress"}

var root = sync.OnceValues(func() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no go.mod in %s or above it: run the app from the palisade checkout", dir)
		}
	}
})

// LambdaDir is the directory holding the built function name, under the
// module root (found from the working directory up).
func LambdaDir(name string) string {
	r, _ := root()
	return filepath.Join(r, "build", "lambda", name)
}

// CheckLambdas reports every function whose bootstrap is not built, and how
// to build it; call it before synth, which would fail on the missing asset.
func CheckLambdas() error {
	if _, err := root(); err != nil {
		return err
	}
	var errs []error
	for _, name := range Lambdas {
		if _, err := os.Stat(filepath.Join(LambdaDir(name), "bootstrap")); err != nil {
			errs = append(errs, fmt.Errorf("%s is not built (%s): run `make lambdas` first", filepath.Join(LambdaDir(name), "bootstrap"), name))
		}
	}
	return errors.Join(errs...)
}
