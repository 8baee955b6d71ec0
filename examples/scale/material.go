package main

import "math/rand/v2"

// The fixed material the generator draws from: names, specialties, account
// types and the field forces of a large, made-up pharma company.

type weighted struct {
	value  string
	weight int
}

// specialties of HCPs, weighted per 1,000 prescribers: primary care and a
// few large specialties dominate, then a long tail. Two carry a comma, as
// Vault picklist labels may; a rule names them with "\," in an IN list.
var specialties = []weighted{
	{"Internal Medicine", 150}, {"Family Medicine", 140}, {"Nurse Practitioner", 70}, {"Physician Assistant", 45},
	{"Pediatrics", 55}, {"Medical Oncology", 38}, {"Cardiology", 36}, {"Obstetrics & Gynecology", 36},
	{"Psychiatry", 32}, {"Emergency Medicine", 30}, {"General Surgery", 26}, {"Orthopedic Surgery", 24},
	{"Anesthesiology", 24}, {"Radiology", 20}, {"Neurology", 20}, {"Dermatology", 18},
	{"Gastroenterology", 18}, {"Hematology/Oncology", 20}, {"Pulmonology", 16}, {"Nephrology", 14},
	{"Endocrinology", 14}, {"Ophthalmology", 13}, {"Urology", 12}, {"Otolaryngology", 11},
	{"Rheumatology", 11}, {"Infectious Disease", 10}, {"Radiation Oncology", 9}, {"Allergy & Immunology", 9},
	{"Interventional Cardiology", 8}, {"Cardiac Electrophysiology", 4}, {"Geriatric Medicine", 8}, {"Pathology", 8},
	{"Hematology", 7}, {"Surgical Oncology", 5}, {"Gynecologic Oncology", 3}, {"Pediatric Oncology", 2},
	{"Vascular Surgery", 6}, {"Surgery, Cardiothoracic", 5}, {"Plastic Surgery, Hand", 3}, {"Neurosurgery", 5},
	{"Critical Care Medicine", 6}, {"Pain Medicine", 5}, {"Sleep Medicine", 4}, {"Medical Genetics", 2},
}

// hcoTypes are the account types of HCOs.
var hcoTypes = []weighted{
	{"Clinic", 30}, {"Group Practice", 28}, {"Hospital", 14}, {"Pharmacy", 12},
	{"Cancer Center", 3}, {"Infusion Center", 3}, {"Long-term Care", 6}, {"Urgent Care", 4},
}

var firstNames = []string{
	"James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
	"William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Christopher", "Karen",
	"Charles", "Lisa", "Daniel", "Nancy", "Matthew", "Betty", "Anthony", "Margaret", "Mark", "Sandra",
	"Priya", "Wei", "Ahmed", "Fatima", "Hiroshi", "Mei", "Rajesh", "Anjali", "Olusegun", "Ngozi",
	"Carlos", "Sofia", "Dmitri", "Elena", "Kwame", "Amara", "Javier", "Lucia", "Samuel", "Grace",
}

var lastNames = []string{
	"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
	"Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
	"Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson",
	"Patel", "Nguyen", "Kim", "Chen", "Shah", "Cohen", "O'Brien", "Murphy", "Goldberg", "Okafor",
	"Kowalski", "Rossi", "Schmidt", "Yamamoto", "Singh", "Haddad", "Novak", "Larsen", "Fischer", "Reyes",
}

var prFirstNames = []string{"José", "María", "Luis", "Carmen", "Ángel", "Ana", "Juan", "Rosa", "Carlos", "Isabel"}

var prLastNames = []string{"Rivera", "Rodríguez", "Colón", "Torres", "Ortiz", "Díaz", "Vázquez", "Santiago", "Cruz", "Morales"}

var towns = []string{
	"Springfield", "Franklin", "Greenville", "Bristol", "Clinton", "Fairview", "Salem", "Madison",
	"Georgetown", "Arlington", "Ashland", "Burlington", "Manchester", "Oxford", "Riverside", "Dayton",
	"Lexington", "Milford", "Newport", "Winchester", "Auburn", "Centerville", "Clayton", "Hudson",
	"Jackson", "Kingston", "Lakewood", "Marion", "Monroe", "Mount Vernon", "Oakland", "Princeton",
	"Richmond", "Shelbyville", "Troy", "Union", "Warren", "Waverly", "Woodstock", "Columbia",
}

var prTowns = []string{"San Juan", "Bayamón", "Carolina", "Ponce", "Caguas", "Guaynabo", "Mayagüez", "Arecibo", "Humacao"}

