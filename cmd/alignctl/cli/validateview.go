package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/alignctl/alignctl/reconcile"
	"github.com/alignctl/alignctl/schema"
)

// validateResult is what validate found: the config's counts when it is
// valid, the errors when it is not, and the warnings either way.
type validateResult struct {
	Valid bool
	// At is the config validated when --ref named a revision (nil: the
	// work tree).
	At                                                    *reconcile.ConfigRef
	Files, FieldForces, Territories, Rules, RosterMembers int
	Diagnostics                                           []diagnostic
}

func newValidateResult(cfg *schema.Config, at *reconcile.ConfigRef) *validateResult {
	rules := 0
	for _, f := range cfg.FieldForces {
		rules += len(f.Rules)
	}
	for _, t := range cfg.Territories {
		rules += len(t.Rules)
	}
	return &validateResult{Valid: true, At: at, Files: len(cfg.Files), FieldForces: len(cfg.FieldForces),
		Territories: len(cfg.Territories), Rules: rules, RosterMembers: len(cfg.RosterMembers),
		Diagnostics: diagnostics(severityWarning, reconcile.WarningTexts(reconcile.AttributeWarnings(cfg)))}
}

// invalidResult holds a config's errors, one diagnostic a line of the
// error (a load reports every problem at once, one a line).
func invalidResult(err error) *validateResult {
	return &validateResult{Diagnostics: diagnostics(severityError, strings.Split(strings.TrimRight(err.Error(), "\n"), "\n"))}
}

// validateView renders what validate found, as planView renders a plan.
type validateView = view[*validateResult]

func (g *globals) validateView(format string) validateView {
	return byFormat(format, validateText{stderr: g.stderr}, validateJSON{})
}

// validateText is the one-line summary on stdout and the warnings on
// stderr. Errors it leaves to the command's error, which Run prints.
type validateText struct{ stderr io.Writer }

func (v validateText) render(w io.Writer, r *validateResult) error {
	if !r.Valid {
		return nil
	}
	at := ""
	if r.At != nil {
		at = " at " + describeConfig(*r.At)
	}
	fmt.Fprintf(w, "config%s is valid: %d files, %d field forces, %d territories, %d rules, %d roster members\n",
		at, r.Files, r.FieldForces, r.Territories, r.Rules, r.RosterMembers)
	textDiagnostics(v.stderr, r.Diagnostics)
	return nil
}

type validateJSON struct{}

func (validateJSON) render(w io.Writer, r *validateResult) error {
	type counts struct {
		Files         int `json:"files"`
		FieldForces   int `json:"field_forces"`
		Territories   int `json:"territories"`
		Rules         int `json:"rules"`
		RosterMembers int `json:"roster_members"`
	}
	out := struct {
		FormatVersion string               `json:"format_version"`
		Valid         bool                 `json:"valid"`
		Config        *reconcile.ConfigRef `json:"config,omitempty"`
		Counts        *counts              `json:"counts,omitempty"`
		Diagnostics   []diagnostic         `json:"diagnostics"`
	}{FormatVersion: commandJSONVersion, Valid: r.Valid, Config: r.At, Diagnostics: nonNil(r.Diagnostics)}
	if r.Valid {
		out.Counts = &counts{r.Files, r.FieldForces, r.Territories, r.Rules, r.RosterMembers}
	}
	return writeJSON(w, out)
}
