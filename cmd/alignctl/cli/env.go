package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/alignctl/alignctl/crm"
	"github.com/alignctl/alignctl/crm/file"
	"github.com/alignctl/alignctl/crm/vault"
	"github.com/alignctl/alignctl/internal/buildid"
	"github.com/alignctl/alignctl/query"
	"github.com/alignctl/alignctl/reconcile"
	"github.com/alignctl/alignctl/schema"
)

// loadConfig reads and validates the config folder, for a command that
// works on the state: through the config cache beside it (configCache).
// A load earlier in the command (apply's plan) may still be storing the
// same config: it is waited for, to be read rather than parsed again.
func (g *globals) loadConfig() (*schema.Config, error) {
	g.waitConfigCaches()
	return g.configCache().LoadDir(g.config)
}

// openState locks and opens the state database. The first open of a command
// takes the lock and Run releases it when the command ends, so a command that
// opens the state more than once (apply: plan, apply, push) holds it
// throughout and no other command writes in between.
func (g *globals) openState(ctx context.Context) (*query.DB, error) {
	if err := g.lockState(ctx); err != nil {
		return nil, err
	}
	return query.Open(ctx, g.state)
}

// openStateReadOnly locks and opens the state for a command that only reads
// it (show, explain, completion): the state's file is left as it was, and a
// missing state is an error rather than a new empty one.
func (g *globals) openStateReadOnly(ctx context.Context) (*query.DB, error) {
	if _, err := os.Stat(g.state); err != nil {
		return query.OpenReadOnly(ctx, g.state) // says the state does not exist, creating nothing
	}
	if err := g.lockState(ctx); err != nil {
		return nil, err
	}
	return query.OpenReadOnly(ctx, g.state)
}

// lockState takes the state lock once per command.
func (g *globals) lockState(ctx context.Context) error {
	if g.unlock == nil {
		waiting := query.OnWait(func(h query.LockHolder) {
			fmt.Fprintf(g.stderr, "alignctl: %s is locked by %s; waiting up to %s\n", g.state, h, g.lockTimeout)
		})
		unlock, err := query.LockState(ctx, g.state, query.ThisProcess(g.command), g.lockTimeout, waiting)
		if err != nil {
			return err
		}
		g.unlock = unlock
		// Reading a large config leaves hundreds of megabytes of garbage,
		// which the collector's pacing (GOGC 400, runtime.go) would keep
		// through the whole command beside DuckDB's memory: give it back
		// before DuckDB takes its own.
		debug.FreeOSMemory()
	}
	return nil
}

// unlockState releases the state lock, if the command took it.
func (g *globals) unlockState() error {
	if g.unlock == nil {
		return nil
	}
	return g.unlock()
}

// configPath resolves a path of the config (a file CRM folder, the data
// loader) against the config folder.
func (g *globals) configPath(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(g.config, p)
}

// connector builds the connector of a CRM instance.
func (g *globals) connector(inst *schema.CRMInstance, now time.Time) (crm.Connector, error) {
	switch inst.Type {
	case "file":
		return file.New(g.configPath(inst.URL), func() time.Time { return now }), nil
	case "vault":
		if inst.CredentialsEnv == "" {
			return nil, fmt.Errorf("%s: crm instance %s: credentials_env is needed: the name prefix of the <PREFIX>_USERNAME and <PREFIX>_PASSWORD environment variables", inst.Pos, inst.ID)
		}
		user, pass, err := vault.CredentialsFromEnv(inst.CredentialsEnv, os.Getenv)
		if err != nil {
			return nil, fmt.Errorf("crm instance %s: %w", inst.ID, err)
		}
		c, err := vault.New(vault.Config{BaseURL: inst.URL, APIVersion: inst.APIVersion, VaultID: inst.VaultID,
			Username: user, Password: pass, Now: func() time.Time { return now }})
		if err != nil {
			return nil, fmt.Errorf("%s: crm instance %s: %w", inst.Pos, inst.ID, err)
		}
		return c, nil
	}
	return nil, fmt.Errorf("%s: crm instance %s: unknown type %q", inst.Pos, inst.ID, inst.Type)
}

// crmRun is what a command that talks to CRMs starts from: the execution
// time, the config, and the instances it works on with their connectors.
type crmRun struct {
	now       time.Time
	cfg       *schema.Config
	instances []*schema.CRMInstance
	conns     map[string]crm.Connector
}

// startCRMRun connects the CRM instances of cfg a command works on: the one
// named by --instance, or all of them.
func (g *globals) startCRMRun(cfg *schema.Config, instance string) (*crmRun, error) {
	now, err := g.Now()
	if err != nil {
		return nil, err
	}
	r := &crmRun{now: now, cfg: cfg, instances: cfg.Settings.CRMInstances, conns: map[string]crm.Connector{}}
	if instance != "" {
		inst := cfg.Instance(instance)
		if inst == nil {
			return nil, fmt.Errorf("--instance %s: no such crm instance in the settings", instance)
		}
		r.instances = []*schema.CRMInstance{inst}
	}
	for _, inst := range r.instances {
		if r.conns[inst.ID], err = g.connector(inst, now); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// evalCache is where plans keep the rules' evaluation: a folder beside the
// state (docs/engine.md, "The evaluation cache"). ALIGNCTL_PLAN_CACHE=off
// turns it off; =verify evaluates on a hit too and fails when the two
// differ, which is how the test suites run.
func (g *globals) evalCache() *query.EvalCache {
	mode := os.Getenv("ALIGNCTL_PLAN_CACHE")
	if mode == "off" || g.state == "" || g.state == ":memory:" {
		return nil
	}
	return &query.EvalCache{Dir: g.state + ".cache", Verify: mode == "verify", Build: g.build()}
}

// spoolAt is the number of assignment changes from which a plan keeps its
// changes in files rather than in memory (reconcile.DefaultSpoolAt;
// ALIGNCTL_PLAN_SPOOL_AT, where the test suites set 1 to spool every plan
// with changes).
func spoolAt() (int, error) {
	v := strings.TrimSpace(os.Getenv("ALIGNCTL_PLAN_SPOOL_AT"))
	if v == "" {
		return reconcile.DefaultSpoolAt, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("ALIGNCTL_PLAN_SPOOL_AT=%q: not a number of changes of 1 or more", v)
	}
	return n, nil
}

// configCache is where the commands that work on the state keep the
// validated config: the evaluation cache's folder (docs/engine.md, "The
// config cache"). Not before the state exists, so that no folder appears
// where none was asked for; not with ALIGNCTL_PLAN_CACHE=off; with =verify
// a hit loads the files too and fails when they differ.
func (g *globals) configCache() *schema.ConfigCache {
	mode := os.Getenv("ALIGNCTL_PLAN_CACHE")
	if mode == "off" || g.state == "" || g.state == ":memory:" {
		return nil
	}
	if info, err := os.Stat(g.state); err != nil || !info.Mode().IsRegular() {
		return nil
	}
	build := g.build()
	if build == "" {
		return nil
	}
	c := &schema.ConfigCache{Dir: g.state + ".cache", Build: build, Verify: mode == "verify", Background: true}
	g.configCaches = append(g.configCaches, c)
	return c
}

// waitConfigCaches waits for the config cache entries being stored: Run
// does before it returns.
func (g *globals) waitConfigCaches() {
	for _, c := range g.configCaches {
		c.Wait()
	}
}

// build identifies the running executable for the caches (buildid).
func (g *globals) build() string {
	if g.buildID == nil {
		id := buildid.Executable()
		g.buildID = &id
	}
	return *g.buildID
}
