package schema

import "slices"

// ShippedMapping is a system field mapping Align ships: a CRM field and the
// Align field it maps to. Admins may deactivate one, never edit it.
type ShippedMapping struct {
	CRMField   string
	AlignField string
	// Required says why push cannot do without an outbound field, which
	// therefore may not be deactivated; "" for one it can.
	Required string
}

// shipped are the system mappings per direction and CRM object: the fields
// the integration reads (inbound, CRM -> Align) and writes (outbound,
// Align -> CRM). Inbound fields keep their CRM names in the state.
var shipped = map[string]map[string][]ShippedMapping{
	"inbound": {
		"account__v": same("name__v", "country__v", "record_type__v", "primary_parent__v", "specialty_1__v", "specialty_2__v",
			"account_type__v", "status__v", "npi__v"),
		"address__v":           same("account__v", "country__v", "postal_code__v", "primary__v", "city__v", "state__v"),
		"child_account__v":     same("parent_account__v", "child_account__v"),
		"product_metrics__v":   same("account__v", "product__v"),
		"call2__v":             same("account__v", "call_date__v"),
		"user__sys":            same("username__sys", "federated_id__sys", "status__v"),
		"territory__v":         same("name__v", "parent_territory__v", "country__v"),
		"account_territory__v": same("account__v", "territory__v", "created_by__v"),
		"user_territory__v":    same("user__v", "territory__v"),
		"my_setup_products__v": same("territory__v", "product__v"),
	},
	"outbound": {
		// Only the territory's name and country are optional: the other
		// fields are what a record is (an account or user and a territory,
		// a territory and a product) or how push finds and orders it.
		"territory__v": {
			{CRMField: "name__v", AlignField: "id", Required: "it is the territory's key: push and import find the territory__v record by it"},
			{CRMField: "description__v", AlignField: "name"},
			{CRMField: "parent_territory__v", AlignField: "parent", Required: "it is the territory tree: push creates parents first and moves a territory by it"},
			{CRMField: "country__v", AlignField: "country"},
		},
		"account_territory__v": {
			{CRMField: "account__v", AlignField: "account", Required: "an account_territory__v record is an account and a territory"},
			{CRMField: "territory__v", AlignField: "territory", Required: "an account_territory__v record is an account and a territory"},
		},
		"user_territory__v": {
			{CRMField: "user__v", AlignField: "roster_member.user", Required: "a user_territory__v record is a user and a territory"},
			{CRMField: "territory__v", AlignField: "territory", Required: "a user_territory__v record is a user and a territory"},
		},
		"my_setup_products__v": {
			{CRMField: "territory__v", AlignField: "territory", Required: "a my_setup_products__v record is a territory and a product"},
			{CRMField: "product__v", AlignField: "product", Required: "a my_setup_products__v record is a territory and a product"},
		},
	},
}

// PushWrites are the fields push writes on every record it creates, whatever
// the mappings say: a custom mapping may not name them.
var PushWrites = []string{"id", "external_id__v", "modified_date__v"}

func same(fields ...string) []ShippedMapping {
	out := make([]ShippedMapping, len(fields))
	for i, f := range fields {
		out[i] = ShippedMapping{CRMField: f, AlignField: f}
	}
	return out
}

// ShippedMappings returns the system mappings Align ships for a direction
// and object, nil for an object it ships none for.
func ShippedMappings(direction, object string) []ShippedMapping {
	return slices.Clone(shipped[direction][object])
}

// ShippedObjects lists the objects with shipped mappings in a direction, sorted.
func ShippedObjects(direction string) []string {
	var out []string
	for o := range shipped[direction] {
		out = append(out, o)
	}
	slices.Sort(out)
	return out
}

// LookupShipped returns the system mapping Align ships for a direction,
// object and CRM field.
func LookupShipped(direction, object, crmField string) (ShippedMapping, bool) {
	for _, m := range shipped[direction][object] {
		if m.CRMField == crmField {
			return m, true
		}
	}
	return ShippedMapping{}, false
}

// TerritoryAttributes are a territory's attributes in effect: its field
// force's, each overridden by the territory's own of the same key.
func (c *Config) TerritoryAttributes(t *Territory) map[string]Attribute {
	out := map[string]Attribute{}
	if ff := c.FieldForce(t.FieldForce); ff != nil {
		for _, a := range ff.Attributes {
			out[a.Key] = a
		}
	}
	for _, a := range t.Attributes {
		out[a.Key] = a
	}
	return out
}

// OutboundCustom are the custom outbound mappings of territory__v: each
// writes a territory attribute (align_field) to a CRM field (crm_field).
func (c *Config) OutboundCustom() []CustomMapping {
	var out []CustomMapping
	for _, m := range c.FieldMappings {
		if m.Direction == "outbound" && m.CRMObject == "territory__v" {
			out = append(out, m.Custom...)
		}
	}
	return out
}

// PushedAttributes are the attributes in effect of a territory that an
// outbound mapping writes to the CRM, by key; nil when none. The state keeps
// them, so that a change of one (or a new mapping of one) makes the
// territory's record an update of the next push.
func (c *Config) PushedAttributes(t *Territory) map[string]string {
	var out map[string]string
	all := c.TerritoryAttributes(t)
	for _, m := range c.OutboundCustom() {
		if a, ok := all[m.AlignField]; ok {
			if out == nil {
				out = map[string]string{}
			}
			out[a.Key] = a.Value
		}
	}
	return out
}

// UnusedAttribute is an attribute key that no outbound field mapping
// writes: it does nothing (a typo of a mapped key, or a mapping still to
// write). validate and plan warn of it.
type UnusedAttribute struct {
	Pos Pos // of the key
	// FieldForce or Territory is the attribute's owner; the other is "".
	FieldForce, Territory string
	Key                   string
}

// UnusedAttributes lists the attribute keys no outbound field mapping
// writes: the field forces' first, then the territories', in config order.
func (c *Config) UnusedAttributes() []UnusedAttribute {
	used := map[string]bool{}
	for _, m := range c.OutboundCustom() {
		used[m.AlignField] = true
	}
	var out []UnusedAttribute
	unused := func(owner UnusedAttribute, as []Attribute) {
		for _, a := range as {
			if !used[a.Key] {
				owner.Pos, owner.Key = a.Pos, a.Key
				out = append(out, owner)
			}
		}
	}
	for _, f := range c.FieldForces {
		unused(UnusedAttribute{FieldForce: f.ID}, f.Attributes)
	}
	for _, t := range c.Territories {
		unused(UnusedAttribute{Territory: t.ID}, t.Attributes)
	}
	return out
}
