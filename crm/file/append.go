package file

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/alignctl/alignctl/internal/osfile"
)

// An append adds rows at the end of a file in place, so that a push costs
// the rows it writes and not the size of the file. Unlike a rewrite it is not
// atomic: a crash (or a full disk) part-way leaves a tail of rows that were
// never acknowledged, possibly cut in the middle of a line. So before the
// first byte, an append records the file's length in an intent file beside
// it, .<file>.append, and removes that record once the rows are synced.
// Whoever opens the object next through the CRM finds a leftover record and
// cuts the file back to that length (recoverAppend): the rows of an
// unacknowledged append are dropped whole, complete or torn, and a file
// that has no intent record (a snapshot made by hand, say) is never cut.
//
// The intent file is locked (flock) by its writer for its whole life, so a
// second process that opens the object during an append waits for it to
// finish rather than cutting it short; the kernel drops the lock of a writer
// that dies, which is how a leftover record is told from a live one.

// CrashTornAppend is the file CRM's point for the crash test hook of
// reconcile (ALIGNCTL_CRASH_AT): the process kills itself in the middle of
// its first append, half the rows written.
const CrashTornAppend = "file.append-torn"

// crashEnv is reconcile.CrashEnv, which this package cannot import.
const crashEnv = "ALIGNCTL_CRASH_AT"

// intentPath is the intent file of the file at path.
func intentPath(path string) string {
	return filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".append")
}

// appendRows appends rows to the file at path, which is size bytes long and
// ends with a newline (or is empty), with one write, and syncs it before
// returning. It returns the file's new length.
func appendRows(path string, size int64, rows [][]string) (int64, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.WriteAll(rows); err != nil {
		return 0, err
	}
	dir := filepath.Dir(path)
	// The record is complete and locked before it appears under its name
	// (link fails if a record is already there), so a reader never sees a
	// half-written one, nor one it could mistake for a dead writer's.
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return 0, err
	}
	defer tmp.Close() // releases the lock, after the record is gone
	intent := intentPath(path)
	err = func() error {
		defer os.Remove(tmp.Name())
		if _, err := fmt.Fprintf(tmp, "%d\n", size); err != nil {
			return err
		}
		if err := tmp.Sync(); err != nil {
			return err
		}
		if err := osfile.Flock(tmp, syscall.LOCK_EX); err != nil {
			return err
		}
		return os.Link(tmp.Name(), intent)
	}()
	if err != nil {
		return 0, fmt.Errorf("%s: recording an append: %w", path, err)
	}
	syncDir(dir)
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return 0, undoAppend(path, intent, size, err)
	}
	if os.Getenv(crashEnv) == CrashTornAppend {
		// Half the batch reaches the disk, cutting a line, and the
		// process dies as a power cut or an OOM kill would.
		f.WriteAt(buf.Bytes()[:buf.Len()/2], size)
		f.Sync()
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
	}
	_, err = f.WriteAt(buf.Bytes(), size)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, undoAppend(path, intent, size, err)
	}
	// Removing the record acknowledges the rows: it must be durable before
	// the caller reports them written, or a power cut could undo them.
	if err := os.Remove(intent); err != nil {
		return 0, undoAppend(path, intent, size, err)
	}
	syncDir(dir)
	return size + int64(buf.Len()), nil
}

// undoAppend cuts the file back after a failed append. Should that fail too,
// the intent record stays, and the next open of the object retries.
func undoAppend(path, intent string, size int64, err error) error {
	if terr := cutBack(path, size); terr == nil {
		os.Remove(intent)
	}
	return fmt.Errorf("%s: append: %w", path, err)
}

// recoverAppend finishes what a dead append left: when the intent record of
// the file at path is there, the file is cut back to the length it records
// and the record removed. It waits for a live append of another process.
func recoverAppend(path string) error {
	intent := intentPath(path)
	f, err := os.Open(intent)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	if err := osfile.Flock(f, syscall.LOCK_EX); err != nil {
		return fmt.Errorf("%s: %w", intent, err)
	}
	if fi, err := f.Stat(); err != nil {
		return err
	} else if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Nlink == 0 {
		return nil // the append finished while we waited
	}
	b, err := io.ReadAll(io.LimitReader(f, 64))
	if err != nil {
		return err
	}
	size, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil || size < 0 {
		return fmt.Errorf("%s: want the length of %s before an unfinished append, found %q: remove it if %s is known to be whole", intent, filepath.Base(path), b, filepath.Base(path))
	}
	if err := cutBack(path, size); err != nil {
		return err
	}
	if err := os.Remove(intent); err != nil {
		return err
	}
	syncDir(filepath.Dir(path))
	return nil
}

// cutBack truncates the file at path to size bytes, durably, when it is
// longer.
func cutBack(path string, size int64) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if fi.Size() <= size {
		return nil
	}
	if err := f.Truncate(size); err != nil {
		return err
	}
	return f.Sync()
}

// endsWithNewline reports whether the file f, size bytes long, is empty or
// ends with a newline: rows can only be appended after a complete line.
func endsWithNewline(f *os.File, size int64) (bool, error) {
	if size == 0 {
		return true, nil
	}
	b := make([]byte, 1)
	if _, err := f.ReadAt(b, size-1); err != nil {
		return false, err
	}
	return b[0] == '\n', nil
}
