package schema

import (
	"bytes"
	"crypto/sha256"
	"encoding/gob"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/alignctl/alignctl/internal/osfile"
)

// The config cache keeps validated configs, so that a command that loads an
// unchanged config reads one file instead of parsing and validating its YAML
// again (most of the time of a re-plan at a million accounts, whose config
// holds 5,000 territories and 190,000 geographies). docs/engine.md, "The
// config cache".
//
// An entry is keyed on the bytes of the config files as the loader read them
// (Config.Hash, over every file's path and content), the names messages give
// them, the running build (the executable's build ID: a change of code, the
// CUE schema included, never reads an entry of another build) and
// configCacheVersion. Not on the display prefix of positions (the folder's
// path, or git's REV:path): an entry records the prefix it was stored with,
// and a load under another one rewrites its positions (rebasePositions), so
// that plan --base finds the applied config its apply stored from the work
// tree, where it reads the same files from git. Only a config that validated is
// stored, and only when it reads back equal to itself: what gob cannot carry
// (a pointer to a zero value comes back nil) is not cached rather than changed.

// configCacheVersion changes with the format of an entry.
const configCacheVersion = "2"

// configCacheKeep is how many entries a cache folder holds, most recently
// used first: the head and base configs of plan --base.
const configCacheKeep = 2

// configCacheMagic opens every entry, before the SHA-256 of the payload.
const configCacheMagic = "alignctl config cache\n"

// ConfigCache is a folder of validated configs (ConfigCache.LoadDir). A nil
// *ConfigCache loads without a cache.
type ConfigCache struct {
	// Dir holds the entries; it is made on the first store.
	Dir string
	// Build identifies the running executable's code; "" turns the cache off.
	Build string
	// Verify loads the files on a hit too and fails when they make another
	// config: the test suites run with it.
	Verify bool
	// Hit reports, after a load, whether the config came from the cache.
	Hit bool
	// Background stores a new entry on another goroutine, so that a command
	// goes on with the config meanwhile (encoding and checking an entry is a
	// quarter of a second at 5,000 territories); Wait waits for it. The
	// config must not be changed until then.
	Background bool
	stores     sync.WaitGroup
}

// Wait waits for the entries being stored in the background.
func (c *ConfigCache) Wait() {
	if c != nil {
		c.stores.Wait()
	}
}

// cachedConfig is what an entry holds: the config but the fields the load
// computes from the bytes it read anyway (Files, Hash, FileHashes), and the
// settings' *time.Location, which gob cannot carry, by its name.
type cachedConfig struct {
	Key           string
	Display       string // the prefix of the positions' file names
	Location      string
	Settings      cachedSettings
	FieldForces   []*FieldForce
	Territories   []*Territory
	RosterMembers []*RosterMember
	FieldMappings []*FieldMapping
	Policies      []*Policy
}

// cachedSettings is Settings without Location.
type cachedSettings struct {
	Pos                     Pos
	Timezone                string
	RuleSelectionCriteria   string
	CRMInstances            []*CRMInstance
	DataLoader              string
	Guardrails              Guardrails
	InactiveAccountStatuses []string
}

func (c *ConfigCache) enabled() bool { return c != nil && c.Dir != "" && c.Build != "" }

