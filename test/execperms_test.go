package test

// The CloudFormation execution policy (deploy/execution-policy-*.json),
// proven sufficient: for every resource of the example, options and pipeline
// orgs, every permission its type's handlers need (testdata/
// handler-permissions.txt) is checked with the IAM policy engine
// (internal/iamsim) against the execution role holding all the parts, on the
// resource ARN the handler acts on where the template tells it, else on a
// name CloudFormation would generate; an action without resource types on
// "*" (the Service Authorization Reference data the engine ships says which).

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/palisade-sec/palisade/deployplan"
	"github.com/palisade-sec/palisade/internal/iamsim"
)

// handlerFacts is testdata/handler-permissions.txt.
type handlerFacts struct {
	perms map[string]map[string][]string // type -> handler -> permissions
	ifset map[string]map[string][]string // type -> property -> permissions needed only when it is set
	alias map[string]string              // listed permission -> the IAM action that authorizes it
	// withheld are listed permissions deliberately not granted, by type,
	// with the reason.
	withheld map[string]map[string]string
}

var handlers = []string{"create", "read", "update", "delete", "list"}

func readHandlerFacts(t *testing.T) handlerFacts {
	t.Helper()
	f, err := os.Open(filepath.Join(root, "test", "testdata", "handler-permissions.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	facts := handlerFacts{perms: map[string]map[string][]string{}, ifset: map[string]map[string][]string{}, alias: map[string]string{}, withheld: map[string]map[string]string{}}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 1; sc.Scan(); n++ {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		if len(fields) < 3 {
			t.Fatalf("handler-permissions.txt:%d: want <type> <handler> <permission>...", n)
		}
		typ, kind := fields[0], fields[1]
		switch {
		case kind == "doc":
		case kind == "withheld" && len(fields) > 3:
			if facts.withheld[typ] == nil {
				facts.withheld[typ] = map[string]string{}
			}
			facts.withheld[typ][fields[2]] = strings.Join(fields[3:], " ")
		case kind == "alias" && len(fields) == 4:
			facts.alias[fields[2]] = fields[3]
		case kind == "ifset" && len(fields) > 3:
			if facts.ifset[typ] == nil {
				facts.ifset[typ] = map[string][]string{}
			}
			facts.ifset[typ][fields[2]] = append(facts.ifset[typ][fields[2]], fields[3:]...)
		case slices.Contains(handlers, kind):
			if facts.perms[typ] == nil {
				facts.perms[typ] = map[string][]string{}
			}
			facts.perms[typ][kind] = append(facts.perms[typ][kind], fields[2:]...)
		default:
			t.Fatalf("handler-permissions.txt:%d: unknown handler %q", n, kind)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return facts
}

// cfnResource is one resource of a synthesized stack, where it is deployed.
type cfnResource struct {
	Stack, Account, Region, LogicalID, Type string
	Properties                              map[string]any
}

// stackResources reads every stack of the assembly in dir (not nested
// assemblies: the pipeline's stages deploy the direct app's templates, which
// TestPipelineStagesDeployTheSameTemplates checks).
func stackResources(t *testing.T, dir string) []cfnResource {
	t.Helper()
	var out []cfnResource
	for id, a := range readManifest(t, dir).Artifacts {
		if a.Type != "aws:cloudformation:stack" {
			continue
		}
		account, region, ok := strings.Cut(strings.TrimPrefix(a.Environment, "aws://"), "/")
		if !ok {
			t.Fatalf("%s: environment %q", id, a.Environment)
		}
		data, err := os.ReadFile(filepath.Join(dir, a.Properties.TemplateFile))
		if err != nil {
			t.Fatal(err)
		}
		var tpl struct {
			Resources map[string]struct {
				Type       string
				Properties map[string]any
			}
		}
		if err := json.Unmarshal(data, &tpl); err != nil {
			t.Fatal(err)
		}
		for lid, r := range tpl.Resources {
			out = append(out, cfnResource{id, account, region, lid, r.Type, r.Properties})
		}
		// Fn::GetStackOutput (cdk.json's weak cross-stack references) reads
		// the producing stack: CloudFormation User Guide, "Fn::GetStackOutput"
		// (the role CloudFormation uses needs cloudformation:DescribeStacks).
		var whole any
		if err := json.Unmarshal(data, &whole); err != nil {
			t.Fatal(err)
		}
		for _, ref := range stackOutputRefs(whole) {
			region, _ := ref["Region"].(string)
			name, _ := ref["StackName"].(string)
			if region == "" {
				region = regionOf(a.Environment)
			}
			out = append(out, cfnResource{id, account, region, name, "Fn::GetStackOutput", map[string]any{"StackName": name}})
		}
	}
	return out
}

// stackOutputRefs are the Fn::GetStackOutput arguments anywhere in v.
func stackOutputRefs(v any) []map[string]any {
	var out []map[string]any
	switch v := v.(type) {
	case map[string]any:
		if ref, ok := v["Fn::GetStackOutput"].(map[string]any); ok {
			out = append(out, ref)
		}
		for _, x := range v {
			out = append(out, stackOutputRefs(x)...)
		}
	case []any:
		for _, x := range v {
			out = append(out, stackOutputRefs(x)...)
		}
	}
	return out
}

func regionOf(environment string) string {
	return environment[strings.LastIndex(environment, "/")+1:]
}

// passedTo is the service each type passes its roles to (iam:PassedToService,
// IAM User Guide, "Granting a user permissions to pass a role to an AWS
// service").
var passedTo = map[string]string{
	"AWS::Lambda::Function":                    "lambda.amazonaws.com",
	"AWS::EC2::FlowLog":                        "vpc-flow-logs.amazonaws.com",
	"AWS::KinesisFirehose::DeliveryStream":     "firehose.amazonaws.com",
	"AWS::Logs::Destination":                   "logs.amazonaws.com",
	"AWS::Logs::SubscriptionFilter":            "logs.amazonaws.com", // the sender's role, which a destination open to an organization requires
	"AWS::CloudTrail::Trail":                   "cloudtrail.amazonaws.com",
	"AWS::Config::ConfigurationRecorder":       "config.amazonaws.com",
	"AWS::Config::ConfigurationAggregator":     "config.amazonaws.com",
	"AWS::Config::OrganizationConformancePack": "config.amazonaws.com",
	"AWS::SSM::MaintenanceWindowTask":          "ssm.amazonaws.com",
	"AWS::SSM::Association":                    "ssm.amazonaws.com",
	"AWS::CodePipeline::Pipeline":              "codepipeline.amazonaws.com",
	"AWS::CodeBuild::Project":                  "codebuild.amazonaws.com",
	"AWS::Events::Rule":                        "events.amazonaws.com",
	"AWS::EC2::Instance":                       "ec2.amazonaws.com",
	"AWS::EC2::LaunchTemplate":                 "ec2.amazonaws.com",
	"AWS::SNS::Topic":                          "sns.amazonaws.com",
	"AWS::S3::Bucket":                          "s3.amazonaws.com",
}

// linkedService is the service whose service-linked role a type's handler
// creates (iam:AWSServiceName; IAM User Guide, "Service-linked role
// permissions").
var linkedService = map[string]string{
	"AWS::CloudTrail::Trail":                      "cloudtrail.amazonaws.com",
	"AWS::GuardDuty::Detector":                    "guardduty.amazonaws.com",
	"AWS::AccessAnalyzer::Analyzer":               "access-analyzer.amazonaws.com",
	"AWS::SSM::Association":                       "ssm.amazonaws.com",
	"AWS::SSM::MaintenanceWindowTask":             "ssm.amazonaws.com",
	"AWS::Config::OrganizationConformancePack":    "config-multiaccountsetup.amazonaws.com",
	"AWS::SecurityHub::DelegatedAdmin":            "securityhub.amazonaws.com",
	"AWS::SecurityHub::OrganizationConfiguration": "securityhub.amazonaws.com",
}

// orgService is the service a type's handler enables trusted access for, or
// registers a delegated administrator of (organizations:ServicePrincipal).
var orgService = map[string]string{
	"AWS::CloudTrail::Trail":                      "cloudtrail.amazonaws.com",
	"AWS::SecurityHub::DelegatedAdmin":            "securityhub.amazonaws.com",
	"AWS::SecurityHub::OrganizationConfiguration": "securityhub.amazonaws.com",
	"AWS::Config::ConfigurationAggregator":        "config.amazonaws.com",
	"AWS::Config::OrganizationConformancePack":    "config-multiaccountsetup.amazonaws.com",
	"AWS::AccessAnalyzer::Analyzer":               "access-analyzer.amazonaws.com",
}

// viaService is the service a type's handler calls KMS through
// (kms:ViaService, AWS KMS Developer Guide, "kms:ViaService").
var viaService = map[string]string{
	"AWS::KinesisFirehose::DeliveryStream": "firehose",
	"AWS::Lambda::Function":                "lambda",
	"AWS::Logs::LogGroup":                  "logs",
	"AWS::SNS::Topic":                      "sns",
	"AWS::CloudTrail::Trail":               "cloudtrail",
	"AWS::EC2::Instance":                   "ec2",
}

var roleKey = regexp.MustCompile(`(?i)(role(arn)?|DeliverLogsPermissionArn)$`)

// passesRole: the resource names a role somewhere in its properties.
func passesRole(v any) bool {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if roleKey.MatchString(k) || passesRole(x) {
				return true
			}
		}
	case []any:
		return slices.ContainsFunc(v, passesRole)
	}
	return false
}

