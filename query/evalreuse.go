package query

import (
	"context"
	"crypto/sha256"
	"database/sql/driver"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/alignctl/alignctl/internal/osfile"
)

// Incremental evaluation. A plan whose rules changed but whose CRM data did
// not (a pull request that edits a few rules) takes the desired assignments
// of every unchanged rule from a cache entry made on the same data, and
// evaluates only the rules whose inputs changed, through the same set-based
// statements as a full evaluation. docs/engine.md, "Incremental evaluation".
//
// It rests on one property of `desired_before_exclusive`: a rule's records never merge
// with another rule's, since the records are keyed on (account, territory,
// source, origin) and a rule's origin is its id. So the records of a rule
// are a function of what the rule reads, and the digest of that (ruleDigest)
// says when they can be taken as they are:
//   - an account rule reads its own definition (match, criteria, values),
//     its bindings (territory, instances, window, geography, send_to_crm),
//     the geographies of the territories it is bound to with `geography:
//     true`, and the exclusions of every territory it is bound to;
//   - a hierarchy rule reads the same, and the pairs its territories get
//     from account rules and manual assignments: its digest holds the
//     digests of the account rules bound to its territories and the manual
//     assignments of those territories, and when it is evaluated those
//     account rules are evaluated with it (their pairs are its start);
//   - the CRM data, the CRM assignments, the engine's SQL and the time
//     window are the entry's data key (evalKey's data part), the same for
//     every rule: an entry is reused only under the same data key, at a now
//     where it is valid.
// Manual assignments are evaluated on every plan (one join).

// ruleDigestVersion changes when what digestRows writes changes.
const ruleDigestVersion = "2"

// digester hashes strings each prefixed with its length, so that no two
// sequences of strings hash alike.
type digester struct {
	h   hash.Hash
	buf []byte
}

func newDigester() *digester { return &digester{h: sha256.New()} }

func (d *digester) str(s string) {
	d.buf = binary.AppendUvarint(d.buf[:0], uint64(len(s)))
	d.h.Write(d.buf)
	io.WriteString(d.h, s)
}

func (d *digester) int(n int64) {
	d.buf = binary.AppendVarint(d.buf[:0], n)
	d.h.Write(d.buf)
}

func (d *digester) bool(b bool) {
	if b {
		d.h.Write([]byte{1})
	} else {
		d.h.Write([]byte{0})
	}
}

func (d *digester) sum() []byte { return d.h.Sum(nil) }

// rowDigests are the digests of a rule set's rows: of each rule's inputs by
// rule id (ruleDigests), and of all the rows (the evaluation cache key's
// rows part).
type rowDigests struct {
	rules map[string]string
	all   string
}

