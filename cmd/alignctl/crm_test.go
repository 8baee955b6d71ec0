package main

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/alignctl/alignctl/crm/vaulttest"
)

// TestCRMScripts runs every script of testdata/crm-script twice: once
// against the file CRM and once against Vault's REST API (an in-process fake
// Vault seeded with the same files). A script sees the CRM only through
// commands that work the same on both: crmrows, crmadd, crmupdate,
// crmdelete and crmclock, so one expected output serves both connectors.
func TestCRMScripts(t *testing.T) {
	for _, mode := range []string{"file", "vault"} {
		t.Run(mode, func(t *testing.T) {
			testscript.Run(t, testscript.Params{
				Dir:                 "../../testdata/crm-script",
				UpdateScripts:       *update && mode == "file",
				RequireExplicitExec: true,
				Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
					"crmrows":   crmRowsCmd,
					"crmadd":    crmAddCmd,
					"crmdelete": crmDeleteCmd,
					"crmclock":  crmClockCmd,
					"crmupdate": crmUpdateCmd,
				},
				Setup: func(env *testscript.Env) error { return setupCRM(env, mode) },
			})
		})
	}
}

// crmKey holds a script's CRM: the mode and, for vault, the fake server.
type crmKey struct{}

type scriptCRM struct {
	mode  string
	dir   string // the file CRM folder (file mode), or the folder the fake was seeded from
	vault *vaulttest.Server

	mu    sync.Mutex
	clock time.Time // stamps records the script adds or deletes, and the fake's writes
	next  int       // ids of records the script adds to the file CRM
}

func (c *scriptCRM) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.clock
}

// setupCRM copies the fixture beside the script's own files (which win),
// and in vault mode points the config's instance at a fake Vault seeded
// with the script's crm folder.
func setupCRM(env *testscript.Env, mode string) error {
	if err := copyMissing(env.WorkDir, "../../testdata/fixture"); err != nil {
		return err
	}
	c := &scriptCRM{mode: mode, dir: filepath.Join(env.WorkDir, "crm"), clock: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	env.Values[crmKey{}] = c
	env.Setenv("NO_COLOR", "1")
	// Every plan made twice checks the evaluation cache against an evaluation.
	env.Setenv("ALIGNCTL_PLAN_CACHE", "verify")
	// Every plan with changes keeps them in files (reconcile/spool.go), as
	// a plan of many changes does; plan_spool.txtar compares the two.
	env.Setenv("ALIGNCTL_PLAN_SPOOL_AT", "1")
	env.Setenv("ALIGNCTL_STATE", "")
	setScriptDefaults(env)
	env.Setenv("CRM_MODE", mode)
	if mode == "file" {
		return nil
	}
	v, err := fakeVault(c.dir, vaulttest.WithClock(c.now))
	if err != nil {
		return err
	}
	env.Defer(v.Close)
	c.vault = v
	env.Setenv("ALIGN_VAULT_USERNAME", "integration@example.com")
	env.Setenv("ALIGN_VAULT_PASSWORD", vaultPassword)
	settings := filepath.Join(env.WorkDir, "config", "settings.yaml")
	b, err := os.ReadFile(settings)
	if err != nil {
		return err
	}
	out := fileInstance.ReplaceAllString(string(b), "${1}type: vault\n${1}url: "+v.URL()+"\n${1}api_version: v25.1\n${1}credentials_env: ALIGN_VAULT\n")
	if out == string(b) {
		return fmt.Errorf("%s: no file instance with url ../crm to point at the fake Vault", settings)
	}
	return os.WriteFile(settings, []byte(out), 0o666)
}

// fileInstance is a settings entry of the file CRM in ../crm.
var fileInstance = regexp.MustCompile(`(?m)^(\s+)type: file\n\s+url: \.\./crm\n`)

// copyMissing copies the files of src into dst that dst does not have yet.
func copyMissing(dst, src string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		if _, err := os.Stat(target); err == nil {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o777); err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o666)
	})
}

// crmClockCmd sets the CRM's clock: the modified_date__v of records the
// script adds and the deleted_date of those it deletes (and, for Vault, of
// what a push writes).
func crmClockCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: crmclock RFC3339")
	}
	at, err := time.Parse(time.RFC3339, args[0])
	ts.Check(err)
	c := ts.Value(crmKey{}).(*scriptCRM)
	c.mu.Lock()
	c.clock = at.UTC()
	c.mu.Unlock()
}

// crmRowsCmd prints an object's records, one sorted line each, the same on
// both connectors: ids, external ids and modification times left out, empty
// fields left out, and references to territory__v records shown as @name__v.
func crmRowsCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: crmrows OBJECT")
	}
	c := ts.Value(crmKey{}).(*scriptCRM)
	names := map[string]string{}
	for _, r := range c.rows(ts, "territory__v") {
		names[r["id"]] = r["name__v"]
	}
	var lines []string
	for _, r := range c.rows(ts, args[0]) {
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(r)) {
			v := r[k]
			if k == "id" || k == "modified_date__v" || k == "external_id__v" || v == "" {
				continue
			}
			if k == "territory__v" || k == "parent_territory__v" {
				if n, ok := names[v]; ok {
					v = "@" + n
				}
			}
			parts = append(parts, k+"="+v)
		}
		lines = append(lines, strings.Join(parts, " "))
	}
	sort.Strings(lines)
	for _, l := range lines {
		fmt.Fprintln(ts.Stdout(), l)
	}
}

