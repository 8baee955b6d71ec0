package query

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// The evaluation cache answers a plan whose inputs have not changed, and only
// such a plan: each step below says whether it must hit, and every answer
// is compared with an evaluation without the cache.
func TestEvalCache(t *testing.T) {
	ctx := context.Background()
	db := opSnapshot(t)
	// A1 was called on 2026-02-19T09:00: "called in the last 90 days" holds
	// until 2026-05-20T09:00.
	turn := time.Date(2026, 5, 20, 9, 0, 0, 0, time.UTC)
	rules := func(at time.Time, days string) *RuleSet {
		rs := oneRule("any", nil,
			crit{"call2__v", "call_date__v", "less_than_days", []string{days}},
			crit{"address__v", "state__v", "equals", []string{"NY"}})
		rs.Bindings[0].Start = at // as Compile clips every window to now
		return rs
	}
	c := &EvalCache{Dir: t.TempDir()}
	steps := []struct {
		name string
		at   time.Time
		days string
		do   func(t *testing.T)
		hit  bool
	}{
		{name: "first plan", at: now, days: "90"},
		{name: "same inputs", at: now, days: "90", hit: true},
		{name: "later, before the data turns", at: now.Add(30 * 24 * time.Hour), days: "90", hit: true},
		{name: "just before the turn", at: turn.Add(-time.Second), days: "90", hit: true},
		{name: "at the turn", at: turn, days: "90"},
		{name: "back in time", at: now.Add(-time.Hour), days: "90"},
		{name: "the rule changes", at: now, days: "60"},
		{name: "the rule changes back: its entry is still there", at: now, days: "90", hit: true},
		{name: "an import that read back only pushed records", at: now, days: "90", hit: true, do: func(t *testing.T) {
			if _, err := db.BumpSerial(ctx, Write{Command: "import", At: now}); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "an import of CRM data", at: now, days: "90", do: func(t *testing.T) {
			if _, err := db.BumpSerial(ctx, Write{Command: "import", At: now, CRMData: true}); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "an apply does not change the evaluation", at: now, days: "90", hit: true, do: func(t *testing.T) {
			if _, err := db.BumpSerial(ctx, Write{Command: "apply", At: now}); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "a new CRM assignment", at: now, days: "90", do: func(t *testing.T) {
			if _, err := db.Exec(ctx, `INSERT INTO account_territory (id, account, territory, instance, source, origin, start_date, send_to_crm, created_at, updated_at)
				VALUES ('X1', 'A3', 'T1', 'us', 'crm', 'crm', $1, true, $1, $1)`, now.Add(-time.Hour)); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if s.do != nil {
				s.do(t)
			}
			rs := rules(s.at, s.days)
			ev, err := db.EvaluateRules(ctx, rs, s.at, EvalOptions{Cache: c})
			if err != nil {
				t.Fatal(err)
			}
			if c.Hit != s.hit {
				t.Errorf("hit = %v, want %v", c.Hit, s.hit)
			}
			cached := changeLines(t, ev)
			if ev, err = db.EvaluateRules(ctx, rs, s.at); err != nil {
				t.Fatal(err)
			}
			if want := changeLines(t, ev); fmt.Sprint(cached) != fmt.Sprint(want) {
				t.Errorf("with the cache:\n%v\nwithout:\n%v", cached, want)
			}
		})
	}
	if ents, _ := filepath.Glob(filepath.Join(c.Dir, "*.json")); len(ents) > evalCacheKeep {
		t.Errorf("%d entries kept, want at most %d", len(ents), evalCacheKeep)
	}
}

// Verify catches an entry that does not match the evaluation, and a damaged
// entry is a miss.
func TestEvalCacheVerifyAndDamage(t *testing.T) {
	ctx := context.Background()
	db := opSnapshot(t)
	rs := oneRule("all", nil, crit{"address__v", "state__v", "equals", []string{"MA"}})
	c := &EvalCache{Dir: t.TempDir()}
	if _, err := db.EvaluateRules(ctx, rs, now, EvalOptions{Cache: c}); err != nil {
		t.Fatal(err)
	}
	parquet, _ := filepath.Glob(filepath.Join(c.Dir, "*[0-9a-f].parquet"))
	parquet = slices.DeleteFunc(parquet, func(p string) bool { return strings.HasSuffix(p, ".excluded.parquet") })
	if len(parquet) != 1 {
		t.Fatalf("entries: %v", parquet)
	}
	c.Verify = true
	// Move the entry's rows to another territory, keeping their count.
	if _, err := db.Exec(ctx, `COPY (SELECT * REPLACE ('T9' AS territory) FROM read_parquet($1)) TO `+literal(parquet[0]+".x")+` (FORMAT parquet)`, parquet[0]); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(parquet[0]+".x", parquet[0]); err != nil {
		t.Fatal(err)
	}
	// ... and its hash with them: only Verify can tell.
	jsonPath := strings.TrimSuffix(parquet[0], ".parquet") + ".json"
	var e cacheEntry
	if b, err := os.ReadFile(jsonPath); err != nil || json.Unmarshal(b, &e) != nil {
		t.Fatalf("entry %s: %v", jsonPath, err)
	}
	e.Files["desired_before_exclusive"], _ = fileHash(parquet[0])
	if b, err := json.Marshal(e); err != nil || os.WriteFile(jsonPath, b, 0o644) != nil {
		t.Fatal(err)
	}
	_, err := db.EvaluateRules(ctx, rs, now, EvalOptions{Cache: c})
	if err == nil || !c.Hit {
		t.Fatalf("a wrong entry passed verification: hit %v, err %v", c.Hit, err)
	}
	if _, err := db.EvaluateRules(ctx, rs, now, EvalOptions{Cache: c}); err != nil || c.Hit {
		t.Fatalf("after a failed verification the entry is made again: hit %v, err %v", c.Hit, err)
	}
	if err := os.WriteFile(parquet[0], []byte("not parquet"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := db.EvaluateRules(ctx, rs, now, EvalOptions{Cache: c}); err != nil || c.Hit {
		t.Fatalf("a damaged entry: hit %v, err %v", c.Hit, err)
	}
}

func changeLines(t *testing.T, ev *Evaluation) []string {
	t.Helper()
	cs, err := ev.Diff().Changes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range cs {
		out = append(out, fmt.Sprintf("%s %s %s %s %s %v", c.Action, c.Account, c.Territory, c.Rule, c.StartDate.Format(time.RFC3339), c.EndDate))
	}
	return out
}

// The digest of a rule set's rows is kept under what it was compiled from
// and the build: a plan of the same names reads it instead of hashing the
// rows; other names hash the rows, and the same rows make the same key.
func TestEvalKeyRowsDigest(t *testing.T) {
	ctx := context.Background()
	db := opSnapshot(t)
	dir := t.TempDir()
	rules := func(compiled, value string) *RuleSet {
		rs := oneRule("all", nil, crit{"address__v", "state__v", "equals", []string{value}})
		rs.Compiled = compiled
		return rs
	}
	key := func(c *EvalCache, rs *RuleSet) string {
		t.Helper()
		k, _, err := db.evalKey(ctx, c, rs, nil, now, func() rowDigests { return digestRows(rs, now) })
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	cache := func(build string) *EvalCache { return &EvalCache{Dir: dir, Build: build} }
	digests := func() int {
		m, _ := filepath.Glob(filepath.Join(dir, "rows-*"))
		return len(m)
	}
	base := key(cache("b1"), rules("config 1", "MA"))
	if digests() != 1 {
		t.Fatalf("%d digests kept after the first key, want 1", digests())
	}
	for _, c := range []struct {
		name  string
		key   string
		equal bool
	}{
		{"same names", key(cache("b1"), rules("config 1", "MA")), true},
		// The names stand for the rows: rows that differ under the same
		// names cannot happen, and the kept digest is what is read.
		{"same names, other rows: the kept digest", key(cache("b1"), rules("config 1", "NY")), true},
		{"other names, same rows (a roster change)", key(cache("b1"), rules("config 2", "MA")), true},
		{"another build, same rows", key(cache("b2"), rules("config 1", "MA")), true},
		{"other names, other rows", key(cache("b1"), rules("config 3", "NY")), false},
		{"another build, other rows", key(cache("b3"), rules("config 1", "NY")), false},
		{"no folder: the rows", key(&EvalCache{Build: "b1"}, rules("config 1", "NY")), false},
		{"no build: the rows", key(&EvalCache{Dir: dir}, rules("config 1", "NY")), false},
		{"not compiled from a config: the rows", key(cache("b1"), rules("", "NY")), false},
	} {
		if (c.key == base) != c.equal {
			t.Errorf("%s: key equal %t, want %t", c.name, c.key == base, c.equal)
		}
	}
	// A kept digest that is not one is hashed again.
	memos, _ := filepath.Glob(filepath.Join(dir, "rows-*"))
	for _, m := range memos {
		if err := os.WriteFile(m, []byte("damaged"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if key(cache("b1"), rules("config 1", "NY")) == base {
		t.Error("a damaged digest was read")
	}
	if n := digests(); n > rowsDigestKeep {
		t.Errorf("%d digests kept, want at most %d", n, rowsDigestKeep)
	}
}
