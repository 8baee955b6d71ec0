package schema

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Vault CRM limits that a config must stay within.
const (
	MaxTerritoriesPerInstance = 25000
	MaxTerritoryLevels        = 10
	MaxChildTerritories       = 100
	MaxTerritoriesPerUser     = 100
)

// builtinObjects are the imported CRM objects joined to the account.
var builtinObjects = []string{"account__v", "address__v", "call2__v", "child_account__v", "product_metrics__v"}

// Operators that take no value, and those whose value is a number of days.
var (
	nullOperators = []string{"is_null", "is_not_null"}
	dayOperators  = []string{"more_than_days", "less_than_days"}
	inOperators   = []string{"in", "not_in"}
)

// validator checks what the schema cannot: references, uniqueness, the
// territory tree, dates and the rules of Align and Vault CRM.
//
// The model holds every document, those with schema errors too. An entity
// the schema rejected (bad) is known by its id, so that references to it
// hold, but its own checks are skipped: they would only report what its
// wrong values imply.
type validator struct {
	cfg   *Config
	nodes map[Pos]*node
	bad   map[Pos]bool
	// complete is false when a file could not be parsed: what it holds is
	// unknown, so references and the settings count are not checked.
	complete bool
	ds       *Diagnostics

	territories, fieldForces, instances map[string]bool // ids
	// renamed maps object.crm_field to the align_field an inbound custom
	// mapping gives it: criteria name the Align field.
	renamed map[string]string
}

// at returns the position of field key of the entity at pos, or pos.
func (v *validator) at(pos Pos, key string) Pos {
	if n := v.nodes[pos].get(key); n != nil {
		return n.pos
	}
	return pos
}

// explicitTrue reports whether the entity at pos says `key: true`.
func (v *validator) explicitTrue(pos Pos, key string) bool {
	n := v.nodes[pos].get(key)
	return n != nil && n.val == true
}

func (v *validator) validate() {
	v.territories, v.fieldForces, v.instances = map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, t := range v.cfg.Territories {
		v.territories[t.ID] = true
	}
	for _, f := range v.cfg.FieldForces {
		v.fieldForces[f.ID] = true
	}
	for _, i := range v.cfg.Settings.CRMInstances {
		v.instances[i.ID] = true
	}
	v.renamed = map[string]string{}
	for _, m := range v.cfg.FieldMappings {
		for _, c := range m.Custom {
			if m.Direction == "inbound" && c.AlignField != "" && c.AlignField != c.CRMField {
				v.renamed[m.CRMObject+"."+c.CRMField] = c.AlignField
			}
		}
	}
	v.settings()
	firstRule := map[string]Pos{}
	objects := v.cfg.CriterionObjects()
	firstFF := map[string]Pos{}
	for _, f := range v.cfg.FieldForces {
		label := "field force " + f.ID
		v.duplicate(firstFF, f.ID, f.Pos, label)
		if !v.bad[f.Pos] {
			v.dates(label, f.Pos, f.Start, f.End)
		}
		v.exclusions(label, f.Exclusions)
		v.products(label, f.Products, true)
		for _, r := range f.Rules {
			v.rule(r, true, "", firstRule, objects)
		}
	}
	v.checkTerritories(firstRule, objects)
	v.roster()
	v.mappings()
	v.policies()
}

func (v *validator) duplicate(first map[string]Pos, id string, pos Pos, label string) {
	if id == "" {
		return // the schema has said so
	}
	if p, dup := first[id]; dup {
		v.ds.addf(v.at(pos, "id"), "%s: duplicate id; the first is at %s", label, p)
		return
	}
	first[id] = pos
}

func (v *validator) dates(label string, pos Pos, start, end *time.Time) {
	if start != nil && end != nil && end.Before(*start) {
		v.ds.addf(v.at(pos, "end_date"), "%s: end_date %s is before start_date %s",
			label, end.Format(time.DateOnly), start.Format(time.DateOnly))
	}
}

