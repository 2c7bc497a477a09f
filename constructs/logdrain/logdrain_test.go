package logdrain_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"

	"github.com/palisade-sec/palisade/constructs/logdrain"
)

func TestMain(m *testing.M) {
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

const (
	archiveBucket = "arn:aws:s3:::example-log-archive"
	archiveKey    = "arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab"
)

func props() *logdrain.Props {
	return &logdrain.Props{
		DestinationName:  "central-logs",
		OrganizationID:   "o-exampleorg1",
		ArchiveBucketArn: archiveBucket,
		ArchiveKeyArn:    archiveKey,
	}
}

type resource struct {
	Type           string
	Properties     map[string]any
	DeletionPolicy string
	DependsOn      []string
}

// synth returns the resources, keyed by logical id, of a stack in the
// security account 222222222222 in eu-west-1 holding a Drain made from props.
// With a nil props it builds an archive bucket and key in the stack and
// points the Drain at them, to check that tokens work as the ARNs.
func synth(t *testing.T, p *logdrain.Props) map[string]resource {
	t.Helper()
	app := awscdk.NewApp(&awscdk.AppProps{AnalyticsReporting: jsii.Bool(false)})
	stack := awscdk.NewStack(app, jsii.String("Test"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("222222222222"), Region: jsii.String("eu-west-1")},
	})
	if p == nil {
		key := awskms.NewKey(stack, jsii.String("ArchiveKey"), &awskms.KeyProps{EnableKeyRotation: jsii.Bool(true)})
		bucket := awss3.NewBucket(stack, jsii.String("Archive"), &awss3.BucketProps{EncryptionKey: key})
		p = props()
		p.ArchiveBucketArn, p.ArchiveKeyArn = *bucket.BucketArn(), *key.KeyArn()
	}
	d := logdrain.New(stack, "Drain", p)
	if d.DestinationArn == nil || d.Key == nil || d.DeliveryStream == nil || d.Destination == nil || d.ErrorLogGroup == nil {
		t.Errorf("Drain leaves a field nil: %+v", d)
	}
	var tpl struct{ Resources map[string]resource }
	raw, err := json.Marshal(app.Synth(nil).GetStackByName(stack.StackName()).Template())
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &tpl); err != nil {
		t.Fatal(err)
	}
	return tpl.Resources
}

func str(v any) string { b, _ := json.Marshal(v); return string(b) }

// only returns the one resource of type typ whose logical id starts with
// prefix, failing the test unless there is exactly one.
func only(t *testing.T, rs map[string]resource, typ, prefix string) (string, resource) {
	t.Helper()
	var ids []string
	for id, r := range rs {
		if r.Type == typ && strings.HasPrefix(id, prefix) {
			ids = append(ids, id)
		}
	}
	if len(ids) != 1 {
		t.Fatalf("%s %s*: found %v, want one", typ, prefix, ids)
	}
	return ids[0], rs[ids[0]]
}

func contains(t *testing.T, what, got string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("%s lacks %s:\n%s", what, w, got)
		}
	}
}

func lacks(t *testing.T, what, got string, unwanted ...string) {
	t.Helper()
	for _, u := range unwanted {
		if strings.Contains(got, u) {
			t.Errorf("%s has %s:\n%s", what, u, got)
		}
	}
}

func TestDestinationArn(t *testing.T) {
	got := logdrain.DestinationArn("aws", "eu-west-1", "222222222222", "central-logs")
	if want := "arn:aws:logs:eu-west-1:222222222222:destination:central-logs"; got != want {
		t.Errorf("DestinationArn = %q, want %q", got, want)
	}
}

