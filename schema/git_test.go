package schema

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// testRepo is a git repository in a temporary folder, committed to with a
// fixed clock so that its hashes are the same on every run.
type testRepo struct {
	t       *testing.T
	dir     string
	repo    *git.Repository
	commits int
}

func newTestRepo(t *testing.T) *testRepo {
	t.Helper()
	dir := t.TempDir()
	repo, err := git.PlainInitWithOptions(dir, &git.PlainInitOptions{
		InitOptions: git.InitOptions{DefaultBranch: plumbing.NewBranchReferenceName("main")},
	})
	if err != nil {
		t.Fatal(err)
	}
	return &testRepo{t: t, dir: dir, repo: repo}
}

func (r *testRepo) signature() *object.Signature {
	when := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC).Add(time.Duration(r.commits) * time.Minute)
	return &object.Signature{Name: "Admin", Email: "admin@example.com", When: when}
}

// write writes files by slash path in the work tree; "" content removes one.
func (r *testRepo) write(files map[string]string) {
	r.t.Helper()
	for name, content := range files {
		p := filepath.Join(r.dir, filepath.FromSlash(name))
		if content == "" {
			if err := os.Remove(p); err != nil {
				r.t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			r.t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			r.t.Fatal(err)
		}
	}
}

// stage is `git add -A`.
func (r *testRepo) stage() {
	r.t.Helper()
	wt, err := r.repo.Worktree()
	if err != nil {
		r.t.Fatal(err)
	}
	if err := wt.AddWithOptions(&git.AddOptions{All: true}); err != nil {
		r.t.Fatal(err)
	}
}

// commit writes files, stages everything and commits it.
func (r *testRepo) commit(msg string, files map[string]string) plumbing.Hash {
	r.t.Helper()
	r.write(files)
	r.stage()
	wt, err := r.repo.Worktree()
	if err != nil {
		r.t.Fatal(err)
	}
	h, err := wt.Commit(msg, &git.CommitOptions{Author: r.signature()})
	if err != nil {
		r.t.Fatal(err)
	}
	r.commits++
	return h
}

func (r *testRepo) setRef(name plumbing.ReferenceName, h plumbing.Hash) {
	r.t.Helper()
	if err := r.repo.Storer.SetReference(plumbing.NewHashReference(name, h)); err != nil {
		r.t.Fatal(err)
	}
}

const testSettings = `kind: settings
crm_instances:
  - {id: us, type: file, url: ./crm, countries: [US]}
`

func testForce(name string) string {
	return "kind: field_force\nid: ONC\nname: " + name + "\nstart_date: 2026-01-01\n"
}

// history builds a repository whose config lives in config/: three commits
// that rename the field force, tags, a branch and a remote branch.
func history(t *testing.T) (r *testRepo, c1, c2, c3 plumbing.Hash) {
	r = newTestRepo(t)
	c1 = r.commit("first", map[string]string{
		"README.md":            "# territories\n",
		"other/unrelated.yaml": "not: config\n",
		"config/settings.yaml": testSettings,
		"config/forces.yaml":   testForce("Oncology"),
	})
	c2 = r.commit("rename", map[string]string{
		"config/forces.yaml":     testForce("Oncology East"),
		"config/.github/ci.yaml": "{ not yaml the loader would accept",
	})
	c3 = r.commit("rename again", map[string]string{
		"config/forces.yaml":       testForce("Oncology West"),
		"config/territories/x.yml": "kind: field_force\nid: CARD\nname: Cardiology\nstart_date: 2026-01-01\n",
	})
	r.setRef(plumbing.NewTagReferenceName("v1"), c1)
	if _, err := r.repo.CreateTag("v2", c2, &git.CreateTagOptions{Tagger: r.signature(), Message: "v2"}); err != nil {
		t.Fatal(err)
	}
	r.setRef(plumbing.NewBranchReferenceName("feature"), c2)
	r.setRef(plumbing.NewRemoteReferenceName("origin", "main"), c1)
	return r, c1, c2, c3
}

// oncology is the name of field force ONC.
func oncology(cfg *Config) string {
	for _, f := range cfg.FieldForces {
		if f.ID == "ONC" {
			return f.Name
		}
	}
	return ""
}

func TestOpenRevision(t *testing.T) {
	r, c1, c2, c3 := history(t)
	names := map[plumbing.Hash]string{c1: "Oncology", c2: "Oncology East", c3: "Oncology West"}
	configDir := filepath.Join(r.dir, "config")

	for _, tc := range []struct {
		rev  string
		want plumbing.Hash
	}{
		{"HEAD", c3},
		{"main", c3},
		{"HEAD~1", c2},
		{"HEAD^", c2},
		{"HEAD~2", c1},
		{"HEAD^^", c1},
		{"main~2", c1},
		{"feature", c2},
		{"refs/heads/feature", c2},
		{"feature~1", c1},
		{"v1", c1},
		{"v2", c2}, // annotated: resolves to the commit it tags
		{"origin/main", c1},
		{c2.String(), c2},
		{c1.String()[:7], c1},
	} {
		t.Run(tc.rev, func(t *testing.T) {
			rev, err := OpenRevision(configDir, tc.rev)
			if err != nil {
				t.Fatal(err)
			}
			if rev.Commit != tc.want.String() {
				t.Errorf("Commit = %s, want %s", rev.Commit, tc.want)
			}
			if want := tc.rev + ":config"; rev.Display != want {
				t.Errorf("Display = %q, want %q", rev.Display, want)
			}
			cfg, err := LoadFS(rev.FS, rev.Display)
			if err != nil {
				t.Fatal(err)
			}
			if got := oncology(cfg); got != names[tc.want] {
				t.Errorf("field force ONC is named %q, want %q", got, names[tc.want])
			}
		})
	}
}

// The work tree's uncommitted edits stay where they are, and a revision
// does not see them.
func TestOpenRevisionLeavesWorkTree(t *testing.T) {
	r, _, _, c3 := history(t)
	configDir := filepath.Join(r.dir, "config")
	r.write(map[string]string{"config/forces.yaml": testForce("Oncology Draft")})

	rev, err := OpenRevision(configDir, "HEAD~1")
	if err != nil {
		t.Fatal(err)
	}
	old, err := LoadFS(rev.FS, rev.Display)
	if err != nil {
		t.Fatal(err)
	}
	current, err := LoadDir(configDir)
	if err != nil {
		t.Fatal(err)
	}
	if oncology(old) != "Oncology East" || oncology(current) != "Oncology Draft" {
		t.Errorf("HEAD~1 has %q, work tree %q; want Oncology East and Oncology Draft", oncology(old), oncology(current))
	}
	if old.Hash == current.Hash {
		t.Error("HEAD~1 and the work tree have the same content hash")
	}
	if len(old.Files) != 2 {
		t.Errorf("HEAD~1 files = %q, want forces.yaml and settings.yaml (not .github)", old.Files)
	}

	commit, dirty, err := WorkTreeState(configDir)
	if err != nil || commit != c3.String() || !dirty {
		t.Errorf("after OpenRevision: WorkTreeState = %s, %v, %v; want %s, true (the edit is still there)", commit, dirty, err, c3)
	}
	b, err := os.ReadFile(filepath.Join(configDir, "forces.yaml"))
	if err != nil || !strings.Contains(string(b), "Oncology Draft") {
		t.Errorf("work tree forces.yaml = %q, %v", b, err)
	}
}

func TestOpenRevisionMessages(t *testing.T) {
	r := newTestRepo(t)
	r.commit("valid", map[string]string{"settings.yaml": testSettings, "forces.yaml": testForce("Oncology")})
	r.commit("typo", map[string]string{"forces.yaml": testForce("Oncology") + "exclusive: maybe\n"})

	rev, err := OpenRevision(r.dir, "HEAD")
	if err != nil {
		t.Fatal(err)
	}
	if rev.Display != "HEAD:." {
		t.Errorf("Display = %q, want HEAD:.", rev.Display)
	}
	_, err = LoadFS(rev.FS, rev.Display)
	if err == nil || !strings.HasPrefix(err.Error(), "HEAD:./forces.yaml:5:") {
		t.Errorf("error = %v, want one about HEAD:./forces.yaml:5", err)
	}
	rev, err = OpenRevision(r.dir, "HEAD~1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := LoadFS(rev.FS, rev.Display); err != nil {
		t.Errorf("HEAD~1: %v", err)
	}
}

func TestOpenRevisionErrors(t *testing.T) {
	r, _, _, _ := history(t)
	configDir := filepath.Join(r.dir, "config")

	for _, tc := range []struct {
		name, dir, rev string
		want           string
		unknown        bool // errors.Is ErrUnknownRevision
	}{
		{"unknown", configDir, "nope", "nope: unknown revision", true},
		{"past the first commit", configDir, "HEAD~3", "HEAD~3: unknown revision", true},
		{"not a revision", configDir, "main..feature", `main..feature: unknown revision: `, true},
		{"short hash of no commit", configDir, "0000000", "0000000: unknown revision", true},
		{"empty", configDir, "", "empty revision: name a branch, tag or commit", false},
		{"reflog", configDir, "main@{1}", "main@{1}: reflog, upstream and REV:path forms are not supported; name a branch, tag or commit, with ~N or ^N if needed", false},
		{"path", configDir, "HEAD:config", "HEAD:config: reflog, upstream and REV:path forms are not supported", false},
		{"folder not yet committed", filepath.Join(r.dir, "config", "territories"), "HEAD~1", "HEAD~1: config folder config/territories is not in commit ", false},
		{"file, not folder", filepath.Join(r.dir, "README.md"), "HEAD", "HEAD: config folder README.md is not a folder in commit ", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := OpenRevision(tc.dir, tc.rev)
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("error = %v, want %q...", err, tc.want)
			}
			if errors.Is(err, ErrUnknownRevision) != tc.unknown {
				t.Errorf("errors.Is(%v, ErrUnknownRevision) = %v", err, !tc.unknown)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q is not one line", err)
			}
		})
	}
}

