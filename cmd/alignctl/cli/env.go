package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/alignctl/alignctl/crm"
	"github.com/alignctl/alignctl/crm/file"
	"github.com/alignctl/alignctl/query"
	"github.com/alignctl/alignctl/reconcile"
	"github.com/alignctl/alignctl/schema"
)

// loadConfig reads and validates the config folder.
func (g *globals) loadConfig() (*schema.Config, error) {
	return schema.LoadDir(g.config)
}

// openState opens the state database.
func (g *globals) openState(ctx context.Context) (*query.DB, error) {
	return query.Open(ctx, g.state)
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
		return nil, fmt.Errorf("%s: crm instance %s: type vault is not supported by this build yet; use type file", inst.Pos, inst.ID)
	}
	return nil, fmt.Errorf("%s: crm instance %s: unknown type %q", inst.Pos, inst.ID, inst.Type)
}

// instances picks the CRM instances a command works on: one by id, or all.
func instances(cfg *schema.Config, id string) ([]*schema.CRMInstance, error) {
	if id == "" {
		return cfg.Settings.CRMInstances, nil
	}
	inst := cfg.Instance(id)
	if inst == nil {
		return nil, fmt.Errorf("--instance %s: no such crm instance in the settings", id)
	}
	return []*schema.CRMInstance{inst}, nil
}

// configRef identifies the config for a plan.
func configRef(cfg *schema.Config) reconcile.ConfigRef {
	return reconcile.ConfigRef{Hash: cfg.Hash}
}