// digestRows hashes rs, with the execution time written as "now": a window
// clipped to now reads the same at every now.
func digestRows(rs *RuleSet, now time.Time) rowDigests {
	var tbuf []byte
	ts := func(d *digester, t time.Time) {
		if t.Equal(now) {
			d.str("now")
			return
		}
		tbuf = t.UTC().AppendFormat(tbuf[:0], time.RFC3339Nano)
		d.buf = binary.AppendUvarint(d.buf[:0], uint64(len(tbuf)))
		d.h.Write(d.buf)
		d.h.Write(tbuf)
	}
	tp := func(d *digester, t *time.Time) {
		if t == nil {
			d.str("-")
			return
		}
		ts(d, *t)
	}
	perTerritory := func(n int, row func(d *digester, i int) string) map[string][]byte {
		ds := map[string]*digester{}
		for i := range n {
			var d *digester
			// row names the territory first, then writes the row.
			t := row(nil, i)
			if d = ds[t]; d == nil {
				d = newDigester()
				ds[t] = d
			}
			row(d, i)
		}
		out := make(map[string][]byte, len(ds))
		for t, d := range ds {
			out[t] = d.sum()
		}
		return out
	}
	geos := perTerritory(len(rs.Geographies), func(d *digester, i int) string {
		g := rs.Geographies[i]
		if d != nil {
			d.str(g.Code)
			ts(d, g.Start)
			tp(d, g.End)
		}
		return g.Territory
	})
	exclusions := perTerritory(len(rs.Exclusions), func(d *digester, i int) string {
		x := rs.Exclusions[i]
		if d != nil {
			d.str(x.Account)
			ts(d, x.Start)
			tp(d, x.End)
			d.str(x.Reason)
		}
		return x.Territory
	})
	manual := perTerritory(len(rs.Manual), func(d *digester, i int) string {
		m := rs.Manual[i]
		if d != nil {
			d.str(m.Account)
			d.str(m.Instance)
			d.str(m.Origin)
			ts(d, m.Start)
			tp(d, m.End)
			d.bool(m.SendToCRM)
		}
		return m.Territory
	})

	byKey := make(map[int]*digester, len(rs.Rules))
	hier := map[int]bool{}
	for _, r := range rs.Rules {
		d := newDigester()
		d.str(ruleDigestVersion)
		d.str(r.ID)
		d.str(r.Match)
		d.int(int64(r.NCrit))
		d.int(int64(len(r.Masks)))
		for _, m := range r.Masks {
			d.int(int64(m))
		}
		d.bool(r.Hierarchy)
		d.str(r.Assign)
		d.bool(r.Intermediaries)
		d.bool(r.IgnoreManual)
		d.bool(r.IgnoreCRM)
		byKey[r.Key] = d
		hier[r.Key] = r.Hierarchy
	}
	for _, c := range rs.Criteria {
		if d := byKey[c.RuleKey]; d != nil {
			d.str("c")
			d.int(int64(c.Pos))
			d.str(c.Object)
			d.str(c.Field)
			d.str(c.Operator)
		}
	}
	for _, v := range rs.Values {
		if d := byKey[v.RuleKey]; d != nil {
			d.int(int64(v.Pos))
			d.str(v.Value)
		}
	}
	territories := map[int][]string{} // a rule's territories, in binding order
	for _, b := range rs.Bindings {
		d := byKey[b.RuleKey]
		if d == nil {
			continue
		}
		d.str("b")
		d.str(b.RuleID)
		d.str(b.Territory)
		d.str(b.Instance)
		d.str(b.SrcInstance)
		ts(d, b.Start)
		tp(d, b.End)
		d.bool(b.Geography)
		d.bool(b.SendToCRM)
		if b.Geography {
			d.h.Write(geos[b.Territory])
		}
		d.h.Write(exclusions[b.Territory])
		territories[b.RuleKey] = append(territories[b.RuleKey], b.Territory)
	}
	out := rowDigests{rules: make(map[string]string, len(rs.Rules))}
	// Account rules first: the hierarchy rules' digests hold theirs.
	accountRules := map[string][]string{} // territory -> digests of its account rules
	for _, r := range rs.Rules {
		if hier[r.Key] {
			continue
		}
		h := hex.EncodeToString(byKey[r.Key].sum()[:16])
		out.rules[r.ID] = h
		for _, t := range territories[r.Key] {
			accountRules[t] = append(accountRules[t], h)
		}
	}
	for _, r := range rs.Rules {
		if !hier[r.Key] {
			continue
		}
		d := byKey[r.Key]
		for _, t := range territories[r.Key] {
			hs := slices.Clone(accountRules[t])
			slices.Sort(hs)
			d.str("t")
			d.str(t)
			d.str(strings.Join(hs, ","))
			d.h.Write(manual[t])
		}
		out.rules[r.ID] = hex.EncodeToString(d.sum()[:16])
	}

	// All the rows: every rule's digest, and every row no rule's digest
	// holds in full (the geographies and exclusions of every territory, the
	// manual assignments, the territories, the scope).
	all := newDigester()
	all.str("alignctl rows " + ruleDigestVersion)
	for _, r := range rs.Rules {
		all.str(r.ID)
		all.str(out.rules[r.ID])
	}
	for _, part := range []map[string][]byte{geos, exclusions, manual} {
		all.str("part")
		for _, t := range slices.Sorted(maps.Keys(part)) {
			all.str(t)
			all.h.Write(part[t])
		}
	}
	for _, t := range rs.Territories {
		all.str(t.Territory)
		all.bool(t.Active)
		tp(all, t.End)
		all.str(t.FieldForce)
		all.bool(t.Exclusive)
	}
	for _, list := range [][]string{rs.Scope, rs.Selected} {
		all.bool(list != nil)
		all.int(int64(len(list)))
		for _, x := range list {
			all.str(x)
		}
	}
	out.all = hex.EncodeToString(all.sum())
	return out
}

