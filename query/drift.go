package query

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// CRMRecords reads an instance's records of a CRM object as last imported
// (or pushed), each as field -> value; empty fields are "". An object never
// imported has none.
func (d *DB) CRMRecords(ctx context.Context, object, instance string) ([]map[string]string, error) {
	cols, err := d.Columns(ctx, CRMTable(object))
	if err != nil || len(cols) == 0 {
		return nil, err
	}
	// The table name is one of alignctl's own CRM tables, never user input.
	rows, err := d.Query(ctx, `SELECT * FROM `+CRMTable(object)+` WHERE _instance = $1`, instance)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	names, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out []map[string]string
	vals := make([]any, len(names))
	ptrs := make([]any, len(names))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		rec := make(map[string]string, len(names))
		for i, n := range names {
			if n == "_instance" {
				continue
			}
			switch v := vals[i].(type) {
			case nil:
				rec[n] = ""
			case string:
				rec[n] = v
			case time.Time:
				rec[n] = v.UTC().Format(time.RFC3339)
			default:
				rec[n] = fmt.Sprint(v)
			}
		}
		out = append(out, rec)
	}
	return out, rows.Err()
}

// CRMRecordsByID is CRMRecords keyed by record id.
func (d *DB) CRMRecordsByID(ctx context.Context, object, instance string) (map[string]map[string]string, error) {
	recs, err := d.CRMRecords(ctx, object, instance)
	if err != nil {
		return nil, err
	}
	out := make(map[string]map[string]string, len(recs))
	for _, r := range recs {
		out[r["id"]] = r
	}
	return out, nil
}

// MirrorTerritoryUpdates writes the fields of territory__v updates the CRM
// took into the state's copy of its records, as RecordPush does for the
// records of user_territory__v and my_setup_products__v: the next push
// compares an update with that copy (a record that does not hold what was
// pushed has drifted), and the read-back import may miss a write stamped
// before its watermark.
func (d *DB) MirrorTerritoryUpdates(ctx context.Context, instance string, results []PushResult) error {
	var cols []string
	for _, r := range results {
		if r.Object != "territory__v" || r.Action != "update" || r.Err != "" {
			continue
		}
		if cols == nil {
			var err error
			if cols, err = d.Columns(ctx, CRMTable("territory__v")); err != nil {
				return err
			}
		}
		for _, c := range cols {
			v, ok := r.Fields[c]
			if !ok || c == "id" || c == "_instance" {
				continue
			}
			// c is a column of the table, so a quoted identifier of it is
			// one the table has; the value is bound.
			if _, err := d.Exec(ctx, `UPDATE crm_territory__v SET "`+strings.ReplaceAll(c, `"`, `""`)+`" = $3 WHERE _instance = $1 AND id = $2`,
				instance, r.CRMID, v); err != nil {
				return err
			}
		}
	}
	return nil
}
