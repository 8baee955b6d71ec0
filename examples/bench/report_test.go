package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPlanSummary(t *testing.T) {
	for _, tc := range []struct{ out, want string }{
		{"...\nPlan: 12 to create, 3 to end, 0 to update, 100 territory changes, 7 CRM records to push.\n", "12 to create, 3 to end, 0 to update"},
		{"Plan at ...\n\nNo changes. The state matches the config.\n", "no changes"},
		{"", ""},
	} {
		if got := planSummary(tc.out); got != tc.want {
			t.Errorf("planSummary(%q) = %q, want %q", tc.out, got, tc.want)
		}
	}
}

func TestImportErrors(t *testing.T) {
	out := `INSTANCE  OBJECT                MODE  READ     LOADED  FILTERED  ERRORS
us        account__v            full  1000000  984819  15181     0
us        address__v            full  1850881  0       28029     1822852
us        deletions             full  0        0       0         0
`
	if got, want := importErrors(out), "address__v 1822852"; got != want {
		t.Errorf("importErrors = %q, want %q", got, want)
	}
	if got := importErrors(strings.ReplaceAll(out, "1822852", "0")); got != "" {
		t.Errorf("importErrors without errors = %q, want none", got)
	}
}

func TestNumbers(t *testing.T) {
	for n, want := range map[int]string{100_000: "100k", 5_000_000: "5M", 1234: "1,234"} {
		if got := short(n); got != want {
			t.Errorf("short(%d) = %q, want %q", n, got, want)
		}
	}
	if got := thousands(1234567); got != "1,234,567" {
		t.Errorf("thousands(1234567) = %q", got)
	}
}

func TestBaselineCoverage(t *testing.T) {
	for _, tc := range []struct {
		res  baselineResult
		want string
	}{
		{baselineResult{Pairs: 485702, Rules: 4376, Account: 4376}, "485,702 (4,376 of 4,376)"},
		{baselineResult{Pairs: 0, Rules: 0, Account: 8752}, "0 (0 of 8,752)"},
		{baselineResult{Pairs: 80120, Rules: 408}, "80,120 (408)"}, // a result of before account_rules
	} {
		if got := baselineCoverage(tc.res); got != tc.want {
			t.Errorf("baselineCoverage(%+v) = %q, want %q", tc.res, got, tc.want)
		}
	}
}

// TestWriteDoc: the table replaces what is between the markers and nothing
// else; a doc without markers gets a section at its end.
func TestWriteDoc(t *testing.T) {
	path := filepath.Join(t.TempDir(), "benchmarks.md")
	doc := "# Benchmarks\n\nbefore\n\n" + markStart + "\nold table\n" + markEnd + "\n\nafter\n"
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := writeDoc(path, "new table\n"); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	if want := "# Benchmarks\n\nbefore\n\n" + markStart + "\nnew table\n" + markEnd + "\n\nafter\n"; string(b) != want {
		t.Errorf("doc =\n%s\nwant\n%s", b, want)
	}
	if err := os.WriteFile(path, []byte("# Benchmarks\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := writeDoc(path, "t\n"); err != nil {
		t.Fatal(err)
	}
	b, _ = os.ReadFile(path)
	if !strings.Contains(string(b), markStart+"\nt\n"+markEnd) {
		t.Errorf("doc without markers: %q", b)
	}
}
