package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/alignctl/alignctl/query"
)

func showCmd(g *globals) *cobra.Command {
	var account, territory, at, format string
	cmd := &cobra.Command{
		Use:   "show [summary|assignments|imports|pushes|overrides|plan FILE]",
		Short: "Show what the state holds: a summary, the assignments as they stand (or stood, with --at), the import, push or policy override history; or a saved plan",
		Args:  cobra.RangeArgs(0, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			what := "summary"
			if len(args) > 0 {
				what = args[0]
			}
			if what == "plan" {
				if len(args) != 2 {
					return fmt.Errorf("show plan needs the saved plan: alignctl show plan FILE")
				}
				return g.showPlan(cmd, args[1], format)
			}
			if len(args) > 1 {
				return fmt.Errorf("show %s takes no file: only show plan FILE does", what)
			}
			if err := checkFormat(format, showFormats); err != nil {
				return err
			}
			if err := showArgsFit(cmd, what, format); err != nil {
				return err
			}
			var atTime *time.Time
			if at != "" {
				t, err := time.Parse(time.RFC3339, at)
				if err != nil {
					return fmt.Errorf("--at %q: not an RFC 3339 time", at)
				}
				atTime = &t
			}
			db, err := g.openStateReadOnly(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			ctx := cmd.Context()
			switch what {
			case "summary":
				now, err := g.Now()
				if err != nil {
					return err
				}
				s, err := db.Summary(ctx, now)
				if err != nil {
					return err
				}
				return newSummaryView(format).render(g.stdout, s)
			case "imports":
				runs, err := db.Imports(ctx)
				if err != nil {
					return err
				}
				return newImportHistoryView(format).render(g.stdout, runs)
			case "pushes":
				runs, err := db.Pushes(ctx, false)
				if err != nil {
					return err
				}
				failures, err := db.PushFailures(ctx)
				if err != nil {
					return err
				}
				return newPushHistoryView(format).render(g.stdout, &pushHistory{Runs: runs, Failures: failures})
			case "overrides":
				os, err := db.Overrides(ctx)
				if err != nil {
					return err
				}
				return newOverridesView(format).render(g.stdout, os)
			default: // assignments: showArgsFit refused the rest
				as, err := db.Assignments(ctx, query.AssignmentFilter{Account: account, Territory: territory, At: atTime})
				if err != nil {
					return err
				}
				return newAssignmentsView(format).render(g.stdout, as)
			}
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&account, "account", "", "only this account")
	fl.StringVar(&territory, "territory", "", "only this territory")
	fl.StringVar(&at, "at", "", "the alignment as it stood (or will stand) at this time, RFC 3339")
	fl.StringVar(&format, "format", "text", "text, json or csv (show plan: "+strings.Join(planFormats, ", ")+")")
	return cmd
}

// showArgsFit refuses, before the state is opened, what a table does not
// take: the summary has no csv (it is several tables), and only the
// assignments narrow by account, territory and time, for a filter that
// silently did nothing would show more than was asked for.
func showArgsFit(cmd *cobra.Command, what, format string) error {
	switch what {
	case "summary", "imports", "pushes", "overrides":
	case "assignments":
		return nil
	default:
		return fmt.Errorf("show %q: must be summary, assignments, imports, pushes or overrides", what)
	}
	var given []string
	for _, name := range []string{"account", "territory", "at"} {
		if cmd.Flags().Changed(name) {
			given = append(given, "--"+name)
		}
	}
	if len(given) > 0 {
		return fmt.Errorf("show %s does not take %s: only show assignments narrows by account, territory or time", what, strings.Join(given, ", "))
	}
	if what == "summary" && format == "csv" {
		return fmt.Errorf("--format csv: show summary is text or json")
	}
	return nil
}
