// Package diagram draws the organization: its accounts and regions, each
// VPC, where every kind of log goes and the order the stacks deploy in, as
// Graphviz DOT text read from the org file and a synthesized cloud assembly.
//
// The package is plain Go (no CDK, no jsii, no Graphviz): DOT returns the
// same bytes for the same inputs, so the picture can be tested and diffed;
// cmd/palisade runs `dot` to turn it into SVG.
package diagram

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/palisade-sec/palisade/config"
	"github.com/palisade-sec/palisade/deployplan"
)

// The kinds of log that flow to the security account's archive, as the
// arrows name them (the legend says what each is): the plan's.
const (
	FlowLogs    = deployplan.FlowLogs
	LogGroups   = deployplan.LogGroups
	CloudTrail  = deployplan.CloudTrail
	AWSConfig   = deployplan.AWSConfig
	Transcripts = deployplan.Transcripts
	GuardDuty   = deployplan.GuardDuty
)

// Flow is one arrow of the picture: the logs an account sends from a region
// to the security account's archive of a region.
type Flow = deployplan.Flow

// Flows are the org's log flows, accounts in file order, regions in file
// order: the plan's (deployplan.Plan.Flows), from the logs each of its
// stacks sends.
func Flows(org *config.Org) []Flow { return deployplan.New(org).Flows() }

// DOT returns the picture of org as Graphviz DOT text: one cluster per
// account and, inside, one per region holding a box that shows the VPC
// (CIDR, zones, NAT) and the stacks deployed there with their wave; the
// security account's archive of each region; one arrow per account and
// region to the archive its logs go to, labelled with the kinds of log.
// stacks come from ReadAssembly; a stack outside the org's accounts or
// regions means the assembly was synthesized from another org file, an
// error.
func DOT(org *config.Org, stacks []Stack) ([]byte, error) {
	plan := deployplan.New(org)
	stacks, waveNames := planWaves(plan, stacks)
	type key struct{ account, region string }
	byPlace := map[key][]Stack{}
	accountName := map[string]string{}
	for _, a := range org.AllAccounts {
		accountName[a.ID] = a.Name
	}
	waves := 0
	for _, s := range stacks {
		name, ok := accountName[s.Account]
		if !ok || !slices.Contains(org.Regions, s.Region) {
			return nil, fmt.Errorf("stack %s is in account %s, region %s, which %s does not have: synthesize the assembly from the same org file", s.Name, s.Account, s.Region, org.Source)
		}
		byPlace[key{name, s.Region}] = append(byPlace[key{name, s.Region}], s)
		waves = max(waves, s.Wave)
	}

	var b bytes.Buffer
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("digraph %s {\n", quote("palisade "+org.Name))
	w("  graph [rankdir=LR, newrank=true, fontname=\"Helvetica\", fontsize=11, nodesep=0.25, ranksep=1.1, labelloc=b, labeljust=l,\n")
	w("         label=%s];\n", htmlLabel(legend(org, len(stacks), waves, waveNames)))
	w("  node [shape=plain, fontname=\"Helvetica\", fontsize=10];\n")
	w("  edge [fontname=\"Helvetica\", fontsize=9, fontcolor=\"#333333\", arrowsize=0.7];\n")

	archive := func(indent, region string) {
		w("%s%s [shape=cylinder, style=filled, fillcolor=\"#fdf1d6\", color=\"#b07d1a\", margin=\"0.15,0.05\", label=%s];\n",
			indent, quote(archiveID(region)),
			htmlLabel(fmt.Sprintf("<b>log archive</b><br/>s3://%s", esc(org.ArchiveBucketName(region)))))
	}
	flows := map[key][]Flow{}
	planned := plan.Flows()
	for _, f := range planned {
		flows[key{f.Account, f.Region}] = append(flows[key{f.Account, f.Region}], f)
	}
	securityKept := false
	for _, acct := range org.Accounts {
		securityKept = securityKept || acct.Role == config.RoleSecurity
		w("  subgraph %s {\n", quote("cluster_"+acct.Name))
		w("    label=%s;\n", htmlLabel(fmt.Sprintf("<b>%s</b> · %s · %s", esc(acct.Name), esc(string(acct.Role)), esc(acct.ID))))
		w("    style=\"rounded,filled\"; fillcolor=%q; color=\"#8a8a8a\"; fontsize=12;\n", roleColor[acct.Role])
		for _, region := range org.Regions {
			w("    subgraph %s {\n", quote("cluster_"+acct.Name+"_"+region))
			label := region
			if region == org.HomeRegion {
				label += " (home)"
			}
			w("      label=%s; style=\"rounded,filled\"; fillcolor=\"#ffffff\"; color=\"#b5b5b5\"; fontsize=10;\n", quote(label))
			w("      %s [label=%s];\n", quote(placeID(acct.Name, region)), htmlLabel(placeTable(org, &acct, region, byPlace[key{acct.Name, region}], flows[key{acct.Name, region}])))
			if acct.Role == config.RoleSecurity {
				archive("      ", region)
			}
			w("    }\n")
		}
		w("  }\n")
	}
	if !securityKept {
		// A filtered org without its security account: the archives still
		// receive every flow, drawn outside any account.
		for _, region := range org.Regions {
			archive("  ", region)
		}
	}

	// Each arrow leaves from the row of its box that names what it carries:
	// labels on the arrows themselves land far from them in dot's layout.
	for _, f := range planned {
		w("  %s:%s:e -> %s [color=%s, tooltip=%s];\n",
			quote(placeID(f.Account, f.Region)), quote(flowPort(f.To)), quote(archiveID(f.To)),
			quote(regionColor(org, f.To)), quote(f.Account+" "+f.Region+" to the archive in "+f.To+": "+strings.Join(f.Kinds, ", ")))
	}
	w("}\n")
	return b.Bytes(), nil
}

