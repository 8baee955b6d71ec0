package reconcile

import (
	"encoding/json"

	"github.com/alignctl/alignctl/query"
	"github.com/alignctl/alignctl/reconcile/jsonplan"
	"github.com/alignctl/alignctl/schema"
)

// The plan's public form is jsonplan's (docs/plan-json.md); the engine's
// types carry no JSON of their own. A plan becomes its public form field by
// field, its large lists element by element as they are written or read:
// a plan of millions of changes holds them once, as the engine's types.

// public is the plan's public form, its large lists read from p as they are
// written.
func (p *Plan) public() *jsonplan.Plan {
	return &jsonplan.Plan{
		FormatVersion: p.FormatVersion, Now: p.Now, Config: jsonplan.ConfigRef(p.Config), StateSerial: p.StateSerial,
		Scope:               jsonplan.Scope(p.Scope),
		AssignmentChanges:   listOf(p.AssignmentChanges, changeToPublic),
		TerritoryChanges:    convert(p.TerritoryChanges, territoryChangeToPublic),
		ConfigChanges:       convert(p.ConfigChanges, configChangeToPublic),
		CRMChanges:          listOf(p.CRMChanges, crmChangeToPublic),
		PendingPush:         listOf(p.PendingPush, crmChangeToPublic),
		Conflicts:           convert(p.Conflicts, Conflict.Text),
		Warnings:            WarningTexts(p.Warnings),
		GuardrailViolations: convert(p.GuardrailViolations, func(g GuardrailViolation) jsonplan.GuardrailViolation { return jsonplan.GuardrailViolation(g) }),
		Balance:             convert(p.Balance, balanceToPublic),
		PolicyResults:       convert(p.PolicyResults, policyResultToPublic),
		Accounts:            convert(p.Accounts, func(a TerritoryAccounts) jsonplan.TerritoryAccounts { return jsonplan.TerritoryAccounts(a) }),
		CyclePlanTargets:    convert(p.CyclePlanTargets, cyclePlanTargetToPublic),
		Summary:             summaryToPublic(p.Summary),
		Base:                convertPtr(p.Base, func(c ConfigRef) jsonplan.ConfigRef { return jsonplan.ConfigRef(c) }),
		Impact:              convert(p.Impact, func(t TerritoryImpact) jsonplan.TerritoryImpact { return jsonplan.TerritoryImpact(t) }),
		RuleImpact:          convert(p.RuleImpact, func(r RuleImpact) jsonplan.RuleImpact { return jsonplan.RuleImpact(r) }),
		ConfigDiff:          p.ConfigDiff,
		Command:             p.Command,
		Body:                p.Body,
	}
}

// readInto is a public form for jsonplan.Read to fill, which appends the
// large lists' elements to p as they are read, their strings shared
// through in; fromPublic takes the rest.
func (p *Plan) readInto(in query.Interner) *jsonplan.Plan {
	crm := func(list *[]CRMChange) func(*jsonplan.CRMChange) {
		return func(e *jsonplan.CRMChange) {
			c := crmChangeFromPublic(*e)
			c.Instance, c.Object, c.Action = in.Of(c.Instance), in.Of(c.Object), query.CRMAction(in.Of(string(c.Action)))
			for i := range c.Fields {
				c.Fields[i].Name = in.Of(c.Fields[i].Name)
			}
			*list = append(*list, c)
		}
	}
	return &jsonplan.Plan{
		AssignmentChanges: jsonplan.List[jsonplan.AssignmentChange]{Add: func(e *jsonplan.AssignmentChange) {
			c := changeFromPublic(*e)
			in.Change(&c)
			p.AssignmentChanges = append(p.AssignmentChanges, c)
		}},
		CRMChanges:  jsonplan.List[jsonplan.CRMChange]{Add: crm(&p.CRMChanges)},
		PendingPush: jsonplan.List[jsonplan.CRMChange]{Add: crm(&p.PendingPush)},
	}
}

