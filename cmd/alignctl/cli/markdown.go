package cli

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/alignctl/alignctl/reconcile"
)

// markdownView is a plan as a pull-request comment: the summary table first,
// then the policy results, what the change does per territory and rule, the
// balance, the guardrails, long lists folded in <details>, the config diff,
// and the command that reproduces the plan. It fits maxChars (fitMarkdown).
type markdownView struct{ maxChars int }

// markdownListed is how many changes and accounts a comment lists before
// pointing at the JSON plan: a comment has to stay readable. At most
// reconcile.ShownFirst, the changes a spooled plan holds.
const markdownListed = 50

// DefaultMaxChars is the default budget of the Markdown view: GitHub refuses
// a comment over 65,536 characters, and the workflow template adds a marker
// line and at most a short note.
const DefaultMaxChars = 65000

func (v markdownView) render(w io.Writer, p *reconcile.Plan) error {
	max := v.maxChars
	if max == 0 {
		max = DefaultMaxChars
	}
	_, err := io.WriteString(w, fitMarkdown(markdownParts(p), max))
	return err
}

// markdownParts are the comment's parts in the order they show.
func markdownParts(p *reconcile.Plan) []mdPart {
	var parts []mdPart
	keep := func(format string, args ...any) {
		parts = append(parts, mdPart{full: fmt.Sprintf(format, args...), keep: true})
	}
	s := p.Summary
	var b strings.Builder
	title := "No changes"
	if p.HasChanges() {
		title = fmt.Sprintf("%d to create, %d to end-date, %d to update", s.Create, s.End, s.Update)
	}
	fmt.Fprintf(&b, "### alignctl plan: %s\n\n", title)
	fmt.Fprintf(&b, "Config %s", mdCode(describeConfig(p.Config)))
	if p.Base != nil {
		fmt.Fprintf(&b, " against base %s", mdCode(describeConfig(*p.Base)))
	}
	fmt.Fprintf(&b, ", state serial %d, at %s", p.StateSerial, fmtTime(p.Now))
	if p.Scope.Territory != "" {
		fmt.Fprintf(&b, ", scope %s and its descendants", mdCode(p.Scope.Territory))
	}
	fmt.Fprintf(&b, ".\n\n")

	fmt.Fprintf(&b, "| | count |\n|---|---:|\n")
	fmt.Fprintf(&b, "| Assignments created | %d |\n", s.Create)
	fmt.Fprintf(&b, "| Assignments end-dated | %d |\n", s.End)
	fmt.Fprintf(&b, "| Assignments updated | %d |\n", s.Update)
	fmt.Fprintf(&b, "| Territory changes | %d |\n", s.TerritoryChange)
	fmt.Fprintf(&b, "| Roster and product changes | %d |\n", s.ConfigChange)
	fmt.Fprintf(&b, "| CRM records to push | %d |\n", s.CRMChanges+s.PendingPush)
	fmt.Fprintf(&b, "| Guardrail violations | %d |\n", len(p.GuardrailViolations))
	if n := violatedPolicies(p); n > 0 {
		fmt.Fprintf(&b, "| Policies violated | %d |\n", n)
	}
	if len(p.Conflicts) > 0 {
		fmt.Fprintf(&b, "| Exclusive conflicts | %d |\n", len(p.Conflicts))
	}
	if len(p.Warnings) > 0 {
		fmt.Fprintf(&b, "| Warnings | %d |\n", len(p.Warnings))
	}
	keep("%s", b.String())

	if len(p.GuardrailViolations) > 0 {
		b.Reset()
		fmt.Fprintf(&b, "\n> [!WARNING]\n> This plan breaks the guardrails: `alignctl apply` refuses it without `--allow-violations`.\n")
		for i, v := range p.GuardrailViolations {
			if i == markdownListed {
				fmt.Fprintf(&b, "> - and %d more territories: see the plan artifact\n", len(p.GuardrailViolations)-i)
				break
			}
			fmt.Fprintf(&b, "> - %s\n", mdText(v.Message))
		}
		keep("%s", b.String())
	}
	if len(p.PolicyResults) > 0 {
		keep("%s", markdownPolicies(p))
	}

	if p.Base != nil {
		parts = append(parts, markdownImpact(p)...)
	} else if len(s.PerTerritory) > 0 {
		t := &mdTable{head: "\n#### Assignments per territory\n\n| Territory | Created | End-dated | Updated |\n|---|---:|---:|---:|\n", what: "territories", label: "assignments per territory"}
		for _, id := range p.Territories() {
			n := s.PerTerritory[id]
			t.add(fmt.Sprintf("| %s | %d | %d | %d |\n", mdText(id), n.Create, n.End, n.Update), n.Create+n.End+n.Update)
		}
		parts = append(parts, mdPart{table: t})
	}

	if len(p.Balance) > 0 {
		b.Reset()
		fmt.Fprintf(&b, "\n#### Balance (accounts per territory)\n\n")
		fmt.Fprintf(&b, "| Field force | Territories | Before: min / median / max | CV | After: min / median / max | CV | Furthest from the median |\n")
		fmt.Fprintf(&b, "|---|---:|---|---:|---|---:|---|\n")
		for _, bal := range p.Balance {
			var far []string
			for _, t := range bal.Furthest {
				far = append(far, fmt.Sprintf("%s (%d)", mdText(t.Territory), t.After))
			}
			fmt.Fprintf(&b, "| %s | %d | %s | %.2f | %s | %.2f | %s |\n", mdText(bal.FieldForce), bal.Territories,
				spreadCells(bal.Before), bal.Before.CV, spreadCells(bal.After), bal.After.CV, strings.Join(far, ", "))
		}
		keep("%s", b.String())
	}

	parts = append(parts, markdownCycleTargets(p)...)

	if p.ConfigDiff != "" {
		parts = append(parts, foldable(fmt.Sprintf("\n<details><summary>Config diff</summary>\n\n%s\n\n</details>\n", mdFence("diff", p.ConfigDiff)),
			fmt.Sprintf("config diff (%d lines)", strings.Count(p.ConfigDiff, "\n"))))
	}
	if total := s.Create + s.End + s.Update; total > 0 {
		// The first changes (a spooled plan holds those its views list).
		n := min(len(p.AssignmentChanges), markdownListed)
		b.Reset()
		for _, c := range p.AssignmentChanges[:n] {
			// The sign leads, so that the diff block colours the line.
			line := describeChange(c)
			fmt.Fprintf(&b, "%s %s %s\n", line[:1], c.Territory, line[2:])
		}
		if n < total {
			fmt.Fprintf(&b, "... and %d more (alignctl plan --format json lists every change)\n", total-n)
		}
		parts = append(parts, foldable(fmt.Sprintf("\n<details><summary>Assignment changes (%d)</summary>\n\n%s\n\n</details>\n", total, mdFence("diff", b.String())),
			fmt.Sprintf("assignment changes (%d)", total)))
	}
	if n := len(p.TerritoryChanges) + len(p.ConfigChanges); n > 0 {
		b.Reset()
		for _, t := range p.TerritoryChanges {
			fmt.Fprintf(&b, "%s territory %s %s\n", actionSign(t.Action), t.Territory, strings.Join(t.Fields, ", "))
		}
		for _, c := range p.ConfigChanges {
			fmt.Fprintf(&b, "%s %s %s\n", actionSign(c.Action), c.Kind, c.Key)
		}
		parts = append(parts, foldable(fmt.Sprintf("\n<details><summary>Territory, roster and product changes (%d)</summary>\n\n%s\n\n</details>\n", n, mdFence("diff", b.String())),
			fmt.Sprintf("territory, roster and product changes (%d)", n)))
	}
	if s.CRMChanges+s.PendingPush > 0 {
		b.Reset()
		for _, line := range countCRM(p.CRMChangeKinds()) {
			fmt.Fprintf(&b, "- %s\n", line)
		}
		for _, line := range countCRM(reconcile.CountCRMKinds(p.PendingPush)) {
			fmt.Fprintf(&b, "- %s (pending from an earlier apply)\n", line)
		}
		parts = append(parts, foldable(fmt.Sprintf("\n<details><summary>CRM records a push would write</summary>\n\n%s\n</details>\n", b.String()),
			fmt.Sprintf("CRM records a push would write (%d)", s.CRMChanges+s.PendingPush)))
	}
	if len(p.Conflicts) > 0 {
		b.Reset()
		fmt.Fprintf(&b, "\n<details><summary>Exclusive conflicts (%d)</summary>\n\n", len(p.Conflicts))
		for _, c := range p.Conflicts[:min(len(p.Conflicts), markdownListed)] {
			fmt.Fprintf(&b, "- %s\n", mdText(c.Text()))
		}
		fmt.Fprintf(&b, "\n</details>\n")
		parts = append(parts, foldable(b.String(), fmt.Sprintf("exclusive conflicts (%d)", len(p.Conflicts))))
	}
	if len(p.Warnings) > 0 {
		t := &mdTable{head: "\n#### Warnings\n\n", what: "warnings", label: "warnings", list: true}
		for _, x := range p.Warnings {
			t.add(fmt.Sprintf("- %s\n", mdText(x.Text())), 0)
		}
		parts = append(parts, mdPart{table: t})
	}
	if p.Command != "" {
		keep("\nReproduce: %s\n", mdCode(p.Command))
	}
	return parts
}

