package reconcile

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alignctl/alignctl/crm/file"
	"github.com/alignctl/alignctl/query"
	"github.com/alignctl/alignctl/schema"
)

// The plan's preview applies its diff from DuckDB's own table (ApplyDiff);
// apply writes the saved plan's changes (ApplyChanges). Both must leave the
// same state: creates, and the ends and updates of a territory that ends.
func TestApplyDiffIsApplyChanges(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	cfg, err := schema.LoadDir("../testdata/fixture/config")
	if err != nil {
		t.Fatal(err)
	}
	db, err := query.Open(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	inst := cfg.Settings.CRMInstances[0]
	files := file.New(t.TempDir(), func() time.Time { return now })
	if err := os.CopyFS(files.Dir(), os.DirFS("../testdata/fixture/crm")); err != nil {
		t.Fatal(err)
	}
	if _, err := Import(ctx, db, cfg, []Source{{Instance: inst.ID, CRM: files, Countries: inst.SelectedCountries()}}, ImportOptions{Now: now}); err != nil {
		t.Fatal(err)
	}

	// both applies the plan both ways, each in a rolled-back transaction,
	// and compares the assignment records they leave (all but the id, which
	// a sequence numbers on: a rollback does not give its values back).
	both := func(cfg *schema.Config, p *Plan, want func(rows []string) bool) {
		t.Helper()
		var got [2][]string
		for i, fromDiff := range []bool{true, false} {
			err := db.DryRun(ctx, func() error {
				if err := applyToState(ctx, db, cfg, p, fromDiff); err != nil {
					return err
				}
				got[i] = assignmentRows(t, db)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		if !slices.Equal(got[0], got[1]) {
			t.Errorf("ApplyDiff left\n%s\nApplyChanges left\n%s", strings.Join(got[0], "\n"), strings.Join(got[1], "\n"))
		}
		if !want(got[0]) {
			t.Errorf("the applies did not write the plan's changes:\n%s", strings.Join(got[0], "\n"))
		}
	}

	p, err := MakePlan(ctx, db, cfg, PlanOptions{Now: now, Config: ConfigRef{Hash: cfg.Hash}})
	if err != nil {
		t.Fatal(err)
	}
	if p.Summary.Create == 0 {
		t.Fatal("the fixture's first plan creates nothing")
	}
	both(cfg, p, func(rows []string) bool { return len(rows) >= p.Summary.Create })
	if err := Apply(ctx, db, cfg, p); err != nil {
		t.Fatal(err)
	}

	// A territory that ends in a week: its records are updated to end then.
	later := now.Add(24 * time.Hour)
	end := later.Add(7 * 24 * time.Hour)
	cfg2, err := schema.LoadDir("../testdata/fixture/config")
	if err != nil {
		t.Fatal(err)
	}
	ended := p.AssignmentChanges[0].Territory
	for i := range cfg2.Territories {
		if cfg2.Territories[i].ID == ended {
			cfg2.Territories[i].End = &end
		}
	}
	p2, err := MakePlan(ctx, db, cfg2, PlanOptions{Now: later, Config: ConfigRef{Hash: cfg2.Hash}})
	if err != nil {
		t.Fatal(err)
	}
	if p2.Summary.Update+p2.Summary.End == 0 {
		t.Fatalf("ending territory %s changes no record: %+v", ended, p2.Summary)
	}
	both(cfg2, p2, func(rows []string) bool {
		return slices.ContainsFunc(rows, func(r string) bool {
			return strings.Contains(r, "|"+ended+"|") && strings.Contains(r, end.Format("2006-01-02"))
		})
	})
}

// assignmentRows are the state's assignment records without their ids, sorted.
func assignmentRows(t *testing.T, db *query.DB) []string {
	t.Helper()
	rows, err := db.Query(context.Background(), `SELECT concat_ws('|', instance, account, territory, source, coalesce(rule, ''), origin,
		start_date::VARCHAR, coalesce(end_date::VARCHAR, ''), send_to_crm::VARCHAR) AS r FROM account_territory ORDER BY r`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var r string
		if err := rows.Scan(&r); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
