package reconcile

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
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
	rs := &query.RuleSet{Compiled: compiledFrom(cfg, now, scope)}
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
		qr, err := compileRule(k, r)
		if err != nil {
			return 0, err
		}
		rs.Rules = append(rs.Rules, qr)
		for i, c := range r.Criteria {
			pos := i + 1
			rs.Criteria = append(rs.Criteria, query.Criterion{RuleKey: k, Pos: pos, Object: c.Object, Field: c.Field, Operator: c.Operator})
			for _, v := range criterionValues(c) {
				rs.Values = append(rs.Values, query.Value{RuleKey: k, Pos: pos, Value: v})
			}
		}
		return k, nil
	}
	if scope.SendToCRM != nil {
		// Selective rules: only the records of rules of this kind may change.
		rs.Selected = []string{}
		for _, r := range allRules(cfg) {
			if r.SendToCRM == *scope.SendToCRM {
				rs.Selected = append(rs.Selected, r.ID)
			}
		}
	}
	for _, t := range cfg.Territories {
		if !inScope(t.ID) {
			continue
		}
		ff := cfg.FieldForce(t.FieldForce)
		tw, active := NewWindow(now, []*time.Time{t.Start, ff.Start}, []*time.Time{t.End, ff.End})
		rs.Territories = append(rs.Territories, query.TerritoryWindow{Territory: t.ID, Active: active, End: tw.End,
			FieldForce: ff.ID, Exclusive: ff.Exclusive})
		if !active {
			continue
		}
		for _, g := range t.Geographies {
			if w, ok := NewWindow(now, []*time.Time{g.Start}, []*time.Time{g.End}); ok {
				rs.Geographies = append(rs.Geographies, query.Geography{Territory: t.ID, Code: g.Code, Start: w.Start, End: w.End})
			}
		}
		for _, x := range append(slices.Clone(ff.Exclusions), t.Exclusions...) {
			if w, ok := NewWindow(now, []*time.Time{x.Start}, []*time.Time{x.End}); ok {
				rs.Exclusions = append(rs.Exclusions, query.Exclusion{Territory: t.ID, Account: x.Account, Start: w.Start, End: w.End, Reason: x.Reason})
			}
		}
		for _, a := range t.Assignments {
			if scope.SendToCRM != nil {
				break // a selective run runs rules only
			}
			w, ok := NewWindow(now, []*time.Time{a.Start, t.Start, ff.Start}, []*time.Time{a.End, t.End, ff.End})
			if !ok {
				continue
			}
			rs.Manual = append(rs.Manual, query.Manual{Account: a.Account, Territory: t.ID, Instance: t.CRMInstance,
				Origin: ManualOrigin(a.Start, cfg.Settings.Location), Start: w.Start, End: w.End, SendToCRM: a.SendToCRM && t.SendToCRM})
		}
		for _, r := range append(slices.Clone(ff.Rules), t.Rules...) {
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

// compiledFrom names what Compile makes of cfg at now for scope, for the
// evaluation cache, which keeps the digest of the rows under that name
// (query.RuleSet.Compiled); "" for a config not read from files (no Hash),
// whose rows are hashed on every plan.
//
// The config is named by its content hash (a config changed in memory after
// loading must not keep it). Now is named by the first config date after it:
// Compile reads now only through NewWindow, which compares it with config
// dates (and config dates with each other), so every now from one config
// date up to the next compiles to the same rows but for the windows that
// start at now, which the evaluation cache hashes as "now". A date reaching
// now (a window opening or closing) changes the first date after it, and the
// name. EachDate sees every date of the config, more than Compile reads: a
// date that changes nothing costs hashing the rows again, never a wrong
// digest. TestCompiledFrom compiles at every now around every date of the
// test configs.
func compiledFrom(cfg *schema.Config, now time.Time, scope Scope) string {
	if cfg.Hash == "" {
		return ""
	}
	next := "none"
	var first *time.Time
	cfg.EachDate(func(t *time.Time) {
		if t.After(now) && (first == nil || t.Before(*first)) {
			first = t
		}
	})
	if first != nil {
		next = first.UTC().Format(time.RFC3339Nano)
	}
	send := "all"
	if scope.SendToCRM != nil {
		send = strconv.FormatBool(*scope.SendToCRM)
	}
	h := sha256.New()
	for _, s := range []string{"alignctl rule set", cfg.Hash, scope.Territory, send, next} {
		fmt.Fprintf(h, "%d:%s\x00", len(s), s)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// compileRule turns a rule's match into what the engine evaluates: all, any,
// or an expression as the list of satisfied-criteria masks that make it true.
func compileRule(key int, r *schema.Rule) (query.Rule, error) {
	q := query.Rule{Key: key, ID: r.ID, Match: r.Match, NCrit: len(r.Criteria)}
	if r.Type == schema.RuleHierarchy {
		q.Hierarchy, q.Assign, q.Intermediaries = true, r.Assign, r.Intermediaries
		q.IgnoreManual = slices.Contains(r.IgnoreSources, "manual")
		q.IgnoreCRM = slices.Contains(r.IgnoreSources, "crm")
	}
	switch {
	case q.NCrit == 0:
		q.Match = schema.MatchAll
	case r.Match == schema.MatchAll || r.Match == schema.MatchAny:
	default:
		if q.NCrit > maxExprCriteria {
			return q, fmt.Errorf("%s: rule %s: a match expression may combine at most %d criteria, not %d", r.Pos, r.ID, maxExprCriteria, q.NCrit)
		}
		expr, err := schema.ParseMatch(r.Match, q.NCrit)
		if err != nil {
			return q, fmt.Errorf("%s: rule %s: match %q: %v", r.Pos, r.ID, r.Match, err)
		}
		q.Match = "expr"
		for m := uint64(0); m < 1<<q.NCrit; m++ {
			if expr.Eval(func(i int) bool { return m&(1<<(i-1)) != 0 }) {
				q.Masks = append(q.Masks, m)
			}
		}
	}
	return q, nil
}

// maxExprCriteria bounds the criteria of an expression rule: the engine
// stores the satisfying combinations, up to 2^16 of them.
const maxExprCriteria = 16

// criterionValues are the values a criterion compares with: the list of an
// in/not_in, nothing for the null tests, else the one value.
func criterionValues(c schema.Criterion) []string {
	switch c.Operator {
	case "in", "not_in":
		return schema.SplitIn(c.Value)
	case "is_null", "is_not_null":
		return nil
	}
	return []string{c.Value}
}

// allRules lists every rule of the config, field forces' first.
func allRules(cfg *schema.Config) []*schema.Rule {
	var out []*schema.Rule
	for _, f := range cfg.FieldForces {
		out = append(out, f.Rules...)
	}
	for _, t := range cfg.Territories {
		out = append(out, t.Rules...)
	}
	return out
}

// ManualOrigin tells manual assignments of one account and territory apart by
// their configured start date.
func ManualOrigin(start *time.Time, loc *time.Location) string {
	if start == nil {
		return "manual"
	}
	if loc == nil {
		loc = time.UTC
	}
	return "manual@" + start.In(loc).Format(time.DateOnly)
}
