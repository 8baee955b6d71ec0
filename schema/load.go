package schema

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // settings.timezone must load without system zoneinfo
)

// LoadDir reads and validates the config repository in the folder dir.
// Messages name files by dir as given ("examples/config/territories/onc.yaml"),
// or relative to it when dir is ".".
func LoadDir(dir string) (*Config, error) {
	return (*ConfigCache)(nil).LoadDir(dir)
}

// LoadFS reads and validates the config repository at the root of fsys (a
// folder, or a git tree at a revision). display prefixes the file names in
// messages; "" leaves them relative to the root.
//
// Every *.yaml and *.yml file is read, in sub-folders too, except folders
// whose names start with "." (.github, .alignctl). When the config is not
// valid the error is Diagnostics: every problem found, one per line.
func LoadFS(fsys fs.FS, display string) (*Config, error) {
	return (*ConfigCache)(nil).LoadFS(fsys, display)
}

// LoadDir is schema.LoadDir through the cache: a config whose files are
// byte for byte those of a cached one is read from the cache, without being
// parsed or validated again. A nil cache loads without one.
func (c *ConfigCache) LoadDir(dir string) (*Config, error) {
	info, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("config folder: %w", err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("config folder %s: not a folder", dir)
	}
	return c.LoadFS(os.DirFS(dir), dirDisplay(dir))
}

// dirDisplay is the prefix of the paths in the messages about the config
// folder dir.
func dirDisplay(dir string) string {
	display := filepath.ToSlash(dir)
	if display == "." {
		display = ""
	}
	return display
}

// fsDisplay is the prefix of the paths in the messages about a config
// read with LoadFS(fsys, display).
func fsDisplay(display string) string {
	switch display {
	case "/":
		return "/"
	case ".", "./":
		return ""
	}
	return strings.TrimSuffix(display, "/")
}

// StoreDir keeps cfg, loaded from the config folder dir without the cache
// (import, before the state and so the cache existed), for the next load.
func (c *ConfigCache) StoreDir(dir string, cfg *Config) {
	if c.enabled() && cfg != nil && cfg.Hash != "" {
		c.store(c.key(cfg.Hash), fsDisplay(dirDisplay(dir)), cfg)
	}
}

// LoadFS is schema.LoadFS through the cache (see LoadDir).
func (c *ConfigCache) LoadFS(fsys fs.FS, display string) (*Config, error) {
	l := &loader{fsys: fsys, display: fsDisplay(display), ds: &Diagnostics{}}
	files, err := l.files()
	if err != nil {
		return nil, err
	}
	cfg := &Config{Files: files}
	data := l.read(cfg)
	// The key is of the bytes just read: what is parsed below is exactly
	// what it names. A file or folder that could not be read has a
	// diagnostic already, and the load fails below: no cache then.
	var key string
	var cached *Config
	if c.enabled() && len(*l.ds) == 0 {
		key = c.key(cfg.Hash)
		if cached = c.load(key, l.display, cfg); cached != nil && !c.Verify {
			c.Hit = true
			return cached, nil
		}
	}
	cfg, err = l.load(cfg, data)
	switch {
	case cached != nil:
		// Verify: the files were loaded too, and must make the same config.
		c.Hit = true
		if err != nil || !reflect.DeepEqual(cached, cfg) {
			c.remove(key)
			return nil, errors.Join(fmt.Errorf("config cache %s: the cached config differs from the one its files make (ALIGNCTL_PLAN_CACHE=off goes without)", c.Dir), err)
		}
	case err != nil:
		return nil, err
	case key != "":
		c.store(key, l.display, cfg)
	}
	return cfg, nil
}

