package cli

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/alignctl/alignctl/reconcile"
)

func applyCmd(g *globals) *cobra.Command {
	var autoApprove, push, allowViolations bool
	var approved, format string
	var overrideIDs, reasons []string
	cmd := &cobra.Command{
		Use:   "apply [PLAN]",
		Short: "Write a saved plan to the state (or re-plan and apply with --auto-approve or --approved)",
		Long: `Write a plan to the state in one transaction.

  apply PLAN              applies a saved plan (alignctl plan --out PLAN); a plan
                          made before the state or the config changed is refused
  apply --auto-approve    re-plans the whole config and applies it
  apply --approved PLAN   re-plans with PLAN's scope and applies only if the
                          result is the approved plan's changes (the plan reviewed
                          on the pull request is exactly what is applied)

Policies (kind: policy) judge the plan again at apply: a hard one that is
violated refuses it; a soft one refuses it unless --override names it with a
--reason (recorded in the state with who and when: alignctl show overrides);
an advisory one only warns. --approved carries no override of the approved
plan's review: give them again. A plan that leaves a territory outside
settings.guardrails is refused unless --allow-violations.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format, commandFormats); err != nil {
				return err
			}
			var p *reconcile.Plan
			overrides, err := pairOverrides(overrideIDs, reasons)
			if err != nil {
				return err
			}
			switch {
			case len(args) == 1 && (autoApprove || approved != ""):
				return errors.New("apply takes a saved plan, --auto-approve or --approved PLAN, not several")
			case autoApprove && approved != "":
				return errors.New("apply takes --auto-approve or --approved PLAN, not both")
			case len(args) == 1:
				if p, err = readPlan(args[0]); err != nil {
					return err
				}
				defer p.Close()
			case approved != "":
				ok, err := readPlan(approved)
				if err != nil {
					return err
				}
				defer ok.Close()
				if err := ok.LoadBody(cmd.Context()); err != nil {
					return fmt.Errorf("%s: %w", approved, err)
				}
				if p, err = g.plan(cmd, planRequest{scope: ok.Scope.AsScope()}); err != nil {
					return err
				}
				defer p.Close()
				if err := p.LoadBody(cmd.Context()); err != nil {
					return err
				}
				if diff := reconcile.CompareApproved(ok, p); diff != nil {
					return diff
				}
			case autoApprove:
				if p, err = g.plan(cmd, planRequest{}); err != nil {
					return err
				}
				defer p.Close()
			default:
				return errors.New("apply needs a saved plan (alignctl plan --out FILE), --auto-approve or --approved FILE")
			}
			cfg, err := g.loadConfig()
			if err != nil {
				return err
			}
			db, err := g.openState(cmd.Context())
			if err != nil {
				return err
			}
			var opts []reconcile.ApplyOption
			if allowViolations {
				opts = append(opts, reconcile.AllowViolations())
			}
			who := actor(os.Getenv)
			if len(overrides) > 0 {
				opts = append(opts, reconcile.WithOverrides(who, overrides...))
			}
			if err := reconcile.Apply(cmd.Context(), db, cfg, p, opts...); err != nil {
				db.Close()
				return err
			}
			db.Close()
			res := newApplyResult(p, overrides, who)
			var pushErr error
			if push {
				res.Push, pushErr = g.push(cmd, "", "")
			}
			return errors.Join(g.applyView(format).render(g.stdout, res), pushErr)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&autoApprove, "auto-approve", false, "re-plan and apply without a saved plan (the after-merge job)")
	fl.StringVar(&approved, "approved", "", "re-plan, and apply only if the changes equal this approved plan's")
	fl.BoolVar(&allowViolations, "allow-violations", false, "apply even if territories end up outside settings.guardrails")
	fl.BoolVar(&push, "push", false, "push to the CRM after applying")
	fl.StringVar(&format, "format", "text", "output: text or json (with --push, the push is the JSON's \"push\")")
	fl.StringArrayVar(&overrideIDs, "override", nil, "apply although soft policy `ID` is violated (repeatable; each with a --reason)")
	fl.StringArrayVar(&reasons, "reason", nil, "why the --override before it is right (`TEXT`, recorded with who and when)")
	return cmd
}
