package jsonplan

import (
	"bufio"
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
)

// Seal is what Read found of a plan's digest, for the reader to hold the
// plan to.
type Seal struct {
	Digest string // the digest field as read; "" when there was none
	Last   bool   // it was the last field
	Sum    string // the digest of the bytes before it
}

// Read reads a plan's JSON (Write's, or any JSON object with these fields:
// compact, reordered, with fields this version does not know) into p with
// a streaming decoder: the large lists one element at a time, handed to
// their List's Add. The bytes are hashed as they are read, and the seal
// says whether the digest matches them.
func Read(r io.Reader, p *Plan) (Seal, error) {
	var seal Seal
	v := reflect.ValueOf(p).Elem()
	fields := planFields(v.Type())
	lh := &lagHash{r: bufio.NewReaderSize(r, 1<<20), h: sha256.New(), tail: make([]byte, 0, 2*digestLag)}
	dec := json.NewDecoder(lh)
	if err := expectDelim(dec, '{'); err != nil {
		return seal, err
	}
	digestAt := int64(-1)
	for dec.More() {
		// The end of the previous value: where the digest's coverage ends
		// if the next field is the digest.
		at := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return seal, err
		}
		name, _ := tok.(string)
		seal.Last = false
		if name == DigestField {
			if err := dec.Decode(&seal.Digest); err != nil {
				return seal, fmt.Errorf("%s: %w", name, err)
			}
			digestAt, seal.Last = at, true
			continue
		}
		f := fieldNamed(fields, name)
		if f == nil {
			// Readers ignore the fields they do not know.
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return seal, err
			}
			continue
		}
		fv := v.Field(f.index)
		if l, ok := fv.Addr().Interface().(largeList); ok {
			if err := l.read(dec); err != nil {
				return seal, fmt.Errorf("%s: %w", name, err)
			}
			continue
		}
		if fv.Kind() == reflect.Slice {
			err = readSlice(dec, fv)
		} else {
			err = dec.Decode(fv.Addr().Interface())
		}
		if err != nil {
			return seal, fmt.Errorf("%s: %w", name, err)
		}
	}
	if err := expectDelim(dec, '}'); err != nil {
		return seal, err
	}
	if _, err := dec.Token(); err != io.EOF {
		if err == nil {
			err = errors.New("data after the plan's closing brace")
		}
		return seal, err
	}
	if seal.Last {
		if sum, ok := lh.sumTo(digestAt); ok {
			seal.Sum = DigestPrefix + hex.EncodeToString(sum)
		}
	}
	return seal, nil
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

// readSlice reads a JSON array into a slice one element at a time, or null.
func readSlice(dec *json.Decoder, fv reflect.Value) error {
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
		if err := dec.Decode(fv.Index(n).Addr().Interface()); err != nil {
			return err
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
