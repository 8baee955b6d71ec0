package query

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"
	"unicode/utf8"
)

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
