package reconcile

import (
	"context"
	"testing"
	"time"

	"github.com/alignctl/alignctl/crm"
	"github.com/alignctl/alignctl/crm/file"
	"github.com/alignctl/alignctl/query"
)

// The next watermark comes from the records read or the CRM's clock, minus
// the overlap; alignctl's clock is no input at all.
func TestNextWatermarkFromTheCRM(t *testing.T) {
	at := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	prev := query.Watermark{At: at("2026-01-01T00:00:00Z"), Source: query.WatermarkRecords}
	tests := []struct {
		name           string
		latest, before time.Time
		want           query.Watermark
	}{
		{"records read, no server clock", at("2026-02-01T10:00:00Z"), time.Time{},
			query.Watermark{At: at("2026-02-01T09:55:00Z"), Source: query.WatermarkRecords}},
		{"records read before the server clock", at("2026-02-01T10:00:00Z"), at("2026-02-01T11:00:00Z"),
			query.Watermark{At: at("2026-02-01T09:55:00Z"), Source: query.WatermarkRecords}},
		{"a record stamped at the server clock", at("2026-02-01T10:00:00Z"), at("2026-02-01T10:00:00Z"),
			query.Watermark{At: at("2026-02-01T09:55:00Z"), Source: query.WatermarkRecords}},
		{"records stamped after the server clock", at("2026-02-01T12:00:00Z"), at("2026-02-01T11:00:00Z"),
			query.Watermark{At: at("2026-02-01T10:55:00Z"), Source: query.WatermarkServerClock}},
		{"nothing read, server clock known", time.Time{}, at("2026-02-01T11:00:00Z"),
			query.Watermark{At: at("2026-02-01T10:55:00Z"), Source: query.WatermarkServerClock}},
		{"nothing read, server clock behind an old watermark", time.Time{}, at("2025-12-01T00:00:00Z"),
			query.Watermark{At: at("2025-11-30T23:55:00Z"), Source: query.WatermarkServerClock}},
		{"nothing read, no server clock", time.Time{}, time.Time{},
			query.Watermark{At: prev.At, Source: query.WatermarkKept}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NextWatermark(prev, tt.latest, tt.before); got != tt.want {
				t.Errorf("NextWatermark(%v, %v) = %+v, want %+v", tt.latest, tt.before, got, tt.want)
			}
		})
	}
}

// clockCRM is a file CRM with a server clock, as Vault's client has one.
type clockCRM struct {
	*file.CRM
	now time.Time
}

func (c *clockCRM) ServerTime() time.Time { return c.now }

var _ crm.ServerClock = (*clockCRM)(nil)

// Reading the overlap again changes no CRM data: the evaluation cache stays
// valid, and every object's watermark moves only as the CRM says.
func TestOverlapReReadIsNoChange(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	cfg, db, files := importedFixture(t, now)
	inst := cfg.Settings.CRMInstances[0]
	// alignctl's clock far ahead of the CRM's: it plays no part.
	rep, err := Import(ctx, db, cfg, []Source{{Instance: inst.ID, CRM: files, Countries: inst.SelectedCountries()}}, ImportOptions{Now: now.AddDate(1, 0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	if rep.changesCRMData() {
		t.Errorf("a second import of an unchanged CRM changes CRM data: %+v", rep.Objects)
	}
	for _, o := range rep.Objects {
		if o.Read != 0 || o.Loaded != 0 || o.Filtered != 0 {
			t.Errorf("%s: read %d, loaded %d, filtered %d of an unchanged CRM; want none", o.Object, o.Read, o.Loaded, o.Filtered)
		}
	}
	wm, _, err := db.Watermark(ctx, inst.ID, crm.Account)
	if err != nil {
		t.Fatal(err)
	}
	// The fixture's accounts are stamped 2026-01-05T10:00:00Z.
	if want := (query.Watermark{At: time.Date(2026, 1, 5, 9, 55, 0, 0, time.UTC), Source: query.WatermarkRecords}); wm != want {
		t.Errorf("account__v watermark %+v, want %+v", wm, want)
	}
	wm, _, err = db.Watermark(ctx, inst.ID, crm.Call)
	if err != nil {
		t.Fatal(err)
	}
	if wm.Source != query.WatermarkKept || !wm.At.IsZero() {
		t.Errorf("call2__v (no records, no server clock) watermark %+v, want kept at zero", wm)
	}

	// With a server clock, an idle object's watermark follows it.
	server := &clockCRM{CRM: files, now: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)}
	if _, err := Import(ctx, db, cfg, []Source{{Instance: inst.ID, CRM: server, Countries: inst.SelectedCountries()}}, ImportOptions{Now: now}); err != nil {
		t.Fatal(err)
	}
	wm, _, err = db.Watermark(ctx, inst.ID, crm.Call)
	if err != nil {
		t.Fatal(err)
	}
	if want := (query.Watermark{At: server.now.Add(-Overlap), Source: query.WatermarkServerClock}); wm != want {
		t.Errorf("call2__v watermark with a server clock %+v, want %+v", wm, want)
	}
}

// answerClockCRM is a CRM whose clock is known only once it has answered a
// call, as Vault's client learns it from the Date of its first answer.
type answerClockCRM struct {
	*file.CRM
	clock, now time.Time
}

func (c *answerClockCRM) ServerTime() time.Time { return c.now }

func (c *answerClockCRM) Fields(ctx context.Context, object string) ([]string, error) {
	c.now = c.clock
	return c.CRM.Fields(ctx, object)
}

// The import checks the credentials before its first export, so the first
// object's watermark is bounded by the CRM's clock as every other's is: a
// record stamped after the clock the export started at does not move the
// watermark past it.
func TestFirstExportBoundedByTheServerClock(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	cfg, db, files := importedFixture(t, now)
	inst := cfg.Settings.CRMInstances[0]
	// The fixture's accounts are stamped 2026-01-05T10:00:00Z, an hour after
	// the CRM's clock as its first answer gives it.
	server := &answerClockCRM{CRM: files, clock: time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)}
	if _, err := Import(ctx, db, cfg, []Source{{Instance: inst.ID, CRM: server, Countries: inst.SelectedCountries()}}, ImportOptions{Now: now, Full: true}); err != nil {
		t.Fatal(err)
	}
	wm, _, err := db.Watermark(ctx, inst.ID, crm.Account)
	if err != nil {
		t.Fatal(err)
	}
	if want := (query.Watermark{At: server.clock.Add(-Overlap), Source: query.WatermarkServerClock}); wm != want {
		t.Errorf("account__v watermark %+v, want %+v", wm, want)
	}
}
