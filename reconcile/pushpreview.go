package reconcile

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/alignctl/alignctl/crm"
	"github.com/alignctl/alignctl/query"
	"github.com/alignctl/alignctl/schema"
)

// previewPush lists the CRM records a push would write after this plan is
// applied, and apart from them those an earlier apply already left pending;
// and counts the accounts of each territory before and after, for the
// balance.
//
// The side before reads the whole alignment. The side after reads only the
// accounts the plan changes when they are few (changedAccounts): every other
// account holds the same records on both sides, so its counts and its
// pending records are the side before's. With verify (the test suites'
// ALIGNCTL_PLAN_CACHE=verify) the side after is read whole as well, and a
// difference fails the plan.
func (p *Plan) previewPush(ctx context.Context, db *query.DB, cfg *schema.Config, verify bool) error {
	countsBefore, err := db.AccountsPerTerritory(ctx, query.StateAssignments, p.Now)
	if err != nil {
		return err
	}
	countsAfter := countsBefore
	policies := policiesOf(cfg)
	moves, err := gatherMoves(ctx, db, cfg, nil, query.StateAssignments, query.StateAssignments, p.Now, nil)
	if err != nil {
		return err
	}
	var crmChanges, pendingPush []CRMChange
	if !p.HasChanges() && p.Preview == nil {
		// Applying nothing leaves the state as it is: all a push would write
		// is already pending, and one read finds it.
		err = eachPendingPush(ctx, db, query.StateAssignments, cfg, p.Scope.Territories, p.Now, func(c CRMChange) error {
			pendingPush = append(pendingPush, c)
			return nil
		})
		if err == nil {
			err = p.cyclePlanTargets(ctx, db, cfg, query.StateAssignments, query.StateAssignments)
		}
	} else {
		var changed *changedAccounts
		if changed, err = p.changedAccounts(ctx, countsBefore); err != nil {
			return err
		}
		pending := map[pushKey]bool{}
		var unchanged []CRMChange // the unchanged accounts' records, when changed
		err = eachPendingPush(ctx, db, query.StateAssignments, cfg, p.Scope.Territories, p.Now, func(c CRMChange) error {
			pending[keyOf(c)] = true
			if changed != nil && c.Object == crm.AccountTerritory && !changed.has[c.Fields[0].Value] {
				unchanged = append(unchanged, c)
			}
			return nil
		})
		if err != nil {
			return err
		}
		// A spooled plan writes its CRM changes to its body as they come.
		// Others are sized for one record write per change (a territory's
		// change may make more: the slice grows then), so that they are not
		// copied as the slice grows.
		var spool *crmSpool
		if p.spool != nil {
			if spool, err = newCRMSpool(p.body.dir); err != nil {
				return err
			}
			defer func() {
				if spool != nil {
					spool.abandon()
				}
			}()
			crmChanges = []CRMChange{}
		} else {
			crmChanges = make([]CRMChange, 0, len(p.AssignmentChanges)+len(p.TerritoryChanges)+len(p.ConfigChanges))
		}
		classify := func(c CRMChange) error {
			switch {
			case len(pending) > 0 && pending[keyOf(c)]:
				pendingPush = append(pendingPush, c)
			case spool != nil:
				return spool.add(c)
			default:
				crmChanges = append(crmChanges, c)
			}
			return nil
		}
		err = db.DryRun(ctx, func() error {
			after, err := applyToState(ctx, db, cfg, p, previewChanges)
			if err != nil {
				return err
			}
			if err := p.cyclePlanTargets(ctx, db, cfg, query.StateAssignments, after); err != nil {
				return err
			}
			if moves, err = gatherMoves(ctx, db, cfg, policies, query.StateAssignments, after, p.Now, p.CyclePlanTargets); err != nil {
				return err
			}
			if p.Preview != nil {
				if p.Preview.Assignments, err = db.UniqueAssignments(ctx, after, p.Scope.Territories, p.Now); err != nil {
					return err
				}
			}
			if changed == nil {
				if countsAfter, err = db.AccountsPerTerritory(ctx, after, p.Now); err != nil {
					return err
				}
				return eachPendingPush(ctx, db, after, cfg, p.Scope.Territories, p.Now, classify)
			}
			if countsAfter, err = changed.countsAfter(ctx, db, countsBefore, after, p.Now); err != nil {
				return err
			}
			afterChanged, err := changed.set.Of(after)
			if err != nil {
				return err
			}
			var changedItems []CRMChange
			err = eachPendingPush(ctx, db, afterChanged, cfg, p.Scope.Territories, p.Now, func(c CRMChange) error {
				changedItems = append(changedItems, c)
				return nil
			})
			if err != nil {
				return err
			}
			items := mergePending(cfg, changedItems, unchanged)
			if verify {
				if err := verifyPending(ctx, db, cfg, p, after, items, countsAfter); err != nil {
					return err
				}
			}
			for _, c := range items {
				if err := classify(c); err != nil {
					return err
				}
			}
			return nil
		})
		if err == nil && spool != nil {
			err = spool.finish(ctx, db, p.body.crm)
			p.spool.crm, spool = spool, nil
		}
		if p.Preview != nil {
			p.Preview.counts = [2]map[string]int{countsBefore, countsAfter}
		}
	}
	if err != nil {
		return err
	}
	p.balance(cfg, countsBefore, countsAfter)
	p.PolicyResults = judgePolicies(policies, p.Accounts, moves)
	if crmChanges != nil {
		p.CRMChanges = crmChanges
	}
	if pendingPush != nil {
		p.PendingPush = pendingPush
	}
	return nil
}

