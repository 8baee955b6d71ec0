package query

import (
	"context"
	"database/sql/driver"
	"fmt"
	"time"
)

// A saved plan keeps its two large lists, assignment changes and CRM
// changes, as Parquet (reconcile/planbody.go): DuckDB writes them and an
// apply reads them back in place, so that millions of changes never pass
// through a JSON decoder and Go structs on their way into the state.

// ChangeColumns are the columns of an assignment change in a plan's body,
// as ApplyChanges' temporary table has them.
const ChangeColumns = `action VARCHAR, id VARCHAR, account VARCHAR, territory VARCHAR, instance VARCHAR, source VARCHAR,
		rule VARCHAR, origin VARCHAR, start_date TIMESTAMPTZ, end_date TIMESTAMPTZ, send_to_crm BOOLEAN,
		before_start TIMESTAMPTZ, before_end TIMESTAMPTZ, reason VARCHAR`

// ChangeRow is a change as a row of ChangeColumns: "" as NULL for the id
// and the rule, the dates before it as two columns.
func ChangeRow(c *Change) []driver.Value {
	var rule, id driver.Value
	if c.Rule != "" {
		rule = c.Rule
	}
	if c.ID != "" {
		id = c.ID
	}
	var beforeStart, beforeEnd driver.Value
	if c.Before != nil {
		beforeStart, beforeEnd = c.Before.StartDate, timeOrNil(c.Before.EndDate)
	}
	return []driver.Value{c.Action, id, c.Account, c.Territory, c.Instance, c.Source, rule, c.Origin,
		c.StartDate, timeOrNil(c.EndDate), c.SendToCRM, beforeStart, beforeEnd, c.Reason}
}

// WriteParquet writes rows of the given columns to a Parquet file at path:
// appended to a temporary table, then copied, with a first column seq
// numbering them in the order added (ReadParquet reads them in that order).
// Neither the table's rowid nor a parallel COPY keeps that order.
func (d *DB) WriteParquet(ctx context.Context, columns, path string, fill func(add func(vals ...driver.Value) error) error) error {
	if _, err := d.Exec(ctx, `CREATE OR REPLACE TEMP TABLE parquet_rows (seq BIGINT, `+columns+`)`); err != nil {
		return err
	}
	err := d.Append(ctx, true, "parquet_rows", func(add func(...driver.Value) error) error {
		var seq int64
		row := []driver.Value{}
		return fill(func(vals ...driver.Value) error {
			row = append(append(row[:0], seq), vals...)
			seq++
			return add(row...)
		})
	})
	if err != nil {
		return err
	}
	// zstd makes the repeated ids and names small. COPY takes its file name
	// as a literal: a temporary file of ours.
	if _, err := d.Exec(ctx, `COPY parquet_rows TO `+literal(path)+` (FORMAT parquet, COMPRESSION zstd)`); err != nil {
		return err
	}
	_, err = d.Exec(ctx, `DROP TABLE parquet_rows`)
	return err
}

// ApplyParquet is ApplyChanges of the changes in a Parquet file of
// ChangeColumns (a saved plan's body), read by DuckDB in place.
func (d *DB) ApplyParquet(ctx context.Context, path string, territories []TerritoryRow, partial bool, now time.Time) error {
	if _, err := d.Exec(ctx, `CREATE OR REPLACE TEMP TABLE apply_change AS SELECT * EXCLUDE (seq) FROM read_parquet($1)`, path); err != nil {
		return err
	}
	var edits int64
	if err := d.QueryRow(ctx, `SELECT count(id) FROM apply_change`).Scan(&edits); err != nil {
		return err
	}
	return d.applyChanges(ctx, "apply_change", edits, territories, partial, now)
}

// ReadParquet calls row for each row of a Parquet file, in file order,
// with the columns named (a saved plan's body read back for a view).
func (d *DB) ReadParquet(ctx context.Context, path, columns string, row func(scan func(dest ...any) error) error) error {
	rows, err := d.Query(ctx, `SELECT `+columns+` FROM read_parquet($1) ORDER BY seq`, path)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := row(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}

// ReadChanges reads the assignment changes of a Parquet file of
// ChangeColumns, as ChangeRow wrote them.
func (d *DB) ReadChanges(ctx context.Context, path string, in Interner) ([]Change, error) {
	var out []Change
	err := d.ReadParquet(ctx, path, `action, coalesce(id, ''), account, territory, instance, source, coalesce(rule, ''), origin,
		start_date, end_date, send_to_crm, before_start, before_end, reason`, func(scan func(...any) error) error {
		var c Change
		var beforeStart, beforeEnd *time.Time
		if err := scan(&c.Action, &c.ID, &c.Account, &c.Territory, &c.Instance, &c.Source, &c.Rule, &c.Origin,
			&c.StartDate, &c.EndDate, &c.SendToCRM, &beforeStart, &beforeEnd, &c.Reason); err != nil {
			return err
		}
		c.StartDate = c.StartDate.UTC()
		c.EndDate = utcPtr(c.EndDate)
		if beforeStart != nil {
			c.Before = &Interval{StartDate: beforeStart.UTC(), EndDate: utcPtr(beforeEnd)}
		}
		in.Change(&c)
		out = append(out, c)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}
