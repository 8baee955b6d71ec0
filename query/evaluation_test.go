package query

import (
	"context"
	"errors"
	"testing"
)

// An Evaluation's values read the connection's tables until the next
// evaluation replaces them; after that every one of them fails rather than
// read the other evaluation's rows.
func TestValuesOfAReplacedEvaluationFail(t *testing.T) {
	ctx := context.Background()
	db := loadSnapshot(t, map[string]string{"account__v": accounts, "address__v": addresses})
	rs := func(value string) *RuleSet {
		return &RuleSet{
			Rules:    []Rule{{Key: 1, ID: "r", Match: "all", NCrit: 1}},
			Criteria: []Criterion{{RuleKey: 1, Pos: 1, Object: "account__v", Field: "specialty_1__v", Operator: "in"}},
			Values:   []Value{{1, 1, value}},
			Bindings: []Binding{binding(1, "r", "T1", false)},
		}
	}
	first, err := db.EvaluateRules(ctx, rs("Oncologist"), now)
	if err != nil {
		t.Fatal(err)
	}
	diff := first.Diff()
	touched, err := diff.Touched(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cs, err := diff.Changes(ctx); err != nil || len(cs) != 1 || cs[0].Account != "A1" {
		t.Fatalf("the current evaluation's changes: %v, %v", cs, err)
	}
	second, err := db.EvaluateRules(ctx, rs("Plastic Surgery"), now)
	if err != nil {
		t.Fatal(err)
	}
	reads := map[string]func() error{
		"Changes":   func() error { _, err := diff.Changes(ctx); return err },
		"Preview":   func() error { _, err := diff.Preview(ctx); return err },
		"Apply":     func() error { return diff.Apply(ctx, nil, true, now) },
		"Touched":   func() error { _, err := diff.Touched(ctx, nil); return err },
		"Conflicts": func() error { _, err := first.Conflicts(ctx); return err },
		"Excluded":  func() error { _, err := first.Excluded(ctx); return err },
		"Manual":    func() error { _, err := first.ManualWithoutAccount(ctx); return err },
		"Merged":    func() error { _, err := first.ManualOfMergedAccounts(ctx); return err },
		"Trace":     func() error { _, err := first.TraceAccount(ctx, "A1", now); return err },
		"Export":    func() error { return db.ExportAlignment(ctx, t.TempDir()+"/a.parquet", now, nil, touched) },
	}
	for name, read := range reads {
		if err := read(); !errors.Is(err, errReplaced) {
			t.Errorf("%s of a replaced evaluation: %v, want errReplaced", name, err)
		}
	}
	cs, err := second.Diff().Changes(ctx)
	if err != nil || len(cs) != 1 || cs[0].Account != "A4" {
		t.Fatalf("the later evaluation's changes: %v, %v", cs, err)
	}
}
