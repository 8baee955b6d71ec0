// Package jsonplan is the public form of a plan (docs/plan-json.md): the
// JSON that plan --format json prints and show plan prints again, and the
// header of a saved plan. It is kept apart from the engine's types
// (reconcile.Plan, query.Change), as Terraform keeps command/jsonplan apart
// from its plans package, so that the engine can change without changing a
// format that programs read: a field here means the same within a
// FormatVersion.
//
// The plan's three large lists (assignment_changes, crm_changes,
// pending_push) are not held here: a first plan has millions of changes,
// and a second copy of them in this package's types would double its
// memory. A List hands each element over as it is written or read.
package jsonplan

import "time"

// FormatVersion is the format_version of a plan's JSON.
const FormatVersion = "2"

// SavedFormatVersion is the format_version of a saved plan's header, whose
// large lists are in its Parquet body (Body).
const SavedFormatVersion = "3"

// Plan is the plan's JSON object, its fields in the order written.
type Plan struct {
	FormatVersion       string                 `json:"format_version"`
	Now                 time.Time              `json:"now"`
	Config              ConfigRef              `json:"config"`
	StateSerial         int64                  `json:"state_serial"`
	Scope               Scope                  `json:"scope"`
	AssignmentChanges   List[AssignmentChange] `json:"assignment_changes"`
	TerritoryChanges    []TerritoryChange      `json:"territory_changes"`
	ConfigChanges       []ConfigChange         `json:"config_changes"`
	CRMChanges          List[CRMChange]        `json:"crm_changes"`
	PendingPush         List[CRMChange]        `json:"pending_push"`
	Conflicts           []string               `json:"conflicts"`
	Warnings            []string               `json:"warnings"`
	GuardrailViolations []GuardrailViolation   `json:"guardrail_violations"`
	Balance             []FieldForceBalance    `json:"balance"`
	PolicyResults       []PolicyResult         `json:"policy_results"`
	Accounts            []TerritoryAccounts    `json:"accounts_per_territory"`
	CyclePlanTargets    []CyclePlanTarget      `json:"cycle_plan_targets"`
	Summary             Summary                `json:"summary"`
	Base                *ConfigRef             `json:"base,omitempty"`
	Impact              []TerritoryImpact      `json:"impact,omitempty"`
	RuleImpact          []RuleImpact           `json:"rule_impact,omitempty"`
	ConfigDiff          string                 `json:"config_diff,omitempty"`
	Command             string                 `json:"command,omitempty"`
	// Body is where a saved plan's header says its large lists are; nil in
	// the plan's JSON.
	Body *Body `json:"body,omitempty"`
}

// ConfigRef identifies a config: the plan's, or its base's.
type ConfigRef struct {
	Commit string            `json:"commit"`
	Dirty  bool              `json:"dirty"`
	Ref    string            `json:"ref,omitempty"`
	Hash   string            `json:"hash"`
	Files  map[string]string `json:"files,omitempty"`
}

// Scope is the plan's --territory, the territories it covers, and
// --send-to-crm.
type Scope struct {
	Territory   string   `json:"territory,omitempty"`
	Territories []string `json:"territories,omitempty"`
	SendToCRM   *bool    `json:"send_to_crm,omitempty"`
}

// AssignmentChange is one create, end or date update of an assignment
// record.
type AssignmentChange struct {
	Action    string     `json:"action"`       // create, end, update
	ID        string     `json:"id,omitempty"` // the record an end or update changes
	Account   string     `json:"account"`
	Territory string     `json:"territory"`
	Instance  string     `json:"instance"`
	Source    string     `json:"source"`
	Rule      string     `json:"rule,omitempty"`
	Origin    string     `json:"origin"`
	StartDate time.Time  `json:"start_date"`
	EndDate   *time.Time `json:"end_date"`
	SendToCRM bool       `json:"send_to_crm"`
	Before    *Interval  `json:"before,omitempty"`
	Reason    string     `json:"reason"`
}

// Interval is a record's dates before an end or update.
type Interval struct {
	StartDate time.Time  `json:"start_date"`
	EndDate   *time.Time `json:"end_date"`
}

// TerritoryChange is a territory the config adds, changes or removes.
type TerritoryChange struct {
	Action    string   `json:"action"` // create, update, remove
	Territory string   `json:"territory"`
	Fields    []string `json:"fields,omitempty"`
}

// ConfigChange is a roster member territory or territory product the
// config adds, changes or removes.
type ConfigChange struct {
	Kind   string `json:"kind"`   // roster_member_territory or territory_product
	Action string `json:"action"` // create, update, remove
	Key    string `json:"key"`
}

// CRMChange is one record a push would write.
type CRMChange struct {
	Instance string    `json:"instance"`
	Object   string    `json:"object"`
	Action   string    `json:"action"` // create, update, delete
	Record   string    `json:"record"`
	Fields   CRMFields `json:"fields,omitempty"`
}

