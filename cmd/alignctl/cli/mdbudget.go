package cli

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// mdPart is one whole piece of a Markdown comment: a block that is kept
// (summary, policies, balance), a block that folds into one line when the
// budget is short (a <details> list, the config diff), or a table (or list)
// whose rows fold, the largest kept, into "and N more territories".
type mdPart struct {
	full   string
	folded string
	keep   bool
	table  *mdTable
}

// foldable is a block that folds into a line naming what it left out.
func foldable(full, what string) mdPart {
	return mdPart{full: full, folded: fmt.Sprintf("\n%s: left out to fit the comment; see the plan artifact\n", upperFirst(what))}
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// mdTable is a heading and header, and rows that each end in a newline.
type mdTable struct {
	head   string
	rows   []string
	weight []int  // how much each row matters: the largest are kept
	what   string // what a row is, plural: "territories"
	label  string // what the table holds, for the line that folds it whole
	list   bool   // a list rather than a table (the fold line joins it)
}

func (t *mdTable) add(row string, weight int) {
	t.rows = append(t.rows, row)
	t.weight = append(t.weight, weight)
}

// render is the table with the rows kept, in their order, and a line
// counting those left out; with none kept, one line that says what was left.
func (t *mdTable) render(kept []bool) string {
	var b strings.Builder
	left := 0
	for i, r := range t.rows {
		if kept[i] {
			b.WriteString(r)
		} else {
			left++
		}
	}
	if left == len(t.rows) {
		return t.folded()
	}
	return t.head + b.String() + t.more(left)
}

// folded is the table with every row left out.
func (t *mdTable) folded() string {
	return fmt.Sprintf("\n%s (%d): left out to fit the comment; see the plan artifact\n", upperFirst(t.label), len(t.rows))
}

// more is the line after a table for the rows left out; a blank line
// first ends the table (a list item takes it as its own).
func (t *mdTable) more(left int) string {
	switch {
	case left == 0:
		return ""
	case t.list:
		return fmt.Sprintf("- and %d more %s: see the plan artifact\n", left, t.what)
	}
	return fmt.Sprintf("\nand %d more %s: see the plan artifact\n", left, t.what)
}

func chars(s string) int { return utf8.RuneCountInString(s) }

// fitMarkdown joins parts into a comment of at most max characters. Every
// part is whole Markdown, so whatever is kept or folded leaves no table,
// code fence or <details> open. The kept parts and the folded forms come
// first; then, while the budget allows, table rows, largest first, and
// the folded blocks in the order they show. Should even that not fit (a
// plan violating thousands of policies), the comment ends at the last part
// that fits, with a line that says so.
func fitMarkdown(parts []mdPart, max int) string {
	kept := make([][]bool, len(parts))
	full := make([]bool, len(parts))
	used := 0
	for i, p := range parts {
		switch {
		case p.table != nil:
			kept[i] = make([]bool, len(p.table.rows))
			used += chars(p.table.render(kept[i]))
		case p.keep:
			full[i] = true
			used += chars(p.full)
		default:
			used += chars(p.folded)
		}
	}
	for i, p := range parts {
		t := p.table
		if t == nil {
			continue
		}
		order := make([]int, len(t.rows))
		for j := range order {
			order[j] = j
		}
		slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(t.weight[b], t.weight[a]) })
		left := len(t.rows)
		for _, j := range order {
			cost := chars(t.rows[j]) + chars(t.more(left-1)) - chars(t.more(left))
			if left == len(t.rows) { // the first row brings the heading in place of the folded line
				cost = chars(t.head) + chars(t.rows[j]) + chars(t.more(left-1)) - chars(t.folded())
			}
			if used+cost > max {
				break
			}
			kept[i][j] = true
			used += cost
			left--
		}
	}
	for i, p := range parts {
		if p.table == nil && !p.keep {
			if cost := chars(p.full) - chars(p.folded); used+cost <= max {
				full[i] = true
				used += cost
			}
		}
	}
	var b strings.Builder
	const cut = "\n*The comment ends here to fit its budget: the whole plan is in the plan artifact.*\n"
	n := 0
	for i, p := range parts {
		var s string
		switch {
		case p.table != nil:
			s = p.table.render(kept[i])
		case full[i]:
			s = p.full
		default:
			s = p.folded
		}
		if n+chars(s)+chars(cut) > max && used > max {
			b.WriteString(cut)
			break
		}
		b.WriteString(s)
		n += chars(s)
	}
	return b.String()
}

// withMaxChars sets the budget of the Markdown view (plan --max-chars); the
// other views have none, and a flag that did nothing would mislead.
func withMaxChars(v planView, max int) (planView, error) {
	md, ok := v.(markdownView)
	if !ok {
		return nil, fmt.Errorf("--max-chars is for --format markdown only")
	}
	if max < minMaxChars {
		return nil, fmt.Errorf("--max-chars %d: must be at least %d (the summary and the policy results need room)", max, minMaxChars)
	}
	md.maxChars = max
	return md, nil
}

// minMaxChars is the smallest budget: a summary and a few policies.
const minMaxChars = 2000
