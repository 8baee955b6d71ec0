package vault_test

import (
	"context"
	"testing"
	"time"

	"github.com/alignctl/alignctl/crm"
	"github.com/alignctl/alignctl/crm/crmtest"
	"github.com/alignctl/alignctl/crm/vault"
	"github.com/alignctl/alignctl/crm/vaulttest"
)

var contractNow = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

func noSleep(context.Context, time.Duration) error { return nil }

func newVault(t *testing.T, s *vaulttest.Server, pageSize int) *vault.Client {
	t.Helper()
	c, err := vault.New(vault.Config{BaseURL: s.URL(), APIVersion: "v25.2", Username: vaulttest.DefaultUsername, Password: vaulttest.DefaultPassword,
		HTTPClient: s.Client(), Now: func() time.Time { return contractNow }, PageSize: pageSize, Sleep: noSleep})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The Vault connector passes the same contract suite as the file CRM,
// against the in-process fake Vault, with pages small enough to page.
func TestContract(t *testing.T) {
	crmtest.Run(t, func(t *testing.T, seed map[string][][]string) crm.Connector {
		// The suite seeds deletions from 2020, meant for any CRM: the fake
		// lists them however old (the 30-day window has tests of its own).
		s := vaulttest.New(vaulttest.WithClock(func() time.Time { return contractNow }), vaulttest.WithPageSize(2), vaulttest.WithDeletionRetention(0))
		t.Cleanup(s.Close)
		s.SeedTables(seed)
		return newVault(t, s, 2)
	})
}

// Vault lists deleted ids for 30 days: the connector says so, and reads
// every id of an object for the import to find older deletions by absence.
func TestDeletionWindowContract(t *testing.T) {
	crmtest.RunDeletionWindow(t, func(t *testing.T, seed map[string][][]string) crm.Connector {
		s := vaulttest.New(vaulttest.WithClock(func() time.Time { return contractNow }), vaulttest.WithPageSize(2))
		t.Cleanup(s.Close)
		s.SeedTables(seed)
		return newVault(t, s, 2)
	})
}

// Faults the client rides out: it retries, logs in again, and the write
// lands once.
func TestFaultsAgainstFakeVault(t *testing.T) {
	ctx := context.Background()
	recs := []crm.Record{{"name__v": "T-1"}, {"name__v": "T-2"}}
	tests := []struct {
		name   string
		arm    func(s *vaulttest.Server)
		wantOK bool
	}{
		{"5xx", func(s *vaulttest.Server) { s.FailNext(2, 503, vaulttest.Writes("territory__v")) }, true},
		{"connection reset", func(s *vaulttest.Server) { s.DropConnectionNext(1, vaulttest.Writes("territory__v")) }, true},
		{"malformed JSON", func(s *vaulttest.Server) { s.MalformedNext(1, vaulttest.Writes("territory__v")) }, true},
		{"expired session", func(s *vaulttest.Server) { s.ExpireSessions() }, true},
		{"burst limit", func(s *vaulttest.Server) { s.BurstExhausted(2, vaulttest.NotAuth) }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := vaulttest.New(vaulttest.WithClock(func() time.Time { return contractNow }))
			defer s.Close()
			c := newVault(t, s, 0)
			if _, err := c.Fields(ctx, "territory__v"); err != nil { // logs in
				t.Fatal(err)
			}
			tt.arm(s)
			res, err := c.Create(ctx, "territory__v", recs)
			if err != nil {
				t.Fatalf("create: %v", err)
			}
			for _, r := range res {
				if r.Err != nil {
					t.Fatalf("record failed: %v", r.Err)
				}
			}
			if n := len(s.Rows("territory__v")); n != 2 {
				t.Fatalf("%d territory__v rows, want exactly 2", n)
			}
		})
	}
}

// A per-record FAILURE inside a batch fails that record only.
func TestPerRecordFailure(t *testing.T) {
	ctx := context.Background()
	s := vaulttest.New(vaulttest.WithClock(func() time.Time { return contractNow }))
	defer s.Close()
	stop := s.FailRecords("account_territory__v", func(r map[string]string) bool { return r["account__v"] == "A2" }, "INVALID_DATA")
	defer stop()
	c := newVault(t, s, 0)
	res, err := c.Create(ctx, "account_territory__v", []crm.Record{
		{"account__v": "A1", "territory__v": "T"}, {"account__v": "A2", "territory__v": "T"}, {"account__v": "A3", "territory__v": "T"}})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Err != nil || res[1].Err == nil || res[2].Err != nil {
		t.Fatalf("results %+v: want only the second to fail", res)
	}
	if n := len(s.Rows("account_territory__v")); n != 2 {
		t.Fatalf("%d rows, want 2", n)
	}
}
