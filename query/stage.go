package query

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Staging says which part of a snapshot file StageCSV keeps.
type Staging struct {
	// Drop lists columns left out (fields of deactivated mappings); the
	// required columns are always kept.
	Drop []string
	// Since, when set, leaves out the rows whose time column is before it:
	// an incremental import merges only what changed.
	Since time.Time
	// Accounts, when set, keeps only the rows whose account reference
	// columns (any of them) name an account that entered the selected
	// countries in this import (the entering_account table MergeCRM fills):
	// a connector without crm.AccountExporter hands over the whole object.
	Accounts []string
	// Load says the file goes to MergeCRM, which completes the record
	// checks after its INSERT: the byte scan makes them on the other core
	// (recordTally) while DuckDB reads the file for the merge, so that a
	// file that passes them is read once rather than twice.
	Load bool
}

// Staged is a snapshot file that passed StageCSV's checks. Its rows are not
// copied into a table: each statement that merges them reads the file again
// with read_csv, which DuckDB runs in parallel, where an INSERT from a table
// filled in the same transaction ran on one core and the copy cost as much
// as a read.
type Staged struct {
	Path string
	// Header is the file's header as written, dropped columns included.
	Header []string
	// Read counts the records at or after Staging.Since (of the entering
	// accounts, with Staging.Accounts).
	Read int64
	// Latest is the latest time column value of those records; zero when
	// there are none. The import's next watermark comes from it.
	Latest time.Time

	cols       []string // the columns kept, in header order
	names      []string // their names in the state (a rename's align_field)
	timeColumn string
	since      time.Time
	accounts   []string // Staging.Accounts
	// skipUnchanged leaves out the records of the unchanged_row table: an
	// incremental merge does not take again what it already holds.
	skipUnchanged bool
	size          int64
	modified      time.Time
	// pending says the record checks are still to be made (Staging.Load):
	// checkRecords makes them, which MergeCRM calls after its INSERT.
	pending  bool
	required []string
	scanErr  func() error // the byte scan's result, waited for on the first call
	tally    *recordTally // the scan's record checks; nil when it makes none
}

// Columns are the staged columns as they land in the state: the header less
// the dropped columns, renamed.
func (s *Staged) Columns() []string { return slices.Clone(s.names) }

// Rename gives a staged column another name in the state (an inbound custom
// field mapping's crm_field becoming its align_field).
func (s *Staged) Rename(from, to string) error {
	i := slices.Index(s.names, from)
	if i < 0 {
		return fmt.Errorf("%s: no column %q to rename to %q", s.Path, from, to)
	}
	if slices.Contains(s.names, to) {
		return fmt.Errorf("%s: column %q renamed to %q, which the file already has", s.Path, from, to)
	}
	s.names[i] = to
	return nil
}

// csvOptions are read_csv's options for a snapshot file. read_csv is told
// there are no comment lines and no lines to skip: its sniffer would
// otherwise skip a line starting with # as a comment, or the lines before
// one that looks more like a header, and lose those records.
const csvOptions = `header = true, all_varchar = true, auto_detect = true,
	delim = ',', quote = '"', escape = '"', comment = '', skip = 0,
	strict_mode = true, null_padding = false, hive_partitioning = false`

// source is the staged rows as a subquery for a FROM clause: the kept
// columns under their state names, the records before the watermark left
// out. The path is the bound parameter $n and the watermark $n+1; args
// returns them. Column names are the header's, which checkHeader allows only
// letters, digits and _, or a mapping's validated align_field.
//
// The file is read with every header column named, dropped ones too: a
// header DuckDB reads otherwise fails at bind time (see misread); DuckDB
// reads only the columns used.
func (s *Staged) source(n int) string {
	list := make([]string, len(s.cols))
	for i, c := range s.cols {
		list[i] = Ident(c)
		if s.names[i] != c {
			list[i] += ` AS ` + Ident(s.names[i])
		}
	}
	q := `(SELECT ` + strings.Join(list, ", ") + ` FROM ` + s.file(n)
	cond := s.readCondition(n + 1)
	if s.skipUnchanged {
		cond = append(cond, `id NOT IN (SELECT id FROM unchanged_row)`)
	}
	if len(cond) > 0 {
		q += ` WHERE ` + strings.Join(cond, " AND ")
	}
	return q + `)`
}

