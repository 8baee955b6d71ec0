package query

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/alignctl/alignctl/internal/osfile"
)

// The diff in proportion to the change. A plan whose diff finds nothing to
// change proves that the state's assignments are what its evaluation wants;
// it writes that down beside the cache entries (alignedMark). A later plan
// that starts from the same entry (a hit, or an incremental evaluation
// reusing it) against the same assignments then diffs only the accounts
// that can differ: those of the records its changed rules made or the entry
// held for them, of the manual assignments, and of the assignments whose
// dates were crossed since. Every other account's records are the entry's
// on both sides of the diff, which the mark proved equal.
// docs/engine.md, "The diff in proportion to the change".
//
// The mark is trusted as far as the cache entries are: it is our file, and
// everything it vouches for is checked again (the state it names, the
// assignments by their print, the territories by their digest, the time).
// A mark that does not hold costs the plan the whole diff, never a wrong
// one; ALIGNCTL_PLAN_CACHE=verify diffs both ways and fails on a difference.

// alignedMarkFile is the mark's name in the cache folder. Not *.json: the
// cache's pruning takes those for entries.
const alignedMarkFile = "aligned.mark"

// alignedMark says that at Now the diff of entry Key's evaluation against
// the state's assignments (Rows records, printed Print) found no record to
// change, with the territories of digest Territories.
type alignedMark struct {
	State       string    `json:"state"`
	Key         string    `json:"key"`
	Now         time.Time `json:"now"`
	Rows        int64     `json:"rows"`
	Print       uint64    `json:"print"`
	Territories string    `json:"territories"`
}

// evalBase says what an evaluation's `desired_before_exclusive` holds, for
// the diff's restriction: the records of entry key (exact), or that entry's
// for the reused rules and the changed rules' own, whose accounts are in
// `changed_account`.
type evalBase struct {
	key   string
	exact bool
}

// readAlignedMark reads the mark of dir; nil when there is none or it cannot
// be read.
func readAlignedMark(dir string) *alignedMark {
	b, err := os.ReadFile(filepath.Join(dir, alignedMarkFile))
	if err != nil {
		return nil
	}
	var m alignedMark
	if json.Unmarshal(b, &m) != nil || m.Key == "" || m.State == "" {
		return nil
	}
	return &m
}

// assignmentsPrint is the count and order-free print of the assignment
// columns the diff reads: a push, which sets only the CRM's record ids,
// leaves it alone; any other write to the assignments changes it.
func (d *DB) assignmentsPrint(ctx context.Context) (rows int64, print uint64, err error) {
	err = d.QueryRow(ctx, `SELECT count(*), coalesce(bit_xor(hash(id, instance, account, territory, source, rule, origin,
			start_date, end_date, send_to_crm)), 0)
		FROM account_territory`).Scan(&rows, &print)
	return rows, print, err
}

// territoriesDigest is the digest of the territories as the exclusive field
// forces and the diff read them (RuleSet.Territories), with now written as
// "now".
func territoriesDigest(rs *RuleSet, now time.Time) string {
	d := newDigester()
	d.str("territories 1")
	for _, t := range rs.Territories {
		d.str(t.Territory)
		d.bool(t.Active)
		switch {
		case t.End == nil:
			d.str("-")
		case t.End.Equal(now):
			d.str("now")
		default:
			d.str(t.End.UTC().Format(time.RFC3339Nano))
		}
		d.str(t.FieldForce)
		d.bool(t.Exclusive)
	}
	return hashBytes(d.sum())
}

// diffScope makes the views the diff reads, `diff_current` (the state's
// assignments) and `diff_desired`: whole, or restricted to `diff_account`
// when the cache's mark vouches for every other account. It reports
// whether it restricted them.
func (d *DB) diffScope(ctx context.Context, c *EvalCache, base evalBase, rs *RuleSet, now time.Time) (bool, error) {
	restricted, err := d.diffAccounts(ctx, c, base, rs, now)
	if err != nil {
		return false, err
	}
	if c != nil {
		c.Restricted = restricted
	}
	return restricted, d.diffViews(ctx, restricted)
}

