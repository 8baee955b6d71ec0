package query

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// DataLoader is the instance key of manually data-loaded accounts.
const DataLoader = "@data_loader"

// Object describes how one CRM object lands in the state: the columns the
// snapshot format requires, the column whose time drives incremental reads,
// and which of its rows the country filter keeps.
type Object struct {
	Name       string
	Required   []string
	TimeColumn string
	// Accounts are the columns that name the record's account (either,
	// for an affiliation): the children of an account that enters the
	// selected countries are read by them, and dropped when it leaves.
	// Empty for objects the country filter does not follow through accounts.
	Accounts []string
	// take is a SQL condition over the staged row `i` (bound: $1 instance,
	// $2 selected countries) saying the row is kept; known says, for a row
	// that is not kept, whether it was filtered out (true) or refers to
	// something unknown (false: an error of the object).
	take, known string
}

var objects = []Object{
	{Name: "account__v", Required: []string{"id", "modified_date__v", "country__v"}, TimeColumn: "modified_date__v",
		take:  `len($2::VARCHAR[]) = 0 OR list_contains($2::VARCHAR[], i.country__v)`,
		known: `true`},
	{Name: "address__v", Accounts: []string{"account__v"}, Required: []string{"id", "modified_date__v", "account__v", "postal_code__v", "primary__v"}, TimeColumn: "modified_date__v",
		take:  `i.account__v IN (SELECT id FROM crm_account__v WHERE _instance = $1)`,
		known: `i.account__v IN (SELECT id FROM crm_filtered_account WHERE instance = $1)`},
	{Name: "child_account__v", Accounts: []string{"parent_account__v", "child_account__v"}, Required: []string{"id", "modified_date__v", "parent_account__v", "child_account__v"}, TimeColumn: "modified_date__v",
		take: `i.parent_account__v IN (SELECT id FROM crm_account__v WHERE _instance = $1)
			AND i.child_account__v IN (SELECT id FROM crm_account__v WHERE _instance = $1)`,
		known: `(i.parent_account__v IN (SELECT id FROM crm_account__v WHERE _instance = $1)
				OR i.parent_account__v IN (SELECT id FROM crm_filtered_account WHERE instance = $1))
			AND (i.child_account__v IN (SELECT id FROM crm_account__v WHERE _instance = $1)
				OR i.child_account__v IN (SELECT id FROM crm_filtered_account WHERE instance = $1))`},
	{Name: "product_metrics__v", Accounts: []string{"account__v"}, Required: []string{"id", "modified_date__v", "account__v"}, TimeColumn: "modified_date__v",
		take:  `i.account__v IN (SELECT id FROM crm_account__v WHERE _instance = $1)`,
		known: `i.account__v IN (SELECT id FROM crm_filtered_account WHERE instance = $1)`},
	{Name: "call2__v", Accounts: []string{"account__v"}, Required: []string{"id", "modified_date__v", "account__v"}, TimeColumn: "modified_date__v",
		take:  `i.account__v IN (SELECT id FROM crm_account__v WHERE _instance = $1)`,
		known: `i.account__v IN (SELECT id FROM crm_filtered_account WHERE instance = $1)`},
	{Name: "user__sys", Required: []string{"id", "modified_date__v"}, TimeColumn: "modified_date__v", take: `true`, known: `true`},
	{Name: "territory__v", Required: []string{"id", "modified_date__v", "name__v"}, TimeColumn: "modified_date__v", take: `true`, known: `true`},
	{Name: "account_territory__v", Required: []string{"id", "modified_date__v", "account__v", "territory__v"}, TimeColumn: "modified_date__v", take: `true`, known: `true`},
	{Name: "user_territory__v", Required: []string{"id", "modified_date__v", "user__v", "territory__v"}, TimeColumn: "modified_date__v", take: `true`, known: `true`},
	{Name: "my_setup_products__v", Required: []string{"id", "modified_date__v", "territory__v", "product__v"}, TimeColumn: "modified_date__v", take: `true`, known: `true`},
	// Multichannel cycle plans (read only). Cycles and plans are taken
	// whatever their country; a target follows its account through the
	// country filter, and one whose account the CRM does not have is kept,
	// so that the plan can warn naming it rather than lose it unseen.
	{Name: "mc_cycle__v", Required: []string{"id", "modified_date__v"}, TimeColumn: "modified_date__v", take: `true`, known: `true`},
	{Name: "mc_cycle_plan__v", Required: []string{"id", "modified_date__v", "cycle__v", "territory__v"}, TimeColumn: "modified_date__v", take: `true`, known: `true`},
	{Name: "mc_cycle_plan_target__v", Accounts: []string{"target__v"}, Required: []string{"id", "modified_date__v", "cycle_plan__v", "target__v"}, TimeColumn: "modified_date__v",
		take:  `i.target__v NOT IN (SELECT id FROM crm_filtered_account WHERE instance = $1)`,
		known: `true`},
}

