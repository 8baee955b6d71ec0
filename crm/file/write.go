package file

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/alignctl/alignctl/crm"
)

// Create appends recs to the object's file, each with a fresh id and
// modified_date__v = now. A field the header lacks becomes a new last column
// (existing rows get ""); a missing file is created with the header id, the
// records' fields in name order, modified_date__v. A record that carries an
// id, or text that is not UTF-8, fails alone; the others are still written.
//
// A batch of new records under the file's header is appended (see
// appendRows), which costs the batch; one that changes the header or names
// an external id the file may hold rewrites the file.
func (c *CRM) Create(ctx context.Context, object string, recs []crm.Record) ([]crm.Result, error) {
	if err := checkWritable(object); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.recoverAppends(object); err != nil {
		return nil, err
	}

	results := make([]crm.Result, len(recs))
	var ok []int
	fields := map[string]bool{}
	for i, rec := range recs {
		idx := strconv.Itoa(i)
		if _, has := rec[FieldID]; has {
			results[i].Err = recordError(object, idx, "field id is set by the CRM: remove it from the record to create")
			continue
		}
		if err := checkRecord(object, idx, rec); err != nil {
			results[i].Err = err
			continue
		}
		ok = append(ok, i)
		for f := range rec {
			if f != FieldModifiedDate {
				fields[f] = true
			}
		}
	}
	if len(ok) == 0 {
		return results, nil
	}
	valid := make([]crm.Record, len(ok))
	for j, i := range ok {
		valid[j] = recs[i]
	}
	if ids, appended, err := c.tryAppend(ctx, object, valid); err != nil {
		return nil, err
	} else if appended {
		for j, i := range ok {
			results[i].ID = ids[j]
		}
		return results, nil
	}
	defer delete(c.indexes, object)
	newFields := sortedKeys(fields)

	prefix := IDPrefix(object)
	seq, err := c.deletedSeq(ctx, object, prefix)
	if err != nil {
		return nil, err
	}
	path := c.path(object)
	src, err := openTable(path)
	var header []string
	switch {
	case errors.Is(err, fs.ErrNotExist):
		src = nil
		header = append(append([]string{FieldID}, newFields...), FieldModifiedDate)
	case err != nil:
		return nil, err
	default:
		if _, ok := src.col[FieldID]; !ok {
			src.close()
			return nil, fmt.Errorf("%s:1: no %s column in the header", path, FieldID)
		}
		header = widen(src.header, append(newFields, FieldModifiedDate)...)
	}
	col := index(header)
	idCol := col[FieldID]
	stamp := c.stamp()
	ids := make([]string, len(recs))
	// A record whose external id the file holds updates that row (upsert).
	byExternal := map[string]int{}
	for _, i := range ok {
		if x := recs[i][crm.ExternalID]; x != "" {
			byExternal[x] = i
		}
	}
	extCol, hasExt := col[crm.ExternalID]
	err = rewrite(ctx, path, src, edit{
		header: header,
		row: func(row []string) bool {
			seq = max(seq, idSeq(row[idCol], prefix))
			if i, found := byExternal[row[extCol]]; hasExt && found && row[extCol] != "" && ids[i] == "" {
				for f, v := range recs[i] {
					row[col[f]] = v
				}
				row[col[FieldModifiedDate]] = stamp
				ids[i] = row[idCol]
			}
			return true
		},
		tail: func() [][]string {
			rows := make([][]string, 0, len(ok))
			for _, i := range ok {
				if ids[i] != "" {
					continue // upserted into an existing row
				}
				seq++
				ids[i] = formatID(prefix, seq)
				row := make([]string, len(header))
				for f, v := range recs[i] {
					row[col[f]] = v
				}
				row[idCol] = ids[i]
				row[col[FieldModifiedDate]] = stamp
				rows = append(rows, row)
			}
			return rows
		},
	})
	if err != nil {
		return nil, err
	}
	for _, i := range ok {
		results[i].ID = ids[i]
	}
	return results, nil
}

