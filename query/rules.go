package query

import (
	"context"
	"database/sql/driver"
	_ "embed"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

//go:embed rules.sql
var rulesSQL string

//go:embed diff.sql
var diffSQL string

// RuleSet is a plan's rules compiled to rows: the engine's SQL reads these
// tables and never sees a rule value in its text. reconcile builds it from the
// config, with every date already put through the date calculus.
type RuleSet struct {
	Rules       []Rule
	Criteria    []Criterion
	Values      []Value
	Bindings    []Binding
	Geographies []Geography
	Exclusions  []Exclusion
	Manual      []Manual
	Territories []TerritoryWindow
	// Scope lists the territories a scoped plan covers; nil covers everything.
	Scope []string
}

// Rule is one active account rule. Key numbers it for the SQL.
type Rule struct {
	Key   int
	ID    string
	Match string // "all" or "any"
	NCrit int
}

// Criterion is one criterion of a rule; Pos is its 1-based place in the rule.
type Criterion struct {
	RuleKey  int
	Pos      int
	Object   string
	Field    string
	Operator string
}

// Value is one value of a criterion (the unnested list of an IN).
type Value struct {
	RuleKey int
	Pos     int
	Value   string
}

// Binding ties a rule to a territory it assigns to, for one account source
// (the territory's instance, or DataLoader). Start and End are the window of
// the rule, territory and field force, already clipped to now.
type Binding struct {
	RuleKey     int
	RuleID      string
	Territory   string
	Instance    string
	SrcInstance string
	Start       time.Time
	End         *time.Time
	Geography   bool
	SendToCRM   bool
}

// Geography is one active geography of a territory: Code is a postal code or
// a prefix ending in "*".
type Geography struct {
	Territory string
	Code      string
	Start     time.Time
	End       *time.Time
}

// Exclusion keeps an account out of a territory.
type Exclusion struct {
	Territory string
	Account   string
}

// Manual is an explicit assignment from the config, its window computed.
type Manual struct {
	Account   string
	Territory string
	Instance  string
	Origin    string
	Start     time.Time
	End       *time.Time
	SendToCRM bool
}

// TerritoryWindow says whether a config territory is active at now, and when
// it ends; records of other sources follow it.
type TerritoryWindow struct {
	Territory string
	Active    bool
	End       *time.Time
}

// Change is one row of the diff: what an apply would do to an assignment.
type Change struct {
	Action      string // create, end, update
	ID          string // the existing record, for end and update
	Account     string
	Territory   string
	Instance    string
	Source      string
	Rule        string
	Origin      string
	Start       time.Time
	End         *time.Time
	SendToCRM   bool
	BeforeStart *time.Time
	BeforeEnd   *time.Time
	Reason      string
}

// UnknownFieldError says a criterion names a field the imported CRM data lacks.
type UnknownFieldError struct {
	Object, Field string
}

func (e *UnknownFieldError) Error() string {
	return fmt.Sprintf("field %s.%s is not in the imported CRM data", e.Object, e.Field)
}

// The tables EvaluateRules loads: DDL of each r_* input table.
var ruleTables = []struct{ name, ddl string }{
	{"r_rule", "rule_key INTEGER, rule_id VARCHAR, match VARCHAR, n_crit INTEGER"},
	{"r_crit", "rule_key INTEGER, pos INTEGER, fkey INTEGER, operator VARCHAR, family VARCHAR"},
	{"r_value", "rule_key INTEGER, pos INTEGER, value VARCHAR"},
	{"r_binding", "rule_key INTEGER, rule_id VARCHAR, territory VARCHAR, instance VARCHAR, src_instance VARCHAR, start_date TIMESTAMPTZ, end_date TIMESTAMPTZ, geography BOOLEAN, send_to_crm BOOLEAN"},
	{"r_geo", "territory VARCHAR, key VARCHAR, plen INTEGER, start_date TIMESTAMPTZ, end_date TIMESTAMPTZ"},
	{"r_exclusion", "territory VARCHAR, account VARCHAR"},
	{"r_manual", "account VARCHAR, territory VARCHAR, instance VARCHAR, origin VARCHAR, start_date TIMESTAMPTZ, end_date TIMESTAMPTZ, send_to_crm BOOLEAN"},
	{"r_territory", "territory VARCHAR, active BOOLEAN, end_date TIMESTAMPTZ"},
	{"r_scope", "territory VARCHAR"},
}

// operatorFamily groups operators that one filter of the engine serves.
func operatorFamily(op string) (string, error) {
	switch op {
	case "equals", "in":
		return "eq", nil
	}
	return "", fmt.Errorf("operator %q is not supported by the rules engine yet", op)
}

// EvaluateRules computes the desired assignments of a rule set and their diff
// against the state, as the temporary tables `desired` and `change`. The number
// of statements it runs does not depend on the number of rules.
func (d *DB) EvaluateRules(ctx context.Context, rs *RuleSet, now time.Time) error {
	for _, t := range ruleTables {
		if _, err := d.Exec(ctx, `CREATE OR REPLACE TEMP TABLE `+t.name+` (`+t.ddl+`)`); err != nil {
			return err
		}
	}
	fields, err := d.fieldKeys(ctx, rs.Criteria)
	if err != nil {
		return err
	}
	if err := d.loadRuleSet(ctx, rs, fields); err != nil {
		return err
	}
	if err := d.createAttrView(ctx, fields); err != nil {
		return err
	}
	if err := d.runScript(ctx, rulesSQL, now); err != nil {
		return fmt.Errorf("rules engine: %w", err)
	}
	if err := d.runScript(ctx, diffSQL, now, rs.Scope == nil); err != nil {
		return fmt.Errorf("rules engine diff: %w", err)
	}
	return nil
}

type fieldKey struct{ object, field string }

// fieldKeys numbers the distinct fields the criteria name, checking that each
// is a column of its object's imported table.
func (d *DB) fieldKeys(ctx context.Context, crits []Criterion) ([]fieldKey, error) {
	var keys []fieldKey
	cols := map[string][]string{}
	for _, c := range crits {
		k := fieldKey{c.Object, c.Field}
		if slices.Contains(keys, k) {
			continue
		}
		have, ok := cols[c.Object]
		if !ok {
			var err error
			if have, err = d.Columns(ctx, CRMTable(c.Object)); err != nil {
				return nil, err
			}
			cols[c.Object] = have
		}
		if !slices.Contains(have, c.Field) || (c.Object != "account__v" && c.Object != "child_account__v" && !slices.Contains(have, "account__v")) {
			return nil, &UnknownFieldError{Object: c.Object, Field: c.Field}
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// createAttrView exposes the criteria's fields as (instance, account, fkey,
// value) rows. Only column names checked against the imported tables appear
// in its text, quoted; every value stays data.
func (d *DB) createAttrView(ctx context.Context, keys []fieldKey) error {
	var parts []string
	for i, k := range keys {
		fk := strconv.Itoa(i + 1)
		sel := func(accountCol string) string {
			return `SELECT _instance AS instance, ` + accountCol + ` AS account, ` + fk + ` AS fkey, ` +
				Ident(k.field) + ` AS value FROM ` + Ident(CRMTable(k.object))
		}
		switch k.object {
		case "account__v":
			parts = append(parts, sel("id"))
		case "child_account__v":
			// Affiliations count for both the child and the parent account.
			parts = append(parts, sel("child_account__v"), sel("parent_account__v"))
		default:
			parts = append(parts, sel("account__v"))
		}
	}
	if len(parts) == 0 {
		parts = []string{`SELECT NULL::VARCHAR AS instance, NULL::VARCHAR AS account, NULL::INTEGER AS fkey, NULL::VARCHAR AS value WHERE false`}
	}
	_, err := d.Exec(ctx, `CREATE OR REPLACE TEMP VIEW attr AS `+strings.Join(parts, "\nUNION ALL\n"))
	return err
}

func (d *DB) loadRuleSet(ctx context.Context, rs *RuleSet, fields []fieldKey) error {
	type loader struct {
		table string
		fill  func(add func(...driver.Value) error) error
	}
	loaders := []loader{
		{"r_rule", func(add func(...driver.Value) error) error {
			for _, r := range rs.Rules {
				if err := add(int32(r.Key), r.ID, r.Match, int32(r.NCrit)); err != nil {
					return err
				}
			}
			return nil
		}},
		{"r_crit", func(add func(...driver.Value) error) error {
			for _, c := range rs.Criteria {
				fam, err := operatorFamily(c.Operator)
				if err != nil {
					return err
				}
				fk := slices.Index(fields, fieldKey{c.Object, c.Field}) + 1
				if err := add(int32(c.RuleKey), int32(c.Pos), int32(fk), c.Operator, fam); err != nil {
					return err
				}
			}
			return nil
		}},
		{"r_value", func(add func(...driver.Value) error) error {
			for _, v := range rs.Values {
				if err := add(int32(v.RuleKey), int32(v.Pos), v.Value); err != nil {
					return err
				}
			}
			return nil
		}},
		{"r_binding", func(add func(...driver.Value) error) error {
			for _, b := range rs.Bindings {
				if err := add(int32(b.RuleKey), b.RuleID, b.Territory, b.Instance, b.SrcInstance, b.Start, timeOrNil(b.End), b.Geography, b.SendToCRM); err != nil {
					return err
				}
			}
			return nil
		}},
		{"r_geo", func(add func(...driver.Value) error) error {
			for _, g := range rs.Geographies {
				key, plen := "="+g.Code, int32(0)
				if p, ok := strings.CutSuffix(g.Code, "*"); ok {
					key, plen = "*"+p, int32(len(p))
				}
				if err := add(g.Territory, key, plen, g.Start, timeOrNil(g.End)); err != nil {
					return err
				}
			}
			return nil
		}},
		{"r_exclusion", func(add func(...driver.Value) error) error {
			for _, x := range rs.Exclusions {
				if err := add(x.Territory, x.Account); err != nil {
					return err
				}
			}
			return nil
		}},
		{"r_manual", func(add func(...driver.Value) error) error {
			for _, m := range rs.Manual {
				if err := add(m.Account, m.Territory, m.Instance, m.Origin, m.Start, timeOrNil(m.End), m.SendToCRM); err != nil {
					return err
				}
			}
			return nil
		}},
		{"r_territory", func(add func(...driver.Value) error) error {
			for _, t := range rs.Territories {
				if err := add(t.Territory, t.Active, timeOrNil(t.End)); err != nil {
					return err
				}
			}
			return nil
		}},
		{"r_scope", func(add func(...driver.Value) error) error {
			for _, t := range rs.Scope {
				if err := add(t); err != nil {
					return err
				}
			}
			return nil
		}},
	}
	for _, l := range loaders {
		if err := d.Append(ctx, true, l.table, l.fill); err != nil {
			return err
		}
	}
	return nil
}

var statementEnd = regexp.MustCompile(`;[ \t]*\n`)

// runScript runs an embedded SQL script statement by statement, binding the
// parameters to the statements that use them.
func (d *DB) runScript(ctx context.Context, script string, args ...any) error {
	for _, stmt := range statementEnd.Split(script, -1) {
		stmt = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(stmt), ";"))
		if stmt == "" || isComment(stmt) {
			continue
		}
		if _, err := d.Exec(ctx, stmt, args[:maxParam(stmt)]...); err != nil {
			return err
		}
	}
	return nil
}

var paramRef = regexp.MustCompile(`\$([0-9]+)`)

// maxParam is the highest $N a statement refers to.
func maxParam(stmt string) int {
	n := 0
	for _, m := range paramRef.FindAllStringSubmatch(stmt, -1) {
		if v, _ := strconv.Atoi(m[1]); v > n {
			n = v
		}
	}
	return n
}

func isComment(stmt string) bool {
	for _, line := range strings.Split(stmt, "\n") {
		if l := strings.TrimSpace(line); l != "" && !strings.HasPrefix(l, "--") {
			return false
		}
	}
	return true
}

// Changes reads the diff that EvaluateRules left in `change`.
func (d *DB) Changes(ctx context.Context) ([]Change, error) {
	rows, err := d.Query(ctx, `SELECT action, coalesce(id, ''), account, territory, instance, source,
		coalesce(rule, ''), origin, start_date, end_date, send_to_crm, before_start, before_end, reason
		FROM change ORDER BY territory, account, source, origin, action DESC`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Change
	for rows.Next() {
		var c Change
		if err := rows.Scan(&c.Action, &c.ID, &c.Account, &c.Territory, &c.Instance, &c.Source, &c.Rule, &c.Origin,
			&c.Start, &c.End, &c.SendToCRM, &c.BeforeStart, &c.BeforeEnd, &c.Reason); err != nil {
			return nil, err
		}
		c.Start = c.Start.UTC()
		c.End = utcPtr(c.End)
		c.BeforeStart = utcPtr(c.BeforeStart)
		c.BeforeEnd = utcPtr(c.BeforeEnd)
		out = append(out, c)
	}
	return out, rows.Err()
}

func timeOrNil(t *time.Time) driver.Value {
	if t == nil {
		return nil
	}
	return *t
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// ManualWithoutAccount lists the manual assignments of the last evaluation
// whose account is in neither the territory's instance nor the data loader.
func (d *DB) ManualWithoutAccount(ctx context.Context) ([]Manual, error) {
	rows, err := d.Query(ctx, `SELECT DISTINCT account, territory, instance FROM r_manual mn
		WHERE NOT EXISTS (SELECT 1 FROM crm_account__v a WHERE a.id = mn.account AND a._instance IN (mn.instance, '@data_loader'))
		ORDER BY territory, account`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Manual
	for rows.Next() {
		var m Manual
		if err := rows.Scan(&m.Account, &m.Territory, &m.Instance); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}
