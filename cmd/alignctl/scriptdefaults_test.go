package main

import (
	"os"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/alignctl/alignctl/cmd/alignctl/cli"
)

// scriptDefaults are the global flags a script's alignctl gets when its
// command line leaves them out, each from a variable of the script's
// environment: a script reads `exec alignctl plan` and shows only what it is
// about. `env SCRIPT_NOW=2026-03-02T09:00:00Z` moves a script's clock;
// `env SCRIPT_STATE=` gives the CLI's own default back (testdata/README.md).
var scriptDefaults = []struct{ flag, env, value string }{
	{"--config", "SCRIPT_CONFIG", "config"},
	{"--state", "SCRIPT_STATE", "state.duckdb"},
	{"--now", "SCRIPT_NOW", "2026-03-01T09:00:00Z"},
}

// setScriptDefaults puts the defaults in a script's environment.
func setScriptDefaults(env *testscript.Env) {
	for _, d := range scriptDefaults {
		env.Setenv(d.env, d.value)
	}
}

// withScriptDefaults returns the arguments with the default flags the
// arguments do not give put in front, in the order of scriptDefaults. The
// flags go in as arguments, not as settings, so the command line a plan
// prints to reproduce itself is the one a user would type. Outside a script
// (no SCRIPT_* variable) the arguments stay as they are.
func withScriptDefaults(args []string, getenv func(string) string) []string {
	var front []string
	for _, d := range scriptDefaults {
		v := getenv(d.env)
		if v == "" || givesFlag(args, d.flag) {
			continue
		}
		front = append(front, d.flag, v)
	}
	return append(front, args...)
}

// givesFlag reports whether args set the flag, as "--flag value" or
// "--flag=value", before any "--" that ends the flags.
func givesFlag(args []string, flag string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		if a == flag || strings.HasPrefix(a, flag+"=") {
			return true
		}
	}
	return false
}

// scriptAlignctl is the alignctl a script runs: the CLI with the script's
// default flags.
func scriptAlignctl() int {
	os.Args = append(os.Args[:1:1], withScriptDefaults(os.Args[1:], os.Getenv)...)
	return cli.Main()
}

func TestWithScriptDefaults(t *testing.T) {
	env := map[string]string{"SCRIPT_CONFIG": "config", "SCRIPT_STATE": "state.duckdb", "SCRIPT_NOW": "2026-03-01T09:00:00Z"}
	for _, tc := range []struct {
		name string
		env  map[string]string
		args string
		want string
	}{
		{"all defaults", env, "plan", "--config config --state state.duckdb --now 2026-03-01T09:00:00Z plan"},
		{"a flag given wins", env, "--now 2026-03-02T09:00:00Z plan", "--config config --state state.duckdb --now 2026-03-02T09:00:00Z plan"},
		{"a flag after the command", env, "plan --state s.duckdb", "--config config --now 2026-03-01T09:00:00Z plan --state s.duckdb"},
		{"flag=value", env, "--config=other plan", "--state state.duckdb --now 2026-03-01T09:00:00Z --config=other plan"},
		{"after -- is an argument", env, "explain -- --now", "--config config --state state.duckdb --now 2026-03-01T09:00:00Z explain -- --now"},
		{"an emptied default", map[string]string{"SCRIPT_CONFIG": "config"}, "plan", "--config config plan"},
		{"outside a script", nil, "plan", "plan"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := strings.Join(withScriptDefaults(strings.Fields(tc.args), func(k string) string { return tc.env[k] }), " ")
			if got != tc.want {
				t.Errorf("withScriptDefaults(%q) = %q, want %q", tc.args, got, tc.want)
			}
		})
	}
}
