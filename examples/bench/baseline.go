package main

import (
	"cmp"
	"context"
	"database/sql"
	"database/sql/driver"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/alignctl/alignctl/schema"
)

// The baseline: one hand-written DuckDB query doing the core of a plan on
// the same data, the bar DESIGN.md section 5 sets, written as a competent
// DuckDB user would write it for these rules. It loads the accounts,
// addresses, affiliations, calls and product metrics with read_csv, the
// rules as rows (baseline_rules.go), and matches accounts to territories
// (baseline.sql): candidates from one hash join of the attribute rows to the
// values of each rule's drive criteria (or its territory's geography), the
// other criteria checked by one lookup of the signatures (field, operator,
// values) the candidate's account satisfies, the match decided by the mask
// of satisfied criteria, as the engine does. It leaves
// out dates, exclusions, manual and hierarchy assignments, conflicts of
// exclusive field forces, the operators it does not model and the diff
// against the state: it is a lower bound.
//
// It runs in a child process of the benchmark (`bench -baseline DIR`), so
// that its peak RSS is its own.

//go:embed baseline.sql
var baselineSQL string

// baselineResult is what the child reports on stdout.
type baselineResult struct {
	ConfigRead time.Duration `json:"config_read"` // YAML, not part of the baseline
	Load       time.Duration `json:"load"`        // read_csv of the snapshot files
	Query      time.Duration `json:"query"`
	Pairs      int64         `json:"pairs"`
	Rules      int           `json:"rules"`         // account rules the query covers
	Account    int           `json:"account_rules"` // account rules in the config
}

// attrSQL is the (aid, fkey, val) rows of the fields the rules read. Only
// names of baselineFields reach the SQL text.
func attrSQL(rr baselineRules) string {
	var parts []string
	for k, f := range baselineFields {
		if !rr.used[k] {
			continue
		}
		sel := func(aid, table string) string {
			return fmt.Sprintf("SELECT %s AS aid, %d AS fkey, %s AS val FROM %s WHERE %s IS NOT NULL AND %s IS NOT NULL",
				aid, k, f.column, table, aid, f.column)
		}
		switch f.object {
		case "account__v":
			parts = append(parts, sel("aid", "account"))
		case "address__v":
			parts = append(parts, sel("aid", "address"))
		case "child_account__v":
			// An affiliation counts for the child and the parent.
			parts = append(parts, sel("child_aid", "affiliation"), sel("parent_aid", "affiliation"))
		case "call2__v":
			parts = append(parts, sel("aid", "call"))
		case "product_metrics__v":
			parts = append(parts, sel("aid", "metric"))
		}
	}
	if len(parts) == 0 {
		return "SELECT NULL::BIGINT AS aid, NULL::INTEGER AS fkey, NULL::VARCHAR AS val WHERE false"
	}
	return strings.Join(parts, "\nUNION ALL ")
}

// accountColumns are the account fields the baseline loads.
func accountColumns() []string {
	var cols []string
	for _, f := range baselineFields {
		if f.object == "account__v" {
			cols = append(cols, f.column)
		}
	}
	return cols
}

