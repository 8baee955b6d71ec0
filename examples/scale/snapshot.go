package main

import (
	"bufio"
	"encoding/csv"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// The CRM snapshot (DESIGN.md section 3), written as it is drawn: one pass
// over the accounts writes each account's row, addresses, affiliations,
// calls and product metrics to their files, so that memory stays the
// compact population whatever the size.

// snapshotTime is the "now" of the snapshot: every record was modified
// before it, and calls fall in the 200 days before it.
var snapshotTime = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// history is when the CRM's records were last modified, at the earliest.
var history = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// crmPast is when the territory records already in the CRM were made.
var crmPast = time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC)

// table is one CSV file of the snapshot.
type table struct {
	f *os.File
	w *csv.Writer
}

func createTable(dir, object string, header ...string) (*table, error) {
	f, err := os.Create(filepath.Join(dir, object+".csv"))
	if err != nil {
		return nil, err
	}
	// csv.NewWriter keeps a bufio.Writer it is given when it is big enough.
	t := &table{f: f, w: csv.NewWriter(bufio.NewWriterSize(f, 1<<20))}
	return t, t.w.Write(header)
}

func (t *table) close() error {
	t.w.Flush()
	return errors.Join(t.w.Error(), t.f.Close())
}

// ident is prefix + n zero-padded to width digits: ACC-00000042.
func ident(prefix string, n, width int) string {
	b := make([]byte, 0, len(prefix)+width+2)
	b = append(b, prefix...)
	digits := strconv.AppendInt(nil, int64(n), 10)
	for range width - len(digits) {
		b = append(b, '0')
	}
	return string(append(b, digits...))
}

func accountID(i int32) string { return ident("ACC-", int(i)+1, 8) }

// clock formats random RFC 3339 times quickly: the day strings are made
// once, a time is a day plus hh:mm:ss.
type clock struct {
	from time.Time
	days []string
}

func newClock(from, to time.Time) *clock {
	c := &clock{from: from}
	for d := from; d.Before(to); d = d.AddDate(0, 0, 1) {
		c.days = append(c.days, d.Format(time.DateOnly))
	}
	return c
}

// stamp is a random time in [from, to) of the clock, whole seconds, UTC.
func (c *clock) stamp(rng *rand.Rand) string { return c.at(rng.IntN(len(c.days)), rng.IntN(86400)) }

func (c *clock) at(day, sec int) string {
	b := make([]byte, 0, 20)
	b = append(b, c.days[day]...)
	b = append(b, 'T', byte('0'+sec/36000), byte('0'+sec/3600%10), ':',
		byte('0'+sec/600%6), byte('0'+sec/60%10), ':', byte('0'+sec%60/10), byte('0'+sec%10), 'Z')
	return string(b)
}

// writer streams the snapshot's account-related files.
type writer struct {
	rng                                       *rand.Rand
	pop                                       *population
	al                                        *alignment
	accounts, addresses, affiliations, calls  *table
	metrics                                   *table
	modified, callDays                        *clock
	nAddr, nAff, nCall, nMetric               int
	focus                                     [][]int // per specialty: the field forces that target it
	tiers                                     []string
	specDraw                                  weightedDraw
	npIndex, paIndex, hospital, clinic, group uint8
}

func writeSnapshot(dir string, rng *rand.Rand, pop *population, al *alignment) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	w := &writer{
		rng: rng, pop: pop, al: al,
		modified: newClock(history, snapshotTime),
		callDays: newClock(snapshotTime.AddDate(0, 0, -200), snapshotTime),
		focus:    make([][]int, len(specialties)),
		tiers:    []string{"A", "B", "B", "C", "C", "C", "D", ""},
		specDraw: newWeightedDraw(specialties),
		npIndex:  uint8(specialtyIndex("Nurse Practitioner")), paIndex: uint8(specialtyIndex("Physician Assistant")),
		hospital: hcoKind("Hospital"), clinic: hcoKind("Clinic"), group: hcoKind("Group Practice"),
	}
	for fi, ff := range al.forces {
		for _, s := range ff.specialties {
			i := specialtyIndex(s)
			w.focus[i] = append(w.focus[i], fi)
		}
	}
	var err error
	open := func(t **table, object string, header ...string) {
		if err == nil {
			*t, err = createTable(dir, object, header...)
		}
	}
	open(&w.accounts, "account__v", "id", "name__v", "first_name__v", "last_name__v", "record_type__v", "account_type__v",
		"country__v", "primary_parent__v", "specialty_1__v", "specialty_2__v", "npi__v", "status__v", "tier__c", "modified_date__v")
	open(&w.addresses, "address__v", "id", "account__v", "name__v", "address_line_2__v", "city__v", "state__v",
		"postal_code__v", "country__v", "primary__v", "modified_date__v")
	open(&w.affiliations, "child_account__v", "id", "parent_account__v", "child_account__v", "modified_date__v")
	open(&w.calls, "call2__v", "id", "account__v", "call_date__v", "call_type__v", "ownerid__v", "status__v", "modified_date__v")
	open(&w.metrics, "product_metrics__v", "id", "account__v", "product__v", "decile__c", "trx__c", "modified_date__v")
	if err == nil {
		for i := range pop.accounts {
			if err = w.account(int32(i)); err != nil {
				break
			}
		}
	}
	for _, t := range []*table{w.accounts, w.addresses, w.affiliations, w.calls, w.metrics} {
		if t != nil {
			err = errors.Join(err, t.close())
		}
	}
	if err != nil {
		return err
	}
	return writeCRMRecords(dir, rng, pop, al)
}

