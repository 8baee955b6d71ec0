package reconcile

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/alignctl/alignctl/query"
	"github.com/alignctl/alignctl/reconcile/jsonplan"
	"github.com/alignctl/alignctl/schema"
)

// FormatVersion is the version of the plan JSON (docs/plan-json.md).
const FormatVersion = jsonplan.FormatVersion

// Plan is what applying the config to the state would change: the engine's
// model, which every view renders. Its public JSON, which plan --format
// json prints and a saved plan's header holds, is jsonplan's
// (planformat.go converts).
type Plan struct {
	FormatVersion     string
	Now               time.Time
	Config            ConfigRef
	StateSerial       int64
	Scope             PlanScope
	AssignmentChanges []AssignmentChange
	TerritoryChanges  []TerritoryChange
	ConfigChanges     []ConfigChange
	CRMChanges        []CRMChange
	PendingPush       []CRMChange
	// Conflicts and Warnings are data; the views put them in words
	// (warning.go).
	Conflicts []Conflict
	Warnings  []Warning
	// GuardrailViolations are territories the plan would leave outside
	// settings.guardrails; apply refuses them unless --allow-violations.
	GuardrailViolations []GuardrailViolation
	Balance             []FieldForceBalance
	// PolicyResults are the verdicts of the policies (reconcile/policy.go).
	PolicyResults []PolicyResult
	// Accounts are the accounts per territory before and after the plan,
	// of the territories the balance covers.
	Accounts []TerritoryAccounts
	// CyclePlanTargets are the targets of the cycle plans that count at
	// now on the territories in scope, kept or lost (cycleplan.go).
	CyclePlanTargets []CyclePlanTarget
	Summary          Summary
	// With --base: the config the change starts from, and what the change
	// itself does (not what the plan does to the state).
	Base       *ConfigRef
	Impact     []TerritoryImpact
	RuleImpact []RuleImpact
	ConfigDiff string
	// Command is the command line that makes this plan again.
	Command string
	// Body is where a saved plan keeps its assignment and CRM changes
	// (planbody.go); nil in the plan's JSON.
	Body *jsonplan.Body
	// Preview is the downloadable preview, made when PlanOptions.Preview asks.
	Preview *Preview
	// seal is the digest ReadPlan found, which CheckSaved holds the plan to;
	// WriteJSON writes a new one.
	seal jsonplan.Seal
	// body is the saved plan's body as read, for apply to read in place,
	// or the files a spooled plan keeps its lists in (spool.go).
	body *bodyFiles
	// spool is set while the plan's lists are in body's files, not in Go.
	spool *planSpool
	// diff is the diff the plan's assignment changes were read from, which
	// the push preview applies in place; nil for a saved plan. It reads the
	// state database's tables until that evaluates rules again.
	diff *query.Diff
}

// ConfigRef identifies the config a plan was made from.
type ConfigRef struct {
	Commit string // git commit, or "" outside git
	Dirty  bool   // the work tree's config folder differs from the commit
	Ref    string
	Hash   string // content hash of the config files
	// Files maps each config file to a hash of its content, so that a
	// stale plan can say which files changed.
	Files map[string]string
}

// PlanScope is the JSON form of a Scope.
type PlanScope struct {
	Territory   string
	Territories []string
	SendToCRM   *bool
}

// Interval is a record's dates before a change.
type Interval = query.Interval

// AssignmentChange is one create, end or date update of an assignment record.
// It is the row the diff query reads (query.Change), so that a plan of
// millions of changes holds them once.
type AssignmentChange = query.Change

// TerritoryChange is a territory the config adds, changes or removes.
type TerritoryChange struct {
	Action    ConfigAction
	Territory string
	Fields    []string // what changed, for update
}

// CRMChange is one record a push would write after the apply.
type CRMChange struct {
	Instance string
	Object   string
	Action   query.CRMAction
	Record   string
	Fields   CRMFields
}

