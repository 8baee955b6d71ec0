package reconcile

import (
	"fmt"
	"slices"
	"time"

	"github.com/alignctl/alignctl/query"
	"github.com/alignctl/alignctl/schema"
)

// Scope narrows a plan: a territory subtree, and one kind of rule.
type Scope struct {
	Territory string // "" for every territory
	SendToCRM *bool  // only rules with this send_to_crm (rule_selection_criteria: by_send_to_crm)
}

// String describes the scope for plans and messages.
func (s Scope) String() string {
	out := "all territories"
	if s.Territory != "" {
		out = "territory " + s.Territory + " and descendants"
	}
	if s.SendToCRM != nil {
		out += fmt.Sprintf(", rules with send_to_crm %t", *s.SendToCRM)
	}
	return out
}

// Subtree lists a territory and all its descendants.
func Subtree(cfg *schema.Config, root string) []string {
	children := map[string][]string{}
	for _, t := range cfg.Territories {
		if t.Parent != "" {
			children[t.Parent] = append(children[t.Parent], t.ID)
		}
	}
	out := []string{root}
	for i := 0; i < len(out); i++ {
		out = append(out, children[out[i]]...)
	}
	slices.Sort(out)
	return out
}

// Compile turns the config into the rows the rules engine reads, putting every
// date through the date calculus at now. Only what is active or future is
// compiled: an ended rule, territory or field force creates nothing.
func Compile(cfg *schema.Config, now time.Time, scope Scope) (*query.RuleSet, error) {
	rs := &query.RuleSet{}
	inScope := func(string) bool { return true }
	if scope.Territory != "" {
		if cfg.Territory(scope.Territory) == nil {
			return nil, fmt.Errorf("--territory %s: no such territory in the config", scope.Territory)
		}
		rs.Scope = Subtree(cfg, scope.Territory)
		inScope = func(id string) bool { _, ok := slices.BinarySearch(rs.Scope, id); return ok }
	}
	keys := map[string]int{}
	addRule := func(r *schema.Rule) (int, error) {
		if k, ok := keys[r.ID]; ok {
			return k, nil
		}
		k := len(keys) + 1
		keys[r.ID] = k
		rs.Rules = append(rs.Rules, query.Rule{Key: k, ID: r.ID, Match: r.Match, NCrit: len(r.Criteria)})
		for i, c := range r.Criteria {
			pos := i + 1
			rs.Criteria = append(rs.Criteria, query.Criterion{RuleKey: k, Pos: pos, Object: c.Object, Field: c.Field, Operator: c.Operator})
			var values []string
			switch c.Operator {
			case "in", "not_in":
				values = schema.SplitIn(c.Value)
			case "equals", "not_equals":
				values = []string{c.Value}
			default:
				return 0, fmt.Errorf("%s: rule %s: operator %s is not supported by this version of the rules engine", c.Pos, r.ID, c.Operator)
			}
			for _, v := range values {
				rs.Values = append(rs.Values, query.Value{RuleKey: k, Pos: pos, Value: v})
			}
		}
		return k, nil
	}
	for _, t := range cfg.Territories {
		if !inScope(t.ID) {
			continue
		}
		ff := cfg.FieldForce(t.FieldForce)
		tw, active := NewWindow(now, []*time.Time{t.Start, ff.Start}, []*time.Time{t.End, ff.End})
		rs.Territories = append(rs.Territories, query.TerritoryWindow{Territory: t.ID, Active: active, End: tw.End})
		if !active {
			continue
		}
		for _, g := range t.Geographies {
			if w, ok := NewWindow(now, []*time.Time{g.Start}, []*time.Time{g.End}); ok {
				rs.Geographies = append(rs.Geographies, query.Geography{Territory: t.ID, Code: g.Code, Start: w.Start, End: w.End})
			}
		}
		for _, x := range append(slices.Clone(ff.Exclusions), t.Exclusions...) {
			if Active(now, x.Start, x.End) {
				rs.Exclusions = append(rs.Exclusions, query.Exclusion{Territory: t.ID, Account: x.Account})
			}
		}
		for _, a := range t.Assignments {
			w, ok := NewWindow(now, []*time.Time{a.Start, t.Start, ff.Start}, []*time.Time{a.End, t.End, ff.End})
			if !ok {
				continue
			}
			rs.Manual = append(rs.Manual, query.Manual{Account: a.Account, Territory: t.ID, Instance: t.CRMInstance,
				Origin: ManualOrigin(a.Start, cfg.Settings.Location), Start: w.Start, End: w.End, SendToCRM: a.SendToCRM && t.SendToCRM})
		}
		for _, r := range append(slices.Clone(ff.Rules), t.Rules...) {
			if r.Type == schema.RuleHierarchy {
				continue
			}
			if scope.SendToCRM != nil && r.SendToCRM != *scope.SendToCRM {
				continue
			}
			w, ok := NewWindow(now, []*time.Time{r.Start, t.Start, ff.Start}, []*time.Time{r.End, t.End, ff.End})
			if !ok {
				continue
			}
			k, err := addRule(r)
			if err != nil {
				return nil, err
			}
			for _, src := range r.AccountSources {
				inst := t.CRMInstance
				if src == schema.SourceLoader {
					inst = query.DataLoader
				}
				rs.Bindings = append(rs.Bindings, query.Binding{RuleKey: k, RuleID: r.ID, Territory: t.ID, Instance: t.CRMInstance,
					SrcInstance: inst, Start: w.Start, End: w.End, Geography: r.Geography, SendToCRM: r.SendToCRM && t.SendToCRM})
			}
		}
	}
	return rs, nil
}

// ManualOrigin tells manual assignments of one account and territory apart by
// their configured start date.
func ManualOrigin(start *time.Time, loc *time.Location) string {
	if start == nil {
		return "manual"
	}
	return "manual@" + start.In(loc).Format(time.DateOnly)
}
