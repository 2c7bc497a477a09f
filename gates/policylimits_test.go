package gates

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// statement is an S3-style statement whose Resource lists n object ARNs of
// 41 characters each (with quotes and a comma: 44 bytes).
func statement(n int) map[string]any {
	var arns []any
	for i := range n {
		arns = append(arns, fmt.Sprintf("arn:aws:s3:::archive/AWSLogs/%010d/*", i))
	}
	return map[string]any{"Effect": "Allow", "Principal": map[string]any{"Service": "logging.s3.amazonaws.com"},
		"Action": "s3:PutObject", "Resource": arns}
}

func policy(statements ...map[string]any) map[string]any {
	var st []any
	for _, s := range statements {
		st = append(st, s)
	}
	return map[string]any{"Version": "2012-10-17", "Statement": st}
}

// withSize grows a statement's resource list until the policy's compact
// JSON is at least size bytes, and returns the policy.
func withSize(t *testing.T, size int) map[string]any {
	t.Helper()
	n := (size - 250) / 44
	for {
		p := policy(statement(n))
		if len(compact(p)) >= size {
			return p
		}
		n++
	}
}

// trust is a trust policy of n account principals (as CDK writes an
// AccountPrincipal: a literal root ARN).
func trust(n int) map[string]any {
	var arns []any
	for i := range n {
		arns = append(arns, fmt.Sprintf("arn:aws:iam::%012d:root", 200000000000+i))
	}
	return policy(map[string]any{"Effect": "Allow", "Principal": map[string]any{"AWS": arns}, "Action": "sts:AssumeRole"})
}

