package cli

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// view renders what a command did in one --format. Every command has a
// text and a JSON implementation (plan adds markdown and html, show csv);
// the command builds its result, then hands it to the view --format names.
type view[T any] interface {
	render(w io.Writer, r T) error
}

// byFormat is the view --format names of a command's text and JSON views;
// the command has checked the format before any work (checkFormat).
func byFormat[T any](format string, text, json view[T]) view[T] {
	if format == "json" {
		return json
	}
	return text
}

// commandFormats are the views of the commands other than plan, which
// has its own (planFormats), show (showFormats) and schema.
var commandFormats = []string{"text", "json"}

// showFormats are the views of show's tables (show plan: planFormats).
var showFormats = []string{"text", "json", "csv"}

// commandJSONVersion is the format_version of those commands' JSON views
// (docs/command-json.md); a field's meaning never changes within one.
const commandJSONVersion = "1"

// checkFormat refuses a --format the command has no view for, before the
// command does any work: every command's --format is checked here, so the
// error reads the same everywhere.
func checkFormat(format string, formats []string) error {
	if !slices.Contains(formats, format) {
		return fmt.Errorf("--format %q: must be %s", format, orList(formats))
	}
	return nil
}

// orList is "a, b or c".
func orList(xs []string) string {
	if len(xs) < 2 {
		return strings.Join(xs, "")
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " or " + xs[len(xs)-1]
}

// severity says how much a diagnostic asks of the user.
type severity string

const (
	// severityWarning: something to look at; the command did its work.
	severityWarning severity = "warning"
	// severityNote: what the command did besides its result (accounts
	// that entered the selected countries, an override it recorded).
	severityNote severity = "note"
	// severityError: why the command failed; it exits 1.
	severityError severity = "error"
)

// diagnostic is one thing a command says beside its result. The text views
// write them on stderr, one a line; the JSON views hold them in
// "diagnostics", so a program reads them without parsing sentences apart
// from the output.
type diagnostic struct {
	Severity severity `json:"severity"`
	Message  string   `json:"message"`
}

// diagnostics makes one diagnostic of each message.
func diagnostics(s severity, messages []string) []diagnostic {
	ds := make([]diagnostic, 0, len(messages))
	for _, m := range messages {
		ds = append(ds, diagnostic{Severity: s, Message: m})
	}
	return ds
}

// textDiagnostics writes diagnostics as every text view does: a warning
// after "warning: ", a note or an error as it is.
func textDiagnostics(w io.Writer, ds []diagnostic) {
	for _, d := range ds {
		if d.Severity == severityWarning {
			fmt.Fprintln(w, "warning: "+d.Message)
			continue
		}
		fmt.Fprintln(w, d.Message)
	}
}
