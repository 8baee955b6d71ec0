package reconcile

import (
	"bufio"
	"bytes"
	"encoding/json"

	"fmt"
	"io"
	"reflect"
	"strings"

	"github.com/alignctl/alignctl/query"
)

// WriteJSON writes the plan as json.Encoder with SetIndent("", "  ") does,
// byte for byte, but streamed: the fields one after the other and every
// list one element at a time, so that a plan of millions of changes is never
// one JSON value in memory (2.5 GB at 5 M accounts).
func (p *Plan) WriteJSON(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	var buf bytes.Buffer
	// An encoder per depth in the plan object: a field's value, a list's
	// element.
	encs := [3]*json.Encoder{}
	for depth := 1; depth < len(encs); depth++ {
		encs[depth] = json.NewEncoder(&buf)
		encs[depth].SetIndent(strings.Repeat("  ", depth), "  ")
	}
	elem := func(v any, depth int) error {
		buf.Reset()
		if err := encs[depth].Encode(v); err != nil {
			return err
		}
		_, err := bw.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
		return err
	}
	v := reflect.ValueOf(p).Elem()
	bw.WriteByte('{')
	first := true
	for _, f := range planFields(v.Type()) {
		fv := v.Field(f.index)
		if f.omitEmpty && isEmptyValue(fv) {
			continue
		}
		if !first {
			bw.WriteByte(',')
		}
		first = false
		bw.WriteString("\n  ")
		bw.WriteString(f.key)
		bw.WriteString(": ")
		if fv.Kind() != reflect.Slice || fv.Len() == 0 {
			if err := elem(fv.Interface(), 1); err != nil {
				return fmt.Errorf("%s: %w", f.name, err)
			}
			continue
		}
		bw.WriteByte('[')
		for i := range fv.Len() {
			if i > 0 {
				bw.WriteByte(',')
			}
			bw.WriteString("\n    ")
			e := fv.Index(i).Addr().Interface()
			// AssignmentChange and CRMChange, the millions of elements
			// of a large plan, are written by hand (planjson.go).
			if b, ok := appendElem(bw.AvailableBuffer(), e); ok {
				bw.Write(b)
				continue
			}
			if err := elem(e, 2); err != nil {
				return fmt.Errorf("%s: %w", f.name, err)
			}
		}
		bw.WriteString("\n  ]")
	}
	if first {
		bw.WriteString("}\n")
	} else {
		bw.WriteString("\n}\n")
	}
	return bw.Flush()
}

// ReadPlan reads a saved plan (WriteJSON, or any JSON of a Plan) with a
// streaming decoder: lists are read one element at a time, and the strings
// millions of changes repeat are kept once.
func ReadPlan(r io.Reader) (*Plan, error) {
	var p Plan
	v := reflect.ValueOf(&p).Elem()
	fields := planFields(v.Type())
	dec := json.NewDecoder(bufio.NewReaderSize(r, 1<<20))
	if err := expectDelim(dec, '{'); err != nil {
		return nil, err
	}
	in := query.Interner{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		name, _ := tok.(string)
		f := fieldNamed(fields, name)
		if f == nil {
			// Readers ignore the fields they do not know.
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, err
			}
			continue
		}
		fv := v.Field(f.index)
		if fv.Kind() != reflect.Slice {
			if err := dec.Decode(fv.Addr().Interface()); err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			continue
		}
		if err := readList(dec, fv, in); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	if err := expectDelim(dec, '}'); err != nil {
		return nil, err
	}
	return &p, nil
}

// readList reads a JSON array into a slice one element at a time, or null.
func readList(dec *json.Decoder, fv reflect.Value, in query.Interner) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok == nil {
		fv.SetZero()
		return nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return fmt.Errorf("want a list, have %v", tok)
	}
	fv.Set(reflect.MakeSlice(fv.Type(), 0, 0))
	for n := 0; dec.More(); n++ {
		if n == fv.Cap() {
			fv.Grow(1)
		}
		fv.SetLen(n + 1)
		e := fv.Index(n).Addr().Interface()
		if err := dec.Decode(e); err != nil {
			return err
		}
		switch e := e.(type) {
		case *AssignmentChange:
			in.Change(e)
		case *CRMChange:
			e.Instance, e.Object, e.Action = in.Of(e.Instance), in.Of(e.Object), in.Of(e.Action)
			for i := range e.Fields {
				e.Fields[i].Name = in.Of(e.Fields[i].Name)
			}
		}
	}
	return expectDelim(dec, ']')
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("want %v, have %v", want, tok)
	}
	return nil
}

// planField is a field of Plan as encoding/json sees it.
type planField struct {
	index     int
	name      string // the JSON name
	key       string // the name as written, quoted
	omitEmpty bool
}

func planFields(t reflect.Type) []planField {
	var out []planField
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := sf.Tag.Get("json")
		if !sf.IsExported() || tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			name = sf.Name
		}
		key, _ := json.Marshal(name)
		out = append(out, planField{index: i, name: name, key: string(key), omitEmpty: strings.Contains(","+opts+",", ",omitempty,")})
	}
	return out
}

// fieldNamed finds a field as encoding/json does: the exact name, else one
// that differs in case only.
func fieldNamed(fields []planField, name string) *planField {
	for i := range fields {
		if fields[i].name == name {
			return &fields[i]
		}
	}
	for i := range fields {
		if strings.EqualFold(fields[i].name, name) {
			return &fields[i]
		}
	}
	return nil
}

// isEmptyValue is encoding/json's omitempty test.
func isEmptyValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}
