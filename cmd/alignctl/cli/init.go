package cli

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/spf13/cobra"
)

// initRepo is the config repository alignctl init writes: a working example
// over a file CRM, its README, .gitignore, and CI for GitHub Actions and
// GitLab CI. "all:" embeds the dot-files too. The config sits in config/,
// not at the root, because the loader reads every *.yaml/*.yml outside
// dot-folders, and .gitlab-ci.yml is a dot-file at the root.
//
//go:embed all:initrepo
var initRepo embed.FS

// initVersionLine is the line of the CI files that init fills with its own
// release, so that CI runs the alignctl that wrote the repository.
const initVersionLine = "ALIGNCTL_VERSION: latest"

func initCmd(g *globals) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "init [DIR]",
		Short: "Create a config repository: a working example, .gitignore and CI for GitHub and GitLab",
		Long: `Create a config repository in DIR (default: the current folder), which need
not exist: a working example (config/, over the file CRM in crm/), README.md,
.gitignore for the state, and CI that plans pull requests and applies after
merge, for GitHub Actions and GitLab CI. Existing files are never overwritten:
if one is in the way, nothing is written.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format, commandFormats); err != nil {
				return err
			}
			dir := "."
			if len(args) == 1 {
				dir = args[0]
			}
			files, err := initFiles(releaseVersion())
			if err != nil {
				return err
			}
			if err := writeNew(dir, files); err != nil {
				return err
			}
			return newInitView(format).render(g.stdout, newInitResult(dir, files))
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output: text or json")
	return cmd
}

// repoFile is one file init writes, by its slash path in the repository.
type repoFile struct {
	path string
	data []byte
}

// initFiles are the files of the new repository in lexical order of their
// paths. version, when not empty, replaces "latest" as the alignctl version
// CI installs.
func initFiles(version string) ([]repoFile, error) {
	root, err := fs.Sub(initRepo, "initrepo")
	if err != nil {
		return nil, err
	}
	var files []repoFile
	err = fs.WalkDir(root, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(root, p)
		if err != nil {
			return err
		}
		if version != "" && path.Ext(p) == ".yml" {
			b = []byte(strings.ReplaceAll(string(b), initVersionLine, "ALIGNCTL_VERSION: "+version))
		}
		files = append(files, repoFile{path: p, data: b})
		return nil
	})
	return files, err
}

// releaseRE matches the versions CI can install with go install: releases
// and pre-releases. Pseudo-versions (v0.0.0-20261123093000-abcdef123456) and
// +dirty builds do not match: they may name commits that were never pushed.
var releaseRE = regexp.MustCompile(`^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.]+)?$`)

// releaseVersion is the release alignctl was built from (go install
// ...@v1.2.3), or "" when it was not built from one.
func releaseVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	v := bi.Main.Version
	if !releaseRE.MatchString(v) {
		return ""
	}
	return v
}

// writeNew writes files under dir, creating the folders they need. It first
// checks that no file exists where one would go and that no file stands
// where a folder is needed: then it writes nothing, and the error names the
// first such path. A write that fails midway removes what it wrote.
func writeNew(dir string, files []repoFile) error {
	var dirs []string // to create, parents first
	seen := map[string]bool{}
	var needDir func(d string) error
	needDir = func(d string) error {
		if seen[d] {
			return nil
		}
		seen[d] = true
		if parent := filepath.Dir(d); parent != d {
			if err := needDir(parent); err != nil {
				return err
			}
		}
		info, err := os.Stat(d)
		switch {
		case err == nil && info.IsDir():
			return nil
		case err == nil:
			return fmt.Errorf("%s exists and is not a folder: alignctl init writes nothing over existing files (nothing was written)", d)
		case errors.Is(err, fs.ErrNotExist):
			dirs = append(dirs, d)
			return nil
		}
		return fmt.Errorf("%s: %w (nothing was written)", d, unwrapPathError(err))
	}
	targets := make([]string, len(files))
	for i, f := range files {
		targets[i] = filepath.Join(dir, filepath.FromSlash(f.path))
		if err := needDir(filepath.Dir(targets[i])); err != nil {
			return err
		}
		if _, err := os.Lstat(targets[i]); err == nil {
			return fmt.Errorf("%s already exists: alignctl init writes nothing over existing files (nothing was written)", targets[i])
		} else if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%s: %w (nothing was written)", targets[i], unwrapPathError(err))
		}
	}

	var written []string
	undo := func(err error) error {
		for _, p := range slices.Backward(written) {
			os.Remove(p)
		}
		for _, d := range slices.Backward(dirs) {
			os.Remove(d) // only if empty: a folder someone else filled meanwhile stays
		}
		return fmt.Errorf("%w (nothing was kept)", err)
	}
	for _, d := range dirs {
		if err := os.Mkdir(d, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
			return undo(fmt.Errorf("%s: %w", d, unwrapPathError(err)))
		}
	}
	for i, f := range files {
		// O_EXCL: a file that appeared since the check is not overwritten either.
		w, err := os.OpenFile(targets[i], os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return undo(fmt.Errorf("%s: %w", targets[i], unwrapPathError(err)))
		}
		written = append(written, targets[i])
		_, err = w.Write(f.data)
		if cerr := w.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return undo(fmt.Errorf("%s: %w", targets[i], err))
		}
	}
	return nil
}

// unwrapPathError drops the path of an fs.PathError: the message names it.
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// shellQuote quotes a path for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
