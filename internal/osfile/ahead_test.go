package osfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// Writes of every size, across buffer boundaries, arrive whole and in order.
func TestAheadWriterKeepsTheBytes(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, total := range []int{0, 1, aheadSize - 1, aheadSize, aheadSize + 1, 7*aheadSize + 12345} {
		want := make([]byte, total)
		for i := range want {
			want[i] = byte(r.IntN(256))
		}
		var got bytes.Buffer
		a := newAheadWriter(&got)
		for p := want; len(p) > 0; {
			n := min(len(p), 1+r.IntN(3*aheadSize/2))
			if k, err := a.Write(p[:n]); err != nil || k != n {
				t.Fatalf("Write(%d bytes) = %d, %v", n, k, err)
			}
			p = p[n:]
		}
		if err := a.Close(); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want) {
			t.Errorf("%d bytes: got %d bytes, not the ones written", total, got.Len())
		}
	}
}

// failAfter fails every write after the first n bytes.
type failAfter struct{ n int }

var errDiskFull = errors.New("no space left on device")

func (f *failAfter) Write(p []byte) (int, error) {
	if len(p) > f.n {
		return 0, errDiskFull
	}
	f.n -= len(p)
	return len(p), nil
}

// The writer's error reaches the caller: from a later Write or from Close.
func TestAheadWriterReportsTheError(t *testing.T) {
	a := newAheadWriter(&failAfter{n: aheadSize})
	chunk := make([]byte, 4096)
	var werr error
	for range 10 * aheadSize / len(chunk) {
		if _, werr = a.Write(chunk); werr != nil {
			break
		}
	}
	if err := a.Close(); !errors.Is(err, errDiskFull) {
		t.Fatalf("Close = %v, want %v", err, errDiskFull)
	}
	if werr != nil && !errors.Is(werr, errDiskFull) {
		t.Fatalf("Write = %v", werr)
	}
}

// WriteAtomic leaves the file whole, or, when write fails, no file and no
// temporary one.
func TestWriteAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "plan.json")
	want := bytes.Repeat([]byte("0123456789abcdef"), 3*aheadSize/16+7)
	if err := WriteAtomic(path, func(w io.Writer) error { _, err := w.Write(want); return err }); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("read back %d bytes, %v; wrote %d", len(got), err, len(want))
	}
	failed := filepath.Join(dir, "failed.json")
	boom := errors.New("boom")
	err := WriteAtomic(failed, func(w io.Writer) error {
		w.Write(want)
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("WriteAtomic = %v, want %v", err, boom)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != "plan.json" {
		t.Errorf("left behind: %v", entries)
	}
}

// WriteAtomic syncs the whole new file before it takes the name, and the
// folder once it has: a crash at any point leaves the old file or the new
// one, whole. A failed sync fails the write and leaves the old file.
func TestWriteAtomicSyncsFileThenFolder(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "plan.json")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	want := bytes.Repeat([]byte("x"), 2*aheadSize+3)
	var synced []string
	sync := func(f *os.File) error {
		at, _ := os.ReadFile(path)
		if f.Name() == dir {
			synced = append(synced, fmt.Sprintf("folder, the name holding %d bytes", len(at)))
			return f.Sync()
		}
		inFile, _ := os.ReadFile(f.Name())
		synced = append(synced, fmt.Sprintf("file of %d bytes, the name holding %q", len(inFile), at))
		return f.Sync()
	}
	if err := writeAtomic(path, func(w io.Writer) error { _, err := w.Write(want); return err }, sync); err != nil {
		t.Fatal(err)
	}
	wantSyncs := []string{fmt.Sprintf("file of %d bytes, the name holding \"old\"", len(want)), fmt.Sprintf("folder, the name holding %d bytes", len(want))}
	if !slices.Equal(synced, wantSyncs) {
		t.Errorf("syncs %q, want %q", synced, wantSyncs)
	}

	diskFull := errors.New("no space left on device")
	err := writeAtomic(path, func(w io.Writer) error { _, err := w.Write([]byte("new")); return err }, func(*os.File) error { return diskFull })
	if !errors.Is(err, diskFull) {
		t.Fatalf("writeAtomic = %v, want %v", err, diskFull)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, want) {
		t.Errorf("after a failed sync the file holds %d bytes, want the old %d", len(got), len(want))
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("left behind: %v", entries)
	}
}

// Stale lists the entries beyond the newest n, keep counted among them and
// never listed, and skips files that are no entry.
func TestStale(t *testing.T) {
	dir := t.TempDir()
	base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for i, name := range []string{"a.json", "b.json", "c.json", "d.json", "notes.txt"} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		at := base.Add(time.Duration(i) * time.Hour) // a oldest, d newest
		if err := os.Chtimes(path, at, at); err != nil {
			t.Fatal(err)
		}
	}
	keyOf := func(name string) string {
		key, ok := strings.CutSuffix(name, ".json")
		if !ok {
			return ""
		}
		return key
	}
	for _, tc := range []struct {
		n    int
		keep string
		want []string
	}{
		{2, "a", []string{"c", "b"}},
		{2, "d", []string{"b", "a"}},
		{4, "", []string{"a"}},
		{10, "", nil},
	} {
		if got := Stale(dir, tc.n, tc.keep, keyOf); !slices.Equal(got, tc.want) {
			t.Errorf("Stale(n=%d, keep=%q) = %v, want %v", tc.n, tc.keep, got, tc.want)
		}
	}
	if got := Stale(filepath.Join(dir, "missing"), 2, "", keyOf); got != nil {
		t.Errorf("Stale of a missing folder = %v", got)
	}
}
