package schema

import (
	"errors"
	"fmt"
	"maps"
	"strings"
	"testing"
	"testing/fstest"
)

func loadPolicyFiles(t *testing.T, extra map[string]string) (*Config, error) {
	t.Helper()
	files := maps.Clone(baseFiles)
	files["t.yaml"] = "kind: territory\nid: ONC-1\nname: One\nfield_force: ONC\ncrm_instance: us\ncountry: US\n"
	maps.Copy(files, extra)
	fsys := fstest.MapFS{}
	for name, data := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(data)}
	}
	return LoadFS(fsys, "cfg")
}

func TestPolicyDocumentsLoad(t *testing.T) {
	cfg, err := loadPolicyFiles(t, map[string]string{"p.yaml": `kind: policy
id: small-moves
description: no territory loses a fifth of its accounts at once
level: soft
check: max_share_lost_per_territory
value: 0.2
scope: {field_forces: [ONC]}
---
kind: policy
id: key-accounts
level: hard
check: protected_accounts
accounts: [ACC-1, ACC-2]
match: any
criteria:
  - {field: account__v.tier__c, operator: equals, value: A}
  - {field: account__v.specialty_1__v, operator: in, value: "Oncology, Hematology"}
---
kind: policy
id: keep-half
level: advisory
cue: after >= before / 2 || field_force == "ONC"
`})
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Policies) != 3 {
		t.Fatalf("%d policies, want 3", len(cfg.Policies))
	}
	keep, key, small := cfg.Policies[0], cfg.Policies[1], cfg.Policies[2]
	if key.ID != "key-accounts" || key.Match != "any" || len(key.Criteria) != 2 || key.Criteria[1].Value != "Oncology, Hematology" || strings.Join(key.Accounts, ",") != "ACC-1,ACC-2" {
		t.Errorf("key-accounts = %+v", key)
	}
	if keep.CUE == "" || keep.Level != LevelAdvisory || keep.Check != "" {
		t.Errorf("keep-half = %+v", keep)
	}
	if small.Value != 0.2 || small.Check != CheckMaxShareLost || !small.InScope("X", "ONC") || small.InScope("X", "CV") {
		t.Errorf("small-moves = %+v", small)
	}
}

func TestPolicyErrorsPointAtTheirLine(t *testing.T) {
	_, err := loadPolicyFiles(t, map[string]string{"p.yaml": `kind: policy
id: a
level: soft
check: max_share_lots_per_territory
value: 0.2
---
kind: policy
id: b
level: hard
check: max_accounts_moved
value: many
---
kind: policy
id: c
level: soft
cue: "lost <= 0.2 * befor"
---
kind: policy
id: d
level: soft
cue: "lost <= (0.2"
---
kind: policy
id: e
level: soft
cue: "after + 1"
---
kind: policy
id: f
level: soft
check: max_share_gained_per_territory
value: 20
---
kind: policy
id: g
level: soft
check: max_accounts_moved
---
kind: policy
id: h
level: sometimes
check: protected_accounts
---
kind: policy
id: i
level: soft
check: protected_accounts
value: 3
criteria:
  - {field: call2__v.call_date__v, operator: less_than_days, value: 90}
---
kind: policy
id: j
level: soft
check: max_accounts_per_territory
value: 10
cue: after < 10
scope: {territories: [ONC-2]}
---
kind: policy
id: k
level: hard
check: protect_cycle_plan_targets
value: 1
`})
	var ds Diagnostics
	if !errors.As(err, &ds) {
		t.Fatalf("error %v, want Diagnostics", err)
	}
	want := []string{
		`cfg/p.yaml:4:8: policy a: check "max_share_lots_per_territory" is not one of max_share_lost_per_territory, max_share_gained_per_territory, max_accounts_moved, min_accounts_per_territory, max_accounts_per_territory, protected_accounts, protect_cycle_plan_targets; did you mean "max_share_lost_per_territory"?`,
		`cfg/p.yaml:11:8: policy b: value: want a number, got string "many"`,
		`cfg/p.yaml:16:6: policy c: cue "lost <= 0.2 * befor" does not compile: reference "befor" not found; the figures are before, after, gained, lost, targets_lost, field_force, territory`,
		`cfg/p.yaml:21:6: policy d: cue "lost <= (0.2" does not compile: expected ')', found newline`,
		`cfg/p.yaml:26:6: policy e: cue "after + 1" is a number, not true or false; compare it, e.g. after + 1 <= 10`,
		`cfg/p.yaml:32:8: policy f: check max_share_gained_per_territory: value 20 is not a share; write one from 0 to 1, such as 0.2 for a fifth`,
		`cfg/p.yaml:34:1: policy g: check max_accounts_moved needs a value (a whole number of accounts)`,
		`cfg/p.yaml:41:8: policy h: level "sometimes" is not one of advisory, soft, hard`,
		`cfg/p.yaml:48:8: policy i: check protected_accounts takes no value; list accounts or criteria`,
		`cfg/p.yaml:50:13: policy i: criterion 1: field call2__v.call_date__v: protected_accounts criteria read account__v fields only`,
		`cfg/p.yaml:57:6: policy j: has both check and cue; keep one`,
		`cfg/p.yaml:64:8: policy k: check protect_cycle_plan_targets takes no value; remove it`,
	}
	got := strings.Split(err.Error(), "\n")
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		var b strings.Builder
		for _, l := range got {
			fmt.Fprintf(&b, "\t\t%#v,\n", l)
		}
		t.Errorf("got:\n%s", b.String())
	}
}

