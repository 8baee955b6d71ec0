package schema

import (
	"math"
	"strings"
	"time"

	"cuelang.org/go/cue"
)

// decoder turns valid documents into the model. Values come from the YAML
// nodes, defaults from the CUE schema, so that the schema is the one place
// that says what an absent field means; the exception is send_to_crm of
// rules, assignments and products, whose default is the territory's.
type decoder struct {
	loc *time.Location
	// nodes holds the YAML node of every entity by its position, for the
	// positions of single fields in later messages.
	nodes map[Pos]*node
}

// obj is a YAML mapping together with the struct shape it was checked against.
type obj struct {
	n *node
	s *shape
}

func (o obj) raw(key string) any {
	if v := o.n.get(key); v != nil {
		if v.kind == scalarNode {
			return v.val
		}
		return nil
	}
	if f := o.s.fields[key]; f != nil && f.hasDef {
		return f.def
	}
	return nil
}

func (o obj) str(key string) string {
	s, _ := o.raw(key).(string)
	return s
}

func (o obj) boolean(key string) bool {
	b, _ := o.raw(key).(bool)
	return b
}

// explicitBool returns the value written for key, or def when it is absent.
func (o obj) explicitBool(key string, def bool) bool {
	if v := o.n.get(key); v != nil {
		b, _ := v.val.(bool)
		return b
	}
	return def
}

func (o obj) integer(key string) *int {
	var i int
	switch v := o.raw(key).(type) {
	case int:
		i = v
	case int64:
		i = int(max(min(v, math.MaxInt), math.MinInt))
	case uint64:
		i = int(min(v, math.MaxInt))
	default:
		return nil
	}
	return &i
}

func (o obj) strs(key string) []string {
	var out []string
	if v := o.n.get(key); v != nil {
		for _, e := range v.vals {
			out = append(out, e.value)
		}
		return out
	}
	if f := o.s.fields[key]; f != nil && f.hasDef {
		if list, ok := f.def.([]any); ok {
			for _, e := range list {
				if s, ok := e.(string); ok {
					out = append(out, s)
				}
			}
		}
	}
	return out
}

// items returns the entries of a list field, each with the shape it fits.
func (o obj) items(key string) []obj {
	v, f := o.n.get(key), o.s.fields[key]
	if v == nil || f == nil || f.shape.elem == nil {
		return nil
	}
	out := make([]obj, len(v.vals))
	for i, e := range v.vals {
		out[i] = obj{n: e, s: elemShape(f.shape.elem, e)}
	}
	return out
}

// field returns the struct field key of o as an obj, or one over an empty
// mapping when it is absent.
func (o obj) field(key string) obj {
	f := o.s.fields[key]
	if f == nil {
		return obj{n: &node{kind: mapNode}, s: &shape{}}
	}
	v := o.n.get(key)
	if v == nil {
		v = &node{kind: mapNode, pos: o.n.pos}
	}
	return obj{n: v, s: elemShape(f.shape, v)}
}

func elemShape(s *shape, n *node) *shape {
	for _, alt := range s.alts {
		if n.kind == mapNode && alt.kinds&cue.StructKind != 0 {
			return alt
		}
	}
	return s
}

func (d *decoder) pos(o obj) Pos {
	d.nodes[o.n.pos] = o.n
	return o.n.pos
}

func (d *decoder) date(o obj, key string) *time.Time {
	s := o.str(key)
	if s == "" {
		return nil
	}
	t, err := time.ParseInLocation(time.DateOnly, s, d.loc)
	if err != nil {
		return nil // the schema has said so already
	}
	return &t
}

func (d *decoder) settings(o obj) Settings {
	s := Settings{
		Pos:                     d.pos(o),
		Timezone:                o.str("timezone"),
		Location:                d.loc,
		RuleSelectionCriteria:   o.str("rule_selection_criteria"),
		DataLoader:              o.str("data_loader"),
		InactiveAccountStatuses: o.strs("inactive_account_statuses"),
	}
	g := o.field("guardrails")
	if o.n.get("guardrails") != nil {
		d.pos(g) // for the positions of its fields in messages
	}
	s.Guardrails = Guardrails{
		MinAccountsPerTerritory: g.integer("min_accounts_per_territory"),
		MaxAccountsPerTerritory: g.integer("max_accounts_per_territory"),
	}
	for _, io := range o.items("crm_instances") {
		inst := &CRMInstance{
			Pos:            d.pos(io),
			ID:             io.str("id"),
			Type:           io.str("type"),
			URL:            io.str("url"),
			APIVersion:     io.str("api_version"),
			VaultID:        io.str("vault_id"),
			CredentialsEnv: io.str("credentials_env"),
		}
		for _, co := range io.items("countries") {
			if co.n.kind == scalarNode {
				inst.Countries = append(inst.Countries, Country{Pos: d.pos(co), Code: co.n.value, Active: true})
				continue
			}
			inst.Countries = append(inst.Countries, Country{Pos: d.pos(co), Code: co.str("code"), Active: co.boolean("active")})
		}
		s.CRMInstances = append(s.CRMInstances, inst)
	}
	return s
}

func (d *decoder) fieldForce(o obj) *FieldForce {
	f := &FieldForce{
		Pos:                       d.pos(o),
		ID:                        o.str("id"),
		Name:                      o.str("name"),
		Start:                     d.date(o, "start_date"),
		End:                       d.date(o, "end_date"),
		Exclusive:                 o.boolean("exclusive"),
		CopyProductsToTerritories: o.boolean("copy_products_to_territories"),
		Exclusions:                d.exclusions(o),
		Products:                  d.products(o, true),
		Attributes:                d.attributes(o),
	}
	f.Rules = d.rules(o, "field_force", f.ID, true)
	return f
}

