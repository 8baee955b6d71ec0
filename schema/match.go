package schema

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MatchOp is the operation of a node of a match expression.
type MatchOp int

const (
	MatchCriterion MatchOp = iota // a criterion, by number
	MatchNot                      // NOT Args[0]
	MatchAnd                      // Args[0] AND Args[1] AND ...
	MatchOr                       // Args[0] OR Args[1] OR ...
)

// MatchExpr is a parsed `match` expression of a rule, such as
// "1 AND (2 OR NOT 3)". AND and OR nodes are flattened: "1 AND 2 AND 3" is one
// MatchAnd with three arguments.
type MatchExpr struct {
	Op        MatchOp
	Criterion int          // MatchCriterion: the 1-based position in the rule's criteria
	Args      []*MatchExpr // MatchNot: one; MatchAnd and MatchOr: two or more
}

// MatchError is a syntax error of a match expression. Column counts
// characters of the expression from 1.
type MatchError struct {
	Column  int
	Message string
}

func (e *MatchError) Error() string {
	return fmt.Sprintf("column %d: %s", e.Column, e.Message)
}

// maxMatchDepth bounds the nesting of parentheses and NOTs, so that a
// hostile expression cannot exhaust the stack of the recursive parser.
const maxMatchDepth = 100

// ParseMatch parses a match expression over the criteria numbered 1 to n.
// AND, OR and NOT are case insensitive; NOT binds tighter than AND, which
// binds tighter than OR, and parentheses group. "all" and "any" are not
// expressions: the caller handles them.
func ParseMatch(expr string, n int) (*MatchExpr, error) {
	toks, err := lexMatch(expr)
	if err != nil {
		return nil, err
	}
	p := &matchParser{toks: toks, n: n}
	if len(toks) == 1 { // only the end token
		return nil, &MatchError{Column: 1, Message: "empty expression; join criterion numbers with AND, OR, NOT and parentheses, e.g. 1 AND (2 OR 3)"}
	}
	m, err := p.or(0)
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tokEnd {
		if t.kind == tokClose {
			return nil, &MatchError{Column: t.col, Message: `")" without a matching "("`}
		}
		return nil, &MatchError{Column: t.col, Message: fmt.Sprintf("want AND or OR, got %s", t)}
	}
	return m, nil
}

// Eval reports whether a rule with this expression matches, given which of
// its criteria (by 1-based number) are satisfied.
func (m *MatchExpr) Eval(satisfied func(i int) bool) bool {
	switch m.Op {
	case MatchCriterion:
		return satisfied(m.Criterion)
	case MatchNot:
		return !m.Args[0].Eval(satisfied)
	case MatchAnd:
		for _, a := range m.Args {
			if !a.Eval(satisfied) {
				return false
			}
		}
		return true
	case MatchOr:
		for _, a := range m.Args {
			if a.Eval(satisfied) {
				return true
			}
		}
		return false
	}
	return false
}

// String renders the expression in a canonical form, upper-case operators
// and parentheses only where they are needed, plus around an AND inside an
// OR, where most readers want them.
func (m *MatchExpr) String() string {
	switch m.Op {
	case MatchCriterion:
		return strconv.Itoa(m.Criterion)
	case MatchNot:
		a := m.Args[0]
		if a.Op == MatchAnd || a.Op == MatchOr {
			return "NOT (" + a.String() + ")"
		}
		return "NOT " + a.String()
	case MatchAnd, MatchOr:
		sep := " AND "
		if m.Op == MatchOr {
			sep = " OR "
		}
		parts := make([]string, len(m.Args))
		for i, a := range m.Args {
			parts[i] = a.String()
			if a.Op == MatchAnd || a.Op == MatchOr {
				parts[i] = "(" + parts[i] + ")"
			}
		}
		return strings.Join(parts, sep)
	}
	return ""
}

// Criteria returns the criterion numbers the expression uses, in order, once each.
func (m *MatchExpr) Criteria() []int {
	var out []int
	var walk func(*MatchExpr)
	walk = func(e *MatchExpr) {
		if e.Op == MatchCriterion {
			out = append(out, e.Criterion)
		}
		for _, a := range e.Args {
			walk(a)
		}
	}
	walk(m)
	slices.Sort(out)
	return slices.Compact(out)
}

type tokKind int

const (
	tokEnd tokKind = iota
	tokNum
	tokAnd
	tokOr
	tokNot
	tokOpen
	tokClose
)

type matchToken struct {
	kind tokKind
	text string
	col  int
}

func (t matchToken) String() string {
	if t.kind == tokEnd {
		return "the end of the expression"
	}
	return strconv.Quote(t.text)
}

