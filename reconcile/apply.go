package reconcile

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/alignctl/alignctl/query"
	"github.com/alignctl/alignctl/schema"
)

// StaleError says a saved plan no longer fits the state or the config.
type StaleError struct{ Reason string }

func (e *StaleError) Error() string {
	return "stale plan: " + e.Reason + "; run alignctl plan again"
}

// ApplyOption changes how Apply treats a plan.
type ApplyOption func(*applyOptions)

type applyOptions struct {
	allowViolations bool
	overrides       []Override
	actor           string
}

// AllowViolations applies a plan that leaves territories outside the
// guardrails (apply --allow-violations).
func AllowViolations() ApplyOption { return func(o *applyOptions) { o.allowViolations = true } }

// ViolationError says a plan breaks the guardrails.
type ViolationError struct{ Violations []GuardrailViolation }

func (e *ViolationError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "the plan breaks the guardrails of settings (%d territories); fix the config, or pass --allow-violations", len(e.Violations))
	for _, v := range e.Violations {
		b.WriteString("\n" + v.Message)
	}
	return b.String()
}

// Apply writes a plan to the state in one transaction. It refuses a plan made
// against another state serial or another config: the plan reviewed is the
// plan applied, or nothing is. It judges the state the plan's writes leave
// (checkOutcome) itself, never trusting the plan's own account of it, and
// refuses a plan that breaks the guardrails unless AllowViolations; the
// plan's GuardrailViolations become what it found.
func Apply(ctx context.Context, db *query.DB, cfg *schema.Config, p *Plan, opts ...ApplyOption) error {
	var o applyOptions
	for _, opt := range opts {
		opt(&o)
	}
	if p.FormatVersion != FormatVersion && (p.FormatVersion != SavedFormatVersion || p.body == nil) {
		return fmt.Errorf("plan format_version %q is not %q: make the plan with this alignctl", p.FormatVersion, FormatVersion)
	}
	if p.Config.Hash != cfg.Hash {
		return &StaleError{Reason: "the config changed since the plan was made (" + configChange(p.Config, cfg) + ")"}
	}
	if err := checkOverrides(cfg, o.overrides); err != nil {
		return err
	}
	return db.Tx(ctx, func() error {
		serial, err := db.Serial(ctx)
		if err != nil {
			return err
		}
		if serial != p.StateSerial {
			writes, err := db.WritesSince(ctx, p.StateSerial)
			if err != nil {
				return err
			}
			if why := overlappingWrites(cfg, p, writes); why != "" {
				return &StaleError{Reason: fmt.Sprintf("the state changed since the plan was made (serial %d, now %d): %s", p.StateSerial, serial, why)}
			}
		}
		judge, err := startOutcome(ctx, db, cfg, p.Now)
		if err != nil {
			return err
		}
		if _, err := applyToState(ctx, db, cfg, p, planChanges); err != nil {
			return err
		}
		if p.GuardrailViolations, p.PolicyResults, err = judge.check(ctx, p.Scope); err != nil {
			return err
		}
		if err := refusePolicies(p.PolicyResults, o.overrides); err != nil {
			return err
		}
		if len(p.GuardrailViolations) > 0 && !o.allowViolations {
			return &ViolationError{Violations: p.GuardrailViolations}
		}
		newSerial, err := db.BumpSerial(ctx, query.Write{Command: "apply", At: p.Now, Scope: p.Scope.Territories})
		if err != nil {
			return err
		}
		if err := recordOverrides(ctx, db, p, o, newSerial); err != nil {
			return err
		}
		applied := p.Config.Hash
		if p.Config.Commit != "" && !p.Config.Dirty {
			applied = p.Config.Commit
		}
		if err := db.SetApplied(ctx, applied, p.Now); err != nil {
			return err
		}
		crashPoint(CrashApplyBeforeCommit)
		return nil
	})
}

// outcome judges the state an apply leaves, from inside its transaction:
// the accounts per territory before the apply's writes and after them. The
// guardrails and policies are judged here and not read from the plan, so
// that a plan file cannot carry its own verdict.
type outcome struct {
	db       *query.DB
	cfg      *schema.Config
	now      time.Time
	before   map[string]int
	policies []*schema.Policy
}

// startOutcome takes the figures before the apply writes; nothing when no
// check needs them (counting millions of assignments is not free).
func startOutcome(ctx context.Context, db *query.DB, cfg *schema.Config, now time.Time) (*outcome, error) {
	o := &outcome{db: db, cfg: cfg, now: now, policies: policiesOf(cfg)}
	if !o.needed() {
		return o, nil
	}
	var err error
	if o.before, err = db.AccountsPerTerritory(ctx, query.StateAssignments, now); err != nil {
		return nil, err
	}
	if needsMoves(o.policies) {
		err = db.SnapshotAlignment(ctx, now)
	}
	return o, err
}

// needed: the guardrails are policies too.
func (o *outcome) needed() bool { return len(o.policies) > 0 }

// check judges the state as the apply's writes left it: the guardrail
// violations and the policies' verdicts, counted as the plan counts them
// (Plan.balance, gatherMoves) over the plan's scope.
func (o *outcome) check(ctx context.Context, scope PlanScope) ([]GuardrailViolation, []PolicyResult, error) {
	if !o.needed() {
		return []GuardrailViolation{}, []PolicyResult{}, nil
	}
	after, err := o.db.AccountsPerTerritory(ctx, query.StateAssignments, o.now)
	if err != nil {
		return nil, nil, err
	}
	judged := Plan{Now: o.now, Scope: scope}
	judged.balance(o.cfg, o.before, after)
	moves, err := gatherMoves(ctx, o.db, o.cfg, o.policies, query.PolicyBefore, query.StateAssignments, o.now, nil)
	if err != nil {
		return nil, nil, err
	}
	return judged.GuardrailViolations, judgePolicies(o.policies, judged.Accounts, moves), nil
}

