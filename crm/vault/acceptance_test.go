package vault_test

import (
	"os"
	"testing"
	"time"

	"github.com/alignctl/alignctl/crm/crmtest"
	"github.com/alignctl/alignctl/crm/vault"
	"github.com/alignctl/alignctl/crm/vaulttest"
)

// The acceptance suite's variables (README.md, "Acceptance suite"): a
// sandbox Vault, its integration user, and the territory name prefix the
// suite may create and delete under.
const (
	accURL      = "ALIGNCTL_ACC_VAULT_URL"
	accUsername = "ALIGNCTL_ACC_VAULT_USERNAME"
	accPassword = "ALIGNCTL_ACC_VAULT_PASSWORD"
	accPrefix   = "ALIGNCTL_ACC_TERRITORY_PREFIX"
	accVersion  = "ALIGNCTL_ACC_VAULT_API_VERSION" // optional, default v25.2
)

// TestAcceptanceLiveContract runs the live part of the connector contract
// against a real sandbox Vault. It talks to the network, so it runs only
// when the variables name one (make acceptance), as Terraform's acceptance
// tests run only with TF_ACC.
func TestAcceptanceLiveContract(t *testing.T) {
	for _, v := range []string{accURL, accUsername, accPassword, accPrefix} {
		if os.Getenv(v) == "" {
			t.Skipf("acceptance test against a real Vault: %s is not set (make acceptance says what to set)", v)
		}
	}
	version := os.Getenv(accVersion)
	if version == "" {
		version = "v25.2"
	}
	c, err := vault.New(vault.Config{BaseURL: os.Getenv(accURL), APIVersion: version,
		Username: os.Getenv(accUsername), Password: os.Getenv(accPassword)})
	if err != nil {
		t.Fatal(err)
	}
	crmtest.RunLive(t, c, os.Getenv(accPrefix), time.Now)
}

// The live contract holds against the fake Vault too: the suite itself is
// checked offline, on the fake's clock.
func TestLiveContractAgainstTheFake(t *testing.T) {
	s := vaulttest.New(vaulttest.WithClock(func() time.Time { return contractNow }))
	defer s.Close()
	c := newVault(t, s, 0)
	t.Run("live", func(t *testing.T) {
		crmtest.RunLive(t, c, "ACC-TEST", func() time.Time { return contractNow })
	})
	for _, r := range s.Rows("territory__v") {
		t.Errorf("left behind: %v", r)
	}
}
