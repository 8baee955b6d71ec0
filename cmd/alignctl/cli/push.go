package cli

import (
	"errors"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/alignctl/alignctl/reconcile"
)

func pushCmd(g *globals) *cobra.Command {
	var instance, territory string
	cmd := &cobra.Command{
		Use:   "push",
		Short: "Write the applied state to the CRM: territories and account territories",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return g.push(cmd, instance, territory)
		},
	}
	cmd.Flags().StringVar(&instance, "instance", "", "push this CRM instance only")
	cmd.Flags().StringVar(&territory, "territory", "", "push this territory and its descendants only")
	return cmd
}

func (g *globals) push(cmd *cobra.Command, instance, territory string) error {
	cfg, err := g.loadConfig()
	if err != nil {
		return err
	}
	r, err := g.startCRMRun(cfg, instance)
	if err != nil {
		return err
	}
	db, err := g.openState(cmd.Context())
	if err != nil {
		return err
	}
	defer db.Close()
	if err := printRestores(g, cmd, db, r, territory); err != nil {
		return err
	}
	bar := newProgress(g.stderr, "push", -1)
	rep, err := reconcile.Push(cmd.Context(), db, r.cfg, r.instances, r.conns, reconcile.PushOptions{Now: r.now, Territory: territory,
		Progress: func(instance string, done, total int) {
			if bar.bar != nil {
				bar.bar.ChangeMax(total)
				bar.bar.Describe("push " + instance)
			}
			bar.set(done)
		}})
	bar.done()
	if rep == nil {
		return err
	}
	// The report comes first: what the push wrote stays on record even when
	// reading the CRM back fails.
	printPushReport(g, rep)
	// Whatever the push wrote, and whatever else the CRM gained (new
	// self-assignments), is read back into the state.
	var sources []reconcile.Source
	for _, inst := range r.instances {
		sources = append(sources, reconcile.Source{Instance: inst.ID, CRM: r.conns[inst.ID], Countries: inst.SelectedCountries()})
	}
	irep, ierr := reconcile.Import(cmd.Context(), db, r.cfg, sources, reconcile.ImportOptions{Now: r.now, Only: reconcile.PushedObjects, Mappings: reconcile.Mappings(r.cfg)})
	if ierr != nil {
		return errors.Join(err, fmt.Errorf("push: re-importing what the CRM holds now: %w; the push above is recorded, run alignctl import to read the CRM back", ierr))
	}
	for _, w := range irep.Warnings {
		fmt.Fprintln(g.stderr, "warning: "+w)
	}
	return err
}

// printPushReport prints what a push wrote per object, and the records that
// failed.
func printPushReport(g *globals, rep *reconcile.PushReport) {
	tw := tabwriter.NewWriter(g.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "INSTANCE\tOBJECT\tCREATED\tUPDATED\tDELETED\tFAILED")
	for _, o := range rep.Objects {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\n", o.Instance, o.Object, o.Created, o.Updated, o.Deleted, o.Failed)
	}
	if len(rep.Objects) == 0 {
		fmt.Fprintln(tw, "(nothing to push)")
	}
	tw.Flush()
	for _, f := range rep.Failures {
		fmt.Fprintln(g.stderr, "failed: "+f)
	}
}
