package schema

import "time"

// EachDate calls fn with every date of the config (each start and end date
// that is set, wherever it is). The config cache puts them back in the
// settings' time zone after reading them, and the evaluation cache's key
// names where the execution time falls among them: both rely on this seeing
// every date, which TestEachDateSeesEveryDate checks over the whole model.
func (c *Config) EachDate(fn func(*time.Time)) {
	both := func(start, end *time.Time) {
		if start != nil {
			fn(start)
		}
		if end != nil {
			fn(end)
		}
	}
	rules := func(rs []*Rule) {
		for _, r := range rs {
			both(r.Start, r.End)
		}
	}
	exclusions := func(xs []Exclusion) {
		for i := range xs {
			both(xs[i].Start, xs[i].End)
		}
	}
	products := func(ps []Product) {
		for i := range ps {
			both(ps[i].Start, ps[i].End)
		}
	}
	for _, f := range c.FieldForces {
		both(f.Start, f.End)
		rules(f.Rules)
		exclusions(f.Exclusions)
		products(f.Products)
	}
	for _, t := range c.Territories {
		both(t.Start, t.End)
		for i := range t.Geographies {
			both(t.Geographies[i].Start, t.Geographies[i].End)
		}
		products(t.Products)
		exclusions(t.Exclusions)
		for i := range t.Assignments {
			both(t.Assignments[i].Start, t.Assignments[i].End)
		}
		rules(t.Rules)
	}
	for _, m := range c.RosterMembers {
		for i := range m.Territories {
			both(m.Territories[i].Start, m.Territories[i].End)
		}
	}
}
