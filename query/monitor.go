package query

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"time"
)

// FirstImport reports whether an instance has never been imported.
func (d *DB) FirstImport(ctx context.Context, instance string) (bool, error) {
	var n int
	err := d.QueryRow(ctx, `SELECT count(*) FROM process_monitor WHERE instance = ?`, instance).Scan(&n)
	return n == 0, cleanDuckErr(err)
}

// Where a watermark came from.
const (
	// WatermarkRecords: the latest modified date among the records read
	// (deleted_date for deletions), minus the overlap.
	WatermarkRecords = "records"
	// WatermarkServerClock: the CRM's clock before the export, minus the
	// overlap, when no record was read, or when the records read were
	// stamped after it.
	WatermarkServerClock = "server_clock"
	// WatermarkKept: nothing was read and the CRM's clock is not known;
	// the previous watermark stands.
	WatermarkKept = "kept"
	// WatermarkImportStart: a state of an older alignctl, whose watermark
	// was the start time (--now) of the last import.
	WatermarkImportStart = "import_start"
)

// Watermark is an object's incremental lower bound and where it came from.
// At is zero when no record of the object has been read yet: the next
// import reads all of it.
type Watermark struct {
	At     time.Time `json:"at,omitzero"`
	Source string    `json:"source"`
}

// Watermark is an object's watermark as the last import that did not abort
// left it; found is false when the object was never imported. A row of an
// older state has no watermark: its last_import, the import's start time,
// is what that version read from, and so is this one.
func (d *DB) Watermark(ctx context.Context, instance, object string) (wm Watermark, found bool, err error) {
	var at sql.NullTime
	var src sql.NullString
	var last time.Time
	err = d.QueryRow(ctx, `SELECT last_import, watermark, watermark_source FROM process_monitor WHERE instance = ? AND object = ?`, instance, object).
		Scan(&last, &at, &src)
	if errors.Is(err, sql.ErrNoRows) {
		return Watermark{}, false, nil
	}
	if err != nil {
		return Watermark{}, false, cleanDuckErr(err)
	}
	if !src.Valid {
		return Watermark{At: last.UTC(), Source: WatermarkImportStart}, true, nil
	}
	if at.Valid {
		wm.At = at.Time.UTC()
	}
	wm.Source = src.String
	return wm, true, nil
}

// ImportRecord is what an import of one object leaves in the process
// monitor and the import log.
type ImportRecord struct {
	Instance, Object string
	Now              time.Time // the import's start time (--now)
	Full             bool
	Stats            MergeStats
	Watermark        Watermark
	// Hash is what shaped the object's data (see reconcile.ImportHash);
	// Countries the country filter the import applied.
	Hash      string
	Countries []string
}

// RecordImport moves an object's watermark and logs its counts. It runs in
// the import's transaction, so an aborted import moves no watermark.
func (d *DB) RecordImport(ctx context.Context, r ImportRecord) error {
	if _, err := d.Exec(ctx, `DELETE FROM process_monitor WHERE instance = ? AND object = ?`, r.Instance, r.Object); err != nil {
		return err
	}
	countries := slices.Sorted(slices.Values(r.Countries))
	if countries == nil {
		countries = []string{}
	}
	var wm any
	if !r.Watermark.At.IsZero() {
		wm = r.Watermark.At
	}
	if _, err := d.Exec(ctx, `INSERT INTO process_monitor
		(instance, object, last_import, started_at, ended_at, successes, errors, import_hash, watermark, watermark_source, countries)
		VALUES ($1, $2, $3, $3, $3, $4, $5, $6, $7, $8, $9::VARCHAR[])`,
		r.Instance, r.Object, r.Now, r.Stats.Loaded, r.Stats.Errors, r.Hash, wm, r.Watermark.Source, countries); err != nil {
		return err
	}
	_, err := d.Exec(ctx, `INSERT INTO import_log
		(instance, object, started_at, full_import, read_rows, successes, errors, first_error, watermark, watermark_source)
		VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, $8, $9)`,
		r.Instance, r.Object, r.Now, r.Full, r.Stats.Read, r.Stats.Loaded, r.Stats.Errors, wm, r.Watermark.Source)
	return err
}

