package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/alignctl/alignctl/cmd/alignctl/cli"
	"github.com/alignctl/alignctl/reconcile"
)

// chromiumPath is Debian's chromium package, which .ci/run installs.
const chromiumPath = "/usr/bin/chromium"

// TestHTMLReport renders the HTML plan of the bundled example in headless
// Chromium: the pull request behind it moves Long Island (ZIP 115*, 117*)
// from ONC-102 to ONC-103, after a first apply and push. The page must load
// without a console error, an exception or any request beyond the file
// itself, and each field force's chart must draw a bar before and a bar
// after the plan for every territory of the plan's accounts_per_territory.
// The full-page screenshot goes to docs/images/plan-report.png with -update
// (the README shows it), to a temporary folder otherwise.
func TestHTMLReport(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%v: CI must run the browser test (.ci/run installs Debian's chromium)", err)
		}
		t.Skipf("%s not found: install Debian's chromium (apt-get install chromium) to run the browser test", chromiumPath)
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	page, p := examplePlanHTML(t, root)

	// Self-contained: nothing on the page points anywhere.
	for _, re := range []string{`https?://`, `(?i)<[^>]*\s(src|href)\s*=`, `(?i)<(script|link|img|iframe|object|embed)\b`, `(?i)url\(|@import`} {
		if m := regexp.MustCompile(re).Find(page); m != nil {
			t.Errorf("the page is not self-contained: it has %q", m)
		}
	}
	report := filepath.Join(t.TempDir(), "plan.html")
	if err := os.WriteFile(report, page, 0o644); err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	ctx, problems := headlessChromium(t)
	if err := chromedp.Do(ctx, chromedp.Navigate((&url.URL{Scheme: "file", Path: report}).String())); err != nil {
		t.Fatalf("load the page: %v", err)
	}
	type chartFacts struct {
		Before []string `json:"before"` // the titles of the bars
		After  []string `json:"after"`
		Charts int      `json:"charts"`
		Named  int      `json:"named"` // charts with role img and a label
		Width  float64  `json:"width"` // of the narrowest chart as drawn
		Drawn  float64  `json:"drawn"` // the widest after bar as drawn
	}
	facts, err := chromedp.Run(ctx, chromedp.Evaluate[chartFacts](`(() => {
		const titles = sel => Array.from(document.querySelectorAll(sel), r => r.querySelector('title')?.textContent ?? '');
		const charts = Array.from(document.querySelectorAll('svg.chart'));
		const after = Array.from(document.querySelectorAll('svg rect.bar.after'));
		return {
			before: titles('svg rect.bar.before'),
			after: titles('svg rect.bar.after'),
			charts: charts.length,
			named: charts.filter(s => s.getAttribute('role') === 'img' && s.getAttribute('aria-label')).length,
			width: Math.min(...charts.map(s => s.getBoundingClientRect().width)),
			drawn: Math.max(...after.map(r => r.getBoundingClientRect().width)),
		};
	})()`))
	if err != nil {
		t.Fatalf("read the charts: %v", err)
	}
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	t.Logf("browser: %s (start, load, check, screenshot)", time.Since(start).Round(time.Millisecond))

	for _, msg := range problems() {
		t.Errorf("browser: %s", msg)
	}
	var want []string
	fieldForces := map[string]bool{}
	for _, a := range p.Accounts {
		want = append(want, fmt.Sprintf("%s: before %d, after %d", a.Territory, a.Before, a.After))
		fieldForces[a.FieldForce] = true
	}
	if len(want) == 0 {
		t.Fatal("the example's plan has no accounts per territory")
	}
	for name, got := range map[string][]string{"before": facts.Before, "after": facts.After} {
		if len(got) != len(want) {
			t.Errorf("%d %s bars (svg rect.bar.%s), want one per territory: %d", len(got), name, name, len(want))
		}
		for _, w := range want {
			if !slices.Contains(got, w) {
				t.Errorf("no %s bar titled %q", name, w)
			}
		}
		for _, g := range got {
			if !slices.Contains(want, g) {
				t.Errorf("a %s bar titled %q, which is no territory of the plan", name, g)
			}
		}
	}
	if facts.Charts != len(fieldForces) || facts.Named != facts.Charts {
		t.Errorf("%d charts, %d of them with role img and a label; want one per field force: %d", facts.Charts, facts.Named, len(fieldForces))
	}
	if facts.Width < 300 || facts.Drawn < 50 {
		t.Errorf("the charts are drawn too small: narrowest chart %.0fpx, widest after bar %.0fpx", facts.Width, facts.Drawn)
	}

	out := filepath.Join(t.TempDir(), "plan-report.png")
	if *update {
		out = filepath.Join(root, "docs", "images", "plan-report.png")
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(out, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", out)
}

// examplePlanHTML makes the example's pull-request plan, as HTML and as the
// plan itself: the example config is committed, imported, applied and
// pushed, then a commit moves Long Island from ONC-102 to ONC-103, and plan
// --base HEAD~1 shows that change. It runs in a temporary folder with
// relative paths, so the page (its reproduce line too) is the same on every
// run.
func examplePlanHTML(t *testing.T, root string) ([]byte, *reconcile.Plan) {
	dir := t.TempDir()
	for _, d := range []string{"config", "crm"} {
		if err := os.CopyFS(filepath.Join(dir, d), os.DirFS(filepath.Join(root, "examples", d))); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir)
	repo, err := git.PlainInitWithOptions(".", &git.PlainInitOptions{
		InitOptions: git.InitOptions{DefaultBranch: plumbing.NewBranchReferenceName("main")},
	})
	if err != nil {
		t.Fatal(err)
	}
	commit := func(msg string, when time.Time) {
		t.Helper()
		wt, err := repo.Worktree()
		if err != nil {
			t.Fatal(err)
		}
		if err := wt.AddWithOptions(&git.AddOptions{Path: "config"}); err != nil {
			t.Fatal(err)
		}
		sig := &object.Signature{Name: "Admin", Email: "admin@example.com", When: when}
		if _, err := wt.Commit(msg, &git.CommitOptions{All: true, Author: sig, Committer: sig}); err != nil {
			t.Fatal(err)
		}
	}
	run := func(args ...string) []byte {
		t.Helper()
		var stdout, stderr bytes.Buffer
		args = append([]string{"--config", "config", "--state", "state.duckdb", "--now", "2026-11-23T09:00:00Z"}, args...)
		if code := cli.Run(context.Background(), args, &stdout, &stderr); code != 0 {
			t.Fatalf("alignctl %s: exit %d\n%s", strings.Join(args, " "), code, stderr.String())
		}
		return stdout.Bytes()
	}
	commit("the example alignment", time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC))
	run("import")
	run("apply", "--auto-approve", "--push")

	// The pull request: Long Island moves to Southern New England.
	file := filepath.Join("config", "territories", "oncology.yaml")
	yaml, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	moved := "  - {code: \"115*\"}\n  - {code: \"117*\"}\n"
	onc103 := "  - {code: \"020*\", start_date: 2026-07-01}   # from ONC-101\n"
	if bytes.Count(yaml, []byte(moved)) != 1 || bytes.Count(yaml, []byte(onc103)) != 1 {
		t.Fatalf("%s no longer has ONC-102's Long Island ZIPs and ONC-103's last geography as this test expects; update the test", file)
	}
	yaml = bytes.Replace(yaml, []byte(moved), nil, 1)
	yaml = bytes.Replace(yaml, []byte(onc103), []byte(onc103+moved), 1)
	if err := os.WriteFile(file, yaml, 0o644); err != nil {
		t.Fatal(err)
	}
	commit("ONC: Long Island moves from ONC-102 to ONC-103", time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC))

	page := run("plan", "--base", "HEAD~1", "--format", "html")
	var p reconcile.Plan
	if err := json.Unmarshal(run("plan", "--base", "HEAD~1", "--format", "json"), &p); err != nil {
		t.Fatal(err)
	}
	if len(p.Impact) == 0 {
		t.Fatal("the example's pull request moves no account; the report would show no impact")
	}
	return page, &p
}

