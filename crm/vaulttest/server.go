package vaulttest

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
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

// maxBody bounds a request body (Vault documents 10 MB for bulk writes; a
// batch of 500 records is far less).
const maxBody = 10 << 20

// Endpoint names the kind of a call.
type Endpoint string

// The endpoints the fake serves.
const (
	EndpointAuth      Endpoint = "auth"       // POST /api/{v}/auth
	EndpointQuery     Endpoint = "query"      // POST /api/{v}/query
	EndpointQueryPage Endpoint = "query_page" // POST or GET /api/{v}/query/{query_id}: next_page, previous_page
	EndpointCreate    Endpoint = "create"     // POST /api/{v}/vobjects/{object}
	EndpointUpdate    Endpoint = "update"     // PUT /api/{v}/vobjects/{object}
	EndpointDelete    Endpoint = "delete"     // DELETE /api/{v}/vobjects/{object}, or POST with ?_method=DELETE
	EndpointMetadata  Endpoint = "metadata"   // GET /api/{v}/metadata/vobjects/{object}
	EndpointDeletions Endpoint = "deletions"  // GET /api/{v}/objects/deletions/vobjects/{object}
	EndpointUnknown   Endpoint = "unknown"    // anything else: MALFORMED_URL or METHOD_NOT_SUPPORTED
)

// Call is one request the fake received, in arrival order.
type Call struct {
	Method   string
	Path     string // URL path, without the query
	RawQuery string
	Endpoint Endpoint
	// Object is the object named in the path, or in the FROM of a query.
	Object string
	// Records is how many records a create, update or delete body held.
	Records int
	// Status is the HTTP status sent; 0 when no response was sent (a dropped
	// connection, a delayed call the client abandoned).
	Status int
	// ResponseStatus is the responseStatus of the JSON answer; "" when the
	// client got no Vault answer.
	ResponseStatus string
	// Fault names the faults injected into this call, joined by "+"
	// (FaultFail, FaultDrop, ...); "" for none.
	Fault string

	seq int // the call's execution number, to find it again
}

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

// Server is a fake Vault: an httptest.Server over an in-memory store. All
// its methods are safe for concurrent use.
type Server struct {
	ts  *httptest.Server
	cfg config

	closing   chan struct{}
	closeOnce sync.Once

	mu           sync.Mutex
	store        *store
	sessions     map[string]int // session id -> user id
	sessionSeq   int
	queries      map[string]*queryResult
	querySeq     int
	burstLeft    int
	burstStart   time.Time // start of the current burst window; zero before the first call
	dailyDay     string    // the UTC day dailyUsed counts
	dailyUsed    int
	authStart    time.Time
	authUsed     int
	executionSeq int
	defaultTo    *otherVault // where logins are defaulted to, nil: this vault
	faults       []*fault
	holds        []*Hold
	recordFaults []*recordFault
	calls        []Call
}

// New starts a fake Vault on a loopback port. Close it when done.
func New(opts ...Option) *Server {
	cfg := config{
		users:         map[string]string{},
		vaultID:       DefaultVaultID,
		pageSize:      DefaultPageSize,
		burstLimit:    DefaultBurstLimit,
		responseDelay: DefaultResponseDelay,
		clock:         time.Now,
		schema:        DefaultSchema(),
		retention:     DeletionRetention,
		fieldTypes:    map[string]map[string]string{},
		inactive:      map[string]map[string]bool{},
	}
	for _, o := range opts {
		o(&cfg)
	}
	if len(cfg.users) == 0 {
		WithUser(DefaultUsername, DefaultPassword)(&cfg)
	}
	s := &Server{
		cfg:       cfg,
		closing:   make(chan struct{}),
		store:     newStore(cfg.schema),
		sessions:  map[string]int{},
		queries:   map[string]*queryResult{},
		burstLeft: cfg.burstLimit,
	}
	s.ts = httptest.NewServer(s)
	return s
}

// URL is the server's base URL (http://127.0.0.1:port); the API is under
// URL()+"/api/v24.1/..." or any other vNN.N.
func (s *Server) URL() string { return s.ts.URL }

// VaultID is the vault's id, as the auth response gives it.
func (s *Server) VaultID() int { return s.cfg.vaultID }

// Close releases every held or delayed call and shuts the server down.
func (s *Server) Close() {
	s.closeOnce.Do(func() { close(s.closing) })
	s.ts.Close()
}

