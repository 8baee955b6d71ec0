package schema

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"

	"cuelang.org/go/cue"
)

// A shape is the part of the CUE schema that one YAML value must fit:
// a closed struct with its fields, a list with its element, a scalar leaf, or
// alternatives of different kinds (a product is a bare name or a mapping).
// Shapes are compiled from the CUE definitions once per load.
//
// Why not unify each document with the schema: it is slow for a large
// repository (docs/benchmarks.md, "Figures behind the code's choices"), and
// CUE stops at the first error of a struct. Walking shapes
// over the YAML is fast, reports every error at the exact YAML position, and
// still leaves each scalar to CUE: a leaf is checked by CUE itself, memoized
// by value, unless it is a plain kind, enum, bound or pattern, which Go checks
// the same way (schema_test.go holds both to the same verdicts).
type shape struct {
	v     cue.Value
	kinds cue.Kind
	refs  []string // the definitions it names, such as #Date, for messages

	// Structs.
	fields map[string]*field
	order  []string // field names in schema order
	closed bool
	// A map such as attributes, `{[#Ident]: string}`: the shape of its
	// keys (a leaf) and of its values; nil for a struct without a pattern.
	keys, values *shape

	// Lists.
	elem *shape

	// Scalars.
	enum  []string       // the allowed values, when the leaf is an enum of strings
	check func(any) bool // a Go equivalent of the leaf; nil: only CUE can check it

	// Values of several kinds: one alternative per kind of YAML node.
	alts []*shape
}

type field struct {
	name     string
	shape    *shape
	required bool
	def      any // the default, decoded; nil when none
	hasDef   bool
}

const scalarKinds = cue.NullKind | cue.BoolKind | cue.IntKind | cue.FloatKind | cue.StringKind | cue.BytesKind

// maxShapeDepth guards against a recursive definition, which the walker does
// not support.
const maxShapeDepth = 32

