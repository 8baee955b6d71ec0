package cli

import (
	"github.com/spf13/cobra"

	"github.com/alignctl/alignctl/reconcile"
)

func explainCmd(g *globals) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "explain ACCOUNT [TERRITORY]",
		Short: "Say why an account is or is not assigned: each rule's criteria with the account's values, exclusions, dates",
		Args:  cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format, commandFormats); err != nil {
				return err
			}
			now, err := g.Now()
			if err != nil {
				return err
			}
			cfg, err := g.loadConfig()
			if err != nil {
				return err
			}
			territory := ""
			if len(args) == 2 {
				territory = args[1]
			}
			db, err := g.openStateReadOnly(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			ex, err := reconcile.Explain(cmd.Context(), db, cfg, args[0], territory, now)
			if err != nil {
				return err
			}
			return newExplainView(format).render(g.stdout, ex)
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "text or json")
	return cmd
}
