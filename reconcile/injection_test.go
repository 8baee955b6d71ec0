package reconcile

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alignctl/alignctl/crm/file"
	"github.com/alignctl/alignctl/query"
	"github.com/alignctl/alignctl/schema"
)

// hostileValues are rule values that would change a statement's meaning if
// they were spliced into SQL text, or a LIKE pattern, or a format string.
var hostileValues = []string{
	`O'Brien`,
	`'`,
	`''`,
	`"`,
	`\"`,
	`'; DROP TABLE account_territory; --`,
	`" OR 1=1 --`,
	`' OR '1'='1`,
	`') OR true; --`,
	`a;b`,
	`;`,
	`Oncology' UNION SELECT id FROM crm_account__v --`,
	`x UNION SELECT 1`,
	`\`,
	`C:\path\`,
	`\,`,
	`Surgery\, Hand`,
	`$1`,
	`$2::VARCHAR`,
	`?`,
	`%s`,
	`%`,
	`_`,
	`%ncolog_`,
	`*`,
	`[a-z]*`,
	`.*`,
	`/* comment */`,
	`--`,
	`)`,
	`NULL`,
	`null`,
	`TRUE`,
	"nul\x00byte",
	"line\nbreak",
	"tab\there",
	`{{.}}`,
	`${HOME}`,
	"Zoë Ångström – 東京 🚀",
	"\u202egnirts",
	"  padded  ",
	",",
	strings.Repeat("long'value;", 1000),
}

// valueOperators are the operators that take a value.
var valueOperators = []string{"equals", "not_equals", "in", "not_in", "contains", "starts_with",
	"greater_than", "less_than", "more_than_days", "less_than_days"}

// Hostile rule values through the whole engine (YAML, validation, compile,
// the SQL of the rules engine, apply): every value either matches
// literally — the accounts a rule gets are exactly those whose field
// satisfies the operator on the value as text — or fails validation with an
// error naming its rule; and the state's tables are intact afterwards.
func TestHostileRuleValues(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

	// One account per hostile value, holding it as its specialty, and a
	// few ordinary ones; every rule is checked against all of them.
	fields := map[string]*string{}
	var rows [][]string
	for i, v := range hostileValues {
		id := fmt.Sprintf("H%02d", i)
		fields[id] = &hostileValues[i]
		rows = append(rows, []string{id, v})
	}
	for id, v := range map[string]string{"P1": "Oncology", "P2": "Medical Oncology", "P3": "O'Brien Clinic", "P4": "Surgery, Hand", "P5": "padded", "P6": ""} {
		if v == "" {
			fields[id] = nil // an empty field is NULL
		} else {
			fields[id] = &v
		}
		rows = append(rows, []string{id, v})
	}
	crmDir := t.TempDir()
	if err := os.CopyFS(crmDir, os.DirFS("../testdata/fixture/crm")); err != nil {
		t.Fatal(err)
	}
	writeAccounts(t, filepath.Join(crmDir, "account__v.csv"), rows)

	// A territory and a rule per operator and value.
	type ruleCase struct{ id, op, value string }
	var cases []ruleCase
	for _, op := range valueOperators {
		for i, v := range hostileValues {
			cases = append(cases, ruleCase{fmt.Sprintf("r-%s-%02d", op, i), op, v})
		}
	}
	configDir := t.TempDir()
	writeConfig := func(cs []ruleCase) {
		var b strings.Builder
		b.WriteString("kind: settings\ncrm_instances:\n  - {id: us, type: file, url: " + strconv.Quote(crmDir) + "}\n")
		b.WriteString("---\nkind: field_force\nid: FF\nname: FF\nstart_date: 2026-01-01\n")
		for _, c := range cs {
			fmt.Fprintf(&b, "---\nkind: territory\nid: T-%s\nname: T\nfield_force: FF\ncrm_instance: us\ncountry: US\nstart_date: 2026-01-01\n", c.id)
			fmt.Fprintf(&b, "rules:\n  - id: %s\n    criteria:\n      - field: account__v.specialty_1__v\n        operator: %s\n        value: %s\n",
				c.id, c.op, strconv.Quote(c.value))
		}
		if err := os.WriteFile(filepath.Join(configDir, "config.yaml"), []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// Validation: the rejected values are exactly those an operator cannot
	// take (days must be a whole number; in needs a value), each with an
	// error at its line that names the rule.
	writeConfig(cases)
	_, err := schema.LoadDir(configDir)
	var ds schema.Diagnostics
	if !errors.As(err, &ds) {
		t.Fatalf("load: %v, want diagnostics", err)
	}
	diagRE := regexp.MustCompile(`config\.yaml:[0-9]+:[0-9]+: rule (r-[a-z_]+-[0-9]+): criterion 1: `)
	rejected := map[string]bool{}
	for _, d := range ds {
		m := diagRE.FindStringSubmatch(d.String())
		if m == nil {
			t.Errorf("diagnostic %q names no position or rule", d)
			continue
		}
		rejected[m[1]] = true
	}
	var kept []ruleCase
	for _, c := range cases {
		days := c.op == "more_than_days" || c.op == "less_than_days"
		emptyIn := (c.op == "in" || c.op == "not_in") && len(schema.SplitIn(c.value)) == 0
		if want := days || emptyIn; rejected[c.id] != want {
			t.Errorf("rule %s (%s %q): rejected %t, want %t", c.id, c.op, clip(c.value), rejected[c.id], want)
		}
		if !rejected[c.id] {
			kept = append(kept, c)
		}
	}

	// What validation takes, the engine matches literally.
	writeConfig(kept)
	cfg, err := schema.LoadDir(configDir)
	if err != nil {
		t.Fatal(err)
	}
	db, err := query.Open(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	crmFiles := file.New(crmDir, func() time.Time { return now })
	if _, err := Import(ctx, db, cfg, []Source{{Instance: "us", CRM: crmFiles}}, ImportOptions{Now: now}); err != nil {
		t.Fatal(err)
	}
	imported := importedSpecialties(t, db)
	for id, v := range fields {
		got, ok := imported[id]
		if !ok || (v == nil) != (got == nil) || v != nil && *v != *got {
			t.Errorf("account %s: imported %s, the snapshot holds %s", id, show(got), show(v))
		}
	}
	tablesBefore := stateTables(t, db)

	p, err := MakePlan(ctx, db, cfg, PlanOptions{Now: now, Config: ConfigRef{Hash: cfg.Hash}})
	if err != nil {
		t.Fatal(err)
	}
	if err := Apply(ctx, db, cfg, p); err != nil {
		t.Fatal(err)
	}
	as, err := db.Assignments(ctx, query.AssignmentFilter{At: &now})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, a := range as {
		got[strings.TrimPrefix(a.Territory, "T-")] = append(got[strings.TrimPrefix(a.Territory, "T-")], a.Account)
	}
	for _, c := range kept {
		var want []string
		for id, v := range imported {
			if literally(c.op, c.value, v) {
				want = append(want, id)
			}
		}
		slices.Sort(want)
		have := got[c.id]
		slices.Sort(have)
		if !slices.Equal(have, want) {
			t.Errorf("rule %s: %s %q matched %v, want %v", c.id, c.op, clip(c.value), have, want)
		}
	}

	// The state is intact, and planning again changes nothing.
	if after := stateTables(t, db); !slices.Equal(after, tablesBefore) {
		t.Errorf("state tables changed:\nbefore %v\nafter  %v", tablesBefore, after)
	}
	if n := len(importedSpecialties(t, db)); n != len(fields) {
		t.Errorf("the state holds %d accounts, want %d", n, len(fields))
	}
	p, err = MakePlan(ctx, db, cfg, PlanOptions{Now: now, Config: ConfigRef{Hash: cfg.Hash}})
	if err != nil {
		t.Fatal(err)
	}
	if p.HasChanges() {
		t.Errorf("a second plan has changes: %+v", p.Summary)
	}
}

// literally is the operator applied to the value as text, as the engine's
// documentation says (docs/engine.md): the negative operators hold for an
// empty field; greater_than and less_than compare text when the value is
// neither a number nor a date, which no hostile value is.
func literally(op, value string, field *string) bool {
	has := field != nil
	f := ""
	if has {
		f = *field
	}
	switch op {
	case "equals":
		return has && f == value
	case "not_equals":
		return !has || f != value
	case "in":
		return has && slices.Contains(schema.SplitIn(value), f)
	case "not_in":
		return !has || !slices.Contains(schema.SplitIn(value), f)
	case "contains":
		return has && strings.Contains(f, value)
	case "starts_with":
		return has && strings.HasPrefix(f, value)
	case "greater_than":
		return has && f > value
	case "less_than":
		return has && f < value
	}
	panic("no oracle for " + op)
}

func writeAccounts(t *testing.T, path string, rows [][]string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	w.Write([]string{"id", "name__v", "country__v", "record_type__v", "specialty_1__v", "modified_date__v"})
	for _, r := range rows {
		w.Write([]string{r[0], "Account " + r[0], "US", "HCP", r[1], "2026-01-05T10:00:00Z"})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// importedSpecialties is account id -> specialty_1__v as the state holds it.
func importedSpecialties(t *testing.T, db *query.DB) map[string]*string {
	t.Helper()
	rows, err := db.Query(context.Background(), `SELECT id, specialty_1__v FROM `+query.Ident(query.CRMTable("account__v")))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]*string{}
	for rows.Next() {
		var id string
		var v *string
		if err := rows.Scan(&id, &v); err != nil {
			t.Fatal(err)
		}
		out[id] = v
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// stateTables lists the state's tables.
func stateTables(t *testing.T, db *query.DB) []string {
	t.Helper()
	return queryStrings(t, db, `SELECT table_name FROM duckdb_tables() WHERE NOT temporary ORDER BY table_name`)
}

// queryStrings runs a query of one VARCHAR column and returns its rows.
func queryStrings(t *testing.T, db *query.DB, q string) []string {
	t.Helper()
	rows, err := db.Query(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

func show(s *string) string {
	if s == nil {
		return "NULL"
	}
	return strconv.Quote(clip(*s))
}
