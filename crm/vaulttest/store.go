package vaulttest

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/alignctl/alignctl/crm"
)

// Field names every object has.
const (
	FieldID           = "id"
	FieldModifiedDate = "modified_date__v"
)

// MaxBatch is the most records one create, update or delete call takes
// (Vault's documented "maximum batch size is 500").
const MaxBatch = 500

// stampLayout is how Vault renders a DateTime field in JSON: UTC with
// milliseconds ("2016-01-20T05:24:20.000Z").
const stampLayout = "2006-01-02T15:04:05.000Z"

// DefaultSchema is the fake's vault before any seeding: the objects alignctl
// reads and writes (DESIGN.md section 3) with the fields it relies on. Seeding
// adds objects and fields; WithSchema replaces this.
func DefaultSchema() map[string][]string {
	return map[string][]string{
		crm.Account:          {FieldID, "name__v", "country__v", "record_type__v", "primary_parent__v", "specialty_1__v", FieldModifiedDate},
		crm.Address:          {FieldID, "account__v", "country__v", "postal_code__v", "primary__v", FieldModifiedDate},
		crm.ChildAccount:     {FieldID, "parent_account__v", "child_account__v", FieldModifiedDate},
		crm.ProductMetrics:   {FieldID, "account__v", "product__v", FieldModifiedDate},
		crm.Call:             {FieldID, "account__v", "call_date__v", FieldModifiedDate},
		crm.User:             {FieldID, "username__sys", "federated_id__sys", "status__v", FieldModifiedDate},
		crm.Territory:        {FieldID, "name__v", "description__v", "parent_territory__v", "country__v", crm.ExternalID, FieldModifiedDate},
		crm.AccountTerritory: {FieldID, "account__v", "territory__v", "created_by__v", crm.ExternalID, FieldModifiedDate},
		crm.UserTerritory:    {FieldID, "user__v", "territory__v", crm.ExternalID, FieldModifiedDate},
		crm.MySetupProducts:  {FieldID, "territory__v", "product__v", crm.ExternalID, FieldModifiedDate},
		// Multichannel Cycle Plans, as Vault CRM help describes them
		// ("Configuring Multichannel Cycle Plans", "Creating Multichannel
		// Cycle Plans": vaultcrmhelp.veeva.com/doc/Content/CRM_topics/
		// CyclePlans/MCCP/ConfigMCCP.htm and .../Creating/CreateMCCP.htm):
		// the cycle with its dates and mc_cycle_status__v; the plan linking
		// a territory to the cycle, with mc_cycle_plan_status__v (planned__v,
		// in_progress__v, completed__v); the target, "high-priority target
		// accounts, along with overall channel and product goals". The goal
		// fields are those Veeva support names on the target ("Channel
		// Interactions Goal", "Product Interactions Goal").
		crm.MCCycle:           {FieldID, "name__v", "start_date__v", "end_date__v", "mc_cycle_status__v", "status__v", FieldModifiedDate},
		crm.MCCyclePlan:       {FieldID, "name__v", "cycle__v", "territory__v", "mc_cycle_plan_status__v", "status__v", FieldModifiedDate},
		crm.MCCyclePlanTarget: {FieldID, "cycle_plan__v", "target__v", "channel_interactions_goal__v", "product_interactions_goal__v", FieldModifiedDate},
	}
}

// idPrefixes are the three-character key prefixes of new record ids, the way
// every Vault object has one (object metadata "prefix").
var idPrefixes = map[string]string{
	crm.Account:           "VAC",
	crm.Address:           "VAD",
	crm.ChildAccount:      "VCA",
	crm.ProductMetrics:    "VPM",
	crm.Call:              "VCL",
	crm.User:              "VUS",
	crm.Territory:         "VTR",
	crm.AccountTerritory:  "VAT",
	crm.UserTerritory:     "VUT",
	crm.MySetupProducts:   "VMS",
	crm.MCCycle:           "VCY",
	crm.MCCyclePlan:       "VCP",
	crm.MCCyclePlanTarget: "VCT",
}

// IDPrefix is the prefix of the ids the fake gives new records of object:
// V plus a two-letter code (VTR for territory__v, VAT for
// account_territory__v, ...; other objects: V and the first two letters of
// the name, upper-cased). A new id is the prefix and a 12-digit sequence,
// 15 characters like a real Vault id.
func IDPrefix(object string) string {
	if p, ok := idPrefixes[object]; ok {
		return p
	}
	var b strings.Builder
	b.WriteByte('V')
	for _, r := range object {
		if b.Len() == 3 {
			break
		}
		if 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' {
			b.WriteRune(r)
		}
	}
	for b.Len() < 3 {
		b.WriteByte('X')
	}
	return strings.ToUpper(b.String())
}

