// Command bench is the driver of `make bench`: for each size it generates an
// alignment with examples/scale, runs the whole cycle with the alignctl
// binary as child processes at a fixed --now (validate, import, first plan,
// apply, push to the file CRM, no-change re-plan, plan after a change to 1%
// of the rules, the same change evaluated in full and as a pull request
// with --base, plan after a one-rule change), times a hand-written DuckDB
// baseline on the same data, and writes wall time and peak RSS of each step
// to docs/benchmarks.md. With -mixes, every size runs once per rule mix
// (examples/scale -mix), each a column of its own.
//
//	go run ./examples/bench [-accounts 100000,1000000] [-mixes templates,zip-lists] [-alignctl bin/alignctl] [-doc docs/benchmarks.md]
//
// The table lands between the markers <!-- bench:start --> and
// <!-- bench:end --> of the doc (added at its end when missing), so the rest
// of the doc stays. With -doc "" it is printed only.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/alignctl/alignctl/reconcile"
)

type config struct {
	sizes                 []int
	mixes                 []string
	territories, criteria int
	alignctl, work, doc   string
	now                   string
	timeout               time.Duration
	command, revision     string
}

func main() {
	var c config
	accounts := flag.String("accounts", "1000000", "comma-separated account counts, one column of the table each")
	mixList := flag.String("mixes", "templates", "comma-separated rule mixes of examples/scale (-mix), one column each at every size")
	flag.IntVar(&c.territories, "territories", 0, "territories at every size (default: the generator's, accounts/200 up to 25,000)")
	flag.IntVar(&c.criteria, "criteria", 0, "rule criteria at every size (default: the generator's, accounts/100)")
	flag.StringVar(&c.alignctl, "alignctl", filepath.Join("bin", "alignctl"), "the alignctl binary to measure")
	flag.StringVar(&c.work, "work", filepath.Join("out", "bench"), "folder for the generated data, states and plans")
	flag.StringVar(&c.doc, "doc", filepath.Join("docs", "benchmarks.md"), `doc to write the table into ("" prints it only)`)
	flag.StringVar(&c.now, "now", "2026-11-02T09:00:00Z", "the --now of every command")
	flag.DurationVar(&c.timeout, "timeout", 2*time.Hour, "limit of each step")
	flag.StringVar(&c.command, "command", "", "the command that reproduces this run, for the doc (default: this one)")
	flag.StringVar(&c.revision, "revision", "", "what alignctl was built from, for the doc (default: git rev-parse HEAD here)")
	baseline := flag.String("baseline", "", "run only the baseline query on this generated folder and print its result")
	explain := flag.Bool("explain", false, "with -baseline: print the query's EXPLAIN ANALYZE profile to stderr")
	pairs := flag.String("pairs", "", "with -baseline: write the matched (account, territory) pairs to this CSV file")
	flag.Parse()
	if *baseline != "" {
		now, err := time.Parse(time.RFC3339, c.now)
		if err == nil {
			err = runBaseline(*baseline, now, *explain, *pairs)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "baseline:", err)
			os.Exit(1)
		}
		return
	}
	for _, s := range strings.Split(*accounts, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(strings.ReplaceAll(s, "_", "")))
		if err != nil || n <= 0 {
			fmt.Fprintf(os.Stderr, "bench: -accounts %q: want numbers like 100000,1000000\n", *accounts)
			os.Exit(2)
		}
		c.sizes = append(c.sizes, n)
	}
	for _, m := range strings.Split(*mixList, ",") {
		c.mixes = append(c.mixes, strings.TrimSpace(m))
	}
	if c.command == "" {
		c.command = "go run ./examples/bench " + strings.Join(os.Args[1:], " ")
	}
	if err := run(c); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(c config) error {
	if _, err := os.Stat(c.alignctl); err != nil {
		return fmt.Errorf("alignctl binary: %w (make build)", err)
	}
	if err := os.MkdirAll(c.work, 0o755); err != nil {
		return err
	}
	// The generator is built once, so that its time is generation only.
	scale, err := filepath.Abs(filepath.Join(c.work, "scale"))
	if err != nil {
		return err
	}
	if out, err := exec.Command("go", "build", "-o", scale, "./examples/scale").CombinedOutput(); err != nil {
		return fmt.Errorf("building examples/scale: %v\n%s", err, out)
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	rep := &report{command: c.command, machine: describeMachine(c.revision), started: time.Now()}
	var failed error
	for _, n := range c.sizes {
		for _, mix := range c.mixes {
			r := measure(c, scale, self, n, mix)
			rep.sizes = append(rep.sizes, r)
			if r.err != nil {
				failed = errors.Join(failed, fmt.Errorf("%d accounts, %s: %w", n, mix, r.err))
			}
		}
	}
	rep.loadEnd = loadAverage()
	table := rep.markdown()
	fmt.Println(table)
	if c.doc != "" {
		if err := writeDoc(c.doc, table); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "bench: wrote %s\n", c.doc)
	}
	return failed
}

