package vaulttest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// A Match selects the calls a fault applies to. A fault given several
// applies to calls that satisfy all of them; given none, to every call
// (authentication included).
type Match func(Call) bool

// On matches calls to one endpoint, and to one object when object is not ""
// (the object in the URL, or the FROM of a query).
func On(endpoint Endpoint, object string) Match {
	return func(c Call) bool {
		return c.Endpoint == endpoint && (object == "" || c.Object == object)
	}
}

// Writes matches create, update and delete calls, of one object when object
// is not "".
func Writes(object string) Match {
	return func(c Call) bool {
		switch c.Endpoint {
		case EndpointCreate, EndpointUpdate, EndpointDelete:
			return object == "" || c.Object == object
		}
		return false
	}
}

// NotAuth matches every call but authentication: a fault scoped with it
// leaves logging in alone.
func NotAuth(c Call) bool { return c.Endpoint != EndpointAuth }

// The names of faults, as Call.Fault reports them.
const (
	FaultFail      = "fail"
	FaultDrop      = "drop"
	FaultDelay     = "delay"
	FaultHold      = "hold"
	FaultMalformed = "malformed"
	FaultLose      = "lose"
	FaultBurst     = "burst"
)

// fault is one armed knob: it applies to the next left matching calls.
type fault struct {
	kind   string
	left   int
	status int
	delay  time.Duration
	hold   *Hold
	only   []Match
}

func (f *fault) matches(c Call) bool {
	for _, m := range f.only {
		if m != nil && !m(c) {
			return false
		}
	}
	return true
}

// arm queues a fault; the caller holds no lock.
func (s *Server) arm(f *fault) {
	if f.left <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, f)
}

// takeFaults picks, for one call, at most one fault of each class: one
// burst fault (headers), one delay or hold (before the call is handled) and
// one terminal fault (what becomes of the response), each the oldest armed
// fault of its class that matches. s.mu is held.
func (s *Server) takeFaults(c Call) (burst, wait, term *fault) {
	keep := s.faults[:0]
	for _, f := range s.faults {
		if f.matches(c) {
			switch f.kind {
			case FaultBurst:
				if burst == nil {
					burst = f
					f.left--
				}
			case FaultDelay, FaultHold:
				if wait == nil {
					wait = f
					f.left--
				}
			default:
				if term == nil {
					term = f
					f.left--
				}
			}
		}
		if f.left > 0 {
			keep = append(keep, f)
		}
	}
	clear(s.faults[len(keep):])
	s.faults = keep
	return burst, wait, term
}

// FailNext makes the next n matching calls fail with the HTTP status (5xx,
// say) and an HTML error page, as a load balancer in front of Vault would.
// Nothing is applied.
func (s *Server) FailNext(n, status int, only ...Match) {
	s.arm(&fault{kind: FaultFail, left: n, status: status, only: only})
}

// DropConnectionNext makes the next n matching calls end with the
// connection reset and no response. Nothing is applied.
//
// Go's http.Transport silently resends a dropped GET (not a POST, PUT or
// DELETE) when it went out on a reused connection, so a GET may show in
// Calls twice.
func (s *Server) DropConnectionNext(n int, only ...Match) {
	s.arm(&fault{kind: FaultDrop, left: n, only: only})
}

// DelayNext holds the next n matching calls for d before handling them. If
// the client gives up during the wait (its timeout, a cancelled context),
// the call is dropped unhandled, as if it never reached the application:
// that keeps tests deterministic, and LoseResponseNext covers the case of a
// write applied after the client stopped waiting. The wait also ends when
// the server closes. This does sleep; tests that must not use HoldNext.
func (s *Server) DelayNext(n int, d time.Duration, only ...Match) {
	s.arm(&fault{kind: FaultDelay, left: n, delay: d, only: only})
}

// HoldNext blocks the next n matching calls until the test releases them:
// a delay without a clock. Held calls that the client abandons meanwhile
// are dropped unhandled (see DelayNext).
func (s *Server) HoldNext(n int, only ...Match) *Hold {
	h := &Hold{arrived: make(chan struct{}, max(n, 0)), release: make(chan struct{})}
	s.mu.Lock()
	s.holds = append(s.holds, h)
	s.mu.Unlock()
	s.arm(&fault{kind: FaultHold, left: n, hold: h, only: only})
	return h
}

