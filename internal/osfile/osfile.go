// Package osfile holds the file-system primitives several of alignctl's
// packages need: an advisory lock that retries when a signal interrupts it,
// and a write that never leaves a half-written file.
package osfile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"time"
)

// Flock applies how (syscall.LOCK_EX, LOCK_UN, with LOCK_NB...) to f,
// retrying when a signal interrupts it.
func Flock(f *os.File, how int) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) {
		for {
			if ferr = syscall.Flock(int(fd), how); ferr != syscall.EINTR {
				return
			}
		}
	}); err != nil {
		return err
	}
	return ferr
}

// WriteAtomic writes a file through a temporary one beside it renamed into
// place, so a half-written file never exists: not after a crash either,
// since the file's bytes reach the disk before the rename, and the rename
// before WriteAtomic returns.
func WriteAtomic(path string, write func(io.Writer) error) error {
	return writeAtomic(path, write, (*os.File).Sync)
}

// writeAtomic is WriteAtomic with the sync of the file (before the rename)
// and of its folder (after it) passed in, for tests to watch.
func writeAtomic(path string, write func(io.Writer) error, sync func(*os.File) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".alignctl-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	// The file is written on another goroutine while write makes the next
	// bytes (aheadWriter).
	aw := newAheadWriter(tmp)
	err = write(aw)
	if cerr := aw.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		// Without it a crash after the rename can leave the new name
		// pointing at an empty or partial file (ext4, xfs).
		err = sync(tmp)
	}
	if err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	// The rename is an entry of the folder: until the folder is synced a
	// crash may forget it, and the old file (or none) comes back.
	dir, err := os.Open(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer dir.Close()
	if err := sync(dir); err != nil && !errors.Is(err, syscall.EINVAL) {
		// EINVAL: a file system that cannot sync a folder has nothing to sync.
		return fmt.Errorf("%s: syncing its folder: %w", path, err)
	}
	return nil
}

// Stale lists the keys of a cache folder's entries beyond its newest n, keep
// counted among them: keyOf names the entry a file stands for ("" for a file
// that is none), and an entry's age is its file's modification time. Both
// caches beside the state (the evaluation's and the config's) prune with it.
func Stale(dir string, n int, keep string, keyOf func(name string) string) []string {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	type entry struct {
		key string
		mod time.Time
	}
	var all []entry
	for _, e := range ents {
		key := keyOf(e.Name())
		if key == "" || key == keep {
			continue
		}
		if info, err := e.Info(); err == nil {
			all = append(all, entry{key, info.ModTime()})
		}
	}
	slices.SortFunc(all, func(a, b entry) int { return b.mod.Compare(a.mod) })
	var stale []string
	for i, e := range all {
		if i >= n-1 {
			stale = append(stale, e.key)
		}
	}
	return stale
}
