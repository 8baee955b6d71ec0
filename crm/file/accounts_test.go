package file_test

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/alignctl/alignctl/crm"
	"github.com/alignctl/alignctl/crm/file"
)

// ExportAccounts hands over the records of the given accounts, by any of
// the fields that name one, whatever their modified date, in a temporary
// file its Cleanup removes; the object's own file is left as it was.
func TestExportAccountsByAnyAccountField(t *testing.T) {
	dir := t.TempDir()
	rows := [][]string{
		{"id", "parent_account__v", "child_account__v", "modified_date__v"},
		{"F01", "A05", "A01", "2020-01-05T10:00:00Z"},
		{"F02", "A05", "A07", "2026-01-05T10:00:00Z"},
		{"F03", "A07", "A02", "2026-01-05T10:00:00Z"},
		{"F04", "A03", "A04", "2026-01-05T10:00:00Z"},
	}
	writeCSV(t, filepath.Join(dir, "child_account__v.csv"), rows)
	c := file.New(dir, clock)
	ex, err := c.ExportAccounts(t.Context(), crm.ChildAccount, []string{"parent_account__v", "child_account__v"}, []string{"A07", "A01"})
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(ex.Path)
	if err != nil {
		t.Fatal(err)
	}
	got, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{rows[0], rows[1], rows[2], rows[3]}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("exported %q, want %q", got, want)
	}
	ex.Cleanup()
	if _, err := os.Stat(ex.Path); !os.IsNotExist(err) {
		t.Errorf("after Cleanup, %s: %v; want it removed", ex.Path, err)
	}

	// A field the object lacks names no account; a missing object has no file.
	ex, err = c.ExportAccounts(t.Context(), crm.ChildAccount, []string{"account__v"}, []string{"A07"})
	if err != nil {
		t.Fatal(err)
	}
	defer ex.Cleanup()
	b, err := os.ReadFile(ex.Path)
	if err != nil || string(b) != "id,parent_account__v,child_account__v,modified_date__v\n" {
		t.Errorf("export by a field the object lacks: %q (%v), want the header only", b, err)
	}
	none, err := c.ExportAccounts(t.Context(), crm.Call, []string{"account__v"}, []string{"A07"})
	if err != nil || none.Path != "" {
		t.Errorf("export of an object without a file: %q (%v), want no path", none.Path, err)
	}
}

var _ crm.AccountExporter = (*file.CRM)(nil)