func (v *validator) settings() {
	s := &v.cfg.Settings
	if !v.bad[s.Pos] && s.Guardrails.MinAccountsPerTerritory != nil && s.Guardrails.MaxAccountsPerTerritory != nil &&
		*s.Guardrails.MinAccountsPerTerritory > *s.Guardrails.MaxAccountsPerTerritory {
		v.ds.addf(v.at(v.at(s.Pos, "guardrails"), "min_accounts_per_territory"),
			"settings: guardrails: min_accounts_per_territory %d is more than max_accounts_per_territory %d",
			*s.Guardrails.MinAccountsPerTerritory, *s.Guardrails.MaxAccountsPerTerritory)
	}
	first := map[string]Pos{}
	for _, inst := range s.CRMInstances {
		label := "crm instance " + inst.ID
		v.duplicate(first, inst.ID, inst.Pos, label)
		if !v.bad[inst.Pos] && inst.Type == "vault" && inst.APIVersion == "" {
			v.ds.addf(inst.Pos, "%s: type vault needs api_version, e.g. v25.1", label)
		}
	}
}

// CriterionObjects are the CRM objects that criteria may name, sorted: those
// joined to the account (account__v, address__v, call2__v, child_account__v,
// product_metrics__v) and the crm_object of each inbound field mapping.
func (c *Config) CriterionObjects() []string {
	objects := slices.Clone(builtinObjects)
	for _, m := range c.FieldMappings {
		if m.Direction == "inbound" && !slices.Contains(objects, m.CRMObject) {
			objects = append(objects, m.CRMObject)
		}
	}
	slices.Sort(objects)
	return objects
}

func (v *validator) exclusions(label string, es []Exclusion) {
	for _, e := range es {
		if !v.bad[e.Pos] {
			v.dates(label+": exclusion "+e.Account, e.Pos, e.Start, e.End)
		}
	}
}

// products checks the dates of products and that none is sent to the CRM
// from a territory that is not.
func (v *validator) products(label string, ps []Product, sendToCRM bool) {
	for _, p := range ps {
		if v.bad[p.Pos] {
			continue
		}
		plabel := label + ": product " + p.Product
		v.dates(plabel, p.Pos, p.Start, p.End)
		if !sendToCRM && v.explicitTrue(p.Pos, "send_to_crm") {
			v.ds.addf(v.at(p.Pos, "send_to_crm"), "%s: send_to_crm is true but the territory's is false; remove it or make it false", plabel)
		}
	}
}

func (v *validator) rule(r *Rule, ownerSends bool, territory string, first map[string]Pos, objects []string) {
	label := "rule " + r.ID
	v.duplicate(first, r.ID, r.Pos, label)
	if v.bad[r.Pos] {
		return
	}
	v.dates(label, r.Pos, r.Start, r.End)
	if !ownerSends && v.explicitTrue(r.Pos, "send_to_crm") {
		v.ds.addf(v.at(r.Pos, "send_to_crm"), "%s: send_to_crm is true but territory %s's is false; remove it or make it false", label, territory)
	}
	v.listOnce(label, r.Pos, "account_sources", r.AccountSources)
	v.listOnce(label, r.Pos, "ignore_sources", r.IgnoreSources)
	if len(r.AccountSources) == 0 {
		v.ds.addf(v.at(r.Pos, "account_sources"), "%s: account_sources is empty; list crm, data_loader or both", label)
	}
	if slices.Contains(r.AccountSources, SourceLoader) && v.cfg.Settings.DataLoader == "" && v.complete && !v.bad[v.cfg.Settings.Pos] {
		v.ds.addf(v.at(r.Pos, "account_sources"), "%s: account_sources has data_loader but settings has no data_loader folder", label)
	}
	switch r.Type {
	case RuleHierarchy:
		if r.Assign == "" {
			v.ds.addf(r.Pos, "%s: a hierarchy rule needs assign: child or parent", label)
		}
	default:
		for _, key := range []string{"assign", "intermediaries", "ignore_sources"} {
			if v.nodes[r.Pos].get(key) != nil {
				v.ds.addf(v.at(r.Pos, key), "%s: %s is for hierarchy rules only; remove it or set type: hierarchy", label, key)
			}
		}
	}
	v.match(label, r)
	for i, c := range r.Criteria {
		if !v.bad[c.Pos] {
			v.criterion(fmt.Sprintf("%s: criterion %d", label, i+1), c, objects)
		}
	}
}

