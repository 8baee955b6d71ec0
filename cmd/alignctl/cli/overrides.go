package cli

import (
	"fmt"
	"strings"

	"github.com/alignctl/alignctl/reconcile"
)

// actorVariables name who runs a command, first set first: an explicit
// ALIGNCTL_ACTOR, the CI's actor (GitHub Actions, GitLab CI), then the
// user of the shell (docs/config.md, "Policies").
var actorVariables = []string{"ALIGNCTL_ACTOR", "GITHUB_ACTOR", "GITLAB_USER_LOGIN", "USER", "USERNAME"}

// actor is who an override is recorded as.
func actor(getenv func(string) string) string {
	for _, v := range actorVariables {
		if s := strings.TrimSpace(getenv(v)); s != "" {
			return s
		}
	}
	return "unknown (set ALIGNCTL_ACTOR)"
}

// pairOverrides pairs each --override with the --reason given after it:
// both flags are repeatable, one reason per override.
func pairOverrides(ids, reasons []string) ([]reconcile.Override, error) {
	if len(ids) != len(reasons) {
		return nil, fmt.Errorf("--override and --reason come in pairs (%d overrides, %d reasons): --override ID --reason TEXT for each soft policy", len(ids), len(reasons))
	}
	out := make([]reconcile.Override, len(ids))
	for i := range ids {
		out[i] = reconcile.Override{Policy: ids[i], Reason: reasons[i]}
	}
	return out, nil
}