// Summary counts the changes per action and per territory.
type Summary struct {
	Create          int
	End             int
	Update          int
	TerritoryChange int
	ConfigChange    int
	CRMChanges      int
	PendingPush     int
	PerTerritory    map[string]TerritoryCount
}

// TerritoryCount is one territory's share of a plan.
type TerritoryCount struct {
	Create int
	End    int
	Update int
}

// HasChanges reports whether applying the plan would change the state.
func (p *Plan) HasChanges() bool {
	return len(p.AssignmentChanges) > 0 || len(p.TerritoryChanges) > 0 || len(p.ConfigChanges) > 0
}

// PlanOptions are the inputs of a plan besides config and state.
type PlanOptions struct {
	Now     time.Time
	Scope   Scope
	Config  ConfigRef
	Preview bool // also make the downloadable preview
	// Cache, when set, reuses the rules' evaluation while its inputs are
	// unchanged (query.EvalCache); a preview always evaluates.
	Cache *query.EvalCache
	// SpoolAt, when above 0, spools a plan of at least that many assignment
	// changes (spool.go): Close removes its files.
	SpoolAt int
}

// MakePlan evaluates the rules of the config against the state and diffs the
// result against the assignments the state holds. It writes nothing: the CRM
// changes are read from the state as the apply would leave it, inside a
// transaction that is rolled back.
func MakePlan(ctx context.Context, db *query.DB, cfg *schema.Config, opts PlanOptions) (_ *Plan, err error) {
	now := opts.Now.UTC()
	if opts.Scope.SendToCRM != nil && cfg.Settings.RuleSelectionCriteria != schema.RuleSelectionSendToCRM {
		return nil, errors.New("--send-to-crm needs settings.rule_selection_criteria: by_send_to_crm")
	}
	serial, err := db.Serial(ctx)
	if err != nil {
		return nil, err
	}
	p := &Plan{
		FormatVersion: FormatVersion, Now: now, Config: opts.Config, StateSerial: serial,
		AssignmentChanges: []AssignmentChange{}, TerritoryChanges: []TerritoryChange{}, ConfigChanges: []ConfigChange{},
		CRMChanges: []CRMChange{}, PendingPush: []CRMChange{}, Conflicts: []Conflict{}, Warnings: []Warning{},
		CyclePlanTargets: []CyclePlanTarget{},
	}
	defer func() {
		if err != nil {
			p.Close()
		}
	}()
	rs, err := Compile(cfg, now, opts.Scope)
	if err != nil {
		return nil, err
	}
	p.Scope = PlanScope{Territory: opts.Scope.Territory, Territories: rs.Scope, SendToCRM: opts.Scope.SendToCRM}
	// The evaluation writes temporary tables only, outside a transaction:
	// what it no longer needs is dropped, and its memory given back, before
	// the diff (a rolled-back transaction would hold all of it to the end).
	var eval query.EvalOptions
	if !opts.Preview {
		eval.Cache = opts.Cache
	}
	ev, err := db.EvaluateRules(ctx, rs, now, eval)
	if err != nil {
		return nil, ruleFieldError(cfg, err)
	}
	p.diff = ev.Diff()
	n, err := p.diff.Len(ctx)
	if err != nil {
		return nil, err
	}
	if opts.SpoolAt > 0 && n >= opts.SpoolAt {
		if err := p.spoolChanges(ctx, db, n); err != nil {
			return nil, err
		}
	} else {
		changes, err := p.diff.Changes(ctx)
		if err != nil {
			return nil, err
		}
		if changes != nil {
			p.AssignmentChanges = changes
		}
	}
	unknownAccounts, err := ev.ManualWithoutAccount(ctx)
	if err != nil {
		return nil, err
	}
	conflicts, err := ev.Conflicts(ctx)
	if err != nil {
		return nil, err
	}
	merged, err := ev.ManualOfMergedAccounts(ctx)
	if err != nil {
		return nil, err
	}
	var excluded []query.Excluded
	if opts.Preview {
		if excluded, err = ev.Excluded(ctx); err != nil {
			return nil, err
		}
	}
	p.Conflicts = append(p.Conflicts, convert(conflicts, conflictOf)...)
	if opts.Preview {
		p.Preview = &Preview{Exclusions: excluded, Exclusive: conflicts}
	}
	for _, m := range merged {
		p.Warnings = append(p.Warnings, Warning{Kind: WarnMergedAccount, Territory: m.Territory, Account: m.Account, Winner: m.Winner})
	}
	for _, m := range unknownAccounts {
		p.Warnings = append(p.Warnings, Warning{Kind: WarnUnknownAccount, Territory: m.Territory, Account: m.Account, Instance: m.Instance})
	}
	p.checkCountries(cfg)
	p.Warnings = append(p.Warnings, AttributeWarnings(cfg)...)
	if err := p.checkImports(ctx, db, cfg); err != nil {
		return nil, err
	}
	current, err := db.Territories(ctx)
	if err != nil {
		return nil, err
	}
	desired := territoryRows(cfg)
	if rs.Scope != nil {
		// A scoped apply writes its subtree's territories and no others.
		inScope := func(t query.TerritoryRow) bool { return slices.Contains(rs.Scope, t.ID) }
		current = slices.DeleteFunc(current, func(t query.TerritoryRow) bool { return !inScope(t) })
		desired = slices.DeleteFunc(desired, func(t query.TerritoryRow) bool { return !inScope(t) })
	}
	p.TerritoryChanges = diffTerritories(current, desired, now)
	if opts.Scope.Territory == "" {
		curRoster, err := db.Roster(ctx)
		if err != nil {
			return nil, err
		}
		curProducts, err := db.Products(ctx)
		if err != nil {
			return nil, err
		}
		p.ConfigChanges = diffConfigRows(curRoster, rosterRows(cfg), curProducts, productRows(cfg))
	}
	if err := p.previewPush(ctx, db, cfg, opts.Cache != nil && opts.Cache.Verify); err != nil {
		return nil, err
	}
	if p.Preview != nil {
		p.Preview.fillTargets(cfg, p.Scope.Territories)
		p.Preview.CycleTargets = p.CyclePlanTargets
	}
	p.summarize()
	return p, nil
}

