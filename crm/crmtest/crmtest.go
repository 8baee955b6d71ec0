// Package crmtest is the contract test suite every crm.Connector passes: the
// file CRM and the Vault client (against the in-process fake Vault) alike.
// It asserts only what the crm.Connector contract promises, never a
// connector's id format or file layout.
package crmtest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/alignctl/alignctl/crm"
)

// Factory builds a connector holding exactly seed: object -> rows, the first
// row being the header. A seeded crm.Deletions lists records deleted before.
// The connector's clock must read later than 2021 (seeded records are
// modified in 2020, and the suite checks that writes move modified_date__v).
type Factory = func(t *testing.T, seed map[string][][]string) crm.Connector

// Seed is the data every subtest starts from. Ids are opaque strings: a
// connector keeps seeded ids as they are and makes its own for new records.
func Seed() map[string][][]string {
	return map[string][][]string{
		crm.Account: {
			{"id", "name__v", "country__v", "record_type__v", "specialty_1__v", "modified_date__v"},
			{"acc-1", "Ana Núñez", "US", "HCP", "Medical Oncology", "2020-01-05T10:00:00Z"},
			{"acc-2", "Quincy \"Q\" Adams", "US", "HCP", "Plastic Surgery, Hand", "2020-01-06T10:00:00Z"},
			{"acc-3", "Charles River\nCancer Center", "PR", "HCO", "", "2020-01-07T10:00:00Z"},
		},
		crm.Territory: {
			{"id", "name__v", "parent_territory__v", "country__v", "external_id__v", "modified_date__v"},
			{"ter-1", "ONC-NAT", "", "US", "", "2020-02-01T00:00:00Z"},
			{"ter-2", "ONC-NE", "ter-1", "US", "", "2020-02-02T00:00:00Z"},
			{"ter-3", "ONC-101", "ter-2", "US", "", "2020-02-03T00:00:00Z"},
		},
		crm.AccountTerritory: {
			{"id", "account__v", "territory__v", "created_by__v", "modified_date__v"},
			{"at-1", "acc-1", "ter-3", "usr-1", "2020-03-01T00:00:00Z"},
			{"at-2", "acc-2", "ter-3", "usr-1", "2020-03-02T00:00:00Z"},
		},
		crm.Deletions: {
			{"object", "id", "deleted_date", "merged_into"},
			{crm.Account, "acc-0", "2020-01-02T00:00:00Z", "acc-1"},
		},
	}
}

