package main

import (
	"archive/zip"
	"fmt"
	"io"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/alignctl/alignctl/cmd/alignctl/cli"
)

var update = flag.Bool("update", false, "rewrite the expected output (cmp files) in testdata/script")

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"alignctl": func() { os.Exit(cli.Main()) },
	})
}

// TestScripts runs every CLI behaviour in testdata/script/*.txtar: input
// files, commands and expected output side by side.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "../../testdata/script",
		UpdateScripts:       *update,
		RequireExplicitExec: true,
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"unzip": unzipCmd,
		},
		Setup: func(env *testscript.Env) error {
			// Every script starts from the same small config repo and file CRM.
			if err := os.CopyFS(env.WorkDir, os.DirFS("../../testdata/fixture")); err != nil {
				return err
			}
			examples, err := filepath.Abs("../../examples")
			if err != nil {
				return err
			}
			env.Setenv("EXAMPLES", examples)
			env.Setenv("NO_COLOR", "1")
			env.Setenv("ALIGNCTL_STATE", "")
			return nil
		},
	})
}

// unzipCmd prints each file of a zip archive as a txtar section
// ("-- name --" then its content), for cmp against a golden section.
func unzipCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: unzip FILE")
	}
	r, err := zip.OpenReader(ts.MkAbs(args[0]))
	ts.Check(err)
	defer r.Close()
	for _, f := range r.File {
		rc, err := f.Open()
		ts.Check(err)
		b, err := io.ReadAll(rc)
		ts.Check(err)
		rc.Close()
		fmt.Fprintf(ts.Stdout(), "== %s ==\n%s", f.Name, b)
	}
}
