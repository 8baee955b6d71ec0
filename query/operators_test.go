package query

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"
)

const opAccounts = `id,name__v,country__v,record_type__v,specialty_1__v,specialty_2__v,tier__c,last_seen__c,modified_date__v
A1,Ada,US,HCP,Oncologist,Pediatric Oncologist,1,2026-02-01,2026-01-01T00:00:00Z
A2,Bob,US,HCP,Cardiologist,,2,2025-06-01,2026-01-01T00:00:00Z
A3,Cy,US,HCP,"Plastic Surgery, Hand",,10,,2026-01-01T00:00:00Z
A4,Di,US,HCP,Plastic Surgery,Hand,,2026-02-20,2026-01-01T00:00:00Z
A5,Mercy Hospital,US,HCO,,,,,2026-01-01T00:00:00Z
`

const opAddresses = `id,account__v,postal_code__v,primary__v,state__v,modified_date__v
D1,A1,02138,true,MA,2026-01-01T00:00:00Z
D2,A2,10001,true,NY,2026-01-01T00:00:00Z
D3,A3,02144,true,MA,2026-01-01T00:00:00Z
D4,A4,02145,true,MA,2026-01-01T00:00:00Z
D5,A5,02146,true,MA,2026-01-01T00:00:00Z
`

const opAffiliations = `id,parent_account__v,child_account__v,modified_date__v
C1,A5,A1,2026-01-01T00:00:00Z
C2,A5,A4,2026-01-01T00:00:00Z
C3,A4,A3,2026-01-01T00:00:00Z
`

const opMetrics = `id,account__v,product__v,decile__c,modified_date__v
M1,A1,KEYTRUDA,9,2026-01-01T00:00:00Z
M2,A2,ENTRESTO,3,2026-01-01T00:00:00Z
`

// now is 2026-03-01 09:00: A1 was called 10 days ago, A2 100 days ago.
const opCalls = `id,account__v,call_date__v,modified_date__v
K1,A1,2026-02-19T09:00:00Z,2026-01-01T00:00:00Z
K2,A2,2025-11-21T09:00:00Z,2026-01-01T00:00:00Z
`

func opSnapshot(t *testing.T) *DB {
	return loadSnapshot(t, map[string]string{
		"account__v": opAccounts, "address__v": opAddresses, "child_account__v": opAffiliations,
		"product_metrics__v": opMetrics, "call2__v": opCalls,
	})
}

type crit struct {
	object, field, op string
	values            []string
}

// oneRule is a rule with the given criteria and match, bound to T1.
func oneRule(match string, masks []uint64, cs ...crit) *RuleSet {
	rs := &RuleSet{
		Rules:    []Rule{{Key: 1, ID: "r", Match: match, NCrit: len(cs), Masks: masks}},
		Bindings: []Binding{binding(1, "r", "T1", false)},
	}
	for i, c := range cs {
		rs.Criteria = append(rs.Criteria, Criterion{RuleKey: 1, Pos: i + 1, Object: c.object, Field: c.field, Operator: c.op})
		for _, v := range c.values {
			rs.Values = append(rs.Values, Value{RuleKey: 1, Pos: i + 1, Value: v})
		}
	}
	return rs
}

func matchedAccounts(t *testing.T, db *DB, rs *RuleSet) []string {
	t.Helper()
	var out []string
	for _, c := range desired(t, db, rs) {
		var action, account, territory, rule string
		fmt.Sscan(c, &action, &account, &territory, &rule)
		out = append(out, account)
	}
	slices.Sort(out)
	return out
}

