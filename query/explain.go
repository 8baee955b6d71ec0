package query

import (
	"context"
	"database/sql"
	"time"
)

// AccountTrace is what the rules engine decided for one account, read after
// EvaluateRules ran with that account as its Focus.
type AccountTrace struct {
	Account   string
	Found     bool
	Instances []string
	// Values of each field the criteria read: "object.field" -> values.
	Values map[string][]string
	// Satisfied criteria per rule id (1-based positions), and the rules
	// whose match logic held.
	Satisfied map[string][]int
	Matched   map[string]bool
	// Related: hierarchy rule id -> territories whose accounts the account
	// is affiliated with (the way the rule follows).
	Related map[string][]string
	// Geography: territory -> the window of the account's primary postal code
	// in that territory's geographies.
	Geography map[string]Window
	Pairs     []Pair // before exclusions
	Excluded  []Excluded
	Conflicts []Conflict
	Desired   []Pair
	Changes   []Change
	Current   []Assignment // records in effect at now or later
}

// Window is a start and an optional end.
type Window struct {
	Start time.Time
	End   *time.Time
}

// Pair is one (account, territory, source, origin) with its window.
type Pair struct {
	Territory, Source, Rule, Origin string
	Start                           time.Time
	End                             *time.Time
}

// TraceAccount reads the engine's tables for the focus account.
func (e *Evaluation) TraceAccount(ctx context.Context, account string, now time.Time) (*AccountTrace, error) {
	if err := e.current(); err != nil {
		return nil, err
	}
	d := e.db
	tr := &AccountTrace{Account: account, Values: map[string][]string{}, Satisfied: map[string][]int{}, Matched: map[string]bool{}, Related: map[string][]string{}, Geography: map[string]Window{}}
	rows, err := d.Query(ctx, `SELECT DISTINCT _instance FROM crm_account__v WHERE id = ? ORDER BY 1`, account)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var inst string
		if err := rows.Scan(&inst); err != nil {
			rows.Close()
			return nil, err
		}
		tr.Instances = append(tr.Instances, inst)
	}
	rows.Close()
	tr.Found = len(tr.Instances) > 0
	steps := []struct {
		q    string
		scan func(*sql.Rows) error
	}{
		{`SELECT f.object || '.' || f.field, coalesce(a.value, '') FROM attr a JOIN r_field f USING (fkey)
		  WHERE a.account = $1 ORDER BY 1, 2`, func(r *sql.Rows) error {
			var k, v string
			if err := r.Scan(&k, &v); err != nil {
				return err
			}
			tr.Values[k] = append(tr.Values[k], v)
			return nil
		}},
		{`SELECT DISTINCT r.rule_id, s.pos FROM explain_satisfied s JOIN r_rule r USING (rule_key) WHERE s.account = $1 ORDER BY 1, 2`, func(r *sql.Rows) error {
			var id string
			var pos int
			if err := r.Scan(&id, &pos); err != nil {
				return err
			}
			tr.Satisfied[id] = append(tr.Satisfied[id], pos)
			return nil
		}},
		{`SELECT DISTINCT r.rule_id FROM explain_matched m JOIN r_rule r USING (rule_key) WHERE m.account = $1`, func(r *sql.Rows) error {
			var id string
			if err := r.Scan(&id); err != nil {
				return err
			}
			tr.Matched[id] = true
			return nil
		}},
		{`SELECT DISTINCT r.rule_id, rl.territory FROM related rl JOIN r_rule r USING (rule_key) WHERE rl.account = $1 ORDER BY 1, 2`, func(r *sql.Rows) error {
			var id, t string
			if err := r.Scan(&id, &t); err != nil {
				return err
			}
			tr.Related[id] = append(tr.Related[id], t)
			return nil
		}},
		{`SELECT g.territory, g.start_date, g.end_date FROM account_geography g JOIN account_row a USING (account_key) WHERE a.account = $1`, func(r *sql.Rows) error {
			var t string
			var w Window
			if err := r.Scan(&t, &w.Start, &w.End); err != nil {
				return err
			}
			tr.Geography[t] = w
			return nil
		}},
		{`SELECT territory, source, coalesce(rule, ''), origin, start_date, end_date FROM pairs WHERE account = $1 ORDER BY 1, 2, 4`, func(r *sql.Rows) error {
			var p Pair
			if err := r.Scan(&p.Territory, &p.Source, &p.Rule, &p.Origin, &p.Start, &p.End); err != nil {
				return err
			}
			tr.Pairs = append(tr.Pairs, p)
			return nil
		}},
		{`SELECT territory, source, coalesce(rule, ''), origin, start_date, end_date FROM desired WHERE account = $1 ORDER BY 1, 2, 4`, func(r *sql.Rows) error {
			var p Pair
			if err := r.Scan(&p.Territory, &p.Source, &p.Rule, &p.Origin, &p.Start, &p.End); err != nil {
				return err
			}
			tr.Desired = append(tr.Desired, p)
			return nil
		}},
	}
	for _, s := range steps {
		rows, err := d.Query(ctx, s.q, account)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			if err := s.scan(rows); err != nil {
				rows.Close()
				return nil, err
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	excluded, err := e.Excluded(ctx)
	if err != nil {
		return nil, err
	}
	for _, x := range excluded {
		if x.Account == account {
			tr.Excluded = append(tr.Excluded, x)
		}
	}
	conflicts, err := e.Conflicts(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range conflicts {
		if c.Account == account {
			tr.Conflicts = append(tr.Conflicts, c)
		}
	}
	changes, err := e.Diff().Changes(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range changes {
		if c.Account == account {
			tr.Changes = append(tr.Changes, c)
		}
	}
	current, err := d.Assignments(ctx, AssignmentFilter{Account: account})
	if err != nil {
		return nil, err
	}
	for _, a := range current {
		if a.End == nil || a.End.After(now) {
			tr.Current = append(tr.Current, a)
		}
	}
	return tr, nil
}
