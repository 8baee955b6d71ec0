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
	"strings"
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

type account struct {
	id, name, first, last string
	recordType            string
	accountType           string
	country               string
	parent                string
	specialty1            string
	specialty2            string
	npi                   string
	status                string
	tier                  string
	modified              string
	home                  *area // area of the primary address
	addresses             []address
}

type address struct {
	id, street, line2, city, state, zip, country string
	primary                                      bool
	modified                                     string
}

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

// keyAccounts adds the accounts the config names, at fixed ids.
func (g *gen) keyAccounts() {
	for i, k := range keyAccounts {
		a := &account{
			id:          id("ACC-", i+1),
			name:        k.name,
			first:       k.first,
			last:        k.last,
			recordType:  k.recordType,
			accountType: k.accountType,
			country:     k.country,
			specialty1:  k.specialty,
			status:      k.status,
			tier:        k.tier,
			modified:    g.timestamp(history, snapshotTime),
		}
		if k.parent > 0 {
			a.parent = id("ACC-", k.parent)
		}
		if a.recordType == "HCP" {
			a.npi = g.npi()
		}
		a.home = g.areaOf(k.zip, k.country)
		a.addresses = []address{{
			id: g.addressID(), street: g.street(k.country), city: k.city, state: k.state,
			zip: k.zip, country: k.country, primary: true, modified: a.modified,
		}}
		g.accounts = append(g.accounts, a)
	}
}

// areaOf is the area an exact ZIP belongs to, for grouping accounts with
// their neighbours (primary parents are picked among them).
func (g *gen) areaOf(zip, country string) *area {
	for i := range areas {
		if areas[i].code == zip {
			return &areas[i]
		}
	}
	for i := range areas {
		if len(areas[i].code) == 3 && strings.HasPrefix(zip, areas[i].code) && areas[i].country == country {
			return &areas[i]
		}
	}
	return &area{code: zip[:3], country: country}
}

func (g *gen) randomAccount() {
	n := len(g.accounts) + 1
	home := g.pickArea()
	a := &account{
		id:       id("ACC-", n),
		country:  home.country,
		home:     home,
		status:   "active__v",
		modified: g.timestamp(history, snapshotTime),
	}
	if g.rng.IntN(100) < 5 {
		a.status = "inactive__v"
	}
	first, last := firstNames, lastNames
	if home.country == "PR" {
		first, last = prFirstNames, prLastNames
	}
	city := pick(g.rng, home.cities)
	if g.rng.IntN(100) < 80 {
		a.recordType = "HCP"
		a.first, a.last = pick(g.rng, first), pick(g.rng, last)
		a.name = a.first + " " + a.last
		a.specialty1 = g.weighted(specialties)
		switch a.specialty1 {
		case "Nurse Practitioner", "Physician Assistant":
			a.accountType = a.specialty1
		default:
			a.accountType = "Physician"
			if g.rng.IntN(100) < 12 {
				a.specialty2 = g.weighted(specialties)
				if a.specialty2 == a.specialty1 || a.specialty2 == "Nurse Practitioner" || a.specialty2 == "Physician Assistant" {
					a.specialty2 = ""
				}
			}
		}
		a.npi = g.npi()
		a.tier = pick(g.rng, []string{"A", "B", "B", "C", "C", "C", "D", ""})
	} else {
		a.recordType = "HCO"
		a.accountType = g.weighted(hcoTypes)
		a.name = g.hcoName(a.accountType, city, home.country, pick(g.rng, last))
		a.tier = pick(g.rng, []string{"A", "B", "C", ""})
	}
	g.accounts = append(g.accounts, a)
}

func (g *gen) hcoName(kind, city, country, surname string) string {
	if country == "PR" {
		switch kind {
		case "Hospital":
			return pick(g.rng, []string{"Hospital San " + pick(g.rng, []string{"Pablo", "Lucas", "Jorge", "Antonio"}) + " de " + city, "Centro Médico de " + city})
		case "Cancer Center":
			return "Centro de Cáncer de " + city
		case "Pharmacy":
			return "Farmacia " + surname
		default:
			return pick(g.rng, []string{"Clínica " + surname, "Grupo Médico de " + city, "Centro de Salud " + city})
		}
	}
	switch kind {
	case "Hospital":
		return pick(g.rng, []string{
			city + " General Hospital", city + " Memorial Hospital", "St. " + pick(g.rng, saints) + " Hospital",
			city + " Regional Medical Center", surname + " Memorial Hospital", "University Hospital of " + city,
		})
	case "Cancer Center":
		return pick(g.rng, []string{city + " Cancer Center", surname + " Cancer Institute", city + " Oncology Associates", "Comprehensive Cancer Care of " + city})
	case "Clinic":
		return pick(g.rng, []string{city + " Medical Clinic", surname + " Family Clinic", city + " Heart & Vascular Clinic", city + " Internal Medicine Clinic"})
	case "Group Practice":
		return pick(g.rng, []string{
			surname + " & " + pick(g.rng, lastNames) + " Medical Group", city + " Internal Medicine Associates",
			city + " Hematology Oncology Group", city + " Cardiovascular Associates", surname + " Family Practice",
		})
	case "Pharmacy":
		return pick(g.rng, []string{city + " Specialty Pharmacy", surname + " Pharmacy", "Community Pharmacy of " + city})
	default:
		return pick(g.rng, []string{city + " Infusion Center", surname + " Infusion Services"})
	}
}