// assignmentWrites says where applyToState takes a plan's assignment changes from.
type assignmentWrites int

const (
	// planChanges: the plan's own: from its saved body, read in place, or
	// through the bulk appender (apply).
	planChanges assignmentWrites = iota
	// diffChanges: the plan's diff (Plan.diff), in place (the base side of
	// plan --base).
	diffChanges
	// previewChanges: none are written; applyToState returns the preview
	// of the records (the plan's push preview).
	previewChanges
)

// applyToState writes a plan's changes and the config's territories (a
// scoped plan: those of its subtree), and for a plan of the whole config the
// roster and products, and returns the relation that holds the assignment
// records afterwards. Apply and the plan's push preview both use it, so the
// preview sees what an apply writes; the preview's assignment records are
// the relation query.Diff.Preview returns, which TestPreviewDiffIsApply
// holds to what ApplyChanges writes.
func applyToState(ctx context.Context, db *query.DB, cfg *schema.Config, p *Plan, w assignmentWrites) (query.Assignments, error) {
	scoped := p.Scope.Territory != ""
	territories := territoryRows(cfg)
	if scoped {
		territories = slices.DeleteFunc(territories, func(t query.TerritoryRow) bool { return !slices.Contains(p.Scope.Territories, t.ID) })
	}
	if w != planChanges && p.diff == nil {
		return "", errors.New("internal error: a plan without its diff was applied from the diff")
	}
	after := query.StateAssignments
	var err error
	switch w {
	case planChanges:
		if p.body != nil {
			err = db.ApplyParquet(ctx, p.body.assignments, territories, scoped, p.Now)
			break
		}
		err = db.ApplyChanges(ctx, p.AssignmentChanges, territories, scoped, p.Now)
	case diffChanges:
		err = p.diff.Apply(ctx, territories, scoped, p.Now)
	case previewChanges:
		if after, err = p.diff.Preview(ctx); err == nil {
			err = db.WriteTerritories(ctx, territories, scoped, p.Now)
		}
	}
	var moved *query.MovedError
	if errors.As(err, &moved) {
		return "", &StaleError{Reason: moved.Error()}
	}
	if err != nil || scoped {
		return after, err
	}
	return after, db.WriteRosterAndProducts(ctx, rosterRows(cfg), productRows(cfg))
}

// configChange says how the config differs from the plan's: the files
// changed, added and removed, or the commits.
func configChange(was ConfigRef, cfg *schema.Config) string {
	var changed []string
	for f, h := range cfg.FileHashes {
		switch old, ok := was.Files[f]; {
		case !ok && was.Files != nil:
			changed = append(changed, f+" added")
		case ok && old != h:
			changed = append(changed, f+" changed")
		}
	}
	for f := range was.Files {
		if _, ok := cfg.FileHashes[f]; !ok {
			changed = append(changed, f+" removed")
		}
	}
	if len(changed) == 0 {
		return "content hash " + short(was.Hash) + ", now " + short(cfg.Hash)
	}
	slices.Sort(changed)
	if len(changed) > 5 {
		changed = append(changed[:5], fmt.Sprintf("and %d more files", len(changed)-5))
	}
	return strings.Join(changed, ", ")
}

// overlappingWrites says which writes since a plan was made make it stale:
// every write but an apply scoped to territories the plan does not touch,
// and then only when the plan is itself scoped ("multiple simultaneous
// previews as long as a preview does not overlap with any other preview's
// territory"). Territories of one exclusive field force count as
// overlapping: an account may belong to only one of them. "" when none does.
func overlappingWrites(cfg *schema.Config, p *Plan, writes []query.Write) string {
	mine := exclusiveClosure(cfg, p.Scope.Territories)
	var why []string
	for _, w := range writes {
		at := w.At.UTC().Format(time.RFC3339)
		switch {
		case w.Command == "apply" && w.Scope != nil && mine != nil:
			var shared []string
			for t := range exclusiveClosure(cfg, w.Scope) {
				if mine[t] {
					shared = append(shared, t)
				}
			}
			if len(shared) > 0 {
				slices.Sort(shared)
				why = append(why, fmt.Sprintf("an apply of a plan made at %s that overlaps this one (%s)", at, strings.Join(shared[:min(3, len(shared))], ", ")))
			}
		case w.Command == "apply" && w.Scope != nil:
			why = append(why, fmt.Sprintf("an apply of a plan made at %s, scoped to %d territories", at, len(w.Scope)))
		case w.Command == "apply":
			why = append(why, "an apply of a plan made at "+at)
		default:
			why = append(why, "an "+w.Command+" at "+at)
		}
	}
	if len(why) > 3 {
		why = append(why[:3], fmt.Sprintf("and %d more writes", len(why)-3))
	}
	return strings.Join(why, ", ")
}

// exclusiveClosure is a scope with every territory of the exclusive field
// forces it touches added; nil for nil (the whole config).
func exclusiveClosure(cfg *schema.Config, scope []string) map[string]bool {
	if scope == nil {
		return nil
	}
	out := map[string]bool{}
	exclusive := map[string]bool{}
	for _, t := range scope {
		out[t] = true
		if tt := cfg.Territory(t); tt != nil {
			if ff := cfg.FieldForce(tt.FieldForce); ff != nil && ff.Exclusive {
				exclusive[ff.ID] = true
			}
		}
	}
	for _, t := range cfg.Territories {
		if exclusive[t.FieldForce] {
			out[t.ID] = true
		}
	}
	return out
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}
