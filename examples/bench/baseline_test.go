package main

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/alignctl/alignctl/crm/crmtest"
	"github.com/alignctl/alignctl/query"
	"github.com/alignctl/alignctl/reconcile"
	"github.com/alignctl/alignctl/schema"
)

func TestBaselineSatisfyingMasks(t *testing.T) {
	crits := func(n int) []schema.Criterion { return make([]schema.Criterion, n) }
	for _, tc := range []struct {
		name    string
		match   string
		n       int
		modeled uint64
		want    []uint64
	}{
		{"all", schema.MatchAll, 3, 0b111, []uint64{0b111}},
		{"all, one left out", schema.MatchAll, 3, 0b011, []uint64{0b011}},
		{"any", schema.MatchAny, 2, 0b11, []uint64{0b01, 0b10, 0b11}},
		// Left out, the second criterion may hold: the first alone may not.
		{"any, one left out", schema.MatchAny, 2, 0b01, []uint64{0b00, 0b01}},
		{"1 AND (2 OR 3) AND NOT 4", "1 AND (2 OR 3) AND NOT 4", 4, 0b1111, []uint64{0b0011, 0b0101, 0b0111}},
		// NOT 4 left out: tier D or not, the rest decides.
		{"1 AND (2 OR 3) AND NOT 4, 4 left out", "1 AND (2 OR 3) AND NOT 4", 4, 0b0111, []uint64{0b0011, 0b0101, 0b0111}},
		{"(1 AND 2) OR (3 AND 4)", "(1 AND 2) OR (3 AND 4)", 4, 0b1111,
			[]uint64{0b0011, 0b0111, 0b1011, 0b1100, 0b1101, 0b1110, 0b1111}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := satisfyingMasks(&schema.Rule{Match: tc.match, Criteria: crits(tc.n)}, tc.modeled)
			if !ok || !slices.Equal(got, tc.want) {
				t.Errorf("satisfyingMasks = %04b, %v; want %04b", got, ok, tc.want)
			}
		})
	}
}

func TestBaselineDriveSet(t *testing.T) {
	zip := criterionRow{fkey: fieldKey("address__v", "postal_code__v"), op: opEquals}
	spec := criterionRow{fkey: fieldKey("account__v", "specialty_1__v"), op: opEquals}
	spec2 := criterionRow{fkey: fieldKey("account__v", "specialty_2__v"), op: opEquals}
	parent := criterionRow{fkey: fieldKey("account__v", "primary_parent__v"), op: opEquals}
	hcp := criterionRow{fkey: fieldKey("account__v", "record_type__v"), op: opEquals}
	call := criterionRow{fkey: fieldKey("call2__v", "call_date__v"), op: opAfter}
	for _, tc := range []struct {
		name  string
		crits map[int]criterionRow
		masks []uint64
		want  uint64
		ok    bool
	}{
		{"all: the ZIP list", map[int]criterionRow{0: spec, 1: zip}, []uint64{0b11}, 0b10, true},
		{"all: a call is no driver", map[int]criterionRow{0: call, 1: spec}, []uint64{0b11}, 0b10, true},
		{"all: only a call", map[int]criterionRow{0: call}, []uint64{0b1}, 0, false},
		{"1 AND (2 OR 3) AND NOT 4", map[int]criterionRow{0: zip, 1: spec, 2: spec2, 3: hcp},
			[]uint64{0b0011, 0b0101, 0b0111}, 0b0001, true},
		// {1, 3}: the ZIP list and the hospitals, the most selective pair.
		{"(1 AND 2) OR (3 AND 4)", map[int]criterionRow{0: zip, 1: spec, 2: parent, 3: hcp},
			[]uint64{0b0011, 0b0111, 0b1011, 0b1100, 0b1101, 0b1110, 0b1111}, 0b0101, true},
		{"the empty mask satisfies", map[int]criterionRow{0: zip}, []uint64{0b0, 0b1}, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got, ok := driveSet(tc.crits, tc.masks); got != tc.want || ok != tc.ok {
				t.Errorf("driveSet = %04b, %v; want %04b, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

// TestBaselineEveryMix: on every rule mix of examples/scale the baseline
// covers every account rule (hierarchy rules are the engine's alone), and
// its pairs hold every assignment the first plan creates from a rule: the
// criteria, dates, exclusions and conflicts it leaves out only narrow.
func TestBaselineEveryMix(t *testing.T) {
	forEveryMix(t, 10_000, func(t *testing.T, _, dir, mix string, _ []string) {
		ctx := t.Context()
		pairsFile := filepath.Join(dir, "baseline-pairs.csv")
		res, err := measureBaseline(ctx, dir, benchNow, false, pairsFile)
		if err != nil {
			t.Fatal(err)
		}
		db, cfg := importGenerated(t, dir)
		defer db.Close()
		accountRules := 0
		count := func(rules []*schema.Rule) {
			for _, r := range rules {
				if r.Type != schema.RuleHierarchy {
					accountRules++
				}
			}
		}
		for _, ff := range cfg.FieldForces {
			count(ff.Rules)
		}
		for _, tr := range cfg.Territories {
			count(tr.Rules)
		}
		if res.Rules != accountRules || res.Account != accountRules {
			t.Errorf("the baseline covers %d rules of %d (%d account rules)", res.Rules, res.Account, accountRules)
		}
		pairs := readPairs(t, pairsFile)
		if int64(len(pairs)) != res.Pairs {
			t.Errorf("%d pairs written, %d counted", len(pairs), res.Pairs)
		}
		p, err := reconcile.MakePlan(ctx, db, cfg, reconcile.PlanOptions{Now: benchNow, Config: reconcile.ConfigRef{Hash: cfg.Hash}})
		if err != nil {
			t.Fatal(err)
		}
		creates, missing := 0, 0
		for _, c := range p.AssignmentChanges {
			if c.Action != query.ChangeCreate || c.Source != "rule" {
				continue
			}
			creates++
			if !pairs[[2]string{c.Account, c.Territory}] {
				if missing++; missing <= 5 {
					t.Errorf("the plan creates %s in %s (rule %s); the baseline does not match it", c.Account, c.Territory, c.Rule)
				}
			}
		}
		if creates == 0 || missing > 0 {
			t.Errorf("%d of %d rule creates missing from the baseline", missing, creates)
		}
		t.Logf("%s: %d rules, %d pairs, %d rule creates", mix, res.Rules, res.Pairs, creates)
	})
}

func readPairs(t *testing.T, path string) map[[2]string]bool {
	t.Helper()
	_, rows := crmtest.ReadCSV(t, path)
	pairs := map[[2]string]bool{}
	for _, r := range rows {
		pairs[[2]string{r[0], r[1]}] = true
	}
	return pairs
}
