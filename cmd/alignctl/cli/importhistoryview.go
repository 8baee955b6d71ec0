package cli

import (
	"fmt"

	"github.com/alignctl/alignctl/query"
)

// importHistoryView renders show imports, as planView renders a plan; its
// JSON is {"imports": [...]}, each run as query defines it
// (docs/command-json.md).
type importHistoryView = view[[]query.ImportRun]

func newImportHistoryView(format string) importHistoryView {
	text := textTable[query.ImportRun]{
		header: "STARTED\tINSTANCE\tOBJECT\tMODE\tREAD\tLOADED\tERRORS\tWATERMARK\tFROM\tFIRST ERROR",
		row: func(r query.ImportRun) string {
			mode := "incremental"
			if r.Full {
				mode = "full"
			}
			at, from := watermarkText(r.Watermark)
			return fmt.Sprintf("%s\t%s\t%s\t%s\t%d\t%d\t%d\t%s\t%s\t%s", fmtTime(r.StartedAt), r.Instance, r.Object, mode, r.Read, r.Successes, r.Errors, orDash(at), orDash(from), r.FirstError)
		},
	}
	csv := csvTable[query.ImportRun]{
		header: []string{"instance", "object", "started_at", "full", "read", "successes", "errors", "first_error", "watermark", "watermark_source"},
		row: func(r query.ImportRun) []string {
			at, from := watermarkText(r.Watermark)
			return []string{r.Instance, r.Object, fmtTime(r.StartedAt), fmt.Sprint(r.Full), fmt.Sprint(r.Read), fmt.Sprint(r.Successes), fmt.Sprint(r.Errors), r.FirstError, at, from}
		},
	}
	return showView(format, text, listJSON[query.ImportRun]{"imports"}, csv)
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
