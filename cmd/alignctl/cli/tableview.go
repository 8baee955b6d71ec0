package cli

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
)

// A list view renders a list of rows: show's tables and the mappings. The
// text and CSV views differ only in their columns, the JSON view only in
// its key, so each is one generic type the list's view file fills in.

// textTable is the text view of a list: a header, then a row a line, the
// columns separated by tabs and aligned by a tabwriter.
type textTable[R any] struct {
	header string
	row    func(R) string
}

func (t textTable[R]) render(w io.Writer, rows []R) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, t.header)
	for _, r := range rows {
		fmt.Fprintln(tw, t.row(r))
	}
	return tw.Flush()
}

// csvTable is the CSV view of a list: a header of the JSON's field names,
// then a record a row.
type csvTable[R any] struct {
	header []string
	row    func(R) []string
}

func (t csvTable[R]) render(w io.Writer, rows []R) error {
	cw := csv.NewWriter(w)
	cw.Write(t.header)
	for _, r := range rows {
		cw.Write(t.row(r))
	}
	cw.Flush()
	return cw.Error()
}

// listJSON is the JSON view of a list (docs/command-json.md):
// {"format_version": "1", KEY: [...]}, the list [] when empty.
type listJSON[R any] struct{ key string }

func (l listJSON[R]) render(w io.Writer, rows []R) error {
	return writeVersioned(w, map[string][]R{l.key: append([]R{}, rows...)})
}

// writeVersioned writes obj, which encodes as a JSON object, as writeJSON
// does, with "format_version" as its first field: the views whose object
// is a type of query or reconcile (or a list under one key) carry the
// version without restating that type's fields.
func writeVersioned(w io.Writer, obj any) error {
	fields, err := json.Marshal(obj)
	if err != nil {
		return err
	}
	fields, ok := bytes.CutPrefix(fields, []byte("{"))
	if !ok {
		return fmt.Errorf("writeVersioned: %T is not a JSON object", obj)
	}
	versioned := fmt.Appendf(nil, `{"format_version":"%s"`, commandJSONVersion)
	if !bytes.Equal(fields, []byte("}")) {
		versioned = append(versioned, ',')
	}
	var out bytes.Buffer
	if err := json.Indent(&out, append(versioned, fields...), "", "  "); err != nil {
		return err
	}
	out.WriteByte('\n')
	_, err = w.Write(out.Bytes())
	return err
}
