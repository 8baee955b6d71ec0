package query

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// Benchmarks of the rules engine over synthetic CRM data built with SQL.
//
//	go test ./query -run '^$' -bench EvaluateRules -benchtime 3x -benchmem
//
// The 1 M-account case runs only with ALIGNCTL_BENCH_LARGE=1 and without
// -short. B/op counts Go allocations only, not DuckDB's own memory.

// benchNow is the fixed execution time of every benchmark.
var benchNow = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// benchZIPs is the number of distinct ZIP codes of the synthetic data. ZIP
// number z is the code 1001+3z (01001 .. 90998), zero-padded to 5 digits.
const benchZIPs = 30000

// benchStates maps a ZIP code to a state by code/2000 (46 are used).
var benchStates = []string{
	"MA", "NH", "ME", "VT", "CT", "RI", "NJ", "NY", "PA", "DE",
	"MD", "VA", "WV", "NC", "SC", "GA", "FL", "AL", "TN", "MS",
	"KY", "OH", "IN", "MI", "IA", "WI", "MN", "SD", "ND", "MT",
	"IL", "MO", "KS", "NE", "LA", "AR", "OK", "TX", "CO", "WY",
	"ID", "UT", "AZ", "NM", "NV", "CA", "HI", "OR", "WA", "AK",
}

// benchSpecialties are the HCP specialties with their weight per 1,000: a few
// very common ones and a long tail.
var benchSpecialties = []struct {
	name   string
	weight int
}{
	{"Internal Medicine", 150}, {"Family Medicine", 140}, {"Medical Oncology", 60}, {"Pediatrics", 60},
	{"Cardiology", 45}, {"Obstetrics & Gynecology", 40}, {"Psychiatry", 35}, {"Emergency Medicine", 35},
	{"General Surgery", 30}, {"Orthopedic Surgery", 28}, {"Anesthesiology", 28}, {"Radiology", 25},
	{"Neurology", 22}, {"Dermatology", 20}, {"Gastroenterology", 20}, {"Hematology/Oncology", 20},
	{"Pulmonology", 18}, {"Nephrology", 16}, {"Endocrinology", 15}, {"Ophthalmology", 15},
	{"Urology", 14}, {"Otolaryngology", 13}, {"Rheumatology", 12}, {"Infectious Disease", 11},
	{"Radiation Oncology", 10}, {"Allergy & Immunology", 10}, {"Physical Medicine & Rehabilitation", 10}, {"Geriatric Medicine", 10},
	{"Pathology", 10}, {"Plastic Surgery", 9}, {"Vascular Surgery", 8}, {"Thoracic Surgery", 7},
	{"Neurosurgery", 7}, {"Critical Care Medicine", 7}, {"Sports Medicine", 6}, {"Pain Medicine", 6},
	{"Sleep Medicine", 5}, {"Medical Genetics", 4}, {"Nuclear Medicine", 4}, {"Pediatric Oncology", 3},
}

var benchOncology = []string{"Medical Oncology", "Hematology/Oncology", "Radiation Oncology"}

func benchZIP(z int) string { return fmt.Sprintf("%05d", 1001+3*z) }

func benchState(z int) string { return benchStates[(1001+3*z)/2000] }