func TestDestinationAdmitsOnlyTheOrganization(t *testing.T) {
	rs := synth(t, props())
	_, dest := only(t, rs, "AWS::Logs::Destination", "Drain")
	if dest.Properties["DestinationName"] != "central-logs" {
		t.Errorf("DestinationName = %v", dest.Properties["DestinationName"])
	}
	policy := str(dest.Properties["DestinationPolicy"])
	contains(t, "destination policy", policy,
		`\"Principal\":{\"AWS\":\"*\"}`,
		`\"Condition\":{\"StringEquals\":{\"aws:PrincipalOrgID\":\"o-exampleorg1\"}}`,
		`\"Action\":\"logs:PutSubscriptionFilter\"`,
		`:logs:eu-west-1:222222222222:destination:central-logs\"`)
	lacks(t, "destination policy", policy, "PutAccountPolicy", `\"222222222222\"`, `\"Resource\":\"*\"`)
	streamID, _ := only(t, rs, "AWS::KinesisFirehose::DeliveryStream", "Drain")
	if got := str(dest.Properties["TargetArn"]); !strings.Contains(got, streamID) {
		t.Errorf("destination targets %s, want the stream %s", got, streamID)
	}
	logsPolicyID, logsPolicy := only(t, rs, "AWS::IAM::ManagedPolicy", "DrainLogsPolicy")
	if len(dest.DependsOn) != 1 || dest.DependsOn[0] != logsPolicyID {
		t.Errorf("destination depends on %v, want its role's policy %s (the test message needs it)", dest.DependsOn, logsPolicyID)
	}

	// CloudWatch Logs may only put records into this stream, on behalf of
	// the organization's log groups in this region.
	_, logsRole := only(t, rs, "AWS::IAM::Role", "DrainLogsRole")
	trust := str(logsRole.Properties["AssumeRolePolicyDocument"])
	contains(t, "logs role trust", trust, `"Service":"logs.amazonaws.com"`, `":logs:eu-west-1:*:*"]]}}`,
		`"StringEqualsIfExists":{"aws:SourceOrgID":"o-exampleorg1"}`)
	lacks(t, "logs role trust", trust, "222222222222")
	doc := str(logsPolicy.Properties["PolicyDocument"])
	contains(t, "logs role policy", doc, `"Action":["firehose:PutRecord","firehose:PutRecordBatch"]`,
		`"Resource":{"Fn::GetAtt":["`+streamID+`","Arn"]}`)
	if n := strings.Count(doc, `"Effect"`); n != 1 {
		t.Errorf("logs role policy has %d statements, want 1: %s", n, doc)
	}
}

func TestStream(t *testing.T) {
	rs := synth(t, props())
	keyID, key := only(t, rs, "AWS::KMS::Key", "DrainKey")
	_, s := only(t, rs, "AWS::KinesisFirehose::DeliveryStream", "Drain")
	p := s.Properties
	if got := str(p["DeliveryStreamEncryptionConfigurationInput"]); got != `{"KeyARN":{"Fn::GetAtt":["`+keyID+`","Arn"]},"KeyType":"CUSTOMER_MANAGED_CMK"}` {
		t.Errorf("stream encryption = %s, want the drain's own key", got)
	}
	if key.Properties["EnableKeyRotation"] != true || key.DeletionPolicy != "Retain" {
		t.Errorf("key: rotation %v, deletion %q", key.Properties["EnableKeyRotation"], key.DeletionPolicy)
	}
	contains(t, "key policy", str(key.Properties["KeyPolicy"]), "DenyGrantsExceptForAWSServices",
		`"Service":"logs.eu-west-1.amazonaws.com"`, ":logs:eu-west-1:222222222222:log-group:*")

	s3 := p["ExtendedS3DestinationConfiguration"].(map[string]any)
	want := map[string]string{
		"BucketARN":                        `"` + archiveBucket + `"`,
		"Prefix":                           `"cwlogs/!{partitionKeyFromQuery:owner}/!{partitionKeyFromQuery:logGroup}/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/"`,
		"ErrorOutputPrefix":                `"cwlogs-errors/!{firehose:error-output-type}/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/"`,
		"EncryptionConfiguration":          `{"KMSEncryptionConfig":{"AWSKMSKeyARN":"` + archiveKey + `"}}`,
		"DynamicPartitioningConfiguration": `{"Enabled":true}`,
		"CompressionFormat":                `"GZIP"`,
	}
	for k, w := range want {
		if got := str(s3[k]); got != w {
			t.Errorf("%s = %s, want %s", k, got, w)
		}
	}
	if size := s3["BufferingHints"].(map[string]any)["SizeInMBs"].(float64); size < 64 {
		t.Errorf("buffer %v MiB: dynamic partitioning needs 64 or more", size)
	}
	procs := str(s3["ProcessingConfiguration"])
	contains(t, "processing", procs, `"Type":"Decompression"`, `"ParameterValue":"GZIP"`,
		`"Type":"MetadataExtraction"`, `"ParameterValue":"JQ-1.6"`, `{owner: `, `.owner`, `logGroup: `, `.logGroup`,
		`"Type":"AppendDelimiterToRecord"`)
	// Message extraction would strip owner and logGroup before partitioning.
	lacks(t, "processing", procs, "CloudWatchLogProcessing")

	lgID, lg := only(t, rs, "AWS::Logs::LogGroup", "DrainErrorLogGroup")
	if got := str(lg.Properties); got != `{"KmsKeyId":{"Fn::GetAtt":["`+keyID+`","Arn"]},"RetentionInDays":365}` || lg.DeletionPolicy != "Retain" {
		t.Errorf("error log group = %s, deletion %q; want encrypted with the key, a year, retained", got, lg.DeletionPolicy)
	}
	_, ls := only(t, rs, "AWS::Logs::LogStream", "DrainErrorLogStream")
	if ls.DeletionPolicy != "Retain" {
		t.Errorf("error log stream deletion %q, want Retain", ls.DeletionPolicy)
	}
	if got := str(s3["CloudWatchLoggingOptions"]); got != `{"Enabled":true,"LogGroupName":{"Ref":"`+lgID+`"},"LogStreamName":"DestinationDelivery"}` {
		t.Errorf("stream error logging = %s", got)
	}
}

