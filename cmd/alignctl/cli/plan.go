package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/alignctl/alignctl/reconcile"
)

type planFlags struct {
	territory        string
	sendToCRM        string
	out              string
	format           string
	detailedExitcode bool
	previewZip       string
}

func planCmd(g *globals) *cobra.Command {
	var f planFlags
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "Show which assignments and CRM records applying the config would change, and why",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.format != "text" && f.format != "json" {
				return fmt.Errorf("--format %q: must be text or json", f.format)
			}
			scope := reconcile.Scope{Territory: f.territory}
			if f.sendToCRM != "" {
				b, err := strconv.ParseBool(f.sendToCRM)
				if err != nil {
					return fmt.Errorf("--send-to-crm %q: must be true or false", f.sendToCRM)
				}
				scope.SendToCRM = &b
			}
			p, err := g.plan(cmd, scope, f.previewZip != "")
			if err != nil {
				return err
			}
			if f.previewZip != "" {
				if err := writeAtomic(f.previewZip, p.Preview.WriteZip); err != nil {
					return fmt.Errorf("--preview-zip %s: %w", f.previewZip, err)
				}
			}
			if f.out != "" {
				if err := writePlan(f.out, p); err != nil {
					return err
				}
			}
			switch f.format {
			case "json":
				if err := writeJSON(g.stdout, p); err != nil {
					return err
				}
			default:
				renderPlanText(g.stdout, p)
			}
			if f.detailedExitcode && p.HasChanges() {
				return &exitError{code: 2}
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.territory, "territory", "", "plan this territory and its descendants only")
	fl.StringVar(&f.sendToCRM, "send-to-crm", "", "run only rules with this send_to_crm (true|false; needs rule_selection_criteria: by_send_to_crm)")
	fl.StringVar(&f.out, "out", "", "also save the plan to this file, for alignctl apply")
	fl.StringVar(&f.format, "format", "text", "output: text or json")
	fl.StringVar(&f.previewZip, "preview-zip", "", "also write the downloadable assignment preview (.zip of CSV files)")
	fl.BoolVar(&f.detailedExitcode, "detailed-exitcode", false, "exit 2 when applying the plan would change the state")
	return cmd
}

// plan loads config and state and makes a plan at --now.
func (g *globals) plan(cmd *cobra.Command, scope reconcile.Scope, preview bool) (*reconcile.Plan, error) {
	now, err := g.Now()
	if err != nil {
		return nil, err
	}
	cfg, err := g.loadConfig()
	if err != nil {
		return nil, err
	}
	db, err := g.openState(cmd.Context())
	if err != nil {
		return nil, err
	}
	defer db.Close()
	return reconcile.MakePlan(cmd.Context(), db, cfg, reconcile.PlanOptions{Now: now, Scope: scope, Config: configRef(cfg), Preview: preview})
}

// writePlan saves a plan.
func writePlan(path string, p *reconcile.Plan) error {
	if err := writeAtomic(path, func(w io.Writer) error { return writeJSON(w, p) }); err != nil {
		return fmt.Errorf("--out %s: %w", path, err)
	}
	return nil
}

// writeAtomic writes a file through a temporary one renamed into place, so a
// half-written file never exists.
func writeAtomic(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".alignctl-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// readPlan loads a saved plan.
func readPlan(path string) (*reconcile.Plan, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var p reconcile.Plan
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("%s: not a saved plan: %v", path, err)
	}
	if p.FormatVersion == "" {
		return nil, fmt.Errorf("%s: not a saved plan (no format_version)", path)
	}
	return &p, nil
}
