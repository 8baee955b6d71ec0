package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/alignctl/alignctl/reconcile"
)

// policyViolationsShown is how many violations of one policy a text or
// Markdown view lists; the JSON plan holds all of them.
const policyViolationsShown = 10

// policyConsequence says what a violated policy of a level does to apply.
func policyConsequence(level string) string {
	switch level {
	case "hard":
		return "apply refuses the plan"
	case "soft":
		return "apply refuses the plan without --override"
	}
	return "a warning"
}

// policyVerdict is one result in words: "passed", "violated by 3 territories".
func policyVerdict(r reconcile.PolicyResult) string {
	if !r.Violated() {
		return "passed"
	}
	n := len(r.Violations)
	what := "territories"
	switch {
	case r.Violations[0].Account != "":
		what = "accounts"
	case r.Violations[0].Territory == "":
		return "violated"
	}
	if n == 1 {
		what = strings.TrimSuffix(strings.TrimSuffix(what, "ies"), "s")
		if what == "territor" {
			what = "territory"
		}
	}
	return fmt.Sprintf("violated by %d %s", n, what)
}

// textPolicies is the text view's block of policy results.
func (v textView) policies(w io.Writer, p *reconcile.Plan) {
	if len(p.PolicyResults) == 0 {
		return
	}
	fmt.Fprintf(w, "\nPolicies:\n")
	for _, r := range p.PolicyResults {
		line := fmt.Sprintf("  %s (%s): %s", r.Policy, r.Level, policyVerdict(r))
		if !r.Violated() {
			fmt.Fprintln(w, line)
			continue
		}
		line += "; " + policyConsequence(r.Level)
		colour := yellow
		if r.Level != "advisory" {
			colour = red
		}
		fmt.Fprintln(w, v.paint(colour, line))
		for i, x := range r.Violations {
			if i == policyViolationsShown {
				fmt.Fprintf(w, "      ... and %d more (alignctl plan --format json lists them all)\n", len(r.Violations)-i)
				break
			}
			fmt.Fprintf(w, "    %s\n", x.Message)
		}
	}
}
