package schema

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// Policy levels: what a violation does to apply.
const (
	LevelAdvisory = "advisory" // a warning
	LevelSoft     = "soft"     // refused unless apply --override names the policy
	LevelHard     = "hard"     // refused
)

// Built-in checks of a policy.
const (
	CheckMaxShareLost      = "max_share_lost_per_territory"
	CheckMaxShareGained    = "max_share_gained_per_territory"
	CheckMaxAccountsMoved  = "max_accounts_moved"
	CheckMinAccounts       = "min_accounts_per_territory"
	CheckMaxAccounts       = "max_accounts_per_territory"
	CheckProtectedAccounts = "protected_accounts"
	// CheckProtectTargets: no target of a cycle plan that counts now (its
	// cycle planned or in progress) loses its territory.
	CheckProtectTargets = "protect_cycle_plan_targets"
)

// Policy is one `kind: policy` document: what a plan may do.
type Policy struct {
	Pos         Pos
	ID          string
	Description string
	Level       string // LevelAdvisory, LevelSoft or LevelHard
	Check       string // a built-in check, or "" for a cue expression
	Value       float64
	CUE         string
	// protected_accounts: the accounts named, and criteria on account__v
	// fields with their match, that pick more.
	Accounts []string
	Match    string
	Criteria []Criterion
	// Scope: only territories of these field forces or these territories;
	// both empty: every territory.
	FieldForces []string
	Territories []string
}

// checkValue says what value each built-in check takes: a share from 0 to 1,
// a whole count, "accounts" (protected_accounts names accounts instead), or
// none at all.
var checkValue = map[string]string{
	CheckMaxShareLost:      "share",
	CheckMaxShareGained:    "share",
	CheckMaxAccountsMoved:  "count",
	CheckMinAccounts:       "count",
	CheckMaxAccounts:       "count",
	CheckProtectedAccounts: "accounts",
	CheckProtectTargets:    "none",
}

func (d *decoder) policy(o obj) *Policy {
	p := &Policy{
		Pos:         d.pos(o),
		ID:          o.str("id"),
		Description: o.str("description"),
		Level:       o.str("level"),
		Check:       o.str("check"),
		CUE:         o.str("cue"),
		Accounts:    o.strs("accounts"),
		Match:       o.str("match"),
	}
	switch v := o.raw("value").(type) {
	case int:
		p.Value = float64(v)
	case int64:
		p.Value = float64(v)
	case uint64:
		p.Value = float64(v)
	case float64:
		p.Value = v
	}
	for _, c := range o.items("criteria") {
		object, field, _ := strings.Cut(c.str("field"), ".")
		crit := Criterion{Pos: d.pos(c), Object: object, Field: field, Operator: c.str("operator")}
		if v := c.n.get("value"); v != nil {
			crit.Value = v.value
		}
		p.Criteria = append(p.Criteria, crit)
	}
	scope := o.field("scope")
	p.FieldForces = scope.strs("field_forces")
	p.Territories = scope.strs("territories")
	return p
}

// policies checks what the schema cannot: that each policy holds one check
// with the fields it takes, that a cue expression compiles over the figures,
// and that its scope names field forces and territories that exist.
func (v *validator) policies() {
	first := map[string]Pos{}
	for _, p := range v.cfg.Policies {
		label := "policy " + p.ID
		v.duplicate(first, p.ID, p.Pos, label)
		if v.bad[p.Pos] {
			continue
		}
		has := func(key string) bool { return v.nodes[p.Pos].get(key) != nil }
		switch {
		case p.Check != "" && p.CUE != "":
			v.ds.addf(v.at(p.Pos, "cue"), "%s: has both check and cue; keep one", label)
			continue
		case p.Check == "" && p.CUE == "":
			v.ds.addf(p.Pos, "%s: needs a check (one of %s) or a cue expression", label, strings.Join(checkNames(), ", "))
			continue
		}
		if p.CUE != "" {
			for _, key := range []string{"value", "accounts", "criteria", "match"} {
				if has(key) {
					v.ds.addf(v.at(p.Pos, key), "%s: %s is not for a cue policy; remove it", label, key)
				}
			}
			if _, err := CompilePolicyExpr(p.CUE); err != nil {
				v.ds.addf(v.at(p.Pos, "cue"), "%s: cue %q %v", label, p.CUE, err)
			}
		}
		v.policyCheck(label, p, has)
		for _, ff := range p.FieldForces {
			if !v.fieldForces[ff] && v.complete {
				v.ds.addf(v.at(p.Pos, "scope"), "%s: scope: field force %s does not exist%s", label, ff, suggest(ff, v.fieldForces))
			}
		}
		for _, t := range p.Territories {
			if !v.territories[t] && v.complete {
				v.ds.addf(v.at(p.Pos, "scope"), "%s: scope: territory %s does not exist%s", label, t, suggest(t, v.territories))
			}
		}
	}
}

