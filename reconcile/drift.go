package reconcile

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/alignctl/alignctl/crm"
	"github.com/alignctl/alignctl/query"
	"github.com/alignctl/alignctl/schema"
)

// DriftFormatVersion is the version of drift's JSON document. A new field
// keeps it; a field that changes meaning or goes moves it.
const DriftFormatVersion = "1.0"

// Drift kinds.
const (
	DriftDeleted = "deleted" // alignctl pushed the record; the CRM no longer has it
	DriftAdded   = "added"   // the CRM has a record alignctl neither pushed nor wants
	DriftChanged = "changed" // fields of a record alignctl pushed hold other values
)

// DriftReport is every difference between what alignctl last pushed and
// what the CRM holds, per instance. Self-assignments (account_territory__v
// records made in the CRM) are expected and listed apart.
type DriftReport struct {
	FormatVersion   string         `json:"format_version"`
	Now             time.Time      `json:"now"`
	Instances       []DriftSource  `json:"instances"`
	Drift           []DriftEntry   `json:"drift"`
	SelfAssignments []DriftEntry   `json:"self_assignments"`
	Summary         map[string]int `json:"summary"`
}

// DriftSource is one instance drift compared, and its last push.
type DriftSource struct {
	Instance string     `json:"instance"`
	LastPush *time.Time `json:"last_push"`
	// Notes say what could not be compared (nothing pushed yet, an apply
	// not pushed).
	Notes []string `json:"notes"`
}

// DriftEntry is one record that drifted. Key names the record as a person
// reads it: the territory with its name, the account with its name and the
// territory, the user and the territory.
type DriftEntry struct {
	Instance  string        `json:"instance"`
	Object    string        `json:"object"`
	Record    string        `json:"record"` // the CRM record id ("" when the CRM never told it)
	Key       string        `json:"key"`
	Kind      string        `json:"kind"`
	Territory string        `json:"territory,omitempty"`
	Account   string        `json:"account,omitempty"`
	User      string        `json:"user,omitempty"`
	Product   string        `json:"product,omitempty"`
	Changes   []DriftChange `json:"changes,omitempty"`
	// Restorable: the next push (after an import has read the CRM) puts
	// back what the config says. A territory__v record alignctl never
	// pushed is not deleted, nor an account territory moved to another
	// account or territory rewritten: the config or the CRM must change.
	Restorable bool `json:"restorable"`
}

// DriftChange is one field of a changed record.
type DriftChange struct {
	Field  string `json:"field"`
	Pushed string `json:"pushed"`
	CRM    string `json:"crm"`
}

// HasDrift says whether anything drifted (self-assignments are expected).
func (r *DriftReport) HasDrift() bool { return len(r.Drift) > 0 }

// CRMView is the CRM as drift sees it: every record of an object.
type CRMView struct {
	Records func(ctx context.Context, object string) ([]crm.Record, error)
	// Deleted, when set, says which records of an object the CRM reported
	// deleted: a record of territory__v or account_territory__v missing
	// from Records is deleted only if listed there. The state's copy lacks
	// the records a push created when reading them back failed.
	Deleted func(ctx context.Context, object string) (map[string]bool, error)
}

// ConnectorView reads the CRM as it is now, through the connector's export.
func ConnectorView(conn crm.Connector) CRMView {
	return CRMView{Records: func(ctx context.Context, object string) ([]crm.Record, error) {
		return ReadRecords(ctx, conn, object)
	}}
}

// StateView reads the CRM as the last import (or push) left it in the
// state: what plan can tell without calling the CRM.
func StateView(db *query.DB, instance string) CRMView {
	return CRMView{
		Records: func(ctx context.Context, object string) ([]crm.Record, error) {
			recs, err := db.CRMRecords(ctx, object, instance)
			out := make([]crm.Record, len(recs))
			for i, r := range recs {
				out[i] = r
			}
			return out, err
		},
		Deleted: func(ctx context.Context, object string) (map[string]bool, error) {
			return db.CRMDeleted(ctx, object, instance)
		},
	}
}

// gone says whether a record missing from the view was deleted.
func (d *drifter) gone(ctx context.Context, object, id string) (bool, error) {
	if d.view.Deleted == nil {
		return true, nil
	}
	if d.deleted[object] == nil {
		del, err := d.view.Deleted(ctx, object)
		if err != nil {
			return false, err
		}
		if d.deleted == nil {
			d.deleted = map[string]map[string]bool{}
		}
		d.deleted[object] = del
	}
	return d.deleted[object][id], nil
}

