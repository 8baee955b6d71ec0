package cli

import (
	"slices"

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
