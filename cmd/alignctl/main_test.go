package main

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/alignctl/alignctl/crm/vaulttest"
)

var update = flag.Bool("update", false, "rewrite the expected output (cmp files) in testdata/script")

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"alignctl": func() { os.Exit(scriptAlignctl()) },
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
			"unzip":      unzipCmd,
			"vaultrows":  vaultRowsCmd,
			"vaultmerge": vaultMergeCmd,
			"vaultother": vaultOtherCmd,
			"nosecrets":  noSecretsCmd,
			"gitinit":    gitInitCmd, "gitcommit": gitCommitCmd, "gittag": gitTagCmd,
			"holdlock": holdLockCmd, "awaitwaiter": awaitWaiterCmd, "releaselock": releaseLockCmd,
			"seal": sealCmd,
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
			// A fake Vault per script, holding the fixture's CRM data, for
			// the vault_* scripts (settings with type: vault, url $VAULT_URL).
			v, err := fakeVault(env.WorkDir + "/crm")
			if err != nil {
				return err
			}
			env.Defer(v.Close)
			env.Values[vaultKey{}] = v
			env.Setenv("VAULT_URL", v.URL())
			env.Setenv("ALIGN_VAULT_USERNAME", "integration@example.com")
			env.Setenv("ALIGN_VAULT_PASSWORD", vaultPassword)
			env.Setenv("NO_COLOR", "1")
			// Every plan made twice checks the evaluation cache against an evaluation.
			env.Setenv("ALIGNCTL_PLAN_CACHE", "verify")
			// Every plan with changes keeps them in files (reconcile/spool.go), as
			// a plan of many changes does; plan_spool.txtar compares the two.
			env.Setenv("ALIGNCTL_PLAN_SPOOL_AT", "1")
			env.Setenv("ALIGNCTL_STATE", "")
			setScriptDefaults(env)
			env.Values[heldLocksKey{}] = heldLocks{}
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

type vaultKey struct{}

// vaultPassword is the fake Vault's password: scripts check it never shows.
const vaultPassword = "s3cret-Pa55word"

// fakeVault starts an in-process Vault seeded with a snapshot folder.
func fakeVault(dir string, opts ...vaulttest.Option) (*vaulttest.Server, error) {
	opts = append([]vaulttest.Option{vaulttest.WithUser("integration@example.com", vaultPassword),
		vaulttest.WithClock(func() time.Time { return time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC) })}, opts...)
	v := vaulttest.New(opts...)
	if err := v.SeedFolder(dir); err != nil {
		v.Close()
		return nil, err
	}
	return v, nil
}

// vaultRowsCmd prints an object's rows in the script's fake Vault, one line
// per record (fields sorted), for stdout expectations.
func vaultRowsCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: vaultrows OBJECT")
	}
	v := ts.Value(vaultKey{}).(*vaulttest.Server)
	for _, r := range v.Rows(args[0]) {
		keys := make([]string, 0, len(r))
		for k := range r {
			if k != "modified_date__v" {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		var parts []string
		for _, k := range keys {
			parts = append(parts, k+"="+r[k])
		}
		fmt.Fprintln(ts.Stdout(), strings.Join(parts, " "))
	}
}

// vaultMergeCmd merges two records in the script's fake Vault as Vault CRM
// does: every reference to the loser moves to the winner, the loser is
// deleted with merged_into.
func vaultMergeCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: vaultmerge OBJECT LOSER WINNER")
	}
	ts.Check(ts.Value(vaultKey{}).(*vaulttest.Server).Merge(args[0], args[1], args[2]))
}

// sealCmd recomputes a saved plan's digest after the script edited it, as a
// forger would (docs/plan-json.md gives the definition): the SHA-256 of the
// bytes up to the comma before the digest field. It shows that apply judges
// what a plan does, not only its seal.
func sealCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: seal PLAN")
	}
	path := ts.MkAbs(args[0])
	b, err := os.ReadFile(path)
	ts.Check(err)
	// A saved plan (docs/plan-json.md): the header is sealed again, the
	// body kept, and the footer gives the header's new length.
	const magic = " alignctl-plan\n"
	// The header ends after its digest: found, not taken from the footer,
	// since an edit may have changed its length.
	header, rest := b, []byte(nil)
	if len(b) > 20+len(magic) && string(b[len(b)-len(magic):]) == magic {
		d := bytes.Index(b, []byte("\n  \"digest\": "))
		end := bytes.Index(b[max(d, 0):], []byte("\n}\n"))
		if d < 0 || end < 0 {
			ts.Fatalf("%s has no digest field", args[0])
		}
		n := d + end + 3
		header, rest = b[:n], b[n:len(b)-len(magic)-20]
	}
	i := bytes.LastIndex(header, []byte(",\n  \"digest\": "))
	if i < 0 {
		ts.Fatalf("%s has no digest field", args[0])
	}
	sum := sha256.Sum256(header[:i])
	out := fmt.Appendf(bytes.Clone(header[:i]), ",\n  \"digest\": \"sha256:%x\"\n}\n", sum)
	if rest != nil {
		headerLen := len(out)
		out = fmt.Appendf(append(out, rest...), "%020d%s", headerLen, magic)
	}
	ts.Check(os.WriteFile(path, out, 0o644))
}
