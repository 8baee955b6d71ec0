package cli

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/alignctl/alignctl/reconcile"
)

// importResult is what an import did: per object read, loaded, filtered
// and errors, and what it says beside (notes first, then warnings).
type importResult struct {
	Now         time.Time
	Objects     []reconcile.ObjectReport
	Diagnostics []diagnostic
}

func newImportResult(now time.Time, rep *reconcile.ImportReport) *importResult {
	return &importResult{Now: now, Objects: rep.Objects,
		Diagnostics: append(diagnostics(severityNote, rep.Notes), diagnostics(severityWarning, reconcile.WarningTexts(rep.Warnings))...)}
}

// importView renders an import, as planView renders a plan.
type importView = view[*importResult]

func (g *globals) importView(format string) importView {
	return byFormat(format, importText{stderr: g.stderr}, importJSON{})
}

// importText is the table of objects on stdout, the diagnostics on stderr.
type importText struct{ stderr io.Writer }

func (v importText) render(w io.Writer, r *importResult) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "INSTANCE\tOBJECT\tMODE\tREAD\tLOADED\tFILTERED\tERRORS")
	for _, o := range r.Objects {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%d\n", o.Instance, o.Object, importMode(o), o.Read, o.Loaded, o.Filtered, o.Errors)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	textDiagnostics(v.stderr, r.Diagnostics)
	return nil
}

func importMode(o reconcile.ObjectReport) string {
	if o.Full {
		return "full"
	}
	return "incremental"
}

type importJSON struct{}

// importObjectJSON is one object of the import JSON (docs/command-json.md).
type importObjectJSON struct {
	Instance string `json:"instance"`
	Object   string `json:"object"`
	Mode     string `json:"mode"`
	Read     int64  `json:"read"`
	Loaded   int64  `json:"loaded"`
	Filtered int64  `json:"filtered"`
	Errors   int64  `json:"errors"`
	Dropped  int64  `json:"dropped"`
}

func (importJSON) render(w io.Writer, r *importResult) error {
	objects := make([]importObjectJSON, 0, len(r.Objects))
	for _, o := range r.Objects {
		objects = append(objects, importObjectJSON{Instance: o.Instance, Object: o.Object, Mode: importMode(o),
			Read: o.Read, Loaded: o.Loaded, Filtered: o.Filtered, Errors: o.Errors, Dropped: o.Dropped})
	}
	return writeJSON(w, struct {
		FormatVersion string             `json:"format_version"`
		Now           string             `json:"now"`
		Objects       []importObjectJSON `json:"objects"`
		Diagnostics   []diagnostic       `json:"diagnostics"`
	}{commandJSONVersion, fmtTime(r.Now), objects, nonNil(r.Diagnostics)})
}

// nonNil makes "no diagnostics" an empty JSON array rather than null.
func nonNil(ds []diagnostic) []diagnostic {
	if ds == nil {
		return []diagnostic{}
	}
	return ds
}
