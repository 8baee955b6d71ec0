package crmtest

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alignctl/alignctl/crm"
)

// RunLive is the part of the contract that holds on a CRM whose records
// nobody seeded: a sandbox Vault of the acceptance suite. It writes only
// territory__v records whose name__v starts with prefix, and deletes every
// such record it finds when it ends, whatever became of the test.
//
// It checks: Fields of the objects an import reads; a territory created
// (upserted by external id, twice, giving one record), exported by an
// incremental export, updated, and deleted; the deletion listed by the
// deletions export, with a time; and, where the connector has them,
// ServerTime, DeletionsCover, ExportIDs and ExportAccounts.
//
// now is this machine's clock (time.Now against a real CRM).
func RunLive(t *testing.T, c crm.Connector, prefix string, now func() time.Time) {
	ctx := t.Context()
	t.Cleanup(func() { cleanLive(t, c, prefix) })
	for _, object := range []string{crm.Account, crm.Territory, crm.AccountTerritory, crm.UserTerritory} {
		fields, err := c.Fields(ctx, object)
		if err != nil {
			t.Fatalf("Fields(%s): %v", object, err)
		}
		if !slices.Contains(fields, "id") || !slices.Contains(fields, "modified_date__v") {
			t.Errorf("Fields(%s) = %v: no id or modified_date__v", object, fields)
		}
	}
	before := now().Add(-time.Minute)
	if sc, ok := c.(crm.ServerClock); ok {
		before = sc.ServerTime().Add(-time.Minute)
		if d := now().Sub(sc.ServerTime()); d < -time.Hour || d > time.Hour {
			t.Errorf("ServerTime %v is more than an hour off this machine's clock", sc.ServerTime())
		}
	}
	name := prefix + "-LIVE-" + now().UTC().Format("20060102T150405")
	rec := crm.Record{"name__v": name, crm.ExternalID: name}
	var id string
	for range 2 { // an upsert sent twice writes one record
		res, err := c.Create(ctx, crm.Territory, []crm.Record{rec})
		if err != nil || len(res) != 1 || res[0].Err != nil {
			t.Fatalf("Create(territory__v %s) = %v, %v", name, res, err)
		}
		if id != "" && res[0].ID != id {
			t.Errorf("the second create of %s made record %s, want the first's %s", name, res[0].ID, id)
		}
		id = res[0].ID
	}
	_, got := export(t, c, crm.Territory, before)
	if r := find(got, id); r == nil || r["name__v"] != name {
		t.Fatalf("Export(territory__v, since a minute ago): %s missing", id)
	}
	res, err := c.Update(ctx, crm.Territory, []crm.Record{{"id": id, "name__v": name + "-U"}})
	if err != nil || len(res) != 1 || res[0].Err != nil {
		t.Fatalf("Update(%s) = %v, %v", id, res, err)
	}
	res, err = c.Delete(ctx, crm.Territory, []string{id})
	if err != nil || len(res) != 1 || res[0].Err != nil {
		t.Fatalf("Delete(%s) = %v, %v", id, res, err)
	}
	_, dels := export(t, c, crm.Deletions, before)
	if d := findDeletion(dels, crm.Territory, id); d == nil || d["deleted_date"] == "" {
		t.Errorf("Export(deletions): the deletion of %s is missing or has no time", id)
	}
	if w, ok := c.(crm.DeletionWindow); ok {
		if !w.DeletionsCover(before) {
			t.Error("DeletionsCover(a minute ago) = false")
		}
		ex, err := w.ExportIDs(ctx, crm.Territory)
		if err != nil {
			t.Fatal(err)
		}
		if ids, _ := Column(t, ex, "id", ""); slices.Contains(ids, id) {
			t.Errorf("ExportIDs(territory__v) still lists the deleted %s", id)
		}
	}
	if a, ok := c.(crm.AccountExporter); ok {
		ex, err := a.ExportAccounts(ctx, crm.Address, []string{"account__v"}, []string{prefix + "-NO-SUCH-ACCOUNT"})
		if err != nil {
			t.Fatalf("ExportAccounts(address__v): %v", err)
		}
		if rows, _ := Column(t, ex, "id", ""); len(rows) != 0 {
			t.Errorf("ExportAccounts of an account nobody has: %d rows", len(rows))
		}
	}
}

// cleanLive deletes every territory__v record whose name__v starts with
// prefix. It runs after the test's context is cancelled: it has its own.
func cleanLive(t *testing.T, c crm.Connector, prefix string) {
	ctx := context.Background()
	ex, err := c.Export(ctx, crm.Territory, time.Time{})
	if err != nil {
		t.Errorf("cleaning up under %s: %v", prefix, err)
		return
	}
	ids, names := Column(t, ex, "id", "name__v")
	var mine []string
	for i, n := range names {
		if strings.HasPrefix(n, prefix) {
			mine = append(mine, ids[i])
		}
	}
	if len(mine) == 0 {
		return
	}
	if _, err := c.Delete(ctx, crm.Territory, mine); err != nil {
		t.Errorf("cleaning up %d territory__v records under %s: %v", len(mine), prefix, err)
	}
}

// Column reads two columns of an export (other may be "", or a column the
// export lacks), and releases it.
func Column(t *testing.T, ex crm.Export, name, other string) (values, others []string) {
	t.Helper()
	defer ex.Cleanup()
	if ex.Path == "" {
		return nil, nil
	}
	header, rows := ReadCSV(t, ex.Path)
	i, j := slices.Index(header, name), slices.Index(header, other)
	for _, r := range rows {
		values = append(values, r[i])
		if j >= 0 {
			others = append(others, r[j])
		}
	}
	return values, others
}
