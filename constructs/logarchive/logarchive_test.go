package logarchive_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/palisade-sec/palisade/constructs/logarchive"
)

func TestMain(m *testing.M) {
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

type resource struct {
	Type           string
	Properties     map[string]any
	DeletionPolicy string
	Metadata       map[string]any
}

// synth returns the resources of a stack in account 222222222222 holding an
// Archive made from props.
func synth(t *testing.T, props *logarchive.Props) map[string]resource {
	t.Helper()
	app := awscdk.NewApp(&awscdk.AppProps{AnalyticsReporting: jsii.Bool(false)})
	stack := awscdk.NewStack(app, jsii.String("Test"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("222222222222"), Region: jsii.String("eu-west-1")},
	})
	logarchive.New(stack, "Archive", props)
	var tpl struct{ Resources map[string]resource }
	raw, _ := json.Marshal(app.Synth(nil).GetStackByName(stack.StackName()).Template())
	if err := json.Unmarshal(raw, &tpl); err != nil {
		t.Fatal(err)
	}
	return tpl.Resources
}

func str(v any) string { b, _ := json.Marshal(v); return string(b) }

func byType(rs map[string]resource, typ string) map[string]resource {
	out := map[string]resource{}
	for id, r := range rs {
		if r.Type == typ {
			out[id] = r
		}
	}
	return out
}

func TestBuckets(t *testing.T) {
	rs := synth(t, nil)
	buckets := byType(rs, "AWS::S3::Bucket")
	if len(buckets) != 2 {
		t.Fatalf("buckets: %d, want archive and access logs", len(buckets))
	}
	for id, b := range buckets {
		p := b.Properties
		if b.DeletionPolicy != "Retain" {
			t.Errorf("%s: DeletionPolicy %q, want Retain", id, b.DeletionPolicy)
		}
		if got := str(p["PublicAccessBlockConfiguration"]); got != `{"BlockPublicAcls":true,"BlockPublicPolicy":true,"IgnorePublicAcls":true,"RestrictPublicBuckets":true}` {
			t.Errorf("%s: public access block %s", id, got)
		}
		if str(p["VersioningConfiguration"]) != `{"Status":"Enabled"}` {
			t.Errorf("%s: versioning %v", id, p["VersioningConfiguration"])
		}
		if !strings.Contains(str(p["OwnershipControls"]), "BucketOwnerEnforced") {
			t.Errorf("%s: ownership %v", id, p["OwnershipControls"])
		}
		if !strings.Contains(str(p["NotificationConfiguration"]), `"EventBridgeEnabled":true`) {
			t.Errorf("%s: events do not go to EventBridge", id)
		}
		enc := str(p["BucketEncryption"])
		switch {
		case strings.HasPrefix(id, "ArchiveBucket"):
			if !strings.Contains(enc, `"SSEAlgorithm":"aws:kms"`) || !strings.Contains(enc, `"BucketKeyEnabled":true`) || !strings.Contains(enc, "KMSMasterKeyID") {
				t.Errorf("archive encryption = %s, want SSE-KMS with the key and a bucket key", enc)
			}
			if !strings.Contains(str(p["LoggingConfiguration"]), "ArchiveAccessLogs") {
				t.Errorf("archive server access logs = %v", p["LoggingConfiguration"])
			}
			if got := str(p["LifecycleConfiguration"]); !strings.Contains(got, `"StorageClass":"GLACIER_IR","TransitionInDays":90`) || strings.Contains(got, "ExpirationInDays") {
				t.Errorf("archive lifecycle = %s, want Glacier IR at 90 days and no expiry", got)
			}
		case strings.HasPrefix(id, "ArchiveAccessLogs"):
			if !strings.Contains(enc, `"SSEAlgorithm":"AES256"`) {
				t.Errorf("access-log encryption = %s, want SSE-S3 (all server access logging accepts)", enc)
			}
			if !strings.Contains(str(b.Metadata), "NIST.800.53.R5-S3DefaultEncryptionKMS") {
				t.Errorf("access-log bucket does not explain why it is not SSE-KMS: %v", b.Metadata)
			}
		default:
			t.Errorf("unexpected bucket %s", id)
		}
	}
	policies := str(byType(rs, "AWS::S3::BucketPolicy"))
	for _, want := range []string{`"aws:SecureTransport":"false"`, `"s3:TlsVersion":1.2`} {
		if strings.Count(policies, want) != 2 {
			t.Errorf("both bucket policies should deny %s: %s", want, policies)
		}
	}
}

