package reconcile

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"reflect"
	"strconv"
	"strings"

	"github.com/alignctl/alignctl/query"
)

// WriteJSON writes the plan as json.Encoder with SetIndent("", "  ") does,
// byte for byte, but streamed: the fields one after the other and every
// list one element at a time, so that a plan of millions of changes is never
// one JSON value in memory (2.5 GB at 5 M accounts). A last field, digest,
// seals what came before it (digestField), hashed as it is written.
func (p *Plan) WriteJSON(w io.Writer) error {
	hw := &hashWriter{w: w, h: sha256.New()}
	bw := bufio.NewWriterSize(hw, 1<<20)
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
	// Everything up to here is hashed; the digest field is not.
	if err := bw.Flush(); err != nil {
		return err
	}
	if !first {
		hw.w.Write([]byte{','})
	}
	_, err := fmt.Fprintf(hw.w, "\n  %q: %q\n}\n", digestField, digestPrefix+hex.EncodeToString(hw.h.Sum(nil)))
	return err
}

// The digest field seals a plan: "sha256:" and the SHA-256 of the plan's
// bytes from its opening brace to the end of the value before the digest
// (its comma and the digest itself left out). It is the plan's last field,
// so that it is hashed while the plan is written and checked while it is
// read, in one pass over a plan of any size.
const (
	digestField  = "digest"
	digestPrefix = "sha256:"
	// digestLag is how many of the last bytes read the reading hash holds
	// back: the digest field and the closing brace (93 bytes as written)
	// fit in it, with room for blanks.
	digestLag = 4096
)

// hashWriter hashes what it writes.
type hashWriter struct {
	w io.Writer
	h hash.Hash
}

func (hw *hashWriter) Write(b []byte) (int, error) {
	hw.h.Write(b)
	return hw.w.Write(b)
}

// lagHash hashes what is read through it but for the last digestLag bytes,
// which may hold the digest field; sumTo hashes the rest of what the digest
// covers once the plan has been read.
type lagHash struct {
	r    io.Reader
	h    hash.Hash
	tail []byte // the last bytes read, not hashed yet
	n    int64  // bytes read
}

func (l *lagHash) Read(b []byte) (int, error) {
	n, err := l.r.Read(b)
	l.n += int64(n)
	read := b[:n]
	if over := len(l.tail) + n - digestLag; over > 0 {
		fromTail := min(over, len(l.tail))
		l.h.Write(l.tail[:fromTail])
		l.tail = append(l.tail[:0], l.tail[fromTail:]...)
		l.h.Write(read[:over-fromTail])
		read = read[over-fromTail:]
	}
	l.tail = append(l.tail, read...)
	return n, err
}

// sumTo is the hash of the first off bytes read; false when some of them
// were not held back (the end of the plan is longer than digestLag).
func (l *lagHash) sumTo(off int64) ([]byte, bool) {
	hashed := l.n - int64(len(l.tail))
	if off < hashed || off > l.n {
		return nil, false
	}
	l.h.Write(l.tail[:off-hashed])
	return l.h.Sum(nil), true
}

// seal is what ReadPlan found of a plan's digest.
type seal struct {
	digest string // the digest field as read; "" when there was none
	last   bool   // it was the last field
	sum    string // the digest of the bytes before it
}

// PlanFileError says why a saved plan cannot be applied: it is not one, it
// was made by another version of alignctl, or its body does not match its
// digest. Apply nothing and plan again.
type PlanFileError struct{ Reason string }

func (e *PlanFileError) Error() string { return e.Reason }

// ReadSavedPlan reads a plan's JSON to apply: ReadPlan, then CheckSaved. A
// plan saved with a body is read by OpenSavedPlan.
func ReadSavedPlan(r io.Reader) (*Plan, error) {
	p, err := readPlanOrFail(r)
	if err != nil {
		return nil, err
	}
	return p, p.CheckSaved()
}

// readPlanOrFail is ReadPlan with its errors as PlanFileError.
func readPlanOrFail(r io.Reader) (*Plan, error) {
	p, err := ReadPlan(r)
	if err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return nil, &PlanFileError{Reason: "not a saved plan: the file ends before the plan does (cut short?); run alignctl plan again"}
		}
		return nil, &PlanFileError{Reason: "not a saved plan: " + err.Error()}
	}
	return p, nil
}