// file is the whole file as a subquery, every header column by name, its
// path the bound parameter $n.
func (s *Staged) file(n int) string {
	cols := make([]string, len(s.Header))
	for i, c := range s.Header {
		cols[i] = Ident(c)
	}
	return `(SELECT ` + strings.Join(cols, ", ") + ` FROM read_csv($` + strconv.Itoa(n) + `, ` + csvOptions + `))`
}

// fail explains a failed read or check of the file: DuckDB's sniffer says
// little about where a file is broken, and the byte scan is not the only
// check, so the strict reader looks for the first problem.
func (s *Staged) fail(err error) error {
	serr := s.scanErr()
	if cerr := CheckCSV(s.Path); cerr != nil {
		return cerr
	}
	if serr != nil {
		return serr
	}
	return err
}

// readCondition is what makes a record of the file one the import reads:
// at or after the watermark (bound as $since), and of an entering account
// when the staging asks for those only.
func (s *Staged) readCondition(since int) []string {
	var cond []string
	if s.timeColumn != "" && !s.since.IsZero() {
		cond = append(cond, `try_cast(`+Ident(s.timeColumn)+` AS TIMESTAMPTZ) >= $`+strconv.Itoa(since))
	}
	if len(s.accounts) > 0 {
		refs := make([]string, len(s.accounts))
		for i, f := range s.accounts {
			refs[i] = Ident(f) + ` IN (SELECT id FROM entering_account)`
		}
		cond = append(cond, `(`+strings.Join(refs, " OR ")+`)`)
	}
	return cond
}

// args are the values of source's parameters.
func (s *Staged) args() []any { return []any{s.Path, s.since} }

// unchanged fails when the file changed since it was checked: the merge
// reads it again, and must not take records the checks did not see.
func (s *Staged) unchanged() error {
	fi, err := os.Stat(s.Path)
	if err != nil {
		return err
	}
	if fi.Size() != s.size || !fi.ModTime().Equal(s.modified) {
		return fmt.Errorf("%s: the file changed while it was imported; run the import again", s.Path)
	}
	return nil
}

// StageCSV checks a snapshot CSV for a merge, every column read as VARCHAR
// (ZIP codes keep their leading zeros) by DuckDB's read_csv. The header
// must hold the required columns, and every record an id, once; the time
// column, when given, must parse as a timestamp. A file that fails any check
// is an error naming the file and line: the caller aborts the import. Checks
// see every record; the merge takes the columns and records keep says.
//
// One aggregate query reads the file and makes every check, or, for a large
// file staged with Staging.Load, the byte scan when it is sure of them (see
// recordTally), completed by MergeCRM; the offending line is looked for only
// when a check fails.
func (d *DB) StageCSV(ctx context.Context, path string, required []string, timeColumn string, keep Staging) (*Staged, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	// A broken header is explained by the strict reader (CheckCSV).
	fail := (&Staged{Path: path, scanErr: func() error { return nil }}).fail
	header, err := readHeader(path)
	if err != nil {
		return nil, fail(fmt.Errorf("%s:1: header: %w", path, err))
	}
	// What read_csv accepts but reads otherwise than RFC 4180 (see
	// csvScan) is looked for at the same time, on the other core, and the
	// record checks with it (recordTally) when the merge makes them; a
	// small file is read strictly first (CheckCSV, which scans it too), so
	// that a broken one costs no DuckDB query.
	var tally *recordTally
	if keep.Load && len(keep.Accounts) == 0 && fi.Size() > smallCSV {
		tally = newRecordTally(header, timeColumn, keep.Since)
		if !slices.Contains(required, "id") {
			tally.idCol = -1
		}
	}
	scanErr := startScan(path, fi.Size(), tally)
	fail = (&Staged{Path: path, scanErr: scanErr}).fail
	if err := checkHeader(path, header); err != nil {
		return nil, fail(err)
	}
	for _, c := range required {
		if !slices.Contains(header, c) {
			return nil, fail(fmt.Errorf("%s:1: header has no %q column (the snapshot format needs %s)", path, c, strings.Join(required, ", ")))
		}
	}
	if fi.Size() <= smallCSV && scanErr() != nil {
		return nil, fail(scanErr())
	}
	kept := slices.DeleteFunc(slices.Clone(header), func(c string) bool {
		return slices.Contains(keep.Drop, c) && !slices.Contains(required, c)
	})
	s := &Staged{Path: path, Header: header, cols: kept, names: slices.Clone(kept),
		timeColumn: timeColumn, since: keep.Since, accounts: keep.Accounts, size: fi.Size(), modified: fi.ModTime(),
		pending: true, required: required, scanErr: scanErr, tally: tally}
	for _, f := range keep.Accounts {
		if !slices.Contains(header, f) {
			return nil, fmt.Errorf("%s:1: header has no %q column, which names the record's account", path, f)
		}
	}
	if keep.Load {
		return s, nil
	}
	if err := d.checkRecords(ctx, s); err != nil {
		return nil, err
	}
	return s, nil
}