// fromPublic sets p from its public form as read (readInto), but for the
// elements of the large lists, which readInto appended.
func (p *Plan) fromPublic(jp *jsonplan.Plan) {
	p.FormatVersion, p.Now, p.Config, p.StateSerial = jp.FormatVersion, jp.Now, ConfigRef(jp.Config), jp.StateSerial
	p.Scope = PlanScope(jp.Scope)
	p.AssignmentChanges = listed(p.AssignmentChanges, jp.AssignmentChanges.Listed)
	p.TerritoryChanges = convert(jp.TerritoryChanges, territoryChangeFromPublic)
	p.ConfigChanges = convert(jp.ConfigChanges, configChangeFromPublic)
	p.CRMChanges = listed(p.CRMChanges, jp.CRMChanges.Listed)
	p.PendingPush = listed(p.PendingPush, jp.PendingPush.Listed)
	// The plan's JSON keeps the conflicts' and warnings' words only.
	p.Conflicts = convert(jp.Conflicts, func(s string) Conflict { return Conflict{Sentence: s} })
	p.Warnings = convert(jp.Warnings, func(s string) Warning { return Warning{Kind: WarnText, Sentence: s} })
	p.GuardrailViolations = convert(jp.GuardrailViolations, func(g jsonplan.GuardrailViolation) GuardrailViolation { return GuardrailViolation(g) })
	p.Balance = convert(jp.Balance, balanceFromPublic)
	p.PolicyResults = convert(jp.PolicyResults, policyResultFromPublic)
	p.Accounts = convert(jp.Accounts, func(a jsonplan.TerritoryAccounts) TerritoryAccounts { return TerritoryAccounts(a) })
	p.CyclePlanTargets = convert(jp.CyclePlanTargets, cyclePlanTargetFromPublic)
	p.Summary = summaryFromPublic(jp.Summary)
	p.Base = convertPtr(jp.Base, func(c jsonplan.ConfigRef) ConfigRef { return ConfigRef(c) })
	p.Impact = convert(jp.Impact, func(t jsonplan.TerritoryImpact) TerritoryImpact { return TerritoryImpact(t) })
	p.RuleImpact = convert(jp.RuleImpact, func(r jsonplan.RuleImpact) RuleImpact { return RuleImpact(r) })
	p.ConfigDiff, p.Command, p.Body = jp.ConfigDiff, jp.Command, jp.Body
}

// MarshalJSON is the plan's public form, as WriteJSON writes it but for
// the digest and the indentation: what encoding/json makes of a Plan.
func (p Plan) MarshalJSON() ([]byte, error) { return json.Marshal(p.public()) }

// UnmarshalJSON reads the plan's public form, unsealed.
func (p *Plan) UnmarshalJSON(b []byte) error {
	var q Plan
	jp := q.readInto(query.Interner{})
	if err := json.Unmarshal(b, jp); err != nil {
		return err
	}
	q.fromPublic(jp)
	*p = q
	return nil
}

// convert is f of each element of s; nil for nil, so that null stays null.
func convert[A, B any](s []A, f func(A) B) []B {
	if s == nil {
		return nil
	}
	out := make([]B, len(s))
	for i, a := range s {
		out[i] = f(a)
	}
	return out
}

func convertPtr[A, B any](a *A, f func(A) B) *B {
	if a == nil {
		return nil
	}
	b := f(*a)
	return &b
}

// listOf is a large list of the public form over s, each element
// converted as it is written.
func listOf[A, B any](s []A, f func(A) B) jsonplan.List[B] {
	return jsonplan.List[B]{Listed: s != nil, Len: len(s), Elem: func(i int, e *B) { *e = f(s[i]) }}
}

// listed is a list read: empty rather than nil when the plan had it.
func listed[T any](s []T, listed bool) []T {
	if listed && s == nil {
		return []T{}
	}
	return s
}

func changeToPublic(c AssignmentChange) jsonplan.AssignmentChange {
	return jsonplan.AssignmentChange{Action: string(c.Action), ID: c.ID, Account: c.Account, Territory: c.Territory,
		Instance: c.Instance, Source: c.Source, Rule: c.Rule, Origin: c.Origin, StartDate: c.StartDate, EndDate: c.EndDate,
		SendToCRM: c.SendToCRM, Before: convertPtr(c.Before, func(i Interval) jsonplan.Interval { return jsonplan.Interval(i) }), Reason: c.Reason}
}

func changeFromPublic(c jsonplan.AssignmentChange) AssignmentChange {
	return AssignmentChange{Action: query.ChangeAction(c.Action), ID: c.ID, Account: c.Account, Territory: c.Territory,
		Instance: c.Instance, Source: c.Source, Rule: c.Rule, Origin: c.Origin, StartDate: c.StartDate, EndDate: c.EndDate,
		SendToCRM: c.SendToCRM, Before: convertPtr(c.Before, func(i jsonplan.Interval) Interval { return Interval(i) }), Reason: c.Reason}
}

func crmChangeToPublic(c CRMChange) jsonplan.CRMChange {
	return jsonplan.CRMChange{Instance: c.Instance, Object: c.Object, Action: string(c.Action), Record: c.Record, Fields: c.Fields}
}

func crmChangeFromPublic(c jsonplan.CRMChange) CRMChange {
	return CRMChange{Instance: c.Instance, Object: c.Object, Action: query.CRMAction(c.Action), Record: c.Record, Fields: c.Fields}
}

func territoryChangeToPublic(t TerritoryChange) jsonplan.TerritoryChange {
	return jsonplan.TerritoryChange{Action: string(t.Action), Territory: t.Territory, Fields: t.Fields}
}

