package reconcile

import (
	"context"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/alignctl/alignctl/crm"
	"github.com/alignctl/alignctl/query"
	"github.com/alignctl/alignctl/schema"
)

// CyclePlanTarget is a target of a Multichannel Cycle Plan on a territory in
// scope whose cycle counts at the plan's now, and whose account the
// territory holds before or after the plan: kept when the territory still
// holds it after, lost when it no longer would. These are what a
// realignment takes from the field mid-cycle: the rep who had the account
// loses the target and its interaction goals.
type CyclePlanTarget struct {
	Territory string
	Cycle     string
	CycleName string
	CyclePlan string
	// Target is the mc_cycle_plan_target__v record.
	Target  string
	Account string
	Goals   CycleGoals
	Status  string // TargetKept or TargetLost
	// HeldBefore says the territory holds the account before the plan:
	// false for a kept target the plan newly assigns.
	HeldBefore bool
	// GainedBy are the territories that newly get the account and have a
	// plan of the same cycle: the target may move with the account.
	GainedBy []string
}

// CyclePlanObjects are the Multichannel Cycle Plan objects an import reads.
var CyclePlanObjects = []string{crm.MCCycle, crm.MCCyclePlan, crm.MCCyclePlanTarget}

// The statuses of a cycle plan target.
const (
	TargetKept = "kept"
	TargetLost = "lost"
)

// CycleGoals are a target's interaction goals: null where the CRM has none
// or one that is not a number.
type CycleGoals struct {
	// ChannelInteractions is channel_interactions_goal__v.
	ChannelInteractions *float64
	// ProductInteractions is product_interactions_goal__v, where present.
	ProductInteractions *float64
}

// cycleStatuses maps every documented form of a cycle's or cycle plan's
// status to whether it counts. Vault CRM help ("Creating Multichannel
// Cycle Plans") lists planned__v, in_progress__v and completed__v on
// mc_cycle_status__v and mc_cycle_plan_status__v; labels ("Planned", "In
// Progress", "Completed") are what an export by label holds, and status__v,
// the record status of every Vault object, is active__v or inactive__v.
var cycleStatuses = map[string]bool{
	"planned__v": true, "planned": true,
	"in_progress__v": true, "in_progress": true, "in progress": true,
	"active__v": true, "active": true,
	"completed__v": false, "completed": false,
	"inactive__v": false, "inactive": false,
}

// statusCounts reads a status: whether it counts, and whether it is one
// alignctl knows. Case and blanks around it do not matter.
func statusCounts(s string) (counts, known bool) {
	counts, known = cycleStatuses[strings.ToLower(strings.TrimSpace(s))]
	return counts, known
}

// cycleDate reads a cycle's start or end date: a Vault Date
// ("2026-01-31"), or a DateTime of which the day is taken.
func cycleDate(s string, loc *time.Location) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if len(s) >= 10 {
		if d, err := time.ParseInLocation(time.DateOnly, s[:10], loc); err == nil && (len(s) == 10 || s[10] == 'T' || s[10] == ' ') {
			return d, true
		}
	}
	return time.Time{}, false
}

// readGoal reads a goal: a number, or nil for an empty field; ok is false
// for text that is not a number, which is read as missing.
func readGoal(s string) (goal *float64, ok bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, true
	}
	f, err := strconv.ParseFloat(s, 64)
	// NaN and infinities parse, but are no goal (and JSON cannot carry them).
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, false
	}
	return &f, true
}

// warnListed is how many records of one kind of bad cycle plan input a
// plan names before it counts the rest.
const warnListed = 10

// cycleWarnings collects the warnings of one kind, naming the first few
// records.
type cycleWarnings struct {
	named []Warning
	more  map[string]int64
	seen  map[string]int
}

// add names the warning unless warnListed of its group already are.
func (w *cycleWarnings) add(group string, warning Warning) {
	if w.seen == nil {
		w.seen, w.more = map[string]int{}, map[string]int64{}
	}
	w.seen[group]++
	if w.seen[group] > warnListed {
		w.more[group]++
		return
	}
	w.named = append(w.named, warning)
}

