package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/alignctl/alignctl/reconcile"
)

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no "
}

// explainView renders an explanation, as planView renders a plan.
type explainView = view[*reconcile.Explanation]

func newExplainView(format string) explainView {
	return byFormat(format, explainText{}, explainJSON{})
}

// explainJSON is the explanation as reconcile defines it, after its
// format_version (README, docs/command-json.md).
type explainJSON struct{}

func (explainJSON) render(w io.Writer, ex *reconcile.Explanation) error { return writeVersioned(w, ex) }

// explainText is per territory what assigns the account or why nothing
// does: each rule's criteria with the account's values.
type explainText struct{}

func (explainText) render(w io.Writer, ex *reconcile.Explanation) error {
	fmt.Fprintf(w, "Account %s at %s", ex.Account, fmtTime(ex.Now))
	if ex.Found {
		fmt.Fprintf(w, " (CRM instance %s)\n", strings.Join(ex.Instances, ", "))
	} else {
		fmt.Fprintf(w, ": not in the imported CRM data; no rule can assign it\n")
	}
	for _, t := range ex.Territories {
		fmt.Fprintf(w, "\nTerritory %s (%s)\n", t.Territory, t.Name)
		if len(t.Assigned) == 0 {
			fmt.Fprintf(w, "  not assigned\n")
		}
		for _, a := range t.Assigned {
			who := a.Source
			if a.Rule != "" {
				who += " " + a.Rule
			}
			fmt.Fprintf(w, "  assigned by %s: %s -> %s\n    %s\n", who, fmtTime(a.StartDate), fmtEnd(a.EndDate), a.Why)
		}
		for _, r := range t.Rules {
			fmt.Fprintf(w, "  rule %s (%s, match %s): %s\n", r.Rule, r.Owner, r.Match, r.Result)
			for _, c := range r.Criteria {
				vals := "no value"
				if len(c.Values) > 0 {
					q := make([]string, len(c.Values))
					for i, v := range c.Values {
						q[i] = fmt.Sprintf("%q", v)
					}
					vals = "value " + strings.Join(q, ", ")
				}
				fmt.Fprintf(w, "    %s %d. %s (%s)\n", yesNo(c.Satisfied), c.Pos, c.Criterion, vals)
			}
			if r.Geography != "" {
				fmt.Fprintf(w, "    geography: %s\n", r.Geography)
			}
		}
		for _, m := range t.Manual {
			fmt.Fprintf(w, "  %s\n", m)
		}
		for _, x := range t.Excluded {
			fmt.Fprintf(w, "  %s\n", x)
		}
		for _, c := range t.Conflicts {
			fmt.Fprintf(w, "  conflict: %s\n", c.AccountText())
		}
		for _, a := range t.Current {
			fmt.Fprintf(w, "  current record %s: %s %s %s -> %s\n", a.ID, a.Source, a.Rule, fmtTime(a.Start), fmtEnd(a.End))
		}
		for _, c := range t.Changes {
			fmt.Fprintf(w, "  plan: %s\n", describeChange(c))
		}
	}
	renderCycleTargets(w, ex.CycleTargets)
	if ex.Unassigned > 0 {
		fmt.Fprintf(w, "\n%d other territories do not assign this account (alignctl explain %s TERRITORY shows why for one).\n", ex.Unassigned, ex.Account)
	}
	return nil
}
