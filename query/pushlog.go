package query

import (
	"context"
	"database/sql/driver"
	"time"
)

// PushResult is the outcome of writing one record to the CRM.
type PushResult struct {
	Object string // territory__v or account_territory__v
	Action CRMAction
	Record string // Align record: territory id or assignment id
	CRMID  string // the CRM record id (fresh for a create)
	Err    string // "" on success
	// Fields written, for the objects whose imported rows the state mirrors
	// at once (user_territory__v, my_setup_products__v).
	Fields map[string]string
}

// RecordPush writes the results of one batch in bulk: CRM ids of created
// records, deletion times, push times of territories, and failures (kept for
// the next push, which retries them because they are still pending).
func (d *DB) RecordPush(ctx context.Context, instance string, results []PushResult, now time.Time) error {
	if _, err := d.Exec(ctx, `CREATE OR REPLACE TEMP TABLE push_result (object VARCHAR, action VARCHAR, record VARCHAR, crm_id VARCHAR, err VARCHAR,
		user__v VARCHAR, territory__v VARCHAR, product__v VARCHAR, parent_territory__v VARCHAR)`); err != nil {
		return err
	}
	err := d.Append(ctx, true, "push_result", func(add func(...driver.Value) error) error {
		for _, r := range results {
			if err := add(r.Object, string(r.Action), r.Record, r.CRMID, r.Err, r.Fields["user__v"], r.Fields["territory__v"], r.Fields["product__v"], r.Fields["parent_territory__v"]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	// Each statement writes what results of one object (and actions) did;
	// a batch is of one object and action, and a statement with nothing to
	// do still scans its table (account_territory: millions of rows).
	type write struct {
		object  string
		actions []CRMAction
		sql     string
	}
	stmts := []write{
		{"", nil, `DELETE FROM push_failure WHERE instance = $1 AND (object, record) IN (SELECT object, record FROM push_result)`},
		{"", nil, `INSERT INTO push_failure SELECT $1, object, record, action, err, $2 FROM push_result WHERE err <> ''`},
		{"territory__v", []CRMAction{CRMCreate, CRMUpdate}, `UPDATE territory t SET crm_record_id = r.crm_id, pushed_at = $2, crm_deleted_at = NULL,
		        pushed_parent = coalesce(r.parent_territory__v, '')
		 FROM push_result r
		 WHERE r.err = '' AND r.object = 'territory__v' AND r.action IN ('create', 'update') AND t.id = r.record AND t.instance = $1`},
		{"territory__v", []CRMAction{CRMDelete}, `UPDATE territory t SET crm_deleted_at = $2 FROM push_result r
		 WHERE r.err = '' AND r.object = 'territory__v' AND r.action = 'delete' AND t.id = r.record AND t.instance = $1
		   AND r.crm_id = coalesce(t.crm_record_id, r.crm_id)`},
		{"territory__v", []CRMAction{CRMDelete}, `UPDATE territory_retired t SET deleted_at = $2 FROM push_result r
		 WHERE r.err = '' AND r.object = 'territory__v' AND r.action = 'delete' AND t.instance = $1 AND t.crm_record_id = r.crm_id`},
		{"territory__v", []CRMAction{CRMDelete}, `DELETE FROM crm_territory__v WHERE _instance = $1
		 AND id IN (SELECT crm_id FROM push_result WHERE err = '' AND object = 'territory__v' AND action = 'delete')`},
		// A created record stands for every active record of its account and territory.
		{"account_territory__v", []CRMAction{CRMCreate}, `UPDATE account_territory a SET crm_record_id = r.crm_id, updated_at = $2
		 FROM push_result r JOIN account_territory h ON h.id = r.record AND h.instance = $1
		 WHERE r.err = '' AND r.object = 'account_territory__v' AND r.action = 'create'
		   AND a.instance = $1 AND a.account = h.account AND a.territory = h.territory
		   AND a.crm_record_id IS NULL AND (a.end_date IS NULL OR a.end_date > $2)`},
		// The state's mirror of user_territory__v and my_setup_products__v
		// follows at once, so a push cut short never writes a row twice.
		{"user_territory__v", []CRMAction{CRMCreate}, `INSERT INTO crm_user_territory__v BY NAME
		 SELECT $1 AS _instance, crm_id AS id, user__v, territory__v, strftime($2, '%Y-%m-%dT%H:%M:%SZ') AS modified_date__v
		 FROM push_result WHERE err = '' AND object = 'user_territory__v' AND action = 'create'`},
		{"user_territory__v", []CRMAction{CRMDelete}, `DELETE FROM crm_user_territory__v WHERE _instance = $1
		 AND id IN (SELECT crm_id FROM push_result WHERE err = '' AND object = 'user_territory__v' AND action = 'delete')`},
		{"my_setup_products__v", []CRMAction{CRMCreate}, `INSERT INTO crm_my_setup_products__v BY NAME
		 SELECT $1 AS _instance, crm_id AS id, territory__v, product__v, strftime($2, '%Y-%m-%dT%H:%M:%SZ') AS modified_date__v
		 FROM push_result WHERE err = '' AND object = 'my_setup_products__v' AND action = 'create'`},
		{"my_setup_products__v", []CRMAction{CRMDelete}, `DELETE FROM crm_my_setup_products__v WHERE _instance = $1
		 AND id IN (SELECT crm_id FROM push_result WHERE err = '' AND object = 'my_setup_products__v' AND action = 'delete')`},
		{"account_territory__v", []CRMAction{CRMDelete}, `UPDATE account_territory a SET crm_deleted_at = $2, updated_at = $2 FROM push_result r
		 WHERE r.err = '' AND r.object = 'account_territory__v' AND r.action = 'delete'
		   AND a.instance = $1 AND a.crm_record_id = r.crm_id AND a.crm_deleted_at IS NULL`},
	}
	type kind struct {
		object string
		action CRMAction
	}
	present := map[kind]bool{}
	for _, r := range results {
		present[kind{r.Object, r.Action}] = true
	}
	for _, w := range stmts {
		run := w.object == ""
		for _, a := range w.actions {
			run = run || present[kind{w.object, a}]
		}
		if !run {
			continue
		}
		if _, err := d.Exec(ctx, w.sql, instance, now); err != nil {
			return err
		}
	}
	return nil
}

// LogPush records one push run of an instance.
func (d *DB) LogPush(ctx context.Context, instance, scope string, started time.Time, created, updated, deleted, failed int, ok bool) error {
	_, err := d.Exec(ctx, `INSERT INTO push_log VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		instance, started, scope, created, updated, deleted, failed, ok)
	return err
}

// CRMIDs maps territory ids to their territory__v record ids: the one the
// state holds, else one of the same name__v in the imported CRM data.
func (d *DB) CRMIDs(ctx context.Context, instance string) (map[string]string, error) {
	rows, err := d.Query(ctx, `SELECT t.id, coalesce(t.crm_record_id, c.id)
		FROM territory t
		LEFT JOIN (SELECT name__v, min(id) AS id FROM crm_territory__v WHERE _instance = $1 GROUP BY name__v) c ON c.name__v = t.id
		WHERE t.instance = $1 AND coalesce(t.crm_record_id, c.id) IS NOT NULL`, instance)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, crmID string
		if err := rows.Scan(&id, &crmID); err != nil {
			return nil, err
		}
		out[id] = crmID
	}
	return out, rows.Err()
}
