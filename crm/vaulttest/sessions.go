package vaulttest

import (
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
)

// sessionID is the id of the seq-th session of a vault: 128 upper-case hex
// digits, as Vault's look.
func sessionID(seq, vaultID int) string {
	sum := sha512.Sum512([]byte(fmt.Sprintf("vaulttest session %d of vault %d", seq, vaultID)))
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// SessionIDs lists every session id the server has issued, expired ones
// included, oldest first: a test looks for them where no session id may be
// (output, errors, plans, the state).
func (s *Server) SessionIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, s.sessionSeq)
	for seq := 1; seq <= s.sessionSeq; seq++ {
		out = append(out, sessionID(seq, s.cfg.vaultID))
	}
	return out
}

// ExpireSessions ends every current session: calls that use one get
// INVALID_SESSION_ID until the client logs in again.
func (s *Server) ExpireSessions() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.sessions)
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
