package reconcile

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alignctl/alignctl/crm"
	"github.com/alignctl/alignctl/crm/vault"
	"github.com/alignctl/alignctl/crm/vaulttest"
	"github.com/alignctl/alignctl/query"
	"github.com/alignctl/alignctl/schema"
)

// fakeClock is one clock for the fake Vault and the client: Vault's delays
// and the client's waits both move it, and nothing sleeps.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// throttledVault is the fixture's CRM in a fake Vault whose delays and the
// client's waits run on clock.
func throttledVault(t *testing.T, clock *fakeClock, opts ...vaulttest.Option) (*schema.Config, *vaulttest.Server, crm.Connector) {
	t.Helper()
	cfg, err := schema.LoadDir("../testdata/fixture/config")
	if err != nil {
		t.Fatal(err)
	}
	opts = append([]vaulttest.Option{vaulttest.WithUser("integration@example.com", "pw"), vaulttest.WithClock(clock.now),
		vaulttest.WithServerDelay(clock.advance)}, opts...)
	server := vaulttest.New(opts...)
	t.Cleanup(server.Close)
	if err := server.SeedFolder("../testdata/fixture/crm"); err != nil {
		t.Fatal(err)
	}
	conn, err := vault.New(vault.Config{BaseURL: server.URL(), APIVersion: "v25.2", Username: "integration@example.com", Password: "pw",
		HTTPClient: server.Client(), Now: clock.now,
		Sleep: func(ctx context.Context, d time.Duration) error { clock.advance(d); return ctx.Err() }})
	if err != nil {
		t.Fatal(err)
	}
	return cfg, server, conn
}

// Other integrations of a Vault share its burst limit, so an import often
// runs with the limit spent: Vault then delays every answer itself, and the
// import takes the sum of those delays, not twice that, and no pauses of
// its own on top.
func TestImportUnderLastingThrottlingWaitsOnlyTheServersDelays(t *testing.T) {
	const delay = 150 * time.Millisecond
	clock := &fakeClock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	cfg, server, conn := throttledVault(t, clock, vaulttest.WithResponseDelay(delay))
	server.SpendBurst(vaulttest.DefaultBurstLimit)
	db, err := query.Open(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	start := clock.now()
	inst := cfg.Settings.CRMInstances[0]
	if _, err := Import(context.Background(), db, cfg, []Source{{Instance: inst.ID, CRM: conn, Countries: inst.SelectedCountries()}}, ImportOptions{Now: start}); err != nil {
		t.Fatal(err)
	}
	throttled := 0
	for _, c := range server.Calls() {
		if c.Endpoint != vaulttest.EndpointAuth {
			throttled++
		}
	}
	took, served := clock.now().Sub(start), time.Duration(throttled)*delay
	if throttled == 0 || took < served || took > served+time.Second {
		t.Errorf("the import took %v for %d throttled calls; Vault's own delays add up to %v", took, throttled, served)
	}
}

// A spent daily limit stops the import with one line naming the instance
// and the limit, and the state is as it was.
func TestDailyLimitStopsTheImportCleanly(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	cfg, _, conn := throttledVault(t, clock, vaulttest.WithDailyLimit(5))
	ctx := context.Background()
	db, err := query.Open(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	before, err := db.Serial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	inst := cfg.Settings.CRMInstances[0]
	_, err = Import(ctx, db, cfg, []Source{{Instance: inst.ID, CRM: conn, Countries: inst.SelectedCountries()}}, ImportOptions{Now: clock.now()})
	if err == nil || !strings.Contains(err.Error(), "import "+inst.ID+" ") || !strings.Contains(err.Error(), "daily API limit") || !strings.Contains(err.Error(), "5-call") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("err = %v, want one line naming instance %s and the daily limit", err, inst.ID)
	}
	after, err := db.Serial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	first, err := db.FirstImport(ctx, inst.ID)
	if err != nil {
		t.Fatal(err)
	}
	if after != before || !first {
		t.Errorf("state changed by the failed import: serial %d -> %d, first import still ahead: %v", before, after, first)
	}
}
