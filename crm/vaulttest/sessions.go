package vaulttest

import (
	"crypto/sha512"
	"encoding/hex"
	"fmt"
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
