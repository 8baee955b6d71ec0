// Package osfile holds the file-system primitives several of alignctl's
// packages need: an advisory lock that retries when a signal interrupts it,
// and a write that never leaves a half-written file.
package osfile

import (
	"io"
	"os"
	"path/filepath"
	"syscall"
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
// place, so a half-written file never exists.
func WriteAtomic(path string, write func(io.Writer) error) error {
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
	if err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
