package query

import (
	"context"
	"database/sql"
	"slices"
	"time"
)

// Assignment is one record of account_territory.
type Assignment struct {
	ID, Account, Territory, Source, Rule, CRMRecordID string
	Start                                             time.Time
	End                                               *time.Time
}

// AssignmentFilter narrows Assignments; zero values match everything.
type AssignmentFilter struct {
	Account   string
	Territory string
	At        *time.Time // only records in effect at this time
}

// Assignments lists assignment records, history included unless At is set.
func (d *DB) Assignments(ctx context.Context, f AssignmentFilter) ([]Assignment, error) {
	var at any
	if f.At != nil {
		at = *f.At
	}
	rows, err := d.Query(ctx, `SELECT id, account, territory, source, coalesce(rule, ''), coalesce(crm_record_id, ''), start_date, end_date
		FROM account_territory
		WHERE ($1 = '' OR account = $1) AND ($2 = '' OR territory = $2)
		  AND ($3::TIMESTAMPTZ IS NULL OR (start_date <= $3 AND (end_date IS NULL OR end_date > $3)))
		ORDER BY territory, account, start_date, id`, f.Account, f.Territory, at)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Assignment
	for rows.Next() {
		var a Assignment
		if err := rows.Scan(&a.ID, &a.Account, &a.Territory, &a.Source, &a.Rule, &a.CRMRecordID, &a.Start, &a.End); err != nil {
			return nil, err
		}
		a.Start = a.Start.UTC()
		a.End = utcPtr(a.End)
		out = append(out, a)
	}
	return out, rows.Err()
}

// StateSummary is what `show summary` prints.
type StateSummary struct {
	Serial        int64            `json:"serial"`
	AppliedConfig string           `json:"applied_config"`
	AppliedAt     *time.Time       `json:"applied_at"`
	Objects       []ObjectSummary  `json:"imports"`
	Pushes        []PushRun        `json:"last_pushes"`
	Sources       []SourceCount    `json:"sources"`
	Territories   []TerritoryCount `json:"territories"`
	// Overrides are the soft policies applies went past, newest first.
	Overrides []Override `json:"overrides"`
}

// PushRun is one push of one instance.
type PushRun struct {
	Instance  string    `json:"instance"`
	StartedAt time.Time `json:"started_at"`
	Scope     string    `json:"scope,omitempty"` // push --territory
	Created   int64     `json:"created"`
	Updated   int64     `json:"updated"`
	Deleted   int64     `json:"deleted"`
	Failed    int64     `json:"failed"`
	Success   bool      `json:"success"`
}

// TerritoryCount is one territory's accounts and records in effect at now.
type TerritoryCount struct {
	Territory string `json:"territory"`
	Accounts  int64  `json:"accounts"`
	Records   int64  `json:"records"`
	Pushed    int64  `json:"pushed"` // records with a CRM record
}

// ObjectSummary is one imported object of one instance.
type ObjectSummary struct {
	Instance   string    `json:"instance"`
	Object     string    `json:"object"`
	LastImport time.Time `json:"last_import"`
	LastLoaded int64     `json:"loaded"` // rows the last import took
	Rows       int64     `json:"rows"`   // rows the state holds
}

// SourceCount counts the assignments of one source in effect at now.
type SourceCount struct {
	Source string `json:"source"`
	Active int64  `json:"active"`
}

// Summary reads the state's serial, imports and assignment counts at now.
func (d *DB) Summary(ctx context.Context, now time.Time) (*StateSummary, error) {
	s := &StateSummary{}
	var applied sql.NullString
	if err := d.QueryRow(ctx, `SELECT serial, applied_config, applied_at FROM state`).Scan(&s.Serial, &applied, &s.AppliedAt); err != nil {
		return nil, cleanDuckErr(err)
	}
	s.AppliedConfig = applied.String
	s.AppliedAt = utcPtr(s.AppliedAt)
	pushes, err := d.Pushes(ctx, true)
	if err != nil {
		return nil, err
	}
	s.Pushes = pushes
	if s.Overrides, err = d.Overrides(ctx); err != nil {
		return nil, err
	}
	if err := d.territoryCounts(ctx, now, s); err != nil {
		return nil, err
	}
	rows, err := d.Query(ctx, `SELECT instance, object, last_import, successes FROM process_monitor ORDER BY instance, object`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var o ObjectSummary
		if err := rows.Scan(&o.Instance, &o.Object, &o.LastImport, &o.LastLoaded); err != nil {
			rows.Close()
			return nil, err
		}
		s.Objects = append(s.Objects, o)
	}
	rows.Close()
	for i, o := range s.Objects {
		if _, ok := LookupObject(o.Object); !ok || o.Object == Deletions.Name {
			continue
		}
		if err := d.QueryRow(ctx, `SELECT count(*) FROM `+Ident(CRMTable(o.Object))+` WHERE _instance = ?`, o.Instance).Scan(&s.Objects[i].Rows); err != nil {
			return nil, cleanDuckErr(err)
		}
	}
	rows, err = d.Query(ctx, `SELECT source, count(*) FROM account_territory
		WHERE start_date <= $1 AND (end_date IS NULL OR end_date > $1) GROUP BY source ORDER BY source`, now)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var c SourceCount
		if err := rows.Scan(&c.Source, &c.Active); err != nil {
			return nil, err
		}
		s.Sources = append(s.Sources, c)
	}
	return s, rows.Err()
}

