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
		format string
		ok     bool
	}{{"text", true}, {"json", true}, {"markdown", false}, {"", false}, {"JSON", false}} {
		if err := checkFormat(tc.format); (err == nil) != tc.ok {
			t.Errorf("checkFormat(%q) = %v, want ok %t", tc.format, err, tc.ok)
		}
	}
}
