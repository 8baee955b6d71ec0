package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/alignctl/alignctl/query"
	"github.com/alignctl/alignctl/reconcile"
	"github.com/alignctl/alignctl/schema"
)

// The bench's `plan --base` step at a small size, in-process: the config
// committed as the step commits it (commitApplied, then the change and
// commitChange), the cache set aside before the plain plan of the change
// and put back before the --base plan (saveCache, restoreCache), the --base
// plan made as `alignctl plan --base main` makes it (MakePlan, then
// AddImpact against the config at main), and both saved plans compared by
// samePlanChanges, the bench's own check.
func TestBasePlanStep(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and plans an alignment")
	}
	ctx := context.Background()
	dir := t.TempDir()
	scale := buildScale(t)
	gen := []string{"-out", dir, "-accounts", strconv.Itoa(10_000)}
	runScale(t, scale, gen...)
	db, cfg := importGenerated(t, dir)
	defer db.Close()
	cacheDir := filepath.Join(dir, "state.duckdb.cache")
	plan := func(cfg *schema.Config) *reconcile.Plan {
		t.Helper()
		cache := &query.EvalCache{Dir: cacheDir, Verify: true}
		p, err := reconcile.MakePlan(ctx, db, cfg, reconcile.PlanOptions{Now: benchNow, Config: reconcile.ConfigRef{Hash: cfg.Hash}, Cache: cache})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	saveAs := func(p *reconcile.Plan, name string) string {
		t.Helper()
		path := filepath.Join(dir, name)
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.WriteSaved(ctx, f); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		return path
	}

	first := plan(cfg)
	firstFile := saveAs(first, "plan1.json")
	if err := reconcile.Apply(ctx, db, cfg, first); err != nil {
		t.Fatal(err)
	}
	config := filepath.Join(dir, "config")
	if err := commitApplied(config); err != nil {
		t.Fatal(err)
	}
	// -change 10: at 10,000 accounts 1% is less than one rule.
	runScale(t, scale, append(gen, "-change", "10")...)
	if err := commitChange(config); err != nil {
		t.Fatal(err)
	}
	if err := saveCache(cacheDir); err != nil {
		t.Fatal(err)
	}
	head := loadConfig(t, dir)
	plain := plan(head)
	plainFile := saveAs(plain, "plan4.json")
	if err := restoreCache(cacheDir); err != nil {
		t.Fatal(err)
	}

	withBase := plan(head)
	rev, err := schema.OpenRevision(config, baseBranch)
	if err != nil {
		t.Fatal(err)
	}
	base, err := schema.LoadFS(rev.FS, rev.Display)
	if err != nil {
		t.Fatal(err)
	}
	if base.Hash != cfg.Hash {
		t.Fatalf("the config at %s is not the applied config", baseBranch)
	}
	if err := reconcile.AddImpact(ctx, db, head, withBase, reconcile.BaseOptions{
		Config: base, Ref: reconcile.ConfigRef{Commit: rev.Commit, Ref: baseBranch, Hash: base.Hash},
		FS: rev.FS, HeadFS: os.DirFS(config), Cache: &query.EvalCache{Dir: cacheDir, Verify: true},
	}); err != nil {
		t.Fatal(err)
	}
	if len(plain.AssignmentChanges) == 0 || len(withBase.RuleImpact) == 0 {
		t.Fatalf("the change: %d assignment changes, %d rules with an impact; want some of both", len(plain.AssignmentChanges), len(withBase.RuleImpact))
	}
	if got, want := changeLines(withBase), changeLines(plain); !slices.Equal(got, want) {
		t.Errorf("plan --base has %d changes, the plain plan %d", len(got), len(want))
	}
	if err := samePlanChanges(plainFile, saveAs(withBase, "plan4-base.json")); err != nil {
		t.Errorf("the bench's check: %v", err)
	}
	// The check must see a difference where there is one.
	if err := samePlanChanges(firstFile, plainFile); err == nil {
		t.Error("samePlanChanges finds the first plan and the plan of the change alike")
	}
	t.Logf("%d assignment changes, %d rules with an impact", len(plain.AssignmentChanges), len(withBase.RuleImpact))
}
