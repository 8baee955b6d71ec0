package cli

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"

	"github.com/alignctl/alignctl/query"
)

// overridesView renders the policy overrides on record (show overrides,
// and the end of show summary), as planView renders a plan.
type overridesView = view[[]query.Override]

func newOverridesView(format string) overridesView {
	return showView[[]query.Override](format, overridesText{}, overridesJSON{}, overridesCSV{})
}

type overridesText struct{}

func (overridesText) render(w io.Writer, os []query.Override) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "OVERRIDDEN POLICY\tAPPLIED AT\tSERIAL\tBY\tVIOLATIONS\tREASON")
	for _, o := range os {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%d\t%s\n", o.Policy, fmtTime(o.AppliedAt), o.Serial, o.Actor, o.Violations, o.Reason)
	}
	return tw.Flush()
}

// overridesJSON is {"overrides": [...]}, as query defines them
// (docs/command-json.md); [] when there are none.
type overridesJSON struct{}

func (overridesJSON) render(w io.Writer, os []query.Override) error {
	return writeJSON(w, struct {
		Overrides []query.Override `json:"overrides"`
	}{append([]query.Override{}, os...)})
}

type overridesCSV struct{}

func (overridesCSV) render(w io.Writer, os []query.Override) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"serial", "policy", "reason", "actor", "applied_at", "config", "violations"})
	for _, o := range os {
		cw.Write([]string{strconv.FormatInt(o.Serial, 10), o.Policy, o.Reason, o.Actor, fmtTime(o.AppliedAt), o.Config, strconv.Itoa(o.Violations)})
	}
	cw.Flush()
	return cw.Error()
}
