package cli

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/alignctl/alignctl/internal/osfile"
	"github.com/alignctl/alignctl/reconcile"
)

type planFlags struct {
	ref              string
	base             string
	territory        string
	sendToCRM        string
	out              string
	format           string
	detailedExitcode bool
	previewZip       string
	maxChars         int
}

func planCmd(g *globals) *cobra.Command {
	var f planFlags
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "Show which assignments and CRM records applying the config would change, and why",
		Long: `Evaluate the rules of the config against the state at --now and show what
applying them would change. With --base REV, also show the difference the
config change from REV makes: accounts gained and lost per territory, what
each changed rule adds and drops, and the diff of the config files (the
pull-request view).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			view, err := g.planView(f.format)
			if err != nil {
				return err
			}
			if cmd.Flags().Changed("max-chars") {
				if view, err = withMaxChars(view, f.maxChars); err != nil {
					return err
				}
			}
			scope, err := planScope(f.territory, f.sendToCRM)
			if err != nil {
				return err
			}
			p, err := g.plan(cmd, planRequest{ref: f.ref, base: f.base, scope: scope, preview: f.previewZip != ""})
			if err != nil {
				return err
			}
			defer p.Close()
			if f.previewZip != "" {
				if err := osfile.WriteAtomic(f.previewZip, p.Preview.WriteZip); err != nil {
					return fmt.Errorf("--preview-zip %s: %w", f.previewZip, err)
				}
			}
			if f.out != "" {
				if err := writePlan(cmd.Context(), f.out, p); err != nil {
					return err
				}
			}
			if _, isJSON := view.(jsonView); isJSON {
				// Every change, also those a spooled plan keeps in files.
				if err := p.LoadBody(cmd.Context()); err != nil {
					return err
				}
			}
			if err := view.render(g.stdout, p); err != nil {
				return err
			}
			if f.detailedExitcode && p.HasChanges() {
				return &exitError{code: 2}
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.ref, "ref", "", "plan the config at this git revision (branch, tag, commit, HEAD~1) instead of the work tree")
	fl.StringVar(&f.base, "base", "", "also report the difference the config change from this git revision makes (the pull-request view)")
	fl.StringVar(&f.territory, "territory", "", "plan this territory and its descendants only")
	fl.StringVar(&f.sendToCRM, "send-to-crm", "", "run only rules with this send_to_crm (true|false; needs rule_selection_criteria: by_send_to_crm)")
	fl.StringVar(&f.out, "out", "", "also save the plan to this file, for alignctl apply")
	fl.StringVar(&f.format, "format", "text", "output: "+strings.Join(planFormats, ", "))
	fl.StringVar(&f.previewZip, "preview-zip", "", "also write the downloadable assignment preview (.zip of CSV files)")
	fl.IntVar(&f.maxChars, "max-chars", DefaultMaxChars, "--format markdown: the most characters the comment may have (GitHub's limit is 65,536)")
	fl.BoolVar(&f.detailedExitcode, "detailed-exitcode", false, "exit 2 when applying the plan would change the state (0: no changes, 1: error)")
	return cmd
}

// planScope reads --territory and --send-to-crm.
func planScope(territory, sendToCRM string) (reconcile.Scope, error) {
	scope := reconcile.Scope{Territory: territory}
	if sendToCRM != "" {
		b, err := strconv.ParseBool(sendToCRM)
		if err != nil {
			return scope, fmt.Errorf("--send-to-crm %q: must be true or false", sendToCRM)
		}
		scope.SendToCRM = &b
	}
	return scope, nil
}

// planRequest is what a plan is made of besides config folder and state.
type planRequest struct {
	ref, base string // --ref and --base revisions ("": the work tree; no base)
	scope     reconcile.Scope
	preview   bool
}

// plan loads config and state and makes a plan at --now; with a base, it
// also records the difference the config change makes.
func (g *globals) plan(cmd *cobra.Command, req planRequest) (_ *reconcile.Plan, err error) {
	now, err := g.Now()
	if err != nil {
		return nil, err
	}
	head, err := g.loadConfigAt(req.ref, g.configCache())
	if err != nil {
		return nil, err
	}
	var base *loadedConfig
	if req.base != "" {
		if base, err = g.loadBase(req.base); err != nil {
			return nil, err
		}
	}
	spool, err := spoolAt()
	if err != nil {
		return nil, err
	}
	db, err := g.openState(cmd.Context())
	if err != nil {
		return nil, err
	}
	defer db.Close()
	ctx := cmd.Context()
	p, err := reconcile.MakePlan(ctx, db, head.cfg, reconcile.PlanOptions{Now: now, Scope: req.scope, Config: head.ref, Preview: req.preview, Cache: g.evalCache(), SpoolAt: spool})
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			p.Close()
		}
	}()
	if base != nil {
		err := reconcile.AddImpact(ctx, db, head.cfg, p, reconcile.BaseOptions{Config: base.cfg, Ref: base.ref, FS: base.fsys, HeadFS: head.fsys, Cache: g.evalCache()})
		if err != nil {
			return nil, err
		}
	}
	drift, err := reconcile.DriftWarning(ctx, db, head.cfg, now)
	if err != nil {
		return nil, err
	}
	if drift != nil {
		p.Warnings = append(p.Warnings, *drift)
	}
	p.Command = g.reproduce(now)
	return p, nil
}

// reproduce is the command line that makes the same plan again: the
// arguments given, with the execution time fixed and without --out.
func (g *globals) reproduce(now time.Time) string {
	args := []string{"alignctl"}
	hasNow := false
	for i := 0; i < len(g.args); i++ {
		a := g.args[i]
		switch {
		case a == "--out" || a == "--preview-zip":
			i++
			continue
		case strings.HasPrefix(a, "--out=") || strings.HasPrefix(a, "--preview-zip="):
			continue
		case a == "--now" || strings.HasPrefix(a, "--now="):
			hasNow = true
		}
		args = append(args, a)
	}
	if !hasNow {
		args = append(args, "--now", fmtTime(now))
	}
	return strings.Join(args, " ")
}

// writePlan saves a plan: its JSON header and Parquet body (docs/plan-json.md).
func writePlan(ctx context.Context, path string, p *reconcile.Plan) error {
	write := func(w io.Writer) error { return p.WriteSaved(ctx, w) }
	if err := osfile.WriteAtomic(path, write); err != nil {
		return fmt.Errorf("--out %s: %w", path, err)
	}
	return nil
}

// readPlan loads a saved plan to apply: one this alignctl made, unchanged
// since (reconcile.OpenSavedPlan). Close it to remove its body's
// temporary files.
func readPlan(path string) (*reconcile.Plan, error) {
	p, err := reconcile.OpenSavedPlan(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}
