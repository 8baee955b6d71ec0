package schema

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

// FuzzLoad loads arbitrary bytes as the one file of a config: it must never
// panic, must fail with Diagnostics only, and the schema walker must agree
// with CUE on every document.
func FuzzLoad(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/valid/*/*.yaml")
	seeds = append(seeds, "testdata/valid/settings.yaml", "testdata/valid/territories/northeast/boston.yml")
	for _, s := range seeds {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{
		"",
		"kind: settings\ncrm_instances: []\n",
		"kind: territory\nid: [a,\n",
		"a: &a [*a]\n",
		"- &x {<<: *x}\n",
		"kind: field_force\nid: F\nname: F\nrules: [{id: r, match: '1 AND (2', criteria: [{field: account__v.x, operator: in, value: '\\\\,'}]}]\n",
		"kind: settings\ncrm_instances: [{id: us, type: vault, url: x, countries: [US, {code: FR}]}]\n---\nkind: territory\nid: T\nname: T\nparent: T\nfield_force: F\ncrm_instance: us\ncountry: DE\n",
		"kind: roster_member\nid: R\nuser: u\nterritories: [{territory: T, primary: true}, {territory: T, primary: true}]\n",
		"kind: territory\nvalue: .nan\nid: !!int x\n",
	} {
		f.Add([]byte(s))
	}
	var lent lentSchema
	f.Fuzz(func(t *testing.T, data []byte) {
		schema := lent.lend(t)
		cfg, err := LoadFS(fstest.MapFS{"config.yaml": {Data: data}}, "cfg")
		if err == nil {
			if cfg == nil {
				t.Fatal("no config and no error")
			}
			return
		}
		var ds Diagnostics
		if !errors.As(err, &ds) || len(ds) == 0 {
			t.Fatalf("error %T %v, want Diagnostics", err, err)
		}
		for _, line := range strings.Split(err.Error(), "\n") {
			if !strings.HasPrefix(line, "cfg") {
				t.Fatalf("diagnostic %q does not name the file", line)
			}
		}
		agreeWithCUE(t, schema, "config.yaml", data)
	})
}

// lentSchema keeps one compiled schema in the pool loads borrow from.
// The pool drops its schemas at every garbage collection, and a fuzz
// worker collects garbage every few inputs: compiling the schema again
// (tens of milliseconds, more with the fuzzer's instrumentation) cost more
// than all the loads between two collections, and kept FuzzLoad at about a
// thousand inputs a second. Every load still checks against a complete
// compiled schema, the one agreeWithCUE uses; it is compiled afresh every
// recompileEvery inputs so that its memo of leaf checks and its CUE
// context do not grow for the length of a long run.
type lentSchema struct {
	c *compiled
	n int
}

const recompileEvery = 20000

func (l *lentSchema) lend(t *testing.T) *compiled {
	t.Helper()
	if l.c == nil || l.n%recompileEvery == 0 {
		c, err := compileSchema()
		if err != nil {
			t.Fatal(err)
		}
		l.c = c
	}
	l.n++
	// One schema in the pool, this one: a second copy of it could be
	// borrowed by two loads at once.
	for schemas.Get() != nil {
	}
	returnSchema(l.c)
	return l.c
}
