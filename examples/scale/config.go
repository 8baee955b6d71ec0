package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// The config repository: settings, mappings, the field forces with their
// inherited rules, one file of territories and one of roster members per
// field force. Written by hand rather than with a YAML encoder, so that it
// reads like what an alignment team keeps in git (flow style for the short
// entries, a comment above each rule).

func writeConfig(dir string, al *alignment, accounts int) error {
	if err := os.MkdirAll(filepath.Join(dir, "territories"), 0o755); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(dir, "roster"), 0o755); err != nil {
		return err
	}
	files := []struct {
		name  string
		write func(w *bufio.Writer)
	}{
		{"settings.yaml", func(w *bufio.Writer) { writeSettings(w, al, accounts) }},
		{"mappings.yaml", writeMappings},
		{"field-forces.yaml", func(w *bufio.Writer) { writeFieldForces(w, al) }},
	}
	for i, ff := range al.forces {
		tree := al.trees[i]
		files = append(files, struct {
			name  string
			write func(w *bufio.Writer)
		}{filepath.Join("territories", strings.ToLower(ff.id)+".yaml"), func(w *bufio.Writer) { writeTerritories(w, ff, tree) }})
	}
	files = append(files, struct {
		name  string
		write func(w *bufio.Writer)
	}{filepath.Join("roster", "members.yaml"), func(w *bufio.Writer) { writeRoster(w, al) }})
	for _, f := range files {
		if err := writeFile(filepath.Join(dir, f.name), f.write); err != nil {
			return err
		}
	}
	return nil
}

func writeFile(path string, write func(w *bufio.Writer)) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	write(w)
	return errors.Join(w.Flush(), f.Close())
}

func writeSettings(w *bufio.Writer, al *alignment, accounts int) {
	nterr := 0
	for _, t := range al.trees {
		nterr += len(t)
	}
	fmt.Fprintf(w, `# A generated alignment at scale (go run ./examples/scale): %d accounts,
# %d territories in %d field forces, %d rule criteria.
kind: settings
timezone: America/New_York
rule_selection_criteria: no_criteria
crm_instances:
  # The file CRM: the snapshot folder beside this one.
  - id: us
    type: file
    url: ../crm
    # Canadian accounts of the snapshot are not imported.
    countries: [US, PR]
inactive_account_statuses: [inactive__v]
`, accounts, nterr, len(al.forces), al.criteria)
}

func writeMappings(w *bufio.Writer) {
	w.WriteString(`# Inbound mappings: which CRM fields the rules may use.
kind: field_mapping
direction: inbound
crm_object: account__v
system:
  - {crm_field: specialty_1__v, active: true}
  - {crm_field: specialty_2__v, active: true}
  - {crm_field: npi__v, active: true}
# Custom fields keep their CRM names in Align, so that rules name them as
# the CRM does.
custom:
  - {crm_field: tier__c, align_field: tier__c}
---
kind: field_mapping
direction: inbound
crm_object: product_metrics__v
custom:
  - {crm_field: decile__c, align_field: decile__c}
`)
}

func writeFieldForces(w *bufio.Writer, al *alignment) {
	w.WriteString("# The field forces. Their rules are inherited by every territory; with\n# geography: true a rule takes the accounts in the territory's own ZIP codes.\n")
	for i, ff := range al.forces {
		if i > 0 {
			w.WriteString("---\n")
		}
		fmt.Fprintf(w, "kind: field_force\nid: %s\nname: %s\nstart_date: %s\nexclusive: %t\n", ff.id, quote(ff.name), configStart, ff.exclusive)
		if ff.copyProds {
			w.WriteString("copy_products_to_territories: true\n")
			fmt.Fprintf(w, "products: [%s]\n", strings.Join(ff.products, ", "))
		}
		if len(al.ffRules[i]) > 0 {
			w.WriteString("rules:\n")
		}
		for _, r := range al.ffRules[i] {
			writeRule(w, r, "  ")
		}
		if len(al.ffExclude[i]) > 0 {
			w.WriteString("exclusions:\n")
			for _, x := range al.ffExclude[i] {
				fmt.Fprintf(w, "  - {account: %s, start_date: %s, reason: %s}\n", x.account, x.start, quote(x.reason))
			}
		}
	}
}