// writeResources writes a template of the given resources and returns its
// path.
func writeResources(t *testing.T, resources map[string]any) string {
	t.Helper()
	raw, err := json.MarshalIndent(map[string]any{"Resources": resources}, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "Policies.template.json")
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func role(props map[string]any) map[string]any {
	p := map[string]any{"AssumeRolePolicyDocument": trust(1)}
	for k, v := range props {
		p[k] = v
	}
	return map[string]any{"Type": "AWS::IAM::Role", "Properties": p}
}

func scp(content any, targets ...string) map[string]any {
	var ids []any
	for _, t := range targets {
		ids = append(ids, t)
	}
	return map[string]any{"Type": "AWS::Organizations::Policy", "Properties": map[string]any{
		"Name": "guardrail", "Type": "SERVICE_CONTROL_POLICY", "Content": content, "TargetIds": ids}}
}

func managedPolicy(roles ...string) map[string]any {
	var refs []any
	for _, r := range roles {
		refs = append(refs, map[string]any{"Ref": r})
	}
	return map[string]any{"Type": "AWS::IAM::ManagedPolicy", "Properties": map[string]any{"PolicyDocument": policy(statement(1)), "Roles": refs}}
}

// Each measured kind fails over its limit, naming the resource, the
// policy, its size, the limit and what to do; and the same kind just under
// the limit passes.
func TestPolicyLimits(t *testing.T) {
	scpContent := func(n int) map[string]any {
		var actions []any
		for i := range n {
			actions = append(actions, fmt.Sprintf("ec2:Action%04d", i))
		}
		return policy(map[string]any{"Effect": "Deny", "Action": actions, "Resource": "*"})
	}
	sixManaged := []any{}
	for i := range 6 {
		sixManaged = append(sixManaged, fmt.Sprintf("arn:aws:iam::aws:policy/Managed%d", i))
	}
	for _, c := range []struct {
		name      string
		over      map[string]any // resources
		under     map[string]any
		resource  string
		limit     Limit
		wantSizes []string // in the message
	}{
		{
			name: "bucket policy of 21 KB",
			over: map[string]any{"ArchivePolicy": map[string]any{"Type": "AWS::S3::BucketPolicy", "Properties": map[string]any{
				"Bucket": "archive", "PolicyDocument": withSize(t, 21000)}}},
			under: map[string]any{"ArchivePolicy": map[string]any{"Type": "AWS::S3::BucketPolicy", "Properties": map[string]any{
				"Bucket": "archive", "PolicyDocument": withSize(t, 19900)}}},
			resource: "ArchivePolicy", limit: BucketPolicyLimit, wantSizes: []string{"over AWS's limit of 20000", "(PolicyDocument) is 210"},
		},
		{
			// 2,100 characters: 61 principals of 31 characters + quotes and comma.
			name:     "trust policy of 2,100 characters",
			over:     map[string]any{"DrainRole": role(map[string]any{"AssumeRolePolicyDocument": trust(61)})},
			under:    map[string]any{"DrainRole": role(map[string]any{"AssumeRolePolicyDocument": trust(58)})},
			resource: "DrainRole", limit: TrustPolicyLimit, wantSizes: []string{"(AssumeRolePolicyDocument) is 2", "characters", "over AWS's limit of 2048"},
		},
		{
			name: "key policy over 32 KB",
			over: map[string]any{"ArchiveKey": map[string]any{"Type": "AWS::KMS::Key", "Properties": map[string]any{
				"KeyPolicy": withSize(t, 33000)}}},
			under: map[string]any{"ArchiveKey": map[string]any{"Type": "AWS::KMS::Key", "Properties": map[string]any{
				"KeyPolicy": withSize(t, 32000)}}},
			resource: "ArchiveKey", limit: KeyPolicyLimit, wantSizes: []string{"(KeyPolicy) is 330", "over AWS's limit of 32768"},
		},
		{
			// 17 characters and quotes and a comma per action.
			name:     "SCP over 5,120 characters",
			over:     map[string]any{"Guardrail": scp(scpContent(310), "r-abcd")},
			under:    map[string]any{"Guardrail": scp(scpContent(290), "r-abcd")},
			resource: "Guardrail", limit: SCPLimit, wantSizes: []string{"(Content) is 5", "over AWS's limit of 5120"},
		},
		{
			name:     "SCP content given as a string counts its white space",
			over:     map[string]any{"Guardrail": scp(strings.ReplaceAll(compact(scpContent(280)), ",", ",   "), "r-abcd")},
			under:    map[string]any{"Guardrail": scp(compact(scpContent(280)), "r-abcd")},
			resource: "Guardrail", limit: SCPLimit, wantSizes: []string{"over AWS's limit of 5120"},
		},
		{
			name: "5 SCPs on one target",
			over: map[string]any{"A": scp(scpContent(1), "ou-abcd-12345678"), "B": scp(scpContent(1), "ou-abcd-12345678"), "C": scp(scpContent(1), "ou-abcd-12345678"),
				"D": scp(scpContent(1), "ou-abcd-12345678", "r-abcd"), "E": scp(scpContent(1), "ou-abcd-12345678")},
			under: map[string]any{"A": scp(scpContent(1), "ou-abcd-12345678"), "B": scp(scpContent(1), "ou-abcd-12345678"), "C": scp(scpContent(1), "ou-abcd-12345678"),
				"D": scp(scpContent(1), "ou-abcd-12345678", "r-abcd"), "E": scp(scpContent(1), "r-abcd")},
			resource: "ou-abcd-12345678", limit: SCPsPerTargetLimit, wantSizes: []string{"(SCPs: A, B, C, D, E): 5, over AWS's limit of 4"},
		},
		{
			// 6 in ManagedPolicyArns, 5 attached by their Roles.
			name: "11 managed policies on a role",
			over: map[string]any{"Worker": role(map[string]any{"ManagedPolicyArns": sixManaged}),
				"M1": managedPolicy("Worker"), "M2": managedPolicy("Worker"), "M3": managedPolicy("Worker"), "M4": managedPolicy("Worker"), "M5": managedPolicy("Worker")},
			under: map[string]any{"Worker": role(map[string]any{"ManagedPolicyArns": sixManaged}),
				"M1": managedPolicy("Worker"), "M2": managedPolicy("Worker"), "M3": managedPolicy("Worker"), "M4": managedPolicy("Worker")},
			resource: "Worker", limit: ManagedPerRoleLimit, wantSizes: []string{": 11, over AWS's limit of 10", "M5"},
		},
		{
			// Each under 10,240, together over it: the role's own inline
			// policy and an AWS::IAM::Policy attached by Ref.
			name: "inline policies over 10,240 characters together",
			over: map[string]any{"Worker": role(map[string]any{"Policies": []any{map[string]any{"PolicyName": "own", "PolicyDocument": withSize(t, 6000)}}}),
				"WorkerDefaultPolicy": map[string]any{"Type": "AWS::IAM::Policy", "Properties": map[string]any{
					"PolicyName": "default", "PolicyDocument": withSize(t, 5000), "Roles": []any{map[string]any{"Ref": "Worker"}}}}},
			under: map[string]any{"Worker": role(map[string]any{"Policies": []any{map[string]any{"PolicyName": "own", "PolicyDocument": withSize(t, 6000)}}}),
				"WorkerDefaultPolicy": map[string]any{"Type": "AWS::IAM::Policy", "Properties": map[string]any{
					"PolicyName": "default", "PolicyDocument": withSize(t, 4000), "Roles": []any{map[string]any{"Ref": "Worker"}}}}},
			resource: "Worker", limit: RoleInlineLimit, wantSizes: []string{"Policies own", "WorkerDefaultPolicy (AWS::IAM::Policy)", "over AWS's limit of 10240"},
		},
		{
			name:     "managed policy over 6,144 characters",
			over:     map[string]any{"Big": map[string]any{"Type": "AWS::IAM::ManagedPolicy", "Properties": map[string]any{"PolicyDocument": withSize(t, 6200)}}},
			under:    map[string]any{"Big": map[string]any{"Type": "AWS::IAM::ManagedPolicy", "Properties": map[string]any{"PolicyDocument": withSize(t, 6100)}}},
			resource: "Big", limit: ManagedPolicyLimit, wantSizes: []string{"over AWS's limit of 6144"},
		},
		{
			// A destination policy is a string: built with Fn::Join, as
			// CDK writes it.
			name: "destination policy over 5,120 bytes",
			over: map[string]any{"Drain": map[string]any{"Type": "AWS::Logs::Destination", "Properties": map[string]any{
				"DestinationName": "drain", "DestinationPolicy": map[string]any{"Fn::Join": []any{"", []any{compact(withSize(t, 5200))}}}}}},
			under: map[string]any{"Drain": map[string]any{"Type": "AWS::Logs::Destination", "Properties": map[string]any{
				"DestinationName": "drain", "DestinationPolicy": map[string]any{"Fn::Join": []any{"", []any{compact(withSize(t, 5000))}}}}}},
			resource: "Drain", limit: DestinationPolicyLimit, wantSizes: []string{"over AWS's limit of 5120"},
		},
		{
			name: "topic policy over 30 KB",
			over: map[string]any{"AlertsPolicy": map[string]any{"Type": "AWS::SNS::TopicPolicy", "Properties": map[string]any{
				"Topics": []any{"arn:aws:sns:eu-west-1:111111111111:alerts"}, "PolicyDocument": withSize(t, 30500)}}},
			under: map[string]any{"AlertsPolicy": map[string]any{"Type": "AWS::SNS::TopicPolicy", "Properties": map[string]any{
				"Topics": []any{"arn:aws:sns:eu-west-1:111111111111:alerts"}, "PolicyDocument": withSize(t, 29500)}}},
			resource: "AlertsPolicy", limit: TopicPolicyLimit, wantSizes: []string{"over AWS's limit of 30000"},
		},
		{
			// 60 permissions of one function: each statement ~330 bytes.
			name: "function policy over 20 KB, summed over its permissions",
			over: lambdaPermissions(70), under: lambdaPermissions(40),
			resource: "Fn", limit: FunctionPolicyLimit, wantSizes: []string{"70 AWS::Lambda::Permission statements", "over AWS's limit of 20000"},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			over, err := ownFindings(writeResources(t, c.over))
			if err != nil {
				t.Fatal(err)
			}
			var got []Finding
			for _, f := range over {
				if f.Rule == "limits" {
					got = append(got, f)
				}
			}
			if len(got) != 1 {
				t.Fatalf("limits findings = %v, want one for %s", got, c.resource)
			}
			f := got[0]
			if f.Resource != c.resource || !strings.Contains(f.Message, c.limit.Name) || !strings.Contains(f.Message, c.limit.Doc) || !strings.Contains(f.Message, c.limit.Fix) {
				t.Errorf("finding %s: %s\nwant resource %s, the limit %q, its doc and its fix", f.Resource, f.Message, c.resource, c.limit.Name)
			}
			for _, w := range c.wantSizes {
				if !strings.Contains(f.Message, w) {
					t.Errorf("finding %q lacks %q", f.Message, w)
				}
			}
			under, err := ownFindings(writeResources(t, c.under))
			if err != nil {
				t.Fatal(err)
			}
			if len(under) != 0 {
				t.Errorf("under the limit: %v", under)
			}
		})
	}
}

