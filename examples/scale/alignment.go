package main

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
)

// The alignment: per field force a territory tree (nation -> regions ->
// districts -> territories, plus a Puerto Rico root), each leaf's ZIP
// geographies, the rules, exclusions, manual assignments, and the roster.
// Everything here is what config.go writes as YAML; the snapshot reuses the
// users and the Oncology tree (already in the CRM).

type territory struct {
	id, name, parent, country string
	ff                        *fieldForce
	leaf                      bool
	zips                      []int // leaves: the ZIP codes it covers
	geos                      []geography
	rules                     []*rule
	exclusions                []exclusion
	assignments               []string // account ids, manual
	products                  []string
}

type geography struct{ code, start, end string }

type exclusion struct{ account, start, reason string }

type rule struct {
	id, comment   string
	hierarchy     bool
	geography     bool
	match         string // "" is the default, all
	notToCRM      bool
	start         string
	criteria      []criterion
	ignoreSources string
}

type criterion struct{ field, op, value string }

type member struct {
	id, user    string
	mastered    bool
	territories []memberTerritory
}

type memberTerritory struct {
	territory string
	primary   bool
	start     string
}

type user struct {
	id, username, federated, first, last string
	active                               bool
}

type alignment struct {
	forces     []*fieldForce
	trees      [][]*territory // per field force, parents before children
	ffRules    [][]*rule
	ffExclude  [][]exclusion
	members    []member
	users      []user
	reps       []int // indexes into users of active field reps, for call owners
	criteria   int   // criteria written, in total
	ffCriteria int
}

// configStart is when the alignment's field forces and territories start.
const configStart = "2026-01-01"

// territoriesPerForce splits a field force's budget into a tree: leaves
// grouped eight to a district and districts eight to a region (Vault allows
// 100 children), one Puerto Rico leaf per 40 US ones under their own root
// (a tree stays inside one country). It returns the counts that fit.
func territoriesPerForce(budget, prCodes int) (us, pr, districts, regions int, err error) {
	for l := budget; l >= 2; l-- {
		pr = min(100, prCodes, max(1, l/40))
		us = l - pr
		if us < 1 {
			continue
		}
		districts = (us + 7) / 8
		regions = (districts + 7) / 8
		if 1+regions+districts+us+1+pr <= budget && regions <= 100 {
			return us, pr, districts, regions, nil
		}
	}
	return 0, 0, 0, 0, fmt.Errorf("%d territories per field force is too few: a tree needs at least 6", budget)
}

// buildAlignment lays out nff field forces with territories in total (all
// levels) and about criteria rule criteria.
func buildAlignment(rng *rand.Rand, pop *population, nff, territories, criteria int) (*alignment, error) {
	al := &alignment{forces: make([]*fieldForce, nff)}
	for i := range nff {
		al.forces[i] = &fieldForces[i]
	}
	for i, ff := range al.forces {
		budget := territories / nff
		if i < territories%nff {
			budget++
		}
		tree, err := al.tree(rng, pop, ff, budget)
		if err != nil {
			return nil, err
		}
		al.trees = append(al.trees, tree)
		rules := forceRules(ff)
		for _, r := range rules {
			al.ffCriteria += len(r.criteria)
		}
		al.ffRules = append(al.ffRules, rules)
		al.ffExclude = append(al.ffExclude, al.forceExclusions(rng, pop, ff))
	}
	al.criteria = al.ffCriteria
	if err := al.territoryRules(rng, pop, criteria); err != nil {
		return nil, err
	}
	al.roster(rng)
	return al, nil
}

