package schema

import (
	"bytes"
	"errors"
	"io"
	"math"
	"regexp"
	"strconv"

	"go.yaml.in/yaml/v3"
)

type nodeKind uint8

const (
	scalarNode nodeKind = iota + 1
	listNode
	mapNode
)

// node is one YAML value with its place in the file, after aliases and merge
// keys are resolved. It is what the schema walks and what the model is
// decoded from: yaml.v3 positions are exact, and a scalar keeps the text it
// was written with (a criterion value of 90 stays "90").
type node struct {
	kind  nodeKind
	pos   Pos
	tag   string  // scalars: !!str, !!int, !!float, !!bool or !!null
	value string  // scalars: the text as written, without quotes
	keys  []*node // maps: the keys, scalars
	vals  []*node // maps: the value of each key; lists: the elements
	val   any     // scalars: the value, as CUE encodes it (string, int, float64, bool, nil)
	size  int     // the values it holds with aliases expanded, itself included
}

// get returns the value of key in a map node, or nil.
func (n *node) get(key string) *node {
	if n == nil || n.kind != mapNode {
		return nil
	}
	for i, k := range n.keys {
		if k.value == key {
			return n.vals[i]
		}
	}
	return nil
}

// key returns the key node of key in a map node, or nil. Maps of a config
// are small: a scan beats a hash map.
func (n *node) key(key string) *node {
	for _, k := range n.keys {
		if k.value == key {
			return k
		}
	}
	return nil
}

// str returns the value of a scalar node that is a string, or "".
func (n *node) str() string {
	if n == nil || n.kind != scalarNode || n.tag != "!!str" {
		return ""
	}
	return n.value
}

func (n *node) isNull() bool { return n == nil || n.kind == scalarNode && n.tag == "!!null" }

// describe names what a node is, for "want X, got Y" messages.
func (n *node) describe() string {
	switch n.kind {
	case listNode:
		return "a list"
	case mapNode:
		return "a mapping"
	}
	switch n.tag {
	case "!!str":
		return "string " + strconv.Quote(n.value)
	case "!!int":
		return "number " + n.value
	case "!!float":
		return "number " + n.value
	case "!!bool":
		return n.value
	}
	return "null"
}

// maxNodes bounds the values of one document with its aliases expanded: the
// schema walks a document as a tree, so that an alias bomb (aliases of
// aliases of lists) could otherwise make a load run for ever.
const maxNodes = 1 << 20

// parseYAML returns the non-empty documents of a file. A syntax error ends
// the file: the YAML parser cannot resume after one.
func parseYAML(file string, data []byte, ds *Diagnostics) (docs []*node, ok bool) {
	defer func() {
		// yaml.v3 is not known to panic on input any more; this keeps a
		// regression there from taking the whole command down.
		if r := recover(); r != nil {
			ds.addf(Pos{File: file}, "malformed YAML: %v", r)
			ok = false
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	b := &treeBuilder{file: file, ds: ds, done: map[*yaml.Node]*node{}, busy: map[*yaml.Node]bool{}}
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return docs, true
		}
		if err != nil {
			ds.add(yamlErrorPos(file, err), "malformed YAML: "+yamlErrorMessage(err))
			return docs, false
		}
		if len(doc.Content) == 0 {
			continue
		}
		root := doc.Content[0]
		if root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null" {
			continue // an empty document, or only comments
		}
		n := b.build(root)
		if b.failed {
			return docs, false
		}
		if n != nil && n.size > maxNodes {
			ds.addf(n.pos, "the document holds more than %d values once its aliases are expanded; split it", maxNodes)
			return docs, false
		}
		if n != nil {
			docs = append(docs, n)
		}
	}
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

func yamlErrorPos(file string, err error) Pos {
	if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
		line, _ := strconv.Atoi(m[1])
		return Pos{File: file, Line: line}
	}
	return Pos{File: file}
}

func yamlErrorMessage(err error) string {
	msg := err.Error()
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		return m[2]
	}
	if len(msg) > 6 && msg[:6] == "yaml: " {
		return msg[6:]
	}
	return msg
}

// treeBuilder turns yaml.v3 nodes into nodes. An alias shares the node of
// its anchor, so aliases cost nothing unless they are expanded.
type treeBuilder struct {
	file   string
	ds     *Diagnostics
	done   map[*yaml.Node]*node
	busy   map[*yaml.Node]bool // anchors being built, to catch an alias to itself
	failed bool                // a problem that makes the rest of the file meaningless
}

func (b *treeBuilder) pos(y *yaml.Node) Pos {
	return Pos{File: b.file, Line: y.Line, Col: y.Column}
}