// pushKey is a pending record write.
type pushKey struct {
	object string
	action query.CRMAction
	record string
}

func keyOf(c CRMChange) pushKey { return pushKey{c.Object, c.Action, c.Record} }

// changedAccounts are the accounts a plan's assignment changes touch, when
// reading only theirs after the apply pays: they are under a quarter of the
// accounts the territories hold, and no territory changes (a territory's
// country, instance or send_to_crm changes the pending records of all its
// accounts).
type changedAccounts struct {
	set *query.Touched
	has map[string]bool
}

// changedAccounts returns nil when the side after is to be read whole.
func (p *Plan) changedAccounts(ctx context.Context, countsBefore map[string]int) (*changedAccounts, error) {
	held := 0
	for _, n := range countsBefore {
		held += n
	}
	if p.diff == nil || len(p.TerritoryChanges) > 0 || 4*p.changeCount() >= held {
		return nil, nil
	}
	set, err := p.diff.Touched(ctx, nil)
	if err != nil {
		return nil, err
	}
	has := make(map[string]bool, p.changeCount())
	if p.spool != nil {
		accounts, err := set.Accounts(ctx)
		if err != nil {
			return nil, err
		}
		for _, a := range accounts {
			has[a] = true
		}
	} else {
		for _, c := range p.AssignmentChanges {
			has[c.Account] = true
		}
	}
	return &changedAccounts{set: set, has: has}, nil
}

// countsAfter is countsBefore with the changed accounts counted again in
// after: the counts are of distinct accounts, which the changed accounts
// and the others share none of.
func (c *changedAccounts) countsAfter(ctx context.Context, db *query.DB, countsBefore map[string]int, after query.Assignments, now time.Time) (map[string]int, error) {
	out := maps.Clone(countsBefore)
	for i, from := range []query.Assignments{query.StateAssignments, after} {
		of, err := c.set.Of(from)
		if err != nil {
			return nil, err
		}
		counts, err := db.AccountsPerTerritory(ctx, of, now)
		if err != nil {
			return nil, err
		}
		sign := []int{-1, 1}[i]
		for t, n := range counts {
			out[t] += sign * n
		}
	}
	for t, n := range out {
		if n == 0 {
			delete(out, t)
		}
	}
	return out, nil
}

