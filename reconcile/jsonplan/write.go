package jsonplan

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"reflect"
	"strings"
)

// The digest field seals a plan: "sha256:" and the SHA-256 of the plan's
// bytes from its opening brace to the end of the value before the digest
// (its comma and the digest itself left out). It is the plan's last field,
// so that it is hashed while the plan is written and checked while it is
// read, in one pass over a plan of any size.
const (
	DigestField  = "digest"
	DigestPrefix = "sha256:"
	// digestLag is how many of the last bytes read the reading hash holds
	// back: the digest field and the closing brace (93 bytes as written)
	// fit in it, with room for blanks.
	digestLag = 4096
)

// Write writes the plan as json.Encoder with SetIndent("", "  ") does,
// byte for byte, but streamed: the fields one after the other and every
// list one element at a time, so that a plan of millions of changes is
// never one JSON value in memory (its size at 5M accounts is in
// docs/benchmarks.md). A last field, digest, seals what came before it,
// hashed as it is written.
func Write(w io.Writer, p *Plan) error {
	hw := &hashWriter{w: w, h: sha256.New()}
	pw := &writer{bw: bufio.NewWriterSize(hw, 1<<20)}
	for depth := 1; depth < len(pw.encs); depth++ {
		pw.encs[depth] = json.NewEncoder(&pw.buf)
		pw.encs[depth].SetIndent(strings.Repeat("  ", depth), "  ")
	}
	bw := pw.bw
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
		if l, ok := fv.Addr().Interface().(largeList); ok {
			if err := l.write(pw, f.name); err != nil {
				return err
			}
			continue
		}
		if fv.Kind() != reflect.Slice || fv.Len() == 0 {
			if err := pw.value(fv.Interface(), 1); err != nil {
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
			if err := pw.value(fv.Index(i).Addr().Interface(), 2); err != nil {
				return fmt.Errorf("%s: %w", f.name, err)
			}
		}
		bw.WriteString("\n  ]")
	}
	// Everything up to here is hashed; the digest field is not.
	if err := bw.Flush(); err != nil {
		return err
	}
	if !first {
		hw.w.Write([]byte{','})
	}
	_, err := fmt.Fprintf(hw.w, "\n  %q: %q\n}\n", DigestField, DigestPrefix+hex.EncodeToString(hw.h.Sum(nil)))
	return err
}

// writer is a plan being written: its buffered output, and an encoder per
// depth in the plan object (a field's value, a list's element).
type writer struct {
	bw   *bufio.Writer
	buf  bytes.Buffer
	encs [3]*json.Encoder
}

// value writes v through encoding/json, indented for depth, without the
// encoder's newline.
func (w *writer) value(v any, depth int) error {
	w.buf.Reset()
	if err := w.encs[depth].Encode(v); err != nil {
		return err
	}
	_, err := w.bw.Write(bytes.TrimSuffix(w.buf.Bytes(), []byte("\n")))
	return err
}

// hashWriter hashes what it writes.
type hashWriter struct {
	w io.Writer
	h hash.Hash
}

func (hw *hashWriter) Write(b []byte) (int, error) {
	hw.h.Write(b)
	return hw.w.Write(b)
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
