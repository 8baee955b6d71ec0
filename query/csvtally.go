package query

import (
	"bytes"
	"hash/maphash"
	"slices"
	"time"
)

// recordTally makes StageCSV's record checks (an empty id, an id twice, a
// time that does not parse; the records read and the latest time) in the
// byte scan, which reads every byte of a large file anyway, on the other
// core, so that a file that passes them is read by DuckDB once, for the
// merge. It is sure only of what it reads as DuckDB would: an unquoted id
// with no blank at either end, an unquoted RFC 3339 time of at most
// microseconds, LF line endings, no record over two reads of the scan, and
// no two ids of the same hash. Anything else makes it unsure, and the
// checks are made in DuckDB as before (checkCSVRecords).
type recordTally struct {
	idCol, timeCol int       // -1: the file has no such column to check
	since          time.Time // the watermark: records before it are not read
	unsure         bool

	missing, bad, read int64
	latest             time.Time
	ids                []uint64 // the ids' hashes, sorted by done
	seed               maphash.Seed
	lastTime           []byte // the last time parsed, and its value:
	lastParsed         time.Time
	lastOK             bool // records of one export often share their time
}

func newRecordTally(header []string, timeColumn string, since time.Time) *recordTally {
	t := &recordTally{idCol: -1, timeCol: -1, since: since, seed: maphash.MakeSeed()}
	t.idCol = slices.Index(header, "id")
	if timeColumn != "" {
		if t.timeCol = slices.Index(header, timeColumn); t.timeCol < 0 {
			t.unsure = true
		}
	}
	return t
}

// line tallies a record of plain line (no quote, no carriage return) and
// returns its number of field separators.
func (t *recordTally) line(line []byte) int {
	last := max(t.idCol, t.timeCol)
	var id, ts []byte
	commas, rest := 0, line
	for f := 0; ; f++ {
		j := bytes.IndexByte(rest, ',')
		field := rest
		if j >= 0 {
			field = rest[:j]
		}
		switch f {
		case t.idCol:
			id = field
		case t.timeCol:
			ts = field
		}
		if j < 0 {
			break
		}
		commas++
		rest = rest[j+1:]
		if f == last {
			commas += bytes.Count(rest, comma)
			break
		}
	}
	if commas < last {
		// Too few fields: the scan refuses the file.
		t.unsure = true
		return commas
	}
	t.add(id, ts)
	return commas
}

// record tallies a record the scan read byte by byte (it has a quote).
func (t *recordTally) record(rec []byte) {
	id, idQuoted := fieldAt(rec, t.idCol)
	ts, tsQuoted := fieldAt(rec, t.timeCol)
	if idQuoted || tsQuoted {
		t.unsure = true
		return
	}
	t.add(id, ts)
}

// fieldAt is field k of a record and whether it is quoted (nil, false for
// k < 0 or past the record's fields).
func fieldAt(rec []byte, k int) ([]byte, bool) {
	if k < 0 {
		return nil, false
	}
	f, start, inQuotes := 0, 0, false
	for i := 0; i <= len(rec); i++ {
		if i < len(rec) && rec[i] == '"' {
			inQuotes = !inQuotes
			continue
		}
		if i == len(rec) || (rec[i] == ',' && !inQuotes) {
			if f == k {
				field := rec[start:i]
				return field, len(field) > 0 && field[0] == '"'
			}
			f++
			start = i + 1
		}
	}
	return nil, true // too few fields: the scan refuses the file; unsure
}

func (t *recordTally) add(id, ts []byte) {
	if t.idCol >= 0 {
		switch {
		case len(id) == 0:
			t.missing++
		case isBlank(id[0]) || isBlank(id[len(id)-1]):
			t.unsure = true // DuckDB's trim decides
		default:
			t.ids = append(t.ids, maphash.Bytes(t.seed, id))
		}
	}
	if t.timeCol < 0 {
		t.read++
		return
	}
	if len(ts) == 0 {
		t.bad++
		return
	}
	if !bytes.Equal(ts, t.lastTime) {
		at, err := time.Parse(time.RFC3339Nano, string(ts))
		t.lastTime = append(t.lastTime[:0], ts...)
		t.lastParsed, t.lastOK = at, err == nil && at.Nanosecond()%1000 == 0 && at.Year() >= 1000
	}
	if !t.lastOK {
		// Not RFC 3339 as Go reads it: DuckDB may read it still.
		t.unsure = true
		return
	}
	if at := t.lastParsed; t.since.IsZero() || !at.Before(t.since) {
		t.read++
		if at.After(t.latest) {
			t.latest = at
		}
	}
}

func isBlank(b byte) bool {
	return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\v' || b == '\f'
}

// done finishes the tally: two ids of the same hash (a duplicate, or a
// collision) leave the verdict to DuckDB, which names the duplicate.
func (t *recordTally) done() {
	slices.Sort(t.ids)
	for i := 1; i < len(t.ids); i++ {
		if t.ids[i] == t.ids[i-1] {
			t.unsure = true
			break
		}
	}
	t.ids = nil
}
