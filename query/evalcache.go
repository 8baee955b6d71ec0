package query

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/alignctl/alignctl/internal/osfile"
)

// The evaluation cache keeps what the rules engine's costly stage made,
// `desired_before_exclusive` (every rule evaluated, hierarchy walked, exclusions applied),
// in a Parquet file beside the state, under a key of everything that stage
// reads. A plan whose key matches loads the file instead of evaluating; the
// exclusive field forces and the diff against the assignments run on every
// plan. docs/engine.md, "The evaluation cache".
//
// The key covers:
//   - the compiled rule set, with the execution time written as "now": the
//     rule set holds every config date already clipped to now, so a window
//     that opens or closes between two plans changes it. Its rows are hashed
//     once per config: when the rule set says what it was compiled from
//     (RuleSet.Compiled: the config's content hash, the scope, and where now
//     falls among the config's dates) and the cache knows the running build,
//     the digest of its rows is kept under those names (rowsDigest), and the
//     next plan of the same config files, scope and dates reads it instead of
//     hashing a quarter of a second of JSON again. A config change that
//     leaves the rules alone (a roster member, a name, a comment) hashes the
//     rows again and finds the same key;
//   - the state's identity, the serial of its last import that may have
//     changed the CRM data (not the one after a push, which reads back only
//     what it wrote), and of its last push or import when a criterion reads
//     an object a push writes;
//   - the CRM assignments hierarchy rules start from;
//   - the engine's SQL and evalCacheVersion.
//
// What the key cannot hold is time passing over the data: `call_date
// less_than_days 90` turns false when 90 days have gone by since the call.
// An entry is therefore valid from the now it was made at until the first
// such instant after it (a call date plus its days, a CRM assignment's start
// or end), and never before it.

// evalCacheVersion changes when the Go side of the engine (loadRuleSet,
// driveModes) changes what it puts in the rule tables: entries of another
// version are never read. The SQL is part of the key by its text.
const evalCacheVersion = "4"

// evalCacheKeep is how many entries a cache folder holds, newest first: the
// head and base configs of a pull request, and a little more.
const evalCacheKeep = 4

// EvalCache is where EvaluateRules keeps and finds evaluations.
type EvalCache struct {
	Dir string
	// Verify evaluates on a hit too and fails when the cached result
	// differs: the test suites run with it, so that every plan they make
	// twice checks the key.
	Verify bool
	// Hit reports, after EvaluateRules, whether the evaluation came from the
	// cache.
	Hit bool
	// Reused reports, after EvaluateRules, how many rules' records an
	// incremental evaluation took from an earlier entry (0: none).
	Reused int
	// Restricted reports, after EvaluateRules, whether the diff was
	// restricted to the accounts that can differ from the state the cache's
	// aligned mark vouches for (aligned.go).
	Restricted bool
	// Build identifies the running executable's code (internal/buildid).
	// With it, the digest of a rule set's rows is kept under what the rule
	// set was compiled from, and read instead of hashed again (rowsDigest).
	Build string
}

// cacheEntry is the JSON beside an entry's Parquet file.
type cacheEntry struct {
	Key   string     `json:"key"`
	Now   time.Time  `json:"now"`
	Until *time.Time `json:"until"` // the first instant the data may answer otherwise; nil: none
	Rows  int64      `json:"rows"`
	// Data is the key's part that is not the rules (evalKey): an entry of
	// the same data lends its unchanged rules' records to an incremental
	// evaluation (evalreuse.go).
	Data string `json:"data"`
	// Files are the SHA-256 of each Parquet file: one that does not match
	// is never read, since a failed read would abort the plan's transaction.
	Files map[string]string `json:"files"`
}

// entryFiles are the Parquet files of an entry, by the table they hold.
var entryFiles = []struct{ table, suffix string }{
	{"desired_before_exclusive", ".parquet"},
	{"excluded", ".excluded.parquet"},
}

