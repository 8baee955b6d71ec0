package vault

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/alignctl/alignctl/crm"
)

// Defaults of Config.
const (
	MaxBatchSize        = 500 // Vault's documented maximum per bulk object call
	DefaultRetryMax     = 4
	DefaultRetryWaitMin = 1 * time.Second
	DefaultRetryWaitMax = 30 * time.Second
	DefaultTimeout      = 5 * time.Minute // per HTTP attempt, when Config.HTTPClient is nil
)

// Config says which Vault to talk to and how.
type Config struct {
	// BaseURL is the Vault's address, https://{vaultDNS}.
	BaseURL string
	// APIVersion is the version in every path, e.g. v25.2 ("25.2" is read as v25.2).
	APIVersion string
	// VaultID, when set, is the vaultId the auth call must return.
	VaultID string
	// Username and Password are the integration user's (see CredentialsFromEnv).
	Username, Password string

	// HTTPClient sends the requests; nil means a client with DefaultTimeout.
	HTTPClient *http.Client
	// Now is the clock (the 30-day window of deleted records); nil means time.Now.
	Now func() time.Time
	// BatchSize is the number of records per create/update/delete call:
	// 0 means MaxBatchSize, more than MaxBatchSize is an error.
	BatchSize int
	// PageSize, when positive, adds PAGESIZE to the export queries and limit
	// to the deleted-records calls; 0 leaves Vault's defaults.
	PageSize int
	// RetryMax is the number of retries of a failed call: 0 means
	// DefaultRetryMax, a negative number means none.
	RetryMax int
	// RetryWaitMin and RetryWaitMax bound the exponential backoff between
	// retries; 0 means the defaults.
	RetryWaitMin, RetryWaitMax time.Duration
	// Sleep waits between retries and when Vault asks to slow down; it
	// returns early with ctx's error. nil means a timer.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Client is a Vault CRM over the Vault REST API. It implements
// crm.Connector and is safe for concurrent use.
type Client struct {
	base     *url.URL
	version  string
	vaultID  string
	username string
	password string
	now      func() time.Time
	sleep    func(context.Context, time.Duration) error
	batch    int
	pageSize int
	retryMax int
	waitMin  time.Duration
	waitMax  time.Duration
	http     *retryablehttp.Client

	login   chan struct{} // a one-slot semaphore: one login at a time
	mu      sync.Mutex    // guards sid, refused and secrets
	sid     string        // the current session id, "" before login
	refused error         // the login Vault refused: never tried again
	secrets []string      // the password and every session id: never in an error

	// What Vault's latest response said about its clock and limits.
	serverTime time.Time // its Date header
	windowEnd  time.Time // when the current burst window ends, on Vault's clock
	burstLeft  int       // X-VaultAPI-BurstLimitRemaining
	dailySpent bool      // X-VaultAPI-DailyLimitRemaining reached 0
	dailyLimit string    // X-VaultAPI-DailyLimit, as sent
}

var _ crm.ServerClock = (*Client)(nil)

// ServerTime is Vault's clock as the Date header of its latest response
// said (to the second); zero before the first response.
func (c *Client) ServerTime() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.serverTime
}

// serverNow is Vault's clock when known, else Config.Now.
func (c *Client) serverNow() time.Time {
	if t := c.ServerTime(); !t.IsZero() {
		return t
	}
	return c.now()
}

var _ crm.Connector = (*Client)(nil)

var versionRe = regexp.MustCompile(`^v[0-9]+\.[0-9]+$`)

