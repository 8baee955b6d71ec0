package main

import (
	"strconv"
	"time"
)

// The Multichannel Cycle Plans of the example CRM: Q4 2026, in progress
// when the snapshot is taken, with plans on three of the CRM's territories
// (and one on CARD-KAM-LEGACY, which the config does not have), and Q3
// 2026, completed, whose plan counts for nothing. Targets are accounts the
// territories cover, so that a plan shows which ones a change takes away.

// cycles are the mc_cycle__v records: name, dates, status.
var cycles = []struct{ name, start, end, status string }{
	/* CYC-000001 */ {"Q4 2026", "2026-10-01", "2026-12-31", "in_progress__v"},
	/* CYC-000002 */ {"Q3 2026", "2026-07-01", "2026-09-30", "completed__v"},
}

// cyclePlanned is when the cycle plan records were made, before their cycle.
var cyclePlanned = time.Date(2026, 6, 15, 0, 0, 0, 0, time.UTC)

func (g *gen) cycles() [][]string {
	rows := make([][]string, len(cycles))
	for i, c := range cycles {
		rows[i] = []string{id("CYC-", i+1), c.name, c.start, c.end, c.status, g.timestamp(cyclePlanned, cyclePlanned.AddDate(0, 0, 7))}
	}
	return rows
}

// cyclePlans are the mc_cycle_plan__v records: cycle (1-based), territory.
var cyclePlans = []struct {
	cycle     int
	territory string
}{
	/* CPL-000001 */ {1, "ONC-101"},
	/* CPL-000002 */ {1, "ONC-102"},
	/* CPL-000003 */ {1, "CARD-101"},
	/* CPL-000004 */ {1, "CARD-KAM-LEGACY"},
	/* CPL-000005 */ {2, "ONC-101"},
}

func (g *gen) cyclePlans() [][]string {
	rows := make([][]string, len(cyclePlans))
	for i, p := range cyclePlans {
		rows[i] = []string{id("CPL-", i+1), id("CYC-", p.cycle), territoryID(p.territory), cycles[p.cycle-1].status,
			g.timestamp(cyclePlanned, cyclePlanned.AddDate(0, 0, 14))}
	}
	return rows
}

// cycleTargets are the mc_cycle_plan_target__v records: the key accounts
// of each plan's territory and a few of its specialists, each with a
// channel interactions goal and, on the oncology plans, a product one.
func (g *gen) cycleTargets() [][]string {
	type target struct {
		plan    int
		account string
	}
	list := []target{
		{1, "ACC-000001"}, {1, "ACC-000017"}, {1, "ACC-000019"},
		{1, g.find("HCP", "Medical Oncology", "021")},
		{1, g.find("HCP", "Hematology/Oncology", "021")},
		{1, g.find("HCP", "Medical Oncology", "020")}, // 020* moved to ONC-103 on 2026-07-01
		{2, "ACC-000004"},
		{2, g.find("HCP", "Medical Oncology", "100")},
		{2, g.find("HCP", "Pediatric Oncology", "100")},
		{3, g.find("HCP", "Cardiology", "021")},
		{3, g.find("HCO", "Hospital", "029")},
		{4, "ACC-000010"},
		{5, "ACC-000001"},
	}
	var rows [][]string
	for _, t := range list {
		if t.account == "" { // a small example may lack such an account
			continue
		}
		product := ""
		if cyclePlans[t.plan-1].territory[:3] == "ONC" {
			product = strconv.Itoa(2 + g.rng.IntN(6))
		}
		rows = append(rows, []string{id("CPT-", len(rows)+1), id("CPL-", t.plan), t.account, strconv.Itoa(4 + g.rng.IntN(13)), product,
			g.timestamp(cyclePlanned, cyclePlanned.AddDate(0, 0, 21))})
	}
	return rows
}
