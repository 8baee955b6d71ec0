package vaulttest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
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
