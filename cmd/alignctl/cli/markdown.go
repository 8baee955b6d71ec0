package cli

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/alignctl/alignctl/reconcile"
)

// markdownView is a plan as a pull-request comment: the summary table first,
// then what the change does per territory and rule, the balance, the
// guardrails, long lists folded in <details>, the config diff, and the
// command that reproduces the plan.
type markdownView struct{}

// markdownListed is how many changes and accounts a comment lists before
// pointing at the JSON plan; a comment has to stay readable (and GitHub caps
// comments at 65,536 characters).
const markdownListed = 50

func (markdownView) render(w io.Writer, p *reconcile.Plan) error {
	s := p.Summary
	title := "No changes"
	if p.HasChanges() {
		title = fmt.Sprintf("%d to create, %d to end-date, %d to update", s.Create, s.End, s.Update)
	}
	fmt.Fprintf(w, "### alignctl plan: %s\n\n", title)
	fmt.Fprintf(w, "Config %s", mdCode(describeConfig(p.Config)))
	if p.Base != nil {
		fmt.Fprintf(w, " against base %s", mdCode(describeConfig(*p.Base)))
	}
	fmt.Fprintf(w, ", state serial %d, at %s", p.StateSerial, fmtTime(p.Now))
	if p.Scope.Territory != "" {
		fmt.Fprintf(w, ", scope %s and its descendants", mdCode(p.Scope.Territory))
	}
	fmt.Fprintf(w, ".\n\n")

	fmt.Fprintf(w, "| | count |\n|---|---:|\n")
	fmt.Fprintf(w, "| Assignments created | %d |\n", s.Create)
	fmt.Fprintf(w, "| Assignments end-dated | %d |\n", s.End)
	fmt.Fprintf(w, "| Assignments updated | %d |\n", s.Update)
	fmt.Fprintf(w, "| Territory changes | %d |\n", s.TerritoryChange)
	fmt.Fprintf(w, "| Roster and product changes | %d |\n", s.ConfigChange)
	fmt.Fprintf(w, "| CRM records to push | %d |\n", s.CRMChanges+s.PendingPush)
	fmt.Fprintf(w, "| Guardrail violations | %d |\n", len(p.GuardrailViolations))
	if len(p.Conflicts) > 0 {
		fmt.Fprintf(w, "| Exclusive conflicts | %d |\n", len(p.Conflicts))
	}
	if len(p.Warnings) > 0 {
		fmt.Fprintf(w, "| Warnings | %d |\n", len(p.Warnings))
	}

	if len(p.GuardrailViolations) > 0 {
		fmt.Fprintf(w, "\n> [!WARNING]\n> This plan breaks the guardrails: `alignctl apply` refuses it without `--allow-violations`.\n")
		for _, v := range p.GuardrailViolations {
			fmt.Fprintf(w, "> - %s\n", mdText(v.Message))
		}
	}

	if p.Base != nil {
		markdownImpact(w, p)
	} else if len(s.PerTerritory) > 0 {
		fmt.Fprintf(w, "\n#### Assignments per territory\n\n| Territory | Created | End-dated | Updated |\n|---|---:|---:|---:|\n")
		for _, t := range p.Territories() {
			n := s.PerTerritory[t]
			fmt.Fprintf(w, "| %s | %d | %d | %d |\n", mdText(t), n.Create, n.End, n.Update)
		}
	}

	if len(p.Balance) > 0 {
		fmt.Fprintf(w, "\n#### Balance (accounts per territory)\n\n")
		fmt.Fprintf(w, "| Field force | Territories | Before: min / median / max | CV | After: min / median / max | CV | Furthest from the median |\n")
		fmt.Fprintf(w, "|---|---:|---|---:|---|---:|---|\n")
		for _, b := range p.Balance {
			var far []string
			for _, t := range b.Furthest {
				far = append(far, fmt.Sprintf("%s (%d)", mdText(t.Territory), t.After))
			}
			fmt.Fprintf(w, "| %s | %d | %s | %.2f | %s | %.2f | %s |\n", mdText(b.FieldForce), b.Territories,
				spreadCells(b.Before), b.Before.CV, spreadCells(b.After), b.After.CV, strings.Join(far, ", "))
		}
	}

	markdownCycleTargets(w, p)

	if p.ConfigDiff != "" {
		fmt.Fprintf(w, "\n<details><summary>Config diff</summary>\n\n%s\n\n</details>\n", mdFence("diff", p.ConfigDiff))
	}
	if len(p.AssignmentChanges) > 0 {
		n := min(len(p.AssignmentChanges), markdownListed)
		var b strings.Builder
		for _, c := range p.AssignmentChanges[:n] {
			// The sign leads, so that the diff block colours the line.
			line := describeChange(c)
			fmt.Fprintf(&b, "%s %s %s\n", line[:1], c.Territory, line[2:])
		}
		if n < len(p.AssignmentChanges) {
			fmt.Fprintf(&b, "... and %d more (alignctl plan --format json lists every change)\n", len(p.AssignmentChanges)-n)
		}
		fmt.Fprintf(w, "\n<details><summary>Assignment changes (%d)</summary>\n\n%s\n\n</details>\n", len(p.AssignmentChanges), mdFence("diff", b.String()))
	}
	if len(p.TerritoryChanges)+len(p.ConfigChanges) > 0 {
		var b strings.Builder
		for _, t := range p.TerritoryChanges {
			fmt.Fprintf(&b, "%s territory %s %s\n", actionSign(t.Action), t.Territory, strings.Join(t.Fields, ", "))
		}
		for _, c := range p.ConfigChanges {
			fmt.Fprintf(&b, "%s %s %s\n", actionSign(c.Action), c.Kind, c.Key)
		}
		fmt.Fprintf(w, "\n<details><summary>Territory, roster and product changes (%d)</summary>\n\n%s\n\n</details>\n",
			len(p.TerritoryChanges)+len(p.ConfigChanges), mdFence("diff", b.String()))
	}
	if len(p.CRMChanges)+len(p.PendingPush) > 0 {
		var b strings.Builder
		for _, line := range countCRM(p.CRMChanges) {
			fmt.Fprintf(&b, "- %s\n", line)
		}
		for _, line := range countCRM(p.PendingPush) {
			fmt.Fprintf(&b, "- %s (pending from an earlier apply)\n", line)
		}
		fmt.Fprintf(w, "\n<details><summary>CRM records a push would write</summary>\n\n%s\n</details>\n", b.String())
	}
	if len(p.Conflicts) > 0 {
		fmt.Fprintf(w, "\n<details><summary>Exclusive conflicts (%d)</summary>\n\n", len(p.Conflicts))
		for _, c := range p.Conflicts[:min(len(p.Conflicts), markdownListed)] {
			fmt.Fprintf(w, "- %s\n", mdText(c))
		}
		fmt.Fprintf(w, "\n</details>\n")
	}
	if len(p.Warnings) > 0 {
		fmt.Fprintf(w, "\n#### Warnings\n\n")
		for _, x := range p.Warnings {
			fmt.Fprintf(w, "- %s\n", mdText(x))
		}
	}
	if p.Command != "" {
		fmt.Fprintf(w, "\nReproduce: %s\n", mdCode(p.Command))
	}
	return nil
}

