package query

import (
	"context"
	"strings"
	"time"
)

// Conflict is an account that several territories of an exclusive field
// force want; Kept is the territory that already had it, or "".
type Conflict struct {
	FieldForce  string
	Account     string
	Territories []string
	Kept        string
}

// Conflicts reads the exclusive field forces' conflicts of the evaluation.
func (e *Evaluation) Conflicts(ctx context.Context) ([]Conflict, error) {
	if err := e.current(); err != nil {
		return nil, err
	}
	rows, err := e.db.Query(ctx, `SELECT field_force, account, array_to_string(territories, ','), coalesce(kept, '')
		FROM conflict ORDER BY field_force, account`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Conflict
	for rows.Next() {
		var c Conflict
		var ts string
		if err := rows.Scan(&c.FieldForce, &c.Account, &ts, &c.Kept); err != nil {
			return nil, err
		}
		c.Territories = strings.Split(ts, ",")
		out = append(out, c)
	}
	return out, rows.Err()
}

// Excluded is a pair an exclusion kept from being assigned.
type Excluded struct {
	Account, Territory, Source, Origin, Reason string
}

// Excluded reads the pairs exclusions blocked in the evaluation.
func (e *Evaluation) Excluded(ctx context.Context) ([]Excluded, error) {
	if err := e.current(); err != nil {
		return nil, err
	}
	rows, err := e.db.Query(ctx, `SELECT account, territory, source, origin, coalesce(reason, '') FROM excluded
		ORDER BY territory, account, source, origin`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Excluded
	for rows.Next() {
		var x Excluded
		if err := rows.Scan(&x.Account, &x.Territory, &x.Source, &x.Origin, &x.Reason); err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// UniqueAssignment is one account and territory with every source behind it:
// the rule id for rule sources, else the source name.
type UniqueAssignment struct {
	Account, Territory string
	Sources            []string
}

// UniqueAssignments lists the assignments in effect at now or later, one row
// per account and territory, optionally only in the given territories.
func (d *DB) UniqueAssignments(ctx context.Context, from Assignments, scope []string, now time.Time) ([]UniqueAssignment, error) {
	if scope == nil {
		scope = []string{}
	}
	rows, err := d.Query(ctx, `SELECT account, territory, array_to_string(list(DISTINCT src ORDER BY src), ';')
		FROM (
			SELECT account, territory, CASE WHEN source IN ('rule', 'hierarchy_rule') THEN rule ELSE source END AS src
			FROM `+string(from)+`
			WHERE (end_date IS NULL OR end_date > $1)
			  AND (len($2::VARCHAR[]) = 0 OR list_contains($2::VARCHAR[], territory))
		)
		GROUP BY account, territory ORDER BY territory, account`, now, scope)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []UniqueAssignment
	for rows.Next() {
		var u UniqueAssignment
		var s string
		if err := rows.Scan(&u.Account, &u.Territory, &s); err != nil {
			return nil, err
		}
		u.Sources = strings.Split(s, ";")
		out = append(out, u)
	}
	return out, rows.Err()
}

// AccountsPerTerritory counts the distinct accounts each territory holds
// from now on (assignments in effect at now or starting later).
func (d *DB) AccountsPerTerritory(ctx context.Context, from Assignments, now time.Time) (map[string]int, error) {
	rows, err := d.Query(ctx, `SELECT territory, count(DISTINCT account) FROM `+string(from)+`
		WHERE end_date IS NULL OR end_date > $1 GROUP BY territory`, now)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var t string
		var n int
		if err := rows.Scan(&t, &n); err != nil {
			return nil, err
		}
		out[t] = n
	}
	return out, rows.Err()
}
