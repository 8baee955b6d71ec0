package main

import (
	"errors"
	"os"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// The `plan --base` step plans the 1% change as a pull request in CI does
// (README, "Running alignctl in CI"): the config folder a git repository
// whose branch main holds the applied config, the change committed on a
// branch of its own and checked out, and `plan --base main`. Git is driven
// through go-git, as alignctl reads it, so the bench needs no git binary.

// baseBranch is the --base of the step: the branch that holds the applied
// config, like a repository's target branch.
const baseBranch = "main"

// commitApplied makes the config folder a repository whose branch main
// holds the config as it is (the applied one), and checks out a branch for
// the change to come. Before the change is written, so that the work tree
// stays as generated.
func commitApplied(config string) error {
	repo, err := git.PlainInitWithOptions(config, &git.PlainInitOptions{
		InitOptions: git.InitOptions{DefaultBranch: plumbing.NewBranchReferenceName(baseBranch)},
	})
	if err != nil {
		return err
	}
	if err := commitAll(repo, "the applied config"); err != nil {
		return err
	}
	wt, err := repo.Worktree()
	if err != nil {
		return err
	}
	return wt.Checkout(&git.CheckoutOptions{Branch: plumbing.NewBranchReferenceName("change"), Create: true, Keep: true})
}

// commitChange commits the changed config on the branch commitApplied
// checked out, leaving the work tree clean, as a CI checkout of a pull
// request is.
func commitChange(config string) error {
	repo, err := git.PlainOpen(config)
	if err != nil {
		return err
	}
	return commitAll(repo, "the change")
}

func commitAll(repo *git.Repository, msg string) error {
	wt, err := repo.Worktree()
	if err != nil {
		return err
	}
	if err := wt.AddWithOptions(&git.AddOptions{All: true}); err != nil {
		return err
	}
	// A fixed author and clock: the same data gives the same commits.
	sig := &object.Signature{Name: "bench", Email: "bench@example.com", When: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)}
	_, err = wt.Commit(msg, &git.CommitOptions{Author: sig, Committer: sig})
	return err
}

// saveCache copies the state's cache folder (evaluation and config cache)
// aside, and restoreCache puts the copy back: the plain plan of the change
// leaves the head's evaluation there, which the --base plan would then find
// without evaluating anything, where a pull request's plan finds only the
// applied config's. Both plans so start from the same cache.
func saveCache(cache string) error {
	saved := cache + ".saved"
	if err := os.RemoveAll(saved); err != nil {
		return err
	}
	if _, err := os.Stat(cache); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return os.CopyFS(saved, os.DirFS(cache))
}

func restoreCache(cache string) error {
	saved := cache + ".saved"
	if err := os.RemoveAll(cache); err != nil {
		return err
	}
	if _, err := os.Stat(saved); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return os.Rename(saved, cache)
}
