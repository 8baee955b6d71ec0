package vaulttest

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// vqlQuery is a parsed query of the supported subset:
//
//	SELECT f1, LONGTEXT(f2), RICHTEXT(f3), ... FROM object
//	  [WHERE cond [AND|OR cond ...]]
//	  [ORDER BY f [ASC|DESC], ...]
//	  [PAGESIZE n] [PAGEOFFSET n]
//
// where cond is `field op literal` (op one of = != <> < <= > >=) or
// `field CONTAINS (literal, ...)` ("Logical Operators" in the VQL
// reference: CONTAINS tests a field against a list of values, with OR
// logic), and a literal is 'quoted text' (\' and \\ escape) or a number.
// AND binds tighter than OR. IN takes a subquery in VQL, never a list of
// values: the fake refuses IN.
type vqlQuery struct {
	fields     []string
	whole      []bool // fields[i] was selected through LONGTEXT() or RICHTEXT()
	from       string
	where      [][]vqlCond // OR of ANDs; empty: every record
	orderBy    []vqlOrder
	pageSize   int // 0: not given
	pageOffset int
}

type vqlCond struct {
	field  string
	op     string // = != < <= > >= in
	values []string
}

type vqlOrder struct {
	field string
	desc  bool
}

// vqlSyntaxError is a query the fake cannot parse: Vault's
// INCORRECT_QUERY_SYNTAX_ERROR.
type vqlSyntaxError struct{ msg string }

func (e *vqlSyntaxError) Error() string { return e.msg }

func syntaxErr(format string, args ...any) error {
	return &vqlSyntaxError{msg: fmt.Sprintf(format, args...)}
}

type tokKind int

const (
	tokIdent tokKind = iota
	tokString
	tokNumber
	tokSymbol
	tokEOF
)

type token struct {
	kind tokKind
	text string
	pos  int
}

func lexVQL(q string) ([]token, error) {
	var toks []token
	i := 0
	for i < len(q) {
		c := q[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case isIdentStart(c):
			j := i
			for j < len(q) && isIdentPart(q[j]) {
				j++
			}
			toks = append(toks, token{tokIdent, q[i:j], i})
			i = j
		case '0' <= c && c <= '9' || c == '-' && i+1 < len(q) && '0' <= q[i+1] && q[i+1] <= '9':
			j := i + 1
			for j < len(q) && ('0' <= q[j] && q[j] <= '9' || q[j] == '.') {
				j++
			}
			toks = append(toks, token{tokNumber, q[i:j], i})
			i = j
		case c == '\'':
			var b strings.Builder
			j := i + 1
			closed := false
			for j < len(q) {
				if q[j] == '\\' && j+1 < len(q) {
					b.WriteByte(q[j+1])
					j += 2
					continue
				}
				if q[j] == '\'' {
					closed = true
					j++
					break
				}
				b.WriteByte(q[j])
				j++
			}
			if !closed {
				return nil, syntaxErr("unterminated string literal at position %d", i)
			}
			toks = append(toks, token{tokString, b.String(), i})
			i = j
		default:
			sym := symbolAt(q[i:])
			if sym == "" {
				return nil, syntaxErr("unexpected character %q at position %d", c, i)
			}
			toks = append(toks, token{tokSymbol, sym, i})
			i += len(sym)
		}
	}
	return append(toks, token{tokEOF, "", len(q)}), nil
}

// symbolAt returns the operator or punctuation s starts with, or "".
func symbolAt(s string) string {
	for _, sym := range []string{"<=", ">=", "!=", "<>", "=", "<", ">", ",", "(", ")", "*"} {
		if strings.HasPrefix(s, sym) {
			return sym
		}
	}
	return ""
}

func isIdentStart(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_'
}

func isIdentPart(c byte) bool {
	return isIdentStart(c) || '0' <= c && c <= '9' || c == '.'
}

type vqlParser struct {
	toks []token
	i    int
}

func (p *vqlParser) peek() token { return p.toks[p.i] }

func (p *vqlParser) next() token {
	t := p.toks[p.i]
	if t.kind != tokEOF {
		p.i++
	}
	return t
}

