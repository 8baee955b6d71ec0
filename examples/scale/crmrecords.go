package main

import (
	"errors"
	"math/rand/v2"
)

// The CRM records that are not accounts: the users, and what an earlier,
// vendor-tool alignment left in the CRM. The first field force's tree is
// already there (territory__v, named by config id), with its reps'
// user_territory__v and a few products; reps self-assigned a few accounts
// nearby (account_territory__v), which the first import takes as crm
// assignments.

func writeCRMRecords(dir string, rng *rand.Rand, pop *population, al *alignment) error {
	past := newClock(crmPast, crmPast.AddDate(0, 0, 30))
	users, err := createTable(dir, "user__sys", "id", "username__sys", "federated_id__sys", "first_name__sys", "last_name__sys",
		"email__sys", "status__v", "modified_date__v")
	if err != nil {
		return err
	}
	for _, u := range al.users {
		status := "active__v"
		if !u.active {
			status = "inactive__v"
		}
		if err := users.w.Write([]string{u.id, u.username, u.federated, u.first, u.last, u.username, status, past.stamp(rng)}); err != nil {
			return errors.Join(err, users.close())
		}
	}
	if err := users.close(); err != nil {
		return err
	}

	// The first field force's tree, in the CRM since the last alignment.
	tree := al.trees[0]
	terrID := map[string]string{}
	var rows [][]string
	for i, t := range tree {
		id := ident("TER-", i+1, 6)
		terrID[t.id] = id
		rows = append(rows, []string{id, t.id, t.name, terrID[t.parent], t.country, past.stamp(rng)})
	}
	if err := writeRows(dir, "territory__v", []string{"id", "name__v", "description__v", "parent_territory__v", "country__v", "modified_date__v"}, rows); err != nil {
		return err
	}

	// Members of the first field force who are in the CRM already, and the
	// leaf of each ZIP (for self-assignments nearby).
	leafOf := map[int]*territory{}
	var ut, msp [][]string
	for _, t := range tree {
		if !t.leaf {
			continue
		}
		for _, z := range t.zips {
			leafOf[z] = t
		}
		msp = append(msp, []string{ident("MSP-", len(msp)+1, 6), terrID[t.id], al.forces[0].products[0], past.stamp(rng)})
	}
	repOf := map[string]string{}
	byLogin := map[string]string{}
	for _, u := range al.users {
		byLogin[u.username] = u.id
		if u.federated != "" {
			byLogin[u.federated] = u.id
		}
	}
	for _, m := range al.members {
		for _, mt := range m.territories {
			if id, ok := terrID[mt.territory]; ok && mt.primary {
				ut = append(ut, []string{ident("UTR-", len(ut)+1, 6), byLogin[m.user], id, past.stamp(rng)})
				repOf[mt.territory] = byLogin[m.user]
			}
		}
	}
	// A rep who left: still in the CRM, no roster member (a push removes it).
	if len(al.users) > 0 && len(tree) > 0 {
		ut = append(ut, []string{ident("UTR-", len(ut)+1, 6), al.users[len(al.users)-1].id, terrID[tree[len(tree)-1].id], past.stamp(rng)})
	}
	if err := writeRows(dir, "user_territory__v", []string{"id", "user__v", "territory__v", "modified_date__v"}, ut); err != nil {
		return err
	}
	if err := writeRows(dir, "my_setup_products__v", []string{"id", "territory__v", "product__v", "modified_date__v"}, msp); err != nil {
		return err
	}

	// Self-assignments: one account in 300, to the leaf of its primary ZIP.
	at, err := createTable(dir, "account_territory__v", "id", "account__v", "territory__v", "created_by__v", "modified_date__v")
	if err != nil {
		return err
	}
	n := 0
	for i, a := range pop.accounts {
		if a.country == countryCA || rng.IntN(300) != 0 {
			continue
		}
		t := leafOf[int(a.zip)]
		if t == nil {
			continue
		}
		n++
		if err := at.w.Write([]string{ident("ATR-", n, 8), accountID(int32(i)), terrID[t.id], repOf[t.id], past.stamp(rng)}); err != nil {
			return errors.Join(err, at.close())
		}
	}
	if err := at.close(); err != nil {
		return err
	}
	return writeRows(dir, "deletions", []string{"object", "id", "deleted_date", "merged_into"}, nil)
}

func writeRows(dir, object string, header []string, rows [][]string) error {
	t, err := createTable(dir, object, header...)
	if err != nil {
		return err
	}
	for _, r := range rows {
		if err := t.w.Write(r); err != nil {
			return errors.Join(err, t.close())
		}
	}
	return t.close()
}
