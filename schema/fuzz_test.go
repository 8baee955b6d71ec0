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
	schema, err := compileSchema()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
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
