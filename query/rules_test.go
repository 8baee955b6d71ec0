package query

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// loadSnapshot imports CSV texts (object -> content) as instance "us".
func loadSnapshot(t *testing.T, files map[string]string) *DB {
	t.Helper()
	db, err := Open(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	loadInstance(t, db, "us", files)
	return db
}

// loadInstance imports CSV texts (object -> content) as the given instance.
func loadInstance(t *testing.T, db *DB, instance string, files map[string]string) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	for _, name := range []string{"account__v", "address__v", "child_account__v", "product_metrics__v", "call2__v"} {
		content, ok := files[name]
		if !ok {
			continue
		}
		path := filepath.Join(dir, name+".csv")
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		obj, _ := LookupObject(name)
		staged, err := db.StageCSV(ctx, path, obj.Required, obj.TimeColumn, Staging{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.MergeCRM(ctx, obj, staged, instance, true, nil); err != nil {
			t.Fatal(err)
		}
	}
}

const accounts = `id,name__v,country__v,specialty_1__v,specialty_2__v,modified_date__v
A1,Ada,US,Oncologist,Pediatric Oncologist,2026-01-01T00:00:00Z
A2,Bob,US,Cardiologist,,2026-01-01T00:00:00Z
A3,Cy,US,"Plastic Surgery, Hand",,2026-01-01T00:00:00Z
A4,Di,US,Plastic Surgery,Hand,2026-01-01T00:00:00Z
`

const addresses = `id,account__v,postal_code__v,primary__v,state__v,modified_date__v
D1,A1,02138,true,MA,2026-01-01T00:00:00Z
D2,A1,02139,false,MA,2026-01-01T00:00:00Z
D3,A2,10001,true,NY,2026-01-01T00:00:00Z
D4,A3,02144,true,MA,2026-01-01T00:00:00Z
D5,A4,02145,true,MA,2026-01-01T00:00:00Z
`

func binding(key int, id, territory string, geo bool) Binding {
	return Binding{RuleKey: key, RuleID: id, Territory: territory, Instance: "us", SrcInstance: "us", Start: now, Geography: geo, SendToCRM: true}
}

// evaluated evaluates rs at now and returns the changes the diff reads.
func evaluated(t *testing.T, db *DB, rs *RuleSet) []Change {
	t.Helper()
	ev, err := db.EvaluateRules(context.Background(), rs, now)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := ev.Diff().Changes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

func desired(t *testing.T, db *DB, rs *RuleSet) []string {
	t.Helper()
	var out []string
	for _, c := range evaluated(t, db, rs) {
		out = append(out, string(c.Action)+" "+c.Account+" "+c.Territory+" "+c.Rule)
	}
	return out
}

// An HCP with both Oncologist and Pediatric Oncologist gets one record.
func TestOneRecordPerAccountAndRule(t *testing.T) {
	db := loadSnapshot(t, map[string]string{"account__v": accounts, "address__v": addresses})
	rs := &RuleSet{
		Rules: []Rule{{Key: 1, ID: "onc", Match: "any", NCrit: 2}},
		Criteria: []Criterion{
			{RuleKey: 1, Pos: 1, Object: "account__v", Field: "specialty_1__v", Operator: "in"},
			{RuleKey: 1, Pos: 2, Object: "account__v", Field: "specialty_2__v", Operator: "in"},
		},
		Values: []Value{
			{1, 1, "Oncologist"}, {1, 1, "Pediatric Oncologist"},
			{1, 2, "Oncologist"}, {1, 2, "Pediatric Oncologist"},
		},
		Bindings: []Binding{binding(1, "onc", "T1", false)},
	}
	got := desired(t, db, rs)
	want := []string{"create A1 T1 onc"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

// match: all needs every criterion; any address satisfies an address criterion.
func TestMatchAllAcrossObjects(t *testing.T) {
	db := loadSnapshot(t, map[string]string{"account__v": accounts, "address__v": addresses})
	rs := &RuleSet{
		Rules: []Rule{{Key: 1, ID: "ma-plastic", Match: "all", NCrit: 2}},
		Criteria: []Criterion{
			{RuleKey: 1, Pos: 1, Object: "account__v", Field: "specialty_1__v", Operator: "in"},
			{RuleKey: 1, Pos: 2, Object: "address__v", Field: "state__v", Operator: "equals"},
		},
		// "Plastic Surgery, Hand" is one value (the seed's \, example, already split).
		Values:   []Value{{1, 1, "Plastic Surgery, Hand"}, {1, 2, "MA"}},
		Bindings: []Binding{binding(1, "ma-plastic", "T1", false)},
	}
	got := desired(t, db, rs)
	want := []string{"create A3 T1 ma-plastic"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

// Geography keeps the accounts whose primary address is in the territory's
// codes; prefixes keep leading zeros.
func TestGeography(t *testing.T) {
	db := loadSnapshot(t, map[string]string{"account__v": accounts, "address__v": addresses})
	rs := &RuleSet{
		Rules:    []Rule{{Key: 1, ID: "all-us", Match: "all", NCrit: 1}},
		Criteria: []Criterion{{RuleKey: 1, Pos: 1, Object: "account__v", Field: "country__v", Operator: "equals"}},
		Values:   []Value{{1, 1, "US"}},
		Bindings: []Binding{binding(1, "all-us", "BOS", true), binding(1, "all-us", "NYC", true)},
		Geographies: []Geography{
			{Territory: "BOS", Code: "0213*", Start: now}, {Territory: "BOS", Code: "02144", Start: now},
			{Territory: "NYC", Code: "100*", Start: now},
		},
	}
	got := desired(t, db, rs)
	want := []string{"create A1 BOS all-us", "create A3 BOS all-us", "create A2 NYC all-us"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	// The territories' geographies hold 3 accounts, fewer than the 4 that
	// country__v = US matches: the geography drives, and only 3 are candidates.
	var n int
	if err := db.QueryRow(context.Background(), `SELECT candidates FROM engine_stats`).Scan(&n); err != nil || n != 3 {
		t.Fatalf("%d candidates (%v), want 3", n, err)
	}
}

// The engine runs the same number of statements for 10 rules as for 1,000.
func TestStatementCountDoesNotGrowWithRules(t *testing.T) {
	count := func(n int) int {
		db := loadSnapshot(t, map[string]string{"account__v": accounts, "address__v": addresses})
		rs := &RuleSet{}
		for k := 1; k <= n; k++ {
			id := fmt.Sprintf("r%d", k)
			rs.Rules = append(rs.Rules, Rule{Key: k, ID: id, Match: "all", NCrit: 2})
			rs.Criteria = append(rs.Criteria,
				Criterion{RuleKey: k, Pos: 1, Object: "account__v", Field: "specialty_1__v", Operator: "in"},
				Criterion{RuleKey: k, Pos: 2, Object: "address__v", Field: "postal_code__v", Operator: "equals"})
			rs.Values = append(rs.Values, Value{k, 1, "Oncologist"}, Value{k, 1, "Cardiologist"}, Value{k, 2, fmt.Sprintf("%05d", k)})
			rs.Bindings = append(rs.Bindings, binding(k, id, "T"+id, false))
		}
		before := db.Statements()
		if _, err := db.EvaluateRules(context.Background(), rs, now); err != nil {
			t.Fatal(err)
		}
		return db.Statements() - before
	}
	small, large := count(10), count(1000)
	if small != large {
		t.Fatalf("10 rules ran %d statements, 1000 rules ran %d", small, large)
	}
}

// Rule values are data: quotes and SQL in a value match literally.
func TestValuesAreData(t *testing.T) {
	db := loadSnapshot(t, map[string]string{"account__v": accounts, "address__v": addresses})
	for _, v := range []string{"x' OR '1'='1", "'; DROP TABLE account_territory; --", "Oncologist\x00"} {
		rs := &RuleSet{
			Rules:    []Rule{{Key: 1, ID: "r", Match: "all", NCrit: 1}},
			Criteria: []Criterion{{RuleKey: 1, Pos: 1, Object: "account__v", Field: "specialty_1__v", Operator: "equals"}},
			Values:   []Value{{1, 1, v}},
			Bindings: []Binding{binding(1, "r", "T1", false)},
		}
		if got := desired(t, db, rs); len(got) != 0 {
			t.Errorf("value %q matched %v", v, got)
		}
	}
	if ok, _ := db.TableExists(context.Background(), "account_territory"); !ok {
		t.Fatal("account_territory is gone")
	}
}

func TestUnknownField(t *testing.T) {
	db := loadSnapshot(t, map[string]string{"account__v": accounts})
	rs := &RuleSet{
		Rules:    []Rule{{Key: 1, ID: "r", Match: "all", NCrit: 1}},
		Criteria: []Criterion{{RuleKey: 1, Pos: 1, Object: "account__v", Field: "no_such__v", Operator: "equals"}},
		Values:   []Value{{1, 1, "x"}},
	}
	_, err := db.EvaluateRules(context.Background(), rs, now)
	if err == nil || !strings.Contains(err.Error(), "account__v.no_such__v") {
		t.Fatalf("err = %v", err)
	}
}

// An account matching a rule through several addresses gets one record.
func TestOneRecordForSeveralAddresses(t *testing.T) {
	db := loadSnapshot(t, map[string]string{"account__v": accounts, "address__v": addresses})
	rs := &RuleSet{
		Rules:    []Rule{{Key: 1, ID: "ma", Match: "all", NCrit: 1}},
		Criteria: []Criterion{{RuleKey: 1, Pos: 1, Object: "address__v", Field: "state__v", Operator: "equals"}},
		Values:   []Value{{1, 1, "MA"}},
		Bindings: []Binding{binding(1, "ma", "T1", false)},
	}
	got := desired(t, db, rs)
	want := []string{"create A1 T1 ma", "create A3 T1 ma", "create A4 T1 ma"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

// The geographies of one territory that an account's primary postal codes
// match merge into one record: the earliest start, the latest end (none when
// one has none), for a prefix and an exact code of one address as for the
// codes of several primary addresses.
func TestGeographyWindowsMerge(t *testing.T) {
	const addrs = `id,account__v,postal_code__v,primary__v,state__v,modified_date__v
D1,A1,02138,true,MA,2026-01-01T00:00:00Z
D2,A1,02144,true,MA,2026-01-01T00:00:00Z
D3,A2,02139,true,MA,2026-01-01T00:00:00Z
D4,A3,02138,true,MA,2026-01-01T00:00:00Z
`
	db := loadSnapshot(t, map[string]string{"account__v": accounts, "address__v": addrs})
	day := func(n int) time.Time { return now.AddDate(0, 0, n) }
	end := func(n int) *time.Time { t := day(n); return &t }
	rs := &RuleSet{
		Rules:    []Rule{{Key: 1, ID: "all-us", Match: "all", NCrit: 1}},
		Criteria: []Criterion{{RuleKey: 1, Pos: 1, Object: "account__v", Field: "country__v", Operator: "equals"}},
		Values:   []Value{{1, 1, "US"}},
		Bindings: []Binding{binding(1, "all-us", "BOS", true)},
		Geographies: []Geography{
			{Territory: "BOS", Code: "0213*", Start: day(10)},
			{Territory: "BOS", Code: "02138", Start: day(5), End: end(20)},
			{Territory: "BOS", Code: "02144", Start: day(2), End: end(30)},
		},
	}
	var got []string
	for _, c := range evaluated(t, db, rs) {
		got = append(got, fmt.Sprintf("%s %s %s %v", c.Account, c.Territory, c.StartDate.Format(time.DateOnly), c.EndDate))
	}
	want := []string{"A1 BOS 2026-03-03 <nil>", "A2 BOS 2026-03-11 <nil>", "A3 BOS 2026-03-06 <nil>"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

// Two instances may hold the same account id: the engine keys accounts on
// their row, so each instance's rules see that instance's values only, for
// fields of the account, of its rows on other objects, the negative
// operators, the geography, and hierarchy rules.
func TestInstancesKeepTheirAccounts(t *testing.T) {
	db := loadSnapshot(t, map[string]string{"account__v": accounts, "address__v": addresses,
		"child_account__v": `id,parent_account__v,child_account__v,modified_date__v
F1,A1,A2,2026-01-01T00:00:00Z
`})
	loadInstance(t, db, "eu", map[string]string{
		"account__v": `id,name__v,country__v,specialty_1__v,specialty_2__v,modified_date__v
A1,Ada,DE,Cardiologist,,2026-01-01T00:00:00Z
A2,Bob,DE,Oncologist,,2026-01-01T00:00:00Z
`,
		"address__v": `id,account__v,postal_code__v,primary__v,state__v,modified_date__v
E1,A1,10001,true,BE,2026-01-01T00:00:00Z
E2,A2,02138,false,BE,2026-01-01T00:00:00Z
`,
		"child_account__v": `id,parent_account__v,child_account__v,modified_date__v
G1,A2,A1,2026-01-01T00:00:00Z
`})
	bind := func(key int, id, territory, instance string, geo bool) Binding {
		b := binding(key, id, territory, geo)
		b.Instance, b.SrcInstance = instance, instance
		return b
	}
	crit := func(key, pos int, object, field, op string) Criterion {
		return Criterion{RuleKey: key, Pos: pos, Object: object, Field: field, Operator: op}
	}
	rs := &RuleSet{
		Rules: []Rule{
			{Key: 1, ID: "onc", Match: "all", NCrit: 1},
			{Key: 2, ID: "zip", Match: "all", NCrit: 1},
			{Key: 3, ID: "not-onc", Match: "all", NCrit: 1},
			{Key: 4, ID: "geo", Match: "all", NCrit: 0},
			{Key: 5, ID: "kids", Match: "all", NCrit: 1, Hierarchy: true, Assign: "child"},
		},
		Criteria: []Criterion{
			crit(1, 1, "account__v", "specialty_1__v", "equals"),
			crit(2, 1, "address__v", "postal_code__v", "in"),
			crit(3, 1, "account__v", "specialty_1__v", "not_equals"),
			crit(5, 1, "account__v", "specialty_1__v", "is_not_null"),
		},
		Values: []Value{{1, 1, "Oncologist"}, {2, 1, "10001"}, {2, 1, "02138"}, {3, 1, "Oncologist"}},
		Bindings: []Binding{
			bind(1, "onc", "US", "us", false), bind(1, "onc", "EU", "eu", false),
			bind(2, "zip", "US", "us", false), bind(2, "zip", "EU", "eu", false),
			bind(3, "not-onc", "US", "us", false), bind(3, "not-onc", "EU", "eu", false),
			bind(4, "geo", "USGEO", "us", true), bind(4, "geo", "EUGEO", "eu", true),
			bind(5, "kids", "US", "us", false), bind(5, "kids", "EU", "eu", false),
		},
		Geographies: []Geography{{Territory: "USGEO", Code: "10001", Start: now}, {Territory: "EUGEO", Code: "10001", Start: now}},
	}
	var got []string
	for _, c := range desired(t, db, rs) {
		got = append(got, c)
	}
	want := []string{
		// EU: A1 is a cardiologist at 10001 (a child of A2), A2 an
		// oncologist whose 02138 address is not primary
		"create A1 EU kids", "create A1 EU not-onc", "create A1 EU zip", "create A2 EU onc", "create A2 EU zip",
		"create A1 EUGEO geo",
		// US: A1 is the oncologist at 02138, A2 its child at 10001
		"create A1 US onc", "create A1 US zip", "create A2 US kids", "create A2 US not-onc", "create A2 US zip",
		"create A3 US not-onc", "create A4 US not-onc",
		"create A2 USGEO geo",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got  %v\nwant %v", got, want)
	}
}

// Outside a transaction the evaluation drops its intermediate tables once
// desired_before_exclusive is made (their memory goes back before the diff); explain's
// focus, and an evaluation inside a transaction, keep them to read.
func TestEvaluationDropsIntermediates(t *testing.T) {
	ctx := context.Background()
	rs := &RuleSet{
		Rules:       []Rule{{Key: 1, ID: "all-us", Match: "all", NCrit: 1}},
		Criteria:    []Criterion{{RuleKey: 1, Pos: 1, Object: "account__v", Field: "country__v", Operator: "equals"}},
		Values:      []Value{{1, 1, "US"}},
		Bindings:    []Binding{binding(1, "all-us", "BOS", true)},
		Geographies: []Geography{{Territory: "BOS", Code: "0213*", Start: now}},
	}
	exists := func(db *DB, table string) bool {
		t.Helper()
		var n int
		if err := db.QueryRow(ctx, `SELECT count(*) FROM duckdb_tables() WHERE table_name = ?`, table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n > 0
	}
	db := loadSnapshot(t, map[string]string{"account__v": accounts, "address__v": addresses})
	got := desired(t, db, rs)
	if want := []string{"create A1 BOS all-us"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for _, table := range []string{"candidate", "satisfied", "matched", "pairs", "account_postal_code", "postal_code_territory", "related"} {
		if exists(db, table) {
			t.Errorf("%s is still there after the evaluation", table)
		}
	}
	for _, table := range []string{"desired_before_exclusive", "excluded", "engine_stats", "conflict", "change"} {
		if !exists(db, table) {
			t.Errorf("%s was dropped", table)
		}
	}
	err := db.DryRun(ctx, func() error {
		if _, err := db.EvaluateRules(ctx, rs, now); err != nil {
			return err
		}
		for _, table := range []string{"candidate", "pairs", "account_postal_code"} {
			if !exists(db, table) {
				t.Errorf("%s was dropped inside a transaction", table)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.EvaluateRules(ctx, rs, now, EvalOptions{Focus: "A1"}); err != nil {
		t.Fatal(err)
	}
	if !exists(db, "pairs") || !exists(db, "related") {
		t.Error("explain's focus lost the tables it reads")
	}
}

// A rule bound to a territory for two instances (account_sources crm and
// data_loader) that both hold the account makes two pairs of one key: they
// merge into one record with the earliest start, the latest end and
// send_to_crm if either sends; a key with one pair keeps its own window.
func TestPairsOfOneKeyMerge(t *testing.T) {
	db := loadSnapshot(t, map[string]string{"account__v": accounts})
	loadInstance(t, db, "@data_loader", map[string]string{
		"account__v": `id,name__v,country__v,specialty_1__v,specialty_2__v,modified_date__v
A1,Ada,US,Oncologist,,2026-01-01T00:00:00Z
A5,Eve,US,Oncologist,,2026-01-01T00:00:00Z
`})
	day := func(n int) time.Time { return now.AddDate(0, 0, n) }
	end := func(n int) *time.Time { t := day(n); return &t }
	crm := binding(1, "onc", "T1", false)
	crm.Start, crm.End, crm.SendToCRM = day(5), end(20), false
	dl := binding(1, "onc", "T1", false)
	dl.SrcInstance, dl.Start, dl.End = "@data_loader", day(2), end(10)
	rs := &RuleSet{
		Rules:    []Rule{{Key: 1, ID: "onc", Match: "all", NCrit: 1}},
		Criteria: []Criterion{{RuleKey: 1, Pos: 1, Object: "account__v", Field: "specialty_1__v", Operator: "equals"}},
		Values:   []Value{{1, 1, "Oncologist"}},
		Bindings: []Binding{crm, dl},
	}
	var got []string
	for _, c := range evaluated(t, db, rs) {
		got = append(got, fmt.Sprintf("%s %s %s %s %v", c.Account, c.Territory, c.StartDate.Format(time.DateOnly), c.EndDate.Format(time.DateOnly), c.SendToCRM))
	}
	want := []string{"A1 T1 2026-03-03 2026-03-21 true", "A5 T1 2026-03-03 2026-03-11 true"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got  %v\nwant %v", got, want)
	}
}

// A match: all rule driven by one equality criterion, whose other criterion
// (if any) is an equality or inequality on the account, is streamed: its
// matches come from the drivers' rows in one statement (streamed_match).
// An account with two addresses in the list gets one record; an inequality
// holds for an account without a value; a check on an address is not
// streamed, but masked (TestMaskedRules).
func TestStreamedRules(t *testing.T) {
	ctx := context.Background()
	db := loadSnapshot(t, map[string]string{"account__v": accounts, "address__v": addresses})
	zip := func(key int) Criterion {
		return Criterion{RuleKey: key, Pos: 1, Object: "address__v", Field: "postal_code__v", Operator: "in"}
	}
	rs := &RuleSet{
		Rules: []Rule{
			{Key: 1, ID: "zip", Match: "all", NCrit: 1},
			{Key: 2, ID: "zip-specialty", Match: "all", NCrit: 2},
			{Key: 3, ID: "zip-not-in", Match: "all", NCrit: 2},
			{Key: 4, ID: "zip-not-equals", Match: "all", NCrit: 2},
			{Key: 5, ID: "zip-state", Match: "all", NCrit: 2},
		},
		Criteria: []Criterion{
			zip(1),
			zip(2), {RuleKey: 2, Pos: 2, Object: "account__v", Field: "specialty_1__v", Operator: "in"},
			zip(3), {RuleKey: 3, Pos: 2, Object: "account__v", Field: "specialty_2__v", Operator: "not_in"},
			zip(4), {RuleKey: 4, Pos: 2, Object: "account__v", Field: "specialty_2__v", Operator: "not_equals"},
			zip(5), {RuleKey: 5, Pos: 2, Object: "address__v", Field: "state__v", Operator: "equals"},
		},
		Values: []Value{
			{1, 1, "02138"}, {1, 1, "02139"}, {1, 1, "02144"},
			// two postal codes against three specialties: the postal codes drive
			{2, 1, "02138"}, {2, 1, "02145"},
			{2, 2, "Oncologist"}, {2, 2, "Cardiologist"}, {2, 2, "Plastic Surgery, Hand"},
			{3, 1, "02138"}, {3, 1, "02144"}, {3, 2, "Pediatric Oncologist"},
			{4, 1, "02138"}, {4, 1, "02139"}, {4, 2, "Hand"},
			{5, 1, "02138"}, {5, 1, "02144"}, {5, 2, "MA"},
		},
		Bindings: []Binding{
			binding(1, "zip", "T1", false), binding(2, "zip-specialty", "T2", false),
			binding(3, "zip-not-in", "T3", false), binding(4, "zip-not-equals", "T4", false),
			binding(5, "zip-state", "T5", false),
		},
	}
	got := desired(t, db, rs)
	// rule 5 checks an address: masked, not streamed, and no rule has
	// candidates
	var streamed, masked, candidates int
	if err := db.QueryRow(ctx, `SELECT streamed_rules, masked_rules, candidates FROM engine_stats`).Scan(&streamed, &masked, &candidates); err != nil {
		t.Fatal(err)
	}
	if streamed != 4 || masked != 1 || candidates != 0 {
		t.Errorf("%d streamed rules, %d masked, %d candidates, want 4, 1 and 0", streamed, masked, candidates)
	}
	want := []string{
		"create A1 T1 zip", "create A3 T1 zip",
		"create A1 T2 zip-specialty",
		"create A3 T3 zip-not-in",
		"create A1 T4 zip-not-equals",
		"create A1 T5 zip-state", "create A3 T5 zip-state",
	}
	slices.Sort(got)
	slices.Sort(want)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}