// checkRecords makes the record checks of a staged file that are still
// pending: the byte scan's, when it is sure of them, else in a read of the
// file of their own.
func (d *DB) checkRecords(ctx context.Context, s *Staged) error {
	if !s.pending {
		return nil
	}
	if t := s.tally; t != nil {
		if s.scanErr() != nil {
			return s.fail(nil)
		}
		if !t.unsure {
			s.Read, s.Latest = t.read, t.latest.UTC()
			if t.latest.IsZero() {
				s.Latest = time.Time{}
			}
			if err := d.reportChecks(ctx, s, recordChecks{missing: t.missing, bad: t.bad}); err != nil {
				return err
			}
			s.pending = false
			return nil
		}
	}
	checks, err := d.checkCSVRecords(ctx, s)
	if err != nil || s.scanErr() != nil {
		return s.fail(d.misread(ctx, s.Path, s.Header, err))
	}
	if err := d.reportChecks(ctx, s, checks); err != nil {
		return err
	}
	s.pending = false
	return nil
}

// smallCSV is the size up to which a snapshot file is checked before
// DuckDB reads it rather than beside it: a few milliseconds at most, and a
// broken file is refused without a query.
const smallCSV = 4 << 20

// startScan runs scanCSV on path in the background, or CheckCSV at once
// for a small file, and returns the result, waiting for it on the first
// call.
func startScan(path string, size int64, tally *recordTally) func() error {
	if size <= smallCSV {
		err := CheckCSV(path)
		return func() error { return err }
	}
	scanned := make(chan error, 1)
	go func() { scanned <- scanCSV(path, tally) }()
	return sync.OnceValue(func() error { return <-scanned })
}

// misread explains a failed read of a file whose header is well-formed:
// DuckDB renames a duplicated or empty column name (id_1, column2) rather
// than refuse it, and its sniffer may take a line for another; the header
// must be read as written. It runs on the error path only: the record
// checks select every header column by name, so a header read otherwise
// fails them.
func (d *DB) misread(ctx context.Context, path string, header []string, err error) error {
	if err == nil {
		return nil
	}
	cols, cerr := d.csvColumns(ctx, path)
	if cerr != nil {
		return fmt.Errorf("%s: %w", path, cerr)
	}
	if !slices.Equal(cols, header) {
		return fmt.Errorf("%s:1: header %q was read as the columns %q", path, header, cols)
	}
	return err
}

// checkColumns fails when DuckDB reads the file's header otherwise than
// it is written (see misread), before the file is read: the merge's first
// read of a file whose checks are pending (Staging.Load).
func (d *DB) checkColumns(ctx context.Context, s *Staged) error {
	cols, err := d.csvColumns(ctx, s.Path)
	if err != nil {
		return s.fail(fmt.Errorf("%s: %w", s.Path, err))
	}
	if !slices.Equal(cols, s.Header) {
		return s.fail(fmt.Errorf("%s:1: header %q was read as the columns %q", s.Path, s.Header, cols))
	}
	return nil
}

// csvColumns are the columns read_csv reads in a file (its sniffer only).
func (d *DB) csvColumns(ctx context.Context, path string) ([]string, error) {
	rows, err := d.Query(ctx, `SELECT * FROM read_csv($1, `+csvOptions+`) LIMIT 0`, path)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return rows.Columns()
}

