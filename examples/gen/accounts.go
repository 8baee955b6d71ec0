package main

import (
	"fmt"
	"strings"
)

// The accounts of the snapshot and what hangs off each: its addresses,
// its primary parent and its affiliations.

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
