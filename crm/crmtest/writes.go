package crmtest

import (
	"errors"
	"testing"

	"github.com/alignctl/alignctl/crm"
)

// create, update and del call the connector and check the call as a whole
// succeeded with one result per record.
func create(t *testing.T, c crm.Connector, object string, recs []crm.Record) []crm.Result {
	t.Helper()
	res, err := c.Create(t.Context(), object, recs)
	return checkResults(t, "Create", object, len(recs), res, err)
}

func update(t *testing.T, c crm.Connector, object string, recs []crm.Record) []crm.Result {
	t.Helper()
	res, err := c.Update(t.Context(), object, recs)
	return checkResults(t, "Update", object, len(recs), res, err)
}

func del(t *testing.T, c crm.Connector, object string, ids []string) []crm.Result {
	t.Helper()
	res, err := c.Delete(t.Context(), object, ids)
	return checkResults(t, "Delete", object, len(ids), res, err)
}

func checkResults(t *testing.T, op, object string, n int, res []crm.Result, err error) []crm.Result {
	t.Helper()
	if err != nil {
		t.Fatalf("%s(%s): %v", op, object, err)
	}
	if len(res) != n {
		t.Fatalf("%s(%s): %d results for %d records", op, object, len(res), n)
	}
	return res
}

// okIDs fails unless every result succeeded, and returns their ids.
func okIDs(t *testing.T, res []crm.Result) []string {
	t.Helper()
	ids := make([]string, len(res))
	for i, r := range res {
		if r.Err != nil {
			t.Fatalf("record %d: %v", i, r.Err)
		}
		ids[i] = r.ID
	}
	return ids
}

func wantRecordError(t *testing.T, what string, err error) {
	t.Helper()
	var re *crm.RecordError
	if !errors.As(err, &re) {
		t.Errorf("%s: err = %v (%T), want a *crm.RecordError", what, err, err)
		return
	}
	if re.Type == "" {
		t.Errorf("%s: RecordError %v has no Type", what, re)
	}
}