// listOnce reports a value listed twice in a list field.
func (v *validator) listOnce(label string, pos Pos, key string, list []string) {
	for i, s := range list {
		if slices.Contains(list[:i], s) {
			v.ds.addf(v.at(pos, key), "%s: %s lists %s twice", label, key, s)
		}
	}
}

func (v *validator) match(label string, r *Rule) {
	if r.Match == MatchAll || r.Match == MatchAny {
		return
	}
	pos := v.at(r.Pos, "match")
	if strings.EqualFold(r.Match, MatchAll) || strings.EqualFold(r.Match, MatchAny) {
		v.ds.addf(pos, "%s: match %q: write %s in lower case", label, r.Match, strings.ToLower(r.Match))
		return
	}
	m, err := ParseMatch(r.Match, len(r.Criteria))
	if err != nil {
		v.ds.addf(pos, "%s: match %q: %v", label, r.Match, err)
		return
	}
	used := m.Criteria()
	for i := range r.Criteria {
		if !slices.Contains(used, i+1) {
			v.ds.addf(pos, "%s: match %q does not use criterion %d; use it or remove the criterion", label, r.Match, i+1)
		}
	}
}

var daysRE = regexp.MustCompile(`^[0-9]+$`)

func (v *validator) criterion(label string, c Criterion, objects []string) {
	if !slices.Contains(objects, c.Object) {
		v.ds.addf(v.at(c.Pos, "field"), "%s: field %s.%s: object %s is not one of %s (or the crm_object of an inbound field_mapping)%s",
			label, c.Object, c.Field, c.Object, strings.Join(objects, ", "), didYouMean(c.Object, objects))
	}
	if to, ok := v.renamed[c.Object+"."+c.Field]; ok {
		v.ds.addf(v.at(c.Pos, "field"), "%s: field %s.%s lands in the state as %s.%s (its inbound field mapping's align_field); name that",
			label, c.Object, c.Field, c.Object, to)
	}
	hasValue := v.nodes[c.Pos].get("value") != nil
	valuePos := v.at(c.Pos, "value")
	switch {
	case slices.Contains(nullOperators, c.Operator):
		if hasValue {
			v.ds.addf(valuePos, "%s: operator %s takes no value; remove value", label, c.Operator)
		}
		return
	case !hasValue:
		v.ds.addf(c.Pos, "%s: operator %s needs a value", label, c.Operator)
		return
	}
	switch {
	case slices.Contains(dayOperators, c.Operator):
		if _, err := strconv.Atoi(c.Value); err != nil || !daysRE.MatchString(c.Value) {
			v.ds.addf(valuePos, "%s: operator %s needs a whole number of days, 0 or more; got %q", label, c.Operator, c.Value)
		}
	case slices.Contains(inOperators, c.Operator):
		if len(SplitIn(c.Value)) == 0 {
			v.ds.addf(valuePos, `%s: operator %s needs at least one value, comma-separated (\, for a comma inside a value)`, label, c.Operator)
		}
	}
}

func (v *validator) checkTerritories(firstRule map[string]Pos, objects []string) {
	first := map[string]Pos{}
	for _, t := range v.cfg.Territories {
		label := "territory " + t.ID
		v.duplicate(first, t.ID, t.Pos, label)
		// What is under a territory the schema rejected is checked, but not
		// against the territory's send_to_crm, which may be the wrong value.
		sends := t.SendToCRM || v.bad[t.Pos]
		if !v.bad[t.Pos] {
			v.dates(label, t.Pos, t.Start, t.End)
			v.references(label, t)
		}
		for _, g := range t.Geographies {
			if !v.bad[g.Pos] {
				v.dates(label+": geography "+g.Code, g.Pos, g.Start, g.End)
			}
		}
		v.products(label, t.Products, sends)
		v.exclusions(label, t.Exclusions)
		v.assignments(label, t, sends)
		for _, r := range t.Rules {
			v.rule(r, sends, t.ID, firstRule, objects)
		}
	}
	v.tree()
	v.instanceLimits()
}

