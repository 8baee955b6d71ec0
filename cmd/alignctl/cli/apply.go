package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/alignctl/alignctl/reconcile"
)

func applyCmd(g *globals) *cobra.Command {
	var autoApprove, push bool
	cmd := &cobra.Command{
		Use:   "apply [PLAN]",
		Short: "Write a saved plan to the state (or re-plan and apply with --auto-approve)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var p *reconcile.Plan
			var err error
			switch {
			case len(args) == 1:
				if p, err = readPlan(args[0]); err != nil {
					return err
				}
			case autoApprove:
				if p, err = g.plan(cmd, reconcile.Scope{}, false); err != nil {
					return err
				}
			default:
				return errors.New("apply needs a saved plan (alignctl plan --out FILE) or --auto-approve")
			}
			cfg, err := g.loadConfig()
			if err != nil {
				return err
			}
			db, err := g.openState(cmd.Context())
			if err != nil {
				return err
			}
			if err := reconcile.Apply(cmd.Context(), db, cfg, p); err != nil {
				db.Close()
				return err
			}
			db.Close()
			s := p.Summary
			fmt.Fprintf(g.stdout, "Applied: %d created, %d ended, %d updated, %d territory changes. %d CRM records to push.\n",
				s.Create, s.End, s.Update, s.TerritoryChange, s.CRMChanges+s.PendingPush)
			if push {
				return g.push(cmd, "", "")
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&autoApprove, "auto-approve", false, "re-plan and apply without a saved plan (the after-merge job)")
	cmd.Flags().BoolVar(&push, "push", false, "push to the CRM after applying")
	return cmd
}
