package gates_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/palisade-sec/palisade/gates"
)

// stackSetAssembly writes a cloud assembly of one stack, Fan, holding one
// service-managed stack set whose template is body.
func stackSetAssembly(t *testing.T, body string) string {
	t.Helper()
	dir := t.TempDir()
	tpl := map[string]any{"Resources": map[string]any{"Logs": map[string]any{
		"Type": "AWS::CloudFormation::StackSet",
		"Properties": map[string]any{
			"StackSetName": "example-logs", "PermissionModel": "SERVICE_MANAGED", "TemplateBody": body,
			"AutoDeployment":      map[string]any{"Enabled": true, "RetainStacksOnAccountRemoval": false},
			"StackInstancesGroup": []any{map[string]any{"DeploymentTargets": map[string]any{"OrganizationalUnitIds": []string{"ou-abcd-11111111"}}, "Regions": []string{"us-east-1"}}},
		},
	}}}
	raw, _ := json.Marshal(tpl)
	if err := os.WriteFile(filepath.Join(dir, "Fan.template.json"), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	manifest := `{"version": "48.0.0", "artifacts": {
	  "Fan": {"type": "aws:cloudformation:stack", "environment": "aws://111111111111/us-east-1", "properties": {"templateFile": "Fan.template.json"}}}}`
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// A stack set's template is judged as a stack of its own, Fan/Logs: a
// template every target account would deploy fails the gates where it
// breaks a rule, and the fan-out stack that carries it does not hide it.
func TestStackSetTemplatesAreJudged(t *testing.T) {
	t.Parallel()
	good := `{"Resources":{"Group":{"Type":"AWS::Logs::LogGroup","DeletionPolicy":"Retain","UpdateReplacePolicy":"Retain","Properties":{"RetentionInDays":365}}}}`
	r, err := gates.Run(gates.Options{OutDir: stackSetAssembly(t, good)})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Stacks) != 2 || r.Stacks[1].Name != "Fan/Logs" || r.Stacks[1].Resources != 1 {
		t.Fatalf("stacks = %+v, want Fan and Fan/Logs (1 resource)", r.Stacks)
	}
	// The bad one: a security group open to SSH from anywhere (palisade's
	// own check), with a CIDR cfn-lint refuses.
	bad := `{"Resources":{"Open":{"Type":"AWS::EC2::SecurityGroup","Properties":{"GroupDescription":"open","SecurityGroupIngress":[{"IpProtocol":"tcp","FromPort":22,"ToPort":22,"CidrIp":"0.0.0.0/33"}]}}}}`
	r, err = gates.Run(gates.Options{OutDir: stackSetAssembly(t, bad)})
	if err != nil {
		t.Fatal(err)
	}
	if r.OK() {
		t.Fatal("gates passed a stack set whose template opens SSH to the internet")
	}
	var set gates.StackResult
	for _, s := range r.Stacks {
		if s.Name == "Fan/Logs" {
			set = s
		}
	}
	if len(set.Own) == 0 || !strings.Contains(set.Own[0].Message+set.Own[0].Rule, "22") {
		t.Errorf("own findings of Fan/Logs = %+v, want the SSH ingress", set.Own)
	}
	if len(set.Lint) == 0 {
		t.Errorf("cfn-lint found nothing in Fan/Logs's 0.0.0.0/33")
	}
}

// A TemplateBody over AWS's 51,200 bytes fails cfn-lint on the stack that
// carries it (the AWS::CloudFormation::StackSet schema's maxLength).
func TestStackSetTemplateBodyLimit(t *testing.T) {
	t.Parallel()
	desc := strings.Repeat("x", 52000)
	body := `{"Description":"` + desc + `","Resources":{"Group":{"Type":"AWS::Logs::LogGroup","DeletionPolicy":"Retain","UpdateReplacePolicy":"Retain","Properties":{"RetentionInDays":365}}}}`
	r, err := gates.Run(gates.Options{OutDir: stackSetAssembly(t, body)})
	if err != nil {
		t.Fatal(err)
	}
	var lint []gates.Finding
	for _, s := range r.Stacks {
		if s.Name == "Fan" {
			lint = s.Lint
		}
	}
	found := false
	for _, f := range lint {
		if strings.Contains(f.Message, "51200") || strings.Contains(f.Message, "longer than") {
			found = true
		}
	}
	if !found || r.OK() {
		t.Errorf("Fan's cfn-lint findings = %+v, want the TemplateBody over 51,200 bytes", lint)
	}
}
