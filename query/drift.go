package query

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"time"
)

// CRMRecords reads an instance's records of a CRM object as last imported
// (or pushed), each as field -> value; empty fields are "". An object never
// imported has none.
func (d *DB) CRMRecords(ctx context.Context, object, instance string) ([]map[string]string, error) {
	cols, err := d.Columns(ctx, CRMTable(object))
	if err != nil || len(cols) == 0 {
		return nil, err
	}
	// The table name is one of alignctl's own CRM tables, never user input.
	rows, err := d.Query(ctx, `SELECT * FROM `+CRMTable(object)+` WHERE _instance = $1`, instance)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	names, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out []map[string]string
	vals := make([]any, len(names))
	ptrs := make([]any, len(names))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		rec := make(map[string]string, len(names))
		for i, n := range names {
			if n == "_instance" {
				continue
			}
			switch v := vals[i].(type) {
			case nil:
				rec[n] = ""
			case string:
				rec[n] = v
			case time.Time:
				rec[n] = v.UTC().Format(time.RFC3339)
			default:
				rec[n] = fmt.Sprint(v)
			}
		}
		out = append(out, rec)
	}
	return out, rows.Err()
}

// CRMRecordsByID is CRMRecords keyed by record id.
func (d *DB) CRMRecordsByID(ctx context.Context, object, instance string) (map[string]map[string]string, error) {
	recs, err := d.CRMRecords(ctx, object, instance)
	if err != nil {
		return nil, err
	}
	out := make(map[string]map[string]string, len(recs))
	for _, r := range recs {
		out[r["id"]] = r
	}
	return out, nil
}

// MirrorTerritoryUpdates writes the fields of territory__v updates the CRM
// took into the state's copy of its records, as RecordPush does for the
// records of user_territory__v and my_setup_products__v: the next push
// compares an update with that copy (a record that does not hold what was
// pushed has drifted), and the read-back import may miss a write stamped
// before its watermark.
func (d *DB) MirrorTerritoryUpdates(ctx context.Context, instance string, results []PushResult) error {
	var cols []string
	for _, r := range results {
		if r.Object != "territory__v" || r.Action != CRMUpdate || r.Err != "" {
			continue
		}
		if cols == nil {
			var err error
			if cols, err = d.Columns(ctx, CRMTable("territory__v")); err != nil {
				return err
			}
		}
		for c, v := range r.Fields {
			// A field the copy lacks is left to the read-back, which adds it
			// (altering the table here would conflict with the push's writes).
			if c == "id" || c == "_instance" || !ident.MatchString(c) || !slices.Contains(cols, c) {
				continue
			}
			// c is a Vault field name (lower case, digits, _: ident), never
			// other text; the value is bound.
			if _, err := d.Exec(ctx, `UPDATE crm_territory__v SET "`+c+`" = $3 WHERE _instance = $1 AND id = $2`,
				instance, r.CRMID, v); err != nil {
				return err
			}
		}
	}
	return nil
}

// DriftBaseline is what the state says alignctl last pushed to one CRM
// instance: the records drift compares the CRM with.
type DriftBaseline struct {
	// LastPush is the start of the instance's last successful push of
	// every territory; zero when there was none.
	LastPush time.Time
	// FirstPush is the start of the instance's first successful push: a
	// record the CRM has held since before it is no drift.
	FirstPush time.Time
	// Settled: nothing was applied since LastPush, so every roster member
	// territory and product the state holds was pushed by then.
	Settled     bool
	Territories []PushedTerritory
	// Assignments are the account_territory__v records of the pairs
	// alignctl manages (an assignment of a source other than crm is
	// active); Known holds every record id the state knows, of any source.
	Assignments []PushedAssignment
	Known       map[string]bool
	// UserTerritories and Products alignctl keeps in the CRM (active both
	// at LastPush and now), and those it keeps at either time.
	UserTerritories, AnyUserTerritories [][2]string // user__sys id, territory id
	Products, AnyProducts               [][2]string // territory id, product
	Unmastered                          map[string]bool
	// Territory names every territory of the instance (id -> name).
	Territory   map[string]string
	TerritoryOf map[string]string // territory__v record id -> territory id
}

// PushedTerritory is a territory whose territory__v record alignctl
// pushed (or linked) and has not deleted.
type PushedTerritory struct {
	ID, Name, Country, CRMID, PushedParent string
	// Settled: the config has not changed it since that push.
	Settled bool
}

