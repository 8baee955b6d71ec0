package reconcile

import (
	"maps"
	"slices"

	"github.com/alignctl/alignctl/crm"
	"github.com/alignctl/alignctl/query"
	"github.com/alignctl/alignctl/schema"
)

// Outbound is what push writes of each record, as the outbound field
// mappings say: the shipped system mappings less those the config
// deactivates, and for territory__v the custom mappings, each of which writes
// a territory attribute to a CRM field. Plan and push build records through
// it, so that the plan shows what the push writes.
type Outbound struct {
	inactive map[string]map[string]bool // object -> CRM field -> deactivated
	custom   []schema.CustomMapping     // territory__v
}

// NewOutbound reads the outbound mappings of a config.
func NewOutbound(cfg *schema.Config) Outbound {
	o := Outbound{inactive: map[string]map[string]bool{}, custom: cfg.OutboundCustom()}
	for _, m := range EffectiveMappings(cfg) {
		if m.Direction != "outbound" || m.Active || m.Kind != "system" {
			continue
		}
		if o.inactive[m.Object] == nil {
			o.inactive[m.Object] = map[string]bool{}
		}
		o.inactive[m.Object][m.CRMField] = true
	}
	return o
}

// Fields are the fields a create or update of it writes. A deactivated
// field is left out: a create leaves it empty, an update leaves the CRM's
// value as it is. A custom mapping writes the territory's attribute; one the
// territory lacks is left out of a create and cleared by an update (the
// attribute was removed, or never set, and Align masters the field).
// Deletes keep their fields: they name the record only.
func (o Outbound) Fields(it query.PushItem) map[string]string {
	if it.Action == query.CRMDelete || (len(o.inactive[it.Object]) == 0 && (it.Object != crm.Territory || len(o.custom) == 0)) {
		return it.Fields
	}
	f := maps.Clone(it.Fields)
	for name := range o.inactive[it.Object] {
		delete(f, name)
	}
	if it.Object != crm.Territory {
		return f
	}
	for _, m := range o.custom {
		if v, ok := it.Attributes[m.AlignField]; ok {
			f[m.CRMField] = v
		} else if it.Action == query.CRMUpdate {
			f[m.CRMField] = ""
		}
	}
	return f
}

// attributeChanges names the pushed attributes that differ, as
// attributes.KEY, sorted.
func attributeChanges(old, new map[string]string) []string {
	var out []string
	for k, v := range new {
		if ov, ok := old[k]; !ok || ov != v {
			out = append(out, "attributes."+k)
		}
	}
	for k := range old {
		if _, ok := new[k]; !ok {
			out = append(out, "attributes."+k)
		}
	}
	slices.Sort(out)
	return out
}
