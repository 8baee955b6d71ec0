// Package query is alignctl's DuckDB layer: the state database, bulk loads of
// CRM snapshots, and the set-based SQL that evaluates account rules.
package query

import (
	"context"
	"database/sql"
	"database/sql/driver"
	_ "embed"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/duckdb/duckdb-go/v2"
)

//go:embed state.sql
var stateDDL string

// DB is an open state database. It holds one connection, so that temporary
// tables and explicit transactions span every statement of a command.
type DB struct {
	db   *sql.DB
	conn *sql.Conn
	path string
	inTx bool
	// statements counts the SQL statements and appenders run, so that a test
	// can show the rules engine's count does not grow with the rules.
	statements int
	// evaluations counts EvaluateRules calls: an Evaluation, and the Diff
	// and preview made from it, read tables the next call replaces.
	evaluations uint64
}

// Statements is the number of SQL statements (and appenders) run so far.
func (d *DB) Statements() int { return d.statements }

// Open opens (creating when absent) the state database at path; "" or
// ":memory:" is an in-memory database. Extensions are never fetched: parquet,
// json and icu are linked in, and anything else fails fast. It creates the
// tables a state lacks (and the columns later versions added).
func Open(ctx context.Context, path string) (*DB, error) {
	if path != "" && path != ":memory:" {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, fmt.Errorf("state %s: %w", path, err)
		}
	}
	d, err := connect(ctx, path, false)
	if err != nil {
		return nil, err
	}
	if err := d.createTables(ctx); err != nil {
		d.Close()
		return nil, fmt.Errorf("state %s: creating tables: %w", path, err)
	}
	return d, nil
}

// OpenReadOnly opens an existing state database for the commands that only
// read it (show, explain, completion): DuckDB's access_mode READ_ONLY, so
// that reading never writes the file, not even the table upgrades Open
// makes. A state that does not exist, or that needs those upgrades, is an
// error saying which command makes it; temporary tables still work.
func OpenReadOnly(ctx context.Context, path string) (*DB, error) {
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("state %s does not exist: run alignctl import first (or pass --state)", path)
		}
		return nil, fmt.Errorf("state %s: %w", path, err)
	}
	d, err := connect(ctx, path, true)
	if err != nil {
		return nil, err
	}
	if missing, err := d.missingTables(ctx); err != nil || missing != "" {
		d.Close()
		if err == nil {
			err = fmt.Errorf("made by an older alignctl, it lacks %s: run alignctl import (or plan) once to upgrade it", missing)
		}
		return nil, fmt.Errorf("state %s: %w", path, err)
	}
	return d, nil
}

// connect opens the database at path (in memory for "" or ":memory:") on
// one connection.
func connect(ctx context.Context, path string, readOnly bool) (*DB, error) {
	settings := url.Values{
		"autoinstall_known_extensions": {"false"},
		"autoload_known_extensions":    {"false"},
		// Every read whose order matters has an ORDER BY; without the
		// guarantee DuckDB loads and aggregates in parallel without buffering.
		"preserve_insertion_order": {"false"},
		"memory_limit":             {MemoryLimit()},
	}
	if readOnly {
		settings.Set("access_mode", "READ_ONLY")
	}
	dsn := ""
	if path != "" && path != ":memory:" {
		// Joins and sorts beyond memory_limit spill beside the state.
		settings.Set("temp_directory", path+".tmp")
		dsn = path
	}
	dsn += "?" + settings.Encode()
	connector, err := duckdb.NewConnector(dsn, nil)
	if err != nil {
		if strings.Contains(err.Error(), "memory_limit") {
			return nil, fmt.Errorf("ALIGNCTL_MEMORY_LIMIT=%q: not a DuckDB memory size such as 4GB", MemoryLimit())
		}
		return nil, fmt.Errorf("state %s: %w", path, cleanDuckErr(err))
	}
	sdb := sql.OpenDB(connector)
	sdb.SetMaxOpenConns(1)
	conn, err := sdb.Conn(ctx)
	if err != nil {
		sdb.Close()
		return nil, fmt.Errorf("state %s: %w", path, cleanDuckErr(err))
	}
	return &DB{db: sdb, conn: conn, path: path}, nil
}

