package query

// What a plan reads back from the evaluation: the diff's changes, and the
// manual assignments it could not place as written.

import (
	"context"
	"time"
)

// Change is one row of the diff: what an apply would do to an assignment. It
// is also the plan's assignment change (reconcile.AssignmentChange), so that
// the rows are read into the plan once, not copied from one type into another:
// a first plan at 5 M accounts has millions of them. Its JSON is the plan's
// public form (reconcile/jsonplan), which reconcile converts it to.
type Change struct {
	Action    ChangeAction
	ID        string // the existing record, for end and update
	Account   string
	Territory string
	Instance  string
	Source    string
	Rule      string
	Origin    string
	StartDate time.Time
	EndDate   *time.Time
	SendToCRM bool
	Before    *Interval // the record's dates before an end or update
	Reason    string
}

// Interval is a record's dates before a change.
type Interval struct {
	StartDate time.Time
	EndDate   *time.Time
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// ManualWithoutAccount lists the manual assignments of the evaluation
// whose account is in neither the territory's instance nor the data loader.
func (e *Evaluation) ManualWithoutAccount(ctx context.Context) ([]Manual, error) {
	if err := e.current(); err != nil {
		return nil, err
	}
	rows, err := e.db.Query(ctx, `SELECT DISTINCT account, territory, instance FROM r_manual mn
		WHERE NOT EXISTS (SELECT 1 FROM crm_account__v a WHERE a.id = mn.account AND a._instance IN (mn.instance, '@data_loader'))
		  AND NOT EXISTS (SELECT 1 FROM crm_deletion w WHERE w.instance = mn.instance AND w.object = 'account__v' AND w.id = mn.account AND w.merged_into IS NOT NULL)
		ORDER BY territory, account`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Manual
	for rows.Next() {
		var m Manual
		if err := rows.Scan(&m.Account, &m.Territory, &m.Instance); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// Merged is a manual assignment of the config naming an account that was
// merged into another.
type Merged struct {
	Account, Winner, Territory string
}

// ManualOfMergedAccounts lists the manual assignments of the evaluation
// that name a merged-away account: they apply to the winner.
func (e *Evaluation) ManualOfMergedAccounts(ctx context.Context) ([]Merged, error) {
	if err := e.current(); err != nil {
		return nil, err
	}
	rows, err := e.db.Query(ctx, `SELECT DISTINCT mn.account, w.merged_into, mn.territory FROM r_manual mn
		JOIN crm_deletion w ON w.instance = mn.instance AND w.object = 'account__v' AND w.id = mn.account AND w.merged_into IS NOT NULL
		ORDER BY 3, 1`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Merged
	for rows.Next() {
		var m Merged
		if err := rows.Scan(&m.Account, &m.Winner, &m.Territory); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// changeColumns are the columns scanChange reads, from the diff or from a
// saved plan's body.
const changeColumns = `action, coalesce(id, ''), account, territory, instance, source, coalesce(rule, ''), origin,
	start_date, end_date, send_to_crm, before_start, before_end, reason`

// scanChange reads one row of changeColumns, its strings shared through in.
func scanChange(scan func(dest ...any) error, in Interner) (Change, error) {
	var c Change
	var action string
	var beforeStart, beforeEnd *time.Time
	if err := scan(&action, &c.ID, &c.Account, &c.Territory, &c.Instance, &c.Source, &c.Rule, &c.Origin,
		&c.StartDate, &c.EndDate, &c.SendToCRM, &beforeStart, &beforeEnd, &c.Reason); err != nil {
		return c, err
	}
	c.Action = ChangeAction(action)
	c.StartDate = c.StartDate.UTC()
	c.EndDate = utcPtr(c.EndDate)
	if beforeStart != nil {
		c.Before = &Interval{StartDate: beforeStart.UTC(), EndDate: utcPtr(beforeEnd)}
	}
	in.Change(&c)
	return c, nil
}
