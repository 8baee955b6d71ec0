package query

import (
	"context"
	"database/sql"
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
	Serial        int64
	AppliedConfig string
	Objects       []ObjectSummary
	Sources       []SourceCount
}

// ObjectSummary is one imported object of one instance.
type ObjectSummary struct {
	Instance, Object string
	LastImport       time.Time
	LastLoaded       int64 // rows the last import took
	Rows             int64 // rows the state holds
}

// SourceCount counts the assignments of one source in effect at now.
type SourceCount struct {
	Source string
	Active int64
}

// Summary reads the state's serial, imports and assignment counts at now.
func (d *DB) Summary(ctx context.Context, now time.Time) (*StateSummary, error) {
	s := &StateSummary{}
	var applied sql.NullString
	if err := d.QueryRow(ctx, `SELECT serial, applied_config FROM state`).Scan(&s.Serial, &applied); err != nil {
		return nil, cleanDuckErr(err)
	}
	s.AppliedConfig = applied.String
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
