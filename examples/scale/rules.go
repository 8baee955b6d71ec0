package main

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
)

// Territory rules. Each leaf territory gets rules from a set of templates
// that an alignment team writes in practice (key hospitals, ZIP lists,
// recently called prescribers, ...); together they use every operator,
// match all / any / an expression, geography and hierarchy rules. The
// number of criteria is the -criteria flag, whatever the size.

// template makes one rule for a leaf; cost is its number of criteria.
type template struct {
	name   string
	cost   int
	weight int
	make   func(g *ruleMaker, t *territory) *rule
}

// ruleMaker holds what templates draw from.
type ruleMaker struct {
	rng *rand.Rand
	pop *population
}

// Every template is driven by something whose size does not grow with the
// data: a few small ZIP codes, a few hospitals, or the territory's own
// geography (with an equality criterion, so the engine can weigh it).
// Otherwise each rule would select a share of all accounts, and with the
// number of rules growing with the accounts the work would grow as their
// square: a benchmark of the data, not of the engine.
var templates = []template{
	{"key-hospitals", 2, 12, func(g *ruleMaker, t *territory) *rule {
		return &rule{comment: "Affiliates of the territory's key hospitals, unless inactive.", criteria: []criterion{
			{"account__v.primary_parent__v", "in", g.hcosIn(t, 2+g.rng.IntN(3))},
			{"account__v.status__v", "not_equals", "inactive__v"},
		}}
	}},
	{"zip-physicians", 3, 14, func(g *ruleMaker, t *territory) *rule {
		return &rule{comment: "Every physician of the territory's outlying ZIP codes.", criteria: []criterion{
			{"address__v.postal_code__v", "in", g.smallZips(t, 20)},
			{"account__v.record_type__v", "equals", "HCP"},
			{"account__v.specialty_1__v", "not_in", "Nurse Practitioner, Physician Assistant"},
		}}
	}},
	{"campus", 2, 10, func(g *ruleMaker, t *territory) *rule {
		h := g.hcosIn(t, 1)
		return &rule{comment: "A campus: the hospital and its affiliates.", match: "any", criteria: []criterion{
			{"account__v.id", "equals", h},
			{"account__v.primary_parent__v", "equals", h},
		}}
	}},
	{"recently-called", 2, 12, func(g *ruleMaker, t *territory) *rule {
		return &rule{comment: "Prescribers of a few ZIP codes a rep saw in the last 90 days.", criteria: []criterion{
			{"address__v.postal_code__v", "in", g.smallZips(t, 20)},
			{"call2__v.call_date__v", "less_than_days", "90"},
		}}
	}},
	{"lapsed-high-decile", 3, 7, func(g *ruleMaker, t *territory) *rule {
		return &rule{comment: "High-decile prescribers not seen for four months.", criteria: []criterion{
			{"address__v.postal_code__v", "in", g.smallZips(t, 20)},
			{"call2__v.call_date__v", "more_than_days", "120"},
			{"product_metrics__v.decile__c", "greater_than", "7"},
		}}
	}},
	{"cancer-centers", 2, 5, func(g *ruleMaker, t *territory) *rule {
		return &rule{comment: "Institutions with Cancer in their name, in the territory's geography.", geography: true, criteria: []criterion{
			{"account__v.record_type__v", "equals", "HCO"},
			{"account__v.name__v", "contains", "Cancer"},
		}}
	}},
	{"saints", 2, 5, func(g *ruleMaker, t *territory) *rule {
		return &rule{comment: "The St. hospitals and clinics of the territory's geography.", geography: true, criteria: []criterion{
			{"account__v.record_type__v", "equals", "HCO"},
			{"account__v.name__v", "starts_with", "St. "},
		}}
	}},
	{"low-decile-npi", 4, 6, func(g *ruleMaker, t *territory) *rule {
		return &rule{comment: "Low-decile prescribers with an NPI and one specialty.", criteria: []criterion{
			{"address__v.postal_code__v", "in", g.smallZips(t, 20)},
			{"account__v.npi__v", "is_not_null", ""},
			{"account__v.specialty_2__v", "is_null", ""},
			{"product_metrics__v.decile__c", "less_than", "4"},
		}}
	}},
	{"second-specialty", 1, 10, func(g *ruleMaker, t *territory) *rule {
		return &rule{comment: "Prescribers whose second specialty is a focus one, in the territory's geography.", geography: true, criteria: []criterion{
			{"account__v.specialty_2__v", "in", inList(t.ff.specialties)},
		}}
	}},
	{"hospital-affiliates", 2, 10, func(g *ruleMaker, t *territory) *rule {
		return &rule{comment: "Physicians affiliated with the territory's hospitals (and the hospitals).", criteria: []criterion{
			{"child_account__v.parent_account__v", "in", g.hcosIn(t, 1+g.rng.IntN(3))},
			{"account__v.specialty_1__v", "not_equals", "Nurse Practitioner"},
		}}
	}},
	{"hierarchy", 2, 8, func(g *ruleMaker, t *territory) *rule {
		return &rule{comment: "The physicians affiliated with what the territory gets, if seen in the last 180 days.",
			hierarchy: true, ignoreSources: "crm", criteria: []criterion{
				{"account__v.record_type__v", "equals", "HCP"},
				{"call2__v.call_date__v", "less_than_days", "180"},
			}}
	}},
}

// expression is the one match-expression rule of each field force (on its
// first territory). Not drawn with the templates: the engine drove an
// expression from every positive criterion, the broad specialties too, so
// its cost was the specialists of the whole country per rule (finding 11 of
// docs/benchmarks.md, fixed: it is driven by its ZIP codes now); kept at one
// per field force so that the generated data stay the same.
const expressionCost = 4

