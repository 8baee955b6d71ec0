package query

import (
	"context"
	_ "embed"
	"fmt"
	"slices"
	"strings"
	"time"
)

//go:embed cycleplan.sql
var cyclePlanSQL string

// The state tables of the Multichannel Cycle Plan objects.
const (
	cycleTable       = "crm_mc_cycle__v"
	cyclePlanTable   = "crm_mc_cycle_plan__v"
	cycleTargetTable = "crm_mc_cycle_plan_target__v"
)

// Cycle is an mc_cycle__v record as imported. Status is the one the Vault
// CRM help names (mc_cycle_status__v) when the record has it, else
// status__v; StatusField says which.
type Cycle struct {
	Instance, ID, Name   string
	Status, StatusField  string
	Start, End           string // start_date__v, end_date__v as the CRM wrote them
	StartField, EndField string // "" when the object lacks the field
}

// CyclePlan is an mc_cycle_plan__v record as imported: Territory is the
// name__v of its territory__v record (the config's territory id), "" when
// the instance has no such record.
type CyclePlan struct {
	Instance, ID, Cycle string
	CRMTerritory        string // territory__v as the record holds it
	Territory           string
	Status, StatusField string
	CycleKnown          bool
}

// CountedPlan is a cycle plan that counts at now, on a territory in scope.
type CountedPlan struct {
	Instance, ID, Territory, Cycle string
}

// CycleTarget is a target of a counted plan whose territory holds its
// account before or after the plan. Goals are the CRM's text.
type CycleTarget struct {
	Territory, Cycle, CyclePlan, Target, Account string
	ChannelGoal, ProductGoal                     string
	Before, After                                bool
	// GainedBy are the other territories that gain the account and have a
	// counted plan of the same cycle.
	GainedBy []string
}

// CycleOrphan is a cycle plan record that names a record the CRM does not
// have: Kind is "target account", "target cycle plan", "plan territory" or
// "plan cycle".
type CycleOrphan struct {
	Kind, Instance, Object, Record, Field, Ref string
}

