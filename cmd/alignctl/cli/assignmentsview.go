package cli

import (
	"encoding/csv"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/alignctl/alignctl/query"
)

// assignmentsView renders show assignments, as planView renders a plan.
type assignmentsView = view[[]query.Assignment]

func newAssignmentsView(format string) assignmentsView {
	return showView[[]query.Assignment](format, assignmentsText{}, assignmentsJSON{}, assignmentsCSV{})
}

type assignmentsText struct{}

func (assignmentsText) render(w io.Writer, as []query.Assignment) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tACCOUNT\tTERRITORY\tSOURCE\tRULE\tSTART\tEND\tCRM RECORD")
	for _, a := range as {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", a.ID, a.Account, a.Territory, a.Source, a.Rule, fmtTime(a.Start), fmtEnd(a.End), a.CRMRecordID)
	}
	return tw.Flush()
}

// assignmentJSON is one assignment record (docs/command-json.md): a rule
// and a CRM record id it lacks are null, not "".
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

type assignmentsJSON struct{}

func (assignmentsJSON) render(w io.Writer, as []query.Assignment) error {
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
	return writeJSON(w, out)
}

type assignmentsCSV struct{}

func (assignmentsCSV) render(w io.Writer, as []query.Assignment) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"id", "account", "territory", "source", "rule", "start_date", "end_date", "crm_record_id"})
	for _, a := range as {
		end := ""
		if a.End != nil {
			end = fmtTime(*a.End)
		}
		cw.Write([]string{a.ID, a.Account, a.Territory, a.Source, a.Rule, fmtTime(a.Start), end, a.CRMRecordID})
	}
	cw.Flush()
	return cw.Error()
}
