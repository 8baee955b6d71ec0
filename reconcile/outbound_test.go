package reconcile

import (
	"reflect"
	"testing"

	"github.com/alignctl/alignctl/query"
	"github.com/alignctl/alignctl/schema"
)

// TestOutboundFieldsFollowMappings: what a territory__v create or update
// writes follows the outbound mappings; other objects and deletes are left
// as the state made them.
func TestOutboundFieldsFollowMappings(t *testing.T) {
	cfg := &schema.Config{FieldMappings: []*schema.FieldMapping{{
		Direction: "outbound", CRMObject: "territory__v",
		System: []schema.SystemMapping{{CRMField: "description__v", Active: false}, {CRMField: "country__v", Active: true}},
		Custom: []schema.CustomMapping{{CRMField: "region_code__c", AlignField: "region_code"}},
	}}}
	base := map[string]string{"name__v": "T1", "description__v": "Boston", "country__v": "US", "parent_territory__v": "P"}
	out := NewOutbound(cfg)
	for _, tc := range []struct {
		name string
		it   query.PushItem
		want map[string]string
	}{
		{"a create writes the attribute and leaves the deactivated field empty",
			query.PushItem{Object: "territory__v", Action: "create", Fields: base, Attributes: map[string]string{"region_code": "NE"}},
			map[string]string{"name__v": "T1", "country__v": "US", "parent_territory__v": "P", "region_code__c": "NE"}},
		{"a create of a territory without the attribute leaves the field out",
			query.PushItem{Object: "territory__v", Action: "create", Fields: base},
			map[string]string{"name__v": "T1", "country__v": "US", "parent_territory__v": "P"}},
		{"an update of a territory without the attribute clears the field",
			query.PushItem{Object: "territory__v", Action: "update", Fields: base},
			map[string]string{"name__v": "T1", "country__v": "US", "parent_territory__v": "P", "region_code__c": ""}},
		{"a delete names the record only",
			query.PushItem{Object: "territory__v", Action: "delete", Fields: map[string]string{"name__v": "T1"}},
			map[string]string{"name__v": "T1"}},
		{"other objects are as the state made them",
			query.PushItem{Object: "my_setup_products__v", Action: "create", Fields: map[string]string{"territory__v": "T1", "product__v": "X"}},
			map[string]string{"territory__v": "T1", "product__v": "X"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := out.Fields(tc.it); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("fields %v, want %v", got, tc.want)
			}
		})
	}
	if base["description__v"] != "Boston" {
		t.Error("Fields changed the item's own map")
	}
}

// TestAttributeChangesNameTheKey: the plan names each pushed attribute that
// was added, changed or removed.
func TestAttributeChangesNameTheKey(t *testing.T) {
	got := attributeChanges(map[string]string{"a": "1", "b": "2", "c": "3"}, map[string]string{"a": "1", "b": "9", "d": "4"})
	want := []string{"attributes.b", "attributes.c", "attributes.d"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if got := attributeChanges(nil, nil); got != nil {
		t.Errorf("no attributes: got %v", got)
	}
}
