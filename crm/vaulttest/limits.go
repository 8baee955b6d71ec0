package vaulttest

import "time"

// ResetBurst starts a new burst window: the full limit is available again.
func (s *Server) ResetBurst() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.burstLeft = s.cfg.burstLimit
	s.burstStart = s.cfg.clock()
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
