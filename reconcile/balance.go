package reconcile

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"

	"github.com/alignctl/alignctl/schema"
)

// FieldForceBalance is how evenly a field force's accounts spread over its
// territories, before and after the plan: a plan that piles accounts onto a
// few territories shows here before anyone reads its changes.
type FieldForceBalance struct {
	FieldForce  string
	Territories int
	Before      Spread
	After       Spread
	// Furthest are the territories furthest from the median after the plan.
	Furthest []TerritoryAccounts
}

// Spread summarises accounts per territory.
type Spread struct {
	Min    int
	Median float64
	Max    int
	// CV is the coefficient of variation: standard deviation over mean
	// (0 when the mean is 0). Below about 0.2 reads as balanced.
	CV float64
}

// TerritoryAccounts is one territory's accounts before and after the plan.
type TerritoryAccounts struct {
	Territory  string
	FieldForce string
	Before     int
	After      int
}

// GuardrailViolation is a territory the plan would leave outside the
// settings' guardrails.
type GuardrailViolation struct {
	Territory string
	Accounts  int
	Before    int
	Min       *int
	Max       *int
	Message   string
}

// furthestShown is how many territories per field force the balance names.
const furthestShown = 3

// balance fills the plan's balance and guardrail violations from the
// accounts per territory before and after the plan (assignments in effect at
// now or later), over the config's leaf territories in scope that have not
// ended.
func (p *Plan) balance(cfg *schema.Config, before, after map[string]int) {
	p.Balance = []FieldForceBalance{}
	p.GuardrailViolations = []GuardrailViolation{}
	p.Accounts = []TerritoryAccounts{}
	byFF := map[string][]TerritoryAccounts{}
	g := cfg.Settings.Guardrails
	parents := map[string]bool{}
	for _, t := range cfg.Territories {
		parents[t.Parent] = true
	}
	for _, t := range cfg.Territories {
		// Regions and districts organise territories; accounts are
		// balanced over the territories that have no children.
		if parents[t.ID] || (t.End != nil && !t.End.After(p.Now)) {
			continue
		}
		if p.Scope.Territories != nil && !slices.Contains(p.Scope.Territories, t.ID) {
			continue
		}
		ta := TerritoryAccounts{Territory: t.ID, FieldForce: t.FieldForce, Before: before[t.ID], After: after[t.ID]}
		byFF[t.FieldForce] = append(byFF[t.FieldForce], ta)
		p.Accounts = append(p.Accounts, ta)
		switch {
		case g.MinAccountsPerTerritory != nil && ta.After < *g.MinAccountsPerTerritory:
			p.GuardrailViolations = append(p.GuardrailViolations, GuardrailViolation{Territory: t.ID, Accounts: ta.After, Before: ta.Before,
				Min: g.MinAccountsPerTerritory, Message: fmt.Sprintf("territory %s would have %d accounts (now %d), under the minimum of %d", t.ID, ta.After, ta.Before, *g.MinAccountsPerTerritory)})
		case g.MaxAccountsPerTerritory != nil && ta.After > *g.MaxAccountsPerTerritory:
			p.GuardrailViolations = append(p.GuardrailViolations, GuardrailViolation{Territory: t.ID, Accounts: ta.After, Before: ta.Before,
				Max: g.MaxAccountsPerTerritory, Message: fmt.Sprintf("territory %s would have %d accounts (now %d), over the maximum of %d", t.ID, ta.After, ta.Before, *g.MaxAccountsPerTerritory)})
		}
	}
	slices.SortFunc(p.Accounts, func(a, b TerritoryAccounts) int {
		return cmp.Or(cmp.Compare(a.FieldForce, b.FieldForce), cmp.Compare(a.Territory, b.Territory))
	})
	slices.SortFunc(p.GuardrailViolations, func(a, b GuardrailViolation) int { return cmp.Compare(a.Territory, b.Territory) })
	for _, ff := range slices.Sorted(maps.Keys(byFF)) {
		ts := byFF[ff]
		b := FieldForceBalance{FieldForce: ff, Territories: len(ts),
			Before: spread(ts, func(t TerritoryAccounts) int { return t.Before }),
			After:  spread(ts, func(t TerritoryAccounts) int { return t.After })}
		b.Furthest = FurthestFromMedian(ts, b.After.Median, furthestShown)
		p.Balance = append(p.Balance, b)
	}
}

// FurthestFromMedian returns the (at most) n territories whose accounts
// after the plan are furthest from median, furthest first, ties by
// territory id: the ones a reviewer of the balance looks for.
func FurthestFromMedian(ts []TerritoryAccounts, median float64, n int) []TerritoryAccounts {
	far := slices.Clone(ts)
	slices.SortStableFunc(far, func(x, y TerritoryAccounts) int {
		dx, dy := math.Abs(float64(x.After)-median), math.Abs(float64(y.After)-median)
		return cmp.Or(cmp.Compare(dy, dx), cmp.Compare(x.Territory, y.Territory))
	})
	return far[:min(n, len(far))]
}

// spread summarises the counts of ts.
func spread(ts []TerritoryAccounts, count func(TerritoryAccounts) int) Spread {
	if len(ts) == 0 {
		return Spread{}
	}
	ns := make([]int, len(ts))
	sum := 0.0
	for i, t := range ts {
		ns[i] = count(t)
		sum += float64(ns[i])
	}
	slices.Sort(ns)
	s := Spread{Min: ns[0], Max: ns[len(ns)-1]}
	if n := len(ns); n%2 == 1 {
		s.Median = float64(ns[n/2])
	} else {
		s.Median = float64(ns[n/2-1]+ns[n/2]) / 2
	}
	mean := sum / float64(len(ns))
	if mean > 0 {
		v := 0.0
		for _, n := range ns {
			v += (float64(n) - mean) * (float64(n) - mean)
		}
		s.CV = round(math.Sqrt(v/float64(len(ns)))/mean, 3)
	}
	return s
}

func round(x float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(x*p) / p
}
