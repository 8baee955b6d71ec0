package main

import (
	"database/sql/driver"
	"fmt"
	"maps"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/alignctl/alignctl/schema"
)

// The baseline's rules as rows: what whoever writes the query by hand turns
// the YAML into before writing one query for every rule.

// baselineField is a CRM field the baseline reads. Only these fields'
// names reach the SQL text (as column names), never the config's values.
type baselineField struct {
	object, column string
}

// baselineFields are the fields the baseline models, in the order a rule
// is driven from them, most selective first: what whoever writes the query
// by hand knows of the data. A field's key (fkey) is its index here.
var baselineFields = []baselineField{
	{"address__v", "postal_code__v"},
	{"account__v", "id"},
	{"account__v", "primary_parent__v"},
	{"child_account__v", "parent_account__v"},
	{"account__v", "specialty_2__v"},
	{"account__v", "account_type__v"},
	{"account__v", "specialty_1__v"},
	{"account__v", "tier__c"},
	{"account__v", "status__v"},
	{"account__v", "record_type__v"},
	{"account__v", "country__v"},
	{"product_metrics__v", "product__v"},
	{"product_metrics__v", "decile__c"},
	{"call2__v", "call_date__v"},
}

func fieldKey(object, field string) int {
	return slices.Index(baselineFields, baselineField{object, field})
}

// The criterion kinds the baseline checks: equality (equals, in), a number
// compared (greater_than, less_than with a numeric value), a date after or
// before a cut (less_than_days, more_than_days). Every other criterion is
// left out: it can only narrow an all-rule, and an expression takes it as
// either satisfied or not (see satisfyingMasks).
const (
	opEquals = "eq"
	opAbove  = "gt"
	opBelow  = "lt"
	opAfter  = "after"
	opBefore = "before"
)

// maxEnumerated bounds the criteria of a rule whose satisfying masks are
// enumerated (2^n evaluations), as the engine bounds expressions.
const maxEnumerated = 16

// wordBits is how many signatures one word of an account's satisfied
// checks holds: the bits of a UBIGINT.
const wordBits = 64

// baselineRules are the rules as the query's input tables.
type baselineRules struct {
	rules     [][]driver.Value    // rule, geography, single, word, check_sigs
	drives    [][]driver.Value    // rule, bit, fkey, value, single: the values of the drive criteria
	geoDrive  [][]driver.Value    // rule, territory, single: rules driven from their territory's geography
	sigs      [][]driver.Value    // word, sig, fkey, op, num, cut: the distinct checks of the other criteria
	sigValues [][]driver.Value    // word, sig, fkey, value: the values of the equality checks
	masks     [][]driver.Value    // rule, drive_mask, sig_mask: what a candidate must satisfy
	bindings  [][]driver.Value    // rule, territory
	geos      [][]driver.Value    // territory, key ('=' code or '*' prefix)
	used      []bool              // by fkey: some criterion names the field
	account   int                 // account rules (not hierarchy) in the config, covered or not
	words     []map[string]uint64 // the signatures of each word, and their bits
}

// criterionRow is a criterion the baseline checks.
type criterionRow struct {
	fkey   int
	op     string
	values []string
	num    float64
	cut    time.Time
}

// signature identifies a check whatever rule it is in: the rules of a field
// force repeat the same specialty list, product list and call window.
func (c criterionRow) signature() string {
	return fmt.Sprintf("%d\x00%s\x00%s\x00%g\x00%d", c.fkey, c.op, strings.Join(c.values, "\x00"), c.num, c.cut.Unix())
}

// modelCriterion is the baseline's form of c, or false when it leaves c out.
func modelCriterion(c schema.Criterion, now time.Time) (criterionRow, bool) {
	k := fieldKey(c.Object, c.Field)
	if k < 0 {
		return criterionRow{}, false
	}
	row := criterionRow{fkey: k}
	switch c.Operator {
	case "equals":
		row.op, row.values = opEquals, []string{c.Value}
	case "in":
		row.op, row.values = opEquals, schema.SplitIn(c.Value)
		slices.Sort(row.values)
		row.values = slices.Compact(row.values)
	case "greater_than", "less_than":
		n, err := strconv.ParseFloat(strings.TrimSpace(c.Value), 64)
		if err != nil || c.Object == "account__v" {
			return criterionRow{}, false
		}
		row.op, row.num = opAbove, n
		if c.Operator == "less_than" {
			row.op = opBelow
		}
	case "less_than_days", "more_than_days":
		n, err := strconv.Atoi(strings.TrimSpace(c.Value))
		if err != nil || c.Object == "account__v" {
			return criterionRow{}, false
		}
		row.op, row.cut = opAfter, now.AddDate(0, 0, -n)
		if c.Operator == "more_than_days" {
			row.op = opBefore
		}
	default:
		return criterionRow{}, false
	}
	return row, true
}

