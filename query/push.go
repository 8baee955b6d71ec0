package query

import (
	"context"
	_ "embed"
	"slices"
	"time"
)

// PushItem is one record a push would write to the CRM.
type PushItem struct {
	Object    string // territory__v or account_territory__v
	Action    string // create, update, delete
	Record    string // the Align record: territory id or assignment id
	CRMID     string // the CRM record id, for update and delete
	Fields    map[string]string
	Depth     int // territories: depth in the tree, so parents are created first
	Territory string
	Account   string // account territories: the account
}

// PendingPush lists what a push of one instance would write, from the state
// as it stands: territory__v creates and updates, account_territory__v
// creates for active assignments the CRM lacks, and deletes for records whose
// assignment has ended. countries is the instance's country filter (empty:
// everything); scope, when not nil, limits it to those territories.
func (d *DB) PendingPush(ctx context.Context, instance string, countries []string, scope []string, inactiveStatuses []string, now time.Time) ([]PushItem, error) {
	var out []PushItem
	err := d.EachPendingPush(ctx, instance, countries, scope, inactiveStatuses, now, func(it PushItem) error {
		if it.Object == "account_territory__v" {
			it.Fields = map[string]string{"account__v": it.Account, "territory__v": it.Territory}
		}
		out = append(out, it)
		return nil
	})
	return out, err
}

// EachPendingPush is PendingPush one item at a time, for the plan's preview
// of millions of account territories: their Fields are left nil (Account and
// Territory are the two fields written), and the strings every item repeats
// are shared.
func (d *DB) EachPendingPush(ctx context.Context, instance string, countries []string, scope []string, inactiveStatuses []string, now time.Time, each func(PushItem) error) error {
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
	// delete it once no record of the pair is active any more.
	rows, err := d.Query(ctx, `
		WITH a AS (
			-- the instance's records; a territory moved to another instance
			-- keeps its old records here, to be deleted
			SELECT a.*, t.country, t.send_to_crm AND t.instance = $1 AS t_send,
			       a.start_date <= $3 AND (a.end_date IS NULL OR a.end_date > $3) AS active
			FROM account_territory a
			LEFT JOIN territory t ON t.id = a.territory
			WHERE a.instance = $1 AND ($4 OR list_contains($5::VARCHAR[], a.territory))
			  AND (t.id IS NOT NULL OR a.crm_record_id IS NOT NULL)
		), live AS (
			-- the pair's CRM record, while it exists
			SELECT account, territory, min(crm_record_id) AS crm_id, min(id) AS holder
			FROM a WHERE crm_record_id IS NOT NULL AND crm_deleted_at IS NULL
			GROUP BY account, territory
		), wanted AS (
			-- active, meant for the CRM, territory and account countries selected
			SELECT account, territory, min(id) AS id
			FROM a
			WHERE active AND send_to_crm AND coalesce(t_send, false)
			  AND (len($2::VARCHAR[]) = 0 OR list_contains($2::VARCHAR[], country))
			  AND EXISTS (SELECT 1 FROM crm_account__v acc WHERE acc._instance = $1 AND acc.id = a.account
			              AND (len($2::VARCHAR[]) = 0 OR list_contains($2::VARCHAR[], acc.country__v))
			              AND NOT list_contains($6::VARCHAR[], `+status+`))
			GROUP BY account, territory
		), active_pairs AS (
			SELECT DISTINCT account, territory FROM a WHERE active
		)
		SELECT 'create', w.id, '', w.account, w.territory
		FROM wanted w ANTI JOIN live l ON l.account = w.account AND l.territory = w.territory
		UNION ALL
		SELECT 'delete', l.holder, l.crm_id, l.account, l.territory
		FROM live l ANTI JOIN active_pairs p ON p.account = l.account AND p.territory = l.territory
		ORDER BY 5, 4, 2`, instance, countries, now, all, scope, inactiveStatuses)
	if err != nil {
		return err
	}
	in := Interner{}
	for rows.Next() {
		it := PushItem{Object: "account_territory__v"}
		if err := rows.Scan(&it.Action, &it.Record, &it.CRMID, &it.Account, &it.Territory); err != nil {
			rows.Close()
			return err
		}
		it.Action, it.Territory = in.Of(it.Action), in.Of(it.Territory)
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
	rows, err := d.Query(ctx, pendingTerritoriesSQL, instance, countries, now, all, scope)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []PushItem
	for rows.Next() {
		var it PushItem
		var name, parent, country string
		if err := rows.Scan(&it.Action, &it.Record, &it.CRMID, &name, &parent, &country, &it.Depth); err != nil {
			return nil, err
		}
		it.Object = "territory__v"
		it.Territory = it.Record
		if it.Action == "delete" {
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