// Deletions is the pseudo-object of deleted records.
var Deletions = Object{Name: "deletions", Required: []string{"object", "id", "deleted_date"}, TimeColumn: "deleted_date"}

// LookupObject returns the description of a CRM object the state imports.
func LookupObject(name string) (Object, bool) {
	if name == Deletions.Name {
		return Deletions, true
	}
	i := slices.IndexFunc(objects, func(o Object) bool { return o.Name == name })
	if i < 0 {
		return Object{}, false
	}
	return objects[i], true
}

// MappedObject describes an object an inbound field mapping adds: any object
// with an account__v key, imported for the accounts the filter keeps.
func MappedObject(name string) Object {
	return Object{Name: name, Accounts: []string{"account__v"}, Required: []string{"id", "modified_date__v", "account__v"}, TimeColumn: "modified_date__v",
		take:  `i.account__v IN (SELECT id FROM crm_account__v WHERE _instance = $1)`,
		known: `i.account__v IN (SELECT id FROM crm_filtered_account WHERE instance = $1)`}
}

// CRMTable is the state table holding an object's imported rows: every column
// of the snapshot as VARCHAR, plus _instance.
func CRMTable(object string) string { return "crm_" + object }

// MergeStats counts what a merge read and took.
type MergeStats struct {
	// Read counts the rows modified at or after the watermark that are new
	// or changed: a row the state holds already with the same
	// modified_date__v (read again in the watermark's overlap) is neither
	// read, loaded nor filtered again.
	Read     int64
	Loaded   int64 // rows now in the state
	Filtered int64 // rows the country filter left out
	Errors   int64 // rows that could not be taken (e.g. an address of an unknown account)
	// Latest is the latest time column value among every row read,
	// unchanged ones included: the next watermark comes from it.
	Latest time.Time
	// Entered and Left count, for account__v, the accounts that entered
	// and left the selected countries; entering_account and leaving_account
	// hold them until the next merge of account__v.
	Entered, Left int64
	// Deleted lists, for deletions, the objects of the deletions newly
	// recorded.
	Deleted []string
}

// MergeCRM merges the staged rows of an object (those at or after the
// watermark) into its state table for one instance: on a full import the
// instance's rows are replaced, otherwise the staged rows replace their
// earlier versions. countries is the instance's country filter (empty:
// everything).
//
// The rows go straight from the file into the state table in one INSERT ...
// SELECT from read_csv; nothing is deleted when the instance has no rows
// yet, and the rows not taken are read again only when there are some.
func (d *DB) MergeCRM(ctx context.Context, obj Object, s *Staged, instance string, full bool, countries []string) (MergeStats, error) {
	if countries == nil {
		countries = []string{}
	}
	table := CRMTable(obj.Name)
	if err := d.ensureCRMTable(ctx, table, s.Columns()); err != nil {
		return MergeStats{}, fmt.Errorf("%s: %w", obj.Name, err)
	}
	has, err := d.hasRows(ctx, table, "_instance", instance)
	if err != nil {
		return MergeStats{}, fmt.Errorf("%s: %w", obj.Name, err)
	}
	if !s.pending {
		return d.mergeCRM(ctx, obj, s, instance, full, has, countries)
	}
	// The record checks are made as the file is merged (Staging.Load): a
	// failed one fails the import, whose transaction takes the merge back.
	// A failed statement ends the transaction, so the header is compared
	// with DuckDB's reading of it first, which misread does after a failed
	// check query.
	if err := d.checkColumns(ctx, s); err != nil {
		return MergeStats{}, err
	}
	st, err := d.mergeCRM(ctx, obj, s, instance, full, has, countries)
	if err != nil && s.pending {
		err = s.fail(err)
	}
	return st, err
}

