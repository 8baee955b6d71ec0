package reconcile

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/alignctl/alignctl/query"
	"github.com/alignctl/alignctl/schema"
)

// TerritoryImpact is what a config change does to one territory: the
// accounts it gains and loses, against the same state and execution time.
type TerritoryImpact struct {
	Territory      string
	Gained         int
	Lost           int
	GainedAccounts []string // the first ImpactListed, sorted
	LostAccounts   []string
}

// RuleImpact is what a config change does through one rule: the (account,
// territory) pairs it now adds or no longer makes.
type RuleImpact struct {
	Rule    string
	Change  string // added, removed, changed, or unchanged (its matches moved for another reason)
	Added   int
	Dropped int
}

// ImpactListed is how many gained and lost accounts per territory a plan
// names; the counts are always whole.
const ImpactListed = 100

// BaseOptions are what a plan needs to report the difference a config change
// makes (plan --base): the config at the base revision and both trees' files.
type BaseOptions struct {
	Config *schema.Config
	Ref    ConfigRef
	// FS and HeadFS are the base's and the head's config folders, for the
	// unified diff of their files.
	FS, HeadFS fs.FS
	// Cache is the evaluation cache the base's plan may use.
	Cache *query.EvalCache
}

// AddImpact evaluates the base config against the same state, scope and
// time as the plan's own (head) config, and records in the plan what the
// change from base to head does: per territory the accounts gained and lost,
// per rule the pairs added and dropped, and the diff of the config files.
//
// Each config's alignment is the assignments in effect at now or later once
// its changes are applied; each is written to a Parquet file from inside a
// rolled-back transaction, and the two files are compared in SQL. Only the
// accounts one of the two diffs touches are written: the others hold the
// same records on both sides (both start from the state), so the cost
// follows the change, not the state. The base side is only evaluated and
// diffed, not planned: its evaluation is usually the applied config's,
// which the evaluation cache holds, and an incremental evaluation of the
// head shares every unchanged rule with it.
func AddImpact(ctx context.Context, db *query.DB, head *schema.Config, p *Plan, base BaseOptions) error {
	scope := Scope{Territory: p.Scope.Territory, SendToCRM: p.Scope.SendToCRM}
	rs, err := Compile(base.Config, p.Now, scope)
	if err != nil {
		return fmt.Errorf("--base: %w", err)
	}
	ev, err := db.EvaluateRules(ctx, rs, p.Now, query.EvalOptions{Cache: base.Cache})
	if err != nil {
		return fmt.Errorf("--base: %w", ruleFieldError(base.Config, err))
	}
	// The base's changes are its diff; the head's are the plan's.
	bp := &Plan{Now: p.Now, Scope: PlanScope{Territory: p.Scope.Territory, Territories: rs.Scope, SendToCRM: p.Scope.SendToCRM},
		diff: ev.Diff()}
	var headAccounts []string
	if p.spool != nil {
		if headAccounts, err = db.ChangedAccounts(ctx, p.body.assignments); err != nil {
			return err
		}
	} else {
		headAccounts = make([]string, 0, len(p.AssignmentChanges))
		for _, c := range p.AssignmentChanges {
			headAccounts = append(headAccounts, c.Account)
		}
	}
	touched, err := bp.diff.Touched(ctx, headAccounts)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "alignctl-impact-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	files := [2]string{filepath.Join(dir, "base.parquet"), filepath.Join(dir, "head.parquet")}
	for i, side := range []struct {
		cfg    *schema.Config
		p      *Plan
		writes assignmentWrites
	}{{base.Config, bp, diffChanges}, {head, p, planChanges}} {
		err := db.DryRun(ctx, func() error {
			if _, err := applyToState(ctx, db, side.cfg, side.p, side.writes); err != nil {
				return err
			}
			return db.ExportAlignment(ctx, files[i], p.Now, p.Scope.Territories, touched)
		})
		if err != nil {
			return err
		}
	}
	territories, err := db.TerritoryImpact(ctx, files[0], files[1], ImpactListed)
	if err != nil {
		return err
	}
	p.Impact = make([]TerritoryImpact, len(territories))
	for i, t := range territories {
		p.Impact[i] = TerritoryImpact{Territory: t.Territory, Gained: t.Gained, Lost: t.Lost, GainedAccounts: t.GainedAccounts, LostAccounts: t.LostAccounts}
	}
	rules, err := db.RuleImpact(ctx, files[0], files[1])
	if err != nil {
		return err
	}
	changes := ruleChanges(base.Config, head)
	p.RuleImpact = []RuleImpact{}
	for _, r := range rules {
		p.RuleImpact = append(p.RuleImpact, RuleImpact{Rule: r.Rule, Change: changes[r.Rule], Added: r.Added, Dropped: r.Dropped})
		delete(changes, r.Rule)
	}
	// Changed rules that move no account are worth a line too.
	for _, id := range slices.Sorted(maps.Keys(changes)) {
		if changes[id] != "unchanged" {
			p.RuleImpact = append(p.RuleImpact, RuleImpact{Rule: id, Change: changes[id]})
		}
	}
	if base.FS != nil && base.HeadFS != nil {
		if p.ConfigDiff, err = ConfigDiff(base.FS, base.HeadFS); err != nil {
			return err
		}
	}
	ref := base.Ref
	p.Base = &ref
	return nil
}

// ruleChanges says for every rule id of either config whether the change
// from base to head added, removed or changed it.
func ruleChanges(base, head *schema.Config) map[string]string {
	before, after := ruleDefinitions(base), ruleDefinitions(head)
	out := map[string]string{}
	for id, def := range after {
		switch old, ok := before[id]; {
		case !ok:
			out[id] = "added"
		case old != def:
			out[id] = "changed"
		default:
			out[id] = "unchanged"
		}
	}
	for id := range before {
		if _, ok := after[id]; !ok {
			out[id] = "removed"
		}
	}
	return out
}

// ruleDefinitions renders each rule without its place in the files, so that
// moving a rule between lines or files is no change.
func ruleDefinitions(cfg *schema.Config) map[string]string {
	out := map[string]string{}
	for _, r := range allRules(cfg) {
		c := *r
		c.Pos = schema.Pos{}
		c.Criteria = slices.Clone(r.Criteria)
		for i := range c.Criteria {
			c.Criteria[i].Pos = schema.Pos{}
		}
		b, _ := json.Marshal(c)
		out[r.ID] = string(b)
	}
	return out
}
