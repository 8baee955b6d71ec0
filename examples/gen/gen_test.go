package main

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// The committed snapshot and config, relative to this package.
const (
	committedCRM    = "../crm"
	committedConfig = "../config"
	defaultAccounts = 6000
)

var objects = []string{
	"account__v", "address__v", "child_account__v", "call2__v", "product_metrics__v", "user__sys",
	"territory__v", "account_territory__v", "user_territory__v", "my_setup_products__v",
	"mc_cycle__v", "mc_cycle_plan__v", "mc_cycle_plan_target__v", "deletions",
}

func TestDeterministic(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	if err := generate(a, 500); err != nil {
		t.Fatal(err)
	}
	if err := generate(b, 500); err != nil {
		t.Fatal(err)
	}
	for _, o := range objects {
		if !bytes.Equal(readFile(t, filepath.Join(a, o+".csv")), readFile(t, filepath.Join(b, o+".csv"))) {
			t.Errorf("%s.csv differs between two runs", o)
		}
	}
}

// TestCommittedSnapshotIsCurrent: examples/crm is what the generator writes
// with its default flags. Regenerate with `go run ./examples/gen`.
func TestCommittedSnapshotIsCurrent(t *testing.T) {
	dir := t.TempDir()
	if err := generate(dir, defaultAccounts); err != nil {
		t.Fatal(err)
	}
	for _, o := range objects {
		if !bytes.Equal(readFile(t, filepath.Join(dir, o+".csv")), readFile(t, filepath.Join(committedCRM, o+".csv"))) {
			t.Errorf("examples/crm/%s.csv is stale: run go run ./examples/gen", o)
		}
	}
}

func TestIntegrity(t *testing.T) {
	dir := t.TempDir()
	if err := generate(dir, defaultAccounts); err != nil {
		t.Fatal(err)
	}
	tables := map[string]*table{}
	for _, o := range objects {
		tables[o] = readTable(t, filepath.Join(dir, o+".csv"))
	}
	accounts, users, territories := tables["account__v"], tables["user__sys"], tables["territory__v"]
	if n := len(accounts.rows); n < 5000 {
		t.Errorf("%d accounts, want at least 5000", n)
	}
	refs := func(object, field string, target *table) {
		t.Helper()
		for _, r := range tables[object].rows {
			if v := r[field]; v != "" && target.byID[v] == nil {
				t.Errorf("%s %s: %s %q does not resolve", object, r["id"], field, v)
			}
		}
	}
	refs("address__v", "account__v", accounts)
	refs("account__v", "primary_parent__v", accounts)
	refs("child_account__v", "parent_account__v", accounts)
	refs("child_account__v", "child_account__v", accounts)
	refs("call2__v", "account__v", accounts)
	refs("call2__v", "ownerid__v", users)
	refs("product_metrics__v", "account__v", accounts)
	refs("territory__v", "parent_territory__v", territories)
	refs("account_territory__v", "account__v", accounts)
	refs("account_territory__v", "territory__v", territories)
	refs("account_territory__v", "created_by__v", users)
	refs("user_territory__v", "user__v", users)
	refs("user_territory__v", "territory__v", territories)
	refs("my_setup_products__v", "territory__v", territories)
	refs("mc_cycle_plan__v", "cycle__v", tables["mc_cycle__v"])
	refs("mc_cycle_plan__v", "territory__v", territories)
	refs("mc_cycle_plan_target__v", "cycle_plan__v", tables["mc_cycle_plan__v"])
	refs("mc_cycle_plan_target__v", "target__v", accounts)

	for _, a := range accounts.rows {
		if p := a["primary_parent__v"]; p != "" && accounts.byID[p]["record_type__v"] != "HCO" {
			t.Errorf("account %s: primary parent %s is not an HCO", a["id"], p)
		}
		if !slices.Contains([]string{"HCP", "HCO"}, a["record_type__v"]) {
			t.Errorf("account %s: record_type__v %q", a["id"], a["record_type__v"])
		}
	}
	primaries := map[string]int{}
	addressed := map[string]bool{}
	zip := regexp.MustCompile(`^[0-9]{5}$`)
	leadingZero := 0
	for _, ad := range tables["address__v"].rows {
		addressed[ad["account__v"]] = true
		if ad["primary__v"] == "true" {
			primaries[ad["account__v"]]++
		} else if ad["primary__v"] != "false" {
			t.Errorf("address %s: primary__v %q", ad["id"], ad["primary__v"])
		}
		if ad["country__v"] != "CA" {
			if !zip.MatchString(ad["postal_code__v"]) {
				t.Errorf("address %s: postal code %q is not a 5-digit ZIP", ad["id"], ad["postal_code__v"])
			}
			if ad["postal_code__v"][0] == '0' {
				leadingZero++
			}
		}
	}
	if leadingZero == 0 {
		t.Error("no ZIP code with a leading zero")
	}
	for _, a := range accounts.rows {
		if !addressed[a["id"]] || primaries[a["id"]] != 1 {
			t.Errorf("account %s: %d primary addresses, want exactly 1", a["id"], primaries[a["id"]])
		}
	}
	callsFrom := snapshotTime.AddDate(0, 0, -200)
	for _, c := range tables["call2__v"].rows {
		d, err := time.Parse(time.DateOnly, c["call_date__v"])
		if err != nil || d.Before(callsFrom) || !d.Before(snapshotTime) {
			t.Errorf("call %s: call_date__v %q outside the 200 days before %s", c["id"], c["call_date__v"], snapshotTime.Format(time.DateOnly))
		}
	}
	for _, o := range objects {
		if o == "deletions" {
			continue
		}
		for _, r := range tables[o].rows {
			m, err := time.Parse(time.RFC3339, r["modified_date__v"])
			if err != nil || !m.Before(snapshotTime) {
				t.Errorf("%s %s: modified_date__v %q is not an RFC 3339 time before %s", o, r["id"], r["modified_date__v"], snapshotTime.Format(time.RFC3339))
			}
		}
	}
	if n := len(tables["account_territory__v"].rows); n < 8 {
		t.Errorf("%d account_territory__v rows, want about 10 self-assignments", n)
	}
}

