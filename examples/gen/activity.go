package main

import (
	"fmt"
	"time"
)

// What the field force did with the accounts: calls, and the product
// metrics of the specialties the example's field forces call on.

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