func lambdaPermissions(n int) map[string]any {
	res := map[string]any{"Fn": map[string]any{"Type": "AWS::Lambda::Function", "Properties": map[string]any{}}}
	for i := range n {
		res[fmt.Sprintf("Invoke%03d", i)] = map[string]any{"Type": "AWS::Lambda::Permission", "Properties": map[string]any{
			"FunctionName": map[string]any{"Fn::GetAtt": []any{"Fn", "Arn"}}, "Action": "lambda:InvokeFunction",
			"Principal": "events.amazonaws.com", "SourceArn": fmt.Sprintf("arn:aws:events:eu-west-1:111111111111:rule/r%03d", i)}}
	}
	return res
}

// Intrinsics are measured at their worst case: a Fn::Join of Refs to
// pseudo parameters and to resources, Fn::Sub, Fn::GetAtt, Fn::If and
// AWS::NoValue, each to the length the rule in resolve.go gives.
func TestWorstCaseResolution(t *testing.T) {
	r := &resolver{resources: map[string]resource{
		"Archive":     {Type: "AWS::S3::Bucket"},
		"Named":       {Type: "AWS::S3::Bucket", Properties: map[string]any{"BucketName": map[string]any{"Fn::Join": []any{"-", []any{"archive", map[string]any{"Ref": "AWS::AccountId"}}}}}},
		"Drain":       {Type: "AWS::IAM::Role", Properties: map[string]any{"Path": "/palisade/"}},
		"Key":         {Type: "AWS::KMS::Key"},
		"Unsupported": {Type: "AWS::Example::Thing"},
	}, parameters: map[string]map[string]any{"Version": {"Type": "String", "Default": "/cdk-bootstrap/hnb659fds/version"}}}
	for _, c := range []struct {
		in   string
		want string
	}{
		{`{"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::", {"Ref": "AWS::AccountId"}, ":root"]]}`, "arn:aws-us-gov:iam::xxxxxxxxxxxx:root"},
		{`{"Fn::Join": ["", [{"Fn::GetAtt": ["Archive", "Arn"]}, "/AWSLogs/", {"Ref": "AWS::AccountId"}, "/*"]]}`, "arn:aws-us-gov:s3:::" + fill(63) + "/AWSLogs/xxxxxxxxxxxx/*"},
		{`{"Ref": "Named"}`, "archive-xxxxxxxxxxxx"},
		{`{"Fn::GetAtt": ["Drain", "Arn"]}`, "arn:aws-us-gov:iam::xxxxxxxxxxxx:role/palisade/" + fill(64)},
		{`{"Fn::GetAtt": "Key.Arn"}`, "arn:aws-us-gov:kms:xx-xxxxxxxxx-1:xxxxxxxxxxxx:key/" + fill(36)},
		{`{"Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:destination:${!Literal}"}`, "arn:aws-us-gov:logs:xx-xxxxxxxxx-1:xxxxxxxxxxxx:destination:${Literal}"},
		{`{"Fn::Sub": ["${B}/x", {"B": {"Ref": "Archive"}}]}`, fill(63) + "/x"},
		{`{"Fn::Sub": "${Archive.Arn}"}`, "arn:aws-us-gov:s3:::" + fill(63)},
		{`{"Fn::If": ["Cond", "short", {"Ref": "AWS::StackName"}]}`, fill(128)},
		{`{"Fn::Select": [1, {"Fn::Split": [":", {"Fn::GetAtt": ["Key", "Arn"]}]}]}`, "aws-us-gov"},
		{`{"Ref": "Version"}`, "/cdk-bootstrap/hnb659fds/version"},
		{`{"Ref": "Unsupported"}`, fill(unknownLength)},
		{`{"Fn::ImportValue": "Export"}`, fill(unknownLength)},
	} {
		var v any
		if err := json.Unmarshal([]byte(c.in), &v); err != nil {
			t.Fatal(err)
		}
		if got := r.str(v); got != c.want {
			t.Errorf("%s = %q (%d), want %q (%d)", c.in, got, len(got), c.want, len(c.want))
		}
	}
	var doc any
	_ = json.Unmarshal([]byte(`{"Statement": [{"Effect": "Allow", "Condition": {"Ref": "AWS::NoValue"}, "Resource": ["a", {"Ref": "AWS::NoValue"}]}]}`), &doc)
	if got := compact(r.resolve(doc)); got != `{"Statement":[{"Effect":"Allow","Resource":["a"]}]}` {
		t.Errorf("AWS::NoValue not dropped: %s", got)
	}
}