// Drift compares, per instance, what the state says alignctl last pushed
// with what view shows of the CRM. It writes nothing.
func Drift(ctx context.Context, db *query.DB, cfg *schema.Config, instances []*schema.CRMInstance, views map[string]CRMView, now time.Time) (*DriftReport, error) {
	r := &DriftReport{FormatVersion: DriftFormatVersion, Now: now.UTC(), Instances: []DriftSource{}, Drift: []DriftEntry{}, SelfAssignments: []DriftEntry{}}
	inactive := map[string]bool{}
	for _, m := range EffectiveMappings(cfg) {
		if m.Direction == "outbound" && m.Object == crm.Territory && !m.Active {
			inactive[m.CRMField] = true
		}
	}
	for _, inst := range instances {
		d := drifter{db: db, inst: inst.ID, countries: inst.SelectedCountries(), view: views[inst.ID], inactive: inactive, report: r}
		b, err := db.Baseline(ctx, inst.ID, d.countries, now)
		if err != nil {
			return nil, err
		}
		d.base = b
		src := DriftSource{Instance: inst.ID, Notes: []string{}}
		if !b.LastPush.IsZero() {
			t := b.LastPush
			src.LastPush = &t
		} else {
			src.Notes = append(src.Notes, "no push of every territory yet: only territories and account territories pushed so far are compared")
		}
		if !b.Settled && !b.LastPush.IsZero() {
			src.Notes = append(src.Notes, "an apply since the last push is not pushed yet: user territories and products are compared as of that push")
		}
		r.Instances = append(r.Instances, src)
		if err := d.territories(ctx); err != nil {
			return nil, err
		}
		if err := d.assignments(ctx, db); err != nil {
			return nil, err
		}
		if err := d.roster(ctx); err != nil {
			return nil, err
		}
	}
	less := func(a, b DriftEntry) int {
		return cmp.Or(cmp.Compare(a.Instance, b.Instance), cmp.Compare(a.Object, b.Object), cmp.Compare(a.Kind, b.Kind),
			cmp.Compare(a.Key, b.Key), cmp.Compare(a.Record, b.Record))
	}
	slices.SortFunc(r.Drift, less)
	slices.SortFunc(r.SelfAssignments, less)
	r.Summary = map[string]int{DriftDeleted: 0, DriftAdded: 0, DriftChanged: 0, "self_assignments": len(r.SelfAssignments)}
	for _, e := range r.Drift {
		r.Summary[e.Kind]++
	}
	return r, nil
}

type drifter struct {
	db        *query.DB
	inst      string
	countries []string
	view      CRMView
	base      *query.DriftBaseline
	inactive  map[string]bool // outbound territory__v fields a push does not write
	report    *DriftReport
	deleted   map[string]map[string]bool // object -> ids, from view.Deleted
	// territories are the CRM's territory__v records by id, once read.
	crmTerritories map[string]crm.Record
}

func (d *drifter) add(e DriftEntry) {
	e.Instance = d.inst
	e.Restorable = !(e.Object == crm.Territory && e.Kind == DriftAdded) && !(e.Object == crm.AccountTerritory && e.Kind == DriftChanged)
	d.report.Drift = append(d.report.Drift, e)
}

// territoryKey names a territory: its id and name.
func (d *drifter) territoryKey(id string) string {
	if name := d.base.Territory[id]; name != "" && name != id {
		return id + " (" + name + ")"
	}
	return id
}

// recordName names a territory__v record: the territory it stands for, or
// the name__v the CRM gives it.
func (d *drifter) recordName(crmID string) string {
	if crmID == "" {
		return ""
	}
	if id, ok := d.base.TerritoryOf[crmID]; ok {
		return id
	}
	if r, ok := d.crmTerritories[crmID]; ok && r["name__v"] != "" {
		return r["name__v"]
	}
	return crmID
}