// baselineLoads are the snapshot files the baseline reads, each only when a
// rule names its object (the addresses always: geographies read them).
func baselineLoads(rr baselineRules) []struct{ file, sql string } {
	usedObject := func(object string) bool {
		for k, f := range baselineFields {
			if f.object == object && rr.used[k] {
				return true
			}
		}
		return false
	}
	loads := []struct{ file, sql string }{
		{"account__v.csv", `CREATE TABLE account AS SELECT row_number() OVER () AS aid, ` + strings.Join(accountColumns(), ", ") + `
			FROM read_csv(?, header = true, all_varchar = true) WHERE country__v IN (SELECT country FROM r_country)`},
		{"address__v.csv", `CREATE TABLE address AS SELECT a.aid AS aid, d.postal_code__v, d.primary__v
			FROM read_csv(?, header = true, all_varchar = true) d JOIN account a ON a.id = d.account__v`},
	}
	if usedObject("child_account__v") {
		loads = append(loads, struct{ file, sql string }{"child_account__v.csv", `CREATE TABLE affiliation AS
			SELECT c.aid AS child_aid, p.aid AS parent_aid, f.parent_account__v
			FROM read_csv(?, header = true, all_varchar = true) f
			LEFT JOIN account c ON c.id = f.child_account__v LEFT JOIN account p ON p.id = f.parent_account__v`})
	}
	if usedObject("call2__v") {
		loads = append(loads, struct{ file, sql string }{"call2__v.csv", `CREATE TABLE call AS SELECT a.aid AS aid, c.call_date__v
			FROM read_csv(?, header = true, all_varchar = true) c JOIN account a ON a.id = c.account__v`})
	}
	if usedObject("product_metrics__v") {
		loads = append(loads, struct{ file, sql string }{"product_metrics__v.csv", `CREATE TABLE metric AS
			SELECT a.aid AS aid, m.product__v, m.decile__c
			FROM read_csv(?, header = true, all_varchar = true) m JOIN account a ON a.id = m.account__v`})
	}
	return loads
}

// runBaseline is the child process: it prints a baselineResult as JSON, and
// writes the (account, territory) pairs to pairsOut unless it is "".
func runBaseline(dir string, now time.Time, explain bool, pairsOut string) error {
	res, err := measureBaseline(context.Background(), dir, now, explain, pairsOut)
	if err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(res)
}

func measureBaseline(ctx context.Context, dir string, now time.Time, explain bool, pairsOut string) (baselineResult, error) {
	var res baselineResult
	start := time.Now()
	cfg, err := schema.LoadDir(filepath.Join(dir, "config"))
	if err != nil {
		return res, err
	}
	if len(cfg.Settings.CRMInstances) == 0 {
		return res, fmt.Errorf("%s: no CRM instance", dir)
	}
	rr := compileBaseline(cfg, now.UTC())
	res.ConfigRead, res.Rules, res.Account = time.Since(start), len(rr.rules), rr.account

	connector, err := duckdb.NewConnector("?autoinstall_known_extensions=false&autoload_known_extensions=false", nil)
	if err != nil {
		return res, err
	}
	db := sql.OpenDB(connector)
	defer db.Close()
	db.SetMaxOpenConns(1)
	conn, err := db.Conn(ctx)
	if err != nil {
		return res, err
	}
	defer conn.Close()
	exec := func(q string, args ...any) error {
		if _, err := conn.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("%.60s...: %w", q, err)
		}
		return nil
	}

	start = time.Now()
	// Loads need not keep the file's row order; it lets DuckDB read in
	// parallel. Dates without a zone are UTC, as the engine reads them.
	if err := exec(`SET preserve_insertion_order = false; SET TimeZone = 'UTC'`); err != nil {
		return res, err
	}
	var countries [][]driver.Value
	for _, c := range cfg.Settings.CRMInstances[0].SelectedCountries() {
		countries = append(countries, []driver.Value{c})
	}
	for _, t := range []struct {
		name, ddl string
		rows      [][]driver.Value
	}{
		{"r_country", "country VARCHAR", countries},
		{"r_rule", "rule INTEGER, geography BOOLEAN, single BOOLEAN, word INTEGER, check_sigs UBIGINT", rr.rules},
		{"r_drive", "rule INTEGER, bit UBIGINT, fkey INTEGER, value VARCHAR, single BOOLEAN", rr.drives},
		{"r_geo_drive", "rule INTEGER, territory VARCHAR, single BOOLEAN", rr.geoDrive},
		{"r_sig", "word INTEGER, sig UBIGINT, fkey INTEGER, op VARCHAR, num DOUBLE, cut TIMESTAMP", rr.sigs},
		{"r_sig_value", "word INTEGER, sig UBIGINT, fkey INTEGER, value VARCHAR", rr.sigValues},
		{"r_mask", "rule INTEGER, drive_mask UBIGINT, sig_mask UBIGINT", rr.masks},
		{"r_binding", "rule INTEGER, territory VARCHAR", rr.bindings},
		{"r_geo", "territory VARCHAR, key VARCHAR", rr.geos},
	} {
		if err := exec(`CREATE TABLE ` + t.name + ` (` + t.ddl + `)`); err != nil {
			return res, err
		}
		if err := appendRows(conn, t.name, t.rows); err != nil {
			return res, err
		}
	}
	for _, l := range baselineLoads(rr) {
		if err := exec(l.sql, filepath.Join(dir, "crm", l.file)); err != nil {
			return res, err
		}
	}
	res.Load = time.Since(start)

	attr := `CREATE TEMP TABLE attr AS ` + attrSQL(rr)
	// The query's joins run as written (see baseline.sql).
	if err := exec(`SET disabled_optimizers = 'join_order,build_side_probe_side'`); err != nil {
		return res, err
	}
	query := baselineSQL
	if explain {
		// The profile of the query, its costliest operators first, to stderr.
		if err := exec(attr); err != nil {
			return res, err
		}
		var plan, text string
		if err := conn.QueryRowContext(ctx, "EXPLAIN (ANALYZE, FORMAT json) "+query).Scan(&plan, &text); err != nil {
			return res, err
		}
		if err := printProfile(text); err != nil {
			return res, err
		}
		if err := exec(`DROP TABLE pairs; DROP TABLE attr`); err != nil {
			return res, err
		}
	}
	start = time.Now()
	if err := exec(attr); err != nil {
		return res, err
	}
	if err := exec(query); err != nil {
		return res, err
	}
	res.Query = time.Since(start)
	if err := exec(`RESET disabled_optimizers`); err != nil {
		return res, err
	}
	if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM pairs`).Scan(&res.Pairs); err != nil {
		return res, err
	}
	if pairsOut != "" {
		// COPY takes no parameter for its file: the path (a flag, not the
		// config) is quoted.
		if err := exec(`COPY (SELECT a.id AS account, p.territory FROM pairs p JOIN account a ON a.aid = p.aid ORDER BY ALL)
			TO '` + strings.ReplaceAll(pairsOut, "'", "''") + `' (HEADER true)`); err != nil {
			return res, err
		}
	}
	return res, nil
}