func benchSQLList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = "'" + strings.ReplaceAll(s, "'", "''") + "'"
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// benchCRM opens an in-memory state holding n synthetic accounts of instance
// "us" and their addresses: one primary address each, and a second,
// non-primary one for a quarter of them. Everything is VARCHAR, as imported,
// and deterministic (hash of the row number).
func benchCRM(b *testing.B, n int) *DB {
	b.Helper()
	ctx := context.Background()
	db, err := Open(ctx, "")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })

	var specs []string
	for _, s := range benchSpecialties {
		specs = append(specs, fmt.Sprintf("('%s', %d)", strings.ReplaceAll(s.name, "'", "''"), s.weight))
	}
	stmts := []string{
		`CREATE OR REPLACE TEMP TABLE bench_specialty AS
		SELECT row_number() OVER () AS ord, name, w FROM (VALUES ` + strings.Join(specs, ", ") + `) t(name, w)`,
		fmt.Sprintf(`CREATE OR REPLACE TABLE crm_account__v AS
		WITH spec AS (
			SELECT list(name ORDER BY ord, k) AS names
			FROM (SELECT ord, name, unnest(range(w)) AS k FROM bench_specialty)
		), acc AS (
			SELECT i,
			       hash(i, 'record_type') %% 10 < 8 AS hcp,
			       (hash(i, 'specialty') %% 1000)::BIGINT AS sp,
			       hash(i, 'status') %% 100 AS st,
			       (hash(i, 'modified') %% 400)::INTEGER AS md
			FROM range(%d) t(i)
		)
		SELECT 'us' AS _instance,
		       'A' || lpad(i::VARCHAR, 8, '0') AS id,
		       CASE WHEN hcp THEN 'HCP ' ELSE 'HCO ' END || i::VARCHAR AS name__v,
		       'US' AS country__v,
		       CASE WHEN hcp THEN 'HCP' ELSE 'HCO' END AS record_type__v,
		       CASE WHEN hcp THEN spec.names[1 + sp %% len(spec.names)] END AS specialty_1__v,
		       CASE WHEN st < 95 THEN 'active__v' ELSE 'inactive__v' END AS status__v,
		       strftime(TIMESTAMP '2025-01-01 00:00:00' + to_days(md), '%%Y-%%m-%%dT%%H:%%M:%%SZ') AS modified_date__v
		FROM acc, spec`, n),
		fmt.Sprintf(`CREATE OR REPLACE TABLE crm_address__v AS
		WITH a AS (
			SELECT i, 0 AS k, 'true' AS primary__v FROM range(%[1]d) t(i)
			UNION ALL
			SELECT i, 1 AS k, 'false' AS primary__v FROM range(%[1]d) t(i) WHERE hash(i, 'second') %% 4 = 0
		), z AS (
			SELECT i, k, primary__v, 1001 + 3 * (hash(i, k, 'zip') %% %[2]d)::BIGINT AS code,
			       (hash(i, k, 'modified') %% 400)::INTEGER AS md
			FROM a
		)
		SELECT 'us' AS _instance,
		       'D' || lpad(i::VARCHAR, 8, '0') || '-' || k::VARCHAR AS id,
		       'A' || lpad(i::VARCHAR, 8, '0') AS account__v,
		       lpad(code::VARCHAR, 5, '0') AS postal_code__v,
		       %[3]s[1 + code // 2000] AS state__v,
		       'US' AS country__v,
		       primary__v,
		       strftime(TIMESTAMP '2025-01-01 00:00:00' + to_days(md), '%%Y-%%m-%%dT%%H:%%M:%%SZ') AS modified_date__v
		FROM z`, n, benchZIPs, benchSQLList(benchStates)),
		`DROP TABLE bench_specialty`,
	}
	for _, s := range stmts {
		if _, err := db.Exec(ctx, s); err != nil {
			b.Fatal(err)
		}
	}
	return db
}

func benchBinding(key int, id, territory string, geo bool) Binding {
	return Binding{RuleKey: key, RuleID: id, Territory: territory, Instance: "us", SrcInstance: "us",
		Start: benchNow, Geography: geo, SendToCRM: true}
}

// benchFieldForce is a field force of nterr territories: territory t owns the
// 30 ZIPs 30t..30t+29, every tenth one through its 3-digit prefix (e.g.
// "021*") plus the codes outside it. A field-force rule (oncology specialties,
// geography) binds to every territory; each territory also has its own rule:
// HCOs with an address in its state.
func benchFieldForce(nterr int) *RuleSet {
	rs := &RuleSet{
		Rules:    []Rule{{Key: 1, ID: "ff-oncology", Match: "all", NCrit: 1}},
		Criteria: []Criterion{{RuleKey: 1, Pos: 1, Object: "account__v", Field: "specialty_1__v", Operator: "in"}},
	}
	for _, v := range benchOncology {
		rs.Values = append(rs.Values, Value{RuleKey: 1, Pos: 1, Value: v})
	}
	const perTerr = 30
	for t := range nterr {
		terr := fmt.Sprintf("T%04d", t)
		rs.Bindings = append(rs.Bindings, benchBinding(1, "ff-oncology", terr, true))
		first := (t * perTerr) % benchZIPs
		prefix := ""
		if t%10 == 2 {
			prefix = benchZIP(first)[:3]
			rs.Geographies = append(rs.Geographies, Geography{Territory: terr, Code: prefix + "*", Start: benchNow})
		}
		for z := first; z < first+perTerr; z++ {
			code := benchZIP(z % benchZIPs)
			if prefix != "" && strings.HasPrefix(code, prefix) {
				continue
			}
			rs.Geographies = append(rs.Geographies, Geography{Territory: terr, Code: code, Start: benchNow})
		}

		key := t + 2
		id := terr + "-hco"
		rs.Rules = append(rs.Rules, Rule{Key: key, ID: id, Match: "all", NCrit: 2})
		rs.Criteria = append(rs.Criteria,
			Criterion{RuleKey: key, Pos: 1, Object: "account__v", Field: "record_type__v", Operator: "equals"},
			Criterion{RuleKey: key, Pos: 2, Object: "address__v", Field: "state__v", Operator: "equals"})
		rs.Values = append(rs.Values,
			Value{RuleKey: key, Pos: 1, Value: "HCO"},
			Value{RuleKey: key, Pos: 2, Value: benchState(first)})
		rs.Bindings = append(rs.Bindings, benchBinding(key, id, terr, false))
	}
	return rs
}