// load parses, decodes and validates the files read.
func (l *loader) load(cfg *Config, data [][]byte) (*Config, error) {
	schema, err := borrowSchema()
	if err != nil {
		return nil, err
	}
	defer returnSchema(schema)
	bad := map[Pos]bool{}
	docs, complete := l.parse(cfg, data, &checker{schema: schema, ds: l.ds, bad: bad})
	loc := l.location(docs)
	l.decode(cfg, docs, loc)
	v := &validator{cfg: cfg, nodes: l.nodes, bad: bad, complete: complete, ds: l.ds}
	if complete {
		l.settingsCount(docs)
	}
	v.validate()
	if err := l.ds.Err(); err != nil {
		return nil, err
	}
	slices.SortStableFunc(cfg.FieldForces, func(a, b *FieldForce) int { return cmp.Compare(a.ID, b.ID) })
	slices.SortStableFunc(cfg.Territories, func(a, b *Territory) int { return cmp.Compare(a.ID, b.ID) })
	slices.SortStableFunc(cfg.RosterMembers, func(a, b *RosterMember) int { return cmp.Compare(a.ID, b.ID) })
	slices.SortStableFunc(cfg.Policies, func(a, b *Policy) int { return cmp.Compare(a.ID, b.ID) })
	slices.SortStableFunc(cfg.FieldMappings, func(a, b *FieldMapping) int {
		return cmp.Or(cmp.Compare(a.Direction, b.Direction), cmp.Compare(a.CRMObject, b.CRMObject))
	})
	return cfg, nil
}

type loader struct {
	fsys    fs.FS
	display string
	ds      *Diagnostics
	nodes   map[Pos]*node
}

// document is one YAML document of the config.
type document struct {
	root  *node
	kind  string // "" when the document has no kind
	shape *shape // of its kind; nil when the kind is unknown
}

func (l *loader) path(rel string) string {
	switch l.display {
	case "":
		return rel
	case "/":
		return "/" + rel
	}
	return l.display + "/" + rel
}

// IsConfigFile reports whether the loader reads the file at slash path p
// (relative to the config folder): a .yaml or .yml file whose name does not
// start with "." (.gitlab-ci.yml is CI, not config). Folders whose names
// start with "." (.github/, .alignctl/) are skipped whole.
func IsConfigFile(p string) bool {
	ext := path.Ext(p)
	return (ext == ".yaml" || ext == ".yml") && !hidden(path.Base(p))
}

func hidden(name string) bool { return strings.HasPrefix(name, ".") }

// WalkConfigFiles calls fn for each file of fsys the loader reads, in the
// order fs.WalkDir visits them.
func WalkConfigFiles(fsys fs.FS, fn func(p string, d fs.DirEntry) error) error {
	return fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && p != "." && hidden(d.Name()):
			return fs.SkipDir
		case !d.IsDir() && IsConfigFile(p):
			return fn(p, d)
		}
		return nil
	})
}

// files lists the YAML files of the config, in lexical order of their paths.
func (l *loader) files() ([]string, error) {
	var files []string
	err := fs.WalkDir(l.fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == "." {
				return err
			}
			l.ds.addf(Pos{File: l.path(p)}, "cannot read: %v", unwrapPath(err))
			return nil
		}
		switch {
		case d.IsDir() && p != "." && hidden(d.Name()):
			return fs.SkipDir
		case !d.IsDir() && IsConfigFile(p):
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		name := l.display
		if name == "" {
			name = "."
		}
		return nil, fmt.Errorf("config folder %s: %w", name, unwrapPath(err))
	}
	slices.Sort(files)
	return files, nil
}

// unwrapPath drops the path from an fs.PathError: messages name the file already.
func unwrapPath(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err
	}
	return err
}