func writeTerritories(w *bufio.Writer, ff *fieldForce, tree []*territory) {
	fmt.Fprintf(w, "# The %s territory tree: nation -> regions -> districts -> territories,\n# and Puerto Rico under its own root.\n", ff.name)
	for i, t := range tree {
		if i > 0 {
			w.WriteString("---\n")
		}
		fmt.Fprintf(w, "kind: territory\nid: %s\nname: %s\n", t.id, quote(t.name))
		if t.parent != "" {
			fmt.Fprintf(w, "parent: %s\n", t.parent)
		}
		fmt.Fprintf(w, "field_force: %s\ncrm_instance: us\ncountry: %s\nstart_date: %s\n", ff.id, t.country, configStart)
		if len(t.geos) > 0 {
			w.WriteString("geographies:\n")
			for _, g := range t.geos {
				fmt.Fprintf(w, "  - {code: %q", g.code)
				if g.start != "" {
					fmt.Fprintf(w, ", start_date: %s", g.start)
				}
				if g.end != "" {
					fmt.Fprintf(w, ", end_date: %s", g.end)
				}
				w.WriteString("}\n")
			}
		}
		if len(t.products) > 0 {
			fmt.Fprintf(w, "products: [%s]\n", strings.Join(t.products, ", "))
		}
		if len(t.exclusions) > 0 {
			w.WriteString("exclusions:\n")
			for _, x := range t.exclusions {
				if x.start == "" {
					fmt.Fprintf(w, "  - %s\n", x.account)
				} else {
					fmt.Fprintf(w, "  - {account: %s, start_date: %s}\n", x.account, x.start)
				}
			}
		}
		if len(t.assignments) > 0 {
			w.WriteString("assignments:\n")
			for _, a := range t.assignments {
				fmt.Fprintf(w, "  - {account: %s, start_date: 2026-02-01}\n", a)
			}
		}
		if len(t.rules) > 0 {
			w.WriteString("rules:\n")
			for _, r := range t.rules {
				writeRule(w, r, "  ")
			}
		}
	}
}

func writeRule(w *bufio.Writer, r *rule, indent string) {
	fmt.Fprintf(w, "%s# %s\n%s- id: %s\n", indent, r.comment, indent, r.id)
	in := indent + "  "
	if r.hierarchy {
		fmt.Fprintf(w, "%stype: hierarchy\n%sassign: child\n%sintermediaries: false\n", in, in, in)
		if r.ignoreSources != "" {
			fmt.Fprintf(w, "%signore_sources: [%s]\n", in, r.ignoreSources)
		}
	}
	if r.geography {
		fmt.Fprintf(w, "%sgeography: true\n", in)
	}
	if r.match != "" {
		fmt.Fprintf(w, "%smatch: %s\n", in, quote(r.match))
	}
	if r.notToCRM {
		fmt.Fprintf(w, "%ssend_to_crm: false\n", in)
	}
	if r.start != "" {
		fmt.Fprintf(w, "%sstart_date: %s\n", in, r.start)
	}
	fmt.Fprintf(w, "%scriteria:\n", in)
	for _, c := range r.criteria {
		fmt.Fprintf(w, "%s  - {field: %s, operator: %s", in, c.field, c.op)
		if c.op != "is_null" && c.op != "is_not_null" {
			fmt.Fprintf(w, ", value: %s", quote(c.value))
		}
		w.WriteString("}\n")
	}
}

func writeRoster(w *bufio.Writer, al *alignment) {
	w.WriteString("# The roster: who covers which territory. `user` is the user__sys\n# username or federated id.\n")
	for i, m := range al.members {
		if i > 0 {
			w.WriteString("---\n")
		}
		fmt.Fprintf(w, "kind: roster_member\nid: %s\nuser: %s\n", m.id, quote(m.user))
		if !m.mastered {
			w.WriteString("mastered_by_align: false\n")
		}
		w.WriteString("territories:\n")
		for _, t := range m.territories {
			fmt.Fprintf(w, "  - {territory: %s, start_date: %s", t.territory, t.start)
			if t.primary {
				w.WriteString(", primary: true")
			}
			w.WriteString("}\n")
		}
	}
}

// quote writes a YAML scalar: single-quoted when it holds a backslash (the
// "\," of IN lists, which double quotes would read as an escape), double
// quoted otherwise.
func quote(s string) string {
	if strings.Contains(s, `\`) {
		return "'" + strings.ReplaceAll(s, "'", "''") + "'"
	}
	return fmt.Sprintf("%q", s)
}
