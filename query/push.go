package query

import (
	"context"
	_ "embed"
	"fmt"
	"slices"
	"time"
)

// PushItem is one record a push would write to the CRM.
type PushItem struct {
	Object    string // territory__v or account_territory__v
	Action    CRMAction
	Record    string // the Align record: territory id or assignment id
	CRMID     string // the CRM record id, for update and delete
	Fields    map[string]string
	Depth     int // territories: depth in the tree, so parents are created first
	Territory string
	Account   string // account territories: the account
	// Attributes are a territory's attributes that outbound field mappings
	// write (creates and updates of territory__v); Fields do not hold them
	// until the mappings turn them into CRM fields.
	Attributes map[string]string
	// Changed is false for a territory__v update the config did not ask
	// for: it is written only if CRM, its record as last imported, drifted
	// from what was pushed (reconcile.TerritorySync decides).
	Changed bool
	CRM     map[string]string
}

// EachPendingPush calls each with what a push of one instance would write,
// from the state as it stands (its assignment records read from from: the
// state's, or a plan's preview of them): territory__v creates and updates,
// account_territory__v creates for active assignments the CRM lacks, and
// deletes for records whose assignment has ended; then user_territory__v and
// my_setup_products__v writes. countries is the instance's country filter
// (empty: everything); scope, when not nil, limits it to those territories.
// There may be millions of account territories: their Fields are left nil
// (Account and Territory are the two fields written), and the strings every
// item repeats are shared.
func (d *DB) EachPendingPush(ctx context.Context, from Assignments, instance string, countries []string, scope []string, inactiveStatuses []string, now time.Time, each func(PushItem) error) error {
	if countries == nil {
		countries = []string{}
	}
	if inactiveStatuses == nil {
		inactiveStatuses = []string{}
	}
	all := scope == nil
	if scope == nil {
		scope = []string{}
	}
	status := "''"
	if cols, err := d.Columns(ctx, CRMTable("account__v")); err != nil {
		return err
	} else if slices.Contains(cols, "status__v") {
		status = "coalesce(acc.status__v, '')"
	}
	territories, err := d.pendingTerritories(ctx, instance, countries, scope, all, now)
	if err != nil {
		return err
	}
	for _, it := range territories {
		if err := each(it); err != nil {
			return err
		}
	}
	// Account territories: the CRM holds one account_territory__v per account
	// and territory, however many Align records (rule, manual, crm) stand
	// behind it. Create one where an active record meant for the CRM has none;
	// delete it once no record of the pair is active any more. One GROUP BY
	// of the pairs finds both (a plan runs this on millions of records); the
	// account's own filter is checked for the creates only, since it holds
	// for every record of a pair alike. A pair with an active record linked
	// to its CRM record writes nothing, which is most pairs once a push ran:
	// only the others (unsettled) are grouped.
	rows, err := d.Query(ctx, `
		WITH a AS (
			-- the instance's records; a territory moved to another instance
			-- keeps its old records here, to be deleted
			SELECT a.id, a.account, a.territory, a.crm_record_id, a.crm_deleted_at,
			       coalesce(a.start_date <= $3 AND (a.end_date IS NULL OR a.end_date > $3), false) AS active,
			       coalesce(a.send_to_crm AND t.send_to_crm AND t.instance = $1
			                AND (len($2::VARCHAR[]) = 0 OR list_contains($2::VARCHAR[], t.country)), false) AS meant
			FROM `+string(from)+` a
			LEFT JOIN territory t ON t.id = a.territory
			WHERE a.instance = $1 AND ($4 OR list_contains($5::VARCHAR[], a.territory))
			  AND (t.id IS NOT NULL OR a.crm_record_id IS NOT NULL)
		), unsettled AS (
			SELECT DISTINCT account, territory FROM a
			WHERE NOT (active AND crm_record_id IS NOT NULL AND crm_deleted_at IS NULL)
		), pair AS (
			SELECT account, territory,
			       -- the pair's CRM record, while it exists
			       min(crm_record_id) FILTER (WHERE crm_record_id IS NOT NULL AND crm_deleted_at IS NULL) AS crm_id,
			       min(id) FILTER (WHERE crm_record_id IS NOT NULL AND crm_deleted_at IS NULL) AS holder,
			       -- active and meant for the CRM, its territory's country selected
			       min(id) FILTER (WHERE active AND meant) AS wanted,
			       bool_or(active) AS active
			FROM a SEMI JOIN unsettled USING (account, territory) GROUP BY account, territory
		)
		SELECT 'create', p.wanted, '', p.account, p.territory
		FROM pair p
		WHERE p.wanted IS NOT NULL AND p.crm_id IS NULL
		  AND EXISTS (SELECT 1 FROM crm_account__v acc WHERE acc._instance = $1 AND acc.id = p.account
		              AND (len($2::VARCHAR[]) = 0 OR list_contains($2::VARCHAR[], acc.country__v))
		              AND NOT list_contains($6::VARCHAR[], `+status+`))
		UNION ALL
		SELECT 'delete', p.holder, p.crm_id, p.account, p.territory
		FROM pair p WHERE p.crm_id IS NOT NULL AND NOT p.active
		ORDER BY 5, 4, 2`, instance, countries, now, all, scope, inactiveStatuses)
	if err != nil {
		return err
	}
	in := Interner{}
	for rows.Next() {
		it := PushItem{Object: "account_territory__v"}
		var action string
		if err := rows.Scan(&action, &it.Record, &it.CRMID, &it.Account, &it.Territory); err != nil {
			rows.Close()
			return err
		}
		it.Action, it.Territory = CRMAction(in.Of(action)), in.Of(it.Territory)
		if err := each(it); err != nil {
			rows.Close()
			return err
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	more, err := d.pendingRosterAndProducts(ctx, instance, countries, scope, all, now)
	if err != nil {
		return err
	}
	for _, it := range more {
		if err := each(it); err != nil {
			return err
		}
	}
	return nil
}

// pendingTerritories lists the territory__v writes of a push: creates for
// active territories the CRM lacks; updates for those changed since their
// last push, or whose parent's record is not the one last written (a
// subtree pushed before its ancestors existed in the CRM); deletes for
// territories past their end date and for records a territory left behind
// when it moved to another instance. Depth orders parents before children.
func (d *DB) pendingTerritories(ctx context.Context, instance string, countries, scope []string, all bool, now time.Time) ([]PushItem, error) {
	imported, err := d.CRMRecordsByID(ctx, "territory__v", instance)
	if err != nil {
		return nil, err
	}
	rows, err := d.Query(ctx, pendingTerritoriesSQL, instance, countries, now, all, scope)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []PushItem
	for rows.Next() {
		var it PushItem
		var name, parent, country, attrs string
		if err := rows.Scan(&it.Action, &it.Record, &it.CRMID, &name, &parent, &country, &it.Depth, &attrs, &it.Changed); err != nil {
			return nil, err
		}
		if it.Action == CRMUpdate {
			it.CRM = imported[it.CRMID]
		}
		if it.Attributes, err = decodeAttributes(attrs); err != nil {
			return nil, fmt.Errorf("territory %s: %w", it.Record, err)
		}
		it.Object = "territory__v"
		it.Territory = it.Record
		if it.Action == CRMDelete {
			it.Fields = map[string]string{"name__v": it.Record}
		} else {
			it.Fields = map[string]string{"name__v": it.Record, "description__v": name, "country__v": country, "parent_territory__v": parent}
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

//go:embed push_territories.sql
var pendingTerritoriesSQL string