// GuardrailViolation is a territory the plan would leave outside the
// settings' guardrails.
type GuardrailViolation struct {
	Territory string `json:"territory"`
	Accounts  int    `json:"accounts"`
	Before    int    `json:"before"`
	Min       *int   `json:"min,omitempty"`
	Max       *int   `json:"max,omitempty"`
	Message   string `json:"message"`
}

// FieldForceBalance is the accounts per territory of one field force,
// before and after the plan.
type FieldForceBalance struct {
	FieldForce  string              `json:"field_force"`
	Territories int                 `json:"territories"`
	Before      Spread              `json:"before"`
	After       Spread              `json:"after"`
	Furthest    []TerritoryAccounts `json:"furthest"`
}

// Spread summarises accounts per territory.
type Spread struct {
	Min    int     `json:"min"`
	Median float64 `json:"median"`
	Max    int     `json:"max"`
	CV     float64 `json:"cv"`
}

// TerritoryAccounts is one territory's accounts before and after the plan.
type TerritoryAccounts struct {
	Territory  string `json:"territory"`
	FieldForce string `json:"field_force"`
	Before     int    `json:"before"`
	After      int    `json:"after"`
}

// PolicyResult is the verdict of one policy.
type PolicyResult struct {
	Policy      string            `json:"policy"`
	Description string            `json:"description,omitempty"`
	Level       string            `json:"level"`
	Check       string            `json:"check"`
	Value       *float64          `json:"value,omitempty"`
	CUE         string            `json:"cue,omitempty"`
	Source      string            `json:"source"`
	Guardrail   bool              `json:"guardrail,omitempty"`
	Status      string            `json:"status"` // passed or violated
	Violations  []PolicyViolation `json:"violations"`
}

// PolicyViolation is one territory, account, or the plan as a whole, that
// breaks a policy.
type PolicyViolation struct {
	Territory string   `json:"territory,omitempty"`
	Account   string   `json:"account,omitempty"`
	Figures   *Figures `json:"figures,omitempty"`
	Message   string   `json:"message"`
}

// Figures are what a per-territory policy check judged.
type Figures struct {
	Territory   string `json:"territory"`
	FieldForce  string `json:"field_force"`
	Before      int    `json:"before"`
	After       int    `json:"after"`
	Gained      int    `json:"gained"`
	Lost        int    `json:"lost"`
	TargetsLost int    `json:"targets_lost"`
}

// CyclePlanTarget is a target of a cycle plan on a territory in scope,
// kept or lost.
type CyclePlanTarget struct {
	Territory  string     `json:"territory"`
	Cycle      string     `json:"cycle"`
	CycleName  string     `json:"cycle_name,omitempty"`
	CyclePlan  string     `json:"cycle_plan"`
	Target     string     `json:"target"`
	Account    string     `json:"account"`
	Goals      CycleGoals `json:"goals"`
	Status     string     `json:"status"` // kept or lost
	HeldBefore bool       `json:"held_before"`
	GainedBy   []string   `json:"gained_by,omitempty"`
}

// CycleGoals are a target's interaction goals; null where the CRM has none.
type CycleGoals struct {
	ChannelInteractions *float64 `json:"channel_interactions"`
	ProductInteractions *float64 `json:"product_interactions"`
}

// Summary counts the changes per action and per territory.
type Summary struct {
	Create          int                       `json:"create"`
	End             int                       `json:"end"`
	Update          int                       `json:"update"`
	TerritoryChange int                       `json:"territory_changes"`
	ConfigChange    int                       `json:"config_changes"`
	CRMChanges      int                       `json:"crm_changes"`
	PendingPush     int                       `json:"pending_push"`
	PerTerritory    map[string]TerritoryCount `json:"per_territory"`
}

// TerritoryCount is one territory's share of a plan.
type TerritoryCount struct {
	Create int `json:"create"`
	End    int `json:"end"`
	Update int `json:"update"`
}

// TerritoryImpact is what a config change (plan --base) does to one
// territory.
type TerritoryImpact struct {
	Territory      string   `json:"territory"`
	Gained         int      `json:"gained"`
	Lost           int      `json:"lost"`
	GainedAccounts []string `json:"gained_accounts,omitempty"`
	LostAccounts   []string `json:"lost_accounts,omitempty"`
}

// RuleImpact is what a config change does through one rule.
type RuleImpact struct {
	Rule    string `json:"rule"`
	Change  string `json:"change"` // added, removed, changed or unchanged
	Added   int    `json:"added"`
	Dropped int    `json:"dropped"`
}

// Body says where a saved plan's large lists are: offsets count from the
// first byte after the header, and the parts fill the body exactly.
type Body struct {
	Format            string   `json:"format"`
	AssignmentChanges BodyPart `json:"assignment_changes"`
	CRMChanges        BodyPart `json:"crm_changes"`
}

// BodyPart is one Parquet file of a saved plan's body.
type BodyPart struct {
	Offset int64  `json:"offset"`
	Length int64  `json:"length"`
	Rows   int    `json:"rows"`
	SHA256 string `json:"sha256"`
}
