package iamsim_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/palisade-sec/palisade/internal/iamsim"
)

const (
	orgID    = "o-exampleorg1"
	logs     = "111111111111" // the account that owns the buckets and keys
	workload = "222222222222"
	outsider = "333333333333" // an account outside the organization
	bucket   = "arn:aws:s3:::org-trail-logs"
	key      = "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"
)

// doc renders statements as a policy document.
func doc(statements ...map[string]any) string {
	b, err := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": statements})
	if err != nil {
		panic(err)
	}
	return string(b)
}

func role(account, name string) string { return "arn:aws:iam::" + account + ":role/" + name }

var fullAccess = doc(map[string]any{"Effect": "Allow", "Action": "*", "Resource": "*"})

// trailBucketPolicy is the shape the log archive gives its bucket:
// CloudTrail may write only for trails of the organization, with the ACL
// that hands the bucket owner the objects.
var trailBucketPolicy = doc(map[string]any{
	"Sid":       "TrailWrite",
	"Effect":    "Allow",
	"Principal": map[string]any{"Service": "cloudtrail.amazonaws.com"},
	"Action":    "s3:PutObject",
	"Resource":  bucket + "/AWSLogs/*",
	"Condition": map[string]any{
		"StringEquals": map[string]any{"aws:SourceOrgID": orgID, "s3:x-amz-acl": "bucket-owner-full-control"},
	},
}, map[string]any{
	"Sid":       "ConfigWrite",
	"Effect":    "Allow",
	"Principal": map[string]any{"Service": "config.amazonaws.com"},
	"Action":    "s3:PutObject",
	"Resource":  bucket + "/config/*",
	"Condition": map[string]any{
		"StringEquals": map[string]any{"aws:SourceAccount": workload},
		"ArnLike":      map[string]any{"aws:SourceArn": "arn:aws:config:*:" + workload + ":*"},
	},
})

func simulate(t *testing.T, reqs []iamsim.Request) []iamsim.Result {
	t.Helper()
	results, err := iamsim.Simulate(context.Background(), reqs)
	if err != nil {
		t.Fatal(err)
	}
	return results
}

// check runs every case in one batch and compares decisions.
func check(t *testing.T, cases []struct {
	req  iamsim.Request
	want string
}) []iamsim.Result {
	t.Helper()
	reqs := make([]iamsim.Request, len(cases))
	for i, c := range cases {
		reqs[i] = c.req
	}
	results := simulate(t, reqs)
	for i, r := range results {
		if r.Decision != cases[i].want {
			t.Errorf("%s: %s, want %s (%s; notes %v; ignored keys %v)", r.Request.Name, r.Decision, cases[i].want, r.Explain, r.Notes, r.IgnoredContextKeys)
		}
	}
	return results
}

type tc = struct {
	req  iamsim.Request
	want string
}

func TestServicePrincipalConditions(t *testing.T) {
	put := func(name, principal, object string, ctx map[string][]string) iamsim.Request {
		return iamsim.Request{Name: name, Principal: principal, Action: "s3:PutObject", Resource: bucket + object,
			ResourceAccount: logs, ResourcePolicy: trailBucketPolicy, Context: ctx}
	}
	check(t, []tc{
		{put("trail of the org", "cloudtrail.amazonaws.com", "/AWSLogs/o/x.gz",
			map[string][]string{"aws:SourceOrgID": {orgID}, "s3:x-amz-acl": {"bucket-owner-full-control"}}), iamsim.Allowed},
		{put("trail of another org", "cloudtrail.amazonaws.com", "/AWSLogs/o/x.gz",
			map[string][]string{"aws:SourceOrgID": {"o-otherorg111"}, "s3:x-amz-acl": {"bucket-owner-full-control"}}), iamsim.ImplicitlyDenied},
		{put("trail without the owner ACL", "cloudtrail.amazonaws.com", "/AWSLogs/o/x.gz",
			map[string][]string{"aws:SourceOrgID": {orgID}}), iamsim.ImplicitlyDenied},
		{put("config of the workload", "config.amazonaws.com", "/config/x.json",
			map[string][]string{"aws:SourceAccount": {workload}, "aws:SourceArn": {"arn:aws:config:us-east-1:" + workload + ":config-recorder/default"}}), iamsim.Allowed},
		{put("config of an outsider", "config.amazonaws.com", "/config/x.json",
			map[string][]string{"aws:SourceAccount": {outsider}, "aws:SourceArn": {"arn:aws:config:us-east-1:" + outsider + ":config-recorder/default"}}), iamsim.ImplicitlyDenied},
		{put("config, right account, foreign source ARN", "config.amazonaws.com", "/config/x.json",
			map[string][]string{"aws:SourceAccount": {workload}, "aws:SourceArn": {"arn:aws:config:us-east-1:" + outsider + ":config-recorder/default"}}), iamsim.ImplicitlyDenied},
		{put("config outside its prefix", "config.amazonaws.com", "/AWSLogs/x.json",
			map[string][]string{"aws:SourceAccount": {workload}, "aws:SourceArn": {"arn:aws:config:us-east-1:" + workload + ":config-recorder/default"}}), iamsim.ImplicitlyDenied},
		{put("another service", "delivery.logs.amazonaws.com", "/AWSLogs/o/x.gz",
			map[string][]string{"aws:SourceOrgID": {orgID}, "s3:x-amz-acl": {"bucket-owner-full-control"}}), iamsim.ImplicitlyDenied},
	})
}

