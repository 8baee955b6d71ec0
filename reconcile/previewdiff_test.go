package reconcile

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alignctl/alignctl/query"
	"github.com/alignctl/alignctl/schema"
)

// The plan's push preview reads the records as the plan would leave them
// from a view (query.Diff.Preview); --base applies the base's diff in place
// (Diff.Apply); apply writes the saved plan's changes
// (ApplyChanges). All three must give the same records, the preview with the
// same ids as the apply: creates, and the ends and updates of a territory
// that ends.
func TestPreviewDiffIsApply(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	cfg, db, _ := importedFixture(t, now)

	// both applies the plan the three ways, each in a rolled-back
	// transaction, and compares the assignment records they give. The
	// preview comes first: a rollback does not give a sequence's values
	// back, so the apply after it numbers its records from the same value;
	// ApplyDiff's, after that, are compared without their ids.
	both := func(cfg *schema.Config, p *Plan, want func(rows []string) bool) {
		t.Helper()
		var preview, changes, changesNoID, diff []string
		for _, w := range []assignmentWrites{previewChanges, planChanges, diffChanges} {
			err := db.DryRun(ctx, func() error {
				after, err := applyToState(ctx, db, cfg, p, w)
				if err != nil {
					return err
				}
				switch w {
				case previewChanges:
					preview = assignmentRows(t, db, after, true)
				case planChanges:
					changes = assignmentRows(t, db, query.StateAssignments, true)
					changesNoID = assignmentRows(t, db, query.StateAssignments, false)
				case diffChanges:
					diff = assignmentRows(t, db, query.StateAssignments, false)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		if !slices.Equal(preview, changes) {
			t.Errorf("the preview shows\n%s\nApplyChanges writes\n%s", strings.Join(preview, "\n"), strings.Join(changes, "\n"))
		}
		if !slices.Equal(diff, changesNoID) {
			t.Errorf("ApplyDiff writes\n%s\nApplyChanges writes\n%s", strings.Join(diff, "\n"), strings.Join(changesNoID, "\n"))
		}
		if !want(changes) {
			t.Errorf("the applies did not write the plan's changes:\n%s", strings.Join(changes, "\n"))
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
	// And one that ends now: its records end.
	ended := p.AssignmentChanges[0].Territory
	endsNow := ""
	for _, c := range p.AssignmentChanges {
		if c.Territory != ended {
			endsNow = c.Territory
			break
		}
	}
	for i := range cfg2.Territories {
		switch cfg2.Territories[i].ID {
		case ended:
			cfg2.Territories[i].End = &end
		case endsNow:
			cfg2.Territories[i].End = &later
		}
	}
	p2, err := MakePlan(ctx, db, cfg2, PlanOptions{Now: later, Config: ConfigRef{Hash: cfg2.Hash}})
	if err != nil {
		t.Fatal(err)
	}
	if p2.Summary.Update == 0 || p2.Summary.End == 0 {
		t.Fatalf("ending territories %s and %s updates or ends no record: %+v", ended, endsNow, p2.Summary)
	}
	both(cfg2, p2, func(rows []string) bool {
		return slices.ContainsFunc(rows, func(r string) bool {
			return strings.Contains(r, "|"+ended+"|") && strings.Contains(r, end.Format("2006-01-02"))
		})
	})
}

// assignmentRows are the assignment records of from, sorted, with or
// without their ids.
func assignmentRows(t *testing.T, db *query.DB, from query.Assignments, withID bool) []string {
	t.Helper()
	id := "''"
	if withID {
		id = "id"
	}
	return queryStrings(t, db, `SELECT concat_ws('|', `+id+`, instance, account, territory, source, coalesce(rule, ''), origin,
		start_date::VARCHAR, coalesce(end_date::VARCHAR, ''), send_to_crm::VARCHAR, coalesce(crm_record_id, ''),
		coalesce(crm_deleted_at::VARCHAR, '')) AS r FROM `+string(from)+` ORDER BY r`)
}
