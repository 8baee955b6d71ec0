package query

// The state lock. DuckDB refuses a second read-write open of a database file
// with an error that names neither the holder nor a remedy, and a command that
// opens the state twice (apply re-plans, applies, pushes) would let another
// command write in between. So every command takes an advisory flock(2) on
// <state>.lock first and holds it to its end. The kernel drops a flock when
// its holder exits, crashed or not: there is never a stale lock to break.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/alignctl/alignctl/internal/osfile"
)

// lockPoll is how often a command waiting for the state lock tries again.
const lockPoll = 100 * time.Millisecond

// LockHolder is the process holding the state lock, as written into the lock
// file so that a command finding the state locked can name it.
type LockHolder struct {
	Command string    `json:"command"` // "alignctl apply"
	PID     int       `json:"pid"`
	Host    string    `json:"host"`
	Since   time.Time `json:"since"`
}

// ThisProcess is the holder for this process running command.
func ThisProcess(command string) LockHolder {
	host, _ := os.Hostname()
	return LockHolder{Command: command, PID: os.Getpid(), Host: host, Since: time.Now().UTC().Truncate(time.Second)}
}

// String names the holder: "alignctl apply (pid 4242 on ci-runner-1, since
// 2026-11-23T09:00:00Z)".
func (h LockHolder) String() string {
	if h.Command == "" {
		// The holder has not written its name yet, or the file is not ours.
		return "another process"
	}
	var about []string
	if who := strings.TrimSpace(pidOn(h.PID, h.Host)); who != "" {
		about = append(about, who)
	}
	if !h.Since.IsZero() {
		about = append(about, "since "+h.Since.UTC().Format(time.RFC3339))
	}
	if len(about) == 0 {
		return h.Command
	}
	return h.Command + " (" + strings.Join(about, ", ") + ")"
}

// pidOn is "pid 4242 on ci-runner-1", leaving out what is unknown.
func pidOn(pid int, host string) string {
	var s string
	if pid != 0 {
		s = fmt.Sprintf("pid %d", pid)
	}
	if host != "" {
		s += " on " + host
	}
	return s
}

// LockedError is LockState's answer when another process holds the lock: at
// once without a timeout, or when the timeout expires.
type LockedError struct {
	State   string        // the state file, as given
	Holder  LockHolder    // the holder when last looked at
	Timeout time.Duration // how long LockState waited; 0: not at all
}

func (e *LockedError) Error() string {
	if e.Timeout > 0 {
		return fmt.Sprintf("%s is still locked after %s by %s; retry when it has finished, or pass a longer --lock-timeout",
			e.State, e.Timeout, e.Holder)
	}
	return fmt.Sprintf("%s is locked by %s; retry when it has finished, or pass --lock-timeout 5m to wait for it",
		e.State, e.Holder)
}

// LockOption adjusts LockState.
type LockOption func(*lockOptions)

type lockOptions struct {
	onWait func(LockHolder)
}

// OnWait has LockState call f with the holder when it finds the state locked
// and starts waiting (a timeout above 0), so that the command can say what it
// waits for.
func OnWait(f func(LockHolder)) LockOption {
	return func(o *lockOptions) { o.onWait = f }
}

// LockState takes the lock of the state database at statePath and writes
// holder into the lock file. When another process holds it, LockState fails
// at once with a *LockedError naming that process, or, with a timeout above 0,
// tries again until it gets the lock, the timeout expires (*LockedError) or
// ctx is done. release gives the lock up; so does the process's exit. An
// in-memory state ("" or ":memory:") has no lock.
func LockState(ctx context.Context, statePath string, holder LockHolder, timeout time.Duration, opts ...LockOption) (release func() error, err error) {
	if statePath == "" || statePath == ":memory:" {
		return func() error { return nil }, nil
	}
	var o lockOptions
	for _, opt := range opts {
		opt(&o)
	}
	if err := os.MkdirAll(filepath.Dir(statePath), 0o755); err != nil {
		return nil, fmt.Errorf("state %s: %w", statePath, err)
	}
	// The lock file is never removed: a process waiting on the old file would
	// take a lock nobody else sees once a new one is created.
	f, err := os.OpenFile(statePath+".lock", os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("state %s: %w", statePath, err)
	}
	if err := waitLock(ctx, f, statePath, timeout, o.onWait); err != nil {
		f.Close()
		return nil, err
	}
	if err := writeHolder(f, holder); err != nil {
		f.Close() // releases the lock
		return nil, fmt.Errorf("state %s: writing the lock holder: %w", statePath, err)
	}
	return sync.OnceValue(func() error {
		err := osfile.Flock(f, syscall.LOCK_UN)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("state %s: releasing the lock: %w", statePath, err)
		}
		return nil
	}), nil
}

// waitLock takes the flock of f, polling until timeout.
func waitLock(ctx context.Context, f *os.File, statePath string, timeout time.Duration, onWait func(LockHolder)) error {
	try := func() (bool, error) {
		err := osfile.Flock(f, syscall.LOCK_EX|syscall.LOCK_NB)
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("state %s: locking %s: %w", statePath, f.Name(), err)
		}
		return true, nil
	}
	if ok, err := try(); ok || err != nil {
		return err
	}
	if timeout <= 0 {
		return &LockedError{State: statePath, Holder: readHolder(f)}
	}
	if onWait != nil {
		onWait(readHolder(f))
	}
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(lockPoll)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return fmt.Errorf("state %s: waiting for the lock: %w", statePath, ctx.Err())
		case <-deadline.C:
			if ok, err := try(); ok || err != nil {
				return err
			}
			return &LockedError{State: statePath, Holder: readHolder(f), Timeout: timeout}
		case <-tick.C:
			if ok, err := try(); ok || err != nil {
				return err
			}
		}
	}
}

// writeHolder writes h over the lock file's previous holder. It writes first
// and truncates after, so that a reader never finds the file empty; what it
// may find is the tail of a longer previous holder after the new one, which
// readHolder ignores.
func writeHolder(f *os.File, h LockHolder) error {
	b, err := json.Marshal(h)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if _, err := f.WriteAt(b, 0); err != nil {
		return err
	}
	return f.Truncate(int64(len(b)))
}

// readHolder reads the holder from the lock file: the first JSON value. A
// file that names none (a holder that has not written it yet) gives the zero
// holder.
func readHolder(f *os.File) LockHolder {
	var h LockHolder
	if err := json.NewDecoder(io.NewSectionReader(f, 0, 64<<10)).Decode(&h); err != nil {
		return LockHolder{}
	}
	return h
}