// operatorTests are every operator on text, picklist, number, date and
// related-record fields, with the accounts each matches.
var operatorTests = []struct {
	name string
	c    crit
	want []string
}{
	{"equals text", crit{"account__v", "specialty_1__v", "equals", []string{"Cardiologist"}}, []string{"A2"}},
	{"equals is case sensitive", crit{"account__v", "specialty_1__v", "equals", []string{"cardiologist"}}, nil},
	{"not_equals keeps empty values", crit{"account__v", "specialty_1__v", "not_equals", []string{"Cardiologist"}}, []string{"A1", "A3", "A4", "A5"}},
	{"in", crit{"account__v", "specialty_1__v", "in", []string{"Oncologist", "Cardiologist"}}, []string{"A1", "A2"}},
	{"in: Plastic Surgery\\, Hand is one value", crit{"account__v", "specialty_1__v", "in", []string{"Plastic Surgery, Hand"}}, []string{"A3"}},
	{"not_in", crit{"account__v", "specialty_1__v", "not_in", []string{"Oncologist", "Cardiologist"}}, []string{"A3", "A4", "A5"}},
	{"contains", crit{"account__v", "specialty_1__v", "contains", []string{"Surgery"}}, []string{"A3", "A4"}},
	{"starts_with", crit{"account__v", "specialty_1__v", "starts_with", []string{"Onc"}}, []string{"A1"}},
	{"greater_than compares numbers as numbers", crit{"account__v", "tier__c", "greater_than", []string{"2"}}, []string{"A3"}},
	{"less_than number", crit{"account__v", "tier__c", "less_than", []string{"2"}}, []string{"A1"}},
	{"greater_than date", crit{"account__v", "last_seen__c", "greater_than", []string{"2026-01-15"}}, []string{"A1", "A4"}},
	{"less_than date", crit{"account__v", "last_seen__c", "less_than", []string{"2026-01-15"}}, []string{"A2"}},
	{"is_null", crit{"account__v", "specialty_2__v", "is_null", nil}, []string{"A2", "A3", "A5"}},
	{"is_not_null", crit{"account__v", "specialty_2__v", "is_not_null", nil}, []string{"A1", "A4"}},
	{"less_than_days: called in the last 90 days", crit{"call2__v", "call_date__v", "less_than_days", []string{"90"}}, []string{"A1"}},
	{"more_than_days: called more than 90 days ago", crit{"call2__v", "call_date__v", "more_than_days", []string{"90"}}, []string{"A2"}},
	{"address field", crit{"address__v", "state__v", "equals", []string{"NY"}}, []string{"A2"}},
	{"related record: affiliations count for child and parent", crit{"child_account__v", "parent_account__v", "equals", []string{"A5"}}, []string{"A1", "A4", "A5"}},
	{"product metrics", crit{"product_metrics__v", "product__v", "equals", []string{"KEYTRUDA"}}, []string{"A1"}},
	{"product metrics number", crit{"product_metrics__v", "decile__c", "greater_than", []string{"5"}}, []string{"A1"}},
	{"not_in on a related object: no row in the list", crit{"product_metrics__v", "product__v", "not_in", []string{"KEYTRUDA"}}, []string{"A2", "A3", "A4", "A5"}},
	{"is_null on a related object: no row with a value", crit{"call2__v", "call_date__v", "is_null", nil}, []string{"A3", "A4", "A5"}},
}

// Every operator on text, picklist, number, date and related-record fields.
func TestOperators(t *testing.T) {
	db := opSnapshot(t)
	for _, tt := range operatorTests {
		t.Run(tt.name, func(t *testing.T) {
			got := matchedAccounts(t, db, oneRule("all", nil, tt.c))
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Fatalf("matched %v, want %v", got, tt.want)
			}
		})
	}
}

