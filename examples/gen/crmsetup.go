package main

import (
	"fmt"
	"strings"
	"time"
)

// The CRM as it was before alignctl: its users, territory records, the
// assignments field users made themselves, and the products set up per
// territory.

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