func (d *decoder) territory(o obj) *Territory {
	t := &Territory{
		Pos:         d.pos(o),
		ID:          o.str("id"),
		Name:        o.str("name"),
		Parent:      o.str("parent"),
		FieldForce:  o.str("field_force"),
		CRMInstance: o.str("crm_instance"),
		Country:     o.str("country"),
		Start:       d.date(o, "start_date"),
		End:         d.date(o, "end_date"),
		SendToCRM:   o.boolean("send_to_crm"),
		Exclusions:  d.exclusions(o),
		Attributes:  d.attributes(o),
	}
	for _, g := range o.items("geographies") {
		t.Geographies = append(t.Geographies, Geography{
			Pos:   d.pos(g),
			Code:  g.str("code"),
			Start: d.date(g, "start_date"),
			End:   d.date(g, "end_date"),
		})
	}
	t.Products = d.products(o, t.SendToCRM)
	for _, a := range o.items("assignments") {
		t.Assignments = append(t.Assignments, Assignment{
			Pos:       d.pos(a),
			Account:   a.str("account"),
			Start:     d.date(a, "start_date"),
			End:       d.date(a, "end_date"),
			SendToCRM: a.explicitBool("send_to_crm", t.SendToCRM),
		})
	}
	t.Rules = d.rules(o, "territory", t.ID, t.SendToCRM)
	return t
}

// attributes are the entries of the attributes map, in file order; nil when
// there are none (the config cache holds nil and empty apart).
func (d *decoder) attributes(o obj) []Attribute {
	m := o.n.get("attributes")
	if m == nil || m.kind != mapNode {
		return nil
	}
	var out []Attribute
	for i, k := range m.keys {
		if v := m.vals[i]; v.kind == scalarNode {
			out = append(out, Attribute{Pos: k.pos, Key: k.value, Value: v.value})
		}
	}
	return out
}

func (d *decoder) exclusions(o obj) []Exclusion {
	var out []Exclusion
	for _, e := range o.items("exclusions") {
		if e.n.kind == scalarNode {
			out = append(out, Exclusion{Pos: d.pos(e), Account: e.n.value})
			continue
		}
		out = append(out, Exclusion{
			Pos:     d.pos(e),
			Account: e.str("account"),
			Start:   d.date(e, "start_date"),
			End:     d.date(e, "end_date"),
			Reason:  e.str("reason"),
		})
	}
	return out
}

func (d *decoder) products(o obj, sendToCRM bool) []Product {
	var out []Product
	for _, p := range o.items("products") {
		if p.n.kind == scalarNode {
			out = append(out, Product{Pos: d.pos(p), Product: p.n.value, SendToCRM: sendToCRM})
			continue
		}
		out = append(out, Product{
			Pos:       d.pos(p),
			Product:   p.str("product"),
			Start:     d.date(p, "start_date"),
			End:       d.date(p, "end_date"),
			SendToCRM: p.explicitBool("send_to_crm", sendToCRM),
		})
	}
	return out
}

func (d *decoder) rules(o obj, ownerKind, owner string, sendToCRM bool) []*Rule {
	var out []*Rule
	for _, r := range o.items("rules") {
		rule := &Rule{
			Pos:            d.pos(r),
			ID:             r.str("id"),
			OwnerKind:      ownerKind,
			Owner:          owner,
			SendToCRM:      r.explicitBool("send_to_crm", sendToCRM),
			AccountSources: r.strs("account_sources"),
			Start:          d.date(r, "start_date"),
			End:            d.date(r, "end_date"),
			Type:           r.str("type"),
			Geography:      r.boolean("geography"),
			Match:          r.str("match"),
			Assign:         r.str("assign"),
			Intermediaries: r.boolean("intermediaries"),
			IgnoreSources:  r.strs("ignore_sources"),
		}
		for _, c := range r.items("criteria") {
			object, field, _ := strings.Cut(c.str("field"), ".")
			crit := Criterion{Pos: d.pos(c), Object: object, Field: field, Operator: c.str("operator")}
			if v := c.n.get("value"); v != nil {
				crit.Value = v.value
			}
			rule.Criteria = append(rule.Criteria, crit)
		}
		out = append(out, rule)
	}
	return out
}

func (d *decoder) rosterMember(o obj) *RosterMember {
	m := &RosterMember{
		Pos:             d.pos(o),
		ID:              o.str("id"),
		User:            o.str("user"),
		MasteredByAlign: o.boolean("mastered_by_align"),
	}
	for _, t := range o.items("territories") {
		m.Territories = append(m.Territories, RosterTerritory{
			Pos:       d.pos(t),
			Territory: t.str("territory"),
			Start:     d.date(t, "start_date"),
			End:       d.date(t, "end_date"),
			Primary:   t.boolean("primary"),
			SendToCRM: t.boolean("send_to_crm"),
		})
	}
	return m
}

func (d *decoder) fieldMapping(o obj) *FieldMapping {
	m := &FieldMapping{
		Pos:       d.pos(o),
		Direction: o.str("direction"),
		CRMObject: o.str("crm_object"),
	}
	for _, s := range o.items("system") {
		m.System = append(m.System, SystemMapping{Pos: d.pos(s), CRMField: s.str("crm_field"), Active: s.boolean("active")})
	}
	for _, c := range o.items("custom") {
		m.Custom = append(m.Custom, CustomMapping{Pos: d.pos(c), CRMField: c.str("crm_field"), AlignField: c.str("align_field")})
	}
	return m
}
