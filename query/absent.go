package query

import (
	"context"
	"fmt"
	"time"
)

// DeleteAbsent records as deleted, at deletedAt and merged into nothing,
// the records of object that the state holds for instance and that ids (a
// staged CSV of every id the CRM holds of the object: a full id read) no
// longer lists, and removes them from the object's table, as MergeDeletions
// does for listed deletions. It returns how many it found. An object the
// state has no table for has nothing to find.
func (d *DB) DeleteAbsent(ctx context.Context, instance, object string, ids *Staged, deletedAt time.Time) (int64, error) {
	table := CRMTable(object)
	if ok, err := d.TableExists(ctx, table); err != nil || !ok {
		return 0, err
	}
	if err := d.checkRecords(ctx, ids); err != nil {
		return 0, err
	}
	// The id list is read once into a table: the state's records are
	// compared against it twice.
	if _, err := d.Exec(ctx, `CREATE OR REPLACE TEMP TABLE present_id AS
		SELECT DISTINCT id FROM `+ids.source(1), ids.Path); err != nil {
		return 0, fmt.Errorf("%s ids: %w", object, err)
	}
	if err := ids.unchanged(); err != nil {
		return 0, err
	}
	res, err := d.Exec(ctx, `INSERT INTO crm_deletion
		SELECT DISTINCT $1, $2, s.id, $3::TIMESTAMPTZ, NULL FROM `+Ident(table)+` s
		WHERE s._instance = $1
		  AND NOT EXISTS (SELECT 1 FROM present_id p WHERE p.id = s.id)
		  AND NOT EXISTS (SELECT 1 FROM crm_deletion x WHERE x.instance = $1 AND x.object = $2 AND x.id = s.id)`,
		instance, object, deletedAt.UTC())
	if err != nil {
		return 0, fmt.Errorf("%s ids: %w", object, err)
	}
	n, _ := res.RowsAffected()
	if _, err := d.Exec(ctx, `DELETE FROM `+Ident(table)+` s
		WHERE s._instance = $1 AND NOT EXISTS (SELECT 1 FROM present_id p WHERE p.id = s.id)`, instance); err != nil {
		return 0, fmt.Errorf("%s ids: %w", object, err)
	}
	_, err = d.Exec(ctx, `DROP TABLE present_id`)
	return n, err
}