func appendRows(conn *sql.Conn, table string, rows [][]driver.Value) error {
	return conn.Raw(func(raw any) error {
		a, err := duckdb.NewAppenderFromConn(raw.(driver.Conn), "", table)
		if err != nil {
			return err
		}
		for _, r := range rows {
			if err := a.AppendRow(r...); err != nil {
				a.Close()
				return err
			}
		}
		return a.Close()
	})
}

// profileNode is an operator of DuckDB's JSON profile.
type profileNode struct {
	Name     string         `json:"operator_name"`
	Timing   float64        `json:"operator_timing"`
	Rows     int64          `json:"operator_cardinality"`
	Extra    map[string]any `json:"extra_info"`
	Children []profileNode  `json:"children"`
}

// printProfile lists the operators that took the most time, with their rows.
func printProfile(text string) error {
	var root profileNode
	if err := json.Unmarshal([]byte(text), &root); err != nil {
		return fmt.Errorf("profile: %w", err)
	}
	type op struct {
		path string
		n    profileNode
	}
	var ops []op
	var walk func(n profileNode, path string)
	walk = func(n profileNode, path string) {
		if n.Name != "" {
			path += "/" + strings.TrimSpace(n.Name)
			ops = append(ops, op{path, n})
		}
		for _, c := range n.Children {
			walk(c, path)
		}
	}
	walk(root, "")
	slices.SortFunc(ops, func(a, b op) int { return cmp.Compare(b.n.Timing, a.n.Timing) })
	for _, o := range ops[:min(15, len(ops))] {
		cond := ""
		if c, ok := o.n.Extra["Conditions"]; ok {
			cond = fmt.Sprint(c)
		}
		fmt.Fprintf(os.Stderr, "%7.3f s %12d rows  %s %s\n", o.n.Timing, o.n.Rows, o.path, cond)
	}
	return nil
}
