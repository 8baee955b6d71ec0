package file

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/alignctl/alignctl/crm"
)

// An objectIndex is what Create needs to know of an object's file to append
// a batch without reading the file again: its header, the external ids it
// holds and the highest id sequence used. It is built by one scan on the
// first create of the object in the CRM's life and kept up to date by the
// appends; a rewrite of the file drops it.
type objectIndex struct {
	header []string
	col    map[string]int
	// ext holds a hash of each external id of the file. A hash found here
	// sends the batch to a rewrite, which matches the ids themselves; so
	// a collision costs a rewrite, never a wrong upsert, and the index
	// takes 8 bytes a row rather than the ids.
	ext map[uint64]struct{}
	// seq is the highest sequence of our prefix among the file's ids and
	// the object's ids in deletions.csv.
	seq int64
	// size and mtime are the file as indexed: a file found otherwise was
	// changed behind the CRM's back, and is indexed again.
	size  int64
	mtime time.Time
	// appendable is false when the file does not end with a newline (a
	// snapshot made by hand), so that a row appended would join its last.
	appendable bool
}

// indexOf returns the index of object, building it when there is none or the
// file changed since; nil when the object has no file.
func (c *CRM) indexOf(ctx context.Context, object string) (*objectIndex, error) {
	path := c.path(object)
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		delete(c.indexes, object)
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if x := c.indexes[object]; x != nil && x.size == fi.Size() && x.mtime.Equal(fi.ModTime()) {
		return x, nil
	}
	delete(c.indexes, object)
	x, err := c.scanIndex(ctx, object)
	if err != nil {
		return nil, err
	}
	c.indexes[object] = x
	return x, nil
}

// scanIndex reads the object's file once to index it.
func (c *CRM) scanIndex(ctx context.Context, object string) (*objectIndex, error) {
	prefix := IDPrefix(object)
	seq, err := c.deletedSeq(ctx, object, prefix)
	if err != nil {
		return nil, err
	}
	t, err := openTable(c.path(object))
	if err != nil {
		return nil, err
	}
	defer t.close()
	// The size is taken from the open file before reading it, so that it
	// describes what was read.
	fi, err := t.f.Stat()
	if err != nil {
		return nil, err
	}
	idCol, ok := t.col[FieldID]
	if !ok {
		return nil, fmt.Errorf("%s:1: no %s column in the header", t.path, FieldID)
	}
	extCol, hasExt := t.col[crm.ExternalID]
	x := &objectIndex{header: t.header, col: t.col, ext: map[uint64]struct{}{}, size: fi.Size(), mtime: fi.ModTime()}
	for {
		rec, err := t.next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		seq = max(seq, idSeq(rec[idCol], prefix))
		if hasExt && rec[extCol] != "" {
			x.ext[c.hash(rec[extCol])] = struct{}{}
		}
	}
	x.seq = seq
	if x.appendable, err = endsWithNewline(t.f, x.size); err != nil {
		return nil, err
	}
	return x, nil
}

func (c *CRM) hash(s string) uint64 { return maphash.String(c.seed, s) }

// tryAppend writes the valid records recs[ok] of a create as new rows at the
// end of the file, and returns their ids; false when the batch needs a
// rewrite instead: the object has no file yet, a record has a field the
// header lacks, or an external id the file may already hold.
func (c *CRM) tryAppend(ctx context.Context, object string, recs []crm.Record) ([]string, bool, error) {
	x, err := c.indexOf(ctx, object)
	if err != nil || x == nil || !x.appendable {
		return nil, false, err
	}
	if _, ok := x.col[FieldModifiedDate]; !ok {
		return nil, false, nil
	}
	hashes := make([]uint64, len(recs))
	for i, rec := range recs {
		for f := range rec {
			if _, ok := x.col[f]; !ok {
				return nil, false, nil
			}
		}
		if v := rec[crm.ExternalID]; v != "" {
			hashes[i] = c.hash(v)
			if _, found := x.ext[hashes[i]]; found {
				return nil, false, nil
			}
		}
	}
	prefix := IDPrefix(object)
	stamp := c.stamp()
	idCol, mdCol := x.col[FieldID], x.col[FieldModifiedDate]
	ids := make([]string, len(recs))
	rows := make([][]string, len(recs))
	for i, rec := range recs {
		ids[i] = formatID(prefix, x.seq+int64(i)+1)
		row := make([]string, len(x.header))
		for f, v := range rec {
			row[x.col[f]] = v
		}
		row[idCol] = ids[i]
		row[mdCol] = stamp
		rows[i] = row
	}
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	path := c.path(object)
	size, err := appendRows(path, x.size, rows)
	if err != nil {
		delete(c.indexes, object)
		return nil, false, err
	}
	fi, err := os.Stat(path)
	if err != nil {
		delete(c.indexes, object)
		return nil, false, err
	}
	x.seq += int64(len(recs))
	x.size, x.mtime = size, fi.ModTime()
	if fi.Size() != size {
		delete(c.indexes, object) // someone else wrote too: index it again
	}
	for i, h := range hashes {
		if recs[i][crm.ExternalID] != "" {
			x.ext[h] = struct{}{}
		}
	}
	return ids, true, nil
}