// HasCyclePlans reports whether the state holds imported cycle plans,
// targets and the accounts they name; without them a plan has no cycle
// plan targets.
func (d *DB) HasCyclePlans(ctx context.Context) (bool, error) {
	for _, t := range []string{cycleTable, cyclePlanTable, cycleTargetTable, CRMTable("account__v")} {
		ok, err := d.TableExists(ctx, t)
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

// column is a table's column as a SQL expression, or NULL when the table
// lacks it (a CRM whose object has no such field). Names are alignctl's
// own, never input.
func column(cols []string, alias, name string) string {
	if slices.Contains(cols, name) {
		return alias + "." + Ident(name)
	}
	return "NULL::VARCHAR"
}

// Cycles reads every imported mc_cycle__v record.
func (d *DB) Cycles(ctx context.Context) ([]Cycle, error) {
	cols, err := d.Columns(ctx, cycleTable)
	if err != nil {
		return nil, err
	}
	// Vault CRM help ("Creating Multichannel Cycle Plans") names the
	// cycle's status mc_cycle_status__v; status__v is the record status
	// every Vault object has, which a snapshot may use instead.
	statusField := "status__v"
	if slices.Contains(cols, "mc_cycle_status__v") {
		statusField = "mc_cycle_status__v"
	}
	q := fmt.Sprintf(`SELECT c._instance, c.id, coalesce(%s, ''), coalesce(%s, ''), coalesce(%s, ''), coalesce(%s, '')
		FROM %s c ORDER BY c._instance, c.id`,
		column(cols, "c", "name__v"), column(cols, "c", statusField), column(cols, "c", "start_date__v"), column(cols, "c", "end_date__v"), cycleTable)
	rows, err := d.Query(ctx, q)
	if err != nil {
		return nil, cleanDuckErr(err)
	}
	defer rows.Close()
	var out []Cycle
	for rows.Next() {
		c := Cycle{StatusField: statusField}
		if err := rows.Scan(&c.Instance, &c.ID, &c.Name, &c.Status, &c.Start, &c.End); err != nil {
			return nil, err
		}
		if !slices.Contains(cols, statusField) {
			c.StatusField = ""
		}
		if slices.Contains(cols, "start_date__v") {
			c.StartField = "start_date__v"
		}
		if slices.Contains(cols, "end_date__v") {
			c.EndField = "end_date__v"
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// CyclePlans reads every imported mc_cycle_plan__v record with the name of
// its territory and whether its cycle is known.
func (d *DB) CyclePlans(ctx context.Context) ([]CyclePlan, error) {
	cols, err := d.Columns(ctx, cyclePlanTable)
	if err != nil {
		return nil, err
	}
	// The help names the plan's status mc_cycle_plan_status__v.
	statusField := "status__v"
	if slices.Contains(cols, "mc_cycle_plan_status__v") {
		statusField = "mc_cycle_plan_status__v"
	}
	territories, err := d.TableExists(ctx, CRMTable("territory__v"))
	if err != nil {
		return nil, err
	}
	name := `''`
	if territories {
		name = `coalesce((SELECT any_value(t.name__v) FROM crm_territory__v t WHERE t._instance = p._instance AND t.id = p.territory__v), '')`
	}
	q := fmt.Sprintf(`SELECT p._instance, p.id, coalesce(p.cycle__v, ''), coalesce(p.territory__v, ''), %s, coalesce(%s, ''),
			EXISTS (SELECT 1 FROM %s c WHERE c._instance = p._instance AND c.id = p.cycle__v)
		FROM %s p ORDER BY p._instance, p.id`, name, column(cols, "p", statusField), cycleTable, cyclePlanTable)
	rows, err := d.Query(ctx, q)
	if err != nil {
		return nil, cleanDuckErr(err)
	}
	defer rows.Close()
	var out []CyclePlan
	for rows.Next() {
		p := CyclePlan{StatusField: statusField}
		if err := rows.Scan(&p.Instance, &p.ID, &p.Cycle, &p.CRMTerritory, &p.Territory, &p.Status, &p.CycleKnown); err != nil {
			return nil, err
		}
		if !slices.Contains(cols, statusField) {
			p.StatusField = ""
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// CycleTargets reads the targets of the counted plans whose territory holds
// their account at now or later in before or in after (StateAssignments
// and the preview Diff.Preview returns, say), in territory, plan and account order.
func (d *DB) CycleTargets(ctx context.Context, plans []CountedPlan, before, after Assignments, now time.Time) ([]CycleTarget, error) {
	if len(plans) == 0 {
		return nil, nil
	}
	cols, err := d.Columns(ctx, cycleTargetTable)
	if err != nil {
		return nil, err
	}
	var inst, ids, terr, cyc []string
	for _, p := range plans {
		inst = append(inst, p.Instance)
		ids = append(ids, p.ID)
		terr = append(terr, p.Territory)
		cyc = append(cyc, p.Cycle)
	}
	q := strings.NewReplacer(
		"{{before}}", string(before), "{{after}}", string(after),
		"{{channel_goal}}", column(cols, "t", "channel_interactions_goal__v"),
		"{{product_goal}}", column(cols, "t", "product_interactions_goal__v"),
	).Replace(cyclePlanSQL)
	rows, err := d.Query(ctx, q, inst, ids, terr, cyc, now)
	if err != nil {
		return nil, fmt.Errorf("cycle plan targets: %w", cleanDuckErr(err))
	}
	defer rows.Close()
	var out []CycleTarget
	for rows.Next() {
		var t CycleTarget
		var gained string
		if err := rows.Scan(&t.Territory, &t.Cycle, &t.CyclePlan, &t.Target, &t.Account, &t.ChannelGoal, &t.ProductGoal,
			&t.Before, &t.After, &gained); err != nil {
			return nil, err
		}
		if gained != "" {
			t.GainedBy = strings.Split(gained, ",")
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// CycleOrphans lists the targets whose cycle plan the instance does not
// have, and the targets of the counted plans whose account it does not
// have, in object and record order.
func (d *DB) CycleOrphans(ctx context.Context, plans []CountedPlan) ([]CycleOrphan, error) {
	var inst, ids []string
	for _, p := range plans {
		inst = append(inst, p.Instance)
		ids = append(ids, p.ID)
	}
	if inst == nil {
		inst, ids = []string{}, []string{}
	}
	rows, err := d.Query(ctx, `
		SELECT 'target cycle plan', t._instance, t.id, 'cycle_plan__v', coalesce(t.cycle_plan__v, '')
		FROM crm_mc_cycle_plan_target__v t
		WHERE NOT EXISTS (SELECT 1 FROM crm_mc_cycle_plan__v p WHERE p._instance = t._instance AND p.id = t.cycle_plan__v)
		UNION ALL
		SELECT 'target account', t._instance, t.id, 'target__v', coalesce(t.target__v, '')
		FROM crm_mc_cycle_plan_target__v t
		JOIN (SELECT unnest($1::VARCHAR[]) AS instance, unnest($2::VARCHAR[]) AS id) c ON c.instance = t._instance AND c.id = t.cycle_plan__v
		WHERE NOT EXISTS (SELECT 1 FROM crm_account__v a WHERE a._instance = t._instance AND a.id = t.target__v)
		ORDER BY 1 DESC, 2, 3`, inst, ids)
	if err != nil {
		return nil, fmt.Errorf("cycle plan targets: %w", cleanDuckErr(err))
	}
	defer rows.Close()
	var out []CycleOrphan
	for rows.Next() {
		o := CycleOrphan{Object: "mc_cycle_plan_target__v"}
		if err := rows.Scan(&o.Kind, &o.Instance, &o.Record, &o.Field, &o.Ref); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// AccountCycleTargets lists the targets of an account: each cycle plan
// that has it as a target, with the plan's territory (its territory__v
// record's name__v, or the record id when the CRM has none) and cycle.
func (d *DB) AccountCycleTargets(ctx context.Context, account string) ([]CycleTarget, error) {
	ok, err := d.HasCyclePlans(ctx)
	if err != nil || !ok {
		return nil, err
	}
	cols, err := d.Columns(ctx, cycleTargetTable)
	if err != nil {
		return nil, err
	}
	territories, err := d.TableExists(ctx, CRMTable("territory__v"))
	if err != nil {
		return nil, err
	}
	name := `coalesce(p.territory__v, '')`
	if territories {
		name = `coalesce((SELECT any_value(r.name__v) FROM crm_territory__v r WHERE r._instance = p._instance AND r.id = p.territory__v), p.territory__v, '')`
	}
	rows, err := d.Query(ctx, fmt.Sprintf(`SELECT %s, coalesce(p.cycle__v, ''), t.cycle_plan__v, t.id, coalesce(%s, ''), coalesce(%s, '')
		FROM %s t LEFT JOIN %s p ON p._instance = t._instance AND p.id = t.cycle_plan__v
		WHERE t.target__v = $1 ORDER BY 1, 3, 4`, name, column(cols, "t", "channel_interactions_goal__v"), column(cols, "t", "product_interactions_goal__v"),
		cycleTargetTable, cyclePlanTable), account)
	if err != nil {
		return nil, cleanDuckErr(err)
	}
	defer rows.Close()
	var out []CycleTarget
	for rows.Next() {
		t := CycleTarget{Account: account}
		if err := rows.Scan(&t.Territory, &t.Cycle, &t.CyclePlan, &t.Target, &t.ChannelGoal, &t.ProductGoal); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}