func lexMatch(expr string) ([]matchToken, error) {
	var toks []matchToken
	col := 1
	for i := 0; i < len(expr); {
		r, size := utf8.DecodeRuneInString(expr[i:])
		start, startCol := i, col
		switch {
		case unicode.IsSpace(r):
			i += size
			col++
			continue
		case r == '(' || r == ')':
			kind := tokOpen
			if r == ')' {
				kind = tokClose
			}
			toks = append(toks, matchToken{kind, string(r), col})
			i += size
			col++
			continue
		case r >= '0' && r <= '9':
			for i < len(expr) && expr[i] >= '0' && expr[i] <= '9' {
				i++
				col++
			}
			toks = append(toks, matchToken{tokNum, expr[start:i], startCol})
			continue
		case unicode.IsLetter(r):
			for i < len(expr) {
				r, size := utf8.DecodeRuneInString(expr[i:])
				if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_' {
					break
				}
				i += size
				col++
			}
			word := expr[start:i]
			var kind tokKind
			switch strings.ToUpper(word) {
			case "AND":
				kind = tokAnd
			case "OR":
				kind = tokOr
			case "NOT":
				kind = tokNot
			default:
				return nil, &MatchError{Column: startCol, Message: fmt.Sprintf("unknown word %q; use criterion numbers with AND, OR and NOT", word)}
			}
			toks = append(toks, matchToken{kind, word, startCol})
			continue
		default:
			return nil, &MatchError{Column: col, Message: fmt.Sprintf("unexpected %q; use criterion numbers with AND, OR, NOT and parentheses", r)}
		}
	}
	return append(toks, matchToken{kind: tokEnd, col: col}), nil
}

type matchParser struct {
	toks []matchToken
	i    int
	n    int
}

func (p *matchParser) peek() matchToken { return p.toks[p.i] }

func (p *matchParser) next() matchToken {
	t := p.toks[p.i]
	if t.kind != tokEnd {
		p.i++
	}
	return t
}

func (p *matchParser) or(depth int) (*MatchExpr, error) {
	return p.binary(depth, tokOr, MatchOr, p.and)
}

func (p *matchParser) and(depth int) (*MatchExpr, error) {
	return p.binary(depth, tokAnd, MatchAnd, p.unary)
}

// binary parses operand (op operand)*, flattening nested nodes of the same op.
func (p *matchParser) binary(depth int, tok tokKind, op MatchOp, operand func(int) (*MatchExpr, error)) (*MatchExpr, error) {
	first, err := operand(depth)
	if err != nil {
		return nil, err
	}
	args := []*MatchExpr{first}
	for p.peek().kind == tok {
		p.next()
		a, err := operand(depth)
		if err != nil {
			return nil, err
		}
		args = append(args, a)
	}
	if len(args) == 1 {
		return first, nil
	}
	var flat []*MatchExpr
	for _, a := range args {
		if a.Op == op {
			flat = append(flat, a.Args...)
		} else {
			flat = append(flat, a)
		}
	}
	return &MatchExpr{Op: op, Args: flat}, nil
}

func (p *matchParser) unary(depth int) (*MatchExpr, error) {
	if depth > maxMatchDepth {
		return nil, &MatchError{Column: p.peek().col, Message: fmt.Sprintf("expression nested more than %d deep", maxMatchDepth)}
	}
	t := p.next()
	switch t.kind {
	case tokNot:
		a, err := p.unary(depth + 1)
		if err != nil {
			return nil, err
		}
		return &MatchExpr{Op: MatchNot, Args: []*MatchExpr{a}}, nil
	case tokOpen:
		e, err := p.or(depth + 1)
		if err != nil {
			return nil, err
		}
		if c := p.next(); c.kind != tokClose {
			if c.kind == tokEnd {
				return nil, &MatchError{Column: c.col, Message: fmt.Sprintf(`"(" at column %d is not closed`, t.col)}
			}
			return nil, &MatchError{Column: c.col, Message: fmt.Sprintf(`want AND, OR or ")", got %s`, c)}
		}
		// (1 AND 2) is a node of its own; flattening happens in binary.
		return e, nil
	case tokNum:
		i, err := strconv.Atoi(t.text)
		if err != nil || i < 1 || i > p.n {
			return nil, &MatchError{Column: t.col, Message: criterionRange(t.text, p.n)}
		}
		return &MatchExpr{Op: MatchCriterion, Criterion: i}, nil
	}
	return nil, &MatchError{Column: t.col, Message: fmt.Sprintf(`want a criterion number, NOT or "(", got %s`, t)}
}

func criterionRange(num string, n int) string {
	switch n {
	case 0:
		return fmt.Sprintf("there is no criterion %s: the rule has no criteria", num)
	case 1:
		return fmt.Sprintf("there is no criterion %s: the rule has 1 criterion", num)
	}
	return fmt.Sprintf("there is no criterion %s: the rule has criteria 1 to %d", num, n)
}
