package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/alignctl/alignctl/schema"
)

func validateCmd(g *globals) *cobra.Command {
	var ref string
	cmd := &cobra.Command{
		Use:   "validate",
		Short: "Check the config against the schema and its references",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			// Not through the config cache: validate does not work on the
			// state, and runs where there is none (CI).
			lc, err := g.loadConfigAt(ref, nil)
			if err != nil {
				return err
			}
			cfg := lc.cfg
			rules := 0
			for _, f := range cfg.FieldForces {
				rules += len(f.Rules)
			}
			for _, t := range cfg.Territories {
				rules += len(t.Rules)
			}
			at := ""
			if ref != "" {
				at = " at " + describeConfig(lc.ref)
			}
			fmt.Fprintf(g.stdout, "config%s is valid: %d files, %d field forces, %d territories, %d rules, %d roster members\n",
				at, len(cfg.Files), len(cfg.FieldForces), len(cfg.Territories), rules, len(cfg.RosterMembers))
			for _, w := range cfg.AttributeWarnings() {
				fmt.Fprintln(g.stderr, "warning: "+w)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&ref, "ref", "", "validate the config at this git revision (branch, tag, commit, HEAD~1) instead of the work tree")
	return cmd
}

func schemaCmd(g *globals) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "schema",
		Short: "Print the config schema (CUE or JSON Schema)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch format {
			case "cue":
				fmt.Fprint(g.stdout, schema.CUE())
			case "jsonschema":
				b, err := schema.JSONSchema()
				if err != nil {
					return err
				}
				fmt.Fprintln(g.stdout, string(b))
			default:
				return fmt.Errorf("--format %q: must be cue or jsonschema", format)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "cue", "cue or jsonschema")
	return cmd
}
