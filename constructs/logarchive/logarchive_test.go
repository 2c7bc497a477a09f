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

func TestDeliveryIsScopedToAccounts(t *testing.T) {
	rs := synth(t, &logarchive.Props{DeliveryAccounts: []string{"333333333333", "444444444444"}})
	var archivePolicy string
	for _, p := range byType(rs, "AWS::S3::BucketPolicy") {
		if s := str(p.Properties); strings.Contains(s, "LogDeliveryWrite") {
			archivePolicy = s
		}
	}
	for _, want := range []string{
		`"Service":"delivery.logs.amazonaws.com"`,
		`"aws:SourceAccount":["333333333333","444444444444"]`,
		`/AWSLogs/333333333333/*`, `/AWSLogs/444444444444/*`,
		`"s3:x-amz-acl":"bucket-owner-full-control"`,
		`"arn:`, `:logs:*:333333333333:*"`,
	} {
		if !strings.Contains(archivePolicy, want) {
			t.Errorf("archive policy lacks %s:\n%s", want, archivePolicy)
		}
	}
	if strings.Contains(archivePolicy, "222222222222") {
		t.Errorf("the archive's own account should not deliver unless listed:\n%s", archivePolicy)
	}
	for id, k := range byType(rs, "AWS::KMS::Key") {
		pol := str(k.Properties["KeyPolicy"])
		if k.Properties["EnableKeyRotation"] != true || k.DeletionPolicy != "Retain" {
			t.Errorf("%s: rotation %v, deletion %s", id, k.Properties["EnableKeyRotation"], k.DeletionPolicy)
		}
		for _, want := range []string{"LogDeliveryEncrypt", `"aws:SourceAccount":["333333333333","444444444444"]`, "DenyGrantsExceptForAWSServices"} {
			if !strings.Contains(pol, want) {
				t.Errorf("%s: key policy lacks %s", id, want)
			}
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
		{&logarchive.Props{DeliveryAccounts: []string{"12345"}}, "Props.DeliveryAccounts"},
		{&logarchive.Props{GlacierTransitionDays: 90, ExpirationDays: 30}, "Props.ExpirationDays"},
		{&logarchive.Props{ObjectLockMode: "governance"}, "Props.ObjectLockMode"},
		{&logarchive.Props{TrailArns: []string{"arn:aws:s3:::bucket"}}, "Props.TrailArns"},
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
		TrailArns: []string{trail}, ObjectLockMode: "COMPLIANCE", ObjectLockDays: 400,
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
	var policy string
	for _, p := range byType(rs, "AWS::S3::BucketPolicy") {
		if s := str(p.Properties); strings.Contains(s, "TrailWrite") {
			policy = s
		}
	}
	for _, want := range []string{`"Service":"cloudtrail.amazonaws.com"`, `"aws:SourceArn":["` + trail + `"]`, `/AWSLogs/*"`, "TrailAclCheck"} {
		if !strings.Contains(policy, want) {
			t.Errorf("bucket policy lacks %s:\n%s", want, policy)
		}
	}
	for _, k := range byType(rs, "AWS::KMS::Key") {
		pol := str(k.Properties["KeyPolicy"])
		if !strings.Contains(pol, `"kms:EncryptionContext:aws:cloudtrail:arn":["arn:aws:cloudtrail:us-east-1:111111111111:trail/*"]`) {
			t.Errorf("key policy does not fence CloudTrail to the management account's trails:\n%s", pol)
		}
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
	accounts := []string{"111111111111", "333333333333"}
	st := statements(t, synth(t, &logarchive.Props{ConfigAccounts: accounts, SessionAccounts: accounts}))
	for sid, want := range map[string][]string{
		"ConfigCheck": {`"Service":"config.amazonaws.com"`, `"s3:GetBucketAcl"`, `"s3:ListBucket"`, `"aws:SourceAccount":["111111111111","333333333333"]`},
		"ConfigWrite": {`"Service":"config.amazonaws.com"`, `"s3:PutObject"`, `/config/AWSLogs/111111111111/Config/*"`,
			`/config/AWSLogs/333333333333/Config/*"`, `"s3:x-amz-acl":"bucket-owner-full-control"`, `"aws:SourceAccount":["111111111111","333333333333"]`},
		"ConfigEncrypt":           {`"Service":"config.amazonaws.com"`, `"kms:Decrypt"`, `"kms:GenerateDataKey"`, `"aws:SourceAccount"`},
		"SessionsWrite":           {`:iam::111111111111:root`, `:iam::333333333333:root`, `"s3:PutObject"`, `/ssm/${aws:PrincipalAccount}/*"`},
		"SessionsCheckEncryption": {`:iam::111111111111:root`, `"s3:GetEncryptionConfiguration"`},
		"SessionsEncrypt":         {`:iam::333333333333:root`, `"kms:GenerateDataKey"`, `"kms:ViaService":"s3.eu-west-1.amazonaws.com"`},
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
	if s := str(st["SessionsWrite"]); strings.Contains(s, "ssm/*") || strings.Contains(s, "Condition") {
		t.Errorf("SessionsWrite must fence each account to its own prefix by the policy variable alone:\n%s", s)
	}
	for sid := range statements(t, synth(t, nil)) {
		if strings.HasPrefix(sid, "Config") || strings.HasPrefix(sid, "Sessions") {
			t.Errorf("statement %s without ConfigAccounts or SessionAccounts", sid)
		}
	}
}

func TestBadWriterAccount(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "Props.SessionAccounts") {
			t.Errorf("recover() = %v; want a panic naming Props.SessionAccounts", r)
		}
	}()
	synth(t, &logarchive.Props{SessionAccounts: []string{"12345"}})
}
