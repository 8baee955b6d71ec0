package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/alignctl/alignctl/reconcile"
)

func pushCmd(g *globals) *cobra.Command {
	var instance, territory, format string
	cmd := &cobra.Command{
		Use:   "push",
		Short: "Write the applied state to the CRM: territories and account territories",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkFormat(format, commandFormats); err != nil {
				return err
			}
			res, err := g.push(cmd, instance, territory)
			if res == nil {
				return err
			}
			return errors.Join(g.pushView(format).render(g.stdout, res), err)
		},
	}
	cmd.Flags().StringVar(&instance, "instance", "", "push this CRM instance only")
	cmd.Flags().StringVar(&territory, "territory", "", "push this territory and its descendants only")
	cmd.Flags().StringVar(&format, "format", "text", "output: text or json")
	return cmd
}

// push writes the state to the CRM and reads back what the CRM holds then.
// The result holds what happened before any error, so that what the push
// wrote stays on record even when it stops part-way: nil only when it
// wrote nothing.
func (g *globals) push(cmd *cobra.Command, instance, territory string) (*pushResult, error) {
	cfg, err := g.loadConfig()
	if err != nil {
		return nil, err
	}
	r, err := g.startCRMRun(cfg, instance)
	if err != nil {
		return nil, err
	}
	db, err := g.openState(cmd.Context())
	if err != nil {
		return nil, err
	}
	defer db.Close()
	restored, err := restoring(cmd, db, r, territory)
	if err != nil {
		return nil, err
	}
	res := &pushResult{Now: r.now, Restored: restored}
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
		return res, err
	}
	res.Report = rep
	// Whatever the push wrote, and whatever else the CRM gained (new
	// self-assignments), is read back into the state.
	var sources []reconcile.Source
	for _, inst := range r.instances {
		sources = append(sources, reconcile.Source{Instance: inst.ID, CRM: r.conns[inst.ID], Countries: inst.SelectedCountries()})
	}
	irep, ierr := reconcile.Import(cmd.Context(), db, r.cfg, sources, reconcile.ImportOptions{Now: r.now, Only: reconcile.PushedObjects, ReadBack: true, Mappings: reconcile.Mappings(r.cfg)})
	if ierr != nil {
		return res, errors.Join(err, fmt.Errorf("push: re-importing what the CRM holds now: %w; the push above is recorded, run alignctl import to read the CRM back", ierr))
	}
	res.Diagnostics = diagnostics(severityWarning, reconcile.WarningTexts(irep.Warnings))
	return res, err
}
