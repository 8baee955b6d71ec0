package query

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"unicode/utf8"
)

// StageCSV reads a snapshot CSV into the temporary table `table`, every column
// VARCHAR (ZIP codes keep their leading zeros), with DuckDB's read_csv. The
// header must hold the required columns, and every record an id; the time
// column, when given, must parse as a timestamp. A file that fails any check
// is an error naming the file and line: the caller aborts the import.
func (d *DB) StageCSV(ctx context.Context, table, path string, required []string, timeColumn string) ([]string, error) {
	_, err := d.Exec(ctx, `CREATE OR REPLACE TEMP TABLE `+Ident(table)+` AS
		SELECT * FROM read_csv(?, header = true, all_varchar = true, auto_detect = true,
			delim = ',', quote = '"', escape = '"', strict_mode = true, null_padding = false)`, path)
	if err != nil {
		// DuckDB's sniffer says little about where a file is broken: find it.
		if cerr := CheckCSV(path); cerr != nil {
			return nil, cerr
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	cols, err := d.Columns(ctx, table)
	if err != nil {
		return nil, err
	}
	for _, c := range required {
		if !slices.Contains(cols, c) {
			if cerr := CheckCSV(path); cerr != nil {
				return nil, cerr
			}
			return nil, fmt.Errorf("%s:1: header has no %q column (the snapshot format needs %s)", path, c, strings.Join(required, ", "))
		}
	}
	if slices.Contains(required, "id") {
		var missing int64
		if err := d.QueryRow(ctx, `SELECT count(*) FROM `+Ident(table)+` WHERE id IS NULL OR trim(id) = ''`).Scan(&missing); err != nil {
			return nil, cleanDuckErr(err)
		}
		if missing > 0 {
			line := lineWhere(path, "id", func(v string) bool { return strings.TrimSpace(v) == "" })
			return nil, fmt.Errorf("%s:%d: record has no id", path, line)
		}
		var dup string
		var n int64
		err := d.QueryRow(ctx, `SELECT id, count(*) FROM `+Ident(table)+` GROUP BY id HAVING count(*) > 1 ORDER BY id LIMIT 1`).Scan(&dup, &n)
		if err == nil {
			line := lineWhere(path, "id", func(v string) bool { return v == dup })
			return nil, fmt.Errorf("%s:%d: record %s: duplicate id (%d records)", path, line, dup, n)
		}
	}
	if timeColumn != "" {
		var id, val string
		err := d.QueryRow(ctx, `SELECT coalesce(id, ''), coalesce(`+Ident(timeColumn)+`, '') FROM `+Ident(table)+`
			WHERE try_cast(`+Ident(timeColumn)+` AS TIMESTAMPTZ) IS NULL LIMIT 1`).Scan(&id, &val)
		if err == nil {
			line := lineWhere(path, "id", func(v string) bool { return v == id })
			return nil, fmt.Errorf("%s:%d: record %s: %s %q is not an RFC 3339 time", path, line, id, timeColumn, val)
		}
	}
	return cols, nil
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

// CheckCSV reads a snapshot CSV strictly and returns the first problem as
// "file:line: message": bad UTF-8, a bare quote, a wrong column count, an
// empty or duplicated header. Nil means the file is well-formed.
func CheckCSV(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return checkCSV(path, f)
}

func checkCSV(name string, r io.Reader) error {
	cr := csv.NewReader(bufio.NewReaderSize(r, 1<<20))
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return fmt.Errorf("%s:1: empty file: the snapshot format needs a header row", name)
	}
	if err != nil {
		return csvErr(name, err)
	}
	seen := map[string]bool{}
	for _, h := range header {
		if !utf8.ValidString(h) {
			return fmt.Errorf("%s:1: header is not valid UTF-8", name)
		}
		if h == "" {
			return fmt.Errorf("%s:1: header has an empty column name", name)
		}
		if seen[h] {
			return fmt.Errorf("%s:1: header names column %q twice", name, h)
		}
		seen[h] = true
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return csvErr(name, err)
		}
		line, _ := cr.FieldPos(0)
		for _, v := range rec {
			if !utf8.ValidString(v) {
				return fmt.Errorf("%s:%d: record is not valid UTF-8", name, line)
			}
		}
	}
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
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	cr := csv.NewReader(bufio.NewReaderSize(f, 1<<20))
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return 0
	}
	idx := slices.Index(header, column)
	if idx < 0 {
		return 0
	}
	for {
		rec, err := cr.Read()
		if err != nil {
			return 0
		}
		if idx < len(rec) && match(rec[idx]) {
			line, _ := cr.FieldPos(0)
			return line
		}
	}
}