// step is one measured child process.
type step struct {
	name    string
	wall    time.Duration
	maxRSS  int64 // KiB
	changes string
	ran     bool // it ran to the end (successfully or not)
	killed  bool // it ran past -timeout and was killed
}

// sizeResult is one column of the table.
type sizeResult struct {
	mix                                    string
	accounts, territories, criteria, rules int
	rows                                   int64 // snapshot records, all files
	bytes                                  int64
	steps                                  []step
	baseline                               baselineResult
	baselineStep                           step
	planBytes                              int64
	err                                    error
}

func (r *sizeResult) step(name string) step {
	for _, s := range r.steps {
		if s.name == name {
			return s
		}
	}
	return step{name: name}
}

// Step names, in the order they run.
const (
	stepGenerate = "generate"
	stepValidate = "validate"
	stepImport   = "import"
	// stepImportAccounts imports the accounts file alone (the snapshot's
	// account__v.csv, into a state of its own): the import target names 5M
	// accounts; the import step takes the whole snapshot.
	stepImportAccounts = "import, account__v alone"
	stepPlan           = "first plan"
	stepApply          = "apply"
	stepPush           = "push"
	stepReplan         = "no-change re-plan"
	stepChanged1pct    = "plan after a change to 1% of the rules"
	// stepChanged1pctFull plans the same change without the evaluation
	// cache: its changes must be the incremental plan's.
	stepChanged1pctFull = "1% change, evaluated in full (cache off)"
	// stepChanged1pctBase plans the same change as a pull request does,
	// against the applied config on the base branch (base.go): its changes
	// must be the plain plan's, in at most 1.3x its time.
	stepChanged1pctBase = "1% change, plan --base (pull request)"
	stepChanged         = "plan after a one-rule change"
)

