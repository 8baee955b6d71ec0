package cli

import (
	"encoding/csv"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/alignctl/alignctl/query"
)

func showCmd(g *globals) *cobra.Command {
	var account, territory, at, format string
	cmd := &cobra.Command{
		Use:   "show [summary|assignments]",
		Short: "Show what the state holds: a summary, or the assignments as they stand (or stood, with --at)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			what := "summary"
			if len(args) == 1 {
				what = args[0]
			}
			if format != "text" && format != "json" && format != "csv" {
				return fmt.Errorf("--format %q: must be text, json or csv", format)
			}
			db, err := g.openState(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			switch what {
			case "summary":
				return g.showSummary(cmd, db)
			case "assignments":
				var atTime *time.Time
				if at != "" {
					t, err := time.Parse(time.RFC3339, at)
					if err != nil {
						return fmt.Errorf("--at %q: not an RFC 3339 time", at)
					}
					atTime = &t
				}
				as, err := db.Assignments(cmd.Context(), query.AssignmentFilter{Account: account, Territory: territory, At: atTime})
				if err != nil {
					return err
				}
				return g.showAssignments(as, format)
			}
			return fmt.Errorf("show %q: must be summary or assignments", what)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&account, "account", "", "only this account")
	fl.StringVar(&territory, "territory", "", "only this territory")
	fl.StringVar(&at, "at", "", "the alignment as it stood (or will stand) at this time, RFC 3339")
	fl.StringVar(&format, "format", "text", "text, json or csv")
	return cmd
}

type assignmentJSON struct {
	ID          string     `json:"id"`
	Account     string     `json:"account"`
	Territory   string     `json:"territory"`
	Source      string     `json:"source"`
	Rule        *string    `json:"rule"`
	StartDate   time.Time  `json:"start_date"`
	EndDate     *time.Time `json:"end_date"`
	CRMRecordID *string    `json:"crm_record_id"`
}

func (g *globals) showAssignments(as []query.Assignment, format string) error {
	switch format {
	case "json":
		out := struct {
			Assignments []assignmentJSON `json:"assignments"`
		}{Assignments: []assignmentJSON{}}
		for _, a := range as {
			j := assignmentJSON{ID: a.ID, Account: a.Account, Territory: a.Territory, Source: a.Source, StartDate: a.Start, EndDate: a.End}
			if a.Rule != "" {
				j.Rule = &a.Rule
			}
			if a.CRMRecordID != "" {
				j.CRMRecordID = &a.CRMRecordID
			}
			out.Assignments = append(out.Assignments, j)
		}
		return writeJSON(g.stdout, out)
	case "csv":
		w := csv.NewWriter(g.stdout)
		w.Write([]string{"id", "account", "territory", "source", "rule", "start_date", "end_date", "crm_record_id"})
		for _, a := range as {
			end := ""
			if a.End != nil {
				end = fmtTime(*a.End)
			}
			w.Write([]string{a.ID, a.Account, a.Territory, a.Source, a.Rule, fmtTime(a.Start), end, a.CRMRecordID})
		}
		w.Flush()
		return w.Error()
	}
	tw := tabwriter.NewWriter(g.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tACCOUNT\tTERRITORY\tSOURCE\tRULE\tSTART\tEND\tCRM RECORD")
	for _, a := range as {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", a.ID, a.Account, a.Territory, a.Source, a.Rule, fmtTime(a.Start), fmtEnd(a.End), a.CRMRecordID)
	}
	return tw.Flush()
}

func (g *globals) showSummary(cmd *cobra.Command, db *query.DB) error {
	now, err := g.Now()
	if err != nil {
		return err
	}
	s, err := db.Summary(cmd.Context(), now)
	if err != nil {
		return err
	}
	fmt.Fprintf(g.stdout, "state serial: %d\n", s.Serial)
	fmt.Fprintf(g.stdout, "applied config: %s\n", orNone(s.AppliedConfig))
	tw := tabwriter.NewWriter(g.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "\nINSTANCE\tOBJECT\tLAST IMPORT\tLOADED THEN\tROWS IN STATE")
	for _, o := range s.Objects {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\n", o.Instance, o.Object, fmtTime(o.LastImport.UTC()), o.LastLoaded, o.Rows)
	}
	fmt.Fprintln(tw, "\nSOURCE\tACTIVE ASSIGNMENTS")
	for _, c := range s.Sources {
		fmt.Fprintf(tw, "%s\t%d\n", c.Source, c.Active)
	}
	return tw.Flush()
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
