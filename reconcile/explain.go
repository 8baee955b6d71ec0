package reconcile

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/alignctl/alignctl/query"
	"github.com/alignctl/alignctl/schema"
)

// Explanation says why an account is, or is not, assigned to territories:
// per territory, each rule's criteria with the account's values, the
// exclusions and conflicts, and how the dates were computed.
type Explanation struct {
	Account     string                 `json:"account"`
	Now         time.Time              `json:"now"`
	Found       bool                   `json:"found"`
	Instances   []string               `json:"instances"`
	Territories []TerritoryExplanation `json:"territories"`
	// Unassigned counts the other territories that neither assign nor
	// concern the account, when no territory was asked for.
	Unassigned int `json:"unassigned_territories"`
	// CycleTargets are the cycle plans that have the account as a target.
	CycleTargets []AccountCycleTarget `json:"cycle_plan_targets,omitempty"`
}

// TerritoryExplanation is one candidate territory of an account.
type TerritoryExplanation struct {
	Territory string             `json:"territory"`
	Name      string             `json:"name"`
	Assigned  []Assignment       `json:"assigned"` // desired after this run
	Rules     []RuleExplanation  `json:"rules"`
	Excluded  []string           `json:"excluded,omitempty"`
	Conflicts ExplainedConflicts `json:"conflicts,omitempty"`
	Current   []query.Assignment `json:"current"`
	Changes   ExplainedChanges   `json:"changes"`
	Manual    []string           `json:"manual,omitempty"`
	geoWindow *query.Window
}

// ExplainedChanges are the changes a plan would make to one territory's
// records of an account; their JSON is the plan's (jsonplan).
type ExplainedChanges []AssignmentChange

// MarshalJSON writes the changes as the plan's JSON writes them.
func (c ExplainedChanges) MarshalJSON() ([]byte, error) {
	return json.Marshal(convert([]AssignmentChange(c), changeToPublic))
}

// ExplainedConflicts are the exclusive field forces' conflicts over the
// account that involve one territory; their JSON is their words
// (Conflict.AccountText).
type ExplainedConflicts []Conflict

// MarshalJSON writes each conflict as the sentence explain prints.
func (c ExplainedConflicts) MarshalJSON() ([]byte, error) {
	return json.Marshal(convert([]Conflict(c), Conflict.AccountText))
}

// Assignment is a desired record with the reasoning behind its dates.
type Assignment struct {
	Source    string     `json:"source"`
	Rule      string     `json:"rule,omitempty"`
	StartDate time.Time  `json:"start_date"`
	EndDate   *time.Time `json:"end_date"`
	Why       string     `json:"why"`
}

// RuleExplanation is one rule bound to the territory and what it decided.
type RuleExplanation struct {
	Rule      string                 `json:"rule"`
	Owner     string                 `json:"owner"`
	Match     string                 `json:"match"`
	Matched   bool                   `json:"matched"`
	Geography string                 `json:"geography,omitempty"`
	Criteria  []CriterionExplanation `json:"criteria"`
	Result    string                 `json:"result"`
}

// CriterionExplanation is one criterion, whether the account satisfies it,
// and the account's values of its field.
type CriterionExplanation struct {
	Pos       int      `json:"pos"`
	Criterion string   `json:"criterion"`
	Satisfied bool     `json:"satisfied"`
	Values    []string `json:"values"`
}

// Explain evaluates every rule of the config for one account (optionally one
// territory) with the same SQL a plan runs, and reads back what it decided.
// It writes nothing.
func Explain(ctx context.Context, db *query.DB, cfg *schema.Config, account, territory string, now time.Time) (*Explanation, error) {
	now = now.UTC()
	scope := Scope{}
	if territory != "" {
		if cfg.Territory(territory) == nil {
			return nil, fmt.Errorf("territory %s: no such territory in the config", territory)
		}
	}
	rs, err := Compile(cfg, now, scope)
	if err != nil {
		return nil, err
	}
	var tr *query.AccountTrace
	err = db.DryRun(ctx, func() error {
		ev, err := db.EvaluateRules(ctx, rs, now, query.EvalOptions{Focus: account})
		if err != nil {
			return ruleFieldError(cfg, err)
		}
		tr, err = ev.TraceAccount(ctx, account, now)
		return err
	})
	if err != nil {
		return nil, err
	}
	ex := &Explanation{Account: account, Now: now, Found: tr.Found, Instances: tr.Instances}
	for _, t := range cfg.Territories {
		if territory != "" && t.ID != territory {
			continue
		}
		te := explainTerritory(cfg, t, tr, now)
		relevant := territory != "" || len(te.Assigned) > 0 || len(te.Current) > 0 || len(te.Excluded) > 0 ||
			len(te.Conflicts) > 0 || len(te.Changes) > 0 || len(te.Manual) > 0 || slices.ContainsFunc(te.Rules, func(r RuleExplanation) bool { return r.Result == resultMatches })
		if relevant {
			ex.Territories = append(ex.Territories, te)
		} else {
			ex.Unassigned++
		}
	}
	if ex.CycleTargets, err = accountCycleTargets(ctx, db, cfg, account, now); err != nil {
		return nil, err
	}
	return ex, nil
}