// reuse is what an incremental evaluation takes from an earlier entry.
type reuse struct {
	entry cacheEntry
	// rules are the ids whose records come from the entry; the rest are
	// evaluated.
	rules []string
	// evaluate is the rule set of the rules to evaluate.
	evaluate *RuleSet
}

// reusableEntry finds the entry of the same data key, valid at now, whose
// records serve the most rules of rs, and says which rules to evaluate. It
// returns nil when there is none, or when more than half the rules changed
// (a full evaluation costs less than reading the entry besides).
func reusableEntry(c *EvalCache, data string, rs *RuleSet, digests map[string]string, now time.Time) *reuse {
	names, err := os.ReadDir(c.Dir)
	if err != nil {
		return nil
	}
	var best *reuse
	for _, n := range names {
		key, ok := strings.CutSuffix(n.Name(), ".json")
		if !ok || strings.HasPrefix(key, ".") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(c.Dir, n.Name()))
		if err != nil {
			continue
		}
		var e cacheEntry
		if json.Unmarshal(b, &e) != nil || e.Key != key || e.Data != data || e.Files["rules"] == "" || !e.validAt(now) {
			continue
		}
		rb, err := os.ReadFile(filepath.Join(c.Dir, key+rulesSuffix))
		if err != nil || hashBytes(rb) != e.Files["rules"] {
			continue
		}
		var old map[string]string
		if json.Unmarshal(rb, &old) != nil {
			continue
		}
		r := plannedReuse(rs, digests, old)
		r.entry = e
		if best == nil || len(r.rules) > len(best.rules) {
			best = r
		}
	}
	if best == nil || len(best.rules) < len(rs.Rules)/2 {
		return nil
	}
	return best
}

// plannedReuse splits the rules of rs into those whose records old holds
// (same digest) and those to evaluate: the changed rules, and with a
// changed hierarchy rule the account rules of its territories, whose pairs
// it starts from.
func plannedReuse(rs *RuleSet, digests, old map[string]string) *reuse {
	eval := map[int]bool{}
	byTerritory := map[string][]int{} // territory -> its account rules
	hierarchy := map[int]bool{}
	for _, r := range rs.Rules {
		hierarchy[r.Key] = r.Hierarchy
		if o, ok := old[r.ID]; !ok || o != digests[r.ID] {
			eval[r.Key] = true
		}
	}
	for _, b := range rs.Bindings {
		if !hierarchy[b.RuleKey] {
			byTerritory[b.Territory] = append(byTerritory[b.Territory], b.RuleKey)
		}
	}
	for _, b := range rs.Bindings {
		if hierarchy[b.RuleKey] && eval[b.RuleKey] {
			for _, k := range byTerritory[b.Territory] {
				eval[k] = true
			}
		}
	}
	r := &reuse{evaluate: &RuleSet{
		Geographies: rs.Geographies, Exclusions: rs.Exclusions, Manual: rs.Manual,
		Territories: rs.Territories, Scope: rs.Scope, Selected: rs.Selected,
	}}
	for _, x := range rs.Rules {
		if eval[x.Key] {
			r.evaluate.Rules = append(r.evaluate.Rules, x)
		} else {
			r.rules = append(r.rules, x.ID)
		}
	}
	for _, c := range rs.Criteria {
		if eval[c.RuleKey] {
			r.evaluate.Criteria = append(r.evaluate.Criteria, c)
		}
	}
	for _, v := range rs.Values {
		if eval[v.RuleKey] {
			r.evaluate.Values = append(r.evaluate.Values, v)
		}
	}
	for _, b := range rs.Bindings {
		if eval[b.RuleKey] {
			r.evaluate.Bindings = append(r.evaluate.Bindings, b)
		}
	}
	return r
}