// fileHash is the hex SHA-256 of a file's content.
func fileHash(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func (e cacheEntry) validAt(now time.Time) bool {
	if now.Equal(e.Now) {
		return true
	}
	return now.After(e.Now) && (e.Until == nil || now.Before(*e.Until))
}

// pushedObjects are the CRM objects whose state tables a push writes, or the
// import after a push reads back.
var pushedObjects = []string{"territory__v", "account_territory__v", "user_territory__v", "my_setup_products__v"}

// evalKey is the cache key of evaluating rs at now against the state, and
// its data part: everything but the rule set's rows.
func (d *DB) evalKey(ctx context.Context, c *EvalCache, rs *RuleSet, fields []fieldKey, now time.Time, digest func() rowDigests) (key, data string, err error) {
	h := sha256.New()
	fmt.Fprintf(h, "alignctl evaluation %s\x00", evalCacheVersion)
	for _, script := range []string{driveSQL, matchSQL, pairsSQL, hierarchySQL, desiredSQL} {
		fmt.Fprintf(h, "%d\x00%s", len(script), script)
	}
	var (
		id               string
		imported, pushed int64
		crmRows          int64
		crmPrint         uint64
	)
	err = d.QueryRow(ctx, `SELECT (SELECT any_value(id) FROM state_identity),
		(SELECT coalesce(max(serial), 0) FROM write_log WHERE command = 'import' AND coalesce(crm_data, true)),
		(SELECT coalesce(max(serial), 0) FROM write_log WHERE command = 'push'),
		count(*), coalesce(bit_xor(hash(id, account, territory, instance, start_date, end_date)), 0)
		FROM account_territory WHERE source = 'crm'`).Scan(&id, &imported, &pushed, &crmRows, &crmPrint)
	if err != nil {
		return "", "", err
	}
	if slices.ContainsFunc(fields, func(k fieldKey) bool { return slices.Contains(pushedObjects, k.object) }) {
		// A criterion reads what a push writes, and what the import after
		// a push reads back: every push and import counts.
		if err := d.QueryRow(ctx, `SELECT coalesce(max(serial), 0) FROM write_log WHERE command IN ('import', 'push')`).Scan(&pushed); err != nil {
			return "", "", err
		}
	} else {
		pushed = 0
	}
	fmt.Fprintf(h, "\x00%s\x00%d\x00%d\x00%d\x00%d", id, imported, pushed, crmRows, crmPrint)
	data = hex.EncodeToString(h.Sum(nil))
	rows, err := rowsDigest(c, rs, digest)
	if err != nil {
		return "", "", err
	}
	k := sha256.Sum256([]byte(data + "\x00rows\x00" + rows))
	return hex.EncodeToString(k[:]), data, nil
}

// rowsDigest is the digest of the rows of rs (digestRows), with the
// execution time written as "now".
//
// Compiled and the build name the rows up to the windows that start at now
// (reconcile.compiledFrom, TestCompiledFrom there), which the digest writes
// as "now" anyway: the digest the first plan of a config made is kept in
// rows-<name> beside the entries, and read by the next. (The one difference
// it does not see: a config date equal to the now of the first plan, the end
// of a window over at both nows, reads "now" in its rows and a date in a later
// plan's. The same values either way: the later plan may take the first one's
// entry, as a rows key that read the date as a date would have let it.)
// Without those names, or a folder, the rows are hashed every time.
func rowsDigest(c *EvalCache, rs *RuleSet, digest func() rowDigests) (string, error) {
	memo := ""
	if rs.Compiled != "" && c.Build != "" && c.Dir != "" {
		n := sha256.Sum256([]byte(fmt.Sprintf("%d:%s\x00%d:%s", len(c.Build), c.Build, len(rs.Compiled), rs.Compiled)))
		memo = filepath.Join(c.Dir, "rows-"+hex.EncodeToString(n[:]))
		if b, err := os.ReadFile(memo); err == nil && len(b) == 2*sha256.Size {
			if _, err := hex.DecodeString(string(b)); err == nil {
				return string(b), nil
			}
		}
	}
	sum := digest().all
	// Kept only where the entries are: the store makes the folder.
	if memo != "" {
		if _, err := os.Stat(c.Dir); err == nil {
			err := osfile.WriteAtomic(memo, func(w io.Writer) error {
				_, err := io.WriteString(w, sum)
				return err
			})
			if err == nil {
				pruneRowsDigests(c.Dir, filepath.Base(memo))
			}
		}
	}
	return sum, nil
}

// rowsDigestKeep is how many rows digests a cache folder keeps, newest
// first: a few configs, each a 64-byte file.
const rowsDigestKeep = 8

// pruneRowsDigests keeps the newest rowsDigestKeep rows-* files of dir, keep
// among them.
func pruneRowsDigests(dir, keep string) {
	stale := osfile.Stale(dir, rowsDigestKeep, keep, func(name string) string {
		if !strings.HasPrefix(name, "rows-") {
			return ""
		}
		return name
	})
	for _, name := range stale {
		os.Remove(filepath.Join(dir, name))
	}
}

// loadEvalCache makes `desired_before_exclusive` from the entry of key when there is one
// valid at now, and reports whether it did. An entry it cannot read is
// removed and counts as a miss.
func (d *DB) loadEvalCache(ctx context.Context, c *EvalCache, key string, now time.Time) (bool, error) {
	b, err := os.ReadFile(filepath.Join(c.Dir, key+".json"))
	if err != nil {
		return false, nil
	}
	var e cacheEntry
	if json.Unmarshal(b, &e) != nil || e.Key != key {
		removeEntry(c.Dir, key)
		return false, nil
	}
	if !e.validAt(now) {
		return false, nil
	}
	for _, f := range entryFiles {
		if h, err := fileHash(filepath.Join(c.Dir, key+f.suffix)); err != nil || h != e.Files[f.table] {
			removeEntry(c.Dir, key)
			return false, nil
		}
	}
	// A hit must not read what an earlier evaluation on this connection
	// left: only what the entry holds exists afterwards.
	if err := d.dropEvaluationTablesExcept(ctx); err != nil {
		return false, err
	}
	_, err = d.Exec(ctx, `CREATE OR REPLACE TEMP TABLE desired_before_exclusive AS
		SELECT account::VARCHAR AS account, territory::VARCHAR AS territory, instance::VARCHAR AS instance,
		       source::VARCHAR AS source, rule::VARCHAR AS rule, origin::VARCHAR AS origin,
		       coalesce(start_date::TIMESTAMPTZ, $1) AS start_date, end_date::TIMESTAMPTZ AS end_date,
		       send_to_crm::BOOLEAN AS send_to_crm
		FROM read_parquet($2)`, now, filepath.Join(c.Dir, key+".parquet"))
	if err == nil {
		_, err = d.Exec(ctx, `CREATE OR REPLACE TEMP TABLE excluded AS
			SELECT account::VARCHAR AS account, territory::VARCHAR AS territory, source::VARCHAR AS source,
			       origin::VARCHAR AS origin, reason::VARCHAR AS reason
			FROM read_parquet($1)`, filepath.Join(c.Dir, key+".excluded.parquet"))
	}
	if err == nil {
		var n int64
		if err = d.QueryRow(ctx, `SELECT count(*) FROM desired_before_exclusive`).Scan(&n); err == nil && n != e.Rows {
			err = fmt.Errorf("%d rows, not %d", n, e.Rows)
		}
	}
	if err != nil {
		// The files matched their hashes: a read that fails is a bug.
		return false, fmt.Errorf("evaluation cache %s: %w", c.Dir, err)
	}
	return true, nil
}

// storeEvalCache saves `desired_before_exclusive` under key, valid from now to the first
// instant the data may answer otherwise, with the digests of the rules
// (evalreuse.go). A folder that cannot be written
// costs the next plan its time, nothing else: file errors are dropped. A
// statement that fails has aborted the plan's transaction, so its error is
// returned.
func (d *DB) storeEvalCache(ctx context.Context, c *EvalCache, key, data string, digests map[string]string, now time.Time) error {
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		return nil
	}
	probe, err := os.CreateTemp(c.Dir, ".tmp-probe-*")
	if err != nil {
		return nil
	}
	probe.Close()
	os.Remove(probe.Name())
	until, err := d.cacheValidUntil(ctx, now)
	if err != nil {
		return fmt.Errorf("evaluation cache: %w", err)
	}
	tmp := filepath.Join(c.Dir, ".tmp-"+key+".parquet")
	defer os.Remove(tmp)
	// COPY takes its file name as a literal: a path of ours beside the state.
	_, err = d.Exec(ctx, `COPY (
		SELECT account, territory, instance, source, rule, origin,
		       CASE WHEN start_date <> $1 THEN start_date END AS start_date, end_date, send_to_crm
		FROM desired_before_exclusive
	) TO `+literal(tmp)+` (FORMAT parquet)`, now)
	if err != nil {
		return fmt.Errorf("evaluation cache %s (ALIGNCTL_PLAN_CACHE=off goes without): %w", c.Dir, err)
	}
	tmpExcluded := filepath.Join(c.Dir, ".tmp-"+key+".excluded.parquet")
	defer os.Remove(tmpExcluded)
	if _, err := d.Exec(ctx, `COPY excluded TO `+literal(tmpExcluded)+` (FORMAT parquet)`); err != nil {
		return fmt.Errorf("evaluation cache %s (ALIGNCTL_PLAN_CACHE=off goes without): %w", c.Dir, err)
	}
	var rows int64
	if err := d.QueryRow(ctx, `SELECT count(*) FROM desired_before_exclusive`).Scan(&rows); err != nil {
		return err
	}
	if os.Rename(tmp, filepath.Join(c.Dir, key+".parquet")) != nil ||
		os.Rename(tmpExcluded, filepath.Join(c.Dir, key+".excluded.parquet")) != nil {
		return nil
	}
	if until != nil {
		u := until.UTC()
		until = &u
	}
	e := cacheEntry{Key: key, Now: now.UTC(), Until: until, Rows: rows, Data: data, Files: map[string]string{}}
	if h := storeRuleDigests(c.Dir, key, digests); h != "" {
		e.Files["rules"] = h
	}
	for _, f := range entryFiles {
		if e.Files[f.table], err = fileHash(filepath.Join(c.Dir, key+f.suffix)); err != nil {
			return nil
		}
	}
	b, err := json.Marshal(e)
	if err != nil {
		return nil
	}
	err = osfile.WriteAtomic(filepath.Join(c.Dir, key+".json"), func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	})
	if err != nil {
		return nil
	}
	pruneEvalCache(c.Dir, key)
	return nil
}