// ImportCountries is the country filter the last import of an instance's
// accounts applied (empty: everything); known is false when there was none,
// or the state is older than the record of it.
func (d *DB) ImportCountries(ctx context.Context, instance string) (countries []string, known bool, err error) {
	var list []any
	var raw any
	err = d.QueryRow(ctx, `SELECT countries FROM process_monitor WHERE instance = ? AND object = 'account__v'`, instance).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && raw == nil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, cleanDuckErr(err)
	}
	list, _ = raw.([]any)
	countries = []string{}
	for _, c := range list {
		if s, ok := c.(string); ok {
			countries = append(countries, s)
		}
	}
	return countries, true, nil
}

// ImportCRMAssignments turns account_territory__v rows that Align neither
// pushed nor already holds into assignments of source crm. unknown counts the
// rows whose territory__v record is not in the CRM data.
func (d *DB) ImportCRMAssignments(ctx context.Context, instance string, now time.Time) (created, unknown int64, err error) {
	if err := d.claimOwnRecords(ctx, instance, now); err != nil {
		return 0, 0, err
	}
	res, err := d.Exec(ctx, `INSERT INTO account_territory
		SELECT `+assignmentID(`nextval('account_territory_seq')`)+`, $1, a.account__v, t.name__v,
		       'crm', NULL, a.id, $2, NULL, true, a.id, NULL, $2, $2
		FROM crm_account_territory__v a
		JOIN crm_territory__v t ON t._instance = a._instance AND t.id = a.territory__v
		WHERE a._instance = $1
		  AND NOT EXISTS (SELECT 1 FROM account_territory x WHERE x.instance = $1 AND x.crm_record_id = a.id)
		  AND NOT EXISTS (SELECT 1 FROM merged_record x WHERE x.instance = $1 AND x.crm_record_id = a.id)
		ORDER BY t.name__v, a.account__v, a.id`, instance, now)
	if err != nil {
		return 0, 0, err
	}
	created, _ = res.RowsAffected()
	err = d.QueryRow(ctx, `SELECT count(*) FROM crm_account_territory__v a
		WHERE a._instance = $1 AND NOT EXISTS (SELECT 1 FROM crm_territory__v t WHERE t._instance = a._instance AND t.id = a.territory__v)`,
		instance).Scan(&unknown)
	return created, unknown, cleanDuckErr(err)
}

// EndDeletedAssignments end-dates, at now, the manual and crm assignments
// whose account was deleted in the CRM, and the crm assignments whose
// account_territory__v record was. Rule assignments end at the next plan.
func (d *DB) EndDeletedAssignments(ctx context.Context, instance string, now time.Time) (int64, error) {
	res, err := d.Exec(ctx, `UPDATE account_territory a
		SET end_date = CASE WHEN a.start_date > $2 THEN a.start_date ELSE $2 END, updated_at = $2
		WHERE a.instance = $1 AND (a.end_date IS NULL OR a.end_date > $2)
		  AND (
		    (a.source IN ('manual', 'crm') AND a.account IN
		        (SELECT id FROM crm_deletion WHERE instance = $1 AND object = 'account__v' AND merged_into IS NULL))
		    OR
		    (a.source = 'crm' AND a.crm_record_id IN
		        (SELECT id FROM crm_deletion WHERE instance = $1 AND object = 'account_territory__v'))
		  )`, instance, now)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	// Records deleted in the CRM need no delete from a push.
	_, err = d.Exec(ctx, `UPDATE account_territory SET crm_deleted_at = $2
		WHERE instance = $1 AND crm_deleted_at IS NULL AND crm_record_id IN
		    (SELECT id FROM crm_deletion WHERE instance = $1 AND object = 'account_territory__v')`, instance, now)
	return n, err
}