// ruleFieldError points an unknown criterion field at the rules that use it.
func ruleFieldError(cfg *schema.Config, err error) error {
	var uf *query.UnknownFieldError
	if !errors.As(err, &uf) {
		return err
	}
	for _, r := range allRules(cfg) {
		for _, c := range r.Criteria {
			if c.Object == uf.Object && c.Field == uf.Field {
				return fmt.Errorf("%s: rule %s: %s.%s is not a field of the imported %s data (check the field name, or run alignctl import)", c.Pos, r.ID, c.Object, c.Field, c.Object)
			}
		}
	}
	return err
}

// territoryRows is the territory table as the config wants it.
func territoryRows(cfg *schema.Config) []query.TerritoryRow {
	var out []query.TerritoryRow
	for _, t := range cfg.Territories {
		out = append(out, query.TerritoryRow{ID: t.ID, Instance: t.CRMInstance, Name: t.Name, Parent: t.Parent,
			FieldForce: t.FieldForce, Country: t.Country, Start: utc(t.Start), End: utc(t.End), SendToCRM: t.SendToCRM,
			Attributes: cfg.PushedAttributes(t)})
	}
	return out
}

func diffTerritories(current, desired []query.TerritoryRow, now time.Time) []TerritoryChange {
	out := []TerritoryChange{}
	have := map[string]query.TerritoryRow{}
	for _, t := range current {
		have[t.ID] = t
	}
	for _, t := range desired {
		old, ok := have[t.ID]
		delete(have, t.ID)
		if !ok {
			out = append(out, TerritoryChange{Action: ConfigCreate, Territory: t.ID})
			continue
		}
		var fields []string
		add := func(name string, changed bool) {
			if changed {
				fields = append(fields, name)
			}
		}
		add("crm_instance", old.Instance != t.Instance)
		add("name", old.Name != t.Name)
		add("parent", old.Parent != t.Parent)
		add("field_force", old.FieldForce != t.FieldForce)
		add("country", old.Country != t.Country)
		add("start_date", !sameTime(old.Start, t.Start))
		add("end_date", !sameTime(old.End, t.End))
		add("send_to_crm", old.SendToCRM != t.SendToCRM)
		fields = append(fields, attributeChanges(old.Attributes, t.Attributes)...)
		if len(fields) > 0 {
			out = append(out, TerritoryChange{Action: ConfigUpdate, Territory: t.ID, Fields: fields})
		}
	}
	var gone []string
	for id, t := range have {
		if t.End == nil || t.End.After(now) {
			gone = append(gone, id)
		}
	}
	sort.Strings(gone)
	for _, id := range gone {
		out = append(out, TerritoryChange{Action: ConfigRemove, Territory: id})
	}
	return out
}