// territoryCounts fills the accounts and records per territory at now.
func (d *DB) territoryCounts(ctx context.Context, now time.Time, s *StateSummary) error {
	rows, err := d.Query(ctx, `SELECT territory, count(DISTINCT account), count(*), count(crm_record_id) FILTER (WHERE crm_deleted_at IS NULL)
		FROM account_territory WHERE start_date <= $1 AND (end_date IS NULL OR end_date > $1)
		GROUP BY territory ORDER BY territory`, now)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var t TerritoryCount
		if err := rows.Scan(&t.Territory, &t.Accounts, &t.Records, &t.Pushed); err != nil {
			return err
		}
		s.Territories = append(s.Territories, t)
	}
	return rows.Err()
}

// Pushes lists the push runs, newest first; with last, only each
// instance's latest.
func (d *DB) Pushes(ctx context.Context, last bool) ([]PushRun, error) {
	rows, err := d.Query(ctx, `SELECT instance, started_at, coalesce(scope, ''), created, updated, deleted, failed, success
		FROM push_log
		QUALIFY NOT $1 OR row_number() OVER (PARTITION BY instance ORDER BY started_at DESC, rowid DESC) = 1
		ORDER BY started_at DESC, instance`, last)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []PushRun
	for rows.Next() {
		var r PushRun
		if err := rows.Scan(&r.Instance, &r.StartedAt, &r.Scope, &r.Created, &r.Updated, &r.Deleted, &r.Failed, &r.Success); err != nil {
			return nil, err
		}
		r.StartedAt = r.StartedAt.UTC()
		out = append(out, r)
	}
	return out, rows.Err()
}

// PushFailure is a record the last push of it could not write.
type PushFailure struct {
	Instance string    `json:"instance"`
	Object   string    `json:"object"`
	Record   string    `json:"record"`
	Action   CRMAction `json:"action"`
	Message  string    `json:"message"`
	FailedAt time.Time `json:"failed_at"`
}

// PushFailures lists the records that failed and are pending a retry.
func (d *DB) PushFailures(ctx context.Context) ([]PushFailure, error) {
	rows, err := d.Query(ctx, `SELECT instance, object, record, action, message, failed_at FROM push_failure ORDER BY instance, object, record`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []PushFailure
	for rows.Next() {
		var f PushFailure
		if err := rows.Scan(&f.Instance, &f.Object, &f.Record, &f.Action, &f.Message, &f.FailedAt); err != nil {
			return nil, err
		}
		f.FailedAt = f.FailedAt.UTC()
		out = append(out, f)
	}
	return out, rows.Err()
}

// ImportRun is one object's share of one import.
type ImportRun struct {
	Instance   string    `json:"instance"`
	Object     string    `json:"object"`
	StartedAt  time.Time `json:"started_at"`
	Full       bool      `json:"full"`
	Read       int64     `json:"read"`
	Successes  int64     `json:"successes"`
	Errors     int64     `json:"errors"`
	FirstError string    `json:"first_error,omitempty"`
	// Watermark is where the next import of the object starts reading, and
	// where it came from; null in the runs of an older alignctl, whose
	// watermark was the run's start time.
	Watermark *Watermark `json:"watermark"`
}

// Imports lists the import history, newest first.
func (d *DB) Imports(ctx context.Context) ([]ImportRun, error) {
	rows, err := d.Query(ctx, `SELECT instance, object, started_at, full_import, read_rows, successes, errors, coalesce(first_error, ''),
		watermark, watermark_source
		FROM import_log ORDER BY started_at DESC, instance, object`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ImportRun
	for rows.Next() {
		var r ImportRun
		var at sql.NullTime
		var src sql.NullString
		if err := rows.Scan(&r.Instance, &r.Object, &r.StartedAt, &r.Full, &r.Read, &r.Successes, &r.Errors, &r.FirstError, &at, &src); err != nil {
			return nil, err
		}
		r.StartedAt = r.StartedAt.UTC()
		if src.Valid {
			r.Watermark = &Watermark{Source: src.String}
			if at.Valid {
				r.Watermark.At = at.Time.UTC()
			}
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// AccountIDs lists up to limit imported account ids that start with prefix,
// with their names, for shell completion ("id\tname").
func (d *DB) AccountIDs(ctx context.Context, prefix string, limit int) ([]string, error) {
	cols, err := d.Columns(ctx, CRMTable("account__v"))
	if err != nil {
		return nil, err
	}
	name := "''"
	if slices.Contains(cols, "name__v") {
		name = "coalesce(name__v, '')"
	}
	rows, err := d.Query(ctx, `SELECT DISTINCT id, `+name+` FROM crm_account__v WHERE starts_with(id, $1) ORDER BY id LIMIT $2`, prefix, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id, n string
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		if n != "" {
			id += "\t" + n
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
