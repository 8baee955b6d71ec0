package cli

import (
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/alignctl/alignctl/query"
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

// showOverrides lists the policy overrides on record (show overrides, and
// the end of show).
func (g *globals) showOverrides(os []query.Override, format string) error {
	switch format {
	case "json":
		return writeJSON(g.stdout, struct {
			Overrides []query.Override `json:"overrides"`
		}{os})
	case "csv":
		w := csv.NewWriter(g.stdout)
		w.Write([]string{"serial", "policy", "reason", "actor", "applied_at", "config", "violations"})
		for _, o := range os {
			w.Write([]string{strconv.FormatInt(o.Serial, 10), o.Policy, o.Reason, o.Actor, fmtTime(o.AppliedAt), o.Config, strconv.Itoa(o.Violations)})
		}
		w.Flush()
		return w.Error()
	}
	tw := tabwriter.NewWriter(g.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "OVERRIDDEN POLICY\tAPPLIED AT\tSERIAL\tBY\tVIOLATIONS\tREASON")
	for _, o := range os {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%d\t%s\n", o.Policy, fmtTime(o.AppliedAt), o.Serial, o.Actor, o.Violations, o.Reason)
	}
	return tw.Flush()
}
