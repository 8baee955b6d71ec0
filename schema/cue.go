package schema

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/encoding/jsonschema"
)

//go:embed alignctl.cue
var cueSource string

// CUE returns the schema of a config document, as CUE source
// (`alignctl schema --format cue`).
func CUE() string { return cueSource }

// JSONSchema returns the JSON Schema (draft 2020-12) of a config document,
// generated from the CUE schema (`alignctl schema --format jsonschema`), for
// editors and linters that know JSON Schema but not CUE. It carries the
// structure, enums, patterns and required fields (not the defaults); the checks across
// documents (references, duplicate ids, the territory tree) are alignctl's.
func JSONSchema() ([]byte, error) {
	ctx := cuecontext.New()
	root := ctx.CompileString(cueSource, cue.Filename("alignctl.cue"))
	if err := root.Err(); err != nil {
		return nil, fmt.Errorf("schema: %w", err)
	}
	expr, err := jsonschema.Generate(root.LookupPath(cue.ParsePath("#Document")), nil)
	if err != nil {
		return nil, fmt.Errorf("schema: generating JSON Schema: %w", err)
	}
	v := ctx.BuildExpr(expr)
	if err := v.Err(); err != nil {
		return nil, fmt.Errorf("schema: generating JSON Schema: %w", err)
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("schema: generating JSON Schema: %w", err)
	}
	return append(b, '\n'), nil
}

// compiled is the schema of one load at a time: a cue.Context is not safe
// for concurrent use, so a load borrows one (borrowSchema) for itself.
type compiled struct {
	ctx   *cue.Context
	kinds map[string]*shape // document shapes by kind
	names []string          // the kinds, in schema order
	memo  map[leafKey]string
}

type leafKey struct {
	s          *shape
	tag, value string
}

// schemas holds compiled schemas between loads. Compiling takes far longer
// than loading a small config (docs/benchmarks.md, "Figures behind the
// code's choices"): a command that loads several
// configs (plan --base, the config cache's verify) and a fuzz target that
// loads thousands a second compile once, not per load. A sync.Pool because
// its entries are dropped at garbage collection: the CUE values and the
// messages a schema accumulates as it checks do not grow for ever.
var schemas sync.Pool

// borrowSchema is a compiled schema for one load, which it hands back with
// returnSchema when done.
func borrowSchema() (*compiled, error) {
	if c, ok := schemas.Get().(*compiled); ok {
		return c, nil
	}
	return compileSchema()
}

func returnSchema(c *compiled) { schemas.Put(c) }

func compileSchema() (*compiled, error) {
	ctx := cuecontext.New()
	root := ctx.CompileString(cueSource, cue.Filename("alignctl.cue"))
	if err := root.Err(); err != nil {
		return nil, fmt.Errorf("schema: %w", err)
	}
	c := &compiled{ctx: ctx, kinds: map[string]*shape{}, memo: map[leafKey]string{}}
	doc := root.LookupPath(cue.ParsePath("#Document"))
	op, defs := doc.Expr()
	if op != cue.OrOp {
		return nil, fmt.Errorf("schema: #Document must be a disjunction of definitions")
	}
	for _, d := range defs {
		s, err := compileShape(d, 0)
		if err != nil {
			return nil, fmt.Errorf("schema: %w", err)
		}
		k := s.fields["kind"]
		if k == nil || len(k.shape.enum) != 1 {
			return nil, fmt.Errorf("schema: %v: a document definition needs a literal kind", d.Pos())
		}
		c.kinds[k.shape.enum[0]] = s
		c.names = append(c.names, k.shape.enum[0])
	}
	return c, nil
}

// leafProblem checks a scalar against a leaf shape and says what is wrong
// with it, or "" when it fits.
func (c *compiled) leafProblem(s *shape, n *node) string {
	if s.check != nil && s.check(n.val) {
		return ""
	}
	// CUE has the last word, and writes the message, when the Go check
	// fails or does not exist.
	key := leafKey{s, n.tag, n.value}
	if msg, ok := c.memo[key]; ok {
		return msg
	}
	msg := ""
	d := c.ctx.Encode(n.val)
	if err := d.Err(); err != nil {
		msg = err.Error()
	} else if err := s.v.Unify(d).Validate(cue.Concrete(true)); err != nil {
		msg = explainCUE(err)
	}
	c.memo[key] = msg
	return msg
}

var (
	outOfBoundRE = regexp.MustCompile(`\(out of bound (.*)\)$`)
	notSatisfyRE = regexp.MustCompile(`\(does not satisfy (.*)\)$`)
)

// patternHints say in words what the patterns of alignctl.cue ask for.
var patternHints = map[string]string{
	`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`:        "is not a date; write YYYY-MM-DD",
	`^[a-z][a-z0-9_]*$`:                   "must start with a lower-case letter and hold only a-z, 0-9 and _ (it becomes a SQL name)",
	`^[a-z][a-z0-9_]*[.][a-z][a-z0-9_]*$`: "must be object.field in lower case, e.g. account__v.specialty_1__v",
	`^v[0-9]+[.][0-9]+$`:                  "must be a Vault API version such as v25.1",
	`^[A-Za-z_][A-Za-z0-9_]*$`:            "must be the prefix of environment variable names, such as ALIGN_US",
	`^[^*]+[*]?$`:                         "must be a postal code, or a prefix that ends in *",
}

// explainCUE turns a CUE validation error of a leaf into the end of a
// message: "must not be empty", "is not a date; write YYYY-MM-DD".
func explainCUE(err error) string {
	var msgs []string
	for _, e := range cueerrors.Errors(err) {
		format, args := e.Msg()
		msg := fmt.Sprintf(format, args...)
		if strings.Contains(msg, "errors in empty disjunction") || strings.Contains(msg, "mismatched types") {
			continue // the alternatives of other kinds, such as null
		}
		msgs = append(msgs, msg)
	}
	if len(msgs) == 0 {
		return err.Error()
	}
	msg := msgs[0]
	if m := notSatisfyRE.FindStringSubmatch(msg); m != nil {
		if strings.HasPrefix(m[1], "time.Format") {
			return "is not a date; write YYYY-MM-DD"
		}
		return "does not satisfy " + m[1]
	}
	if m := outOfBoundRE.FindStringSubmatch(msg); m != nil {
		bound := m[1]
		switch {
		case bound == `!=""`:
			return "must not be empty"
		case strings.HasPrefix(bound, "=~"):
			pat, err := strconv.Unquote(bound[2:])
			if err != nil {
				pat = bound[2:]
			}
			if hint, ok := patternHints[pat]; ok {
				return hint
			}
			return "does not match " + pat
		case strings.HasPrefix(bound, ">="):
			return "must be at least " + bound[2:]
		}
		return "must be " + bound
	}
	return msg
}
