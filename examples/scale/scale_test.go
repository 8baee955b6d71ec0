package main

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/alignctl/alignctl/schema"
)

var small = options{accounts: 3000}

func TestDeterministic(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	for _, dir := range []string{a, b} {
		o := small
		o.out = dir
		if err := generate(o); err != nil {
			t.Fatal(err)
		}
	}
	files := 0
	err := filepath.WalkDir(a, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(a, path)
		x, y := readFile(t, path), readFile(t, filepath.Join(b, rel))
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs with the same flags", rel)
		}
		files++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 15 {
		t.Errorf("%d files written, want the config and 11 snapshot files", files)
	}
}

// TestAccountsDoNotDependOnAlignment: the accounts come from their own
// random stream, so a size comparison changes one thing at a time.
func TestAccountsDoNotDependOnAlignment(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	oa, ob := small, small
	oa.out, ob.out = a, b
	ob.territories, ob.criteria = 200, 400
	for _, o := range []options{oa, ob} {
		if err := generate(o); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"account__v.csv", "address__v.csv", "child_account__v.csv"} {
		if !bytes.Equal(readFile(t, filepath.Join(a, "crm", f)), readFile(t, filepath.Join(b, "crm", f))) {
			t.Errorf("%s changed with -territories/-criteria", f)
		}
	}
}

func TestConfigLoadsAndUsesEveryOperator(t *testing.T) {
	dir := t.TempDir()
	o := small
	o.out = dir
	o.criteria = 300
	if err := generate(o); err != nil {
		t.Fatal(err)
	}
	cfg, err := schema.LoadDir(filepath.Join(dir, "config"))
	if err != nil {
		t.Fatalf("generated config does not load: %v", err)
	}
	var rules []*schema.Rule
	nterr, exclusions, manual, products := 0, 0, 0, 0
	for _, ff := range cfg.FieldForces {
		rules = append(rules, ff.Rules...)
		exclusions += len(ff.Exclusions)
	}
	for _, tr := range cfg.Territories {
		rules = append(rules, tr.Rules...)
		nterr++
		exclusions += len(tr.Exclusions)
		manual += len(tr.Assignments)
		products += len(tr.Products)
	}
	operators := map[string]bool{}
	criteria := 0
	var any, expr, hierarchy, geography bool
	for _, r := range rules {
		criteria += len(r.Criteria)
		for _, c := range r.Criteria {
			operators[c.Operator] = true
		}
		any = any || r.Match == schema.MatchAny
		expr = expr || (r.Match != schema.MatchAll && r.Match != schema.MatchAny)
		hierarchy = hierarchy || r.Type == schema.RuleHierarchy
		geography = geography || r.Geography
	}
	for _, op := range []string{"equals", "not_equals", "in", "not_in", "contains", "starts_with", "greater_than",
		"less_than", "is_null", "is_not_null", "more_than_days", "less_than_days"} {
		if !operators[op] {
			t.Errorf("no criterion uses operator %s", op)
		}
	}
	if criteria != o.criteria {
		t.Errorf("%d criteria, want -criteria %d", criteria, o.criteria)
	}
	if want := max(96, o.accounts/200); nterr != want {
		t.Errorf("%d territories, want %d", nterr, want)
	}
	for what, ok := range map[string]bool{"match: any": any, "a match expression": expr, "a hierarchy rule": hierarchy,
		"geography: true": geography, "exclusions": exclusions > 0, "manual assignments": manual > 0,
		"territory products": products > 0, "roster members": len(cfg.RosterMembers) > 0} {
		if !ok {
			t.Errorf("the config has no %s", what)
		}
	}
}

func TestWiden(t *testing.T) {
	dir := t.TempDir()
	o := small
	o.out = dir
	if err := generate(o); err != nil {
		t.Fatal(err)
	}
	config := filepath.Join(dir, "config")
	if err := widenRule(config); err != nil {
		t.Fatal(err)
	}
	cfg, err := schema.LoadDir(config)
	if err != nil {
		t.Fatalf("widened config does not load: %v", err)
	}
	onc := cfg.FieldForce("ONC")
	i := slices.IndexFunc(onc.Rules, func(r *schema.Rule) bool { return r.ID == "onc-specialists" })
	if i < 0 || onc.Rules[i].Criteria[1].Value != "Medical Oncology, Hematology/Oncology, Radiation Oncology" {
		t.Errorf("onc-specialists was not widened")
	}
	if err := widenRule(config); err == nil {
		t.Errorf("widening twice: no error")
	}
}