func TestIdentityPolicyAndExplicitDeny(t *testing.T) {
	allow := doc(map[string]any{"Effect": "Allow", "Action": []string{"s3:GetObject", "s3:PutObject"}, "Resource": bucket + "/*"})
	deny := doc(map[string]any{"Effect": "Deny", "Action": "s3:PutObject", "Resource": "*"})
	req := func(name, action, resource string, policies ...string) iamsim.Request {
		return iamsim.Request{Name: name, Principal: role(logs, "reader"), Action: action, Resource: resource, ResourceAccount: logs, IdentityPolicies: policies}
	}
	results := check(t, []tc{
		{req("allowed object", "s3:GetObject", bucket+"/a", allow), iamsim.Allowed},
		{req("other bucket", "s3:GetObject", "arn:aws:s3:::other/a", allow), iamsim.ImplicitlyDenied},
		{req("action not granted", "s3:DeleteObject", bucket+"/a", allow), iamsim.ImplicitlyDenied},
		{req("explicit deny wins", "s3:PutObject", bucket+"/a", allow, deny), iamsim.ExplicitlyDenied},
		{req("deny elsewhere leaves the allow", "s3:GetObject", bucket+"/a", allow, deny), iamsim.Allowed},
	})
	if !strings.Contains(results[0].Explain, "identity") {
		t.Errorf("explain %q names no identity statement", results[0].Explain)
	}
}

func TestSCPs(t *testing.T) {
	denyLeave := doc(map[string]any{"Effect": "Deny", "Action": []string{"organizations:LeaveOrganization", "cloudtrail:StopLogging"}, "Resource": "*"})
	scps := [][]string{{fullAccess}, {fullAccess, denyLeave}}
	req := func(name, principal, action, resource string, levels [][]string) iamsim.Request {
		return iamsim.Request{Name: name, Principal: principal, Action: action, Resource: resource,
			IdentityPolicies: []string{fullAccess}, SCPs: levels}
	}
	trail := "arn:aws:cloudtrail:us-east-1:" + workload + ":trail/org"
	results := check(t, []tc{
		{req("SCP deny for an admin role", role(workload, "admin"), "cloudtrail:StopLogging", trail, scps), iamsim.ExplicitlyDenied},
		{req("SCP deny, action with no resource types", role(workload, "admin"), "organizations:LeaveOrganization", "*", scps), iamsim.ExplicitlyDenied},
		{req("SCP allows the rest", role(workload, "admin"), "cloudtrail:GetTrail", trail, scps), iamsim.Allowed},
		{req("no SCPs (management account)", role(workload, "admin"), "cloudtrail:StopLogging", trail, nil), iamsim.Allowed},
		{req("an SCP level without FullAWSAccess", role(workload, "admin"), "cloudtrail:GetTrail", trail, [][]string{{fullAccess}, {denyLeave}}), iamsim.ImplicitlyDenied},
		// AWS: SCPs do not restrict service-linked roles; the engine would.
		{req("service-linked role", "arn:aws:iam::"+workload+":role/aws-service-role/cloudtrail.amazonaws.com/AWSServiceRoleForCloudTrail",
			"cloudtrail:StopLogging", trail, scps), iamsim.Allowed},
	})
	if len(results[5].Notes) == 0 || !strings.Contains(results[5].Notes[0], "SCPs not applied") {
		t.Errorf("service-linked role: notes %v do not say the SCPs were skipped", results[5].Notes)
	}
	if len(results[0].Notes) != 0 {
		t.Errorf("IAM role: notes %v, want none", results[0].Notes)
	}
}