// parents sets primary_parent__v: about half the HCPs, and a quarter of
// clinics and group practices, get an HCO of their own area as parent.
func (g *gen) parents() {
	hcos := map[string][]*account{}
	hospitals := map[string][]*account{}
	for _, a := range g.accounts {
		if a.recordType != "HCO" || a.accountType == "Pharmacy" {
			continue
		}
		key := groupKey(a)
		hcos[key] = append(hcos[key], a)
		if a.accountType == "Hospital" {
			hospitals[key] = append(hospitals[key], a)
		}
	}
	for _, a := range g.accounts[len(keyAccounts):] {
		key := groupKey(a)
		switch {
		case a.recordType == "HCP":
			if g.rng.IntN(100) < 55 && len(hcos[key]) > 0 {
				a.parent = pick(g.rng, hcos[key]).id
			}
		case a.accountType == "Clinic" || a.accountType == "Group Practice":
			if g.rng.IntN(100) < 25 && len(hospitals[key]) > 0 {
				a.parent = pick(g.rng, hospitals[key]).id
			}
		}
	}
}

// groupKey groups accounts by ZIP prefix, so that a campus ZIP joins its city.
func groupKey(a *account) string { return a.home.country + ":" + a.home.code[:3] }

// addresses gives a random account one to three addresses, exactly one of
// them primary (not always the first).
func (g *gen) addresses(a *account) {
	n := 1
	switch r := g.rng.IntN(100); {
	case r < 10:
		n = 3
	case r < 40:
		n = 2
	}
	primary := g.rng.IntN(n)
	for i := range n {
		ar := a.home
		if i != primary && g.rng.IntN(100) < 20 {
			ar = g.pickAreaIn(a.home.country)
		}
		ad := address{
			id:       g.addressID(),
			street:   g.street(ar.country),
			city:     pick(g.rng, ar.cities),
			state:    ar.state,
			zip:      g.postalCode(ar),
			country:  ar.country,
			primary:  i == primary,
			modified: a.modified,
		}
		if g.rng.IntN(100) < 30 {
			ad.line2 = fmt.Sprintf("Suite %d", 100+g.rng.IntN(900))
		}
		a.addresses = append(a.addresses, ad)
	}
}

func (g *gen) addressID() string {
	g.nextAddr++
	return id("ADD-", g.nextAddr)
}

// postalCode draws a code in the area: US and PR ZIPs keep their leading
// zeros (they are text, never numbers).
func (g *gen) postalCode(ar *area) string {
	switch {
	case ar.country == "CA":
		return fmt.Sprintf("%s %d%c%d", ar.code, g.rng.IntN(10), 'A'+rune(g.rng.IntN(26)), g.rng.IntN(10))
	case len(ar.code) == 5:
		return ar.code
	default:
		return fmt.Sprintf("%s%02d", ar.code, 1+g.rng.IntN(99))
	}
}

func (g *gen) street(country string) string {
	if country == "PR" {
		return fmt.Sprintf("%d %s", 1+g.rng.IntN(2000), pick(g.rng, prStreets))
	}
	return fmt.Sprintf("%d %s", 1+g.rng.IntN(9900), pick(g.rng, streets))
}

func (g *gen) npi() string { return fmt.Sprintf("1%09d", g.rng.IntN(1_000_000_000)) }

func (g *gen) pickArea() *area {
	total := 0
	for _, a := range areas {
		total += a.weight
	}
	r := g.rng.IntN(total)
	for i := range areas {
		if r < areas[i].weight {
			return &areas[i]
		}
		r -= areas[i].weight
	}
	panic("unreachable")
}

func (g *gen) pickAreaIn(country string) *area {
	for {
		if a := g.pickArea(); a.country == country {
			return a
		}
	}
}

func (g *gen) weighted(ws []weighted) string {
	total := 0
	for _, w := range ws {
		total += w.weight
	}
	r := g.rng.IntN(total)
	for _, w := range ws {
		if r < w.weight {
			return w.value
		}
		r -= w.weight
	}
	panic("unreachable")
}

