package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/duckdb/duckdb-go/v2"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/alignctl/alignctl/crm/vaulttest"
)

// noSecretsCmd fails when the script's fake Vault password, or any session
// id the fake Vault issued, shows in the last command's stdout or stderr, in
// the bytes of any file under $WORK (plans, logs, state, temporary files),
// or in any value of any table of a DuckDB database there (compression
// could hide a value from a search of the file's bytes).
func noSecretsCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: nosecrets")
	}
	sessions := ts.Value(vaultKey{}).(*vaulttest.Server).SessionIDs()
	if len(sessions) == 0 {
		ts.Fatalf("nosecrets: the fake Vault issued no session yet: nothing to look for")
	}
	secrets := map[string]string{"the Vault password": vaultPassword}
	for i, s := range sessions {
		secrets[fmt.Sprintf("session id %d of %d", i+1, len(sessions))] = s
	}
	check := func(where string, data []byte) {
		for name, s := range secrets {
			if bytes.Contains(data, []byte(s)) {
				ts.Fatalf("%s holds %s", where, name)
			}
		}
	}
	check("the last command's stdout", []byte(ts.ReadFile("stdout")))
	check("the last command's stderr", []byte(ts.ReadFile("stderr")))
	work := ts.Getenv("WORK")
	files := 0
	err := filepath.WalkDir(work, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(work, path)
		check(rel, data)
		files++
		if strings.HasSuffix(path, ".duckdb") {
			for _, s := range secrets {
				if table, err := duckDBHolds(path, s); err != nil {
					return fmt.Errorf("%s: %w", rel, err)
				} else if table != "" {
					ts.Fatalf("%s: table %s holds a secret", rel, table)
				}
			}
		}
		return nil
	})
	ts.Check(err)
	ts.Logf("nosecrets: %d secrets, in stdout, stderr and %d files", len(secrets), files)
}

// duckDBHolds returns a table of the database at path whose rows, as text,
// contain s; "" when none does.
func duckDBHolds(path, s string) (string, error) {
	ctx := context.Background()
	conn, err := duckdb.NewConnector(path+"?access_mode=read_only&autoinstall_known_extensions=false&autoload_known_extensions=false", nil)
	if err != nil {
		return "", err
	}
	db := sql.OpenDB(conn)
	defer db.Close()
	rows, err := db.QueryContext(ctx, `SELECT schema_name, table_name FROM duckdb_tables() WHERE NOT temporary`)
	if err != nil {
		return "", err
	}
	var tables [][2]string
	for rows.Next() {
		var t [2]string
		if err := rows.Scan(&t[0], &t[1]); err != nil {
			rows.Close()
			return "", err
		}
		tables = append(tables, t)
	}
	rows.Close()
	for _, t := range tables {
		name := `"` + strings.ReplaceAll(t[0], `"`, `""`) + `"."` + strings.ReplaceAll(t[1], `"`, `""`) + `"`
		var n int
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM `+name+` AS r WHERE contains(CAST(r AS VARCHAR), ?)`, s).Scan(&n); err != nil {
			return "", fmt.Errorf("table %s: %w", t[1], err)
		}
		if n > 0 {
			return t[1], nil
		}
	}
	return "", nil
}

// duckDBHolds finds a value in a table of a database file, however DuckDB
// stored it.
func TestDuckDBHolds(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.duckdb")
	conn, err := duckdb.NewConnector(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(conn)
	for _, q := range []string{
		`CREATE TABLE pushes AS SELECT 'session ' || (i % 7) AS note FROM range(200000) t(i)`,
		`INSERT INTO pushes VALUES ('x-` + vaultPassword + `-y')`,
		`CHECKPOINT`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	for s, want := range map[string]string{vaultPassword: "pushes", "absent": ""} {
		if got, err := duckDBHolds(path, s); err != nil || got != want {
			t.Errorf("duckDBHolds(%q) = %q, %v; want %q", s, got, err, want)
		}
	}
}
