package cli

import (
	"context"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/alignctl/alignctl/schema"
)

// completeIDs wires shell completion (alignctl completion bash|zsh|fish)
// for the ids commands take: territories and CRM instances from the config,
// accounts from the state; and the values of --format and --direction.
// Completion reads only what is cheap: a config that does not load, or a
// state that is locked or missing, completes nothing rather than fail.
func (g *globals) completeIDs(root *cobra.Command) {
	formats := map[string][]string{
		"plan":     planFormats,
		"show":     showFormats,
		"explain":  commandFormats,
		"mappings": commandFormats,
		"init":     commandFormats,
		"schema":   schemaFormats,
		"validate": commandFormats,
		"import":   commandFormats,
		"apply":    commandFormats,
		"push":     commandFormats,
		"drift":    commandFormats,
		"adopt":    commandFormats,
	}
	for _, cmd := range root.Commands() {
		if f := cmd.Flags().Lookup("territory"); f != nil {
			cmd.RegisterFlagCompletionFunc("territory", g.completeTerritories)
		}
		if f := cmd.Flags().Lookup("instance"); f != nil {
			cmd.RegisterFlagCompletionFunc("instance", g.completeInstances)
		}
		if f := cmd.Flags().Lookup("account"); f != nil {
			cmd.RegisterFlagCompletionFunc("account", g.completeAccounts)
		}
		if f := cmd.Flags().Lookup("direction"); f != nil {
			cmd.RegisterFlagCompletionFunc("direction", cobra.FixedCompletions([]string{"inbound", "outbound"}, cobra.ShellCompDirectiveNoFileComp))
		}
		if list, ok := formats[cmd.Name()]; ok {
			cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions(list, cobra.ShellCompDirectiveNoFileComp))
		}
		switch cmd.Name() {
		case "explain":
			cmd.ValidArgsFunction = func(cmd *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
				switch len(args) {
				case 0:
					return g.completeAccounts(cmd, args, prefix)
				case 1:
					return g.completeTerritories(cmd, args, prefix)
				}
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
		case "show":
			cmd.ValidArgs = []string{"summary", "assignments", "imports", "pushes", "overrides", "plan"}
		}
	}
}

func (g *globals) completeTerritories(_ *cobra.Command, _ []string, prefix string) ([]string, cobra.ShellCompDirective) {
	cfg, err := schema.LoadDir(g.config)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for _, t := range cfg.Territories {
		if strings.HasPrefix(t.ID, prefix) {
			out = append(out, t.ID+"\t"+t.Name)
		}
	}
	slices.Sort(out)
	return out, cobra.ShellCompDirectiveNoFileComp
}

func (g *globals) completeInstances(_ *cobra.Command, _ []string, prefix string) ([]string, cobra.ShellCompDirective) {
	cfg, err := schema.LoadDir(g.config)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for _, i := range cfg.Settings.CRMInstances {
		if strings.HasPrefix(i.ID, prefix) {
			out = append(out, i.ID)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// accountsCompleted bounds how many account ids one completion lists.
const accountsCompleted = 200

func (g *globals) completeAccounts(cmd *cobra.Command, _ []string, prefix string) ([]string, cobra.ShellCompDirective) {
	if _, err := os.Stat(g.state); err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp // no state yet: nothing to offer, nothing to create
	}
	ctx := cmd.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	db, err := g.openStateReadOnly(ctx)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	defer db.Close()
	ids, err := db.AccountIDs(ctx, prefix, accountsCompleted)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return ids, cobra.ShellCompDirectiveNoFileComp
}
