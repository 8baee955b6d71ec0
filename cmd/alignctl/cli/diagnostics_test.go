package cli

import (
	"bytes"
	"testing"
)

func TestTextDiagnostics(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []diagnostic
		want string
	}{
		{"none", nil, ""},
		{"warning", []diagnostic{{severityWarning, "w"}}, "warning: w\n"},
		{"note and error as they are", []diagnostic{{severityNote, "n"}, {severityError, "e"}}, "n\ne\n"},
		{"in order", diagnostics(severityWarning, []string{"a", "b"}), "warning: a\nwarning: b\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			textDiagnostics(&b, tc.in)
			if b.String() != tc.want {
				t.Errorf("got %q, want %q", b.String(), tc.want)
			}
		})
	}
}

func TestCheckFormat(t *testing.T) {
	for _, tc := range []struct {
		format  string
		formats []string
		err     string // "" when the format is one of them
	}{
		{"text", commandFormats, ""},
		{"json", commandFormats, ""},
		{"markdown", commandFormats, `--format "markdown": must be text or json`},
		{"", commandFormats, `--format "": must be text or json`},
		{"JSON", commandFormats, `--format "JSON": must be text or json`},
		{"csv", showFormats, ""},
		{"yaml", showFormats, `--format "yaml": must be text, json or csv`},
		{"yaml", schemaFormats, `--format "yaml": must be cue or jsonschema`},
		{"xml", planFormats, `--format "xml": must be text, json, markdown or html`},
	} {
		err := checkFormat(tc.format, tc.formats)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tc.err {
			t.Errorf("checkFormat(%q, %v) = %q, want %q", tc.format, tc.formats, got, tc.err)
		}
	}
}
