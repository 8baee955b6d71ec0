package schema

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/gitignore"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// Revision is the config folder as committed at one git revision, read from
// git's objects: `plan --ref` and `--base` must not touch the work tree, which
// may hold the admin's uncommitted edits.
type Revision struct {
	// FS holds the config folder's files at Commit; pass it to LoadFS with
	// Display. It is not safe for concurrent use.
	FS fs.FS
	// Commit is the full hash of the commit the revision names.
	Commit string
	// Display names the folder in git's REV:path notation ("HEAD~1:config",
	// "main:." for a config at the repository root), so that a message about
	// "HEAD~1:config/territories/onc.yaml" is something `git show` opens.
	Display string
}

// ErrUnknownRevision is the error, wrapped, of a revision that names no
// commit of the repository.
var ErrUnknownRevision = errors.New("unknown revision")

// OpenRevision reads the config folder configDir, at revision rev of the git
// repository that holds it. configDir is a folder of a work tree, its root or
// below; it need not exist on disk, only at rev. rev is a branch, tag, full or
// short commit hash or remote branch (origin/main), optionally followed by ~N
// and ^N; reflog, upstream and REV:path forms are refused. An unknown
// revision's error wraps ErrUnknownRevision and starts with the revision
// ("nope: unknown revision"), ready for the flag name in front of it.
func OpenRevision(configDir, rev string) (*Revision, error) {
	repo, rel, err := openRepository(configDir)
	if err != nil {
		return nil, err
	}
	commit, err := resolveRevision(repo, rev)
	if err != nil {
		return nil, err
	}
	tree, err := commit.Tree()
	if err != nil {
		return nil, fmt.Errorf("%s: reading the tree of commit %s: %w", rev, commit.Hash, err)
	}
	if rel != "." {
		entry, err := tree.FindEntry(rel)
		if errors.Is(err, object.ErrEntryNotFound) || errors.Is(err, object.ErrDirectoryNotFound) {
			return nil, fmt.Errorf("%s: config folder %s is not in commit %s", rev, rel, commit.Hash.String()[:12])
		}
		if err != nil {
			return nil, fmt.Errorf("%s: finding config folder %s: %w", rev, rel, err)
		}
		if entry.Mode != filemode.Dir {
			return nil, fmt.Errorf("%s: config folder %s is not a folder in commit %s", rev, rel, commit.Hash.String()[:12])
		}
		if tree, err = tree.Tree(rel); err != nil {
			return nil, fmt.Errorf("%s: reading folder %s: %w", rev, rel, err)
		}
	}
	return &Revision{
		FS:      &treeFS{root: tree, mtime: commit.Committer.When},
		Commit:  commit.Hash.String(),
		Display: rev + ":" + rel,
	}, nil
}

// WorkTreeState says which commit the config folder's work tree is checked
// out at, and whether its config files differ from that commit: a saved plan
// names the commit when they do not, and the content hash when they do.
//
// Only the files LoadDir reads count (*.yaml and *.yml, outside dot-folders),
// compared by content against HEAD, whether staged or not. Untracked files
// count even when .gitignore names them, since the loader reads them too.
// Outside a git repository the commit is "" and dirty is false: callers then
// rely on the content hash. Before the first commit every file is new.
func WorkTreeState(configDir string) (commit string, dirty bool, err error) {
	info, err := os.Stat(configDir)
	if err != nil {
		return "", false, fmt.Errorf("config folder: %w", err)
	}
	if !info.IsDir() {
		return "", false, fmt.Errorf("config folder %s: not a folder", configDir)
	}
	repo, rel, err := openRepository(configDir)
	if errors.Is(err, git.ErrRepositoryNotExists) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	if ignoredFolder(repo, rel) {
		// A copy of a config in an ignored folder (a build output, say) is
		// outside the repository's history, as if outside git.
		return "", false, nil
	}

	committed := map[string]plumbing.Hash{}
	head, err := repo.Head()
	switch {
	case errors.Is(err, plumbing.ErrReferenceNotFound):
		// No commit yet.
	case err != nil:
		return "", false, fmt.Errorf("config folder %s: reading HEAD: %w", configDir, err)
	default:
		commit = head.Hash().String()
		committed, err = committedHashes(repo, head.Hash(), rel)
		if errors.Is(err, errSubmodule) {
			// A submodule's files are not in this repository's objects, so
			// they cannot be shown unchanged.
			return commit, true, nil
		}
		if err != nil {
			return "", false, fmt.Errorf("config folder %s: reading HEAD %s: %w", configDir, commit[:12], err)
		}
	}

	onDisk := map[string]plumbing.Hash{}
	err = WalkConfigFiles(os.DirFS(configDir), func(p string, d fs.DirEntry) error {
		name := filepath.Join(configDir, filepath.FromSlash(p))
		var b []byte
		var err error
		if d.Type()&fs.ModeSymlink != 0 {
			// git stores a link as a blob of its target.
			var target string
			target, err = os.Readlink(name)
			b = []byte(target)
		} else {
			b, err = os.ReadFile(name)
		}
		if err != nil {
			return err
		}
		onDisk[p] = plumbing.ComputeHash(plumbing.BlobObject, b)
		return nil
	})
	if err != nil {
		return "", false, fmt.Errorf("config folder %s: %w", configDir, err)
	}
	return commit, !maps.Equal(committed, onDisk), nil
}