// tree builds one field force's territories and splits the ZIP codes among
// its leaves, balanced by the accounts they hold.
func (al *alignment) tree(rng *rand.Rand, pop *population, ff *fieldForce, budget int) ([]*territory, error) {
	nUS, nPR, nDistricts, nRegions, err := territoriesPerForce(budget, len(pop.places.codes["PR"]))
	if err != nil {
		return nil, err
	}
	var out []*territory
	nation := &territory{id: ff.id + "-NAT", name: ff.name + " National", country: "US", ff: ff}
	out = append(out, nation)
	regions := make([]*territory, nRegions)
	for r := range regions {
		regions[r] = &territory{id: fmt.Sprintf("%s-R%02d", ff.id, r+1), parent: nation.id, country: "US", ff: ff}
		out = append(out, regions[r])
	}
	districts := make([]*territory, nDistricts)
	for d := range districts {
		districts[d] = &territory{id: fmt.Sprintf("%s-D%03d", ff.id, d+1), parent: regions[d/8].id, country: "US", ff: ff}
		out = append(out, districts[d])
	}
	usLeaves := make([]*territory, nUS)
	for l := range usLeaves {
		usLeaves[l] = &territory{id: fmt.Sprintf("%s-T%04d", ff.id, l+1), parent: districts[l/8].id, country: "US", ff: ff, leaf: true}
		out = append(out, usLeaves[l])
	}
	prRoot := &territory{id: ff.id + "-PR", name: ff.name + " Puerto Rico", country: "PR", ff: ff}
	out = append(out, prRoot)
	prLeaves := make([]*territory, nPR)
	for l := range prLeaves {
		prLeaves[l] = &territory{id: fmt.Sprintf("%s-PR%02d", ff.id, l+1), parent: prRoot.id, country: "PR", ff: ff, leaf: true}
		out = append(out, prLeaves[l])
	}
	for _, country := range []string{"US", "PR"} {
		leaves := usLeaves
		if country == "PR" {
			leaves = prLeaves
		}
		split(pop, country, leaves)
	}
	// Names: a leaf after the town and state of its first code, a district
	// or region after its first leaf's state.
	pl := pop.places
	for _, t := range out {
		if t.leaf {
			z := pl.zips[t.zips[0]]
			t.name = fmt.Sprintf("%s %s %s (%s)", ff.name, z.city, pl.prefixes[z.prefix].state, t.id[len(ff.id)+1:])
		}
	}
	for d, t := range districts {
		z := pl.zips[usLeaves[d*8].zips[0]]
		t.name = fmt.Sprintf("%s District %s %d", ff.name, pl.prefixes[z.prefix].state, d+1)
	}
	for r, t := range regions {
		z := pl.zips[usLeaves[r*64].zips[0]]
		t.name = fmt.Sprintf("%s Region %s %d", ff.name, pl.prefixes[z.prefix].state, r+1)
	}
	for _, t := range out {
		if t.leaf {
			t.geos = geographiesOf(pl, t.zips)
			if !ff.copyProds {
				t.products = ff.products
			}
		}
	}
	// A realignment under way: every 50th leaf hands its last code to the
	// next leaf on 2027-01-01 (dated geographies). Exclusive field forces
	// keep their codes apart.
	if !ff.exclusive {
		for l := 49; l+1 < len(usLeaves); l += 50 {
			from, to := usLeaves[l], usLeaves[l+1]
			g := &from.geos[len(from.geos)-1]
			g.end = "2027-01-01"
			to.geos = append(to.geos, geography{code: g.code, start: "2027-01-01"})
		}
	}
	al.leafExtras(rng, pop, ff, usLeaves)
	return out, nil
}

// split gives each leaf a contiguous run of the country's ZIP codes holding
// about the same number of accounts.
func split(pop *population, country string, leaves []*territory) {
	pl := pop.places
	var codes []int
	total := 0.0
	for i, z := range pl.zips {
		if pl.prefixes[z.prefix].country == country {
			codes = append(codes, i)
			total += weightOf(pop, i)
		}
	}
	acc, l := 0.0, 0
	for ci, z := range codes {
		leaves[l].zips = append(leaves[l].zips, z)
		acc += weightOf(pop, z)
		left := len(codes) - ci - 1
		// Move on when this leaf has its share, but leave every later leaf
		// at least one code.
		if l+1 < len(leaves) && (acc >= total*float64(l+1)/float64(len(leaves)) || left <= len(leaves)-l-1) {
			l++
		}
	}
}

// weightOf is a code's accounts, plus a little so that empty codes (small
// sizes) still spread.
func weightOf(pop *population, z int) float64 { return float64(len(pop.byZip[z])) + 0.05 }

