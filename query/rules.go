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

//go:embed rules_drive.sql
var driveSQL string

//go:embed rules_match.sql
var matchSQL string

//go:embed rules_pairs.sql
var pairsSQL string

//go:embed rules_hierarchy.sql
var hierarchySQL string

//go:embed rules_desired.sql
var desiredSQL string

//go:embed rules_conflict.sql
var conflictSQL string

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
	// Selected, when not nil, runs one kind of rule only (--send-to-crm): it
	// lists every rule id of that kind, and only their records may change.
	Selected []string
	// Compiled, when not "", names everything the rows were compiled from
	// but the code that did it (reconcile.Compile: the config's content
	// hash, the scope, and where now falls among the config's dates). The
	// evaluation cache keeps the digest of the rows under it and the build,
	// rather than hash them on every plan (rowsDigest).
	Compiled string `json:"-"`
}

// Rule is one active rule. Key numbers it for the SQL.
type Rule struct {
	Key   int
	ID    string
	Match string // "all", "any", or "expr" with Masks
	NCrit int
	// Masks are, for an expression, the sets of satisfied criteria (bit i-1
	// for criterion i) that make it true.
	Masks []uint64
	// Hierarchy rules: assign "child" or "parent", all levels with
	// Intermediaries, and the sources they do not start from.
	Hierarchy      bool
	Assign         string
	Intermediaries bool
	IgnoreManual   bool
	IgnoreCRM      bool
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

// Exclusion keeps an account out of a territory from Start (clipped to now).
type Exclusion struct {
	Territory string
	Account   string
	Start     time.Time
	End       *time.Time
	Reason    string
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
// it ends; records of other sources follow it. Exclusive marks the
// territories of an exclusive field force.
type TerritoryWindow struct {
	Territory  string
	Active     bool
	End        *time.Time
	FieldForce string
	Exclusive  bool
}

// Change is one row of the diff: what an apply would do to an assignment. It
// is also the plan's assignment change (reconcile.AssignmentChange), so that
// the rows are read into the plan once, not copied from one type into another:
// a first plan at 5 M accounts has millions of them.
type Change struct {
	Action    string     `json:"action"`       // create, end, update
	ID        string     `json:"id,omitempty"` // the existing record, for end and update
	Account   string     `json:"account"`
	Territory string     `json:"territory"`
	Instance  string     `json:"instance"`
	Source    string     `json:"source"`
	Rule      string     `json:"rule,omitempty"`
	Origin    string     `json:"origin"`
	StartDate time.Time  `json:"start_date"`
	EndDate   *time.Time `json:"end_date"`
	SendToCRM bool       `json:"send_to_crm"`
	Before    *Interval  `json:"before,omitempty"` // the record's dates before an end or update
	Reason    string     `json:"reason"`
}

// Interval is a record's dates before a change.
type Interval struct {
	StartDate time.Time  `json:"start_date"`
	EndDate   *time.Time `json:"end_date"`
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

// Operator families: each is served by one join or filter of the engine.
// eq joins on (rule, value); other is one predicate (crit_hit) per row; neq
// and null are the complements of eq and is_not_null.
func operatorFamily(op string) (family string, positive bool, err error) {
	switch op {
	case "equals", "in":
		return "eq", true, nil
	case "not_equals", "not_in":
		return "neq", false, nil
	case "is_null":
		return "null", false, nil
	case "contains", "starts_with", "greater_than", "less_than", "more_than_days", "less_than_days", "is_not_null":
		return "other", true, nil
	}
	return "", false, fmt.Errorf("operator %q is not one the rules engine knows", op)
}

// EvalOptions change what EvaluateRules looks at.
type EvalOptions struct {
	// Focus evaluates every rule for this one account (explain), whatever
	// their drivers would pick.
	Focus string
	// Cache, when set, keeps the evaluation beside the state and reuses it
	// while its inputs are unchanged (evalcache.go). Not with Focus, and it
	// leaves no `sat`, `matched`, `pairs` or `excluded` on a hit.
	Cache *EvalCache
}

// EvaluateRules computes the desired assignments of a rule set and their diff
// against the state, as the temporary tables `desired` and `change` (and
// `sat`, `matched`, `excluded`, `conflict` for explain and the preview). The
// number of statements it runs does not depend on the number of rules.
func (d *DB) EvaluateRules(ctx context.Context, rs *RuleSet, now time.Time, opts ...EvalOptions) error {
	var o EvalOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	var focus any
	if o.Focus != "" {
		focus = o.Focus
	}
	if err := d.createRuleTables(ctx, nil); err != nil {
		return err
	}
	fields, err := d.fieldKeys(ctx, rs.Criteria)
	if err != nil {
		return err
	}
	// What the diff reads first; the rest only when evaluating, so that a
	// cache hit does not load 190,000 geographies it never reads (0.1 s at
	// 1M accounts).
	if _, err := d.loadRuleSet(ctx, rs, fields, diffTables); err != nil {
		return err
	}
	type step struct {
		name   string
		script string
		args   []any
	}
	run := func(steps ...step) error {
		for _, s := range steps {
			if err := d.runScript(ctx, s.script, s.args...); err != nil {
				return fmt.Errorf("rules engine (%s): %w", s.name, err)
			}
		}
		return nil
	}
	// evaluate makes `desired_all` and `excluded` from the rules of set: rs,
	// or the changed rules of an incremental evaluation, whose bindings
	// stand in `r_binding` while it runs.
	evaluate := func(set *RuleSet) error {
		tables := evaluationOnlyTables()
		if set != rs {
			tables = append(tables, "r_binding")
		}
		if err := d.createRuleTables(ctx, tables); err != nil {
			return err
		}
		driveFields, err := d.loadRuleSet(ctx, set, fields, tables)
		if err != nil {
			return err
		}
		accountCase, err := d.createAttrViews(ctx, fields, driveFields)
		if err != nil {
			return err
		}
		match := strings.ReplaceAll(matchSQL, accountValue, accountCase)
		err = run(
			step{"drive", driveSQL, []any{now, focus}},
			step{"match", match, []any{now}},
			step{"pairs", pairsSQL, []any{now, focus}},
			step{"hierarchy", hierarchySQL, []any{now, focus}},
			step{"hierarchy match", match, []any{now}},
			step{"desired", desiredSQL, []any{now, focus}},
		)
		if err != nil || set == rs {
			return err
		}
		if err := d.createRuleTables(ctx, []string{"r_binding"}); err != nil {
			return err
		}
		_, err = d.loadRuleSet(ctx, rs, fields, []string{"r_binding"})
		return err
	}
	if c := o.Cache; c != nil && o.Focus == "" {
		if err := d.evaluateCached(ctx, c, rs, fields, now, evaluate); err != nil {
			return err
		}
	} else if err := evaluate(rs); err != nil {
		return err
	}
	if o.Focus == "" && !d.inTx {
		// What the evaluation made besides its result is not read again
		// (explain's focus reads it, inside a transaction). Outside one, a
		// dropped table gives its memory back at once: at 5M accounts these
		// tables hold gigabytes, and the diff spilled while they stood.
		if err := d.dropEvaluationTables(ctx, "desired_all", "excluded", "engine_stats"); err != nil {
			return err
		}
	}
	return run(
		step{"exclusive field forces", conflictSQL, []any{now}},
		step{"diff", diffSQL, []any{now, rs.Scope == nil, rs.Selected != nil}},
	)
}

// evaluateCached makes `desired_all` from the cache when an entry matches;
// otherwise it evaluates the changed rules only when an entry of the same
// data holds the others (evalreuse.go), or every rule, and stores a full
// evaluation.
func (d *DB) evaluateCached(ctx context.Context, c *EvalCache, rs *RuleSet, fields []fieldKey, now time.Time, evaluate func(*RuleSet) error) error {
	c.Hit, c.Reused = false, 0
	key, data, err := d.evalKey(ctx, c, rs, fields, now)
	if err != nil {
		return fmt.Errorf("evaluation cache: %w", err)
	}
	if c.Hit, err = d.loadEvalCache(ctx, c, key, now); err != nil {
		return err
	}
	if c.Hit {
		traceEvaluation(c, len(rs.Rules))
		if !c.Verify {
			return nil
		}
		return d.verifyAgainst(ctx, c, key, rs, evaluate)
	}
	digests := ruleDigests(rs, now)
	if r := reusableEntry(c, data, rs, digests, now); r != nil {
		if err := evaluate(r.evaluate); err != nil {
			return err
		}
		switch err := d.addReused(ctx, c, r, now); {
		case err == nil:
			c.Reused = len(r.rules)
			traceEvaluation(c, len(rs.Rules))
			// Not stored: writing the whole result again would cost a
			// large share of what the evaluation saved, and the entry it
			// reused serves the next plan of these rules as well.
			if c.Verify {
				return d.verifyAgainst(ctx, c, "", rs, evaluate)
			}
			return nil
		case err != errEntryGone:
			return err
		}
	}
	if err := evaluate(rs); err != nil {
		return err
	}
	traceEvaluation(c, len(rs.Rules))
	return d.storeEvalCache(ctx, c, key, data, digests, now)
}

// verifyAgainst evaluates rs in full and fails when `desired_all`, from the
// cache or an incremental evaluation, differs; the entry of key (if any) is
// removed then.
func (d *DB) verifyAgainst(ctx context.Context, c *EvalCache, key string, rs *RuleSet, evaluate func(*RuleSet) error) error {
	for _, q := range []string{
		`CREATE OR REPLACE TEMP TABLE desired_cached AS FROM desired_all`,
		`CREATE OR REPLACE TEMP TABLE excluded_cached AS FROM excluded`,
	} {
		if _, err := d.Exec(ctx, q); err != nil {
			return err
		}
	}
	if err := evaluate(rs); err != nil {
		return err
	}
	if err := d.verifyEvalCache(ctx); err != nil {
		if key != "" {
			removeEntry(c.Dir, key)
		}
		return err
	}
	return nil
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
//   - account_row: one row per account with its integer key `aid` (the
//     row's rowid: no numbering pass) and the fields of `account__v` the
//     criteria read as columns f<fkey>, so that the match step checks them
//     with one join on an integer instead of a join of `attr` on three keys.
func (d *DB) createAttrViews(ctx context.Context, keys []fieldKey, driveFields map[int]bool) (string, error) {
	var parts, eqParts, rowParts []string
	cols := []string{`rowid AS aid`, `_instance AS instance`, `id AS account`}
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

// drive says how the engine finds a rule's candidates: "options" (from one
// of its drive sets, chosen in SQL from value counts), "all" (every account:
// the rule can be satisfied without any positive criterion), "none" (an
// expression that is never true), or "" (hierarchy rules, whose candidates
// are the related accounts).
type drive struct {
	mode string
	// options are the rule's drive sets: sets of positive criteria (1-based
	// positions) such that every account satisfying the rule satisfies one
	// of the set, none holding another.
	options [][]int
}

// maxDriveOptions bounds the drive sets kept for one expression; the
// smallest come first, so the bound only drops large alternatives.
const maxDriveOptions = 64

func driveModes(rs *RuleSet, positive map[[2]int]bool) map[int]drive {
	out := map[int]drive{}
	for _, r := range rs.Rules {
		if r.Hierarchy {
			out[r.Key] = drive{}
			continue
		}
		var pos []int
		for i := 1; i <= r.NCrit; i++ {
			if positive[[2]int{r.Key, i}] {
				pos = append(pos, i)
			}
		}
		var opts [][]int
		switch r.Match {
		case "all":
			// The one satisfying set holds every criterion: any positive
			// one drives alone.
			for _, p := range pos {
				opts = append(opts, []int{p})
			}
		case "any":
			// Every criterion alone satisfies: all of them drive, and a
			// negative one leaves nothing to drive with.
			if len(pos) == r.NCrit && r.NCrit > 0 {
				opts = [][]int{pos}
			}
		case "expr":
			if len(r.Masks) == 0 {
				// Never true: nothing to drive, no candidates.
				out[r.Key] = drive{mode: "none"}
				continue
			}
			opts = driveSets(r.NCrit, r.Masks, pos)
		}
		if len(opts) == 0 {
			out[r.Key] = drive{mode: "all"}
			continue
		}
		out[r.Key] = drive{mode: "options", options: opts}
	}
	return out
}

// driveSets lists the minimal sets of the positive criteria pos that meet
// every mask of an expression over n criteria (bit i-1 for criterion i),
// smallest first, then in order of their criteria: an account satisfying
// the expression satisfies some criterion of each such set, so the accounts
// satisfying one of the set's criteria are all its candidates. It returns
// nil when the expression is true for some set of satisfied criteria that
// holds no positive one (then only a scan finds its accounts).
func driveSets(n int, masks []uint64, pos []int) [][]int {
	if n == 0 || n > 16 || len(masks) == 0 {
		return nil
	}
	// within[x]: some mask is a subset of x.
	full := uint64(1)<<n - 1
	within := make([]bool, full+1)
	for _, m := range masks {
		if m <= full {
			within[m] = true
		}
	}
	for i := 0; i < n; i++ {
		for x := uint64(0); x <= full; x++ {
			if x&(1<<i) != 0 && within[x&^(1<<i)] {
				within[x] = true
			}
		}
	}
	// A set s meets every mask when no mask fits in its complement.
	meets := func(s uint64) bool { return !within[full&^s] }
	var pmask uint64
	for _, p := range pos {
		pmask |= 1 << (p - 1)
	}
	if !meets(pmask) {
		return nil
	}
	var sets []uint64
	// Enumerate the subsets of the positive criteria.
	for s := pmask; ; s = (s - 1) & pmask {
		if s != 0 && meets(s) {
			minimal := true
			for b := s; b != 0; b &= b - 1 {
				if meets(s &^ (b & -b)) {
					minimal = false
					break
				}
			}
			if minimal {
				sets = append(sets, s)
			}
		}
		if s == 0 {
			break
		}
	}
	out := make([][]int, len(sets))
	for i, s := range sets {
		for p := 1; p <= n; p++ {
			if s&(1<<(p-1)) != 0 {
				out[i] = append(out[i], p)
			}
		}
	}
	slices.SortFunc(out, func(a, b []int) int {
		if len(a) != len(b) {
			return len(a) - len(b)
		}
		return slices.Compare(a, b)
	})
	if len(out) > maxDriveOptions {
		out = out[:maxDriveOptions]
	}
	return out
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

var statementEnd = regexp.MustCompile(`;[ \t]*\n`)

// runScript runs an embedded SQL script statement by statement, binding the
// parameters to the statements that use them.
func (d *DB) runScript(ctx context.Context, script string, args ...any) error {
	for _, stmt := range statementEnd.Split(script, -1) {
		stmt = stripComments(stmt)
		if stmt == "" {
			continue
		}
		if !paramRef.MatchString(stmt) {
			if _, err := d.Exec(ctx, stmt); err != nil {
				return err
			}
			continue
		}
		if _, err := d.Exec(ctx, stmt, args...); err != nil {
			return err
		}
	}
	return nil
}

// stripComments drops the comment lines of a statement (they name the
// parameters too), and its final semicolon.
func stripComments(stmt string) string {
	var lines []string
	for _, line := range strings.Split(stmt, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "--") {
			lines = append(lines, line)
		}
	}
	return strings.TrimSuffix(strings.TrimSpace(strings.Join(lines, "\n")), ";")
}

// Changes reads the diff that EvaluateRules left in `change`. The slice is
// sized from a count first and the repetitive strings (territory, instance,
// source, rule, origin, reason) are shared between rows: at millions of rows
// they are most of the memory.
func (d *DB) Changes(ctx context.Context) ([]Change, error) {
	var n int64
	if err := d.QueryRow(ctx, `SELECT count(*) FROM change`).Scan(&n); err != nil {
		return nil, err
	}
	rows, err := d.Query(ctx, `SELECT action, coalesce(id, ''), account, territory, instance, source,
		coalesce(rule, ''), origin, start_date, end_date, send_to_crm, before_start, before_end, reason
		FROM change ORDER BY territory, account, source, origin, action DESC`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]Change, 0, n)
	in := Interner{}
	for rows.Next() {
		var c Change
		var beforeStart, beforeEnd *time.Time
		if err := rows.Scan(&c.Action, &c.ID, &c.Account, &c.Territory, &c.Instance, &c.Source, &c.Rule, &c.Origin,
			&c.StartDate, &c.EndDate, &c.SendToCRM, &beforeStart, &beforeEnd, &c.Reason); err != nil {
			return nil, err
		}
		c.StartDate = c.StartDate.UTC()
		c.EndDate = utcPtr(c.EndDate)
		if beforeStart != nil {
			c.Before = &Interval{StartDate: beforeStart.UTC(), EndDate: utcPtr(beforeEnd)}
		}
		in.Change(&c)
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
		  AND NOT EXISTS (SELECT 1 FROM crm_deletion w WHERE w.instance = mn.instance AND w.object = 'account__v' AND w.id = mn.account AND w.merged_into IS NOT NULL)
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

// Merged is a manual assignment of the config naming an account that was
// merged into another.
type Merged struct {
	Account, Winner, Territory string
}

// ManualOfMergedAccounts lists the manual assignments of the last evaluation
// that name a merged-away account: they apply to the winner.
func (d *DB) ManualOfMergedAccounts(ctx context.Context) ([]Merged, error) {
	rows, err := d.Query(ctx, `SELECT DISTINCT mn.account, w.merged_into, mn.territory FROM r_manual mn
		JOIN crm_deletion w ON w.instance = mn.instance AND w.object = 'account__v' AND w.id = mn.account AND w.merged_into IS NOT NULL
		ORDER BY 3, 1`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Merged
	for rows.Next() {
		var m Merged
		if err := rows.Scan(&m.Account, &m.Winner, &m.Territory); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}
