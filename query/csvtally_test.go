package query

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestRecordTally(t *testing.T) {
	const header = "id,name__v,modified_date__v\n"
	at := func(s string) time.Time { v, _ := time.Parse(time.RFC3339, s); return v }
	for _, c := range []struct {
		name         string
		body         string
		since        string
		unsure       bool
		missing, bad int64
		read         int64
		latest       string
	}{
		{name: "plain", body: "A1,x,2026-01-01T00:00:00Z\nA2,y,2026-02-01T10:00:00+01:00\n", read: 2, latest: "2026-02-01T09:00:00Z"},
		{name: "since", body: "A1,x,2026-01-01T00:00:00Z\nA2,y,2026-03-01T00:00:00Z\n", since: "2026-02-01T00:00:00Z", read: 1, latest: "2026-03-01T00:00:00Z"},
		{name: "at the watermark", body: "A1,x,2026-02-01T00:00:00Z\n", since: "2026-02-01T00:00:00Z", read: 1, latest: "2026-02-01T00:00:00Z"},
		{name: "a quoted name", body: "A1,\"a, b\",2026-01-01T00:00:00Z\nA2,\"c\nd\",2026-01-02T00:00:00Z\n", read: 2, latest: "2026-01-02T00:00:00Z"},
		{name: "empty id", body: "A1,x,2026-01-01T00:00:00Z\n,y,2026-01-01T00:00:00Z\n", missing: 1, read: 2, latest: "2026-01-01T00:00:00Z"},
		{name: "empty time", body: "A1,x,\n", bad: 1},
		{name: "blank lines", body: "\nA1,x,2026-01-01T00:00:00Z\n\n", read: 1, latest: "2026-01-01T00:00:00Z"},
		{name: "a duplicate", body: "A1,x,2026-01-01T00:00:00Z\nA1,y,2026-01-01T00:00:00Z\n", unsure: true},
		{name: "a blank around the id", body: " A1,x,2026-01-01T00:00:00Z\n", unsure: true},
		{name: "a quoted id", body: "\"A1\",x,2026-01-01T00:00:00Z\n", unsure: true},
		{name: "a time Go does not read", body: "A1,x,2026-01-01 00:00:00\n", unsure: true},
		{name: "nanoseconds", body: "A1,x,2026-01-01T00:00:00.123456789Z\n", unsure: true},
		{name: "no last line end", body: "A1,x,2026-01-01T00:00:00Z", unsure: true},
		{name: "CRLF", body: "A1,x,2026-01-01T00:00:00Z\r\n", unsure: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			data := header
			if c.name == "CRLF" {
				data = strings.ReplaceAll(header, "\n", "\r\n")
			}
			path := filepath.Join(t.TempDir(), "x.csv")
			if err := os.WriteFile(path, []byte(data+c.body), 0o644); err != nil {
				t.Fatal(err)
			}
			tally := newRecordTally([]string{"id", "name__v", "modified_date__v"}, "modified_date__v", at(c.since))
			if err := scanCSV(path, tally); err != nil {
				t.Fatal(err)
			}
			if tally.unsure != c.unsure {
				t.Fatalf("unsure %v, want %v", tally.unsure, c.unsure)
			}
			if c.unsure {
				return
			}
			if tally.missing != c.missing || tally.bad != c.bad || tally.read != c.read || !tally.latest.Equal(at(c.latest)) {
				t.Errorf("missing %d, bad %d, read %d, latest %v; want %d, %d, %d, %s",
					tally.missing, tally.bad, tally.read, tally.latest, c.missing, c.bad, c.read, c.latest)
			}
		})
	}
}

