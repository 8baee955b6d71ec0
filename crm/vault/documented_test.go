package vault_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alignctl/alignctl/crm"
	"github.com/alignctl/alignctl/crm/crmtest"
	"github.com/alignctl/alignctl/crm/vault"
	"github.com/alignctl/alignctl/crm/vaulttest"
)

// readCSV returns the export's rows, header first.
func readCSV(t *testing.T, ex crm.Export) [][]string {
	t.Helper()
	defer ex.Cleanup()
	header, rows := crmtest.ReadCSV(t, ex.Path)
	return append([][]string{header}, rows...)
}

// An export selects the active fields only, and reads Long Text whole.
func TestExportSelectsActiveFieldsAndLongTextWhole(t *testing.T) {
	s := vaulttest.New(vaulttest.WithClock(func() time.Time { return contractNow }),
		vaulttest.WithObject(crm.Account, "notes__c", "old__c"), vaulttest.WithFieldType(crm.Account, "notes__c", "LongText"),
		vaulttest.WithInactiveField(crm.Account, "old__c"))
	defer s.Close()
	long := strings.Repeat("Long text. ", 60)
	s.Seed(crm.Account, []map[string]string{{"id": "acc-1", "name__v": "A", "notes__c": long, "old__c": "stale"}})
	c := newVault(t, s, 0)
	ex, err := c.Export(context.Background(), crm.Account, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	rows := readCSV(t, ex)
	if slices.Contains(rows[0], "old__c") {
		t.Errorf("header %v selects the inactive old__c", rows[0])
	}
	i := slices.Index(rows[0], "notes__c")
	if i < 0 || rows[1][i] != long {
		t.Errorf("notes__c = %d characters, want all %d", len(rows[1][i]), len(long))
	}
}

// ExportAccounts reads an object's records by account, whatever their
// modified date, in VQL statements that stay within Vault's 50,000
// characters, each record once.
func TestExportAccountsBatchesWithinTheVQLLimit(t *testing.T) {
	s := vaulttest.New(vaulttest.WithClock(func() time.Time { return contractNow }))
	defer s.Close()
	var accounts []string
	var links []map[string]string
	for i := range 3000 {
		accounts = append(accounts, fmt.Sprintf("VAC0000000%05d", i))
	}
	for i := 0; i+1 < len(accounts); i += 100 {
		links = append(links, map[string]string{"id": fmt.Sprintf("ca-%d", i), "parent_account__v": accounts[i], "child_account__v": accounts[len(accounts)-1-i], "modified_date__v": "2020-01-01T00:00:00Z"})
	}
	links = append(links, map[string]string{"id": "ca-other", "parent_account__v": "VAC999", "child_account__v": "VAC998"})
	s.Seed(crm.ChildAccount, links)
	c := newVault(t, s, 0)
	ex, err := c.ExportAccounts(context.Background(), crm.ChildAccount, []string{"parent_account__v", "child_account__v"}, accounts)
	if err != nil {
		t.Fatal(err)
	}
	rows := readCSV(t, ex)
	if len(rows)-1 != len(links)-1 {
		t.Errorf("%d records, want %d (each once, not ca-other)", len(rows)-1, len(links)-1)
	}
	queries := 0
	for _, call := range s.Calls() {
		if call.Endpoint == vaulttest.EndpointQuery {
			queries++
			if call.Status != 200 || call.ResponseStatus != "SUCCESS" {
				t.Errorf("query refused: %+v", call)
			}
		}
	}
	if queries < 2 {
		t.Errorf("%d queries for %d accounts, want the list split under %d characters", queries, len(accounts), vault.MaxVQLLength)
	}
	ex, err = c.ExportAccounts(context.Background(), crm.ChildAccount, []string{"parent_account__v"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rows := readCSV(t, ex); len(rows) != 1 {
		t.Errorf("no accounts: %d rows, want the header only", len(rows))
	}
}

// ServerTime is Vault's clock, from the Date header of the fake's answers.
func TestServerTimeIsTheFakesClock(t *testing.T) {
	at := time.Date(2026, 5, 5, 5, 5, 5, 0, time.UTC)
	s := vaulttest.New(vaulttest.WithClock(func() time.Time { return at }))
	defer s.Close()
	c := newVault(t, s, 0)
	if _, err := c.Fields(context.Background(), crm.Territory); err != nil {
		t.Fatal(err)
	}
	if got := c.ServerTime(); !got.Equal(at) {
		t.Errorf("ServerTime = %v, want %v", got, at)
	}
}

// The 30-day window of deleted ids is measured on Vault's clock, not
// alignctl's: an import whose --now lags Vault's still sees the window end.
func TestDeletionWindowOnTheServersClock(t *testing.T) {
	server := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	s := vaulttest.New(vaulttest.WithClock(func() time.Time { return server }))
	defer s.Close()
	c, err := vault.New(vault.Config{BaseURL: s.URL(), APIVersion: "v25.2", Username: vaulttest.DefaultUsername, Password: vaulttest.DefaultPassword,
		HTTPClient: s.Client(), Now: func() time.Time { return server.AddDate(0, -4, 0) }, Sleep: noSleep})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Fields(context.Background(), crm.Territory); err != nil {
		t.Fatal(err)
	}
	if !c.DeletionsCover(server.AddDate(0, 0, -20)) || c.DeletionsCover(server.AddDate(0, 0, -31)) {
		t.Error("DeletionsCover is not measured on Vault's clock")
	}
	// A deletions export past the window sends no start_date Vault would
	// refuse.
	ex, err := c.Export(context.Background(), crm.Deletions, server.AddDate(0, 0, -31))
	if err != nil {
		t.Fatalf("deletions export past the window: %v", err)
	}
	ex.Cleanup()
}

// Past the Auth API burst limit a login fails with API_LIMIT_EXCEEDED until
// the next minute: the client waits the window out and logs in, rather
// than giving up for good.
func TestLoginWaitsOutTheAuthBurstLimit(t *testing.T) {
	var mu sync.Mutex
	at := contractNow
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return at }
	s := vaulttest.New(vaulttest.WithClock(clock), vaulttest.WithAuthBurstLimit(1))
	defer s.Close()
	c, err := vault.New(vault.Config{BaseURL: s.URL(), APIVersion: "v25.2", Username: vaulttest.DefaultUsername, Password: vaulttest.DefaultPassword,
		HTTPClient: s.Client(), Now: clock, Sleep: func(ctx context.Context, d time.Duration) error {
			mu.Lock()
			at = at.Add(d)
			mu.Unlock()
			return ctx.Err()
		}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Fields(context.Background(), crm.Territory); err != nil {
		t.Fatal(err)
	}
	s.ExpireSessions() // the next call logs in again, within the same minute
	if _, err := c.Fields(context.Background(), crm.Territory); err != nil {
		t.Fatalf("a login past the Auth API burst limit must wait for the next window: %v", err)
	}
	if waited := clock().Sub(contractNow); waited < vaulttest.AuthBurstWindow || waited > 2*vaulttest.AuthBurstWindow {
		t.Errorf("waited %v for the Auth API window, want about a minute", waited)
	}
}