// keyword reports whether the next token is the keyword kw, and takes it.
func (p *vqlParser) keyword(kw string) bool {
	t := p.peek()
	if t.kind == tokIdent && strings.EqualFold(t.text, kw) {
		p.i++
		return true
	}
	return false
}

func (p *vqlParser) symbol(s string) bool {
	t := p.peek()
	if t.kind == tokSymbol && t.text == s {
		p.i++
		return true
	}
	return false
}

func (p *vqlParser) expectKeyword(kw string) error {
	if !p.keyword(kw) {
		return syntaxErr("expected %s at position %d, found %q", kw, p.peek().pos, p.peek().text)
	}
	return nil
}

// reserved words that cannot be field or object names here.
var vqlKeywords = []string{"select", "from", "where", "and", "or", "not", "order", "by", "asc", "desc", "in", "pagesize", "pageoffset", "limit", "offset", "find", "like", "contains", "between"}

func (p *vqlParser) ident(what string) (string, error) {
	t := p.next()
	if t.kind != tokIdent || slices.Contains(vqlKeywords, strings.ToLower(t.text)) {
		return "", syntaxErr("expected %s at position %d, found %q", what, t.pos, t.text)
	}
	return t.text, nil
}

func (p *vqlParser) literal() (string, error) {
	t := p.next()
	if t.kind != tokString && t.kind != tokNumber {
		return "", syntaxErr("expected a 'quoted' value or a number at position %d, found %q", t.pos, t.text)
	}
	return t.text, nil
}

func (p *vqlParser) integer(what string) (int, error) {
	t := p.next()
	n, err := strconv.Atoi(t.text)
	if t.kind != tokNumber || err != nil || n < 0 {
		return 0, syntaxErr("%s needs a whole number, found %q", what, t.text)
	}
	return n, nil
}

// parseVQL parses q, or returns a *vqlSyntaxError.
func parseVQL(q string) (*vqlQuery, error) {
	toks, err := lexVQL(q)
	if err != nil {
		return nil, err
	}
	p := &vqlParser{toks: toks}
	var vq vqlQuery
	if err := p.expectKeyword("SELECT"); err != nil {
		return nil, err
	}
	for {
		if p.symbol("*") {
			return nil, syntaxErr("SELECT * is not VQL: list the fields (see the object metadata)")
		}
		f, err := p.ident("a field name")
		if err != nil {
			return nil, err
		}
		whole := false
		if fn := strings.ToUpper(f); (fn == "LONGTEXT" || fn == "RICHTEXT") && p.symbol("(") {
			// "Queryable Field Types": LONGTEXT() and RICHTEXT() return
			// the whole value of a Long Text or Rich Text field.
			if f, err = p.ident("a field name"); err != nil {
				return nil, err
			}
			if !p.symbol(")") {
				return nil, syntaxErr("%s( needs a field name and )", fn)
			}
			whole = true
		}
		vq.fields = append(vq.fields, f)
		vq.whole = append(vq.whole, whole)
		if !p.symbol(",") {
			break
		}
	}
	if err := p.expectKeyword("FROM"); err != nil {
		return nil, err
	}
	if vq.from, err = p.ident("an object name"); err != nil {
		return nil, err
	}
	if p.keyword("WHERE") {
		var and []vqlCond
		for {
			c, err := p.cond()
			if err != nil {
				return nil, err
			}
			and = append(and, c)
			if p.keyword("OR") {
				vq.where = append(vq.where, and)
				and = nil
				continue
			}
			if !p.keyword("AND") {
				break
			}
		}
		vq.where = append(vq.where, and)
	}
	if p.keyword("ORDER") {
		if err := p.expectKeyword("BY"); err != nil {
			return nil, err
		}
		for {
			f, err := p.ident("a field name")
			if err != nil {
				return nil, err
			}
			o := vqlOrder{field: f}
			if p.keyword("DESC") {
				o.desc = true
			} else {
				p.keyword("ASC")
			}
			vq.orderBy = append(vq.orderBy, o)
			if !p.symbol(",") {
				break
			}
		}
	}
	if p.keyword("PAGESIZE") {
		if vq.pageSize, err = p.integer("PAGESIZE"); err != nil {
			return nil, err
		}
	}
	if p.keyword("PAGEOFFSET") {
		if vq.pageOffset, err = p.integer("PAGEOFFSET"); err != nil {
			return nil, err
		}
	}
	if t := p.peek(); t.kind != tokEOF {
		return nil, syntaxErr("unexpected %q at position %d (vaulttest supports SELECT ... FROM ... [WHERE ... AND ...] [ORDER BY ...] [PAGESIZE n] [PAGEOFFSET n])", t.text, t.pos)
	}
	return &vq, nil
}

