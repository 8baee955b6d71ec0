// Package vaulttest is an in-process fake Veeva Vault for tests.
package vaulttest
