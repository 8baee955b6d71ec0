package cli

import (
	"encoding/csv"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/alignctl/alignctl/query"
)

// importHistoryView renders show imports, as planView renders a plan.
type importHistoryView = view[[]query.ImportRun]

func newImportHistoryView(format string) importHistoryView {
	return showView[[]query.ImportRun](format, importHistoryText{}, importHistoryJSON{}, importHistoryCSV{})
}

type importHistoryText struct{}

func (importHistoryText) render(w io.Writer, runs []query.ImportRun) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
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

// importHistoryJSON is {"imports": [...]}, each run as query defines it
// (docs/command-json.md).
type importHistoryJSON struct{}

func (importHistoryJSON) render(w io.Writer, runs []query.ImportRun) error {
	return writeJSON(w, struct {
		Imports []query.ImportRun `json:"imports"`
	}{append([]query.ImportRun{}, runs...)})
}

type importHistoryCSV struct{}

func (importHistoryCSV) render(w io.Writer, runs []query.ImportRun) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"instance", "object", "started_at", "full", "read", "successes", "errors", "first_error", "watermark", "watermark_source"})
	for _, r := range runs {
		at, from := watermarkText(r.Watermark)
		cw.Write([]string{r.Instance, r.Object, fmtTime(r.StartedAt), fmt.Sprint(r.Full), fmt.Sprint(r.Read), fmt.Sprint(r.Successes), fmt.Sprint(r.Errors), r.FirstError, at, from})
	}
	cw.Flush()
	return cw.Error()
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