const org = "o-exampleorg1"

func TestDeliveryIsScopedToTheOrganization(t *testing.T) {
	st := statements(t, synth(t, &logarchive.Props{OrganizationID: org}))
	for sid, want := range map[string][]string{
		"LogDeliveryWrite": {`"Service":"delivery.logs.amazonaws.com"`, `"s3:PutObject"`, `"aws:SourceOrgID":"o-exampleorg1"`,
			`/AWSLogs/${aws:SourceAccount}/*"`, `"s3:x-amz-acl":"bucket-owner-full-control"`},
		"LogDeliveryCheck":   {`"Service":"delivery.logs.amazonaws.com"`, `"s3:GetBucketAcl"`, `"aws:SourceOrgID":"o-exampleorg1"`},
		"LogDeliveryEncrypt": {`"Service":"delivery.logs.amazonaws.com"`, `"kms:GenerateDataKey*"`, `"aws:SourceOrgID":"o-exampleorg1"`},
	} {
		s := str(st[sid])
		for _, w := range want {
			if !strings.Contains(s, w) {
				t.Errorf("%s lacks %s:\n%s", sid, w, s)
			}
		}
		if strings.Contains(s, "aws:SourceAccount\"") || strings.Contains(s, "222222222222") {
			t.Errorf("%s names an account; the organization is the fence:\n%s", sid, s)
		}
	}
	// One prefix, filled in per request: no account can write under another's.
	if got := str(st["LogDeliveryWrite"]["Resource"]); strings.Count(got, "AWSLogs/") != 1 {
		t.Errorf("LogDeliveryWrite resources = %s, want the one AWSLogs/${aws:SourceAccount}/* prefix", got)
	}
}

func TestWithoutOrganizationOnlyThisAccountDelivers(t *testing.T) {
	rs := synth(t, nil)
	st := statements(t, rs)
	for _, sid := range []string{"LogDeliveryWrite", "LogDeliveryCheck", "LogDeliveryEncrypt"} {
		if s := str(st[sid]); !strings.Contains(s, `"aws:SourceAccount":"222222222222"`) || strings.Contains(s, "SourceOrgID") {
			t.Errorf("%s without an organization id = %s, want aws:SourceAccount of this account", sid, s)
		}
	}
	for id, k := range byType(rs, "AWS::KMS::Key") {
		if k.Properties["EnableKeyRotation"] != true || k.DeletionPolicy != "Retain" {
			t.Errorf("%s: rotation %v, deletion %s", id, k.Properties["EnableKeyRotation"], k.DeletionPolicy)
		}
		if !strings.Contains(str(k.Properties["KeyPolicy"]), "DenyGrantsExceptForAWSServices") {
			t.Errorf("%s: key policy lacks DenyGrantsExceptForAWSServices", id)
		}
	}
}

func TestExpiration(t *testing.T) {
	rs := synth(t, &logarchive.Props{GlacierTransitionDays: 30, ExpirationDays: 400})
	for id, b := range byType(rs, "AWS::S3::Bucket") {
		if strings.HasPrefix(id, "ArchiveBucket") && !strings.Contains(str(b.Properties["LifecycleConfiguration"]), `"ExpirationInDays":400`) {
			t.Errorf("lifecycle = %v", b.Properties["LifecycleConfiguration"])
		}
	}
}

func TestMisusePanics(t *testing.T) {
	for _, tc := range []struct {
		props *logarchive.Props
		want  string
	}{
		{&logarchive.Props{OrganizationID: "o-ABC"}, "Props.OrganizationID"},
		{&logarchive.Props{OrganizationID: "r-abcd"}, "Props.OrganizationID"},
		{&logarchive.Props{GlacierTransitionDays: 90, ExpirationDays: 30}, "Props.ExpirationDays"},
		{&logarchive.Props{ObjectLockMode: "governance"}, "Props.ObjectLockMode"},
		{&logarchive.Props{OrganizationID: org, TrailArns: []string{"arn:aws:s3:::bucket"}}, "Props.TrailArns"},
		{&logarchive.Props{TrailArns: []string{"arn:aws:cloudtrail:us-east-1:111111111111:trail/t"}}, "Props.OrganizationID"},
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), tc.want) {
					t.Errorf("%+v: panic %v, want one naming %s", tc.props, r, tc.want)
				}
			}()
			synth(t, tc.props)
		}()
	}
}