// markdownImpact is the difference the config change makes, per territory
// and per rule, with the accounts folded away.
func markdownImpact(w io.Writer, p *reconcile.Plan) {
	fmt.Fprintf(w, "\n#### What this change does\n\n")
	if len(p.Impact) == 0 {
		fmt.Fprintf(w, "No account changes territory.\n")
	} else {
		fmt.Fprintf(w, "| Territory | Accounts gained | Accounts lost |\n|---|---:|---:|\n")
		for _, t := range p.Impact {
			fmt.Fprintf(w, "| %s | +%d | -%d |\n", mdText(t.Territory), t.Gained, t.Lost)
		}
	}
	if len(p.RuleImpact) > 0 {
		fmt.Fprintf(w, "\n| Rule | Change | Adds | Drops |\n|---|---|---:|---:|\n")
		for _, r := range p.RuleImpact {
			fmt.Fprintf(w, "| %s | %s | %d | %d |\n", mdText(r.Rule), r.Change, r.Added, r.Dropped)
		}
	}
	var b strings.Builder
	for _, t := range p.Impact {
		for _, a := range t.GainedAccounts {
			fmt.Fprintf(&b, "+ %s %s\n", t.Territory, a)
		}
		if more := t.Gained - len(t.GainedAccounts); more > 0 {
			fmt.Fprintf(&b, "+ %s ... and %d more\n", t.Territory, more)
		}
		for _, a := range t.LostAccounts {
			fmt.Fprintf(&b, "- %s %s\n", t.Territory, a)
		}
		if more := t.Lost - len(t.LostAccounts); more > 0 {
			fmt.Fprintf(&b, "- %s ... and %d more\n", t.Territory, more)
		}
	}
	if b.Len() > 0 {
		fmt.Fprintf(w, "\n<details><summary>Accounts gained and lost</summary>\n\n%s\n\n</details>\n", mdFence("diff", b.String()))
	}
}

func spreadCells(s reconcile.Spread) string {
	return fmt.Sprintf("%d / %s / %d", s.Min, strconv.FormatFloat(s.Median, 'f', -1, 64), s.Max)
}

// mdText escapes what would break a table cell or start markup.
func mdText(s string) string {
	r := strings.NewReplacer("|", `\|`, "<", "&lt;", ">", "&gt;", "\n", " ", "`", "\\`", "*", `\*`, "_", `\_`)
	return r.Replace(s)
}

// mdCode is s as inline code.
func mdCode(s string) string {
	fence := "`"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	return fence + s + fence
}

// mdFence is s as a fenced code block that no line of s can close.
func mdFence(lang, s string) string {
	fence := "```"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	return fence + lang + "\n" + strings.TrimRight(s, "\n") + "\n" + fence
}
