package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/alignctl/alignctl/query"
	"github.com/alignctl/alignctl/reconcile"
	"github.com/alignctl/alignctl/schema"
)

// The plan after a change to a few of the rules evaluates only the changed
// rules and lists exactly the changes of a full evaluation, on every rule
// mix of examples/scale: first plan, apply, the change (-change 10: at
// 20,000 accounts 1% is less than one rule; the bench checks -change 1), then
// the plan with the evaluation cache in verify mode (which evaluates
// everything again and compares the desired assignments) and without the
// cache (compared change by change).
//
// 20,000 accounts by default, so that `make test` stays quick;
// ALIGNCTL_INCREMENTAL_ACCOUNTS=100000 runs the size the issue names (about
// a minute without the race detector). `make bench` checks the same at every
// size it measures.
func TestIncrementalPlanEveryMix(t *testing.T) {
	accounts := 20_000
	if s := os.Getenv("ALIGNCTL_INCREMENTAL_ACCOUNTS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			t.Fatalf("ALIGNCTL_INCREMENTAL_ACCOUNTS=%q: %v", s, err)
		}
		accounts = n
	}
	forEveryMix(t, accounts, func(t *testing.T, scale, dir, mix string, gen []string) {
		ctx := t.Context()
		db, cfg := importGenerated(t, dir)
		defer db.Close()
		cache := &query.EvalCache{Dir: filepath.Join(dir, "state.duckdb.cache"), Verify: true}
		plan := func(cfg *schema.Config, c *query.EvalCache) *reconcile.Plan {
			t.Helper()
			p, err := reconcile.MakePlan(ctx, db, cfg, reconcile.PlanOptions{Now: benchNow, Config: reconcile.ConfigRef{Hash: cfg.Hash}, Cache: c})
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
		first := plan(cfg, cache)
		if err := reconcile.Apply(ctx, db, cfg, first); err != nil {
			t.Fatal(err)
		}
		runScale(t, scale, append(gen, "-change", "10")...)
		changed := loadConfig(t, dir)
		incremental := plan(changed, cache)
		if cache.Hit || cache.Reused == 0 {
			t.Fatalf("the plan after the change: hit %v, %d rules reused; want an incremental evaluation", cache.Hit, cache.Reused)
		}
		full := plan(changed, nil)
		got, want := changeLines(incremental), changeLines(full)
		if !slices.Equal(got, want) {
			t.Errorf("incremental plan (%d rules reused) has %d changes, a full evaluation %d:\n%v\n%v", cache.Reused, len(got), len(want), got, want)
		}
		t.Logf("%s: %d rules reused, %d changes", mix, cache.Reused, len(got))
	})
}

func loadConfig(t *testing.T, dir string) *schema.Config {
	t.Helper()
	cfg, err := schema.LoadDir(filepath.Join(dir, "config"))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func changeLines(p *reconcile.Plan) []string {
	var out []string
	for _, c := range p.AssignmentChanges {
		out = append(out, fmt.Sprintf("%s %s %s %s %s %s %v %v", c.Action, c.ID, c.Account, c.Territory, c.Source, c.Origin, c.StartDate, c.EndDate))
	}
	slices.Sort(out)
	return out
}
