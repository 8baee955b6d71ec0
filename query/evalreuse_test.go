package query

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"
)

// incrementalRules is four rules over the operator snapshot: two account
// rules on T1, one with a geography binding on T2 (T2 holds 021*), and a
// hierarchy rule on T1 that takes the children of T1's accounts.
func incrementalRules(specialty, state, hierarchyState string, exclude bool) *RuleSet {
	rs := &RuleSet{
		Rules: []Rule{
			{Key: 1, ID: "spec", Match: "all", NCrit: 1},
			{Key: 2, ID: "state", Match: "all", NCrit: 1},
			{Key: 3, ID: "geo", Match: "all", NCrit: 1},
			{Key: 4, ID: "kids", Match: "all", NCrit: 1, Hierarchy: true, Assign: "child", Intermediaries: true},
		},
		Criteria: []Criterion{
			{RuleKey: 1, Pos: 1, Object: "account__v", Field: "specialty_1__v", Operator: "equals"},
			{RuleKey: 2, Pos: 1, Object: "address__v", Field: "state__v", Operator: "in"},
			{RuleKey: 3, Pos: 1, Object: "account__v", Field: "record_type__v", Operator: "equals"},
			{RuleKey: 4, Pos: 1, Object: "address__v", Field: "state__v", Operator: "equals"},
		},
		Values: []Value{
			{RuleKey: 1, Pos: 1, Value: specialty},
			{RuleKey: 2, Pos: 1, Value: state},
			{RuleKey: 3, Pos: 1, Value: "HCP"},
			{RuleKey: 4, Pos: 1, Value: hierarchyState},
		},
		Bindings: []Binding{
			binding(1, "spec", "T1", false),
			binding(2, "state", "T3", false),
			binding(3, "geo", "T2", true),
			binding(4, "kids", "T1", false),
		},
		Geographies: []Geography{{Territory: "T2", Code: "021*", Start: now}},
	}
	if exclude {
		rs.Exclusions = []Exclusion{{Territory: "T2", Account: "A1", Start: now, Reason: "test"}}
	}
	return rs
}

// An incremental evaluation takes the unchanged rules' records from the
// last entry and evaluates the rest, and its result is the full
// evaluation's: Verify evaluates everything again and compares, and the
// diff is compared with a plan without the cache.
func TestIncrementalEvaluation(t *testing.T) {
	ctx := context.Background()
	db := opSnapshot(t)
	c := &EvalCache{Dir: t.TempDir(), Verify: true}
	steps := []struct {
		name   string
		rs     *RuleSet
		reused int // rules taken from the cache; -1: a full hit
	}{
		{"first plan", incrementalRules("Oncologist", "MA", "MA", false), 0},
		{"same rules", incrementalRules("Oncologist", "MA", "MA", false), -1},
		{"an account rule of T3 changes", incrementalRules("Oncologist", "NY", "MA", false), 3},
		// T1's account rule is the start of the hierarchy rule on T1.
		{"an account rule of T1 changes", incrementalRules("Cardiologist", "MA", "MA", false), 2},
		// The hierarchy rule is evaluated with T1's account rule.
		{"the hierarchy rule changes", incrementalRules("Oncologist", "MA", "NY", false), 2},
		{"an exclusion on T2", incrementalRules("Oncologist", "MA", "MA", true), 3},
		// Fewer than half the rules unchanged: a full evaluation, stored.
		{"most rules change", incrementalRules("Cardiologist", "NY", "NY", true), 0},
		{"the same again", incrementalRules("Cardiologist", "NY", "NY", true), -1},
		// An incremental evaluation is not stored: the first entry serves.
		{"back to the first rule set", incrementalRules("Oncologist", "MA", "MA", false), -1},
		{"a change from the second entry", incrementalRules("Cardiologist", "NY", "NY", false), 3},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			ev, err := db.EvaluateRules(ctx, s.rs, now, EvalOptions{Cache: c})
			if err != nil {
				t.Fatal(err)
			}
			if ev.Cached != c.Hit || ev.Reused != c.Reused {
				t.Errorf("the evaluation says cached %v, reused %d; the cache %v, %d", ev.Cached, ev.Reused, c.Hit, c.Reused)
			}
			got := c.Reused
			if c.Hit {
				got = -1
			}
			if got != s.reused {
				t.Errorf("reused %d rules (hit %v), want %d", c.Reused, c.Hit, s.reused)
			}
			cached := changeLines(t, ev)
			if ev, err = db.EvaluateRules(ctx, s.rs, now); err != nil {
				t.Fatal(err)
			}
			if want := changeLines(t, ev); fmt.Sprint(cached) != fmt.Sprint(want) || len(want) == 0 {
				t.Errorf("incremental:\n%v\nfull:\n%v", cached, want)
			}
		})
	}
}

