package schema

import (
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
)

// BenchmarkLoad loads 1,000 territories with 100 geographies and two rules
// each, in 10 files; a config of 25,000 takes 25 times as long.
func BenchmarkLoad(b *testing.B) {
	fsys := fstest.MapFS{"settings.yaml": {Data: []byte(limitsSettings)}}
	var sb strings.Builder
	for i := range 1000 {
		fmt.Fprintf(&sb, "---\nkind: territory\nid: T%04d\nname: Territory %d\nparent: null\nfield_force: F\ncrm_instance: us\ncountry: US\nstart_date: 2026-01-01\ngeographies:\n", i, i)
		for g := range 100 {
			fmt.Fprintf(&sb, "  - {code: \"%05d\", start_date: 2026-01-01, end_date: null}\n", i*100+g)
		}
		fmt.Fprintf(&sb, `rules:
  - id: r%04d-a
    geography: true
    criteria:
      - {field: account__v.specialty_1__v, operator: in, value: "Oncology, Hematology"}
      - {field: call2__v.call_date__v, operator: less_than_days, value: 90}
  - id: r%04d-b
    match: 1 AND NOT 2
    criteria:
      - {field: account__v.record_type__v, operator: equals, value: HCO}
      - {field: account__v.status__v, operator: equals, value: inactive}
`, i, i)
		if i%100 == 99 {
			fsys[fmt.Sprintf("territories/%02d.yaml", i/100)] = &fstest.MapFile{Data: []byte(sb.String())}
			sb.Reset()
		}
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := LoadFS(fsys, ""); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoadSmallConfig loads a one-document config, as FuzzLoad does
// per input: with the compiled schema reused between loads it costs a
// fraction of compiling the schema (BenchmarkCompileSchema).
func BenchmarkLoadSmallConfig(b *testing.B) {
	fsys := fstest.MapFS{"config.yaml": {Data: []byte("kind: territory\nid: T\nname: T\nparent: null\nfield_force: F\ncrm_instance: us\ncountry: US\n")}}
	for b.Loop() {
		if _, err := LoadFS(fsys, "cfg"); err == nil {
			b.Fatal("a config without settings loaded")
		}
	}
}

// BenchmarkCompileSchema compiles the CUE schema, which a load borrows
// compiled (borrowSchema) rather than paying for each time.
func BenchmarkCompileSchema(b *testing.B) {
	for b.Loop() {
		if _, err := compileSchema(); err != nil {
			b.Fatal(err)
		}
	}
}