// Run runs the contract subtests, each on a fresh connector from open.
func Run(t *testing.T, open func(t *testing.T, seed map[string][][]string) crm.Connector) {
	fresh := func(t *testing.T) crm.Connector {
		t.Helper()
		c := open(t, cloneSeed(Seed()))
		if c == nil {
			t.Fatal("factory returned a nil connector")
		}
		return c
	}

	t.Run("ExportSeeded", func(t *testing.T) {
		c := fresh(t)
		for object, rows := range Seed() {
			if object == crm.Deletions {
				continue
			}
			_, got := export(t, c, object, time.Time{})
			want := records(rows)
			if len(got) != len(want) {
				t.Errorf("Export(%s): %d records, want %d", object, len(got), len(want))
			}
			for _, w := range want {
				g := find(got, w["id"])
				if g == nil {
					t.Errorf("Export(%s): record %s missing", object, w["id"])
					continue
				}
				for f, v := range w {
					if f == "modified_date__v" {
						if !sameInstant(g[f], v) {
							t.Errorf("Export(%s) %s: modified_date__v = %q, want %q", object, w["id"], g[f], v)
						}
					} else if g[f] != v {
						t.Errorf("Export(%s) %s: %s = %q, want %q", object, w["id"], f, g[f], v)
					}
				}
			}
		}
	})

	t.Run("ExportSince", func(t *testing.T) {
		c := fresh(t)
		// The export may hold more than asked, never less.
		_, got := export(t, c, crm.Territory, mustTime(t, "2020-02-02T00:00:00Z"))
		for _, id := range []string{"ter-2", "ter-3"} {
			if find(got, id) == nil {
				t.Errorf("Export(territory__v, since 2020-02-02): record %s (modified at or after) missing", id)
			}
		}
	})

	t.Run("ExportDeletions", func(t *testing.T) {
		c := fresh(t)
		_, got := export(t, c, crm.Deletions, time.Time{})
		d := findDeletion(got, crm.Account, "acc-0")
		if d == nil {
			t.Fatalf("Export(deletions): seeded deletion of acc-0 missing; got %v", got)
		}
		if d["merged_into"] != "acc-1" {
			t.Errorf("Export(deletions) acc-0: merged_into = %q, want acc-1", d["merged_into"])
		}
	})

	t.Run("ExportAbsentObject", func(t *testing.T) {
		c := fresh(t)
		ex, err := c.Export(t.Context(), crm.MySetupProducts, time.Time{})
		if err != nil {
			t.Fatalf("Export(%s) of an object with no records: %v", crm.MySetupProducts, err)
		}
		if ex.Cleanup == nil {
			t.Fatal("Export: Cleanup is nil")
		}
		defer ex.Cleanup()
		if ex.Path == "" {
			return
		}
		// A connector may also answer with a header-only file.
		if _, rows := ReadCSV(t, ex.Path); len(rows) != 0 {
			t.Errorf("Export(%s) of an object with no records: %d rows", crm.MySetupProducts, len(rows))
		}
	})

	t.Run("Fields", func(t *testing.T) {
		c := fresh(t)
		got, err := c.Fields(t.Context(), crm.Territory)
		if err != nil {
			t.Fatalf("Fields(%s): %v", crm.Territory, err)
		}
		for _, f := range Seed()[crm.Territory][0] {
			if !slices.Contains(got, f) {
				t.Errorf("Fields(%s) = %v, lacks %s", crm.Territory, got, f)
			}
		}
		_, err = c.Fields(t.Context(), "alignctl_no_such_object__c")
		if !errors.Is(err, crm.ErrUnknownObject) {
			t.Errorf("Fields of an unknown object: err = %v, want crm.ErrUnknownObject", err)
		}
	})

	t.Run("Create", func(t *testing.T) {
		c := fresh(t)
		recs := []crm.Record{
			{"name__v": "ONC-102", "parent_territory__v": "ter-2", "country__v": "US"},
			{"name__v": "ONC-103", "parent_territory__v": "ter-2", "country__v": "US"},
			{"name__v": "ONC-104, Boston \"South\"", "parent_territory__v": "ter-2", "country__v": "US"},
		}
		res := create(t, c, crm.Territory, recs)
		ids := okIDs(t, res)
		seen := map[string]bool{"ter-1": true, "ter-2": true, "ter-3": true}
		for _, id := range ids {
			if id == "" || seen[id] {
				t.Errorf("Create: id %q is empty or not fresh (ids %v)", id, ids)
			}
			seen[id] = true
		}
		_, got := export(t, c, crm.Territory, time.Time{})
		if len(got) != 6 {
			t.Errorf("Export after Create: %d records, want 6", len(got))
		}
		for i, id := range ids {
			g := find(got, id)
			if g == nil {
				t.Errorf("Export after Create: record %s missing", id)
				continue
			}
			for f, v := range recs[i] {
				if g[f] != v {
					t.Errorf("created %s: %s = %q, want %q", id, f, g[f], v)
				}
			}
			md := parseTime(t, g["modified_date__v"])
			if !md.After(mustTime(t, "2021-01-01T00:00:00Z")) {
				t.Errorf("created %s: modified_date__v = %s, want the connector's now", id, g["modified_date__v"])
			}
			// An incremental export from that time must include the record.
			if _, inc := export(t, c, crm.Territory, md); find(inc, id) == nil {
				t.Errorf("Export(since %s): created record %s missing", g["modified_date__v"], id)
			}
		}
	})

	t.Run("CreateUpsertsByExternalID", func(t *testing.T) {
		// A create sent again (a retry after a lost response, a push run
		// again after a crash) must not make a second record.
		c := fresh(t)
		rec := crm.Record{"name__v": "ONC-105", "country__v": "US", crm.ExternalID: "aln:ter:ONC-105"}
		first := okIDs(t, create(t, c, crm.Territory, []crm.Record{rec}))
		again := crm.Record{"name__v": "ONC-105", "country__v": "PR", crm.ExternalID: "aln:ter:ONC-105"}
		other := crm.Record{"name__v": "ONC-106", "country__v": "US", crm.ExternalID: "aln:ter:ONC-106"}
		second := okIDs(t, create(t, c, crm.Territory, []crm.Record{again, other}))
		if second[0] != first[0] {
			t.Errorf("Create again with external id %s: id %s, want the first record's %s", rec[crm.ExternalID], second[0], first[0])
		}
		if second[1] == first[0] || second[1] == "" {
			t.Errorf("Create with a new external id: id %q, want a fresh one", second[1])
		}
		_, got := export(t, c, crm.Territory, time.Time{})
		n := 0
		for _, g := range got {
			if g[crm.ExternalID] == "aln:ter:ONC-105" {
				n++
				if g["country__v"] != "PR" {
					t.Errorf("upserted record: country__v = %q, want the second create's PR", g["country__v"])
				}
			}
		}
		if n != 1 || len(got) != 5 {
			t.Errorf("Export after two creates of one external id: %d records with it (want 1), %d in all (want 5)", n, len(got))
		}
	})

	t.Run("CreateAbsentObject", func(t *testing.T) {
		c := fresh(t)
		res := create(t, c, crm.MySetupProducts, []crm.Record{{"territory__v": "ter-3", "product__v": "KEYTRUDA"}})
		ids := okIDs(t, res)
		_, got := export(t, c, crm.MySetupProducts, time.Time{})
		g := find(got, ids[0])
		if g == nil || g["product__v"] != "KEYTRUDA" || g["territory__v"] != "ter-3" {
			t.Errorf("Export(%s) after Create: got %v, want record %s with KEYTRUDA on ter-3", crm.MySetupProducts, got, ids[0])
		}
	})

	t.Run("CreateRecordWithID", func(t *testing.T) {
		c := fresh(t)
		res := create(t, c, crm.AccountTerritory, []crm.Record{
			{"account__v": "acc-3", "territory__v": "ter-1"},
			{"id": "at-99", "account__v": "acc-3", "territory__v": "ter-2"},
			{"account__v": "acc-3", "territory__v": "ter-3"},
		})
		wantRecordError(t, "Create of a record carrying an id", res[1].Err)
		if res[0].Err != nil || res[2].Err != nil {
			t.Fatalf("Create: the other records failed too: %v, %v", res[0].Err, res[2].Err)
		}
		_, got := export(t, c, crm.AccountTerritory, time.Time{})
		if find(got, "at-99") != nil {
			t.Error("Create kept the id the caller gave")
		}
		for _, i := range []int{0, 2} {
			if find(got, res[i].ID) == nil {
				t.Errorf("Export after Create: record %s missing", res[i].ID)
			}
		}
		if len(got) != 4 {
			t.Errorf("Export after Create: %d records, want 4", len(got))
		}
	})

	t.Run("Update", func(t *testing.T) {
		c := fresh(t)
		res := update(t, c, crm.Territory, []crm.Record{{"id": "ter-3", "name__v": "ONC-101, Boston North"}})
		okIDs(t, res)
		_, got := export(t, c, crm.Territory, time.Time{})
		g := find(got, "ter-3")
		if g == nil {
			t.Fatal("Export after Update: ter-3 missing")
		}
		if g["name__v"] != "ONC-101, Boston North" || g["parent_territory__v"] != "ter-2" {
			t.Errorf("updated ter-3 = %v, want name__v changed and parent_territory__v kept", g)
		}
		if !parseTime(t, g["modified_date__v"]).After(mustTime(t, "2020-02-03T00:00:00Z")) {
			t.Errorf("updated ter-3: modified_date__v = %s, not moved to now", g["modified_date__v"])
		}
		if o := find(got, "ter-2"); o == nil || o["name__v"] != "ONC-NE" || !sameInstant(o["modified_date__v"], "2020-02-02T00:00:00Z") {
			t.Errorf("Update changed another record: ter-2 = %v", o)
		}
		if len(got) != 3 {
			t.Errorf("Export after Update: %d records, want 3", len(got))
		}
	})

	t.Run("UpdateUnknownID", func(t *testing.T) {
		c := fresh(t)
		res := update(t, c, crm.Account, []crm.Record{
			{"id": "acc-1", "specialty_1__v": "Hematology/Oncology"},
			{"id": "acc-404", "specialty_1__v": "Cardiology"},
			{"id": "acc-3", "name__v": "Charles River Cancer Center"},
		})
		wantRecordError(t, "Update of an unknown id", res[1].Err)
		if res[0].Err != nil || res[2].Err != nil {
			t.Fatalf("Update: the other records failed too: %v, %v", res[0].Err, res[2].Err)
		}
		_, got := export(t, c, crm.Account, time.Time{})
		if g := find(got, "acc-1"); g == nil || g["specialty_1__v"] != "Hematology/Oncology" {
			t.Errorf("acc-1 after Update = %v", g)
		}
		if g := find(got, "acc-3"); g == nil || g["name__v"] != "Charles River Cancer Center" {
			t.Errorf("acc-3 after Update = %v", g)
		}
		if find(got, "acc-404") != nil || len(got) != 3 {
			t.Errorf("Update of an unknown id created a record: %v", got)
		}
	})

	t.Run("UpdateWithoutID", func(t *testing.T) {
		c := fresh(t)
		res := update(t, c, crm.Territory, []crm.Record{
			{"name__v": "no id"},
			{"id": "ter-1", "name__v": "ONC-NATIONAL"},
		})
		wantRecordError(t, "Update of a record without id", res[0].Err)
		if res[1].Err != nil {
			t.Fatalf("Update: ter-1 failed too: %v", res[1].Err)
		}
		_, got := export(t, c, crm.Territory, time.Time{})
		if g := find(got, "ter-1"); g == nil || g["name__v"] != "ONC-NATIONAL" || len(got) != 3 {
			t.Errorf("Export after Update = %v, want ter-1 renamed and nothing else", got)
		}
	})

	t.Run("Delete", func(t *testing.T) {
		c := fresh(t)
		res := del(t, c, crm.AccountTerritory, []string{"at-1"})
		okIDs(t, res)
		_, got := export(t, c, crm.AccountTerritory, time.Time{})
		if find(got, "at-1") != nil {
			t.Error("Export after Delete: at-1 still there")
		}
		if find(got, "at-2") == nil || len(got) != 1 {
			t.Errorf("Export after Delete = %v, want at-2 alone", got)
		}
		_, dels := export(t, c, crm.Deletions, time.Time{})
		d := findDeletion(dels, crm.AccountTerritory, "at-1")
		if d == nil {
			t.Fatalf("Export(deletions) after Delete: at-1 missing; got %v", dels)
		}
		parseTime(t, d["deleted_date"])
		if d["merged_into"] != "" {
			t.Errorf("deletion of at-1: merged_into = %q, want empty", d["merged_into"])
		}
		if findDeletion(dels, crm.Account, "acc-0") == nil {
			t.Error("Export(deletions) after Delete: the seeded deletion is gone")
		}
	})

	t.Run("DeleteUnknownID", func(t *testing.T) {
		c := fresh(t)
		res := del(t, c, crm.Territory, []string{"ter-404", "ter-3"})
		wantRecordError(t, "Delete of an unknown id", res[0].Err)
		if res[1].Err != nil {
			t.Fatalf("Delete: ter-3 failed too: %v", res[1].Err)
		}
		_, got := export(t, c, crm.Territory, time.Time{})
		if find(got, "ter-3") != nil || len(got) != 2 {
			t.Errorf("Export after Delete = %v, want ter-1 and ter-2", got)
		}
		_, dels := export(t, c, crm.Deletions, time.Time{})
		if findDeletion(dels, crm.Territory, "ter-404") != nil {
			t.Error("deletions lists the unknown id")
		}
	})

	t.Run("IDsNeverReused", func(t *testing.T) {
		c := fresh(t)
		used := map[string]bool{"at-1": true, "at-2": true}
		first := okIDs(t, create(t, c, crm.AccountTerritory, []crm.Record{
			{"account__v": "acc-3", "territory__v": "ter-1"},
			{"account__v": "acc-3", "territory__v": "ter-2"},
		}))
		for _, id := range first {
			used[id] = true
		}
		// Deleting the newest records is what tempts a connector to hand
		// their ids out again.
		okIDs(t, del(t, c, crm.AccountTerritory, first))
		second := okIDs(t, create(t, c, crm.AccountTerritory, []crm.Record{
			{"account__v": "acc-1", "territory__v": "ter-1"},
			{"account__v": "acc-2", "territory__v": "ter-2"},
		}))
		for _, id := range second {
			if used[id] {
				t.Errorf("Create after Delete reused id %s (used before: %v)", id, used)
			}
			used[id] = true
		}
	})

	t.Run("ConcurrentCreate", func(t *testing.T) {
		c := fresh(t)
		const workers, each = 4, 5
		var (
			wg   sync.WaitGroup
			mu   sync.Mutex
			ids  []string
			errs []error
		)
		for w := range workers {
			wg.Go(func() {
				recs := make([]crm.Record, each)
				for i := range recs {
					recs[i] = crm.Record{"territory__v": "ter-3", "product__v": fmt.Sprintf("PRODUCT-%d-%d", w, i)}
				}
				res, err := c.Create(t.Context(), crm.MySetupProducts, recs)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					errs = append(errs, err)
					return
				}
				for _, r := range res {
					if r.Err != nil {
						errs = append(errs, r.Err)
					}
					ids = append(ids, r.ID)
				}
			})
		}
		wg.Wait()
		if len(errs) > 0 {
			t.Fatalf("concurrent Create: %v", errs)
		}
		slices.Sort(ids)
		if len(slices.Compact(slices.Clone(ids))) != workers*each {
			t.Errorf("concurrent Create: ids not distinct: %v", ids)
		}
		_, got := export(t, c, crm.MySetupProducts, time.Time{})
		if len(got) != workers*each {
			t.Errorf("Export after concurrent Create: %d records, want %d", len(got), workers*each)
		}
	})
}

// cloneSeed gives each subtest its own rows, so a connector that keeps or
// edits the seed it was given cannot leak into the next subtest.
func cloneSeed(seed map[string][][]string) map[string][][]string {
	out := make(map[string][][]string, len(seed))
	for k, rows := range seed {
		c := make([][]string, len(rows))
		for i, r := range rows {
			c[i] = slices.Clone(r)
		}
		out[k] = c
	}
	return out
}
