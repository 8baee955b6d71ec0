package main

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
)

// Rule mixes. The default mix, "templates", spreads a dozen kinds of rule
// over the leaves (rules.go) and adds each field force's specialist and
// institution rules. The other mixes are the shapes customers write when
// they align by lists instead of by geographies, each on its own so that
// the benchmark can report what each costs: one or two rules per leaf
// territory, no field force rules, the same accounts, territories and
// snapshot. -criteria does not apply to them: the mix sets the rules.
type mix struct {
	name, doc string
	// leaf makes the rules of one leaf territory.
	leaf func(g *ruleMaker, t *territory, specialties []string) []*rule
}

// mixes are the -mix values, the default first.
var mixes = []mix{
	{name: "templates", doc: "a dozen kinds of rule over the leaves, every operator, and field force rules"},
	{name: "zip-lists", doc: "each leaf: postal code IN 50-500 codes, and a specialty IN the field force's list", leaf: zipListRules},
	{name: "specialty-lists", doc: "each leaf: specialty IN 5-15 specialties of the long tail in its geography (geography: true), HCPs only", leaf: specialtyListRules},
	{name: "many-criteria", doc: "each leaf: a ZIP list and seven more criteria on the account (9 in all)", leaf: manyCriteriaRules},
	{name: "multi-row", doc: "each leaf: a ZIP list, a call in the last 120 days, and a product metric (decile and product)", leaf: multiRowRules},
	{name: "expressions", doc: "each leaf: two match expressions, 1 AND (2 OR 3) AND NOT 4 and (1 AND 2) OR (3 AND 4)", leaf: expressionRules},
}

func mixNamed(name string) (mix, error) {
	for _, m := range mixes {
		if m.name == name {
			return m, nil
		}
	}
	names := make([]string, len(mixes))
	for i, m := range mixes {
		names[i] = m.name
	}
	return mix{}, fmt.Errorf("-mix %q: one of %s", name, strings.Join(names, ", "))
}

// mixRules replaces the alignment's rules with the mix's: none on the
// field forces, the mix's on every leaf.
func (al *alignment) mixRules(rng *rand.Rand, pop *population, m mix) {
	g := &ruleMaker{rng: rng, pop: pop}
	al.criteria, al.ffCriteria = 0, 0
	for i, tree := range al.trees {
		al.ffRules[i] = nil
		specs := al.forces[i].specialties
		for _, t := range tree {
			t.rules = nil
			if !t.leaf {
				continue
			}
			for _, r := range m.leaf(g, t, specs) {
				r.id = fmt.Sprintf("%s-%s-%d", strings.ToLower(t.id), m.name, len(t.rules)+1)
				t.rules = append(t.rules, r)
				al.criteria += len(r.criteria)
			}
		}
	}
}

// zipList is n postal codes, as one IN string: the leaf's own codes first,
// then the codes that follow them (its neighbours', as lists drawn by hand
// overlap at their edges).
func (g *ruleMaker) zipList(t *territory, n int) string {
	zips := g.pop.places.zips
	codes := make([]string, 0, n)
	seen := map[int]bool{}
	for _, z := range t.zips {
		if len(codes) == n {
			break
		}
		codes, seen[z] = append(codes, zips[z].code), true
	}
	start := slices.Max(t.zips)
	for z := (start + 1) % len(zips); len(codes) < n && z != start; z = (z + 1) % len(zips) {
		if pre := g.pop.places.prefixes; !seen[z] && pre[zips[z].prefix].country == pre[zips[start].prefix].country {
			codes = append(codes, zips[z].code)
		}
	}
	return strings.Join(codes, ", ")
}

// someSpecialties are n specialties: the field force's, then others of the
// long tail (past the ten largest), in weight order.
func someSpecialties(focus []string, n int) string {
	out := slices.Clone(focus)
	for _, s := range specialties[10:] {
		if len(out) >= n {
			break
		}
		if !slices.Contains(out, s.value) {
			out = append(out, s.value)
		}
	}
	return inList(out)
}