var roleColor = map[config.Role]string{
	config.RoleManagement: "#eef1f6",
	config.RoleSecurity:   "#f7efe0",
	config.RoleWorkload:   "#eaf4ea",
}

// edgeColors tell the regions' arrows apart where they cross.
var edgeColors = []string{"#3b6cb3", "#c0632a", "#3a8a4f", "#8a4fb0", "#b03a5b", "#4f8a8a"}

func regionColor(org *config.Org, region string) string {
	return edgeColors[slices.Index(org.Regions, region)%len(edgeColors)]
}

func placeID(account, region string) string { return account + "/" + region }
func archiveID(region string) string        { return "archive/" + region }

// flowPort is the port of a box's row that sends logs to the archive of
// region.
func flowPort(region string) string { return "logs_" + region }

// placeTable is the HTML-like label of one account in one region: its VPC,
// the logs it sends and its stacks by wave.
func placeTable(org *config.Org, acct *config.Account, region string, stacks []Stack, flows []Flow) string {
	var b strings.Builder
	b.WriteString(`<table border="1" cellborder="0" cellspacing="0" cellpadding="3" color="#9a9a9a" bgcolor="#ffffff">`)
	row := func(cells string) { b.WriteString("<tr>" + cells + "</tr>") }
	if v := acct.VPCs[region]; v != nil {
		row(fmt.Sprintf(`<td colspan="2" align="left"><b>VPC %s</b></td>`, esc(v.CIDR)))
		row(fmt.Sprintf(`<td colspan="2" align="left">%d AZs · %s</td>`, v.AZCount, esc(natText(v.NATGateways))))
		if v.FlowLogs.CloudWatch {
			row(`<td colspan="2" align="left">flow logs also to CloudWatch</td>`)
		}
	} else {
		row(`<td colspan="2" align="left"><i>no VPC</i></td>`)
	}
	if acct.Role == config.RoleManagement && region == org.HomeRegion && org.Logging.Trail.CloudWatchLogs {
		row(`<td colspan="2" align="left">trail also to CloudWatch</td>`)
	}
	for _, f := range flows {
		to := ""
		if f.To != region {
			to = " (" + f.To + ")"
		}
		row(fmt.Sprintf(`<td port=%q colspan="2" align="left" bgcolor="#f3f5f9"><font color=%q>logs%s: %s →</font></td>`,
			flowPort(f.To), regionColor(org, f.To), esc(to), esc(strings.Join(f.Kinds, ", "))))
	}
	if len(stacks) == 0 {
		row(`<td colspan="2" align="left"><font color="#777777">no stacks in the assembly</font></td>`)
	}
	for i, s := range stacks {
		wave := "" // Graphviz rejects an empty <font>
		if i == 0 || stacks[i-1].Wave != s.Wave {
			wave = fmt.Sprintf(`<font color="#777777">wave %d</font>`, s.Wave)
		}
		row(fmt.Sprintf(`<td align="right">%s</td><td align="left">%s</td>`, wave, esc(purpose(org.Name, acct.Name, region, s.Name))))
	}
	b.WriteString("</table>")
	return b.String()
}