// mergeCRM is MergeCRM once the state table is there. Pending record
// checks complete after the INSERT; a statement before it that fails on a
// broken file is explained by MergeCRM as the checks would have.
func (d *DB) mergeCRM(ctx context.Context, obj Object, s *Staged, instance string, full, has bool, countries []string) (MergeStats, error) {
	var st MergeStats
	table := CRMTable(obj.Name)
	s.skipUnchanged = false
	// $1 instance, $2 countries, $3 and $4 the staged rows' parameters, $5
	// the object.
	args := append([]any{instance, countries}, s.args()...)
	args = append(args, obj.Name)
	if has && !full {
		n, err := d.markUnchanged(ctx, obj, s, args)
		if err != nil {
			return st, fmt.Errorf("%s: %w", obj.Name, err)
		}
		st.Read -= n
		s.skipUnchanged = n > 0
	}
	src := s.source(3)
	account := obj.Name == "account__v"
	if account && has {
		// Which side of the filter the staged accounts were on, to tell
		// afterwards which of them crossed it.
		if err := d.noteAccountsBefore(ctx, src, args); err != nil {
			return st, fmt.Errorf("%s: %w", obj.Name, err)
		}
	}
	// Replace earlier versions: all of the instance's rows on a full import.
	if err := d.replaceRows(ctx, table, "_instance", src, args, full, has); err != nil {
		return st, fmt.Errorf("%s: %w", obj.Name, err)
	}
	if account {
		if err := d.replaceRows(ctx, "crm_filtered_account", "instance", src, args, full, true); err != nil {
			return st, err
		}
	}
	res, err := d.Exec(ctx, `INSERT INTO `+Ident(table)+` BY NAME
		SELECT $1 AS _instance, i.* FROM `+src+` i WHERE `+obj.take, args...)
	if err != nil {
		return st, fmt.Errorf("%s: %w", obj.Name, err)
	}
	st.Loaded, _ = res.RowsAffected()
	if err := d.checkRecords(ctx, s); err != nil {
		return st, err
	}
	st.Read += s.Read
	st.Latest = s.Latest
	some := st.Loaded != st.Read
	if some {
		// The records not taken, read once for what follows; few.
		if _, err := d.Exec(ctx, `CREATE OR REPLACE TEMP TABLE left_out AS
			SELECT i.id, i.`+Ident(obj.TimeColumn)+` AS modified, (`+obj.known+`) AS known
			FROM `+src+` i WHERE NOT (`+obj.take+`)`, args...); err != nil {
			return st, fmt.Errorf("%s: %w", obj.Name, err)
		}
	}
	if account && some {
		if _, err := d.Exec(ctx, `INSERT INTO crm_filtered_account SELECT $1, id FROM left_out`, instance); err != nil {
			return st, fmt.Errorf("%s: %w", obj.Name, err)
		}
	}
	if err := d.recordFiltered(ctx, obj, `(SELECT id FROM `+src+`)`, `(SELECT id, modified FROM left_out WHERE known)`, args, full, some); err != nil {
		return st, fmt.Errorf("%s: %w", obj.Name, err)
	}
	switch {
	case !some:
	case obj.known == "true":
		st.Filtered = st.Read - st.Loaded
	default:
		err = d.QueryRow(ctx, `SELECT count(*) FILTER (WHERE known), count(*) FILTER (WHERE NOT known) FROM left_out`).Scan(&st.Filtered, &st.Errors)
		if err != nil {
			return st, fmt.Errorf("%s: %w", obj.Name, cleanDuckErr(err))
		}
	}
	if account {
		if st.Entered, st.Left, err = d.crossings(ctx, instance, has); err != nil {
			return st, fmt.Errorf("%s: %w", obj.Name, err)
		}
	}
	return st, s.unchanged()
}