func TestFirehoseRoleIsScoped(t *testing.T) {
	rs := synth(t, props())
	roleID, role := only(t, rs, "AWS::IAM::Role", "DrainFirehoseRole")
	contains(t, "firehose trust", str(role.Properties["AssumeRolePolicyDocument"]),
		`"Service":"firehose.amazonaws.com"`, `"sts:ExternalId":"222222222222"`)
	policyID, policy := only(t, rs, "AWS::IAM::ManagedPolicy", "DrainFirehosePolicy")
	if got := str(policy.Properties["Roles"]); got != `[{"Ref":"`+roleID+`"}]` {
		t.Errorf("firehose policy is attached to %s", got)
	}
	_, s := only(t, rs, "AWS::KinesisFirehose::DeliveryStream", "Drain")
	if len(s.DependsOn) != 1 || s.DependsOn[0] != policyID {
		t.Errorf("stream depends on %v, want its role's policy %s (Firehose checks access at creation)", s.DependsOn, policyID)
	}
	var doc struct{ Statement []map[string]any }
	if err := json.Unmarshal([]byte(str(policy.Properties["PolicyDocument"])), &doc); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"FindTheArchive":           `{"Action":["s3:GetBucketLocation","s3:ListBucket","s3:ListBucketMultipartUploads"],"Effect":"Allow","Resource":"` + archiveBucket + `","Sid":"FindTheArchive"}`,
		"WriteUnderTheLogPrefixes": `{"Action":["s3:PutObject","s3:AbortMultipartUpload"],"Effect":"Allow","Resource":["` + archiveBucket + `/cwlogs/*","` + archiveBucket + `/cwlogs-errors/*"],"Sid":"WriteUnderTheLogPrefixes"}`,
		"EncryptThroughS3ForTheArchive": `{"Action":["kms:GenerateDataKey","kms:Decrypt"],"Condition":{"StringEquals":{"kms:ViaService":"s3.us-east-1.amazonaws.com"},` +
			`"StringLike":{"kms:EncryptionContext:aws:s3:arn":["` + archiveBucket + `","` + archiveBucket + `/cwlogs/*","` + archiveBucket + `/cwlogs-errors/*"]}},` +
			`"Effect":"Allow","Resource":"` + archiveKey + `","Sid":"EncryptThroughS3ForTheArchive"}`,
	}
	for _, st := range doc.Statement {
		sid, _ := st["Sid"].(string)
		switch sid {
		case "LogDeliveryErrors":
			contains(t, sid, str(st), `"Action":"logs:PutLogEvents"`, ":log-stream:DestinationDelivery")
			lacks(t, sid, str(st), "*")
		default:
			if w, ok := want[sid]; !ok {
				t.Errorf("unexpected statement %s", str(st))
			} else if got := str(st); got != w {
				t.Errorf("%s =\n%s\nwant\n%s", sid, got, w)
			}
		}
	}
	if len(doc.Statement) != len(want)+1 {
		t.Errorf("firehose policy has %d statements, want %d", len(doc.Statement), len(want)+1)
	}
}

