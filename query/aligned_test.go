package query

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Once a plan finds the state aligned with a cache entry, the plans that
// start from that entry diff only the accounts that can differ, and find
// what the whole diff finds (Verify diffs both ways; each step is also
// compared with a plan without the cache). What the mark cannot vouch for
// (other assignments, other territories) gets the whole diff.
func TestAlignedMarkRestrictsTheDiff(t *testing.T) {
	ctx := context.Background()
	db := opSnapshot(t)
	c := &EvalCache{Dir: t.TempDir(), Verify: true}
	later := now.Add(3 * time.Hour)
	// T3's rule starts in an hour.
	opening := func(rs *RuleSet) *RuleSet {
		for i := range rs.Bindings {
			if rs.Bindings[i].RuleID == "state" {
				rs.Bindings[i].Start = now.Add(time.Hour)
			}
		}
		return rs
	}
	base := func() *RuleSet { return opening(incrementalRules("Oncologist", "MA", "MA", false)) }
	// The rule set as compiled at t: the windows open by then start at t.
	at := func(rs *RuleSet, t time.Time) *RuleSet {
		for i := range rs.Bindings {
			rs.Bindings[i].Start = t
		}
		for i := range rs.Geographies {
			rs.Geographies[i].Start = t
		}
		return rs
	}
	withManual := func() *RuleSet {
		rs := base()
		rs.Manual = []Manual{{Account: "A2", Territory: "T9", Instance: "us", Origin: "manual", Start: now, SendToCRM: true}}
		return rs
	}
	exclusive := func() *RuleSet {
		rs := base()
		rs.Territories = []TerritoryWindow{
			{Territory: "T1", Active: true, FieldForce: "FF", Exclusive: true},
			{Territory: "T2", Active: true, FieldForce: "FF", Exclusive: true},
		}
		return rs
	}
	steps := []struct {
		name       string
		rs         *RuleSet
		at         time.Time
		apply      bool
		restricted bool
		changes    bool
	}{
		{"first plan, applied", base(), now, true, false, true},
		{"no change: proves the state aligned", base(), now, false, false, false},
		{"no change again", base(), now, false, true, false},
		{"an account rule changes", incrementalRules("Oncologist", "NY", "MA", false), now, false, true, true},
		{"the hierarchy rule changes", opening(incrementalRules("Oncologist", "MA", "NY", false)), now, false, true, false},
		{"a manual assignment is added", withManual(), now, false, true, true},
		{"a field force becomes exclusive", exclusive(), now, false, false, true},
		// At now+3h T3's rule has started: compiled, its window starts at
		// now, which changes its digest; its records started since the
		// mark, which the dates crossed also tell.
		{"a window opened since the mark", at(base(), later), later, false, true, false},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			ev, err := db.EvaluateRules(ctx, s.rs, s.at, EvalOptions{Cache: c})
			if err != nil {
				t.Fatal(err)
			}
			if c.Restricted != s.restricted {
				t.Errorf("restricted %v, want %v (hit %v, reused %d)", c.Restricted, s.restricted, c.Hit, c.Reused)
			}
			cached := changeLinesAt(t, ev)
			if s.apply {
				if err := ev.Diff().Apply(ctx, nil, true, s.at); err != nil {
					t.Fatal(err)
				}
			}
			full, err := db.EvaluateRules(ctx, s.rs, s.at)
			if err != nil {
				t.Fatal(err)
			}
			want := changeLinesAt(t, full)
			if s.apply {
				want = cached // the state has them now
			}
			if fmt.Sprint(cached) != fmt.Sprint(want) || (len(want) > 0) != s.changes {
				t.Errorf("restricted:\n%v\nwhole:\n%v", cached, want)
			}
		})
	}

	// Any other write to the assignments voids the mark.
	if _, err := db.EvaluateRules(ctx, base(), now, EvalOptions{Cache: c}); err != nil {
		t.Fatal(err)
	}
	if !c.Restricted {
		t.Fatal("the mark no longer restricts the diff")
	}
	if _, err := db.Exec(ctx, `UPDATE account_territory SET send_to_crm = NOT send_to_crm WHERE id = (SELECT min(id) FROM account_territory)`); err != nil {
		t.Fatal(err)
	}
	ev, err := db.EvaluateRules(ctx, base(), now, EvalOptions{Cache: c})
	if err != nil {
		t.Fatal(err)
	}
	if c.Restricted || len(changeLinesAt(t, ev)) != 1 {
		t.Errorf("after another write: restricted %v, changes %v", c.Restricted, changeLinesAt(t, ev))
	}
	// A mark that cannot be read is no mark.
	if err := os.WriteFile(filepath.Join(c.Dir, alignedMarkFile), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if readAlignedMark(c.Dir) != nil {
		t.Error("a damaged mark was read")
	}
}

// changeLinesAt is changeLines with the end dates written out.
func changeLinesAt(t *testing.T, ev *Evaluation) []string {
	t.Helper()
	cs, err := ev.Diff().Changes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range cs {
		end := "-"
		if c.EndDate != nil {
			end = c.EndDate.Format(time.RFC3339)
		}
		out = append(out, fmt.Sprintf("%s %s %s %s %s %s %s", c.Action, c.Account, c.Territory, c.Rule, c.StartDate.Format(time.RFC3339), end, c.Reason))
	}
	return out
}
