package schema

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Diagnostic is one problem of a config, at the place in a file that causes it.
type Diagnostic struct {
	Pos     Pos
	Message string
}

// String renders "path/file.yaml:LINE:COL: message". The line or column is
// left out when unknown (the YAML parser reports lines only), and so is the
// file when the problem is not in one (no settings document at all).
func (d Diagnostic) String() string {
	switch {
	case d.Pos.File == "":
		return d.Message
	case d.Pos.Line == 0:
		return d.Pos.File + ": " + d.Message
	case d.Pos.Col == 0:
		return d.Pos.File + ":" + strconv.Itoa(d.Pos.Line) + ": " + d.Message
	}
	return d.Pos.String() + ": " + d.Message
}

// Diagnostics are every problem found in a config. As an error it prints one
// diagnostic per line, sorted by file, line and column.
type Diagnostics []Diagnostic

func (ds Diagnostics) Error() string {
	lines := make([]string, len(ds))
	for i, d := range ds {
		lines[i] = d.String()
	}
	return strings.Join(lines, "\n")
}

// Err returns ds sorted, as an error, or nil when there is no diagnostic.
func (ds Diagnostics) Err() error {
	if len(ds) == 0 {
		return nil
	}
	ds.Sort()
	return ds
}

// Sort orders the diagnostics by file, line and column. Diagnostics at the
// same place keep the order in which they were found, which follows the
// schema, so that the output reads like the file.
func (ds Diagnostics) Sort() {
	slices.SortStableFunc(ds, func(a, b Diagnostic) int {
		return cmp.Or(
			cmp.Compare(a.Pos.File, b.Pos.File),
			cmp.Compare(a.Pos.Line, b.Pos.Line),
			cmp.Compare(a.Pos.Col, b.Pos.Col),
		)
	})
}

func (ds *Diagnostics) addf(pos Pos, format string, args ...any) {
	*ds = append(*ds, Diagnostic{Pos: pos, Message: fmt.Sprintf(format, args...)})
}

func (ds *Diagnostics) add(pos Pos, msg string) {
	*ds = append(*ds, Diagnostic{Pos: pos, Message: msg})
}
