package cli

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/alignctl/alignctl/reconcile"
	"github.com/alignctl/alignctl/schema"
)

// bigPlan is a pull request of 400 territories with every part of the
// comment long: impact, rules, accounts, config diff, changes, policies,
// warnings.
func bigPlan() *reconcile.Plan {
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	p := &reconcile.Plan{Now: now, Base: &reconcile.ConfigRef{Commit: "abc"}, Command: "alignctl plan --base main --format markdown"}
	var diff strings.Builder
	for i := range 400 {
		t := fmt.Sprintf("T-%03d", i)
		imp := reconcile.TerritoryImpact{Territory: t, Gained: i % 7, Lost: (i * 13) % 11}
		for a := range imp.Gained {
			imp.GainedAccounts = append(imp.GainedAccounts, fmt.Sprintf("ACC-%d-%d", i, a))
		}
		p.Impact = append(p.Impact, imp)
		p.AssignmentChanges = append(p.AssignmentChanges, reconcile.AssignmentChange{Action: "create", Account: "ACC-" + t, Territory: t, Source: "rule", Rule: "r", StartDate: now})
		fmt.Fprintf(&diff, "-  - {code: \"%03d*\"}\n+  - {code: \"%03d1*\"}\n", i, i)
		p.Warnings = append(p.Warnings, reconcile.Warning{Kind: reconcile.WarnText, Sentence: fmt.Sprintf("territory %s: a warning with | a pipe and `code`", t)})
	}
	p.ConfigDiff = diff.String()
	for i := range 60 {
		p.RuleImpact = append(p.RuleImpact, reconcile.RuleImpact{Rule: fmt.Sprintf("rule_%d", i), Change: "changed", Added: i, Dropped: 60 - i})
	}
	lost := reconcile.PolicyResult{Policy: "small-moves", Level: "soft", Check: "max_share_lost_per_territory", Status: reconcile.PolicyViolated}
	for i := range 300 {
		lost.Violations = append(lost.Violations, reconcile.PolicyViolation{Territory: fmt.Sprintf("T-%03d", i), Figures: &schema.Figures{Before: 10, Lost: 5},
			Message: fmt.Sprintf("territory T-%03d loses 5 of its 10 accounts (50%%), more than 20%%", i)})
	}
	p.PolicyResults = []reconcile.PolicyResult{lost, {Policy: "min", Level: "hard", Check: "min_accounts_per_territory", Status: reconcile.PolicyPassed}}
	p.Balance = []reconcile.FieldForceBalance{{FieldForce: "ONC", Territories: 400}}
	return p
}

// wholeMarkdown says what is left open in md: a <details>, a code fence, or
// a table whose rows do not follow its header.
func wholeMarkdown(md string) error {
	if o, c := strings.Count(md, "<details>"), strings.Count(md, "</details>"); o != c {
		return fmt.Errorf("%d <details> and %d </details>", o, c)
	}
	fence := ""
	lines := strings.Split(md, "\n")
	for i, l := range lines {
		switch {
		case fence != "" && l == fence:
			fence = ""
		case fence == "" && strings.HasPrefix(l, "```"):
			fence = strings.TrimRight(l, "abcdefghijklmnopqrstuvwxyz")
		case fence == "" && strings.HasPrefix(l, "|"):
			// A row continues a table: the line before is a row, or it is
			// the header and the next its separator.
			prev := ""
			if i > 0 {
				prev = lines[i-1]
			}
			if !strings.HasPrefix(prev, "|") && (i+1 >= len(lines) || !strings.HasPrefix(lines[i+1], "|---")) {
				return fmt.Errorf("line %d: a table row outside a table: %s", i+1, l)
			}
			if !strings.HasSuffix(l, "|") {
				return fmt.Errorf("line %d: a table row cut: %s", i+1, l)
			}
		}
	}
	if fence != "" {
		return fmt.Errorf("code fence %s left open", fence)
	}
	if !strings.HasSuffix(md, "\n") {
		return fmt.Errorf("does not end with a newline")
	}
	return nil
}

func TestMarkdownFitsEveryBudgetWhole(t *testing.T) {
	p := bigPlan()
	var b strings.Builder
	if err := (markdownView{maxChars: 1 << 30}).render(&b, p); err != nil {
		t.Fatal(err)
	}
	whole := b.String()
	if err := wholeMarkdown(whole); err != nil {
		t.Fatalf("unbounded: %v", err)
	}
	prev := 0
	for _, max := range []int{2000, 3000, 5000, 8000, 13000, 21000, 34000, 55000, 65000, utf8.RuneCountInString(whole)} {
		b.Reset()
		if err := (markdownView{maxChars: max}).render(&b, p); err != nil {
			t.Fatal(err)
		}
		md := b.String()
		n := utf8.RuneCountInString(md)
		if n > max {
			t.Errorf("budget %d: %d characters", max, n)
		}
		if err := wholeMarkdown(md); err != nil {
			t.Errorf("budget %d: %v", max, err)
		}
		for _, kept := range []string{"### alignctl plan:", "#### Policies", "| small-moves | soft |", "#### Balance", "Reproduce:"} {
			// Below what the kept parts need the comment ends early
			// (whole, and saying so).
			if max > 2000 && !strings.Contains(md, kept) {
				t.Errorf("budget %d: %q left out", max, kept)
			}
		}
		if n < prev {
			t.Errorf("budget %d: %d characters, fewer than a smaller budget's %d", max, n, prev)
		}
		prev = n
	}
	if b.String() != whole {
		t.Errorf("a budget of its own length changes the comment")
	}
}

// The rows a short budget keeps are the territories that move most.
func TestMarkdownKeepsTheLargestImpacts(t *testing.T) {
	p := bigPlan()
	var b strings.Builder
	if err := (markdownView{maxChars: 5000}).render(&b, p); err != nil {
		t.Fatal(err)
	}
	md := b.String()
	largest, smallest := p.Impact[0], p.Impact[0]
	for _, i := range p.Impact {
		if i.Gained+i.Lost > largest.Gained+largest.Lost {
			largest = i
		}
		if i.Gained+i.Lost < smallest.Gained+smallest.Lost {
			smallest = i
		}
	}
	row := func(i reconcile.TerritoryImpact) string {
		return fmt.Sprintf("| %s | +%d | -%d |", i.Territory, i.Gained, i.Lost)
	}
	if !strings.Contains(md, row(largest)) {
		t.Errorf("the largest impact %s is left out:\n%s", row(largest), md)
	}
	if strings.Contains(md, row(smallest)) {
		t.Errorf("the smallest impact %s is kept while larger ones fold:\n%s", row(smallest), md)
	}
	if !strings.Contains(md, "more territories: see the plan artifact") {
		t.Errorf("no count of the territories left out:\n%s", md)
	}
}
