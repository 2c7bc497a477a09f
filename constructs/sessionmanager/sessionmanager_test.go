package sessionmanager_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/palisade-sec/palisade/constructs/sessionmanager"
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
	DependsOn      []string
}

func synth(t *testing.T, p *sessionmanager.Props) (map[string]resource, *sessionmanager.Manager) {
	t.Helper()
	return synthAfter(t, p, 0)
}

// synthAfter synthesizes props after n unrelated tokens were made, as other
// constructs in a real stack would.
func synthAfter(t *testing.T, p *sessionmanager.Props, n int) (map[string]resource, *sessionmanager.Manager) {
	t.Helper()
	app := awscdk.NewApp(&awscdk.AppProps{AnalyticsReporting: jsii.Bool(false)})
	stack := awscdk.NewStack(app, jsii.String("Test"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("333333333333"), Region: jsii.String("eu-west-1")},
	})
	for i := range n {
		awscdk.NewCfnWaitConditionHandle(stack, jsii.String(fmt.Sprint("Other", i)), nil).Ref()
	}
	m := sessionmanager.New(stack, "SessionManager", p)
	raw, err := json.Marshal(app.Synth(nil).GetStackByName(stack.StackName()).Template())
	if err != nil {
		t.Fatal(err)
	}
	var tpl struct{ Resources map[string]resource }
	if err := json.Unmarshal(raw, &tpl); err != nil {
		t.Fatal(err)
	}
	return tpl.Resources, m
}

func str(v any) string { b, _ := json.Marshal(v); return string(b) }

func ofType(rs map[string]resource, typ string) map[string]resource {
	out := map[string]resource{}
	for id, r := range rs {
		if r.Type == typ {
			out[id] = r
		}
	}
	return out
}

func only(t *testing.T, rs map[string]resource, typ string) (string, resource) {
	t.Helper()
	m := ofType(rs, typ)
	if len(m) != 1 {
		t.Fatalf("%d %s, want one", len(m), typ)
	}
	for id, r := range m {
		return id, r
	}
	panic("unreachable")
}

// call finds the custom resource whose Create or Update calls action.
func call(t *testing.T, rs map[string]resource, action string) resource {
	t.Helper()
	for _, r := range ofType(rs, "Custom::AWS") {
		if strings.Contains(str(r.Properties["Create"])+str(r.Properties["Update"]), `\"action\":\"`+action+`\"`) {
			return r
		}
	}
	t.Fatalf("no custom resource calls %s", action)
	panic("unreachable")
}

const archive = "example-log-archive"

func TestKeyAndLogGroup(t *testing.T) {
	rs, m := synth(t, &sessionmanager.Props{ArchiveBucketName: archive})
	if m.Key == nil || m.LogGroup == nil || m.InstanceRole == nil || m.InstanceProfile == nil || m.DefaultHostManagementRole != nil {
		t.Errorf("Manager fields: %+v", m)
	}
	keyID, key := only(t, rs, "AWS::KMS::Key")
	if key.Properties["EnableKeyRotation"] != true || key.DeletionPolicy != "Retain" {
		t.Errorf("key: rotation %v, deletion %q", key.Properties["EnableKeyRotation"], key.DeletionPolicy)
	}
	policy := str(key.Properties["KeyPolicy"])
	for _, w := range []string{`"Service":"logs.eu-west-1.amazonaws.com"`, `:logs:eu-west-1:333333333333:log-group:*"]]}}}`,
		`"Sid":"ThisAccountsPrincipalsEncryptSessions"`, `"aws:PrincipalAccount":"333333333333"`, `"Sid":"DenyGrantsExceptForAWSServices"`} {
		if !strings.Contains(policy, w) {
			t.Errorf("key policy lacks %s: %s", w, policy)
		}
	}
	if strings.Contains(policy, "logs.amazonaws.com") || strings.Contains(policy, ":us-") {
		t.Errorf("key policy names another region: %s", policy)
	}
	// The transcripts' log group, and the stack's AwsCustomResource
	// function's, which the construct makes with the same key.
	groups := ofType(rs, "AWS::Logs::LogGroup")
	if len(groups) != 2 {
		t.Fatalf("%d log groups, want the transcripts' and the custom resource function's: %v", len(groups), groups)
	}
	for id, lg := range groups {
		if str(lg.Properties["KmsKeyId"]) != `{"Fn::GetAtt":["`+keyID+`","Arn"]}` || lg.Properties["RetentionInDays"] != 365.0 || lg.DeletionPolicy != "Retain" {
			t.Errorf("log group %s: %s, deletion %q", id, str(lg.Properties), lg.DeletionPolicy)
		}
	}
	fnID, fn := only(t, rs, "AWS::Lambda::Function")
	if !strings.HasPrefix(fnID, "AWS679f53fac002430cb0da5b7982bd2287") {
		t.Fatalf("the only function is %s, want CDK's custom resource function", fnID)
	}
	lgRef := str(fn.Properties["LoggingConfig"])
	if !strings.Contains(lgRef, `"Ref":"CustomResourceLogs`) || strings.Contains(lgRef, `"Ref":"`+*awscdk.Stack_Of(m.LogGroup).GetLogicalId(m.LogGroup.Node().DefaultChild().(awscdk.CfnElement))+`"`) {
		t.Errorf("the custom resource function logs to %s, want the stack's CustomResourceLogs", lgRef)
	}
}

