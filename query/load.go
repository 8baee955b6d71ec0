package query

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
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
func (s *Staged) source(n int) string {
	list := make([]string, len(s.cols))
	for i, c := range s.cols {
		list[i] = Ident(c)
		if s.names[i] != c {
			list[i] += ` AS ` + Ident(s.names[i])
		}
	}
	q := `(SELECT ` + strings.Join(list, ", ") + ` FROM read_csv($` + strconv.Itoa(n) + `, ` + csvOptions + `)`
	cond := s.readCondition(n + 1)
	if s.skipUnchanged {
		cond = append(cond, `id NOT IN (SELECT id FROM unchanged_row)`)
	}
	if len(cond) > 0 {
		q += ` WHERE ` + strings.Join(cond, " AND ")
	}
	return q + `)`
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
// One aggregate query reads the file and makes every check; the offending
// line is looked for only when a check fails.
func (d *DB) StageCSV(ctx context.Context, path string, required []string, timeColumn string, keep Staging) (*Staged, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	// What read_csv accepts but reads otherwise than RFC 4180 (see
	// csvScan) is looked for at the same time, on the other core; a small
	// file is read strictly first (CheckCSV, which scans it too), so that a
	// broken one costs no DuckDB query.
	scanErr := startScan(path, fi.Size())
	// DuckDB's sniffer says little about where a file is broken, and the
	// scan is not the only check: find the first problem.
	fail := func(err error) error {
		serr := scanErr()
		if cerr := CheckCSV(path); cerr != nil {
			return cerr
		}
		if serr != nil {
			return serr
		}
		return err
	}
	header, err := readHeader(path)
	if err != nil {
		return nil, fail(fmt.Errorf("%s:1: header: %w", path, err))
	}
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
		timeColumn: timeColumn, since: keep.Since, accounts: keep.Accounts, size: fi.Size(), modified: fi.ModTime()}
	for _, f := range keep.Accounts {
		if !slices.Contains(header, f) {
			return nil, fmt.Errorf("%s:1: header has no %q column, which names the record's account", path, f)
		}
	}
	checks, err := d.checkCSVRecords(ctx, s, required)
	if err != nil || scanErr() != nil {
		return nil, fail(d.misread(ctx, path, header, err))
	}
	if err := d.reportChecks(ctx, s, checks); err != nil {
		return nil, err
	}
	return s, nil
}

// smallCSV is the size up to which a snapshot file is checked before
// DuckDB reads it rather than beside it: a few milliseconds at most, and a
// broken file is refused without a query.
const smallCSV = 4 << 20