// account writes account i and everything hanging off it.
func (w *writer) account(i int32) error {
	rng, a := w.rng, &w.pop.accounts[i]
	id := accountID(i)
	modified := w.modified.stamp(rng)
	country := countryCodes[a.country]
	first, last := firstNames, lastNames
	if a.country == countryPR {
		first, last = prFirstNames, prLastNames
	}
	var city, state string
	if a.country == countryCA {
		city, state = canadianFSAs[a.zip].city, canadianFSAs[a.zip].province
	} else {
		z := w.pop.places.zips[a.zip]
		city, state = z.city, w.pop.places.prefixes[z.prefix].state
	}
	var name, fn, ln, recordType, accountType, parent, spec1, spec2, npi, tier string
	if a.kind == kindHCP {
		recordType = "HCP"
		fn, ln = pick(rng, first), pick(rng, last)
		name = fn + " " + ln
		spec1 = specialties[a.specialty].value
		switch a.specialty {
		case w.npIndex, w.paIndex:
			accountType = spec1
		default:
			accountType = "Physician"
			if rng.IntN(100) < 12 {
				if s := w.specDraw.draw(rng); s != spec1 && s != "Nurse Practitioner" && s != "Physician Assistant" {
					spec2 = s
				}
			}
		}
		if rng.IntN(100) < 97 {
			npi = "1" + ident("", rng.IntN(1_000_000_000), 9)
		}
		tier = pick(rng, w.tiers)
		if rng.IntN(100) < 55 {
			parent = w.pickHCO(a, w.pop.hcos)
		}
	} else {
		recordType = "HCO"
		accountType = hcoTypes[a.kind-1].value
		name = w.hcoName(accountType, city, pick(rng, last), a.country == countryPR)
		tier = pick(rng, w.tiers[:4])
		if (a.kind == w.clinic || a.kind == w.group) && rng.IntN(100) < 25 {
			parent = w.pickHCO(a, w.pop.hospitals)
		}
	}
	if err := w.accounts.w.Write([]string{id, name, fn, ln, recordType, accountType, country, parent, spec1, spec2, npi,
		statuses[a.status].value, tier, modified}); err != nil {
		return err
	}
	if err := w.addressesOf(a, id, modified, state); err != nil {
		return err
	}
	if a.country == countryCA {
		return nil
	}
	if parent != "" {
		if err := w.affiliation(parent, id); err != nil {
			return err
		}
	}
	if a.kind != kindHCP {
		return nil
	}
	// More affiliations: about half the HCPs practise at a second HCO
	// nearby, half of those at a third, up to five.
	for range 4 {
		if rng.IntN(100) >= 55 {
			break
		}
		if h := w.pickHCO(a, w.pop.hcos); h != "" && h != parent {
			if err := w.affiliation(h, id); err != nil {
				return err
			}
		}
	}
	return w.activity(a, id)
}

// pickHCO draws an HCO of the account's ZIP prefix from lists, or "".
func (w *writer) pickHCO(a *account, lists [][]int32) string {
	if a.country == countryCA {
		return ""
	}
	list := lists[w.pop.places.zips[a.zip].prefix]
	if len(list) == 0 {
		return ""
	}
	return accountID(list[w.rng.IntN(len(list))])
}

