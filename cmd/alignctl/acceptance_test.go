package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/alignctl/alignctl/cmd/alignctl/cli"
	"github.com/alignctl/alignctl/crm"
	"github.com/alignctl/alignctl/crm/crmtest"
	"github.com/alignctl/alignctl/crm/vault"
)

// TestAcceptanceVaultCycle runs import -> plan -> apply -> push -> re-plan
// against a sandbox Vault named by the acceptance variables (README.md,
// "Acceptance suite"; make acceptance), with a config of one field force
// and two territories under the prefix, and no rules, so that it assigns
// nothing. It deletes the territory__v records it created. Without the
// variables it is skipped: CI stays offline.
func TestAcceptanceVaultCycle(t *testing.T) {
	vars := map[string]string{}
	for _, v := range []string{"ALIGNCTL_ACC_VAULT_URL", "ALIGNCTL_ACC_VAULT_USERNAME", "ALIGNCTL_ACC_VAULT_PASSWORD", "ALIGNCTL_ACC_TERRITORY_PREFIX"} {
		if vars[v] = os.Getenv(v); vars[v] == "" {
			t.Skipf("acceptance test against a real Vault: %s is not set (make acceptance says what to set)", v)
		}
	}
	version := os.Getenv("ALIGNCTL_ACC_VAULT_API_VERSION")
	if version == "" {
		version = "v25.2"
	}
	country := os.Getenv("ALIGNCTL_ACC_COUNTRY")
	if country == "" {
		country = "US"
	}
	acceptanceCycle(t, vars, version, country, time.Now())
}

// acceptanceCycle is the cycle of TestAcceptanceVaultCycle at now, with
// the variables in vars (the credentials are read from the environment, as
// the config's credentials_env says).
func acceptanceCycle(t *testing.T, vars map[string]string, version, country string, at time.Time) {
	prefix := vars["ALIGNCTL_ACC_TERRITORY_PREFIX"]
	dir := t.TempDir()
	config := filepath.Join(dir, "config")
	if err := os.MkdirAll(config, 0o777); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"settings.yaml": "kind: settings\ntimezone: UTC\ncrm_instances:\n  - id: sandbox\n    type: vault\n    url: " + vars["ALIGNCTL_ACC_VAULT_URL"] +
			"\n    api_version: " + version + "\n    credentials_env: ALIGNCTL_ACC_VAULT\n    countries: [" + country + "]\n",
		"alignment.yaml": "kind: field_force\nid: " + prefix + "-FF\nname: alignctl acceptance\nstart_date: 2026-01-01\n---\n" +
			"kind: territory\nid: " + prefix + "-ROOT\nname: alignctl acceptance root\nparent: null\nfield_force: " + prefix + "-FF\ncrm_instance: sandbox\ncountry: " + country + "\nstart_date: 2026-01-01\n---\n" +
			"kind: territory\nid: " + prefix + "-CHILD\nname: alignctl acceptance child\nparent: " + prefix + "-ROOT\nfield_force: " + prefix + "-FF\ncrm_instance: sandbox\ncountry: " + country + "\nstart_date: 2026-01-01\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(config, name), []byte(body), 0o666); err != nil {
			t.Fatal(err)
		}
	}
	conn, err := vault.New(vault.Config{BaseURL: vars["ALIGNCTL_ACC_VAULT_URL"], APIVersion: version,
		Username: vars["ALIGNCTL_ACC_VAULT_USERNAME"], Password: vars["ALIGNCTL_ACC_VAULT_PASSWORD"]})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { deleteUnder(t, conn, prefix) })

	now := at.UTC().Format(time.RFC3339)
	run := func(want int, args ...string) string {
		t.Helper()
		var out, errs bytes.Buffer
		args = append([]string{"--config", config, "--state", filepath.Join(dir, "state.duckdb"), "--now", now}, args...)
		if code := cli.Run(context.Background(), args, &out, &errs); code != want {
			t.Fatalf("alignctl %s: exit %d, want %d\n%s%s", strings.Join(args[6:], " "), code, want, out.String(), errs.String())
		}
		if s := out.String() + errs.String(); strings.Contains(s, vars["ALIGNCTL_ACC_VAULT_PASSWORD"]) {
			t.Fatalf("alignctl %s printed the password", strings.Join(args[6:], " "))
		}
		return out.String()
	}
	run(0, "import")
	run(0, "plan", "--out", filepath.Join(dir, "plan.json"))
	run(0, "apply", filepath.Join(dir, "plan.json"))
	run(0, "push")
	if out := run(0, "plan", "--detailed-exitcode"); !strings.Contains(out, "No changes") {
		t.Errorf("the re-plan after push is not empty:\n%s", out)
	}
}

// deleteUnder deletes the sandbox's territory__v records named under prefix
// (children first: Vault refuses to delete a parent that has children).
func deleteUnder(t *testing.T, c *vault.Client, prefix string) {
	ctx := context.Background()
	for _, suffix := range []string{"-CHILD", "-ROOT"} {
		ex, err := c.Export(ctx, crm.Territory, time.Time{})
		if err != nil {
			t.Errorf("cleaning up under %s: %v", prefix, err)
			return
		}
		ids := territoryIDs(t, ex, prefix+suffix)
		if len(ids) > 0 {
			if _, err := c.Delete(ctx, crm.Territory, ids); err != nil {
				t.Errorf("cleaning up %s%s: %v", prefix, suffix, err)
			}
		}
	}
}

// territoryIDs are the ids of the territory__v records of an export whose
// name__v is name; it releases the export.
func territoryIDs(t *testing.T, ex crm.Export, name string) []string {
	t.Helper()
	ids, names := crmtest.Column(t, ex, "id", "name__v")
	var out []string
	for i, n := range names {
		if n == name {
			out = append(out, ids[i])
		}
	}
	return out
}

// The cycle holds against the fake Vault too, offline: the suite itself is
// checked by every go test.
func TestAcceptanceCycleAgainstTheFake(t *testing.T) {
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	v, err := fakeVault(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	vars := map[string]string{"ALIGNCTL_ACC_VAULT_URL": v.URL(), "ALIGNCTL_ACC_VAULT_USERNAME": "integration@example.com",
		"ALIGNCTL_ACC_VAULT_PASSWORD": vaultPassword, "ALIGNCTL_ACC_TERRITORY_PREFIX": "ACCTEST"}
	t.Setenv("ALIGNCTL_ACC_VAULT_USERNAME", vars["ALIGNCTL_ACC_VAULT_USERNAME"])
	t.Setenv("ALIGNCTL_ACC_VAULT_PASSWORD", vars["ALIGNCTL_ACC_VAULT_PASSWORD"])
	t.Run("cycle", func(t *testing.T) {
		acceptanceCycle(t, vars, "v25.2", "US", at)
		if n := len(v.Rows(crm.Territory)); n != 2 {
			t.Errorf("%d territory__v records after the push, want 2", n)
		}
	})
	if rows := v.Rows(crm.Territory); len(rows) != 0 {
		t.Errorf("left behind: %v", rows)
	}
}
