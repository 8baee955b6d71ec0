// Command alignctl is territory alignment as code: it validates a config
// repository, imports CRM data, plans and applies account assignments, and
// pushes them to the CRM.
package main

import (
	"os"

	"github.com/alignctl/alignctl/cmd/alignctl/cli"
)

func main() { os.Exit(cli.Main()) }
