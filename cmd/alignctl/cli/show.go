package cli

import (
	"encoding/csv"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/alignctl/alignctl/query"
)

func showCmd(g *globals) *cobra.Command {
	var account, territory, at, format string
	cmd := &cobra.Command{
		Use:   "show [summary|assignments|imports|pushes|overrides|plan FILE]",
		Short: "Show what the state holds: a summary, the assignments as they stand (or stood, with --at), the import, push or policy override history; or a saved plan",
		Args:  cobra.RangeArgs(0, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			what := "summary"
			if len(args) > 0 {
				what = args[0]
			}
			if what == "plan" {
				if len(args) != 2 {
					return fmt.Errorf("show plan needs the saved plan: alignctl show plan FILE")
				}
				return g.showPlan(cmd, args[1], format)
			}
			if len(args) > 1 {
				return fmt.Errorf("show %s takes no file: only show plan FILE does", what)
			}
			if format != "text" && format != "json" && format != "csv" {
				return fmt.Errorf("--format %q: must be text, json or csv", format)
			}
			if err := showFlagsFit(cmd, what); err != nil {
				return err
			}
			db, err := g.openStateReadOnly(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			switch what {
			case "summary":
				return g.showSummary(cmd, db, format)
			case "imports":
				runs, err := db.Imports(cmd.Context())
				if err != nil {
					return err
				}
				return g.showImports(runs, format)
			case "pushes":
				runs, err := db.Pushes(cmd.Context(), false)
				if err != nil {
					return err
				}
				failures, err := db.PushFailures(cmd.Context())
				if err != nil {
					return err
				}
				return g.showPushes(runs, failures, format)
			case "overrides":
				os, err := db.Overrides(cmd.Context())
				if err != nil {
					return err
				}
				return g.showOverrides(os, format)
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
			return fmt.Errorf("show %q: must be summary, assignments, imports, pushes or overrides", what)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&account, "account", "", "only this account")
	fl.StringVar(&territory, "territory", "", "only this territory")
	fl.StringVar(&at, "at", "", "the alignment as it stood (or will stand) at this time, RFC 3339")
	fl.StringVar(&format, "format", "text", "text, json or csv (show plan: "+strings.Join(planFormats, ", ")+")")
	return cmd
}

// showFlagsFit refuses the filters a view does not take: only the
// assignments narrow by account, territory and time, and a filter that
// silently did nothing would show more than was asked for.
func showFlagsFit(cmd *cobra.Command, what string) error {
	switch what {
	case "summary", "imports", "pushes", "overrides":
	case "assignments":
		return nil
	default:
		return fmt.Errorf("show %q: must be summary, assignments, imports, pushes or overrides", what)
	}
	var given []string
	for _, name := range []string{"account", "territory", "at"} {
		if cmd.Flags().Changed(name) {
			given = append(given, "--"+name)
		}
	}
	if len(given) == 0 {
		return nil
	}
	return fmt.Errorf("show %s does not take %s: only show assignments narrows by account, territory or time", what, strings.Join(given, ", "))
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

func (g *globals) showSummary(cmd *cobra.Command, db *query.DB, format string) error {
	now, err := g.Now()
	if err != nil {
		return err
	}
	s, err := db.Summary(cmd.Context(), now)
	if err != nil {
		return err
	}
	switch format {
	case "json":
		return writeJSON(g.stdout, s)
	case "csv":
		return fmt.Errorf("--format csv: show summary is text or json")
	}
	fmt.Fprintf(g.stdout, "state serial: %d\n", s.Serial)
	applied := orNone(s.AppliedConfig)
	if s.AppliedAt != nil {
		applied += " at " + fmtTime(*s.AppliedAt)
	}
	fmt.Fprintf(g.stdout, "applied config: %s\n", applied)
	tw := tabwriter.NewWriter(g.stdout, 0, 0, 2, ' ', 0)
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
		fmt.Fprintln(g.stdout)
		return g.showOverrides(s.Overrides, "text")
	}
	return nil
}

func (g *globals) showImports(runs []query.ImportRun, format string) error {
	switch format {
	case "json":
		return writeJSON(g.stdout, struct {
			Imports []query.ImportRun `json:"imports"`
		}{append([]query.ImportRun{}, runs...)})
	case "csv":
		w := csv.NewWriter(g.stdout)
		w.Write([]string{"instance", "object", "started_at", "full", "read", "successes", "errors", "first_error", "watermark", "watermark_source"})
		for _, r := range runs {
			at, from := watermarkText(r.Watermark)
			w.Write([]string{r.Instance, r.Object, fmtTime(r.StartedAt), fmt.Sprint(r.Full), fmt.Sprint(r.Read), fmt.Sprint(r.Successes), fmt.Sprint(r.Errors), r.FirstError, at, from})
		}
		w.Flush()
		return w.Error()
	}
	tw := tabwriter.NewWriter(g.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "STARTED\tINSTANCE\tOBJECT\tMODE\tREAD\tLOADED\tERRORS\tWATERMARK\tFROM\tFIRST ERROR")
	for _, r := range runs {
		mode := "incremental"
		if r.Full {
			mode = "full"
		}
		at, from := watermarkText(r.Watermark)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%d\t%s\t%s\t%s\n", fmtTime(r.StartedAt), r.Instance, r.Object, mode, r.Read, r.Successes, r.Errors, orDash(at), orDash(from), r.FirstError)
	}
	return tw.Flush()
}

// watermarkText is an import run's watermark and where it came from: ""
// for a run of an older alignctl, which kept none apart from its start;
// at is "" too while no record of the object has been read.
func watermarkText(wm *query.Watermark) (at, from string) {
	if wm == nil {
		return "", ""
	}
	if !wm.At.IsZero() {
		at = fmtTime(wm.At)
	}
	return at, wm.Source
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func (g *globals) showPushes(runs []query.PushRun, failures []query.PushFailure, format string) error {
	switch format {
	case "json":
		return writeJSON(g.stdout, struct {
			Pushes   []query.PushRun     `json:"pushes"`
			Failures []query.PushFailure `json:"failures"`
		}{append([]query.PushRun{}, runs...), append([]query.PushFailure{}, failures...)})
	case "csv":
		w := csv.NewWriter(g.stdout)
		w.Write([]string{"instance", "started_at", "scope", "created", "updated", "deleted", "failed", "success"})
		for _, r := range runs {
			w.Write([]string{r.Instance, fmtTime(r.StartedAt), r.Scope, fmt.Sprint(r.Created), fmt.Sprint(r.Updated), fmt.Sprint(r.Deleted), fmt.Sprint(r.Failed), fmt.Sprint(r.Success)})
		}
		w.Flush()
		return w.Error()
	}
	tw := tabwriter.NewWriter(g.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "STARTED\tINSTANCE\tSCOPE\tCREATED\tUPDATED\tDELETED\tFAILED")
	for _, r := range runs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%d\n", fmtTime(r.StartedAt), r.Instance, orAll(r.Scope), r.Created, r.Updated, r.Deleted, r.Failed)
	}
	if len(failures) > 0 {
		fmt.Fprintln(tw, "\nFAILED RECORDS (the next push retries them)\nINSTANCE\tOBJECT\tRECORD\tACTION\tMESSAGE")
		for _, f := range failures {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", f.Instance, f.Object, f.Record, f.Action, f.Message)
		}
	}
	return tw.Flush()
}

func orAll(scope string) string {
	if scope == "" {
		return "(all)"
	}
	return scope
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
