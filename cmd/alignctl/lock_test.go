package main

import (
	"context"
	"os"
	"syscall"
	"time"
	"unsafe"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/alignctl/alignctl/query"
)

// The holdlock, awaitwaiter and releaselock commands hold a state lock from
// the script as another alignctl would, so that a script can show what a
// command does while the state is locked, without sleeping.

// scriptHolder is who holds the script's lock, as the lock file names it.
var scriptHolder = query.LockHolder{Command: "alignctl apply", PID: 4242, Host: "ci-runner-1",
	Since: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}

type heldLocksKey struct{}

// heldLocks are the state locks a script holds, by absolute state path.
type heldLocks map[string]*heldLock

// heldLock is a lock the script holds, and a watch on its lock file that sees
// every process finding the state locked: such a process reads the holder's
// name from the file, once, before it waits or fails.
type heldLock struct {
	release func() error
	reads   *os.File // inotify, IN_ACCESS on the lock file
	pending int      // reads seen and not yet awaited
}

// holdLockCmd takes the lock of a state: holdlock STATE.
func holdLockCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: holdlock STATE")
	}
	locks := ts.Value(heldLocksKey{}).(heldLocks)
	state := ts.MkAbs(args[0])
	if locks[state] != nil {
		ts.Fatalf("holdlock %s: already held", args[0])
	}
	release, err := query.LockState(context.Background(), state, scriptHolder, 0)
	ts.Check(err)
	fd, err := syscall.InotifyInit1(syscall.IN_NONBLOCK | syscall.IN_CLOEXEC)
	ts.Check(err)
	reads := os.NewFile(uintptr(fd), "inotify "+state+".lock")
	if _, err := syscall.InotifyAddWatch(fd, state+".lock", syscall.IN_ACCESS); err != nil {
		reads.Close()
		release()
		ts.Fatalf("holdlock %s: watching the lock file: %v", args[0], err)
	}
	l := &heldLock{release: release, reads: reads}
	locks[state] = l
	ts.Defer(func() { l.reads.Close(); l.release() })
}

// awaitWaiterCmd waits until one more process, in order since holdlock, has
// found the state locked: awaitwaiter STATE. A process that waits with
// --lock-timeout is then waiting for the script's lock.
func awaitWaiterCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: awaitwaiter STATE")
	}
	l := ts.Value(heldLocksKey{}).(heldLocks)[ts.MkAbs(args[0])]
	if l == nil {
		ts.Fatalf("awaitwaiter %s: not held (holdlock first)", args[0])
	}
	// A deadline only so that a broken command fails the script rather than
	// hanging it; nothing is asserted about time.
	ts.Check(l.reads.SetReadDeadline(time.Now().Add(time.Minute)))
	buf := make([]byte, 64*syscall.SizeofInotifyEvent)
	for l.pending == 0 {
		n, err := l.reads.Read(buf)
		if err != nil {
			ts.Fatalf("awaitwaiter %s: no process found the state locked: %v", args[0], err)
		}
		for i := 0; i+syscall.SizeofInotifyEvent <= n; {
			ev := (*syscall.InotifyEvent)(unsafe.Pointer(&buf[i]))
			if ev.Mask&syscall.IN_ACCESS != 0 {
				l.pending++
			}
			i += syscall.SizeofInotifyEvent + int(ev.Len)
		}
	}
	l.pending--
}

// releaseLockCmd releases a lock holdlock took: releaselock STATE.
func releaseLockCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: releaselock STATE")
	}
	locks := ts.Value(heldLocksKey{}).(heldLocks)
	state := ts.MkAbs(args[0])
	l := locks[state]
	if l == nil {
		ts.Fatalf("releaselock %s: not held", args[0])
	}
	delete(locks, state)
	l.reads.Close()
	ts.Check(l.release())
}
