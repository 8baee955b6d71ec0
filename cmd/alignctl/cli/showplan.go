package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

// showPlan prints a saved plan (plan --out) in a plan view: with --format
// json, the plan's JSON exactly as plan --format json printed it, for the
// programs that read plans (a saved plan's body is Parquet).
func (g *globals) showPlan(cmd *cobra.Command, path, format string) error {
	view, err := g.planView(format)
	if err != nil {
		return err
	}
	p, err := readPlan(path)
	if err != nil {
		return err
	}
	defer p.Close()
	if err := p.LoadBody(cmd.Context()); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return view.render(g.stdout, p)
}