func TestSessionPreferences(t *testing.T) {
	got := sessionmanager.SessionPreferences(&sessionmanager.Props{ArchiveBucketName: archive}, "333333333333", "key-id", "group")
	want := `{"description":"Session Manager preferences set by palisade","inputs":{"cloudWatchEncryptionEnabled":true,"cloudWatchLogGroupName":"group",` +
		`"cloudWatchStreamingEnabled":true,"idleSessionTimeout":"20","kmsKeyId":"key-id","maxSessionDuration":"60","runAsDefaultUser":"","runAsEnabled":false,` +
		`"s3BucketName":"example-log-archive","s3EncryptionEnabled":true,"s3KeyPrefix":"ssm/333333333333/","shellProfile":{"linux":"","windows":""}},` +
		`"schemaVersion":"1.0","sessionType":"Standard_Stream"}`
	if str(got) != want {
		t.Errorf("preferences =\n%s\nwant\n%s", str(got), want)
	}
	got = sessionmanager.SessionPreferences(&sessionmanager.Props{ArchiveBucketName: archive, IdleSessionTimeoutMinutes: 5, MaxSessionDurationMinutes: 480, RunAsUser: "operator"}, "1", "k", "g")
	in := got["inputs"].(map[string]any)
	if in["idleSessionTimeout"] != "5" || in["maxSessionDuration"] != "480" || in["runAsEnabled"] != true || in["runAsDefaultUser"] != "operator" {
		t.Errorf("inputs = %s", str(in))
	}
}