func (p *vqlParser) cond() (vqlCond, error) {
	if p.symbol("(") {
		return vqlCond{}, syntaxErr("vaulttest does not support parenthesised conditions")
	}
	f, err := p.ident("a field name")
	if err != nil {
		return vqlCond{}, err
	}
	c := vqlCond{field: f}
	if p.keyword("IN") {
		return c, syntaxErr("IN takes a subquery in VQL (relationship queries, which vaulttest does not support); a list of values needs CONTAINS")
	}
	if p.keyword("CONTAINS") {
		c.op = "in"
		if !p.symbol("(") {
			return c, syntaxErr("CONTAINS needs a parenthesised list of values")
		}
		for {
			v, err := p.literal()
			if err != nil {
				return c, err
			}
			c.values = append(c.values, v)
			if p.symbol(")") {
				return c, nil
			}
			if !p.symbol(",") {
				return c, syntaxErr("expected , or ) in the CONTAINS list at position %d", p.peek().pos)
			}
		}
	}
	t := p.next()
	switch {
	case t.kind == tokSymbol && slices.Contains([]string{"=", "!=", "<>", "<", "<=", ">", ">="}, t.text):
		c.op = t.text
		if c.op == "<>" {
			c.op = "!="
		}
	default:
		return c, syntaxErr("expected a comparison operator (= != < <= > >= CONTAINS) at position %d, found %q", t.pos, t.text)
	}
	v, err := p.literal()
	if err != nil {
		return c, err
	}
	c.values = []string{v}
	return c, nil
}

// match reports whether a record satisfies the WHERE clause: every
// condition of one of its AND groups.
func (vq *vqlQuery) match(rec map[string]string) bool {
	if len(vq.where) == 0 {
		return true
	}
	for _, and := range vq.where {
		if matchAll(and, rec) {
			return true
		}
	}
	return false
}

// matchAll reports whether a record satisfies every condition. A blank
// (null) field satisfies no condition, as in SQL.
func matchAll(where []vqlCond, rec map[string]string) bool {
	for _, c := range where {
		v := rec[c.field]
		if v == "" {
			return false
		}
		ok := false
		switch c.op {
		case "in":
			for _, w := range c.values {
				if compareValues(v, w) == 0 {
					ok = true
					break
				}
			}
		default:
			n := compareValues(v, c.values[0])
			switch c.op {
			case "=":
				ok = n == 0
			case "!=":
				ok = n != 0
			case "<":
				ok = n < 0
			case "<=":
				ok = n <= 0
			case ">":
				ok = n > 0
			case ">=":
				ok = n >= 0
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// compare orders two records by ORDER BY, then by id (the order when there is
// no ORDER BY, and the tie-breaker that keeps pages stable).
func (vq *vqlQuery) compare(a, b map[string]string) int {
	for _, o := range vq.orderBy {
		n := compareValues(a[o.field], b[o.field])
		if o.desc {
			n = -n
		}
		if n != 0 {
			return n
		}
	}
	return strings.Compare(a[FieldID], b[FieldID])
}

// referencedFields lists every field the query names, for validation.
func (vq *vqlQuery) referencedFields() []string {
	out := slices.Clone(vq.fields)
	for _, and := range vq.where {
		for _, c := range and {
			out = append(out, c.field)
		}
	}
	for _, o := range vq.orderBy {
		out = append(out, o.field)
	}
	return out
}
