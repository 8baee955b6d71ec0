package cli

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/alignctl/alignctl/reconcile"
	"github.com/alignctl/alignctl/schema"
)

func mappingsCmd(g *globals) *cobra.Command {
	var direction, object, format, instance string
	var check bool
	cmd := &cobra.Command{
		Use:   "mappings",
		Short: "List the effective field mappings; with --check, find mapped fields the CRM lacks",
		Long: `List the field mappings in effect, as Align's "View Field Map" shows them:
per CRM object, the system mappings Align ships (active unless the config
deactivates them) and the config's custom ones; inbound (CRM -> Align, the
CRM Objects tab) and outbound (Align -> CRM, the Align Objects tab).

With --check, ask each CRM instance for the fields of every object the config
maps (file CRM: the CSV header; Vault: the object metadata) and report every
active mapping the config names whose field the CRM lacks, at its YAML file
and line; exit 1 if there is one.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if direction != "" && direction != "inbound" && direction != "outbound" {
				return fmt.Errorf("--direction %q: must be inbound or outbound", direction)
			}
			if err := checkFormat(format, commandFormats); err != nil {
				return err
			}
			// Not through the config cache: mappings does not work on the state.
			cfg, err := schema.LoadDir(g.config)
			if err != nil {
				return err
			}
			keep := func(m reconcile.FieldMapping) bool {
				return (direction == "" || m.Direction == direction) && (object == "" || m.Object == object)
			}
			if check {
				run, err := g.startCRMRun(cfg, instance)
				if err != nil {
					return err
				}
				problems, err := reconcile.CheckMappings(cmd.Context(), run.cfg, run.instances, run.conns)
				if err != nil {
					return err
				}
				problems = slices.DeleteFunc(problems, func(p reconcile.MappingProblem) bool { return !keep(p.Mapping) })
				check := &mappingCheck{Instances: len(run.instances), Problems: problems}
				if err := newMappingCheckView(format).render(g.stdout, check); err != nil || len(problems) == 0 {
					return err
				}
				// The JSON view holds the problems too, for a program; they
				// still go to stderr, one a line, and exit 1.
				lines := make([]string, len(problems))
				for i, p := range problems {
					lines[i] = p.Error()
				}
				return fmt.Errorf("%s", strings.Join(lines, "\n"))
			}
			all := slices.DeleteFunc(reconcile.EffectiveMappings(cfg), func(m reconcile.FieldMapping) bool { return !keep(m) })
			if object != "" && len(all) == 0 {
				return fmt.Errorf("--object %s: no mappings of that object", object)
			}
			return newMappingsView(format).render(g.stdout, all)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&direction, "direction", "", "only inbound (CRM -> Align) or outbound (Align -> CRM)")
	fl.StringVar(&object, "object", "", "only this CRM object")
	fl.StringVar(&format, "format", "text", "text or json")
	fl.BoolVar(&check, "check", false, "check every mapped field against the CRM's object fields; exit 1 naming each one missing")
	fl.StringVar(&instance, "instance", "", "with --check: only this CRM instance")
	return cmd
}
