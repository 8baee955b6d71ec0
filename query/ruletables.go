package query

import (
	"context"
	"database/sql/driver"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The rule tables (r_*) and the attribute views the engine's SQL reads,
// filled from a RuleSet.

// The tables EvaluateRules loads: DDL of each r_* input table.
var ruleTables = []struct{ name, ddl string }{
	{"r_rule", "rule_key INTEGER, rule_id VARCHAR, match VARCHAR, n_crit INTEGER, drive VARCHAR, hierarchy BOOLEAN, assign VARCHAR, intermediaries BOOLEAN, ignore_manual BOOLEAN, ignore_crm BOOLEAN"},
	{"r_crit", "rule_key INTEGER, pos INTEGER, fkey INTEGER, operator VARCHAR, family VARCHAR, on_account BOOLEAN"},
	{"r_drive_option", "rule_key INTEGER, opt INTEGER, pos INTEGER"},
	{"r_value", "rule_key INTEGER, pos INTEGER, value VARCHAR, num DOUBLE, ts TIMESTAMPTZ"},
	{"r_mask", "rule_key INTEGER, mask BIGINT"},
	{"r_binding", "rule_key INTEGER, rule_id VARCHAR, territory VARCHAR, instance VARCHAR, src_instance VARCHAR, start_date TIMESTAMPTZ, end_date TIMESTAMPTZ, geography BOOLEAN, send_to_crm BOOLEAN"},
	{"r_geo", "territory VARCHAR, key VARCHAR, plen INTEGER, start_date TIMESTAMPTZ, end_date TIMESTAMPTZ"},
	{"r_exclusion", "territory VARCHAR, account VARCHAR, start_date TIMESTAMPTZ, end_date TIMESTAMPTZ, reason VARCHAR"},
	{"r_manual", "account VARCHAR, territory VARCHAR, instance VARCHAR, origin VARCHAR, start_date TIMESTAMPTZ, end_date TIMESTAMPTZ, send_to_crm BOOLEAN"},
	{"r_territory", "territory VARCHAR, active BOOLEAN, end_date TIMESTAMPTZ, field_force VARCHAR, exclusive BOOLEAN"},
	{"r_scope", "territory VARCHAR"},
	{"r_selected_rule", "rule_id VARCHAR"},
	{"r_field", "fkey INTEGER, object VARCHAR, field VARCHAR"},
}

// createRuleTables makes the rule tables named (all when nil) empty.
func (d *DB) createRuleTables(ctx context.Context, names []string) error {
	for _, t := range ruleTables {
		if names != nil && !slices.Contains(names, t.name) {
			continue
		}
		if _, err := d.Exec(ctx, `CREATE OR REPLACE TEMP TABLE `+t.name+` (`+t.ddl+`)`); err != nil {
			return err
		}
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

// createAttrViews exposes the criteria's fields to the engine, and returns
// the expression that reads a criterion's field from `account_row` (see
// accountValue). Only column names checked against the imported tables
// appear in their text, quoted; every value stays data.
//
//   - attr: every field as (instance, account, fkey, value) rows, for the
//     operators other than equality and explain;
//   - attr_eq: the same for the fields of equality criteria that may drive
//     a rule (driveFields), which the drivers count and join on (fkey,
//     value): the other fields' rows are not read there;
//   - attr_rows: the same for the fields of objects with several rows per
//     account (addresses, calls, affiliations, mapped objects);
//   - account_row: one row per account with its integer key `account_key` (the
//     row's rowid: no numbering pass) and the fields of `account__v` the
//     criteria read as columns f<fkey>, so that the match step checks them
//     with one join on an integer instead of a join of `attr` on three keys.
func (d *DB) createAttrViews(ctx context.Context, keys []fieldKey, driveFields map[int]bool) (string, error) {
	var parts, eqParts, rowParts []string
	cols := []string{`rowid AS account_key`, `_instance AS instance`, `id AS account`}
	var cases []string
	for i, k := range keys {
		fk := strconv.Itoa(i + 1)
		sel := func(accountCol string) string {
			return `SELECT _instance AS instance, ` + accountCol + ` AS account, ` + fk + ` AS fkey, ` +
				Ident(k.field) + ` AS value FROM ` + Ident(CRMTable(k.object))
		}
		var these []string
		switch k.object {
		case "account__v":
			these = []string{sel("id")}
			cols = append(cols, Ident(k.field)+` AS f`+fk)
			cases = append(cases, `WHEN `+fk+` THEN a.f`+fk)
		case "child_account__v":
			// Affiliations count for both the child and the parent account.
			these = []string{sel("child_account__v"), sel("parent_account__v")}
			rowParts = append(rowParts, these...)
		default:
			these = []string{sel("account__v")}
			rowParts = append(rowParts, these...)
		}
		parts = append(parts, these...)
		if driveFields[i+1] {
			eqParts = append(eqParts, these...)
		}
	}
	const none = `SELECT NULL::VARCHAR AS instance, NULL::VARCHAR AS account, NULL::INTEGER AS fkey, NULL::VARCHAR AS value WHERE false`
	if len(parts) == 0 {
		parts = []string{none}
	}
	if len(eqParts) == 0 {
		eqParts = []string{none}
	}
	if len(rowParts) == 0 {
		rowParts = []string{none}
	}
	for _, v := range []string{
		`CREATE OR REPLACE TEMP VIEW attr AS ` + strings.Join(parts, "\nUNION ALL\n"),
		`CREATE OR REPLACE TEMP VIEW attr_eq AS ` + strings.Join(eqParts, "\nUNION ALL\n"),
		`CREATE OR REPLACE TEMP VIEW attr_rows AS ` + strings.Join(rowParts, "\nUNION ALL\n"),
		`CREATE OR REPLACE TEMP VIEW account_row AS SELECT ` + strings.Join(cols, ", ") + ` FROM crm_account__v`,
	} {
		if _, err := d.Exec(ctx, v); err != nil {
			return "", err
		}
	}
	if len(cases) == 0 {
		return `NULL::VARCHAR`, nil
	}
	return `CASE k.fkey ` + strings.Join(cases, " ") + ` END`, nil
}

// accountValue is where rules_match.sql reads the value of an account__v
// criterion's field from its `account_row` a: the column depends on the
// criterion (k.fkey), so EvaluateRules writes the CASE over the fields the
// criteria read in its place.
const accountValue = `account_value(k.fkey)`

// diffTables are the rule tables read after the evaluation: by the diff, the
// exclusive field forces and the plan's checks of manual assignments.
var diffTables = []string{"r_binding", "r_manual", "r_territory", "r_scope", "r_selected_rule"}

// evaluationOnlyTables are the rule tables only the evaluation reads (and
// explain, and the evaluation cache's store, after one).
func evaluationOnlyTables() []string {
	var out []string
	for _, t := range ruleTables {
		if !slices.Contains(diffTables, t.name) {
			out = append(out, t.name)
		}
	}
	return out
}

// loadRuleSet fills the rule tables named in tables from rs, and returns
// the fields (by fkey) of the equality criteria that are in some rule's
// drive sets.
func (d *DB) loadRuleSet(ctx context.Context, rs *RuleSet, fields []fieldKey, tables []string) (map[int]bool, error) {
	families := map[[2]int]string{}
	positive := map[[2]int]bool{}
	for _, c := range rs.Criteria {
		fam, pos, err := operatorFamily(c.Operator)
		if err != nil {
			return nil, err
		}
		families[[2]int{c.RuleKey, c.Pos}] = fam
		positive[[2]int{c.RuleKey, c.Pos}] = pos
	}
	drives := driveModes(rs, positive)
	type loader struct {
		table string
		fill  func(add func(...driver.Value) error) error
	}
	each := func(n int, row func(i int) []driver.Value) func(add func(...driver.Value) error) error {
		return func(add func(...driver.Value) error) error {
			for i := 0; i < n; i++ {
				if err := add(row(i)...); err != nil {
					return err
				}
			}
			return nil
		}
	}
	var masks [][2]int64
	var options [][3]int32 // rule key, option, criterion
	for _, r := range rs.Rules {
		for _, m := range r.Masks {
			masks = append(masks, [2]int64{int64(r.Key), int64(m)})
		}
		for i, o := range drives[r.Key].options {
			for _, p := range o {
				options = append(options, [3]int32{int32(r.Key), int32(i + 1), int32(p)})
			}
		}
	}
	loaders := []loader{
		{"r_rule", each(len(rs.Rules), func(i int) []driver.Value {
			r := rs.Rules[i]
			return []driver.Value{int32(r.Key), r.ID, r.Match, int32(r.NCrit), drives[r.Key].mode, r.Hierarchy, r.Assign, r.Intermediaries, r.IgnoreManual, r.IgnoreCRM}
		})},
		{"r_crit", each(len(rs.Criteria), func(i int) []driver.Value {
			c := rs.Criteria[i]
			k := [2]int{c.RuleKey, c.Pos}
			fk := slices.Index(fields, fieldKey{c.Object, c.Field}) + 1
			return []driver.Value{int32(c.RuleKey), int32(c.Pos), int32(fk), c.Operator, families[k], c.Object == "account__v"}
		})},
		{"r_drive_option", each(len(options), func(i int) []driver.Value {
			return []driver.Value{options[i][0], options[i][1], options[i][2]}
		})},
		{"r_value", each(len(rs.Values), func(i int) []driver.Value {
			v := rs.Values[i]
			num, ts := typedValue(v.Value)
			return []driver.Value{int32(v.RuleKey), int32(v.Pos), v.Value, num, ts}
		})},
		{"r_mask", each(len(masks), func(i int) []driver.Value {
			return []driver.Value{int32(masks[i][0]), masks[i][1]}
		})},
		{"r_binding", each(len(rs.Bindings), func(i int) []driver.Value {
			b := rs.Bindings[i]
			return []driver.Value{int32(b.RuleKey), b.RuleID, b.Territory, b.Instance, b.SrcInstance, b.Start, timeOrNil(b.End), b.Geography, b.SendToCRM}
		})},
		{"r_geo", each(len(rs.Geographies), func(i int) []driver.Value {
			g := rs.Geographies[i]
			key, plen := "="+g.Code, int32(0)
			if p, ok := strings.CutSuffix(g.Code, "*"); ok {
				key, plen = "*"+p, int32(len(p))
			}
			return []driver.Value{g.Territory, key, plen, g.Start, timeOrNil(g.End)}
		})},
		{"r_exclusion", each(len(rs.Exclusions), func(i int) []driver.Value {
			x := rs.Exclusions[i]
			return []driver.Value{x.Territory, x.Account, x.Start, timeOrNil(x.End), x.Reason}
		})},
		{"r_manual", each(len(rs.Manual), func(i int) []driver.Value {
			m := rs.Manual[i]
			return []driver.Value{m.Account, m.Territory, m.Instance, m.Origin, m.Start, timeOrNil(m.End), m.SendToCRM}
		})},
		{"r_territory", each(len(rs.Territories), func(i int) []driver.Value {
			t := rs.Territories[i]
			return []driver.Value{t.Territory, t.Active, timeOrNil(t.End), t.FieldForce, t.Exclusive}
		})},
		{"r_scope", each(len(rs.Scope), func(i int) []driver.Value { return []driver.Value{rs.Scope[i]} })},
		{"r_selected_rule", each(len(rs.Selected), func(i int) []driver.Value { return []driver.Value{rs.Selected[i]} })},
		{"r_field", each(len(fields), func(i int) []driver.Value { return []driver.Value{int32(i + 1), fields[i].object, fields[i].field} })},
	}
	for _, l := range loaders {
		if !slices.Contains(tables, l.table) {
			continue
		}
		if err := d.Append(ctx, true, l.table, l.fill); err != nil {
			return nil, err
		}
	}
	driveFields := map[int]bool{}
	for _, c := range rs.Criteria {
		if families[[2]int{c.RuleKey, c.Pos}] != "eq" {
			continue
		}
		for _, o := range drives[c.RuleKey].options {
			if slices.Contains(o, c.Pos) {
				driveFields[slices.Index(fields, fieldKey{c.Object, c.Field})+1] = true
			}
		}
	}
	return driveFields, nil
}

// typedValue reads a criterion value as a number or a date, for the range
// operators; a value that is neither compares as text.
func typedValue(v string) (num, ts driver.Value) {
	if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
		return f, nil
	}
	for _, layout := range []string{time.RFC3339, time.DateOnly} {
		if t, err := time.Parse(layout, strings.TrimSpace(v)); err == nil {
			return nil, t
		}
	}
	return nil, nil
}

func timeOrNil(t *time.Time) driver.Value {
	if t == nil {
		return nil
	}
	return *t
}
