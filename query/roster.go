package query

import (
	"context"
	"database/sql/driver"
	"fmt"
	"time"
)

// RosterRow is one roster member territory as the state keeps it.
type RosterRow struct {
	Member, Username, Territory string
	Start, End                  *time.Time
	SendToCRM, Mastered         bool
}

// ProductRow is one territory product as the state keeps it.
type ProductRow struct {
	Territory, Product string
	Start, End         *time.Time
	SendToCRM          bool
}

// Key identifies a roster row for diffs.
func (r RosterRow) Key() string { return r.Member + "/" + r.Territory + "/" + fmtKeyTime(r.Start) }

// Key identifies a product row for diffs.
func (p ProductRow) Key() string { return p.Territory + "/" + p.Product + "/" + fmtKeyTime(p.Start) }

func fmtKeyTime(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

// Roster reads the roster member territories of the state.
func (d *DB) Roster(ctx context.Context) ([]RosterRow, error) {
	rows, err := d.Query(ctx, `SELECT member, username, territory, start_date, end_date, send_to_crm, mastered FROM roster_territory ORDER BY member, territory, start_date`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []RosterRow
	for rows.Next() {
		var r RosterRow
		if err := rows.Scan(&r.Member, &r.Username, &r.Territory, &r.Start, &r.End, &r.SendToCRM, &r.Mastered); err != nil {
			return nil, err
		}
		r.Start, r.End = utcPtr(r.Start), utcPtr(r.End)
		out = append(out, r)
	}
	return out, rows.Err()
}

// Products reads the territory products of the state.
func (d *DB) Products(ctx context.Context) ([]ProductRow, error) {
	rows, err := d.Query(ctx, `SELECT territory, product, start_date, end_date, send_to_crm FROM territory_product ORDER BY territory, product, start_date`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ProductRow
	for rows.Next() {
		var p ProductRow
		if err := rows.Scan(&p.Territory, &p.Product, &p.Start, &p.End, &p.SendToCRM); err != nil {
			return nil, err
		}
		p.Start, p.End = utcPtr(p.Start), utcPtr(p.End)
		out = append(out, p)
	}
	return out, rows.Err()
}

// WriteRosterAndProducts replaces the roster and product tables with the
// config's rows (an unscoped apply).
func (d *DB) WriteRosterAndProducts(ctx context.Context, roster []RosterRow, products []ProductRow) error {
	for _, q := range []string{`DELETE FROM roster_territory`, `DELETE FROM territory_product`} {
		if _, err := d.Exec(ctx, q); err != nil {
			return err
		}
	}
	err := d.Append(ctx, false, "roster_territory", func(add func(...driver.Value) error) error {
		for _, r := range roster {
			if err := add(r.Member, r.Username, r.Territory, timeOrNil(r.Start), timeOrNil(r.End), r.SendToCRM, r.Mastered); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("roster: %w", err)
	}
	return d.Append(ctx, false, "territory_product", func(add func(...driver.Value) error) error {
		for _, p := range products {
			if err := add(p.Territory, p.Product, timeOrNil(p.Start), timeOrNil(p.End), p.SendToCRM); err != nil {
				return err
			}
		}
		return nil
	})
}

// pendingRosterAndProducts lists the user_territory__v and
// my_setup_products__v records a push would create or delete: the CRM's rows
// of the territories alignctl manages are made to match the active roster
// member territories (of members mastered by Align) and products.
func (d *DB) pendingRosterAndProducts(ctx context.Context, instance string, countries, scope []string, all bool, now time.Time) ([]PushItem, error) {
	rows, err := d.Query(ctx, `
		WITH tmap AS (
			-- config territories of the instance and their territory__v record
			SELECT t.id AS territory, t.country, t.send_to_crm,
			       coalesce(t.crm_record_id, (SELECT min(c.id) FROM crm_territory__v c WHERE c._instance = $1 AND c.name__v = t.id)) AS crm_id
			FROM territory t
			WHERE t.instance = $1 AND ($4 OR list_contains($5::VARCHAR[], t.id))
			  AND (len($2::VARCHAR[]) = 0 OR list_contains($2::VARCHAR[], t.country))
		), members AS (
			-- a member's user by username or federated id: two hash joins
			-- (one join on the OR compared every member with every user)
			SELECT r.*, u.id AS user_id
			FROM roster_territory r
			JOIN tmap ON tmap.territory = r.territory
			JOIN crm_user__sys u ON u._instance = $1 AND u.username__sys = r.username
			UNION
			SELECT r.*, u.id AS user_id
			FROM roster_territory r
			JOIN tmap ON tmap.territory = r.territory
			JOIN crm_user__sys u ON u._instance = $1 AND u.federated_id__sys = r.username
		), wanted_users AS (
			SELECT m.user_id, m.territory, min(m.member) AS member
			FROM members m JOIN tmap USING (territory)
			WHERE m.mastered AND m.send_to_crm AND tmap.send_to_crm
			  AND (m.start_date IS NULL OR m.start_date <= $3) AND (m.end_date IS NULL OR m.end_date > $3)
			GROUP BY m.user_id, m.territory
		), unmastered AS (
			SELECT DISTINCT user_id FROM members WHERE NOT mastered
		), crm_users AS (
			SELECT ut.id, ut.user__v AS user_id, tmap.territory
			FROM crm_user_territory__v ut JOIN tmap ON tmap.crm_id = ut.territory__v
			WHERE ut._instance = $1
		), wanted_products AS (
			SELECT DISTINCT p.territory, p.product
			FROM territory_product p JOIN tmap USING (territory)
			WHERE p.send_to_crm AND tmap.send_to_crm
			  AND (p.start_date IS NULL OR p.start_date <= $3) AND (p.end_date IS NULL OR p.end_date > $3)
		), crm_products AS (
			SELECT mp.id, tmap.territory, mp.product__v AS product
			FROM crm_my_setup_products__v mp JOIN tmap ON tmap.crm_id = mp.territory__v
			WHERE mp._instance = $1
		)
		SELECT 'user_territory__v', 'create', w.member || '/' || w.territory, '', w.territory, w.user_id, ''
		FROM wanted_users w ANTI JOIN crm_users c ON c.user_id = w.user_id AND c.territory = w.territory
		UNION ALL
		SELECT 'user_territory__v', 'delete', c.id, c.id, c.territory, c.user_id, ''
		FROM crm_users c
		ANTI JOIN wanted_users w ON w.user_id = c.user_id AND w.territory = c.territory
		ANTI JOIN unmastered u ON u.user_id = c.user_id
		UNION ALL
		SELECT 'my_setup_products__v', 'create', w.territory || '/' || w.product, '', w.territory, '', w.product
		FROM wanted_products w ANTI JOIN crm_products c ON c.territory = w.territory AND c.product = w.product
		UNION ALL
		SELECT 'my_setup_products__v', 'delete', c.id, c.id, c.territory, '', c.product
		FROM crm_products c ANTI JOIN wanted_products w ON w.territory = c.territory AND w.product = c.product
		ORDER BY 1, 5, 3`, instance, countries, now, all, scope)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []PushItem
	for rows.Next() {
		var it PushItem
		var user, product string
		if err := rows.Scan(&it.Object, &it.Action, &it.Record, &it.CRMID, &it.Territory, &user, &product); err != nil {
			return nil, err
		}
		if it.Object == "user_territory__v" {
			it.Fields = map[string]string{"user__v": user, "territory__v": it.Territory}
		} else {
			it.Fields = map[string]string{"territory__v": it.Territory, "product__v": product}
		}
		out = append(out, it)
	}
	return out, rows.Err()
}