func TestTooFewCriteria(t *testing.T) {
	o := small
	o.out = t.TempDir()
	o.criteria = 10
	if err := generate(o); err == nil {
		t.Fatal("-criteria 10: no error")
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestConfigCacheRoundTrip: the generated config, the largest the tests
// make, comes back from the config cache equal to a load of its files.
func TestConfigCacheRoundTrip(t *testing.T) {
	dir := t.TempDir()
	o := options{accounts: 2000, out: dir}
	if err := generate(o); err != nil {
		t.Fatal(err)
	}
	config := filepath.Join(dir, "config")
	want, err := schema.LoadDir(config)
	if err != nil {
		t.Fatal(err)
	}
	cacheDir := t.TempDir()
	for i, wantHit := range []bool{false, true} {
		c := &schema.ConfigCache{Dir: cacheDir, Build: "test"}
		got, err := c.LoadDir(config)
		if err != nil {
			t.Fatal(err)
		}
		if c.Hit != wantHit {
			t.Fatalf("load %d: hit %t, want %t", i+1, c.Hit, wantHit)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("load %d: the config differs from a load without the cache", i+1)
		}
	}
}

// Every mix writes a config that loads, with the rules its description
// promises on every leaf and none on the field forces, over the same
// snapshot as the default mix.
func TestMixes(t *testing.T) {
	base := t.TempDir()
	o := small
	o.out = base
	if err := generate(o); err != nil {
		t.Fatal(err)
	}
	for _, m := range mixes[1:] {
		t.Run(m.name, func(t *testing.T) {
			dir := t.TempDir()
			o := small
			o.out, o.mix = dir, m.name
			if err := generate(o); err != nil {
				t.Fatal(err)
			}
			cfg, err := schema.LoadDir(filepath.Join(dir, "config"))
			if err != nil {
				t.Fatalf("config of mix %s does not load: %v", m.name, err)
			}
			for _, ff := range cfg.FieldForces {
				if len(ff.Rules) > 0 {
					t.Errorf("field force %s has %d rules, want none", ff.ID, len(ff.Rules))
				}
			}
			leaves, longest := 0, 0
			for _, tr := range cfg.Territories {
				for _, r := range tr.Rules {
					leaves++
					for _, c := range r.Criteria {
						if c.Operator == "in" {
							longest = max(longest, len(schema.SplitIn(c.Value)))
						}
					}
				}
			}
			if leaves == 0 {
				t.Errorf("no territory rules")
			}
			if m.name == "zip-lists" && longest < 50 {
				t.Errorf("longest IN list has %d values, want ZIP lists of 50 or more", longest)
			}
			for _, f := range []string{"account__v.csv", "address__v.csv", "call2__v.csv"} {
				if !bytes.Equal(readFile(t, filepath.Join(base, "crm", f)), readFile(t, filepath.Join(dir, "crm", f))) {
					t.Errorf("%s differs from the default mix's", f)
				}
			}
		})
	}
}

// -change edits the config only, and exactly the share of rules asked:
// each edited rule loses the last value of one IN list.
func TestChangeRules(t *testing.T) {
	dir := t.TempDir()
	o := small
	o.out, o.mix = dir, "zip-lists"
	if err := generate(o); err != nil {
		t.Fatal(err)
	}
	before, err := schema.LoadDir(filepath.Join(dir, "config"))
	if err != nil {
		t.Fatal(err)
	}
	snapshot := readFile(t, filepath.Join(dir, "crm", "account__v.csv"))
	o.change = 10
	if err := generate(o); err != nil {
		t.Fatal(err)
	}
	after, err := schema.LoadDir(filepath.Join(dir, "config"))
	if err != nil {
		t.Fatalf("changed config does not load: %v", err)
	}
	rules, changed := 0, 0
	for i, tr := range before.Territories {
		for j, r := range tr.Rules {
			rules++
			a, b := r.Criteria[0].Value, after.Territories[i].Rules[j].Criteria[0].Value
			if a != b {
				changed++
				if got, want := len(schema.SplitIn(b)), len(schema.SplitIn(a))-1; got != want {
					t.Errorf("rule %s: %d values after the change, want %d", r.ID, got, want)
				}
			}
		}
	}
	if want := (rules + 5) / 10; changed != want {
		t.Errorf("%d of %d rules changed, want %d", changed, rules, want)
	}
	if !bytes.Equal(snapshot, readFile(t, filepath.Join(dir, "crm", "account__v.csv"))) {
		t.Errorf("-change rewrote the snapshot")
	}
}