func (p *Plan) summarize() {
	s := Summary{PerTerritory: map[string]TerritoryCount{}}
	count := func(territory string, action query.ChangeAction, n int) {
		tc := s.PerTerritory[territory]
		switch action {
		case query.ChangeCreate:
			s.Create += n
			tc.Create += n
		case query.ChangeEnd:
			s.End += n
			tc.End += n
		case query.ChangeUpdate:
			s.Update += n
			tc.Update += n
		}
		s.PerTerritory[territory] = tc
	}
	if p.spool != nil {
		for _, c := range p.spool.counts {
			count(c.Territory, c.Action, c.N)
		}
	} else {
		for _, c := range p.AssignmentChanges {
			count(c.Territory, c.Action, 1)
		}
	}
	s.TerritoryChange = len(p.TerritoryChanges)
	s.ConfigChange = len(p.ConfigChanges)
	s.CRMChanges = p.crmCount()
	s.PendingPush = len(p.PendingPush)
	p.Summary = s
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// Territories lists the territories a plan touches, sorted.
func (p *Plan) Territories() []string {
	var out []string
	for t := range p.Summary.PerTerritory {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}

// checkCountries warns of territories whose country their instance's
// country filter does not select: Align does not master them in the CRM (a
// deactivated country, say), so a push leaves them and their account
// territories out.
func (p *Plan) checkCountries(cfg *schema.Config) {
	for _, t := range cfg.Territories {
		inst := cfg.Instance(t.CRMInstance)
		if inst == nil {
			continue
		}
		if sel := inst.SelectedCountries(); len(sel) > 0 && !slices.Contains(sel, t.Country) {
			p.Warnings = append(p.Warnings, Warning{Kind: WarnCountryNotSelected, Territory: t.ID, Country: t.Country, Instance: inst.ID, Countries: sel})
		}
	}
}

// checkImports warns when the inbound field mappings changed since an
// object's last full import: the state does not reflect them until alignctl
// import --full. A change of the country filter the next import follows
// itself (reconcile.Import): the plan says to run it.
func (p *Plan) checkImports(ctx context.Context, db *query.DB, cfg *schema.Config) error {
	mappings := Mappings(cfg)
	for _, inst := range cfg.Settings.CRMInstances {
		var stale []string
		for _, obj := range importObjects(cfg.CriterionObjects()) {
			changed, err := MappingChanged(ctx, db, inst.ID, obj.Name, mappings[obj.Name], inst.SelectedCountries())
			if err != nil {
				return err
			}
			if changed {
				stale = append(stale, obj.Name)
			}
		}
		if len(stale) > 0 {
			p.Warnings = append(p.Warnings, Warning{Kind: WarnStaleMappings, Instance: inst.ID, Objects: stale})
		}
		changed, err := countryFilterChanged(ctx, db, inst.ID, inst.SelectedCountries())
		if err != nil {
			return err
		}
		if changed {
			p.Warnings = append(p.Warnings, Warning{Kind: WarnCountryFilterChanged, Instance: inst.ID})
		}
	}
	return nil
}