// The Go form of a cue expression answers as CUE does, and leaves to CUE
// what it cannot be sure of.
func TestPolicyExprGoFormAgreesWithCUE(t *testing.T) {
	exprs := []string{
		"lost <= 0.2 * before",
		"lost / before <= 0.2",
		"after >= before / 2 || field_force == \"ONC\"",
		"!(gained > 10) && territory =~ \"^ONC-\"",
		"territory !~ \"-9$\" && -lost < 1",
		"after - before < 100 && field_force + \"!\" != \"CV!\"",
		"gained == 1.0 || true == (lost > 2)",
		"field_force < \"M\"",
		"1_000 > after",
		"lost > field_force",
	}
	figures := []Figures{
		{Territory: "ONC-1", FieldForce: "ONC", Before: 10, After: 8, Gained: 0, Lost: 2},
		{Territory: "CV-9", FieldForce: "CV", Before: 0, After: 0, Gained: 0, Lost: 0},
		{Territory: "ONC-2", FieldForce: "ONC", Before: 5, After: 20, Gained: 16, Lost: 1},
	}
	for _, src := range exprs {
		e, err := CompilePolicyExpr(src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		slow := *e
		slow.fast = nil
		for _, f := range figures {
			gotB, gotErr := e.Holds(&f)
			wantB, wantErr := slow.Holds(&f)
			if gotB != wantB || (gotErr == nil) != (wantErr == nil) {
				t.Errorf("%s over %+v: Go %v, %v; CUE %v, %v", src, f, gotB, gotErr, wantB, wantErr)
			}
		}
	}
	if e, _ := CompilePolicyExpr("lost <= 0.2 * before"); e.fast == nil {
		t.Error("lost <= 0.2 * before is not compiled to Go")
	}
}

func BenchmarkPolicyExpr(b *testing.B) {
	e, err := CompilePolicyExpr("lost <= 0.2 * before && field_force != \"X\"")
	if err != nil {
		b.Fatal(err)
	}
	f := Figures{Territory: "T", FieldForce: "ONC", Before: 100, After: 90, Lost: 10}
	for i := 0; b.Loop(); i++ {
		f.Lost = i % 30
		if _, err := e.Holds(&f); err != nil {
			b.Fatal(err)
		}
	}
}