// Client is an *http.Client for the server (the httptest one).
func (s *Server) Client() *http.Client { return s.ts.Client() }

// Calls returns the calls received so far, in order.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

// ResetCalls forgets the calls received so far.
func (s *Server) ResetCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = nil
}

// ExpireSessions ends every current session: calls that use one get
// INVALID_SESSION_ID until the client logs in again.
func (s *Server) ExpireSessions() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.sessions)
}

// ResetBurst starts a new burst window: the full limit is available again.
func (s *Server) ResetBurst() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.burstLeft = s.cfg.burstLimit
	s.burstStart = s.cfg.clock()
}

// otherVault is another Vault of the same domain.
type otherVault struct {
	id  int
	url string
}

// DefaultLoginsTo makes every later login answer with a session for another
// Vault, id at url (https://{vaultDNS}), as Vault does for a user who cannot
// log in to the Vault of the URL ("Authentication Defaulting": the session
// is for the user's most relevant Vault; vaultId names it and vaultIds
// lists both).
func (s *Server) DefaultLoginsTo(id int, url string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.defaultTo = &otherVault{id: id, url: strings.TrimRight(url, "/")}
}

// SpendBurst spends n calls of the current burst window, as other
// integrations of the same Vault do.
func (s *Server) SpendBurst(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.burstStart.IsZero() {
		s.burstStart = s.cfg.clock()
	}
	s.burstLeft = max(s.burstLeft-n, 0)
}

// BurstRemaining is what X-VaultAPI-BurstLimitRemaining would say now.
func (s *Server) BurstRemaining() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.burstLeft
}

// versionRE is an API version path segment: v24.1 and the like.
var versionRE = regexp.MustCompile(`^v[0-9]+\.[0-9]+$`)

// route is what a request asks for.
type route struct {
	endpoint Endpoint
	version  string
	object   string
	queryID  string
	records  int
	bad      *reply // the answer to a URL or method the fake does not serve
}

func classify(r *http.Request, body []byte) route {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	rt := route{endpoint: EndpointUnknown}
	if len(parts) < 3 || parts[0] != "api" || !versionRE.MatchString(parts[1]) {
		rt.bad = failure(ErrMalformedURL, fmt.Sprintf("Resource not found: %s (want /api/{version}/..., version like v24.1)", r.URL.Path))
		return rt
	}
	rt.version = parts[1]
	rest := parts[2:]
	method := r.Method
	want := func(e Endpoint, methods ...string) {
		rt.endpoint = e
		if !slices.Contains(methods, method) {
			rt.bad = failure(ErrMethodNotSupported, fmt.Sprintf("The resource %s does not support the %s method", r.URL.Path, method))
		}
	}
	switch {
	case len(rest) == 1 && rest[0] == "auth":
		want(EndpointAuth, http.MethodPost)
	case len(rest) == 1 && rest[0] == "query":
		want(EndpointQuery, http.MethodPost, http.MethodGet)
	case len(rest) == 2 && rest[0] == "query":
		rt.queryID = rest[1]
		want(EndpointQueryPage, http.MethodPost, http.MethodGet)
	case len(rest) == 2 && rest[0] == "vobjects":
		rt.object = rest[1]
		switch {
		case method == http.MethodPut:
			want(EndpointUpdate, http.MethodPut)
		case method == http.MethodDelete || method == http.MethodPost && strings.EqualFold(r.URL.Query().Get("_method"), "DELETE"):
			want(EndpointDelete, method)
		default:
			want(EndpointCreate, http.MethodPost)
		}
		var recs []json.RawMessage
		if json.Unmarshal(body, &recs) == nil {
			rt.records = len(recs)
		}
	case len(rest) == 3 && rest[0] == "metadata" && rest[1] == "vobjects":
		rt.object = rest[2]
		want(EndpointMetadata, http.MethodGet)
	case len(rest) == 4 && rest[0] == "objects" && rest[1] == "deletions" && rest[2] == "vobjects":
		rt.object = rest[3]
		want(EndpointDeletions, http.MethodGet)
	default:
		rt.bad = failure(ErrMalformedURL, fmt.Sprintf("Resource not found: %s", r.URL.Path))
	}
	return rt
}

