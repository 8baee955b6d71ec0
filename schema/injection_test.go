package schema

import (
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
)

// Field names become SQL identifiers (and Vault field names): a criterion's
// field is accepted only as object.field where object is one of the objects
// joined to the account or the crm_object of an inbound mapping, both parts
// lower-case identifiers; mapping names are identifiers too. Everything
// else is an error at the field's position, naming the rule.
func TestHostileFieldNames(t *testing.T) {
	mustBe := `must be object.field in lower case, e.g. account__v.specialty_1__v`
	notObject := `is not one of account__v, address__v, call2__v, child_account__v, product_metrics__v`
	for _, tc := range []struct {
		field, want string
	}{
		{`account__v.x"; DROP TABLE account_territory; --`, mustBe},
		{`account__v.specialty_1__v OR 1=1`, mustBe},
		{`account__v.specialty_1__v --`, mustBe},
		{`account__v.specialty_1__v;`, mustBe},
		{`account__v."specialty_1__v"`, mustBe},
		{`account__v.specialty_1__v.x`, mustBe},
		{`account__v.`, mustBe},
		{`.specialty_1__v`, mustBe},
		{`account__v`, mustBe},
		{`account__v.*`, mustBe},
		{"account__v.specialty_1__v\x00", mustBe},
		{"account__v.specialty_1__v\n", mustBe},
		{`Account__v.specialty_1__v`, mustBe},
		{`account__v.spécialité`, mustBe},
		{`account__v.1specialty`, mustBe},
		{`crm_account__v.id`, notObject},
		{`foo.bar`, notObject},
		{`account_territory.rule`, notObject},
		{`territory__v.name__v`, notObject},
		{`user__sys.username__sys`, notObject},
		{`information_schema.tables`, notObject},
		{`account_territory__v.x`, notObject},
	} {
		t.Run(tc.field, func(t *testing.T) {
			files := maps.Clone(baseFiles)
			files["ff.yaml"] = "kind: field_force\nid: ONC\nname: Oncology\nrules:\n  - id: r1\n    criteria:\n      - field: " +
				strconv.Quote(tc.field) + "\n        operator: equals\n        value: x\n"
			files["out.yaml"] = "kind: field_mapping\ndirection: outbound\ncrm_object: account_territory__v\nsystem: [{crm_field: account__v}]\n"
			got := loadErrors(t, files)
			want := "cfg/ff.yaml:7:16: rule r1: criterion 1: field "
			if len(got) != 1 || !strings.HasPrefix(got[0], want) || !strings.Contains(got[0], tc.want) {
				t.Fatalf("errors %q, want one %q...%q", got, want, tc.want)
			}
		})
	}

	// The objects an inbound mapping adds are accepted, by that name only.
	files := maps.Clone(baseFiles)
	files["in.yaml"] = "kind: field_mapping\ndirection: inbound\ncrm_object: speaker__c\ncustom: [{crm_field: tier__c, align_field: tier}]\n"
	files["ff.yaml"] = "kind: field_force\nid: ONC\nname: Oncology\nrules:\n  - id: r1\n    criteria:\n      - {field: speaker__c.tier, operator: equals, value: x}\n"
	if _, err := LoadFS(mapFS(files), "cfg"); err != nil {
		t.Fatalf("a field of a mapped object: %v", err)
	}
}

// Mapping names become SQL identifiers and Vault names too.
func TestHostileMappingNames(t *testing.T) {
	for _, name := range []string{`x"; DROP TABLE t; --`, `a b`, `A__c`, `tier__c;`, `1x`, `tier-c`, `"tier__c"`, ``} {
		for _, doc := range []string{
			"kind: field_mapping\ndirection: inbound\ncrm_object: %s\ncustom: [{crm_field: tier__c, align_field: tier}]\n",
			"kind: field_mapping\ndirection: inbound\ncrm_object: speaker__c\ncustom: [{crm_field: %s, align_field: tier}]\n",
			"kind: field_mapping\ndirection: inbound\ncrm_object: speaker__c\ncustom: [{crm_field: tier__c, align_field: %s}]\n",
			"kind: field_mapping\ndirection: inbound\ncrm_object: account__v\nsystem: [{crm_field: %s}]\n",
		} {
			files := maps.Clone(baseFiles)
			files["m.yaml"] = fmt.Sprintf(doc, strconv.Quote(name))
			got := loadErrors(t, files)
			if len(got) != 1 || !strings.HasPrefix(got[0], "cfg/m.yaml:") {
				t.Errorf("%q: errors %q, want one at cfg/m.yaml", files["m.yaml"], got)
			}
		}
	}
}

// Rule values are data: validation takes any text for the text operators,
// whatever SQL or format characters it holds (the engine matches it
// literally: reconcile's TestHostileRuleValues), and refuses it where a
// number of days is due.
func TestHostileRuleValuesValidate(t *testing.T) {
	for _, v := range []string{`'; DROP TABLE account_territory; --`, `" OR 1=1 --`, `%`, `_`, `$1`, `%s`, "nul\x00", "a\nb", `\`, `UNION SELECT 1`} {
		for _, op := range []string{"equals", "not_equals", "in", "not_in", "contains", "starts_with", "greater_than", "less_than"} {
			files := maps.Clone(baseFiles)
			files["ff.yaml"] = fmt.Sprintf("kind: field_force\nid: ONC\nname: Oncology\nrules:\n  - id: r1\n    criteria:\n      - {field: account__v.specialty_1__v, operator: %s, value: %s}\n", op, strconv.Quote(v))
			if _, err := LoadFS(mapFS(files), "cfg"); err != nil {
				t.Errorf("%s %q: %v", op, v, err)
			}
		}
		for _, op := range []string{"more_than_days", "less_than_days"} {
			files := maps.Clone(baseFiles)
			files["ff.yaml"] = fmt.Sprintf("kind: field_force\nid: ONC\nname: Oncology\nrules:\n  - id: r1\n    criteria:\n      - {field: call2__v.call_date__v, operator: %s, value: %s}\n", op, strconv.Quote(v))
			got := loadErrors(t, files)
			if len(got) != 1 || !strings.Contains(got[0], "needs a whole number of days") {
				t.Errorf("%s %q: errors %q, want one: needs a whole number of days", op, v, got)
			}
		}
	}
}

func mapFS(files map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for name, data := range files {
		if data != "" {
			fsys[name] = &fstest.MapFile{Data: []byte(data)}
		}
	}
	return fsys
}

// loadErrors loads files and returns its diagnostics, one per line.
func loadErrors(t *testing.T, files map[string]string) []string {
	t.Helper()
	cfg, err := LoadFS(mapFS(files), "cfg")
	if err == nil {
		t.Fatalf("loaded %+v, want errors", cfg)
	}
	var ds Diagnostics
	if !errors.As(err, &ds) {
		t.Fatalf("error %T, want Diagnostics: %v", err, err)
	}
	return strings.Split(err.Error(), "\n")
}
