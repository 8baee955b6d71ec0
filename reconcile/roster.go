package reconcile

import (
	"fmt"
	"slices"
	"time"

	"github.com/alignctl/alignctl/query"
	"github.com/alignctl/alignctl/schema"
)

// ConfigChange is a roster member territory or territory product that the
// config adds, changes or removes.
type ConfigChange struct {
	Kind   string // roster_member_territory or territory_product
	Action ConfigAction
	Key    string
}

// rosterRows are the roster member territories the config holds; ending a
// territory (or its field force) ends them too.
func rosterRows(cfg *schema.Config) []query.RosterRow {
	// By id: cfg.Territory looks through every territory, once per roster
	// territory, quadratic in a large config (docs/benchmarks.md).
	territories := make(map[string]*schema.Territory, len(cfg.Territories))
	for _, t := range cfg.Territories {
		territories[t.ID] = t
	}
	var out []query.RosterRow
	for _, m := range cfg.RosterMembers {
		for _, rt := range m.Territories {
			t := territories[rt.Territory]
			if t == nil {
				continue
			}
			ff := cfg.FieldForce(t.FieldForce)
			out = append(out, query.RosterRow{Member: m.ID, Username: m.User, Territory: rt.Territory,
				Start: utc(rt.Start), End: earliest(rt.End, t.End, ff.End), SendToCRM: rt.SendToCRM && t.SendToCRM, Mastered: m.MasteredByAlign})
		}
	}
	return out
}

// productRows are the territory products the config holds, with the field
// force's copied down where it says copy_products_to_territories.
func productRows(cfg *schema.Config) []query.ProductRow {
	var out []query.ProductRow
	for _, t := range cfg.Territories {
		ff := cfg.FieldForce(t.FieldForce)
		products := slices.Clone(t.Products)
		if ff.CopyProductsToTerritories {
			for _, p := range ff.Products {
				if !slices.ContainsFunc(products, func(q schema.Product) bool { return q.Product == p.Product }) {
					products = append(products, p)
				}
			}
		}
		for _, p := range products {
			out = append(out, query.ProductRow{Territory: t.ID, Product: p.Product, Start: utc(p.Start),
				End: earliest(p.End, t.End, ff.End), SendToCRM: p.SendToCRM && t.SendToCRM})
		}
	}
	return out
}

func earliest(ts ...*time.Time) *time.Time {
	var out *time.Time
	for _, t := range ts {
		if t != nil && (out == nil || t.Before(*out)) {
			u := t.UTC()
			out = &u
		}
	}
	return out
}

// diffConfigRows lists the roster and product rows the config adds, changes
// or removes against the state.
func diffConfigRows(curRoster, newRoster []query.RosterRow, curProducts, newProducts []query.ProductRow) []ConfigChange {
	out := []ConfigChange{}
	diff := func(kind string, cur, next map[string]string) {
		var keys []string
		for k := range next {
			keys = append(keys, k)
		}
		for k := range cur {
			if _, ok := next[k]; !ok {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		for _, k := range keys {
			c, inCur := cur[k]
			n, inNext := next[k]
			switch {
			case !inCur:
				out = append(out, ConfigChange{Kind: kind, Action: ConfigCreate, Key: k})
			case !inNext:
				out = append(out, ConfigChange{Kind: kind, Action: ConfigRemove, Key: k})
			case c != n:
				out = append(out, ConfigChange{Kind: kind, Action: ConfigUpdate, Key: k})
			}
		}
	}
	rosterMap := func(rows []query.RosterRow) map[string]string {
		m := map[string]string{}
		for _, r := range rows {
			m[r.Key()] = fmt.Sprint(r.Username, fmtPtr(r.End), r.SendToCRM, r.Mastered)
		}
		return m
	}
	productMap := func(rows []query.ProductRow) map[string]string {
		m := map[string]string{}
		for _, p := range rows {
			m[p.Key()] = fmt.Sprint(fmtPtr(p.End), p.SendToCRM)
		}
		return m
	}
	diff("roster_member_territory", rosterMap(curRoster), rosterMap(newRoster))
	diff("territory_product", productMap(curProducts), productMap(newProducts))
	return out
}

func fmtPtr(t *time.Time) string {
	if t == nil {
		return "open"
	}
	return t.UTC().Format(time.RFC3339)
}
