package query

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var (
	ciApply = LockHolder{Command: "alignctl apply", PID: 4242, Host: "ci-runner-1",
		Since: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	laptopImport = LockHolder{Command: "alignctl import", PID: 77, Host: "laptop",
		Since: time.Date(2026, 11, 23, 9, 5, 0, 0, time.UTC)}
)

// lockFor takes the lock or fails the test; the lock is released at the end.
func lockFor(t *testing.T, state string, h LockHolder) func() error {
	t.Helper()
	release, err := LockState(t.Context(), state, h, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { release() })
	return release
}

// A second LockState fails at once naming the holder, even from the same
// process (flock locks belong to the open file, not the process), and
// succeeds once the holder has released it. The state's folder is created.
func TestLockStateHeld(t *testing.T) {
	state := filepath.Join(t.TempDir(), ".alignctl", "state.duckdb")
	release := lockFor(t, state, ciApply)

	_, err := LockState(t.Context(), state, laptopImport, 0)
	var le *LockedError
	if !errors.As(err, &le) {
		t.Fatalf("second LockState: got %v, want a *LockedError", err)
	}
	if le.Holder != ciApply {
		t.Errorf("holder: got %+v, want %+v", le.Holder, ciApply)
	}
	want := state + " is locked by alignctl apply (pid 4242 on ci-runner-1, since 2026-11-23T09:00:00Z); " +
		"retry when it has finished, or pass --lock-timeout 5m to wait for it"
	if err.Error() != want {
		t.Errorf("message:\n got %s\nwant %s", err, want)
	}

	if err := release(); err != nil {
		t.Fatal(err)
	}
	if err := release(); err != nil {
		t.Errorf("second release: %v", err)
	}
	lockFor(t, state, laptopImport)
	f, err := os.Open(state + ".lock")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if h := readHolder(f); h != laptopImport {
		t.Errorf("lock file names %+v, want %+v", h, laptopImport)
	}
}

// A waiter with a timeout gets the lock when the holder releases it.
func TestLockStateWaits(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state.duckdb")
	release := lockFor(t, state, ciApply)

	waiting := make(chan LockHolder)
	done := make(chan error)
	go func() {
		rel, err := LockState(t.Context(), state, laptopImport, time.Minute,
			OnWait(func(h LockHolder) { waiting <- h }))
		if err == nil {
			err = rel()
		}
		done <- err
	}()
	if h := <-waiting; h != ciApply {
		t.Errorf("waiting for %+v, want %+v", h, ciApply)
	}
	if err := release(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("waiter: %v", err)
	}
}

// A waiter whose timeout expires gets a *LockedError saying how long it
// waited.
func TestLockStateTimeout(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state.duckdb")
	lockFor(t, state, ciApply)

	_, err := LockState(t.Context(), state, laptopImport, 10*time.Millisecond)
	var le *LockedError
	if !errors.As(err, &le) || le.Timeout != 10*time.Millisecond {
		t.Fatalf("got %v, want a *LockedError after 10ms", err)
	}
	want := state + " is still locked after 10ms by alignctl apply (pid 4242 on ci-runner-1, since 2026-11-23T09:00:00Z); " +
		"retry when it has finished, or pass a longer --lock-timeout"
	if err.Error() != want {
		t.Errorf("message:\n got %s\nwant %s", err, want)
	}
}

// Cancelling the context stops the wait.
func TestLockStateCancel(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state.duckdb")
	lockFor(t, state, ciApply)

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	_, err := LockState(ctx, state, laptopImport, time.Hour, OnWait(func(LockHolder) { cancel() }))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	var le *LockedError
	if errors.As(err, &le) {
		t.Errorf("a cancelled wait is not a *LockedError: %v", err)
	}
}

// An in-memory state has no lock file.
func TestLockStateInMemory(t *testing.T) {
	for _, state := range []string{"", ":memory:"} {
		release, err := LockState(t.Context(), state, ciApply, 0)
		if err != nil {
			t.Fatalf("%q: %v", state, err)
		}
		if _, err := LockState(t.Context(), state, laptopImport, 0); err != nil {
			t.Errorf("%q: second lock: %v", state, err)
		}
		release()
	}
	if _, err := os.Stat(":memory:.lock"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf(":memory:.lock: %v", err)
	}
}

// A holder written over a longer one reads back whole; a lock file that
// names nobody gives "another process".
func TestLockHolderFile(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "state.duckdb.lock"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if h := readHolder(f); h.String() != "another process" {
		t.Errorf("empty lock file: %q", h)
	}
	long := ciApply
	long.Command = "alignctl apply --auto-approve --push --lock-timeout 5m"
	for _, h := range []LockHolder{long, laptopImport} {
		if err := writeHolder(f, h); err != nil {
			t.Fatal(err)
		}
		if got := readHolder(f); got != h {
			t.Errorf("got %+v, want %+v", got, h)
		}
	}
	// What a reader may see between the write and the truncation.
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte("ply --auto-approve\"}\n"), fi.Size()); err != nil {
		t.Fatal(err)
	}
	if got := readHolder(f); got != laptopImport {
		t.Errorf("with a stale tail: got %+v, want %+v", got, laptopImport)
	}
}