// counts reads a cycle's or a cycle plan's status: whether the record
// counts, warning about a status alignctl does not know (which counts for
// nothing).
func (w *cycleWarnings) counts(object, id, field, status string) bool {
	ok, known := statusCounts(status)
	if !known {
		w.add(object+" status", Warning{Kind: WarnCycleStatus, Object: object, Record: id, Field: orDefault(field, "status"), Value: status})
	}
	return ok && known
}

func (w *cycleWarnings) all() []Warning {
	out := slices.Clone(w.named)
	for _, group := range slices.Sorted(maps.Keys(w.more)) {
		out = append(out, Warning{Kind: WarnMoreRecords, Group: group, Count: w.more[group]})
	}
	return out
}

// cyclePlanTargets finds the targets of the cycle plans that count at the
// plan's now on the territories in scope, held before (the state) or after
// (after: the state as the apply leaves it). Bad input is a warning naming
// the record, never a failed plan.
func (p *Plan) cyclePlanTargets(ctx context.Context, db *query.DB, cfg *schema.Config, before, after query.Assignments) error {
	ok, err := db.HasCyclePlans(ctx)
	if err != nil || !ok {
		return err
	}
	loc := cfg.Settings.Location
	if loc == nil {
		loc = time.UTC
	}
	counted, names, warns, err := countedPlans(ctx, db, cfg, p.Scope.Territories, p.Now, loc)
	if err != nil {
		return err
	}
	orphans, err := db.CycleOrphans(ctx, counted)
	if err != nil {
		return err
	}
	for _, o := range orphans {
		refers := "cycle plan"
		if o.Kind == "target account" {
			refers = "account"
		}
		warns.add(o.Object+" "+o.Kind, Warning{Kind: WarnMissingRecord, Instance: o.Instance, Object: o.Object, Record: o.Record,
			Field: o.Field, Refers: refers, Value: o.Ref})
	}
	targets, err := db.CycleTargets(ctx, counted, before, after, p.Now)
	if err != nil {
		return err
	}
	p.CyclePlanTargets = make([]CyclePlanTarget, 0, len(targets))
	for _, t := range targets {
		c := CyclePlanTarget{Territory: t.Territory, Cycle: t.Cycle, CycleName: names[t.Cycle], CyclePlan: t.CyclePlan,
			Target: t.Target, Account: t.Account, Status: TargetLost, HeldBefore: t.Before, GainedBy: t.GainedBy}
		if t.After {
			c.Status = TargetKept
		}
		for _, g := range []struct {
			field, text string
			goal        **float64
		}{
			{"channel_interactions_goal__v", t.ChannelGoal, &c.Goals.ChannelInteractions},
			{"product_interactions_goal__v", t.ProductGoal, &c.Goals.ProductInteractions},
		} {
			var ok bool
			if *g.goal, ok = readGoal(g.text); !ok {
				warns.add("mc_cycle_plan_target__v goal", Warning{Kind: WarnTargetGoal, Object: "mc_cycle_plan_target__v", Record: t.Target, Field: g.field, Value: g.text})
			}
		}
		p.CyclePlanTargets = append(p.CyclePlanTargets, c)
	}
	p.Warnings = append(p.Warnings, warns.all()...)
	return nil
}