// policyCheck checks the fields a built-in check takes.
func (v *validator) policyCheck(label string, p *Policy, has func(string) bool) {
	if p.Check == "" {
		return
	}
	valuePos := v.at(p.Pos, "value")
	switch want := checkValue[p.Check]; want {
	case "share", "count":
		for _, key := range []string{"accounts", "criteria", "match"} {
			if has(key) {
				v.ds.addf(v.at(p.Pos, key), "%s: %s is for protected_accounts only; remove it", label, key)
			}
		}
		switch {
		case !has("value"):
			v.ds.addf(p.Pos, "%s: check %s needs a value (%s)", label, p.Check, valueText(want))
		case want == "share" && (p.Value < 0 || p.Value > 1):
			v.ds.addf(valuePos, "%s: check %s: value %v is not a share; write one from 0 to 1, such as 0.2 for a fifth", label, p.Check, p.Value)
		case want == "count" && (p.Value < 0 || p.Value != math.Trunc(p.Value) || p.Value > math.MaxInt32):
			v.ds.addf(valuePos, "%s: check %s: value %v is not a count; write a whole number, 0 or more", label, p.Check, p.Value)
		}
	case "none":
		for _, key := range []string{"value", "accounts", "criteria", "match"} {
			if has(key) {
				v.ds.addf(v.at(p.Pos, key), "%s: check %s takes no %s; remove it", label, p.Check, key)
			}
		}
	default:
		if has("value") {
			v.ds.addf(valuePos, "%s: check %s takes no value; list accounts or criteria", label, p.Check)
		}
		if len(p.Accounts) == 0 && len(p.Criteria) == 0 {
			v.ds.addf(p.Pos, "%s: check %s needs accounts, criteria or both", label, p.Check)
		}
		v.listOnce(label, p.Pos, "accounts", p.Accounts)
		if len(p.Criteria) > 0 {
			r := &Rule{ID: p.ID, Pos: p.Pos, Match: p.Match, Criteria: p.Criteria}
			v.match(label, r)
		}
		for i, c := range p.Criteria {
			if v.bad[c.Pos] {
				continue
			}
			l := fmt.Sprintf("%s: criterion %d", label, i+1)
			if c.Object != "account__v" {
				v.ds.addf(v.at(c.Pos, "field"), "%s: field %s.%s: protected_accounts criteria read account__v fields only", l, c.Object, c.Field)
				continue
			}
			v.criterion(l, c, []string{"account__v"})
		}
	}
}

func valueText(want string) string {
	if want == "share" {
		return "a share from 0 to 1, such as 0.2"
	}
	return "a whole number of accounts"
}

func checkNames() []string {
	var out []string
	for name := range checkValue {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

// InScope reports whether the policy judges a territory of a field force.
func (p *Policy) InScope(territory, fieldForce string) bool {
	if len(p.FieldForces) == 0 && len(p.Territories) == 0 {
		return true
	}
	return slices.Contains(p.FieldForces, fieldForce) || slices.Contains(p.Territories, territory)
}