// resolve is a template value as a string, with the pseudo parameters, Refs
// and Fn::GetAtt ...Arn filled in for res's stack; "" when it cannot tell.
func resolve(res cfnResource, v any) string {
	switch v := v.(type) {
	case string:
		return v
	case map[string]any:
		if ref, ok := v["Ref"].(string); ok {
			switch ref {
			case "AWS::Partition":
				return "aws"
			case "AWS::AccountId":
				return res.Account
			case "AWS::Region":
				return res.Region
			case "AWS::URLSuffix":
				return "amazonaws.com"
			}
			return ""
		}
		if sub, ok := v["Fn::Sub"].(string); ok {
			return strings.NewReplacer("${AWS::Partition}", "aws", "${AWS::AccountId}", res.Account, "${AWS::Region}", res.Region, "${AWS::URLSuffix}", "amazonaws.com").Replace(sub)
		}
		if j, ok := v["Fn::Join"].([]any); ok && len(j) == 2 {
			sep, _ := j[0].(string)
			parts, _ := j[1].([]any)
			var s []string
			for _, p := range parts {
				r := resolve(res, p)
				if r == "" {
					return ""
				}
				s = append(s, r)
			}
			return strings.Join(s, sep)
		}
	}
	return ""
}

// physicalName is the name CloudFormation gives a resource: the template's
// literal name property, else <stack>-<logical id>-<suffix> (CloudFormation
// User Guide, "Name type").
func physicalName(res cfnResource) string {
	kind := res.Type[strings.LastIndex(res.Type, ":")+1:]
	for _, p := range []string{kind + "Name", "Name"} {
		if n := resolve(res, res.Properties[p]); n != "" {
			return n
		}
	}
	return res.Stack + "-" + res.LogicalID + "-ABCDEF123456"
}

