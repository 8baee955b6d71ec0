package crmtest

import (
	"slices"
	"testing"
	"time"

	"github.com/alignctl/alignctl/crm"
)

// RunDeletionWindow checks how a connector tells what was deleted however
// long ago: one without crm.DeletionWindow lists every deletion it ever
// made, the seeded ones of 2020 included; one with it says its list covers a
// full read and the last hour, and its ExportIDs lists exactly the ids of an
// object (Path "" for an object the CRM lacks), from which an import finds
// older deletions by absence.
func RunDeletionWindow(t *testing.T, open func(t *testing.T, seed map[string][][]string) crm.Connector) {
	c := open(t, cloneSeed(Seed()))
	w, ok := c.(crm.DeletionWindow)
	if !ok {
		_, dels := export(t, c, crm.Deletions, mustTime(t, "2020-01-01T00:00:00Z"))
		if findDeletion(dels, crm.Account, "acc-0") == nil {
			t.Error("Export(deletions, since 2020-01-01): the deletion of acc-0 on 2020-01-02 is missing, and the connector has no DeletionWindow")
		}
		return
	}
	if !w.DeletionsCover(time.Time{}) {
		t.Error("DeletionsCover(zero) = false: a full read needs no id read")
	}
	ex, err := w.ExportIDs(t.Context(), crm.Territory)
	if err != nil {
		t.Fatal(err)
	}
	defer ex.Cleanup()
	header, rows := ReadCSV(t, ex.Path)
	var got []string
	for _, r := range rows {
		got = append(got, r[slices.Index(header, "id")])
	}
	slices.Sort(got)
	var want []string
	for _, r := range records(Seed()[crm.Territory]) {
		want = append(want, r["id"])
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("ExportIDs(territory__v) = %v, want %v", got, want)
	}
	none, err := w.ExportIDs(t.Context(), "alignctl_no_such_object__c")
	if err != nil || none.Path != "" {
		t.Errorf("ExportIDs of an unknown object = %+v, %v; want Path \"\" and no error", none, err)
	}
	none.Cleanup()
}