func (v *validator) references(label string, t *Territory) {
	if !v.complete {
		return
	}
	// Territory ids are often numbered (ONC-101, ONC-102): a near miss is
	// no typo, so they get no suggestion.
	if t.Parent != "" && !v.territories[t.Parent] {
		v.ds.addf(v.at(t.Pos, "parent"), "%s: parent %q is not a territory id", label, t.Parent)
	}
	if !v.fieldForces[t.FieldForce] {
		v.ds.addf(v.at(t.Pos, "field_force"), "%s: field_force %q is not a field force id%s", label, t.FieldForce, suggest(t.FieldForce, v.fieldForces))
	}
	if !v.instances[t.CRMInstance] {
		v.ds.addf(v.at(t.Pos, "crm_instance"), "%s: crm_instance %q is not a crm instance of settings%s", label, t.CRMInstance, suggest(t.CRMInstance, v.instances))
	}
}

func suggest(got string, ids map[string]bool) string {
	options := make([]string, 0, len(ids))
	for id := range ids {
		options = append(options, id)
	}
	slices.Sort(options)
	return didYouMean(got, options)
}

// assignments checks dates and send_to_crm, and that an account has one
// manual assignment to the territory at a time (two may overlap only when one
// is sent to the CRM and the other is not).
func (v *validator) assignments(label string, t *Territory, sendToCRM bool) {
	for i, a := range t.Assignments {
		if v.bad[a.Pos] {
			continue
		}
		alabel := label + ": assignment " + a.Account
		v.dates(alabel, a.Pos, a.Start, a.End)
		if !sendToCRM && v.explicitTrue(a.Pos, "send_to_crm") {
			v.ds.addf(v.at(a.Pos, "send_to_crm"), "%s: send_to_crm is true but the territory's is false; remove it or make it false", alabel)
		}
		for _, b := range t.Assignments[:i] {
			if !v.bad[b.Pos] && b.Account == a.Account && b.SendToCRM == a.SendToCRM && overlap(a.Start, a.End, b.Start, b.End) {
				v.ds.addf(a.Pos, "%s: overlaps the assignment of the same account at %s; end one before the other starts", alabel, b.Pos)
				break
			}
		}
	}
}

// overlap reports whether two date ranges [start, end) share a day; nil
// dates are open.
func overlap(s1, e1, s2, e2 *time.Time) bool {
	before := func(start, end *time.Time) bool { return start == nil || end == nil || start.Before(*end) }
	return before(s1, e2) && before(s2, e1)
}

