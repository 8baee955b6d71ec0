package schema

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/literal"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/token"
)

// Figures are one territory's numbers that a policy's cue expression reads.
type Figures struct {
	Territory  string `json:"territory"`
	FieldForce string `json:"field_force"`
	Before     int    `json:"before"` // accounts from now on, before the plan
	After      int    `json:"after"`  // and after it
	Gained     int    `json:"gained"` // accounts the plan adds to the territory
	Lost       int    `json:"lost"`   // accounts the plan takes from it
	// TargetsLost are the targets of its cycle plans that count now
	// (planned or in progress) whose accounts the plan takes from it.
	TargetsLost int `json:"targets_lost"`
}

// policyFigures are the names a cue expression may use, each with its kind
// and how to read it: a figure is one line here and a field of Figures.
var policyFigures = []struct {
	name string
	kind string // "int" or "string", as CUE names the type
	get  func(*Figures) any
}{
	{"before", "int", func(f *Figures) any { return f.Before }},
	{"after", "int", func(f *Figures) any { return f.After }},
	{"gained", "int", func(f *Figures) any { return f.Gained }},
	{"lost", "int", func(f *Figures) any { return f.Lost }},
	{"targets_lost", "int", func(f *Figures) any { return f.TargetsLost }},
	{"field_force", "string", func(f *Figures) any { return f.FieldForce }},
	{"territory", "string", func(f *Figures) any { return f.Territory }},
}

// FigureNames lists the figures a cue expression may use.
func FigureNames() []string {
	out := make([]string, len(policyFigures))
	for i, f := range policyFigures {
		out[i] = f.name
	}
	return out
}

// PolicyExpr is a compiled cue expression of a policy. CUE evaluates it
// with the figures filled in, too slowly to do once per territory of a large
// config (docs/benchmarks.md, "Figures behind the code's choices"), so the
// common forms (figures, literals, arithmetic,
// comparisons, && || !, =~ against a literal) are also compiled to a Go
// function that gives the same answer, and CUE answers the rest (other
// forms, and any value the Go function cannot be sure of, such as a division
// by zero, so that its error is CUE's own). Not safe for concurrent use.
type PolicyExpr struct {
	Source string
	fast   evalFunc // nil: CUE only
	v      cue.Value
	paths  []cue.Path
	ok     cue.Path
}

// CompilePolicyExpr compiles a cue expression over the figures, once per
// plan. Its error says what is wrong in words: a syntax error, a name that is
// not a figure, a value that is not true or false.
func CompilePolicyExpr(src string) (*PolicyExpr, error) {
	expr, err := parser.ParseExpr("cue", src)
	if err != nil {
		return nil, fmt.Errorf("does not compile: %s", cueMessage(err))
	}
	var decl strings.Builder
	for _, f := range policyFigures {
		fmt.Fprintf(&decl, "%s: %s\n", f.name, f.kind)
	}
	ctx := cuecontext.New()
	v := ctx.CompileString(decl.String() + "ok: " + src + "\n")
	if err := v.Err(); err != nil {
		msg := cueMessage(err)
		if strings.Contains(msg, "not found") {
			msg += "; the figures are " + strings.Join(FigureNames(), ", ")
		}
		return nil, fmt.Errorf("does not compile: %s", msg)
	}
	e := &PolicyExpr{Source: src, v: v, ok: cue.ParsePath("ok")}
	for _, f := range policyFigures {
		e.paths = append(e.paths, cue.ParsePath(f.name))
	}
	// With every figure filled, a value of another kind shows: "after + 1"
	// is a number, not a verdict.
	sample := &Figures{Before: 1, After: 1, Gained: 1, Lost: 1, FieldForce: "x", Territory: "x"}
	if res := e.fill(sample).LookupPath(e.ok); res.Err() == nil {
		if k := res.Kind(); k != cue.BoolKind && k != cue.BottomKind {
			what := "a number"
			switch k {
			case cue.StringKind:
				what = "text"
			case cue.StructKind, cue.ListKind:
				what = "a " + k.String()
			}
			return nil, fmt.Errorf("is %s, not true or false; compare it, e.g. %s <= 10", what, src)
		}
	}
	e.fast, _ = compileFast(expr)
	return e, nil
}

func (e *PolicyExpr) fill(f *Figures) cue.Value {
	v := e.v
	for i, fig := range policyFigures {
		v = v.FillPath(e.paths[i], fig.get(f))
	}
	return v
}

// Holds evaluates the expression for one territory's figures.
func (e *PolicyExpr) Holds(f *Figures) (bool, error) {
	if e.fast != nil {
		if r, ok := e.fast(f); ok && r.kind == boolVal {
			return r.b, nil
		}
	}
	res := e.fill(f).LookupPath(e.ok)
	b, err := res.Bool()
	if err != nil {
		return false, errors.New(cueMessage(err))
	}
	return b, nil
}

// cueMessage is a CUE error without the path of the value that holds it.
func cueMessage(err error) string {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "ok: ")
	return strings.ReplaceAll(msg, "\n", "; ")
}

type valKind int

const (
	numVal valKind = iota
	strVal
	boolVal
)

type val struct {
	kind valKind
	n    float64
	s    string
	b    bool
}

// evalFunc returns ok false when CUE must answer: the operands are of kinds
// the operator does not take, or the arithmetic fails.
type evalFunc func(*Figures) (val, bool)