// key names the entry of the config whose files hash to hash.
func (c *ConfigCache) key(hash string) string {
	h := sha256.New()
	for _, s := range []string{"alignctl config cache", configCacheVersion, c.Build, cueSource, hash} {
		fmt.Fprintf(h, "%d:%s\x00", len(s), s)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func (c *ConfigCache) path(key string) string {
	return filepath.Join(c.Dir, "config-"+key+".gob")
}

// load returns the config of the entry of key, with read's Files, Hash and
// FileHashes and its positions under display, or nil when there is none. An
// entry that cannot be read is removed: the load that follows stores it
// again.
func (c *ConfigCache) load(key, display string, read *Config) *Config {
	b, err := os.ReadFile(c.path(key))
	if err != nil {
		return nil
	}
	cfg, stored, err := decodeEntry(key, b)
	if err == nil && stored != display && !rebasePositions(cfg, stored, display) {
		err = fmt.Errorf("config cache entry: a position outside %q", stored)
	}
	if err != nil {
		c.remove(key)
		return nil
	}
	cfg.Files, cfg.Hash, cfg.FileHashes = read.Files, read.Hash, read.FileHashes
	// The most recently used entries are the ones pruning keeps.
	now := time.Now()
	os.Chtimes(c.path(key), now, now)
	return cfg
}

// store writes the entry of cfg, loaded with the display prefix, under key,
// in the background if asked. A folder that cannot be written costs the next
// load its time, nothing else: errors are dropped.
func (c *ConfigCache) store(key, display string, cfg *Config) {
	if c.Background {
		c.stores.Go(func() { c.write(key, display, cfg) })
		return
	}
	c.write(key, display, cfg)
}

func (c *ConfigCache) write(key, display string, cfg *Config) {
	b, err := encodeEntry(key, display, cfg)
	if err != nil {
		return
	}
	back, _, err := decodeEntry(key, b)
	if err != nil {
		return
	}
	back.Files, back.Hash, back.FileHashes = cfg.Files, cfg.Hash, cfg.FileHashes
	if !reflect.DeepEqual(back, cfg) {
		return
	}
	if os.MkdirAll(c.Dir, 0o755) != nil {
		return
	}
	err = osfile.WriteAtomic(c.path(key), func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	})
	if err == nil {
		c.prune(key)
	}
}

func (c *ConfigCache) remove(key string) { os.Remove(c.path(key)) }

// prune keeps the configCacheKeep most recently used entries, keep among them.
func (c *ConfigCache) prune(keep string) {
	stale := osfile.Stale(c.Dir, configCacheKeep, keep, func(name string) string {
		name, ok := strings.CutPrefix(name, "config-")
		if !ok {
			return ""
		}
		key, ok := strings.CutSuffix(name, ".gob")
		if !ok {
			return ""
		}
		return key
	})
	for _, key := range stale {
		c.remove(key)
	}
}

// encodeEntry is the file of an entry: configCacheMagic, the hex SHA-256 of
// the payload and a newline, then the payload, cfg in gob, its positions
// under display.
func encodeEntry(key, display string, cfg *Config) ([]byte, error) {
	s := cfg.Settings
	e := cachedConfig{
		Key:      key,
		Display:  display,
		Location: s.Location.String(),
		Settings: cachedSettings{Pos: s.Pos, Timezone: s.Timezone, RuleSelectionCriteria: s.RuleSelectionCriteria,
			CRMInstances: s.CRMInstances, DataLoader: s.DataLoader, Guardrails: s.Guardrails,
			InactiveAccountStatuses: s.InactiveAccountStatuses},
		FieldForces:   cfg.FieldForces,
		Territories:   cfg.Territories,
		RosterMembers: cfg.RosterMembers,
		FieldMappings: cfg.FieldMappings,
		Policies:      cfg.Policies,
	}
	var payload bytes.Buffer
	if err := gob.NewEncoder(&payload).Encode(&e); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(payload.Bytes())
	out := make([]byte, 0, len(configCacheMagic)+2*len(sum)+1+payload.Len())
	out = append(out, configCacheMagic...)
	out = hex.AppendEncode(out, sum[:])
	out = append(out, '\n')
	return append(out, payload.Bytes()...), nil
}

// decodeEntry reads an entry made by encodeEntry, checking its payload's hash
// and key, and puts every date back in the settings' time zone (gob keeps the
// instant and offset only). It returns the display prefix of the entry's
// positions too.
func decodeEntry(key string, b []byte) (*Config, string, error) {
	rest, ok := bytes.CutPrefix(b, []byte(configCacheMagic))
	if !ok || len(rest) < 2*sha256.Size+1 || rest[2*sha256.Size] != '\n' {
		return nil, "", fmt.Errorf("not a config cache entry")
	}
	payload := rest[2*sha256.Size+1:]
	sum := sha256.Sum256(payload)
	if string(rest[:2*sha256.Size]) != hex.EncodeToString(sum[:]) {
		return nil, "", fmt.Errorf("config cache entry: checksum mismatch")
	}
	var e cachedConfig
	if err := gob.NewDecoder(bytes.NewReader(payload)).Decode(&e); err != nil {
		return nil, "", err
	}
	if e.Key != key {
		return nil, "", fmt.Errorf("config cache entry: another key")
	}
	loc, err := time.LoadLocation(e.Location)
	if err != nil || e.Location == "Local" {
		return nil, "", fmt.Errorf("config cache entry: time zone %q cannot be loaded", e.Location)
	}
	s := e.Settings
	cfg := &Config{
		Settings: Settings{Pos: s.Pos, Timezone: s.Timezone, Location: loc, RuleSelectionCriteria: s.RuleSelectionCriteria,
			CRMInstances: s.CRMInstances, DataLoader: s.DataLoader, Guardrails: s.Guardrails,
			InactiveAccountStatuses: s.InactiveAccountStatuses},
		FieldForces:   e.FieldForces,
		Territories:   e.Territories,
		RosterMembers: e.RosterMembers,
		FieldMappings: e.FieldMappings,
		Policies:      e.Policies,
	}
	cfg.EachDate(func(t *time.Time) { *t = t.In(loc) })
	return cfg, e.Display, nil
}

// rebasePositions moves every position of cfg from the file names the
// loader gives under the display prefix from to those under to. It reports
// false, leaving cfg half moved, when a position is not under from: the
// entry is then not used.
func rebasePositions(cfg *Config, from, to string) bool {
	old := (&loader{display: from}).path("")
	l := &loader{display: to}
	ok := true
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.Pointer:
			if !v.IsNil() {
				walk(v.Elem())
			}
		case reflect.Slice:
			for i := range v.Len() {
				walk(v.Index(i))
			}
		case reflect.Struct:
			if p, isPos := v.Addr().Interface().(*Pos); isPos {
				if p.File == "" {
					return
				}
				rel, under := strings.CutPrefix(p.File, old)
				ok = ok && under && rel != ""
				p.File = l.path(rel)
				return
			}
			for i := range v.NumField() {
				if v.Type().Field(i).IsExported() {
					walk(v.Field(i))
				}
			}
		}
	}
	walk(reflect.ValueOf(cfg).Elem())
	return ok
}