// verifyEvalCache compares the cached `desired_before_exclusive` and `excluded` (copied
// to desired_cached and excluded_cached) with the ones just evaluated.
func (d *DB) verifyEvalCache(ctx context.Context) error {
	for _, t := range []string{"desired", "excluded"} {
		all := map[string]string{"desired": "desired_before_exclusive", "excluded": "excluded"}[t]
		var extra, missing int64
		err := d.QueryRow(ctx, `SELECT
			(SELECT count(*) FROM (SELECT * FROM `+all+` EXCEPT ALL SELECT * FROM `+t+`_cached)),
			(SELECT count(*) FROM (SELECT * FROM `+t+`_cached EXCEPT ALL SELECT * FROM `+all+`))`).Scan(&missing, &extra)
		if err != nil {
			return err
		}
		if extra+missing > 0 {
			return fmt.Errorf("evaluation cache: the cached %s differs from the evaluation (%d rows only cached, %d only evaluated)", all, extra, missing)
		}
	}
	return nil
}

func removeEntry(dir, key string) {
	os.Remove(filepath.Join(dir, key+".json"))
	os.Remove(filepath.Join(dir, key+".parquet"))
	os.Remove(filepath.Join(dir, key+".excluded.parquet"))
	os.Remove(filepath.Join(dir, key+rulesSuffix))
}