func TestDocument(t *testing.T) {
	rs, m := synth(t, &sessionmanager.Props{ArchiveBucketName: archive})
	keyID, _ := only(t, rs, "AWS::KMS::Key")
	lgID := *awscdk.Stack_Of(m.LogGroup).GetLogicalId(m.LogGroup.Node().DefaultChild().(awscdk.CfnElement))
	create := call(t, rs, "createDocument")
	c := str(create.Properties["Create"])
	for _, w := range []string{`SSM-SessionManagerRunShell`, `\"DocumentType\":\"Session\"`, `DocumentAlreadyExists`,
		`\\\"kmsKeyId\\\":\\\"",{"Ref":"` + keyID + `"}`, `\\\"cloudWatchLogGroupName\\\":\\\"",{"Ref":"` + lgID + `"}`,
		`\\\"s3KeyPrefix\\\":\\\"ssm/333333333333/\\\"`, `\\\"s3EncryptionEnabled\\\":true`, `\\\"cloudWatchEncryptionEnabled\\\":true`} {
		if !strings.Contains(c, w) {
			t.Errorf("createDocument lacks %s: %s", w, c)
		}
	}
	if create.Properties["Update"] != nil || create.Properties["Delete"] != nil {
		t.Error("createDocument runs on update or delete")
	}
	update := call(t, rs, "updateDocument")
	u := str(update.Properties["Update"])
	if !strings.Contains(u, `\"DocumentVersion\":\"$LATEST\"`) || !strings.Contains(u, "DuplicateDocumentContent") || str(update.Properties["Create"]) != u {
		t.Errorf("updateDocument: %s", u)
	}
	call(t, rs, "describeDocument")
	def := call(t, rs, "updateDocumentDefaultVersion")
	if !strings.Contains(str(def.Properties["Update"]), `Document.LatestVersion`) {
		t.Errorf("default version is not the latest: %s", str(def.Properties["Update"]))
	}
	for _, r := range ofType(rs, "Custom::AWS") {
		if r.Properties["Delete"] != nil {
			t.Errorf("a custom resource acts on delete: %s", str(r.Properties))
		}
	}
	// The custom resources' policies (one each, on CDK's shared function's
	// role) allow only the four document actions, on this document.
	actions := map[string]bool{}
	for _, p := range ofType(rs, "AWS::IAM::Policy") {
		var doc struct {
			Statement []struct {
				Action   string
				Resource any
			}
		}
		json.Unmarshal([]byte(str(p.Properties["PolicyDocument"])), &doc)
		for _, s := range doc.Statement {
			if !strings.Contains(s.Action, "Document") {
				continue
			}
			actions[s.Action] = true
			if r := str(s.Resource); !strings.HasSuffix(r, `:ssm:eu-west-1:333333333333:document/SSM-SessionManagerRunShell"]]}`) {
				t.Errorf("%s is not scoped to the document: %s", s.Action, r)
			}
		}
	}
	if fmt.Sprint(actions) != "map[ssm:CreateDocument:true ssm:DescribeDocument:true ssm:UpdateDocument:true ssm:UpdateDocumentDefaultVersion:true]" {
		t.Errorf("document actions = %v", actions)
	}
}

func TestDefaultHostManagement(t *testing.T) {
	for _, create := range []bool{false, true} {
		rs, m := synth(t, &sessionmanager.Props{ArchiveBucketName: archive, CreateDefaultHostManagementRole: create})
		setting := call(t, rs, "updateServiceSetting")
		s := str(setting.Properties["Create"])
		if !strings.Contains(s, `\"SettingId\":\"/ssm/managed-instance/default-ec2-instance-management-role\"`) ||
			!strings.Contains(s, `\"SettingValue\":\"AWSSystemsManagerDefaultEC2InstanceManagementRole\"`) || setting.Properties["Delete"] != nil {
			t.Errorf("service setting: %s", str(setting.Properties))
		}
		roles := ofType(rs, "AWS::IAM::Role")
		var host *resource
		hostRef := `"AWSSystemsManagerDefaultEC2InstanceManagementRole"`
		for id, r := range roles {
			if r.Properties["RoleName"] == "AWSSystemsManagerDefaultEC2InstanceManagementRole" {
				host = &r
				hostRef = `{"Ref":"` + id + `"}`
			}
		}
		if (host != nil) != create || (m.DefaultHostManagementRole != nil) != create {
			t.Errorf("CreateDefaultHostManagementRole %v: role created %v", create, host != nil)
		}
		if host != nil {
			if p := str(host.Properties); !strings.Contains(p, `"Service":"ssm.amazonaws.com"`) || !strings.Contains(p, "AmazonSSMManagedEC2InstanceDefaultPolicy") {
				t.Errorf("host role: %s", p)
			}
		}
		mp := sessionLoggingPolicy(t, rs)
		if !strings.Contains(str(mp.Properties["Roles"]), hostRef) {
			t.Errorf("session logging policy not attached to the host role: %s", str(mp.Properties["Roles"]))
		}
		found := false
		for _, p := range ofType(rs, "AWS::IAM::Policy") {
			doc := str(p.Properties["PolicyDocument"])
			if !strings.Contains(doc, "ssm:UpdateServiceSetting") {
				continue
			}
			found = true
			if !strings.Contains(doc, `:ssm:eu-west-1:333333333333:servicesetting/ssm/managed-instance/default-ec2-instance-management-role"]]}`) ||
				!strings.Contains(doc, `"iam:PassedToService":"ssm.amazonaws.com"`) || strings.Contains(doc, `"Resource":"*"`) {
				t.Errorf("service setting policy: %s", doc)
			}
		}
		if !found {
			t.Error("no policy allows ssm:UpdateServiceSetting")
		}
	}
}

