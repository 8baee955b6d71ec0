package cli

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/alignctl/alignctl/reconcile"
)

// driftView renders a drift report, as planView renders a plan.
type driftView = view[*reconcile.DriftReport]

func newDriftView(format string) driftView { return byFormat(format, driftText{}, driftJSON{}) }

// driftJSON is the report as reconcile defines it (docs/adopt-drift.md).
type driftJSON struct{}

func (driftJSON) render(w io.Writer, rep *reconcile.DriftReport) error { return writeJSON(w, rep) }

// driftText is one line per record, its changed fields beneath it.
type driftText struct{}

func (driftText) render(w io.Writer, rep *reconcile.DriftReport) error {
	for _, s := range rep.Instances {
		last := "never"
		if s.LastPush != nil {
			last = s.LastPush.Format("2006-01-02T15:04:05Z07:00")
		}
		fmt.Fprintf(w, "instance %s: last push %s\n", s.Instance, last)
		for _, n := range s.Notes {
			fmt.Fprintf(w, "  note: %s\n", n)
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if len(rep.Drift) == 0 {
		fmt.Fprintln(tw, "\nNo drift: the CRM holds what alignctl last pushed.")
	} else {
		fmt.Fprintln(tw, "\nDrift (after an import, the next push restores what the config says, except where noted):")
		fmt.Fprintln(tw, "  KIND\tINSTANCE\tOBJECT\tRECORD\tKEY")
		for _, e := range rep.Drift {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", e.Kind, e.Instance, e.Object, dash(e.Record), e.Key)
			if !e.Restorable {
				fmt.Fprintf(tw, "  \t\t\t\t  %s\n", notRestored(e))
			}
			for _, c := range e.Changes {
				fmt.Fprintf(tw, "  \t\t\t\t  %s: pushed %q, CRM %q\n", c.Field, c.Pushed, c.CRM)
			}
		}
	}
	if len(rep.SelfAssignments) > 0 {
		fmt.Fprintln(tw, "\nSelf-assignments made in the CRM (expected; the next import takes them in as crm assignments):")
		for _, e := range rep.SelfAssignments {
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", e.Instance, e.Record, e.Key)
		}
	}
	fmt.Fprintf(tw, "\n%d deleted, %d added, %d changed; %d self-assignments.\n",
		rep.Summary[reconcile.DriftDeleted], rep.Summary[reconcile.DriftAdded], rep.Summary[reconcile.DriftChanged], rep.Summary["self_assignments"])
	return tw.Flush()
}

func dash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}

// notRestored says why a push leaves a drifted record as the CRM has it.
func notRestored(e reconcile.DriftEntry) string {
	if e.Kind == reconcile.DriftAdded {
		return "push leaves it: alignctl deletes no territory__v record it never pushed; add the territory to the config, or delete it in the CRM"
	}
	return "push leaves it: the record now names another account or territory; end the assignment in the config, or fix the record in the CRM"
}
