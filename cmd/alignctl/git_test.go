package main

import (
	"strconv"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/rogpeppe/go-internal/testscript"
)

// Git commands for scripts (gitinit, gitcommit, gittag), built on go-git
// so that the tests need no git binary: commits carry a fixed author and
// clock, so their hashes are the same on every run.

// gitInitCmd makes the script's work folder a repository on branch main.
func gitInitCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: gitinit")
	}
	_, err := git.PlainInitWithOptions(ts.MkAbs("."), &git.PlainInitOptions{
		InitOptions: git.InitOptions{DefaultBranch: plumbing.NewBranchReferenceName("main")},
	})
	ts.Check(err)
	ts.Setenv("GIT_COMMITS", "0")
}

// gitCommitCmd commits the config folder as it is (new, changed and
// removed files): gitcommit MESSAGE.
func gitCommitCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: gitcommit MESSAGE")
	}
	repo, err := git.PlainOpen(ts.MkAbs("."))
	ts.Check(err)
	wt, err := repo.Worktree()
	ts.Check(err)
	// Only the config folder: the script's other files (golden outputs
	// among them) must not change the hashes.
	ts.Check(wt.AddWithOptions(&git.AddOptions{Path: "config"}))
	n, _ := strconv.Atoi(ts.Getenv("GIT_COMMITS"))
	when := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC).Add(time.Duration(n) * time.Minute)
	sig := &object.Signature{Name: "Admin", Email: "admin@example.com", When: when}
	_, err = wt.Commit(args[0], &git.CommitOptions{All: true, Author: sig, Committer: sig, AllowEmptyCommits: true})
	ts.Check(err)
	ts.Setenv("GIT_COMMITS", strconv.Itoa(n+1))
}

// gitTagCmd tags HEAD: gittag NAME.
func gitTagCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: gittag NAME")
	}
	repo, err := git.PlainOpen(ts.MkAbs("."))
	ts.Check(err)
	head, err := repo.Head()
	ts.Check(err)
	_, err = repo.CreateTag(args[0], head.Hash(), nil)
	ts.Check(err)
}