func explainTerritory(cfg *schema.Config, t *schema.Territory, tr *query.AccountTrace, now time.Time) TerritoryExplanation {
	ff := cfg.FieldForce(t.FieldForce)
	te := TerritoryExplanation{Territory: t.ID, Name: t.Name, Assigned: []Assignment{}, Current: []query.Assignment{}, Changes: []AssignmentChange{}}
	if g, ok := tr.Geography[t.ID]; ok {
		te.geoWindow = &g
	}
	for _, r := range append(slices.Clone(ff.Rules), t.Rules...) {
		te.Rules = append(te.Rules, explainRule(r, t, ff, tr, te.geoWindow))
	}
	for _, a := range t.Assignments {
		if a.Account == tr.Account {
			te.Manual = append(te.Manual, fmt.Sprintf("manual assignment at %s (%s -> %s)", a.Pos, dateText(a.Start), dateText(a.End)))
		}
	}
	for _, p := range tr.Desired {
		if p.Territory != t.ID {
			continue
		}
		te.Assigned = append(te.Assigned, Assignment{Source: p.Source, Rule: p.Rule, StartDate: p.Start.UTC(), EndDate: utc(p.End),
			Why: datesWhy(now, p, t, ff, cfg, te.geoWindow)})
	}
	for _, x := range tr.Excluded {
		if x.Territory == t.ID {
			reason := x.Reason
			if reason == "" {
				reason = "no reason given"
			}
			te.Excluded = append(te.Excluded, fmt.Sprintf("excluded (%s): the %s assignment is not made", reason, sourceText(x.Source, x.Origin)))
		}
	}
	for _, c := range tr.Conflicts {
		if slices.Contains(c.Territories, t.ID) {
			te.Conflicts = append(te.Conflicts, conflictOf(c))
		}
	}
	for _, a := range tr.Current {
		if a.Territory == t.ID {
			te.Current = append(te.Current, a)
		}
	}
	for _, c := range tr.Changes {
		if c.Territory == t.ID {
			te.Changes = append(te.Changes, c)
		}
	}
	return te
}

func explainRule(r *schema.Rule, t *schema.Territory, ff *schema.FieldForce, tr *query.AccountTrace, geo *query.Window) RuleExplanation {
	owner := "territory " + t.ID
	if r.OwnerKind == "field_force" {
		owner = "field force " + ff.ID
	}
	re := RuleExplanation{Rule: r.ID, Owner: owner, Match: r.Match, Matched: tr.Matched[r.ID]}
	if r.Type == schema.RuleHierarchy {
		re.Match = fmt.Sprintf("hierarchy (%s of the territory's accounts), %s", r.Assign, r.Match)
	}
	for i, c := range r.Criteria {
		ce := CriterionExplanation{Pos: i + 1, Criterion: criterionText(c), Satisfied: slices.Contains(tr.Satisfied[r.ID], i+1),
			Values: tr.Values[c.Object+"."+c.Field]}
		if ce.Values == nil {
			ce.Values = []string{}
		}
		re.Criteria = append(re.Criteria, ce)
	}
	if r.Geography {
		if geo != nil {
			re.Geography = "the primary postal code is in the territory's geographies"
		} else {
			re.Geography = "the primary postal code is not in the territory's geographies"
		}
	}
	switch {
	case !tr.Found:
		re.Result = "not evaluated: the account is not in the imported CRM data"
	case !re.Matched:
		re.Result = "does not match"
	case r.Geography && geo == nil:
		re.Result = "matches the criteria, but not the territory's geography"
	case r.Type == schema.RuleHierarchy && !slices.Contains(tr.Related[r.ID], t.ID):
		re.Result = fmt.Sprintf("matches the criteria, but is not a %s of an account the territory gets", r.Assign)
	default:
		re.Result = resultMatches
	}
	return re
}

const resultMatches = "matches"

// datesWhy explains a desired record's window: the latest of now and the
// start dates involved, the earliest of the end dates.
func datesWhy(now time.Time, p query.Pair, t *schema.Territory, ff *schema.FieldForce, cfg *schema.Config, geo *query.Window) string {
	starts := []string{"now " + now.Format(time.RFC3339)}
	ends := []string{}
	add := func(name string, s, e *time.Time) {
		if s != nil {
			starts = append(starts, name+" "+s.UTC().Format(time.RFC3339))
		}
		if e != nil {
			ends = append(ends, name+" "+e.UTC().Format(time.RFC3339))
		}
	}
	geography := false
	if p.Source == "rule" || p.Source == "hierarchy_rule" {
		for _, r := range allRules(cfg) {
			if r.ID == p.Rule {
				add("rule", r.Start, r.End)
				geography = r.Geography
			}
		}
	}
	add("territory", t.Start, t.End)
	add("field force", ff.Start, ff.End)
	if geo != nil && geography {
		add("geography", &geo.Start, geo.End)
	}
	why := "start is the latest of " + strings.Join(starts, ", ")
	if len(ends) == 0 {
		return why + "; no end date is set"
	}
	return why + "; end is the earliest of " + strings.Join(ends, ", ")
}

func criterionText(c schema.Criterion) string {
	switch c.Operator {
	case "is_null", "is_not_null":
		return fmt.Sprintf("%s.%s %s", c.Object, c.Field, c.Operator)
	}
	return fmt.Sprintf("%s.%s %s \"%s\"", c.Object, c.Field, c.Operator, c.Value)
}

func sourceText(source, origin string) string {
	if source == "rule" || source == "hierarchy_rule" {
		return source + " " + origin
	}
	return source
}

func dateText(t *time.Time) string {
	if t == nil {
		return "open"
	}
	return t.Format(time.DateOnly)
}