// timestamp is a random RFC 3339 time in [from, to), whole seconds, UTC.
func (g *gen) timestamp(from, to time.Time) string {
	secs := int64(to.Sub(from) / time.Second)
	return from.Add(time.Duration(g.rng.Int64N(secs)) * time.Second).Format(time.RFC3339)
}

func pick[T any](rng *rand.Rand, xs []T) T { return xs[rng.IntN(len(xs))] }

func (g *gen) accountRows() [][]string {
	rows := make([][]string, 0, len(g.accounts))
	for _, a := range g.accounts {
		rows = append(rows, []string{a.id, a.name, a.first, a.last, a.recordType, a.accountType, a.country, a.parent, a.specialty1, a.specialty2, a.npi, a.status, a.tier, a.modified})
	}
	return rows
}

func (g *gen) addressRows() [][]string {
	var rows [][]string
	for _, a := range g.accounts {
		for _, ad := range a.addresses {
			rows = append(rows, []string{ad.id, a.id, ad.street, ad.line2, ad.city, ad.state, ad.zip, ad.country, fmt.Sprint(ad.primary), ad.modified})
		}
	}
	return rows
}

// affiliations: each primary parent is an affiliation, and some HCPs are
// affiliated with a second HCO of their area.
func (g *gen) affiliations() [][]string {
	byGroup := map[string][]*account{}
	for _, a := range g.accounts {
		if a.recordType == "HCO" && a.accountType != "Pharmacy" {
			byGroup[groupKey(a)] = append(byGroup[groupKey(a)], a)
		}
	}
	var rows [][]string
	add := func(parent, child string) {
		rows = append(rows, []string{id("CHI-", len(rows)+1), parent, child, g.timestamp(history, snapshotTime)})
	}
	for _, a := range g.accounts {
		if a.parent != "" {
			add(a.parent, a.id)
		}
		if a.recordType == "HCP" && g.rng.IntN(100) < 15 {
			if hs := byGroup[groupKey(a)]; len(hs) > 0 {
				if h := pick(g.rng, hs); h.id != a.parent {
					add(h.id, a.id)
				}
			}
		}
	}
	return rows
}

// calls: most oncology and cardiology HCPs were called on in the last 200
// days, a few others too.
func (g *gen) calls() [][]string {
	var rows [][]string
	from := snapshotTime.AddDate(0, 0, -200)
	reps := repUsers()
	for _, a := range g.accounts {
		if a.recordType != "HCP" || a.country == "CA" {
			continue
		}
		n := 0
		switch {
		case targetArea(a.specialty1) != "" && g.rng.IntN(100) < 70:
			n = 1 + g.rng.IntN(6)
		case g.rng.IntN(100) < 10:
			n = 1 + g.rng.IntN(2)
		}
		for range n {
			day := from.AddDate(0, 0, g.rng.IntN(200))
			modified := day.Add(time.Duration(8*3600+g.rng.IntN(10*3600)) * time.Second)
			rows = append(rows, []string{
				id("CAL-", len(rows)+1), a.id, day.Format(time.DateOnly),
				pick(g.rng, []string{"Detail Only", "Detail Only", "Detail with Sample", "Group Detail"}),
				userID(pick(g.rng, reps)),
				pick(g.rng, []string{"submitted__v", "submitted__v", "submitted__v", "saved__v"}),
				modified.Format(time.RFC3339),
			})
		}
	}
	return rows
}

// targetArea is "onc" or "card" for the specialties the example's field
// forces call on, else "".
func targetArea(specialty string) string {
	switch specialty {
	case "Medical Oncology", "Hematology/Oncology", "Pediatric Oncology", "Radiation Oncology", "Surgical Oncology", "Gynecologic Oncology", "Hematology":
		return "onc"
	case "Cardiology", "Interventional Cardiology", "Cardiac Electrophysiology", "Advanced Heart Failure and Transplant Cardiology", "Surgery, Cardiothoracic", "Vascular Surgery":
		return "card"
	}
	return ""
}

// repUsers are the indexes of the active field users (not the directors,
// nor the CRM-only users).
func repUsers() []int {
	var out []int
	for i, u := range users {
		if i == 0 || u.login == "rharrington" || i >= userByLogin("integration.align") {
			continue
		}
		out = append(out, i)
	}
	return out
}

func (g *gen) productMetrics() [][]string {
	var rows [][]string
	for _, a := range g.accounts {
		var products []string
		switch targetArea(a.specialty1) {
		case "onc":
			products = oncologyProducts
		case "card":
			products = cardioProducts
		default:
			continue
		}
		n := 1 + g.rng.IntN(3)
		start := g.rng.IntN(len(products))
		for i := range n {
			rows = append(rows, []string{
				id("PRO-", len(rows)+1), a.id, products[(start+i)%len(products)],
				fmt.Sprint(1 + g.rng.IntN(10)), g.timestamp(history, snapshotTime),
			})
		}
	}
	return rows
}

