package cli

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/alignctl/alignctl/query"
)

// summaryView renders show summary, as planView renders a plan. It has
// no csv: the summary is several tables.
type summaryView = view[*query.StateSummary]

func newSummaryView(format string) summaryView {
	return showView[*query.StateSummary](format, summaryText{}, summaryJSON{}, nil)
}

// summaryJSON is the summary as query defines it, after its
// format_version (docs/command-json.md).
type summaryJSON struct{}

func (summaryJSON) render(w io.Writer, s *query.StateSummary) error { return writeVersioned(w, s) }

// summaryText is the serial and applied config, then a table each of the
// imports, the last pushes, the sources, the territories and the overrides.
type summaryText struct{}

func (summaryText) render(w io.Writer, s *query.StateSummary) error {
	fmt.Fprintf(w, "state serial: %d\n", s.Serial)
	applied := orNone(s.AppliedConfig)
	if s.AppliedAt != nil {
		applied += " at " + fmtTime(*s.AppliedAt)
	}
	fmt.Fprintf(w, "applied config: %s\n", applied)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "\nINSTANCE\tOBJECT\tLAST IMPORT\tLOADED THEN\tROWS IN STATE")
	for _, o := range s.Objects {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\n", o.Instance, o.Object, fmtTime(o.LastImport.UTC()), o.LastLoaded, o.Rows)
	}
	if len(s.Pushes) > 0 {
		fmt.Fprintln(tw, "\nINSTANCE\tLAST PUSH\tSCOPE\tCREATED\tUPDATED\tDELETED\tFAILED")
		for _, p := range s.Pushes {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%d\n", p.Instance, fmtTime(p.StartedAt), orAll(p.Scope), p.Created, p.Updated, p.Deleted, p.Failed)
		}
	}
	fmt.Fprintln(tw, "\nSOURCE\tACTIVE ASSIGNMENTS")
	for _, c := range s.Sources {
		fmt.Fprintf(tw, "%s\t%d\n", c.Source, c.Active)
	}
	if len(s.Territories) > 0 {
		fmt.Fprintln(tw, "\nTERRITORY\tACCOUNTS\tRECORDS\tIN CRM")
		for _, t := range s.Territories {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\n", t.Territory, t.Accounts, t.Records, t.Pushed)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(s.Overrides) > 0 {
		fmt.Fprintln(w)
		return overridesText().render(w, s.Overrides)
	}
	return nil
}
