package jsonplan

import (
	"encoding"
	"encoding/json"
	"reflect"
	"time"
	"unicode/utf8"
)

// The two element types a large plan has millions of, AssignmentChange and
// CRMChange, are written by hand: AppendElem makes the bytes json.Encoder
// with SetIndent("    ", "  ") makes of a pointer to one, without the
// trailing newline. Every other type, and any element the hand-written path
// cannot write exactly (a time outside RFC 3339), goes through encoding/json.
// FuzzPlanElementJSON compares the two.

// handWritten is false when a field of the element types is not the one the
// appenders were written for: then Write uses encoding/json for all of
// them, and TestHandWrittenLayout fails until the appenders are updated.
var handWritten = elemLayoutIs()

// AppendElem appends the JSON of *AssignmentChange or *CRMChange as a list
// element of the plan (depth 2), or reports false for any other value or
// one it cannot write (then encoding/json writes it).
func AppendElem(b []byte, v any) ([]byte, bool) {
	if !handWritten {
		return b, false
	}
	switch e := v.(type) {
	case *AssignmentChange:
		return appendChange(b, e)
	case *CRMChange:
		return appendCRMChange(b, e), true
	}
	return b, false
}

// Indentation of a list element's fields, and of an object in one.
const (
	elemField  = "\n      "
	innerField = "\n        "
)

func appendKey(b []byte, first bool, indent, key string) []byte {
	if !first {
		b = append(b, ',')
	}
	b = append(b, indent...)
	b = append(b, '"')
	b = append(b, key...)
	return append(b, '"', ':', ' ')
}

func appendChange(b []byte, c *AssignmentChange) ([]byte, bool) {
	n0 := len(b)
	var ok bool
	b = append(b, '{')
	b = appendJSONStr(appendKey(b, true, elemField, "action"), c.Action)
	if c.ID != "" {
		b = appendJSONStr(appendKey(b, false, elemField, "id"), c.ID)
	}
	b = appendJSONStr(appendKey(b, false, elemField, "account"), c.Account)
	b = appendJSONStr(appendKey(b, false, elemField, "territory"), c.Territory)
	b = appendJSONStr(appendKey(b, false, elemField, "instance"), c.Instance)
	b = appendJSONStr(appendKey(b, false, elemField, "source"), c.Source)
	if c.Rule != "" {
		b = appendJSONStr(appendKey(b, false, elemField, "rule"), c.Rule)
	}
	b = appendJSONStr(appendKey(b, false, elemField, "origin"), c.Origin)
	if b, ok = appendTime(appendKey(b, false, elemField, "start_date"), c.StartDate); !ok {
		return b[:n0], false
	}
	if b, ok = appendTimePtr(appendKey(b, false, elemField, "end_date"), c.EndDate); !ok {
		return b[:n0], false
	}
	b = appendKey(b, false, elemField, "send_to_crm")
	if c.SendToCRM {
		b = append(b, "true"...)
	} else {
		b = append(b, "false"...)
	}
	if c.Before != nil {
		b = append(appendKey(b, false, elemField, "before"), '{')
		if b, ok = appendTime(appendKey(b, true, innerField, "start_date"), c.Before.StartDate); !ok {
			return b[:n0], false
		}
		if b, ok = appendTimePtr(appendKey(b, false, innerField, "end_date"), c.Before.EndDate); !ok {
			return b[:n0], false
		}
		b = append(b, elemField...)
		b = append(b, '}')
	}
	b = appendJSONStr(appendKey(b, false, elemField, "reason"), c.Reason)
	return append(b, "\n    }"...), true
}

