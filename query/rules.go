package query

import (
	"context"
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

//go:embed rules_drive.sql
var driveSQL string

//go:embed rules_match.sql
var matchSQL string

//go:embed rules_pairs.sql
var pairsSQL string

//go:embed rules_hierarchy.sql
var hierarchySQL string

//go:embed rules_desired.sql
var desiredSQL string

//go:embed rules_conflict.sql
var conflictSQL string

//go:embed diff.sql
var diffSQL string

// EvalOptions change what EvaluateRules looks at.
type EvalOptions struct {
	// Focus evaluates every rule for this one account (explain), whatever
	// their drivers would pick.
	Focus string
	// Cache, when set, keeps the evaluation beside the state and reuses it
	// while its inputs are unchanged (evalcache.go). Not with Focus, and it
	// leaves no `satisfied`, `matched`, `pairs` or `excluded` on a hit.
	Cache *EvalCache
}

// EvaluateRules computes the desired assignments of a rule set and their diff
// against the state, and returns the Evaluation that reads them. The number
// of statements it runs does not depend on the number of rules.
func (d *DB) EvaluateRules(ctx context.Context, rs *RuleSet, now time.Time, opts ...EvalOptions) (*Evaluation, error) {
	// Every Evaluation made before this one reads tables this one replaces.
	d.evaluations++
	if err := d.evaluateRules(ctx, rs, now, opts...); err != nil {
		return nil, err
	}
	ev := &Evaluation{db: d, gen: d.evaluations}
	if len(opts) > 0 && opts[0].Cache != nil {
		ev.Cached, ev.Reused = opts[0].Cache.Hit, opts[0].Cache.Reused
	}
	return ev, nil
}

// evaluateRules makes the temporary tables an Evaluation reads: `desired`
// and `change` (and `satisfied`, `matched`, `excluded`, `conflict` for explain and
// the preview).
func (d *DB) evaluateRules(ctx context.Context, rs *RuleSet, now time.Time, opts ...EvalOptions) error {
	var o EvalOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	var focus any
	if o.Focus != "" {
		focus = o.Focus
	}
	if err := d.createRuleTables(ctx, nil); err != nil {
		return err
	}
	fields, err := d.fieldKeys(ctx, rs.Criteria)
	if err != nil {
		return err
	}
	// What the diff reads first; the rest only when evaluating, so that a
	// cache hit does not load the geographies it never reads.
	if _, err := d.loadRuleSet(ctx, rs, fields, diffTables); err != nil {
		return err
	}
	type step struct {
		name   string
		script string
		args   []any
	}
	run := func(steps ...step) error {
		for _, s := range steps {
			if err := d.runScript(ctx, s.script, s.args...); err != nil {
				return fmt.Errorf("rules engine (%s): %w", s.name, err)
			}
		}
		return nil
	}
	// evaluate makes `desired_before_exclusive` and `excluded` from the rules of set: rs,
	// or the changed rules of an incremental evaluation, whose bindings
	// stand in `r_binding` while it runs.
	evaluate := func(set *RuleSet) error {
		tables := evaluationOnlyTables()
		if set != rs {
			tables = append(tables, "r_binding")
		}
		if err := d.createRuleTables(ctx, tables); err != nil {
			return err
		}
		driveFields, err := d.loadRuleSet(ctx, set, fields, tables)
		if err != nil {
			return err
		}
		accountCase, err := d.createAttrViews(ctx, fields, driveFields)
		if err != nil {
			return err
		}
		match := strings.ReplaceAll(matchSQL, accountValue, accountCase)
		err = run(
			step{"drive", driveSQL, []any{now, focus}},
			step{"match", match, []any{now}},
			step{"pairs", pairsSQL, []any{now, focus}},
			step{"hierarchy", hierarchySQL, []any{now, focus}},
			step{"hierarchy match", match, []any{now}},
			step{"desired", desiredSQL, []any{now, focus}},
		)
		if err != nil || set == rs {
			return err
		}
		if err := d.createRuleTables(ctx, []string{"r_binding"}); err != nil {
			return err
		}
		_, err = d.loadRuleSet(ctx, rs, fields, []string{"r_binding"})
		return err
	}
	var base evalBase
	if c := o.Cache; c != nil && o.Focus == "" {
		if base, err = d.evaluateCached(ctx, c, rs, fields, now, evaluate); err != nil {
			return err
		}
	} else if err := evaluate(rs); err != nil {
		return err
	}
	if o.Focus == "" && !d.inTx {
		// What the evaluation made besides its result is not read again
		// (explain's focus reads it, inside a transaction). Outside one, a
		// dropped table gives its memory back at once: at 5M accounts these
		// tables hold gigabytes, and the diff spilled while they stood.
		if err := d.dropEvaluationTablesExcept(ctx, "desired_before_exclusive", "excluded", "engine_stats"); err != nil {
			return err
		}
	}
	if err := run(step{"exclusive field forces", conflictSQL, []any{now}}); err != nil {
		return err
	}
	restricted, err := d.diffScope(ctx, o.Cache, base, rs, now)
	if err != nil {
		return err
	}
	diff := func() error { return run(step{"diff", diffSQL, []any{now, rs.Scope == nil, rs.Selected != nil}}) }
	if err := diff(); err != nil {
		return err
	}
	if restricted && o.Cache.Verify {
		if err := d.verifyRestrictedDiff(ctx, diff); err != nil {
			os.Remove(filepath.Join(o.Cache.Dir, alignedMarkFile))
			return err
		}
	}
	return d.markAligned(ctx, o.Cache, base, rs, now)
}

// evaluateCached makes `desired_before_exclusive` from the cache when an entry matches;
// otherwise it evaluates the changed rules only when an entry of the same
// data holds the others (evalreuse.go), or every rule, and stores a full
// evaluation.
//
// It returns what `desired_before_exclusive` is made of (evalBase): an
// entry's records, or an entry's and the changed rules' own, for the diff's
// restriction (aligned.go).
func (d *DB) evaluateCached(ctx context.Context, c *EvalCache, rs *RuleSet, fields []fieldKey, now time.Time, evaluate func(*RuleSet) error) (evalBase, error) {
	c.Hit, c.Reused = false, 0
	var rows *rowDigests
	digest := func() rowDigests {
		if rows == nil {
			r := digestRows(rs, now)
			rows = &r
		}
		return *rows
	}
	key, data, err := d.evalKey(ctx, c, rs, fields, now, digest)
	if err != nil {
		return evalBase{}, fmt.Errorf("evaluation cache: %w", err)
	}
	if c.Hit, err = d.loadEvalCache(ctx, c, key, now); err != nil {
		return evalBase{}, err
	}
	if c.Hit {
		traceEvaluation(c, len(rs.Rules))
		if c.Verify {
			err = d.verifyAgainst(ctx, c, key, rs, evaluate)
		}
		return evalBase{key: key, exact: true}, err
	}
	digests := digest().rules
	if r := reusableEntry(c, data, rs, digests, now); r != nil {
		if err := evaluate(r.evaluate); err != nil {
			return evalBase{}, err
		}
		// The accounts the diff may find changed are wanted only when the
		// entry's mark can restrict it.
		var base evalBase
		if m := readAlignedMark(c.Dir); m != nil && m.Key == r.entry.Key {
			base = evalBase{key: r.entry.Key}
		}
		switch err := d.addReused(ctx, c, r, now, base.key != ""); {
		case err == nil:
			c.Reused = len(r.rules)
			traceEvaluation(c, len(rs.Rules))
			// Not stored: writing the whole result again would cost a
			// large share of what the evaluation saved, and the entry it
			// reused serves the next plan of these rules as well.
			if c.Verify {
				err = d.verifyAgainst(ctx, c, "", rs, evaluate)
			}
			return base, err
		case err != errEntryGone:
			return evalBase{}, err
		}
	}
	if err := evaluate(rs); err != nil {
		return evalBase{}, err
	}
	traceEvaluation(c, len(rs.Rules))
	return evalBase{key: key, exact: true}, d.storeEvalCache(ctx, c, key, data, digests, now)
}

// verifyAgainst evaluates rs in full and fails when `desired_before_exclusive`, from the
// cache or an incremental evaluation, differs; the entry of key (if any) is
// removed then.
func (d *DB) verifyAgainst(ctx context.Context, c *EvalCache, key string, rs *RuleSet, evaluate func(*RuleSet) error) error {
	for _, q := range []string{
		`CREATE OR REPLACE TEMP TABLE desired_cached AS FROM desired_before_exclusive`,
		`CREATE OR REPLACE TEMP TABLE excluded_cached AS FROM excluded`,
	} {
		if _, err := d.Exec(ctx, q); err != nil {
			return err
		}
	}
	if err := evaluate(rs); err != nil {
		return err
	}
	if err := d.verifyEvalCache(ctx); err != nil {
		if key != "" {
			removeEntry(c.Dir, key)
		}
		return err
	}
	return nil
}