func compileShape(v cue.Value, depth int) (*shape, error) {
	if depth > maxShapeDepth {
		return nil, fmt.Errorf("%v: schema nested too deep (recursive definitions are not supported)", v.Pos())
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	k := v.IncompleteKind()
	s := &shape{v: v, kinds: k, refs: refsOf(v)}
	families := 0
	for _, f := range []cue.Kind{cue.StructKind, cue.ListKind, scalarKinds} {
		if k&f != 0 {
			families++
		}
	}
	switch {
	case families > 1:
		return compileAlts(s, depth)
	case k == cue.StructKind:
		return compileStruct(s, depth)
	case k == cue.ListKind:
		return compileList(s, depth)
	case k != cue.BottomKind && k&^scalarKinds == 0:
		s.enum = enumOf(v)
		s.check = compileCheck(v)
		return s, nil
	}
	return nil, fmt.Errorf("%v: unsupported schema value %v (kind %v)", v.Pos(), v, k)
}

// compileAlts splits a disjunction such as `#ID | #Product` so that the
// walker can pick the alternative by the kind of the YAML node.
func compileAlts(s *shape, depth int) (*shape, error) {
	op, args := s.v.Expr()
	if op != cue.OrOp {
		return nil, fmt.Errorf("%v: a value of several kinds must be a disjunction: %v", s.v.Pos(), s.v)
	}
	var structs, lists int
	for _, a := range args {
		as, err := compileShape(a, depth+1)
		if err != nil {
			return nil, err
		}
		if as.alts != nil {
			s.alts = append(s.alts, as.alts...)
		} else {
			s.alts = append(s.alts, as)
		}
	}
	for _, a := range s.alts {
		if a.kinds == cue.StructKind {
			structs++
		}
		if a.kinds == cue.ListKind {
			lists++
		}
	}
	if structs > 1 || lists > 1 {
		return nil, fmt.Errorf("%v: alternatives must differ in kind (struct, list, scalar): %v", s.v.Pos(), s.v)
	}
	return s, nil
}

func compileStruct(s *shape, depth int) (*shape, error) {
	s.fields = map[string]*field{}
	s.closed = s.v.IsClosed()
	it, err := s.v.Fields(cue.Optional(true), cue.Patterns(true))
	if err != nil {
		return nil, err
	}
	for it.Next() {
		sel := it.Selector()
		if sel.Type()&cue.PatternConstraint != 0 {
			if s.keys != nil {
				return nil, fmt.Errorf("%v: one pattern per struct is supported: %v", s.v.Pos(), s.v)
			}
			if s.keys, err = compileShape(sel.Pattern(), depth+1); err != nil {
				return nil, fmt.Errorf("pattern %v: %w", sel, err)
			}
			if s.values, err = compileShape(it.Value(), depth+1); err != nil {
				return nil, fmt.Errorf("pattern %v: %w", sel, err)
			}
			continue
		}
		name := sel.Unquoted()
		fs, err := compileShape(it.Value(), depth+1)
		if err != nil {
			return nil, fmt.Errorf("field %s: %w", name, err)
		}
		f := &field{name: name, shape: fs, required: sel.ConstraintType() == cue.RequiredConstraint}
		if d, ok := it.Value().Default(); ok && d.IsConcrete() {
			if err := d.Decode(&f.def); err != nil {
				return nil, fmt.Errorf("field %s: default: %w", name, err)
			}
			f.hasDef = true
		}
		s.fields[name] = f
		s.order = append(s.order, name)
	}
	return s, nil
}

func compileList(s *shape, depth int) (*shape, error) {
	e := s.v.LookupPath(cue.MakePath(cue.AnyIndex))
	if !e.Exists() {
		// A list with a default, `*["crm"] | [...("crm" | "data_loader")]`:
		// every list the default accepts, the open alternative accepts too.
		_, args := s.v.Expr()
		for _, a := range args {
			if ae := a.LookupPath(cue.MakePath(cue.AnyIndex)); ae.Exists() {
				e = ae
				break
			}
		}
	}
	if !e.Exists() {
		return nil, fmt.Errorf("%v: only open lists [...T] are supported: %v", s.v.Pos(), s.v)
	}
	elem, err := compileShape(e, depth+1)
	if err != nil {
		return nil, err
	}
	s.elem = elem
	return s, nil
}

func refsOf(v cue.Value) []string {
	var out []string
	add := func(x cue.Value) {
		if _, p := x.ReferencePath(); len(p.Selectors()) > 0 {
			out = append(out, p.String())
		}
	}
	add(v)
	if op, args := v.Expr(); op == cue.OrOp {
		for _, a := range args {
			add(a)
		}
	}
	return out
}

// enumOf returns the allowed strings of a leaf that is a disjunction of
// string literals (or one literal), else nil.
func enumOf(v cue.Value) []string {
	vals := []cue.Value{v}
	if op, args := v.Expr(); op == cue.OrOp {
		vals = args
	}
	var out []string
	for _, a := range vals {
		s, err := a.String()
		if !a.IsConcrete() || err != nil {
			return nil
		}
		out = append(out, s)
	}
	return out
}

// compileCheck returns a Go function that accepts exactly the values v
// accepts, for the constraints whose meaning is plain (kinds, literals,
// bounds, patterns), or nil when only CUE can tell.
func compileCheck(v cue.Value) func(any) bool {
	if _, ok := v.Default(); ok {
		return nil // a disjunction with a default: Expr shows it partially
	}
	kinds := v.IncompleteKind()
	inner := compileOp(v)
	if inner == nil {
		return nil
	}
	return func(x any) bool { return kinds&kindOf(x) != 0 && inner(x) }
}

var basicTypes = []string{"string", "int", "float", "number", "bool", "null", "_"}

func compileOp(v cue.Value) func(any) bool {
	op, args := v.Eval().Expr()
	switch op {
	case cue.NoOp:
		if v.IsConcrete() {
			var lit any
			if err := v.Decode(&lit); err != nil {
				return nil
			}
			return func(x any) bool { return sameScalar(x, lit) }
		}
		if slices.Contains(basicTypes, fmt.Sprint(v)) {
			return func(any) bool { return true } // the kind check is enough
		}
	case cue.AndOp, cue.OrOp:
		var checks []func(any) bool
		for _, a := range args {
			c := compileCheck(a)
			if c == nil {
				return nil
			}
			checks = append(checks, c)
		}
		if op == cue.AndOp {
			return func(x any) bool {
				for _, c := range checks {
					if !c(x) {
						return false
					}
				}
				return true
			}
		}
		return func(x any) bool {
			for _, c := range checks {
				if c(x) {
					return true
				}
			}
			return false
		}
	case cue.NotEqualOp:
		if len(args) == 1 && args[0].IsConcrete() {
			var lit any
			if err := args[0].Decode(&lit); err != nil {
				return nil
			}
			return func(x any) bool { return !sameScalar(x, lit) }
		}
	case cue.RegexMatchOp, cue.NotRegexMatchOp:
		if len(args) != 1 {
			return nil
		}
		pat, err := args[0].String()
		if err != nil {
			return nil
		}
		re, err := regexp.Compile(pat)
		if err != nil {
			return nil
		}
		want := op == cue.RegexMatchOp
		return func(x any) bool {
			s, ok := x.(string)
			return ok && re.MatchString(s) == want
		}
	case cue.GreaterThanOp, cue.GreaterThanEqualOp, cue.LessThanOp, cue.LessThanEqualOp:
		if len(args) != 1 {
			return nil
		}
		bound, err := args[0].Float64()
		if err != nil {
			return nil
		}
		return func(x any) bool {
			f, ok := toFloat(x)
			switch {
			case !ok:
				return false
			case op == cue.GreaterThanOp:
				return f > bound
			case op == cue.GreaterThanEqualOp:
				return f >= bound
			case op == cue.LessThanOp:
				return f < bound
			}
			return f <= bound
		}
	}
	return nil
}

// kindOf is the CUE kind of a scalar as the YAML decoder returns it.
func kindOf(x any) cue.Kind {
	switch x.(type) {
	case nil:
		return cue.NullKind
	case bool:
		return cue.BoolKind
	case string:
		return cue.StringKind
	case int, int64, uint64:
		return cue.IntKind
	case float64:
		return cue.FloatKind
	}
	return cue.BottomKind
}

func toFloat(x any) (float64, bool) {
	switch x := x.(type) {
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case uint64:
		return float64(x), true
	case float64:
		return x, !math.IsNaN(x)
	}
	return 0, false
}

func sameScalar(x, lit any) bool {
	if kindOf(x)&(cue.IntKind|cue.FloatKind) != 0 {
		a, ok1 := toFloat(x)
		b, ok2 := toFloat(lit)
		return ok1 && ok2 && a == b
	}
	return x == lit
}

// wantText says what a shape accepts, for "want X, got Y" messages.
func (s *shape) wantText() string {
	if len(s.enum) > 0 {
		return "one of " + strings.Join(s.enum, ", ")
	}
	if slices.Contains(s.refs, "#Date") {
		if s.kinds&cue.NullKind != 0 {
			return "a date YYYY-MM-DD or null"
		}
		return "a date YYYY-MM-DD"
	}
	var parts []string
	for _, a := range s.alts {
		parts = append(parts, a.wantText())
	}
	if parts == nil {
		for _, k := range []struct {
			kind cue.Kind
			text string
		}{
			{cue.StringKind, "a string"},
			{cue.NumberKind, "a number"},
			{cue.IntKind, "a whole number"},
			{cue.BoolKind, "true or false"},
			{cue.ListKind, "a list"},
			{cue.StructKind, "a mapping"},
			{cue.NullKind, "null"},
		} {
			if s.kinds&k.kind == k.kind && !(k.kind == cue.IntKind && s.kinds&cue.NumberKind == cue.NumberKind) {
				parts = append(parts, k.text)
			}
		}
	}
	if len(parts) > 2 {
		// "a string, a number or a boolean" reads better than a chain of ors.
		for i, p := range parts {
			if p == "true or false" {
				parts[i] = "a boolean"
			}
		}
		return strings.Join(parts[:len(parts)-1], ", ") + " or " + parts[len(parts)-1]
	}
	return strings.Join(parts, " or ")
}