// rulesSuffix names an entry's rule digests, beside its Parquet files.
const rulesSuffix = ".rules"

func hashBytes(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// addReused appends to `desired_before_exclusive` and `excluded` the records of the
// reused rules from the entry r names. Its files are checked against their
// hashes first: a read that fails would abort the plan. With changed, it
// also makes `changed_account`: the accounts of the records just evaluated
// and of the entry's records of the other rules, the only ones whose
// records can differ from the entry's (aligned.go).
func (d *DB) addReused(ctx context.Context, c *EvalCache, r *reuse, now time.Time, changed bool) error {
	key := r.entry.Key
	for _, f := range entryFiles {
		if h, err := fileHash(filepath.Join(c.Dir, key+f.suffix)); err != nil || h != r.entry.Files[f.table] {
			return errEntryGone
		}
	}
	if _, err := d.Exec(ctx, `CREATE OR REPLACE TEMP TABLE reused_rule (id VARCHAR)`); err != nil {
		return err
	}
	err := d.Append(ctx, true, "reused_rule", func(add func(...driver.Value) error) error {
		for _, id := range r.rules {
			if err := add(id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if changed {
		_, err = d.Exec(ctx, `CREATE OR REPLACE TEMP TABLE changed_account AS
			SELECT DISTINCT account FROM (
				SELECT account FROM desired_before_exclusive
				UNION ALL
				SELECT account::VARCHAR FROM read_parquet($1)
				WHERE NOT (source IN ('rule', 'hierarchy_rule') AND origin IN (SELECT id FROM reused_rule)))`,
			filepath.Join(c.Dir, key+".parquet"))
		if err != nil {
			return fmt.Errorf("evaluation cache %s: %w", c.Dir, err)
		}
	}
	_, err = d.Exec(ctx, `INSERT INTO desired_before_exclusive
		SELECT account::VARCHAR, territory::VARCHAR, instance::VARCHAR, source::VARCHAR, rule::VARCHAR, origin::VARCHAR,
		       coalesce(start_date::TIMESTAMPTZ, $1), end_date::TIMESTAMPTZ, send_to_crm::BOOLEAN
		FROM read_parquet($2)
		WHERE source IN ('rule', 'hierarchy_rule') AND origin IN (SELECT id FROM reused_rule)`,
		now, filepath.Join(c.Dir, key+".parquet"))
	if err == nil {
		_, err = d.Exec(ctx, `INSERT INTO excluded
			SELECT account::VARCHAR, territory::VARCHAR, source::VARCHAR, origin::VARCHAR, reason::VARCHAR
			FROM read_parquet($1)
			WHERE source IN ('rule', 'hierarchy_rule') AND origin IN (SELECT id FROM reused_rule)`,
			filepath.Join(c.Dir, key+".excluded.parquet"))
	}
	if err == nil {
		_, err = d.Exec(ctx, `DROP TABLE reused_rule`)
	}
	if err != nil {
		return fmt.Errorf("evaluation cache %s: %w", c.Dir, err)
	}
	return nil
}

// errEntryGone says an entry changed between choosing and reading it: the
// plan evaluates everything instead.
var errEntryGone = fmt.Errorf("evaluation cache entry changed while read")

// storeRuleDigests writes the digests of an entry's rules beside it and
// returns the file's hash ("" when it could not be written: the entry then
// serves full hits only).
func storeRuleDigests(dir, key string, digests map[string]string) string {
	b, err := json.Marshal(digests)
	if err != nil {
		return ""
	}
	err = osfile.WriteAtomic(filepath.Join(dir, key+rulesSuffix), func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	})
	if err != nil {
		return ""
	}
	return hashBytes(b)
}
