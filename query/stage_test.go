package query

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"time"
)

// A file the Go checks refuse (its structure, its header) costs no DuckDB
// query; only the record checks (ids, times) need DuckDB's read.
func TestStageCSVErrors(t *testing.T) {
	recordChecks := map[string]bool{"bad date": true, "missing id": true, "duplicate id": true}
	required := []string{"id", "modified_date__v"}
	tests := []struct {
		name, content, want string
	}{
		{"wrong column count", "id,modified_date__v\nA1,2026-01-01T00:00:00Z\nA2\n", "x.csv:3: wrong number of fields"},
		{"missing column", "id,name__v\nA1,x\n", `x.csv:1: header has no "modified_date__v" column`},
		{"bad date", "id,modified_date__v\nA1,2026-01-01T00:00:00Z\nA2,soon\n", `x.csv:3: record A2: modified_date__v "soon" is not an RFC 3339 time`},
		{"missing id", "id,modified_date__v\nA1,2026-01-01T00:00:00Z\n,2026-01-01T00:00:00Z\n", "x.csv:3: record has no id"},
		{"duplicate id", "id,modified_date__v\nA1,2026-01-01T00:00:00Z\nA1,2026-01-02T00:00:00Z\n", "x.csv:3: record A1: duplicate id; the first is at line 2"},
		{"not UTF-8", "id,modified_date__v\nA\xff1,2026-01-01T00:00:00Z\n", "x.csv:2: record is not valid UTF-8"},
		{"empty file", "", "x.csv:1: empty file"},
		{"more fields on the last line", "id,modified_date__v\nA1,2026-01-01T00:00:00Z,", "x.csv:2: wrong number of fields: 3, the header has 2"},
		{"fewer fields", "id,name__v,modified_date__v\nA1,2026-01-01T00:00:00Z\n", "x.csv:2: wrong number of fields"},
		{"cut short in a quoted field", "id,name__v,modified_date__v\nA1,x,2026-01-01T00:00:00Z\nA2,\"Ben\n", "x.csv:3: a quoted field is not closed at the end of the file"},
		{"a line starting with #", "id,modified_date__v\nA1,2026-01-01T00:00:00Z\n#A2\nA3,2026-01-01T00:00:00Z\n", "x.csv:3: wrong number of fields"},
		{"a line before the header", "exported by hand\nid,modified_date__v\nA1,2026-01-01T00:00:00Z\n", `x.csv:1: header column "exported by hand": a Vault field name has only letters, digits and _`},
		{"column named twice", "id,modified_date__v,id\nA1,2026-01-01T00:00:00Z,A2\n", `x.csv:1: header names column "id" twice`},
		{"empty column name", "id,modified_date__v,\nA1,2026-01-01T00:00:00Z,x\n", "x.csv:1: header has an empty column name"},
		{"quote inside a field", "id,name__v,modified_date__v\nA1,say \"hi\",2026-01-01T00:00:00Z\n", "x.csv:2: a quote inside a field that does not start with one"},
		{"text after a closing quote", "id,name__v,modified_date__v\nA1,\"y\" ,2026-01-01T00:00:00Z\n", "x.csv:2: characters after the closing quote of a field"},
		{"carriage returns only", "id,modified_date__v\rA1,2026-01-01T00:00:00Z\r", "x.csv:1: a carriage return that does not end a line"},
		{"line endings change", "id,modified_date__v\nA1,2026-01-01T00:00:00Z\r\nA2,2026-01-01T00:00:00Z\r\n", "x.csv:2: line ends with CRLF but line 1 with LF"},
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
			before := db.Statements()
			_, err = db.StageCSV(context.Background(), path, required, "modified_date__v", Staging{})
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			if queried := db.Statements() > before; queried != recordChecks[tt.name] {
				t.Errorf("ran SQL: %v, want %v", queried, recordChecks[tt.name])
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

// What a snapshot may hold and still be read as written: a byte order mark,
// CRLF line endings, quoted commas, quotes, line breaks and a # at the start
// of a value, blank lines, no final line ending.
func TestStageCSVAccepts(t *testing.T) {
	for name, content := range map[string]string{
		"byte order mark": "\ufeffid,name__v,modified_date__v\nA1,#1,2026-01-01T00:00:00Z\n",
		"CRLF":            "id,name__v,modified_date__v\r\nA1,\"a, \"\"b\"\"\r\nc\",2026-01-01T00:00:00Z\r\n\r\nA2,,2026-01-01T00:00:00Z",
	} {
		t.Run(name, func(t *testing.T) {
			db, err := Open(context.Background(), "")
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			path := filepath.Join(t.TempDir(), "x.csv")
			if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			staged, err := db.StageCSV(context.Background(), path, []string{"id", "modified_date__v"}, "modified_date__v", Staging{})
			if err != nil {
				t.Fatal(err)
			}
			cols := staged.Header
			want, _ := csv.NewReader(strings.NewReader(strings.TrimPrefix(content, bom))).ReadAll()
			if !slices.Equal(cols, want[0]) {
				t.Fatalf("columns %q, want %q", cols, want[0])
			}
			got := stagedRows(t, db, staged)
			if fmt.Sprint(got) != fmt.Sprint(want[1:]) {
				t.Fatalf("staged %q, want %q", got, want[1:])
			}
		})
	}
}

func TestBufferFor(t *testing.T) {
	for _, tt := range []struct {
		name string
		r    io.Reader
		want int
	}{
		{"empty", strings.NewReader(""), 4096},
		{"small", bytes.NewReader(make([]byte, 10_000)), 10_001},
		{"large", bytes.NewReader(make([]byte, 5<<20)), 1 << 20},
		{"unknown size", io.MultiReader(), 1 << 20},
	} {
		if got := bufferFor(tt.r); got != tt.want {
			t.Errorf("%s: bufferFor = %d, want %d", tt.name, got, tt.want)
		}
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

// FuzzStageCSV stages arbitrary bytes as a snapshot CSV, as import does:
// nothing panics; a rejected file is one error line naming the file and a
// line; an accepted file is well-formed by the strict reader and DuckDB
// read exactly what it holds: the same columns, the same records, the same
// values (an empty field is NULL), none lost, split or joined.
func FuzzStageCSV(f *testing.F) {
	for _, s := range []string{
		"id,modified_date__v\nA1,2026-01-01T00:00:00Z\n",
		"id,name__v,modified_date__v\nA1,\"a, \"\"b\"\"\",2026-01-01T00:00:00Z\r\nA2,,2026-01-02T00:00:00+01:00\r\n",
		"id,postal_code__v,modified_date__v\nA1,02138,2026-01-01T00:00:00Z\nA2,\"multi\nline\",2026-01-01T00:00:00Z\n",
		"id,modified_date__v\n#A1,2026-01-01T00:00:00Z\n",
		"id,modified_date__v\n A1 ,2026-01-01T00:00:00Z\n\n",
		"id,modified_date__v,id\nA1,2026-01-01T00:00:00Z,A2\n",
		"id,modified_date__v\nA1,2026-01-01T00:00:00Z\nA2\n",
		"id,modified_date__v\nA1,2026-01-01T00:00:00Z\nA1,2026-01-01T00:00:00Z\n",
		"id,modified_date__v\nA\xff,2026-01-01T00:00:00Z\n",
		"id,modified_date__v\n\"A1,2026-01-01T00:00:00Z\n",
		"id;modified_date__v\nA1;2026-01-01T00:00:00Z\n",
		"id,modified_date__v\nA1,2026-01-01T00:00:00Z\rA2,2026-01-01T00:00:00Z\r",
		"\ufeffid,modified_date__v\nA1,2026-01-01T00:00:00Z\n",
		"id,modified_date__v\nNULL,2026-01-01T00:00:00Z\n",
		"id,modified_date__v\nA1,2026-13-01T00:00:00Z\n",
		"",
	} {
		f.Add([]byte(s))
	}
	// Staging reads a file through three 1 MB buffers (the strict reader,
	// the RFC 4180 scan, the header) besides DuckDB's own: with Go's
	// default GOGC a worker, whose heap holds little else, collected
	// garbage every input or two, a third of its CPU (docs/benchmarks.md,
	// "Figures behind the code's choices"). The
	// buffers are garbage once the input is done, so a larger heap costs
	// a few megabytes.
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	ctx := context.Background()
	// One database per fuzz worker process, reused by every input: staging
	// reads the file with read_csv and leaves no table behind.
	db, err := Open(ctx, "")
	if err != nil {
		f.Fatal(err)
	}
	defer db.Close()
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "x.csv")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		staged, err := db.StageCSV(ctx, path, []string{"id", "modified_date__v"}, "modified_date__v", Staging{})
		if err != nil {
			msg := err.Error()
			if strings.Contains(msg, "\n") {
				t.Fatalf("error is not one line: %q", msg)
			}
			rest, ok := strings.CutPrefix(msg, path+":")
			if n, _, _ := strings.Cut(rest, ":"); !ok || strings.Trim(n, "0123456789") != "" || n == "" || n == "0" {
				t.Fatalf("error %q does not name the file and a line", msg)
			}
			return
		}
		if err := checkCSV("x.csv", bytes.NewReader(data)); err != nil {
			t.Fatalf("staged, but the strict reader says %v", err)
		}
		want, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		want[0][0] = strings.TrimPrefix(want[0][0], bom) // DuckDB skips a byte order mark
		if cols := staged.Columns(); !slices.Equal(cols, want[0]) {
			t.Fatalf("staged columns %q, the header is %q", cols, want[0])
		}
		got := stagedRows(t, db, staged)
		if len(got) != len(want)-1 {
			t.Fatalf("staged %d records, the file has %d:\n%q\n%q", len(got), len(want)-1, got, want[1:])
		}
		for i, rec := range want[1:] {
			if !slices.Equal(got[i], rec) {
				t.Fatalf("record %d staged as %q, the file has %q", i+1, got[i], rec)
			}
		}
	})
}

// stagedRows reads the staged rows back as a merge reads them, in file
// order, NULL as "".
func stagedRows(t *testing.T, db *DB, s *Staged) [][]string {
	t.Helper()
	n := len(s.Columns())
	rows, err := db.Query(context.Background(), `SELECT * FROM `+s.source(1)+``, s.args()...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out [][]string
	for rows.Next() {
		vals := make([]sql.NullString, n)
		ptrs := make([]any, n)
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		rec := make([]string, n)
		for i, v := range vals {
			// encoding/csv turns a quoted CRLF into LF; DuckDB keeps it.
			rec[i] = strings.ReplaceAll(v.String, "\r\n", "\n")
		}
		out = append(out, rec)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// A snapshot in a folder whose name holds key=value (a temporary folder, a
// user's "crm=us" folder) is read as it is: DuckDB's read_csv would
// otherwise take the folder for a hive partition and add a column.
func TestStageCSVHivePath(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "instance=us")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "account__v.csv")
	if err := os.WriteFile(path, []byte("id,modified_date__v,country__v\nA1,2026-01-01T00:00:00Z,US\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	db, err := Open(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	staged, err := db.StageCSV(context.Background(), path, []string{"id", "modified_date__v"}, "modified_date__v", Staging{})
	if err != nil {
		t.Fatal(err)
	}
	if cols, want := staged.Columns(), []string{"id", "modified_date__v", "country__v"}; !slices.Equal(cols, want) {
		t.Errorf("columns = %v, want %v", cols, want)
	}
}

// A large import into a table that had to gain a column in the same
// transaction keeps every row. DuckDB 1.5.6 silently lost such an INSERT
// when the table had been replaced (CREATE OR REPLACE ... UNION ALL BY NAME)
// earlier in the transaction: a 1M-account import loaded no addresses.
func TestMergeCRMLargeWidenedTable(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "state.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const n = 300_000
	var b strings.Builder
	b.WriteString("id,modified_date__v,account__v,postal_code__v,primary__v,city__v\n")
	for i := range n {
		fmt.Fprintf(&b, "D%d,2026-01-01T00:00:00Z,A%d,0%04d,true,Boston\n", i, i, i%10000)
	}
	path := filepath.Join(t.TempDir(), "address__v.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	obj, _ := LookupObject("address__v")
	err = db.Tx(ctx, func() error {
		// The accounts the addresses belong to, so that none is filtered.
		if _, err := db.Exec(ctx, `INSERT INTO crm_account__v (_instance, id, modified_date__v, country__v)
			SELECT 'us', 'A' || i, '2026-01-01T00:00:00Z', 'US' FROM range($1) t(i)`, n); err != nil {
			return err
		}
		staged, err := db.StageCSV(ctx, path, obj.Required, obj.TimeColumn, Staging{})
		if err != nil {
			return err
		}
		// city__v is new to crm_address__v: the table gains a column.
		_, err = db.MergeCRM(ctx, obj, staged, "us", true, nil)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var got int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM crm_address__v WHERE city__v = 'Boston'`).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != n {
		t.Errorf("crm_address__v holds %d rows after the import, want %d", got, n)
	}
}

// A merge reads the file again rather than a copy: records before the
// watermark stay out, and a file that changed after its checks (a record
// they did not see) fails the merge, so that the transaction rolls back.
func TestMergeCRMReadsTheCheckedFile(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	path := filepath.Join(t.TempDir(), "user__sys.csv")
	content := "id,modified_date__v,username__sys\nU1,2026-01-01T00:00:00Z,old\nU2,2026-03-01T00:00:00Z,new\n"
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	obj, _ := LookupObject("user__sys")
	since := Staging{Since: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)}
	staged, err := db.StageCSV(ctx, path, obj.Required, obj.TimeColumn, since)
	if err != nil {
		t.Fatal(err)
	}
	st, err := db.MergeCRM(ctx, obj, staged, "us", false, nil)
	if err != nil {
		t.Fatal(err)
	}
	var ids string
	if err := db.QueryRow(ctx, `SELECT string_agg(id, ',' ORDER BY id) FROM crm_user__sys`).Scan(&ids); err != nil {
		t.Fatal(err)
	}
	if st.Read != 1 || st.Loaded != 1 || ids != "U2" {
		t.Errorf("merged %+v, state ids %q; want 1 read, 1 loaded, U2", st, ids)
	}

	staged, err = db.StageCSV(ctx, path, obj.Required, obj.TimeColumn, Staging{})
	if err != nil {
		t.Fatal(err)
	}
	// U2 twice: the checks would have refused it.
	if err := os.WriteFile(path, []byte(content+"U2,2026-03-02T00:00:00Z,again\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err = db.Tx(ctx, func() error {
		_, err := db.MergeCRM(ctx, obj, staged, "us", true, nil)
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "changed while it was imported") {
		t.Fatalf("merge of a changed file: %v, want an error saying it changed", err)
	}
	if err := db.QueryRow(ctx, `SELECT string_agg(id, ',' ORDER BY id) FROM crm_user__sys`).Scan(&ids); err != nil {
		t.Fatal(err)
	}
	if ids != "U2" {
		t.Errorf("state ids after the failed merge %q, want U2 (rolled back)", ids)
	}
}

// The strict reader's scan reads each byte of a file a bounded number of
// times, whatever the file: its searches read at most a few times the
// file's size (counted, not timed). Short CRLF lines without a quote once
// made every record search the rest of the buffer for a quote, quadratic
// in the buffer, and FuzzCheckCSV stalled on such inputs.
func TestCSVScanIsLinear(t *testing.T) {
	for name, data := range map[string]string{
		"short CRLF lines without a quote":     "id\r\n" + strings.Repeat("a\r\n", 500_000),
		"short CRLF lines, a quote at the end": "id\r\n" + strings.Repeat("a\r\n", 500_000) + "\"b\"\r\n",
		"short LF lines, a CR at the end":      "id\n" + strings.Repeat("a\n", 500_000) + "b\r\n",
		"short LF lines, a quote at the end":   "id\n" + strings.Repeat("a\n", 500_000) + "\"b\"\n",
		"quoted fields":                        "id,x\n" + strings.Repeat("\"a\",\"b\"\n", 300_000),
		"quoted CRLF lines":                    "id,x\r\n" + strings.Repeat("a,\"b\"\r\n", 300_000),
		"one quoted field over many lines":     "id\n\"" + strings.Repeat("a\n", 500_000) + "\"\n",
		"plain lines":                          "id,x\n" + strings.Repeat("a,b\n", 500_000),
	} {
		sc := newCSVScan()
		if _, err := io.CopyBuffer(sc, strings.NewReader(data), make([]byte, 1<<20)); err != nil {
			t.Fatal(err)
		}
		sc.finish()
		if sc.searched > 4*len(data) {
			t.Errorf("%s: the scan's searches read %d bytes of a %d-byte file (%.1f times)", name, sc.searched, len(data), float64(sc.searched)/float64(len(data)))
		}
	}
}