func (d *drifter) territories(ctx context.Context) error {
	recs, err := d.view.Records(ctx, crm.Territory)
	if err != nil {
		return fmt.Errorf("drift %s: %w", d.inst, err)
	}
	d.crmTerritories = make(map[string]crm.Record, len(recs))
	for _, r := range recs {
		d.crmTerritories[r["id"]] = r
	}
	for _, t := range d.base.Territories {
		rec, ok := d.crmTerritories[t.CRMID]
		e := DriftEntry{Object: crm.Territory, Record: t.CRMID, Key: d.territoryKey(t.ID), Territory: t.ID}
		if !ok {
			if gone, err := d.gone(ctx, crm.Territory, t.CRMID); err != nil || !gone {
				if err != nil {
					return err
				}
				continue
			}
			e.Kind = DriftDeleted
			d.add(e)
			continue
		}
		pushed := map[string]string{"name__v": t.ID, "parent_territory__v": t.PushedParent}
		if t.Settled {
			// A territory the config changed since is pushed next anyway.
			pushed["description__v"], pushed["country__v"] = t.Name, t.Country
		}
		for _, f := range []string{"name__v", "description__v", "parent_territory__v", "country__v"} {
			want, ok := pushed[f]
			got, has := rec[f]
			if !ok || !has || d.inactive[f] || got == want {
				continue // a field the CRM's records lack is not compared
			}
			c := DriftChange{Field: f, Pushed: want, CRM: rec[f]}
			if f == "parent_territory__v" {
				c.Pushed, c.CRM = d.recordName(want), d.recordName(rec[f])
			}
			e.Changes = append(e.Changes, c)
		}
		if len(e.Changes) > 0 {
			e.Kind = DriftChanged
			d.add(e)
		}
	}
	for _, rec := range recs {
		if _, known := d.base.TerritoryOf[rec["id"]]; known {
			continue
		}
		// A record of a config territory's name is the one push links.
		if _, ok := d.base.Territory[rec["name__v"]]; ok {
			continue
		}
		if len(d.countries) > 0 && !slices.Contains(d.countries, rec["country__v"]) {
			continue // not mastered by Align in this instance
		}
		if m, err := time.Parse(time.RFC3339, rec["modified_date__v"]); d.base.FirstPush.IsZero() || (err == nil && m.Before(d.base.FirstPush)) {
			continue // in the CRM before alignctl pushed to it: not drift
		}
		key := rec["name__v"]
		if rec["description__v"] != "" && rec["description__v"] != key {
			key += " (" + rec["description__v"] + ")"
		}
		d.add(DriftEntry{Object: crm.Territory, Record: rec["id"], Key: key, Kind: DriftAdded, Territory: rec["name__v"]})
	}
	return nil
}

func (d *drifter) assignments(ctx context.Context, db *query.DB) error {
	recs, err := d.view.Records(ctx, crm.AccountTerritory)
	if err != nil {
		return fmt.Errorf("drift %s: %w", d.inst, err)
	}
	byID := make(map[string]crm.Record, len(recs))
	for _, r := range recs {
		byID[r["id"]] = r
	}
	ids, err := db.CRMIDs(ctx, d.inst)
	if err != nil {
		return err
	}
	var found []DriftEntry
	var accounts []string
	for _, a := range d.base.Assignments {
		e := DriftEntry{Object: crm.AccountTerritory, Record: a.CRMID, Account: a.Account, Territory: a.Territory}
		rec, ok := byID[a.CRMID]
		gone := false
		if !ok {
			if gone, err = d.gone(ctx, crm.AccountTerritory, a.CRMID); err != nil {
				return err
			}
		}
		switch {
		case !ok && !gone:
			continue
		case !ok:
			e.Kind = DriftDeleted
		case rec["account__v"] != a.Account || rec["territory__v"] != ids[a.Territory]:
			e.Kind = DriftChanged
			if rec["account__v"] != a.Account {
				e.Changes = append(e.Changes, DriftChange{Field: "account__v", Pushed: a.Account, CRM: rec["account__v"]})
			}
			if rec["territory__v"] != ids[a.Territory] {
				e.Changes = append(e.Changes, DriftChange{Field: "territory__v", Pushed: a.Territory, CRM: d.recordName(rec["territory__v"])})
			}
		default:
			continue
		}
		found = append(found, e)
		accounts = append(accounts, a.Account)
	}
	var self []DriftEntry
	for _, rec := range recs {
		if d.base.Known[rec["id"]] {
			continue
		}
		t, managed := d.base.TerritoryOf[rec["territory__v"]]
		if !managed {
			continue
		}
		self = append(self, DriftEntry{Instance: d.inst, Object: crm.AccountTerritory, Record: rec["id"], Kind: DriftAdded,
			Account: rec["account__v"], Territory: t})
		accounts = append(accounts, rec["account__v"])
	}
	names, err := db.AccountNames(ctx, d.inst, accounts)
	if err != nil {
		return err
	}
	key := func(e *DriftEntry) {
		acc := e.Account
		if n := names[acc]; n != "" {
			acc += " (" + n + ")"
		}
		e.Key = acc + " in " + d.territoryKey(e.Territory)
	}
	for i := range found {
		key(&found[i])
		d.add(found[i])
	}
	for i := range self {
		key(&self[i])
	}
	d.report.SelfAssignments = append(d.report.SelfAssignments, self...)
	return nil
}