var (
	arnVar  = regexp.MustCompile(`\$\{[A-Za-z]+\}`)
	arnName = regexp.MustCompile(`[^A-Za-z0-9_./-]+`)
)

// pickResourceTypes: of an action's resource types, the one that is the
// CloudFormation type's own (the name without dashes equals or ends the
// type's last segment: log-group for AWS::Logs::LogGroup, policy for
// AWS::IAM::ManagedPolicy), else the required ones, else the plainest.
func pickResourceTypes(cfnType string, rts []iamsim.ResourceType) []iamsim.ResourceType {
	kind := strings.ToLower(cfnType[strings.LastIndex(cfnType, ":")+1:])
	for _, rt := range rts {
		if n := strings.ReplaceAll(strings.ToLower(rt.Name), "-", ""); n == kind || strings.HasSuffix(kind, n) {
			return []iamsim.ResourceType{rt}
		}
	}
	var required []iamsim.ResourceType
	for _, rt := range rts {
		if rt.Required {
			required = append(required, rt)
		}
	}
	if len(required) == 0 && len(rts) > 0 {
		// None required: the plainest, the ARN with the fewest variables
		// (bucket before access point).
		best := rts[0]
		for _, rt := range rts[1:] {
			if len(arnVar.FindAllString(rt.ARN, -1)) < len(arnVar.FindAllString(best.ARN, -1)) {
				best = rt
			}
		}
		return []iamsim.ResourceType{best}
	}
	return required
}