// measure runs the cycle at one size and mix, in a fresh folder (push
// writes to the file CRM, so a run always starts from a newly generated
// snapshot). The one-rule change widens a field force rule of the templates
// mix; the other mixes have none, and run the 1% change only.
func measure(c config, scale, self string, n int, mix string) *sizeResult {
	r := &sizeResult{accounts: n, mix: mix}
	name := strconv.Itoa(n)
	if mix != "templates" {
		name += "-" + mix
	}
	dir, err := filepath.Abs(filepath.Join(c.work, name))
	if err != nil {
		r.err = err
		return r
	}
	if err := os.RemoveAll(dir); err != nil {
		r.err = err
		return r
	}
	if err := os.MkdirAll(filepath.Join(dir, "logs"), 0o755); err != nil {
		r.err = err
		return r
	}
	fmt.Fprintf(os.Stderr, "bench: %d accounts, %s, in %s\n", n, mix, dir)
	gen := []string{"-out", dir, "-accounts", strconv.Itoa(n), "-mix", mix}
	if c.territories > 0 {
		gen = append(gen, "-territories", strconv.Itoa(c.territories))
	}
	if c.criteria > 0 {
		gen = append(gen, "-criteria", strconv.Itoa(c.criteria))
	}
	alignctl, err := filepath.Abs(c.alignctl)
	if err != nil {
		r.err = err
		return r
	}
	// The state's cache folder (alignctl keeps it beside the state).
	cache := filepath.Join(dir, "state.duckdb.cache")
	cli := func(args ...string) []string {
		return append([]string{alignctl, "--config", "config", "--state", "state.duckdb", "--now", c.now}, args...)
	}
	type plannedStep struct {
		name    string
		argv    []string
		ok      []int        // exit codes that mean success
		prepare func() error // before the step, when set
	}
	plan := []plannedStep{
		{name: stepGenerate, argv: append([]string{scale}, gen...), ok: []int{0}},
		{name: stepValidate, argv: cli("validate"), ok: []int{0}},
		{name: stepImportAccounts, ok: []int{0}, prepare: func() error { return accountsOnly(dir) },
			argv: []string{alignctl, "--config", filepath.Join("accounts", "config"), "--state", filepath.Join("accounts", "state.duckdb"), "--now", c.now, "import"}},
		{name: stepImport, argv: cli("import"), ok: []int{0}},
		{name: stepPlan, argv: cli("plan", "--out", "plan1.json", "--detailed-exitcode"), ok: []int{2}},
		{name: stepApply, argv: cli("apply", "plan1.json"), ok: []int{0}},
		{name: stepPush, argv: cli("push"), ok: []int{0}},
		{name: stepReplan, argv: cli("plan", "--out", "plan2.json", "--detailed-exitcode"), ok: []int{0}},
		{name: "change", argv: append([]string{scale}, append(gen, "-change", "1")...), ok: []int{0},
			prepare: func() error { return commitApplied(filepath.Join(dir, "config")) }},
		{name: stepChanged1pct, argv: cli("plan", "--out", "plan4.json", "--detailed-exitcode"), ok: []int{0, 2},
			prepare: func() error { return errors.Join(commitChange(filepath.Join(dir, "config")), saveCache(cache)) }},
		{name: stepChanged1pctFull, argv: append([]string{"env", "ALIGNCTL_PLAN_CACHE=off"}, cli("plan", "--out", "plan4-full.json", "--detailed-exitcode")...), ok: []int{0, 2}},
		{name: stepChanged1pctBase, argv: cli("plan", "--base", baseBranch, "--out", "plan4-base.json", "--detailed-exitcode"), ok: []int{0, 2},
			prepare: func() error { return restoreCache(cache) }},
	}
	if mix == "templates" {
		plan = append(plan,
			plannedStep{name: "widen", argv: []string{scale, "-out", dir, "-widen"}, ok: []int{0}},
			plannedStep{name: stepChanged, argv: cli("plan", "--out", "plan3.json", "--detailed-exitcode"), ok: []int{2}})
	}
	for _, p := range plan {
		if p.prepare != nil {
			if err := p.prepare(); err != nil {
				r.err = errors.Join(r.err, fmt.Errorf("%s: %w", p.name, err))
				return r
			}
		}
		s, out, err := runStep(c, dir, p.name, p.argv, p.ok)
		if p.name != "widen" && p.name != "change" {
			r.steps = append(r.steps, s)
		}
		if err != nil {
			r.err = errors.Join(r.err, err)
			// Nothing later needs the push or the re-plan (records a push
			// left are pending, not changes): go on to the next steps.
			if p.name == stepPush || p.name == stepReplan {
				continue
			}
			return r
		}
		switch p.name {
		case stepChanged1pctFull:
			if err := samePlanChanges(filepath.Join(dir, "plan4.json"), filepath.Join(dir, "plan4-full.json")); err != nil {
				r.err = errors.Join(r.err, fmt.Errorf("the incremental plan after the 1%% change differs from a full evaluation: %w", err))
			}
		case stepChanged1pctBase:
			if err := samePlanChanges(filepath.Join(dir, "plan4.json"), filepath.Join(dir, "plan4-base.json")); err != nil {
				r.err = errors.Join(r.err, fmt.Errorf("plan --base after the 1%% change differs from the plain plan: %w", err))
			}
		case stepGenerate:
			_, err := fmt.Sscanf(string(out), "scale: %d accounts, %d territories, %d criteria, %d rules",
				&r.accounts, &r.territories, &r.criteria, &r.rules)
			if err != nil {
				r.err = fmt.Errorf("reading the generator's summary %q: %w", out, err)
				return r
			}
			r.rows, r.bytes = countRecords(filepath.Join(dir, "crm"))
		case stepImport:
			// The generated snapshot has no record import may refuse: an
			// error count means rows were lost (see docs/benchmarks.md).
			if lost := importErrors(string(out)); lost != "" {
				r.err = errors.Join(r.err, fmt.Errorf("import: records refused or lost: %s", lost))
			}
		case stepPlan:
			if fi, err := os.Stat(filepath.Join(dir, "plan1.json")); err == nil {
				r.planBytes = fi.Size()
			}
			// The baseline runs beside the first plan, on the same files,
			// both with a warm page cache.
			b, bout, err := runStep(c, dir, "baseline", []string{self, "-baseline", dir, "-now", c.now}, []int{0})
			r.baselineStep = b
			if err == nil {
				err = json.Unmarshal(bout, &r.baseline)
			}
			if err != nil {
				r.err = fmt.Errorf("baseline: %w", err)
				return r
			}
		}
	}
	return r
}