func TestOpenRevisionNotInGit(t *testing.T) {
	dir := notInGit(t)
	_, err := OpenRevision(dir, "HEAD")
	if err == nil || err.Error() != "config folder "+dir+" is not in a git repository: repository does not exist" {
		t.Errorf("error = %v", err)
	}
	if !errors.Is(err, git.ErrRepositoryNotExists) {
		t.Errorf("error %v is not git.ErrRepositoryNotExists", err)
	}
}

// notInGit is a temporary folder outside any git repository.
func notInGit(t *testing.T) string {
	dir := t.TempDir()
	if _, err := git.PlainOpenWithOptions(dir, &git.PlainOpenOptions{DetectDotGit: true}); err == nil {
		t.Skipf("the temporary folder %s is inside a git repository", dir)
	}
	return dir
}

// The tree of a revision behaves as a file system should.
func TestRevisionFS(t *testing.T) {
	r, _, _, _ := history(t)
	rev, err := OpenRevision(filepath.Join(r.dir, "config"), "HEAD")
	if err != nil {
		t.Fatal(err)
	}
	if err := fstest.TestFS(rev.FS, "settings.yaml", "forces.yaml", "territories/x.yml", ".github/ci.yaml"); err != nil {
		t.Error(err)
	}
}

// A symbolic link in the tree is listed but not followed: the loader names it.
func TestRevisionSymlink(t *testing.T) {
	r := newTestRepo(t)
	r.write(map[string]string{"settings.yaml": testSettings, "forces/oncology.yaml": testForce("Oncology")})
	if err := os.Symlink("forces/oncology.yaml", filepath.Join(r.dir, "link.yaml")); err != nil {
		t.Skip(err)
	}
	r.commit("link", nil)

	rev, err := OpenRevision(r.dir, "HEAD")
	if err != nil {
		t.Fatal(err)
	}
	_, err = LoadFS(rev.FS, rev.Display)
	want := "HEAD:./link.yaml: cannot read: symbolic link: links are not followed at a git revision"
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
	// Committed and unchanged, the link leaves the work tree clean.
	if _, dirty, err := WorkTreeState(r.dir); err != nil || dirty {
		t.Errorf("WorkTreeState: dirty = %v, %v; want clean", dirty, err)
	}
}

