package main

import (
	"cmp"
	"context"
	"database/sql"
	"database/sql/driver"
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
// the same data, the bar DESIGN.md section 5 sets. It loads the accounts,
// addresses and affiliations with read_csv, the rules' equality criteria,
// bindings and geographies as rows, and matches accounts to territories:
// each rule driven from its most selective criterion (picked by hand for
// this data) or, for a territory's own geography rule, from the accounts
// of its geography; its other equality criteria checked with one join;
// geography rules joined to the territories of the account's primary ZIP. Dates,
// exclusions, manual and hierarchy assignments, the other operators and the
// diff against the state are left out: it is a lower bound.
//
// It runs in a child process of the benchmark (`bench -baseline DIR`), so
// that its peak RSS is its own.

// baselineResult is what the child reports on stdout.
type baselineResult struct {
	ConfigRead time.Duration `json:"config_read"` // YAML, not part of the baseline
	Load       time.Duration `json:"load"`        // read_csv of the snapshot files
	Query      time.Duration `json:"query"`
	Pairs      int64         `json:"pairs"`
	Rules      int           `json:"rules"` // account rules the query covers
}

// selectivity orders the fields a rule can be driven from, most selective
// first: what whoever writes the query by hand knows of the data.
var selectivity = []string{
	"address__v.postal_code__v", "account__v.id", "account__v.primary_parent__v", "child_account__v.parent_account__v",
	"account__v.specialty_2__v", "account__v.account_type__v", "account__v.specialty_1__v", "account__v.tier__c",
	"account__v.status__v", "account__v.record_type__v",
}

// ruleRows are the rules as the query's input tables.
type ruleRows struct {
	rules    [][]driver.Value // rule, n (criteria to hold), any, drive_pos, geography, other (a criterion not on account__v)
	values   [][]driver.Value // rule, pos, field, value
	bindings [][]driver.Value // rule, territory
	geos     [][]driver.Value // territory, key ('=' code or '*' prefix)
	fields   []string         // object.field the criteria name
}

// compileBaseline keeps, of every active account rule, its equals/in
// criteria on the fields of `selectivity`; rules with none are left out, as
// are match expressions.
func compileBaseline(cfg *schema.Config) ruleRows {
	var rr ruleRows
	byFF := map[string][]string{}
	for _, t := range cfg.Territories {
		byFF[t.FieldForce] = append(byFF[t.FieldForce], t.ID)
		for _, g := range t.Geographies {
			key := "=" + g.Code
			if p, ok := strings.CutSuffix(g.Code, "*"); ok {
				key = "*" + p
			}
			rr.geos = append(rr.geos, []driver.Value{t.ID, key})
		}
	}
	add := func(r *schema.Rule, territories []string) {
		if r.Type == schema.RuleHierarchy || (r.Match != schema.MatchAll && r.Match != schema.MatchAny) {
			return
		}
		key := int32(len(rr.rules) + 1)
		drive, best, n, other := int32(0), len(selectivity), int32(0), false
		for i, c := range r.Criteria {
			field := c.Object + "." + c.Field
			rank := slices.Index(selectivity, field)
			if (c.Operator != "equals" && c.Operator != "in") || rank < 0 {
				continue
			}
			if !slices.Contains(rr.fields, field) {
				rr.fields = append(rr.fields, field)
			}
			n++
			other = other || c.Object != "account__v"
			values := []string{c.Value}
			if c.Operator == "in" {
				values = schema.SplitIn(c.Value)
			}
			for _, v := range values {
				rr.values = append(rr.values, []driver.Value{key, int32(i + 1), field, v})
			}
			if rank < best {
				drive, best = int32(i+1), rank
			}
		}
		if n == 0 {
			return
		}
		// A territory's own geography rule is driven from its geography
		// (drive_pos 0): its accounts are fewer than any criterion selects.
		if r.Geography && len(territories) == 1 && r.Match == schema.MatchAll {
			drive = 0
		}
		rr.rules = append(rr.rules, []driver.Value{key, n, r.Match == schema.MatchAny, drive, r.Geography, other})
		for _, t := range territories {
			rr.bindings = append(rr.bindings, []driver.Value{key, t})
		}
	}
	for _, ff := range cfg.FieldForces {
		for _, r := range ff.Rules {
			add(r, byFF[ff.ID])
		}
	}
	for _, t := range cfg.Territories {
		for _, r := range t.Rules {
			add(r, []string{t.ID})
		}
	}
	return rr
}

// attrSQL is the (account, field, value) rows of the fields the criteria
// name: with accountFieldSQL, the only SQL text made from the config, and
// only of field names that come from the selectivity list above. Account
// fields are left out when accountFields is false.
func attrSQL(fields []string, accountFields bool) string {
	var parts []string
	for _, f := range fields {
		object, field, _ := strings.Cut(f, ".")
		switch object {
		case "account__v":
			if !accountFields {
				continue
			}
			parts = append(parts, fmt.Sprintf(`SELECT id AS account, '%s' AS field, %s AS value FROM account`, f, field))
		case "address__v":
			parts = append(parts, fmt.Sprintf(`SELECT account__v AS account, '%s' AS field, %s AS value FROM address`, f, field))
		case "child_account__v":
			// An affiliation counts for the child and the parent.
			parts = append(parts, fmt.Sprintf(`SELECT child_account__v AS account, '%s' AS field, %s AS value FROM affiliation`, f, field),
				fmt.Sprintf(`SELECT parent_account__v AS account, '%s' AS field, %s AS value FROM affiliation`, f, field))
		}
	}
	if len(parts) == 0 {
		return `SELECT NULL::VARCHAR AS account, NULL::VARCHAR AS field, NULL::VARCHAR AS value WHERE false`
	}
	return strings.Join(parts, "\n    UNION ALL ")
}

// accountFieldSQL is the value of the account field a need row names.
func accountFieldSQL(fields []string) string {
	expr := "CASE n.field"
	whens := 0
	for _, f := range fields {
		if object, field, _ := strings.Cut(f, "."); object == "account__v" {
			expr += fmt.Sprintf(" WHEN '%s' THEN a.%s", f, field)
			whens++
		}
	}
	if whens == 0 {
		// No equality criterion on an account field: a CASE needs a WHEN.
		return "NULL::VARCHAR"
	}
	return expr + " END"
}

// baselineQuery matches accounts to territories; see the file comment.
// MATERIALIZED fixes the join order where DuckDB's optimizer would join the
// criteria values to every attribute row first (the blow-up DESIGN.md
// section 5 warns of): candidates meet their rules' values, then the
// attributes; geography hits meet the account's territories, then the
// bindings.
const baselineQuery = `CREATE TABLE pairs AS
WITH attr AS (
    %s
), geo AS (
    -- the territories whose geographies hold the account's primary ZIP
    SELECT p.account__v AS account, g.territory FROM address p JOIN r_geo g ON g.key = '=' || p.postal_code__v
    WHERE p.primary__v = 'true'
    UNION ALL
    SELECT p.account__v, g.territory FROM address p JOIN r_geo g ON g.key = '*' || left(p.postal_code__v, 3)
    WHERE p.primary__v = 'true'
), cand AS MATERIALIZED (
    -- an all-rule from its driving criterion or its territory's geography,
    -- an any-rule from each criterion
    SELECT DISTINCT account, rule FROM (
        SELECT a.account, v.rule
        FROM r_value v JOIN r_rule r USING (rule) JOIN attr a ON a.field = v.field AND a.value = v.value
        WHERE r.match_any OR v.pos = r.drive_pos
        UNION ALL
        SELECT g.account, r.rule
        FROM r_rule r JOIN r_binding b USING (rule) JOIN geo g ON g.territory = b.territory
        WHERE r.drive_pos = 0
    )
), need AS MATERIALIZED (
    -- the account-field values an all-rule candidate must have
    SELECT c.account, c.rule, v.pos, v.field, v.value
    FROM cand c JOIN r_rule r USING (rule) JOIN r_value v ON v.rule = c.rule
    WHERE NOT r.match_any AND v.field LIKE 'account\_\_v.%%' ESCAPE '\'
), held AS (
    -- account fields: one join on the account, the field picked by name
    SELECT n.account, n.rule, n.pos
    FROM need n JOIN account a ON a.id = n.account
    WHERE n.value = %s
    UNION ALL
    -- other objects: the candidate's few rows (addresses, affiliations)
    -- joined to its rule's values, rather than every value of the rule (a
    -- list of 500 ZIP codes) to the candidate
    SELECT c.account, c.rule, v.pos
    FROM cand c JOIN r_rule r USING (rule) JOIN (%s) a ON a.account = c.account
    JOIN r_value v ON v.rule = c.rule AND v.field = a.field AND v.value = a.value
    WHERE NOT r.match_any AND r.other
), hit AS MATERIALIZED (
    SELECT c.account, c.rule FROM cand c JOIN r_rule r USING (rule) WHERE r.match_any
    UNION ALL
    SELECT h.account, h.rule FROM held h JOIN r_rule r USING (rule)
    GROUP BY h.account, h.rule, r.n HAVING count(DISTINCT h.pos) = r.n
), geo_hit AS MATERIALIZED (
    SELECT h.account, h.rule, g.territory
    FROM hit h JOIN r_rule r USING (rule) JOIN geo g ON g.account = h.account
    WHERE r.geography
)
SELECT h.account, b.territory
FROM hit h JOIN r_rule r USING (rule) JOIN r_binding b USING (rule)
WHERE NOT r.geography
UNION
SELECT h.account, h.territory
FROM geo_hit h SEMI JOIN r_binding b ON b.rule = h.rule AND b.territory = h.territory`

// runBaseline is the child process: it prints a baselineResult as JSON.
func runBaseline(dir string, explain bool) error {
	ctx := context.Background()
	start := time.Now()
	cfg, err := schema.LoadDir(filepath.Join(dir, "config"))
	if err != nil {
		return err
	}
	var res baselineResult
	rr := compileBaseline(cfg)
	res.ConfigRead, res.Rules = time.Since(start), len(rr.rules)

	connector, err := duckdb.NewConnector("?autoinstall_known_extensions=false&autoload_known_extensions=false", nil)
	if err != nil {
		return err
	}
	db := sql.OpenDB(connector)
	defer db.Close()
	db.SetMaxOpenConns(1)
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	exec := func(q string, args ...any) error {
		if _, err := conn.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("%.60s...: %w", q, err)
		}
		return nil
	}

	start = time.Now()
	loads := []struct{ file, sql string }{
		{"account__v.csv", `CREATE TABLE account AS SELECT id, record_type__v, account_type__v, primary_parent__v, specialty_1__v,
			specialty_2__v, status__v, tier__c FROM read_csv(?, header = true, all_varchar = true) WHERE country__v IN ('US', 'PR')`},
		{"address__v.csv", `CREATE TABLE address AS SELECT account__v, postal_code__v, primary__v
			FROM read_csv(?, header = true, all_varchar = true) SEMI JOIN account ON account.id = account__v`},
		{"child_account__v.csv", `CREATE TABLE affiliation AS SELECT parent_account__v, child_account__v
			FROM read_csv(?, header = true, all_varchar = true)`},
	}
	// Loads need not keep the file's row order; it lets DuckDB read in parallel.
	if err := exec(`SET preserve_insertion_order = false`); err != nil {
		return err
	}
	for _, l := range loads {
		if err := exec(l.sql, filepath.Join(dir, "crm", l.file)); err != nil {
			return err
		}
	}
	for _, t := range []struct {
		name, ddl string
		rows      [][]driver.Value
	}{
		{"r_rule", "rule INTEGER, n INTEGER, match_any BOOLEAN, drive_pos INTEGER, geography BOOLEAN, other BOOLEAN", rr.rules},
		{"r_value", "rule INTEGER, pos INTEGER, field VARCHAR, value VARCHAR", rr.values},
		{"r_binding", "rule INTEGER, territory VARCHAR", rr.bindings},
		{"r_geo", "territory VARCHAR, key VARCHAR", rr.geos},
	} {
		if err := exec(`CREATE TABLE ` + t.name + ` (` + t.ddl + `)`); err != nil {
			return err
		}
		if err := appendRows(conn, t.name, t.rows); err != nil {
			return err
		}
	}
	res.Load = time.Since(start)

	query := fmt.Sprintf(baselineQuery, attrSQL(rr.fields, true), accountFieldSQL(rr.fields), attrSQL(rr.fields, false))
	if explain {
		// The profile of the query, its costliest operators first, to stderr.
		var plan, text string
		if err := conn.QueryRowContext(ctx, "EXPLAIN (ANALYZE, FORMAT json) "+query).Scan(&plan, &text); err != nil {
			return err
		}
		if err := printProfile(text); err != nil {
			return err
		}
		if err := exec(`DROP TABLE pairs`); err != nil {
			return err
		}
	}
	start = time.Now()
	if err := exec(query); err != nil {
		return err
	}
	res.Query = time.Since(start)
	if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM pairs`).Scan(&res.Pairs); err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(res)
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
