package reconcile

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/alignctl/alignctl/query"
	"github.com/alignctl/alignctl/schema"
)

// PolicyResult is one policy's verdict on a plan (docs/plan-json.md,
// policy_results).
type PolicyResult struct {
	Policy      string
	Description string
	Level       string
	Check       string // a built-in check, or "cue"
	Value       *float64
	CUE         string
	// Source is where the policy is written: file:line of its document, or
	// of settings.guardrails for the two policies the guardrails make.
	Source     string
	Guardrail  bool
	Status     string // passed or violated
	Violations []PolicyViolation
}

// Policy statuses.
const (
	PolicyPassed   = "passed"
	PolicyViolated = "violated"
)

// PolicyViolation is one territory (or account, or the plan as a whole)
// that breaks a policy.
type PolicyViolation struct {
	Territory string
	Account   string
	Figures   *schema.Figures
	Message   string
}

// Violated reports whether the policy is broken.
func (r PolicyResult) Violated() bool { return r.Status == PolicyViolated }

// builtinCheck judges a built-in check: per territory from its figures, or
// over the plan. A check is one entry here (and its name in schema).
type builtinCheck struct {
	territory func(p *schema.Policy, f *schema.Figures) string // a message, or "" when it holds
	plan      func(p *schema.Policy, m *policyMoves) []PolicyViolation
}

var builtinChecks = map[string]builtinCheck{
	schema.CheckMaxShareLost: {territory: func(p *schema.Policy, f *schema.Figures) string {
		if f.Lost == 0 || float64(f.Lost) <= p.Value*float64(f.Before) {
			return ""
		}
		return fmt.Sprintf("territory %s loses %d of its %d accounts (%s), more than %s", f.Territory, f.Lost, f.Before, percent(f.Lost, f.Before), percentOf(p.Value))
	}},
	schema.CheckMaxShareGained: {territory: func(p *schema.Policy, f *schema.Figures) string {
		// A territory that had no accounts fills up: no share to judge.
		if f.Before == 0 || float64(f.Gained) <= p.Value*float64(f.Before) {
			return ""
		}
		return fmt.Sprintf("territory %s gains %d accounts on its %d (%s), more than %s", f.Territory, f.Gained, f.Before, percent(f.Gained, f.Before), percentOf(p.Value))
	}},
	schema.CheckMinAccounts: {territory: func(p *schema.Policy, f *schema.Figures) string {
		if float64(f.After) >= p.Value {
			return ""
		}
		return fmt.Sprintf("territory %s would have %d accounts (now %d), under the minimum of %s", f.Territory, f.After, f.Before, num(p.Value))
	}},
	schema.CheckMaxAccounts: {territory: func(p *schema.Policy, f *schema.Figures) string {
		if float64(f.After) <= p.Value {
			return ""
		}
		return fmt.Sprintf("territory %s would have %d accounts (now %d), over the maximum of %s", f.Territory, f.After, f.Before, num(p.Value))
	}},
	schema.CheckMaxAccountsMoved: {plan: func(p *schema.Policy, m *policyMoves) []PolicyViolation {
		n := m.moved[p.ID]
		if float64(n) <= p.Value {
			return nil
		}
		return []PolicyViolation{{Message: fmt.Sprintf("the plan moves %d accounts, more than %s", n, num(p.Value))}}
	}},
	schema.CheckProtectTargets: {plan: func(p *schema.Policy, m *policyMoves) []PolicyViolation {
		var out []PolicyViolation
		for _, t := range m.lostTargets {
			if !m.inScope(p, t.Territory) {
				continue
			}
			out = append(out, PolicyViolation{Territory: t.Territory, Account: t.Account,
				Message: fmt.Sprintf("cycle plan target %s (account %s, cycle plan %s, cycle %s) would lose territory %s while its cycle runs%s",
					t.Target, t.Account, t.CyclePlan, t.Cycle, t.Territory, goalsText(t.Goals))})
		}
		return out
	}},
	schema.CheckProtectedAccounts: {plan: func(p *schema.Policy, m *policyMoves) []PolicyViolation {
		var out []PolicyViolation
		for _, l := range m.lostPairs {
			if !m.inScope(p, l.Territory) || !protects(p, l, m.now) {
				continue
			}
			out = append(out, PolicyViolation{Territory: l.Territory, Account: l.Account,
				Message: fmt.Sprintf("account %s would leave territory %s", l.Account, l.Territory)})
		}
		return out
	}},
}