// ApplyMerges carries out, at import, the account merges the CRM reported (a
// deleted account with merged_into): where the winner already has a manual
// or crm assignment of the same territory and source overlapping the
// loser's, the winner's dates widen to cover the loser's and the loser's
// record is deleted; every other record of the loser moves to the winner.
// Rule records that became duplicates on the winner end at the next plan.
func (d *DB) ApplyMerges(ctx context.Context, instance string) (widened, moved int64, err error) {
	stmts := []string{
		`CREATE OR REPLACE TEMP TABLE merge_pair AS
		 SELECT l.id AS loser_record, w.id AS winner_record
		 FROM account_territory l
		 JOIN crm_deletion m ON m.instance = $1 AND m.object = 'account__v' AND m.id = l.account AND m.merged_into IS NOT NULL
		 JOIN account_territory w ON w.instance = $1 AND w.account = m.merged_into AND w.territory = l.territory AND w.source = l.source
		 WHERE l.instance = $1 AND l.source IN ('manual', 'crm')
		   AND (w.end_date IS NULL OR w.end_date >= l.start_date) AND (l.end_date IS NULL OR l.end_date >= w.start_date)
		 QUALIFY row_number() OVER (PARTITION BY l.id ORDER BY w.start_date, w.id) = 1`,
		`UPDATE account_territory w
		 SET start_date = least(w.start_date, x.start_date),
		     end_date = CASE WHEN w.end_date IS NULL OR x.end_date IS NULL THEN NULL ELSE greatest(w.end_date, x.end_date) END
		 FROM (SELECT p.winner_record, min(l.start_date) AS start_date,
		              CASE WHEN bool_or(l.end_date IS NULL) THEN NULL ELSE max(l.end_date) END AS end_date
		       FROM merge_pair p JOIN account_territory l ON l.id = p.loser_record GROUP BY p.winner_record) x
		 WHERE w.id = x.winner_record`,
		`INSERT INTO merged_record SELECT $1, l.crm_record_id FROM account_territory l
		 WHERE l.id IN (SELECT loser_record FROM merge_pair) AND l.crm_record_id IS NOT NULL`,
		`DELETE FROM account_territory WHERE id IN (SELECT loser_record FROM merge_pair)`,
	}
	for i, q := range stmts {
		res, err := d.Exec(ctx, q, instance)
		if err != nil {
			return 0, 0, err
		}
		if i == 3 {
			widened, _ = res.RowsAffected()
		}
	}
	res, err := d.Exec(ctx, `UPDATE account_territory a SET account = m.merged_into
		FROM crm_deletion m
		WHERE a.instance = $1 AND m.instance = $1 AND m.object = 'account__v' AND m.id = a.account AND m.merged_into IS NOT NULL`, instance)
	if err != nil {
		return 0, 0, err
	}
	moved, _ = res.RowsAffected()
	return widened, moved, nil
}

// ImportHash is what shaped the last full import of an object ("" when none).
func (d *DB) ImportHash(ctx context.Context, instance, object string) (string, error) {
	var h sql.NullString
	err := d.QueryRow(ctx, `SELECT import_hash FROM process_monitor WHERE instance = ? AND object = ?`, instance, object).Scan(&h)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return h.String, cleanDuckErr(err)
}

// claimOwnRecords links account_territory__v records alignctl created but
// never recorded (the push's answer was lost, or the process died before it
// wrote the answer down) to the assignments they stand for, by their
// external id: they are alignctl's, not self-assignments made in the CRM.
// A pair's active records take it; with none active, its latest record,
// whose push then deletes it.
func (d *DB) claimOwnRecords(ctx context.Context, instance string, now time.Time) error {
	cols, err := d.Columns(ctx, CRMTable("account_territory__v"))
	if err != nil || !slices.Contains(cols, "external_id__v") {
		return err
	}
	stmts := []string{
		`CREATE OR REPLACE TEMP TABLE own_record AS
		 SELECT a.id, a.account__v AS account, t.name__v AS territory
		 FROM crm_account_territory__v a
		 JOIN crm_territory__v t ON t._instance = a._instance AND t.id = a.territory__v
		 WHERE a._instance = $1 AND starts_with(a.external_id__v, $3)
		   AND NOT EXISTS (SELECT 1 FROM account_territory x WHERE x.instance = $1 AND x.crm_record_id = a.id)`,
		`UPDATE account_territory s SET crm_record_id = o.id, crm_deleted_at = NULL, updated_at = $2
		 FROM own_record o
		 WHERE s.instance = $1 AND s.account = o.account AND s.territory = o.territory
		   AND (s.crm_record_id IS NULL OR s.crm_deleted_at IS NOT NULL) AND (s.end_date IS NULL OR s.end_date > $2)`,
		`UPDATE account_territory s SET crm_record_id = o.id, crm_deleted_at = NULL
		 FROM own_record o
		 WHERE s.id = (SELECT max(x.id) FROM account_territory x WHERE x.instance = $1 AND x.account = o.account AND x.territory = o.territory)
		   AND NOT EXISTS (SELECT 1 FROM account_territory x WHERE x.instance = $1 AND x.crm_record_id = o.id)`,
	}
	for _, q := range stmts {
		if _, err := d.Exec(ctx, q, instance, now, OwnAccountTerritory); err != nil {
			return err
		}
	}
	return nil
}

// OwnAccountTerritory starts the external id of every account_territory__v
// record alignctl creates; the rest of the id names its account and
// territory (hashed when long), which the record's own fields also hold.
const OwnAccountTerritory = "aln:at:"
