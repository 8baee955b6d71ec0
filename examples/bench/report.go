package main

import (
	"fmt"
	"os"
	"strings"
	"time"
)

// The report: one column per size, side by side, and the targets of
// DESIGN.md section 9 checked against the run.

const (
	markStart = "<!-- bench:start -->"
	markEnd   = "<!-- bench:end -->"
)

type report struct {
	command, machine string
	started          time.Time
	loadEnd          string
	sizes            []*sizeResult
}

func (rep *report) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Measured %s on %s; load average %s at the end.\n\n",
		rep.started.UTC().Format("2006-01-02 15:04 MST"), rep.machine, rep.loadEnd)
	fmt.Fprintf(&b, "Reproduce: `%s`\n\n", rep.command)
	b.WriteString("| |")
	for _, r := range rep.sizes {
		fmt.Fprintf(&b, " %s accounts · %s |", short(r.accounts), r.mix)
	}
	b.WriteString("\n|---|")
	for range rep.sizes {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	row := func(label string, cell func(r *sizeResult) string) {
		fmt.Fprintf(&b, "| %s |", label)
		for _, r := range rep.sizes {
			fmt.Fprintf(&b, " %s |", cell(r))
		}
		b.WriteString("\n")
	}
	row("territories / criteria / rules", func(r *sizeResult) string {
		return fmt.Sprintf("%s / %s / %s", thousands(r.territories), thousands(r.criteria), thousands(r.rules))
	})
	row("snapshot records (CSV size)", func(r *sizeResult) string {
		return fmt.Sprintf("%s (%.1f GB)", thousands(int(r.rows)), float64(r.bytes)/1e9)
	})
	for _, name := range []string{stepGenerate, stepValidate, stepImportAccounts, stepImport, stepPlan, stepApply, stepPush, stepReplan, stepChanged1pct, stepChanged1pctFull, stepChanged1pctBase, stepChanged} {
		label := name
		switch name {
		case stepGenerate:
			label = "generate (examples/scale)"
		case stepPush:
			label = "push (file CRM)"
		case stepImport:
			label = "import (the whole snapshot)"
		}
		row(label, func(r *sizeResult) string { return cell(r.step(name)) })
	}
	row("first plan: assignment changes", func(r *sizeResult) string { return r.step(stepPlan).changes })
	row("first plan: plan file", func(r *sizeResult) string {
		if r.planBytes == 0 {
			return "—"
		}
		return fmt.Sprintf("%.0f MB", float64(r.planBytes)/1e6)
	})
	row("1% change: assignment changes", func(r *sizeResult) string { return r.step(stepChanged1pct).changes })
	row("**1% change: plan --base ÷ plain plan**", func(r *sizeResult) string {
		if ratio, ok := r.baseRatio(); ok {
			return fmt.Sprintf("**%.2fx**", ratio)
		}
		return "—"
	})
	row("one-rule change: assignment changes", func(r *sizeResult) string { return r.step(stepChanged).changes })
	row("baseline: load + query", func(r *sizeResult) string {
		if !r.baselineStep.ran {
			return "—"
		}
		return fmt.Sprintf("%s + %s = **%s** · %s", secs(r.baseline.Load), secs(r.baseline.Query),
			secs(r.baseline.Load+r.baseline.Query), gibs(r.baselineStep.maxRSS))
	})
	row("baseline: pairs matched (account rules covered)", func(r *sizeResult) string {
		if !r.baselineStep.ran {
			return "—"
		}
		return baselineCoverage(r.baseline)
	})
	row("**first plan ÷ baseline**", func(r *sizeResult) string {
		if ratio, ok := r.ratio(); ok {
			return fmt.Sprintf("**%.1fx**", ratio)
		}
		return "—"
	})
	row("first plan, seconds per million accounts", func(r *sizeResult) string {
		s := r.step(stepPlan)
		if !s.ran {
			return "—"
		}
		return fmt.Sprintf("%.1f", s.wall.Seconds()/(float64(r.accounts)/1e6))
	})
	row("largest peak RSS (step)", func(r *sizeResult) string {
		top := r.largest()
		if !top.ran {
			return "—"
		}
		return fmt.Sprintf("%s (%s)", gibs(top.maxRSS), top.name)
	})
	row("errors", func(r *sizeResult) string {
		if r.err == nil {
			return "none"
		}
		return strings.ReplaceAll(r.err.Error(), "|", `\|`)
	})
	b.WriteString("\nEach cell is wall time · peak RSS of the child process. ")
	b.WriteString("The baseline's YAML read is not part of it; the plan's is.\n\n")
	b.WriteString("Targets (issue 18; DESIGN.md section 9):\n\n")
	for _, t := range rep.targets() {
		fmt.Fprintf(&b, "- %s\n", t)
	}
	return b.String()
}

// baselineCoverage is the baseline's pairs and the account rules it covers
// of those the config has: a ratio against a baseline that leaves rules out
// flatters the plan.
func baselineCoverage(b baselineResult) string {
	if b.Account == 0 {
		return fmt.Sprintf("%s (%s)", thousands(int(b.Pairs)), thousands(b.Rules))
	}
	return fmt.Sprintf("%s (%s of %s)", thousands(int(b.Pairs)), thousands(b.Rules), thousands(b.Account))
}

func (r *sizeResult) ratio() (float64, bool) {
	p, base := r.step(stepPlan), r.baseline.Load+r.baseline.Query
	if !p.ran || !r.baselineStep.ran || base <= 0 {
		return 0, false
	}
	return p.wall.Seconds() / base.Seconds(), true
}