// benchBroad is nrules territory rules that all share a broad criterion
// (specialty in Internal Medicine, Family Medicine: ~29% of accounts) and
// each have a selective one: an address in 20 ZIPs of their own. The engine
// must drive each rule from the ZIPs.
func benchBroad(nrules int) *RuleSet {
	rs := &RuleSet{}
	const perRule = 20
	for r := range nrules {
		key := r + 1
		id := fmt.Sprintf("R%04d-primary-care", r)
		rs.Rules = append(rs.Rules, Rule{Key: key, ID: id, Match: "all", NCrit: 2})
		rs.Criteria = append(rs.Criteria,
			Criterion{RuleKey: key, Pos: 1, Object: "account__v", Field: "specialty_1__v", Operator: "in"},
			Criterion{RuleKey: key, Pos: 2, Object: "address__v", Field: "postal_code__v", Operator: "in"})
		rs.Values = append(rs.Values,
			Value{RuleKey: key, Pos: 1, Value: "Internal Medicine"},
			Value{RuleKey: key, Pos: 1, Value: "Family Medicine"})
		for z := r * perRule; z < (r+1)*perRule; z++ {
			rs.Values = append(rs.Values, Value{RuleKey: key, Pos: 2, Value: benchZIP(z % benchZIPs)})
		}
		rs.Bindings = append(rs.Bindings, benchBinding(key, id, fmt.Sprintf("T%04d", r), false))
	}
	return rs
}

// benchBroadExpression is benchBroad with each rule's match written as the
// expression "1 AND 2": the engine must drive it from its ZIP codes as it
// drives the `match: all` rule, not from the broad specialty too (which
// makes ~29% of the accounts candidates of every rule).
func benchBroadExpression(nrules int) *RuleSet {
	rs := benchBroad(nrules)
	for i := range rs.Rules {
		rs.Rules[i].Match = "expr"
		rs.Rules[i].Masks = []uint64{0b11}
	}
	return rs
}

// benchEvaluate times EvaluateRules over prepared data and reports the
// desired rows and, when the engine leaves it, the size of `candidate`.
func benchEvaluate(b *testing.B, db *DB, rs *RuleSet, reportCand bool) {
	b.Helper()
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	b.StartTimer() // b.Loop refuses a stopped timer; it resets it on its first call
	for b.Loop() {
		if _, err := db.EvaluateRules(ctx, rs, benchNow); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	var desired int64
	if err := db.QueryRow(ctx, `SELECT count(*) FROM desired`).Scan(&desired); err != nil {
		b.Fatal(err)
	}
	if desired == 0 {
		b.Fatal("no desired rows: the synthetic data matched nothing")
	}
	b.ReportMetric(float64(desired), "desired-rows")
	if reportCand {
		// The engine keeps stage 1's candidate count in engine_stats (a later
		// stage reuses candidate); an engine without it leaves candidate as it was.
		var candidate int64
		err := db.QueryRow(ctx, `SELECT candidates FROM engine_stats`).Scan(&candidate)
		if err != nil {
			err = db.QueryRow(ctx, `SELECT count(*) FROM candidate`).Scan(&candidate)
		}
		if err != nil {
			b.Logf("no candidate metric: %v", err)
		} else {
			b.ReportMetric(float64(candidate), "candidate-rows")
		}
	}
}

func BenchmarkEvaluateRules(b *testing.B) {
	b.Run("accounts=100k/territories=1000", func(b *testing.B) {
		b.StopTimer()
		db := benchCRM(b, 100_000)
		rs := benchFieldForce(1000)
		benchEvaluate(b, db, rs, false)
	})
	b.Run("broad-criterion/rules=1000", func(b *testing.B) {
		b.StopTimer()
		db := benchCRM(b, 100_000)
		rs := benchBroad(1000)
		benchEvaluate(b, db, rs, true)
	})
	b.Run("broad-expression/rules=100", func(b *testing.B) {
		b.StopTimer()
		db := benchCRM(b, 100_000)
		rs := benchBroadExpression(100)
		benchEvaluate(b, db, rs, true)
	})
	b.Run("broad-criterion/accounts=1M/rules=1000", func(b *testing.B) {
		if testing.Short() || os.Getenv("ALIGNCTL_BENCH_LARGE") != "1" {
			b.Skip("set ALIGNCTL_BENCH_LARGE=1 (without -short) to run the 1M-account benchmark")
		}
		b.StopTimer()
		db := benchCRM(b, 1_000_000)
		rs := benchBroad(1000)
		benchEvaluate(b, db, rs, true)
	})
}