func TestWorkTreeState(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(r *testRepo)
		dirty  bool
	}{
		{"clean", func(r *testRepo) {}, false},
		{"modified yaml", func(r *testRepo) {
			r.write(map[string]string{"config/forces.yaml": testForce("Oncology Draft")})
		}, true},
		{"modified and staged", func(r *testRepo) {
			r.write(map[string]string{"config/forces.yaml": testForce("Oncology Draft")})
			r.stage()
		}, true},
		{"untracked yaml", func(r *testRepo) {
			r.write(map[string]string{"config/new.yaml": testForce("New")})
		}, true},
		{"untracked yml in a sub-folder", func(r *testRepo) {
			r.write(map[string]string{"config/territories/new.yml": testForce("New")})
		}, true},
		{"untracked and ignored yaml", func(r *testRepo) {
			r.write(map[string]string{".gitignore": "*.local.yaml\n", "config/x.local.yaml": testForce("Local")})
		}, true},
		{"deleted yaml", func(r *testRepo) {
			r.write(map[string]string{"config/territories/x.yml": ""})
		}, true},
		{"rewritten with the same content", func(r *testRepo) {
			r.write(map[string]string{"config/forces.yaml": testForce("Oncology")})
		}, false},
		{"committed change", func(r *testRepo) {
			r.commit("rename", map[string]string{"config/forces.yaml": testForce("Oncology East")})
		}, false},
		{"file the loader does not read", func(r *testRepo) {
			r.write(map[string]string{"config/README.md": "# notes\n", "config/forces.yaml.bak": "old"})
		}, false},
		{"yaml in a dot-folder", func(r *testRepo) {
			r.write(map[string]string{"config/.github/workflows/plan.yaml": "on: pull_request\n"})
		}, false},
		{"yaml outside the config folder", func(r *testRepo) {
			r.write(map[string]string{"other/unrelated.yaml": "changed: true\n", "other/new.yaml": "new: true\n", "top.yaml": "x: 1\n"})
		}, false},
		{"executable bit", func(r *testRepo) {
			if err := os.Chmod(filepath.Join(r.dir, "config", "forces.yaml"), 0o755); err != nil {
				r.t.Fatal(err)
			}
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newTestRepo(t)
			r.commit("first", map[string]string{
				"other/unrelated.yaml":     "not: config\n",
				"config/settings.yaml":     testSettings,
				"config/forces.yaml":       testForce("Oncology"),
				"config/territories/x.yml": testForce("X"),
			})
			tc.change(r)
			head, err := r.repo.Head()
			if err != nil {
				t.Fatal(err)
			}
			commit, dirty, err := WorkTreeState(filepath.Join(r.dir, "config"))
			if err != nil {
				t.Fatal(err)
			}
			if commit != head.Hash().String() || dirty != tc.dirty {
				t.Errorf("WorkTreeState = %s, %v; want %s, %v", commit, dirty, head.Hash(), tc.dirty)
			}
		})
	}
}