func (d *DB) diffViews(ctx context.Context, restricted bool) error {
	views := []string{
		`CREATE OR REPLACE TEMP VIEW diff_current AS FROM account_territory`,
		`CREATE OR REPLACE TEMP VIEW diff_desired AS FROM desired`,
	}
	if restricted {
		// The few accounts' records copied once: the diff reads each view
		// several times, and a view repeats its semi-join each time.
		views = []string{
			`CREATE OR REPLACE TEMP TABLE diff_current_rows AS FROM account_territory SEMI JOIN diff_account USING (account)`,
			`CREATE OR REPLACE TEMP TABLE diff_desired_rows AS FROM desired SEMI JOIN diff_account USING (account)`,
			`CREATE OR REPLACE TEMP VIEW diff_current AS FROM diff_current_rows`,
			`CREATE OR REPLACE TEMP VIEW diff_desired AS FROM diff_desired_rows`,
		}
	}
	for _, q := range views {
		if _, err := d.Exec(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// diffAccounts makes `diff_account` when the mark holds for this plan.
func (d *DB) diffAccounts(ctx context.Context, c *EvalCache, base evalBase, rs *RuleSet, now time.Time) (bool, error) {
	if c == nil || c.Dir == "" || base.key == "" || rs.Scope != nil || rs.Selected != nil {
		return false, nil
	}
	m := readAlignedMark(c.Dir)
	if m == nil || m.Key != base.key || now.Before(m.Now) || m.Territories != territoriesDigest(rs, now) {
		return false, nil
	}
	var state string
	if err := d.QueryRow(ctx, `SELECT coalesce(any_value(id), '') FROM state_identity`).Scan(&state); err != nil {
		return false, err
	}
	rows, print, err := d.assignmentsPrint(ctx)
	if err != nil || state != m.State || rows != m.Rows || print != m.Print {
		return false, err
	}
	changed := `SELECT NULL::VARCHAR AS account WHERE false`
	if !base.exact {
		changed = `SELECT account FROM changed_account`
	}
	// The dates crossed since the mark: a record that ended or started in
	// between is no longer (or now) in effect, whatever the rules say.
	_, err = d.Exec(ctx, `CREATE OR REPLACE TEMP TABLE diff_account AS
		SELECT DISTINCT account FROM (
			`+changed+`
			UNION ALL SELECT account FROM r_manual
			UNION ALL SELECT account FROM account_territory
			WHERE source IN ('rule', 'hierarchy_rule', 'manual')
			  AND ((source = 'manual' AND (end_date IS NULL OR end_date > $1))
			       OR (start_date > $1 AND start_date <= $2)
			       OR (end_date > $1 AND end_date <= $2)))`, m.Now, now)
	if err != nil {
		return false, err
	}
	if traceSQL >= 0 {
		var n int64
		if err := d.QueryRow(ctx, `SELECT count(*) FROM diff_account`).Scan(&n); err != nil {
			return false, err
		}
		fmt.Fprintf(os.Stderr, "alignctl: diff: %d accounts can differ from the aligned state of %s\n", n, m.Now.UTC().Format(time.RFC3339))
	}
	return true, nil
}

// markAligned writes the mark when the diff just made proves the state
// aligned with entry base.key: the whole plan (no scope, every kind of
// rule), an evaluation that is the entry's records exactly, and no record
// of the rules or manual assignments to change. File errors are dropped: a
// missing mark costs the next plan the whole diff.
func (d *DB) markAligned(ctx context.Context, c *EvalCache, base evalBase, rs *RuleSet, now time.Time) error {
	if c == nil || c.Dir == "" || !base.exact || rs.Scope != nil || rs.Selected != nil {
		return nil
	}
	if _, err := os.Stat(filepath.Join(c.Dir, base.key+".json")); err != nil {
		return nil
	}
	var changes int64
	if err := d.QueryRow(ctx, `SELECT count(*) FROM change WHERE source IN ('rule', 'hierarchy_rule', 'manual')`).Scan(&changes); err != nil || changes > 0 {
		return err
	}
	m := alignedMark{Key: base.key, Now: now.UTC(), Territories: territoriesDigest(rs, now)}
	if err := d.QueryRow(ctx, `SELECT coalesce(any_value(id), '') FROM state_identity`).Scan(&m.State); err != nil {
		return err
	}
	var err error
	if m.Rows, m.Print, err = d.assignmentsPrint(ctx); err != nil {
		return err
	}
	b, err := json.Marshal(m)
	if err != nil || m.State == "" {
		return nil
	}
	osfile.WriteAtomic(filepath.Join(c.Dir, alignedMarkFile), func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	})
	return nil
}

// verifyRestrictedDiff diffs again without the restriction and fails when
// the changes differ (ALIGNCTL_PLAN_CACHE=verify); `change` is then the
// whole diff's.
func (d *DB) verifyRestrictedDiff(ctx context.Context, diff func() error) error {
	if _, err := d.Exec(ctx, `ALTER TABLE change RENAME TO change_restricted`); err != nil {
		return err
	}
	if err := d.diffViews(ctx, false); err != nil {
		return err
	}
	if err := diff(); err != nil {
		return err
	}
	var missing, extra int64
	err := d.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM (SELECT * FROM change EXCEPT ALL SELECT * FROM change_restricted)),
		(SELECT count(*) FROM (SELECT * FROM change_restricted EXCEPT ALL SELECT * FROM change))`).Scan(&missing, &extra)
	if err != nil {
		return err
	}
	if _, err := d.Exec(ctx, `DROP TABLE change_restricted`); err != nil {
		return err
	}
	if missing+extra > 0 {
		return fmt.Errorf("diff restricted by the aligned mark: %d changes missing, %d extra against the whole diff", missing, extra)
	}
	return nil
}
