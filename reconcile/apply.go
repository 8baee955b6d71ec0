package reconcile

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/alignctl/alignctl/query"
	"github.com/alignctl/alignctl/schema"
)

// StaleError says a saved plan no longer fits the state or the config.
type StaleError struct{ Reason string }

func (e *StaleError) Error() string {
	return "stale plan: " + e.Reason + "; run alignctl plan again"
}

// Apply writes a plan to the state in one transaction. It refuses a plan made
// against another state serial or another config: the plan reviewed is the
// plan applied, or nothing is.
func Apply(ctx context.Context, db *query.DB, cfg *schema.Config, p *Plan) error {
	if p.FormatVersion != FormatVersion {
		return fmt.Errorf("plan format_version %q is not %q: make the plan with this alignctl", p.FormatVersion, FormatVersion)
	}
	if p.Config.Hash != cfg.Hash {
		return &StaleError{Reason: "the config changed since the plan was made (content hash " + short(p.Config.Hash) + ", now " + short(cfg.Hash) + ")"}
	}
	return db.Tx(ctx, func() error {
		serial, err := db.Serial(ctx)
		if err != nil {
			return err
		}
		if serial != p.StateSerial {
			return &StaleError{Reason: fmt.Sprintf("the state changed since the plan was made (serial %d, now %d)", p.StateSerial, serial)}
		}
		if err := applyToState(ctx, db, cfg, p); err != nil {
			return err
		}
		if _, err := db.BumpSerial(ctx); err != nil {
			return err
		}
		applied := p.Config.Hash
		if p.Config.Commit != "" && !p.Config.Dirty {
			applied = p.Config.Commit
		}
		return db.SetApplied(ctx, applied, p.Now)
	})
}

// applyToState writes a plan's changes and the config's territories (a
// scoped plan: those of its subtree), and for a plan of the whole config the
// roster and products. Apply and the plan's push preview both use it, so the
// preview sees exactly what an apply writes.
func applyToState(ctx context.Context, db *query.DB, cfg *schema.Config, p *Plan) error {
	changes := make([]query.Change, len(p.AssignmentChanges))
	for i, c := range p.AssignmentChanges {
		changes[i] = toQueryChange(c)
	}
	scoped := p.Scope.Territory != ""
	territories := territoryRows(cfg)
	if scoped {
		territories = slices.DeleteFunc(territories, func(t query.TerritoryRow) bool { return !slices.Contains(p.Scope.Territories, t.ID) })
	}
	err := db.ApplyChanges(ctx, changes, territories, scoped, p.Now)
	var moved *query.MovedError
	if errors.As(err, &moved) {
		return &StaleError{Reason: moved.Error()}
	}
	if err != nil || scoped {
		return err
	}
	return db.WriteRosterAndProducts(ctx, rosterRows(cfg), productRows(cfg))
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}
