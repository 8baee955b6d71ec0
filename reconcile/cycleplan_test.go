package reconcile

import (
	"testing"
	"time"
)

func TestCycleStatusFormsCountAsDocumented(t *testing.T) {
	for _, tc := range []struct {
		status        string
		counts, known bool
	}{
		{"planned__v", true, true},
		{"in_progress__v", true, true},
		{"In Progress", true, true},
		{" planned ", true, true},
		{"active__v", true, true},
		{"Active", true, true},
		{"completed__v", false, true},
		{"Completed", false, true},
		{"inactive__v", false, true},
		{"draft__c", false, false},
		{"", false, false},
	} {
		counts, known := statusCounts(tc.status)
		if counts != tc.counts || known != tc.known {
			t.Errorf("statusCounts(%q) = %t, %t; want %t, %t", tc.status, counts, known, tc.counts, tc.known)
		}
	}
}

func TestGoalsThatAreNotNumbersReadAsMissing(t *testing.T) {
	for _, tc := range []struct {
		text string
		want *float64
		ok   bool
	}{
		{"12", ptr(12), true},
		{" 2.5 ", ptr(2.5), true},
		{"", nil, true},
		{"six", nil, false},
		{"12 calls", nil, false},
		{"NaN", nil, false},
		{"+Inf", nil, false},
	} {
		got, ok := readGoal(tc.text)
		if ok != tc.ok || (got == nil) != (tc.want == nil) || (got != nil && *got != *tc.want) {
			t.Errorf("readGoal(%q) = %v, %t; want %v, %t", tc.text, got, ok, tc.want, tc.ok)
		}
	}
}

func TestCycleDatesReadAsDaysOrDateTimes(t *testing.T) {
	for _, tc := range []struct {
		text string
		want string
		ok   bool
	}{
		{"2026-03-31", "2026-03-31", true},
		{"2026-03-31T00:00:00.000Z", "2026-03-31", true},
		{"2026-03-31 08:00", "2026-03-31", true},
		{"31/03/2026", "", false},
		{"2026-03-31x", "", false},
	} {
		got, ok := cycleDate(tc.text, time.UTC)
		if ok != tc.ok || (ok && got.Format(time.DateOnly) != tc.want) {
			t.Errorf("cycleDate(%q) = %v, %t; want %s, %t", tc.text, got, ok, tc.want, tc.ok)
		}
	}
}

func TestTargetsPerTerritorySumsKeptAndLostGoals(t *testing.T) {
	p := &Plan{CyclePlanTargets: []CyclePlanTarget{
		{Territory: "T1", CyclePlan: "CP1", Target: "X1", Account: "A1", Goals: CycleGoals{ChannelInteractions: ptr(12), ProductInteractions: ptr(4)}, Status: TargetLost, HeldBefore: true},
		{Territory: "T1", CyclePlan: "CP1", Target: "X2", Account: "A2", Goals: CycleGoals{ChannelInteractions: ptr(6)}, Status: TargetKept, HeldBefore: true},
		{Territory: "T1", CyclePlan: "CP5", Target: "X5", Account: "A5", Status: TargetKept, HeldBefore: false},
		{Territory: "T2", CyclePlan: "CP2", Target: "X3", Account: "A3", Goals: CycleGoals{ChannelInteractions: ptr(8)}, Status: TargetKept, HeldBefore: true},
	}}
	per := p.TargetsPerTerritory()
	if len(per) != 2 {
		t.Fatalf("got %d territories, want 2: %+v", len(per), per)
	}
	t1 := per[0]
	if t1.Territory != "T1" || t1.Before != 2 || t1.After != 2 || t1.Kept != 2 || t1.Lost != 1 ||
		t1.GoalsBefore != 18 || t1.GoalsAfter != 6 || t1.GoalsLost != 12 || t1.ProductGoalsBefore != 4 || t1.ProductGoalsAfter != 0 {
		t.Errorf("T1 = %+v", t1)
	}
	if len(t1.CyclePlans) != 2 || t1.CyclePlans[0] != "CP1" || t1.CyclePlans[1] != "CP5" {
		t.Errorf("T1 cycle plans = %v, want [CP1 CP5]", t1.CyclePlans)
	}
	if len(t1.LostTargets) != 1 || t1.LostTargets[0].Target != "X1" {
		t.Errorf("T1 lost targets = %+v, want X1", t1.LostTargets)
	}
	if got := p.TargetsLost("T1"); got != 1 {
		t.Errorf("TargetsLost(T1) = %d, want 1", got)
	}
	if got := p.TargetsLost("T2"); got != 0 {
		t.Errorf("TargetsLost(T2) = %d, want 0", got)
	}
	plans := perCyclePlan(p.CyclePlanTargets)
	if len(plans) != 3 || plans[0].CyclePlans[0] != "CP1" || plans[1].CyclePlans[0] != "CP5" || plans[2].Territory != "T2" {
		t.Errorf("per cycle plan = %+v", plans)
	}
}

func ptr(f float64) *float64 { return &f }
