// Package cli is alignctl's command line: flags, output and exit codes. The
// work is done by the reconcile, query, crm and schema packages.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/alignctl/alignctl/schema"
)

// Main runs alignctl with os.Args and returns the exit status.
func Main() int {
	stop := setRuntime()
	defer stop()
	return Run(context.Background(), os.Args[1:], os.Stdout, os.Stderr)
}

// exitError carries an exit status other than 1 (plan's detailed exit code 2).
type exitError struct{ code int }

func (e *exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// globals are the flags every command that reads config or state takes.
type globals struct {
	config string
	state  string
	now    string
	args   []string // as given, for the command that reproduces a plan
	stdout io.Writer
	stderr io.Writer
	// lockTimeout is how long to wait while another process holds the state.
	lockTimeout time.Duration
	// command names this run in the state lock ("alignctl apply"); unlock
	// releases the lock once openState has taken it.
	command string
	unlock  func() error
	// buildID identifies the executable once it has been read (build).
	buildID *string
	// configCaches are the config caches the command used, which may still
	// be storing an entry (waitConfigCaches).
	configCaches []*schema.ConfigCache
}

// Now is the execution time: --now, or the clock.
func (g *globals) Now() (time.Time, error) {
	if g.now == "" {
		return time.Now().UTC(), nil
	}
	t, err := time.Parse(time.RFC3339, g.now)
	if err != nil {
		return time.Time{}, fmt.Errorf("--now %q: not an RFC 3339 time (e.g. 2026-07-01T09:00:00Z)", g.now)
	}
	return t.UTC(), nil
}

// Run runs alignctl with the given arguments; tests call it in-process.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	g := &globals{stdout: stdout, stderr: stderr, args: args}
	root := &cobra.Command{
		Use:           "alignctl",
		Short:         "Territory alignment as code: plan and apply account assignments, push them to the CRM",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetArgs(args)
	defaultState := os.Getenv("ALIGNCTL_STATE")
	if defaultState == "" {
		defaultState = ".alignctl/state.duckdb"
	}
	pf := root.PersistentFlags()
	pf.StringVar(&g.config, "config", ".", "config repository folder")
	pf.StringVar(&g.state, "state", defaultState, "state database file (env ALIGNCTL_STATE)")
	pf.StringVar(&g.now, "now", "", "execution time, RFC 3339 (default: the clock)")
	pf.DurationVar(&g.lockTimeout, "lock-timeout", 0, "how long to wait while another alignctl holds the state, e.g. 5m (default: fail at once, naming it)")
	root.PersistentPreRun = func(cmd *cobra.Command, _ []string) { g.command = cmd.CommandPath() }
	root.AddCommand(
		initCmd(g), validateCmd(g), schemaCmd(g), importCmd(g), planCmd(g), applyCmd(g), pushCmd(g), showCmd(g), explainCmd(g), mappingsCmd(g),
		adoptCmd(g), driftCmd(g),
	)
	g.completeIDs(root)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return err })
	execErr := root.ExecuteContext(ctx)
	g.waitConfigCaches()
	err := errors.Join(execErr, g.unlockState())
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	for _, line := range strings.Split(strings.TrimRight(err.Error(), "\n"), "\n") {
		fmt.Fprintln(stderr, "alignctl: "+line)
	}
	return 1
}
