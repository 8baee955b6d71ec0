package reconcile

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/alignctl/alignctl/query"
)

// A spooled plan (spool.go) is the plan made in memory: the same summary
// and counts, the changes its views show, every change once its body is
// loaded, the same saved plan, and the same state once applied.
func TestSpooledPlanIsThePlan(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	cfg, db, _ := importedFixture(t, now)
	shownFirst, shownPerTerritory = 2, 1
	t.Cleanup(func() { shownFirst, shownPerTerritory = ShownFirst, ShownPerTerritory })

	mem, err := MakePlan(ctx, db, cfg, PlanOptions{Now: now, Config: ConfigRef{Hash: cfg.Hash}})
	if err != nil {
		t.Fatal(err)
	}
	if mem.Spooled() {
		t.Fatal("a plan was spooled without SpoolAt")
	}
	if n := len(mem.AssignmentChanges); n < 4 || len(mem.Territories()) < 2 {
		t.Fatalf("the fixture's first plan has %d changes in %d territories: too few to tell the shown ones", n, len(mem.Territories()))
	}
	if _, err := MakePlan(ctx, db, cfg, PlanOptions{Now: now, Config: ConfigRef{Hash: cfg.Hash}, SpoolAt: len(mem.AssignmentChanges) + 1}); err != nil {
		t.Fatal(err)
	}
	sp, err := MakePlan(ctx, db, cfg, PlanOptions{Now: now, Config: ConfigRef{Hash: cfg.Hash}, SpoolAt: len(mem.AssignmentChanges)})
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	if !sp.Spooled() {
		t.Fatal("a plan of SpoolAt changes was not spooled")
	}
	dir := sp.body.dir

	// What the views read without the body.
	if !reflect.DeepEqual(sp.Summary, mem.Summary) {
		t.Errorf("summary %+v, in memory %+v", sp.Summary, mem.Summary)
	}
	if !reflect.DeepEqual(sp.CRMChangeKinds(), CountCRMKinds(mem.CRMChanges)) || len(mem.CRMChanges) == 0 {
		t.Errorf("CRM changes %v, in memory %v", sp.CRMChangeKinds(), CountCRMKinds(mem.CRMChanges))
	}
	if sp.HasChanges() != mem.HasChanges() || !reflect.DeepEqual(sp.PendingPush, mem.PendingPush) || !reflect.DeepEqual(sp.Balance, mem.Balance) {
		t.Error("the spooled plan's changes, pending push or balance differ")
	}
	var shown []AssignmentChange
	seen := map[string]int{}
	for i, c := range mem.AssignmentChanges {
		if i < shownFirst || seen[c.Territory] < shownPerTerritory {
			shown = append(shown, c)
		}
		seen[c.Territory]++
	}
	if !reflect.DeepEqual(sp.AssignmentChanges, shown) {
		t.Errorf("shown changes\n%v\nwant\n%v", sp.AssignmentChanges, shown)
	}
	if len(sp.CRMChanges) != 0 {
		t.Errorf("%d CRM changes in memory, want none", len(sp.CRMChanges))
	}
	if err := sp.WriteJSON(&bytes.Buffer{}); err == nil {
		t.Error("the JSON of a spooled plan was written without its body")
	}

	// The saved plans hold the same lists.
	var saved [2]*Plan
	for i, p := range []*Plan{mem, sp} {
		path := filepath.Join(t.TempDir(), "plan")
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		err = p.WriteSaved(ctx, f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			t.Fatal(err)
		}
		if saved[i], err = OpenSavedPlan(path); err != nil {
			t.Fatal(err)
		}
		defer saved[i].Close()
		if err := saved[i].LoadBody(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if !reflect.DeepEqual(saved[1].AssignmentChanges, saved[0].AssignmentChanges) || !reflect.DeepEqual(saved[1].CRMChanges, saved[0].CRMChanges) {
		t.Error("the saved spooled plan's lists differ from the saved plan's")
	}
	if !reflect.DeepEqual(saved[0].AssignmentChanges, mem.AssignmentChanges) || !reflect.DeepEqual(saved[0].CRMChanges, mem.CRMChanges) {
		t.Error("the saved plan's lists differ from the plan's")
	}

	// The body loaded: the plan's JSON is the plan's.
	if err := sp.LoadBody(ctx); err != nil {
		t.Fatal(err)
	}
	var a, b bytes.Buffer
	if err := mem.WriteJSON(&a); err != nil {
		t.Fatal(err)
	}
	if err := sp.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Errorf("the spooled plan's JSON differs from the plan's:\n%s\n%s", a.String(), b.String())
	}

	// Applied from its files, then closed: the files are gone.
	if err := Apply(ctx, db, cfg, sp); err != nil {
		t.Fatal(err)
	}
	rows := assignmentRows(t, db, query.StateAssignments, false)
	if len(rows) < mem.Summary.Create {
		t.Errorf("the apply wrote %d records, want %d", len(rows), mem.Summary.Create)
	}
	sp.Close()
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Close left the plan's files in %s (%v)", dir, err)
	}
}