// ServeHTTP serves the Vault API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		_ = r.ParseMultipartForm(maxBody)
	} else {
		_ = r.ParseForm()
	}
	rt := classify(r, body)
	if len(body) > maxBody {
		rt.bad = failure(ErrInvalidData, fmt.Sprintf("Request body exceeds %d bytes", maxBody))
	}

	call := Call{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Endpoint: rt.endpoint, Object: rt.object, Records: rt.records}
	s.mu.Lock()
	s.executionSeq++
	execID := s.executionSeq
	call.seq = execID
	switch rt.endpoint {
	case EndpointQuery:
		if vq, err := parseVQL(r.FormValue("q")); err == nil {
			call.Object = vq.from
		}
	case EndpointQueryPage:
		if q := s.queries[rt.queryID]; q != nil {
			call.Object = q.object
		}
	}
	remaining, over := s.spendBurst(rt.endpoint)
	dailyLeft, dailyOver := s.spendDaily(rt.endpoint)
	authOver := s.spendAuth(rt.endpoint)
	burst, wait, term := s.takeFaults(call)
	if burst != nil {
		remaining, over = 0, true
	}
	var faults []string
	for _, f := range []*fault{burst, wait, term} {
		if f != nil {
			faults = append(faults, f.kind)
		}
	}
	call.Fault = strings.Join(faults, "+")
	s.calls = append(s.calls, call)
	s.mu.Unlock()

	done := func(status int, responseStatus string) {
		s.mu.Lock()
		defer s.mu.Unlock()
		// Found by number: ResetCalls may have run meanwhile.
		if idx := slices.IndexFunc(s.calls, func(c Call) bool { return c.seq == execID }); idx >= 0 {
			s.calls[idx].Status = status
			s.calls[idx].ResponseStatus = responseStatus
		}
	}

	h := w.Header()
	h.Set("X-VaultAPI-BurstLimit", strconv.Itoa(s.cfg.burstLimit))
	h.Set("X-VaultAPI-BurstLimitRemaining", strconv.Itoa(remaining))
	if over {
		h.Set("X-VaultAPI-ResponseDelay", strconv.FormatInt(s.cfg.responseDelay.Milliseconds(), 10))
	}
	if s.cfg.dailyLimit > 0 && rt.endpoint != EndpointAuth {
		h.Set("X-VaultAPI-DailyLimit", strconv.Itoa(s.cfg.dailyLimit))
		h.Set("X-VaultAPI-DailyLimitRemaining", strconv.Itoa(dailyLeft))
	}
	h.Set("X-VaultAPI-VaultId", strconv.Itoa(s.cfg.vaultID))
	h.Set("X-VaultAPI-ExecutionId", fmt.Sprintf("vaulttest-%08d", execID))
	// Vault's clock, as every HTTP answer carries it (RFC 9110 Date).
	h.Set("Date", s.cfg.clock().UTC().Format(http.TimeFormat))
	if over && s.cfg.serve != nil {
		// Vault delays the answer itself ("the server delays responses for
		// the remainder of the burst-limit period").
		s.cfg.serve(s.cfg.responseDelay)
	}
	if dailyOver || authOver {
		rep := failure(ErrAPILimitExceeded, "API limit exceeded: the daily API limit of the vault is spent")
		if authOver {
			rep = failure(ErrAPILimitExceeded, "API limit exceeded: the Auth API burst limit is spent; try again in the next minute")
		}
		b, _ := json.Marshal(rep.body)
		h.Set("Content-Type", "application/json;charset=UTF-8")
		h.Set("X-VaultAPI-Status", rep.status)
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(b)
		done(http.StatusOK, rep.status)
		return
	}

	if wait != nil && !s.wait(r.Context(), wait) {
		done(0, "")
		dropConnection(w) // returning would send an empty 200
		return
	}
	if term != nil {
		switch term.kind {
		case FaultFail:
			writeHTMLError(w, term.status)
			done(term.status, "")
			return
		case FaultDrop:
			dropConnection(w)
			done(0, "")
			return
		case FaultMalformed:
			h.Set("Content-Type", "application/json;charset=UTF-8")
			w.WriteHeader(http.StatusOK)
			_, _ = io.WriteString(w, `{"responseStatus":"SUCCESS","data":[{"responseStatus":"SUCC`)
			done(http.StatusOK, "")
			return
		case FaultLose:
			s.handle(r, rt, body) // applied, then the answer is lost
			if term.status == 0 {
				dropConnection(w)
				done(0, "")
			} else {
				writeHTMLError(w, term.status)
				done(term.status, "")
			}
			return
		}
	}
	rep := s.handle(r, rt, body)
	b, err := json.Marshal(rep.body)
	if err != nil { // a bug of the fake: Vault's answer to a system error
		rep = reply{status: StatusException, body: ordered{
			{"responseStatus", StatusException},
			{"errors", []ordered{errorEntry("UNEXPECTED_ERROR", err.Error())}},
		}}
		b, _ = json.Marshal(rep.body)
	}
	h.Set("Content-Type", "application/json;charset=UTF-8")
	h.Set("X-VaultAPI-Status", rep.status)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
	done(http.StatusOK, rep.status)
}