var tempTable = regexp.MustCompile(`(?i)CREATE\s+OR\s+REPLACE\s+TEMP\s+TABLE\s+(\w+)`)

// dropEvaluationTablesExcept drops the temporary tables the evaluation scripts
// make, but those named in keep.
func (d *DB) dropEvaluationTablesExcept(ctx context.Context, keep ...string) error {
	for _, t := range evaluationTables() {
		if slices.Contains(keep, t) {
			continue
		}
		if _, err := d.Exec(ctx, `DROP TABLE IF EXISTS `+Ident(t)); err != nil {
			return err
		}
	}
	return nil
}

// evaluationTables are the temporary tables the evaluation scripts make.
func evaluationTables() []string {
	var out []string
	for _, script := range []string{driveSQL, matchSQL, pairsSQL, hierarchySQL, desiredSQL} {
		for _, m := range tempTable.FindAllStringSubmatch(script, -1) {
			if !slices.Contains(out, m[1]) {
				out = append(out, m[1])
			}
		}
	}
	return out
}

// pruneEvalCache keeps the newest evalCacheKeep entries of dir, and keep.
func pruneEvalCache(dir, keep string) {
	stale := osfile.Stale(dir, evalCacheKeep, keep, func(name string) string {
		key, ok := strings.CutSuffix(name, ".json")
		if !ok || strings.HasPrefix(key, ".") {
			return ""
		}
		return key
	})
	for _, key := range stale {
		removeEntry(dir, key)
	}
}