// geographiesOf writes a leaf's codes as geographies: a whole prefix as
// "021*", the codes of a prefix shared with other leaves one by one.
func geographiesOf(pl *places, zips []int) []geography {
	var out []geography
	for i := 0; i < len(zips); {
		pre := pl.zips[zips[i]].prefix
		j := i
		for j < len(zips) && pl.zips[zips[j]].prefix == pre {
			j++
		}
		if j-i == len(pl.prefixes[pre].zips) {
			out = append(out, geography{code: pl.prefixes[pre].code + "*"})
		} else {
			for _, z := range zips[i:j] {
				out = append(out, geography{code: pl.zips[z].code})
			}
		}
		i = j
	}
	return out
}

// leafExtras adds exclusions (every 20th leaf) and manual assignments
// (every 10th) to a field force's US leaves.
func (al *alignment) leafExtras(rng *rand.Rand, pop *population, ff *fieldForce, leaves []*territory) {
	for l, t := range leaves {
		if l%20 == 1 {
			for _, a := range pop.accountsIn(rng, t.zips, 1+rng.IntN(2)) {
				start := ""
				if rng.IntN(2) == 0 {
					start = "2026-06-01"
				}
				t.exclusions = append(t.exclusions, exclusion{account: accountID(a), start: start})
			}
		}
		if l%10 == 3 && len(leaves) > 1 {
			// Accounts of the neighbouring leaf that this rep calls on.
			other := leaves[(l+1)%len(leaves)]
			for _, a := range pop.accountsIn(rng, other.zips, 1+rng.IntN(3)) {
				t.assignments = append(t.assignments, accountID(a))
			}
		}
	}
}

// accountsIn draws up to n distinct US/PR accounts whose primary ZIP is one
// of zips.
func (p *population) accountsIn(rng *rand.Rand, zips []int, n int) []int32 {
	var out []int32
	for try := 0; try < 20*n && len(out) < n; try++ {
		in := p.byZip[zips[rng.IntN(len(zips))]]
		if len(in) == 0 {
			continue
		}
		if a := in[rng.IntN(len(in))]; !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}

// forceRules are the rules every territory of the field force inherits:
// its focus specialists, and its kind of HCO, in the territory's geography.
func forceRules(ff *fieldForce) []*rule {
	lower := strings.ToLower(ff.id)
	rules := []*rule{{
		id:        lower + "-specialists",
		comment:   ff.name + " specialists in the territory's ZIP codes.",
		geography: true,
		criteria: []criterion{
			{"account__v.record_type__v", "equals", "HCP"},
			{"account__v.specialty_1__v", "in", inList(ff.specialties)},
		},
	}}
	if len(ff.hcoTypes) > 0 {
		op, v := "in", inList(ff.hcoTypes)
		if len(ff.hcoTypes) == 1 {
			op = "equals"
		}
		rules = append(rules, &rule{
			id:        lower + "-accounts",
			comment:   "Institutions " + ff.name + " calls on, in the territory's ZIP codes.",
			geography: true,
			criteria: []criterion{
				{"account__v.record_type__v", "equals", "HCO"},
				{"account__v.account_type__v", op, v},
			},
		})
	}
	return rules
}

// forceExclusions: a few targeted accounts opted out of promotional contact.
func (al *alignment) forceExclusions(rng *rand.Rand, pop *population, ff *fieldForce) []exclusion {
	var out []exclusion
	for range 3 {
		z := pop.places.draw(rng, "US")
		for _, a := range pop.accountsIn(rng, []int{z}, 1) {
			out = append(out, exclusion{account: accountID(a), start: "2026-03-01", reason: "Opted out of promotional contact"})
		}
	}
	return out
}

// inList writes values as one IN string: comma-separated, a comma inside a
// value escaped as "\,".
func inList(values []string) string {
	esc := make([]string, len(values))
	for i, v := range values {
		esc[i] = strings.ReplaceAll(v, ",", `\,`)
	}
	return strings.Join(esc, ", ")
}
