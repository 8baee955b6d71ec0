package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/alignctl/alignctl/reconcile"
)

// cycleTargetsShown is how many lost targets a territory lists in the text
// view before pointing at the JSON plan.
const cycleTargetsShown = changesShown

// describeGoals is a target's interaction goals in words.
func describeGoals(g reconcile.CycleGoals) string {
	var parts []string
	if g.ChannelInteractions != nil {
		parts = append(parts, reconcile.FormatGoal(*g.ChannelInteractions)+" interactions")
	}
	if g.ProductInteractions != nil {
		parts = append(parts, reconcile.FormatGoal(*g.ProductInteractions)+" product interactions")
	}
	if len(parts) == 0 {
		return "no goals"
	}
	return strings.Join(parts, ", ")
}

// describeTarget is one target in a line: account, record, cycle plan,
// cycle, goals, and who gains the account.
func describeTarget(t reconcile.CyclePlanTarget) string {
	cycle := t.Cycle
	if t.CycleName != "" {
		cycle += " " + t.CycleName
	}
	s := fmt.Sprintf("%s  target %s of cycle plan %s (cycle %s): %s", t.Account, t.Target, t.CyclePlan, cycle, describeGoals(t.Goals))
	if len(t.GainedBy) > 0 {
		s += "; gained by " + strings.Join(t.GainedBy, ", ") + ", which has a plan of the same cycle"
	}
	return s
}

// describeTerritoryTargets is a territory's targets in a line.
func describeTerritoryTargets(s reconcile.TerritoryTargets) string {
	line := fmt.Sprintf("%d kept, %d lost (interaction goals %s -> %s", s.Kept, s.Lost, reconcile.FormatGoal(s.GoalsBefore), reconcile.FormatGoal(s.GoalsAfter))
	if s.Lost > 0 {
		line += ", " + reconcile.FormatGoal(s.GoalsLost) + " lost"
	}
	return line + ")"
}

// cycleTargets is the text view's section: per territory the targets kept
// and lost with their goals, and the first lost targets.
func (v textView) cycleTargets(w io.Writer, p *reconcile.Plan) {
	if len(p.CyclePlanTargets) == 0 {
		return
	}
	fmt.Fprintf(w, "\nCycle plan targets (cycles planned or in progress at %s):\n", fmtTime(p.Now))
	for _, s := range p.TargetsPerTerritory() {
		fmt.Fprintf(w, "  %s: %s\n", s.Territory, describeTerritoryTargets(s))
		for _, t := range s.LostTargets[:min(len(s.LostTargets), cycleTargetsShown)] {
			fmt.Fprintln(w, v.paint(red, "    - "+describeTarget(t)))
		}
		if more := len(s.LostTargets) - cycleTargetsShown; more > 0 {
			fmt.Fprintf(w, "      ... and %d more (alignctl plan --format json lists every target)\n", more)
		}
	}
}

// markdownCycleTargets is the comment's section: a table per territory,
// the lost targets folded.
func markdownCycleTargets(p *reconcile.Plan) []mdPart {
	if len(p.CyclePlanTargets) == 0 {
		return nil
	}
	per := p.TargetsPerTerritory()
	// Within the comment's budget the territories that lose the most
	// targets are kept.
	t := &mdTable{head: "\n#### Cycle plan targets\n\n| Territory | Cycle plans | Targets kept | Targets lost | Interaction goals before | after | lost |\n|---|---|---:|---:|---:|---:|---:|\n",
		what: "territories", label: "cycle plan targets per territory"}
	lost := 0
	for _, s := range per {
		t.add(fmt.Sprintf("| %s | %s | %d | %d | %s | %s | %s |\n", mdText(s.Territory), mdText(strings.Join(s.CyclePlans, ", ")),
			s.Kept, s.Lost, reconcile.FormatGoal(s.GoalsBefore), reconcile.FormatGoal(s.GoalsAfter), reconcile.FormatGoal(s.GoalsLost)), s.Lost)
		lost += s.Lost
	}
	parts := []mdPart{{table: t}}
	if lost == 0 {
		return parts
	}
	var b strings.Builder
	n := 0
	for _, s := range per {
		for _, t := range s.LostTargets {
			if n == markdownListed {
				break
			}
			fmt.Fprintf(&b, "- %s %s\n", t.Territory, describeTarget(t))
			n++
		}
	}
	if n < lost {
		fmt.Fprintf(&b, "... and %d more (alignctl plan --format json lists every target)\n", lost-n)
	}
	return append(parts, foldable(fmt.Sprintf("\n<details><summary>Cycle plan targets lost (%d)</summary>\n\n%s\n\n</details>\n", lost, mdFence("diff", b.String())),
		fmt.Sprintf("cycle plan targets lost (%d)", lost)))
}

// htmlCycleTargets is what the page's cycle plan section shows.
type htmlCycleTargets struct {
	Territories []reconcile.TerritoryTargets
	Lost        []string // lost targets, described
	LostMore    int
}

func newHTMLCycleTargets(p *reconcile.Plan) htmlCycleTargets {
	var h htmlCycleTargets
	h.Territories = p.TargetsPerTerritory()
	for _, s := range h.Territories {
		for _, t := range s.LostTargets {
			if len(h.Lost) == htmlListed {
				h.LostMore++
				continue
			}
			h.Lost = append(h.Lost, t.Territory+" "+describeTarget(t))
		}
	}
	return h
}

// renderCycleTargets is explain's account as a cycle plan target: which
// cycle plans have it, and whether each counts now.
func renderCycleTargets(w io.Writer, ts []reconcile.AccountCycleTarget) {
	if len(ts) == 0 {
		return
	}
	fmt.Fprintf(w, "\nCycle plan targets:\n")
	for _, t := range ts {
		cycle := t.Cycle
		if t.CycleName != "" {
			cycle += " " + t.CycleName
		}
		counts := "counts now"
		if !t.Counts {
			counts = "counts for nothing now (cycle completed, outside its dates, or on a territory outside the config)"
		}
		fmt.Fprintf(w, "  %s: target %s of cycle plan %s (cycle %s): %s; %s\n", t.Territory, t.Target, t.CyclePlan, cycle, describeGoals(t.Goals), counts)
	}
}
