package cli

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/alignctl/alignctl/crm"
	"github.com/alignctl/alignctl/crm/file"
	"github.com/alignctl/alignctl/query"
	"github.com/alignctl/alignctl/reconcile"
)

func importCmd(g *globals) *cobra.Command {
	var instance string
	var full bool
	var format string
	cmd := &cobra.Command{
		Use:   "import",
		Short: "Import CRM data into the state (incremental; --full re-reads everything)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkFormat(format, commandFormats); err != nil {
				return err
			}
			view := g.importView(format)
			// nil before the first import makes the state (configCache).
			cache := g.configCache()
			cfg, err := cache.LoadDir(g.config)
			if err != nil {
				return err
			}
			r, err := g.startCRMRun(cfg, instance)
			if err != nil {
				return err
			}
			now := r.now
			var sources []reconcile.Source
			for _, inst := range r.instances {
				sources = append(sources, reconcile.Source{Instance: inst.ID, CRM: r.conns[inst.ID], Countries: inst.SelectedCountries()})
			}
			if cfg.Settings.DataLoader != "" && instance == "" {
				sources = append(sources, reconcile.Source{Instance: query.DataLoader,
					CRM: file.New(g.configPath(cfg.Settings.DataLoader), func() time.Time { return now })})
			}
			db, err := g.openState(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			bar := newProgress(g.stderr, "import", len(sources)*(len(crm.ImportObjects)+len(cfg.CriterionObjects())))
			rep, err := reconcile.Import(cmd.Context(), db, cfg, sources, reconcile.ImportOptions{Now: now, Full: full,
				MappedObjects: cfg.CriterionObjects(), Mappings: reconcile.Mappings(cfg),
				Progress: func(instance, object string) { bar.describe("import " + instance + " " + object) }})
			bar.done()
			if err != nil {
				return err
			}
			// The first import read the config without the cache, which
			// exists now beside the state it made: it keeps the config for
			// the plan after it.
			if cache == nil {
				g.configCache().StoreDir(g.config, cfg)
			}
			return view.render(g.stdout, newImportResult(now, rep))
		},
	}
	cmd.Flags().StringVar(&instance, "instance", "", "import this CRM instance only")
	cmd.Flags().BoolVar(&full, "full", false, "re-read every record, not only those changed since the last import")
	cmd.Flags().StringVar(&format, "format", "text", "output: text or json")
	return cmd
}