// policiesOf are the config's policies, after the two that
// settings.guardrails makes (hard, kept for configs written before policies).
func policiesOf(cfg *schema.Config) []*schema.Policy {
	var out []*schema.Policy
	g := cfg.Settings.Guardrails
	for _, b := range []struct {
		check string
		value *int
	}{{schema.CheckMinAccounts, g.MinAccountsPerTerritory}, {schema.CheckMaxAccounts, g.MaxAccountsPerTerritory}} {
		if b.value != nil {
			out = append(out, &schema.Policy{ID: "guardrails." + b.check, Level: schema.LevelHard, Check: b.check,
				Value: float64(*b.value), Pos: cfg.Settings.Pos, Description: "settings.guardrails"})
		}
	}
	return append(out, cfg.Policies...)
}

func isGuardrail(p *schema.Policy) bool { return strings.HasPrefix(p.ID, "guardrails.") }

// policyMoves are what policies judge besides the accounts per territory:
// the accounts each territory gains and loses, the accounts each
// max_accounts_moved policy counts, the lost pairs protected_accounts
// reads. gatherMoves reads them from the state while both alignments exist.
type policyMoves struct {
	now         time.Time
	cfg         *schema.Config
	gained      map[string]int
	lost        map[string]int
	moved       map[string]int // by policy id
	lostPairs   []query.LostPair
	territories map[string]*schema.Territory
	// The cycle plan targets the plan takes from their territories, and
	// their count per territory (the targets_lost figure).
	lostTargets []CyclePlanTarget
	targetsLost map[string]int
}

type lostPair = query.LostPair

func (m *policyMoves) inScope(p *schema.Policy, territory string) bool {
	ff := ""
	if t := m.territories[territory]; t != nil {
		ff = t.FieldForce
	}
	return p.InScope(territory, ff)
}

// needsMoves reports whether any policy reads more than accounts per
// territory, which is free: gained and lost cost a comparison of both
// alignments.
func needsMoves(policies []*schema.Policy) bool {
	for _, p := range policies {
		if p.Check != schema.CheckMinAccounts && p.Check != schema.CheckMaxAccounts {
			return true
		}
	}
	return false
}

// needsTargets reports whether a policy reads the cycle plan targets lost:
// protect_cycle_plan_targets, or a cue expression naming targets_lost.
func needsTargets(policies []*schema.Policy) bool {
	for _, p := range policies {
		if p.Check == schema.CheckProtectTargets || strings.Contains(p.CUE, "targets_lost") {
			return true
		}
	}
	return false
}

