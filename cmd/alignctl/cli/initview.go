package cli

import (
	"fmt"
	"io"
	"path/filepath"
)

// initResult is what init wrote: the folder, its files, and the commands
// that take the new repository from there.
type initResult struct {
	Dir   string
	Files []string // slash paths under Dir, in lexical order
	Next  []string // commands to run next, in order
}

func newInitResult(dir string, files []repoFile) *initResult {
	r := &initResult{Dir: dir, Files: make([]string, len(files))}
	for i, f := range files {
		r.Files[i] = f.path
	}
	if filepath.Clean(dir) != "." {
		r.Next = append(r.Next, "cd "+shellQuote(dir))
	}
	r.Next = append(r.Next, "alignctl --config config validate", "alignctl --config config import", "alignctl --config config plan")
	return r
}

// initView renders what init wrote, as planView renders a plan.
type initView = view[*initResult]

func newInitView(format string) initView { return byFormat(format, initText{}, initJSON{}) }

type initText struct{}

func (initText) render(w io.Writer, r *initResult) error {
	fmt.Fprintf(w, "Wrote a config repository to %s:\n", r.Dir)
	for _, f := range r.Files {
		fmt.Fprintln(w, "  "+f)
	}
	fmt.Fprintln(w, "\nNext:")
	for _, c := range r.Next {
		fmt.Fprintln(w, "  "+c)
	}
	_, err := fmt.Fprint(w, `Then commit it, keep the CI of your git host (.github/ or .gitlab-ci.yml) and
set its secrets: README.md says how.
`)
	return err
}

type initJSON struct{}

func (initJSON) render(w io.Writer, r *initResult) error {
	return writeJSON(w, struct {
		FormatVersion string   `json:"format_version"`
		Dir           string   `json:"dir"`
		Files         []string `json:"files"`
		Next          []string `json:"next"`
	}{commandJSONVersion, r.Dir, r.Files, r.Next})
}