func TestInstanceProfile(t *testing.T) {
	rs, _ := synth(t, &sessionmanager.Props{ArchiveBucketName: archive, ArchiveKeyArn: "arn:aws:kms:eu-west-1:444444444444:key/abcd"})
	_, profile := only(t, rs, "AWS::IAM::InstanceProfile")
	roleRef := str(profile.Properties["Roles"])
	var role resource
	for id, r := range ofType(rs, "AWS::IAM::Role") {
		if strings.Contains(roleRef, `"`+id+`"`) {
			role = r
		}
	}
	p := str(role.Properties)
	for _, w := range []string{`"Service":"ec2.amazonaws.com"`, "AmazonSSMManagedInstanceCore", "CloudWatchAgentServerPolicy"} {
		if !strings.Contains(p, w) {
			t.Errorf("instance role lacks %s: %s", w, p)
		}
	}
	mp := sessionLoggingPolicy(t, rs)
	doc := str(mp.Properties["PolicyDocument"])
	for _, w := range []string{`:s3:::example-log-archive/ssm/333333333333/*"]]}`, `"s3:GetEncryptionConfiguration"`,
		`"Resource":"arn:aws:kms:eu-west-1:444444444444:key/abcd"`, `"kms:ViaService":"s3.eu-west-1.amazonaws.com"`, `"logs:PutLogEvents"`} {
		if !strings.Contains(doc, w) {
			t.Errorf("session logging policy lacks %s: %s", w, doc)
		}
	}
	if strings.Contains(doc, `"s3:*"`) || strings.Contains(doc, `"kms:*"`) || strings.Contains(doc, `:s3:::example-log-archive/*"`) {
		t.Errorf("session logging policy too wide: %s", doc)
	}
	if !strings.Contains(str(mp.Metadata), "AwsSolutions-IAM5") {
		t.Error("wildcards in the session logging policy have no recorded reason")
	}
}

// With only the archive key's alias known, instances may use the archive
// account's keys in the region that carry that alias, through S3, and no
// other key.
func TestArchiveKeyByAlias(t *testing.T) {
	rs, _ := synth(t, &sessionmanager.Props{ArchiveBucketName: archive, ArchiveKeyAliasArn: "arn:aws:kms:eu-west-1:444444444444:alias/example-log-archive"})
	mp := sessionLoggingPolicy(t, rs)
	doc := str(mp.Properties["PolicyDocument"])
	want := `{"Action":"kms:GenerateDataKey","Condition":{"ForAnyValue:StringEquals":{"kms:ResourceAliases":"alias/example-log-archive"},` +
		`"StringEquals":{"kms:ViaService":"s3.eu-west-1.amazonaws.com"}},"Effect":"Allow","Resource":"arn:aws:kms:eu-west-1:444444444444:key/*","Sid":"EncryptArchivedTranscriptsByAlias"}`
	if !strings.Contains(doc, want) {
		t.Errorf("session logging policy lacks\n%s\nin\n%s", want, doc)
	}
}

// A named instance role names its profile the same, for other stacks.
func TestNamedInstanceRole(t *testing.T) {
	rs, _ := synth(t, &sessionmanager.Props{ArchiveBucketName: archive, InstanceRoleName: "palisade-instance-eu-west-1"})
	_, profile := only(t, rs, "AWS::IAM::InstanceProfile")
	if profile.Properties["InstanceProfileName"] != "palisade-instance-eu-west-1" {
		t.Errorf("profile = %v", profile.Properties)
	}
	found := false
	for _, r := range ofType(rs, "AWS::IAM::Role") {
		found = found || r.Properties["RoleName"] == "palisade-instance-eu-west-1"
	}
	if !found {
		t.Error("no role named palisade-instance-eu-west-1")
	}
}