// crmAddCmd adds a record as a CRM user would (a self-assignment, say):
// crmadd OBJECT field=value...; a value @NAME names the territory__v record
// of that name__v; without an id= the record gets a fresh one.
func crmAddCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: crmadd OBJECT field=value...")
	}
	c := ts.Value(crmKey{}).(*scriptCRM)
	ids := map[string]string{}
	for _, r := range c.rows(ts, "territory__v") {
		ids[r["name__v"]] = r["id"]
	}
	rec := map[string]string{"modified_date__v": c.now().Format(time.RFC3339)}
	for _, kv := range args[1:] {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			ts.Fatalf("crmadd: %q is not field=value", kv)
		}
		if name, ok := strings.CutPrefix(v, "@"); ok {
			if v, ok = ids[name]; !ok {
				ts.Fatalf("crmadd: no territory__v record named %s", name)
			}
		}
		rec[k] = v
	}
	if c.vault != nil {
		c.vault.Seed(args[0], []map[string]string{rec})
		return
	}
	if rec["id"] == "" {
		c.mu.Lock()
		c.next++
		rec["id"] = fmt.Sprintf("USR-%06d", c.next)
		c.mu.Unlock()
	}
	header, rows := c.readCSV(ts, args[0])
	for k := range rec {
		if !slices.Contains(header, k) {
			ts.Fatalf("crmadd: %s has no field %s", args[0], k)
		}
	}
	row := make([]string, len(header))
	for i, h := range header {
		row[i] = rec[h]
	}
	c.writeCSV(ts, args[0], header, append(rows, row))
}

// crmUpdateCmd changes fields of a record as a CRM user would (an
// account's country, say), stamping it with the CRM's clock:
// crmupdate OBJECT ID field=value...
func crmUpdateCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 3 {
		ts.Fatalf("usage: crmupdate OBJECT ID field=value...")
	}
	c := ts.Value(crmKey{}).(*scriptCRM)
	set := map[string]string{"modified_date__v": c.now().Format(time.RFC3339)}
	for _, kv := range args[2:] {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			ts.Fatalf("crmupdate: %q is not field=value", kv)
		}
		set[k] = v
	}
	if c.vault != nil {
		for _, r := range c.vault.Rows(args[0]) {
			if r["id"] == args[1] {
				maps.Copy(r, set)
				c.vault.Seed(args[0], []map[string]string{r})
				return
			}
		}
		ts.Fatalf("crmupdate: %s has no record %s", args[0], args[1])
	}
	header, rows := c.readCSV(ts, args[0])
	for _, r := range rows {
		if r[slices.Index(header, "id")] != args[1] {
			continue
		}
		for k, v := range set {
			i := slices.Index(header, k)
			if i < 0 {
				ts.Fatalf("crmupdate: %s has no field %s", args[0], k)
			}
			r[i] = v
		}
		c.writeCSV(ts, args[0], header, rows)
		return
	}
	ts.Fatalf("crmupdate: %s has no record %s", args[0], args[1])
}

// crmDeleteCmd deletes a record as a CRM user would: crmdelete OBJECT ID.
func crmDeleteCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: crmdelete OBJECT ID")
	}
	c := ts.Value(crmKey{}).(*scriptCRM)
	if c.vault != nil {
		ts.Check(c.vault.Delete(args[0], args[1]))
		return
	}
	header, rows := c.readCSV(ts, args[0])
	n := len(rows)
	kept := slices.DeleteFunc(rows, func(r []string) bool { return r[slices.Index(header, "id")] == args[1] })
	if len(kept) == n {
		ts.Fatalf("crmdelete: %s has no record %s", args[0], args[1])
	}
	c.writeCSV(ts, args[0], header, kept)
	dh, drows := c.readCSV(ts, "deletions")
	row := make([]string, len(dh))
	for i, h := range dh {
		switch h {
		case "object":
			row[i] = args[0]
		case "id":
			row[i] = args[1]
		case "deleted_date":
			row[i] = c.now().Format(time.RFC3339)
		}
	}
	c.writeCSV(ts, "deletions", dh, append(drows, row))
}

// rows reads an object's records from the script's CRM.
func (c *scriptCRM) rows(ts *testscript.TestScript, object string) []map[string]string {
	if c.vault != nil {
		return c.vault.Rows(object)
	}
	header, rows := c.readCSV(ts, object)
	out := make([]map[string]string, 0, len(rows))
	for _, r := range rows {
		m := map[string]string{}
		for i, h := range header {
			m[h] = r[i]
		}
		out = append(out, m)
	}
	return out
}

func (c *scriptCRM) readCSV(ts *testscript.TestScript, object string) ([]string, [][]string) {
	f, err := os.Open(filepath.Join(c.dir, object+".csv"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	ts.Check(err)
	defer f.Close()
	all, err := csv.NewReader(f).ReadAll()
	ts.Check(err)
	if len(all) == 0 {
		return nil, nil
	}
	return all[0], all[1:]
}

func (c *scriptCRM) writeCSV(ts *testscript.TestScript, object string, header []string, rows [][]string) {
	f, err := os.Create(filepath.Join(c.dir, object+".csv"))
	ts.Check(err)
	w := csv.NewWriter(f)
	ts.Check(w.Write(header))
	ts.Check(w.WriteAll(rows))
	ts.Check(f.Close())
}
