package schema

import (
	"errors"
	"fmt"
	"maps"
	"strings"
	"testing"
	"testing/fstest"
)

// baseFiles are a valid config that the cases below add to or override.
var baseFiles = map[string]string{
	"settings.yaml": `kind: settings
crm_instances:
  - {id: us, type: vault, url: "https://x.veevavault.com", api_version: v24.1, countries: [US, PR]}
  - {id: files, type: file, url: ./crm}
`,
	"ff.yaml": "kind: field_force\nid: ONC\nname: Oncology\n",
}

func TestLoadInvalid(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string // added to baseFiles; "" removes a base file
		want  []string
	}{
		{
			name:  "malformed YAML",
			files: map[string]string{"t.yaml": "kind: territory\nid: ONC-1\nname: [a,\n"},
			want: []string{
				"cfg/t.yaml:3: malformed YAML: did not find expected node content",
			},
		},
		{
			name:  "kinds",
			files: map[string]string{"x.yaml": "id: A\n---\nkind: territori\n---\nkind: 5\n---\n- kind: territory\n---\n# only a comment\n"},
			want: []string{
				"cfg/x.yaml:1:1: missing kind; want one of settings, field_force, territory, roster_member, field_mapping, policy",
				"cfg/x.yaml:3:7: unknown kind \"territori\"; want one of settings, field_force, territory, roster_member, field_mapping, policy; did you mean \"territory\"?",
				"cfg/x.yaml:5:7: kind: want one of settings, field_force, territory, roster_member, field_mapping, policy, got number 5",
				"cfg/x.yaml:7:1: a document must be a mapping with a kind: field (one of settings, field_force, territory, roster_member, field_mapping, policy), not a list",
			},
		},
		{
			name: "schema",
			files: map[string]string{"t.yaml": `kind: territory
id: ONC-1
name: 5
parnet: ONC
colour: red
field_force: ONC
crm_instance: us
country: US
start_date: 2026-02-30
end_date: 20261231
send_to_crm: yes
geographies:
  - code: 02134
  - {code: "0*21", start_date: 2026-1-1}
products: [KEYTRUDA, {product: OPDIVO, until: 2027-01-01}, 7]
exclusions: {account: A}
rules:
  - id: onc-1-a
    type: account
    criteria:
      - {field: account__v.specialty_1__v, operator: inn, value: Oncology}
      - {field: Account.Specialty, operator: in, value: [a, b]}
      - {operator: equals, value: x}
  - type: hierarchy
`},
			want: []string{
				"cfg/t.yaml:3:7: territory ONC-1: name: want a string, got number 5; quote it: \"5\"",
				"cfg/t.yaml:4:1: territory ONC-1: unknown field \"parnet\"; did you mean \"parent\"?",
				"cfg/t.yaml:5:1: territory ONC-1: unknown field \"colour\"; allowed: id, name, parent, field_force, crm_instance, country, start_date, end_date, send_to_crm, attributes, geographies, products, exclusions, assignments, rules",
				"cfg/t.yaml:9:13: territory ONC-1: start_date \"2026-02-30\" is not a date; write YYYY-MM-DD",
				"cfg/t.yaml:10:11: territory ONC-1: end_date: want a date YYYY-MM-DD or null, got number 20261231; quote it: \"20261231\"",
				"cfg/t.yaml:11:14: territory ONC-1: send_to_crm: want true or false, got string \"yes\"",
				"cfg/t.yaml:13:11: territory ONC-1: geography 02134: code: want a string, got number 02134; quote it: \"02134\"",
				"cfg/t.yaml:14:12: territory ONC-1: geography 0*21: code \"0*21\" must be a postal code, or a prefix that ends in *",
				"cfg/t.yaml:14:32: territory ONC-1: geography 0*21: start_date \"2026-1-1\" is not a date; write YYYY-MM-DD",
				"cfg/t.yaml:15:40: territory ONC-1: product OPDIVO: unknown field \"until\"; allowed: product, start_date, end_date, send_to_crm",
				"cfg/t.yaml:15:60: territory ONC-1: product: want a string or a mapping, got number 7; quote it: \"7\"",
				"cfg/t.yaml:16:13: territory ONC-1: exclusions: want a list, got a mapping",
				"cfg/t.yaml:21:54: rule onc-1-a: criterion 1: operator \"inn\" is not one of equals, not_equals, in, not_in, contains, starts_with, greater_than, less_than, is_null, is_not_null, more_than_days, less_than_days; did you mean \"in\"?",
				"cfg/t.yaml:22:17: rule onc-1-a: criterion 2: field \"Account.Specialty\" must be object.field in lower case, e.g. account__v.specialty_1__v",
				"cfg/t.yaml:22:57: rule onc-1-a: criterion 2: value: want a string, a number or a boolean, got a list",
				"cfg/t.yaml:23:9: rule onc-1-a: criterion 3: missing required field \"field\"",
				"cfg/t.yaml:24:5: territory ONC-1: rule: missing required field \"id\"",
			},
		},
		{
			name:  "no settings",
			files: map[string]string{"settings.yaml": ""},
			want: []string{
				"cfg: no settings document; add one with kind: settings",
			},
		},
		{
			name:  "two settings",
			files: map[string]string{"more/settings.yaml": "kind: settings\ncrm_instances: []\n---\nkind: settings\ncrm_instances: []\n"},
			want: []string{
				"cfg/more/settings.yaml:4:1: a second settings document; the first is at cfg/more/settings.yaml:1:1; keep exactly one",
				"cfg/settings.yaml:1:1: a second settings document; the first is at cfg/more/settings.yaml:1:1; keep exactly one",
			},
		},
		{
			name: "duplicate ids",
			files: map[string]string{
				"ff.yaml": "kind: field_force\nid: ONC\nname: Oncology\nrules: [{id: r1}]\n---\nkind: field_force\nid: ONC\nname: Again\n",
				"t.yaml": `kind: territory
id: T1
name: One
field_force: ONC
crm_instance: us
country: US
rules: [{id: r1}, {id: r2}, {id: r2}]
---
kind: territory
id: T1
name: One again
field_force: ONC
crm_instance: us
country: US
`,
				"r.yaml":        "kind: roster_member\nid: RM\nuser: a\n---\nkind: roster_member\nid: RM\nuser: b\n",
				"settings.yaml": "kind: settings\ncrm_instances:\n  - {id: us, type: file, url: a}\n  - {id: us, type: file, url: b}\n",
			},
			want: []string{
				"cfg/ff.yaml:7:5: field force ONC: duplicate id; the first is at cfg/ff.yaml:1:1",
				"cfg/r.yaml:6:5: roster member RM: duplicate id; the first is at cfg/r.yaml:1:1",
				"cfg/settings.yaml:4:10: crm instance us: duplicate id; the first is at cfg/settings.yaml:3:5",
				"cfg/t.yaml:7:14: rule r1: duplicate id; the first is at cfg/ff.yaml:4:9",
				"cfg/t.yaml:7:34: rule r2: duplicate id; the first is at cfg/t.yaml:7:19",
				"cfg/t.yaml:10:5: territory T1: duplicate id; the first is at cfg/t.yaml:1:1",
			},
		},
		{
			name: "dangling references",
			files: map[string]string{
				"t.yaml": `kind: territory
id: ONC-101
name: Boston
parent: ONC-100
field_force: ONX
crm_instance: eu
country: US
---
kind: territory
id: ONC-102
name: Cambridge
parent: ONC-1O1
field_force: ONC
crm_instance: us
country: US
`,
				"r.yaml": "kind: roster_member\nid: RM\nuser: a\nterritories: [{territory: ONC-103}]\n",
			},
			want: []string{
				"cfg/r.yaml:4:27: roster member RM: territory \"ONC-103\" is not a territory id",
				"cfg/t.yaml:4:9: territory ONC-101: parent \"ONC-100\" is not a territory id",
				"cfg/t.yaml:5:14: territory ONC-101: field_force \"ONX\" is not a field force id; did you mean \"ONC\"?",
				"cfg/t.yaml:6:15: territory ONC-101: crm_instance \"eu\" is not a crm instance of settings",
				"cfg/t.yaml:12:9: territory ONC-102: parent \"ONC-1O1\" is not a territory id",
			},
		},
		{
			name: "cycle",
			files: map[string]string{"t.yaml": `kind: territory
id: C
name: C
parent: A
field_force: ONC
crm_instance: us
country: US
---
kind: territory
id: A
name: A
parent: B
field_force: ONC
crm_instance: us
country: US
---
kind: territory
id: B
name: B
parent: C
field_force: ONC
crm_instance: us
country: US
---
kind: territory
id: SELF
name: Self
parent: SELF
field_force: ONC
crm_instance: us
country: US
---
kind: territory
id: UNDER
name: Under a cycle
parent: A
field_force: ONC
crm_instance: us
country: US
`},
			want: []string{
				"cfg/t.yaml:12:9: territory A: parent cycle A -> B -> C -> A; one of them must have another parent (null for a root)",
				"cfg/t.yaml:28:9: territory SELF: parent cycle SELF -> SELF; one of them must have another parent (null for a root)",
			},
		},
		{
			name: "end before start",
			files: map[string]string{
				"ff.yaml": `kind: field_force
id: ONC
name: Oncology
start_date: 2026-02-01
end_date: 2026-01-31
exclusions: [{account: A, start_date: 2026-02-01, end_date: 2026-01-01}]
products: [{product: P, start_date: 2026-02-01, end_date: 2026-01-01}]
rules: [{id: r1, start_date: 2026-02-01, end_date: 2026-01-01}]
`,
				"t.yaml": `kind: territory
id: T
name: T
field_force: ONC
crm_instance: us
country: US
start_date: 2026-02-01
end_date: 2026-01-01
geographies: [{code: "021*", start_date: 2026-02-01, end_date: 2026-01-01}]
assignments: [{account: A, start_date: 2026-02-01, end_date: 2026-01-01}]
`,
				"r.yaml": "kind: roster_member\nid: RM\nuser: a\nterritories: [{territory: T, start_date: 2026-02-01, end_date: 2026-01-01}]\n",
			},
			want: []string{
				"cfg/ff.yaml:5:11: field force ONC: end_date 2026-01-31 is before start_date 2026-02-01",
				"cfg/ff.yaml:6:61: field force ONC: exclusion A: end_date 2026-01-01 is before start_date 2026-02-01",
				"cfg/ff.yaml:7:59: field force ONC: product P: end_date 2026-01-01 is before start_date 2026-02-01",
				"cfg/ff.yaml:8:52: rule r1: end_date 2026-01-01 is before start_date 2026-02-01",
				"cfg/r.yaml:4:64: roster member RM: territory T: end_date 2026-01-01 is before start_date 2026-02-01",
				"cfg/t.yaml:8:11: territory T: end_date 2026-01-01 is before start_date 2026-02-01",
				"cfg/t.yaml:9:64: territory T: geography 021*: end_date 2026-01-01 is before start_date 2026-02-01",
				"cfg/t.yaml:10:62: territory T: assignment A: end_date 2026-01-01 is before start_date 2026-02-01",
			},
		},
		{
			name: "criteria",
			files: map[string]string{"ff.yaml": `kind: field_force
id: ONC
name: Oncology
rules:
  - id: r1
    criteria:
      - {field: acount__v.specialty_1__v, operator: equals, value: x}
      - {field: account__v.specialty_1__v, operator: equals}
      - {field: account__v.specialty_1__v, operator: is_null, value: x}
      - {field: call2__v.call_date__v, operator: more_than_days, value: -1}
      - {field: call2__v.call_date__v, operator: less_than_days, value: 1.5}
      - {field: call2__v.call_date__v, operator: less_than_days, value: "30"}
      - {field: account__v.specialty_1__v, operator: in, value: " , "}
      - {field: account__v.specialty_1__v, operator: not_in, value: "Plastic Surgery\\, Hand"}
      - {field: account__v.Specialty, operator: equals, value: x}
      - {field: address__v.postal_code__v, operator: starts_with, value: 021}
`},
			want: []string{
				"cfg/ff.yaml:7:17: rule r1: criterion 1: field acount__v.specialty_1__v: object acount__v is not one of account__v, address__v, call2__v, child_account__v, product_metrics__v (or the crm_object of an inbound field_mapping); did you mean \"account__v\"?",
				"cfg/ff.yaml:8:9: rule r1: criterion 2: operator equals needs a value",
				"cfg/ff.yaml:9:70: rule r1: criterion 3: operator is_null takes no value; remove value",
				"cfg/ff.yaml:10:73: rule r1: criterion 4: operator more_than_days needs a whole number of days, 0 or more; got \"-1\"",
				"cfg/ff.yaml:11:73: rule r1: criterion 5: operator less_than_days needs a whole number of days, 0 or more; got \"1.5\"",
				"cfg/ff.yaml:13:65: rule r1: criterion 7: operator in needs at least one value, comma-separated (\\, for a comma inside a value)",
				"cfg/ff.yaml:15:17: rule r1: criterion 9: field \"account__v.Specialty\" must be object.field in lower case, e.g. account__v.specialty_1__v",
			},
		},
		{
			name: "match",
			files: map[string]string{"ff.yaml": `kind: field_force
id: ONC
name: Oncology
rules:
  - id: r1
    match: 1 AND (2 OR 3
    criteria: &three
      - {field: account__v.a, operator: is_null}
      - {field: account__v.b, operator: is_null}
      - {field: account__v.c, operator: is_null}
  - id: r2
    match: 1 AND 4
    criteria: *three
  - id: r3
    match: 1 AND 2
    criteria: *three
  - id: r4
    match: ALL
    criteria: *three
`},
			want: []string{
				"cfg/ff.yaml:6:12: rule r1: match \"1 AND (2 OR 3\": column 14: \"(\" at column 7 is not closed",
				"cfg/ff.yaml:12:12: rule r2: match \"1 AND 4\": column 7: there is no criterion 4: the rule has criteria 1 to 3",
				"cfg/ff.yaml:15:12: rule r3: match \"1 AND 2\" does not use criterion 3; use it or remove the criterion",
				"cfg/ff.yaml:18:12: rule r4: match \"ALL\": write all in lower case",
			},
		},
		{
			name: "hierarchy",
			files: map[string]string{"ff.yaml": `kind: field_force
id: ONC
name: Oncology
rules:
  - {id: h1, type: hierarchy}
  - {id: h2, type: hierarchy, assign: sideways}
  - {id: a1, assign: child, intermediaries: false, ignore_sources: [manual]}
  - {id: a2, account_sources: []}
  - {id: a3, account_sources: [crm, crm, data_loader]}
`},
			want: []string{
				"cfg/ff.yaml:5:5: rule h1: a hierarchy rule needs assign: child or parent",
				"cfg/ff.yaml:6:39: rule h2: assign \"sideways\" is not one of child, parent",
				"cfg/ff.yaml:7:22: rule a1: assign is for hierarchy rules only; remove it or set type: hierarchy",
				"cfg/ff.yaml:7:45: rule a1: intermediaries is for hierarchy rules only; remove it or set type: hierarchy",
				"cfg/ff.yaml:7:68: rule a1: ignore_sources is for hierarchy rules only; remove it or set type: hierarchy",
				"cfg/ff.yaml:8:31: rule a2: account_sources is empty; list crm, data_loader or both",
				"cfg/ff.yaml:9:31: rule a3: account_sources lists crm twice",
				"cfg/ff.yaml:9:31: rule a3: account_sources has data_loader but settings has no data_loader folder",
			},
		},
		{
			name: "send_to_crm",
			files: map[string]string{"t.yaml": `kind: territory
id: T
name: T
field_force: ONC
crm_instance: us
country: US
send_to_crm: false
products: [P1, {product: P2, send_to_crm: true}, {product: P3, send_to_crm: false}]
assignments: [{account: A1}, {account: A2, send_to_crm: true}]
rules: [{id: r1}, {id: r2, send_to_crm: true}]
`},
			want: []string{
				"cfg/t.yaml:8:43: territory T: product P2: send_to_crm is true but the territory's is false; remove it or make it false",
				"cfg/t.yaml:9:57: territory T: assignment A2: send_to_crm is true but the territory's is false; remove it or make it false",
				"cfg/t.yaml:10:41: rule r2: send_to_crm is true but territory T's is false; remove it or make it false",
			},
		},
		{
			name: "roster",
			files: map[string]string{
				"t.yaml": "kind: territory\nid: T\nname: T\nfield_force: ONC\ncrm_instance: us\ncountry: US\n",
				"r.yaml": `kind: roster_member
id: RM
user: a
territories:
  - {territory: T, primary: true, end_date: 2026-06-01}
  - {territory: T, primary: true, start_date: 2026-06-01}
  - {territory: T, primary: true, start_date: 2026-05-01}
`,
			},
			want: []string{
				"cfg/r.yaml:7:29: roster member RM: territory T: a second primary territory (territory T at cfg/r.yaml:5:5 is primary at the same time); keep one",
			},
		},
		{
			name: "assignments",
			files: map[string]string{"t.yaml": `kind: territory
id: T
name: T
field_force: ONC
crm_instance: us
country: US
assignments:
  - {account: A, start_date: 2026-01-01, end_date: 2026-03-01}
  - {account: A, start_date: 2026-03-01}
  - {account: A, start_date: 2026-02-01, end_date: 2026-02-15}
  - {account: A, start_date: 2026-02-01, send_to_crm: false}
  - {account: B}
`},
			want: []string{
				"cfg/t.yaml:10:5: territory T: assignment A: overlaps the assignment of the same account at cfg/t.yaml:8:5; end one before the other starts",
			},
		},
		{
			name: "settings and mappings",
			files: map[string]string{
				"settings.yaml": `kind: settings
timezone: Mars/Olympus_Mons
rule_selection_criteria: none
crm_instances:
  - {id: us, type: vault, url: "https://x.veevavault.com"}
guardrails: {min_accounts_per_territory: 50, max_accounts_per_territory: 10}
`,
				"m.yaml": `kind: field_mapping
direction: sideways
crm_object: Account
---
kind: field_mapping
direction: inbound
crm_object: account__v
system: [{crm_field: specialty_1__v}]
custom: [{crm_field: specialty_1__v, align_field: specialty}]
---
kind: field_mapping
direction: inbound
crm_object: account__v
`,
			},
			want: []string{
				"cfg/m.yaml:2:12: field mapping sideways Account: direction \"sideways\" is not one of inbound, outbound",
				"cfg/m.yaml:3:13: field mapping sideways Account: crm_object \"Account\" must start with a lower-case letter and hold only a-z, 0-9 and _ (it becomes a SQL name)",
				"cfg/m.yaml:9:22: field mapping inbound account__v: crm_field specialty_1__v is mapped twice; the first is at cfg/m.yaml:8:10",
				"cfg/m.yaml:11:1: field mapping inbound account__v: a second mapping of the same object and direction; the first is at cfg/m.yaml:5:1",
				"cfg/settings.yaml:2:11: settings: timezone \"Mars/Olympus_Mons\" is not a time zone; use an IANA name such as UTC or Europe/Paris",
				"cfg/settings.yaml:3:26: settings: rule_selection_criteria \"none\" is not one of no_criteria, by_send_to_crm",
				"cfg/settings.yaml:5:5: crm instance us: type vault needs api_version, e.g. v25.1",
			},
		},
		{
			name: "guardrails",
			files: map[string]string{"settings.yaml": `kind: settings
crm_instances: []
guardrails:
  min_accounts_per_territory: 50
  max_accounts_per_territory: 10
`},
			want: []string{
				"cfg/settings.yaml:4:31: settings: guardrails: min_accounts_per_territory 50 is more than max_accounts_per_territory 10",
			},
		},
		{
			name:  "data_loader",
			files: map[string]string{"ff.yaml": "kind: field_force\nid: ONC\nname: Oncology\nrules: [{id: r1, account_sources: [data_loader]}]\n"},
			want: []string{
				"cfg/ff.yaml:4:35: rule r1: account_sources has data_loader but settings has no data_loader folder",
			},
		},
		{
			name:  "YAML keys and tags",
			files: map[string]string{"t.yaml": "kind: field_force\nid: X\nid: Y\nname: !custom x\n[a]: b\n"},
			want: []string{
				"cfg/t.yaml:3:1: duplicate key \"id\"; the first is at line 2",
				"cfg/t.yaml:4:7: unsupported YAML tag !custom; remove it",
				"cfg/t.yaml:5:1: a mapping key must be a plain string",
			},
		},
		{
			name: "a broken document is still known to references",
			files: map[string]string{"t.yaml": `kind: territory
id: PARENT
name: Parent
field_force: ONC
crm_instance: us
country: US
colour: red
---
kind: territory
id: CHILD
name: Child
parent: PARENT
field_force: ONC
crm_instance: us
country: US
`},
			want: []string{
				"cfg/t.yaml:7:1: territory PARENT: unknown field \"colour\"; allowed: id, name, parent, field_force, crm_instance, country, start_date, end_date, send_to_crm, attributes, geographies, products, exclusions, assignments, rules",
			},
		},
		{
			name: "several errors at once",
			files: map[string]string{
				"territories/onc.yaml": `kind: territory
id: ONC-101
name: Boston North
parent: ONC-100
field_force: ONC
crm_instance: us
country: US
start_date: 2026-03-01
end_date: 2026-01-01
rules:
  - id: onc-101
    criteria:
      - {field: account__v.specialty_1__v, operator: inn, value: Oncology}
`,
				"territories/onc-102.yaml": `kind: territory
id: ONC-102
name: Cambridge
field_force: ONC
crm_instance: us
country: US
rules:
  - id: onc-102
    match: 1 OR 2
    criteria:
      - {field: account__v.specialty_1__v, operator: in, value: Oncology}
`,
				"roster.yaml": "kind: roster_member\nid: RM-1\nuser: jdoe\nterritories: [{territory: ONC-101}, {territory: ONC-103}]\n",
			},
			want: []string{
				"cfg/roster.yaml:4:49: roster member RM-1: territory \"ONC-103\" is not a territory id",
				"cfg/territories/onc-102.yaml:9:12: rule onc-102: match \"1 OR 2\": column 6: there is no criterion 2: the rule has 1 criterion",
				"cfg/territories/onc.yaml:4:9: territory ONC-101: parent \"ONC-100\" is not a territory id",
				"cfg/territories/onc.yaml:9:11: territory ONC-101: end_date 2026-01-01 is before start_date 2026-03-01",
				"cfg/territories/onc.yaml:13:54: rule onc-101: criterion 1: operator \"inn\" is not one of equals, not_equals, in, not_in, contains, starts_with, greater_than, less_than, is_null, is_not_null, more_than_days, less_than_days; did you mean \"in\"?",
			},
		},
		{
			name: "attributes are identifiers with string values",
			files: map[string]string{
				"ff.yaml": "kind: field_force\nid: ONC\nname: Oncology\nattributes: {region_code: NE, Region-Code: x}\n",
				"t.yaml":  "kind: territory\nid: T1\nname: T\nfield_force: ONC\ncrm_instance: us\ncountry: US\nattributes:\n  region_code: 12\n  tier: [a]\n  ok: \"12\"\n",
				"m.yaml":  "kind: field_mapping\ndirection: outbound\ncrm_object: territory__v\ncustom:\n  - {crm_field: region_code__c, align_field: region_code}\n  - {crm_field: ok__c, align_field: ok}\n",
			},
			want: []string{
				"cfg/ff.yaml:4:31: field force ONC: attributes key \"Region-Code\" must start with a lower-case letter and hold only a-z, 0-9 and _ (it becomes a SQL name)",
				"cfg/t.yaml:8:16: territory T1: attributes.region_code: want a string, got number 12; quote it: \"12\"",
				"cfg/t.yaml:9:9: territory T1: attributes.tier: want a string, got a list",
			},
		},
		{
			name: "outbound mappings push can honour",
			files: map[string]string{
				"t.yaml": "kind: territory\nid: T1\nname: T\nfield_force: ONC\ncrm_instance: us\ncountry: US\nattributes: {region_code: NE}\n",
				"m.yaml": `kind: field_mapping
direction: outbound
crm_object: territory__v
system:
  - {crm_field: description__v, active: false}
  - {crm_field: name__v, active: false}
  - {crm_field: owner__v, active: false}
custom:
  - {crm_field: region_code__c, align_field: region_code}
  - {crm_field: area__c, align_field: area}
  - {crm_field: external_id__v, align_field: region_code}
---
kind: field_mapping
direction: outbound
crm_object: account_territory__v
system: [{crm_field: territory__v, active: false}]
custom: [{crm_field: note__c, align_field: region_code}]
---
kind: field_mapping
direction: outbound
crm_object: territory_metrics__c
`,
			},
			want: []string{
				"cfg/m.yaml:6:34: field mapping outbound territory__v: name__v cannot be deactivated: it is the territory's key: push and import find the territory__v record by it",
				"cfg/m.yaml:7:17: field mapping outbound territory__v: owner__v is not a system mapping of territory__v (those are name__v, description__v, parent_territory__v, country__v); map it under custom",
				"cfg/m.yaml:10:39: field mapping outbound territory__v: align_field area: no territory has attributes.area (nor its field force)",
				"cfg/m.yaml:11:17: field mapping outbound territory__v: crm_field external_id__v is written by push itself; map another field",
				"cfg/m.yaml:11:46: field mapping outbound territory__v: align_field region_code is given twice; the first is at cfg/m.yaml:9:5",
				"cfg/m.yaml:16:44: field mapping outbound account_territory__v: territory__v cannot be deactivated: an account_territory__v record is an account and a territory",
				"cfg/m.yaml:17:9: field mapping outbound account_territory__v: custom outbound mappings write territory attributes, so only territory__v takes them",
				"cfg/m.yaml:21:13: field mapping outbound territory_metrics__c: push writes account_territory__v, my_setup_products__v, territory__v, user_territory__v only; an outbound mapping of territory_metrics__c would do nothing",
			},
		},
	}
	schema, err := compileSchema()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := maps.Clone(baseFiles)
			maps.Copy(files, tt.files)
			fsys := fstest.MapFS{}
			for name, data := range files {
				if data != "" {
					fsys[name] = &fstest.MapFile{Data: []byte(data)}
					agreeWithCUE(t, schema, name, []byte(data))
				}
			}
			cfg, err := LoadFS(fsys, "cfg")
			if err == nil {
				t.Fatalf("loaded %+v, want errors", cfg)
			}
			var ds Diagnostics
			if !errors.As(err, &ds) {
				t.Fatalf("error %T, want Diagnostics: %v", err, err)
			}
			got := strings.Split(err.Error(), "\n")
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				var b strings.Builder
				for _, l := range got {
					fmt.Fprintf(&b, "\t\t\t\t%#v,\n", l)
				}
				t.Errorf("got:\n%s", b.String())
			}
		})
	}
}