// The engine applies SCPs to service principals; AWS does not, and the
// wrapper leaves them out.
func TestSCPsSkipServicePrincipals(t *testing.T) {
	denyAll := doc(map[string]any{"Effect": "Deny", "Action": "*", "Resource": "*"})
	results := check(t, []tc{{iamsim.Request{
		Name: "cloudtrail under a deny-all SCP", Principal: "cloudtrail.amazonaws.com", Action: "s3:PutObject",
		Resource: bucket + "/AWSLogs/o/x.gz", ResourceAccount: logs, ResourcePolicy: trailBucketPolicy,
		Context: map[string][]string{"aws:SourceOrgID": {orgID}, "s3:x-amz-acl": {"bucket-owner-full-control"}},
		SCPs:    [][]string{{fullAccess, denyAll}},
	}, iamsim.Allowed}})
	if len(results[0].Notes) == 0 {
		t.Error("no note says the SCPs were skipped")
	}
	for _, p := range []string{"cloudtrail.amazonaws.com", "logs.us-east-1.amazonaws.com",
		"arn:aws:iam::111111111111:role/aws-service-role/ssm.amazonaws.com/AWSServiceRoleForAmazonSSM"} {
		if !iamsim.NotRestrictedBySCPs(p) {
			t.Errorf("NotRestrictedBySCPs(%q) = false", p)
		}
	}
	for _, p := range []string{role(logs, "admin"), "arn:aws:iam::111111111111:root", "arn:aws:sts::111111111111:assumed-role/admin/s",
		"arn:aws:iam::111111111111:role/service-role/aws-service-role-lookalike"} {
		if iamsim.NotRestrictedBySCPs(p) {
			t.Errorf("NotRestrictedBySCPs(%q) = true", p)
		}
	}
}

func TestCrossAccountNeedsBothSides(t *testing.T) {
	reader := role(workload, "reader")
	identity := doc(map[string]any{"Effect": "Allow", "Action": "s3:GetObject", "Resource": bucket + "/*"})
	resource := doc(map[string]any{"Effect": "Allow", "Principal": map[string]any{"AWS": reader}, "Action": "s3:GetObject", "Resource": bucket + "/*"})
	orgResource := doc(map[string]any{"Effect": "Allow", "Principal": map[string]any{"AWS": "*"}, "Action": "s3:GetObject", "Resource": bucket + "/*",
		"Condition": map[string]any{"StringEquals": map[string]any{"aws:PrincipalOrgID": orgID}}})
	req := func(name, resourcePolicy string, ctx map[string][]string, identities ...string) iamsim.Request {
		return iamsim.Request{Name: name, Principal: reader, Action: "s3:GetObject", Resource: bucket + "/a", ResourceAccount: logs,
			IdentityPolicies: identities, ResourcePolicy: resourcePolicy, Context: ctx}
	}
	inOrg := map[string][]string{"aws:PrincipalOrgID": {orgID}}
	check(t, []tc{
		{req("identity side only", "", nil, identity), iamsim.ImplicitlyDenied},
		{req("resource side only", resource, nil), iamsim.ImplicitlyDenied},
		{req("both sides", resource, nil, identity), iamsim.Allowed},
		{req("org-scoped bucket, principal in the org", orgResource, inOrg, identity), iamsim.Allowed},
		{req("org-scoped bucket, principal outside", orgResource, map[string][]string{"aws:PrincipalOrgID": {"o-otherorg111"}}, identity), iamsim.ImplicitlyDenied},
	})
	// In one account, a resource policy naming the role grants on its own
	// (IAM User Guide, "Policy evaluation logic": within an account, an allow
	// in either an identity-based or a resource-based policy suffices).
	sameAccount := doc(map[string]any{"Effect": "Allow", "Principal": map[string]any{"AWS": role(logs, "reader")}, "Action": "s3:GetObject", "Resource": bucket + "/*"})
	check(t, []tc{{iamsim.Request{Name: "same account, resource policy only", Principal: role(logs, "reader"), Action: "s3:GetObject",
		Resource: bucket + "/a", ResourceAccount: logs, ResourcePolicy: sameAccount}, iamsim.Allowed}})
}

