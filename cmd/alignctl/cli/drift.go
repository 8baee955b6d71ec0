package cli

import "github.com/spf13/cobra"

func driftCmd(g *globals) *cobra.Command {
	return &cobra.Command{Use: "drift", Hidden: true}
}