// recordChecks are the counts of checkCSVRecords' aggregate query.
type recordChecks struct{ missing, dups, bad int64 }

// checkCSVRecords makes the record checks of a file in one aggregate query
// over it (a record without an id, an id twice, a time that does not
// parse), counts the records the import reads and finds the latest time
// among them. The file is read with every header column by name, so that a
// header DuckDB reads otherwise fails here, at bind time, before the file
// is read (see misread).
func (d *DB) checkCSVRecords(ctx context.Context, s *Staged) (recordChecks, error) {
	c, err := d.aggregateChecks(ctx, s, s.file(1), s.Path)
	if err != nil {
		return c, fmt.Errorf("%s: %w", s.Path, err)
	}
	return c, nil
}

// aggregateChecks makes checkCSVRecords' checks over the records of from, a
// subquery holding the file's records whose parameter $1 is first (the
// watermark is $2). The columns the checks do not use cost nothing.
func (d *DB) aggregateChecks(ctx context.Context, s *Staged, from string, first any) (recordChecks, error) {
	var c recordChecks
	noID, dupID, badTime, latest := "0", "0", "0", "NULL::TIMESTAMPTZ"
	if slices.Contains(s.required, "id") {
		noID = `count(*) FILTER (WHERE id IS NULL OR trim(id) = '')`
		dupID = `count(*) - count(DISTINCT id)`
	}
	read, where := "count(*)", ""
	if cond := s.readCondition(2); len(cond) > 0 {
		where = ` WHERE ` + strings.Join(cond, " AND ")
		read = `count(*) FILTER (` + where + `)`
	}
	if s.timeColumn != "" {
		ts := `try_cast(` + Ident(s.timeColumn) + ` AS TIMESTAMPTZ)`
		badTime = `count(*) FILTER (WHERE ` + ts + ` IS NULL)`
		latest = `max(` + ts + `)` + strings.Replace(read, "count(*)", "", 1)
	}
	var last sql.NullTime
	err := d.QueryRow(ctx, `SELECT `+noID+`, `+dupID+`, `+badTime+`, `+read+`, `+latest+` FROM `+from, first, s.since).
		Scan(&c.missing, &c.dups, &c.bad, &s.Read, &last)
	if err != nil {
		return c, cleanDuckErr(err)
	}
	if last.Valid {
		s.Latest = last.Time.UTC()
	}
	return c, nil
}

// reportChecks turns a failed check into an error naming the line; only
// then is the file read again.
func (d *DB) reportChecks(ctx context.Context, s *Staged, c recordChecks) error {
	path := s.Path
	switch {
	case c.missing > 0:
		line := lineWhere(path, "id", func(v string) bool { return strings.TrimSpace(v) == "" })
		return fmt.Errorf("%s:%d: record has no id", path, line)
	case c.dups > 0:
		var dup string
		var n int64
		err := d.QueryRow(ctx, `SELECT id, count(*) FROM read_csv($1, `+csvOptions+`) GROUP BY id HAVING count(*) > 1 ORDER BY id LIMIT 1`, path).Scan(&dup, &n)
		if err != nil {
			return cleanDuckErr(err)
		}
		lines := linesWhere(path, "id", func(v string) bool { return v == dup }, 2)
		if len(lines) < 2 {
			lines = append(lines, 0, 0)
		}
		return fmt.Errorf("%s:%d: record %s: duplicate id; the first is at line %d", path, lines[1], dup, lines[0])
	case c.bad > 0:
		var id, val string
		t := Ident(s.timeColumn)
		err := d.QueryRow(ctx, `SELECT coalesce(id, ''), coalesce(`+t+`, '') FROM read_csv($1, `+csvOptions+`)
			WHERE try_cast(`+t+` AS TIMESTAMPTZ) IS NULL LIMIT 1`, path).Scan(&id, &val)
		if err != nil {
			return cleanDuckErr(err)
		}
		line := lineWhere(path, "id", func(v string) bool { return v == id })
		return fmt.Errorf("%s:%d: record %s: %s %q is not an RFC 3339 time", path, line, id, s.timeColumn, val)
	}
	return nil
}