// cacheValidUntil is the first instant at or after now the evaluation may
// answer otherwise: a relative-date criterion's date plus its days, or a CRM
// assignment's start or end; nil when there is none.
func (d *DB) cacheValidUntil(ctx context.Context, now time.Time) (*time.Time, error) {
	// The fields of relative-date criteria, by their number in attr: naming
	// them as constants lets DuckDB read only their tables, not every
	// criterion field of the view; and each distinct value is cast once
	// (a cast to TIMESTAMPTZ is slow, and call dates repeat).
	rows, err := d.Query(ctx, `SELECT DISTINCT fkey FROM r_crit
		WHERE operator IN ('more_than_days', 'less_than_days') ORDER BY fkey`)
	if err != nil {
		return nil, err
	}
	var fkeys []string
	for rows.Next() {
		var k int
		if err := rows.Scan(&k); err != nil {
			rows.Close()
			return nil, err
		}
		fkeys = append(fkeys, strconv.Itoa(k))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	dates := ""
	if len(fkeys) > 0 {
		in := strings.Join(fkeys, ", ") // our own integers, not data
		dates = `SELECT try_cast(a.value AS TIMESTAMPTZ) + to_days(r.n) AS b
			FROM (SELECT DISTINCT k.fkey, CAST(v.num AS INTEGER) AS n
			      FROM r_crit k JOIN r_value v ON v.rule_key = k.rule_key AND v.pos = k.pos
			      WHERE k.operator IN ('more_than_days', 'less_than_days') AND v.num IS NOT NULL) r
			JOIN (SELECT DISTINCT fkey, value FROM attr WHERE fkey IN (` + in + `)) a ON a.fkey = r.fkey
			UNION ALL `
	}
	var until *time.Time
	err = d.QueryRow(ctx, `SELECT min(b) FROM (`+dates+`
		SELECT start_date AS b FROM account_territory WHERE source = 'crm'
		UNION ALL SELECT end_date FROM account_territory WHERE source = 'crm'
	) WHERE b >= $1`, now).Scan(&until)
	return until, err
}
