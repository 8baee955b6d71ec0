package main

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"unicode"
)

// The roster: a rep per leaf territory (a few vacant, covered by the rep
// next door), a manager per district, a director per region, a head per
// field force. Each member is a user__sys record of the snapshot; a tenth
// are matched by federated id; national heads are not mastered by Align.

func (al *alignment) roster(rng *rand.Rand) {
	for _, tree := range al.trees {
		var lastRep = -1 // the member of the previous leaf, who covers a vacant one
		for _, t := range tree {
			switch {
			case t.leaf && rng.IntN(100) < 3:
				if lastRep >= 0 {
					m := &al.members[lastRep]
					if len(m.territories) < 3 {
						m.territories = append(m.territories, memberTerritory{territory: t.id, start: "2026-04-01"})
					}
				}
				continue
			case t.leaf:
				al.reps = append(al.reps, len(al.users))
				lastRep = len(al.members)
			}
			al.addMember(rng, t, t.parent != "")
		}
	}
	// CRM-only users: the integration user, admins, and reps who left.
	for i, login := range []string{"integration.align", "crm.admin", "data.steward"} {
		al.users = append(al.users, user{id: userID(len(al.users)), username: login + "@pharma.example",
			first: []string{"Integration", "CRM", "Data"}[i], last: []string{"User", "Admin", "Steward"}[i], active: true})
	}
	for range max(1, len(al.members)/100) {
		first, last := pick(rng, firstNames), pick(rng, lastNames)
		al.users = append(al.users, user{id: userID(len(al.users)), username: login(first, last, len(al.users)),
			first: first, last: last})
	}
}

// addMember adds a roster member with a new user whose primary territory is
// t; national heads (roots) are mastered in the CRM, not by Align.
func (al *alignment) addMember(rng *rand.Rand, t *territory, mastered bool) {
	first, last := pick(rng, firstNames), pick(rng, lastNames)
	u := user{id: userID(len(al.users)), first: first, last: last, active: true}
	u.username = login(first, last, len(al.users))
	name := u.username
	if rng.IntN(10) == 0 {
		u.federated = fmt.Sprintf("FED%07d", len(al.users)+1)
		name = u.federated
	}
	al.users = append(al.users, u)
	al.members = append(al.members, member{
		id: fmt.Sprintf("RM-%06d", len(al.members)+1), user: name, mastered: mastered,
		territories: []memberTerritory{{territory: t.id, primary: true, start: configStart}},
	})
}

// login is a username like mjohnson42@pharma.example, ASCII only.
func login(first, last string, n int) string {
	var b strings.Builder
	for _, r := range strings.ToLower(string([]rune(first)[0]) + last) {
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			b.WriteRune(r)
		}
	}
	return fmt.Sprintf("%s%d@pharma.example", b.String(), n+1)
}

func userID(n int) string { return ident("USR-", n+1, 6) }