func (g *gen) users() [][]string {
	rows := make([][]string, len(users))
	for i, u := range users {
		status := "active__v"
		if !u.active {
			status = "inactive__v"
		}
		rows[i] = []string{
			userID(i), u.login + "@example.com", fmt.Sprintf("AP%05d", 10001+i), u.first, u.last,
			u.login + "@example.com", status, g.timestamp(history, snapshotTime),
		}
	}
	return rows
}

// crmPast is when the territory records of the CRM were made: before the
// example config's territories start (2026-01-01).
var crmPast = time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC)

func (g *gen) territories() [][]string {
	rows := make([][]string, len(crmTerritories))
	for i, t := range crmTerritories {
		parent := ""
		if t.parent > 0 {
			parent = id("TER-", t.parent)
		}
		// region_code__c is empty until a push writes the config's attribute.
		rows[i] = []string{id("TER-", i+1), t.name, t.description, parent, "US", "", g.timestamp(crmPast, crmPast.AddDate(0, 0, 14))}
	}
	return rows
}

func territoryID(name string) string {
	for i, t := range crmTerritories {
		if t.name == name {
			return id("TER-", i+1)
		}
	}
	panic("no CRM territory " + name)
}

// selfAssignments are account_territory__v rows made in the CRM by field
// users: on the first import they all become assignments of source crm.
func (g *gen) selfAssignments() [][]string {
	type sa struct{ account, territory, by string }
	list := []sa{
		{"ACC-000001", "ONC-101", "amoreno"},
		{"ACC-000017", "ONC-101", "amoreno"}, // the config excludes her from ONC-101
		{"ACC-000019", "ONC-101", "amoreno"}, // also a manual assignment in the config
		{"ACC-000004", "ONC-102", "jweiss"},
		{g.find("HCP", "Medical Oncology", "100"), "ONC-102", "jweiss"},
		{g.find("HCP", "Hematology/Oncology", "021"), "ONC-101", "gshaw"}, // made by a rep who has left
		{g.find("HCP", "Cardiology", "021"), "CARD-101", "msullivan"},
		{g.find("HCO", "Hospital", "029"), "CARD-101", "msullivan"},
		{"ACC-000010", "CARD-KAM-LEGACY", "pjensen"},
		{"ACC-000014", "CARD-KAM-LEGACY", "pjensen"},
		{"ACC-000016", "CARD-NAT", "pjensen"}, // a Canadian account: outside the country filter
	}
	var rows [][]string
	for _, s := range list {
		if s.account == "" { // a small example may lack such an account
			continue
		}
		rows = append(rows, []string{
			id("ATR-", len(rows)+1), s.account, territoryID(s.territory), userID(userByLogin(s.by)),
			g.timestamp(crmPast.AddDate(0, 0, 14), crmPast.AddDate(0, 0, 60)),
		})
	}
	return rows
}

// find returns the first active random account of that record type,
// specialty (HCP) or account type (HCO), whose primary ZIP has the prefix.
func (g *gen) find(recordType, kind, zipPrefix string) string {
	for _, a := range g.accounts[len(keyAccounts):] {
		if a.recordType != recordType || a.status != "active__v" {
			continue
		}
		if (recordType == "HCP" && a.specialty1 != kind) || (recordType == "HCO" && a.accountType != kind) {
			continue
		}
		for _, ad := range a.addresses {
			if ad.primary && strings.HasPrefix(ad.zip, zipPrefix) {
				return a.id
			}
		}
	}
	return ""
}

func (g *gen) userTerritories() [][]string {
	list := []struct{ user, territory string }{
		{"dbrennan", "ONC-NE"},
		{"amoreno", "ONC-101"},
		{"jweiss", "ONC-102"},
		{"gshaw", "ONC-101"}, // left the company: no roster member, so a push deletes it
		{"msullivan", "CARD-101"},
		{"pjensen", "CARD-KAM-LEGACY"},
	}
	rows := make([][]string, len(list))
	for i, l := range list {
		rows[i] = []string{id("UTR-", i+1), userID(userByLogin(l.user)), territoryID(l.territory), g.timestamp(crmPast, crmPast.AddDate(0, 0, 30))}
	}
	return rows
}

func (g *gen) mySetupProducts() [][]string {
	list := []struct{ territory, product string }{
		{"ONC-101", "TAGRISSO"},
		{"ONC-101", "LYNPARZA"},
		{"CARD-101", "FARXIGA"},
		{"CARD-KAM-LEGACY", "BRILINTA"},
	}
	rows := make([][]string, len(list))
	for i, l := range list {
		rows[i] = []string{id("MSP-", i+1), territoryID(l.territory), l.product, g.timestamp(crmPast, crmPast.AddDate(0, 0, 30))}
	}
	return rows
}
