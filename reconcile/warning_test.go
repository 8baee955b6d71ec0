package reconcile

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/alignctl/alignctl/schema"
)

// TestWarningText: each kind of warning in the words plan, import and
// validate print, and the plan's JSON holds (docs/plan-json.md: the same
// strings as before warnings were typed).
func TestWarningText(t *testing.T) {
	since := time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("X", 3600))
	for _, tc := range []struct {
		w    Warning
		want string
	}{
		{Warning{Kind: WarnMergedAccount, Territory: "ONC-1", Account: "A1", Winner: "A2"},
			"territory ONC-1: manual assignment of account A1, which was merged into A2: it applies to A2; update the config to the winning id"},
		{Warning{Kind: WarnUnknownAccount, Territory: "ONC-1", Account: "A9", Instance: "us"},
			"territory ONC-1: manual assignment of account A9: no such account in CRM instance us"},
		{Warning{Kind: WarnCountryNotSelected, Territory: "ONC-1", Country: "CA", Instance: "us", Countries: []string{"US", "PR"}},
			"territory ONC-1: country CA is not selected for crm instance us (US, PR): it and its account territories are not pushed"},
		{Warning{Kind: WarnUnusedAttribute, Pos: schema.Pos{File: "t.yaml", Line: 7, Col: 31}, Territory: "T1", Field: "colour"},
			"t.yaml:7:31: territory T1: attributes.colour is used by no outbound field mapping of territory__v; it is not pushed"},
		{Warning{Kind: WarnUnusedAttribute, Pos: schema.Pos{File: "ff.yaml", Line: 4, Col: 3}, FieldForce: "ONC", Field: "franchise"},
			"ff.yaml:4:3: field force ONC: attributes.franchise is used by no outbound field mapping of territory__v; it is not pushed"},
		{Warning{Kind: WarnStaleMappings, Instance: "us", Objects: []string{"account__v", "address__v"}},
			"instance us: the inbound field mappings changed since the last full import of account__v, address__v: run alignctl import --full"},
		{Warning{Kind: WarnCountryFilterChanged, Instance: "us"},
			"instance us: the country filter changed since the last import: run alignctl import, which reads the accounts that enter or leave it"},
		{Warning{Kind: WarnDrift, Deleted: 1, Added: 2, Changed: 3},
			"the CRM drifted from what alignctl last pushed (as the last import read it): 1 deleted, 2 added, 3 changed; alignctl drift lists them, and the next push restores what the config says"},
		{Warning{Kind: WarnCycleStatus, Object: "mc_cycle__v", Record: "C1", Field: "status__v", Value: "paused"},
			`mc_cycle__v C1: status__v "paused" is not a status alignctl knows (planned, in progress, active; completed, inactive); the cycle counts for nothing`},
		{Warning{Kind: WarnCycleStatus, Object: "mc_cycle_plan__v", Record: "P1", Field: "status", Value: "x"},
			`mc_cycle_plan__v P1: status "x" is not a status alignctl knows (planned, in progress, active; completed, inactive); the plan counts for nothing`},
		{Warning{Kind: WarnCycleDate, Object: "mc_cycle__v", Record: "C1", Field: "start_date__v", Value: "soon"},
			`mc_cycle__v C1: start_date__v "soon" is not a date; the cycle counts for nothing`},
		{Warning{Kind: WarnTargetGoal, Object: "mc_cycle_plan_target__v", Record: "T1", Field: "channel_interactions_goal__v", Value: "many"},
			`mc_cycle_plan_target__v T1: channel_interactions_goal__v "many" is not a number; read as missing`},
		{Warning{Kind: WarnMissingRecord, Instance: "us", Object: "mc_cycle_plan_target__v", Record: "T1", Field: "target__v", Refers: "account", Value: "A9"},
			`instance us: mc_cycle_plan_target__v T1: target__v names account "A9", which the CRM does not have; the target is left out`},
		{Warning{Kind: WarnMissingRecord, Instance: "us", Object: "mc_cycle_plan__v", Record: "P1", Field: "cycle__v", Refers: "cycle", Value: "C9"},
			`instance us: mc_cycle_plan__v P1: cycle__v names cycle "C9", which the CRM does not have; the plan is left out`},
		{Warning{Kind: WarnMoreRecords, Group: "mc_cycle__v date", Count: 4},
			"mc_cycle__v date: 4 more records like the above"},
		{Warning{Kind: WarnFirstImport, Instance: "us", Count: 12},
			"first import of instance us: 12 account_territory__v rows imported as crm assignments"},
		{Warning{Kind: WarnUnknownTerritory, Instance: "us", Count: 2},
			"instance us: 2 account_territory__v rows name a territory__v record the CRM does not have; skipped"},
		{Warning{Kind: WarnAccountMerges, Instance: "us", Moved: 3, Widened: 1},
			"instance us: account merges: 3 assignments moved to the winning account, 1 merged into the winner's overlapping assignment"},
		{Warning{Kind: WarnDeletedInCRM, Instance: "us", Count: 5},
			"instance us: 5 manual or crm assignments end-dated: their account or account_territory__v record was deleted in the CRM"},
		{Warning{Kind: WarnMissingField, Instance: "us", Object: "account__v", Field: "tier__c"},
			"instance us: account__v has no field tier__c, which a field mapping names; skipped (alignctl mappings --check lists them)"},
		{Warning{Kind: WarnDeletionWindow, Instance: "us", Since: since, Objects: []string{"account__v", "address__v"}},
			"instance us: the deletions watermark (2026-01-02T02:04:05Z) is older than the CRM's window of deleted records: read every id of account__v, address__v to find deletions by absence (none deleted)"},
		{Warning{Kind: WarnDeletionWindow, Instance: "us", Since: since, Objects: []string{"account__v", "address__v"},
			PerObject: []ObjectCount{{"account__v", 2}, {"address__v", 1}}},
			"instance us: the deletions watermark (2026-01-02T02:04:05Z) is older than the CRM's window of deleted records: read every id of account__v, address__v to find deletions by absence (deleted: account__v 2, address__v 1)"},
		{Warning{Kind: WarnText, Sentence: "as the plan's JSON had it"}, "as the plan's JSON had it"},
	} {
		if got := tc.w.Text(); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.w.Kind, got, tc.want)
		}
	}
}