func TestCentralArchive(t *testing.T) {
	trail := "arn:aws:cloudtrail:us-east-1:111111111111:trail/example-org-trail"
	rs := synth(t, &logarchive.Props{
		BucketName: "example-logs-222222222222-eu-west-1", KeyAlias: "alias/example-log-archive",
		OrganizationID: org, TrailArns: []string{trail}, ObjectLockMode: "COMPLIANCE", ObjectLockDays: 400,
	})
	for id, b := range byType(rs, "AWS::S3::Bucket") {
		if !strings.HasPrefix(id, "ArchiveBucket") {
			continue
		}
		p := b.Properties
		if p["BucketName"] != "example-logs-222222222222-eu-west-1" {
			t.Errorf("bucket name = %v", p["BucketName"])
		}
		if got := str(p["ObjectLockConfiguration"]); p["ObjectLockEnabled"] != true || !strings.Contains(got, `"Days":400,"Mode":"COMPLIANCE"`) {
			t.Errorf("object lock = %v %s", p["ObjectLockEnabled"], got)
		}
	}
	aliases := byType(rs, "AWS::KMS::Alias")
	if len(aliases) != 1 || !strings.Contains(str(aliases), `"AliasName":"alias/example-log-archive"`) {
		t.Errorf("aliases = %v", aliases)
	}
	st := statements(t, rs)
	fromTrail := `"aws:SourceArn":["` + trail + `"]`
	for sid, want := range map[string][]string{
		"TrailAclCheck": {`"Service":"cloudtrail.amazonaws.com"`, `"s3:GetBucketAcl"`, fromTrail},
		// CloudTrail User Guide's organization trail policy: the org's
		// prefix and the management account's.
		"TrailWrite": {`"Service":"cloudtrail.amazonaws.com"`, fromTrail, `/AWSLogs/o-exampleorg1/*"`, `/AWSLogs/111111111111/*"`,
			`"s3:x-amz-acl":"bucket-owner-full-control"`},
		"TrailEncrypt": {`"kms:GenerateDataKey*"`, fromTrail,
			`"kms:EncryptionContext:aws:cloudtrail:arn":["arn:aws:cloudtrail:us-east-1:111111111111:trail/*"]`},
		// The bucket key: CloudTrail needs kms:Decrypt to create the trail.
		"TrailDecrypt":     {`"Service":"cloudtrail.amazonaws.com"`, `"Action":"kms:Decrypt"`, fromTrail},
		"TrailDescribeKey": {`"kms:DescribeKey"`, fromTrail},
	} {
		s := str(st[sid])
		for _, w := range want {
			if !strings.Contains(s, w) {
				t.Errorf("%s lacks %s:\n%s", sid, w, s)
			}
		}
	}
	if got := str(st["TrailWrite"]["Resource"]); strings.Contains(got, `AWSLogs/*"`) || strings.Count(got, "AWSLogs/") != 2 {
		t.Errorf("TrailWrite resources = %s, want exactly the organization's and the management account's prefixes", got)
	}
}

func TestGuardDutyExport(t *testing.T) {
	rs := synth(t, &logarchive.Props{GuardDutyExport: true})
	var policy string
	for _, p := range byType(rs, "AWS::S3::BucketPolicy") {
		if s := str(p.Properties); strings.Contains(s, "GuardDutyWrite") {
			policy = s
		}
	}
	for _, want := range []string{`"Service":"guardduty.amazonaws.com"`, `/guardduty/*"`, `"aws:SourceAccount":"222222222222"`,
		`:guardduty:eu-west-1:222222222222:detector/*"`} {
		if !strings.Contains(policy, want) {
			t.Errorf("bucket policy lacks %s:\n%s", want, policy)
		}
	}
	for _, k := range byType(rs, "AWS::KMS::Key") {
		if !strings.Contains(str(k.Properties["KeyPolicy"]), "GuardDutyEncrypt") {
			t.Error("the key does not admit GuardDuty")
		}
	}
	for _, p := range byType(synth(t, nil), "AWS::S3::BucketPolicy") {
		if strings.Contains(str(p.Properties), "guardduty") {
			t.Error("GuardDuty is admitted without GuardDutyExport")
		}
	}
}

