package reconcile

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/alignctl/alignctl/crm"
	"github.com/alignctl/alignctl/schema"
)

// FieldMapping is one effective field mapping, as the integration's "View
// Field Map" shows it: a shipped system mapping (active unless the config
// deactivates it) or a custom one.
type FieldMapping struct {
	Direction  string `json:"direction"` // inbound (CRM -> Align) or outbound (Align -> CRM)
	Object     string `json:"object"`    // the CRM object
	Kind       string `json:"kind"`      // system or custom
	CRMField   string `json:"crm_field"`
	AlignField string `json:"align_field"`
	Active     bool   `json:"active"`
	// Required says why push cannot do without an outbound system mapping,
	// which therefore cannot be deactivated.
	Required string `json:"required,omitempty"`
	// DefinedAt is where the config names it; "" for a shipped mapping the
	// config leaves as shipped.
	DefinedAt string `json:"defined_at,omitempty"`
	pos       schema.Pos
}

// EffectiveMappings lists the field mappings in effect: every shipped system
// mapping, with the config's activations and deactivations, and the config's
// custom mappings; sorted by direction, object, kind and field.
func EffectiveMappings(cfg *schema.Config) []FieldMapping {
	type key struct{ dir, obj, field string }
	out := map[key]*FieldMapping{}
	for _, dir := range []string{"inbound", "outbound"} {
		for _, obj := range schema.ShippedObjects(dir) {
			for _, m := range schema.ShippedMappings(dir, obj) {
				out[key{dir, obj, m.CRMField}] = &FieldMapping{Direction: dir, Object: obj, Kind: "system", CRMField: m.CRMField, AlignField: m.AlignField,
					Active: true, Required: m.Required}
			}
		}
	}
	for _, fm := range cfg.FieldMappings {
		for _, sm := range fm.System {
			k := key{fm.Direction, fm.CRMObject, sm.CRMField}
			m := out[k]
			if m == nil {
				// A system mapping of an object Align ships none for (a
				// mapped object): the Align field keeps the CRM name.
				m = &FieldMapping{Direction: fm.Direction, Object: fm.CRMObject, Kind: "system", CRMField: sm.CRMField, AlignField: sm.CRMField}
				out[k] = m
			}
			m.Active, m.DefinedAt, m.pos = sm.Active, sm.Pos.String(), sm.Pos
		}
		for _, c := range fm.Custom {
			out[key{fm.Direction, fm.CRMObject, c.CRMField}] = &FieldMapping{Direction: fm.Direction, Object: fm.CRMObject, Kind: "custom",
				CRMField: c.CRMField, AlignField: c.AlignField, Active: true, DefinedAt: c.Pos.String(), pos: c.Pos}
		}
	}
	list := make([]FieldMapping, 0, len(out))
	for _, m := range out {
		list = append(list, *m)
	}
	slices.SortFunc(list, func(a, b FieldMapping) int {
		return cmp.Or(cmp.Compare(a.Direction, b.Direction), cmp.Compare(a.Object, b.Object),
			cmp.Compare(b.Kind, a.Kind), cmp.Compare(a.CRMField, b.CRMField))
	})
	return list
}

// MappingProblem is an active mapping the config names whose field a CRM
// instance's object lacks.
type MappingProblem struct {
	Instance string
	Mapping  FieldMapping
	Reason   string
}

func (p MappingProblem) Error() string {
	return fmt.Sprintf("%s: %s field mapping of %s: crm instance %s %s", p.Mapping.DefinedAt, p.Mapping.Direction, p.Mapping.Object, p.Instance, p.Reason)
}

// CheckMappings asks each CRM instance for the fields of every object the
// config maps, and reports each active mapping the config names whose field
// the object lacks (an object the CRM lacks altogether fails all of its
// mappings). Shipped mappings the config does not name are the CRM's
// standard fields, which import itself checks.
func CheckMappings(ctx context.Context, cfg *schema.Config, instances []*schema.CRMInstance, conns map[string]crm.Connector) ([]MappingProblem, error) {
	var out []MappingProblem
	for _, inst := range instances {
		fields := map[string][]string{}
		missing := map[string]bool{}
		for _, m := range EffectiveMappings(cfg) {
			if m.DefinedAt == "" || !m.Active {
				continue
			}
			if _, seen := fields[m.Object]; !seen && !missing[m.Object] {
				fs, err := conns[inst.ID].Fields(ctx, m.Object)
				switch {
				case errors.Is(err, crm.ErrUnknownObject):
					missing[m.Object] = true
				case err != nil:
					return nil, fmt.Errorf("crm instance %s: %s: %w", inst.ID, m.Object, err)
				default:
					fields[m.Object] = fs
				}
			}
			switch {
			case missing[m.Object]:
				out = append(out, MappingProblem{Instance: inst.ID, Mapping: m, Reason: "has no object " + m.Object})
			case !slices.Contains(fields[m.Object], m.CRMField):
				out = append(out, MappingProblem{Instance: inst.ID, Mapping: m, Reason: fmt.Sprintf("has no field %s.%s", m.Object, m.CRMField)})
			}
		}
	}
	return out, nil
}