var errUnsupported = errors.New("not compiled to Go")

func compileFast(e ast.Expr) (evalFunc, error) {
	switch x := e.(type) {
	case *ast.ParenExpr:
		return compileFast(x.X)
	case *ast.Ident:
		for _, f := range policyFigures {
			if f.name == x.Name {
				get, kind := f.get, f.kind
				return func(fs *Figures) (val, bool) {
					if kind == "int" {
						return val{kind: numVal, n: float64(get(fs).(int))}, true
					}
					return val{kind: strVal, s: get(fs).(string)}, true
				}, nil
			}
		}
		return nil, errUnsupported
	case *ast.BasicLit:
		var v val
		switch x.Kind {
		case token.TRUE, token.FALSE:
			v = val{kind: boolVal, b: x.Kind == token.TRUE}
		case token.INT, token.FLOAT:
			n, err := strconv.ParseFloat(strings.ReplaceAll(x.Value, "_", ""), 64)
			if err != nil {
				return nil, errUnsupported // 0x1F, 1Ki...: CUE reads them
			}
			v = val{kind: numVal, n: n}
		case token.STRING:
			s, err := literal.Unquote(x.Value)
			if err != nil {
				return nil, errUnsupported
			}
			v = val{kind: strVal, s: s}
		default:
			return nil, errUnsupported
		}
		return func(*Figures) (val, bool) { return v, true }, nil
	case *ast.UnaryExpr:
		a, err := compileFast(x.X)
		if err != nil {
			return nil, err
		}
		switch x.Op {
		case token.NOT:
			return func(f *Figures) (val, bool) {
				r, ok := a(f)
				return val{kind: boolVal, b: !r.b}, ok && r.kind == boolVal
			}, nil
		case token.SUB, token.ADD:
			sign := 1.0
			if x.Op == token.SUB {
				sign = -1
			}
			return func(f *Figures) (val, bool) {
				r, ok := a(f)
				return val{kind: numVal, n: sign * r.n}, ok && r.kind == numVal
			}, nil
		}
		return nil, errUnsupported
	case *ast.BinaryExpr:
		return compileBinary(x)
	}
	return nil, errUnsupported
}

func compileBinary(x *ast.BinaryExpr) (evalFunc, error) {
	a, err := compileFast(x.X)
	if err != nil {
		return nil, err
	}
	if x.Op == token.MAT || x.Op == token.NMAT {
		lit, isLit := x.Y.(*ast.BasicLit)
		if !isLit || lit.Kind != token.STRING {
			return nil, errUnsupported
		}
		pat, err := literal.Unquote(lit.Value)
		if err != nil {
			return nil, errUnsupported
		}
		re, err := regexp.Compile(pat)
		if err != nil {
			return nil, errUnsupported // CUE says what is wrong with it
		}
		want := x.Op == token.MAT
		return func(f *Figures) (val, bool) {
			l, ok := a(f)
			return val{kind: boolVal, b: re.MatchString(l.s) == want}, ok && l.kind == strVal
		}, nil
	}
	b, err := compileFast(x.Y)
	if err != nil {
		return nil, err
	}
	op := x.Op
	switch op {
	case token.LAND, token.LOR:
		return func(f *Figures) (val, bool) {
			l, okl := a(f)
			r, okr := b(f)
			if !okl || !okr || l.kind != boolVal || r.kind != boolVal {
				return val{}, false
			}
			if op == token.LAND {
				return val{kind: boolVal, b: l.b && r.b}, true
			}
			return val{kind: boolVal, b: l.b || r.b}, true
		}, nil
	case token.ADD, token.SUB, token.MUL, token.QUO:
		return func(f *Figures) (val, bool) {
			l, okl := a(f)
			r, okr := b(f)
			if !okl || !okr || l.kind != r.kind {
				return val{}, false
			}
			if l.kind == strVal && op == token.ADD {
				return val{kind: strVal, s: l.s + r.s}, true
			}
			if l.kind != numVal {
				return val{}, false
			}
			switch op {
			case token.ADD:
				return val{kind: numVal, n: l.n + r.n}, true
			case token.SUB:
				return val{kind: numVal, n: l.n - r.n}, true
			case token.MUL:
				return val{kind: numVal, n: l.n * r.n}, true
			}
			if r.n == 0 {
				return val{}, false
			}
			return val{kind: numVal, n: l.n / r.n}, true
		}, nil
	case token.EQL, token.NEQ, token.LSS, token.LEQ, token.GTR, token.GEQ:
		return func(f *Figures) (val, bool) {
			l, okl := a(f)
			r, okr := b(f)
			if !okl || !okr || l.kind != r.kind {
				return val{}, false
			}
			var c int
			switch l.kind {
			case numVal:
				c = cmpFloat(l.n, r.n)
			case strVal:
				c = strings.Compare(l.s, r.s)
			case boolVal:
				if op != token.EQL && op != token.NEQ {
					return val{}, false
				}
				if l.b != r.b {
					c = 1
				}
			}
			var res bool
			switch op {
			case token.EQL:
				res = c == 0
			case token.NEQ:
				res = c != 0
			case token.LSS:
				res = c < 0
			case token.LEQ:
				res = c <= 0
			case token.GTR:
				res = c > 0
			case token.GEQ:
				res = c >= 0
			}
			return val{kind: boolVal, b: res}, true
		}, nil
	}
	return nil, errUnsupported
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