func appendCRMChange(b []byte, c *CRMChange) []byte {
	b = append(b, '{')
	b = appendJSONStr(appendKey(b, true, elemField, "instance"), c.Instance)
	b = appendJSONStr(appendKey(b, false, elemField, "object"), c.Object)
	b = appendJSONStr(appendKey(b, false, elemField, "action"), c.Action)
	b = appendJSONStr(appendKey(b, false, elemField, "record"), c.Record)
	if len(c.Fields) > 0 {
		// CRMFields.MarshalJSON's object, indented.
		b = append(appendKey(b, false, elemField, "fields"), '{')
		for i, f := range c.Fields {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, innerField...)
			b = append(appendJSONStr(b, f.Name), ':', ' ')
			b = appendJSONStr(b, f.Value)
		}
		b = append(b, elemField...)
		b = append(b, '}')
	}
	return append(b, "\n    }"...)
}

// appendTime is time.Time's MarshalJSON; false where that fails.
func appendTime(b []byte, t time.Time) ([]byte, bool) {
	// AppendText is MarshalJSON unquoted; on error it returns nil.
	out, err := t.AppendText(append(b, '"'))
	if err != nil {
		return b, false
	}
	return append(out, '"'), true
}

func appendTimePtr(b []byte, t *time.Time) ([]byte, bool) {
	if t == nil {
		return append(b, "null"...), true
	}
	return appendTime(b, *t)
}

// jsonSafe holds the ASCII bytes encoding/json writes as they are when it
// escapes HTML (its htmlSafeSet).
var jsonSafe = func() (set [utf8.RuneSelf]bool) {
	for c := ' '; c < utf8.RuneSelf; c++ {
		set[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return set
}()

const hexDigits = "0123456789abcdef"

// appendJSONStr appends s quoted as encoding/json does with HTML escaping:
// ", \ and control bytes escaped (\b \f \n \r \t by name), <, > and & as
// \u003c \u003e \u0026, invalid UTF-8 as \ufffd, U+2028 and U+2029 as
// \u2028 and \u2029.
func appendJSONStr(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if jsonSafe[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// elemLayoutIs reports whether the element types have the fields, types
// and tags the appenders write, and no JSON methods but CRMFields'.
func elemLayoutIs() bool {
	str := reflect.TypeFor[string]()
	tm := reflect.TypeFor[time.Time]()
	tp := reflect.TypeFor[*time.Time]()
	type field struct {
		name string
		typ  reflect.Type
		tag  reflect.StructTag
	}
	is := func(t reflect.Type, want ...field) bool {
		if t.Kind() != reflect.Struct || t.NumField() != len(want) {
			return false
		}
		for _, m := range []reflect.Type{reflect.TypeFor[json.Marshaler](), reflect.TypeFor[encoding.TextMarshaler]()} {
			if reflect.PointerTo(t).Implements(m) {
				return false
			}
		}
		for i, w := range want {
			f := t.Field(i)
			if f.Name != w.name || f.Type != w.typ || f.Tag.Get("json") != string(w.tag) || f.Anonymous {
				return false
			}
		}
		return true
	}
	return is(reflect.TypeFor[AssignmentChange](),
		field{"Action", str, "action"},
		field{"ID", str, "id,omitempty"},
		field{"Account", str, "account"},
		field{"Territory", str, "territory"},
		field{"Instance", str, "instance"},
		field{"Source", str, "source"},
		field{"Rule", str, "rule,omitempty"},
		field{"Origin", str, "origin"},
		field{"StartDate", tm, "start_date"},
		field{"EndDate", tp, "end_date"},
		field{"SendToCRM", reflect.TypeFor[bool](), "send_to_crm"},
		field{"Before", reflect.TypeFor[*Interval](), "before,omitempty"},
		field{"Reason", str, "reason"},
	) && is(reflect.TypeFor[Interval](),
		field{"StartDate", tm, "start_date"},
		field{"EndDate", tp, "end_date"},
	) && is(reflect.TypeFor[CRMChange](),
		field{"Instance", str, "instance"},
		field{"Object", str, "object"},
		field{"Action", str, "action"},
		field{"Record", str, "record"},
		field{"Fields", reflect.TypeFor[CRMFields](), "fields,omitempty"},
	) && is(reflect.TypeFor[CRMField](),
		field{"Name", str, ""},
		field{"Value", str, ""},
	)
}
