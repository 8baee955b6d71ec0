package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/alignctl/alignctl/reconcile"
	"github.com/alignctl/alignctl/schema"
)

// loadedConfig is a validated config and where it came from.
type loadedConfig struct {
	cfg  *schema.Config
	ref  reconcile.ConfigRef
	fsys fs.FS // the config folder's files, for diffs
}

// loadConfigAt reads the config folder of the work tree, or with rev the
// config folder as it is at that git revision (the work tree is not
// touched). It records the commit, and whether the work tree's config
// folder has uncommitted changes. cache is the config cache of a command
// that works on the state (configCache), nil for one that does not.
func (g *globals) loadConfigAt(rev string, cache *schema.ConfigCache) (*loadedConfig, error) {
	if rev != "" {
		return g.loadRevision("--ref", rev, cache)
	}
	cfg, err := cache.LoadDir(g.config)
	if err != nil {
		return nil, err
	}
	commit, dirty, err := schema.WorkTreeState(g.config)
	if err != nil {
		return nil, err
	}
	return &loadedConfig{cfg: cfg, fsys: os.DirFS(g.config), ref: reconcile.ConfigRef{Commit: commit, Dirty: dirty, Hash: cfg.Hash, Files: cfg.FileHashes}}, nil
}

// loadBase reads the config at the base revision of plan --base, through
// the config cache.
func (g *globals) loadBase(rev string) (*loadedConfig, error) {
	lc, err := g.loadRevision("--base", rev, g.configCache())
	var ds schema.Diagnostics
	if errors.As(err, &ds) {
		return nil, fmt.Errorf("--base %s: the config there does not validate: %w", rev, err)
	}
	return lc, err
}

// loadRevision reads the config folder as it is at a git revision, for the
// flag that names it.
func (g *globals) loadRevision(flag, rev string, cache *schema.ConfigCache) (*loadedConfig, error) {
	r, err := schema.OpenRevision(g.config, rev)
	if err != nil {
		return nil, fmt.Errorf("%s %w", flag, err)
	}
	cfg, err := cache.LoadFS(r.FS, r.Display)
	if err != nil {
		return nil, err
	}
	return &loadedConfig{cfg: cfg, fsys: r.FS, ref: reconcile.ConfigRef{Commit: r.Commit, Ref: rev, Hash: cfg.Hash, Files: cfg.FileHashes}}, nil
}
