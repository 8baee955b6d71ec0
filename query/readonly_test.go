package query

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// OpenReadOnly never writes the state: not on a current state (reads and
// temporary tables work, writes fail), not on one an older alignctl made
// (which Open would upgrade: it says to run a writing command), and a
// missing state is not created.
func TestOpenReadOnlyLeavesTheStateAlone(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "state.duckdb")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	was := readState(t, path)

	ro, err := OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ro.Serial(ctx); err != nil {
		t.Errorf("Serial: %v", err)
	}
	if _, err := ro.Exec(ctx, `CREATE TEMP TABLE scratch AS SELECT 1 AS x`); err != nil {
		t.Errorf("a temporary table: %v", err)
	}
	if _, err := ro.Exec(ctx, `UPDATE state SET serial = serial + 1`); err == nil {
		t.Error("a read-only state took a write")
	}
	ro.Close()
	if now := readState(t, path); !bytes.Equal(now, was) {
		t.Error("OpenReadOnly changed the state's file")
	}

	// A state of an older alignctl, without a column Open adds.
	db, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `ALTER TABLE write_log DROP COLUMN crm_data`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	old := readState(t, path)
	_, err = OpenReadOnly(ctx, path)
	if err == nil || !strings.Contains(err.Error(), "made by an older alignctl, it lacks write_log.crm_data: run alignctl import (or plan) once to upgrade it") {
		t.Fatalf("OpenReadOnly of an older state: %v", err)
	}
	if now := readState(t, path); !bytes.Equal(now, old) {
		t.Error("OpenReadOnly changed an older state's file")
	}
	// Open upgrades it (a write OpenReadOnly leaves to writing commands).
	if db, err = Open(ctx, path); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if now := readState(t, path); bytes.Equal(now, old) {
		t.Error("Open did not upgrade the older state")
	}
	if ro, err = OpenReadOnly(ctx, path); err != nil {
		t.Fatalf("after the upgrade: %v", err)
	}
	ro.Close()

	missing := filepath.Join(dir, "none", "state.duckdb")
	if _, err := OpenReadOnly(ctx, missing); err == nil || !strings.Contains(err.Error(), "does not exist: run alignctl import first") {
		t.Errorf("OpenReadOnly of no state: %v", err)
	}
	if _, err := os.Stat(filepath.Dir(missing)); !os.IsNotExist(err) {
		t.Errorf("OpenReadOnly of no state made its folder: %v", err)
	}
}

// readState is the state's file, and fails when a write-ahead log sits
// beside it (a write not yet checkpointed).
func readState(t *testing.T, path string) []byte {
	t.Helper()
	if _, err := os.Stat(path + ".wal"); err == nil {
		t.Fatalf("%s.wal exists", path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