// Deletion is one entry of the deletion log, which the deletions endpoint
// serves.
type Deletion struct {
	Object      string
	ID          string
	DeletedDate string
	// MergedInto is the winning record when a merge deleted this one; "".
	MergedInto string
}

// object is one Vault object: its fields in order and its records by id.
type object struct {
	name   string
	fields []string
	has    map[string]bool
	rows   map[string]map[string]string
}

func newObject(name string, fields []string) *object {
	o := &object{name: name, has: map[string]bool{}, rows: map[string]map[string]string{}}
	o.addFields(FieldID)
	o.addFields(fields...)
	o.addFields(FieldModifiedDate)
	return o
}

// addFields appends the fields the object lacks, in the order given.
func (o *object) addFields(fields ...string) {
	for _, f := range fields {
		if f != "" && !o.has[f] {
			o.has[f] = true
			o.fields = append(o.fields, f)
		}
	}
}

// findBy returns the id of the record whose field holds value, "" when
// none does.
func (o *object) findBy(field, value string) string {
	for _, id := range o.sortedIDs() {
		if o.rows[id][field] == value {
			return id
		}
	}
	return ""
}

// sortedIDs lists the object's record ids in order.
func (o *object) sortedIDs() []string {
	return slices.Sorted(maps.Keys(o.rows))
}

// store is the fake vault's data. The Server's mutex guards it.
type store struct {
	objects   map[string]*object
	deletions []Deletion
	used      map[string]bool // every id ever held by a record, deleted ones included
	seq       int64           // last sequence given to a new id, server-wide
}

func newStore(schema map[string][]string) *store {
	st := &store{objects: map[string]*object{}, used: map[string]bool{}}
	for _, name := range slices.Sorted(maps.Keys(schema)) {
		st.objects[name] = newObject(name, schema[name])
	}
	return st
}

// object returns the named object, creating it when create is set.
func (st *store) object(name string, create bool) *object {
	o := st.objects[name]
	if o == nil && create {
		o = newObject(name, nil)
		st.objects[name] = o
	}
	return o
}

// newID returns a fresh id for object: one sequence, shared by all objects,
// only ever moves forward, and an id some record ever had (seeded ones
// included) is skipped, so ids are never reused.
func (st *store) newID(object string) string {
	prefix := IDPrefix(object)
	for {
		st.seq++
		id := fmt.Sprintf("%s%012d", prefix, st.seq)
		if !st.used[id] {
			st.used[id] = true
			return id
		}
	}
}

// seed puts rows into object as they are (ids and values verbatim); a row
// without an id gets a fresh one. header orders the object's new fields.
func (st *store) seed(name string, header []string, rows []map[string]string, stamp string) {
	if name == crm.Deletions {
		for _, r := range rows {
			d := Deletion{Object: r["object"], ID: r[FieldID], DeletedDate: r["deleted_date"], MergedInto: r["merged_into"]}
			if d.Object == "" || d.ID == "" {
				panic(fmt.Sprintf("vaulttest: seeded deletion %v needs object and id", r))
			}
			st.object(d.Object, true)
			st.deletions = append(st.deletions, d)
			st.used[d.ID] = true
		}
		return
	}
	o := st.objects[name]
	if o == nil {
		fields := header
		if fields == nil {
			seen := map[string]bool{}
			for _, r := range rows {
				for f := range r {
					seen[f] = true
				}
			}
			fields = slices.Sorted(maps.Keys(seen))
		}
		o = newObject(name, fields)
		st.objects[name] = o
	}
	o.addFields(header...)
	for _, r := range rows {
		o.addFields(slices.Sorted(maps.Keys(r))...)
		rec := maps.Clone(r)
		if rec[FieldID] == "" {
			rec[FieldID] = st.newID(name)
		}
		if _, ok := rec[FieldModifiedDate]; !ok {
			rec[FieldModifiedDate] = stamp
		}
		o.rows[rec[FieldID]] = rec
		st.used[rec[FieldID]] = true
	}
}

// delete removes a record and logs it.
func (st *store) delete(o *object, id, stamp, mergedInto string) {
	delete(o.rows, id)
	st.deletions = append(st.deletions, Deletion{Object: o.name, ID: id, DeletedDate: stamp, MergedInto: mergedInto})
}

// stampOf renders t as Vault renders DateTime values.
func stampOf(t time.Time) string {
	return t.UTC().Format(stampLayout)
}

// parseInstant reads an RFC 3339 date-time, or a bare date as its midnight
// UTC (as the deletions endpoint and VQL take them).
func parseInstant(s string) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, true
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, true
	}
	return time.Time{}, false
}

// compareValues orders two field values: as instants when both are dates or
// date-times (so "…:00Z" and "…:00.000Z" are the same time), else as text.
func compareValues(a, b string) int {
	ta, okA := parseInstant(a)
	tb, okB := parseInstant(b)
	if okA && okB {
		return ta.Compare(tb)
	}
	return strings.Compare(a, b)
}
