package reconcile

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/alignctl/alignctl/crm"
	"github.com/alignctl/alignctl/query"
	"github.com/alignctl/alignctl/schema"
)

// PushOptions are the inputs of a push besides config, state and CRM.
type PushOptions struct {
	Now       time.Time
	Territory string // push only this territory and its descendants
	BatchSize int    // records per CRM call; when 0 the connector's (crm.Batcher), else 500 (Vault's limit)
	// Progress, when set, hears after each batch how many of an instance's
	// pending records are done.
	Progress func(instance string, done, total int)
}

// PushReport counts what a push wrote per instance and object.
type PushReport struct {
	Objects  []PushCount
	Failures []string
}

// PushCount is one object's share of a push.
type PushCount struct {
	Instance, Object                  string
	Created, Updated, Deleted, Failed int
}

// PushFailedError says some records could not be written; they stay pending
// and the next push tries them again.
type PushFailedError struct{ N int }

func (e *PushFailedError) Error() string {
	return fmt.Sprintf("push: %d records failed; they are kept and the next push retries them", e.N)
}

// Push writes to each CRM what the state holds and the CRM lacks: territories
// first (parents before children), then account territories, deleting the
// records of ended assignments. Each batch's results are committed to the
// state as soon as the CRM answers, so a push that stops half-way and runs
// again writes each record once.
func Push(ctx context.Context, db *query.DB, cfg *schema.Config, instances []*schema.CRMInstance, conns map[string]crm.Connector, opts PushOptions) (*PushReport, error) {
	now := opts.Now.UTC()
	var scope []string
	if opts.Territory != "" {
		if cfg.Territory(opts.Territory) == nil {
			return nil, fmt.Errorf("--territory %s: no such territory in the config", opts.Territory)
		}
		scope = Subtree(cfg, opts.Territory)
	}
	rep := &PushReport{}
	failed := 0
	// As Align's "Push to CRM" does, validate the integration user's
	// credentials first: a failed login changes nothing in the state.
	for _, inst := range instances {
		if _, err := conns[inst.ID].Fields(ctx, crm.Territory); err != nil && !errors.Is(err, crm.ErrUnknownObject) {
			return nil, fmt.Errorf("push %s: %w", inst.ID, err)
		}
	}
	for _, inst := range instances {
		p := pusher{db: db, conn: conns[inst.ID], inst: inst.ID, now: now, batch: batchSize(opts.BatchSize, conns[inst.ID]), counts: map[string]*PushCount{},
			outbound: NewOutbound(cfg)}
		// Account territories come without a map of fields (there may be
		// millions): write builds each batch's records as it sends them.
		var items []query.PushItem
		sync, err := newTerritorySync(ctx, db, inst.ID, p.outbound)
		if err != nil {
			return nil, err
		}
		err = db.EachPendingPush(ctx, query.StateAssignments, inst.ID, inst.SelectedCountries(), scope, cfg.Settings.InactiveAccountStatuses, now, func(it query.PushItem) error {
			if !sync.unasked(it) {
				items = append(items, it)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		if opts.Progress != nil {
			total := len(items)
			p.progress = func(done int) { opts.Progress(inst.ID, done, total) }
		}
		if err := p.mirrorColumns(ctx, items); err != nil {
			return nil, err
		}
		if err := p.push(ctx, items); err != nil {
			return nil, err
		}
		n := 0
		for _, obj := range []string{crm.Territory, crm.AccountTerritory, crm.UserTerritory, crm.MySetupProducts} {
			if c, ok := p.counts[obj]; ok {
				rep.Objects = append(rep.Objects, *c)
				n += c.Failed
			}
		}
		rep.Failures = append(rep.Failures, p.failures...)
		failed += n
		err = db.Tx(ctx, func() error {
			c := p.total()
			if err := db.LogPush(ctx, inst.ID, opts.Territory, now, c.Created, c.Updated, c.Deleted, c.Failed, c.Failed == 0); err != nil {
				return err
			}
			_, err := db.BumpSerial(ctx, query.Write{Command: "push", At: now})
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	if failed > 0 {
		return rep, &PushFailedError{N: failed}
	}
	return rep, nil
}

// batchSize is the records per CRM call: the option, else the connector's
// own (crm.Batcher), else 500, Vault's limit.
func batchSize(option int, conn crm.Connector) int {
	if option > 0 {
		return option
	}
	if b, ok := conn.(crm.Batcher); ok && b.BatchSize() > 0 {
		return b.BatchSize()
	}
	return 500
}

type pusher struct {
	db       *query.DB
	conn     crm.Connector
	inst     string
	now      time.Time
	batch    int
	counts   map[string]*PushCount
	failures []string
	done     int
	progress func(done int)
	// territoryIDs are the territory__v record ids, once every territory
	// is written.
	territoryIDs map[string]string
	// outbound says which fields a territory__v record gets.
	outbound Outbound
}

func (p *pusher) push(ctx context.Context, items []query.PushItem) error {
	// Territories, one depth level at a time, so a child can name its parent's record.
	// Territory records go last, children first, once nothing names them.
	// The other items stay in items, in order (a first push holds millions).
	var levels [][]query.PushItem
	var retired []query.PushItem
	assignments := items[:0]
	for _, it := range items {
		if it.Object != crm.Territory {
			assignments = append(assignments, it)
			continue
		}
		if it.Action == query.CRMDelete {
			retired = append(retired, it)
			continue
		}
		for len(levels) <= it.Depth {
			levels = append(levels, nil)
		}
		levels[it.Depth] = append(levels[it.Depth], it)
	}
	for _, level := range levels {
		ids, err := p.db.CRMIDs(ctx, p.inst)
		if err != nil {
			return err
		}
		for i := range level {
			f := maps.Clone(p.outbound.Fields(level[i]))
			f["parent_territory__v"] = ids[f["parent_territory__v"]]
			if level[i].Action == query.CRMCreate {
				f[crm.ExternalID] = ExternalID(level[i])
			}
			level[i].Fields = f
		}
		level, err := p.link(ctx, level)
		if err != nil {
			return err
		}
		if err := p.write(ctx, level); err != nil {
			return err
		}
	}
	ids, err := p.db.CRMIDs(ctx, p.inst)
	if err != nil {
		return err
	}
	p.territoryIDs = ids
	ready := assignments[:0]
	var unresolved []query.PushResult
	for _, it := range assignments {
		if it.Action == query.CRMCreate {
			if _, ok := ids[it.Territory]; !ok {
				unresolved = append(unresolved, query.PushResult{Object: it.Object, Action: it.Action, Record: it.Record,
					Err: "territory " + it.Territory + " has no territory__v record in the CRM yet"})
				continue
			}
			if it.Object != crm.AccountTerritory { // see fields
				f := maps.Clone(p.outbound.Fields(it))
				f["territory__v"] = ids[it.Territory]
				f[crm.ExternalID] = ExternalID(it)
				it.Fields = f
			}
		}
		ready = append(ready, it)
	}
	if len(unresolved) > 0 {
		if err := p.record(ctx, unresolved); err != nil {
			return err
		}
	}
	if err := p.write(ctx, ready); err != nil {
		return err
	}
	slices.SortStableFunc(retired, func(a, b query.PushItem) int { return b.Depth - a.Depth })
	return p.write(ctx, retired)
}

// fields are the fields a create or update writes. An account territory
// from EachPendingPush has none (there may be millions): its record is
// built here, one batch at a time, with its territory's record id and its
// external id.
func (p *pusher) fields(it query.PushItem) crm.Record {
	if it.Object == crm.AccountTerritory {
		return crm.Record{"account__v": it.Account, "territory__v": p.territoryIDs[it.Territory], crm.ExternalID: ExternalID(it)}
	}
	return crm.Record(it.Fields)
}

// ExternalID is the external id a create gives a record: a key of what
// the record stands for, so that a create sent twice (a retry after a lost
// response, a push run again after a crash) upserts the one record, and an
// import knows the record for alignctl's own. Keys longer than Vault's 100
// characters are hashed.
func ExternalID(it query.PushItem) string {
	var key string
	switch it.Object {
	case crm.Territory:
		key = "aln:ter:" + it.Record
	case crm.AccountTerritory:
		key = query.OwnAccountTerritory + it.Account + ":" + it.Territory
	case crm.UserTerritory:
		key = "aln:ut:" + it.Fields["user__v"] + ":" + it.Territory
	case crm.MySetupProducts:
		key = "aln:msp:" + it.Territory + ":" + it.Fields["product__v"]
	default:
		key = "aln:" + it.Object + ":" + it.Record
	}
	if len(key) > 100 {
		sum := sha256.Sum256([]byte(key))
		key = key[:strings.LastIndex(key[:60], ":")+1] + hex.EncodeToString(sum[:16])
	}
	return key
}

// write sends items to the CRM in batches of one object and action, and
// commits each batch's results before the next.
func (p *pusher) write(ctx context.Context, items []query.PushItem) error {
	for len(items) > 0 {
		n := 1
		for n < len(items) && n < p.batch && items[n].Object == items[0].Object && items[n].Action == items[0].Action {
			n++
		}
		batch := items[:n]
		items = items[n:]
		obj, action := batch[0].Object, batch[0].Action
		var res []crm.Result
		var err error
		switch action {
		case query.CRMCreate:
			recs := make([]crm.Record, len(batch))
			for i, it := range batch {
				recs[i] = p.fields(it)
			}
			res, err = p.conn.Create(ctx, obj, recs)
		case query.CRMUpdate:
			recs := make([]crm.Record, len(batch))
			for i, it := range batch {
				r := maps.Clone(p.fields(it))
				r["id"] = it.CRMID
				recs[i] = r
			}
			res, err = p.conn.Update(ctx, obj, recs)
		case query.CRMDelete:
			ids := make([]string, len(batch))
			for i, it := range batch {
				ids[i] = it.CRMID
			}
			res, err = p.conn.Delete(ctx, obj, ids)
		}
		crashPoint(CrashPushAfterWrite)
		crashPoint(CrashPushAfterWrite + ":" + obj)
		out := make([]query.PushResult, len(batch))
		for i, it := range batch {
			out[i] = query.PushResult{Object: obj, Action: action, Record: it.Record, CRMID: it.CRMID, Fields: it.Fields}
			switch {
			case err != nil:
				out[i].Err = err.Error()
			case i >= len(res):
				out[i].Err = "the CRM returned no result for this record"
			case res[i].Err != nil:
				out[i].Err = res[i].Err.Error()
			default:
				if action == query.CRMCreate {
					out[i].CRMID = res[i].ID
				}
			}
		}
		if err := p.record(ctx, out); err != nil {
			return err
		}
	}
	return nil
}

func (p *pusher) record(ctx context.Context, results []query.PushResult) error {
	for _, r := range results {
		c := p.counts[r.Object]
		if c == nil {
			c = &PushCount{Instance: p.inst, Object: r.Object}
			p.counts[r.Object] = c
		}
		switch {
		case r.Err != "":
			c.Failed++
			p.failures = append(p.failures, fmt.Sprintf("%s %s %s %s: %s", p.inst, r.Object, r.Action, r.Record, r.Err))
		case r.Action == query.CRMCreate:
			c.Created++
		case r.Action == query.CRMUpdate:
			c.Updated++
		case r.Action == query.CRMDelete:
			c.Deleted++
		}
	}
	p.done += len(results)
	if p.progress != nil {
		p.progress(p.done)
	}
	return p.db.Tx(ctx, func() error {
		if err := p.db.RecordPush(ctx, p.inst, results, p.now); err != nil {
			return err
		}
		return p.db.MirrorTerritoryUpdates(ctx, p.inst, results)
	})
}

func (p *pusher) total() PushCount {
	var t PushCount
	for _, c := range p.counts {
		t.Created += c.Created
		t.Updated += c.Updated
		t.Deleted += c.Deleted
		t.Failed += c.Failed
	}
	return t
}
