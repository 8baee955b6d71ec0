package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/alignctl/alignctl/reconcile"
	"github.com/alignctl/alignctl/schema"
)

func validateCmd(g *globals) *cobra.Command {
	var ref, format string
	cmd := &cobra.Command{
		Use:   "validate",
		Short: "Check the config against the schema and its references",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkFormat(format, commandFormats); err != nil {
				return err
			}
			view := g.validateView(format)
			// Not through the config cache: validate does not work on the
			// state, and runs where there is none (CI).
			lc, err := g.loadConfigAt(ref, nil)
			if err != nil {
				// The JSON view holds the errors too, for a program; the
				// error still goes to stderr and exits 1.
				return errors.Join(view.render(g.stdout, invalidResult(err)), err)
			}
			var at *reconcile.ConfigRef
			if ref != "" {
				r := lc.ref
				r.Files = nil // per-file hashes are for stale saved plans
				at = &r
			}
			return view.render(g.stdout, newValidateResult(lc.cfg, at))
		},
	}
	cmd.Flags().StringVar(&ref, "ref", "", "validate the config at this git revision (branch, tag, commit, HEAD~1) instead of the work tree")
	cmd.Flags().StringVar(&format, "format", "text", "output: text or json")
	return cmd
}

// schemaFormats are the languages schema prints the config schema in: the
// schema is the output itself, not a report about one, so it has these
// instead of a text and a JSON view.
var schemaFormats = []string{"cue", "jsonschema"}

func schemaCmd(g *globals) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "schema",
		Short: "Print the config schema (CUE or JSON Schema)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkFormat(format, schemaFormats); err != nil {
				return err
			}
			switch format {
			case "cue":
				fmt.Fprint(g.stdout, schema.CUE())
			case "jsonschema":
				b, err := schema.JSONSchema()
				if err != nil {
					return err
				}
				fmt.Fprintln(g.stdout, string(b))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "cue", "cue or jsonschema")
	return cmd
}
