package query

import (
	"fmt"
	"time"
)

// The rule set: a plan's rules compiled to rows, the input of the rules
// engine (reconcile.Compile builds it).

// RuleSet is a plan's rules compiled to rows: the engine's SQL reads these
// tables and never sees a rule value in its text. reconcile builds it from the
// config, with every date already put through the date calculus.
type RuleSet struct {
	Rules       []Rule
	Criteria    []Criterion
	Values      []Value
	Bindings    []Binding
	Geographies []Geography
	Exclusions  []Exclusion
	Manual      []Manual
	Territories []TerritoryWindow
	// Scope lists the territories a scoped plan covers; nil covers everything.
	Scope []string
	// Selected, when not nil, runs one kind of rule only (--send-to-crm): it
	// lists every rule id of that kind, and only their records may change.
	Selected []string
	// Compiled, when not "", names everything the rows were compiled from
	// but the code that did it (reconcile.Compile: the config's content
	// hash, the scope, and where now falls among the config's dates). The
	// evaluation cache keeps the digest of the rows under it and the build,
	// rather than hash them on every plan (rowsDigest).
	Compiled string `json:"-"`
}

// Rule is one active rule. Key numbers it for the SQL.
type Rule struct {
	Key   int
	ID    string
	Match string // "all", "any", or "expr" with Masks
	NCrit int
	// Masks are, for an expression, the sets of satisfied criteria (bit i-1
	// for criterion i) that make it true.
	Masks []uint64
	// Hierarchy rules: assign "child" or "parent", all levels with
	// Intermediaries, and the sources they do not start from.
	Hierarchy      bool
	Assign         string
	Intermediaries bool
	IgnoreManual   bool
	IgnoreCRM      bool
}

// Criterion is one criterion of a rule; Pos is its 1-based place in the rule.
type Criterion struct {
	RuleKey  int
	Pos      int
	Object   string
	Field    string
	Operator string
}

// Value is one value of a criterion (the unnested list of an IN).
type Value struct {
	RuleKey int
	Pos     int
	Value   string
}

// Binding ties a rule to a territory it assigns to, for one account source
// (the territory's instance, or DataLoader). Start and End are the window of
// the rule, territory and field force, already clipped to now.
type Binding struct {
	RuleKey     int
	RuleID      string
	Territory   string
	Instance    string
	SrcInstance string
	Start       time.Time
	End         *time.Time
	Geography   bool
	SendToCRM   bool
}

// Geography is one active geography of a territory: Code is a postal code or
// a prefix ending in "*".
type Geography struct {
	Territory string
	Code      string
	Start     time.Time
	End       *time.Time
}

// Exclusion keeps an account out of a territory from Start (clipped to now).
type Exclusion struct {
	Territory string
	Account   string
	Start     time.Time
	End       *time.Time
	Reason    string
}

// Manual is an explicit assignment from the config, its window computed.
type Manual struct {
	Account   string
	Territory string
	Instance  string
	Origin    string
	Start     time.Time
	End       *time.Time
	SendToCRM bool
}

// TerritoryWindow says whether a config territory is active at now, and when
// it ends; records of other sources follow it. Exclusive marks the
// territories of an exclusive field force.
type TerritoryWindow struct {
	Territory  string
	Active     bool
	End        *time.Time
	FieldForce string
	Exclusive  bool
}

// UnknownFieldError says a criterion names a field the imported CRM data lacks.
type UnknownFieldError struct {
	Object, Field string
}

func (e *UnknownFieldError) Error() string {
	return fmt.Sprintf("field %s.%s is not in the imported CRM data", e.Object, e.Field)
}

// Operator families: each is served by one join or filter of the engine.
// eq joins on (rule, value); other is one predicate (crit_hit) per row; neq
// and null are the complements of eq and is_not_null.
func operatorFamily(op string) (family string, positive bool, err error) {
	switch op {
	case "equals", "in":
		return "eq", true, nil
	case "not_equals", "not_in":
		return "neq", false, nil
	case "is_null":
		return "null", false, nil
	case "contains", "starts_with", "greater_than", "less_than", "more_than_days", "less_than_days", "is_not_null":
		return "other", true, nil
	}
	return "", false, fmt.Errorf("operator %q is not one the rules engine knows", op)
}