// read reads and hashes every file: nil data for a file that could not be
// read, which has a diagnostic.
func (l *loader) read(cfg *Config) [][]byte {
	// Read in order, on one goroutine: an fs.FS over a git tree need not be
	// safe for concurrent use.
	h := sha256.New()
	cfg.FileHashes = map[string]string{}
	data := make([][]byte, len(cfg.Files))
	for i, f := range cfg.Files {
		b, err := fs.ReadFile(l.fsys, f)
		if err != nil {
			l.ds.addf(Pos{File: l.path(f)}, "cannot read: %v", unwrapPath(err))
			continue
		}
		data[i] = b
		fh := sha256.Sum256(b)
		cfg.FileHashes[f] = hex.EncodeToString(fh[:8])
		h.Write([]byte(f))
		h.Write([]byte{0})
		h.Write(b)
		h.Write([]byte{0})
	}
	cfg.Hash = hex.EncodeToString(h.Sum(nil))
	return data
}

// parse parses and checks every file read; complete is false when a file
// could not be read or parsed.
func (l *loader) parse(cfg *Config, data [][]byte, c *checker) (docs []*document, complete bool) {
	complete = len(*l.ds) == 0
	// Parsing YAML is most of the time of a load, and files parse apart.
	type parsed struct {
		roots []*node
		ds    Diagnostics
		ok    bool
	}
	results := make([]parsed, len(cfg.Files))
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i, f := range cfg.Files {
		if data[i] == nil {
			results[i].ok = true
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			r := &results[i]
			r.roots, r.ok = parseYAML(l.path(f), data[i], &r.ds)
		}()
	}
	wg.Wait()

	for _, r := range results {
		*l.ds = append(*l.ds, r.ds...)
		complete = complete && r.ok
		for _, root := range r.roots {
			kind := c.document(root)
			docs = append(docs, &document{root: root, kind: kind, shape: c.schema.kinds[kind]})
		}
	}
	return docs, complete
}

// location is settings.timezone, or UTC when it is not valid (and said so).
func (l *loader) location(docs []*document) *time.Location {
	for _, d := range docs {
		if d.kind != "settings" {
			continue
		}
		tz := d.root.get("timezone")
		if tz == nil || tz.str() == "" {
			return time.UTC
		}
		loc, err := time.LoadLocation(tz.value)
		if err != nil || tz.value == "Local" {
			l.ds.addf(tz.pos, "settings: timezone %q is not a time zone; use an IANA name such as UTC or Europe/Paris", tz.value)
			return time.UTC
		}
		return loc
	}
	return time.UTC
}

func (l *loader) settingsCount(docs []*document) {
	var first *document
	for _, d := range docs {
		if d.kind != "settings" {
			continue
		}
		if first == nil {
			first = d
			continue
		}
		l.ds.addf(d.root.pos, "a second settings document; the first is at %s; keep exactly one", first.root.pos)
	}
	if first == nil {
		l.ds.addf(Pos{File: l.display}, "no settings document; add one with kind: settings")
	}
}

// decode turns every document of a known kind into the model, those with
// errors included: the validator skips the parts the schema rejected and
// checks the rest, so that one typo does not hide the other problems.
func (l *loader) decode(cfg *Config, docs []*document, loc *time.Location) {
	l.nodes = map[Pos]*node{}
	d := &decoder{loc: loc, nodes: l.nodes}
	settingsDone := false
	for _, doc := range docs {
		if doc.shape == nil {
			continue
		}
		o := obj{n: doc.root, s: doc.shape}
		switch doc.kind {
		case "settings":
			if !settingsDone {
				cfg.Settings = d.settings(o)
				settingsDone = true
			}
		case "field_force":
			cfg.FieldForces = append(cfg.FieldForces, d.fieldForce(o))
		case "territory":
			cfg.Territories = append(cfg.Territories, d.territory(o))
		case "roster_member":
			cfg.RosterMembers = append(cfg.RosterMembers, d.rosterMember(o))
		case "field_mapping":
			cfg.FieldMappings = append(cfg.FieldMappings, d.fieldMapping(o))
		case "policy":
			cfg.Policies = append(cfg.Policies, d.policy(o))
		}
	}
	if !settingsDone {
		cfg.Settings = Settings{Timezone: loc.String(), Location: loc, RuleSelectionCriteria: RuleSelectionNone}
	}
}