// statements returns the statements of every bucket and key policy of rs,
// by Sid.
func statements(t *testing.T, rs map[string]resource) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	add := func(doc any) {
		d, _ := doc.(map[string]any)
		list, _ := d["Statement"].([]any)
		for _, s := range list {
			st := s.(map[string]any)
			if sid, ok := st["Sid"].(string); ok {
				out[sid] = st
			}
		}
	}
	for _, p := range byType(rs, "AWS::S3::BucketPolicy") {
		add(p.Properties["PolicyDocument"])
	}
	for _, k := range byType(rs, "AWS::KMS::Key") {
		add(k.Properties["KeyPolicy"])
	}
	return out
}

func TestConfigAndSessionWriters(t *testing.T) {
	st := statements(t, synth(t, &logarchive.Props{OrganizationID: org, AllowConfig: true, AllowSessions: true}))
	for sid, want := range map[string][]string{
		"ConfigCheck": {`"Service":"config.amazonaws.com"`, `"s3:GetBucketAcl"`, `"s3:ListBucket"`, `"aws:SourceOrgID":"o-exampleorg1"`},
		"ConfigWrite": {`"Service":"config.amazonaws.com"`, `"s3:PutObject"`, `/config/AWSLogs/${aws:SourceAccount}/Config/*"`,
			`"s3:x-amz-acl":"bucket-owner-full-control"`, `"aws:SourceOrgID":"o-exampleorg1"`},
		"ConfigEncrypt":           {`"Service":"config.amazonaws.com"`, `"kms:Decrypt"`, `"kms:GenerateDataKey"`, `"aws:SourceOrgID":"o-exampleorg1"`},
		"SessionsWrite":           {`"AWS":"*"`, `"aws:PrincipalOrgID":"o-exampleorg1"`, `"s3:PutObject"`, `/ssm/${aws:PrincipalAccount}/*"`},
		"SessionsCheckEncryption": {`"AWS":"*"`, `"aws:PrincipalOrgID":"o-exampleorg1"`, `"s3:GetEncryptionConfiguration"`},
		"SessionsEncrypt":         {`"AWS":"*"`, `"aws:PrincipalOrgID":"o-exampleorg1"`, `"kms:GenerateDataKey"`, `"kms:ViaService":"s3.eu-west-1.amazonaws.com"`},
	} {
		s, ok := st[sid]
		if !ok {
			t.Errorf("no statement %s", sid)
			continue
		}
		for _, w := range want {
			if !strings.Contains(str(s), w) {
				t.Errorf("%s lacks %s:\n%s", sid, w, str(s))
			}
		}
	}
	if s := str(st["SessionsWrite"]["Resource"]); strings.Contains(s, "ssm/*") {
		t.Errorf("SessionsWrite must fence each account to its own prefix by the policy variable:\n%s", s)
	}
	if s := str(st["ConfigWrite"]["Resource"]); strings.Count(s, "AWSLogs/") != 1 {
		t.Errorf("ConfigWrite resources = %s, want the one ${aws:SourceAccount} prefix", s)
	}
	for sid := range statements(t, synth(t, nil)) {
		if strings.HasPrefix(sid, "Config") || strings.HasPrefix(sid, "Sessions") {
			t.Errorf("statement %s without AllowConfig or AllowSessions", sid)
		}
	}
}

// Adding accounts to an organization changes nothing in the archive: its
// props have no account list, so this compares the one template the
// archive can make for an org with the same org id's, built twice apart,
// and a different org's, which must differ only in the id.
func TestPoliciesDoNotNameAccounts(t *testing.T) {
	props := &logarchive.Props{OrganizationID: org, AllowConfig: true, AllowSessions: true, GuardDutyExport: true,
		TrailArns: []string{"arn:aws:cloudtrail:us-east-1:111111111111:trail/example-org-trail"}}
	a, b := str(synth(t, props)), str(synth(t, props))
	if a != b {
		t.Fatal("the archive's template is not deterministic")
	}
	other := *props
	other.OrganizationID = "o-otherorg99"
	if c := str(synth(t, &other)); strings.ReplaceAll(c, "o-otherorg99", org) != a {
		t.Error("the template depends on more than the organization id")
	}
}