// tree checks the territory tree: no cycles, and Vault CRM's limits on its
// depth and on the children of a territory.
func (v *validator) tree() {
	// A territory the schema rejected may have a wrong parent: it stays out
	// of the tree, and ends the walks that reach it.
	byID := map[string]*Territory{}
	children := map[string][]*Territory{}
	for _, t := range v.cfg.Territories {
		if _, dup := byID[t.ID]; !dup && !v.bad[t.Pos] {
			byID[t.ID] = t
		}
	}
	for _, t := range v.cfg.Territories {
		if t.Parent != "" && byID[t.ID] == t {
			children[t.Parent] = append(children[t.Parent], t)
		}
	}
	// Cycles: follow parents from each territory; a walk that comes back to
	// a territory of its own path found a cycle. Each cycle is reported once,
	// on its smallest id.
	const (
		unseen = iota
		onPath
		done
	)
	state := map[string]int{}
	inCycle := map[string]bool{}
	for _, t := range v.cfg.Territories {
		if byID[t.ID] != t {
			continue
		}
		var path []string
		id := t.ID
		for id != "" && byID[id] != nil && state[id] == unseen {
			state[id] = onPath
			path = append(path, id)
			id = byID[id].Parent
		}
		if id != "" && state[id] == onPath {
			cycle := path[slices.Index(path, id):]
			for _, c := range cycle {
				inCycle[c] = true
			}
			start := slices.Index(cycle, slices.Min(cycle))
			ordered := append(slices.Clone(cycle[start:]), cycle[:start]...)
			ordered = append(ordered, ordered[0])
			root := byID[ordered[0]]
			v.ds.addf(v.at(root.Pos, "parent"), "territory %s: parent cycle %s; one of them must have another parent (null for a root)",
				root.ID, strings.Join(ordered, " -> "))
		}
		for _, p := range path {
			state[p] = done
		}
	}
	// Depth: a root is level 1. Report the territories one level too deep
	// only: those under them are too deep because of them.
	level := map[string]int{}
	var levelOf func(t *Territory) int
	levelOf = func(t *Territory) int {
		if l, ok := level[t.ID]; ok {
			return l
		}
		level[t.ID] = 1 // also ends the recursion if there is a cycle
		l := 1
		if p := byID[t.Parent]; p != nil && !inCycle[t.ID] {
			l = levelOf(p) + 1
		}
		level[t.ID] = l
		return l
	}
	for _, t := range v.cfg.Territories {
		if byID[t.ID] == t && levelOf(t) == MaxTerritoryLevels+1 {
			v.ds.addf(v.at(t.Pos, "parent"), "territory %s: is at level %d of the territory tree; Vault CRM allows %d levels",
				t.ID, MaxTerritoryLevels+1, MaxTerritoryLevels)
		}
	}
	for id, cs := range children {
		if t := byID[id]; t != nil && len(cs) > MaxChildTerritories {
			v.ds.addf(t.Pos, "territory %s: has %d direct children; Vault CRM allows at most %d", id, len(cs), MaxChildTerritories)
		}
	}
}

func (v *validator) instanceLimits() {
	count := map[string]int{}
	for _, t := range v.cfg.Territories {
		count[t.CRMInstance]++
	}
	for _, inst := range v.cfg.Settings.CRMInstances {
		if n := count[inst.ID]; n > MaxTerritoriesPerInstance {
			v.ds.addf(inst.Pos, "crm instance %s: has %d territories; Vault CRM allows at most %d per instance", inst.ID, n, MaxTerritoriesPerInstance)
		}
	}
}

func (v *validator) roster() {
	first := map[string]Pos{}
	for _, m := range v.cfg.RosterMembers {
		label := "roster member " + m.ID
		v.duplicate(first, m.ID, m.Pos, label)
		var distinct []string
		for i, rt := range m.Territories {
			if v.bad[rt.Pos] {
				continue
			}
			tlabel := label + ": territory " + rt.Territory
			v.dates(tlabel, rt.Pos, rt.Start, rt.End)
			if v.complete && !v.territories[rt.Territory] {
				v.ds.addf(v.at(rt.Pos, "territory"), "%s: territory %q is not a territory id", label, rt.Territory)
			}
			if !slices.Contains(distinct, rt.Territory) {
				distinct = append(distinct, rt.Territory)
			}
			if !rt.Primary {
				continue
			}
			for _, o := range m.Territories[:i] {
				if o.Primary && !v.bad[o.Pos] && overlap(rt.Start, rt.End, o.Start, o.End) {
					v.ds.addf(v.at(rt.Pos, "primary"), "%s: a second primary territory (territory %s at %s is primary at the same time); keep one",
						tlabel, o.Territory, o.Pos)
					break
				}
			}
		}
		if len(distinct) > MaxTerritoriesPerUser {
			v.ds.addf(v.at(m.Pos, "territories"), "%s: has %d territories; Vault CRM allows at most %d per user", label, len(distinct), MaxTerritoriesPerUser)
		}
	}
}