// FuzzRecordTally: where the scan's tally is sure, it agrees with DuckDB's
// checks (checkCSVRecords) on the records read, the latest time and
// whether a record has no id or an unreadable time.
func FuzzRecordTally(f *testing.F) {
	for _, s := range []string{
		"id,modified_date__v\nA1,2026-01-01T00:00:00Z\n",
		"id,name__v,modified_date__v\nA1,\"a, \"\"b\"\"\",2026-01-01T00:00:00Z\nA2,,2026-01-02T00:00:00+01:00\n",
		"id,modified_date__v\n,2026-01-01T00:00:00Z\nA2,\n",
		"id,modified_date__v\nA1,2026-01-01T00:00:00.5Z\nA2,0999-01-01T00:00:00Z\n",
		"modified_date__v,id\n2026-01-01T00:00:00Z,A1\n2026-01-01T00:00:00Z,A2\n",
	} {
		f.Add([]byte(s), false)
	}
	ctx := context.Background()
	db, err := Open(ctx, "")
	if err != nil {
		f.Fatal(err)
	}
	defer db.Close()
	dir := f.TempDir()
	since := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte, watermark bool) {
		path := filepath.Join(dir, "x.csv")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if CheckCSV(path) != nil {
			return // refused before any check
		}
		header, err := readHeader(path)
		if err != nil || checkHeader(path, header) != nil {
			return
		}
		keep := Staging{}
		if watermark {
			keep.Since = since
		}
		tally := newRecordTally(header, "modified_date__v", keep.Since)
		if scanCSV(path, tally) != nil || tally.unsure {
			return
		}
		s := &Staged{Path: path, Header: header, timeColumn: "modified_date__v", since: keep.Since, required: []string{"id"}}
		if tally.timeCol < 0 || tally.idCol < 0 {
			return
		}
		c, err := db.checkCSVRecords(ctx, s)
		if err != nil {
			return // DuckDB refuses what the Go checks accept: the merge's read fails alike
		}
		got := fmt.Sprint(tally.missing > 0, tally.bad > 0)
		want := fmt.Sprint(c.missing > 0, c.bad > 0)
		// DuckDB counts the records without an id among the duplicates;
		// reportChecks names a missing id first.
		if got != want || (c.missing == 0 && c.dups != 0) {
			t.Fatalf("tally missing, bad %s; DuckDB %s (dups %d)", got, want, c.dups)
		}
		if c.missing == 0 && c.bad == 0 && (tally.read != s.Read || !tally.latest.Equal(s.Latest)) {
			t.Fatalf("tally read %d, latest %v; DuckDB %d, %v", tally.read, tally.latest, s.Read, s.Latest)
		}
	})
}

// A large file (past smallCSV) merged with Staging.Load is checked by the
// scan's tally: a clean one is read once by DuckDB, a duplicate id still
// fails with its line, and the merge is taken back.
func TestMergeCRMChecksALargeFile(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var b strings.Builder
	b.WriteString("id,modified_date__v,username__sys\n")
	n := 0
	for b.Len() <= smallCSV {
		n++
		fmt.Fprintf(&b, "U%07d,2026-01-%02dT00:00:00Z,user %d\n", n, n%28+1, n)
	}
	obj, _ := LookupObject("user__sys")
	path := filepath.Join(t.TempDir(), "user__sys.csv")
	merge := func(content string) (MergeStats, error) {
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		var st MergeStats
		err := db.Tx(ctx, func() error {
			staged, err := db.StageCSV(ctx, path, obj.Required, obj.TimeColumn, Staging{Load: true})
			if err != nil {
				return err
			}
			st, err = db.MergeCRM(ctx, obj, staged, "us", true, nil)
			if err == nil && staged.tally.unsure {
				t.Error("the tally was unsure of a plain file")
			}
			return err
		})
		return st, err
	}
	st, err := merge(b.String())
	if err != nil {
		t.Fatal(err)
	}
	if st.Read != int64(n) || st.Loaded != int64(n) || !st.Latest.Equal(time.Date(2026, 1, 28, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("merged %+v, want %d read and loaded, latest 2026-01-28", st, n)
	}
	for _, c := range []struct{ add, want string }{
		{"U0000002,2026-02-01T00:00:00Z,again\n", fmt.Sprintf("%s:%d: record U0000002: duplicate id; the first is at line 3", path, n+2)},
		{",2026-02-01T00:00:00Z,no id\n", fmt.Sprintf("%s:%d: record has no id", path, n+2)},
		{"U9999999,yesterday,bad time\n", fmt.Sprintf("%s:%d: record U9999999: modified_date__v \"yesterday\" is not an RFC 3339 time", path, n+2)},
	} {
		if _, err := merge(b.String() + c.add); err == nil || err.Error() != c.want {
			t.Errorf("merge with %q: %v, want %s", c.add, err, c.want)
		}
	}
	var count int64
	if err := db.QueryRow(ctx, `SELECT count(*) FROM crm_user__sys`).Scan(&count); err != nil || count != int64(n) {
		t.Errorf("state holds %d users (%v), want the %d of the first merge", count, err, n)
	}
}