// TestConfigMatchesSnapshot: the accounts, users and CRM territories the
// example config names are in the committed snapshot.
func TestConfigMatchesSnapshot(t *testing.T) {
	accounts := readTable(t, filepath.Join(committedCRM, "account__v.csv"))
	users := readTable(t, filepath.Join(committedCRM, "user__sys.csv"))
	logins := map[string]bool{}
	for _, u := range users.rows {
		logins[u["username__sys"]] = true
		logins[u["federated_id__sys"]] = true
	}
	var config strings.Builder
	err := filepath.WalkDir(committedConfig, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".yaml") {
			return err
		}
		b, err := os.ReadFile(path)
		config.Write(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	text := config.String()
	for _, id := range regexp.MustCompile(`ACC-[0-9]{6}`).FindAllString(text, -1) {
		if accounts.byID[id] == nil {
			t.Errorf("config names account %s, which the snapshot lacks", id)
		}
	}
	userLines := regexp.MustCompile(`(?m)^user: *(\S+)`).FindAllStringSubmatch(text, -1)
	if len(userLines) < 20 {
		t.Errorf("found %d roster members, want the roster", len(userLines))
	}
	for _, m := range userLines {
		if !logins[m[1]] {
			t.Errorf("roster member user %s is not a username or federated id in user__sys.csv", m[1])
		}
	}
	for _, ter := range readTable(t, filepath.Join(committedCRM, "territory__v.csv")).rows {
		inConfig := regexp.MustCompile(`(?m)^id: ` + regexp.QuoteMeta(ter["name__v"]) + `$`).MatchString(text)
		if crmOnly := strings.Contains(ter["description__v"], "CRM only"); inConfig == crmOnly {
			t.Errorf("territory__v %s: in config %v, CRM-only %v", ter["name__v"], inConfig, crmOnly)
		}
	}
}

type table struct {
	header []string
	rows   []map[string]string
	byID   map[string]map[string]string
}

// readTable reads a snapshot CSV strictly (every row as wide as the header,
// valid UTF-8, unique ids).
func readTable(t *testing.T, path string) *table {
	t.Helper()
	b := readFile(t, path)
	if !utf8.Valid(b) {
		t.Fatalf("%s is not valid UTF-8", path)
	}
	all, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	tb := &table{header: all[0], byID: map[string]map[string]string{}}
	for _, row := range all[1:] {
		r := map[string]string{}
		for i, f := range tb.header {
			r[f] = row[i]
		}
		tb.rows = append(tb.rows, r)
		if id := r["id"]; !strings.HasSuffix(path, "deletions.csv") {
			if tb.byID[id] != nil {
				t.Errorf("%s: id %s appears twice", path, id)
			}
			tb.byID[id] = r
		}
	}
	return tb
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