// Update sets the given fields of the records named by their "id", and
// modified_date__v = now. A field the header lacks becomes a new last column.
// An unknown or missing id fails that record alone (in a folder without the
// object's file every id is unknown). Several records with one id apply in
// order. When no record applies, the file is not rewritten.
func (c *CRM) Update(ctx context.Context, object string, recs []crm.Record) ([]crm.Result, error) {
	if err := checkWritable(object); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.recoverAppends(object); err != nil {
		return nil, err
	}
	defer delete(c.indexes, object) // the rewrite below may change any row

	results := make([]crm.Result, len(recs))
	want := map[string]bool{}
	for i, rec := range recs {
		id := rec[FieldID]
		results[i].ID = id
		if id == "" {
			results[i].ID = strconv.Itoa(i)
			results[i].Err = recordError(object, results[i].ID, "no id: an update names its record by id")
			continue
		}
		if err := checkRecord(object, id, rec); err != nil {
			results[i].Err = err
			continue
		}
		want[id] = true
	}
	found, err := c.findIDs(ctx, object, want)
	if err != nil {
		return nil, err
	}
	byID := map[string][]crm.Record{}
	fields := map[string]bool{}
	for i, rec := range recs {
		if results[i].Err != nil {
			continue
		}
		if !found[rec[FieldID]] {
			results[i].Err = recordError(object, rec[FieldID], "no such record")
			continue
		}
		byID[rec[FieldID]] = append(byID[rec[FieldID]], rec)
		for f := range rec {
			fields[f] = true
		}
	}
	if len(byID) == 0 {
		return results, nil
	}
	path := c.path(object)
	src, err := openTable(path)
	if err != nil {
		return nil, err
	}
	header := widen(src.header, append(sortedKeys(fields), FieldModifiedDate)...)
	col := index(header)
	idCol, mdCol := col[FieldID], col[FieldModifiedDate]
	stamp := c.stamp()
	err = rewrite(ctx, path, src, edit{
		header: header,
		row: func(row []string) bool {
			for _, rec := range byID[row[idCol]] {
				for f, v := range rec {
					row[col[f]] = v
				}
				row[mdCol] = stamp
			}
			return true
		},
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}

// Delete removes the records with the given ids and logs each in
// deletions.csv (deleted_date = now, merged_into empty). An unknown id, or
// one listed twice, fails alone.
//
// The log is written before the rows are removed: should the second write
// fail, a retry deletes the rows and logs them again, but an id is never
// removed without a trace (which would let an import miss the deletion and
// let Create reuse the id).
func (c *CRM) Delete(ctx context.Context, object string, ids []string) ([]crm.Result, error) {
	if err := checkWritable(object); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.recoverAppends(object); err != nil {
		return nil, err
	}
	defer delete(c.indexes, object) // the rewrite below removes rows

	results := make([]crm.Result, len(ids))
	want := map[string]bool{}
	for i, id := range ids {
		results[i].ID = id
		switch {
		case id == "":
			results[i].ID = strconv.Itoa(i)
			results[i].Err = recordError(object, results[i].ID, "empty id")
		case want[id]:
			results[i].Err = recordError(object, id, "listed twice in one request")
		default:
			want[id] = true
		}
	}
	found, err := c.findIDs(ctx, object, want)
	if err != nil {
		return nil, err
	}
	var gone []string
	for i, id := range ids {
		if results[i].Err != nil {
			continue
		}
		if !found[id] {
			results[i].Err = recordError(object, id, "no such record")
			continue
		}
		gone = append(gone, id)
	}
	if len(gone) == 0 {
		return results, nil
	}
	stamp := c.stamp()
	if err := c.logDeletions(ctx, object, gone, stamp); err != nil {
		return nil, err
	}
	path := c.path(object)
	src, err := openTable(path)
	if err != nil {
		return nil, err
	}
	idCol := src.col[FieldID]
	err = rewrite(ctx, path, src, edit{
		header: src.header,
		row:    func(row []string) bool { return !found[row[idCol]] },
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}

// findIDs returns which of want are ids of the object's rows, reading the
// whole file (so that a malformed one fails before anything is written).
func (c *CRM) findIDs(ctx context.Context, object string, want map[string]bool) (map[string]bool, error) {
	if len(want) == 0 {
		return nil, nil
	}
	t, err := openTable(c.path(object))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer t.close()
	return scanIDs(ctx, t, want)
}

// deletedSeq is the highest sequence with prefix among the object's ids in
// deletions.csv.
func (c *CRM) deletedSeq(ctx context.Context, object, prefix string) (int64, error) {
	t, err := openTable(c.path(crm.Deletions))
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	defer t.close()
	objCol, ok1 := t.col[DeletionObject]
	idCol, ok2 := t.col[DeletionID]
	if !ok1 || !ok2 {
		return 0, fmt.Errorf("%s:1: the header needs the columns %s and %s", t.path, DeletionObject, DeletionID)
	}
	var seq int64
	for {
		rec, err := t.next(ctx)
		if err == io.EOF {
			return seq, nil
		}
		if err != nil {
			return 0, err
		}
		if rec[objCol] == object {
			seq = max(seq, idSeq(rec[idCol], prefix))
		}
	}
}

// logDeletions appends one deletions.csv row per id.
func (c *CRM) logDeletions(ctx context.Context, object string, ids []string, stamp string) error {
	path := c.path(crm.Deletions)
	src, err := openTable(path)
	var header []string
	switch {
	case errors.Is(err, fs.ErrNotExist):
		src = nil
		header = DeletionsHeader
	case err != nil:
		return err
	default:
		header = widen(src.header, DeletionsHeader...)
	}
	col := index(header)
	rows := make([][]string, len(ids))
	for i, id := range ids {
		row := make([]string, len(header))
		row[col[DeletionObject]] = object
		row[col[DeletionID]] = id
		row[col[DeletionDate]] = stamp
		if j, ok := col[FieldModifiedDate]; ok {
			row[j] = stamp
		}
		rows[i] = row
	}
	if src != nil && len(header) == len(src.header) {
		// The log only grows: append unless the header needs new columns
		// or the last line lacks its newline.
		fi, err := src.f.Stat()
		if err != nil {
			src.close()
			return err
		}
		whole, err := endsWithNewline(src.f, fi.Size())
		if err != nil {
			src.close()
			return err
		}
		if whole {
			src.close()
			_, err := appendRows(path, fi.Size(), rows)
			return err
		}
	}
	return rewrite(ctx, path, src, edit{
		header: header,
		tail:   func() [][]string { return rows },
	})
}

// checkWritable rejects names that are not object names, and the deletions
// log, which only Delete writes.
func checkWritable(object string) error {
	if err := checkObject(object); err != nil {
		return err
	}
	if object == crm.Deletions {
		return fmt.Errorf("object %s: the deletions log is written by deleting records, not directly", object)
	}
	return nil
}

// checkRecord rejects a record the file could not hold as written.
func checkRecord(object, id string, rec crm.Record) error {
	for f, v := range rec {
		switch {
		case f == "":
			return recordError(object, id, "a field has an empty name")
		case !utf8.ValidString(f):
			return recordError(object, id, fmt.Sprintf("field name %q is not valid UTF-8", f))
		case !utf8.ValidString(v):
			return recordError(object, id, fmt.Sprintf("field %s: value is not valid UTF-8", f))
		}
	}
	return nil
}

func recordError(object, id, msg string) *crm.RecordError {
	return &crm.RecordError{Object: object, ID: id, Type: InvalidData, Msg: msg}
}

func index(header []string) map[string]int {
	m := make(map[string]int, len(header))
	for i, f := range header {
		m[f] = i
	}
	return m
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