// A copy of a config in an ignored folder (make demo's out/demo/config) is
// outside the repository's history: no commit, not dirty.
func TestWorkTreeStateIgnoredFolder(t *testing.T) {
	r := newTestRepo(t)
	r.commit("first", map[string]string{".gitignore": "/out/\n", "config/settings.yaml": testSettings})
	r.write(map[string]string{"out/demo/config/settings.yaml": testSettings})
	commit, dirty, err := WorkTreeState(filepath.Join(r.dir, "out", "demo", "config"))
	if err != nil || commit != "" || dirty {
		t.Errorf("WorkTreeState = %q, %v, %v; want \"\", false (outside the history)", commit, dirty, err)
	}
	if _, dirty, err := WorkTreeState(filepath.Join(r.dir, "config")); err != nil || dirty {
		t.Errorf("the tracked config: dirty = %v, %v; want clean", dirty, err)
	}
}

func TestWorkTreeStateRepositoryRoot(t *testing.T) {
	r := newTestRepo(t)
	h := r.commit("first", map[string]string{"settings.yaml": testSettings, ".github/ci.yaml": "x: 1\n"})
	r.write(map[string]string{".github/ci.yaml": "x: 2\n"})
	if commit, dirty, err := WorkTreeState(r.dir); err != nil || commit != h.String() || dirty {
		t.Errorf("WorkTreeState = %s, %v, %v; want %s, false", commit, dirty, err, h)
	}
	r.write(map[string]string{"settings.yaml": testSettings + "timezone: UTC\n"})
	if _, dirty, err := WorkTreeState(r.dir); err != nil || !dirty {
		t.Errorf("after editing settings.yaml: dirty = %v, %v; want true", dirty, err)
	}
}

