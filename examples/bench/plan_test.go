package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alignctl/alignctl/crm/file"
	"github.com/alignctl/alignctl/query"
	"github.com/alignctl/alignctl/reconcile"
	"github.com/alignctl/alignctl/schema"
)

// Benchmarks of the plan (rules engine and diff) in-process, on data that
// examples/scale generates, so that `go test -cpuprofile` and DuckDB's
// profile can be taken on the same alignment `make bench` measures:
//
//	go test ./examples/bench -run '^$' -bench Plan -benchtime 1x
//	ALIGNCTL_BENCH_LARGE=1 go test ./examples/bench -run '^$' -bench 'Plan/accounts=1M' -benchtime 1x -timeout 2h
//
// "first" plans against a state that holds only the import; "no-change"
// plans again after the first plan was applied.

var benchNow = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

func BenchmarkPlan(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		b.Run("accounts="+short(n), func(b *testing.B) {
			if n > 100_000 && os.Getenv("ALIGNCTL_BENCH_LARGE") != "1" {
				b.Skip("set ALIGNCTL_BENCH_LARGE=1 to run the 1M-account benchmark")
			}
			ctx := context.Background()
			// Not b.TempDir: its path holds the name's "=", which an
			// alignctl before 40aa937 read as a hive partition.
			dir, err := os.MkdirTemp("", "alignctl-bench-")
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { os.RemoveAll(dir) })
			if out, err := exec.Command("go", "run", "../scale", "-out", dir, "-accounts", fmt.Sprint(n)).CombinedOutput(); err != nil {
				b.Fatalf("generating: %v\n%s", err, out)
			}
			db, cfg := importGenerated(b, dir)
			defer db.Close()
			var first *reconcile.Plan
			b.Run("first", func(b *testing.B) {
				for b.Loop() {
					if first, err = reconcile.MakePlan(ctx, db, cfg, reconcile.PlanOptions{Now: benchNow, Config: reconcile.ConfigRef{Hash: cfg.Hash}}); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(len(first.AssignmentChanges)), "changes")
			})
			if first == nil {
				return
			}
			if err := reconcile.Apply(ctx, db, cfg, first); err != nil {
				b.Fatal(err)
			}
			b.Run("no-change", func(b *testing.B) {
				var p *reconcile.Plan
				for b.Loop() {
					if p, err = reconcile.MakePlan(ctx, db, cfg, reconcile.PlanOptions{Now: benchNow, Config: reconcile.ConfigRef{Hash: cfg.Hash}}); err != nil {
						b.Fatal(err)
					}
				}
				if len(p.AssignmentChanges) > 0 {
					b.Errorf("re-plan after apply: %d assignment changes, want none", len(p.AssignmentChanges))
				}
			})
		})
	}
}

// importGenerated opens a state in dir and imports the snapshot and config
// examples/scale generated there, as alignctl import would.
func importGenerated(tb testing.TB, dir string) (*query.DB, *schema.Config) {
	tb.Helper()
	ctx := context.Background()
	cfg, err := schema.LoadDir(filepath.Join(dir, "config"))
	if err != nil {
		tb.Fatal(err)
	}
	db, err := query.Open(ctx, filepath.Join(dir, "state.duckdb"))
	if err != nil {
		tb.Fatal(err)
	}
	inst := cfg.Settings.CRMInstances[0]
	src := reconcile.Source{Instance: inst.ID, Countries: inst.SelectedCountries(),
		CRM: file.New(filepath.Join(dir, "crm"), func() time.Time { return benchNow })}
	if _, err := reconcile.Import(ctx, db, cfg, []reconcile.Source{src}, reconcile.ImportOptions{Now: benchNow,
		MappedObjects: cfg.CriterionObjects(), Mappings: reconcile.Mappings(cfg)}); err != nil {
		db.Close()
		tb.Fatal(err)
	}
	return db, cfg
}

// everyMix is the rule mixes of examples/scale.
var everyMix = []string{"templates", "zip-lists", "specialty-lists", "many-criteria", "multi-row", "expressions"}

// buildScale builds examples/scale once for a test's generations.
func buildScale(t *testing.T) string {
	t.Helper()
	scale := filepath.Join(t.TempDir(), "scale")
	if out, err := exec.Command("go", "build", "-o", scale, "../scale").CombinedOutput(); err != nil {
		t.Fatalf("building examples/scale: %v\n%s", err, out)
	}
	return scale
}

// forEveryMix generates an alignment of each rule mix of examples/scale at
// the given size, each in a subtest of its own, and runs check on it: dir
// holds it, gen are the examples/scale arguments that made it (check adds
// -change to them to change its rules).
func forEveryMix(t *testing.T, accounts int, check func(t *testing.T, scale, dir, mix string, gen []string)) {
	t.Helper()
	if testing.Short() {
		t.Skip("generates and plans six alignments")
	}
	scale := buildScale(t)
	for _, mix := range everyMix {
		t.Run(mix, func(t *testing.T) {
			dir := t.TempDir()
			gen := []string{"-out", dir, "-accounts", strconv.Itoa(accounts), "-mix", mix}
			runScale(t, scale, gen...)
			check(t, scale, dir, mix, gen)
		})
	}
}

// runScale runs the built examples/scale with args: it generates an
// alignment (-out DIR -accounts N [-mix MIX]) or changes one (-change P).
func runScale(t *testing.T, scale string, args ...string) {
	t.Helper()
	if out, err := exec.Command(scale, args...).CombinedOutput(); err != nil {
		t.Fatalf("examples/scale %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}
