package cli

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/alignctl/alignctl/query"
	"github.com/alignctl/alignctl/reconcile"
	"github.com/alignctl/alignctl/schema"
)

func driftCmd(g *globals) *cobra.Command {
	var instance, format string
	var detailed bool
	cmd := &cobra.Command{
		Use:   "drift",
		Short: "Report what changed in the CRM since alignctl last pushed: records deleted, added or changed there",
		Long: `Read the CRM (territory__v, account_territory__v, user_territory__v,
user__sys, my_setup_products__v) and compare it with what alignctl last
pushed, as the state records it, without writing to the state.

Per record, drift is one of:
  deleted  alignctl pushed it; the CRM no longer has it
  added    the CRM has it; alignctl neither pushed nor wants it
  changed  fields alignctl pushed (name__v, description__v, parent_territory__v,
           country__v; account__v, territory__v) hold other values
Account territories added in the CRM are self-assignments, which Align
expects: they are listed apart and are not drift.

The next push restores what the config says (after an import has read the
CRM): it recreates deleted records, deletes added ones, and writes changed
fields back. With --detailed-exitcode, exit 2 when there is drift.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkFormat(format, commandFormats); err != nil {
				return err
			}
			// Not through the config cache, which writes beside the state.
			cfg, err := schema.LoadDir(g.config)
			if err != nil {
				return err
			}
			run, err := g.startCRMRun(cfg, instance)
			if err != nil {
				return err
			}
			db, err := g.openStateReadOnly(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			views := map[string]reconcile.CRMView{}
			for id, conn := range run.conns {
				views[id] = reconcile.ConnectorView(conn)
			}
			rep, err := reconcile.Drift(cmd.Context(), db, cfg, run.instances, views, run.now)
			if err != nil {
				return err
			}
			err = newDriftView(format).render(g.stdout, rep)
			if err == nil && detailed && rep.HasDrift() {
				return &exitError{code: 2}
			}
			return err
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&instance, "instance", "", "only this CRM instance")
	fl.StringVar(&format, "format", "text", "text or json")
	fl.BoolVar(&detailed, "detailed-exitcode", false, "exit 2 when the CRM drifted (0: no drift, 1: error)")
	return cmd
}

// driftView renders a drift report, as planView renders a plan.
type driftView = view[*reconcile.DriftReport]

func newDriftView(format string) driftView {
	if format == "json" {
		return driftJSON{}
	}
	return driftText{}
}

// driftJSON is the report as reconcile defines it (docs/adopt-drift.md).
type driftJSON struct{}

func (driftJSON) render(w io.Writer, rep *reconcile.DriftReport) error { return writeJSON(w, rep) }

// driftText is one line per record, its changed fields beneath it.
type driftText struct{}

func (driftText) render(w io.Writer, rep *reconcile.DriftReport) error {
	for _, s := range rep.Instances {
		last := "never"
		if s.LastPush != nil {
			last = s.LastPush.Format("2006-01-02T15:04:05Z07:00")
		}
		fmt.Fprintf(w, "instance %s: last push %s\n", s.Instance, last)
		for _, n := range s.Notes {
			fmt.Fprintf(w, "  note: %s\n", n)
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if len(rep.Drift) == 0 {
		fmt.Fprintln(tw, "\nNo drift: the CRM holds what alignctl last pushed.")
	} else {
		fmt.Fprintln(tw, "\nDrift (after an import, the next push restores what the config says, except where noted):")
		fmt.Fprintln(tw, "  KIND\tINSTANCE\tOBJECT\tRECORD\tKEY")
		for _, e := range rep.Drift {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", e.Kind, e.Instance, e.Object, dash(e.Record), e.Key)
			if !e.Restorable {
				fmt.Fprintf(tw, "  \t\t\t\t  %s\n", notRestored(e))
			}
			for _, c := range e.Changes {
				fmt.Fprintf(tw, "  \t\t\t\t  %s: pushed %q, CRM %q\n", c.Field, c.Pushed, c.CRM)
			}
		}
	}
	if len(rep.SelfAssignments) > 0 {
		fmt.Fprintln(tw, "\nSelf-assignments made in the CRM (expected; the next import takes them in as crm assignments):")
		for _, e := range rep.SelfAssignments {
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", e.Instance, e.Record, e.Key)
		}
	}
	fmt.Fprintf(tw, "\n%d deleted, %d added, %d changed; %d self-assignments.\n",
		rep.Summary[reconcile.DriftDeleted], rep.Summary[reconcile.DriftAdded], rep.Summary[reconcile.DriftChanged], rep.Summary["self_assignments"])
	return tw.Flush()
}

func dash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}

// restoring lists the records that drifted in the CRM (as the last import
// read them) that the push about to run writes back: those of the
// territory's subtree when the push is scoped to one.
func restoring(cmd *cobra.Command, db *query.DB, r *crmRun, territory string) ([]reconcile.DriftEntry, error) {
	rep, err := reconcile.StateDrift(cmd.Context(), db, r.cfg, r.instances, r.now)
	if err != nil {
		return nil, err
	}
	var scope []string
	if territory != "" && r.cfg.Territory(territory) != nil {
		scope = reconcile.Subtree(r.cfg, territory)
	}
	var out []reconcile.DriftEntry
	for _, e := range rep.Drift {
		if e.Restorable && (scope == nil || slices.Contains(scope, e.Territory)) {
			out = append(out, e)
		}
	}
	return out, nil
}

// notRestored says why a push leaves a drifted record as the CRM has it.
func notRestored(e reconcile.DriftEntry) string {
	if e.Kind == reconcile.DriftAdded {
		return "push leaves it: alignctl deletes no territory__v record it never pushed; add the territory to the config, or delete it in the CRM"
	}
	return "push leaves it: the record now names another account or territory; end the assignment in the config, or fix the record in the CRM"
}