// headlessChromium starts Debian's chromium without a sandbox, GPU or any
// background networking, on a fresh profile, and returns a tab's context and
// a func that lists what went wrong on the page so far: console errors and
// failed assertions, uncaught exceptions, browser log errors (a blocked or
// failed load, a content security policy violation) and every request for
// anything other than a file:// URL.
func headlessChromium(t *testing.T) (context.Context, func() []string) {
	t.Helper()
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	t.Cleanup(cancelAlloc)
	ctx, cancelTab := chromedp.NewContext(alloc)
	t.Cleanup(cancelTab)
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(cancelTimeout)

	var mu sync.Mutex
	var problems []string
	note := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		problems = append(problems, fmt.Sprintf(format, args...))
	}
	err := chromedp.Listen(ctx, func(ev any) {
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
				var args []string
				for _, a := range ev.Args {
					args = append(args, cmp.Or(a.Description, string(a.Value)))
				}
				note("console.%s: %s", ev.Type, strings.Join(args, " "))
			}
		case *runtime.EventExceptionThrown:
			d := ev.ExceptionDetails
			text := d.Text
			if d.Exception != nil {
				text += " " + d.Exception.Description
			}
			note("uncaught exception at %s:%d: %s", d.URL, d.LineNumber+1, text)
		case *log.EventEntryAdded:
			if ev.Entry.Level == log.EntryLevelError {
				note("log error (%s) %s: %s", ev.Entry.Source, ev.Entry.URL, ev.Entry.Text)
			}
		case *network.EventRequestWillBeSent:
			if u := ev.Request.URL; !strings.HasPrefix(u, "file://") {
				note("request for %s: the page must load nothing", u)
			}
		}
	})
	if err != nil {
		t.Fatalf("start %s: %v", chromiumPath, err)
	}
	return ctx, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(problems)
	}
}
