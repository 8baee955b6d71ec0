package jsonplan

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// List is one of a plan's large lists, which stay in the engine's types: a
// plan of millions of changes holds each once. Write asks Elem for each
// element in turn, filling one value of this package's type; Read hands
// each element it decodes to Add.
type List[T any] struct {
	// Listed is false for a list that is null (a saved plan's header,
	// whose lists are in its body) or absent; Read sets it.
	Listed bool
	Len    int               // the elements Write writes
	Elem   func(i int, e *T) // fills e with the i-th element to write
	Add    func(e *T)        // takes each element Read decodes; nil skips them
}

// largeList is a List of any element type, as Write and Read see a field.
type largeList interface {
	write(w *writer, field string) error
	read(dec *json.Decoder) error
}

func (l *List[T]) write(w *writer, field string) error {
	switch {
	case !l.Listed:
		w.bw.WriteString("null")
		return nil
	case l.Len == 0:
		w.bw.WriteString("[]")
		return nil
	}
	w.bw.WriteByte('[')
	var e T
	for i := range l.Len {
		if i > 0 {
			w.bw.WriteByte(',')
		}
		w.bw.WriteString("\n    ")
		l.Elem(i, &e)
		// The millions of elements of a large plan are written by hand
		// (append.go).
		if b, ok := AppendElem(w.bw.AvailableBuffer(), &e); ok {
			w.bw.Write(b)
			continue
		}
		if err := w.value(&e, 2); err != nil {
			return fmt.Errorf("%s: %w", field, err)
		}
	}
	w.bw.WriteString("\n  ]")
	return nil
}

func (l *List[T]) read(dec *json.Decoder) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok == nil {
		l.Listed = false
		return nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return fmt.Errorf("want a list, have %s", tokenText(tok))
	}
	l.Listed = true
	var e, zero T
	for dec.More() {
		// Decoded into a zero value each time: a field an element leaves
		// out must not keep the previous element's value.
		e = zero
		if err := dec.Decode(&e); err != nil {
			return err
		}
		if l.Add != nil {
			l.Add(&e)
		}
	}
	return expectDelim(dec, ']')
}

// ListOf is a List that writes s (null for nil) and appends what it reads
// to s.
func ListOf[T any](s []T) List[T] {
	l := List[T]{Listed: s != nil, Len: len(s), Elem: func(i int, e *T) { *e = s[i] }}
	l.Add = func(e *T) { s = append(s, *e) }
	return l
}

// MarshalJSON writes the list through encoding/json, element by element, for
// a Plan marshalled whole; Write writes it by hand.
func (l List[T]) MarshalJSON() ([]byte, error) {
	if !l.Listed {
		return []byte("null"), nil
	}
	b := []byte{'['}
	var e T
	for i := range l.Len {
		if i > 0 {
			b = append(b, ',')
		}
		l.Elem(i, &e)
		j, err := json.Marshal(&e)
		if err != nil {
			return nil, err
		}
		b = append(b, j...)
	}
	return append(b, ']'), nil
}

// UnmarshalJSON hands each element of a list to Add, as Read does.
func (l *List[T]) UnmarshalJSON(b []byte) error {
	return l.read(json.NewDecoder(bytes.NewReader(b)))
}
