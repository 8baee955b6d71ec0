package query

import (
	"context"
	"database/sql"
	"slices"
	"strconv"
	"time"
)

// PolicyBefore is the alignment as it stood before an apply's writes, which
// SnapshotAlignment keeps so that the apply can judge its moves afterwards.
const PolicyBefore Assignments = "policy_before"

// SnapshotAlignment keeps the (account, territory) pairs in effect at now or
// later as PolicyBefore, a temporary table that the apply's transaction
// outlives.
func (d *DB) SnapshotAlignment(ctx context.Context, now time.Time) error {
	_, err := d.Exec(ctx, `CREATE OR REPLACE TEMP TABLE `+string(PolicyBefore)+` AS
		SELECT DISTINCT account, territory, CAST(NULL AS TIMESTAMPTZ) AS end_date FROM account_territory
		WHERE end_date IS NULL OR end_date > $1`, now)
	return err
}

// Moves are the accounts that an alignment gains and loses against another:
// what policies judge.
type Moves struct {
	// Gained and Lost count distinct accounts per territory.
	Gained, Lost map[string]int
	// Lost pairs of the accounts LostOf asked for, and with LostFields the
	// named account__v fields of every account that lost a territory.
	LostPairs []LostPair
}

// LostPair is an account that no longer holds a territory.
type LostPair struct {
	Account, Territory string
	// Fields are the account__v fields asked for; a null is absent.
	Fields map[string]string
}

// MovesOptions say which lost pairs Moves lists: those of the accounts
// named, and when Fields is not nil every lost pair with those account__v
// fields (criteria read them).
type MovesOptions struct {
	Accounts []string
	Fields   []string
}

// Moves compares the (account, territory) pairs in effect at now or later in
// before and after.
func (d *DB) Moves(ctx context.Context, before, after Assignments, now time.Time, o MovesOptions) (*Moves, error) {
	m := &Moves{Gained: map[string]int{}, Lost: map[string]int{}}
	pairs := `WITH b AS (SELECT DISTINCT account, territory FROM ` + string(before) + ` WHERE end_date IS NULL OR end_date > $1),
		     a AS (SELECT DISTINCT account, territory FROM ` + string(after) + ` WHERE end_date IS NULL OR end_date > $1),
		     gained AS (SELECT * FROM a EXCEPT SELECT * FROM b),
		     lost AS (SELECT * FROM b EXCEPT SELECT * FROM a)`
	rows, err := d.Query(ctx, pairs+`
		SELECT territory, 'gained', count(*) FROM gained GROUP BY territory
		UNION ALL SELECT territory, 'lost', count(*) FROM lost GROUP BY territory`, now)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var t, way string
		var n int
		if err := rows.Scan(&t, &way, &n); err != nil {
			rows.Close()
			return nil, err
		}
		if way == "gained" {
			m.Gained[t] = n
		} else {
			m.Lost[t] = n
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(o.Accounts) == 0 && o.Fields == nil {
		return m, nil
	}
	// The account__v fields criteria read, those the state has; a field
	// it lacks reads as null. Names are config identifiers (schema's
	// #FieldRef), quoted; values never enter the text.
	var cols []string
	if o.Fields != nil {
		have, err := d.Columns(ctx, CRMTable("account__v"))
		if err != nil {
			return nil, err
		}
		for _, f := range o.Fields {
			if slices.Contains(have, f) && !slices.Contains(cols, f) {
				cols = append(cols, f)
			}
		}
	}
	sel := `SELECT l.account, l.territory`
	from := ` FROM lost l`
	if len(cols) > 0 {
		// An account imported from several instances holds one row per
		// instance; any of them may match (as in the rules).
		from += ` LEFT JOIN crm_account__v acc ON acc.id = l.account`
		for _, c := range cols {
			sel += `, acc."` + c + `"`
		}
	}
	where := ` WHERE list_contains($2::VARCHAR[], l.account)`
	if o.Fields != nil {
		where = ``
	}
	accounts := o.Accounts
	if accounts == nil {
		accounts = []string{}
	}
	args := []any{now}
	if where != `` {
		args = append(args, accounts)
	}
	rows, err = d.Query(ctx, pairs+sel+from+where+` ORDER BY l.account, l.territory`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		dest := []any{new(string), new(string)}
		for i := range vals {
			dest = append(dest, &vals[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		p := LostPair{Account: *dest[0].(*string), Territory: *dest[1].(*string)}
		if len(cols) > 0 {
			p.Fields = map[string]string{}
			for i, c := range cols {
				if vals[i].Valid {
					p.Fields[c] = vals[i].String
				}
			}
		}
		m.LostPairs = append(m.LostPairs, p)
	}
	return m, rows.Err()
}

// MovedAccounts counts the distinct accounts that gain or lose a territory
// of scope (nil: any) between before and after.
func (d *DB) MovedAccounts(ctx context.Context, before, after Assignments, now time.Time, scope []string) (int, error) {
	all := scope == nil
	if scope == nil {
		scope = []string{}
	}
	var n int
	err := d.QueryRow(ctx, `WITH b AS (SELECT DISTINCT account, territory FROM `+string(before)+` WHERE (end_date IS NULL OR end_date > $1) AND ($3 OR list_contains($2::VARCHAR[], territory))),
		     a AS (SELECT DISTINCT account, territory FROM `+string(after)+` WHERE (end_date IS NULL OR end_date > $1) AND ($3 OR list_contains($2::VARCHAR[], territory)))
		SELECT count(DISTINCT account) FROM ((SELECT * FROM a EXCEPT SELECT * FROM b) UNION ALL (SELECT * FROM b EXCEPT SELECT * FROM a))`,
		now, scope, all).Scan(&n)
	return n, err
}

// Override is a soft policy an apply went past, on the record.
type Override struct {
	Serial     int64     `json:"serial"`
	Policy     string    `json:"policy"`
	Reason     string    `json:"reason"`
	Actor      string    `json:"actor"`
	AppliedAt  time.Time `json:"applied_at"`
	Config     string    `json:"config"`
	Violations int       `json:"violations"`
}

// RecordOverrides writes the overrides of an apply; the caller's transaction
// holds them with the apply's writes.
func (d *DB) RecordOverrides(ctx context.Context, os []Override) error {
	for _, o := range os {
		if _, err := d.Exec(ctx, `INSERT INTO policy_override (serial, policy, reason, actor, applied_at, config, violations) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			o.Serial, o.Policy, o.Reason, o.Actor, o.AppliedAt, o.Config, o.Violations); err != nil {
			return err
		}
	}
	return nil
}

// Overrides lists the overrides on record, newest first.
func (d *DB) Overrides(ctx context.Context) ([]Override, error) {
	rows, err := d.Query(ctx, `SELECT serial, policy, reason, actor, applied_at, coalesce(config, ''), violations FROM policy_override ORDER BY serial DESC, policy`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Override{}
	for rows.Next() {
		var o Override
		if err := rows.Scan(&o.Serial, &o.Policy, &o.Reason, &o.Actor, &o.AppliedAt, &o.Config, &o.Violations); err != nil {
			return nil, err
		}
		o.AppliedAt = o.AppliedAt.UTC()
		out = append(out, o)
	}
	return out, rows.Err()
}

// String renders an override on one line, for show.
func (o Override) String() string {
	return o.AppliedAt.Format(time.RFC3339) + " serial " + strconv.FormatInt(o.Serial, 10) + " " + o.Policy + " by " + o.Actor + ": " + o.Reason
}
