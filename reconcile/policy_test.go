package reconcile

import (
	"testing"
	"time"

	"github.com/alignctl/alignctl/query"
	"github.com/alignctl/alignctl/schema"
)

func TestProtectedCriteriaJudgeAsTheRulesDo(t *testing.T) {
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	fields := map[string]string{"tier__c": "A", "specialty_1__v": "Plastic Surgery, Hand", "beds__c": "120", "last_call__c": "2026-02-20"}
	tests := []struct {
		field, op, value string
		want             bool
	}{
		{"tier__c", "equals", "A", true},
		{"tier__c", "equals", "a", false},
		{"tier__c", "not_equals", "B", true},
		{"missing__c", "not_equals", "B", true},
		{"specialty_1__v", "in", `Plastic Surgery\, Hand, Dermatology`, true},
		{"specialty_1__v", "not_in", "Dermatology", true},
		{"specialty_1__v", "contains", "Surgery", true},
		{"specialty_1__v", "starts_with", "Hand", false},
		{"beds__c", "greater_than", "99", true},
		{"beds__c", "less_than", "99", false},
		{"missing__c", "greater_than", "1", false},
		{"missing__c", "is_null", "", true},
		{"tier__c", "is_not_null", "", true},
		{"last_call__c", "less_than_days", "30", true},
		{"last_call__c", "more_than_days", "30", false},
		{"tier__c", "less_than_days", "30", false},
	}
	for _, tt := range tests {
		c := schema.Criterion{Object: "account__v", Field: tt.field, Operator: tt.op, Value: tt.value}
		if got := criterionHolds(c, fields, now); got != tt.want {
			t.Errorf("%s %s %q = %v, want %v", tt.field, tt.op, tt.value, got, tt.want)
		}
	}
}

func TestEachBuiltinCheckJudgesItsFigures(t *testing.T) {
	cfg := &schema.Config{Territories: []*schema.Territory{{ID: "T1", FieldForce: "ONC"}, {ID: "T2", FieldForce: "CV"}}}
	accounts := []TerritoryAccounts{{Territory: "T1", FieldForce: "ONC", Before: 10, After: 7}, {Territory: "T2", FieldForce: "CV", Before: 4, After: 9}}
	m := &policyMoves{gained: map[string]int{"T1": 1, "T2": 5}, lost: map[string]int{"T1": 4}, moved: map[string]int{"moved": 10},
		lostPairs:   []query.LostPair{{Account: "A1", Territory: "T1"}, {Account: "A2", Territory: "T1", Fields: map[string]string{"tier__c": "A"}}},
		territories: map[string]*schema.Territory{"T1": cfg.Territories[0], "T2": cfg.Territories[1]}}
	tests := []struct {
		p    schema.Policy
		want []string // the territories or accounts violating; "-" for the plan
	}{
		{schema.Policy{ID: "lost", Check: schema.CheckMaxShareLost, Value: 0.3}, []string{"T1"}},
		{schema.Policy{ID: "lost-cv", Check: schema.CheckMaxShareLost, Value: 0.3, FieldForces: []string{"CV"}}, nil},
		{schema.Policy{ID: "gained", Check: schema.CheckMaxShareGained, Value: 1}, []string{"T2"}},
		{schema.Policy{ID: "min", Check: schema.CheckMinAccounts, Value: 8}, []string{"T1"}},
		{schema.Policy{ID: "max", Check: schema.CheckMaxAccounts, Value: 8}, []string{"T2"}},
		{schema.Policy{ID: "moved", Check: schema.CheckMaxAccountsMoved, Value: 9}, []string{"-"}},
		{schema.Policy{ID: "keys", Check: schema.CheckProtectedAccounts, Accounts: []string{"A1"},
			Criteria: []schema.Criterion{{Field: "tier__c", Operator: "equals", Value: "A"}}, Match: schema.MatchAll}, []string{"A1", "A2"}},
		{schema.Policy{ID: "keys-cv", Check: schema.CheckProtectedAccounts, Accounts: []string{"A1"}, Territories: []string{"T2"}}, nil},
		{schema.Policy{ID: "cue", CUE: `gained <= lost || territory == "T1"`}, []string{"T2"}},
	}
	for _, tt := range tests {
		p := tt.p
		p.Level = schema.LevelSoft
		r := judgePolicies([]*schema.Policy{&p}, accounts, m)[0]
		var got []string
		for _, v := range r.Violations {
			switch {
			case v.Account != "":
				got = append(got, v.Account)
			case v.Territory != "":
				got = append(got, v.Territory)
			default:
				got = append(got, "-")
			}
		}
		if len(got) != len(tt.want) || (len(got) > 0 && got[len(got)-1] != tt.want[len(tt.want)-1]) || r.Violated() != (len(tt.want) > 0) {
			t.Errorf("%s: violations %v (%s), want %v", p.ID, got, r.Status, tt.want)
		}
	}
}

func TestOverridesAreRefusedBeforeAnyWrite(t *testing.T) {
	cfg := &schema.Config{Policies: []*schema.Policy{{ID: "soft", Level: schema.LevelSoft}, {ID: "hard", Level: schema.LevelHard}, {ID: "info", Level: schema.LevelAdvisory}}}
	min := 3
	cfg.Settings.Guardrails.MinAccountsPerTerritory = &min
	for _, tt := range []struct {
		o  Override
		ok bool
	}{
		{Override{"soft", "why"}, true},
		{Override{"soft", " "}, false},
		{Override{"hard", "why"}, false},
		{Override{"info", "why"}, false},
		{Override{"guardrails.min_accounts_per_territory", "why"}, false},
		{Override{"nope", "why"}, false},
	} {
		if err := checkOverrides(cfg, []Override{tt.o}); (err == nil) != tt.ok {
			t.Errorf("%+v: %v", tt.o, err)
		}
	}
}
