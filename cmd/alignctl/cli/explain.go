package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/alignctl/alignctl/reconcile"
)

func explainCmd(g *globals) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "explain ACCOUNT [TERRITORY]",
		Short: "Say why an account is or is not assigned: each rule's criteria with the account's values, exclusions, dates",
		Args:  cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "text" && format != "json" {
				return fmt.Errorf("--format %q: must be text or json", format)
			}
			now, err := g.Now()
			if err != nil {
				return err
			}
			cfg, err := g.loadConfig()
			if err != nil {
				return err
			}
			territory := ""
			if len(args) == 2 {
				territory = args[1]
			}
			db, err := g.openStateReadOnly(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			ex, err := reconcile.Explain(cmd.Context(), db, cfg, args[0], territory, now)
			if err != nil {
				return err
			}
			if format == "json" {
				return writeJSON(g.stdout, ex)
			}
			renderExplanation(g.stdout, ex)
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "text or json")
	return cmd
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no "
}

func renderExplanation(w io.Writer, ex *reconcile.Explanation) {
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
			fmt.Fprintf(w, "  conflict: %s\n", c)
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
}