func (b *treeBuilder) build(y *yaml.Node) *node {
	if b.failed {
		return nil
	}
	// Only an anchored node can be reached twice, through an alias: only
	// those are remembered.
	if y.Anchor != "" {
		if n, ok := b.done[y]; ok {
			return n
		}
		if b.busy[y] {
			b.ds.addf(b.pos(y), "malformed YAML: an alias refers to the value that contains it")
			b.failed = true
			return nil
		}
		b.busy[y] = true
		defer delete(b.busy, y)
	}
	var n *node
	switch y.Kind {
	case yaml.AliasNode:
		if y.Alias == nil {
			b.ds.addf(b.pos(y), "malformed YAML: unknown alias *%s", y.Value)
			return nil
		}
		n = b.build(y.Alias)
	case yaml.DocumentNode:
		if len(y.Content) == 0 {
			return nil
		}
		n = b.build(y.Content[0])
	case yaml.SequenceNode:
		n = &node{kind: listNode, pos: b.pos(y), vals: make([]*node, 0, len(y.Content)), size: 1}
		for _, c := range y.Content {
			if e := b.build(c); e != nil {
				n.vals = append(n.vals, e)
				n.size = min(n.size+e.size, maxNodes+1)
			}
		}
	case yaml.MappingNode:
		n = b.buildMap(y)
	case yaml.ScalarNode:
		n = b.buildScalar(y)
	default:
		b.ds.addf(b.pos(y), "malformed YAML: unexpected node")
		return nil
	}
	if n != nil && y.Anchor != "" {
		b.done[y] = n
	}
	return n
}

func (b *treeBuilder) buildScalar(y *yaml.Node) *node {
	n := &node{kind: scalarNode, pos: b.pos(y), value: y.Value, size: 1}
	switch tag := y.ShortTag(); tag {
	case "!!str", "!!timestamp", "!!binary":
		// Dates stay the text they were written as; the schema checks them.
		n.tag, n.val = "!!str", y.Value
	case "!!int", "!!float", "!!bool", "!!null":
		var v any
		if err := y.Decode(&v); err != nil {
			// Reported, and kept as text so that nothing else goes missing.
			b.ds.addf(n.pos, "%q is not a valid %s", y.Value, tag[2:])
			n.tag, n.val = "!!str", y.Value
			return n
		}
		if f, ok := v.(float64); ok && (math.IsInf(f, 0) || math.IsNaN(f)) {
			b.ds.addf(n.pos, "%s is not a number alignctl can use; quote it if it is text", y.Value)
			n.tag, n.val = "!!str", y.Value
			return n
		}
		n.tag, n.val = tag, v
	default:
		b.ds.addf(n.pos, "unsupported YAML tag %s; remove it", tag)
		n.tag, n.val = "!!str", y.Value
	}
	return n
}

func (b *treeBuilder) buildMap(y *yaml.Node) *node {
	n := &node{kind: mapNode, pos: b.pos(y), keys: make([]*node, 0, len(y.Content)/2), vals: make([]*node, 0, len(y.Content)/2), size: 1}
	var merged []*node // maps named by merge keys (<<), applied after
	for i := 0; i+1 < len(y.Content); i += 2 {
		k, v := y.Content[i], y.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			merged = append(merged, b.mergeSources(v)...)
			continue
		}
		if k.Kind != yaml.ScalarNode {
			b.ds.addf(b.pos(k), "a mapping key must be a plain string")
			continue
		}
		if first := n.key(k.Value); first != nil {
			b.ds.addf(b.pos(k), "duplicate key %q; the first is at line %d", k.Value, first.pos.Line)
			continue
		}
		val := b.build(v)
		if val == nil {
			continue
		}
		n.keys = append(n.keys, &node{kind: scalarNode, pos: b.pos(k), tag: "!!str", value: k.Value, val: k.Value, size: 1})
		n.vals = append(n.vals, val)
		n.size = min(n.size+1+val.size, maxNodes+1)
	}
	// Keys written in the mapping win over merged ones, and the first merged
	// map wins over later ones, as YAML merge keys specify.
	for _, m := range merged {
		for i, k := range m.keys {
			if n.key(k.value) != nil {
				continue
			}
			n.keys = append(n.keys, k)
			n.vals = append(n.vals, m.vals[i])
			n.size = min(n.size+1+m.vals[i].size, maxNodes+1)
		}
	}
	return n
}

func (b *treeBuilder) mergeSources(v *yaml.Node) []*node {
	var srcs []*yaml.Node
	if v.Kind == yaml.SequenceNode {
		srcs = v.Content
	} else {
		srcs = []*yaml.Node{v}
	}
	var out []*node
	for _, s := range srcs {
		m := b.build(s)
		if m == nil {
			continue
		}
		if m.kind != mapNode {
			b.ds.addf(b.pos(s), "a merge key (<<) needs a mapping or a list of mappings")
			continue
		}
		out = append(out, m)
	}
	return out
}
