package e2e

import (
	"fmt"
	"strings"

	"github.com/palisade-sec/palisade/config"
)

// report renders what the lane deployed and verified for people: the
// accounts, the stacks of each and every check with what it saw.
func report(l *lane, asm *assembly, v *verification) string {
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	mgmt := l.org.Management()

	line("")
	line("palisade deploy lane: organization %q in moto 5.2.1 at %s", l.org.Name, l.emu.Endpoint)
	line("")
	line("Accounts (created through AWS Organizations by %s in %s):", operatorUser, mgmt.ID)
	for _, a := range l.org.Accounts {
		var stacks []string
		for _, s := range asm.stacks {
			if s.account == a.ID {
				stacks = append(stacks, s.name)
			}
		}
		what := "deploys every stack through the bootstrap roles"
		if a.Role != config.RoleManagement {
			what = "stacks: " + orNone(stacks)
		}
		line("  %-12s %s  %-10s  %s", a.Name, a.ID, a.Role, what)
	}
	line("")
	envs := asm.environments(l.org)
	var names []string
	if ps, err := executionPolicies(l.root); err == nil {
		for _, p := range ps {
			names = append(names, p.name)
		}
	}
	line("Bootstrapped %d environments with `cdk bootstrap --trust %s --cloudformation-execution-policies %s`", len(envs), mgmt.ID, strings.Join(names, ","))
	line("")
	line("Verified:")
	for _, t := range v.targets {
		title := t.title
		if t.stack == "" {
			title = fmt.Sprintf("%s %s %s", t.title, t.account, t.region)
		} else {
			title = fmt.Sprintf("%s (%s %s)", t.stack, t.account, t.region)
		}
		line("  %s", title)
		for _, c := range t.checks {
			mark := "ok  "
			if len(c.findings) > 0 {
				mark = "FAIL"
			}
			line("    %s %-22s %s", mark, c.name, c.seen)
			for _, f := range c.findings {
				line("         %s", f)
			}
		}
	}
	line("")
	line("Redeploy: `cdk diff --fail` of a fresh synth shows no differences; a second `cdk deploy --all` reports every stack (no changes) and leaves it as it was.")
	line("")
	line("Timings:")
	for _, s := range l.steps {
		line("  %-20s %6.1fs", s.name, s.took.Seconds())
	}
	return b.String()
}