// createTables makes what the state lacks of state.sql and the CRM objects'
// tables; every statement is idempotent.
func (d *DB) createTables(ctx context.Context) error {
	if _, err := d.conn.ExecContext(ctx, stateDDL); err != nil {
		return cleanDuckErr(err)
	}
	return d.createCRMTables(ctx)
}

// stateColumns lists the tables, columns and sequences of the main
// database as "table.column" and "sequence name".
const stateColumns = `SELECT table_name || '.' || column_name FROM duckdb_columns() WHERE database_name = current_database()
	UNION ALL SELECT 'sequence ' || sequence_name FROM duckdb_sequences() WHERE database_name = current_database()`

// missingTables names what createTables would add to the state ("" when
// nothing): the tables and columns an empty database has once created,
// less those the state has.
func (d *DB) missingTables(ctx context.Context) (string, error) {
	fresh, err := connect(ctx, "", false)
	if err != nil {
		return "", err
	}
	defer fresh.Close()
	if err := fresh.createTables(ctx); err != nil {
		return "", err
	}
	names := func(db *DB) (map[string]bool, error) {
		rows, err := db.conn.QueryContext(ctx, stateColumns)
		if err != nil {
			return nil, cleanDuckErr(err)
		}
		defer rows.Close()
		out := map[string]bool{}
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				return nil, err
			}
			out[n] = true
		}
		return out, rows.Err()
	}
	want, err := names(fresh)
	if err != nil {
		return "", err
	}
	have, err := names(d)
	if err != nil {
		return "", err
	}
	var missing []string
	for n := range want {
		if !have[n] {
			missing = append(missing, n)
		}
	}
	if len(missing) == 0 {
		return "", nil
	}
	slices.Sort(missing)
	if len(missing) > 3 {
		missing = append(missing[:3], fmt.Sprintf("and %d more", len(missing)-3))
	}
	return strings.Join(missing, ", "), nil
}

// DefaultMemoryLimit is DuckDB's memory_limit unless ALIGNCTL_MEMORY_LIMIT
// says otherwise: enough for a plan of 5 million accounts, leaving room for
// the Go side within 6 GiB (docs/benchmarks.md).
const DefaultMemoryLimit = "4GB"

// MemoryLimit is the memory_limit the state database opens with: the
// ALIGNCTL_MEMORY_LIMIT environment variable (a DuckDB size such as "8GB"),
// or DefaultMemoryLimit.
func MemoryLimit() string {
	if v := strings.TrimSpace(os.Getenv("ALIGNCTL_MEMORY_LIMIT")); v != "" {
		return v
	}
	return DefaultMemoryLimit
}

// Close releases the database.
func (d *DB) Close() error {
	err := d.conn.Close()
	if e := d.db.Close(); err == nil {
		err = e
	}
	return err
}

// Path is the file the database lives in ("" in memory).
func (d *DB) Path() string { return d.path }

// Exec runs a statement with bound parameters.
func (d *DB) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	d.statements++
	q, args = bindable(q, args)
	start := time.Now()
	r, err := d.conn.ExecContext(ctx, q, args...)
	took, rows := time.Since(start), int64(-1)
	if m := createdTable.FindStringSubmatch(q); m != nil && err == nil && traceSQL >= 0 && took >= traceSQL {
		// Counted after the clock stopped: DuckDB reports no rows for a
		// CREATE TABLE AS.
		d.conn.QueryRowContext(ctx, `SELECT count(*) FROM `+m[1]).Scan(&rows)
	}
	traceTook(took, q, rows)
	return r, cleanDuckErr(err)
}

// Query runs a query with bound parameters.
func (d *DB) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	d.statements++
	q, args = bindable(q, args)
	defer traceStatement(time.Now(), q)
	r, err := d.conn.QueryContext(ctx, q, args...)
	return r, cleanDuckErr(err)
}

// Strings runs a query of one VARCHAR column and returns its values.
func (d *DB) Strings(ctx context.Context, q string, args ...any) ([]string, error) {
	rows, err := d.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// QueryRow runs a query expected to return at most one row.
func (d *DB) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	d.statements++
	q, args = bindable(q, args)
	defer traceStatement(time.Now(), q)
	return d.conn.QueryRowContext(ctx, q, args...)
}