func TestPrincipalAccountVariable(t *testing.T) {
	// Each account's roles may write only under their own account's prefix.
	identity := doc(map[string]any{"Effect": "Allow", "Action": "s3:PutObject", "Resource": bucket + "/${aws:PrincipalAccount}/*"})
	req := func(name, object string) iamsim.Request {
		return iamsim.Request{Name: name, Principal: role(logs, "writer"), Action: "s3:PutObject", Resource: bucket + object,
			ResourceAccount: logs, IdentityPolicies: []string{identity}}
	}
	// The wrapper supplies aws:PrincipalAccount and aws:PrincipalArn.
	byArn := doc(map[string]any{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*",
		"Condition": map[string]any{"ArnLike": map[string]any{"aws:PrincipalArn": "arn:aws:iam::*:role/writer"}}})
	other := req("ArnLike aws:PrincipalArn, another role", "/x")
	other.Principal, other.IdentityPolicies = role(logs, "reader"), []string{byArn}
	mine := other
	mine.Name, mine.Principal = "ArnLike aws:PrincipalArn", role(logs, "writer")
	check(t, []tc{
		{req("own prefix", "/"+logs+"/x"), iamsim.Allowed},
		{req("another account's prefix", "/"+workload+"/x"), iamsim.ImplicitlyDenied},
		{mine, iamsim.Allowed},
		{other, iamsim.ImplicitlyDenied},
	})
}

func TestKMSViaService(t *testing.T) {
	keyPolicy := doc(map[string]any{"Effect": "Allow", "Principal": map[string]any{"AWS": role(logs, "reader")},
		"Action": "kms:Decrypt", "Resource": "*",
		"Condition": map[string]any{"StringEquals": map[string]any{"kms:ViaService": "s3.us-east-1.amazonaws.com"}}})
	req := func(name, via string) iamsim.Request {
		return iamsim.Request{Name: name, Principal: role(logs, "reader"), Action: "kms:Decrypt", Resource: key,
			ResourcePolicy: keyPolicy, Context: map[string][]string{"kms:ViaService": {via}}}
	}
	check(t, []tc{
		{req("through S3", "s3.us-east-1.amazonaws.com"), iamsim.Allowed},
		{req("through another service", "sqs.us-east-1.amazonaws.com"), iamsim.ImplicitlyDenied},
	})
}

// The engine's validated entry point drops kms:EncryptionContext:<key>; the
// wrapper re-evaluates with them kept.
func TestKMSEncryptionContext(t *testing.T) {
	keyPolicy := doc(map[string]any{"Effect": "Allow", "Principal": map[string]any{"Service": "logs.us-east-1.amazonaws.com"},
		"Action": []string{"kms:Encrypt", "kms:GenerateDataKey*"}, "Resource": "*",
		"Condition": map[string]any{"ArnLike": map[string]any{"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:us-east-1:" + logs + ":log-group:*"}}})
	req := func(name, logGroup string) iamsim.Request {
		return iamsim.Request{Name: name, Principal: "logs.us-east-1.amazonaws.com", Action: "kms:GenerateDataKey", Resource: key,
			ResourcePolicy: keyPolicy, Context: map[string][]string{"kms:EncryptionContext:aws:logs:arn": {logGroup}}}
	}
	results := check(t, []tc{
		{req("own log group", "arn:aws:logs:us-east-1:"+logs+":log-group:flow"), iamsim.Allowed},
		{req("foreign log group", "arn:aws:logs:us-east-1:"+outsider+":log-group:flow"), iamsim.ImplicitlyDenied},
	})
	for _, r := range results {
		if !slices.ContainsFunc(r.Notes, func(n string) bool { return strings.Contains(n, "kms:EncryptionContext:aws:logs:arn") }) {
			t.Errorf("%s: notes %v do not say the encryption context was kept", r.Request.Name, r.Notes)
		}
		if len(r.IgnoredContextKeys) != 0 {
			t.Errorf("%s: ignored %v", r.Request.Name, r.IgnoredContextKeys)
		}
	}
}

// An action with no resource types is evaluated on "*"; the engine grants
// it only through a statement whose Resource is "*".
func TestActionWithoutResourceTypes(t *testing.T) {
	req := func(name, resource, policyResource string) iamsim.Request {
		return iamsim.Request{Name: name, Principal: role(workload, "deploy"), Action: "ssm:CreatePatchBaseline", Resource: resource,
			IdentityPolicies: []string{doc(map[string]any{"Effect": "Allow", "Action": "ssm:CreatePatchBaseline", "Resource": policyResource})}}
	}
	results := check(t, []tc{
		{req(`granted on "*"`, "*", "*"), iamsim.Allowed},
		{req(`named by ARN, granted on "*"`, "arn:aws:ssm:us-east-1:"+workload+":patchbaseline/pb-1", "*"), iamsim.Allowed},
		{req("granted on arn:aws:ssm:*:*:*", "*", "arn:aws:ssm:*:*:*"), iamsim.ImplicitlyDenied},
	})
	if results[1].Resource != "*" || len(results[1].Notes) == 0 {
		t.Errorf("named by ARN: evaluated on %q with notes %v, want \"*\" and a note", results[1].Resource, results[1].Notes)
	}
}

