// Package jsonplantest holds what the tests of the plan's public form and
// of the engine's plan share: one sample plan and how a plan is sealed.
package jsonplantest

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"fmt"
)

// samplePlan has a value in every kind of plan field, and strings that
// encoding/json escapes, as json.Encoder with SetIndent("", "  ") writes
// them (no digest).
//
//go:embed sample-plan.json
var samplePlan []byte

// SamplePlan is the sample plan's JSON: jsonplan's tests read it into the
// public form, reconcile's into the engine's plan.
func SamplePlan() []byte { return bytes.Clone(samplePlan) }

// Sealed is a plan's JSON as json.Encoder writes it with the digest field
// the definition gives: the SHA-256 of the bytes up to the end of the last
// value, as the last field.
func Sealed(encoded []byte) []byte {
	body := bytes.TrimSuffix(encoded, []byte("}\n"))
	body = bytes.TrimSuffix(body, []byte("\n"))
	sum := sha256.Sum256(body)
	sep := ","
	if bytes.Equal(body, []byte("{")) {
		sep = ""
	}
	return fmt.Appendf(bytes.Clone(body), "%s\n  \"digest\": \"sha256:%x\"\n}\n", sep, sum)
}
