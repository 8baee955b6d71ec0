package query

import (
	"context"
	"strings"
	"time"
)

// ExportAlignment writes the assignments in effect at now or later (one row
// per account, territory, source and rule) to a Parquet file, limited to the
// territories of scope when it is not nil. A plan with --base writes one file
// per config from inside a rolled-back transaction: the file outlives it.
// With touched, only the accounts of that set are written.
func (d *DB) ExportAlignment(ctx context.Context, file string, now time.Time, scope []string, touched *Touched) error {
	if touched != nil {
		if err := touched.ev.current(); err != nil {
			return err
		}
	}
	if scope == nil {
		scope = []string{}
	}
	// COPY takes its file name as a literal, not a parameter; the name is a
	// temporary file of ours, quoted as a string.
	_, err := d.Exec(ctx, `COPY (
		SELECT DISTINCT account, territory, source, coalesce(rule, '') AS rule
		FROM account_territory
		WHERE (end_date IS NULL OR end_date > $1) AND (len($2::VARCHAR[]) = 0 OR list_contains($2::VARCHAR[], territory))
		  AND (NOT $3 OR account IN (SELECT account FROM touched_account))
	) TO `+literal(file)+` (FORMAT parquet)`, now, scope, touched != nil)
	return err
}

// TerritoryDelta is the difference between two exported alignments for one
// territory: the accounts only the second has (gained) and only the first
// has (lost), each list cut at listed.
type TerritoryDelta struct {
	Territory                    string
	Gained, Lost                 int
	GainedAccounts, LostAccounts []string
}

// TerritoryImpact compares two exported alignments per territory.
func (d *DB) TerritoryImpact(ctx context.Context, base, head string, listed int) ([]TerritoryDelta, error) {
	rows, err := d.Query(ctx, `
		WITH b AS (SELECT DISTINCT account, territory FROM read_parquet($1)),
		     h AS (SELECT DISTINCT account, territory FROM read_parquet($2)),
		     moved AS (
		         SELECT territory, account, 'gained' AS way FROM (SELECT * FROM h EXCEPT SELECT * FROM b)
		         UNION ALL
		         SELECT territory, account, 'lost' FROM (SELECT * FROM b EXCEPT SELECT * FROM h)
		     )
		SELECT territory,
		       count(*) FILTER (WHERE way = 'gained'),
		       count(*) FILTER (WHERE way = 'lost'),
		       coalesce(list_sort(list(account) FILTER (WHERE way = 'gained'))[1:$3], []),
		       coalesce(list_sort(list(account) FILTER (WHERE way = 'lost'))[1:$3], [])
		FROM moved GROUP BY territory ORDER BY territory`, base, head, listed)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []TerritoryDelta
	for rows.Next() {
		var t TerritoryDelta
		var gained, lost []any
		if err := rows.Scan(&t.Territory, &t.Gained, &t.Lost, &gained, &lost); err != nil {
			return nil, err
		}
		t.GainedAccounts, t.LostAccounts = strs(gained), strs(lost)
		out = append(out, t)
	}
	return out, rows.Err()
}

// RuleDelta is the difference between two exported alignments for one rule:
// the (account, territory) pairs it makes only in the second (added) or
// only in the first (dropped).
type RuleDelta struct {
	Rule           string
	Added, Dropped int
}

// RuleImpact compares two exported alignments per rule.
func (d *DB) RuleImpact(ctx context.Context, base, head string) ([]RuleDelta, error) {
	rows, err := d.Query(ctx, `
		WITH b AS (SELECT DISTINCT rule, account, territory FROM read_parquet($1) WHERE rule <> ''),
		     h AS (SELECT DISTINCT rule, account, territory FROM read_parquet($2) WHERE rule <> ''),
		     moved AS (
		         SELECT rule, 1 AS added, 0 AS dropped FROM (SELECT * FROM h EXCEPT SELECT * FROM b)
		         UNION ALL
		         SELECT rule, 0, 1 FROM (SELECT * FROM b EXCEPT SELECT * FROM h)
		     )
		SELECT rule, sum(added)::BIGINT, sum(dropped)::BIGINT FROM moved GROUP BY rule ORDER BY rule`, base, head)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []RuleDelta
	for rows.Next() {
		var r RuleDelta
		if err := rows.Scan(&r.Rule, &r.Added, &r.Dropped); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func strs(vs []any) []string {
	out := make([]string, 0, len(vs))
	for _, v := range vs {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// literal quotes s as an SQL string literal.
func literal(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
