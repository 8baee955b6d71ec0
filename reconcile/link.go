package reconcile

import (
	"context"
	"maps"
	"slices"

	"github.com/alignctl/alignctl/crm"
	"github.com/alignctl/alignctl/query"
)

// territorySync compares territory__v updates with the CRM's records as
// last imported. An update whose record already holds every field it would
// write is not sent: a push links it (records it as pushed, so that drift
// has what was pushed to compare with) and a plan does not list it. This is
// how the first push after adopt leaves the CRM exactly as it was, and how
// an update the config did not ask for is sent only to restore a record
// changed in the CRM since the last push.
type territorySync struct {
	ids      map[string]string // territory id -> territory__v record id
	outbound Outbound
}

func newTerritorySync(ctx context.Context, db *query.DB, instance string, outbound Outbound) (territorySync, error) {
	ids, err := db.CRMIDs(ctx, instance)
	return territorySync{ids: ids, outbound: outbound}, err
}

// fields are what an update of it writes, its parent as a record id.
func (s territorySync) fields(it query.PushItem) map[string]string {
	f := maps.Clone(s.outbound.Fields(it))
	f["parent_territory__v"] = s.ids[f["parent_territory__v"]]
	return f
}

// inSync says whether a territory__v update would write nothing new.
func (s territorySync) inSync(it query.PushItem) bool {
	return it.Object == crm.Territory && it.Action == query.CRMUpdate && holds(it.CRM, s.fields(it))
}

// unasked says whether a territory__v update is neither asked for by the
// config nor needed to restore the CRM's record: it is not pending at all.
// A record the import has not seen yet (created by the last push, whose
// read-back missed it) is taken as pushed.
func (s territorySync) unasked(it query.PushItem) bool {
	return it.Object == crm.Territory && it.Action == query.CRMUpdate && !it.Changed && (it.CRM == nil || s.inSync(it))
}

// holds says whether a CRM record holds every field of f (the external id
// aside, which only creates carry).
func holds(rec, f map[string]string) bool {
	if rec == nil {
		return false
	}
	for k, v := range f {
		if k != crm.ExternalID && rec[k] != v {
			return false
		}
	}
	return true
}

// mirrorColumns gives the state's copy of territory__v every field the
// territory writes of a push will write, before the push's transactions
// (DuckDB refuses a table altered in a transaction that also writes it):
// a write the read-back then misses is still in the copy, which the next
// push compares with.
func (p *pusher) mirrorColumns(ctx context.Context, items []query.PushItem) error {
	var fields []string
	for _, it := range items {
		if it.Object == crm.Territory && it.Action != query.CRMDelete {
			for k := range p.outbound.Fields(it) {
				if !slices.Contains(fields, k) {
					fields = append(fields, k)
				}
			}
		}
	}
	return p.db.AddCRMColumns(ctx, crm.Territory, fields)
}

// link takes out of a level of territory__v writes the updates whose
// records already hold what they would write (Fields built, the parent as a
// record id), and records them as pushed without a call to the CRM.
func (p *pusher) link(ctx context.Context, level []query.PushItem) ([]query.PushItem, error) {
	var linked []query.PushResult
	rest := level[:0]
	for _, it := range level {
		if it.Action == query.CRMUpdate && holds(it.CRM, it.Fields) {
			linked = append(linked, query.PushResult{Object: it.Object, Action: it.Action, Record: it.Record, CRMID: it.CRMID, Fields: it.Fields})
			continue
		}
		rest = append(rest, it)
	}
	if len(linked) == 0 {
		return rest, nil
	}
	return rest, p.db.Tx(ctx, func() error { return p.db.RecordPush(ctx, p.inst, linked, p.now) })
}