// noteAccountsBefore fills account_before with the staged accounts (src,
// a subquery over args) the state holds, taken or filtered: crossings
// tells from it which crossed the filter.
func (d *DB) noteAccountsBefore(ctx context.Context, src string, args []any) error {
	_, err := d.Exec(ctx, `CREATE OR REPLACE TEMP TABLE account_before AS
		WITH staged AS MATERIALIZED (SELECT id FROM `+src+`)
		SELECT a.id, true AS taken FROM crm_account__v a WHERE a._instance = $1 AND a.id IN (SELECT id FROM staged)
		UNION ALL
		SELECT f.id, false FROM crm_filtered_account f WHERE f.instance = $1 AND f.id IN (SELECT id FROM staged)`, args...)
	return err
}

// markUnchanged fills unchanged_row with the staged records the state holds
// already with the same modified date, taken or filtered: the watermark's
// overlap reads them again, and taking them again would count as a change
// of CRM data (the evaluation cache keys on that). It returns their number.
func (d *DB) markUnchanged(ctx context.Context, obj Object, s *Staged, args []any) (int64, error) {
	t := Ident(obj.TimeColumn)
	// The records of entering accounts were filtered, unchanged, and are
	// read now to be taken.
	filtered := "true"
	if len(s.accounts) > 0 {
		filtered = "false"
	}
	_, err := d.Exec(ctx, `CREATE OR REPLACE TEMP TABLE unchanged_row AS
		SELECT i.id FROM `+s.source(3)+` i
		WHERE EXISTS (SELECT 1 FROM `+Ident(CRMTable(obj.Name))+` x WHERE x._instance = $1 AND x.id = i.id AND x.`+t+` = i.`+t+`)
		   OR (`+filtered+` AND EXISTS (SELECT 1 FROM crm_filtered_record x WHERE x.instance = $1 AND x.object = $5 AND x.id = i.id AND x.modified = i.`+t+`))`, args...)
	if err != nil {
		return 0, err
	}
	// CREATE TABLE AS reports no rows affected.
	var n int64
	err = d.QueryRow(ctx, `SELECT count(*) FROM unchanged_row`).Scan(&n)
	return n, cleanDuckErr(err)
}