// An entry of other CRM data, or one no longer valid, lends nothing.
func TestIncrementalNeedsTheSameData(t *testing.T) {
	ctx := context.Background()
	db := opSnapshot(t)
	c := &EvalCache{Dir: t.TempDir()}
	eval := func(rs *RuleSet, at time.Time) int {
		t.Helper()
		if _, err := db.EvaluateRules(ctx, rs, at, EvalOptions{Cache: c}); err != nil {
			t.Fatal(err)
		}
		return c.Reused
	}
	eval(incrementalRules("Oncologist", "MA", "MA", false), now)
	if _, err := db.BumpSerial(ctx, Write{Command: "import", At: now, CRMData: true}); err != nil {
		t.Fatal(err)
	}
	if n := eval(incrementalRules("Oncologist", "NY", "MA", false), now); n != 0 {
		t.Errorf("after an import of CRM data %d rules were reused", n)
	}
	if n := eval(incrementalRules("Oncologist", "NY", "NY", false), now.Add(-time.Hour)); n != 0 {
		t.Errorf("before the entry's now %d rules were reused", n)
	}
}

// plannedReuse evaluates the changed rules, and with a changed hierarchy
// rule the account rules of its territories.
func TestPlannedReuse(t *testing.T) {
	base := incrementalRules("Oncologist", "MA", "MA", false)
	old := digestRows(base, now).rules
	tests := []struct {
		name     string
		rs       *RuleSet
		evaluate []string
	}{
		{"nothing changed", incrementalRules("Oncologist", "MA", "MA", false), nil},
		{"a value", incrementalRules("Oncologist", "NY", "MA", false), []string{"state"}},
		{"the start of the hierarchy rule", incrementalRules("Cardiologist", "MA", "MA", false), []string{"spec", "kids"}},
		{"the hierarchy rule", incrementalRules("Oncologist", "MA", "NY", false), []string{"spec", "kids"}},
		{"an exclusion of a geography territory", incrementalRules("Oncologist", "MA", "MA", true), []string{"geo"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := plannedReuse(tt.rs, digestRows(tt.rs, now).rules, old)
			var got []string
			for _, x := range r.evaluate.Rules {
				got = append(got, x.ID)
			}
			if !slices.Equal(got, tt.evaluate) {
				t.Errorf("evaluates %v, want %v", got, tt.evaluate)
			}
			if len(r.rules)+len(got) != len(tt.rs.Rules) {
				t.Errorf("reuses %v and evaluates %v of %d rules", r.rules, got, len(tt.rs.Rules))
			}
		})
	}
	// The execution time is written as "now": a later plan of the same
	// config has the same digests.
	later := incrementalRules("Oncologist", "MA", "MA", false)
	for i := range later.Bindings {
		later.Bindings[i].Start = now.Add(time.Hour)
	}
	later.Geographies[0].Start = now.Add(time.Hour)
	if got := digestRows(later, now.Add(time.Hour)).rules; fmt.Sprint(got) != fmt.Sprint(old) {
		t.Errorf("digests at a later now differ:\n%v\n%v", got, old)
	}
}

