package query

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
)

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
	// tally, when set, makes the record checks as the scan goes.
	tally *recordTally
}

type scanState uint8

const (
	fieldStart  scanState = iota // before a field's first byte
	unquoted                     // inside a field that does not start with a quote
	quoted                       // inside a quoted field
	quoteQuoted                  // a quote inside a quoted field: doubled, or the end
)

func newCSVScan() *csvScan { return &csvScan{line: 1, start: 1} }

// scanCSV is csvScan over a whole file, its error as "file:line: message",
// making tally's checks when it is not nil. Each write ends at a line end
// where the file has one within a buffer, so that the tally sees whole
// records.
func scanCSV(path string, tally *recordTally) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := newCSVScan()
	sc.tally = tally
	buf := make([]byte, bufferFor(f))
	carry := 0
	for {
		n, rerr := io.ReadFull(f, buf[carry:])
		data := buf[:carry+n]
		end := bytes.LastIndexByte(data, '\n') + 1
		if rerr != nil || end == 0 {
			end = len(data) // the end of the file, or a line longer than buf
		}
		sc.Write(data[:end])
		carry = copy(buf, data[end:])
		if errors.Is(rerr, io.EOF) || errors.Is(rerr, io.ErrUnexpectedEOF) {
			break
		}
		if rerr != nil {
			return fmt.Errorf("%s: %w", path, rerr)
		}
	}
	if sc.finish() != nil {
		return fmt.Errorf("%s:%d: %w", path, sc.errLine, sc.err)
	}
	return nil
}

func (s *csvScan) Write(p []byte) (int, error) {
	// Where the next quote and carriage return of p are, once looked for:
	// plainLines stops at them. Looking again at every record would read
	// the rest of p once per record: quadratic in a long file of short CRLF
	// lines without a quote.
	nextQuote, nextCR := -1, -1
	// Where the current record starts in p; -1 when it started in an
	// earlier write (the tally cannot see it whole).
	recStart := -1
	if s.state == fieldStart && !s.any && !s.cr {
		recStart = 0
	}
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
				recStart = i + 1
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
				s.tallyRecord(p, recStart, i)
				recStart = i + 1
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
				s.tallyRecord(p, recStart, i)
				recStart = i + 1
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
		if s.tally != nil && s.width != 0 && len(line) > 0 {
			s.commas += s.tally.line(line)
		} else {
			s.commas += bytes.Count(line, comma)
		}
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

// tallyRecord tallies the record of p that ends at i, read byte by byte.
func (s *csvScan) tallyRecord(p []byte, start, i int) {
	switch {
	case s.tally == nil || s.width == 0 || !s.any:
	case start < 0:
		s.tally.unsure = true
	default:
		s.tally.record(p[start:i])
	}
}

// finish is the end of the file; it returns the first problem.
func (s *csvScan) finish() error {
	if t := s.tally; t != nil {
		// A last record without a line end, or CRLF lines, are not
		// tallied: DuckDB's reading of them decides.
		if s.any || s.style == "CRLF" {
			t.unsure = true
		}
		defer t.done()
	}
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
