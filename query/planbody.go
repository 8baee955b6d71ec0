package query

import (
	"context"
	"fmt"
	"io"
	"os"
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

// ChangeColumnsFromJSON selects ChangeColumns, in their order, from the
// lines of a saved plan's body as reconcile writes them for
// WriteParquetJSON (a row number seq, and the change c as the plan's JSON
// has it).
const ChangeColumnsFromJSON = `seq, c.action AS action, c.id AS id, c.account AS account, c.territory AS territory,
	c.instance AS instance, c.source AS source, c.rule AS rule, c.origin AS origin, c.start_date AS start_date,
	c.end_date AS end_date, c.send_to_crm AS send_to_crm, c.before.start_date AS before_start,
	c.before.end_date AS before_end, c.reason AS reason`

// WriteParquetJSON writes a Parquet file at path from JSON lines: write
// writes them to a temporary file beside path, DuckDB reads it with the
// columns given (a read_json columns struct) and copies the selected
// expressions. Both are our own constants; the data stays in the file.
func (d *DB) WriteParquetJSON(ctx context.Context, columns, selectList, path string, write func(w io.Writer) error) error {
	lines := path + ".jsonl"
	defer os.Remove(lines)
	f, err := os.Create(lines)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return d.ParquetOfJSON(ctx, columns, selectList, lines, path)
}

// ParquetOfJSON writes a Parquet file at path from a file of JSON lines, as
// WriteParquetJSON does from the lines it writes.
func (d *DB) ParquetOfJSON(ctx context.Context, columns, selectList, lines, path string) error {
	// COPY takes its file name as a literal: a temporary file of ours.
	_, err := d.Exec(ctx, `COPY (SELECT `+selectList+` FROM read_json($1, format = 'newline_delimited', columns = `+columns+`))
		TO `+literal(path)+` (FORMAT parquet, COMPRESSION zstd)`, lines)
	return err
}

// ReadShownChanges reads the assignment changes of a Parquet file of
// ChangeColumns (Diff.WriteParquet) that a view of the plan shows: the
// first first of all, and the first perTerritory of each territory, in
// order.
func (d *DB) ReadShownChanges(ctx context.Context, path string, first, perTerritory int, in Interner) ([]Change, error) {
	rows, err := d.Query(ctx, `SELECT `+changeColumns+` FROM (
			SELECT *, seq - min(seq) OVER (PARTITION BY territory) AS nth FROM read_parquet($1)
		) WHERE seq < $2 OR nth < $3 ORDER BY seq`, path, first, perTerritory)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	defer rows.Close()
	var out []Change
	for rows.Next() {
		c, err := scanChange(rows.Scan, in)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// ChangedAccounts lists the accounts of the assignment changes in a
// Parquet file of ChangeColumns.
func (d *DB) ChangedAccounts(ctx context.Context, path string) ([]string, error) {
	out, err := d.Strings(ctx, `SELECT DISTINCT account FROM read_parquet($1)`, path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
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
	err := d.ReadParquet(ctx, path, changeColumns, func(scan func(...any) error) error {
		c, err := scanChange(scan, in)
		if err != nil {
			return err
		}
		out = append(out, c)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}
