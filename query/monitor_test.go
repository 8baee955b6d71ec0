package query

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// A state written by the alignctl before watermarks came from the CRM has no
// watermark columns: opening it adds them, and its last_import (that
// import's --now) is read as the watermark, as that version did.
func TestOlderStateWatermarkIsLastImport(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state.duckdb")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	last := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	for _, q := range []string{
		`ALTER TABLE process_monitor DROP COLUMN watermark`,
		`ALTER TABLE process_monitor DROP COLUMN watermark_source`,
		`ALTER TABLE process_monitor DROP COLUMN countries`,
		`ALTER TABLE import_log DROP COLUMN watermark`,
		`ALTER TABLE import_log DROP COLUMN watermark_source`,
		`UPDATE state SET schema_version = 1`,
	} {
		if _, err := db.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec(ctx, `INSERT INTO process_monitor VALUES ('us', 'account__v', $1, $1, $1, 9, 0, 'abc')`, last); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `INSERT INTO import_log VALUES ('us', 'account__v', $1, true, 10, 9, 0, NULL)`, last); err != nil {
		t.Fatal(err)
	}
	db.Close()

	db, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var version int
	if err := db.QueryRow(ctx, `SELECT schema_version FROM state`).Scan(&version); err != nil || version != 2 {
		t.Errorf("schema_version %d (%v) after opening an older state, want 2", version, err)
	}
	wm, found, err := db.Watermark(ctx, "us", "account__v")
	if err != nil || !found {
		t.Fatalf("Watermark: found %v, %v", found, err)
	}
	if want := (Watermark{At: last, Source: WatermarkImportStart}); wm != want {
		t.Errorf("watermark of an older state %+v, want %+v", wm, want)
	}
	if _, known, err := db.ImportCountries(ctx, "us"); err != nil || known {
		t.Errorf("ImportCountries of an older state: known %v (%v), want unknown", known, err)
	}
	runs, err := db.Imports(ctx)
	if err != nil || len(runs) != 1 || runs[0].Watermark != nil {
		t.Errorf("Imports of an older state: %+v (%v), want one run without a watermark", runs, err)
	}

	// The next import records where its watermark came from, and the
	// filter it applied.
	next := Watermark{At: time.Date(2026, 1, 5, 9, 55, 0, 0, time.UTC), Source: WatermarkRecords}
	err = db.RecordImport(ctx, ImportRecord{Instance: "us", Object: "account__v", Now: last.Add(time.Hour), Watermark: next, Hash: "abc", Countries: []string{"US", "CA"}})
	if err != nil {
		t.Fatal(err)
	}
	if wm, _, err := db.Watermark(ctx, "us", "account__v"); err != nil || wm != next {
		t.Errorf("watermark after an import %+v (%v), want %+v", wm, err, next)
	}
	countries, known, err := db.ImportCountries(ctx, "us")
	if err != nil || !known || len(countries) != 2 || countries[0] != "CA" || countries[1] != "US" {
		t.Errorf("ImportCountries after an import: %q known %v (%v), want [CA US]", countries, known, err)
	}
}