func violatedPolicies(p *reconcile.Plan) int {
	n := 0
	for _, r := range p.PolicyResults {
		if r.Violated() {
			n++
		}
	}
	return n
}

// markdownPolicies is the comment's block of policy results: a row per
// policy, then the violations of each violated one, the first few listed.
func markdownPolicies(p *reconcile.Plan) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n#### Policies\n\n| Policy | Level | Result | On apply |\n|---|---|---|---|\n")
	for _, r := range p.PolicyResults {
		mark, then := "passed", "-"
		if r.Violated() {
			mark, then = "**"+policyVerdict(r)+"**", policyConsequence(r.Level)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", mdText(r.Policy), r.Level, mark, then)
	}
	for _, r := range p.PolicyResults {
		if !r.Violated() {
			continue
		}
		alert := "WARNING"
		if r.Level == "advisory" {
			alert = "NOTE"
		} else if r.Level == "hard" {
			alert = "CAUTION"
		}
		fmt.Fprintf(&b, "\n> [!%s]\n> %s (%s): %s\n", alert, mdText(r.Policy), r.Level, policyConsequence(r.Level))
		for i, v := range r.Violations {
			if i == policyViolationsShown {
				fmt.Fprintf(&b, "> - and %d more: see the plan artifact\n", len(r.Violations)-i)
				break
			}
			fmt.Fprintf(&b, "> - %s\n", mdText(v.Message))
		}
	}
	return b.String()
}