// A rule driven by one equality criterion whose other criteria are not
// streamed is masked: each hit of its driver is matched from the
// account's signatures as it streams by, never stored as a candidate.
// Behind a driver every account meets (country US), each operator of
// TestOperators matches the same accounts, and every match logic holds.
func TestMaskedRules(t *testing.T) {
	db := opSnapshot(t)
	us := crit{"account__v", "country__v", "equals", []string{"US"}}
	ma := crit{"address__v", "state__v", "equals", []string{"MA"}}
	tier := crit{"account__v", "tier__c", "less_than", []string{"5"}}
	called := crit{"call2__v", "call_date__v", "less_than_days", []string{"90"}}
	noSpecialty2 := crit{"account__v", "specialty_2__v", "is_null", nil}
	named := crit{"account__v", "name__v", "is_not_null", nil}
	onc := crit{"account__v", "specialty_1__v", "in", []string{"Oncologist", "Cardiologist"}}
	hco := crit{"account__v", "record_type__v", "equals", []string{"HCO"}}
	type test struct {
		name  string
		match string
		masks []uint64
		cs    []crit
		want  []string
	}
	tests := []test{
		{"all, three checks on three objects", "all", nil, []crit{us, ma, tier, called}, []string{"A1"}},
		{"any: the driver alone is enough", "any", nil, []crit{us}, []string{"A1", "A2", "A3", "A4", "A5"}},
		// 1 AND (2 OR 3) AND NOT 4
		{"1 AND (2 OR 3) AND NOT 4", "expr", masksOf(4, func(c func(int) bool) bool { return c(1) && (c(2) || c(3)) && !c(4) }),
			[]crit{us, ma, called, noSpecialty2}, []string{"A1", "A4"}},
		// (1 AND 2) OR (1 AND NOT 3)
		{"(1 AND 2) OR (1 AND NOT 3)", "expr", masksOf(3, func(c func(int) bool) bool { return c(1) && (c(2) || !c(3)) }),
			[]crit{us, tier, ma}, []string{"A1", "A2"}},
		// driven by two criteria, 1 and 3: A5 comes in through 3
		{"(1 AND 2) OR (3 AND 4)", "expr", masksOf(4, func(c func(int) bool) bool { return (c(1) && c(2)) || (c(3) && c(4)) }),
			[]crit{onc, ma, hco, ma}, []string{"A1", "A5"}},
	}
	for _, op := range operatorTests {
		// a third criterion every account meets: two criteria on the
		// account would be streamed
		tests = append(tests, test{"behind a driver: " + op.name, "all", nil, []crit{us, op.c, named}, op.want})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := matchedAccounts(t, db, oneRule(tt.match, tt.masks, tt.cs...))
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Fatalf("matched %v, want %v", got, tt.want)
			}
			var masked, candidates int
			if err := db.QueryRow(context.Background(), `SELECT masked_rules, candidates FROM engine_stats`).Scan(&masked, &candidates); err != nil {
				t.Fatal(err)
			}
			if masked != 1 || candidates != 0 {
				t.Fatalf("%d masked rules and %d candidates, want 1 and 0", masked, candidates)
			}
		})
	}
}

// match: all, any, and expressions (given as their satisfying masks).
func TestMatchLogic(t *testing.T) {
	db := opSnapshot(t)
	onc := crit{"account__v", "specialty_1__v", "in", []string{"Oncologist", "Cardiologist"}}
	ma := crit{"address__v", "state__v", "equals", []string{"MA"}}
	hco := crit{"account__v", "record_type__v", "equals", []string{"HCO"}}
	// Masks of "1 AND (2 OR 3)" over three criteria: 1+2, 1+3, 1+2+3.
	and13 := []uint64{0b011, 0b101, 0b111}
	// Masks of "NOT 1 AND 2": 2 without 1, with or without 3.
	not1and2 := []uint64{0b010, 0b110}
	tests := []struct {
		name  string
		match string
		masks []uint64
		cs    []crit
		want  []string
	}{
		{"all", "all", nil, []crit{onc, ma}, []string{"A1"}},
		{"any", "any", nil, []crit{onc, hco}, []string{"A1", "A2", "A5"}},
		{"1 AND (2 OR 3)", "expr", and13, []crit{onc, ma, hco}, []string{"A1"}},
		{"NOT 1 AND 2", "expr", not1and2, []crit{onc, ma, hco}, []string{"A3", "A4", "A5"}},
		{"no criteria: every account", "all", nil, nil, []string{"A1", "A2", "A3", "A4", "A5"}},
		{"an expression never true: no account", "expr", nil, []crit{onc, ma}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := matchedAccounts(t, db, oneRule(tt.match, tt.masks, tt.cs...))
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Fatalf("matched %v, want %v", got, tt.want)
			}
		})
	}
}