func zipListRules(g *ruleMaker, t *territory, specs []string) []*rule {
	return []*rule{{comment: "The territory's ZIP list, its focus specialists.", criteria: []criterion{
		{"address__v.postal_code__v", "in", g.zipList(t, 50+g.rng.IntN(451))},
		{"account__v.specialty_1__v", "in", inList(specs)},
	}}}
}

func specialtyListRules(g *ruleMaker, t *territory, specs []string) []*rule {
	return []*rule{{comment: "Prescribers of a list of specialties in the territory's geography.", geography: true, criteria: []criterion{
		{"account__v.record_type__v", "equals", "HCP"},
		{"account__v.specialty_1__v", "in", someSpecialties(specs, 5+g.rng.IntN(11))},
	}}}
}

func manyCriteriaRules(g *ruleMaker, t *territory, specs []string) []*rule {
	return []*rule{{comment: "Active, identified focus prescribers of the territory's ZIP list.", criteria: []criterion{
		{"address__v.postal_code__v", "in", g.zipList(t, 20+g.rng.IntN(31))},
		{"account__v.record_type__v", "equals", "HCP"},
		{"account__v.status__v", "not_equals", "inactive__v"},
		{"account__v.specialty_1__v", "in", someSpecialties(specs, 6)},
		{"account__v.specialty_2__v", "not_in", "Nurse Practitioner, Physician Assistant"},
		{"account__v.npi__v", "is_not_null", ""},
		{"account__v.tier__c", "in", "A, B, C"},
		{"account__v.npi__v", "starts_with", "1"},
		{"account__v.country__v", "equals", "US"},
	}}}
}

func multiRowRules(g *ruleMaker, t *territory, specs []string) []*rule {
	products := t.ff.products
	if len(products) == 0 {
		products = []string{"none"}
	}
	return []*rule{{comment: "Prescribers of the territory's ZIP list seen lately, high deciles of the field force's products.", criteria: []criterion{
		{"address__v.postal_code__v", "in", g.zipList(t, 50+g.rng.IntN(151))},
		{"call2__v.call_date__v", "less_than_days", "120"},
		{"product_metrics__v.decile__c", "greater_than", "5"},
		{"product_metrics__v.product__v", "in", inList(products)},
	}}}
}

func expressionRules(g *ruleMaker, t *territory, specs []string) []*rule {
	spec := inList(specs)
	return []*rule{
		{comment: "Focus specialists (first or second specialty) of the ZIP list, but not tier D.",
			match: "1 AND (2 OR 3) AND NOT 4", criteria: []criterion{
				{"address__v.postal_code__v", "in", g.zipList(t, 50+g.rng.IntN(151))},
				{"account__v.specialty_1__v", "in", spec},
				{"account__v.specialty_2__v", "in", spec},
				{"account__v.tier__c", "equals", "D"},
			}},
		{comment: "Focus specialists of the ZIP list, or the physicians of the territory's hospitals.",
			match: "(1 AND 2) OR (3 AND 4)", criteria: []criterion{
				{"address__v.postal_code__v", "in", g.zipList(t, 20+g.rng.IntN(31))},
				{"account__v.specialty_1__v", "in", spec},
				{"account__v.primary_parent__v", "in", g.hcosIn(t, 2)},
				{"account__v.record_type__v", "equals", "HCP"},
			}},
	}
}

// changeRules edits pct percent of the territory rules that have an IN list
// of two values or more, spread evenly: each drops the last value of its
// first such list. It is the benchmark's "change to 1% of the rules":
// applied to a freshly built alignment before the config is written, it
// gives the same config but for those rules.
func (al *alignment) changeRules(pct float64) int {
	var lists []*criterion
	for _, tree := range al.trees {
		for _, t := range tree {
			for _, r := range t.rules {
				for i := range r.criteria {
					c := &r.criteria[i]
					if c.op == "in" && strings.Contains(c.value, ", ") {
						lists = append(lists, c)
						break
					}
				}
			}
		}
	}
	n := int(float64(len(lists))*pct/100 + 0.5)
	for i := range n {
		c := lists[i*len(lists)/n]
		c.value = c.value[:strings.LastIndex(c.value, ", ")]
	}
	return n
}
