package deployplan_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/palisade-sec/palisade/config"
	"github.com/palisade-sec/palisade/deployplan"
)

func example(t *testing.T) *config.Org {
	t.Helper()
	org, err := config.LoadFile("../organization.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return org
}

func TestStacksOfTheExample(t *testing.T) {
	org := example(t)
	count := map[string]int{}
	for _, s := range deployplan.Stacks(org) {
		count[s.Purpose]++
		if s.Name != deployplan.StackName(org.Name, s.Purpose, s.Account.Name, s.Region) {
			t.Errorf("%+v: name", s)
		}
	}
	want := map[string]int{"logarchive": 2, "network": 6, "logs": 4, "trail": 1, "orgadmin": 2, "detect": 2, "baseline": 8, "sessions": 6, "compliance": 2}
	if fmt.Sprint(count) != fmt.Sprint(want) {
		t.Errorf("stacks by purpose = %v, want %v", count, want)
	}
}

// The example's waves: delegation, security, the other accounts, then the
// conformance pack; prod waits for an approval.
func TestWavesOfTheExample(t *testing.T) {
	waves, err := deployplan.Waves(example(t), 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range waves {
		var stages []string
		for _, s := range w.Stages {
			stage := fmt.Sprintf("%s(%d)", s.Name, len(s.Stacks))
			if s.Production {
				stage += "!"
			}
			stages = append(stages, stage)
		}
		got = append(got, w.Name+": "+strings.Join(stages, " "))
	}
	want := []string{
		"delegation: management-delegation(2)",
		"security: security(10)",
		"accounts: management(3) prod(8)! dev(8)",
		"compliance: security-compliance(2)",
	}
	if !slices.Equal(got, want) {
		t.Errorf("waves =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// A phase whose stages exceed the action limit is split into waves, each
// within it; a stage alone over it is an error that names it.
func TestWavesSplitAndLimit(t *testing.T) {
	org := example(t)
	waves, err := deployplan.Waves(org, 25)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, w := range waves {
		names = append(names, w.Name)
		n := 0
		for _, s := range w.Stages {
			n += s.Actions()
		}
		if n > 25 {
			t.Errorf("wave %s has %d actions, over 25", w.Name, n)
		}
	}
	if want := "delegation security accounts-1 accounts-2 compliance"; strings.Join(names, " ") != want {
		t.Errorf("waves %v, want %s", names, want)
	}
	_, err = deployplan.Waves(org, 10)
	if err == nil || !strings.Contains(err.Error(), "stage security has 10 stacks (20 pipeline actions), over CodePipeline's 10 actions per stage") {
		t.Errorf("Waves(10) error = %v", err)
	}
}

func TestBootstrapPlan(t *testing.T) {
	org := example(t)
	var lines []string
	for _, c := range deployplan.Bootstrap(org, []string{"network", "logging"}) {
		lines = append(lines, c.Account.ID+": "+c.String())
	}
	want := []string{
		"111111111111: aws iam create-policy --policy-name palisade-cfn-execution-network --policy-document file://deploy/execution-policy-network.json",
		"111111111111: aws iam create-policy --policy-name palisade-cfn-execution-logging --policy-document file://deploy/execution-policy-logging.json",
		"111111111111: npx cdk bootstrap aws://111111111111/us-east-1 aws://111111111111/eu-west-1 --trust 111111111111 --cloudformation-execution-policies arn:aws:iam::111111111111:policy/palisade-cfn-execution-network,arn:aws:iam::111111111111:policy/palisade-cfn-execution-logging",
	}
	if !slices.Equal(lines[:3], want) {
		t.Errorf("plan starts\n%s\nwant\n%s", strings.Join(lines[:3], "\n"), strings.Join(want, "\n"))
	}
	if len(lines) != 4*3 {
		t.Errorf("%d commands, want 3 for each of 4 accounts", len(lines))
	}
	for _, l := range lines {
		if strings.Contains(l, "AdministratorAccess") {
			t.Errorf("plan uses AdministratorAccess: %s", l)
		}
		if strings.Contains(l, "bootstrap") && !strings.Contains(l, "--trust 111111111111 ") {
			t.Errorf("bootstrap does not trust the deploying account: %s", l)
		}
	}
	if got := (deployplan.Command{Args: []string{"echo", "a b", "it's"}}).String(); got != `echo 'a b' 'it'\''s'` {
		t.Errorf("quoting: %s", got)
	}
}

func TestPolicyParts(t *testing.T) {
	parts, err := deployplan.PolicyParts("../deploy")
	if err != nil || strings.Join(parts, " ") != "compliance logging network pipeline security sessions" {
		t.Errorf("PolicyParts(../deploy) = %v, %v", parts, err)
	}
	if _, err := deployplan.PolicyParts(t.TempDir()); err == nil || !strings.Contains(err.Error(), "no execution policy in") {
		t.Errorf("PolicyParts(empty dir) error = %v", err)
	}
}

func TestPartition(t *testing.T) {
	org := example(t)
	if got := deployplan.Partition(org, 1); len(got) != 1 || len(got[0]) != len(org.Accounts) {
		t.Errorf("Partition(example, 1) = %q, want every account in one part", got)
	}
	if got := deployplan.Partition(org, 8); len(got) != len(org.Accounts) {
		t.Errorf("Partition(example, 8) = %q, want one part per account", got)
	}
	// 20 more workload accounts like dev: 33 + 20*8 = 193 stacks.
	dev := org.Accounts[slices.IndexFunc(org.Accounts, func(a config.Account) bool { return a.Name == "dev" })]
	for i := range 20 {
		a := dev
		a.Name, a.ID = fmt.Sprintf("w%02d", i), fmt.Sprintf("5555555555%02d", i)
		org.Accounts = append(org.Accounts, a)
	}
	for _, n := range []int{2, 3} {
		parts := deployplan.Partition(org, n)
		if len(parts) != n {
			t.Fatalf("Partition(org, %d) = %q, want %d parts", n, parts, n)
		}
		stacks := map[string]int{}
		for _, s := range deployplan.Stacks(org) {
			stacks[s.Account.Name]++
		}
		seen := map[string]bool{}
		var sizes []int
		for _, p := range parts {
			size := 0
			for _, a := range p {
				if seen[a] {
					t.Errorf("account %s in two parts: %q", a, parts)
				}
				seen[a] = true
				size += stacks[a]
			}
			sizes = append(sizes, size)
		}
		if len(seen) != len(org.Accounts) {
			t.Errorf("parts %q do not hold the %d accounts", parts, len(org.Accounts))
		}
		if slices.Max(sizes)-slices.Min(sizes) > 8 { // a workload account has 8 stacks
			t.Errorf("Partition(org, %d) = %q: %v stacks, unbalanced", n, parts, sizes)
		}
	}
}
