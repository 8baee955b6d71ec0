package schema

import (
	"slices"
	"strings"
	"testing"
)

func TestSplitIn(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"Oncology", []string{"Oncology"}},
		{"Oncology, Pediatric Oncology", []string{"Oncology", "Pediatric Oncology"}},
		{"Oncology,Pediatric Oncology", []string{"Oncology", "Pediatric Oncology"}},
		{`Plastic Surgery\, Hand`, []string{"Plastic Surgery, Hand"}},
		{`Plastic Surgery\, Hand, Oncology`, []string{"Plastic Surgery, Hand", "Oncology"}},
		{`a\,b\,c`, []string{"a,b,c"}},
		{"  a  ,\tb\t, c ", []string{"a", "b", "c"}},
		{"a,,b, ,", []string{"a", "b"}},
		{" , ,", nil},
		{"oncology, Oncology", []string{"oncology", "Oncology"}},
		{`C:\path, x`, []string{`C:\path`, "x"}},
		{`trailing\`, []string{`trailing\`}},
		{`\,`, []string{","}},
		{"Médecine générale, 小児科", []string{"Médecine générale", "小児科"}},
		{"02134, 02135", []string{"02134", "02135"}},
	}
	for _, tt := range tests {
		if got := SplitIn(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("SplitIn(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzSplitIn(f *testing.F) {
	for _, s := range []string{"", "a, b", `Plastic Surgery\, Hand, x`, `\\,`, " , ", "a,,b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		vals := SplitIn(s)
		for _, v := range vals {
			if v == "" || v != strings.TrimSpace(v) {
				t.Fatalf("SplitIn(%q) has value %q: empty or untrimmed", s, v)
			}
		}
		// Escaping each value and joining them gives the same values back,
		// unless a value ends in a backslash, which the syntax cannot escape.
		esc := make([]string, len(vals))
		for i, v := range vals {
			if strings.HasSuffix(v, `\`) {
				return
			}
			esc[i] = strings.ReplaceAll(v, ",", `\,`)
		}
		if again := SplitIn(strings.Join(esc, ", ")); !slices.Equal(again, vals) {
			t.Fatalf("SplitIn(%q) = %q, but the values joined again split to %q", s, vals, again)
		}
	})
}
