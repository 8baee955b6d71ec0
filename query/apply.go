package query

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"time"
)

// MovedError says assignment records a plan changes are no longer as the
// plan saw them: the state moved under the plan.
type MovedError struct{ Missing, Of int64 }

func (e *MovedError) Error() string {
	return fmt.Sprintf("the state changed since the plan was made: %d of %d assignment records no longer match it", e.Missing, e.Of)
}

// TerritoryRow is a territory as the state keeps it.
type TerritoryRow struct {
	ID, Instance, Name, Parent, FieldForce, Country string
	Start, End                                      *time.Time
	SendToCRM                                       bool
	// Attributes are those an outbound field mapping writes, by key; nil
	// when none.
	Attributes map[string]string
}

// Territories reads the territories of the state.
func (d *DB) Territories(ctx context.Context) ([]TerritoryRow, error) {
	rows, err := d.Query(ctx, `SELECT id, instance, name, coalesce(parent, ''), field_force, country, start_date, end_date, send_to_crm,
		coalesce(attributes, '')
		FROM territory ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []TerritoryRow
	for rows.Next() {
		var t TerritoryRow
		var attrs string
		if err := rows.Scan(&t.ID, &t.Instance, &t.Name, &t.Parent, &t.FieldForce, &t.Country, &t.Start, &t.End, &t.SendToCRM, &attrs); err != nil {
			return nil, err
		}
		if t.Attributes, err = decodeAttributes(attrs); err != nil {
			return nil, fmt.Errorf("territory %s: %w", t.ID, err)
		}
		t.Start, t.End = utcPtr(t.Start), utcPtr(t.End)
		out = append(out, t)
	}
	return out, rows.Err()
}

// ApplyChanges writes a plan's assignment changes and territory rows in bulk
// (Appender into a temporary table, then one statement per action). Every end
// or update must find its record as the plan saw it, else the state moved
// under the plan and nothing is written. With partial (a plan scoped to a
// subtree), territories are the subtree's: they are written, and territories
// outside it are left as they are.
func (d *DB) ApplyChanges(ctx context.Context, changes []Change, territories []TerritoryRow, partial bool, now time.Time) error {
	if _, err := d.Exec(ctx, `CREATE OR REPLACE TEMP TABLE apply_change (
		action VARCHAR, id VARCHAR, account VARCHAR, territory VARCHAR, instance VARCHAR, source VARCHAR,
		rule VARCHAR, origin VARCHAR, start_date TIMESTAMPTZ, end_date TIMESTAMPTZ, send_to_crm BOOLEAN,
		before_start TIMESTAMPTZ, before_end TIMESTAMPTZ)`); err != nil {
		return err
	}
	var edits int64
	err := d.Append(ctx, true, "apply_change", func(add func(...driver.Value) error) error {
		for _, c := range changes {
			var rule, id driver.Value
			if c.Rule != "" {
				rule = c.Rule
			}
			if c.ID != "" {
				id = c.ID
				edits++
			}
			var beforeStart, beforeEnd driver.Value
			if c.Before != nil {
				beforeStart, beforeEnd = c.Before.StartDate, timeOrNil(c.Before.EndDate)
			}
			if err := add(string(c.Action), id, c.Account, c.Territory, c.Instance, c.Source, rule, c.Origin,
				c.StartDate, timeOrNil(c.EndDate), c.SendToCRM, beforeStart, beforeEnd); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return d.applyChanges(ctx, "apply_change", edits, territories, partial, now)
}

// assignmentID is the SQL of the id of the assignment record numbered n (an
// SQL expression): "AT-" and nine digits. Diff.Preview reads the numbers back
// from ids of this form.
func assignmentID(n string) string {
	return `'AT-' || lpad((` + n + `)::VARCHAR, 9, '0')`
}

// Assignments names the relation the push preview and the balance read
// assignment records from: the state's table, or the preview of it.
type Assignments string

const (
	// StateAssignments is the state's account_territory table.
	StateAssignments Assignments = "account_territory"
	// previewAssignments is account_territory as applying a diff would
	// leave it: Diff.Preview makes it and returns it.
	previewAssignments Assignments = "assignment_after"
)

// WriteTerritories makes the territory table hold the given rows, as
// ApplyChanges does after the changes (with partial, at least them).
func (d *DB) WriteTerritories(ctx context.Context, territories []TerritoryRow, partial bool, now time.Time) error {
	return d.writeTerritories(ctx, territories, partial, now)
}

// applyChanges writes the changes of table (apply_change, or the diff's
// change: the same columns), of which edits are ends and updates of
// existing records, and the territories. New records are numbered in the
// order of their keys, as Changes lists them, when one thread numbers them
// (a small plan); a large insert numbers them in parallel.
func (d *DB) applyChanges(ctx context.Context, table string, edits int64, territories []TerritoryRow, partial bool, now time.Time) error {
	res, err := d.Exec(ctx, `UPDATE account_territory a
		SET start_date = c.start_date, end_date = c.end_date, send_to_crm = c.send_to_crm, updated_at = $1
		FROM `+table+` c
		WHERE c.id = a.id AND c.action IN ('end', 'update')
		  AND a.start_date = c.before_start AND a.end_date IS NOT DISTINCT FROM c.before_end`, now)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != edits {
		return &MovedError{Missing: edits - n, Of: edits}
	}
	if _, err := d.Exec(ctx, `INSERT INTO account_territory
		SELECT `+assignmentID(`nextval('account_territory_seq')`)+`, instance, account, territory, source,
		       rule, origin, start_date, end_date, send_to_crm, NULL, NULL, $1, $1
		FROM (SELECT * FROM `+table+` WHERE action = 'create' ORDER BY territory, account, source, origin)`, now); err != nil {
		return err
	}
	return d.writeTerritories(ctx, territories, partial, now)
}

// writeTerritories makes the territory table hold exactly the given rows
// (with partial, at least them), keeping the CRM link of each; updated_at
// moves only for rows that changed, so that a push updates just those.
func (d *DB) writeTerritories(ctx context.Context, territories []TerritoryRow, partial bool, now time.Time) error {
	if territories == nil {
		return nil
	}
	if _, err := d.Exec(ctx, `CREATE OR REPLACE TEMP TABLE apply_territory (id VARCHAR, instance VARCHAR, name VARCHAR,
		parent VARCHAR, field_force VARCHAR, country VARCHAR, start_date TIMESTAMPTZ, end_date TIMESTAMPTZ, send_to_crm BOOLEAN,
		attributes VARCHAR)`); err != nil {
		return err
	}
	err := d.Append(ctx, true, "apply_territory", func(add func(...driver.Value) error) error {
		for _, t := range territories {
			var parent driver.Value
			if t.Parent != "" {
				parent = t.Parent
			}
			attrs, err := encodeAttributes(t.Attributes)
			if err != nil {
				return err
			}
			if err := add(t.ID, t.Instance, t.Name, parent, t.FieldForce, t.Country, timeOrNil(t.Start), timeOrNil(t.End), t.SendToCRM, attrs); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	// Territories gone from the config end now; changed ones take the config's values.
	stmts := []string{
		`UPDATE territory SET end_date = $1, updated_at = $1
		 WHERE NOT $2 AND id NOT IN (SELECT id FROM apply_territory) AND (end_date IS NULL OR end_date > $1)`,
		// A territory moved to another CRM instance leaves its territory__v
		// record in the old one to be deleted, and has no record in the new one yet.
		`INSERT INTO territory_retired
		 SELECT t.instance, t.id, coalesce(t.crm_record_id, c.id), $1, NULL
		 FROM territory t JOIN apply_territory n ON n.id = t.id AND n.instance <> t.instance
		 LEFT JOIN (SELECT _instance, name__v, min(id) AS id FROM crm_territory__v GROUP BY ALL) c
		        ON c._instance = t.instance AND c.name__v = t.id
		 WHERE t.crm_deleted_at IS NULL AND coalesce(t.crm_record_id, c.id) IS NOT NULL`,
		`UPDATE territory t SET instance = n.instance, name = n.name, parent = n.parent, field_force = n.field_force,
		        country = n.country, start_date = n.start_date, end_date = n.end_date, send_to_crm = n.send_to_crm,
		        attributes = n.attributes, updated_at = $1,
		        crm_record_id = CASE WHEN t.instance = n.instance THEN t.crm_record_id END,
		        pushed_at = CASE WHEN t.instance = n.instance THEN t.pushed_at END,
		        crm_deleted_at = CASE WHEN t.instance = n.instance THEN t.crm_deleted_at END
		 FROM apply_territory n
		 WHERE n.id = t.id AND (t.instance, t.name, t.parent, t.field_force, t.country, t.start_date, t.end_date, t.send_to_crm, t.attributes)
		       IS DISTINCT FROM (n.instance, n.name, n.parent, n.field_force, n.country, n.start_date, n.end_date, n.send_to_crm, n.attributes)`,
		`INSERT INTO territory (id, instance, name, parent, field_force, country, start_date, end_date, send_to_crm, attributes, updated_at)
		 SELECT id, instance, name, parent, field_force, country, start_date, end_date, send_to_crm, attributes, $1
		 FROM apply_territory WHERE id NOT IN (SELECT id FROM territory)`,
	}
	for _, s := range stmts {
		if _, err := d.Exec(ctx, s, now, partial); err != nil {
			return err
		}
	}
	return nil
}

// SetApplied records the config an apply wrote.
func (d *DB) SetApplied(ctx context.Context, config string, now time.Time) error {
	_, err := d.Exec(ctx, `UPDATE state SET applied_config = $1, applied_at = $2`, config, now)
	return err
}

// encodeAttributes is the state's form of a territory's attributes: a JSON
// object, keys sorted (so that equal attributes compare equal as text), or
// NULL for none.
func encodeAttributes(m map[string]string) (driver.Value, error) {
	if len(m) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

func decodeAttributes(s string) (map[string]string, error) {
	if s == "" {
		return nil, nil
	}
	var m map[string]string
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, fmt.Errorf("attributes in the state: %w", err)
	}
	return m, nil
}
