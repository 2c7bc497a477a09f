package gates

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
)

// guardPackage is where npm installs the package that ships cfn-guard and the
// Control Tower rules.
const guardPackage = "node_modules/@cdklabs/cdk-validator-cfnguard"

// tools are the resolved paths of the external tools.
type tools struct{ lint, guard, rules string }

// findTools resolves every tool at once, so that one run names everything
// that is missing.
func findTools(opts Options) (tools, error) {
	var t tools
	var errs []error

	lint := opts.CfnLint
	if lint == "" {
		lint = "cfn-lint"
	}
	if p, err := exec.LookPath(lint); err != nil {
		errs = append(errs, fmt.Errorf("cfn-lint: %w: install it with pip install cfn-lint", err))
	} else {
		t.lint = p
	}

	guard, rules := opts.CfnGuard, opts.GuardRules
	if guard == "" || rules == "" {
		pkg, err := findGuardPackage(opts.OutDir)
		if err != nil {
			errs = append(errs, err)
		} else {
			if guard == "" {
				guard, err = guardBinary(pkg)
				errs = append(errs, err)
			}
			if rules == "" {
				rules = filepath.Join(pkg, "rules", "control-tower", "cfn-guard")
			}
		}
	}
	if guard != "" {
		if p, err := exec.LookPath(guard); err != nil {
			errs = append(errs, fmt.Errorf("cfn-guard: %w: run make setup (npm ci), which installs it with @cdklabs/cdk-validator-cfnguard", err))
		} else {
			t.guard = p
		}
	}
	if rules != "" {
		if fi, err := os.Stat(rules); err != nil || !fi.IsDir() {
			errs = append(errs, fmt.Errorf("cfn-guard rules: %s is not a directory: run make setup (npm ci), which installs them with @cdklabs/cdk-validator-cfnguard", rules))
		} else {
			t.rules = rules
		}
	}
	return t, errors.Join(errs...)
}

// findGuardPackage looks for the npm package in the node_modules of outDir or
// one of its parents, then of the working directory or one of its parents.
func findGuardPackage(outDir string) (string, error) {
	var starts []string
	if abs, err := filepath.Abs(outDir); err == nil {
		starts = append(starts, abs)
	}
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	for _, dir := range starts {
		for {
			pkg := filepath.Join(dir, guardPackage)
			if fi, err := os.Stat(pkg); err == nil && fi.IsDir() {
				return pkg, nil
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				break
			}
			dir = parent
		}
	}
	return "", fmt.Errorf("cfn-guard: no %s above %s or the working directory: run make setup (npm ci) in the repository", guardPackage, outDir)
}

// guardBinary is the static cfn-guard the package ships for this machine.
func guardBinary(pkg string) (string, error) {
	osDir := map[string]string{"linux": "ubuntu", "darwin": "macos"}[runtime.GOOS]
	archDir := map[string]string{"amd64": "x86_64", "arm64": "aarch64"}[runtime.GOARCH]
	if osDir == "" || archDir == "" {
		return "", fmt.Errorf("cfn-guard: %s ships no binary for %s/%s: install cfn-guard 3.1.1 and pass its path", pkg, runtime.GOOS, runtime.GOARCH)
	}
	return filepath.Join(pkg, "bin", osDir, archDir, "cfn-guard"), nil
}
