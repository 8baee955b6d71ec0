package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/alignctl/alignctl/reconcile"
)

// changesShown is how many assignment changes per territory the text view
// lists; the JSON view and the saved plan hold all of them.
const changesShown = 10

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func fmtTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func fmtEnd(t *time.Time) string {
	if t == nil {
		return "open"
	}
	return fmtTime(*t)
}

// renderPlanText is the human view of a plan: per territory, what changes and why.
func renderPlanText(w io.Writer, p *reconcile.Plan) {
	fmt.Fprintf(w, "Plan at %s (state serial %d, config %s)\n", fmtTime(p.Now), p.StateSerial, shortHash(p.Config.Hash))
	if p.Scope.Territory != "" {
		fmt.Fprintf(w, "Scope: territory %s and its descendants (%d territories)\n", p.Scope.Territory, len(p.Scope.Territories))
	}
	if p.Scope.SendToCRM != nil {
		fmt.Fprintf(w, "Scope: rules with send_to_crm %t\n", *p.Scope.SendToCRM)
	}
	if len(p.TerritoryChanges) > 0 {
		fmt.Fprintf(w, "\nTerritories:\n")
		for _, t := range p.TerritoryChanges {
			sign := map[string]string{"create": "+", "update": "~", "remove": "-"}[t.Action]
			fmt.Fprintf(w, "  %s %s", sign, t.Territory)
			if len(t.Fields) > 0 {
				fmt.Fprintf(w, " (%v)", t.Fields)
			}
			fmt.Fprintln(w)
		}
	}
	if len(p.ConfigChanges) > 0 {
		fmt.Fprintf(w, "\nRoster and products:\n")
		for _, c := range p.ConfigChanges {
			sign := map[string]string{"create": "+", "update": "~", "remove": "-"}[c.Action]
			fmt.Fprintf(w, "  %s %s %s\n", sign, c.Kind, c.Key)
		}
	}
	if len(p.AssignmentChanges) > 0 {
		fmt.Fprintf(w, "\nAssignments:\n")
		byTerritory := map[string][]reconcile.AssignmentChange{}
		for _, c := range p.AssignmentChanges {
			byTerritory[c.Territory] = append(byTerritory[c.Territory], c)
		}
		for _, t := range p.Territories() {
			cs := byTerritory[t]
			n := p.Summary.PerTerritory[t]
			fmt.Fprintf(w, "  %s: +%d created, -%d ended, ~%d updated\n", t, n.Create, n.End, n.Update)
			for i, c := range cs {
				if i == changesShown {
					fmt.Fprintf(w, "      ... and %d more (alignctl plan --format json lists every change)\n", len(cs)-changesShown)
					break
				}
				fmt.Fprintf(w, "    %s\n", describeChange(c))
			}
		}
	}
	if len(p.CRMChanges)+len(p.PendingPush) > 0 {
		fmt.Fprintf(w, "\nCRM changes a push would make after apply:\n")
		for _, line := range countCRM(p.CRMChanges) {
			fmt.Fprintf(w, "  %s\n", line)
		}
		for _, line := range countCRM(p.PendingPush) {
			fmt.Fprintf(w, "  %s (pending_push from an earlier apply)\n", line)
		}
	}
	if len(p.Conflicts) > 0 {
		fmt.Fprintf(w, "\nConflicts:\n")
		for _, x := range p.Conflicts {
			fmt.Fprintf(w, "  %s\n", x)
		}
	}
	if len(p.Warnings) > 0 {
		fmt.Fprintf(w, "\nWarnings:\n")
		for _, x := range p.Warnings {
			fmt.Fprintf(w, "  %s\n", x)
		}
	}
	s := p.Summary
	fmt.Fprintln(w)
	if !p.HasChanges() {
		fmt.Fprintf(w, "No changes. The state matches the config.\n")
		if s.PendingPush > 0 {
			fmt.Fprintf(w, "%d CRM records are pending a push: run alignctl push.\n", s.PendingPush)
		}
		return
	}
	fmt.Fprintf(w, "Plan: %d to create, %d to end, %d to update, %d territory changes, %d roster and product changes, %d CRM records to push.\n",
		s.Create, s.End, s.Update, s.TerritoryChange, s.ConfigChange, s.CRMChanges+s.PendingPush)
}

func describeChange(c reconcile.AssignmentChange) string {
	who := c.Source
	if c.Rule != "" {
		who += " " + c.Rule
	}
	switch c.Action {
	case "create":
		return fmt.Sprintf("+ %s  %s  %s -> %s  (%s)", c.Account, who, fmtTime(c.StartDate), fmtEnd(c.EndDate), c.Reason)
	case "end":
		return fmt.Sprintf("- %s  %s  ends %s  (%s)", c.Account, who, fmtEnd(c.EndDate), c.Reason)
	default:
		before := ""
		if c.Before != nil {
			before = fmtTime(c.Before.StartDate) + " -> " + fmtEnd(c.Before.EndDate) + " becomes "
		}
		return fmt.Sprintf("~ %s  %s  %s%s -> %s  (%s)", c.Account, who, before, fmtTime(c.StartDate), fmtEnd(c.EndDate), c.Reason)
	}
}

func countCRM(cs []reconcile.CRMChange) []string {
	counts := map[string]int{}
	for _, c := range cs {
		counts[fmt.Sprintf("%s %s %s", c.Instance, c.Object, c.Action)]++
	}
	var out []string
	for k, n := range counts {
		out = append(out, fmt.Sprintf("%s: %d", k, n))
	}
	sort.Strings(out)
	return out
}

func shortHash(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}