func TestMisusePanics(t *testing.T) {
	for _, tc := range []struct {
		props sessionmanager.Props
		want  string
	}{
		{sessionmanager.Props{}, "Props.ArchiveBucketName"},
		{sessionmanager.Props{ArchiveBucketName: "arn:aws:s3:::x"}, "Props.ArchiveBucketName"},
		{sessionmanager.Props{ArchiveBucketName: archive, ArchiveKeyArn: "alias/x"}, "Props.ArchiveKeyArn"},
		{sessionmanager.Props{ArchiveBucketName: archive, ArchiveKeyAliasArn: "alias/x"}, "Props.ArchiveKeyAliasArn"},
		{sessionmanager.Props{ArchiveBucketName: archive, ArchiveKeyArn: "arn:aws:kms:eu-west-1:444444444444:key/abcd",
			ArchiveKeyAliasArn: "arn:aws:kms:eu-west-1:444444444444:alias/x"}, "Props.ArchiveKeyAliasArn"},
		{sessionmanager.Props{ArchiveBucketName: archive, InstanceRoleName: "palisade instances"}, "Props.InstanceRoleName"},
		{sessionmanager.Props{ArchiveBucketName: archive, IdleSessionTimeoutMinutes: 61}, "Props.IdleSessionTimeoutMinutes 61"},
		{sessionmanager.Props{ArchiveBucketName: archive, MaxSessionDurationMinutes: -1}, "Props.MaxSessionDurationMinutes -1"},
		{sessionmanager.Props{ArchiveBucketName: archive, MaxSessionDurationMinutes: 1441}, "1 to 1440"},
		{sessionmanager.Props{ArchiveBucketName: archive, RunAsUser: "Root User"}, "Props.RunAsUser"},
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), tc.want) {
					t.Errorf("%+v: panic %v, want one naming %s", tc.props, r, tc.want)
				}
			}()
			synth(t, &tc.props)
		}()
	}
}

// The latest-version reader's id carries the content's hash; it must not
// change with unrelated constructs, or every deploy would replace it.
func TestDocumentIdsAreStable(t *testing.T) {
	ids := func(n int) string {
		rs, _ := synthAfter(t, &sessionmanager.Props{ArchiveBucketName: archive}, n)
		var out []string
		for id, r := range ofType(rs, "Custom::AWS") {
			if strings.Contains(str(r.Properties["Create"]), "describeDocument") {
				out = append(out, id)
			}
		}
		return fmt.Sprint(out)
	}
	if a, b := ids(0), ids(7); a != b {
		t.Errorf("describeDocument custom resource id changed with unrelated constructs: %s vs %s", a, b)
	}
	rs, _ := synth(t, &sessionmanager.Props{ArchiveBucketName: archive, IdleSessionTimeoutMinutes: 10})
	for id, r := range ofType(rs, "Custom::AWS") {
		if strings.Contains(str(r.Properties["Create"]), "describeDocument") && fmt.Sprint([]string{id}) == ids(0) {
			t.Error("new preferences keep the describeDocument custom resource: the default version would not move")
		}
	}
}

// sessionLoggingPolicy is the construct's one managed policy besides the
// stack's custom resource function's log policy.
func sessionLoggingPolicy(t *testing.T, rs map[string]resource) resource {
	t.Helper()
	var out []resource
	for id, r := range ofType(rs, "AWS::IAM::ManagedPolicy") {
		if !strings.HasPrefix(id, "CustomResourceRoleLogs") {
			out = append(out, r)
		}
	}
	if len(out) != 1 {
		t.Fatalf("%d managed policies besides the custom resource function's, want the session logging policy", len(out))
	}
	return out[0]
}
