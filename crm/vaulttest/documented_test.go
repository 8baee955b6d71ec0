package vaulttest_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alignctl/alignctl/crm"
	"github.com/alignctl/alignctl/crm/vaulttest"
)

// movingClock is a clock a test moves; the fake serves its delays on it.
type movingClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *movingClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *movingClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// The burst window is fixed and measured on the server's clock: past the
// limit every answer is delayed (served on the clock, not slept), and
// BurstWindow after the window began the full limit is back.
func TestBurstWindowResetsOnTheServersClock(t *testing.T) {
	clk := &movingClock{t: now}
	s := vaulttest.New(vaulttest.WithClock(clk.now), vaulttest.WithBurstLimit(2), vaulttest.WithResponseDelay(150*time.Millisecond), vaulttest.WithServerDelay(clk.advance))
	t.Cleanup(s.Close)
	c := newClient(t, s)
	var got []string
	for range 4 {
		a := c.query("SELECT id FROM territory__v")
		got = append(got, a.header.Get("X-VaultAPI-BurstLimitRemaining")+"/"+a.header.Get("X-VaultAPI-ResponseDelay"))
	}
	if want := "1/ 0/ 0/150 0/150"; strings.Join(got, " ") != want {
		t.Errorf("remaining/delay = %v, want %v", got, want)
	}
	if d := clk.now().Sub(now); d != 300*time.Millisecond {
		t.Errorf("the server served %v of delays, want 300ms", d)
	}
	clk.advance(vaulttest.BurstWindow)
	if a := c.query("SELECT id FROM territory__v"); a.header.Get("X-VaultAPI-BurstLimitRemaining") != "1" || a.header.Get("X-VaultAPI-ResponseDelay") != "" {
		t.Errorf("after the window: %v", a.header)
	}
	if a := c.query("SELECT id FROM territory__v"); a.header.Get("Date") != clk.now().Format(http.TimeFormat) {
		t.Errorf("Date = %q, want the server's clock", a.header.Get("Date"))
	}
}

// The daily limit of API versions before v21.1: headers on every answer,
// API_LIMIT_EXCEEDED once spent, a new allowance on the next UTC day.
func TestDailyLimit(t *testing.T) {
	clk := &movingClock{t: now}
	s := vaulttest.New(vaulttest.WithClock(clk.now), vaulttest.WithDailyLimit(2))
	t.Cleanup(s.Close)
	c := newClient(t, s)
	a := c.query("SELECT id FROM territory__v")
	if a.header.Get("X-VaultAPI-DailyLimit") != "2" || a.header.Get("X-VaultAPI-DailyLimitRemaining") != "1" {
		t.Errorf("daily headers %v", a.header)
	}
	c.query("SELECT id FROM territory__v")
	wantFailure(t, "past the daily limit", c.query("SELECT id FROM territory__v"), vaulttest.ErrAPILimitExceeded)
	clk.advance(24 * time.Hour)
	wantSuccess(t, "the next day", c.query("SELECT id FROM territory__v"))
}

// The Auth API burst limit: logins past it fail until the next minute.
func TestAuthBurstLimit(t *testing.T) {
	clk := &movingClock{t: now}
	s := vaulttest.New(vaulttest.WithClock(clk.now), vaulttest.WithAuthBurstLimit(1))
	t.Cleanup(s.Close)
	c := newClient(t, s)
	wantFailure(t, "a second login in the minute", c.login(vaulttest.DefaultUsername, vaulttest.DefaultPassword), vaulttest.ErrAPILimitExceeded)
	clk.advance(vaulttest.AuthBurstWindow)
	wantSuccess(t, "a login in the next minute", c.login(vaulttest.DefaultUsername, vaulttest.DefaultPassword))
}

// CONTAINS tests a field against a list, OR joins conditions (AND binds
// tighter), IN lists are not VQL, and a statement has at most 50,000
// characters.
func TestVQLContainsOrAndLength(t *testing.T) {
	s := newServer(t)
	c := newClient(t, s)
	a := c.query("SELECT id FROM account_territory__v WHERE account__v CONTAINS ('acc-1') OR territory__v CONTAINS ('ter-9') AND account__v = 'acc-2'")
	if got := ids(a.data()); strings.Join(got, ",") != "at-1" {
		t.Errorf("CONTAINS ... OR ... AND: %v", got)
	}
	a = c.query("SELECT id FROM account_territory__v WHERE account__v CONTAINS ('acc-1') OR account__v CONTAINS ('acc-2')")
	if got := ids(a.data()); strings.Join(got, ",") != "at-1,at-2" {
		t.Errorf("OR: %v", got)
	}
	wantFailure(t, "an IN list", c.query("SELECT id FROM account__v WHERE id IN ('acc-1')"), vaulttest.ErrIncorrectQuerySyntax)
	long := "SELECT id FROM account__v WHERE id CONTAINS ('" + strings.Repeat("x", vaulttest.MaxVQLLength) + "')"
	wantFailure(t, "a statement past 50,000 characters", c.query(long), vaulttest.ErrInvalidData)
}

// Long Text and Rich Text values come back cut to 250 characters unless
// selected through LONGTEXT() or RICHTEXT(); metadata gives each field its
// type and status.
func TestLongTextAndFieldStatus(t *testing.T) {
	s := newServer(t, vaulttest.WithObject(crm.Account, "notes__c", "old__c"), vaulttest.WithFieldType(crm.Account, "notes__c", "LongText"),
		vaulttest.WithInactiveField(crm.Account, "old__c"))
	long := strings.Repeat("ab", 200)
	s.Seed(crm.Account, []map[string]string{{"id": "acc-9", "notes__c": long}})
	c := newClient(t, s)
	a := c.query("SELECT id, notes__c FROM account__v WHERE id = 'acc-9'")
	if v, _ := a.data()[0]["notes__c"].(string); v != long[:250] {
		t.Errorf("notes__c without LONGTEXT: %d characters, want 250", len(v))
	}
	a = c.query("SELECT id, LONGTEXT(notes__c) FROM account__v WHERE id = 'acc-9'")
	if v, _ := a.data()[0]["notes__c"].(string); v != long {
		t.Errorf("LONGTEXT(notes__c): %d characters, want %d", len(v), len(long))
	}
	req, _ := http.NewRequest("GET", s.URL()+"/api/v25.2/metadata/vobjects/account__v", nil)
	md := c.mustSend(req)
	fields, _ := md.body["object"].(map[string]any)["fields"].([]any)
	got := map[string]string{}
	for _, f := range fields {
		f := f.(map[string]any)
		got[f["name"].(string)] = fmt.Sprint(f["type"], f["status"])
	}
	if got["notes__c"] != "LongText[active__v]" || got["old__c"] != "String[inactive__v]" || got["id"] != "ID[active__v]" {
		t.Errorf("metadata types and status: %v", got)
	}
}

// An upsert naming one idParam value twice applies the first record and
// fails the others.
func TestUpsertDuplicateIDParam(t *testing.T) {
	s := newServer(t)
	c := newClient(t, s)
	req := c.jsonReq("POST", "/api/v24.1/vobjects/territory__v?idParam=external_id__v", []map[string]any{
		{"name__v": "A", "external_id__v": "k1"}, {"name__v": "B", "external_id__v": "k1"}})
	a := c.mustSend(req)
	wantSuccess(t, "upsert", a)
	res := a.data()
	if len(res) != 2 || res[0]["responseStatus"] != "SUCCESS" || res[1]["responseStatus"] != "FAILURE" {
		t.Errorf("results %s, want the duplicate failed", a.raw)
	}
}