// countedPlans lists the cycle plans that count at now on the territories
// in scope (nil: all), with the names of their cycles. A cycle counts when
// its status is planned or in progress and now falls within its dates; a
// plan's own status, when it has one, must count too (Vault's process
// scheduler copies the cycle's to it).
func countedPlans(ctx context.Context, db *query.DB, cfg *schema.Config, scope []string, now time.Time, loc *time.Location) ([]query.CountedPlan, map[string]string, *cycleWarnings, error) {
	warns := &cycleWarnings{}
	cycles, err := db.Cycles(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	type key struct{ instance, id string }
	counts := map[key]bool{}
	names := map[string]string{}
	day := now.In(loc)
	for _, c := range cycles {
		names[c.ID] = c.Name
		if !warns.counts("mc_cycle__v", c.ID, c.StatusField, c.Status) {
			continue
		}
		within := true
		for _, d := range []struct {
			field, text string
			end         bool
		}{{c.StartField, c.Start, false}, {c.EndField, c.End, true}} {
			if strings.TrimSpace(d.text) == "" {
				continue // an open start or end
			}
			t, ok := cycleDate(d.text, loc)
			if !ok {
				warns.add("mc_cycle__v date", Warning{Kind: WarnCycleDate, Object: "mc_cycle__v", Record: c.ID, Field: d.field, Value: d.text})
				within = false
				break
			}
			if d.end {
				within = within && day.Before(t.AddDate(0, 0, 1))
			} else {
				within = within && !day.Before(t)
			}
		}
		counts[key{c.Instance, c.ID}] = within
	}
	plans, err := db.CyclePlans(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	inScope := map[string]string{} // territory -> its instance
	for _, t := range cfg.Territories {
		if scope == nil || slices.Contains(scope, t.ID) {
			inScope[t.ID] = t.CRMInstance
		}
	}
	var out []query.CountedPlan
	for _, pl := range plans {
		if !pl.CycleKnown {
			warns.add("mc_cycle_plan__v cycle", Warning{Kind: WarnMissingRecord, Instance: pl.Instance, Object: "mc_cycle_plan__v", Record: pl.ID,
				Field: "cycle__v", Refers: "cycle", Value: pl.Cycle})
			continue
		}
		if !counts[key{pl.Instance, pl.Cycle}] {
			continue
		}
		if pl.Territory == "" {
			warns.add("mc_cycle_plan__v territory", Warning{Kind: WarnMissingRecord, Instance: pl.Instance, Object: "mc_cycle_plan__v", Record: pl.ID,
				Field: "territory__v", Refers: "territory", Value: pl.CRMTerritory})
			continue
		}
		if strings.TrimSpace(pl.Status) != "" {
			if !warns.counts("mc_cycle_plan__v", pl.ID, pl.StatusField, pl.Status) {
				continue
			}
		}
		if inst, ok := inScope[pl.Territory]; !ok || inst != pl.Instance {
			continue
		}
		out = append(out, query.CountedPlan{Instance: pl.Instance, ID: pl.ID, Territory: pl.Territory, Cycle: pl.Cycle})
	}
	return out, names, warns, nil
}

// orDefault is s, or def when s is empty.
func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// TerritoryTargets is one territory's cycle plan targets in a plan: counts
// of the targets held before and after, kept and lost, the channel
// interaction goals of each, and the lost targets themselves.
type TerritoryTargets struct {
	Territory string
	// Cycle is the cycle of the first of CyclePlans: the plan's own, in
	// sums per cycle plan.
	Cycle string
	// CyclePlans are the territory's counted plans that have targets at
	// stake, sorted.
	CyclePlans []string
	Before     int // targets whose account the territory holds before the plan
	After      int // ... and after it (the kept ones)
	Kept, Lost int
	// Goals are channel interaction goals summed; a missing goal adds
	// nothing.
	GoalsBefore, GoalsAfter, GoalsLost float64
	// ProductGoals are product interaction goals summed likewise.
	ProductGoalsBefore, ProductGoalsAfter float64
	LostTargets                           []CyclePlanTarget
}

// TargetsPerTerritory sums the plan's cycle plan targets per territory, in
// territory order. TargetsLost(territory) is the count a policy reads.
func (p *Plan) TargetsPerTerritory() []TerritoryTargets {
	return sumTargets(p.CyclePlanTargets, func(t CyclePlanTarget) string { return t.Territory })
}

// perCyclePlan sums targets per territory and cycle plan (each sum with
// one entry in CyclePlans), as targets.csv lists them.
func perCyclePlan(ts []CyclePlanTarget) []TerritoryTargets {
	return sumTargets(ts, func(t CyclePlanTarget) string { return t.Territory + "\x00" + t.CyclePlan })
}

// TargetsLost is how many cycle plan targets a territory would lose.
func (p *Plan) TargetsLost(territory string) int {
	n := 0
	for _, t := range p.CyclePlanTargets {
		if t.Territory == territory && t.Status == TargetLost {
			n++
		}
	}
	return n
}

func sumTargets(ts []CyclePlanTarget, key func(CyclePlanTarget) string) []TerritoryTargets {
	idx := map[string]int{}
	var out []TerritoryTargets
	var keys []string
	for _, t := range ts {
		k := key(t)
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			keys = append(keys, k)
			out = append(out, TerritoryTargets{Territory: t.Territory, Cycle: t.Cycle})
		}
		s := &out[i]
		if !slices.Contains(s.CyclePlans, t.CyclePlan) {
			s.CyclePlans = append(s.CyclePlans, t.CyclePlan)
			slices.Sort(s.CyclePlans)
		}
		goal, product := 0.0, 0.0
		if t.Goals.ChannelInteractions != nil {
			goal = *t.Goals.ChannelInteractions
		}
		if t.Goals.ProductInteractions != nil {
			product = *t.Goals.ProductInteractions
		}
		if t.HeldBefore {
			s.Before++
			s.GoalsBefore += goal
			s.ProductGoalsBefore += product
		}
		if t.Status == TargetKept {
			s.After++
			s.Kept++
			s.GoalsAfter += goal
			s.ProductGoalsAfter += product
		} else {
			s.Lost++
			s.GoalsLost += goal
			s.LostTargets = append(s.LostTargets, t)
		}
	}
	// The targets come in territory and plan order; keep it whatever key.
	order := make([]int, len(out))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return strings.Compare(keys[a], keys[b]) })
	sorted := make([]TerritoryTargets, len(out))
	for i, j := range order {
		sorted[i] = out[j]
	}
	return sorted
}