// openRepository finds the git repository that holds configDir, in it or in a
// parent folder, and the folder's path inside it ("." for its root).
func openRepository(configDir string) (repo *git.Repository, rel string, err error) {
	abs, err := filepath.Abs(configDir)
	if err != nil {
		return nil, "", fmt.Errorf("config folder %s: %w", configDir, err)
	}
	// EnableDotGitCommonDir lets a linked work tree (git worktree add) find
	// the refs and objects it shares with the main one.
	repo, err = git.PlainOpenWithOptions(abs, &git.PlainOpenOptions{DetectDotGit: true, EnableDotGitCommonDir: true})
	if errors.Is(err, git.ErrRepositoryNotExists) {
		return nil, "", fmt.Errorf("config folder %s is not in a git repository: %w", configDir, err)
	}
	if err != nil {
		return nil, "", fmt.Errorf("config folder %s: opening its git repository: %w", configDir, err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		return nil, "", fmt.Errorf("config folder %s: %w", configDir, err)
	}
	// go-git found the work tree by walking up from abs, so its root is a
	// prefix of abs as written: no symbolic links to resolve.
	rel, err = filepath.Rel(wt.Filesystem.Root(), abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return nil, "", fmt.Errorf("config folder %s is not inside the work tree %s", configDir, wt.Filesystem.Root())
	}
	return repo, filepath.ToSlash(rel), nil
}

// ignoredFolder reports whether the repository's .gitignore files ignore
// the folder at slash path rel (relative to the work tree's root).
func ignoredFolder(repo *git.Repository, rel string) bool {
	if rel == "." || rel == "" {
		return false
	}
	wt, err := repo.Worktree()
	if err != nil {
		return false
	}
	patterns, err := gitignore.ReadPatterns(wt.Filesystem, nil)
	if err != nil {
		return false
	}
	parts := strings.Split(rel, "/")
	m := gitignore.NewMatcher(patterns)
	for i := range parts {
		if m.Match(parts[:i+1], true) {
			return true
		}
	}
	return false
}

// resolveRevision finds the commit rev names. go-git parses more of git's
// revision syntax than it resolves: it would read "main@{1}" or "HEAD:config"
// as plain "main" and "HEAD", so those forms are refused here rather than
// silently answered with another commit.
func resolveRevision(repo *git.Repository, rev string) (*object.Commit, error) {
	if rev == "" {
		return nil, fmt.Errorf("empty revision: name a branch, tag or commit")
	}
	if strings.Contains(rev, "@{") || strings.Contains(rev, ":") {
		return nil, fmt.Errorf("%s: reflog, upstream and REV:path forms are not supported; name a branch, tag or commit, with ~N or ^N if needed", rev)
	}
	h, err := repo.ResolveRevision(plumbing.Revision(rev))
	switch {
	case err == nil:
	case errors.Is(err, plumbing.ErrReferenceNotFound), errors.Is(err, io.EOF): // io.EOF: ~N went past the first commit
		return nil, fmt.Errorf("%s: %w", rev, ErrUnknownRevision)
	case errors.Is(err, plumbing.ErrObjectNotFound):
		return nil, fmt.Errorf("%s: %w: a commit it needs is missing from this clone; fetch more history (fetch-depth: 0 in CI)", rev, ErrUnknownRevision)
	default:
		return nil, fmt.Errorf("%s: %w: %w", rev, ErrUnknownRevision, err)
	}
	commit, err := repo.CommitObject(*h)
	if err != nil {
		return nil, fmt.Errorf("%s: reading commit %s: %w", rev, h, err)
	}
	return commit, nil
}

// committedHashes maps each config file in folder rel of commit h to its blob.
func committedHashes(repo *git.Repository, h plumbing.Hash, rel string) (map[string]plumbing.Hash, error) {
	commit, err := repo.CommitObject(h)
	if err != nil {
		return nil, err
	}
	tree, err := commit.Tree()
	if err != nil {
		return nil, err
	}
	hashes := map[string]plumbing.Hash{}
	if rel != "." {
		if e, err := tree.FindEntry(rel); err != nil || e.Mode != filemode.Dir {
			return hashes, nil // not committed yet: every file on disk is new
		}
		if tree, err = tree.Tree(rel); err != nil {
			return nil, err
		}
	}
	err = WalkConfigFiles(&treeFS{root: tree}, func(p string, d fs.DirEntry) error {
		hashes[p] = d.(*dirEntry).entry.Hash
		return nil
	})
	return hashes, err
}

var (
	errSymlink   = errors.New("symbolic link: links are not followed at a git revision")
	errSubmodule = errors.New("git submodule: submodules are not read at a git revision")
	errIsDir     = errors.New("is a folder")
	errNotDir    = errors.New("not a folder")
)

// treeFS is a git tree as an fs.FS. It is not safe for concurrent use:
// object.Tree caches the sub-trees it looks up.
//
// Symbolic links and submodules show as such in listings, but reading one
// fails: following them would read outside the commit's objects.
type treeFS struct {
	root  *object.Tree
	mtime time.Time // of every entry: the commit's time
}

var (
	_ fs.ReadDirFS  = (*treeFS)(nil)
	_ fs.ReadFileFS = (*treeFS)(nil)
	_ fs.StatFS     = (*treeFS)(nil)
)

// entry looks name up; "." is the root.
func (t *treeFS) entry(op, name string) (object.TreeEntry, error) {
	if !fs.ValidPath(name) {
		return object.TreeEntry{}, &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
	}
	if name == "." {
		return object.TreeEntry{Name: ".", Mode: filemode.Dir, Hash: t.root.Hash}, nil
	}
	e, err := t.root.FindEntry(name)
	switch {
	case err == nil:
		return *e, nil
	case errors.Is(err, object.ErrEntryNotFound), errors.Is(err, object.ErrDirectoryNotFound),
		errors.Is(err, plumbing.ErrObjectNotFound): // a file's name used as a folder's
		return object.TreeEntry{}, &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
	default:
		return object.TreeEntry{}, &fs.PathError{Op: op, Path: name, Err: err}
	}
}

func (t *treeFS) info(name string, e object.TreeEntry) (fs.FileInfo, error) {
	mode, err := e.Mode.ToOSFileMode()
	if err != nil {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: err}
	}
	fi := &fileInfo{name: path.Base(name), mode: mode, mtime: t.mtime, entry: e}
	if e.Mode.IsFile() {
		if fi.size, err = t.root.Size(name); err != nil {
			return nil, &fs.PathError{Op: "stat", Path: name, Err: err}
		}
	}
	return fi, nil
}