// spendBurst counts a call against the burst window (authentication has its
// own limit in Vault, and is not counted) and returns what the headers say:
// the calls left, and whether this call was over the limit. The window is
// fixed: BurstWindow after it began, a new one begins with the full limit.
// s.mu is held.
func (s *Server) spendBurst(e Endpoint) (remaining int, over bool) {
	now := s.cfg.clock()
	if s.burstStart.IsZero() {
		s.burstStart = now
	} else if !now.Before(s.burstStart.Add(BurstWindow)) {
		s.burstStart = now
		s.burstLeft = s.cfg.burstLimit
	}
	if e == EndpointAuth {
		return s.burstLeft, false
	}
	if s.burstLeft == 0 {
		return 0, true
	}
	s.burstLeft--
	return s.burstLeft, false
}

// spendDaily counts a call against the daily limit, when there is one, and
// returns the calls left today and whether this call is past the limit.
// s.mu is held.
func (s *Server) spendDaily(e Endpoint) (left int, over bool) {
	if s.cfg.dailyLimit == 0 || e == EndpointAuth {
		return 0, false
	}
	if day := s.cfg.clock().UTC().Format(time.DateOnly); day != s.dailyDay {
		s.dailyDay, s.dailyUsed = day, 0
	}
	if s.dailyUsed >= s.cfg.dailyLimit {
		return 0, true
	}
	s.dailyUsed++
	return s.cfg.dailyLimit - s.dailyUsed, false
}

// spendAuth counts a login against the Auth API burst limit, when there is
// one, and reports whether it is past the limit. s.mu is held.
func (s *Server) spendAuth(e Endpoint) bool {
	if s.cfg.authLimit == 0 || e != EndpointAuth {
		return false
	}
	now := s.cfg.clock()
	if s.authStart.IsZero() || !now.Before(s.authStart.Add(AuthBurstWindow)) {
		s.authStart, s.authUsed = now, 0
	}
	if s.authUsed >= s.cfg.authLimit {
		return true
	}
	s.authUsed++
	return false
}

func writeHTMLError(w http.ResponseWriter, status int) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<html><head><title>%d %s</title></head><body><h1>%d %s</h1></body></html>\n",
		status, http.StatusText(status), status, http.StatusText(status))
}

// dropConnection resets the connection without a response.
func dropConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler) // the server closes the connection
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0) // RST rather than FIN: "connection reset by peer"
	}
	conn.Close()
}

// newSession logs a user in. s.mu is held.
func (s *Server) newSession(userID int) string {
	s.sessionSeq++
	id := sessionID(s.sessionSeq, s.cfg.vaultID)
	s.sessions[id] = userID
	return id
}

// session returns the user of the request's session. Vault takes the
// session id as the Authorization header, bare or as a Bearer token.
func (s *Server) session(r *http.Request) (int, bool) {
	v := strings.TrimSpace(r.Header.Get("Authorization"))
	if len(v) > 7 && strings.EqualFold(v[:7], "Bearer ") {
		v = strings.TrimSpace(v[7:])
	}
	if v == "" {
		return 0, false
	}
	u, ok := s.sessions[v]
	return u, ok
}

// userID is the id of the i-th configured user.
func userID(i int) int { return 61000 + i + 1 }

// now is the server clock as Vault stamps it. s.mu is held.
func (s *Server) now() string { return stampOf(s.cfg.clock()) }

// handle answers a call that reached the application.
func (s *Server) handle(r *http.Request, rt route, body []byte) reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rt.endpoint == EndpointUnknown {
		return *rt.bad
	}
	if rt.endpoint != EndpointAuth {
		if _, ok := s.session(r); !ok {
			return *failure(ErrInvalidSessionID, "Invalid or expired session ID.")
		}
	}
	if rt.bad != nil {
		return *rt.bad
	}
	switch rt.endpoint {
	case EndpointAuth:
		return s.auth(r)
	case EndpointQuery:
		return s.query(r, rt)
	case EndpointQueryPage:
		return s.queryPage(r, rt)
	case EndpointCreate:
		return s.create(r, rt, body)
	case EndpointUpdate:
		return s.update(r, rt, body)
	case EndpointDelete:
		return s.delete(r, rt, body)
	case EndpointMetadata:
		return s.metadata(rt)
	case EndpointDeletions:
		return s.deletions(r, rt)
	}
	return *failure(ErrMalformedURL, "Resource not found: "+r.URL.Path)
}

