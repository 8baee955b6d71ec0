package reconcile

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/alignctl/alignctl/crm"
	"github.com/alignctl/alignctl/query"
	"github.com/alignctl/alignctl/schema"
)

// ImportOptions are the inputs of an import besides config, state and CRM.
type ImportOptions struct {
	Now  time.Time
	Full bool // re-read everything, not only what changed since the last import
	// MappedObjects are the objects inbound field mappings add (with an
	// account__v key), imported beside the standard ones.
	MappedObjects []string
	// Only, when set, imports just these objects (a push re-reads the
	// objects it wrote).
	Only []string
	// ReadBack says the import is a push's read-back of what it wrote
	// (write_log.read_back): the plan's drift check waits for another.
	ReadBack bool
	// Progress, when set, hears of each object as its import starts.
	Progress func(instance, object string)
	// Mappings shape what lands per object: fields of deactivated system
	// mappings are left out, and a field a mapping names that the CRM
	// lacks is warned about. nil: no mappings.
	Mappings map[string]ObjectMapping
}

// ObjectMapping is the inbound field mapping of one object, as import uses it.
type ObjectMapping struct {
	Drop   []string // fields of deactivated system mappings
	Expect []string // fields the mapping names (active system and custom)
	// Rename gives custom fields their align_field names in the state.
	Rename []FieldRename
}

// FieldRename is a custom mapping whose align_field differs from its crm_field.
type FieldRename struct {
	From, To string
	Pos      schema.Pos // the mapping in the config
}

// ImportReport is what an import read and took, per instance and object.
type ImportReport struct {
	Objects  []ObjectReport
	Warnings []Warning
	// Notes say what the import did beyond reading changed records:
	// accounts that entered or left the selected countries.
	Notes []string
}

// changesCRMData reports whether the import may have changed the CRM data
// rules read, that is anything besides the records a push writes: a full
// import of any object, or records (or deletions) loaded. The evaluation
// cache keys on the last such import (query.EvalCache), so that the import
// after a push does not cost the next plan its evaluation.
func (r *ImportReport) changesCRMData() bool {
	for _, o := range r.Objects {
		if o.Object == crm.Deletions {
			if slices.ContainsFunc(o.Deleted, readByRules) {
				return true
			}
			continue
		}
		if readByRules(o.Object) && (o.Full || o.Loaded > 0 || o.Dropped > 0) {
			return true
		}
	}
	return false
}

// readByRules reports whether rules may read an object's records: not the
// objects a push writes, nor the cycle plans, which every plan reads afresh
// (and which Vault recalculates often: their imports must not cost the
// next plan its evaluation).
func readByRules(object string) bool {
	return !slices.Contains(PushedObjects, object) && !slices.Contains(CyclePlanObjects, object)
}

// ObjectReport is one object's share of an import.
type ObjectReport struct {
	Instance string
	Object   string
	Full     bool
	Read     int64
	Loaded   int64
	Filtered int64
	Errors   int64
	// Dropped counts the records of accounts that left the selected
	// countries, removed from the state.
	Dropped int64
	// Deleted lists, for deletions, the objects of the deletions new to
	// the state.
	Deleted []string
}

// Source is one CRM instance to import: its id, the connector, and its
// country filter. The data loader folder is a Source too.
type Source struct {
	Instance  string
	CRM       crm.Connector
	Countries []string
}

// PushedObjects are the objects a push writes, which it re-imports after
// writing: the integration seed's "both push processes import all new
// account_territory__v records into Align".
var PushedObjects = []string{crm.Territory, crm.AccountTerritory, crm.UserTerritory, crm.MySetupProducts, crm.Deletions}