func (t *treeFS) Stat(name string) (fs.FileInfo, error) {
	e, err := t.entry("stat", name)
	if err != nil {
		return nil, err
	}
	return t.info(name, e)
}

func (t *treeFS) ReadDir(name string) ([]fs.DirEntry, error) {
	e, err := t.entry("readdir", name)
	if err != nil {
		return nil, err
	}
	switch e.Mode {
	case filemode.Dir:
	case filemode.Submodule:
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: errSubmodule}
	default:
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: errNotDir}
	}
	tree := t.root
	if name != "." {
		if tree, err = t.root.Tree(name); err != nil {
			return nil, &fs.PathError{Op: "readdir", Path: name, Err: err}
		}
	}
	entries := make([]fs.DirEntry, len(tree.Entries))
	for i, e := range tree.Entries {
		entries[i] = &dirEntry{fs: t, path: path.Join(name, e.Name), entry: e}
	}
	// git orders a folder "a" as "a/", after "a.yaml"; fs.ReadDir sorts by name.
	slices.SortFunc(entries, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return entries, nil
}

func (t *treeFS) ReadFile(name string) ([]byte, error) {
	e, err := t.entry("read", name)
	if err != nil {
		return nil, err
	}
	return t.read(name, e)
}

func (t *treeFS) read(name string, e object.TreeEntry) ([]byte, error) {
	switch e.Mode {
	case filemode.Dir:
		return nil, &fs.PathError{Op: "read", Path: name, Err: errIsDir}
	case filemode.Submodule:
		return nil, &fs.PathError{Op: "read", Path: name, Err: errSubmodule}
	case filemode.Symlink:
		return nil, &fs.PathError{Op: "read", Path: name, Err: errSymlink}
	}
	f, err := t.root.TreeEntryFile(&e)
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: name, Err: err}
	}
	r, err := f.Reader()
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: name, Err: err}
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: name, Err: err}
	}
	return b, nil
}

