package jsonplan

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"unicode/utf8"
)

// CRMFields are the values a CRM change writes, sorted by name. Their JSON is
// the object a map[string]string makes; a first plan has millions of CRM
// changes, and a map for each cost several times its two fields.
type CRMFields []CRMField

// CRMField is one value a CRM change writes.
type CRMField struct{ Name, Value string }

// FieldsOf is m as CRMFields, sorted by name; nil for nil.
func FieldsOf(m map[string]string) CRMFields {
	if m == nil {
		return nil
	}
	out := make(CRMFields, 0, len(m))
	for _, name := range slices.Sorted(maps.Keys(m)) {
		out = append(out, CRMField{name, m[name]})
	}
	return out
}

// MarshalJSON writes the fields as one object, as a map of them would be.
func (f CRMFields) MarshalJSON() ([]byte, error) {
	if f == nil {
		return []byte("null"), nil
	}
	var b bytes.Buffer
	b.WriteByte('{')
	for i, x := range f {
		if i > 0 {
			b.WriteByte(',')
		}
		if err := appendJSONString(&b, x.Name); err != nil {
			return nil, err
		}
		b.WriteByte(':')
		if err := appendJSONString(&b, x.Value); err != nil {
			return nil, err
		}
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// UnmarshalJSON reads the object MarshalJSON writes.
func (f *CRMFields) UnmarshalJSON(b []byte) error {
	if out, ok := plainFields(b); ok {
		*f = out
		return nil
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*f = FieldsOf(m)
	return nil
}

// appendJSONString writes s as encoding/json does: plain ASCII as it is,
// anything else through encoding/json, so the escaping is the same.
func appendJSONString(b *bytes.Buffer, s string) error {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x80 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, err := json.Marshal(s)
			b.Write(q)
			return err
		}
	}
	b.WriteByte('"')
	b.WriteString(s)
	b.WriteByte('"')
	return nil
}

// plainFields reads without a map the object a saved plan has millions of:
// names in increasing order, and names and values with nothing to unescape.
// It reports false for anything else (null, escapes, invalid UTF-8, names
// out of order or repeated, values not strings, bad JSON), which the map
// reads as before.
func plainFields(b []byte) (CRMFields, bool) {
	i := 0
	ws := func() {
		for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\t' || b[i] == '\r') {
			i++
		}
	}
	str := func() (string, bool) {
		if i >= len(b) || b[i] != '"' {
			return "", false
		}
		start := i + 1
		for i = start; i < len(b); i++ {
			switch c := b[i]; {
			case c == '"':
				s := b[start:i]
				i++
				return string(s), utf8.Valid(s)
			case c < 0x20 || c == '\\':
				return "", false
			}
		}
		return "", false
	}
	ws()
	if i >= len(b) || b[i] != '{' {
		return nil, false
	}
	i++
	ws()
	out := CRMFields{}
	if i < len(b) && b[i] == '}' {
		i++
	} else {
		for {
			name, ok := str()
			if !ok || len(out) > 0 && name <= out[len(out)-1].Name {
				return nil, false
			}
			ws()
			if i >= len(b) || b[i] != ':' {
				return nil, false
			}
			i++
			ws()
			value, ok := str()
			if !ok {
				return nil, false
			}
			out = append(out, CRMField{name, value})
			ws()
			if i < len(b) && b[i] == ',' {
				i++
				ws()
				continue
			}
			if i < len(b) && b[i] == '}' {
				i++
				break
			}
			return nil, false
		}
	}
	ws()
	return out, i == len(b)
}
