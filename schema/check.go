package schema

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"cuelang.org/go/cue"
)

// checker walks YAML nodes over schema shapes and reports every value that
// does not fit, at the position of that value.
type checker struct {
	schema *compiled
	ds     *Diagnostics
	// bad holds the entities (documents, and entries of lists such as rules
	// and criteria) that hold a value the schema rejects, by position: the
	// checks that follow the schema skip them rather than report what a
	// wrong value implies, but still check everything else.
	bad map[Pos]bool
}

// at is where a value sits: the entity it belongs to, named for messages
// ("territory ONC-101", "rule onc-1: criterion 2"), and its field name.
type at struct {
	label  string
	name   string
	entity *node
}

func (c *checker) report(a at, pos Pos, format string, args ...any) {
	c.ds.addf(pos, format, args...)
	if a.entity != nil {
		c.bad[a.entity.pos] = true
	}
}

// itemLabels name the entries of lists of mappings. An entry with an id of
// its own (rule, crm instance) is named alone, since its id is unique; other
// entries are named under their owner.
var itemLabels = map[string]struct {
	noun, idKey string
	own         bool
}{
	"crm_instances": {"crm instance", "id", true},
	"rules":         {"rule", "id", true},
	"criteria":      {"criterion", "", false},
	"geographies":   {"geography", "code", false},
	"products":      {"product", "product", false},
	"exclusions":    {"exclusion", "account", false},
	"assignments":   {"assignment", "account", false},
	"territories":   {"territory", "territory", false},
	"countries":     {"country", "code", false},
	"system":        {"system mapping", "crm_field", false},
	"custom":        {"custom mapping", "crm_field", false},
}

// item returns where the i-th entry of the list in field `list` sits.
func (a at) item(list string, i int, n *node) at {
	l, ok := itemLabels[list]
	if !ok {
		return at{label: a.label, name: list + " entry", entity: a.entity}
	}
	if n.kind != mapNode {
		return at{label: a.label, name: l.noun, entity: n}
	}
	label := l.noun
	switch {
	case l.idKey == "":
		label += " " + strconv.Itoa(i+1)
	case n.get(l.idKey) != nil && n.get(l.idKey).kind == scalarNode:
		label += " " + n.get(l.idKey).value
	}
	if !l.own || n.get(l.idKey) == nil {
		label = a.label + ": " + label
	}
	return at{label: label, name: list, entity: n}
}

// document checks one YAML document and returns its kind, or "" when it has
// none that the schema knows.
func (c *checker) document(root *node) string {
	want := strings.Join(c.schema.names, ", ")
	if root.kind != mapNode {
		c.ds.addf(root.pos, "a document must be a mapping with a kind: field (one of %s), not %s", want, root.describe())
		return ""
	}
	k := root.get("kind")
	switch {
	case k == nil:
		c.ds.addf(root.pos, "missing kind; want one of %s", want)
		return ""
	case k.str() == "":
		c.ds.addf(k.pos, "kind: want one of %s, got %s", want, k.describe())
		return ""
	case c.schema.kinds[k.str()] == nil:
		c.ds.addf(k.pos, "unknown kind %q; want one of %s%s", k.value, want, didYouMean(k.value, c.schema.names))
		return ""
	}
	kind := k.str()
	c.value(c.schema.kinds[kind], root, at{label: documentLabel(kind, root), entity: root})
	return kind
}

// documentLabel names a document in messages: "territory ONC-101".
func documentLabel(kind string, root *node) string {
	scalar := func(key string) string {
		if n := root.get(key); n != nil && n.kind == scalarNode && !n.isNull() {
			return " " + n.value
		}
		return ""
	}
	switch kind {
	case "settings":
		return "settings"
	case "field_mapping":
		return "field mapping" + scalar("direction") + scalar("crm_object")
	}
	return strings.ReplaceAll(kind, "_", " ") + scalar("id")
}

func (c *checker) value(s *shape, n *node, a at) {
	if s.alts != nil {
		alt := c.pick(s, n)
		if alt == nil {
			c.mismatch(s, n, a)
			return
		}
		s = alt
	}
	switch n.kind {
	case mapNode:
		if s.kinds&cue.StructKind == 0 {
			c.mismatch(s, n, a)
			return
		}
		c.structValue(s, n, a)
	case listNode:
		if s.kinds&cue.ListKind == 0 {
			c.mismatch(s, n, a)
			return
		}
		for i, e := range n.vals {
			c.value(s.elem, e, a.item(a.name, i, e))
		}
	case scalarNode:
		if s.kinds&kindOf(n.val) == 0 {
			c.mismatch(s, n, a)
			return
		}
		if msg := c.schema.leafProblem(s, n); msg != "" {
			c.leafError(s, n, a, msg)
		}
	}
}