// TestConflictText: a conflict in the plan's words and in explain's, which
// speaks of one account and need not name it.
func TestConflictText(t *testing.T) {
	for _, tc := range []struct {
		c                  Conflict
		plan, underAccount string
	}{
		{Conflict{FieldForce: "ONC", Account: "A1", Territories: []string{"ONC-1", "ONC-2"}},
			"field force ONC is exclusive: account A1 matches ONC-1, ONC-2; none assigned",
			"field force ONC is exclusive and ONC-1, ONC-2 all want the account: none assigned"},
		{Conflict{FieldForce: "ONC", Account: "A1", Territories: []string{"ONC-1", "ONC-2"}, Kept: "ONC-2"},
			"field force ONC is exclusive: account A1 matches ONC-1, ONC-2; kept in ONC-2, which already had it",
			"field force ONC is exclusive and ONC-1, ONC-2 all want the account: kept in ONC-2"},
		{Conflict{Sentence: "as the plan's JSON had it"}, "as the plan's JSON had it", ""},
	} {
		if got := tc.c.Text(); got != tc.plan {
			t.Errorf("Text:\n got %s\nwant %s", got, tc.plan)
		}
		if tc.underAccount == "" {
			continue
		}
		if got := tc.c.AccountText(); got != tc.underAccount {
			t.Errorf("AccountText:\n got %s\nwant %s", got, tc.underAccount)
		}
	}
}

// TestWarningsReadBack: the plan's JSON holds warnings and conflicts as
// their words; a plan read back holds the same words (kind text).
func TestWarningsReadBack(t *testing.T) {
	p := &Plan{FormatVersion: FormatVersion,
		Conflicts: []Conflict{{FieldForce: "ONC", Account: "A1", Territories: []string{"ONC-1", "ONC-2"}, Kept: "ONC-1"}},
		Warnings: []Warning{{Kind: WarnUnknownAccount, Territory: "ONC-1", Account: "A9", Instance: "us"},
			{Kind: WarnDrift, Deleted: 1}}}
	var q Plan
	if err := json.Unmarshal(encoderJSON(t, p), &q); err != nil {
		t.Fatal(err)
	}
	if got, want := WarningTexts(q.Warnings), WarningTexts(p.Warnings); !slices.Equal(got, want) {
		t.Errorf("warnings read back %q, want %q", got, want)
	}
	for _, w := range q.Warnings {
		if w.Kind != WarnText {
			t.Errorf("warning read back is of kind %q, want %q", w.Kind, WarnText)
		}
	}
	if len(q.Conflicts) != 1 || q.Conflicts[0].Text() != p.Conflicts[0].Text() {
		t.Errorf("conflicts read back %+v, want the words of %+v", q.Conflicts, p.Conflicts)
	}
}
