package query

import (
	"context"
	"crypto/sha256"
	"database/sql/driver"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
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
// It rests on one property of `desired_all`: a rule's records never merge
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

// ruleDigestVersion changes when what ruleDigests writes changes.
const ruleDigestVersion = "1"

// ruleDigests is the digest of each rule's inputs, by rule id, with the
// execution time written as "now" (as rowsDigest does).
func ruleDigests(rs *RuleSet, now time.Time) map[string]string {
	ts := func(t time.Time) string {
		if t.Equal(now) {
			return "now"
		}
		return t.UTC().Format(time.RFC3339Nano)
	}
	tp := func(t *time.Time) string {
		if t == nil {
			return "-"
		}
		return ts(*t)
	}
	write := func(h hash.Hash, parts ...string) {
		for _, p := range parts {
			fmt.Fprintf(h, "%d:%s", len(p), p)
		}
	}
	perTerritory := func(n int, row func(i int) (string, []string)) map[string][]byte {
		hs := map[string]hash.Hash{}
		for i := range n {
			t, parts := row(i)
			h := hs[t]
			if h == nil {
				h = sha256.New()
				hs[t] = h
			}
			write(h, parts...)
		}
		out := make(map[string][]byte, len(hs))
		for t, h := range hs {
			out[t] = h.Sum(nil)
		}
		return out
	}
	geos := perTerritory(len(rs.Geographies), func(i int) (string, []string) {
		g := rs.Geographies[i]
		return g.Territory, []string{g.Code, ts(g.Start), tp(g.End)}
	})
	exclusions := perTerritory(len(rs.Exclusions), func(i int) (string, []string) {
		x := rs.Exclusions[i]
		return x.Territory, []string{x.Account, ts(x.Start), tp(x.End), x.Reason}
	})
	manual := perTerritory(len(rs.Manual), func(i int) (string, []string) {
		m := rs.Manual[i]
		return m.Territory, []string{m.Account, m.Instance, m.Origin, ts(m.Start), tp(m.End), fmt.Sprint(m.SendToCRM)}
	})

	byKey := make(map[int]hash.Hash, len(rs.Rules))
	hier := map[int]bool{}
	for _, r := range rs.Rules {
		h := sha256.New()
		write(h, ruleDigestVersion, r.ID, r.Match, fmt.Sprint(r.NCrit, r.Masks, r.Hierarchy, r.Assign, r.Intermediaries, r.IgnoreManual, r.IgnoreCRM))
		byKey[r.Key] = h
		hier[r.Key] = r.Hierarchy
	}
	for _, c := range rs.Criteria {
		if h := byKey[c.RuleKey]; h != nil {
			write(h, "c", fmt.Sprint(c.Pos), c.Object, c.Field, c.Operator)
		}
	}
	for _, v := range rs.Values {
		if h := byKey[v.RuleKey]; h != nil {
			write(h, "v", fmt.Sprint(v.Pos), v.Value)
		}
	}
	territories := map[int][]string{} // a rule's territories, in binding order
	for _, b := range rs.Bindings {
		h := byKey[b.RuleKey]
		if h == nil {
			continue
		}
		write(h, "b", b.RuleID, b.Territory, b.Instance, b.SrcInstance, ts(b.Start), tp(b.End), fmt.Sprint(b.Geography, b.SendToCRM))
		if b.Geography {
			h.Write(geos[b.Territory])
		}
		h.Write(exclusions[b.Territory])
		territories[b.RuleKey] = append(territories[b.RuleKey], b.Territory)
	}
	out := make(map[string]string, len(rs.Rules))
	// Account rules first: the hierarchy rules' digests hold theirs.
	accountRules := map[string][]string{} // territory -> digests of its account rules
	for _, r := range rs.Rules {
		if hier[r.Key] {
			continue
		}
		d := hex.EncodeToString(byKey[r.Key].Sum(nil)[:16])
		out[r.ID] = d
		for _, t := range territories[r.Key] {
			accountRules[t] = append(accountRules[t], d)
		}
	}
	for _, r := range rs.Rules {
		if !hier[r.Key] {
			continue
		}
		h := byKey[r.Key]
		for _, t := range territories[r.Key] {
			ds := slices.Clone(accountRules[t])
			slices.Sort(ds)
			write(h, "t", t, strings.Join(ds, ","))
			h.Write(manual[t])
		}
		out[r.ID] = hex.EncodeToString(h.Sum(nil)[:16])
	}
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

// addReused appends to `desired_all` and `excluded` the records of the
// reused rules from the entry r names. Its files are checked against their
// hashes first: a read that fails would abort the plan.
func (d *DB) addReused(ctx context.Context, c *EvalCache, r *reuse, now time.Time) error {
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
	_, err = d.Exec(ctx, `INSERT INTO desired_all
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
