package cost

import (
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
)

// Print writes the estimate: a table per account and region, totals per
// account and overall, then the usage-based items with their unit prices.
func (e *Estimate) Print(w io.Writer) {
	p := e.Prices
	fmt.Fprintf(w, "Fixed monthly cost of what the templates create (%s, read %s, %g hours a month).\n", p.Basis, p.Date, p.HoursPerMonth)
	fmt.Fprintln(w, "List prices for one region, applied to every region; AWS changes them and other regions differ. Free tiers and discounts ignored.")
	for _, env := range e.Envs {
		fmt.Fprintf(w, "\n%s %s (%d %s)\n", env.Account, env.Region, len(env.Stacks), plural(len(env.Stacks), "stack", "stacks"))
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  item\tcount\tunit price\t   $/month\t")
		for _, l := range env.Lines {
			note := ""
			if l.Note != "" {
				note = "  " + l.Note
			}
			fmt.Fprintf(tw, "  %s\t%5d\t%s\t%10s\t%s\n", l.Item, l.Count, unitPrice(l), monthly(l), note)
		}
		fmt.Fprintf(tw, "  total\t\t\t%10s\t\n", dollars(env.Total))
		tw.Flush()
	}

	fmt.Fprintln(w, "\nTotals per account ($/month)")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, a := range e.Accounts {
		fmt.Fprintf(tw, "  %s\t%10s\t%s\n", a.Account, dollars(a.Total), unpricedNote(a.Unpriced))
	}
	fmt.Fprintf(tw, "  all accounts\t%10s\t%s\n", dollars(e.Total), unpricedNote(e.Unpriced))
	tw.Flush()

	if len(e.Purposes) > 0 {
		fmt.Fprintln(w, "\nTotals per stack purpose of the org's plan ($/month)")
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for _, p := range e.Purposes {
			fmt.Fprintf(tw, "  %s (%d %s)\t%10s\t%s\n", p.Purpose, p.Stacks, plural(p.Stacks, "stack", "stacks"), dollars(p.Total), unpricedNote(p.Unpriced))
		}
		tw.Flush()
	}

	var unpriced []Line
	for _, env := range e.Envs {
		for _, l := range env.Lines {
			if !l.Priced() {
				unpriced = append(unpriced, l)
			}
		}
	}
	if len(unpriced) > 0 {
		fmt.Fprintln(w, "\nUnpriced (not in the totals):")
		seen := map[string]bool{}
		for _, l := range unpriced {
			if !seen[l.Item] {
				seen[l.Item] = true
				fmt.Fprintf(w, "  %s: unpriced, see %s\n", l.Item, l.Source)
			}
		}
	}

	fmt.Fprintln(w, "\nUsage-based (not in the totals: they depend on traffic and volume the templates cannot show)")
	for _, u := range e.Usage {
		fmt.Fprintf(w, "  %s (%d %s in the templates)\n", u.Name, u.Resources, plural(u.Resources, "resource", "resources"))
		for _, up := range u.Prices {
			if up.Price == nil {
				fmt.Fprintf(w, "      unpriced, see %s: %s\n", u.Source, up.Unit)
				continue
			}
			fmt.Fprintf(w, "      $%s %s\n", strconv.FormatFloat(*up.Price, 'f', -1, 64), up.Unit)
		}
	}
	fmt.Fprintf(w, "\nPrices: cost/prices.json (%s, read %s), from:\n", p.Basis, p.Date)
	for _, s := range p.Sources {
		fmt.Fprintf(w, "  %s\n", s)
	}
}

func unitPrice(l Line) string {
	if !l.Priced() {
		return "unpriced"
	}
	return "$" + strconv.FormatFloat(*l.UnitPrice, 'f', -1, 64) + l.Per
}

func monthly(l Line) string {
	if !l.Priced() {
		return "-"
	}
	return dollars(l.Monthly)
}

func dollars(v float64) string { return fmt.Sprintf("%.2f", v) }

func unpricedNote(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("+ %d unpriced %s", n, plural(n, "item", "items"))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// PrintComparison writes, after an estimate, what another assembly of the
// same org (another profile) would cost: per account and in total, and the
// difference.
func PrintComparison(w io.Writer, base *Estimate, baseName string, other *Estimate, otherName string) {
	fmt.Fprintf(w, "\n%s compared with %s ($/month, fixed charges):\n", otherName, baseName)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "account\t%s\t%s\tdifference\t\n", baseName, otherName)
	totals := map[string]float64{}
	for _, a := range other.Accounts {
		totals[a.Account] = a.Total
	}
	for _, a := range base.Accounts {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t\n", a.Account, dollars(a.Total), dollars(totals[a.Account]), dollars(totals[a.Account]-a.Total))
	}
	fmt.Fprintf(tw, "all accounts\t%s\t%s\t%s\t\n", dollars(base.Total), dollars(other.Total), dollars(other.Total-base.Total))
	tw.Flush()
	if base.Total > 0 {
		fmt.Fprintf(w, "%s saves %.0f%% of the fixed charges.\n", otherName, 100*(base.Total-other.Total)/base.Total)
	}
}
