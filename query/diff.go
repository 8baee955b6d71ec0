package query

// The diff of an evaluation's desired assignments against the state's, and
// what is made from it: the plan's changes, the state as applying them would
// leave it (the push preview reads it), the apply itself (the base side of
// plan --base), and the accounts it touches.

import (
	"context"
	"database/sql/driver"
	"time"
)

// Diff is an Evaluation's diff against the state's assignments (diff.sql),
// held in the connection's `change` table until the next evaluation.
type Diff struct {
	ev *Evaluation
}

// Diff returns the evaluation's diff.
func (e *Evaluation) Diff() *Diff { return &Diff{ev: e} }

// Changes reads the diff. The slice is sized from a count first and the
// repetitive strings (territory, instance, source, rule, origin, reason)
// are shared between rows: at millions of rows they are most of the memory.
func (f *Diff) Changes(ctx context.Context) ([]Change, error) {
	if err := f.ev.current(); err != nil {
		return nil, err
	}
	db := f.ev.db
	var n int64
	if err := db.QueryRow(ctx, `SELECT count(*) FROM change`).Scan(&n); err != nil {
		return nil, err
	}
	rows, err := db.Query(ctx, `SELECT `+changeColumns+`
		FROM change ORDER BY `+changeOrder)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]Change, 0, n)
	in := Interner{}
	for rows.Next() {
		c, err := scanChange(rows.Scan, in)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// changeOrder is the order of a plan's assignment changes: by territory,
// then (changeOrderWithin) account, creates after ends and updates; the
// rest only settles ties.
const (
	changeOrderWithin = `account, source, origin, action DESC, id, start_date, end_date`
	changeOrder       = `territory, ` + changeOrderWithin
)

// Len is the number of the diff's changes.
func (f *Diff) Len(ctx context.Context) (int, error) {
	if err := f.ev.current(); err != nil {
		return 0, err
	}
	var n int
	err := f.ev.db.QueryRow(ctx, `SELECT count(*) FROM change`).Scan(&n)
	return n, err
}

// ChangeCount is how many changes of one action a territory has.
type ChangeCount struct {
	Territory string
	Action    ChangeAction
	N         int
}

// Counts counts the diff's changes per territory and action.
func (f *Diff) Counts(ctx context.Context) ([]ChangeCount, error) {
	if err := f.ev.current(); err != nil {
		return nil, err
	}
	rows, err := f.ev.db.Query(ctx, `SELECT territory, action, count(*) FROM change GROUP BY ALL ORDER BY 1, 2`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ChangeCount
	for rows.Next() {
		var c ChangeCount
		if err := rows.Scan(&c.Territory, &c.Action, &c.N); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// WriteParquet writes the diff's changes to a Parquet file of ChangeColumns
// and their place in changeOrder (seq), as a saved plan's body holds them:
// a plan of millions of changes keeps them there rather than in Go
// (reconcile's spooled plans). The changes are numbered within their
// territory, after those of the territories before it, so that the
// numbering sorts in parallel (one window over every change sorts on one
// thread).
func (f *Diff) WriteParquet(ctx context.Context, path string) error {
	if err := f.ev.current(); err != nil {
		return err
	}
	with, n := numberedChanges(`TRUE`, changeOrderWithin)
	// COPY takes its file name as a literal: a temporary file of ours.
	_, err := f.ev.db.Exec(ctx, `COPY (`+with+`
		SELECT (`+n+` - 1)::BIGINT AS seq,
		       c.action, nullif(c.id, '') AS id, c.account, c.territory, c.instance, c.source, nullif(c.rule, '') AS rule,
		       c.origin, c.start_date, c.end_date, c.send_to_crm, c.before_start, c.before_end, coalesce(c.reason, '') AS reason
		FROM change c JOIN per_territory t ON t.territory = c.territory
	) TO `+literal(path)+` (FORMAT parquet, COMPRESSION zstd)`)
	return err
}

// numberedChanges numbers the changes where selects (on change c), from 1,
// in (territory, within) order: within their territory, after the changes
// of the territories before it. One window over all of them, a single
// partition, sorted on one thread; the partitions per territory sort in
// parallel (8.6 s against 4.0 s for 2.25M creates, docs/benchmarks.md). It
// returns the WITH clause of per_territory, which the statement joins as t
// on the territory, and the number's expression.
func numberedChanges(where, within string) (with, number string) {
	with = `WITH per_territory AS (
			SELECT territory, sum(count(*)) OVER (ORDER BY territory) - count(*) AS before
			FROM change c WHERE ` + where + ` GROUP BY territory
		)`
	return with, `t.before + row_number() OVER (PARTITION BY c.territory ORDER BY ` + within + `)`
}

// Apply writes the diff's changes as DB.ApplyChanges writes the same changes
// from Go, reading the diff in place: plan --base applies its base's diff
// this way, in a transaction it rolls back, without handing millions of
// changes back to DuckDB.
func (f *Diff) Apply(ctx context.Context, territories []TerritoryRow, partial bool, now time.Time) error {
	if err := f.ev.current(); err != nil {
		return err
	}
	db := f.ev.db
	var edits int64
	if err := db.QueryRow(ctx, `SELECT count(id) FROM change`).Scan(&edits); err != nil {
		return err
	}
	return db.applyChanges(ctx, "change", edits, territories, partial, now)
}

// Preview returns account_territory as applying the diff would leave it:
// the diff's ends and updates on their records and its creates added, and
// nothing written. The plan's push preview reads it rather than insert
// millions of records into a transaction it rolls back, which took seconds
// of a large first plan (docs/benchmarks.md, "The push preview writes no
// assignment record"). TestPreviewDiffIsApply checks it against what
// ApplyChanges writes.
//
// New records are numbered after the highest number the state holds, in
// key order: the numbers an apply gives them when it numbers them in that
// order (a small plan) and no number was drawn from the sequence without
// being kept (a failed apply, plan --base's rolled-back previews). They are
// placeholders; the same state and config always show the same ones.
// DuckDB's own count of the sequence cannot say its next value without
// drawing it: after a reopen, last_value holds the next value, not the last.
func (f *Diff) Preview(ctx context.Context) (Assignments, error) {
	if err := f.ev.current(); err != nil {
		return "", err
	}
	// The creates are numbered once, into a table: the view is read twice
	// (the balance, the push), and a window over millions of rows in it
	// was sorted on each read.
	with, n := numberedChanges(`c.action = 'create'`, `c.account, c.source, c.origin`)
	stmts := []string{
		`CREATE OR REPLACE TEMP TABLE preview_created AS
		` + with + `
		SELECT ` + assignmentID(`s.base + `+n) + ` AS id,
		       c.instance, c.account, c.territory, c.source, c.rule, c.origin, c.start_date, c.end_date, c.send_to_crm
		FROM change c
		JOIN per_territory t ON t.territory = c.territory,
		     (SELECT coalesce(max(try_cast(substr(id, 4) AS BIGINT)), 0) AS base FROM account_territory WHERE id LIKE 'AT-%') s
		WHERE c.action = 'create'`,
		`CREATE OR REPLACE TEMP VIEW ` + string(previewAssignments) + ` AS
		SELECT a.id, a.instance, a.account, a.territory, a.source, a.rule, a.origin,
		       CASE WHEN c.id IS NULL THEN a.start_date ELSE c.start_date END AS start_date,
		       CASE WHEN c.id IS NULL THEN a.end_date ELSE c.end_date END AS end_date,
		       CASE WHEN c.id IS NULL THEN a.send_to_crm ELSE c.send_to_crm END AS send_to_crm,
		       a.crm_record_id, a.crm_deleted_at
		FROM account_territory a
		LEFT JOIN (SELECT id, start_date, end_date, send_to_crm FROM change WHERE action IN ('end', 'update')) c ON c.id = a.id
		UNION ALL
		SELECT id, instance, account, territory, source, rule, origin, start_date, end_date, send_to_crm,
		       NULL::VARCHAR, NULL::TIMESTAMPTZ
		FROM preview_created`,
	}
	for _, q := range stmts {
		if _, err := f.ev.db.Exec(ctx, q); err != nil {
			return "", err
		}
	}
	return previewAssignments, nil
}

// Touched is a set of accounts whose records two alignments made from the
// same state can differ in; DB.ExportAlignment limits itself to it.
type Touched struct {
	ev *Evaluation
}

// Touched returns the accounts of the diff and those given (the other
// side's changes, for plan --base).
func (f *Diff) Touched(ctx context.Context, accounts []string) (*Touched, error) {
	if err := f.ev.current(); err != nil {
		return nil, err
	}
	db := f.ev.db
	if _, err := db.Exec(ctx, `CREATE OR REPLACE TEMP TABLE touched_account AS SELECT DISTINCT account FROM change`); err != nil {
		return nil, err
	}
	err := db.Append(ctx, true, "touched_account", func(add func(...driver.Value) error) error {
		for _, a := range accounts {
			if err := add(a); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &Touched{ev: f.ev}, nil
}

// Accounts lists the touched accounts.
func (t *Touched) Accounts(ctx context.Context) ([]string, error) {
	if err := t.ev.current(); err != nil {
		return nil, err
	}
	return t.ev.db.Strings(ctx, `SELECT DISTINCT account FROM touched_account`)
}

// Of is from restricted to the records of the touched accounts.
func (t *Touched) Of(from Assignments) (Assignments, error) {
	if err := t.ev.current(); err != nil {
		return "", err
	}
	return Assignments("(SELECT * FROM " + string(from) + " SEMI JOIN touched_account USING (account))"), nil
}