// pick chooses the alternative of s for the kind of n: the mapping form of a
// product for a mapping, the bare form for a string.
func (c *checker) pick(s *shape, n *node) *shape {
	var scalars []*shape
	for _, alt := range s.alts {
		switch {
		case n.kind == mapNode && alt.kinds&cue.StructKind != 0,
			n.kind == listNode && alt.kinds&cue.ListKind != 0:
			return alt
		case n.kind == scalarNode && alt.kinds&kindOf(n.val) != 0:
			scalars = append(scalars, alt)
		}
	}
	for _, alt := range scalars {
		if c.schema.leafProblem(alt, n) == "" {
			return alt
		}
	}
	if len(scalars) > 0 {
		return scalars[0]
	}
	return nil
}

func (c *checker) structValue(s *shape, n *node, a at) {
	for i, k := range n.keys {
		f := s.fields[k.value]
		if f == nil && s.values != nil {
			c.mapEntry(s, k, n.vals[i], a)
			continue
		}
		if f == nil {
			if s.closed {
				c.unknownField(s, k, a)
			}
			continue
		}
		c.value(f.shape, n.vals[i], at{label: a.label, name: k.value, entity: a.entity})
	}
	for _, name := range s.order {
		if f := s.fields[name]; f.required && n.get(name) == nil {
			c.report(a, n.pos, "%s: missing required field %q", a.label, name)
		}
	}
}

// mapEntry checks one entry of a map such as attributes: its key against
// the pattern, its value against the value shape.
func (c *checker) mapEntry(s *shape, k, v *node, a at) {
	// A key is text whatever YAML reads it as: attributes: {2024: x} has key "2024".
	key := &node{kind: scalarNode, pos: k.pos, tag: "!!str", value: k.value, val: k.value}
	if msg := c.schema.leafProblem(s.keys, key); msg != "" {
		c.report(a, k.pos, "%s: %s key %q %s", a.label, a.name, k.value, msg)
		return
	}
	c.value(s.values, v, at{label: a.label, name: a.name + "." + k.value, entity: a.entity})
}

func (c *checker) unknownField(s *shape, k *node, a at) {
	allowed := slices.DeleteFunc(slices.Clone(s.order), func(f string) bool { return f == "kind" })
	if hint := didYouMean(k.value, allowed); hint != "" {
		c.report(a, k.pos, "%s: unknown field %q%s", a.label, k.value, hint)
		return
	}
	c.report(a, k.pos, "%s: unknown field %q; allowed: %s", a.label, k.value, strings.Join(allowed, ", "))
}

func (c *checker) mismatch(s *shape, n *node, a at) {
	hint := ""
	if s.kinds&cue.StringKind != 0 && n.kind == scalarNode && !n.isNull() {
		// Unquoted, 02134 is read as a number and true as a boolean.
		hint = "; quote it: " + strconv.Quote(n.value)
	}
	c.report(a, n.pos, "%s: %s: want %s, got %s%s", a.label, a.name, s.wantText(), n.describe(), hint)
}

func (c *checker) leafError(s *shape, n *node, a at, msg string) {
	val := n.value
	if n.tag == "!!str" {
		val = strconv.Quote(n.value)
	}
	if len(s.enum) > 0 {
		c.report(a, n.pos, "%s: %s %s is not one of %s%s", a.label, a.name, val, strings.Join(s.enum, ", "), didYouMean(n.value, s.enum))
		return
	}
	c.report(a, n.pos, "%s: %s %s %s", a.label, a.name, val, msg)
}

// didYouMean suggests the option closest to got, when one is close enough
// to be a typo.
func didYouMean(got string, options []string) string {
	best, bestDist := "", 3
	for _, o := range options {
		if d := editDistance(strings.ToLower(got), strings.ToLower(o)); d < bestDist && d < len(o)/2+1 {
			best, bestDist = o, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf("; did you mean %q?", best)
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return max(len(a), len(b)) // not a typo; and keeps hostile input cheap
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