// roster compares user_territory__v and my_setup_products__v records of
// the territories alignctl manages with the roster member territories and
// products it pushed.
func (d *drifter) roster(ctx context.Context) error {
	users, err := d.view.Records(ctx, crm.User)
	if err != nil {
		return fmt.Errorf("drift %s: %w", d.inst, err)
	}
	username := map[string]string{}
	for _, u := range users {
		username[u["id"]] = cmp.Or(u["username__sys"], u["federated_id__sys"], u["id"])
	}
	type pair = [2]string
	compare := func(object string, recs []crm.Record, fields [2]string, kept, any []pair, skip func(pair) bool, fill func(*DriftEntry, pair)) error {
		// The state's copy names the records the CRM no longer has.
		mirror, err := d.db.CRMRecords(ctx, object, d.inst)
		if err != nil {
			return err
		}
		was := map[pair]string{}
		for _, r := range mirror {
			if t, ok := d.base.TerritoryOf[r["territory__v"]]; ok {
				p := pair{r[fields[0]], r[fields[1]]}
				if fields[0] == "territory__v" {
					p[0] = t
				} else {
					p[1] = t
				}
				was[p] = r["id"]
			}
		}
		have := map[pair]string{}
		for _, r := range recs {
			t, managed := d.base.TerritoryOf[r["territory__v"]]
			if !managed {
				continue
			}
			p := pair{r[fields[0]], r[fields[1]]}
			if fields[0] == "territory__v" {
				p[0] = t
			} else {
				p[1] = t
			}
			have[p] = r["id"]
		}
		if d.base.Settled && !d.base.LastPush.IsZero() {
			for _, p := range kept {
				if _, ok := have[p]; !ok {
					e := DriftEntry{Object: object, Record: was[p], Kind: DriftDeleted}
					fill(&e, p)
					d.add(e)
				}
			}
		}
		if d.base.FirstPush.IsZero() {
			return nil // alignctl has not pushed: the CRM's records are no drift yet
		}
		wanted := map[pair]bool{}
		for _, p := range any {
			wanted[p] = true
		}
		for p, id := range have {
			if wanted[p] || skip(p) {
				continue
			}
			e := DriftEntry{Object: object, Record: id, Kind: DriftAdded}
			fill(&e, p)
			d.add(e)
		}
		return nil
	}
	uts, err := d.view.Records(ctx, crm.UserTerritory)
	if err != nil {
		return fmt.Errorf("drift %s: %w", d.inst, err)
	}
	err = compare(crm.UserTerritory, uts, [2]string{"user__v", "territory__v"}, d.base.UserTerritories, d.base.AnyUserTerritories,
		func(p pair) bool { return d.base.Unmastered[p[0]] },
		func(e *DriftEntry, p pair) {
			e.User, e.Territory = cmp.Or(username[p[0]], p[0]), p[1]
			e.Key = e.User + " in " + d.territoryKey(p[1])
		})
	msps, err := d.view.Records(ctx, crm.MySetupProducts)
	if err != nil {
		return fmt.Errorf("drift %s: %w", d.inst, err)
	}
	if err != nil {
		return err
	}
	return compare(crm.MySetupProducts, msps, [2]string{"territory__v", "product__v"}, d.base.Products, d.base.AnyProducts,
		func(pair) bool { return false },
		func(e *DriftEntry, p pair) {
			e.Territory, e.Product = p[0], p[1]
			e.Key = p[1] + " in " + d.territoryKey(p[0])
		})
}

// StateDrift is the drift the state already knows: the CRM as the last
// import read it against what alignctl last pushed. Plan and push say it
// without calling the CRM.
func StateDrift(ctx context.Context, db *query.DB, cfg *schema.Config, instances []*schema.CRMInstance, now time.Time) (*DriftReport, error) {
	views := map[string]CRMView{}
	for _, inst := range instances {
		views[inst.ID] = StateView(db, inst.ID)
	}
	return Drift(ctx, db, cfg, instances, views, now)
}

// DriftWarning is plan's warning when the CRM, as last imported, drifted
// from what alignctl pushed; nil when it did not.
//
// The state's copy of the CRM can only have drifted from what alignctl
// pushed after a push and an import that read the CRM anew: without a
// push there is nothing to drift from, and a push leaves the copy as it
// wrote it (its read-back of what it wrote, write_log.read_back, does not
// count). Otherwise the check is skipped: it reads every CRM assignment
// into memory (millions at 5M accounts).
func DriftWarning(ctx context.Context, db *query.DB, cfg *schema.Config, now time.Time) (*Warning, error) {
	var pushed, imported int64
	err := db.QueryRow(ctx, `SELECT
		(SELECT coalesce(max(serial), 0) FROM write_log WHERE command = 'push'),
		(SELECT coalesce(max(serial), 0) FROM write_log WHERE command = 'import' AND NOT coalesce(read_back, false))`).Scan(&pushed, &imported)
	if err != nil {
		return nil, err
	}
	if pushed == 0 || imported < pushed {
		return nil, nil
	}
	rep, err := StateDrift(ctx, db, cfg, cfg.Settings.CRMInstances, now)
	if err != nil || !rep.HasDrift() {
		return nil, err
	}
	return &Warning{Kind: WarnDrift, Deleted: rep.Summary[DriftDeleted], Added: rep.Summary[DriftAdded], Changed: rep.Summary[DriftChanged]}, nil
}