// Import reads each source's objects into the state in one transaction:
// incrementally from each object's process-monitor watermark, or all of it
// with Full. A file that cannot be read as the snapshot format aborts the
// whole import and leaves the state as it was; a well-formed record that
// cannot be taken is counted as an error of its object.
func Import(ctx context.Context, db *query.DB, cfg *schema.Config, sources []Source, opts ImportOptions) (*ImportReport, error) {
	now := opts.Now.UTC()
	rep := &ImportReport{}
	err := db.Tx(ctx, func() error {
		for _, src := range sources {
			objects := importObjects(opts.MappedObjects)
			if opts.Only != nil {
				objects = slices.DeleteFunc(objects, func(o query.Object) bool { return !slices.Contains(opts.Only, o.Name) })
			}
			if err := importSource(ctx, db, src, objects, opts, now, rep); err != nil {
				return err
			}
		}
		if _, err := db.BumpSerial(ctx, query.Write{Command: "import", At: now, CRMData: rep.changesCRMData(), ReadBack: opts.ReadBack}); err != nil {
			return err
		}
		crashPoint(CrashImportBeforeCommit)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return rep, nil
}

// importObjects is the standard objects, then the mapped ones, then the
// deletions, which apply to all of them.
func importObjects(mapped []string) []query.Object {
	var out []query.Object
	for _, name := range crm.ImportObjects {
		if name == crm.Deletions {
			continue
		}
		obj, _ := query.LookupObject(name)
		out = append(out, obj)
	}
	for _, name := range mapped {
		if _, ok := query.LookupObject(name); !ok {
			out = append(out, query.MappedObject(name))
		}
	}
	return append(out, query.Deletions)
}

// Overlap is how far before the latest record an import read the next one
// starts reading. A record can reach an export after a later-stamped one
// (a write still in flight when the export ran, the CRM's servers' clocks a
// little apart); five minutes re-reads the few records of that window,
// which the merge finds unchanged and does not count.
const Overlap = 5 * time.Minute

// NextWatermark is an object's watermark after an import: the latest time
// among the records read, or the CRM's clock as observed before the export
// (before; zero when the connector has no clock or saw no answer yet) when
// that is earlier, since records stamped after it may be missing from the
// answer; each minus Overlap. With nothing read the CRM's clock is the
// watermark, so that an idle object's does not age past what the CRM keeps
// (Vault keeps deleted ids 30 days); without one, the previous watermark
// stands. alignctl's own clock plays no part.
func NextWatermark(prev query.Watermark, latest, before time.Time) query.Watermark {
	switch {
	case !latest.IsZero() && (before.IsZero() || !before.Before(latest)):
		return query.Watermark{At: latest.Add(-Overlap), Source: query.WatermarkRecords}
	case !before.IsZero():
		return query.Watermark{At: before.Add(-Overlap), Source: query.WatermarkServerClock}
	default:
		return query.Watermark{At: prev.At, Source: query.WatermarkKept}
	}
}

func importSource(ctx context.Context, db *query.DB, src Source, objects []query.Object, opts ImportOptions, now time.Time, rep *ImportReport) error {
	full := opts.Full
	first, err := db.FirstImport(ctx, src.Instance)
	if err != nil {
		return err
	}
	clock, _ := src.CRM.(crm.ServerClock)
	if clock != nil && clock.ServerTime().IsZero() {
		// As Align's "Import from CRM" does, check the integration user's
		// credentials before reading anything; the answer also gives the
		// CRM's clock before the first object's export, which bounds its
		// watermark as it bounds the others'.
		if _, err := src.CRM.Fields(ctx, crm.Account); err != nil && !errors.Is(err, crm.ErrUnknownObject) {
			return fmt.Errorf("import %s: %w", src.Instance, err)
		}
	}
	countries := slices.Sorted(slices.Values(src.Countries))
	prevCountries, known, err := db.ImportCountries(ctx, src.Instance)
	if err != nil {
		return err
	}
	// A change of the country filter (or a state that does not say which
	// filter it was imported with) reads account__v in full to find the
	// accounts that enter and leave; their children follow by account.
	refilter := !first && !full && (!known || !slices.Equal(prevCountries, countries)) &&
		slices.ContainsFunc(objects, func(o query.Object) bool { return o.Name == crm.Account })
	var entered, left, dropped int64
	for _, obj := range objects {
		name := obj.Name
		if opts.Progress != nil {
			opts.Progress(src.Instance, name)
		}
		prev, found, err := db.Watermark(ctx, src.Instance, name)
		if err != nil {
			return err
		}
		objFull := full || !found || (name == crm.Account && refilter)
		since := prev.At
		if objFull {
			// A full refresh reads everything: a CRM that filters by
			// time itself (Vault's VQL) must not be asked for less.
			since = time.Time{}
		}
		var before time.Time
		if clock != nil {
			before = clock.ServerTime()
		}
		st, err := importObject(ctx, db, src, obj, opts, objFull, since, rep)
		if err != nil {
			return err
		}
		if name == crm.Account {
			entered, left = st.Entered, st.Left
		}
		var objDropped int64
		if !objFull && len(obj.Accounts) > 0 {
			if left > 0 {
				if objDropped, err = db.DropLeaving(ctx, obj, src.Instance); err != nil {
					return err
				}
				dropped += objDropped
			}
			if entered > 0 {
				est, err := importEntering(ctx, db, src, obj, opts)
				if err != nil {
					return err
				}
				st.Read += est.Read
				st.Loaded += est.Loaded
				st.Filtered += est.Filtered
				st.Errors += est.Errors
			}
		}
		if name == crm.Deletions {
			if err := reconcileDeletionWindow(ctx, db, src, objects, since, now, rep); err != nil {
				return err
			}
		}
		wm := NextWatermark(prev, st.Latest, before)
		hash, err := importHash(ctx, db, src.Instance, name, opts.Mappings[name], countries, prevCountries, known, objFull, refilter)
		if err != nil {
			return err
		}
		if err := db.RecordImport(ctx, query.ImportRecord{Instance: src.Instance, Object: name, Now: now, Full: objFull,
			Stats: st, Watermark: wm, Hash: hash, Countries: countries}); err != nil {
			return err
		}
		rep.Objects = append(rep.Objects, ObjectReport{Instance: src.Instance, Object: name, Full: objFull,
			Read: st.Read, Loaded: st.Loaded, Filtered: st.Filtered, Errors: st.Errors, Dropped: objDropped,
			Deleted: st.Deleted})
	}
	if entered > 0 {
		rep.Notes = append(rep.Notes, fmt.Sprintf("instance %s: %d accounts entered the selected countries: their addresses, affiliations, product metrics, calls and mapped objects were read by account", src.Instance, entered))
	}
	if left > 0 {
		rep.Notes = append(rep.Notes, fmt.Sprintf("instance %s: %d accounts left the selected countries: %d records of theirs dropped", src.Instance, left, dropped))
	}
	if src.Instance == query.DataLoader {
		return nil
	}
	// Assignments made in the CRM (self-assignments) become crm assignments;
	// on the first import of an instance that is every account_territory__v.
	n, unknown, err := db.ImportCRMAssignments(ctx, src.Instance, now)
	if err != nil {
		return err
	}
	if first && n > 0 {
		rep.Warnings = append(rep.Warnings, Warning{Kind: WarnFirstImport, Instance: src.Instance, Count: n})
	}
	if unknown > 0 {
		rep.Warnings = append(rep.Warnings, Warning{Kind: WarnUnknownTerritory, Instance: src.Instance, Count: unknown})
	}
	widened, moved, err := db.ApplyMerges(ctx, src.Instance)
	if err != nil {
		return err
	}
	if widened+moved > 0 {
		rep.Warnings = append(rep.Warnings, Warning{Kind: WarnAccountMerges, Instance: src.Instance, Moved: moved, Widened: widened})
	}
	ended, err := db.EndDeletedAssignments(ctx, src.Instance, now)
	if err != nil {
		return err
	}
	if ended > 0 {
		rep.Warnings = append(rep.Warnings, Warning{Kind: WarnDeletedInCRM, Instance: src.Instance, Count: ended})
	}
	return nil
}

// importObject reads one object from the CRM (from since; all of it when
// full) and merges it into the state.
func importObject(ctx context.Context, db *query.DB, src Source, obj query.Object, opts ImportOptions, full bool, since time.Time, rep *ImportReport) (query.MergeStats, error) {
	name := obj.Name
	exp, err := src.CRM.Export(ctx, name, since)
	if err != nil {
		return query.MergeStats{}, fmt.Errorf("import %s %s: %w", src.Instance, name, err)
	}
	defer exp.Cleanup()
	if exp.Path == "" {
		return query.MergeStats{}, nil
	}
	m := opts.Mappings[name]
	// MergeCRM completes the record checks after its INSERT, so that the
	// file is read once where the byte scan can make them.
	load := name != crm.Deletions
	staged, err := db.StageCSV(ctx, exp.Path, obj.Required, obj.TimeColumn, query.Staging{Drop: m.Drop, Since: since, Load: load})
	if err != nil {
		return query.MergeStats{}, err
	}
	for _, f := range m.Expect {
		if !slices.Contains(staged.Header, f) {
			rep.Warnings = append(rep.Warnings, Warning{Kind: WarnMissingField, Instance: src.Instance, Object: name, Field: f})
		}
	}
	if err := renameFields(name, staged, m.Rename); err != nil {
		return query.MergeStats{}, err
	}
	if name == crm.Deletions {
		return db.MergeDeletions(ctx, staged, src.Instance)
	}
	return db.MergeCRM(ctx, obj, staged, src.Instance, full, src.Countries)
}

// importEntering reads the records of an object that belong to the
// accounts that entered the selected countries in this import, whatever
// their modified date: an incremental export does not return them, since
// they did not change. A connector that cannot export by account is read
// in full, and only those accounts' records are taken.
func importEntering(ctx context.Context, db *query.DB, src Source, obj query.Object, opts ImportOptions) (query.MergeStats, error) {
	var exp crm.Export
	var err error
	if ax, ok := src.CRM.(crm.AccountExporter); ok {
		var ids []string
		if ids, err = db.EnteringAccounts(ctx); err != nil {
			return query.MergeStats{}, err
		}
		exp, err = ax.ExportAccounts(ctx, obj.Name, obj.Accounts, ids)
	} else {
		exp, err = src.CRM.Export(ctx, obj.Name, time.Time{})
	}
	if err != nil {
		return query.MergeStats{}, fmt.Errorf("import %s %s of the accounts entering the selected countries: %w", src.Instance, obj.Name, err)
	}
	defer exp.Cleanup()
	if exp.Path == "" {
		return query.MergeStats{}, nil
	}
	m := opts.Mappings[obj.Name]
	staged, err := db.StageCSV(ctx, exp.Path, obj.Required, obj.TimeColumn, query.Staging{Drop: m.Drop, Accounts: obj.Accounts})
	if err != nil {
		return query.MergeStats{}, err
	}
	if err := renameFields(obj.Name, staged, m.Rename); err != nil {
		return query.MergeStats{}, err
	}
	return db.MergeCRM(ctx, obj, staged, src.Instance, false, src.Countries)
}

// importHash is the import hash an object's import leaves: the new one when
// the import took in everything that shapes the object (a full read; or a
// change of the country filter, which the import follows by account, while
// the inbound mapping stayed as it was), else the previous one, so that a
// plan keeps asking for a full import after a mapping change.
func importHash(ctx context.Context, db *query.DB, instance, object string, m ObjectMapping, countries, prevCountries []string, known, full, refilter bool) (string, error) {
	next := ImportHash(m, countries)
	if full {
		return next, nil
	}
	prev, err := db.ImportHash(ctx, instance, object)
	if err != nil || prev == next {
		return prev, err
	}
	if refilter && known && prev == ImportHash(m, prevCountries) {
		return next, nil
	}
	return prev, nil
}

// MappingChanged reports whether an object's inbound field mapping changed
// since its last full import, which only a full import takes in. The state
// records the country filter each import applied; one older than that
// record cannot tell a mapping change from a filter change, and says changed.
func MappingChanged(ctx context.Context, db *query.DB, instance, object string, m ObjectMapping, countries []string) (bool, error) {
	prev, err := db.ImportHash(ctx, instance, object)
	if err != nil || prev == "" {
		return false, err
	}
	imported, known, err := db.ImportCountries(ctx, instance)
	if err != nil {
		return false, err
	}
	if !known {
		imported = countries
	}
	return prev != ImportHash(m, imported), nil
}

// countryFilterChanged says whether an instance's country filter differs from
// the one its data was imported with: the next import takes the change in.
func countryFilterChanged(ctx context.Context, db *query.DB, instance string, countries []string) (bool, error) {
	imported, known, err := db.ImportCountries(ctx, instance)
	if err != nil || !known {
		return false, err
	}
	return !slices.Equal(imported, slices.Sorted(slices.Values(countries))), nil
}

// renameFields gives custom-mapped fields their Align names in the staged
// rows. A name the CRM already uses for another field would be ambiguous:
// the import stops and names the mapping.
func renameFields(object string, staged *query.Staged, renames []FieldRename) error {
	cols := staged.Header
	for _, r := range renames {
		if !slices.Contains(cols, r.From) {
			continue // warned about above
		}
		if slices.Contains(cols, r.To) {
			return fmt.Errorf("%s: field mapping of %s: align_field %s is also a field of the CRM's %s; choose another name", r.Pos, object, r.To, object)
		}
		if err := staged.Rename(r.From, r.To); err != nil {
			return err
		}
	}
	return nil
}

// ImportHash says what shapes an object's import: its inbound mapping and the
// instance's country filter. A plan compares it with the last full import's.
func ImportHash(m ObjectMapping, countries []string) string {
	h := sha256.New()
	var renames []string
	for _, r := range m.Rename {
		renames = append(renames, r.From+">"+r.To)
	}
	parts := [][]string{m.Drop, m.Expect, countries}
	if len(renames) > 0 {
		parts = append(parts, renames)
	}
	for _, part := range parts {
		s := slices.Clone(part)
		slices.Sort(s)
		fmt.Fprintf(h, "%q\n", s)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// Mappings turns the config's inbound field mappings into what import uses.
func Mappings(cfg *schema.Config) map[string]ObjectMapping {
	out := map[string]ObjectMapping{}
	for _, fm := range cfg.FieldMappings {
		if fm.Direction != "inbound" {
			continue
		}
		m := out[fm.CRMObject]
		for _, sm := range fm.System {
			if sm.Active {
				m.Expect = append(m.Expect, sm.CRMField)
			} else {
				m.Drop = append(m.Drop, sm.CRMField)
			}
		}
		for _, cm := range fm.Custom {
			m.Expect = append(m.Expect, cm.CRMField)
			if cm.AlignField != "" && cm.AlignField != cm.CRMField {
				m.Rename = append(m.Rename, FieldRename{From: cm.CRMField, To: cm.AlignField, Pos: cm.Pos})
			}
		}
		out[fm.CRMObject] = m
	}
	return out
}