// A trust policy that is small as written fails once its references are
// measured at their worst case: 20 principals given as Fn::Sub of Refs to
// unnamed roles' ARNs are 20 x 105 characters, not 20 x ~60.
func TestTrustPolicyAtWorstCase(t *testing.T) {
	resources := map[string]any{}
	var principals []any
	for i := range 20 {
		id := fmt.Sprintf("Caller%02d", i)
		resources[id] = role(nil)
		principals = append(principals, map[string]any{"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${" + id + "}"})
	}
	doc := policy(map[string]any{"Effect": "Allow", "Principal": map[string]any{"AWS": principals}, "Action": "sts:AssumeRole"})
	if n := len(compact(doc)); n > TrustPolicyLimit.Max {
		t.Fatalf("the trust policy is %d characters as written: the test means a small one", n)
	}
	resources["Target"] = role(map[string]any{"AssumeRolePolicyDocument": doc})
	findings, err := ownFindings(writeResources(t, resources))
	if err != nil {
		t.Fatal(err)
	}
	if len(findings) != 1 || findings[0].Resource != "Target" || !strings.Contains(findings[0].Message, "is 2") {
		t.Errorf("findings = %v, want the target's trust policy over 2,048 characters at its worst case", findings)
	}
}

// Own fails the synth naming the stack, and sums the SCPs of one target
// over the stacks of the assembly (six on r-abcd: three in each of two).
func TestOwnNamesTheStackAndSumsSCPTargets(t *testing.T) {
	dir := t.TempDir()
	three := func(prefix string) map[string]any {
		return map[string]any{prefix + "A": scp(map[string]any{}, "r-abcd"), prefix + "B": scp(map[string]any{}, "r-abcd"), prefix + "C": scp(map[string]any{}, "r-abcd")}
	}
	five := map[string]any{}
	for _, id := range []string{"A", "B", "C", "D", "E"} {
		five["Many"+id] = scp(map[string]any{}, "r-efgh")
	}
	for name, res := range map[string]map[string]any{"One": three("One"), "Two": three("Two"), "Many": five,
		"Big": {"ArchivePolicy": map[string]any{"Type": "AWS::S3::BucketPolicy", "Properties": map[string]any{"Bucket": "b", "PolicyDocument": withSize(t, 25000)}}}} {
		raw, _ := json.Marshal(map[string]any{"Resources": res})
		if err := os.WriteFile(filepath.Join(dir, name+".template.json"), raw, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	manifest := `{"version": "48.0.0", "artifacts": {
	  "One": {"type": "aws:cloudformation:stack", "environment": "aws://111111111111/us-east-1", "properties": {"templateFile": "One.template.json"}},
	  "Two": {"type": "aws:cloudformation:stack", "environment": "aws://111111111111/us-east-1", "properties": {"templateFile": "Two.template.json"}},
	  "Many": {"type": "aws:cloudformation:stack", "environment": "aws://111111111111/us-east-1", "properties": {"templateFile": "Many.template.json"}},
	  "Big": {"type": "aws:cloudformation:stack", "environment": "aws://222222222222/us-east-1", "properties": {"templateFile": "Big.template.json"}}}}`
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	err := Own(dir)
	if err == nil {
		t.Fatal("Own passed an assembly over two limits")
	}
	for _, want := range []string{
		"Big: limits ArchivePolicy: S3 bucket policy (PolicyDocument) is 25",
		"One, Two: limits r-abcd: SCPs attached to one root, OU or account, besides FullAWSAccess (One: SCPs: OneA, OneB, OneC; Two: SCPs: TwoA, TwoB, TwoC): 6, over AWS's limit of 4",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Own: %v\nwant it to say %q", err, want)
		}
	}
	// A target over the limit within one stack is that stack's finding,
	// not reported again as a sum.
	if n := strings.Count(err.Error(), "limits r-efgh"); n != 1 {
		t.Errorf("r-efgh (5 SCPs in one stack) reported %d times: %v", n, err)
	}
}

// The example org's templates (testdata/org) are within every limit, and
// they hold each kind of policy palisade writes, so the check measures
// something there.
func TestExampleTemplatesWithinLimits(t *testing.T) {
	paths, _ := filepath.Glob("testdata/org/*.template.json")
	kinds := map[string]bool{}
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var tpl templateJSON
		if err := json.Unmarshal(raw, &tpl); err != nil {
			t.Fatal(err)
		}
		for _, s := range measure(tpl) {
			kinds[s.Limit.Name] = true
			if s.Over() {
				t.Errorf("%s %s: %s", filepath.Base(p), s.Resource, s.message())
			}
		}
	}
	for _, l := range []Limit{BucketPolicyLimit, KeyPolicyLimit, TrustPolicyLimit, RoleInlineLimit, ManagedPolicyLimit, ManagedPerRoleLimit, DestinationPolicyLimit, TopicPolicyLimit, SCPLimit, SCPsPerTargetLimit} {
		if !kinds[l.Name] {
			t.Errorf("no %s measured in testdata/org", l.Name)
		}
	}
}