func TestPrefixesAndRetention(t *testing.T) {
	p := props()
	p.Prefix, p.ErrorPrefix, p.LogRetention = "logs/cw/", "logs/cw-errors/", awslogs.RetentionDays_TEN_YEARS
	rs := synth(t, p)
	_, s := only(t, rs, "AWS::KinesisFirehose::DeliveryStream", "Drain")
	s3 := s.Properties["ExtendedS3DestinationConfiguration"].(map[string]any)
	if got := s3["Prefix"].(string); !strings.HasPrefix(got, "logs/cw/!{partitionKeyFromQuery:owner}/") {
		t.Errorf("Prefix = %s", got)
	}
	if got := s3["ErrorOutputPrefix"].(string); !strings.HasPrefix(got, "logs/cw-errors/!{firehose:error-output-type}/") {
		t.Errorf("ErrorOutputPrefix = %s", got)
	}
	_, policy := only(t, rs, "AWS::IAM::ManagedPolicy", "DrainFirehosePolicy")
	contains(t, "firehose policy", str(policy.Properties), archiveBucket+"/logs/cw/*", archiveBucket+"/logs/cw-errors/*")
	lacks(t, "firehose policy", str(policy.Properties), "cwlogs")
	_, lg := only(t, rs, "AWS::Logs::LogGroup", "DrainErrorLogGroup")
	if lg.Properties["RetentionInDays"] != 3653.0 {
		t.Errorf("retention = %v, want 3653", lg.Properties["RetentionInDays"])
	}
}

// Archive ARNs may be tokens (an archive in the same stack): the S3 region
// for kms:ViaService then comes from the key ARN at deploy time.
func TestArchiveTokens(t *testing.T) {
	rs := synth(t, nil)
	_, policy := only(t, rs, "AWS::IAM::ManagedPolicy", "DrainFirehosePolicy")
	contains(t, "firehose policy", str(policy.Properties), `"kms:ViaService":{"Fn::Join":["",["s3.",{"Fn::Select":[3,{"Fn::Split":[":",{"Fn::GetAtt":["ArchiveKey`)
}

func TestMisusePanics(t *testing.T) {
	for _, tc := range []struct {
		change func(*logdrain.Props)
		want   string
	}{
		{func(p *logdrain.Props) { p.DestinationName = "" }, "Props.DestinationName"},
		{func(p *logdrain.Props) { p.DestinationName = "a:b" }, "Props.DestinationName"},
		{func(p *logdrain.Props) { p.DestinationName = strings.Repeat("a", 513) }, "Props.DestinationName"},
		{func(p *logdrain.Props) { p.OrganizationID = "" }, `Props.OrganizationID ""`},
		{func(p *logdrain.Props) { p.OrganizationID = "o-short" }, `Props.OrganizationID "o-short"`},
		{func(p *logdrain.Props) { p.OrganizationID = "111111111111" }, `Props.OrganizationID "111111111111"`},
		{func(p *logdrain.Props) { p.ArchiveBucketArn = "" }, "Props.ArchiveBucketArn"},
		{func(p *logdrain.Props) { p.ArchiveBucketArn = "example-log-archive" }, "Props.ArchiveBucketArn"},
		{func(p *logdrain.Props) { p.ArchiveKeyArn = "" }, "Props.ArchiveKeyArn"},
		{func(p *logdrain.Props) { p.ArchiveKeyArn = "arn:aws:kms:us-east-1:222222222222:alias/archive" }, "Props.ArchiveKeyArn"},
		{func(p *logdrain.Props) { p.Prefix = "cwlogs" }, "Props.Prefix"},
		{func(p *logdrain.Props) { p.Prefix = "/cwlogs/" }, "Props.Prefix"},
		{func(p *logdrain.Props) { p.ErrorPrefix = "errors/!{timestamp:yyyy}/" }, "Props.ErrorPrefix"},
		{func(p *logdrain.Props) { p.ErrorPrefix = "cwlogs/errors/" }, "overlap"},
	} {
		p := props()
		tc.change(p)
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), tc.want) {
					t.Errorf("%+v: panic %v, want one naming %s", p, r, tc.want)
				}
			}()
			synth(t, p)
		}()
	}
}