// Tx runs fn in one transaction: everything it writes lands together or not at
// all, so a failed command leaves the previous state whole.
func (d *DB) Tx(ctx context.Context, fn func() error) (err error) {
	if d.inTx {
		return fn()
	}
	if _, err := d.conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return cleanDuckErr(err)
	}
	d.inTx = true
	defer func() {
		d.inTx = false
		if p := recover(); p != nil {
			d.conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
			panic(p)
		}
		if err != nil {
			d.conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
			return
		}
		if _, cerr := d.conn.ExecContext(ctx, "COMMIT"); cerr != nil {
			d.conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
			err = cleanDuckErr(cerr)
		}
	}()
	return fn()
}

// DryRun runs fn in a transaction that is always rolled back: a plan uses it
// to look at the state as an apply would leave it.
func (d *DB) DryRun(ctx context.Context, fn func() error) error {
	if d.inTx {
		return errors.New("query: DryRun inside a transaction")
	}
	if _, err := d.conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return cleanDuckErr(err)
	}
	d.inTx = true
	defer func() {
		d.inTx = false
		d.conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
	}()
	return fn()
}

// Append bulk-inserts rows into a table (a temporary one when temp is true)
// with DuckDB's Appender; each call of fn's add adds one row.
func (d *DB) Append(ctx context.Context, temp bool, table string, fn func(add func(vals ...driver.Value) error) error) error {
	catalog := ""
	if temp {
		catalog = "temp"
	}
	d.statements++
	return d.conn.Raw(func(raw any) error {
		a, err := duckdb.NewAppender(raw.(driver.Conn), catalog, "main", table)
		if err != nil {
			return fmt.Errorf("appender %s: %w", table, cleanDuckErr(err))
		}
		if err := fn(a.AppendRow); err != nil {
			a.Close()
			return err
		}
		if err := a.Close(); err != nil {
			return fmt.Errorf("appender %s: %w", table, cleanDuckErr(err))
		}
		return nil
	})
}

// Serial is the state's write counter.
func (d *DB) Serial(ctx context.Context) (int64, error) {
	var s int64
	err := d.QueryRow(ctx, "SELECT serial FROM state").Scan(&s)
	return s, cleanDuckErr(err)
}

// Write describes one write of the state, for the write log: which command,
// at what execution time, and which territories it may have changed (nil:
// any of them).
type Write struct {
	Command string
	At      time.Time
	Scope   []string
	// CRMData marks an import that may have changed the CRM data rules
	// read (not only the records a push writes back).
	CRMData bool
	// ReadBack marks the import a push makes of the records it wrote.
	ReadBack bool
}

// BumpSerial increments the serial and logs the write; every write calls it
// inside its transaction.
func (d *DB) BumpSerial(ctx context.Context, w Write) (int64, error) {
	var s int64
	if err := d.QueryRow(ctx, "UPDATE state SET serial = serial + 1 RETURNING serial").Scan(&s); err != nil {
		return 0, cleanDuckErr(err)
	}
	var scope any
	if w.Scope != nil {
		scope = w.Scope
	}
	_, err := d.Exec(ctx, `INSERT INTO write_log (serial, command, executed_at, scope, crm_data, read_back) VALUES ($1, $2, $3, $4::VARCHAR[], $5, $6)`,
		s, w.Command, w.At, scope, w.Command == "import" && w.CRMData, w.Command == "import" && w.ReadBack)
	return s, err
}

