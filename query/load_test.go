package query

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestStageCSVErrors(t *testing.T) {
	required := []string{"id", "modified_date__v"}
	tests := []struct {
		name, content, want string
	}{
		{"wrong column count", "id,modified_date__v\nA1,2026-01-01T00:00:00Z\nA2\n", "x.csv:3: wrong number of fields"},
		{"missing column", "id,name__v\nA1,x\n", `x.csv:1: header has no "modified_date__v" column`},
		{"bad date", "id,modified_date__v\nA1,2026-01-01T00:00:00Z\nA2,soon\n", `x.csv:3: record A2: modified_date__v "soon" is not an RFC 3339 time`},
		{"missing id", "id,modified_date__v\nA1,2026-01-01T00:00:00Z\n,2026-01-01T00:00:00Z\n", "x.csv:3: record has no id"},
		{"duplicate id", "id,modified_date__v\nA1,2026-01-01T00:00:00Z\nA1,2026-01-02T00:00:00Z\n", "x.csv:2: record A1: duplicate id (2 records)"},
		{"not UTF-8", "id,modified_date__v\nA\xff1,2026-01-01T00:00:00Z\n", "x.csv:2: record is not valid UTF-8"},
		{"empty file", "", "x.csv:1: empty file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, err := Open(context.Background(), "")
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			path := filepath.Join(t.TempDir(), "x.csv")
			if err := os.WriteFile(path, []byte(tt.content), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err = db.StageCSV(context.Background(), "staged", path, required, "modified_date__v")
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			if got := strings.TrimPrefix(err.Error(), filepath.Dir(path)+"/"); !strings.HasPrefix(got, tt.want) {
				t.Fatalf("error %q, want prefix %q", got, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error is not one line: %q", err)
			}
		})
	}
}

// ZIP codes keep their leading zeros: every column is read as text.
func TestStageCSVKeepsText(t *testing.T) {
	db := loadSnapshot(t, map[string]string{"account__v": accounts, "address__v": addresses})
	var code string
	if err := db.QueryRow(context.Background(), `SELECT postal_code__v FROM crm_address__v WHERE id = 'D1'`).Scan(&code); err != nil {
		t.Fatal(err)
	}
	if code != "02138" {
		t.Fatalf("postal code %q, want 02138", code)
	}
}

// FuzzCheckCSV: the strict snapshot reader never panics, and whatever it
// accepts has a header.
func FuzzCheckCSV(f *testing.F) {
	f.Add([]byte("id,modified_date__v\nA1,2026-01-01T00:00:00Z\n"))
	f.Add([]byte("id,name\n\"a,b\",\"c\"\"d\"\n"))
	f.Add([]byte("id\n\xff\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		err := checkCSV("f.csv", strings.NewReader(string(data)))
		if err == nil && len(data) == 0 {
			t.Fatal("empty input accepted")
		}
		if err != nil && !strings.HasPrefix(err.Error(), "f.csv") {
			t.Fatalf("error does not name the file: %v", err)
		}
	})
}
