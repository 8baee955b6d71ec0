package schema

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/txtar"
)

// copyDir copies the folder src into a new temporary folder and returns it.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	return dst
}

// cacheEntries lists the entry files of a cache folder.
func cacheEntries(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "config-*.gob"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// loadCached loads dir through a cache in cacheDir and reports whether it hit.
func loadCached(t *testing.T, cacheDir, dir string) (*Config, bool) {
	t.Helper()
	c := &ConfigCache{Dir: cacheDir, Build: "test"}
	cfg, err := c.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return cfg, c.Hit
}

// roundTrip checks that the config in dir comes back from the cache equal to
// a load without one.
func roundTrip(t *testing.T, dir string) {
	t.Helper()
	want, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	cacheDir := t.TempDir()
	if _, hit := loadCached(t, cacheDir, dir); hit {
		t.Fatal("hit in an empty cache")
	}
	if n := len(cacheEntries(t, cacheDir)); n != 1 {
		t.Fatalf("%d entries after the first load, want 1 (a config gob cannot carry is not stored)", n)
	}
	got, hit := loadCached(t, cacheDir, dir)
	if !hit {
		t.Fatal("the second load missed")
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatal("the cached config differs from the loaded one")
	}
	got.EachDate(func(d *time.Time) {
		if d.Location().String() != want.Settings.Location.String() {
			t.Fatalf("a date in %s, want %s", d.Location(), want.Settings.Location)
		}
	})
}

// TestConfigCacheRoundTrip loads every valid config of the repository's
// tests and examples both ways: from its files, and from the cache.
func TestConfigCacheRoundTrip(t *testing.T) {
	zones := map[string]bool{}
	seen := map[string]bool{} // by content hash
	for _, dir := range []string{"testdata/valid", "../examples/config", "../testdata/fixture/config"} {
		cfg, err := LoadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		zones[cfg.Settings.Timezone], seen[cfg.Hash] = true, true
		t.Run(dir, func(t *testing.T) { roundTrip(t, dir) })
	}
	// The CLI scripts: the fixture config with each script's config files
	// over it (its config/ files, then each `cp FILE config/NAME` in turn),
	// each state of it that validates.
	scripts, err := filepath.Glob("../testdata/*/*.txtar")
	if err != nil {
		t.Fatal(err)
	}
	cpLine := regexp.MustCompile(`(?m)^cp (\S+) config/(\S+)$`)
	tested := 0
	for _, script := range scripts {
		a, err := txtar.ParseFile(script)
		if err != nil {
			t.Fatal(err)
		}
		files := map[string][]byte{}
		for _, f := range a.Files {
			files[f.Name] = f.Data
		}
		dir := copyDir(t, "../testdata/fixture/config")
		write := func(rel string, data []byte) {
			p := filepath.Join(dir, filepath.FromSlash(rel))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		for _, f := range a.Files {
			if rel, ok := strings.CutPrefix(f.Name, "config/"); ok {
				write(rel, f.Data)
			}
		}
		for i, m := range append([][]string{nil}, cpLine.FindAllStringSubmatch(string(a.Comment), -1)...) {
			if m != nil {
				data, ok := files[m[1]]
				if !ok {
					continue
				}
				write(m[2], data)
			}
			cfg, err := LoadDir(dir)
			if err != nil || seen[cfg.Hash] {
				continue // a script about an invalid config, or one seen already
			}
			zones[cfg.Settings.Timezone], seen[cfg.Hash] = true, true
			tested++
			t.Run(fmt.Sprintf("%s/%d", filepath.Base(script), i), func(t *testing.T) { roundTrip(t, copyDir(t, dir)) })
		}
	}
	if tested < 20 || len(zones) < 2 {
		t.Errorf("%d script configs in %d time zones round-tripped; the globs above find too few", tested, len(zones))
	}
}

func TestConfigCache(t *testing.T) {
	dir := copyDir(t, "testdata/valid")
	cacheDir := filepath.Join(t.TempDir(), "state.duckdb.cache")
	first, hit := loadCached(t, cacheDir, dir)
	if hit {
		t.Fatal("hit in an empty cache")
	}
	entries := cacheEntries(t, cacheDir)
	if len(entries) != 1 {
		t.Fatalf("entries %q, want one", entries)
	}
	entry := entries[0]

	t.Run("hit", func(t *testing.T) {
		got, hit := loadCached(t, cacheDir, dir)
		if !hit || !reflect.DeepEqual(got, first) {
			t.Fatalf("hit %t, equal %t", hit, reflect.DeepEqual(got, first))
		}
	})

	// The subtests that store other entries do so in a folder of their own:
	// the ones above and below read entry.
	t.Run("miss on another build", func(t *testing.T) {
		own := t.TempDir()
		loadCached(t, own, dir)
		c := &ConfigCache{Dir: own, Build: "another"}
		if _, err := c.LoadDir(dir); err != nil || c.Hit {
			t.Fatalf("another build: hit %t, err %v", c.Hit, err)
		}
	})

	// The same files under another name (the applied config read from git
	// by plan --base, stored from the work tree by apply) hit the entry,
	// their positions moved under the name they were read with, as a load
	// without the cache gives them. Verify loads the files too and fails
	// on any position left behind.
	t.Run("hit on another display, positions moved", func(t *testing.T) {
		own := t.TempDir()
		loadCached(t, own, dir)
		for _, display := range []string{"main:config", "", "/", "elsewhere/"} {
			want, err := LoadFS(os.DirFS(dir), display)
			if err != nil {
				t.Fatal(err)
			}
			c := &ConfigCache{Dir: own, Build: "test", Verify: true}
			got, err := c.LoadFS(os.DirFS(dir), display)
			if err != nil || !c.Hit {
				t.Fatalf("display %q: hit %t, err %v", display, c.Hit, err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("display %q: the cached config differs from the files' (settings at %s, want %s)", display, got.Settings.Pos, want.Settings.Pos)
			}
		}
		c := &ConfigCache{Dir: own, Build: "test"}
		cfg, err := c.LoadFS(os.DirFS(dir), "elsewhere")
		if err != nil || !c.Hit {
			t.Fatalf("hit %t, err %v", c.Hit, err)
		}
		if cfg.Settings.Pos.File != "elsewhere/settings.yaml" || !strings.HasPrefix(cfg.Territories[0].Pos.File, "elsewhere/territories/") {
			t.Errorf("positions %s and %s, want them under elsewhere/", cfg.Settings.Pos, cfg.Territories[0].Pos)
		}
	})

	t.Run("an entry with a position outside its display is not used", func(t *testing.T) {
		own := t.TempDir()
		cfg, _ := loadCached(t, own, dir)
		key := (&ConfigCache{Build: "test"}).key(cfg.Hash)
		moved := *cfg
		moved.Territories = slices.Clone(cfg.Territories)
		tr := *moved.Territories[0]
		tr.Pos.File = "somewhere/else.yaml"
		moved.Territories[0] = &tr
		b, err := encodeEntry(key, filepath.ToSlash(dir), &moved)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(own, "config-"+key+".gob"), b, 0o644); err != nil {
			t.Fatal(err)
		}
		c := &ConfigCache{Dir: own, Build: "test"}
		if _, err := c.LoadFS(os.DirFS(dir), "main:config"); err != nil || c.Hit {
			t.Fatalf("hit %t, err %v: want a miss", c.Hit, err)
		}
	})

	t.Run("miss on any changed byte", func(t *testing.T) {
		own := t.TempDir()
		loadCached(t, own, dir)
		p := filepath.Join(dir, "territories", "quiet.yaml")
		orig, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		defer os.WriteFile(p, orig, 0o644)
		// One byte of a name, in a file of the config.
		i := strings.Index(string(orig), "name: ") + len("name: ")
		changed := slices.Clone(orig)
		changed[i]++
		if err := os.WriteFile(p, changed, 0o644); err != nil {
			t.Fatal(err)
		}
		got, hit := loadCached(t, own, dir)
		if hit {
			t.Fatal("hit after a byte changed")
		}
		want, err := LoadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) || reflect.DeepEqual(got, first) {
			t.Fatal("the load after the change is not the changed config")
		}
		// A file renamed, bytes unchanged.
		os.WriteFile(p, orig, 0o644)
		if err := os.Rename(p, p+".yml"); err != nil {
			t.Fatal(err)
		}
		defer os.Rename(p+".yml", p)
		if _, hit := loadCached(t, own, dir); hit {
			t.Fatal("hit after a file was renamed")
		}
	})

	t.Run("corrupt entries are ignored and rewritten", func(t *testing.T) {
		good, err := os.ReadFile(entry)
		if err != nil {
			t.Fatal(err)
		}
		flipped := slices.Clone(good)
		flipped[len(flipped)/2] ^= 0x20
		for name, b := range map[string][]byte{
			"truncated":    good[:len(good)/2],
			"flipped byte": flipped,
			"empty":        {},
			"not an entry": []byte("hello\n"),
			"header only":  good[:len(configCacheMagic)+64+1],
		} {
			if err := os.WriteFile(entry, b, 0o644); err != nil {
				t.Fatal(err)
			}
			got, hit := loadCached(t, cacheDir, dir)
			if hit || !reflect.DeepEqual(got, first) {
				t.Errorf("%s: hit %t, equal %t", name, hit, reflect.DeepEqual(got, first))
			}
			if _, hit := loadCached(t, cacheDir, dir); !hit {
				t.Errorf("%s: the entry was not written again", name)
			}
		}
	})

	t.Run("an entry of another key is ignored", func(t *testing.T) {
		other, err := LoadFS(os.DirFS(dir), "elsewhere")
		if err != nil {
			t.Fatal(err)
		}
		b, err := encodeEntry("another key", "elsewhere", other)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(entry, b, 0o644); err != nil {
			t.Fatal(err)
		}
		got, hit := loadCached(t, cacheDir, dir)
		if hit || !reflect.DeepEqual(got, first) {
			t.Errorf("hit %t, equal %t", hit, reflect.DeepEqual(got, first))
		}
	})

	t.Run("verify fails on an entry that differs from the files", func(t *testing.T) {
		key := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(entry), "config-"), ".gob")
		tampered, err := LoadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		tampered.Territories[0].Name = "tampered"
		b, err := encodeEntry(key, filepath.ToSlash(dir), tampered)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(entry, b, 0o644); err != nil {
			t.Fatal(err)
		}
		c := &ConfigCache{Dir: cacheDir, Build: "test", Verify: true}
		if _, err := c.LoadDir(dir); err == nil || !strings.Contains(err.Error(), "differs") {
			t.Fatalf("err = %v, want the cached config to differ", err)
		}
		// The entry is gone, and the next load stores a good one.
		if _, hit := loadCached(t, cacheDir, dir); hit {
			t.Fatal("the tampered entry was kept")
		}
		c = &ConfigCache{Dir: cacheDir, Build: "test", Verify: true}
		if _, err := c.LoadDir(dir); err != nil || !c.Hit {
			t.Fatalf("verify on a good entry: hit %t, err %v", c.Hit, err)
		}
	})

	t.Run("an invalid config is never stored", func(t *testing.T) {
		bad := copyDir(t, dir)
		if err := os.WriteFile(filepath.Join(bad, "broken.yaml"), []byte("kind: territory\nid: [\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		badCache := t.TempDir()
		for range 2 {
			c := &ConfigCache{Dir: badCache, Build: "test"}
			_, err := c.LoadDir(bad)
			var ds Diagnostics
			if !errors.As(err, &ds) || !strings.Contains(err.Error(), "broken.yaml:2") || c.Hit {
				t.Fatalf("err = %v, hit %t; want the YAML error at broken.yaml:2", err, c.Hit)
			}
		}
		if e := cacheEntries(t, badCache); len(e) != 0 {
			t.Fatalf("entries %q for an invalid config", e)
		}
	})

	t.Run("background store", func(t *testing.T) {
		own := t.TempDir()
		c := &ConfigCache{Dir: own, Build: "test", Background: true}
		cfg, err := c.LoadDir(dir)
		if err != nil || c.Hit {
			t.Fatalf("hit %t, err %v", c.Hit, err)
		}
		c.Wait()
		got, hit := loadCached(t, own, dir)
		if !hit || !reflect.DeepEqual(got, cfg) {
			t.Fatalf("after Wait: hit %t, equal %t", hit, reflect.DeepEqual(got, cfg))
		}
	})

	t.Run("a nil cache or one without a build loads without", func(t *testing.T) {
		var c *ConfigCache
		if got, err := c.LoadDir(dir); err != nil || !reflect.DeepEqual(got, first) {
			t.Fatalf("nil cache: err %v", err)
		}
		empty := t.TempDir()
		c = &ConfigCache{Dir: empty}
		if _, err := c.LoadDir(dir); err != nil || c.Hit {
			t.Fatalf("no build: hit %t, err %v", c.Hit, err)
		}
		if e := cacheEntries(t, empty); len(e) != 0 {
			t.Fatalf("entries %q without a build", e)
		}
	})
}

// TestConfigCachePrune: the folder keeps the configCacheKeep most recently
// used entries.
func TestConfigCachePrune(t *testing.T) {
	dir := copyDir(t, "testdata/valid")
	cacheDir := t.TempDir()
	p := filepath.Join(dir, "territories", "quiet.yaml")
	orig, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	version := func(i int) {
		t.Helper()
		if err := os.WriteFile(p, append(slices.Clone(orig), []byte(strings.Repeat("\n", i))...), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Entries 0 and 1, then 0 used again, then 2: 1 is the least recently
	// used. Each entry's time is set after its load, a minute apart, rather
	// than left to a file system clock that may not tell them apart.
	clock := time.Now().Add(-time.Hour)
	for _, i := range []int{0, 1, 0, 2} {
		version(i)
		cfg, _ := loadCached(t, cacheDir, dir)
		c := &ConfigCache{Dir: cacheDir, Build: "test"}
		clock = clock.Add(time.Minute)
		if err := os.Chtimes(c.path(c.key(cfg.Hash)), clock, clock); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(cacheEntries(t, cacheDir)); n != configCacheKeep {
		t.Fatalf("%d entries, want %d", n, configCacheKeep)
	}
	for _, c := range []struct {
		version int
		hit     bool
	}{{2, true}, {0, true}, {1, false}} {
		version(c.version)
		if _, hit := loadCached(t, cacheDir, dir); hit != c.hit {
			t.Errorf("version %d: hit %t, want %t", c.version, hit, c.hit)
		}
	}
}

// TestCachedSettings: an entry carries every field of Settings but Location,
// which it carries by name.
func TestCachedSettings(t *testing.T) {
	var want []string
	for f := range reflect.TypeFor[Settings]().Fields() {
		if f.Name != "Location" {
			want = append(want, f.Name+" "+f.Type.String())
		}
	}
	var got []string
	for f := range reflect.TypeFor[cachedSettings]().Fields() {
		got = append(got, f.Name+" "+f.Type.String())
	}
	if !slices.Equal(got, want) {
		t.Errorf("cachedSettings has %q, want the fields of Settings but Location: %q", got, want)
	}
}

// TestEachDateSeesEveryDate sets every date of a config model to a distinct
// value, through reflection, and checks that EachDate visits them all.
func TestEachDateSeesEveryDate(t *testing.T) {
	cfg := &Config{}
	n := 0
	var fill func(v reflect.Value)
	fill = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.Pointer:
			if v.Type() == reflect.TypeFor[*time.Time]() {
				d := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n)
				n++
				v.Set(reflect.ValueOf(&d))
				return
			}
			if v.Type() == reflect.TypeFor[*time.Location]() || v.Type() == reflect.TypeFor[*int]() {
				return
			}
			v.Set(reflect.New(v.Type().Elem()))
			fill(v.Elem())
		case reflect.Struct:
			if v.Type() == reflect.TypeFor[time.Time]() {
				t.Fatalf("a time.Time field (not *time.Time): EachDate and this test need it")
			}
			for i := range v.NumField() {
				if v.Type().Field(i).IsExported() {
					fill(v.Field(i))
				}
			}
		case reflect.Slice:
			v.Set(reflect.MakeSlice(v.Type(), 2, 2))
			for i := range v.Len() {
				fill(v.Index(i))
			}
		}
	}
	fill(reflect.ValueOf(cfg).Elem())
	seen := map[time.Time]bool{}
	cfg.EachDate(func(d *time.Time) { seen[*d] = true })
	if n == 0 || len(seen) != n {
		t.Errorf("EachDate saw %d of the %d dates of the model", len(seen), n)
	}
}
