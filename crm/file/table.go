package file

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"unicode/utf8"
)

// table reads one snapshot CSV strictly, a row at a time, so that a file of
// millions of rows is never held in memory.
type table struct {
	path   string
	f      *os.File
	r      *csv.Reader
	header []string
	col    map[string]int
	rows   int // rows read so far, for cancellation checks
}

// utf8BOM is what spreadsheet tools put before the header; it is not part of
// the first field name, and a rewrite drops it.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// openTable opens path and reads its header. A missing file is reported as
// an error satisfying errors.Is(err, fs.ErrNotExist).
func openTable(path string) (*table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(f, 1<<16)
	if b, err := br.Peek(len(utf8BOM)); err == nil && bytes.Equal(b, utf8BOM) {
		_, _ = br.Discard(len(utf8BOM))
	}
	r := csv.NewReader(br)
	r.FieldsPerRecord = -1 // checked here, to name the line in our own words
	r.ReuseRecord = true
	t := &table{path: path, f: f, r: r}
	h, err := r.Read()
	if err == io.EOF {
		f.Close()
		return nil, fmt.Errorf("%s:1: empty file: want a header row of field names", path)
	}
	if err != nil {
		f.Close()
		return nil, t.parseError(err)
	}
	t.header = slices.Clone(h)
	t.col = make(map[string]int, len(h))
	for i, name := range t.header {
		line, col := r.FieldPos(i)
		switch {
		case !utf8.ValidString(name):
			f.Close()
			return nil, fmt.Errorf("%s:%d:%d: header field %d is not valid UTF-8", path, line, col, i+1)
		case name == "":
			f.Close()
			return nil, fmt.Errorf("%s:%d:%d: header field %d is empty: every column needs a field name", path, line, col, i+1)
		}
		if _, dup := t.col[name]; dup {
			f.Close()
			return nil, fmt.Errorf("%s:%d:%d: field %q appears twice in the header", path, line, col, name)
		}
		t.col[name] = i
	}
	return t, nil
}

// next returns the next row, or io.EOF. The slice is reused by the following
// call. A row whose field count differs from the header's, or that is not
// valid UTF-8, is an error naming file:line.
func (t *table) next(ctx context.Context) ([]string, error) {
	t.rows++
	if t.rows%4096 == 0 {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	rec, err := t.r.Read()
	if err == io.EOF {
		return nil, io.EOF
	}
	if err != nil {
		return nil, t.parseError(err)
	}
	if len(rec) != len(t.header) {
		line, _ := t.r.FieldPos(0)
		return nil, fmt.Errorf("%s:%d: record has %d fields, the header has %d", t.path, line, len(rec), len(t.header))
	}
	for i, v := range rec {
		if !utf8.ValidString(v) {
			line, col := t.r.FieldPos(i)
			return nil, fmt.Errorf("%s:%d:%d: field %s is not valid UTF-8", t.path, line, col, t.header[i])
		}
	}
	return rec, nil
}

func (t *table) close() { t.f.Close() }

func (t *table) parseError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s:%d:%d: %w", t.path, pe.Line, pe.Column, pe.Err)
	}
	return fmt.Errorf("%s: %w", t.path, err)
}

// An edit says how rewrite turns the old file into the new one.
type edit struct {
	// header is the header to write: the old one, with any new fields at the end.
	header []string
	// row sees each existing row, widened to header (new fields ""), and may
	// change it in place; it returns false to drop the row. nil keeps all rows.
	row func(row []string) bool
	// tail returns the rows to append after the existing ones; it runs after
	// every existing row has been seen. nil appends nothing.
	tail func() [][]string
}

// rewrite replaces the file at path atomically: it writes the new content to
// a temporary file in the same folder, syncs it and renames it over path, so
// that a reader (or a crash) sees the old file or the new one, never a mix.
// src is the open old file, or nil when there is none; rewrite closes it. The
// folder is created when missing.
func rewrite(ctx context.Context, path string, src *table, e edit) (err error) {
	if src != nil {
		defer src.close()
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	w := csv.NewWriter(tmp)
	if err := w.Write(e.header); err != nil {
		return err
	}
	if src != nil {
		row := make([]string, len(e.header))
		for {
			rec, err := src.next(ctx)
			if err == io.EOF {
				break
			}
			if err != nil {
				return err
			}
			n := copy(row, rec)
			clear(row[n:])
			if e.row != nil && !e.row(row) {
				continue
			}
			if err := w.Write(row); err != nil {
				return err
			}
		}
	}
	if e.tail != nil {
		if err := w.WriteAll(e.tail()); err != nil {
			return err
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	mode := os.FileMode(0o644)
	if fi, err := os.Stat(path); err == nil {
		mode = fi.Mode().Perm()
	}
	if err := tmp.Chmod(mode); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	syncDir(dir)
	return nil
}

// syncDir makes a rename durable. It is best effort: some systems cannot
// sync a folder, and the rename itself has already happened.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	d.Close()
}

// widen returns header with the given fields appended, in their order, when
// header lacks them.
func widen(header []string, fields ...string) []string {
	out := slices.Clone(header)
	for _, f := range fields {
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

// scanIDs reads the whole table (so that a malformed file fails before any
// write) and returns which of want are ids of its rows.
func scanIDs(ctx context.Context, t *table, want map[string]bool) (map[string]bool, error) {
	idCol, ok := t.col[FieldID]
	if !ok {
		return nil, fmt.Errorf("%s:1: no %s column in the header", t.path, FieldID)
	}
	found := make(map[string]bool)
	for {
		rec, err := t.next(ctx)
		if err == io.EOF {
			return found, nil
		}
		if err != nil {
			return nil, err
		}
		if want[rec[idCol]] {
			found[rec[idCol]] = true
		}
	}
}
