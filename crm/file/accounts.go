package file

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/alignctl/alignctl/crm"
)

var _ crm.AccountExporter = (*CRM)(nil)

// ExportAccounts writes the object's records that belong to the accounts
// (any of fields holds one of them) to a temporary file in the snapshot
// format, which Cleanup removes: an import reads the children of accounts
// that entered the selected countries without taking the rest of the file.
// A field the file lacks names no account. Path is "" when the folder has
// no file for the object.
func (c *CRM) ExportAccounts(ctx context.Context, object string, fields, accounts []string) (crm.Export, error) {
	none := crm.Export{Cleanup: func() {}}
	t, err := c.readTable(object)
	if errors.Is(err, fs.ErrNotExist) {
		return none, nil
	}
	if err != nil {
		return none, err
	}
	defer t.close()
	want := make(map[string]bool, len(accounts))
	for _, a := range accounts {
		want[a] = true
	}
	var cols []int
	for _, f := range fields {
		if i, ok := t.col[f]; ok {
			cols = append(cols, i)
		}
	}
	tmp, err := os.CreateTemp("", "alignctl-"+object+"-*.csv")
	if err != nil {
		return none, err
	}
	exp := crm.Export{Path: tmp.Name(), Cleanup: func() { os.Remove(tmp.Name()) }}
	fail := func(err error) (crm.Export, error) {
		tmp.Close()
		exp.Cleanup()
		return none, err
	}
	w := csv.NewWriter(tmp)
	if err := w.Write(t.header); err != nil {
		return fail(err)
	}
	for {
		rec, err := t.next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			return fail(err)
		}
		for _, i := range cols {
			if want[rec[i]] {
				if err := w.Write(rec); err != nil {
					return fail(err)
				}
				break
			}
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return fail(fmt.Errorf("%s: %w", tmp.Name(), err))
	}
	if err := tmp.Close(); err != nil {
		return fail(err)
	}
	return exp, nil
}
