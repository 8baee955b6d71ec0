package reconcile

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/alignctl/alignctl/crm"
	"github.com/alignctl/alignctl/crm/vault"
	"github.com/alignctl/alignctl/crm/vaulttest"
	"github.com/alignctl/alignctl/query"
	"github.com/alignctl/alignctl/schema"
)

// expireAfter logs every Vault session out after the nth create call: a
// session that expires half-way through a push.
type expireAfter struct {
	crm.Connector
	server *vaulttest.Server
	n      int
}

func (e *expireAfter) Create(ctx context.Context, object string, recs []crm.Record) ([]crm.Result, error) {
	res, err := e.Connector.Create(ctx, object, recs)
	if e.n--; e.n == 0 {
		e.server.ExpireSessions()
	}
	return res, err
}

// TestPushFaultMatrix pushes the fixture's plan (3 territories, 7 account
// territories) through the Vault client to the fake Vault with one fault
// armed, then pushes again with the fault gone. Whatever the fault, the
// CRM ends with exactly the intended records: none lost, none duplicated,
// and a third push has nothing to do. docs/reliability.md lists the rows.
func TestPushFaultMatrix(t *testing.T) {
	writesAT := vaulttest.Writes(crm.AccountTerritory)
	tests := []struct {
		name string
		arm  func(s *vaulttest.Server) (stop func())
		// wrap, when set, wraps the connector of the first push.
		wrap func(s *vaulttest.Server, c crm.Connector) crm.Connector
		// firstFails says the first push must report failed records.
		firstFails bool
	}{
		{name: "http 5xx", arm: func(s *vaulttest.Server) func() { s.FailNext(2, http.StatusServiceUnavailable, writesAT); return nil }},
		{name: "http 5xx beyond the retries", firstFails: true,
			arm: func(s *vaulttest.Server) func() { s.FailNext(50, http.StatusBadGateway, writesAT); return nil }},
		{name: "connection reset", arm: func(s *vaulttest.Server) func() { s.DropConnectionNext(2, writesAT); return nil }},
		{name: "timeout", arm: func(s *vaulttest.Server) func() { s.DelayNext(1, 2*time.Second, writesAT); return nil }},
		{name: "malformed JSON", arm: func(s *vaulttest.Server) func() { s.MalformedNext(2, writesAT); return nil }},
		{name: "burst limit", arm: func(s *vaulttest.Server) func() { s.BurstExhausted(5, vaulttest.NotAuth); return nil }},
		{name: "session expired half-way",
			wrap: func(s *vaulttest.Server, c crm.Connector) crm.Connector {
				return &expireAfter{Connector: c, server: s, n: 2}
			}},
		{name: "per-record failure in a batch", firstFails: true,
			arm: func(s *vaulttest.Server) func() {
				return s.FailRecords(crm.AccountTerritory, func(r map[string]string) bool { return r["account__v"] == "A02" }, "INVALID_DATA")
			}},
		{name: "batch applied, response lost", arm: func(s *vaulttest.Server) func() { s.LoseResponseNext(1, 0, writesAT); return nil }},
		{name: "batch applied, response lost, every retry too", firstFails: true,
			arm: func(s *vaulttest.Server) func() { s.LoseResponseNext(50, http.StatusBadGateway, writesAT); return nil }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
			cfg, db, server, conn := faultSetup(t, now)
			inst := cfg.Settings.CRMInstances[0]

			var stop func()
			if tc.arm != nil {
				stop = tc.arm(server)
			}
			first := conn
			if tc.wrap != nil {
				first = tc.wrap(server, conn)
			}
			_, err := Push(ctx, db, cfg, cfg.Settings.CRMInstances, map[string]crm.Connector{inst.ID: first}, PushOptions{Now: now, BatchSize: 2})
			var failed *PushFailedError
			switch {
			case tc.firstFails && !errors.As(err, &failed):
				t.Fatalf("first push: %v, want failed records kept for the next push", err)
			case !tc.firstFails && err != nil:
				t.Fatalf("first push: %v, want it to ride the fault out", err)
			}
			if stop != nil {
				stop()
			}
			server.ClearFaults()
			reimport(t, db, cfg, conn, now)

			// The fault is gone: the next push completes the work.
			later := now.Add(time.Hour)
			rep, err := Push(ctx, db, cfg, cfg.Settings.CRMInstances, map[string]crm.Connector{inst.ID: conn}, PushOptions{Now: later, BatchSize: 2})
			if err != nil {
				t.Fatalf("second push: %v (%v)", err, rep.Failures)
			}
			reimport(t, db, cfg, conn, later)
			checkExactlyIntended(t, server)

			// Nothing is left to do.
			rep, err = Push(ctx, db, cfg, cfg.Settings.CRMInstances, map[string]crm.Connector{inst.ID: conn}, PushOptions{Now: later.Add(time.Hour), BatchSize: 2})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range rep.Objects {
				if c.Created+c.Updated+c.Deleted+c.Failed > 0 {
					t.Errorf("third push wrote %+v, want nothing", c)
				}
			}
		})
	}
}