func (v *validator) mappings() {
	first := map[string]Pos{}
	for _, m := range v.cfg.FieldMappings {
		if v.bad[m.Pos] {
			continue
		}
		label := "field mapping " + m.Direction + " " + m.CRMObject
		key := m.Direction + " " + m.CRMObject
		if p, dup := first[key]; dup {
			v.ds.addf(m.Pos, "%s: a second mapping of the same object and direction; the first is at %s", label, p)
		} else {
			first[key] = m.Pos
		}
		fields := map[string]Pos{}
		once := func(field string, pos Pos) {
			if p, dup := fields[field]; dup {
				v.ds.addf(v.at(pos, "crm_field"), "%s: crm_field %s is mapped twice; the first is at %s", label, field, p)
				return
			}
			fields[field] = pos
		}
		for _, s := range m.System {
			if !v.bad[s.Pos] {
				once(s.CRMField, s.Pos)
			}
		}
		if m.Direction == "outbound" {
			v.outbound(label, m)
		}
		aligned := map[string]Pos{}
		for _, c := range m.Custom {
			if v.bad[c.Pos] {
				continue
			}
			once(c.CRMField, c.Pos)
			if p, dup := aligned[c.AlignField]; dup {
				v.ds.addf(v.at(c.Pos, "align_field"), "%s: align_field %s is given twice; the first is at %s", label, c.AlignField, p)
			} else {
				aligned[c.AlignField] = c.Pos
			}
		}
	}
}

// outbound checks an outbound mapping against what push writes: only the
// objects it pushes, only their shipped system mappings, none that push
// cannot do without deactivated, and custom mappings only on territory__v,
// each to an attribute some territory has and to a field push does not
// write itself.
func (v *validator) outbound(label string, m *FieldMapping) {
	objects := ShippedObjects("outbound")
	if !slices.Contains(objects, m.CRMObject) {
		v.ds.addf(v.at(m.Pos, "crm_object"), "%s: push writes %s only; an outbound mapping of %s would do nothing%s",
			label, strings.Join(objects, ", "), m.CRMObject, didYouMean(m.CRMObject, objects))
		return
	}
	for _, s := range m.System {
		if v.bad[s.Pos] {
			continue
		}
		sm, ok := LookupShipped("outbound", m.CRMObject, s.CRMField)
		switch {
		case !ok:
			var names []string
			for _, x := range ShippedMappings("outbound", m.CRMObject) {
				names = append(names, x.CRMField)
			}
			v.ds.addf(v.at(s.Pos, "crm_field"), "%s: %s is not a system mapping of %s (those are %s); map it under custom",
				label, s.CRMField, m.CRMObject, strings.Join(names, ", "))
		case !s.Active && sm.Required != "":
			v.ds.addf(v.at(s.Pos, "active"), "%s: %s cannot be deactivated: %s", label, s.CRMField, sm.Required)
		}
	}
	if len(m.Custom) > 0 && m.CRMObject != "territory__v" {
		v.ds.addf(v.at(m.Pos, "custom"), "%s: custom outbound mappings write territory attributes, so only territory__v takes them", label)
		return
	}
	have := map[string]bool{}
	for _, t := range v.cfg.Territories {
		for key := range v.cfg.TerritoryAttributes(t) {
			have[key] = true
		}
	}
	for _, c := range m.Custom {
		if v.bad[c.Pos] {
			continue
		}
		if _, shipped := LookupShipped("outbound", m.CRMObject, c.CRMField); shipped || slices.Contains(PushWrites, c.CRMField) {
			v.ds.addf(v.at(c.Pos, "crm_field"), "%s: crm_field %s is written by push itself; map another field", label, c.CRMField)
		}
		if v.complete && !have[c.AlignField] {
			v.ds.addf(v.at(c.Pos, "align_field"), "%s: align_field %s: no territory has attributes.%s (nor its field force)", label, c.AlignField, c.AlignField)
		}
	}
}