// purpose is what a stack is for: the <purpose> of
// <org>-<purpose>-<account>-<region>, or the whole name when it does not
// have that shape.
func purpose(org, account, region, name string) string {
	p, ok := strings.CutPrefix(name, org+"-")
	if !ok {
		return name
	}
	p, ok = strings.CutSuffix(p, "-"+account+"-"+region)
	if !ok || p == "" {
		return name
	}
	return p
}

func natText(n config.NATStrategy) string {
	switch n {
	case config.NATPerAZ:
		return "NAT gateway per AZ"
	case config.NATSingle:
		return "single NAT gateway"
	case config.NATNone:
		return "no NAT (isolated)"
	}
	return "NAT " + string(n)
}

// planWaves numbers each stack by its wave in the plan (what the pipeline
// and the deploy lane follow), 1 first, keeping the assembly's topological
// level for a stack the plan does not hold; it returns the stacks ordered
// by that wave and name, and the waves' names.
func planWaves(plan *deployplan.Plan, stacks []Stack) ([]Stack, []string) {
	waves, err := plan.Waves(deployplan.MaxActions)
	if err != nil {
		return stacks, nil
	}
	of := map[string]int{}
	var names []string
	for i, w := range waves {
		names = append(names, w.Name)
		for _, st := range w.Stages {
			for _, s := range st.Stacks {
				of[s.Name] = i + 1
			}
		}
	}
	out := slices.Clone(stacks)
	for i := range out {
		if w, ok := of[out[i].Name]; ok {
			out[i].Wave = w
		}
	}
	slices.SortStableFunc(out, func(a, b Stack) int {
		if a.Wave != b.Wave {
			return a.Wave - b.Wave
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out, names
}

func legend(org *config.Org, stacks, waves int, waveNames []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "<b>palisade · %s</b> · %d accounts · %d regions (home %s)",
		esc(org.Name), len(org.Accounts), len(org.Regions), esc(org.HomeRegion))
	if stacks > 0 {
		fmt.Fprintf(&b, " · %d stacks in %d deploy waves", stacks, waves)
	}
	b.WriteString(`<br align="left"/>`)
	b.WriteString("Arrows: the logs each account sends from a region to the security account's archive of that region")
	b.WriteString(`<br align="left"/>`)
	b.WriteString("(the organization trail: to the home region's): VPC flow logs, forwarded log groups, CloudTrail,")
	b.WriteString(`<br align="left"/>`)
	b.WriteString("AWS Config, Session Manager transcripts, GuardDuty findings.")
	b.WriteString(`<br align="left"/>`)
	var numbered []string
	for i, n := range waveNames {
		numbered = append(numbered, fmt.Sprintf("%d %s", i+1, n))
	}
	fmt.Fprintf(&b, "Wave n: the deploy waves of the pipeline and the lane (%s);", esc(strings.Join(numbered, ", ")))
	b.WriteString(`<br align="left"/>`)
	b.WriteString("the stages of one wave deploy in parallel, each stack after the stacks it depends on.")
	b.WriteString(`<br align="left"/>`)
	if lg := org.Logging.ForwardLogGroups; len(lg) > 0 {
		fmt.Fprintf(&b, "Forwarded log groups (through the log drain %s): %s", esc(org.LogDestinationName()), esc(strings.Join(lg, ", ")))
		b.WriteString(`<br align="left"/>`)
	}
	return b.String()
}

// quote is a DOT double-quoted string.
func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}

// htmlLabel wraps already escaped HTML-like text as a DOT label.
func htmlLabel(html string) string { return "<" + html + ">" }

// esc escapes text for a DOT HTML-like label.
func esc(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}
