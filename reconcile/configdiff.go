package reconcile

import (
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/sergi/go-diff/diffmatchpatch"

	"github.com/alignctl/alignctl/schema"
)

// diffContext is the number of unchanged lines shown around a change: git's
// default, so that the diff in a plan reads like the one of the pull request.
const diffContext = 3

// ConfigDiff is the unified diff from config base to config head, as `git
// diff` prints it: the config change whose impact a plan with --base reports.
//
// Only the files the loader reads are compared (*.yaml and *.yml, outside
// dot-folders), in order of their paths, which are relative to the roots of
// base and head. An added file comes from /dev/null and a removed one goes to
// it. The diff is "" when no file differs.
func ConfigDiff(base, head fs.FS) (string, error) {
	before, err := configFiles(base)
	if err != nil {
		return "", fmt.Errorf("config diff: base: %w", err)
	}
	after, err := configFiles(head)
	if err != nil {
		return "", fmt.Errorf("config diff: head: %w", err)
	}
	paths := slices.Concat(before, after)
	slices.Sort(paths)
	paths = slices.Compact(paths)

	var out strings.Builder
	for _, p := range paths {
		from, a, err := readSide(base, before, "a/", p)
		if err != nil {
			return "", fmt.Errorf("config diff: base: %w", err)
		}
		to, b, err := readSide(head, after, "b/", p)
		if err != nil {
			return "", fmt.Errorf("config diff: head: %w", err)
		}
		if from != "/dev/null" && to != "/dev/null" && a == b {
			continue
		}
		fmt.Fprintf(&out, "--- %s\n+++ %s\n", from, to)
		writeHunks(&out, diffLines(a, b))
	}
	return out.String(), nil
}

// configFiles lists the files of fsys that the loader reads, sorted.
func configFiles(fsys fs.FS) ([]string, error) {
	var files []string
	err := schema.WalkConfigFiles(fsys, func(p string, _ fs.DirEntry) error {
		files = append(files, p)
		return nil
	})
	// WalkDir lists "a/z.yml" before "a.yaml"; sort by the whole path, as
	// the loader and git do.
	slices.Sort(files)
	return files, err
}

// readSide reads file p of one side of the diff, and names it for the header:
// prefix+p, or /dev/null when that side has no such file.
func readSide(fsys fs.FS, files []string, prefix, p string) (name, content string, err error) {
	if _, found := slices.BinarySearch(files, p); !found {
		return "/dev/null", "", nil
	}
	b, err := fs.ReadFile(fsys, p)
	return prefix + p, string(b), err
}

// diffLine is one line of a diff: op is ' ', '-' or '+', and text keeps its
// "\n" (a file's last line may have none).
type diffLine struct {
	op   byte
	text string
}

// diffLines is the line diff from a to b. Each line becomes one rune, so that
// the character diff is a line diff.
func diffLines(a, b string) []diffLine {
	dmp := diffmatchpatch.New()
	// No time limit: a diff cut short is still correct but not minimal, and
	// would then depend on the speed of the machine.
	dmp.DiffTimeout = 0
	ra, rb, lines := dmp.DiffLinesToChars(a, b)
	diffs := dmp.DiffCharsToLines(dmp.DiffMain(ra, rb, false), lines)

	var out []diffLine
	for _, d := range diffs {
		op := byte(' ')
		switch d.Type {
		case diffmatchpatch.DiffDelete:
			op = '-'
		case diffmatchpatch.DiffInsert:
			op = '+'
		}
		for text := d.Text; text != ""; {
			n := strings.IndexByte(text, '\n') + 1
			if n == 0 {
				n = len(text)
			}
			out = append(out, diffLine{op, text[:n]})
			text = text[n:]
		}
	}
	return out
}

// writeHunks writes the changed lines with diffContext lines of context on
// each side. Changes closer than twice the context share a hunk, as in git.
func writeHunks(out *strings.Builder, lines []diffLine) {
	// oldLine[i] and newLine[i] count the lines of each side before lines[i].
	oldLine := make([]int, len(lines)+1)
	newLine := make([]int, len(lines)+1)
	for i, l := range lines {
		oldLine[i+1], newLine[i+1] = oldLine[i], newLine[i]
		if l.op != '+' {
			oldLine[i+1]++
		}
		if l.op != '-' {
			newLine[i+1]++
		}
	}

	for i := 0; i < len(lines); {
		if lines[i].op == ' ' {
			i++
			continue
		}
		start := max(0, i-diffContext)
		end := i + 1 // past the hunk's last change
		for j := end; j < len(lines) && j-end <= 2*diffContext; j++ {
			if lines[j].op != ' ' {
				end = j + 1
			}
		}
		stop := min(len(lines), end+diffContext)

		fmt.Fprintf(out, "@@ -%s +%s @@\n",
			hunkRange(oldLine[start], oldLine[stop]-oldLine[start]),
			hunkRange(newLine[start], newLine[stop]-newLine[start]))
		for _, l := range lines[start:stop] {
			out.WriteByte(l.op)
			out.WriteString(l.text)
			if !strings.HasSuffix(l.text, "\n") {
				out.WriteString("\n\\ No newline at end of file\n")
			}
		}
		i = stop
	}
}

// hunkRange is "start,count" of one side of a hunk header, given the lines
// before the hunk. As in git, ",1" is left out, and an empty side starts at
// the line before it.
func hunkRange(before, count int) string {
	switch count {
	case 0:
		return fmt.Sprintf("%d,0", before)
	case 1:
		return fmt.Sprintf("%d", before+1)
	}
	return fmt.Sprintf("%d,%d", before+1, count)
}