// New checks cfg and returns a client. It does not call Vault: the first
// call logs in.
func New(cfg Config) (*Client, error) {
	base, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
	if err != nil {
		return nil, errors.New("vault: the base url is not a URL: want https://{vaultDNS}")
	}
	if base.Scheme == "" || base.Host == "" {
		return nil, fmt.Errorf("vault: base url %q: want https://{vaultDNS}", base.Redacted())
	}
	if base.Scheme != "https" && !(base.Scheme == "http" && loopback(base.Hostname())) {
		// The login form carries the password and every call the session
		// id: in clear text only to this machine (tests, local fakes).
		return nil, fmt.Errorf("vault: base url %q: the scheme must be https (http only for loopback hosts: 127.0.0.0/8, ::1, localhost): check the CRM instance's url", base.Redacted())
	}
	if base.User != nil || base.RawQuery != "" || base.Fragment != "" {
		return nil, fmt.Errorf("vault: base url %q: want scheme and host only", base.Redacted())
	}
	version := cfg.APIVersion
	if version != "" && !strings.HasPrefix(version, "v") {
		version = "v" + version
	}
	if !versionRe.MatchString(version) {
		return nil, fmt.Errorf("vault: api version %q: want v{YY}.{N}, e.g. v25.2", cfg.APIVersion)
	}
	if cfg.Username == "" || cfg.Password == "" {
		return nil, errors.New("vault: a username and a password are required")
	}
	c := &Client{
		base:     base,
		version:  version,
		vaultID:  cfg.VaultID,
		username: cfg.Username,
		password: cfg.Password,
		now:      cfg.Now,
		sleep:    cfg.Sleep,
		batch:    cfg.BatchSize,
		pageSize: cfg.PageSize,
		retryMax: cfg.RetryMax,
		waitMin:  cfg.RetryWaitMin,
		waitMax:  cfg.RetryWaitMax,
		login:    make(chan struct{}, 1),
		secrets:  []string{cfg.Password},
	}
	switch {
	case c.batch == 0:
		c.batch = MaxBatchSize
	case c.batch < 0 || c.batch > MaxBatchSize:
		return nil, fmt.Errorf("vault: batch size %d: Vault takes 1 to %d records per call", c.batch, MaxBatchSize)
	}
	if c.pageSize < 0 {
		return nil, fmt.Errorf("vault: page size %d is negative", c.pageSize)
	}
	switch {
	case c.retryMax == 0:
		c.retryMax = DefaultRetryMax
	case c.retryMax < 0:
		c.retryMax = 0
	}
	if c.waitMin <= 0 {
		c.waitMin = DefaultRetryWaitMin
	}
	if c.waitMax <= 0 {
		c.waitMax = DefaultRetryWaitMax
	}
	if c.waitMax < c.waitMin {
		c.waitMax = c.waitMin
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.sleep == nil {
		c.sleep = sleepTimer
	}
	var hc http.Client // a copy: the redirect policy is ours
	if cfg.HTTPClient != nil {
		hc = *cfg.HTTPClient
	} else {
		hc.Timeout = DefaultTimeout
	}
	hc.CheckRedirect = sameHostRedirects(hc.CheckRedirect)
	c.http = &retryablehttp.Client{
		HTTPClient:   &hc,
		Logger:       nil, // never log: requests carry the session id and the password
		RetryWaitMin: c.waitMin,
		RetryWaitMax: c.waitMax,
		RetryMax:     c.retryMax,
		CheckRetry:   c.checkRetry,
		// The waits happen in checkRetry through Config.Sleep, so that they
		// are injectable; retryablehttp's own timer gets zero.
		Backoff:      func(time.Duration, time.Duration, int, *http.Response) time.Duration { return 0 },
		ErrorHandler: giveUp,
	}
	return c, nil
}

// loopback reports whether host names this machine only: localhost, an
// address in 127.0.0.0/8, or ::1.
func loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// CredentialsFromEnv reads <PREFIX>_USERNAME and <PREFIX>_PASSWORD with
// getenv (nil means os.Getenv). The error names the variables, never a value.
func CredentialsFromEnv(prefix string, getenv func(string) string) (username, password string, err error) {
	if prefix == "" {
		return "", "", errors.New("vault credentials: credentials_env is empty: set it to the prefix of <PREFIX>_USERNAME and <PREFIX>_PASSWORD")
	}
	if getenv == nil {
		getenv = os.Getenv
	}
	un, pn := prefix+"_USERNAME", prefix+"_PASSWORD"
	username, password = getenv(un), getenv(pn)
	var missing []string
	if username == "" {
		missing = append(missing, un)
	}
	if password == "" {
		missing = append(missing, pn)
	}
	switch len(missing) {
	case 0:
		return username, password, nil
	case 1:
		return "", "", fmt.Errorf("vault credentials: environment variable %s is not set (credentials_env %s): set it to the integration user's %s",
			missing[0], prefix, strings.ToLower(strings.TrimPrefix(missing[0], prefix+"_")))
	default:
		return "", "", fmt.Errorf("vault credentials: environment variables %s and %s are not set (credentials_env %s): set them to the integration user's username and password",
			un, pn, prefix)
	}
}

// sameHostRedirects follows redirects on the Vault's own host only (then as
// next would); a redirect elsewhere comes back as the 3xx response, which
// checkRetry turns into an error. A login redirected elsewhere would
// otherwise carry the password there.
func sameHostRedirects(next func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if req.URL.Host != via[0].URL.Host || req.URL.Scheme != via[0].URL.Scheme {
			return http.ErrUseLastResponse
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
}

func sleepTimer(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// endpoint is the URL of /api/{version}/{parts...}; parts are path
// segments, escaped here.
func (c *Client) endpoint(query url.Values, parts ...string) string {
	u := c.base.JoinPath(append([]string{"api", c.version}, parts...)...)
	if len(query) > 0 {
		u.RawQuery = query.Encode()
	}
	return u.String()
}

// session returns the current session id, logging in when there is none.
func (c *Client) session(ctx context.Context) (string, error) {
	c.mu.Lock()
	sid := c.sid
	c.mu.Unlock()
	if sid != "" {
		return sid, nil
	}
	select {
	case c.login <- struct{}{}:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	defer func() { <-c.login }()
	c.mu.Lock()
	sid, refused := c.sid, c.refused
	c.mu.Unlock()
	if sid != "" { // another caller logged in while this one waited
		return sid, nil
	}
	if refused != nil {
		return "", refused
	}
	sid, err := c.logIn(ctx)
	if err != nil {
		var r *refusedLogin
		if errors.As(err, &r) && r.final {
			c.mu.Lock()
			c.refused = err
			c.mu.Unlock()
		}
		return "", err
	}
	c.mu.Lock()
	c.sid = sid
	c.mu.Unlock()
	return sid, nil
}

// logIn authenticates, trying again with backoff while Vault's refusal is
// one that passes: an EXCEPTION (a system error), the Auth API burst limit
// (a one-minute window), any error type that is not about the credentials.
// A refusal of the credentials is final at once: repeated wrong passwords
// lock the user out.
func (c *Client) logIn(ctx context.Context) (string, error) {
	wait := c.waitMin
	for n := 0; ; n++ {
		sid, err := c.authenticate(ctx)
		var r *refusedLogin
		if err == nil || !errors.As(err, &r) || r.final || n >= c.retryMax {
			return sid, err
		}
		pause := wait
		if r.err != nil && r.err.Has(APILimitExceeded) {
			// The Auth API burst limit is a one-minute window: sooner is
			// refused again.
			pause = max(pause, authBurstWindow)
		}
		if err := c.sleep(ctx, pause); err != nil {
			return "", err
		}
		wait = min(2*wait, c.waitMax)
	}
}

// credentialErrors are the login refusals that trying again cannot mend
// ("Errors" and "Authentication" in the Vault API reference).
var credentialErrors = []string{
	"USERNAME_OR_PASSWORD_INCORRECT",
	"NO_PASSWORD_PROVIDED",
	"PASSWORD_CHANGE_REQUIRED",
	"USER_LOCKED_OUT",
	"INACTIVE_USER",
	"INSUFFICIENT_ACCESS",
}

// expire forgets sid, unless another caller has already replaced it.
func (c *Client) expire(sid string) {
	c.mu.Lock()
	if c.sid == sid {
		c.sid = ""
	}
	c.mu.Unlock()
}

// authenticate is Vault's "User Name and Password" auth call:
// POST /api/{version}/auth, form username & password -> sessionId.
func (c *Client) authenticate(ctx context.Context) (string, error) {
	form := url.Values{"username": {c.username}, "password": {c.password}}
	u := c.endpoint(nil, "auth")
	env, err := c.send(ctx, http.MethodPost, u, "", "application/x-www-form-urlencoded", []byte(form.Encode()))
	if err != nil {
		return "", c.redactErr(fmt.Errorf("vault: logging in to %s as %s: %w", c.base.Host, c.username, err))
	}
	if !env.ok() || env.SessionID == "" {
		e := c.apiError(http.MethodPost, u, env)
		if env.ok() {
			e.Errors = append(e.Errors, Error{Type: "NO_SESSION_ID", Message: "the auth response has no sessionId"})
		}
		final := slices.ContainsFunc(credentialErrors, e.Has)
		what := "check the integration user's credentials"
		if !final {
			what = "Vault may recover: run the command again later"
		}
		return "", &refusedLogin{final: final, msg: fmt.Sprintf("vault: logging in to %s as %s failed: %s: %s", c.base.Host, c.username, e.detail(), what), err: e}
	}
	c.mu.Lock()
	c.secrets = append(c.secrets, env.SessionID)
	c.mu.Unlock()
	if err := c.checkVault(env); err != nil {
		return "", err
	}
	return env.SessionID, nil
}

// checkVault refuses a session for another Vault than the one configured.
// A user who cannot log in to the Vault of the URL gets a session for the
// "most relevant" Vault they can reach ("Authentication Defaulting" in the
// Vault API reference, which asks clients to compare the vaultId with the
// vaultIds list and the DNS): vaultId must be the entry of vaultIds whose
// url is on the configured host, and Config.VaultID when set.
func (c *Client) checkVault(env *envelope) error {
	got := scalar(env.VaultID)
	host := ""
	for _, v := range env.VaultIDs {
		if scalar(v.ID) != got {
			continue
		}
		if u, err := url.Parse(v.URL); err == nil {
			host = u.Host
		}
	}
	refuse := func(why string) error {
		return &refusedLogin{final: true, msg: fmt.Sprintf("vault: logged in to %s as %s, but %s: refusing to use another Vault; check the CRM instance's url and vault_id, and that the user can log in to that Vault", c.base.Host, c.username, why)}
	}
	switch {
	case got == "":
		return refuse("the auth response names no vaultId")
	case host == "":
		return refuse(fmt.Sprintf("Vault answered for vault %s, which its vaultIds list gives no url", got))
	case !strings.EqualFold(host, c.base.Host):
		return refuse(fmt.Sprintf("Vault answered for vault %s at %s", got, host))
	case c.vaultID != "" && got != c.vaultID:
		return refuse(fmt.Sprintf("Vault answered for vault id %q, and the CRM instance's vault_id is %q", got, c.vaultID))
	}
	return nil
}

// refusedLogin is a login Vault answered and refused (or a vault id
// mismatch): trying again would fail the same way, and repeated wrong
// passwords lock the user out.
type refusedLogin struct {
	final bool // the credentials or the Vault are wrong: never tried again
	msg   string
	err   *APIError // when Vault answered with one
}

func (e *refusedLogin) Error() string { return e.msg }
func (e *refusedLogin) Unwrap() error {
	if e.err == nil {
		return nil
	}
	return e.err
}

// authBurstWindow is the window of the Auth API burst limit ("Vault API
// Rate Limits": "in a one (1) minute period").
const authBurstWindow = time.Minute

// call sends an authenticated request and returns Vault's response,
// whatever its responseStatus. A response of type INVALID_SESSION_ID logs in
// again and sends the request once more.
func (c *Client) call(ctx context.Context, method, u, contentType string, body []byte) (*envelope, error) {
	for again := true; ; again = false {
		if err := c.dailyLimitSpent(); err != nil {
			return nil, err
		}
		sid, err := c.session(ctx)
		if err != nil {
			return nil, c.redactErr(err)
		}
		env, err := c.send(ctx, method, u, sid, contentType, body)
		if err != nil {
			return nil, c.redactErr(fmt.Errorf("vault: %w", err))
		}
		if again && env.has(InvalidSessionID) {
			c.expire(sid)
			continue
		}
		if env.has(APILimitExceeded) {
			c.mu.Lock()
			c.dailySpent = true
			c.mu.Unlock()
			return nil, c.dailyLimitSpent()
		}
		return env, nil
	}
}

// dailyLimitSpent is the error of every call once Vault said its daily API
// limit is spent: nothing more is sent, so that the command stops cleanly.
func (c *Client) dailyLimitSpent() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.dailySpent {
		return nil
	}
	limit := "its"
	if c.dailyLimit != "" {
		limit = "the " + c.dailyLimit + "-call"
	}
	return fmt.Errorf("vault: %s: Vault's daily API limit is spent (%s daily limit, shared by every integration of the Vault): nothing more is sent; run the command again once the limit resets (Admin > Settings > Logs > API Usage Logs)", c.base.Host, limit)
}

// redact removes the password and every session id from s.
func (c *Client) redact(s string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, secret := range c.secrets {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, "[redacted]")
		}
	}
	return s
}

// redactErr returns err, or, when its text holds a secret, an error with
// the secret removed that still satisfies errors.Is for context.Canceled and
// context.DeadlineExceeded (and for nothing that could print the secret).
func (c *Client) redactErr(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	clean := c.redact(msg)
	if clean == msg {
		return err
	}
	r := &redactedError{msg: clean}
	for _, sentinel := range []error{context.Canceled, context.DeadlineExceeded} {
		if errors.Is(err, sentinel) {
			r.cause = sentinel
		}
	}
	return r
}

type redactedError struct {
	msg   string
	cause error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.cause }

// scalar is a JSON scalar as text: a string unquoted, a number as written.
// Anything else comes back as its JSON text, made valid UTF-8 (strings
// inside it keep their bytes), since it may land in a snapshot CSV.
func scalar(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	if string(raw) == "null" {
		return ""
	}
	return strings.ToValidUTF8(string(raw), "\uFFFD")
}