func (t *treeFS) Open(name string) (fs.File, error) {
	e, err := t.entry("open", name)
	if err != nil {
		return nil, err
	}
	info, err := t.info(name, e)
	if err != nil {
		return nil, err
	}
	if e.Mode == filemode.Dir {
		entries, err := t.ReadDir(name)
		if err != nil {
			return nil, err
		}
		return &dirFile{info: info, entries: entries}, nil
	}
	b, err := t.read(name, e)
	if err != nil {
		return nil, err
	}
	return &blobFile{info: info, Reader: bytes.NewReader(b)}, nil
}

// fileInfo describes a tree entry; Sys returns the object.TreeEntry.
type fileInfo struct {
	name  string
	mode  fs.FileMode
	size  int64
	mtime time.Time
	entry object.TreeEntry
}

func (fi *fileInfo) Name() string       { return fi.name }
func (fi *fileInfo) Size() int64        { return fi.size }
func (fi *fileInfo) Mode() fs.FileMode  { return fi.mode }
func (fi *fileInfo) ModTime() time.Time { return fi.mtime }
func (fi *fileInfo) IsDir() bool        { return fi.mode.IsDir() }
func (fi *fileInfo) Sys() any           { return fi.entry }

type dirEntry struct {
	fs    *treeFS
	path  string
	entry object.TreeEntry
}

func (d *dirEntry) Name() string { return d.entry.Name }
func (d *dirEntry) IsDir() bool  { return d.Type().IsDir() }

func (d *dirEntry) Type() fs.FileMode {
	mode, _ := d.entry.Mode.ToOSFileMode() // a malformed mode fails in Info
	return mode.Type()
}

func (d *dirEntry) Info() (fs.FileInfo, error) { return d.fs.info(d.path, d.entry) }

func (d *dirEntry) String() string { return fs.FormatDirEntry(d) }

// blobFile is an open file: its content, read whole at Open (config files are
// small, and this makes it seekable).
type blobFile struct {
	info fs.FileInfo
	*bytes.Reader
}

func (f *blobFile) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *blobFile) Close() error               { return nil }

// dirFile is an open folder.
type dirFile struct {
	info    fs.FileInfo
	entries []fs.DirEntry
	offset  int
}

func (d *dirFile) Stat() (fs.FileInfo, error) { return d.info, nil }
func (d *dirFile) Close() error               { return nil }

func (d *dirFile) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.info.Name(), Err: errIsDir}
}

func (d *dirFile) ReadDir(n int) ([]fs.DirEntry, error) {
	rest := d.entries[d.offset:]
	if n <= 0 {
		d.offset = len(d.entries)
		return rest, nil
	}
	if len(rest) == 0 {
		return nil, io.EOF
	}
	rest = rest[:min(n, len(rest))]
	d.offset += len(rest)
	return rest, nil
}