// WritesSince lists the writes after serial, oldest first.
func (d *DB) WritesSince(ctx context.Context, serial int64) ([]Write, error) {
	rows, err := d.Query(ctx, `SELECT command, executed_at, scope FROM write_log WHERE serial > $1 ORDER BY serial`, serial)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Write
	for rows.Next() {
		var w Write
		var scope any
		if err := rows.Scan(&w.Command, &w.At, &scope); err != nil {
			return nil, err
		}
		if list, ok := scope.([]any); ok {
			w.Scope = strs(list)
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// bindable fits shared argument lists to a statement written with numbered
// parameters: statements of one step share ($1 now, $2 instance, ...) and
// DuckDB rejects arguments a statement does not use, so the parameters it
// does use are renumbered in order and only their arguments passed. Only
// placeholders are rewritten; values stay bound.
func bindable(q string, args []any) (string, []any) {
	used := map[int]bool{}
	for _, m := range paramRef.FindAllStringSubmatch(q, -1) {
		n, _ := strconv.Atoi(m[1])
		used[n] = true
	}
	if len(used) == 0 {
		return q, args
	}
	var nums []int
	for n := range used {
		nums = append(nums, n)
	}
	slices.Sort(nums)
	renum := map[int]int{}
	out := make([]any, 0, len(nums))
	for i, n := range nums {
		renum[n] = i + 1
		if n-1 < len(args) {
			out = append(out, args[n-1])
		}
	}
	q = paramRef.ReplaceAllStringFunc(q, func(m string) string {
		n, _ := strconv.Atoi(m[1:])
		return "$" + strconv.Itoa(renum[n])
	})
	return q, out
}

var paramRef = regexp.MustCompile(`\$([0-9]+)`)

// Ident quotes an SQL identifier. Only names from the schema of known objects
// and validated field names reach it; quoting keeps even those inert.
func Ident(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// cleanDuckErr trims DuckDB's multi-line error text to its first line, so that
// errors stay one line each on stderr.
func cleanDuckErr(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		return &duckError{msg: strings.TrimSpace(msg[:i]), err: err}
	}
	return err
}

type duckError struct {
	msg string
	err error
}

func (e *duckError) Error() string { return e.msg }
func (e *duckError) Unwrap() error { return e.err }

// traceSQL is the threshold of ALIGNCTL_TRACE_SQL (a duration such as 10ms;
// 0 lists every statement): each statement that takes at least as long is
// written to stderr with its wall time and the start of its text, never its
// parameters, to see where a slow command spends its time
// (docs/benchmarks.md). A query's time is until its first rows. Unset or
// not a duration: off.
var traceSQL = func() time.Duration {
	d, err := time.ParseDuration(os.Getenv("ALIGNCTL_TRACE_SQL"))
	if err != nil {
		return -1
	}
	return d
}()

// traceEvaluation says under ALIGNCTL_TRACE_SQL how the evaluation cache
// served a plan.
func traceEvaluation(c *EvalCache, rules int) {
	switch {
	case traceSQL < 0:
	case c.Hit:
		fmt.Fprintf(os.Stderr, "alignctl: evaluation: from the cache (%d rules)\n", rules)
	case c.Reused > 0:
		fmt.Fprintf(os.Stderr, "alignctl: evaluation: %d of %d rules evaluated, the rest from the cache\n", rules-c.Reused, rules)
	default:
		fmt.Fprintf(os.Stderr, "alignctl: evaluation: all %d rules evaluated\n", rules)
	}
}

func traceStatement(start time.Time, q string) { traceTook(time.Since(start), q, -1) }

// createdTable finds the table a CREATE TABLE AS makes, whose rows the
// trace counts.
var createdTable = regexp.MustCompile(`^\s*CREATE (?:OR REPLACE )?(?:TEMP )?TABLE (\w+) AS`)

// traceTook traces a statement that took took and, when rows >= 0, made a
// table of that many rows.
func traceTook(took time.Duration, q string, rows int64) {
	if traceSQL < 0 || took < traceSQL {
		return
	}
	q = strings.Join(strings.Fields(q), " ")
	if len(q) > 120 {
		q = q[:120]
	}
	if rows >= 0 {
		fmt.Fprintf(os.Stderr, "alignctl: sql %7.3fs %10d rows %s\n", took.Seconds(), rows, q)
		return
	}
	fmt.Fprintf(os.Stderr, "alignctl: sql %7.3fs %s\n", took.Seconds(), q)
}

// Columns lists a table's column names in order.
func (d *DB) Columns(ctx context.Context, table string) ([]string, error) {
	return d.Strings(ctx, `SELECT column_name FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index`, table)
}

// TableExists reports whether a (non-temporary) table exists.
func (d *DB) TableExists(ctx context.Context, table string) (bool, error) {
	var n int
	err := d.QueryRow(ctx, `SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND NOT temporary`, table).Scan(&n)
	return n > 0, cleanDuckErr(err)
}