// PushedAssignment is an account_territory__v record alignctl keeps.
type PushedAssignment struct {
	CRMID, Account, Territory string
}

// Baseline reads what alignctl last pushed to an instance. countries is
// its country filter (empty: everything).
func (d *DB) Baseline(ctx context.Context, instance string, countries []string, now time.Time) (*DriftBaseline, error) {
	if countries == nil {
		countries = []string{}
	}
	b := &DriftBaseline{Known: map[string]bool{}, Unmastered: map[string]bool{},
		Territory: map[string]string{}, TerritoryOf: map[string]string{}}
	var lastPush, firstPush, applied *time.Time
	if err := d.QueryRow(ctx, `SELECT (SELECT max(started_at) FROM push_log WHERE instance = $1 AND success AND coalesce(scope, '') = ''),
		(SELECT min(started_at) FROM push_log WHERE instance = $1 AND success),
		(SELECT applied_at FROM state)`, instance).Scan(&lastPush, &firstPush, &applied); err != nil {
		return nil, err
	}
	if firstPush != nil {
		b.FirstPush = firstPush.UTC()
	}
	if lastPush != nil {
		b.LastPush = lastPush.UTC()
		b.Settled = applied == nil || !applied.After(*lastPush)
	}
	rows, err := d.Query(ctx, `SELECT id, name, country, coalesce(crm_record_id, ''), coalesce(pushed_parent, ''),
		       crm_record_id IS NOT NULL AND pushed_at IS NOT NULL AND crm_deleted_at IS NULL
		         AND (start_date IS NULL OR start_date <= $2) AND (end_date IS NULL OR end_date > $2)
		         AND send_to_crm AND (len($3::VARCHAR[]) = 0 OR list_contains($3::VARCHAR[], country)),
		       pushed_at IS NOT NULL AND updated_at <= pushed_at
		FROM territory WHERE instance = $1 ORDER BY id`, instance, now, countries)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var t PushedTerritory
		var pushed bool
		if err := rows.Scan(&t.ID, &t.Name, &t.Country, &t.CRMID, &t.PushedParent, &pushed, &t.Settled); err != nil {
			rows.Close()
			return nil, err
		}
		b.Territory[t.ID] = t.Name
		if t.CRMID != "" {
			b.TerritoryOf[t.CRMID] = t.ID
		}
		if pushed {
			b.Territories = append(b.Territories, t)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := d.baselineAssignments(ctx, b, instance, now); err != nil {
		return nil, err
	}
	if err := d.baselineRoster(ctx, b, instance, countries, now); err != nil {
		return nil, err
	}
	return b, nil
}

func (d *DB) baselineAssignments(ctx context.Context, b *DriftBaseline, instance string, now time.Time) error {
	lastPush := b.LastPush
	if lastPush.IsZero() {
		lastPush = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	rows, err := d.Query(ctx, `
		WITH a AS (
			SELECT *, start_date <= $2 AND (end_date IS NULL OR end_date > $2) AS active
			FROM account_territory WHERE instance = $1
		), pair AS (
			SELECT account, territory,
			       bool_or(source <> 'crm' AND active AND send_to_crm) AS managed,
			       min(crm_record_id) FILTER (WHERE crm_record_id IS NOT NULL AND crm_deleted_at IS NULL) AS live,
			       -- deleted since the last push (an import learnt it): not by a push
			       max(crm_record_id) FILTER (WHERE crm_record_id IS NOT NULL AND crm_deleted_at > $3) AS lost
			FROM a GROUP BY account, territory
		)
		SELECT coalesce(live, lost), account, territory FROM pair
		WHERE managed AND coalesce(live, lost) IS NOT NULL
		ORDER BY territory, account`, instance, now, lastPush)
	if err != nil {
		return err
	}
	for rows.Next() {
		var a PushedAssignment
		if err := rows.Scan(&a.CRMID, &a.Account, &a.Territory); err != nil {
			rows.Close()
			return err
		}
		b.Assignments = append(b.Assignments, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = d.Query(ctx, `SELECT crm_record_id FROM account_territory WHERE instance = $1 AND crm_record_id IS NOT NULL
		UNION SELECT crm_record_id FROM merged_record WHERE instance = $1`, instance)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		b.Known[id] = true
	}
	rows.Close()
	return rows.Err()
}

// AccountNames looks up the names (name__v) of accounts in the imported
// CRM data; an account without one is left out.
func (d *DB) AccountNames(ctx context.Context, instance string, ids []string) (map[string]string, error) {
	out := map[string]string{}
	cols, err := d.Columns(ctx, CRMTable("account__v"))
	if err != nil || !slices.Contains(cols, "name__v") || len(ids) == 0 {
		return out, err
	}
	rows, err := d.Query(ctx, `SELECT id, coalesce(name__v, '') FROM crm_account__v WHERE _instance = $1 AND list_contains($2::VARCHAR[], id)`, instance, ids)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, err
		}
		out[id] = name
	}
	return out, rows.Err()
}

// baselineRoster reads the user territories and products alignctl keeps,
// as pendingRosterAndProducts decides what a push writes.
func (d *DB) baselineRoster(ctx context.Context, b *DriftBaseline, instance string, countries []string, now time.Time) error {
	at := b.LastPush
	if at.IsZero() {
		at = now
	}
	rows, err := d.Query(ctx, `
		WITH tmap AS (
			SELECT t.id AS territory FROM territory t
			WHERE t.instance = $1 AND t.send_to_crm AND (len($2::VARCHAR[]) = 0 OR list_contains($2::VARCHAR[], t.country))
		), members AS (
			SELECT r.*, u.id AS user_id FROM roster_territory r JOIN tmap USING (territory)
			JOIN crm_user__sys u ON u._instance = $1 AND u.username__sys = r.username
			UNION
			SELECT r.*, u.id AS user_id FROM roster_territory r JOIN tmap USING (territory)
			JOIN crm_user__sys u ON u._instance = $1 AND u.federated_id__sys = r.username
		)
		SELECT 'user', user_id, territory,
		       bool_or((start_date IS NULL OR start_date <= $3) AND (end_date IS NULL OR end_date > $3)),
		       bool_or((start_date IS NULL OR start_date <= $4) AND (end_date IS NULL OR end_date > $4))
		FROM members WHERE mastered AND send_to_crm GROUP BY user_id, territory
		UNION ALL
		SELECT DISTINCT 'unmastered', user_id, '', false, false FROM members WHERE NOT mastered
		UNION ALL
		SELECT 'product', territory, product,
		       bool_or((start_date IS NULL OR start_date <= $3) AND (end_date IS NULL OR end_date > $3)),
		       bool_or((start_date IS NULL OR start_date <= $4) AND (end_date IS NULL OR end_date > $4))
		FROM territory_product JOIN tmap USING (territory) WHERE send_to_crm GROUP BY territory, product
		ORDER BY 1, 2, 3`, instance, countries, now, at)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var kind, x, y string
		var activeNow, activeThen bool
		if err := rows.Scan(&kind, &x, &y, &activeNow, &activeThen); err != nil {
			return err
		}
		pair := [2]string{x, y}
		switch {
		case kind == "unmastered":
			b.Unmastered[x] = true
		case kind == "user":
			if activeNow && activeThen {
				b.UserTerritories = append(b.UserTerritories, pair)
			}
			if activeNow || activeThen {
				b.AnyUserTerritories = append(b.AnyUserTerritories, pair)
			}
		default:
			if activeNow && activeThen {
				b.Products = append(b.Products, pair)
			}
			if activeNow || activeThen {
				b.AnyProducts = append(b.AnyProducts, pair)
			}
		}
	}
	return rows.Err()
}

// ident is a Vault field name, which may stand in SQL as a quoted identifier.
var ident = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// CRMDeleted lists the records of an object the CRM reported deleted.
func (d *DB) CRMDeleted(ctx context.Context, object, instance string) (map[string]bool, error) {
	rows, err := d.Query(ctx, `SELECT id FROM crm_deletion WHERE instance = $1 AND object = $2`, instance, object)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}

// AddCRMColumns adds to the state's copy of an object the fields it lacks,
// as VARCHAR columns; names that are no Vault field names are left out.
func (d *DB) AddCRMColumns(ctx context.Context, object string, fields []string) error {
	cols, err := d.Columns(ctx, CRMTable(object))
	if err != nil || len(cols) == 0 {
		return err
	}
	for _, f := range fields {
		if slices.Contains(cols, f) || !ident.MatchString(f) {
			continue
		}
		// f matches ident: a quoted identifier of it is that name only.
		if _, err := d.Exec(ctx, `ALTER TABLE `+CRMTable(object)+` ADD COLUMN IF NOT EXISTS "`+f+`" VARCHAR`); err != nil {
			return err
		}
	}
	return nil
}