// handlerRequests are the requests one handler's permissions of res make.
func handlerRequests(res cfnResource, handler string, perms []string, actions map[string]iamsim.Action) []iamsim.Request {
	principal := "arn:aws:iam::" + res.Account + ":role/cdk-hnb659fds-cfn-exec-role-" + res.Account + "-" + res.Region
	name := physicalName(res)
	var out []iamsim.Request
	for _, perm := range perms {
		a := actions[perm]
		base := iamsim.Request{
			Name:            res.Stack + " " + res.LogicalID + " " + res.Type + " " + handler,
			Principal:       principal,
			Action:          perm,
			ResourceAccount: res.Account,
			Context:         map[string][]string{},
		}
		// The ARN of the action's resource type that is this resource's own
		// type, else of each resource type it requires, else of the first
		// it lists; named after this resource.
		var arns []string
		for _, rt := range pickResourceTypes(res.Type, a.ResourceTypes) {
			arns = append(arns, arnVar.ReplaceAllStringFunc(rt.ARN, func(v string) string {
				switch v {
				case "${Partition}":
					return "aws"
				case "${Region}":
					return res.Region
				case "${Account}":
					return res.Account
				case "${PolicyType}":
					if typ := resolve(res, res.Properties["Type"]); typ != "" {
						return strings.ToLower(typ)
					}
				}
				return strings.Trim(arnName.ReplaceAllString(name, "-"), "-")
			}))
		}
		if len(arns) == 0 {
			arns = []string{"*"}
		}
		service := strings.ToLower(perm[:strings.Index(perm, ":")])
		switch strings.ToLower(a.Name) {
		case "iam:passrole":
			if !passesRole(res.Properties) {
				continue
			}
			base.Context["iam:PassedToService"] = []string{passedTo[res.Type]}
			arns = []string{"arn:aws:iam::" + res.Account + ":role/" + res.Stack + "-" + res.LogicalID + "Role-ABCDEF123456"}
		case "iam:createservicelinkedrole", "iam:deleteservicelinkedrole", "iam:getservicelinkedroledeletionstatus":
			svc := linkedService[res.Type]
			if res.Type == "AWS::IAM::ServiceLinkedRole" {
				svc = resolve(res, res.Properties["AWSServiceName"])
			}
			base.Context["iam:AWSServiceName"] = []string{svc}
			arns = []string{"arn:aws:iam::" + res.Account + ":role/aws-service-role/" + svc + "/AWSServiceRoleFor" + svc}
		case "iam:attachrolepolicy", "iam:detachrolepolicy":
			var policies []string
			switch res.Type {
			case "AWS::IAM::Role":
				for _, p := range asList(res.Properties["ManagedPolicyArns"]) {
					if arn := resolve(res, p); arn != "" {
						policies = append(policies, arn)
					} else {
						policies = append(policies, "arn:aws:iam::"+res.Account+":policy/"+res.Stack+"-Policy-ABCDEF123456")
					}
				}
			case "AWS::IAM::ManagedPolicy":
				if len(asList(res.Properties["Roles"])) > 0 {
					policies = []string{"arn:aws:iam::" + res.Account + ":policy/" + name}
				}
			}
			for _, p := range policies {
				r := base
				r.Resource = "arn:aws:iam::" + res.Account + ":role/" + res.Stack + "-Role-ABCDEF123456"
				r.Context = map[string][]string{"iam:PolicyARN": {p}}
				out = append(out, r)
			}
			continue
		case "organizations:createpolicy":
			base.Context["organizations:PolicyType"] = []string{resolve(res, res.Properties["Type"])}
		case "organizations:enableawsserviceaccess", "organizations:disableawsserviceaccess",
			"organizations:registerdelegatedadministrator", "organizations:deregisterdelegatedadministrator":
			base.Context["organizations:ServicePrincipal"] = []string{orgService[res.Type]}
		case "codestar-connections:passconnection":
			base.Context["codestar-connections:PassedToService"] = []string{passedTo[res.Type]}
		case "lambda:invokefunction":
			if fn := serviceToken(res); fn != "" {
				arns = []string{fn}
			}
		case "s3:getobject", "s3:getobjectversion":
			if code, ok := res.Properties["Code"].(map[string]any); ok && res.Type == "AWS::Lambda::Function" {
				arns = []string{"arn:aws:s3:::" + resolve(res, code["S3Bucket"]) + "/" + resolve(res, code["S3Key"])}
			}
		}
		if service == "kms" && !strings.HasPrefix(res.Type, "AWS::KMS::") {
			if via := viaService[res.Type]; via != "" {
				base.Context["kms:ViaService"] = []string{via + "." + res.Region + ".amazonaws.com"}
			}
			if strings.EqualFold(a.Name, "kms:CreateGrant") {
				base.Context["kms:GrantIsForAWSResource"] = []string{"true"}
			}
		}
		for _, arn := range arns {
			r := base
			r.Resource = arn
			if strings.HasPrefix(arn, "arn:aws:kms:") && strings.Contains(arn, ":key/") {
				// A key's policy decides first (AWS KMS Developer Guide, "Key
				// policies": IAM policies count only where the key policy
				// allows the account). Every key palisade creates keeps the
				// statement CDK's default key policy starts with, which
				// hands the account's IAM policies the say; so the check is
				// of the execution role's IAM side.
				r.ResourcePolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + res.Account + `:root"},"Action":"kms:*","Resource":"*"}]}`
			}
			out = append(out, r)
		}
	}
	return out
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// serviceToken is the ARN of a custom resource's function, where the
// template names it by Fn::GetAtt of a function in the same stack.
func serviceToken(res cfnResource) string {
	m, _ := res.Properties["ServiceToken"].(map[string]any)
	att, _ := m["Fn::GetAtt"].([]any)
	if len(att) != 2 {
		return resolve(res, res.Properties["ServiceToken"])
	}
	id, _ := att[0].(string)
	return "arn:aws:lambda:" + res.Region + ":" + res.Account + ":function:" + res.Stack + "-" + id + "-ABCDEF123456"
}

// executionPolicyDocs are the parts of the execution policy, as shipped.
func executionPolicyDocs(t *testing.T) map[string]string {
	t.Helper()
	parts, err := deployplan.PolicyParts(filepath.Join(root, "deploy"))
	if err != nil {
		t.Fatal(err)
	}
	docs := map[string]string{}
	for _, p := range parts {
		file := filepath.Join(root, "deploy", "execution-policy-"+p+".json")
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		docs[file] = string(data)
	}
	return docs
}

// sufficiencyRequests are every request the tested orgs' handlers make of
// the execution role holding policies, deduplicated; problems are what the
// facts table cannot answer.
func sufficiencyRequests(t *testing.T, policies []string) (reqs []iamsim.Request, problems []string) {
	t.Helper()
	facts := readHandlerFacts(t)
	var resources []cfnResource
	for _, dir := range []string{outdir, optionsOrgSynth(t).outdir, pipelineOutdir(t)} {
		resources = append(resources, stackResources(t, dir)...)
	}
	var names []string
	for _, hs := range facts.perms {
		for _, ps := range hs {
			names = append(names, ps...)
		}
	}
	for _, ps := range facts.ifset {
		for _, p := range ps {
			names = append(names, p...)
		}
	}
	for _, a := range facts.alias {
		names = append(names, a)
	}
	actions, err := iamsim.Actions(context.Background(), names)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	problem := func(format string, args ...any) {
		if p := fmt.Sprintf(format, args...); !seen[p] {
			seen[p] = true
			problems = append(problems, p)
		}
	}
	for _, res := range resources {
		hs, ok := facts.perms[res.Type]
		if !ok {
			problem("%s: no entry in test/testdata/handler-permissions.txt (add its handler permissions from the registry schema, or the API docs)", res.Type)
			continue
		}
		conditional := map[string]bool{}
		for prop, ps := range facts.ifset[res.Type] {
			for _, p := range ps {
				conditional[p] = conditional[p] || res.Properties[prop] != nil
			}
		}
		for _, h := range handlers {
			var perms []string
			for _, p := range hs[h] {
				if alias, ok := facts.alias[p]; ok {
					p = alias
				}
				if why, ok := facts.withheld[res.Type][p]; ok {
					if !seen["withheld "+p] {
						seen["withheld "+p] = true
						t.Logf("%s %s: %s withheld: %s", res.Type, h, p, why)
					}
					continue
				}
				a := actions[p]
				if !a.Known {
					if need, ok := conditional[p]; ok && !need {
						continue
					}
					problem("%s %s: %s is not an action of the Service Authorization Reference", res.Type, h, p)
					continue
				}
				if need, ok := conditional[p]; ok && !need && (h == "create" || h == "update" || h == "delete") {
					continue
				}
				perms = append(perms, p)
			}
			for _, r := range handlerRequests(res, h, perms, actions) {
				if (strings.EqualFold(r.Action, "iam:PassRole") && r.Context["iam:PassedToService"][0] == "") ||
					(r.Context["iam:AWSServiceName"] != nil && r.Context["iam:AWSServiceName"][0] == "") ||
					(r.Context["organizations:ServicePrincipal"] != nil && r.Context["organizations:ServicePrincipal"][0] == "") {
					problem("%s %s: %s: the test does not know which service it names (extend passedTo, linkedService or orgService)", res.Type, h, r.Action)
					continue
				}
				r.IdentityPolicies = policies
				// Policies name no account, region or stack: one request per
				// action, resource shape and context is enough.
				mask := strings.NewReplacer(res.Stack, "STACK", res.Account, "ACCOUNT", res.Region, "REGION")
				key := mask.Replace(fmt.Sprint(r.Action, " ", r.Resource, " ", r.Context))
				if seen[key] {
					continue
				}
				seen[key] = true
				reqs = append(reqs, r)
			}
		}
	}
	return reqs, problems
}

func denied(t *testing.T, reqs []iamsim.Request) []iamsim.Result {
	t.Helper()
	results, err := iamsim.Simulate(context.Background(), reqs)
	if err != nil {
		t.Fatal(err)
	}
	var out []iamsim.Result
	for _, r := range results {
		if r.Decision != iamsim.Allowed {
			out = append(out, r)
		}
	}
	return out
}

// TestExecutionPolicySuffices: the execution role may do everything the
// handlers of every resource of the tested orgs need.
func TestExecutionPolicySuffices(t *testing.T) {
	docs := executionPolicyDocs(t)
	var policies []string
	for _, d := range docs {
		policies = append(policies, d)
	}
	reqs, problems := sufficiencyRequests(t, policies)
	sort.Strings(problems)
	for _, p := range problems {
		t.Error(p)
	}
	start := time.Now()
	bad := denied(t, reqs)
	t.Logf("simulated %d requests in %s", len(reqs), time.Since(start))
	byAction := map[string][]string{}
	for _, r := range bad {
		byAction[r.Request.Action] = append(byAction[r.Request.Action], r.Request.Name+" on "+r.Resource+fmt.Sprint(" ", r.Request.Context))
	}
	var keys []string
	for k := range byAction {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t.Errorf("%s denied (%d requests), e.g. %s", k, len(byAction[k]), byAction[k][0])
	}
	t.Logf("%d requests checked, %d denied", len(reqs), len(bad))
}

// withoutAction is doc with action taken out of every Allow statement.
func withoutAction(t *testing.T, doc, action string) string {
	t.Helper()
	var p struct {
		Version   string
		Statement []map[string]any
	}
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		t.Fatal(err)
	}
	for _, s := range p.Statement {
		if s["Effect"] != "Allow" {
			continue
		}
		var kept []any
		switch a := s["Action"].(type) {
		case string:
			if !strings.EqualFold(a, action) {
				kept = append(kept, a)
			}
		case []any:
			for _, x := range a {
				if !strings.EqualFold(x.(string), action) {
					kept = append(kept, x)
				}
			}
		}
		if len(kept) == 0 {
			kept = []any{"none:NoSuchAction"}
		}
		s["Action"] = kept
	}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestExecutionPolicySufficiencyCanFail: taking any one of these actions
// out of the policy turns the sufficiency check red (each names a gap the
// policy once had).
func TestExecutionPolicySufficiencyCanFail(t *testing.T) {
	docs := executionPolicyDocs(t)
	var policies []string
	for _, d := range docs {
		policies = append(policies, d)
	}
	reqs, _ := sufficiencyRequests(t, policies)
	mutations := []string{
		"organizations:ListTagsForResource", "securityhub:ListTagsForResource",
		"config:GetOrganizationConformancePackDetailedStatus", "lambda:GetFunctionCodeSigningConfig",
		"lambda:GetRuntimeManagementConfig", "logs:GetDataProtectionPolicy", "cloudformation:DescribeStacks",
		"iam:CreateServiceLinkedRole", "kms:DisableKeyRotation", "kms:RevokeGrant", "events:ListTargetsByRule",
		"iam:DeleteServiceLinkedRole", "guardduty:CreatePublishingDestination", "ssm:CreatePatchBaseline",
		"ssm:CreateMaintenanceWindow", "codepipeline:CreatePipeline", "iam:PassRole", "s3:PutBucketPolicy",
		"ec2:CreateVpc", "lambda:InvokeFunction",
	}
	var batch []iamsim.Request
	var owner []string
	for _, m := range mutations {
		var mutated []string
		for _, d := range policies {
			mutated = append(mutated, withoutAction(t, d, m))
		}
		n := 0
		for _, r := range reqs {
			if strings.EqualFold(r.Action, m) {
				r.IdentityPolicies = mutated
				batch = append(batch, r)
				owner = append(owner, m)
				n++
			}
		}
		if n == 0 {
			t.Errorf("without %s: no request of the sufficiency check needs it", m)
		}
	}
	results, err := iamsim.Simulate(context.Background(), batch)
	if err != nil {
		t.Fatal(err)
	}
	caught := map[string]bool{}
	for i, r := range results {
		if r.Decision != iamsim.Allowed {
			caught[owner[i]] = true
		}
	}
	for _, m := range mutations {
		if !caught[m] {
			t.Errorf("without %s the policy still passes the sufficiency check", m)
		}
	}
}

// TestExecutionPolicyAttachesNoAWSManagedAdminPolicy: the execution role
// may attach the account's own managed policies and AWSLambdaBasicExecutionRole,
// never an AWS managed policy such as AdministratorAccess (an ArnLike
// arn:aws:iam::*:policy/* would match arn:aws:iam::aws:policy/...: the
// account field "aws" matches "*").
func TestExecutionPolicyAttachesNoAWSManagedAdminPolicy(t *testing.T) {
	docs := executionPolicyDocs(t)
	var policies []string
	for _, d := range docs {
		policies = append(policies, d)
	}
	oldPattern := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:AttachRolePolicy","Resource":"arn:aws:iam::*:role/*","Condition":{"ArnLike":{"iam:PolicyARN":"arn:aws:iam::*:policy/*"}}}]}`
	attach := func(name, policyARN string, identity []string) iamsim.Request {
		return iamsim.Request{Name: name, Principal: "arn:aws:iam::333333333333:role/cdk-hnb659fds-cfn-exec-role-333333333333-eu-west-1",
			Action: "iam:AttachRolePolicy", Resource: "arn:aws:iam::333333333333:role/example-app-Role-ABC",
			Context: map[string][]string{"iam:PolicyARN": {policyARN}}, IdentityPolicies: identity}
	}
	cases := []struct {
		req  iamsim.Request
		want string
	}{
		{attach("AdministratorAccess", "arn:aws:iam::aws:policy/AdministratorAccess", policies), iamsim.ImplicitlyDenied},
		{attach("the account's own policy", "arn:aws:iam::333333333333:policy/example-app-Policy-ABC", policies), iamsim.Allowed},
		{attach("Lambda's logging policy", "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole", policies), iamsim.Allowed},
		// The engine tells the two patterns apart: the old one let it through.
		{attach("AdministratorAccess, old pattern", "arn:aws:iam::aws:policy/AdministratorAccess", []string{oldPattern}), iamsim.Allowed},
	}
	var reqs []iamsim.Request
	for _, c := range cases {
		reqs = append(reqs, c.req)
	}
	results, err := iamsim.Simulate(context.Background(), reqs)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range results {
		if r.Decision != cases[i].want {
			t.Errorf("%s: %s, want %s (%s)", r.Request.Name, r.Decision, cases[i].want, r.Explain)
		}
	}
}