// baseRatio is the pull request's plan of the 1% change (plan --base) over
// the plain plan of the same change.
func (r *sizeResult) baseRatio() (float64, bool) {
	plain, base := r.step(stepChanged1pct), r.step(stepChanged1pctBase)
	if !plain.ran || !base.ran || plain.wall <= 0 {
		return 0, false
	}
	return base.wall.Seconds() / plain.wall.Seconds(), true
}

// largest is the step of the alignctl cycle with the highest peak RSS.
func (r *sizeResult) largest() step {
	var top step
	for _, s := range r.steps {
		if s.name != stepGenerate && s.ran && s.maxRSS > top.maxRSS {
			top = s
		}
	}
	return top
}

// targets checks each target of issue 18 (and DESIGN.md section 9) at the
// size it names, on every mix this run has.
func (rep *report) targets() []string {
	verdict := func(ok bool) string {
		if ok {
			return "**met**"
		}
		return "**missed**"
	}
	var out []string
	measured := map[int]bool{}
	for _, r := range rep.sizes {
		measured[r.accounts] = true
		where := short(r.accounts) + " " + r.mix
		if r.accounts == 1_000_000 || r.accounts == 5_000_000 {
			if ratio, ok := r.ratio(); ok {
				out = append(out, fmt.Sprintf("%s: first plan within 2x the baseline: %.1fx, %s.", where, ratio, verdict(ratio <= 2)))
			}
		}
		first, changed := r.step(stepPlan), r.step(stepChanged1pct)
		if first.ran && (changed.ran || changed.killed) {
			share := changed.wall.Seconds() / first.wall.Seconds()
			out = append(out, fmt.Sprintf("%s: plan after a 1%% rule change at most a quarter of the first plan: %s against %s (%.2f), %s.",
				where, secs(changed.wall), secs(first.wall), share, verdict(changed.ran && share <= 0.25)))
		}
		if base := r.step(stepChanged1pctBase); base.killed {
			out = append(out, fmt.Sprintf("%s: plan --base at most 1.3x the plain plan of the same change: %s, **missed**.", where, cell(base)))
		} else if ratio, ok := r.baseRatio(); ok {
			out = append(out, fmt.Sprintf("%s: plan --base at most 1.3x the plain plan of the same change: %s against %s (%.2fx), %s.",
				where, secs(base.wall), secs(changed.wall), ratio, verdict(ratio <= 1.3)))
		}
		if r.accounts != 5_000_000 {
			continue
		}
		if s := r.step(stepReplan); s.ran || s.killed {
			out = append(out, fmt.Sprintf("%s: no-change re-plan under 5 s: %s, %s.", where, cell(s), verdict(s.ran && s.wall < 5*time.Second)))
		}
		if changed.ran || changed.killed {
			out = append(out, fmt.Sprintf("%s: plan after a 1%% rule change under 5 s: %s, %s.", where, cell(changed), verdict(changed.ran && changed.wall < 5*time.Second)))
		}
		if s := r.step(stepApply); s.ran || s.killed {
			out = append(out, fmt.Sprintf("%s: apply of the first plan under 15 s: %s, %s.", where, cell(s), verdict(s.ran && s.wall < 15*time.Second)))
		}
		if s := r.step(stepImport); s.ran || s.killed {
			out = append(out, fmt.Sprintf("%s: import of the whole snapshot (%s records) under 25 s: %s, %s.", where, thousands(int(r.rows)), cell(s), verdict(s.ran && s.wall < 25*time.Second)))
		}
		if top := r.largest(); top.ran {
			out = append(out, fmt.Sprintf("%s: peak RSS under 5 GiB in every step: %s (%s), %s.", where, gibs(top.maxRSS), top.name, verdict(gib(top.maxRSS) < 5)))
		}
	}
	if !measured[5_000_000] {
		out = append(out, "5M targets (re-plan and 1% change under 5 s, apply under 15 s, import under 25 s, peak RSS under 5 GiB): not measured in this run.")
	}
	if len(rep.sizes) > 1 {
		var per []string
		for _, r := range rep.sizes {
			if s := r.step(stepPlan); s.ran {
				per = append(per, fmt.Sprintf("%.1f s at %s %s", s.wall.Seconds()/(float64(r.accounts)/1e6), short(r.accounts), r.mix))
			}
		}
		out = append(out, "First plan per million accounts: "+strings.Join(per, ", ")+".")
	}
	return out
}

func cell(s step) string {
	if s.killed {
		return fmt.Sprintf("killed after %s", secs(s.wall))
	}
	if !s.ran {
		return "—"
	}
	return secs(s.wall) + " · " + gibs(s.maxRSS)
}

func secs(d time.Duration) string {
	if d < 10*time.Second {
		return fmt.Sprintf("%.2f s", d.Seconds())
	}
	return fmt.Sprintf("%.1f s", d.Seconds())
}

func gibs(kib int64) string { return fmt.Sprintf("%.2f GiB", gib(kib)) }

func short(n int) string {
	switch {
	case n%1_000_000 == 0:
		return fmt.Sprintf("%dM", n/1_000_000)
	case n%1_000 == 0:
		return fmt.Sprintf("%dk", n/1_000)
	}
	return thousands(n)
}

func thousands(n int) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// writeDoc puts the table between the markers, or appends a section with
// them, leaving the rest of the doc as it is.
func writeDoc(path, table string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	doc := string(b)
	block := markStart + "\n" + table + markEnd
	i, j := strings.Index(doc, markStart), strings.Index(doc, markEnd)
	if i >= 0 && j > i {
		doc = doc[:i] + block + doc[j+len(markEnd):]
	} else {
		doc = strings.TrimRight(doc, "\n") + "\n\n## The CLI at scale (`make bench`)\n\n" + block + "\n"
	}
	return os.WriteFile(path, []byte(doc), 0o644)
}