// mergePending puts the unchanged accounts' pending account territories
// among the records read for the changed accounts, in the order a read of
// every account gives: instance by instance, its territories, then its
// account territories by territory, account and record, then the rest.
func mergePending(cfg *schema.Config, changed, unchanged []CRMChange) []CRMChange {
	out := make([]CRMChange, 0, len(changed)+len(unchanged))
	for _, inst := range cfg.Settings.CRMInstances {
		of := func(list []CRMChange) []CRMChange {
			i := slices.IndexFunc(list, func(c CRMChange) bool { return c.Instance == inst.ID })
			if i < 0 {
				return nil
			}
			j := i
			for j < len(list) && list[j].Instance == inst.ID {
				j++
			}
			return list[i:j]
		}
		ch, un := of(changed), of(unchanged)
		i := 0
		for i < len(ch) && ch[i].Object == crm.Territory {
			out = append(out, ch[i])
			i++
		}
		j := 0
		for i < len(ch) && ch[i].Object == crm.AccountTerritory {
			for j < len(un) && accountTerritoryLess(un[j], ch[i]) {
				out = append(out, un[j])
				j++
			}
			out = append(out, ch[i])
			i++
		}
		out = append(out, un[j:]...)
		out = append(out, ch[i:]...)
	}
	return out
}

// accountTerritoryLess orders account territory writes as
// query.EachPendingPush does: by territory, account, then record.
func accountTerritoryLess(a, b CRMChange) bool {
	if a.Fields[1].Value != b.Fields[1].Value {
		return a.Fields[1].Value < b.Fields[1].Value
	}
	if a.Fields[0].Value != b.Fields[0].Value {
		return a.Fields[0].Value < b.Fields[0].Value
	}
	return a.Record < b.Record
}

// verifyPending reads the side after whole and fails unless it finds the
// records and counts that the changed accounts' read and the side before
// made.
func verifyPending(ctx context.Context, db *query.DB, cfg *schema.Config, p *Plan, after query.Assignments, items []CRMChange, counts map[string]int) error {
	var whole []CRMChange
	err := eachPendingPush(ctx, db, after, cfg, p.Scope.Territories, p.Now, func(c CRMChange) error {
		whole = append(whole, c)
		return nil
	})
	if err != nil {
		return err
	}
	wholeCounts, err := db.AccountsPerTerritory(ctx, after, p.Now)
	if err != nil {
		return err
	}
	if !slices.EqualFunc(whole, items, func(a, b CRMChange) bool { return fmt.Sprint(a) == fmt.Sprint(b) }) || !maps.Equal(wholeCounts, counts) {
		return fmt.Errorf("internal error: the push preview read for the changed accounts (%d records, %d territories) differs from the whole read (%d, %d)",
			len(items), len(counts), len(whole), len(wholeCounts))
	}
	return nil
}

// eachPendingPush calls each with the records a push would write, instance
// by instance. An account territory's two fields are built here, not read
// as a map per record: a first plan has millions of them.
func eachPendingPush(ctx context.Context, db *query.DB, from query.Assignments, cfg *schema.Config, scope []string, now time.Time, each func(CRMChange) error) error {
	outbound := NewOutbound(cfg)
	for _, inst := range cfg.Settings.CRMInstances {
		sync, err := newTerritorySync(ctx, db, inst.ID, outbound)
		if err != nil {
			return err
		}
		err = db.EachPendingPush(ctx, from, inst.ID, inst.SelectedCountries(), scope, cfg.Settings.InactiveAccountStatuses, now, func(it query.PushItem) error {
			if sync.inSync(it) { // linked by the push, not written
				return nil
			}
			c := CRMChange{Instance: inst.ID, Object: it.Object, Action: it.Action, Record: it.Record}
			if it.Object == crm.AccountTerritory { // EachPendingPush leaves their Fields nil
				c.Fields = CRMFields{{Name: "account__v", Value: it.Account}, {Name: "territory__v", Value: it.Territory}}
			} else {
				c.Fields = crmFieldsOf(outbound.Fields(it))
			}
			return each(c)
		})
		if err != nil {
			return err
		}
	}
	return nil
}