// Seed puts records into object as they are: ids and values are kept
// verbatim, a record without an id gets a fresh one, one without
// modified_date__v gets the clock's now, and fields the object lacks are
// added to it (in name order). An object the vault lacks is created. The
// object "deletions" (crm.Deletions) takes deletion log entries instead:
// fields object, id, deleted_date, merged_into.
func (s *Server) Seed(object string, rows []map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.store.seed(object, nil, rows, s.now())
}

// SeedTable is Seed for a table whose first row is the header, the shape
// of a snapshot CSV; new fields are added in header order. It panics on a
// ragged table.
func (s *Server) SeedTable(object string, table [][]string) {
	if len(table) == 0 {
		return
	}
	header := table[0]
	rows := make([]map[string]string, 0, len(table)-1)
	for i, row := range table[1:] {
		if len(row) != len(header) {
			panic(fmt.Sprintf("vaulttest: SeedTable(%s): row %d has %d fields, the header %d", object, i+1, len(row), len(header)))
		}
		m := make(map[string]string, len(row))
		for j, f := range header {
			m[f] = row[j]
		}
		rows = append(rows, m)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.store.seed(object, header, rows, s.now())
}

// SeedFolder seeds every object of a snapshot folder (DESIGN.md section 3):
// each <object>.csv, its first row the header.
func (s *Server) SeedFolder(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		object, ok := strings.CutSuffix(e.Name(), ".csv")
		if !ok {
			continue
		}
		f, err := os.Open(filepath.Join(dir, e.Name()))
		if err != nil {
			return err
		}
		rows, err := csv.NewReader(f).ReadAll()
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", e.Name(), err)
		}
		s.SeedTable(object, rows)
	}
	return nil
}

// SeedTables seeds every table of a crmtest-style seed (object -> table).
func (s *Server) SeedTables(seed map[string][][]string) {
	for _, object := range slices.Sorted(maps.Keys(seed)) {
		s.SeedTable(object, seed[object])
	}
}

// Rows returns copies of the object's records, sorted by id.
func (s *Server) Rows(object string) []map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.store.objects[object]
	if o == nil {
		return nil
	}
	out := make([]map[string]string, 0, len(o.rows))
	for _, id := range o.sortedIDs() {
		out = append(out, maps.Clone(o.rows[id]))
	}
	return out
}

// Fields returns the object's fields in order, nil for an object the vault
// lacks.
func (s *Server) Fields(object string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if o := s.store.objects[object]; o != nil {
		return slices.Clone(o.fields)
	}
	return nil
}

// Deletions returns the deletion log, oldest first.
func (s *Server) Deletions() []Deletion {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.store.deletions)
}

// Merge merges record loser of object into winner, as a Vault CRM account
// merge does: every field of every record that holds the loser's id is
// re-pointed to the winner (and its modified_date__v moves to now), then the
// loser is deleted with merged_into = winner in the deletion log.
func (s *Server) Merge(object, loser, winner string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.store.objects[object]
	if o == nil || o.rows[loser] == nil || o.rows[winner] == nil || loser == winner {
		return fmt.Errorf("vaulttest: Merge(%s, %s, %s): both records must exist and differ", object, loser, winner)
	}
	stamp := s.now()
	for _, name := range slices.Sorted(maps.Keys(s.store.objects)) {
		other := s.store.objects[name]
		for _, rec := range other.rows {
			moved := false
			for f, v := range rec {
				if f != FieldID && v == loser {
					rec[f] = winner
					moved = true
				}
			}
			if moved {
				rec[FieldModifiedDate] = stamp
			}
		}
	}
	s.store.delete(o, loser, stamp, winner)
	return nil
}

// Delete deletes a record as a Vault user would (not through the API): it
// leaves the object and enters the deletion log stamped with the clock.
func (s *Server) Delete(object, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.store.objects[object]
	if o == nil || o.rows[id] == nil {
		return fmt.Errorf("vaulttest: Delete(%s, %s): no such record", object, id)
	}
	s.store.delete(o, id, s.now(), "")
	return nil
}