// recordFiltered keeps the records the country filter left out (not those
// that are errors), so that reading them again unchanged is no change:
// replaced like the state table's rows, added only when some were not
// taken. ids are the staged ids and kept the records to keep (id and
// modified), as subqueries over args.
func (d *DB) recordFiltered(ctx context.Context, obj Object, ids, kept string, args []any, full, some bool) error {
	// Most objects of most instances have no filtered record: their
	// staged rows need no second read to replace any.
	var had bool
	if err := d.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM crm_filtered_record WHERE instance = $1 AND object = $5)`, args...).Scan(&had); err != nil {
		return cleanDuckErr(err)
	}
	switch {
	case !had:
	case full:
		if _, err := d.Exec(ctx, `DELETE FROM crm_filtered_record WHERE instance = $1 AND object = $5`, args...); err != nil {
			return err
		}
	default:
		if _, err := d.Exec(ctx, `DELETE FROM crm_filtered_record WHERE instance = $1 AND object = $5 AND id IN `+ids, args...); err != nil {
			return err
		}
	}
	if !some {
		return nil
	}
	_, err := d.Exec(ctx, `INSERT INTO crm_filtered_record SELECT $1, $5, k.id, k.modified FROM `+kept+` k`, args...)
	return err
}

// crossings fills entering_account with the staged accounts the filter
// left out before and takes now, and leaving_account with those it took
// before and leaves out now. A first import has neither.
func (d *DB) crossings(ctx context.Context, instance string, had bool) (entered, left int64, err error) {
	before := `SELECT id, taken FROM account_before`
	if !had {
		before = `SELECT NULL::VARCHAR AS id, NULL::BOOLEAN AS taken WHERE false`
	}
	_, err = d.Exec(ctx, `CREATE OR REPLACE TEMP TABLE entering_account AS
		SELECT DISTINCT b.id FROM (`+before+`) b
		WHERE NOT b.taken AND b.id IN (SELECT id FROM crm_account__v WHERE _instance = $1)`, instance)
	if err != nil {
		return 0, 0, err
	}
	_, err = d.Exec(ctx, `CREATE OR REPLACE TEMP TABLE leaving_account AS
		SELECT DISTINCT b.id FROM (`+before+`) b
		WHERE b.taken AND b.id IN (SELECT id FROM crm_filtered_account WHERE instance = $1)`, instance)
	if err != nil {
		return 0, 0, err
	}
	err = d.QueryRow(ctx, `SELECT (SELECT count(*) FROM entering_account), (SELECT count(*) FROM leaving_account)`).Scan(&entered, &left)
	return entered, left, cleanDuckErr(err)
}

// EnteringAccounts lists the accounts that entered the selected countries
// in the last merge of account__v.
func (d *DB) EnteringAccounts(ctx context.Context) ([]string, error) {
	return d.Strings(ctx, `SELECT id FROM entering_account ORDER BY id`)
}

// DropLeaving removes from an object's state table the records of the
// accounts that left the selected countries in this import (leaving_account),
// remembering them as filtered; it returns how many.
func (d *DB) DropLeaving(ctx context.Context, obj Object, instance string) (int64, error) {
	if len(obj.Accounts) == 0 {
		return 0, nil
	}
	table := Ident(CRMTable(obj.Name))
	refs := make([]string, len(obj.Accounts))
	for i, f := range obj.Accounts {
		refs[i] = `x.` + Ident(f) + ` IN (SELECT id FROM leaving_account)`
	}
	of := `FROM ` + table + ` x WHERE x._instance = $1 AND (` + strings.Join(refs, " OR ") + `)`
	if _, err := d.Exec(ctx, `DELETE FROM crm_filtered_record WHERE instance = $1 AND object = $2 AND id IN (SELECT x.id `+of+`)`, instance, obj.Name); err != nil {
		return 0, fmt.Errorf("%s: %w", obj.Name, err)
	}
	if _, err := d.Exec(ctx, `INSERT INTO crm_filtered_record SELECT $1, $2, x.id, x.`+Ident(obj.TimeColumn)+` `+of, instance, obj.Name); err != nil {
		return 0, fmt.Errorf("%s: %w", obj.Name, err)
	}
	res, err := d.Exec(ctx, `DELETE `+of, instance)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", obj.Name, err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// hasRows reports whether an instance has rows in a table.
func (d *DB) hasRows(ctx context.Context, table, instanceColumn, instance string) (bool, error) {
	var has bool
	err := d.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+Ident(table)+` WHERE `+Ident(instanceColumn)+` = $1)`, instance).Scan(&has)
	return has, cleanDuckErr(err)
}

// replaceRows deletes an instance's rows of a table that the staged rows
// (src, a subquery over args) replace: all of them on a full import, else
// those with a staged id. An instance with no rows yet (a first import,
// has false) needs no DELETE.
func (d *DB) replaceRows(ctx context.Context, table, instanceColumn, src string, args []any, full, has bool) error {
	if has && instanceColumn != "_instance" {
		var err error
		if has, err = d.hasRows(ctx, table, instanceColumn, args[0].(string)); err != nil {
			return err
		}
	}
	if !has {
		return nil
	}
	if full {
		_, err := d.Exec(ctx, `DELETE FROM `+Ident(table)+` WHERE `+Ident(instanceColumn)+` = $1`, args...)
		return err
	}
	_, err := d.Exec(ctx, `DELETE FROM `+Ident(table)+` WHERE `+Ident(instanceColumn)+` = $1
		AND id IN (SELECT id FROM `+src+`)`, args...)
	return err
}

// ensureCRMTable creates an object's state table with the staged columns,
// or widens it when the snapshot gained columns.
func (d *DB) ensureCRMTable(ctx context.Context, table string, cols []string) error {
	exists, err := d.TableExists(ctx, table)
	if err != nil {
		return err
	}
	if !exists {
		defs := []string{"_instance VARCHAR"}
		for _, c := range cols {
			defs = append(defs, Ident(c)+" VARCHAR")
		}
		_, err := d.Exec(ctx, `CREATE TABLE `+Ident(table)+` (`+strings.Join(defs, ", ")+`)`)
		return err
	}
	have, err := d.Columns(ctx, table)
	if err != nil {
		return err
	}
	// ALTER TABLE, not CREATE OR REPLACE ... UNION ALL BY NAME: DuckDB 1.5.6
	// loses a large INSERT into a table replaced earlier in the same
	// transaction (docs/benchmarks.md).
	for _, c := range cols {
		if !slices.Contains(have, c) {
			if _, err := d.Exec(ctx, `ALTER TABLE `+Ident(table)+` ADD COLUMN `+Ident(c)+` VARCHAR`); err != nil {
				return err
			}
		}
	}
	return nil
}

// createCRMTables makes sure every object's state table exists with at least
// its required columns, so that queries joining them work before any import.
func (d *DB) createCRMTables(ctx context.Context) error {
	for _, o := range objects {
		cols := "_instance VARCHAR"
		for _, c := range o.Required {
			cols += ", " + Ident(c) + " VARCHAR"
		}
		if _, err := d.Exec(ctx, `CREATE TABLE IF NOT EXISTS `+Ident(CRMTable(o.Name))+` (`+cols+`)`); err != nil {
			return err
		}
	}
	return nil
}

// MergeDeletions records the staged deleted CRM records (those deleted at
// or after the watermark) and removes them from their objects' state tables.
//
// Deletions the state holds already (read again in the watermark's
// overlap) are not counted as read.
func (d *DB) MergeDeletions(ctx context.Context, s *Staged, instance string) (MergeStats, error) {
	if err := d.checkRecords(ctx, s); err != nil {
		return MergeStats{}, err
	}
	st := MergeStats{Latest: s.Latest}
	merged := "NULL"
	if slices.Contains(s.Columns(), "merged_into") {
		merged = "nullif(trim(merged_into), '')"
	}
	_, err := d.Exec(ctx, `CREATE OR REPLACE TEMP TABLE merge_in AS
		SELECT object, id, try_cast(deleted_date AS TIMESTAMPTZ) AS deleted_date, `+merged+` AS merged_into
		FROM `+s.source(1), s.args()...)
	if err != nil {
		return st, fmt.Errorf("deletions: %w", err)
	}
	if err := s.unchanged(); err != nil {
		return st, err
	}
	rows, err := d.Query(ctx, `SELECT DISTINCT object FROM merge_in i
		WHERE NOT EXISTS (SELECT 1 FROM crm_deletion x WHERE x.instance = $1 AND x.object = i.object AND x.id = i.id)
		ORDER BY object`, instance)
	if err != nil {
		return st, fmt.Errorf("deletions: %w", err)
	}
	for rows.Next() {
		var o string
		if err := rows.Scan(&o); err != nil {
			rows.Close()
			return st, err
		}
		st.Deleted = append(st.Deleted, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return st, err
	}
	res, err := d.Exec(ctx, `INSERT INTO crm_deletion
		SELECT $1, i.object, i.id, i.deleted_date, i.merged_into FROM merge_in i
		WHERE NOT EXISTS (SELECT 1 FROM crm_deletion x WHERE x.instance = $1 AND x.object = i.object AND x.id = i.id)`, instance)
	if err != nil {
		return st, fmt.Errorf("deletions: %w", err)
	}
	st.Loaded, _ = res.RowsAffected()
	st.Read = st.Loaded
	for _, o := range objects {
		_, err := d.Exec(ctx, `DELETE FROM `+Ident(CRMTable(o.Name))+`
			WHERE _instance = $1 AND id IN (SELECT id FROM merge_in WHERE object = $2)`, instance, o.Name)
		if err != nil {
			return st, fmt.Errorf("deletions: %w", err)
		}
	}
	return st, nil
}
