package vaulttest

import (
	"slices"
	"time"
)

// Default credentials, vault and limits (see the options to change them).
const (
	DefaultUsername      = "integration.user@vaulttest.example"
	DefaultPassword      = "vaulttest-password"
	DefaultVaultID       = 1776
	DefaultPageSize      = 1000
	DefaultBurstLimit    = 2000
	DefaultResponseDelay = 500 * time.Millisecond // Vault Help, "API Usage": "delayed by 500ms"
	// BurstWindow is Vault's fixed burst window ("Vault API Rate Limits":
	// "a fixed 5-minute period").
	BurstWindow = 5 * time.Minute
	// AuthBurstWindow is the window of the Auth API burst limit ("in a one
	// (1) minute period").
	AuthBurstWindow = time.Minute
	// DeletionRetention is how long Vault lists a deleted record's id
	// ("Retrieve Deleted Object Record ID": "the past 30 days").
	DeletionRetention = 30 * 24 * time.Hour
	// MaxVQLLength is the longest VQL statement ("Execution Constraints":
	// 50,000 characters).
	MaxVQLLength = 50000
)

// Option configures a Server.
type Option func(*config)

type config struct {
	users         map[string]string
	userOrder     []string
	vaultID       int
	pageSize      int
	burstLimit    int
	responseDelay time.Duration
	clock         func() time.Time
	schema        map[string][]string
	lenientFields bool
	serve         func(time.Duration) // serves a throttled call's delay
	dailyLimit    int                 // 0: none (API v21.1 and later)
	authLimit     int                 // 0: none
	retention     time.Duration       // 0: deleted ids are listed forever
	fieldTypes    map[string]map[string]string
	inactive      map[string]map[string]bool
}

// WithUser adds a user who can log in. Without any, the one user is
// DefaultUsername with DefaultPassword.
func WithUser(username, password string) Option {
	return func(c *config) {
		if _, ok := c.users[username]; !ok {
			c.userOrder = append(c.userOrder, username)
		}
		c.users[username] = password
	}
}

// WithVaultID sets the vault's id (auth response, X-VaultAPI-VaultId).
func WithVaultID(id int) Option { return func(c *config) { c.vaultID = id } }

// WithPageSize sets the page size of query results (default 1000, Vault's),
// which is also the most a query's PAGESIZE may ask for.
func WithPageSize(n int) Option { return func(c *config) { c.pageSize = max(n, 1) } }

// WithBurstLimit sets the calls in a burst window (X-VaultAPI-BurstLimit).
// The window is fixed and measured on the server's clock (WithClock): it
// starts at the first call and a new one starts BurstWindow later, with the
// full limit again; ResetBurst starts one at once.
func WithBurstLimit(n int) Option { return func(c *config) { c.burstLimit = max(n, 0) } }

// WithResponseDelay sets how long Vault delays a call over the burst limit,
// which X-VaultAPI-ResponseDelay reports (default 500 ms, Vault Help's
// figure).
func WithResponseDelay(d time.Duration) Option { return func(c *config) { c.responseDelay = d } }

// WithServerDelay sets how the fake serves the delay of a throttled call
// before it answers: tests pass a function that moves their clock (tests
// never sleep). By default the delay is reported and not served.
func WithServerDelay(serve func(time.Duration)) Option { return func(c *config) { c.serve = serve } }

// WithDailyLimit gives the vault a daily API limit, as Vault had before API
// v21.1: every answer carries X-VaultAPI-DailyLimit and
// X-VaultAPI-DailyLimitRemaining, and once the day's calls (UTC days of the
// server's clock) are spent every call fails with API_LIMIT_EXCEEDED.
func WithDailyLimit(n int) Option { return func(c *config) { c.dailyLimit = max(n, 0) } }

// WithAuthBurstLimit sets the Auth API burst limit: logins in a one-minute
// window of the server's clock; past it a login fails with
// API_LIMIT_EXCEEDED until the next window ("Vault API Rate Limits").
func WithAuthBurstLimit(n int) Option { return func(c *config) { c.authLimit = max(n, 0) } }

// WithDeletionRetention sets how long deleted ids are listed (default
// DeletionRetention, Vault's 30 days; 0 lists them forever, for suites
// whose seeds are years old). A start_date or end_date further back than
// DeletionRetention is refused either way, as Vault refuses it.
func WithDeletionRetention(d time.Duration) Option {
	return func(c *config) { c.retention = max(d, 0) }
}

// WithFieldType gives a field a metadata type other than the default
// String: LongText and RichText values are cut to 250 characters unless the
// query selects them through LONGTEXT() or RICHTEXT().
func WithFieldType(object, field, typ string) Option {
	return func(c *config) {
		if c.fieldTypes[object] == nil {
			c.fieldTypes[object] = map[string]string{}
		}
		c.fieldTypes[object][field] = typ
	}
}

// WithInactiveField marks a field inactive in the object metadata (status
// ["inactive__v"]); it can still be queried.
func WithInactiveField(object, field string) Option {
	return func(c *config) {
		if c.inactive[object] == nil {
			c.inactive[object] = map[string]bool{}
		}
		c.inactive[object][field] = true
	}
}

// WithClock sets the clock that stamps modified_date__v and deleted_date
// (default time.Now).
func WithClock(now func() time.Time) Option { return func(c *config) { c.clock = now } }

// WithSchema replaces DefaultSchema: the objects the vault has, and their
// fields (id and modified_date__v are always added).
func WithSchema(schema map[string][]string) Option {
	return func(c *config) {
		c.schema = map[string][]string{}
		for k, v := range schema {
			c.schema[k] = slices.Clone(v)
		}
	}
}

// WithObject adds an object to the schema, or fields to one.
func WithObject(name string, fields ...string) Option {
	return func(c *config) { c.schema[name] = append(c.schema[name], fields...) }
}

// WithLenientFields makes a create or update that names a field the object
// lacks add the field to the object, as the file CRM does. By default such a
// record fails (INVALID_DATA), as Vault's does: Vault's objects have the
// fields their configuration gives them, and a write cannot add one.
func WithLenientFields() Option { return func(c *config) { c.lenientFields = true } }