// gatherMoves compares the alignment before with the one after, for the
// policies that need it.
//
// targets are the cycle plan targets between the two alignments when the
// caller has them (the plan lists them); nil: read them here when a policy
// needs them.
func gatherMoves(ctx context.Context, db *query.DB, cfg *schema.Config, policies []*schema.Policy, before, after query.Assignments, now time.Time, targets []CyclePlanTarget) (*policyMoves, error) {
	m := &policyMoves{now: now, cfg: cfg, gained: map[string]int{}, lost: map[string]int{}, moved: map[string]int{},
		territories: map[string]*schema.Territory{}, targetsLost: map[string]int{}}
	for _, t := range cfg.Territories {
		m.territories[t.ID] = t
	}
	if needsTargets(policies) {
		// The same targets the plan lists, judged between the same two
		// alignments as the other figures (at apply: the state before its
		// writes and after them). The plan warns about bad records.
		if targets == nil {
			read := &Plan{Now: now}
			if err := read.cyclePlanTargets(ctx, db, cfg, before, after); err != nil {
				return nil, err
			}
			targets = read.CyclePlanTargets
		}
		for _, t := range targets {
			if t.Status == TargetLost {
				m.lostTargets = append(m.lostTargets, t)
				m.targetsLost[t.Territory]++
			}
		}
	}
	if !needsMoves(policies) {
		return m, nil
	}
	var opts query.MovesOptions
	for _, p := range policies {
		if p.Check != schema.CheckProtectedAccounts {
			continue
		}
		opts.Accounts = append(opts.Accounts, p.Accounts...)
		for _, c := range p.Criteria {
			opts.Fields = append(opts.Fields, c.Field)
		}
	}
	moves, err := db.Moves(ctx, before, after, now, opts)
	if err != nil {
		return nil, err
	}
	m.gained, m.lost, m.lostPairs = moves.Gained, moves.Lost, moves.LostPairs
	for _, p := range policies {
		if p.Check != schema.CheckMaxAccountsMoved {
			continue
		}
		var scope []string
		if len(p.FieldForces) > 0 || len(p.Territories) > 0 {
			scope = []string{}
			for _, t := range cfg.Territories {
				if p.InScope(t.ID, t.FieldForce) {
					scope = append(scope, t.ID)
				}
			}
		}
		if m.moved[p.ID], err = db.MovedAccounts(ctx, before, after, now, scope); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// judgePolicies gives every policy's verdict, from the accounts per territory
// before and after (the balance's territories) and the moves. A cue policy
// is compiled once here, and judged per territory.
func judgePolicies(policies []*schema.Policy, accounts []TerritoryAccounts, m *policyMoves) []PolicyResult {
	figures := make([]schema.Figures, 0, len(accounts))
	judged := map[string]bool{}
	for _, a := range accounts {
		figures = append(figures, schema.Figures{Territory: a.Territory, FieldForce: a.FieldForce, Before: a.Before, After: a.After,
			Gained: m.gained[a.Territory], Lost: m.lost[a.Territory], TargetsLost: m.targetsLost[a.Territory]})
		judged[a.Territory] = true
	}
	out := make([]PolicyResult, 0, len(policies))
	for _, p := range policies {
		r := PolicyResult{Policy: p.ID, Description: p.Description, Level: p.Level, Check: p.Check, CUE: p.CUE,
			Source: p.Pos.String(), Guardrail: isGuardrail(p), Violations: []PolicyViolation{}}
		if isGuardrail(p) {
			r.Description = ""
		}
		if p.Check == "" {
			r.Check = "cue"
		} else if p.Check != schema.CheckProtectedAccounts && p.Check != schema.CheckProtectTargets {
			v := p.Value
			r.Value = &v
		}
		switch c, builtin := builtinChecks[p.Check]; {
		case builtin && c.territory != nil:
			for i := range figures {
				f := &figures[i]
				if !p.InScope(f.Territory, f.FieldForce) {
					continue
				}
				if msg := c.territory(p, f); msg != "" {
					fc := *f
					r.Violations = append(r.Violations, PolicyViolation{Territory: f.Territory, Figures: &fc, Message: msg})
				}
			}
		case builtin:
			r.Violations = append(r.Violations, c.plan(p, m)...)
		default:
			r.Violations = judgeCUE(p, figures)
		}
		r.Status = PolicyPassed
		if len(r.Violations) > 0 {
			r.Status = PolicyViolated
		}
		out = append(out, r)
	}
	return out
}

// judgeCUE holds each territory in scope to a cue policy. The schema
// compiled it once already; a failure to evaluate (a division by zero) is
// a violation that says why.
func judgeCUE(p *schema.Policy, figures []schema.Figures) []PolicyViolation {
	out := []PolicyViolation{}
	e, err := schema.CompilePolicyExpr(p.CUE)
	if err != nil {
		return []PolicyViolation{{Message: fmt.Sprintf("%s: cue %q %v", p.Pos, p.CUE, err)}}
	}
	for i := range figures {
		f := &figures[i]
		if !p.InScope(f.Territory, f.FieldForce) {
			continue
		}
		ok, err := e.Holds(f)
		switch {
		case err != nil:
			fc := *f
			out = append(out, PolicyViolation{Territory: f.Territory, Figures: &fc,
				Message: fmt.Sprintf("territory %s: %s cannot be evaluated: %v (%s)", f.Territory, p.CUE, err, figureText(f))})
		case !ok:
			fc := *f
			out = append(out, PolicyViolation{Territory: f.Territory, Figures: &fc,
				Message: fmt.Sprintf("territory %s: %s does not hold (%s)", f.Territory, p.CUE, figureText(f))})
		}
	}
	return out
}

func figureText(f *schema.Figures) string {
	return fmt.Sprintf("before %d, after %d, gained %d, lost %d", f.Before, f.After, f.Gained, f.Lost)
}

// protects reports whether a protected_accounts policy covers the account of
// a lost pair: named, or matching its criteria (which read account__v
// fields as the rules do).
func protects(p *schema.Policy, l lostPair, now time.Time) bool {
	if slices.Contains(p.Accounts, l.Account) {
		return true
	}
	if len(p.Criteria) == 0 {
		return false
	}
	sat := func(i int) bool { return criterionHolds(p.Criteria[i-1], l.Fields, now) }
	switch p.Match {
	case schema.MatchAny:
		for i := range p.Criteria {
			if sat(i + 1) {
				return true
			}
		}
		return false
	case schema.MatchAll, "":
		for i := range p.Criteria {
			if !sat(i + 1) {
				return false
			}
		}
		return true
	}
	m, err := schema.ParseMatch(p.Match, len(p.Criteria))
	if err != nil {
		return false // validation has said so
	}
	return m.Eval(sat)
}

// criterionHolds judges one account__v criterion as the rules engine's
// crit_hit does (query/rules_drive.sql): a null or unparsable value never
// matches a positive operator.
func criterionHolds(c schema.Criterion, fields map[string]string, now time.Time) bool {
	v, present := fields[c.Field]
	switch c.Operator {
	case "is_null":
		return !present
	case "is_not_null":
		return present
	case "not_equals":
		return !present || v != c.Value
	case "not_in":
		return !present || !slices.Contains(schema.SplitIn(c.Value), v)
	}
	if !present {
		return false
	}
	switch c.Operator {
	case "equals":
		return v == c.Value
	case "in":
		return slices.Contains(schema.SplitIn(c.Value), v)
	case "contains":
		return strings.Contains(v, c.Value)
	case "starts_with":
		return strings.HasPrefix(v, c.Value)
	case "greater_than", "less_than":
		sign := 1
		if c.Operator == "less_than" {
			sign = -1
		}
		if want, err := strconv.ParseFloat(c.Value, 64); err == nil {
			got, err := strconv.ParseFloat(v, 64)
			return err == nil && sign*cmpFloat(got, want) > 0
		}
		return sign*strings.Compare(v, c.Value) > 0
	case "more_than_days", "less_than_days":
		days, err := strconv.Atoi(c.Value)
		t, ok := parseWhen(v)
		if err != nil || !ok {
			return false
		}
		cut := now.AddDate(0, 0, -days)
		if c.Operator == "more_than_days" {
			return t.Before(cut)
		}
		return t.After(cut)
	}
	return false
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func parseWhen(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func percent(n, of int) string {
	if of == 0 {
		return "all"
	}
	return strconv.FormatFloat(math.Round(1000*float64(n)/float64(of))/10, 'f', -1, 64) + "%"
}

func percentOf(share float64) string {
	return strconv.FormatFloat(math.Round(share*1000)/10, 'f', -1, 64) + "%"
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// PolicyError says why apply refuses a plan's policy results, or nil: a
// hard policy violated, or a soft one that overrides does not name.
// Guardrail policies are left to --allow-violations (ViolationError).
type PolicyError struct {
	Hard, Soft []PolicyResult
}

func (e *PolicyError) Error() string {
	var b strings.Builder
	var names []string
	for _, r := range e.Hard {
		names = append(names, r.Policy)
	}
	if len(e.Hard) > 0 {
		fmt.Fprintf(&b, "the plan breaks hard policies %s; change the config so that they hold", strings.Join(names, ", "))
	}
	names = names[:0]
	for _, r := range e.Soft {
		names = append(names, r.Policy)
	}
	if len(e.Soft) > 0 {
		if b.Len() > 0 {
			b.WriteString("; and ")
		}
		fmt.Fprintf(&b, "the plan breaks soft policies %s; fix the config, or pass --override ID --reason TEXT for each", strings.Join(names, ", "))
	}
	for _, r := range append(slices.Clone(e.Hard), e.Soft...) {
		for i, v := range r.Violations {
			if i == 3 {
				fmt.Fprintf(&b, "\n%s: and %d more", r.Policy, len(r.Violations)-3)
				break
			}
			fmt.Fprintf(&b, "\n%s: %s", r.Policy, v.Message)
		}
	}
	return b.String()
}

// Override is apply --override ID --reason TEXT: a soft policy the apply may
// break, and why.
type Override struct {
	Policy, Reason string
}

// WithOverrides lets an apply break the soft policies named, and records
// each that the plan breaks with its reason, the actor (who, from the
// environment: see cli) and the apply's time.
func WithOverrides(actor string, overrides ...Override) ApplyOption {
	return func(o *applyOptions) {
		o.actor = actor
		o.overrides = append(o.overrides, overrides...)
	}
}

// checkOverrides refuses, before anything is written, an override of a
// policy the config does not have, of a hard one, or without a reason.
func checkOverrides(cfg *schema.Config, overrides []Override) error {
	policies := policiesOf(cfg)
	for _, ov := range overrides {
		i := slices.IndexFunc(policies, func(p *schema.Policy) bool { return p.ID == ov.Policy })
		switch {
		case i < 0:
			var ids []string
			for _, p := range policies {
				if p.Level == schema.LevelSoft {
					ids = append(ids, p.ID)
				}
			}
			known := "the config has no soft policies"
			if len(ids) > 0 {
				known = "soft policies: " + strings.Join(ids, ", ")
			}
			return fmt.Errorf("--override %s: no such policy (%s)", ov.Policy, known)
		case policies[i].Level == schema.LevelHard:
			return fmt.Errorf("--override %s: the policy is hard and cannot be overridden (%s); change the config so that it holds", ov.Policy, policies[i].Pos)
		case policies[i].Level == schema.LevelAdvisory:
			return fmt.Errorf("--override %s: the policy is advisory: it only warns, and needs no override", ov.Policy)
		case strings.TrimSpace(ov.Reason) == "":
			return fmt.Errorf("--override %s: needs a --reason saying why", ov.Policy)
		}
	}
	return nil
}

// refusePolicies is the verdict of apply: an error when a hard policy (other
// than the guardrails, which --allow-violations governs) or a soft one not
// overridden is violated.
func refusePolicies(results []PolicyResult, overrides []Override) error {
	var e PolicyError
	for _, r := range results {
		if !r.Violated() || r.Guardrail {
			continue
		}
		switch r.Level {
		case schema.LevelHard:
			e.Hard = append(e.Hard, r)
		case schema.LevelSoft:
			if !slices.ContainsFunc(overrides, func(o Override) bool { return o.Policy == r.Policy }) {
				e.Soft = append(e.Soft, r)
			}
		}
	}
	if len(e.Hard) > 0 || len(e.Soft) > 0 {
		return &e
	}
	return nil
}

// recordOverrides writes the overrides the apply used: those of soft
// policies the plan breaks (an override of a policy that holds changes
// nothing and is not recorded).
func recordOverrides(ctx context.Context, db *query.DB, p *Plan, o applyOptions, serial int64) error {
	var rows []query.Override
	config := p.Config.Hash
	if p.Config.Commit != "" && !p.Config.Dirty {
		config = p.Config.Commit
	}
	for _, ov := range o.overrides {
		for _, r := range p.PolicyResults {
			if r.Policy == ov.Policy && r.Violated() && r.Level == schema.LevelSoft {
				rows = append(rows, query.Override{Serial: serial, Policy: ov.Policy, Reason: ov.Reason, Actor: o.actor,
					AppliedAt: p.Now, Config: config, Violations: len(r.Violations)})
			}
		}
	}
	return db.RecordOverrides(ctx, rows)
}

// goalsText names the interaction goals at stake, when the target has any.
func goalsText(g CycleGoals) string {
	var parts []string
	if g.ChannelInteractions != nil {
		parts = append(parts, FormatGoal(*g.ChannelInteractions)+" channel interactions")
	}
	if g.ProductInteractions != nil {
		parts = append(parts, FormatGoal(*g.ProductInteractions)+" product interactions")
	}
	if len(parts) == 0 {
		return ""
	}
	return " (goals: " + strings.Join(parts, ", ") + ")"
}