// Hold is a set of held calls (see HoldNext).
type Hold struct {
	arrived chan struct{}
	release chan struct{}
	once    sync.Once
}

// Arrived yields once for each held call, when it starts waiting.
func (h *Hold) Arrived() <-chan struct{} { return h.arrived }

// Release lets every held call, and every later one of this hold, proceed.
// It is safe to call more than once.
func (h *Hold) Release() { h.once.Do(func() { close(h.release) }) }

// MalformedNext makes the next n matching calls answer 200 with a JSON
// content type and a truncated, invalid JSON body. Nothing is applied.
func (s *Server) MalformedNext(n int, only ...Match) {
	s.arm(&fault{kind: FaultMalformed, left: n, only: only})
}

// LoseResponseNext makes the next n matching calls apply in full (writes
// are stored, sessions made) and then lose the answer: with status 0 the
// connection is reset, otherwise the client gets that HTTP status and an
// HTML error page. This is the batch that succeeded although the client saw
// it fail.
func (s *Server) LoseResponseNext(n, status int, only ...Match) {
	s.arm(&fault{kind: FaultLose, left: n, status: status, only: only})
}

// BurstExhausted makes the next n matching calls report the burst limit as
// used up: X-VaultAPI-BurstLimitRemaining 0 and X-VaultAPI-ResponseDelay
// set. The calls are handled normally and nothing sleeps.
func (s *Server) BurstExhausted(n int, only ...Match) {
	s.arm(&fault{kind: FaultBurst, left: n, only: only})
}

// ClearFaults disarms every pending fault (not FailRecords) and releases
// every hold, calls already waiting included.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, h := range s.holds {
		h.Release()
	}
	s.holds = nil
	clear(s.faults)
	s.faults = s.faults[:0]
}

// recordFault fails the records of one object that match, inside otherwise
// successful batches.
type recordFault struct {
	object  string
	match   func(map[string]string) bool
	errType string
}

// FailRecords makes every create, update and delete of object fail, record
// by record, for the records match accepts, with error type errType
// (INVALID_DATA when ""). The rest of each batch is applied. match sees the
// record as the write would leave it: the fields sent for a create (no id
// yet), the stored record with the update laid over it, the stored record
// for a delete. It runs with the server locked: it must not call the
// Server. The faults last until stop is called.
func (s *Server) FailRecords(object string, match func(map[string]string) bool, errType string) (stop func()) {
	if errType == "" {
		errType = ErrInvalidData
	}
	rf := &recordFault{object: object, match: match, errType: errType}
	s.mu.Lock()
	s.recordFaults = append(s.recordFaults, rf)
	s.mu.Unlock()
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		for i, f := range s.recordFaults {
			if f == rf {
				s.recordFaults = append(s.recordFaults[:i], s.recordFaults[i+1:]...)
				return
			}
		}
	}
}

// injectedFailure returns the error type of the first record fault that
// fails rec, or "". s.mu is held.
func (s *Server) injectedFailure(object string, rec map[string]string) string {
	for _, f := range s.recordFaults {
		if f.object == object && (f.match == nil || f.match(rec)) {
			return f.errType
		}
	}
	return ""
}

// wait blocks a call for its delay or hold. It reports false when the call
// must be dropped: the client went away or the server is closing.
func (s *Server) wait(ctx context.Context, f *fault) bool {
	switch f.kind {
	case FaultDelay:
		t := time.NewTimer(f.delay)
		defer t.Stop()
		select {
		case <-t.C:
			return true
		case <-ctx.Done():
		case <-s.closing:
		}
	case FaultHold:
		select {
		case f.hold.arrived <- struct{}{}:
		default:
		}
		select {
		case <-f.hold.release:
			return ctx.Err() == nil
		case <-ctx.Done():
		case <-s.closing:
		}
	}
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
