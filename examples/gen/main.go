// Command gen writes the example CRM snapshot (examples/crm) that the example
// config (examples/config) aligns: accounts, addresses, affiliations, calls,
// product metrics, users and the territory records already in the CRM.
//
// The output depends only on the flags: the random source has a fixed seed,
// so running it twice gives byte-identical files.
//
//	go run ./examples/gen [-out examples/crm] [-accounts 6000]
package main

import (
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"
)

func main() {
	out := flag.String("out", filepath.Join("examples", "crm"), "folder to write the snapshot to")
	n := flag.Int("accounts", 6000, "number of accounts")
	flag.Parse()
	if err := generate(*out, *n); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

// snapshotTime is the "now" of the snapshot: every record was modified
// before it, and calls fall in the 200 days before it.
var snapshotTime = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// history is when the CRM's records were last modified, at the earliest.
var history = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)

type gen struct {
	rng      *rand.Rand
	accounts []*account
	nextAddr int
}

// generate writes the snapshot of n accounts into dir.
func generate(dir string, n int) error {
	if n < len(keyAccounts) {
		return fmt.Errorf("-accounts %d: the example needs at least %d (the accounts its config names)", n, len(keyAccounts))
	}
	g := &gen{rng: rand.New(rand.NewPCG(20261101, 1))}
	g.keyAccounts()
	for len(g.accounts) < n {
		g.randomAccount()
	}
	g.parents()
	for _, a := range g.accounts[len(keyAccounts):] {
		g.addresses(a)
	}

	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	files := []struct {
		name   string
		header []string
		rows   [][]string
	}{
		{"account__v", []string{"id", "name__v", "first_name__v", "last_name__v", "record_type__v", "account_type__v", "country__v", "primary_parent__v", "specialty_1__v", "specialty_2__v", "npi__v", "status__v", "tier__c", "modified_date__v"}, g.accountRows()},
		{"address__v", []string{"id", "account__v", "name__v", "address_line_2__v", "city__v", "state__v", "postal_code__v", "country__v", "primary__v", "modified_date__v"}, g.addressRows()},
		{"child_account__v", []string{"id", "parent_account__v", "child_account__v", "modified_date__v"}, g.affiliations()},
		{"call2__v", []string{"id", "account__v", "call_date__v", "call_type__v", "ownerid__v", "status__v", "modified_date__v"}, g.calls()},
		{"product_metrics__v", []string{"id", "account__v", "product__v", "decile__c", "modified_date__v"}, g.productMetrics()},
		{"user__sys", []string{"id", "username__sys", "federated_id__sys", "first_name__sys", "last_name__sys", "email__sys", "status__v", "modified_date__v"}, g.users()},
		{"territory__v", []string{"id", "name__v", "description__v", "parent_territory__v", "country__v", "region_code__c", "modified_date__v"}, g.territories()},
		{"account_territory__v", []string{"id", "account__v", "territory__v", "created_by__v", "modified_date__v"}, g.selfAssignments()},
		{"user_territory__v", []string{"id", "user__v", "territory__v", "modified_date__v"}, g.userTerritories()},
		{"my_setup_products__v", []string{"id", "territory__v", "product__v", "modified_date__v"}, g.mySetupProducts()},
		// Drawn after every other object, so that adding them left those
		// files as they were.
		{"mc_cycle__v", []string{"id", "name__v", "start_date__v", "end_date__v", "mc_cycle_status__v", "modified_date__v"}, g.cycles()},
		{"mc_cycle_plan__v", []string{"id", "cycle__v", "territory__v", "mc_cycle_plan_status__v", "modified_date__v"}, g.cyclePlans()},
		{"mc_cycle_plan_target__v", []string{"id", "cycle_plan__v", "target__v", "channel_interactions_goal__v", "product_interactions_goal__v", "modified_date__v"}, g.cycleTargets()},
		{"deletions", []string{"object", "id", "deleted_date", "merged_into"}, nil},
	}
	for _, f := range files {
		if err := writeCSV(filepath.Join(dir, f.name+".csv"), f.header, f.rows); err != nil {
			return err
		}
	}
	return nil
}

func writeCSV(path string, header []string, rows [][]string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	w.Write(header)
	w.WriteAll(rows) // flushes
	return errors.Join(w.Error(), f.Close())
}

func id(prefix string, n int) string { return fmt.Sprintf("%s%06d", prefix, n) }