// markdownImpact is the difference the config change makes, per territory
// and per rule, with the accounts folded away.
func markdownImpact(p *reconcile.Plan) []mdPart {
	var parts []mdPart
	if len(p.Impact) == 0 {
		parts = append(parts, mdPart{full: "\n#### What this change does\n\nNo account changes territory.\n", keep: true})
	} else {
		t := &mdTable{head: "\n#### What this change does\n\n| Territory | Accounts gained | Accounts lost |\n|---|---:|---:|\n", what: "territories", label: "accounts gained and lost per territory"}
		for _, i := range p.Impact {
			t.add(fmt.Sprintf("| %s | +%d | -%d |\n", mdText(i.Territory), i.Gained, i.Lost), i.Gained+i.Lost)
		}
		parts = append(parts, mdPart{table: t})
	}
	if len(p.RuleImpact) > 0 {
		t := &mdTable{head: "\n| Rule | Change | Adds | Drops |\n|---|---|---:|---:|\n", what: "rules", label: "rules changed"}
		for _, r := range p.RuleImpact {
			t.add(fmt.Sprintf("| %s | %s | %d | %d |\n", mdText(r.Rule), r.Change, r.Added, r.Dropped), r.Added+r.Dropped+1)
		}
		parts = append(parts, mdPart{table: t})
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
		parts = append(parts, foldable(fmt.Sprintf("\n<details><summary>Accounts gained and lost</summary>\n\n%s\n\n</details>\n", mdFence("diff", b.String())),
			"accounts gained and lost"))
	}
	return parts
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