// runStep runs one child in dir and returns its wall time, peak RSS and
// stdout (also kept in dir/logs, with stderr).
func runStep(c config, dir, name string, argv []string, ok []int) (step, []byte, error) {
	s := step{name: name}
	fmt.Fprintf(os.Stderr, "bench:   %-30s", name)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return s, nil, err
	}
	var killed atomic.Bool
	timer := time.AfterFunc(c.timeout, func() {
		killed.Store(true)
		cmd.Process.Kill()
	})
	err := cmd.Wait()
	timer.Stop()
	s.wall, s.killed = time.Since(start), killed.Load()
	s.ran = !s.killed
	if cmd.ProcessState != nil {
		s.maxRSS = maxRSS(cmd.ProcessState)
	}
	logName := strings.ReplaceAll(name, " ", "-")
	os.WriteFile(filepath.Join(dir, "logs", logName+".stdout"), stdout.Bytes(), 0o644)
	os.WriteFile(filepath.Join(dir, "logs", logName+".stderr"), stderr.Bytes(), 0o644)
	code := 0
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			return s, nil, err
		}
		code = ee.ExitCode()
	}
	s.changes = planSummary(stdout.String())
	fmt.Fprintf(os.Stderr, "%8.1f s %8.2f GiB  exit %d  %s\n", s.wall.Seconds(), gib(s.maxRSS), code, s.changes)
	for _, want := range ok {
		if code == want {
			return s, stdout.Bytes(), nil
		}
	}
	if s.killed {
		return s, nil, fmt.Errorf("%s: killed after -timeout %v", name, c.timeout)
	}
	msg, _, _ := strings.Cut(strings.TrimSpace(stderr.String()), "\n")
	return s, nil, fmt.Errorf("%s: exit %d, want %v: %s (logs in %s)", name, code, ok, msg, filepath.Join(dir, "logs"))
}

// importErrors lists the objects of import's table (INSTANCE OBJECT MODE
// READ LOADED FILTERED ERRORS) that have errors, as "object n, ...".
func importErrors(out string) string {
	var bad []string
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) != 7 || f[0] == "INSTANCE" {
			continue
		}
		if n, err := strconv.Atoi(f[6]); err == nil && n > 0 {
			bad = append(bad, f[1]+" "+f[6])
		}
	}
	return strings.Join(bad, ", ")
}

// planSummary is the counts of a plan's last line ("Plan: 12 to create, ...").
func planSummary(out string) string {
	if strings.Contains(out, "No changes.") {
		return "no changes"
	}
	i := strings.LastIndex(out, "Plan: ")
	if i < 0 {
		return ""
	}
	line, _, _ := strings.Cut(out[i+len("Plan: "):], "\n")
	parts := strings.Split(strings.TrimSuffix(line, "."), ", ")
	var keep []string
	for _, p := range parts {
		// The assignment changes: create, end, update.
		if strings.HasSuffix(p, "to create") || strings.HasSuffix(p, "to end") || strings.HasSuffix(p, "to update") {
			keep = append(keep, p)
		}
	}
	return strings.Join(keep, ", ")
}

// countRecords counts the records (lines less headers) and bytes of the
// snapshot's CSV files; the generator writes no newline inside a field.
func countRecords(dir string) (rows, size int64) {
	files, _ := filepath.Glob(filepath.Join(dir, "*.csv"))
	buf := make([]byte, 1<<20)
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			continue
		}
		for {
			n, err := fh.Read(buf)
			rows += int64(bytes.Count(buf[:n], []byte{'\n'}))
			size += int64(n)
			if err != nil {
				break
			}
		}
		fh.Close()
		rows-- // the header
	}
	return rows, size
}

// accountsOnly makes dir/accounts: a copy of the config and a snapshot
// folder holding only the accounts file (a hard link, or a copy), for
// stepImportAccounts. The other snapshot files are absent, which the import
// reads as empty.
func accountsOnly(dir string) error {
	to := filepath.Join(dir, "accounts")
	if err := os.RemoveAll(to); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(to, "crm"), 0o755); err != nil {
		return err
	}
	if err := os.CopyFS(filepath.Join(to, "config"), os.DirFS(filepath.Join(dir, "config"))); err != nil {
		return err
	}
	from, file := filepath.Join(dir, "crm", "account__v.csv"), filepath.Join(to, "crm", "account__v.csv")
	if os.Link(from, file) == nil {
		return nil
	}
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(file, b, 0o644)
}

// samePlanChanges fails unless two saved plans list the same assignment and
// CRM changes.
func samePlanChanges(a, b string) error {
	var plans [2]*reconcile.Plan
	for i, name := range []string{a, b} {
		p, err := reconcile.OpenSavedPlan(name)
		if err == nil {
			err = p.LoadBody(context.Background())
			p.Close()
		}
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		plans[i] = p
	}
	for _, list := range []struct {
		name string
		of   func(p *reconcile.Plan) any
	}{
		{"assignment changes", func(p *reconcile.Plan) any { return p.AssignmentChanges }},
		{"CRM changes", func(p *reconcile.Plan) any { return p.CRMChanges }},
	} {
		x, _ := json.Marshal(list.of(plans[0]))
		y, _ := json.Marshal(list.of(plans[1]))
		if !bytes.Equal(x, y) {
			return fmt.Errorf("%s: %d bytes of JSON against %d", list.name, len(x), len(y))
		}
	}
	return nil
}
