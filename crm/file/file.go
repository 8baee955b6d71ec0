// Package file is the file CRM: a CRM backed by a folder in the snapshot
// format (one <object>.csv per Vault object, plus deletions.csv).
//
// Import reads the files as they are. A push appends a batch of new records
// to the end of the file in place (append.go: an unfinished append is undone
// on the next open of the object); other writes replace the file atomically
// with a rewrite. New records get ids of the form PREFIX-NNNNNN
// (see IDPrefix), one more than the highest sequence the object has ever used,
// deleted records included, so an id is never reused. Per-record failures are
// *crm.RecordError of type INVALID_DATA, as Vault reports them.
//
// A CRM serialises its own writes; two processes writing one folder at once
// are not supported (alignctl's apply lock prevents it).
package file

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/alignctl/alignctl/crm"
)

// Field names every snapshot object has, and the columns of deletions.csv.
const (
	FieldID           = "id"
	FieldModifiedDate = "modified_date__v"

	DeletionObject     = "object"
	DeletionID         = "id"
	DeletionDate       = "deleted_date"
	DeletionMergedInto = "merged_into"
)

// DeletionsHeader is the header of a new deletions.csv.
var DeletionsHeader = []string{DeletionObject, DeletionID, DeletionDate, DeletionMergedInto}

// InvalidData is the error type of every per-record failure of the file CRM:
// an unknown id, an id given to create, a missing id, text that is not UTF-8.
// Vault reports these as INVALID_DATA too; it has no separate "not found" type
// for records of a bulk request.
const InvalidData = "INVALID_DATA"

// CRM is a file CRM over one folder. It implements crm.Connector.
type CRM struct {
	dir  string
	now  func() time.Time
	seed maphash.Seed
	mu   sync.Mutex // serialises writes and recoveries
	// indexes holds the index of each object created in, once built.
	indexes map[string]*objectIndex
}

var _ crm.Connector = (*CRM)(nil)

// New returns the file CRM over dir, which need not exist until the first
// write. now stamps modified_date__v and deleted_date (the CLI passes its
// --now); nil means the clock.
func New(dir string, now func() time.Time) *CRM {
	if now == nil {
		now = time.Now
	}
	return &CRM{dir: dir, now: now, seed: maphash.MakeSeed(), indexes: map[string]*objectIndex{}}
}

// BatchSize is the records a push sends per call (crm.Batcher): a call is
// one append, or one rewrite of the file, and the push commits its results
// to the state after each; at Vault's 500, a push of 4 million account
// territories spent most of its time on those commits.
func (c *CRM) BatchSize() int { return 20000 }

var _ crm.Batcher = (*CRM)(nil)

// Dir is the folder the CRM reads and writes.
func (c *CRM) Dir() string { return c.dir }

// path is the CSV file of object; object must have passed checkObject.
func (c *CRM) path(object string) string {
	return filepath.Join(c.dir, object+".csv")
}

// checkObject rejects names that are not Vault object names, so that an
// object can never name a file outside the folder.
func checkObject(object string) error {
	if object == "" {
		return errors.New("empty object name")
	}
	for _, r := range object {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '_') {
			return fmt.Errorf("object %q: a Vault object name has only letters, digits and _", object)
		}
	}
	return nil
}

// stamp is now as modified_date__v: RFC 3339 in UTC, with fractional seconds
// only when now has them (truncating could put a record before an import's
// start time and make the import miss it).
func (c *CRM) stamp() string {
	return c.now().UTC().Format(time.RFC3339Nano)
}

// Export returns the object's own file: no copy is made, so Cleanup does
// nothing, and since is ignored (the importer filters on modified_date__v).
// Path is "" when the folder has no file for the object.
func (c *CRM) Export(ctx context.Context, object string, since time.Time) (crm.Export, error) {
	none := crm.Export{Cleanup: func() {}}
	if err := checkObject(object); err != nil {
		return none, err
	}
	if err := ctx.Err(); err != nil {
		return none, err
	}
	c.mu.Lock()
	err := c.recoverAppends(object)
	c.mu.Unlock()
	if err != nil {
		return none, err
	}
	path := c.path(object)
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return none, nil
	}
	if err != nil {
		return none, err
	}
	if !fi.Mode().IsRegular() {
		return none, fmt.Errorf("%s: not a regular file", path)
	}
	return crm.Export{Path: path, Cleanup: func() {}}, nil
}

// Fields returns the header of the object's file, or an error wrapping
// crm.ErrUnknownObject when there is no such file.
func (c *CRM) Fields(ctx context.Context, object string) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	t, err := c.readTable(object)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w: no file %s", object, crm.ErrUnknownObject, c.path(object))
	}
	if err != nil {
		return nil, err
	}
	defer t.close()
	return slices.Clone(t.header), nil
}

// readTable opens the object's file to read it, once what a crashed append
// left is undone (recoverAppends); an error wrapping fs.ErrNotExist when the
// folder has no file for the object.
func (c *CRM) readTable(object string) (*table, error) {
	if err := checkObject(object); err != nil {
		return nil, err
	}
	c.mu.Lock()
	err := c.recoverAppends(object)
	c.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return openTable(c.path(object))
}

// recoverAppends undoes an append to the object's file, and to
// deletions.csv, that a crash left unfinished (see recoverAppend). Every
// entry point calls it before it reads or writes, with c.mu held.
func (c *CRM) recoverAppends(object string) error {
	for _, o := range []string{object, crm.Deletions} {
		if err := recoverAppend(c.path(o)); err != nil {
			return err
		}
	}
	return nil
}
