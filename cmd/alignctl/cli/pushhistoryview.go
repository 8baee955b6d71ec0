package cli

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/alignctl/alignctl/query"
)

// pushHistory is what show pushes shows: every push, newest first, and the
// records that failed and wait for the next push.
type pushHistory struct {
	Runs     []query.PushRun
	Failures []query.PushFailure
}

// pushHistoryView renders show pushes, as planView renders a plan.
type pushHistoryView = view[*pushHistory]

func newPushHistoryView(format string) pushHistoryView {
	return showView[*pushHistory](format, pushHistoryText{}, pushHistoryJSON{}, pushHistoryCSV{})
}

type pushHistoryText struct{}

func (pushHistoryText) render(w io.Writer, h *pushHistory) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "STARTED\tINSTANCE\tSCOPE\tCREATED\tUPDATED\tDELETED\tFAILED")
	for _, r := range h.Runs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%d\n", fmtTime(r.StartedAt), r.Instance, orAll(r.Scope), r.Created, r.Updated, r.Deleted, r.Failed)
	}
	if len(h.Failures) > 0 {
		fmt.Fprintln(tw, "\nFAILED RECORDS (the next push retries them)\nINSTANCE\tOBJECT\tRECORD\tACTION\tMESSAGE")
		for _, f := range h.Failures {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", f.Instance, f.Object, f.Record, f.Action, f.Message)
		}
	}
	return tw.Flush()
}

// pushHistoryJSON is {"format_version": "1", "pushes": [...], "failures":
// [...]}, as query defines them (docs/command-json.md).
type pushHistoryJSON struct{}

func (pushHistoryJSON) render(w io.Writer, h *pushHistory) error {
	return writeJSON(w, struct {
		FormatVersion string              `json:"format_version"`
		Pushes        []query.PushRun     `json:"pushes"`
		Failures      []query.PushFailure `json:"failures"`
	}{commandJSONVersion, append([]query.PushRun{}, h.Runs...), append([]query.PushFailure{}, h.Failures...)})
}

// pushHistoryCSV is the pushes only: the failures are another table.
type pushHistoryCSV struct{}

func (pushHistoryCSV) render(w io.Writer, h *pushHistory) error {
	return csvTable[query.PushRun]{
		header: []string{"instance", "started_at", "scope", "created", "updated", "deleted", "failed", "success"},
		row: func(r query.PushRun) []string {
			return []string{r.Instance, fmtTime(r.StartedAt), r.Scope, fmt.Sprint(r.Created), fmt.Sprint(r.Updated), fmt.Sprint(r.Deleted), fmt.Sprint(r.Failed), fmt.Sprint(r.Success)}
		},
	}.render(w, h.Runs)
}