// Hierarchy rules assign the affiliated children (or parents) of what the
// territory gets from its account rules; they never feed one another.
func TestHierarchyRules(t *testing.T) {
	db := opSnapshot(t)
	hospital := crit{"account__v", "record_type__v", "equals", []string{"HCO"}}
	rs := func(intermediaries bool, cs ...crit) *RuleSet {
		rs := oneRule("all", nil, hospital)
		rs.Rules = append(rs.Rules, Rule{Key: 2, ID: "kids", Match: "all", NCrit: len(cs), Hierarchy: true, Assign: "child", Intermediaries: intermediaries})
		for i, c := range cs {
			rs.Criteria = append(rs.Criteria, Criterion{RuleKey: 2, Pos: i + 1, Object: c.object, Field: c.field, Operator: c.op})
			for _, v := range c.values {
				rs.Values = append(rs.Values, Value{RuleKey: 2, Pos: i + 1, Value: v})
			}
		}
		rs.Bindings = append(rs.Bindings, binding(2, "kids", "T1", false))
		return rs
	}
	tests := []struct {
		name string
		rs   *RuleSet
		want []string
	}{
		{"direct children", rs(false), []string{"create A1 T1 kids", "create A4 T1 kids", "create A5 T1 r"}},
		{"with intermediaries: every level", rs(true), []string{"create A1 T1 kids", "create A3 T1 kids", "create A4 T1 kids", "create A5 T1 r"}},
		{"children that match the criteria", rs(true, crit{"account__v", "specialty_1__v", "contains", []string{"Surgery"}}), []string{"create A3 T1 kids", "create A4 T1 kids", "create A5 T1 r"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := desired(t, db, tt.rs)
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
	var src string
	if err := db.QueryRow(context.Background(), `SELECT source FROM change WHERE account = 'A4'`).Scan(&src); err != nil || src != "hierarchy_rule" {
		t.Fatalf("source %q (%v), want hierarchy_rule", src, err)
	}
}

// An exclusion in effect removes the account; one that starts later ends
// the assignment when it starts.
func TestExclusions(t *testing.T) {
	db := opSnapshot(t)
	later := now.Add(30 * 24 * time.Hour)
	rs := oneRule("all", nil, crit{"address__v", "state__v", "equals", []string{"MA"}})
	rs.Exclusions = []Exclusion{
		{Territory: "T1", Account: "A1", Start: now, Reason: "KOL"},
		{Territory: "T1", Account: "A3", Start: later, Reason: "sabbatical"},
	}
	got := map[string]*time.Time{}
	for _, c := range evaluated(t, db, rs) {
		got[c.Account] = c.EndDate
	}
	if _, ok := got["A1"]; ok {
		t.Error("excluded A1 was assigned")
	}
	if e := got["A3"]; e == nil || !e.Equal(later) {
		t.Errorf("A3 ends %v, want %v", e, later)
	}
	if e, ok := got["A4"]; !ok || e != nil {
		t.Errorf("A4: %v %v, want an open assignment", ok, e)
	}
}

// Exclusive field forces: an account two territories want is a conflict and
// gets neither, unless exactly one of them already has it.
func TestExclusiveFieldForce(t *testing.T) {
	db := opSnapshot(t)
	rs := oneRule("all", nil, crit{"account__v", "specialty_1__v", "equals", []string{"Oncologist"}})
	rs.Bindings = append(rs.Bindings, binding(1, "r", "T2", false))
	rs.Territories = []TerritoryWindow{
		{Territory: "T1", Active: true, FieldForce: "F", Exclusive: true},
		{Territory: "T2", Active: true, FieldForce: "F", Exclusive: true},
	}
	if got := desired(t, db, rs); len(got) != 0 {
		t.Fatalf("conflict created %v", got)
	}
	var n int
	if err := db.QueryRow(context.Background(), `SELECT count(*) FROM conflict WHERE account = 'A1' AND kept IS NULL`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("conflict rows %d (%v)", n, err)
	}
	// With an existing assignment to T2, T2 keeps it.
	if _, err := db.Exec(context.Background(), `INSERT INTO account_territory VALUES
		('AT-1', 'us', 'A1', 'T2', 'manual', NULL, 'manual', ?, NULL, true, NULL, NULL, ?, ?)`, now, now, now); err != nil {
		t.Fatal(err)
	}
	got := desired(t, db, rs)
	want := []string{"end A1 T2 ", "create A1 T2 r"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}
