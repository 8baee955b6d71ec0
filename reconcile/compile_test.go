package reconcile

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/alignctl/alignctl/schema"
)

// compiledRows are Compile's rows at now as JSON, with the starts that are
// now moved to at: what the evaluation cache reads back at another now.
func compiledRows(t *testing.T, cfg *schema.Config, now, at time.Time, scope Scope) string {
	t.Helper()
	rs, err := Compile(cfg, now, scope)
	if err != nil {
		t.Fatal(err)
	}
	move := func(s *time.Time) {
		if s.Equal(now) {
			*s = at
		}
	}
	for i := range rs.Bindings {
		move(&rs.Bindings[i].Start)
	}
	for i := range rs.Geographies {
		move(&rs.Geographies[i].Start)
	}
	for i := range rs.Exclusions {
		move(&rs.Exclusions[i].Start)
	}
	for i := range rs.Manual {
		move(&rs.Manual[i].Start)
	}
	b, err := json.Marshal(rs)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestCompiledFrom: two plans whose rule sets have the same Compiled name
// compile to the same rows, but for the windows that start at now, at every
// now around every date of the config (the evaluation cache keys on the name
// instead of the rows).
func TestCompiledFrom(t *testing.T) {
	for _, dir := range []string{"../examples/config", "../schema/testdata/valid", "../testdata/fixture/config"} {
		cfg, err := schema.LoadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		nows := []time.Time{time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)}
		cfg.EachDate(func(d *time.Time) {
			nows = append(nows, d.Add(-time.Second), *d, d.Add(time.Second), d.Add(36*time.Hour))
		})
		yes := true
		scopes := []Scope{{}, {SendToCRM: &yes}}
		if len(cfg.Territories) > 0 {
			scopes = append(scopes, Scope{Territory: cfg.Territories[0].ID})
		}
		first := map[string]time.Time{} // the first now of each name
		for _, scope := range scopes {
			for _, now := range nows {
				rs, err := Compile(cfg, now, scope)
				if err != nil {
					t.Fatal(err)
				}
				if rs.Compiled == "" {
					t.Fatalf("%s: no Compiled for a config loaded from files", dir)
				}
				earlier, ok := first[rs.Compiled]
				if !ok {
					first[rs.Compiled] = now
					continue
				}
				if compiledRows(t, cfg, earlier, now, scope) != compiledRows(t, cfg, now, now, scope) {
					t.Fatalf("%s at %s, scope %s: the same Compiled as at %s, other rows", dir, now, scope, earlier)
				}
			}
		}
		// The dates and scopes do tell rule sets apart.
		if len(first) < 2*len(scopes) {
			t.Errorf("%s: %d distinct names over %d scopes and %d nows", dir, len(first), len(scopes), len(nows))
		}
	}
	// A config not read from files has no name: its rows are the key.
	rs, err := Compile(&schema.Config{}, time.Now(), Scope{})
	if err != nil || rs.Compiled != "" {
		t.Errorf("a config without Hash: Compiled %q, err %v", rs.Compiled, err)
	}
}
