package schema

import "slices"

// ShippedMapping is a system field mapping Align ships: a CRM field and the
// Align field it maps to. Admins may deactivate one, never edit it.
type ShippedMapping struct {
	CRMField   string
	AlignField string
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
		"territory__v": {
			{CRMField: "name__v", AlignField: "id"},
			{CRMField: "description__v", AlignField: "name"},
			{CRMField: "parent_territory__v", AlignField: "parent"},
			{CRMField: "country__v", AlignField: "country"},
		},
		"account_territory__v": {{CRMField: "account__v", AlignField: "account"}, {CRMField: "territory__v", AlignField: "territory"}},
		"user_territory__v":    {{CRMField: "user__v", AlignField: "roster_member.user"}, {CRMField: "territory__v", AlignField: "territory"}},
		"my_setup_products__v": {{CRMField: "territory__v", AlignField: "territory"}, {CRMField: "product__v", AlignField: "product"}},
	},
}

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
