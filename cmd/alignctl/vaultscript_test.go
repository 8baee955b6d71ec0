package main

import (
	"strconv"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/alignctl/alignctl/crm/vaulttest"
)

// vaultOtherCmd makes the script's fake Vault answer every later login
// with a session for another Vault (Vault's authentication defaulting):
// vaultother ID URL.
func vaultOtherCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: vaultother ID URL")
	}
	id, err := strconv.Atoi(args[0])
	ts.Check(err)
	ts.Value(vaultKey{}).(*vaulttest.Server).DefaultLoginsTo(id, args[1])
}
