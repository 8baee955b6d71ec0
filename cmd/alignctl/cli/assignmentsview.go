package cli

import (
	"fmt"
	"io"
	"time"

	"github.com/alignctl/alignctl/query"
)

// assignmentsView renders show assignments, as planView renders a plan.
type assignmentsView = view[[]query.Assignment]

func newAssignmentsView(format string) assignmentsView {
	text := textTable[query.Assignment]{
		header: "ID\tACCOUNT\tTERRITORY\tSOURCE\tRULE\tSTART\tEND\tCRM RECORD",
		row: func(a query.Assignment) string {
			return fmt.Sprintf("%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s", a.ID, a.Account, a.Territory, a.Source, a.Rule, fmtTime(a.Start), fmtEnd(a.End), a.CRMRecordID)
		},
	}
	csv := csvTable[query.Assignment]{
		header: []string{"id", "account", "territory", "source", "rule", "start_date", "end_date", "crm_record_id"},
		row: func(a query.Assignment) []string {
			end := ""
			if a.End != nil {
				end = fmtTime(*a.End)
			}
			return []string{a.ID, a.Account, a.Territory, a.Source, a.Rule, fmtTime(a.Start), end, a.CRMRecordID}
		},
	}
	return showView(format, text, assignmentsJSON{}, csv)
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

// assignmentsJSON is {"format_version": "1", "assignments": [...]}.
type assignmentsJSON struct{}

func (assignmentsJSON) render(w io.Writer, as []query.Assignment) error {
	out := make([]assignmentJSON, 0, len(as))
	for _, a := range as {
		j := assignmentJSON{ID: a.ID, Account: a.Account, Territory: a.Territory, Source: a.Source, StartDate: a.Start, EndDate: a.End}
		if a.Rule != "" {
			j.Rule = &a.Rule
		}
		if a.CRMRecordID != "" {
			j.CRMRecordID = &a.CRMRecordID
		}
		out = append(out, j)
	}
	return listJSON[assignmentJSON]{"assignments"}.render(w, out)
}
