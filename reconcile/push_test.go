package reconcile

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/alignctl/alignctl/crm"
	"github.com/alignctl/alignctl/crm/crmtest"
	"github.com/alignctl/alignctl/crm/file"
	"github.com/alignctl/alignctl/query"
	"github.com/alignctl/alignctl/schema"
)

// failingCRM fails every create after the first n calls, as a CRM that goes
// away half-way through a push.
type failingCRM struct {
	crm.Connector
	creates, n int
}

func (f *failingCRM) Create(ctx context.Context, object string, recs []crm.Record) ([]crm.Result, error) {
	f.creates++
	if f.creates > f.n {
		return nil, errors.New("connection reset by peer")
	}
	return f.Connector.Create(ctx, object, recs)
}

// importedFixture is the fixture's config, and an in-memory state that
// imported its CRM snapshot at now from a copy the test may write to (the
// file CRM returned).
func importedFixture(t *testing.T, now time.Time) (*schema.Config, *query.DB, *file.CRM) {
	t.Helper()
	ctx := context.Background()
	cfg, err := schema.LoadDir("../testdata/fixture/config")
	if err != nil {
		t.Fatal(err)
	}
	files := file.New(t.TempDir(), func() time.Time { return now })
	if err := os.CopyFS(files.Dir(), os.DirFS("../testdata/fixture/crm")); err != nil {
		t.Fatal(err)
	}
	db, err := query.Open(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	inst := cfg.Settings.CRMInstances[0]
	if _, err := Import(ctx, db, cfg, []Source{{Instance: inst.ID, CRM: files, Countries: inst.SelectedCountries()}}, ImportOptions{Now: now}); err != nil {
		t.Fatal(err)
	}
	return cfg, db, files
}

// A push interrupted half-way and run again creates no duplicates: each
// batch's results are committed before the next batch is sent.
func TestInterruptedPushCreatesNoDuplicates(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	cfg, db, files := importedFixture(t, now)
	dir, inst := files.Dir(), cfg.Settings.CRMInstances[0]
	p, err := MakePlan(ctx, db, cfg, PlanOptions{Now: now, Config: ConfigRef{Hash: cfg.Hash}})
	if err != nil {
		t.Fatal(err)
	}
	if err := Apply(ctx, db, cfg, p); err != nil {
		t.Fatal(err)
	}

	// Batches of 2: territories, then account territories; the CRM goes
	// away after three create calls.
	flaky := &failingCRM{Connector: files, n: 3}
	conns := map[string]crm.Connector{inst.ID: flaky}
	_, err = Push(ctx, db, cfg, cfg.Settings.CRMInstances, conns, PushOptions{Now: now, BatchSize: 2})
	var failed *PushFailedError
	if !errors.As(err, &failed) {
		t.Fatalf("first push: %v, want some records failed", err)
	}
	if n := countRows(t, filepath.Join(dir, "account_territory__v.csv")); n == 1+7 {
		t.Fatalf("the first push wrote everything; the test needs it cut short")
	}

	// The CRM is back: the second push completes it, writing each record once.
	rep, err := Push(ctx, db, cfg, cfg.Settings.CRMInstances, map[string]crm.Connector{inst.ID: files}, PushOptions{Now: now, BatchSize: 2})
	if err != nil {
		t.Fatalf("second push: %v (%v)", err, rep.Failures)
	}
	if n := countRows(t, filepath.Join(dir, "account_territory__v.csv")); n != 1+7 {
		t.Fatalf("account_territory__v has %d rows, want the self-assignment and 7 pushed", n)
	}
	seen := map[string]bool{}
	for _, r := range readRows(t, filepath.Join(dir, "account_territory__v.csv")) {
		key := r[1] + "/" + r[2]
		if seen[key] {
			t.Fatalf("duplicate account_territory__v for %s", key)
		}
		seen[key] = true
	}
	if n := countRows(t, filepath.Join(dir, "territory__v.csv")); n != 2+3 {
		t.Fatalf("territory__v has %d rows, want 2 + 3 created", n)
	}
}

func readRows(t *testing.T, path string) [][]string {
	t.Helper()
	_, rows := crmtest.ReadCSV(t, path)
	return rows
}

func countRows(t *testing.T, path string) int { return len(readRows(t, path)) }

// A push sends the file CRM large batches, Vault (or any connector that
// does not say) 500, and the option wins over both.
func TestBatchSize(t *testing.T) {
	files := file.New(t.TempDir(), nil)
	plain := &failingCRM{Connector: files} // a Connector, not a Batcher
	for _, tc := range []struct {
		name   string
		option int
		conn   crm.Connector
		want   int
	}{
		{"file CRM", 0, files, files.BatchSize()},
		{"connector without a size", 0, plain, 500},
		{"option over the file CRM", 2, files, 2},
		{"option over the default", 7, plain, 7},
	} {
		if got := batchSize(tc.option, tc.conn); got != tc.want {
			t.Errorf("%s: batchSize(%d) = %d, want %d", tc.name, tc.option, got, tc.want)
		}
	}
	if files.BatchSize() <= 500 {
		t.Errorf("the file CRM's batch is %d, no larger than Vault's", files.BatchSize())
	}
}