// satisfyingMasks are the masks of modeled criteria (bit i-1 for criterion
// i) with which the rule can match: for each assignment of true and false to
// all its criteria that satisfies the rule, the part on the modeled ones. A
// criterion left out is thus taken as either, so the baseline matches at
// least what the engine does. False when the rule is too large to enumerate.
func satisfyingMasks(r *schema.Rule, modeled uint64) ([]uint64, bool) {
	n := len(r.Criteria)
	if r.Match == schema.MatchAll {
		return []uint64{modeled}, true
	}
	if n > maxEnumerated {
		return nil, false
	}
	eval := func(set uint64) bool { return set != 0 } // any
	if r.Match != schema.MatchAny {
		expr, err := schema.ParseMatch(r.Match, n)
		if err != nil {
			return nil, false
		}
		eval = func(set uint64) bool { return expr.Eval(func(i int) bool { return set&(1<<(i-1)) != 0 }) }
	}
	seen := map[uint64]bool{}
	var masks []uint64
	for set := uint64(0); set < 1<<n; set++ {
		if m := set & modeled; !seen[m] && eval(set) {
			seen[m] = true
			masks = append(masks, m)
		}
	}
	slices.Sort(masks)
	return masks, true
}

// driveSet is the drive criteria of a rule (a mask): the fewest equality
// criteria, then the most selective, such that every satisfying mask holds
// one of them, so that every account the rule matches is a hit of one.
// False when there is none (the empty mask satisfies, or no equality).
func driveSet(crits map[int]criterionRow, masks []uint64) (uint64, bool) {
	var eq []int // bit positions
	for i, c := range crits {
		if c.op == opEquals {
			eq = append(eq, i)
		}
	}
	slices.Sort(eq)
	if len(eq) > maxEnumerated {
		eq = eq[:maxEnumerated]
	}
	best, bestSize, bestRank := uint64(0), 0, 0
	for sub := uint64(1); sub < 1<<len(eq); sub++ {
		var set uint64
		rank := 0
		for j, i := range eq {
			if sub&(1<<j) != 0 {
				set |= 1 << i
				rank += crits[i].fkey
			}
		}
		if !slices.ContainsFunc(masks, func(m uint64) bool { return m&set == 0 }) {
			size := bits.OnesCount64(set)
			if best == 0 || size < bestSize || (size == bestSize && rank < bestRank) {
				best, bestSize, bestRank = set, size, rank
			}
		}
	}
	return best, best != 0
}

// compileBaseline turns every account rule into rows; a hierarchy rule, or
// one that no equality criterion or geography can drive, is left out.
func compileBaseline(cfg *schema.Config, now time.Time) baselineRules {
	rr := baselineRules{used: make([]bool, len(baselineFields))}
	byFF := map[string][]string{}
	for _, t := range cfg.Territories {
		byFF[t.FieldForce] = append(byFF[t.FieldForce], t.ID)
		for _, g := range t.Geographies {
			key := "=" + g.Code
			if p, ok := strings.CutSuffix(g.Code, "*"); ok {
				key = "*" + p
			}
			rr.geos = append(rr.geos, []driver.Value{t.ID, key})
		}
	}
	type bound struct {
		rule        *schema.Rule
		territories []string
	}
	var all []bound
	for _, ff := range cfg.FieldForces {
		for _, r := range ff.Rules {
			all = append(all, bound{r, byFF[ff.ID]})
		}
	}
	for _, t := range cfg.Territories {
		for _, r := range t.Rules {
			all = append(all, bound{r, []string{t.ID}})
		}
	}
	for _, b := range all {
		if b.rule.Type != schema.RuleHierarchy {
			rr.account++
		}
		rr.add(b.rule, b.territories, now)
	}
	return rr
}

