package cli

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/alignctl/alignctl/reconcile"
	"github.com/alignctl/alignctl/schema"
)

func adoptCmd(g *globals) *cobra.Command {
	var instance, out, fieldForce, format string
	cmd := &cobra.Command{
		Use:   "adopt --instance ID --out DIR",
		Short: "Write config that reproduces the alignment a CRM instance already holds",
		Long: `Read the territories, account territories, user territories, users and
setup products of a CRM instance named in the settings, and write under DIR
(a folder inside the config folder) the config that reproduces them: the
territory tree (ids from name__v, names from description__v), a field force
per root territory (or the one --field-force names), manual assignments for
the account territories an administrator made (self-assignments made by a
user of the territory stay crm assignments, as the first import makes them),
roster members from user_territory__v, and territory products. Comments say
which CRM record each part came from.

After adopt, validate passes, and import -> plan -> apply -> push writes
nothing to the CRM: its records are linked, not recreated. adopt never
overwrites a file, and writes nothing when the CRM holds what a config
cannot (each problem is listed with its record ids).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkFormat(format, commandFormats); err != nil {
				return err
			}
			if instance == "" {
				return fmt.Errorf("--instance is required: the id of the CRM instance in the settings to adopt")
			}
			if out == "" {
				return fmt.Errorf("--out is required: the folder inside the config folder to write the config to")
			}
			dir, err := adoptDir(g.config, out)
			if err != nil {
				return err
			}
			if fieldForce != "" && strings.TrimSpace(fieldForce) != fieldForce {
				return fmt.Errorf("--field-force %q: an id has no leading or trailing white space", fieldForce)
			}
			// Not through the config cache: adopt does not work on the state.
			cfg, err := schema.LoadDir(g.config)
			if err != nil {
				return err
			}
			run, err := g.startCRMRun(cfg, instance)
			if err != nil {
				return err
			}
			a, err := reconcile.Adopt(cmd.Context(), run.conns[instance], cfg, reconcile.AdoptOptions{
				Instance: run.instances[0], FieldForce: fieldForce, Now: run.now})
			if err != nil {
				return err
			}
			if err := reconcile.WriteAdoption(dir, a); err != nil {
				return err
			}
			return newAdoptView(format).render(g.stdout, newAdoptResult(instance, dir, a))
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&instance, "instance", "", "the CRM instance (settings crm_instances id) to adopt")
	fl.StringVar(&out, "out", "", "folder inside the config folder to write the config to (relative to --config)")
	fl.StringVar(&fieldForce, "field-force", "", "put every territory in one field force of this id (default: one per root territory)")
	fl.StringVar(&format, "format", "text", "output: text or json")
	return cmd
}

// adoptDir resolves --out against the config folder and refuses a folder
// outside it: what adopt writes is config, which validate reads from there.
func adoptDir(config, out string) (string, error) {
	dir := out
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(config, out)
	}
	absConfig, err := filepath.Abs(config)
	if err != nil {
		return "", err
	}
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	rel, err := filepath.Rel(absConfig, absDir)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("--out %s: not inside the config folder %s: adopt writes config, which alignctl reads from there", out, config)
	}
	for _, part := range strings.Split(rel, string(filepath.Separator)) {
		if strings.HasPrefix(part, ".") && part != "." {
			return "", fmt.Errorf("--out %s: alignctl does not read config from folders whose names start with '.'", out)
		}
	}
	return dir, nil
}