func territoryChangeFromPublic(t jsonplan.TerritoryChange) TerritoryChange {
	return TerritoryChange{Action: ConfigAction(t.Action), Territory: t.Territory, Fields: t.Fields}
}

func configChangeToPublic(c ConfigChange) jsonplan.ConfigChange {
	return jsonplan.ConfigChange{Kind: c.Kind, Action: string(c.Action), Key: c.Key}
}

func configChangeFromPublic(c jsonplan.ConfigChange) ConfigChange {
	return ConfigChange{Kind: c.Kind, Action: ConfigAction(c.Action), Key: c.Key}
}

func balanceToPublic(b FieldForceBalance) jsonplan.FieldForceBalance {
	return jsonplan.FieldForceBalance{FieldForce: b.FieldForce, Territories: b.Territories,
		Before: jsonplan.Spread(b.Before), After: jsonplan.Spread(b.After),
		Furthest: convert(b.Furthest, func(a TerritoryAccounts) jsonplan.TerritoryAccounts { return jsonplan.TerritoryAccounts(a) })}
}

func balanceFromPublic(b jsonplan.FieldForceBalance) FieldForceBalance {
	return FieldForceBalance{FieldForce: b.FieldForce, Territories: b.Territories,
		Before: Spread(b.Before), After: Spread(b.After),
		Furthest: convert(b.Furthest, func(a jsonplan.TerritoryAccounts) TerritoryAccounts { return TerritoryAccounts(a) })}
}

func policyResultToPublic(r PolicyResult) jsonplan.PolicyResult {
	return jsonplan.PolicyResult{Policy: r.Policy, Description: r.Description, Level: r.Level, Check: r.Check, Value: r.Value,
		CUE: r.CUE, Source: r.Source, Guardrail: r.Guardrail, Status: r.Status,
		Violations: convert(r.Violations, func(v PolicyViolation) jsonplan.PolicyViolation {
			return jsonplan.PolicyViolation{Territory: v.Territory, Account: v.Account, Message: v.Message,
				Figures: convertPtr(v.Figures, func(f schema.Figures) jsonplan.Figures { return jsonplan.Figures(f) })}
		})}
}

func policyResultFromPublic(r jsonplan.PolicyResult) PolicyResult {
	return PolicyResult{Policy: r.Policy, Description: r.Description, Level: r.Level, Check: r.Check, Value: r.Value,
		CUE: r.CUE, Source: r.Source, Guardrail: r.Guardrail, Status: r.Status,
		Violations: convert(r.Violations, func(v jsonplan.PolicyViolation) PolicyViolation {
			return PolicyViolation{Territory: v.Territory, Account: v.Account, Message: v.Message,
				Figures: convertPtr(v.Figures, func(f jsonplan.Figures) schema.Figures { return schema.Figures(f) })}
		})}
}

func cyclePlanTargetToPublic(t CyclePlanTarget) jsonplan.CyclePlanTarget {
	return jsonplan.CyclePlanTarget{Territory: t.Territory, Cycle: t.Cycle, CycleName: t.CycleName, CyclePlan: t.CyclePlan,
		Target: t.Target, Account: t.Account, Goals: jsonplan.CycleGoals(t.Goals), Status: t.Status, HeldBefore: t.HeldBefore, GainedBy: t.GainedBy}
}

func cyclePlanTargetFromPublic(t jsonplan.CyclePlanTarget) CyclePlanTarget {
	return CyclePlanTarget{Territory: t.Territory, Cycle: t.Cycle, CycleName: t.CycleName, CyclePlan: t.CyclePlan,
		Target: t.Target, Account: t.Account, Goals: CycleGoals(t.Goals), Status: t.Status, HeldBefore: t.HeldBefore, GainedBy: t.GainedBy}
}

func summaryToPublic(s Summary) jsonplan.Summary {
	out := jsonplan.Summary{Create: s.Create, End: s.End, Update: s.Update, TerritoryChange: s.TerritoryChange,
		ConfigChange: s.ConfigChange, CRMChanges: s.CRMChanges, PendingPush: s.PendingPush}
	if s.PerTerritory != nil {
		out.PerTerritory = make(map[string]jsonplan.TerritoryCount, len(s.PerTerritory))
		for t, c := range s.PerTerritory {
			out.PerTerritory[t] = jsonplan.TerritoryCount(c)
		}
	}
	return out
}

func summaryFromPublic(s jsonplan.Summary) Summary {
	out := Summary{Create: s.Create, End: s.End, Update: s.Update, TerritoryChange: s.TerritoryChange,
		ConfigChange: s.ConfigChange, CRMChanges: s.CRMChanges, PendingPush: s.PendingPush}
	if s.PerTerritory != nil {
		out.PerTerritory = make(map[string]TerritoryCount, len(s.PerTerritory))
		for t, c := range s.PerTerritory {
			out.PerTerritory[t] = TerritoryCount(c)
		}
	}
	return out
}