// driveRule is the criteria the baseline models of a rule (by bit
// position), their satisfying masks and its drive set (0: its territory's
// geography); false when the rule is left out.
func driveRule(r *schema.Rule, territories []string, now time.Time) (map[int]criterionRow, uint64, uint64, bool) {
	if r.Type == schema.RuleHierarchy || len(territories) == 0 || len(r.Criteria) > 63 {
		return nil, 0, 0, false
	}
	crits := map[int]criterionRow{}
	var modeled uint64
	for i, c := range r.Criteria {
		if row, ok := modelCriterion(c, now); ok {
			crits[i], modeled = row, modeled|1<<i
		}
	}
	masks, ok := satisfyingMasks(r, modeled)
	if !ok || len(masks) == 0 {
		return nil, 0, 0, false
	}
	// A territory's own geography rule is driven from its geography: its
	// accounts are fewer than any list of specialties selects.
	ownGeography := r.Geography && len(territories) == 1
	drive, ok := driveSet(crits, masks)
	if ownGeography && (r.Match == schema.MatchAll || !ok) {
		drive, ok = 0, true
	}
	return crits, modeled, drive, ok
}

func (rr *baselineRules) add(r *schema.Rule, territories []string, now time.Time) {
	crits, modeled, drive, ok := driveRule(r, territories, now)
	if !ok {
		return
	}
	masks, ok := satisfyingMasks(r, modeled)
	if !ok {
		return
	}
	var sigs []string // the distinct signatures of the checks
	for i, c := range crits {
		rr.used[c.fkey] = true
		if drive&(1<<i) == 0 && !slices.Contains(sigs, c.signature()) {
			sigs = append(sigs, c.signature())
		}
	}
	slices.Sort(sigs)
	word := rr.word(sigs, crits)
	var checkSigs uint64
	sigOf := map[int]uint64{} // check position: its signature's bit
	for i, c := range crits {
		if drive&(1<<i) == 0 {
			sigOf[i] = rr.words[word][c.signature()]
			checkSigs |= sigOf[i]
		}
	}
	key := int32(len(rr.rules) + 1)
	single := bits.OnesCount64(drive) <= 1
	rr.rules = append(rr.rules, []driver.Value{key, r.Geography, single, int32(word), checkSigs})
	// A satisfying mask as the query sees it: the drive criteria a candidate
	// hits, and the signatures its account satisfies. Two checks of one
	// signature hold together, so masks that split them never occur.
	seen := map[[2]uint64]bool{}
	for _, m := range masks {
		var sigMask, split uint64
		for i, sig := range sigOf {
			if m&(1<<i) != 0 {
				sigMask |= sig
			} else {
				split |= sig
			}
		}
		k := [2]uint64{m & drive, sigMask}
		if sigMask&split != 0 || seen[k] {
			continue
		}
		seen[k] = true
		rr.masks = append(rr.masks, []driver.Value{key, k[0], k[1]})
	}
	for _, t := range territories {
		rr.bindings = append(rr.bindings, []driver.Value{key, t})
		if drive == 0 {
			rr.geoDrive = append(rr.geoDrive, []driver.Value{key, t, single})
		}
	}
	for i, c := range crits {
		if bit := uint64(1) << i; drive&bit != 0 {
			for _, v := range c.values {
				rr.drives = append(rr.drives, []driver.Value{key, bit, int32(c.fkey), v, single})
			}
		}
	}
}

// word is the word whose bits hold every signature of a rule's checks: the
// one that holds most of them already and has room for the others, or a
// new one. A signature may thus have a bit in several words; each word is
// one row per account of the query's account_sig.
func (rr *baselineRules) word(sigs []string, crits map[int]criterionRow) int {
	best, bestHeld := -1, -1
	for w, bitOf := range rr.words {
		held := 0
		for _, sig := range sigs {
			if _, ok := bitOf[sig]; ok {
				held++
			}
		}
		if len(bitOf)+len(sigs)-held <= wordBits && held > bestHeld {
			best, bestHeld = w, held
		}
	}
	if best < 0 {
		best = len(rr.words)
		rr.words = append(rr.words, map[string]uint64{})
	}
	byPos := slices.Sorted(maps.Keys(crits))
	for _, sig := range sigs {
		bitOf := rr.words[best]
		if _, ok := bitOf[sig]; ok {
			continue
		}
		bit := uint64(1) << len(bitOf)
		bitOf[sig] = bit
		i := slices.IndexFunc(byPos, func(i int) bool { return crits[i].signature() == sig })
		c := crits[byPos[i]]
		var cut any
		if !c.cut.IsZero() {
			cut = c.cut
		}
		rr.sigs = append(rr.sigs, []driver.Value{int32(best), bit, int32(c.fkey), c.op, c.num, cut})
		for _, v := range c.values {
			rr.sigValues = append(rr.sigValues, []driver.Value{int32(best), bit, int32(c.fkey), v})
		}
	}
	return best
}