// The rows digest (the cache key's rows part) changes with every row of the
// rule set, those no rule's digest holds too; a rule's digest changes only
// with what the rule reads.
func TestDigestRows(t *testing.T) {
	base := func() *RuleSet { return incrementalRules("Oncologist", "MA", "MA", false) }
	was := digestRows(base(), now)
	end := now.Add(48 * time.Hour)
	tests := []struct {
		name    string
		edit    func(rs *RuleSet)
		changed []string // rules whose digest changes
	}{
		{"a manual assignment on T1", func(rs *RuleSet) {
			rs.Manual = append(rs.Manual, Manual{Account: "A2", Territory: "T1", Instance: "us", Origin: "manual", Start: now})
		}, []string{"kids"}},
		{"a manual assignment on T9", func(rs *RuleSet) {
			rs.Manual = append(rs.Manual, Manual{Account: "A2", Territory: "T9", Instance: "us", Origin: "manual", Start: now})
		}, nil},
		{"an exclusion on an unbound territory", func(rs *RuleSet) {
			rs.Exclusions = append(rs.Exclusions, Exclusion{Territory: "T9", Account: "A1", Start: now})
		}, nil},
		{"a geography of a territory without geography bindings", func(rs *RuleSet) {
			rs.Geographies = append(rs.Geographies, Geography{Territory: "T3", Code: "10001", Start: now})
		}, nil},
		{"a geography of T2", func(rs *RuleSet) {
			rs.Geographies = append(rs.Geographies, Geography{Territory: "T2", Code: "10001", Start: now})
		}, []string{"geo"}},
		{"a binding's end", func(rs *RuleSet) { rs.Bindings[1].End = &end }, []string{"state"}},
		{"a territory ends", func(rs *RuleSet) {
			rs.Territories = append(rs.Territories, TerritoryWindow{Territory: "T1", Active: true, End: &end})
		}, nil},
		{"a scope", func(rs *RuleSet) { rs.Scope = []string{"T1"} }, nil},
		{"an expression", func(rs *RuleSet) { rs.Rules[0].Match, rs.Rules[0].Masks = "expr", []uint64{1} }, []string{"spec", "kids"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := base()
			tt.edit(rs)
			got := digestRows(rs, now)
			if got.all == was.all {
				t.Error("the rows digest did not change")
			}
			var changed []string
			for _, r := range rs.Rules {
				if got.rules[r.ID] != was.rules[r.ID] {
					changed = append(changed, r.ID)
				}
			}
			if !slices.Equal(changed, tt.changed) {
				t.Errorf("rules whose digest changed: %v, want %v", changed, tt.changed)
			}
		})
	}
}

// The digests of a rule set the size of the ZIP-list mix at 5M accounts:
// 25,000 rules of two criteria, 275 postal codes each.
func BenchmarkDigestRows(b *testing.B) {
	rs := &RuleSet{}
	for k := 1; k <= 25_000; k++ {
		id := fmt.Sprintf("r%05d", k)
		rs.Rules = append(rs.Rules, Rule{Key: k, ID: id, Match: "all", NCrit: 2})
		rs.Criteria = append(rs.Criteria,
			Criterion{RuleKey: k, Pos: 1, Object: "address__v", Field: "postal_code__v", Operator: "in"},
			Criterion{RuleKey: k, Pos: 2, Object: "account__v", Field: "specialty_1__v", Operator: "in"})
		for i := range 275 {
			rs.Values = append(rs.Values, Value{RuleKey: k, Pos: 1, Value: fmt.Sprintf("%05d", (k*7+i)%99999)})
		}
		rs.Values = append(rs.Values, Value{RuleKey: k, Pos: 2, Value: "Oncology"}, Value{RuleKey: k, Pos: 2, Value: "Hematology"})
		rs.Bindings = append(rs.Bindings, binding(k, id, fmt.Sprintf("T%05d", k), false))
	}
	for b.Loop() {
		digestRows(rs, now)
	}
}