var streets = []string{
	"Main St", "Oak Ave", "Maple Dr", "Cedar Ln", "Elm St", "Washington Blvd", "Park Ave", "Lake Rd",
	"Hospital Dr", "Medical Center Pkwy", "Hill St", "Church St", "Broadway", "Highland Ave", "Pine St",
}

var saints = []string{"Mary's", "Joseph's", "Luke's", "Vincent's", "Francis", "Elizabeth's", "Anthony's", "John's"}

func townFor(rng *rand.Rand, state string) string {
	if state == "PR" {
		return pick(rng, prTowns)
	}
	return pick(rng, towns)
}

// fieldForce is one sales team of the company: its focus specialties (which
// its inherited rules select, and which get calls and product metrics), its
// hospital rule, and its brands.
type fieldForce struct {
	id, name    string
	specialties []string
	hcoTypes    []string // account types its HCO rule selects; none: no HCO rule
	products    []string
	exclusive   bool
	copyProds   bool // copy_products_to_territories
}

// fieldForces are the company's teams, in order: -field-forces takes the
// first ones. ONC's specialist rule is the one `-widen` edits.
var fieldForces = []fieldForce{
	{id: "ONC", name: "Oncology", specialties: []string{"Medical Oncology", "Hematology/Oncology"},
		hcoTypes: []string{"Cancer Center", "Infusion Center"}, products: []string{"ONCAVIR", "TUMORAL", "HEMAXIS"}, copyProds: true},
	{id: "CARD", name: "Cardiology", specialties: []string{"Cardiology", "Interventional Cardiology", "Cardiac Electrophysiology"},
		hcoTypes: []string{"Hospital"}, products: []string{"CARDIVEX", "VASTRELLA"}},
	{id: "PC", name: "Primary Care", specialties: []string{"Internal Medicine", "Family Medicine"},
		products: []string{"GLUCORA", "LIPANTA", "NORVESSA"}, copyProds: true},
	{id: "NEU", name: "Neuroscience", specialties: []string{"Neurology", "Psychiatry"},
		products: []string{"NEUREXA", "SERENTIQ"}},
	{id: "RESP", name: "Respiratory", specialties: []string{"Pulmonology", "Allergy & Immunology"},
		hcoTypes: []string{"Hospital", "Long-term Care"}, products: []string{"BREATHYN", "AIRVANCE"}, copyProds: true},
	{id: "IMM", name: "Immunology", specialties: []string{"Rheumatology", "Dermatology", "Gastroenterology"},
		hcoTypes: []string{"Infusion Center"}, products: []string{"IMMUVEX", "DERMALIS", "GASTRION"}},
	{id: "ENDO", name: "Diabetes & Renal", specialties: []string{"Endocrinology", "Nephrology"},
		products: []string{"INSUVANT", "RENALOX"}, copyProds: true},
	{id: "WH", name: "Women's Health", specialties: []string{"Obstetrics & Gynecology"},
		products: []string{"FEMORA"}, exclusive: true},
	{id: "VAC", name: "Vaccines", specialties: []string{"Pediatrics", "Family Medicine", "Infectious Disease"},
		hcoTypes: []string{"Pharmacy"}, products: []string{"IMMUNIQ", "VAXORA"}, copyProds: true},
	{id: "HEM", name: "Hematology", specialties: []string{"Hematology", "Hematology/Oncology"},
		hcoTypes: []string{"Cancer Center"}, products: []string{"HEMAXIS", "PLATELYN"}},
}

// widenFrom and widenTo are ONC's specialist criterion before and after the
// one-rule change the benchmark plans: a pull request that adds Radiation
// Oncology to the oncology call plan.
const (
	widenFrom = `value: "Medical Oncology, Hematology/Oncology"}`
	widenTo   = `value: "Medical Oncology, Hematology/Oncology, Radiation Oncology"}`
)

func pick[T any](rng *rand.Rand, xs []T) T { return xs[rng.IntN(len(xs))] }

// weightedDraw is a precomputed weighted choice among values.
type weightedDraw struct {
	values []string
	cum    []int
}

func newWeightedDraw(ws []weighted) weightedDraw {
	var d weightedDraw
	total := 0
	for _, w := range ws {
		total += w.weight
		d.values = append(d.values, w.value)
		d.cum = append(d.cum, total)
	}
	return d
}

func (d weightedDraw) draw(rng *rand.Rand) string {
	r := rng.IntN(d.cum[len(d.cum)-1])
	for i, c := range d.cum {
		if r < c {
			return d.values[i]
		}
	}
	return d.values[len(d.values)-1]
}