// startScan runs scanCSV on path in the background, or CheckCSV at once
// for a small file, and returns the result, waiting for it on the first
// call.
func startScan(path string, size int64) func() error {
	if size <= smallCSV {
		err := CheckCSV(path)
		return func() error { return err }
	}
	scanned := make(chan error, 1)
	go func() { scanned <- scanCSV(path) }()
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
// (a record without an id, an id twice, a time that does not parse), counts
// the records the import reads and finds the latest time among them.
func (d *DB) checkCSVRecords(ctx context.Context, s *Staged, required []string) (recordChecks, error) {
	var c recordChecks
	noID, dupID, badTime, latest := "0", "0", "0", "NULL::TIMESTAMPTZ"
	if slices.Contains(required, "id") {
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
	// Every header column by name: a header DuckDB reads otherwise fails
	// here, at bind time, before the file is read (see misread). Columns
	// the checks do not use cost nothing; DuckDB reads only the others.
	cols := make([]string, len(s.Header))
	for i, c := range s.Header {
		cols[i] = Ident(c)
	}
	from := `(SELECT ` + strings.Join(cols, ", ") + ` FROM read_csv($1, ` + csvOptions + `))`
	err := d.QueryRow(ctx, `SELECT `+noID+`, `+dupID+`, `+badTime+`, `+read+`, `+latest+` FROM `+from, s.Path, s.since).
		Scan(&c.missing, &c.dups, &c.bad, &s.Read, &last)
	if err != nil {
		return c, fmt.Errorf("%s: %w", s.Path, cleanDuckErr(err))
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

// Columns lists a table's column names in order.
func (d *DB) Columns(ctx context.Context, table string) ([]string, error) {
	rows, err := d.Query(ctx, `SELECT column_name FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index`, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cols []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		cols = append(cols, c)
	}
	return cols, rows.Err()
}

// TableExists reports whether a (non-temporary) table exists.
func (d *DB) TableExists(ctx context.Context, table string) (bool, error) {
	var n int
	err := d.QueryRow(ctx, `SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND NOT temporary`, table).Scan(&n)
	return n > 0, cleanDuckErr(err)
}

// readHeader is the first record of a CSV file, without a byte order mark
// (DuckDB skips one too).
func readHeader(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	header, err := csv.NewReader(bufio.NewReader(f)).Read()
	if err != nil {
		return nil, err
	}
	header[0] = strings.TrimPrefix(header[0], bom)
	return header, nil
}

const bom = "\ufeff"

// bufferFor sizes a read buffer for r: 1 MB, or the whole of a smaller
// file or in-memory reader (a snapshot of a few records, a fuzz input) so
// that reading it allocates no more than it holds.
func bufferFor(r io.Reader) int {
	size := int64(1 << 20)
	switch r := r.(type) {
	case interface{ Len() int }:
		size = int64(r.Len())
	case *os.File:
		if fi, err := r.Stat(); err == nil && fi.Mode().IsRegular() {
			size = fi.Size()
		}
	}
	return int(min(max(size+1, 4096), 1<<20))
}

// checkHeader: a header names each column once, with a Vault field name.
func checkHeader(name string, header []string) error {
	seen := map[string]bool{}
	for _, h := range header {
		switch {
		case !utf8.ValidString(h):
			return fmt.Errorf("%s:1: header is not valid UTF-8", name)
		case h == "":
			return fmt.Errorf("%s:1: header has an empty column name", name)
		case strings.Trim(h, fieldNameChars) != "":
			return fmt.Errorf("%s:1: header column %q: a Vault field name has only letters, digits and _", name, h)
		case seen[h]:
			return fmt.Errorf("%s:1: header names column %q twice", name, h)
		}
		seen[h] = true
	}
	return nil
}

const fieldNameChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"

// CheckCSV reads a snapshot CSV strictly and returns the first problem as
// "file:line: message": bad UTF-8, a bare quote, a wrong column count, an
// empty or duplicated header, line endings that change (LF, then CRLF) or
// a carriage return that ends no line. Nil means the file is well-formed.
func CheckCSV(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return checkCSV(path, f)
}

func checkCSV(name string, r io.Reader) error {
	ends := newCSVScan()
	br := bufio.NewReaderSize(io.TeeReader(r, ends), bufferFor(r))
	cr := csv.NewReader(br)
	cr.ReuseRecord = true
	// The first problem wins: the scan's or the CSV reader's. The scan sees
	// the whole file, to tell a quoted field left open from a stray quote.
	first := func(err error) error {
		if err != nil {
			io.Copy(io.Discard, br)
			ends.finish()
		}
		if ends.err != nil && (err == nil || ends.errLine <= csvLine(err)) {
			return fmt.Errorf("%s:%d: %w", name, ends.errLine, ends.err)
		}
		if err != nil {
			return csvErr(name, err)
		}
		return nil
	}
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		if ends.err != nil {
			return first(nil)
		}
		return fmt.Errorf("%s:1: empty file: the snapshot format needs a header row", name)
	}
	if err != nil {
		return first(err)
	}
	if ends.err != nil && ends.errLine == 1 {
		return first(nil)
	}
	header[0] = strings.TrimPrefix(header[0], bom)
	if err := checkHeader(name, header); err != nil {
		return err
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			ends.finish()
			return first(nil)
		}
		if err != nil {
			return first(err)
		}
		line, _ := cr.FieldPos(0)
		if ends.err != nil && ends.errLine <= line {
			return first(nil)
		}
		for _, v := range rec {
			if !utf8.ValidString(v) {
				return fmt.Errorf("%s:%d: record is not valid UTF-8", name, line)
			}
		}
	}
}

// csvScan reads the bytes of a CSV file for what DuckDB's reader lets
// through but reads otherwise than RFC 4180 says (so that an accepted file
// is read exactly as written): a quote inside a field that does not start
// with one, characters after a closing quote (DuckDB drops blanks there), a
// carriage return that ends no line (DuckDB ends the line there), line
// endings that change from LF to CRLF or back, a quoted field still open at
// the end of the file, a record with more or fewer fields than the header
// (DuckDB lets a last record without a line ending have more). UTF-8 is
// DuckDB's to check.
type csvScan struct {
	state   scanState
	line    int    // the line being read, from 1
	start   int    // the line where the current record starts
	commas  int    // field separators of the current record so far
	any     bool   // the current record has a byte (blank lines are no records)
	width   int    // the header's number of fields, 0 before its end
	cr      bool   // the last byte was a carriage return outside quotes
	style   string // the ending of the first line: "LF" or "CRLF"
	err     error  // the first problem, at errLine
	errLine int
	// searched counts the bytes the scan's searches (IndexByte, Count and
	// the like) read: TestCSVScanIsLinear holds it to a few times the
	// file's size, whatever the file, without timing anything.
	searched int
}

type scanState uint8

const (
	fieldStart  scanState = iota // before a field's first byte
	unquoted                     // inside a field that does not start with a quote
	quoted                       // inside a quoted field
	quoteQuoted                  // a quote inside a quoted field: doubled, or the end
)

func newCSVScan() *csvScan { return &csvScan{line: 1, start: 1} }

// scanCSV is csvScan over a whole file, its error as "file:line: message".
func scanCSV(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := newCSVScan()
	if _, err := io.CopyBuffer(sc, f, make([]byte, bufferFor(f))); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if sc.finish() != nil {
		return fmt.Errorf("%s:%d: %w", path, sc.errLine, sc.err)
	}
	return nil
}

func (s *csvScan) Write(p []byte) (int, error) {
	// Where the next quote and carriage return of p are, once looked for:
	// plainLines stops at them. Looking again at every record would read
	// the rest of p once per record (quadratic: a file of short CRLF lines
	// without a quote, 1 MB of it, took seconds).
	nextQuote, nextCR := -1, -1
	for i := 0; i < len(p) && s.err == nil; i++ {
		b := p[i]
		if s.cr {
			s.cr = false
			if b != '\n' {
				s.fail(s.line, errLoneCR)
				break
			}
			s.end("CRLF")
			continue
		}
		// At the start of a record, whole lines without quotes or carriage
		// returns are only counted.
		if s.state == fieldStart && !s.any {
			if nextQuote < i {
				nextQuote = s.indexFrom(p, i, '"')
			}
			if nextCR < i {
				nextCR = s.indexFrom(p, i, '\r')
			}
			if n := s.plainLines(p[i:min(nextQuote, nextCR)]); n > 0 {
				i += n - 1
				continue
			}
		}
		// Most bytes mean nothing here: skip them in runs.
		switch {
		case s.state == quoted:
			j := bytes.IndexByte(p[i:], '"')
			if j < 0 {
				s.searched += 2 * (len(p) - i)
				s.line += bytes.Count(p[i:], newline)
				return len(p), nil
			}
			s.searched += 2 * (j + 1)
			s.line += bytes.Count(p[i:i+j], newline)
			i += j
			s.state = quoteQuoted
			continue
		case s.state != quoteQuoted && plain[b]:
			for i+1 < len(p) && plain[p[i+1]] {
				i++
			}
			s.any, s.state = true, unquoted
			continue
		}
		if b != '\r' && b != '\n' {
			s.any = true
		}
		switch s.state {
		case fieldStart, unquoted:
			switch b {
			case ',':
				s.commas++
				s.state = fieldStart
			case '\r':
				s.cr = true
			case '\n':
				s.end("LF")
			case '"':
				if s.state == unquoted {
					s.fail(s.line, errors.New(`a quote inside a field that does not start with one: quote the whole field and double the quote ("a ""b""")`))
				}
				s.state = quoted
			}
		case quoteQuoted:
			switch b {
			case '"':
				s.state = quoted
			case ',':
				s.commas++
				s.state = fieldStart
			case '\r':
				s.cr = true
			case '\n':
				s.end("LF")
			default:
				s.fail(s.line, errors.New(`characters after the closing quote of a field: double a quote inside a quoted field ("")`))
			}
		}
	}
	return len(p), nil
}

// plainLines takes the complete lines at the start of p, which holds no
// quote and no carriage return, as the byte loop would, with
// bytes.IndexByte and bytes.Count, which are vectorised: most lines of a
// snapshot are such lines. It returns how many bytes it took.
func (s *csvScan) plainLines(p []byte) int {
	block := p[:bytes.LastIndexByte(p, '\n')+1]
	s.searched += len(p) - len(block) + 1
	taken := 0
	for taken < len(block) && s.err == nil {
		j := bytes.IndexByte(block[taken:], '\n')
		line := block[taken : taken+j]
		s.commas += bytes.Count(line, comma)
		s.searched += 2*j + 1
		s.any = s.any || len(line) > 0
		s.end("LF")
		taken += j + 1
	}
	return taken
}

var comma = []byte{','}

// indexFrom is the index in p of the first c at or after i, len(p) when
// there is none.
func (s *csvScan) indexFrom(p []byte, i int, c byte) int {
	if j := bytes.IndexByte(p[i:], c); j >= 0 {
		s.searched += j + 1
		return i + j
	}
	s.searched += len(p) - i
	return len(p)
}

// plain marks the bytes that mean nothing to csvScan outside quotes.
var plain = func() (t [256]bool) {
	for i := range t {
		t[i] = true
	}
	for _, c := range ",\"\r\n" {
		t[c] = false
	}
	return t
}()

var newline = []byte{'\n'}

var errLoneCR = errors.New("a carriage return that does not end a line: end lines with LF or CRLF")

// end is the end of a line outside quotes, which ends a record.
func (s *csvScan) end(style string) {
	switch {
	case s.style == "":
		s.style = style
	case s.style != style:
		s.fail(s.line, fmt.Errorf("line ends with %s but line 1 with %s: end every line the same way", style, s.style))
		return
	}
	s.record()
	s.line++
	s.start = s.line
	s.state = fieldStart
}

// record is the end of a record: it has as many fields as the header.
func (s *csvScan) record() {
	if !s.any {
		return
	}
	n := s.commas + 1
	switch {
	case s.width == 0:
		s.width = n
	case n != s.width:
		s.fail(s.start, fmt.Errorf("wrong number of fields: %d, the header has %d", n, s.width))
	}
	s.commas, s.any = 0, false
}

// finish is the end of the file; it returns the first problem.
func (s *csvScan) finish() error {
	switch {
	case s.err != nil:
	case s.cr:
		s.fail(s.line, errLoneCR)
	case s.state == quoted:
		s.fail(s.start, errors.New("a quoted field is not closed at the end of the file: is the file cut short?"))
	default:
		s.record()
	}
	return s.err
}

func (s *csvScan) fail(line int, err error) {
	s.err, s.errLine = err, line
}

// csvLine is the line of a CSV reader's error, or a line past any other.
func csvLine(err error) int {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		if errors.Is(pe.Err, csv.ErrFieldCount) {
			return pe.StartLine
		}
		return pe.Line
	}
	return math.MaxInt
}

func csvErr(name string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		if errors.Is(pe.Err, csv.ErrFieldCount) {
			return fmt.Errorf("%s:%d: wrong number of fields", name, pe.StartLine)
		}
		return fmt.Errorf("%s:%d: %v", name, pe.Line, pe.Err)
	}
	return fmt.Errorf("%s: %w", name, err)
}

// lineWhere finds the line of the first record whose column matches; it runs
// only on the error path, to point a message at a line. 0 when not found.
func lineWhere(path, column string, match func(string) bool) int {
	if lines := linesWhere(path, column, match, 1); len(lines) > 0 {
		return lines[0]
	}
	return 0
}

// linesWhere finds the lines of the first n records whose column matches.
func linesWhere(path, column string, match func(string) bool, n int) []int {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	cr := csv.NewReader(bufio.NewReaderSize(f, bufferFor(f)))
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return nil
	}
	header[0] = strings.TrimPrefix(header[0], bom)
	idx := slices.Index(header, column)
	if idx < 0 {
		return nil
	}
	var lines []int
	for len(lines) < n {
		rec, err := cr.Read()
		if err != nil {
			break
		}
		if idx < len(rec) && match(rec[idx]) {
			line, _ := cr.FieldPos(0)
			lines = append(lines, line)
		}
	}
	return lines
}
