package gates

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// cache keeps what cfn-lint and cfn-guard said about a template, keyed by a
// digest of everything that says what they would say again: the tool's
// version or binary, its rules and configuration, the region, and the
// template's bytes. A template nobody changed is then not checked again; any
// change to it, or to the tools, misses. Waivers and CDK's acknowledgments
// are applied after the cache, never stored in it. A nil cache keeps
// nothing. Reading or writing an entry can only fail to save time: an entry
// that cannot be read is a miss, one that cannot be written is skipped.
type cache struct{ dir string }

func newCache(dir string) *cache {
	if dir == "" {
		return nil
	}
	return &cache{dir: dir}
}

// digest hashes parts, each prefixed with its length so that no two lists of
// parts hash alike.
func digest(parts ...[]byte) string {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:", len(p))
		h.Write(p)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func (c *cache) path(key string) string { return filepath.Join(c.dir, key[:2], key+".json") }

func (c *cache) get(key string, v any) bool {
	if c == nil {
		return false
	}
	raw, err := os.ReadFile(c.path(key))
	return err == nil && json.Unmarshal(raw, v) == nil
}

func (c *cache) put(key string, v any) {
	if c == nil {
		return
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return
	}
	p := c.path(key)
	if os.MkdirAll(filepath.Dir(p), 0o755) != nil {
		return
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".tmp-*")
	if err != nil {
		return
	}
	_, err = tmp.Write(raw)
	if cerr := tmp.Close(); err == nil && cerr == nil {
		err = os.Rename(tmp.Name(), p) // atomic: a reader sees all of an entry or none
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
}

// lintIdentity is what, besides a template and its region, decides
// cfn-lint's findings: its version (which carries its rules and resource
// schemas) and the configuration files it reads from the working directory
// and the home directory. `cfn-lint --update-specs` changes the schemas
// without changing the version: after it, remove the cache directory.
func lintIdentity(bin string) ([]byte, error) {
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		return nil, fmt.Errorf("cfn-lint --version: %w", err)
	}
	id := bytes.TrimSpace(out)
	home, _ := os.UserHomeDir()
	for _, f := range []string{".cfnlintrc", ".cfnlintrc.yaml", ".cfnlintrc.yml", filepath.Join(home, ".cfnlintrc")} {
		if raw, err := os.ReadFile(f); err == nil {
			id = append(id, "\x00"+f+"\x00"...)
			id = append(id, raw...)
		}
	}
	return id, nil
}

// fileDigest is the SHA-256 of a file's bytes.
func fileDigest(path string) (string, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:]), nil
}

// DefaultCacheDir is where palisade gates keeps its cache unless told
// otherwise: palisade/gates in the user's cache directory.
func DefaultCacheDir() string {
	dir, err := os.UserCacheDir()
	if err != nil || strings.TrimSpace(dir) == "" {
		return ""
	}
	return filepath.Join(dir, "palisade", "gates")
}
