package vaulttest_test

import (
	"slices"
	"testing"

	"github.com/alignctl/alignctl/crm/vaulttest"
)

// SessionIDs lists every session the server gave out, expired ones too, so
// that a test can look for them where none may be.
func TestSessionIDs(t *testing.T) {
	s := newServer(t)
	if got := s.SessionIDs(); len(got) != 0 {
		t.Fatalf("sessions before any login: %q", got)
	}
	first := newClient(t, s).session
	s.ExpireSessions()
	second := newClient(t, s).session
	(&client{t: t, s: s, hc: s.Client()}).login(vaulttest.DefaultUsername, "wrong") // no session
	if got := s.SessionIDs(); !slices.Equal(got, []string{first, second}) {
		t.Fatalf("SessionIDs %q, want %q", got, []string{first, second})
	}
	if first == second || len(first) != 128 {
		t.Fatalf("session ids %q, %q: want two of 128 hex digits", first, second)
	}
}
