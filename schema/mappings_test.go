package schema

import (
	"maps"
	"reflect"
	"testing"
	"testing/fstest"
)

// TestTerritoryInheritsFieldForceAttributes: a territory takes its field
// force's attributes, key by key, unless it sets its own; only the keys an
// outbound mapping writes are pushed, and the others are warned about.
func TestTerritoryInheritsFieldForceAttributes(t *testing.T) {
	files := maps.Clone(baseFiles)
	files["ff.yaml"] = "kind: field_force\nid: ONC\nname: Oncology\nattributes: {region_code: NAT, franchise: onc}\n"
	files["t.yaml"] = "kind: territory\nid: T1\nname: T\nfield_force: ONC\ncrm_instance: us\ncountry: US\nattributes: {region_code: NE, colour: red}\n" +
		"---\nkind: territory\nid: T2\nname: T\nfield_force: ONC\ncrm_instance: us\ncountry: US\n"
	files["m.yaml"] = "kind: field_mapping\ndirection: outbound\ncrm_object: territory__v\ncustom: [{crm_field: region_code__c, align_field: region_code}, {crm_field: franchise__c, align_field: franchise}]\n"
	fsys := fstest.MapFS{}
	for name, data := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(data)}
	}
	cfg, err := LoadFS(fsys, "cfg")
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]map[string]string{
		"T1": {"region_code": "NE", "franchise": "onc"},
		"T2": {"region_code": "NAT", "franchise": "onc"},
	} {
		if got := cfg.PushedAttributes(cfg.Territory(id)); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: pushed attributes %v, want %v", id, got, want)
		}
	}
	want := []UnusedAttribute{{Pos: Pos{File: "cfg/t.yaml", Line: 7, Col: 31}, Territory: "T1", Key: "colour"}}
	if got := cfg.UnusedAttributes(); !reflect.DeepEqual(got, want) {
		t.Errorf("unused attributes %+v, want %+v", got, want)
	}
}