func TestIgnoredContextKeysAreReported(t *testing.T) {
	results := simulate(t, []iamsim.Request{{Name: "acl on GetObject", Principal: role(logs, "reader"), Action: "s3:GetObject",
		Resource: bucket + "/a", ResourceAccount: logs, IdentityPolicies: []string{fullAccess}, Context: map[string][]string{"s3:x-amz-acl": {"private"}}}})
	if !slices.Contains(results[0].IgnoredContextKeys, "s3:x-amz-acl") {
		t.Errorf("ignored keys %v, want s3:x-amz-acl (GetObject takes no ACL)", results[0].IgnoredContextKeys)
	}
}

func TestPermissionBoundary(t *testing.T) {
	boundary := doc(map[string]any{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"})
	req := func(name, action string) iamsim.Request {
		return iamsim.Request{Name: name, Principal: role(logs, "bounded"), Action: action, Resource: bucket + "/a", ResourceAccount: logs,
			IdentityPolicies: []string{fullAccess}, PermissionBoundary: boundary}
	}
	check(t, []tc{
		{req("inside the boundary", "s3:GetObject"), iamsim.Allowed},
		{req("outside the boundary", "s3:PutObject"), iamsim.ImplicitlyDenied},
	})
}

func TestRefusedRequestsAreErrors(t *testing.T) {
	fine := iamsim.Request{Name: "fine", Principal: role(logs, "r"), Action: "s3:GetObject", Resource: bucket + "/a", ResourceAccount: logs}
	for _, bad := range []iamsim.Request{
		{Name: "unknown action", Principal: role(logs, "r"), Action: "s3:GetObjekt", Resource: bucket + "/a", ResourceAccount: logs},
		{Name: "resource of no type", Principal: role(logs, "r"), Action: "s3:GetObject", Resource: "arn:aws:sqs:us-east-1:" + logs + ":q"},
		{Name: "invalid policy", Principal: role(logs, "r"), Action: "s3:GetObject", Resource: bucket + "/a", ResourceAccount: logs,
			IdentityPolicies: []string{`{"Version":"2012-10-17","Statement":[{"Effect":"Permit","Action":"s3:*","Resource":"*"}]}`}},
		{Name: "no account", Principal: "cloudtrail.amazonaws.com", Action: "s3:GetObject", Resource: bucket + "/a"},
	} {
		_, err := iamsim.Simulate(context.Background(), []iamsim.Request{fine, bad})
		if err == nil {
			t.Errorf("%s: no error", bad.Name)
			continue
		}
		if !strings.Contains(err.Error(), bad.Name) || strings.Contains(err.Error(), "fine") {
			t.Errorf("%s: error %q should name it and only it", bad.Name, err)
		}
	}
}

func TestWriteTable(t *testing.T) {
	var b strings.Builder
	err := iamsim.WriteTable(&b, []iamsim.Result{{Request: iamsim.Request{Name: "n", Principal: "p", Action: "s3:GetObject"}, Resource: "r", Decision: iamsim.Allowed}})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 2 || strings.Fields(lines[1])[4] != "Allowed" || strings.Fields(lines[0])[0] != "NAME" {
		t.Errorf("table:\n%s", b.String())
	}
}

func TestActions(t *testing.T) {
	actions, err := iamsim.Actions(context.Background(), []string{"s3:createbucket", "ssm:CreatePatchBaseline", "s3:GetObjekt"})
	if err != nil {
		t.Fatal(err)
	}
	if a := actions["s3:createbucket"]; !a.Known || a.Name != "s3:CreateBucket" || len(a.ResourceTypes) != 1 ||
		a.ResourceTypes[0].ARN != "arn:${Partition}:s3:::${BucketName}" || !a.ResourceTypes[0].Required {
		t.Errorf("s3:CreateBucket = %+v", a)
	}
	if a := actions["ssm:CreatePatchBaseline"]; !a.Known || len(a.ResourceTypes) != 0 {
		t.Errorf("ssm:CreatePatchBaseline = %+v, want no resource types", a)
	}
	if actions["s3:GetObjekt"].Known {
		t.Error("s3:GetObjekt is known")
	}
}
