// Package emulator runs moto_server, patched by launcher.py so that the AWS
// CDK CLI can bootstrap accounts and deploy palisade's stacks into it, on a
// free loopback port, for tests that must never reach real AWS.
//
//	emu, err := emulator.Start(ctx, filepath.Join(dir, "moto.log"))
//	if err != nil { ... }
//	defer emu.Stop()
//	// point clients and the CDK CLI at emu.Endpoint (http://localhost:PORT)
//
// The server runs in its own process group, which Stop signals as a whole;
// it also exits by itself when the process that started it dies (the
// kernel's parent-death signal, and the launcher watching its parent), so
// even a test binary killed by a timeout leaves nothing behind. Its output goes to
// the log file; a caller keeps the file when something failed and prints
// LogPath.
//
// Requirements: python3 with moto 5.2.1 (`pip install "moto[server]==5.2.1"`);
// the launcher checks the version, since its patches are written against it.
package emulator

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

//go:embed launcher.py
var launcher []byte

// stacksets is the launcher's StackSets module, which it imports from its
// own directory.
//
//go:embed stacksets.py
var stacksets []byte

// Emulator is a running, patched moto_server.
type Emulator struct {
	// Endpoint is the server's URL, http://localhost:PORT. Use localhost,
	// not 127.0.0.1: moto parses the CLI's TemplateURL as a path-style S3
	// URL only for localhost.
	Endpoint string
	// LogPath is the file that receives the server's output.
	LogPath string

	cmd    *exec.Cmd
	exited chan struct{} // closed when the process has exited
	err    error         // the process's exit status, valid after exited
}

// Start writes the launcher next to logPath, starts it on a free loopback
// port and waits until it answers. Python comes from $PYTHON, else python3.
// A port taken between choosing and binding it is retried on another one.
func Start(ctx context.Context, logPath string) (*Emulator, error) {
	script := filepath.Join(filepath.Dir(logPath), "moto_launcher.py")
	if err := os.WriteFile(script, launcher, 0o644); err != nil {
		return nil, fmt.Errorf("writing the emulator launcher: %w", err)
	}
	if err := os.WriteFile(filepath.Join(filepath.Dir(logPath), "stacksets.py"), stacksets, 0o644); err != nil {
		return nil, fmt.Errorf("writing the emulator launcher: %w", err)
	}
	python := os.Getenv("PYTHON")
	if python == "" {
		python = "python3"
	}
	if _, err := exec.LookPath(python); err != nil {
		return nil, fmt.Errorf("the emulator needs %s with moto 5.2.1 (pip install \"moto[server]==5.2.1\"): %w", python, err)
	}
	var errs []error
	for range 3 {
		e, err := start(ctx, python, script, logPath)
		if err == nil {
			return e, nil
		}
		errs = append(errs, err)
		if ctx.Err() != nil || !errors.Is(err, errExited) {
			break
		}
	}
	return nil, errors.Join(errs...)
}

var errExited = errors.New("the emulator exited while starting")

func start(ctx context.Context, python, script, logPath string) (*Emulator, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("creating the emulator log: %w", err)
	}
	defer logFile.Close() // the child has its own descriptor

	cmd := exec.Command(python, script, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	cmd.Env = append(environ(),
		"PALISADE_EMULATOR_PARENT_PID="+strconv.Itoa(os.Getpid()),
		"PYTHONUNBUFFERED=1",
	)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting the emulator: %w", err)
	}
	e := &Emulator{Endpoint: fmt.Sprintf("http://localhost:%d", port), LogPath: logPath, cmd: cmd, exited: make(chan struct{})}
	go func() { e.err = cmd.Wait(); close(e.exited) }()

	deadline := time.NewTimer(30 * time.Second)
	defer deadline.Stop()
	for {
		if e.ping(ctx) == nil {
			return e, nil
		}
		select {
		case <-e.exited:
			return nil, fmt.Errorf("%w (%v); its log %s ends:\n%s", errExited, e.err, logPath, tail(logPath, 15))
		case <-deadline.C:
			e.Stop()
			return nil, fmt.Errorf("the emulator did not answer on %s within 30s; its log %s ends:\n%s", e.Endpoint, logPath, tail(logPath, 15))
		case <-ctx.Done():
			e.Stop()
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (e *Emulator) ping(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.Endpoint+"/moto-api/data.json", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("the emulator answered %s", resp.Status)
	}
	return nil
}

// Reset drops every account's state (POST /moto-api/reset).
func (e *Emulator) Reset(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.Endpoint+"/moto-api/reset", nil)
	if err != nil {
		return err
	}
	status, _, err := Call(req)
	if err != nil {
		return fmt.Errorf("resetting the emulator: %w", err)
	}
	if status != http.StatusOK {
		return fmt.Errorf("resetting the emulator: HTTP %d", status)
	}
	return nil
}

