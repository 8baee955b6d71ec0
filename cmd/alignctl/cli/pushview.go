package cli

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/alignctl/alignctl/reconcile"
)

// pushResult is what a push did: the drifted records it set out to
// restore, what it wrote per object (nil when it stopped before writing)
// and the warnings of reading the CRM back.
type pushResult struct {
	Now         time.Time
	Restored    []reconcile.DriftEntry
	Report      *reconcile.PushReport
	Diagnostics []diagnostic
}

// pushView renders a push, as planView renders a plan.
type pushView = view[*pushResult]

func (g *globals) pushView(format string) pushView {
	return byFormat(format, pushText{stderr: g.stderr}, pushJSON{})
}

// pushText is the records restored and the table of objects on stdout; the
// failed records and the warnings on stderr.
type pushText struct{ stderr io.Writer }

func (v pushText) render(w io.Writer, r *pushResult) error {
	for _, e := range r.Restored {
		fmt.Fprintf(w, "restoring %s %s %s %s: %s in the CRM\n", e.Instance, e.Object, dash(e.Record), e.Key, e.Kind)
	}
	if r.Report == nil {
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "INSTANCE\tOBJECT\tCREATED\tUPDATED\tDELETED\tFAILED")
	for _, o := range r.Report.Objects {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\n", o.Instance, o.Object, o.Created, o.Updated, o.Deleted, o.Failed)
	}
	if len(r.Report.Objects) == 0 {
		fmt.Fprintln(tw, "(nothing to push)")
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, f := range r.Report.Failures {
		fmt.Fprintln(v.stderr, "failed: "+f)
	}
	textDiagnostics(v.stderr, r.Diagnostics)
	return nil
}

type pushJSON struct{}

// pushRestoreJSON is a drifted record the push writes back
// (docs/command-json.md).
type pushRestoreJSON struct {
	Instance string `json:"instance"`
	Object   string `json:"object"`
	Record   string `json:"record"`
	Key      string `json:"key"`
	Kind     string `json:"kind"`
}

// pushObjectJSON is one object's share of a push.
type pushObjectJSON struct {
	Instance string `json:"instance"`
	Object   string `json:"object"`
	Created  int    `json:"created"`
	Updated  int    `json:"updated"`
	Deleted  int    `json:"deleted"`
	Failed   int    `json:"failed"`
}

// pushJSONBody is the push object, alone (push) or in apply's "push".
type pushJSONBody struct {
	FormatVersion string            `json:"format_version,omitempty"`
	Now           string            `json:"now"`
	Restored      []pushRestoreJSON `json:"restored"`
	Objects       []pushObjectJSON  `json:"objects"`
	Failures      []string          `json:"failures"`
	Diagnostics   []diagnostic      `json:"diagnostics"`
}

func (pushJSON) render(w io.Writer, r *pushResult) error {
	b := pushJSONOf(r)
	b.FormatVersion = commandJSONVersion
	return writeJSON(w, b)
}

func pushJSONOf(r *pushResult) pushJSONBody {
	b := pushJSONBody{Now: fmtTime(r.Now), Restored: []pushRestoreJSON{}, Objects: []pushObjectJSON{}, Failures: []string{},
		Diagnostics: nonNil(r.Diagnostics)}
	for _, e := range r.Restored {
		b.Restored = append(b.Restored, pushRestoreJSON{e.Instance, e.Object, e.Record, e.Key, e.Kind})
	}
	if r.Report != nil {
		for _, o := range r.Report.Objects {
			b.Objects = append(b.Objects, pushObjectJSON{o.Instance, o.Object, o.Created, o.Updated, o.Deleted, o.Failed})
		}
		b.Failures = append(b.Failures, r.Report.Failures...)
	}
	return b
}
