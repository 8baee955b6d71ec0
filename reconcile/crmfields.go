package reconcile

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
)

// CRMFields are the values a CRM change writes, sorted by name. Their JSON is
// the object a map[string]string makes; a first plan has millions of CRM
// changes, and a map for each cost several times its two fields.
type CRMFields []CRMField

// CRMField is one value a CRM change writes.
type CRMField struct{ Name, Value string }

func crmFieldsOf(m map[string]string) CRMFields {
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
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*f = crmFieldsOf(m)
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