// Set changes the emulator's settings (POST /moto-api/palisade/settings):
// lambdaConcurrencyQuota (1000 by default) and organizationsWriteSeconds
// (how long one AWS Organizations write stays in flight, 0.25 by default).
// A reset restores the defaults.
func (e *Emulator) Set(ctx context.Context, settings map[string]any) error {
	return e.post(ctx, "/moto-api/palisade/settings", settings)
}

// Fault makes one call fail once (POST /moto-api/palisade/faults).
type Fault struct {
	// Call is an SDK call of a Custom::AWS resource or a direct API call
	// ("Organizations:RegisterDelegatedAdministrator"), or a resource type
	// CloudFormation creates or updates ("AWS::GuardDuty::Detector").
	Call string `json:"call"`
	// Nth is which matching call fails (1, the first, when zero).
	Nth int `json:"nth,omitempty"`
	// Account, Region and Stack (a substring of the stack's name) narrow
	// the calls that match; empty matches any.
	Account string `json:"account,omitempty"`
	Region  string `json:"region,omitempty"`
	Stack   string `json:"stack,omitempty"`
	// Code and Message are the error's (InternalFailure when empty).
	Code    string `json:"code,omitempty"`
	Message string `json:"message,omitempty"`

	// Seen and Fired are the emulator's: how many matching calls it has
	// seen, whether the fault fired, and where.
	Seen    int               `json:"seen,omitempty"`
	Fired   bool              `json:"fired,omitempty"`
	FiredIn map[string]string `json:"firedIn,omitempty"`
}

// InjectFault adds a fault; a reset clears every fault.
func (e *Emulator) InjectFault(ctx context.Context, f Fault) error {
	return e.post(ctx, "/moto-api/palisade/faults", f)
}

// Faults lists the injected faults with what each has seen.
func (e *Emulator) Faults(ctx context.Context) ([]Fault, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.Endpoint+"/moto-api/palisade/faults", nil)
	if err != nil {
		return nil, err
	}
	status, body, err := Call(req)
	if err != nil || status != http.StatusOK {
		return nil, fmt.Errorf("GET /moto-api/palisade/faults: HTTP %d: %v %s", status, err, body)
	}
	var out []Fault
	return out, json.Unmarshal(body, &out)
}

func (e *Emulator) post(ctx context.Context, path string, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.Endpoint+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	status, answer, err := Call(req)
	if err != nil {
		return fmt.Errorf("POST %s: %w", path, err)
	}
	if status != http.StatusOK {
		return fmt.Errorf("POST %s: HTTP %d: %s", path, status, answer)
	}
	return nil
}

// Stop terminates the server's process group (SIGTERM, then SIGKILL after
// five seconds) and waits for it. It is safe to call more than once.
func (e *Emulator) Stop() {
	select {
	case <-e.exited:
		return
	default:
	}
	pgid := e.cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-e.exited:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-e.exited
	}
}

// Tail returns the last n lines of the server's log.
func (e *Emulator) Tail(n int) string { return tail(e.LogPath, n) }

// environ is this process's environment without MOTO_ACCOUNT_ID: moto reads
// the account from it before anything else, so inherited it would pin every
// request to one account.
func environ() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MOTO_ACCOUNT_ID=") {
			env = append(env, kv)
		}
	}
	return env
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func tail(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := bytes.Split(bytes.TrimRight(data, "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}
