package cli

import (
	"fmt"
	"strconv"

	"github.com/alignctl/alignctl/query"
)

// overridesView renders the policy overrides on record (show overrides,
// and the end of show summary), as planView renders a plan; its JSON is
// {"overrides": [...]}, as query defines them (docs/command-json.md).
type overridesView = view[[]query.Override]

func newOverridesView(format string) overridesView {
	csv := csvTable[query.Override]{
		header: []string{"serial", "policy", "reason", "actor", "applied_at", "config", "violations"},
		row: func(o query.Override) []string {
			return []string{strconv.FormatInt(o.Serial, 10), o.Policy, o.Reason, o.Actor, fmtTime(o.AppliedAt), o.Config, strconv.Itoa(o.Violations)}
		},
	}
	return showView(format, overridesText(), listJSON[query.Override]{"overrides"}, csv)
}

// overridesText is show overrides' table, which show summary ends with.
func overridesText() textTable[query.Override] {
	return textTable[query.Override]{
		header: "OVERRIDDEN POLICY\tAPPLIED AT\tSERIAL\tBY\tVIOLATIONS\tREASON",
		row: func(o query.Override) string {
			return fmt.Sprintf("%s\t%s\t%d\t%s\t%d\t%s", o.Policy, fmtTime(o.AppliedAt), o.Serial, o.Actor, o.Violations, o.Reason)
		},
	}
}
