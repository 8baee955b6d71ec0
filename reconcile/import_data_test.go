package reconcile

import (
	"testing"

	"github.com/alignctl/alignctl/crm"
)

// Only an import that may have changed what rules read counts as a change
// of the CRM data for the evaluation cache.
func TestChangesCRMData(t *testing.T) {
	tests := []struct {
		name    string
		objects []ObjectReport
		want    bool
	}{
		{"nothing", nil, false},
		{"incremental, no account rows", []ObjectReport{{Object: "account__v"}, {Object: "address__v"}}, false},
		{"an account row", []ObjectReport{{Object: "account__v", Loaded: 1}}, true},
		{"a full import loading nothing", []ObjectReport{{Object: "call2__v", Full: true}}, true},
		{"after a push: pushed records read back", []ObjectReport{{Object: crm.AccountTerritory, Loaded: 900}, {Object: crm.Territory, Full: true, Loaded: 50}}, false},
		{"after a push: the deletion it made", []ObjectReport{{Object: crm.AccountTerritory, Loaded: 1}, {Object: crm.Deletions, Loaded: 1, Deleted: []string{crm.UserTerritory}}}, false},
		{"cycle plan targets recalculated", []ObjectReport{{Object: crm.MCCyclePlanTarget, Loaded: 500}, {Object: crm.MCCycle, Full: true, Loaded: 2}}, false},
		{"a deleted cycle plan target", []ObjectReport{{Object: crm.Deletions, Loaded: 1, Deleted: []string{crm.MCCyclePlanTarget}}}, false},
		{"a deleted account", []ObjectReport{{Object: crm.Deletions, Loaded: 2, Deleted: []string{"account__v", crm.UserTerritory}}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &ImportReport{Objects: tt.objects}
			if got := r.changesCRMData(); got != tt.want {
				t.Errorf("changesCRMData() = %v, want %v", got, tt.want)
			}
		})
	}
}