func TestWorkTreeStateNoCommit(t *testing.T) {
	r := newTestRepo(t)
	if commit, dirty, err := WorkTreeState(r.dir); err != nil || commit != "" || dirty {
		t.Errorf("empty repository: WorkTreeState = %q, %v, %v; want \"\", false, nil", commit, dirty, err)
	}
	r.write(map[string]string{"settings.yaml": testSettings})
	if commit, dirty, err := WorkTreeState(r.dir); err != nil || commit != "" || !dirty {
		t.Errorf("a file before the first commit: WorkTreeState = %q, %v, %v; want \"\", true, nil", commit, dirty, err)
	}
}

func TestWorkTreeStateNotInGit(t *testing.T) {
	dir := notInGit(t)
	if err := os.WriteFile(filepath.Join(dir, "settings.yaml"), []byte(testSettings), 0o644); err != nil {
		t.Fatal(err)
	}
	if commit, dirty, err := WorkTreeState(dir); err != nil || commit != "" || dirty {
		t.Errorf("WorkTreeState = %q, %v, %v; want \"\", false, nil", commit, dirty, err)
	}
	_, _, err := WorkTreeState(filepath.Join(dir, "missing"))
	if err == nil || !errors.Is(err, os.ErrNotExist) || !strings.HasPrefix(err.Error(), "config folder: ") {
		t.Errorf("missing folder: error = %v", err)
	}
}

// A submodule's files are not in the repository's objects: reading the config
// at a revision says so, and the work tree cannot be shown to match HEAD.
func TestRevisionSubmodule(t *testing.T) {
	r := newTestRepo(t)
	first := r.commit("first", map[string]string{"settings.yaml": testSettings})

	// go-git cannot add a submodule: write the tree and commit git would.
	parent, err := r.repo.CommitObject(first)
	if err != nil {
		t.Fatal(err)
	}
	tree, err := parent.Tree()
	if err != nil {
		t.Fatal(err)
	}
	entries := append(tree.Entries, object.TreeEntry{Name: "shared", Mode: filemode.Submodule, Hash: first})
	store := func(o interface {
		Encode(plumbing.EncodedObject) error
	}) plumbing.Hash {
		obj := r.repo.Storer.NewEncodedObject()
		if err := o.Encode(obj); err != nil {
			t.Fatal(err)
		}
		h, err := r.repo.Storer.SetEncodedObject(obj)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	sig := *r.signature()
	head := store(&object.Commit{
		Author: sig, Committer: sig, Message: "add submodule",
		TreeHash: store(&object.Tree{Entries: entries}), ParentHashes: []plumbing.Hash{first},
	})
	r.setRef(plumbing.NewBranchReferenceName("main"), head)

	rev, err := OpenRevision(r.dir, "HEAD")
	if err != nil {
		t.Fatal(err)
	}
	_, err = LoadFS(rev.FS, rev.Display)
	want := "HEAD:./shared: cannot read: git submodule: submodules are not read at a git revision"
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
	if commit, dirty, err := WorkTreeState(r.dir); err != nil || commit != head.String() || !dirty {
		t.Errorf("WorkTreeState = %s, %v, %v; want %s, true", commit, dirty, err, head)
	}
}
