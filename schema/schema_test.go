package schema

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/format"
)

func TestCUE(t *testing.T) {
	src := CUE()
	for _, def := range []string{"#Document", "#Settings", "#FieldForce", "#Territory", "#RosterMember", "#FieldMapping", "#Rule", "#Criterion"} {
		if !strings.Contains(src, def+":") {
			t.Errorf("CUE() does not define %s", def)
		}
	}
}

func TestCUEFormatted(t *testing.T) {
	b, err := format.Source([]byte(CUE()))
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != CUE() {
		t.Error("alignctl.cue is not formatted as cue fmt would")
	}
}

func TestJSONSchema(t *testing.T) {
	b, err := JSONSchema()
	if err != nil {
		t.Fatal(err)
	}
	var js struct {
		Schema string                    `json:"$schema"`
		Defs   map[string]map[string]any `json:"$defs"`
	}
	if err := json.Unmarshal(b, &js); err != nil {
		t.Fatalf("JSONSchema() is not JSON: %v", err)
	}
	if !strings.Contains(js.Schema, "2020-12") {
		t.Errorf("$schema = %q, want draft 2020-12", js.Schema)
	}
	for _, def := range []string{"Settings", "Territory", "Rule", "Criterion", "Date"} {
		if js.Defs[def] == nil {
			t.Errorf("JSON Schema has no $defs/%s", def)
		}
	}
	if ap, ok := js.Defs["Territory"]["additionalProperties"]; !ok || ap != false {
		t.Errorf("Territory: additionalProperties = %v, want false (closed)", ap)
	}
}

// TestShapes holds the schema to the constructs the walker understands, and
// lists the leaves only CUE can check (they are memoized by value, so they
// must be leaves whose values repeat: dates, defaults).
func TestShapes(t *testing.T) {
	c, err := compileSchema()
	if err != nil {
		t.Fatal(err)
	}
	var cueOnly []string
	var walk func(path string, s *shape)
	walk = func(path string, s *shape) {
		switch {
		case s.alts != nil:
			for _, a := range s.alts {
				walk(path, a)
			}
		case s.fields != nil:
			if !s.closed {
				t.Errorf("%s: struct is not closed", path)
			}
			for _, name := range s.order {
				walk(path+"."+name, s.fields[name].shape)
			}
			if s.values != nil {
				walk(path+"[key]", s.keys)
				walk(path+"[value]", s.values)
			}
		case s.elem != nil:
			walk(path+"[]", s.elem)
		case s.check == nil:
			cueOnly = append(cueOnly, path)
		}
	}
	for _, kind := range c.names {
		walk(kind, c.kinds[kind])
	}
	for _, p := range cueOnly {
		last := p[strings.LastIndex(p, ".")+1:]
		if !strings.HasSuffix(last, "_date") && !slices.Contains(defaultLeaves, last) {
			t.Errorf("%s is checked by CUE for every distinct value; give it a constraint Go can check", p)
		}
	}
}

// defaultLeaves are leaves with a default, which CUE checks (a handful of
// distinct values each).
var defaultLeaves = []string{
	"timezone", "rule_selection_criteria", "exclusive", "copy_products_to_territories", "send_to_crm",
	"type", "geography", "match", "active", "mastered_by_align", "primary",
}

// TestLeafChecks holds the Go checks of leaves to CUE's verdicts.
func TestLeafChecks(t *testing.T) {
	c, err := compileSchema()
	if err != nil {
		t.Fatal(err)
	}
	samples := []any{
		"", " ", "a", "A", "x.y", "account__v.specialty_1__v", "Account.X", "a.b.c", "2026-01-01", "2026-02-30",
		"v24.1", "24", "ALIGN_US", "a-b", "021*", "0*21", "*", "US", "vault", "file", "in", "inn", "child",
		0, 1, -1, 25000, 1.5, -0.5, true, false, nil,
	}
	var walk func(path string, s *shape)
	walk = func(path string, s *shape) {
		for _, a := range s.alts {
			walk(path, a)
		}
		for name, f := range s.fields {
			walk(path+"."+name, f.shape)
		}
		if s.values != nil {
			walk(path+"[key]", s.keys)
			walk(path+"[value]", s.values)
		}
		if s.elem != nil {
			walk(path+"[]", s.elem)
		}
		if s.check == nil || s.alts != nil || s.fields != nil || s.elem != nil {
			return
		}
		for _, x := range samples {
			goOK := s.check(x)
			cueOK := s.v.Unify(c.ctx.Encode(x)).Validate(cue.Concrete(true)) == nil
			if goOK != cueOK {
				t.Errorf("%s: %#v: Go check says %v, CUE says %v", path, x, goOK, cueOK)
			}
		}
	}
	for _, kind := range c.names {
		walk(kind, c.kinds[kind])
	}
}

// toGo converts a node to the Go value CUE encodes, or false when it is too
// big (aliases expanded) to be worth it.
func toGo(n *node, budget *int) (any, bool) {
	if *budget--; *budget < 0 {
		return nil, false
	}
	switch n.kind {
	case mapNode:
		m := map[string]any{}
		for i, k := range n.keys {
			v, ok := toGo(n.vals[i], budget)
			if !ok {
				return nil, false
			}
			m[k.value] = v
		}
		return m, true
	case listNode:
		l := make([]any, len(n.vals))
		for i, e := range n.vals {
			v, ok := toGo(e, budget)
			if !ok {
				return nil, false
			}
			l[i] = v
		}
		return l, true
	}
	return n.val, true
}

// agreeWithCUE checks every document of data with the walker and with CUE
// itself, and fails when they disagree on whether it is valid.
func agreeWithCUE(t *testing.T, c *compiled, file string, data []byte) {
	t.Helper()
	var ds Diagnostics
	roots, ok := parseYAML(file, data, &ds)
	if !ok || len(ds) > 0 {
		return // the walker never sees what the parser rejected
	}
	for _, root := range roots {
		kind := root.get("kind").str()
		s := c.kinds[kind]
		if s == nil {
			continue
		}
		budget := 10000
		x, ok := toGo(root, &budget)
		if !ok {
			continue
		}
		var walkDS Diagnostics
		(&checker{schema: c, ds: &walkDS, bad: map[Pos]bool{}}).document(root)
		cueErr := s.v.Unify(c.ctx.Encode(x)).Validate(cue.Concrete(true))
		if (len(walkDS) == 0) != (cueErr == nil) {
			t.Errorf("%s: document at %s: the walker says %v, CUE says %v", file, root.pos, walkDS.Err(), cueErr)
		}
	}
}
