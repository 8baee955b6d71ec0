package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/mattn/go-isatty"

	"github.com/alignctl/alignctl/query"
	"github.com/alignctl/alignctl/reconcile"
)

// changesShown is how many assignment changes per territory the text view
// lists; the JSON view and the saved plan hold all of them.
const changesShown = reconcile.ShownPerTerritory

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

// planFormats are the views of a plan.
var planFormats = []string{"text", "json", "markdown", "html"}

// planView renders a plan: one plan struct, several renderings.
type planView = view[*reconcile.Plan]

// planView picks the view --format names; text is coloured on a terminal
// unless NO_COLOR is set.
func (g *globals) planView(format string) (planView, error) {
	switch format {
	case "text":
		return textView{colour: colourful(g.stdout)}, nil
	case "json":
		return jsonView{}, nil
	case "markdown":
		return markdownView{}, nil
	case "html":
		return htmlView{}, nil
	}
	return nil, checkFormat(format, planFormats)
}

// colourful reports whether w is a terminal that may show colour.
func colourful(w io.Writer) bool {
	if os.Getenv("NO_COLOR") != "" {
		return false
	}
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

type jsonView struct{}

func (jsonView) render(w io.Writer, p *reconcile.Plan) error { return p.WriteJSON(w) }

// textView is the human view of a plan: per territory, what changes and why.
type textView struct{ colour bool }

// paint wraps s in an ANSI colour when the view is coloured.
func (v textView) paint(code, s string) string {
	if !v.colour {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

const (
	green  = "32"
	red    = "31"
	yellow = "33"
	bold   = "1"
)

// signColour colours a line by its leading +, - or ~.
func (v textView) signColour(line string) string {
	switch strings.TrimLeft(line, " ")[:1] {
	case "+":
		return v.paint(green, line)
	case "-":
		return v.paint(red, line)
	case "~":
		return v.paint(yellow, line)
	}
	return line
}

func (v textView) render(w io.Writer, p *reconcile.Plan) error {
	fmt.Fprintf(w, "Plan at %s (state serial %d, config %s)\n", fmtTime(p.Now), p.StateSerial, describeConfig(p.Config))
	if p.Base != nil {
		fmt.Fprintf(w, "Change from %s\n", describeConfig(*p.Base))
	}
	if p.Scope.Territory != "" {
		fmt.Fprintf(w, "Scope: territory %s and its descendants (%d territories)\n", p.Scope.Territory, len(p.Scope.Territories))
	}
	if p.Scope.SendToCRM != nil {
		fmt.Fprintf(w, "Scope: rules with send_to_crm %t\n", *p.Scope.SendToCRM)
	}
	if p.Base != nil {
		v.impact(w, p)
	}
	if len(p.TerritoryChanges) > 0 {
		fmt.Fprintf(w, "\nTerritories:\n")
		for _, t := range p.TerritoryChanges {
			line := fmt.Sprintf("  %s %s", actionSign(t.Action), t.Territory)
			if len(t.Fields) > 0 {
				line += fmt.Sprintf(" (%v)", t.Fields)
			}
			fmt.Fprintln(w, v.signColour(line))
		}
	}
	if len(p.ConfigChanges) > 0 {
		fmt.Fprintf(w, "\nRoster and products:\n")
		for _, c := range p.ConfigChanges {
			fmt.Fprintln(w, v.signColour(fmt.Sprintf("  %s %s %s", actionSign(c.Action), c.Kind, c.Key)))
		}
	}
	if len(p.AssignmentChanges) > 0 {
		fmt.Fprintf(w, "\nAssignments:\n")
		// The first changes of each territory, by index: the plan may
		// hold millions, and the view lists a few.
		shown := map[string][]int{}
		for i, c := range p.AssignmentChanges {
			if len(shown[c.Territory]) < changesShown {
				shown[c.Territory] = append(shown[c.Territory], i)
			}
		}
		for _, t := range p.Territories() {
			n := p.Summary.PerTerritory[t]
			fmt.Fprintf(w, "  %s: +%d created, -%d ended, ~%d updated\n", t, n.Create, n.End, n.Update)
			for _, i := range shown[t] {
				fmt.Fprintln(w, v.signColour("    "+describeChange(p.AssignmentChanges[i])))
			}
			if more := n.Create + n.End + n.Update - len(shown[t]); more > 0 {
				fmt.Fprintf(w, "      ... and %d more (alignctl plan --format json lists every change)\n", more)
			}
		}
	}
	v.cycleTargets(w, p)
	if p.Summary.CRMChanges+p.Summary.PendingPush > 0 {
		fmt.Fprintf(w, "\nCRM changes a push would make after apply:\n")
		for _, line := range countCRM(p.CRMChangeKinds()) {
			fmt.Fprintf(w, "  %s\n", line)
		}
		for _, line := range countCRM(reconcile.CountCRMKinds(p.PendingPush)) {
			fmt.Fprintf(w, "  %s (pending_push from an earlier apply)\n", line)
		}
	}
	if len(p.Balance) > 0 && p.HasChanges() {
		fmt.Fprintf(w, "\nBalance (accounts per territory, before -> after):\n")
		for _, b := range p.Balance {
			fmt.Fprintf(w, "  %s (%d territories): %s -> %s\n", b.FieldForce, b.Territories, describeSpread(b.Before), describeSpread(b.After))
		}
	}
	if len(p.GuardrailViolations) > 0 {
		fmt.Fprintf(w, "\n%s\n", v.paint(red, "Guardrail violations (apply refuses them without --allow-violations):"))
		for _, x := range p.GuardrailViolations {
			fmt.Fprintf(w, "  %s\n", x.Message)
		}
	}
	v.policies(w, p)
	if len(p.Conflicts) > 0 {
		fmt.Fprintf(w, "\nConflicts:\n")
		for _, x := range p.Conflicts {
			fmt.Fprintf(w, "  %s\n", x.Text())
		}
	}
	if len(p.Warnings) > 0 {
		fmt.Fprintf(w, "\n%s\n", v.paint(yellow, "Warnings:"))
		for _, x := range p.Warnings {
			fmt.Fprintf(w, "  %s\n", x.Text())
		}
	}
	s := p.Summary
	fmt.Fprintln(w)
	if !p.HasChanges() {
		fmt.Fprintf(w, "No changes. The state matches the config.\n")
		if s.PendingPush > 0 {
			fmt.Fprintf(w, "%d CRM records are pending a push: run alignctl push.\n", s.PendingPush)
		}
		return nil
	}
	fmt.Fprintln(w, v.paint(bold, fmt.Sprintf("Plan: %d to create, %d to end, %d to update, %d territory changes, %d roster and product changes, %d CRM records to push.",
		s.Create, s.End, s.Update, s.TerritoryChange, s.ConfigChange, s.CRMChanges+s.PendingPush)))
	return nil
}

// impact is the text view of what the config change itself does.
func (v textView) impact(w io.Writer, p *reconcile.Plan) {
	fmt.Fprintf(w, "\nImpact of the config change (accounts per territory):\n")
	if len(p.Impact) == 0 {
		fmt.Fprintf(w, "  no account changes territory\n")
	}
	for _, t := range p.Impact {
		fmt.Fprintf(w, "  %s: %s, %s\n", t.Territory, v.paint(green, fmt.Sprintf("+%d gained", t.Gained)), v.paint(red, fmt.Sprintf("-%d lost", t.Lost)))
	}
	if len(p.RuleImpact) > 0 {
		fmt.Fprintf(w, "\nRules:\n")
		for _, r := range p.RuleImpact {
			fmt.Fprintf(w, "  %s (%s): adds %d, drops %d\n", r.Rule, r.Change, r.Added, r.Dropped)
		}
	}
	if p.ConfigDiff != "" {
		fmt.Fprintf(w, "\nConfig diff:\n")
		for _, line := range strings.Split(strings.TrimRight(p.ConfigDiff, "\n"), "\n") {
			switch {
			case strings.HasPrefix(line, "+++") || strings.HasPrefix(line, "---"):
				fmt.Fprintln(w, v.paint(bold, line))
			case strings.HasPrefix(line, "+"):
				fmt.Fprintln(w, v.paint(green, line))
			case strings.HasPrefix(line, "-"):
				fmt.Fprintln(w, v.paint(red, line))
			default:
				fmt.Fprintln(w, line)
			}
		}
	}
}

// describeConfig names a config: its commit (dirty or not) or content hash.
func describeConfig(c reconcile.ConfigRef) string {
	var s string
	switch {
	case c.Commit != "" && c.Dirty:
		s = "commit " + shortHash(c.Commit) + " + uncommitted changes, " + shortHash(c.Hash)
	case c.Commit != "":
		s = "commit " + shortHash(c.Commit)
	default:
		s = shortHash(c.Hash)
	}
	if c.Ref != "" {
		s = c.Ref + " = " + s
	}
	return s
}

func describeSpread(s reconcile.Spread) string {
	return fmt.Sprintf("min %d, median %s, max %d, cv %.2f", s.Min, strconv.FormatFloat(s.Median, 'f', -1, 64), s.Max, s.CV)
}

// actionSign is the sign every view marks a territory, roster or product
// change with.
func actionSign(action reconcile.ConfigAction) string {
	switch action {
	case reconcile.ConfigCreate:
		return "+"
	case reconcile.ConfigUpdate:
		return "~"
	case reconcile.ConfigRemove:
		return "-"
	}
	return ""
}

func describeChange(c reconcile.AssignmentChange) string {
	who := c.Source
	if c.Rule != "" {
		who += " " + c.Rule
	}
	switch c.Action {
	case query.ChangeCreate:
		return fmt.Sprintf("+ %s  %s  %s -> %s  (%s)", c.Account, who, fmtTime(c.StartDate), fmtEnd(c.EndDate), c.Reason)
	case query.ChangeEnd:
		return fmt.Sprintf("- %s  %s  ends %s  (%s)", c.Account, who, fmtEnd(c.EndDate), c.Reason)
	default:
		before := ""
		if c.Before != nil {
			before = fmtTime(c.Before.StartDate) + " -> " + fmtEnd(c.Before.EndDate) + " becomes "
		}
		return fmt.Sprintf("~ %s  %s  %s%s -> %s  (%s)", c.Account, who, before, fmtTime(c.StartDate), fmtEnd(c.EndDate), c.Reason)
	}
}

func countCRM(counts map[reconcile.CRMKind]int) []string {
	// Counted per kind (reconcile.CountCRMKinds), formatted once per kind: a
	// first plan has millions of changes of a handful of kinds.
	var out []string
	for k, n := range counts {
		out = append(out, fmt.Sprintf("%s %s %s: %d", k.Instance, k.Object, k.Action, n))
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