// CheckSaved says whether a plan's JSON read by ReadPlan is one this
// alignctl made and nobody changed since: its format_version, and its body
// against its digest. The plan reviewed is the plan applied, or nothing is.
func (p *Plan) CheckSaved() error { return p.checkSaved(FormatVersion) }

// checkSaved is CheckSaved of a plan whose format must be want: the JSON's
// (FormatVersion), or a saved plan's header (SavedFormatVersion).
func (p *Plan) checkSaved(want string) error {
	const again = "; run alignctl plan again"
	v, err := strconv.Atoi(p.FormatVersion)
	oldest, _ := strconv.Atoi(FormatVersion)
	newest, _ := strconv.Atoi(SavedFormatVersion)
	switch {
	case p.FormatVersion == "":
		return &PlanFileError{Reason: "not a saved plan (no format_version)"}
	case err != nil:
		return &PlanFileError{Reason: fmt.Sprintf("not a saved plan: format_version %q is not one alignctl writes", p.FormatVersion)}
	case v < oldest:
		return &PlanFileError{Reason: fmt.Sprintf("plan made by an older alignctl (format_version %q; this one reads %q and %q)%s", p.FormatVersion, FormatVersion, SavedFormatVersion, again)}
	case v > newest:
		return &PlanFileError{Reason: fmt.Sprintf("plan made by a newer alignctl (format_version %q; this one reads %q and %q): apply it with that version, or run alignctl plan again", p.FormatVersion, FormatVersion, SavedFormatVersion)}
	case p.FormatVersion != want && want == FormatVersion:
		return &PlanFileError{Reason: fmt.Sprintf("not a saved plan: format_version %q is a saved plan's header, without its body (cut short?)%s", p.FormatVersion, again)}
	case p.FormatVersion != want:
		return &PlanFileError{Reason: fmt.Sprintf("not a saved plan: format_version %q with a body%s", p.FormatVersion, again)}
	case p.seal.digest == "":
		return &PlanFileError{Reason: "plan has no digest: made by an older alignctl, or rewritten" + again}
	case !p.seal.last:
		return &PlanFileError{Reason: "plan was edited after it was made: its digest is not its last field" + again}
	case p.seal.digest != p.seal.sum:
		return &PlanFileError{Reason: "plan was edited after it was made: its body does not match its digest" + again}
	}
	return nil
}

// ReadPlan reads a saved plan (WriteJSON, or any JSON of a Plan) with a
// streaming decoder: lists are read one element at a time, and the strings
// millions of changes repeat are kept once. The bytes are hashed as they
// are read, for CheckSaved to hold them to the plan's digest.
func ReadPlan(r io.Reader) (*Plan, error) {
	var p Plan
	v := reflect.ValueOf(&p).Elem()
	fields := planFields(v.Type())
	lh := &lagHash{r: bufio.NewReaderSize(r, 1<<20), h: sha256.New(), tail: make([]byte, 0, 2*digestLag)}
	dec := json.NewDecoder(lh)
	if err := expectDelim(dec, '{'); err != nil {
		return nil, err
	}
	in := query.Interner{}
	digestAt := int64(-1)
	for dec.More() {
		// The end of the previous value: where the digest's coverage ends
		// if the next field is the digest.
		at := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		name, _ := tok.(string)
		p.seal.last = false
		if name == digestField {
			if err := dec.Decode(&p.seal.digest); err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			digestAt, p.seal.last = at, true
			continue
		}
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
	if _, err := dec.Token(); err != io.EOF {
		if err == nil {
			err = errors.New("data after the plan's closing brace")
		}
		return nil, err
	}
	if p.seal.last {
		if sum, ok := lh.sumTo(digestAt); ok {
			p.seal.sum = digestPrefix + hex.EncodeToString(sum)
		}
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
		return fmt.Errorf("want a list, have %s", tokenText(tok))
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
			e.Instance, e.Object, e.Action = in.Of(e.Instance), in.Of(e.Object), query.CRMAction(in.Of(string(e.Action)))
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
		return fmt.Errorf("want %v, have %s", want, tokenText(tok))
	}
	return nil
}

// tokenText is a JSON token as an error shows it: a string quoted, so that
// the error stays one line whatever the plan holds.
func tokenText(tok json.Token) string {
	if s, ok := tok.(string); ok {
		return strconv.Quote(s)
	}
	return fmt.Sprint(tok)
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