// faultSetup imports the fixture's CRM into a fake Vault and a state, and
// applies the fixture's plan: 3 territories and 7 account territories to
// push. The client retries without waiting.
func faultSetup(t *testing.T, now time.Time) (*schema.Config, *query.DB, *vaulttest.Server, crm.Connector) {
	t.Helper()
	ctx := context.Background()
	cfg, err := schema.LoadDir("../testdata/fixture/config")
	if err != nil {
		t.Fatal(err)
	}
	server := vaulttest.New(vaulttest.WithUser("integration@example.com", "pw"), vaulttest.WithClock(func() time.Time { return now }))
	t.Cleanup(server.Close)
	if err := server.SeedFolder("../testdata/fixture/crm"); err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Timeout: 500 * time.Millisecond}
	conn, err := vault.New(vault.Config{BaseURL: server.URL(), APIVersion: "v25.2", Username: "integration@example.com", Password: "pw",
		HTTPClient: client, Now: func() time.Time { return now }, RetryMax: 3,
		Sleep: func(ctx context.Context, _ time.Duration) error { return ctx.Err() }})
	if err != nil {
		t.Fatal(err)
	}
	db, err := query.Open(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	reimport(t, db, cfg, conn, now)
	p, err := MakePlan(ctx, db, cfg, PlanOptions{Now: now, Config: ConfigRef{Hash: cfg.Hash}})
	if err != nil {
		t.Fatal(err)
	}
	if err := Apply(ctx, db, cfg, p); err != nil {
		t.Fatal(err)
	}
	return cfg, db, server, conn
}

// reimport reads the CRM into the state, as every push does after writing.
func reimport(t *testing.T, db *query.DB, cfg *schema.Config, conn crm.Connector, now time.Time) {
	t.Helper()
	inst := cfg.Settings.CRMInstances[0]
	_, err := Import(context.Background(), db, cfg, []Source{{Instance: inst.ID, CRM: conn, Countries: inst.SelectedCountries()}}, ImportOptions{Now: now})
	if err != nil {
		t.Fatal(err)
	}
}

// checkExactlyIntended asserts the fake Vault holds the intended records
// once each: the seeded self-assignment plus the 7 pushed account
// territories, and the 2 seeded territories plus the 3 pushed.
func checkExactlyIntended(t *testing.T, s *vaulttest.Server) {
	t.Helper()
	names := map[string]string{}
	seenTerritory := map[string]bool{}
	for _, r := range s.Rows(crm.Territory) {
		names[r["id"]] = r["name__v"]
		if seenTerritory[r["name__v"]] {
			t.Errorf("territory__v %s twice", r["name__v"])
		}
		seenTerritory[r["name__v"]] = true
	}
	if len(seenTerritory) != 5 {
		t.Errorf("territory__v: %d records, want 5 (%v)", len(seenTerritory), seenTerritory)
	}
	want := []string{"A01/ONC-101", "A02/ONC-101", "A09/ONC-101", "A10/ONC-101", "A04/ONC-102", "A05/ONC-102", "A06/ONC-102", "A03/LEGACY-9"}
	got := map[string]int{}
	for _, r := range s.Rows(crm.AccountTerritory) {
		got[r["account__v"]+"/"+names[r["territory__v"]]]++
	}
	for _, k := range want {
		if got[k] != 1 {
			t.Errorf("account_territory__v %s: %d records, want 1", k, got[k])
		}
		delete(got, k)
	}
	for k, n := range got {
		t.Errorf("account_territory__v %s: %d records, want none", k, n)
	}
}