// FormatGoal writes a goal or a sum of goals without a needless fraction.
func FormatGoal(f float64) string {
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// AccountCycleTarget is a cycle plan that has an account as a target:
// Counts says whether its cycle and plan count at now (planned or in
// progress, within the cycle's dates) on a territory of the config.
type AccountCycleTarget struct {
	Territory string     `json:"territory"`
	Cycle     string     `json:"cycle"`
	CycleName string     `json:"cycle_name,omitempty"`
	CyclePlan string     `json:"cycle_plan"`
	Target    string     `json:"target"`
	Goals     CycleGoals `json:"goals"`
	Counts    bool       `json:"counts"`
}

// accountCycleTargets lists the cycle plans that have the account as a
// target, for explain.
func accountCycleTargets(ctx context.Context, db *query.DB, cfg *schema.Config, account string, now time.Time) ([]AccountCycleTarget, error) {
	ts, err := db.AccountCycleTargets(ctx, account)
	if err != nil || len(ts) == 0 {
		return nil, err
	}
	loc := cfg.Settings.Location
	if loc == nil {
		loc = time.UTC
	}
	counted, names, _, err := countedPlans(ctx, db, cfg, nil, now, loc)
	if err != nil {
		return nil, err
	}
	var out []AccountCycleTarget
	for _, t := range ts {
		a := AccountCycleTarget{Territory: t.Territory, Cycle: t.Cycle, CycleName: names[t.Cycle], CyclePlan: t.CyclePlan, Target: t.Target,
			Counts: slices.ContainsFunc(counted, func(c query.CountedPlan) bool { return c.ID == t.CyclePlan })}
		a.Goals.ChannelInteractions, _ = readGoal(t.ChannelGoal)
		a.Goals.ProductInteractions, _ = readGoal(t.ProductGoal)
		out = append(out, a)
	}
	return out, nil
}
