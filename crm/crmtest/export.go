package crmtest

import (
	"encoding/csv"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alignctl/alignctl/crm"
)

// export returns the object's export as header and records.
func export(t *testing.T, c crm.Connector, object string, since time.Time) ([]string, []map[string]string) {
	t.Helper()
	ex, err := c.Export(t.Context(), object, since)
	if err != nil {
		t.Fatalf("Export(%s): %v", object, err)
	}
	if ex.Cleanup == nil {
		t.Fatalf("Export(%s): Cleanup is nil", object)
	}
	defer ex.Cleanup()
	if ex.Path == "" {
		return nil, nil
	}
	header, rows := ReadCSV(t, ex.Path)
	for _, f := range []string{"id"} {
		if !slices.Contains(header, f) {
			t.Fatalf("Export(%s): header %v lacks %s", object, header, f)
		}
	}
	if object != crm.Deletions && !slices.Contains(header, "modified_date__v") {
		t.Fatalf("Export(%s): header %v lacks modified_date__v", object, header)
	}
	return header, records(append([][]string{header}, rows...))
}

// ReadCSV reads a CSV file a connector or a command wrote: its header, less
// any byte-order mark, and its records. A missing, malformed or empty file
// fails the test.
func ReadCSV(t *testing.T, path string) ([]string, [][]string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	all, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s is not CSV: %v", path, err)
	}
	if len(all) == 0 {
		t.Fatalf("%s has no header row", path)
	}
	header := all[0]
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], "\ufeff")
	}
	return header, all[1:]
}

func records(rows [][]string) []map[string]string {
	var out []map[string]string
	for _, row := range rows[1:] {
		m := make(map[string]string, len(row))
		for i, f := range rows[0] {
			m[f] = row[i]
		}
		out = append(out, m)
	}
	return out
}

func find(recs []map[string]string, id string) map[string]string {
	for _, r := range recs {
		if r["id"] == id {
			return r
		}
	}
	return nil
}

func findDeletion(recs []map[string]string, object, id string) map[string]string {
	for _, r := range recs {
		if r["object"] == object && r["id"] == id {
			return r
		}
	}
	return nil
}