// addressesOf writes one to three addresses, exactly one primary (not always
// the first): the primary at the account's ZIP, the others mostly nearby.
func (w *writer) addressesOf(a *account, id, modified, state string) error {
	rng := w.rng
	n := 1
	switch r := rng.IntN(100); {
	case r < 25:
		n = 3
	case r < 60:
		n = 2
	}
	primary := rng.IntN(n)
	for k := range n {
		var code, city, st string
		country := countryCodes[a.country]
		switch {
		case a.country == countryCA:
			c := canadianFSAs[a.zip]
			code = c.fsa + " " + string([]byte{byte('0' + rng.IntN(10)), byte('A' + rng.IntN(26)), byte('0' + rng.IntN(10))})
			city, st = c.city, c.province
		default:
			z := int(a.zip)
			if k != primary {
				if rng.IntN(100) < 80 {
					z = w.pop.places.near(rng, z)
				} else {
					z = w.pop.places.draw(rng, country)
				}
			}
			zz := w.pop.places.zips[z]
			code, city, st = zz.code, zz.city, w.pop.places.prefixes[zz.prefix].state
		}
		street := strconv.Itoa(1+rng.IntN(9900)) + " " + pick(rng, streets)
		line2 := ""
		if rng.IntN(100) < 30 {
			line2 = "Suite " + strconv.Itoa(100+rng.IntN(900))
		}
		w.nAddr++
		if err := w.addresses.w.Write([]string{ident("ADR-", w.nAddr, 9), id, street, line2, city, st, code, country,
			strconv.FormatBool(k == primary), modified}); err != nil {
			return err
		}
	}
	return nil
}

func (w *writer) affiliation(parent, child string) error {
	w.nAff++
	return w.affiliations.w.Write([]string{ident("CHI-", w.nAff, 9), parent, child, w.modified.stamp(w.rng)})
}

// activity writes an HCP's calls and product metrics: most prescribers a
// field force targets were called on in the last 200 days and have metrics
// for its brands; a few others were called on too.
func (w *writer) activity(a *account, id string) error {
	rng := w.rng
	forces := w.focus[a.specialty]
	n := 0
	switch {
	case len(forces) > 0 && rng.IntN(100) < 60:
		n = 1 + rng.IntN(6)
	case rng.IntN(100) < 8:
		n = 1 + rng.IntN(2)
	}
	for range n {
		day, sec := rng.IntN(len(w.callDays.days)), 8*3600+rng.IntN(10*3600)
		w.nCall++
		if err := w.calls.w.Write([]string{ident("CAL-", w.nCall, 9), id, w.callDays.days[day],
			pick(rng, []string{"Detail Only", "Detail Only", "Detail with Sample", "Group Detail"}),
			w.al.users[pick(rng, w.al.reps)].id,
			pick(rng, []string{"submitted__v", "submitted__v", "submitted__v", "saved__v"}),
			w.callDays.at(day, sec)}); err != nil {
			return err
		}
	}
	for _, fi := range forces {
		products := w.al.forces[fi].products
		start := rng.IntN(len(products))
		for k := range 1 + rng.IntN(len(products)) {
			w.nMetric++
			if err := w.metrics.w.Write([]string{ident("PRM-", w.nMetric, 9), id, products[(start+k)%len(products)],
				strconv.Itoa(1 + rng.IntN(10)), strconv.Itoa(rng.IntN(400)), w.modified.stamp(rng)}); err != nil {
				return err
			}
		}
	}
	return nil
}

func (w *writer) hcoName(kind, city, surname string, pr bool) string {
	rng := w.rng
	if pr {
		switch kind {
		case "Hospital":
			return "Hospital San " + pick(rng, []string{"Pablo", "Lucas", "Jorge", "Antonio"}) + " de " + city
		case "Cancer Center":
			return "Centro de Cáncer de " + city
		case "Pharmacy":
			return "Farmacia " + surname
		}
		return pick(rng, []string{"Clínica " + surname, "Grupo Médico de " + city, "Centro de Salud " + city})
	}
	switch kind {
	case "Hospital":
		return pick(rng, []string{city + " General Hospital", city + " Memorial Hospital", "St. " + pick(rng, saints) + " Hospital",
			city + " Regional Medical Center", surname + " Memorial Hospital", "University Hospital of " + city})
	case "Cancer Center":
		return pick(rng, []string{city + " Cancer Center", surname + " Cancer Institute", "Comprehensive Cancer Care of " + city})
	case "Infusion Center":
		return pick(rng, []string{city + " Infusion Center", surname + " Infusion Services"})
	case "Clinic":
		return pick(rng, []string{city + " Medical Clinic", surname + " Family Clinic", "St. " + pick(rng, saints) + " Clinic"})
	case "Group Practice":
		return pick(rng, []string{surname + " & " + pick(rng, lastNames) + " Medical Group", city + " Internal Medicine Associates",
			city + " Hematology Oncology Group", city + " Cardiovascular Associates"})
	case "Pharmacy":
		return pick(rng, []string{city + " Specialty Pharmacy", surname + " Pharmacy"})
	case "Long-term Care":
		return pick(rng, []string{city + " Nursing and Rehabilitation", surname + " Senior Living"})
	}
	return city + " Urgent Care"
}