func expression(g *ruleMaker, t *territory) *rule {
	spec := inList(t.ff.specialties)
	return &rule{comment: "Focus specialists (first or second specialty) of a few ZIP codes, but not tier D.",
		match: "1 AND (2 OR 3) AND NOT 4", criteria: []criterion{
			{"address__v.postal_code__v", "in", g.smallZips(t, 20)},
			{"account__v.specialty_1__v", "in", spec},
			{"account__v.specialty_2__v", "in", spec},
			{"account__v.tier__c", "equals", "D"},
		}}
}

// filler is the last rule when fewer criteria are left than the drawn
// template needs, so that the total is exactly -criteria.
func filler(g *ruleMaker, t *territory, n int) *rule {
	crits := []criterion{
		{"address__v.postal_code__v", "in", g.smallZips(t, 2)},
		{"account__v.status__v", "equals", "active__v"},
		{"account__v.record_type__v", "equals", "HCP"},
	}
	return &rule{comment: "Active prescribers of two ZIP codes.", criteria: crits[:n]}
}

// minTerritoryCriteria is what one rule of each template takes, and the
// expression rules.
func minTerritoryCriteria(forces int) int {
	n := forces * expressionCost
	for _, t := range templates {
		n += t.cost
	}
	return n
}

// territoryRules spreads rules over the leaves, in a shuffled order so that
// every field force gets its share, until criteria are written in total:
// first one rule of each template (every operator appears at any size),
// then templates drawn by weight.
func (al *alignment) territoryRules(rng *rand.Rand, pop *population, criteria int) error {
	budget := criteria - al.ffCriteria
	if least := minTerritoryCriteria(len(al.forces)); budget < least {
		return fmt.Errorf("-criteria %d: needs at least %d (%d of field force rules, one territory rule of each kind, an expression rule per field force)",
			criteria, al.ffCriteria+least, al.ffCriteria)
	}
	g := &ruleMaker{rng: rng, pop: pop}
	var leaves []*territory
	for _, tree := range al.trees {
		first := true
		for _, t := range tree {
			if !t.leaf {
				continue
			}
			leaves = append(leaves, t)
			if first {
				r := expression(g, t)
				r.id = fmt.Sprintf("%s-specialists-not-tier-d-%d", strings.ToLower(t.id), len(t.rules)+1)
				t.rules = append(t.rules, r)
				budget -= len(r.criteria)
				al.criteria += len(r.criteria)
				first = false
			}
		}
	}
	order := rng.Perm(len(leaves))
	total := 0
	for _, tp := range templates {
		total += tp.weight
	}
	n := 0
	for budget > 0 {
		t := leaves[order[n%len(leaves)]]
		var tp template
		if n < len(templates) {
			tp = templates[n]
		} else {
			r := rng.IntN(total)
			for _, tp = range templates {
				if r < tp.weight {
					break
				}
				r -= tp.weight
			}
		}
		var r *rule
		if tp.cost <= budget {
			r = tp.make(g, t)
			r.id = fmt.Sprintf("%s-%s-%d", strings.ToLower(t.id), tp.name, len(t.rules)+1)
		} else {
			r = filler(g, t, budget)
			r.id = fmt.Sprintf("%s-active-%d", strings.ToLower(t.id), len(t.rules)+1)
		}
		// A few rules assign in Align only, and a few start next year.
		switch rng.IntN(40) {
		case 0:
			r.notToCRM = true
		case 1:
			r.start = "2027-01-01"
		}
		t.rules = append(t.rules, r)
		budget -= len(r.criteria)
		al.criteria += len(r.criteria)
		n++
	}
	return nil
}

// smallZipTarget is about how many accounts a ZIP-code rule selects,
// whatever the size of the data.
const smallZipTarget = 25

// smallZips picks up to n of the territory's least busy codes (outlying
// ones) holding about smallZipTarget accounts together, as one IN string,
// starting at a random one of the quietest so that rules differ.
func (g *ruleMaker) smallZips(t *territory, n int) string {
	byCount := slices.Clone(t.zips)
	count := func(z int) int { return len(g.pop.byZip[z]) }
	slices.SortStableFunc(byCount, func(a, b int) int { return count(a) - count(b) })
	// Empty codes select nothing: skip them while there are others.
	if i := slices.IndexFunc(byCount, func(z int) bool { return count(z) > 0 }); i >= 0 {
		byCount = byCount[i:]
	}
	byCount = byCount[g.rng.IntN(max(1, len(byCount)/4)):]
	var codes []string
	sum := 0
	for _, z := range byCount {
		if len(codes) == n || (len(codes) > 0 && sum+count(z) > smallZipTarget) {
			break
		}
		codes = append(codes, g.pop.places.zips[z].code)
		sum += count(z)
	}
	return strings.Join(codes, ", ")
}

// hcosIn draws up to n HCOs (hospitals first) of the territory's prefixes,
// as one IN string of account ids.
func (g *ruleMaker) hcosIn(t *territory, n int) string {
	var ids []string
	pl := g.pop.places
	for try := 0; try < 10*n && len(ids) < n; try++ {
		pre := pl.zips[t.zips[g.rng.IntN(len(t.zips))]].prefix
		list := g.pop.hospitals[pre]
		if len(list) == 0 || g.rng.IntN(3) == 0 {
			list = g.pop.hcos[pre]
		}
		if len(list) == 0 {
			continue
		}
		if id := accountID(list[g.rng.IntN(len(list))]); !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		// A territory with no HCO at all (a small size): any account will do.
		ids = append(ids, accountID(0))
	}
	return strings.Join(ids, ", ")
}
