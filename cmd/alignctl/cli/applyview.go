package cli

import (
	"fmt"
	"io"
	"time"

	"github.com/alignctl/alignctl/reconcile"
)

// applyResult is what an apply wrote, what it says beside (advisory
// policies broken, overrides recorded, guardrails let through) and, with
// --push, the push after it.
type applyResult struct {
	Now         time.Time
	Summary     reconcile.Summary
	Overrides   []recordedOverride
	Diagnostics []diagnostic
	Push        *pushResult
}

// recordedOverride is a soft policy the apply broke with --override.
type recordedOverride struct {
	Policy string `json:"policy"`
	Reason string `json:"reason"`
	Actor  string `json:"actor"`
}

func newApplyResult(p *reconcile.Plan, overrides []reconcile.Override, who string) *applyResult {
	r := &applyResult{Now: p.Now, Summary: p.Summary, Overrides: []recordedOverride{}, Diagnostics: []diagnostic{}}
	for _, pr := range p.PolicyResults {
		if !pr.Violated() {
			continue
		}
		switch pr.Level {
		case "advisory":
			r.Diagnostics = append(r.Diagnostics, diagnostic{severityWarning,
				fmt.Sprintf("advisory policy %s is violated by %d (%s)", pr.Policy, len(pr.Violations), pr.Violations[0].Message)})
		case "soft":
			for _, ov := range overrides {
				if ov.Policy == pr.Policy {
					r.Overrides = append(r.Overrides, recordedOverride{ov.Policy, ov.Reason, who})
					r.Diagnostics = append(r.Diagnostics, diagnostic{severityNote,
						fmt.Sprintf("policy %s overridden by %s: %s", pr.Policy, who, ov.Reason)})
				}
			}
		}
	}
	if n := len(p.GuardrailViolations); n > 0 {
		r.Diagnostics = append(r.Diagnostics, diagnostic{severityWarning,
			fmt.Sprintf("applied with %d guardrail violations (--allow-violations)", n)})
	}
	return r
}

// applyView renders an apply, as planView renders a plan.
type applyView = view[*applyResult]

func (g *globals) applyView(format string) applyView {
	return byFormat(format, applyText{stderr: g.stderr}, applyJSON{})
}

// applyText is the one-line summary on stdout and the diagnostics on
// stderr, then the push's text view.
type applyText struct{ stderr io.Writer }

func (v applyText) render(w io.Writer, r *applyResult) error {
	s := r.Summary
	fmt.Fprintf(w, "Applied: %d created, %d ended, %d updated, %d territory changes. %d CRM records to push.\n",
		s.Create, s.End, s.Update, s.TerritoryChange, s.CRMChanges+s.PendingPush)
	textDiagnostics(v.stderr, r.Diagnostics)
	if r.Push == nil {
		return nil
	}
	return pushText(v).render(w, r.Push)
}

type applyJSON struct{}

// applySummaryJSON counts what the apply wrote (docs/command-json.md).
type applySummaryJSON struct {
	Create           int `json:"create"`
	End              int `json:"end"`
	Update           int `json:"update"`
	TerritoryChanges int `json:"territory_changes"`
	CRMRecordsToPush int `json:"crm_records_to_push"`
}

func (applyJSON) render(w io.Writer, r *applyResult) error {
	s := r.Summary
	out := struct {
		FormatVersion string             `json:"format_version"`
		Now           string             `json:"now"`
		Summary       applySummaryJSON   `json:"summary"`
		Overrides     []recordedOverride `json:"overrides"`
		Diagnostics   []diagnostic       `json:"diagnostics"`
		Push          *pushJSONBody      `json:"push,omitempty"`
	}{commandJSONVersion, fmtTime(r.Now),
		applySummaryJSON{s.Create, s.End, s.Update, s.TerritoryChange, s.CRMChanges + s.PendingPush},
		r.Overrides, r.Diagnostics, nil}
	if r.Push != nil {
		b := pushJSONOf(r.Push)
		out.Push = &b
	}
	return writeJSON(w, out)
}
