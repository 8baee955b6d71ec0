package reconcile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/alignctl/alignctl/reconcile/jsonplan/jsonplantest"
)

// samplePlan is the plan of jsonplantest.SamplePlan, which jsonplan's
// tests share: a value in every kind of plan field, and strings that
// encoding/json escapes.
func samplePlan() *Plan {
	var p Plan
	if err := json.Unmarshal(jsonplantest.SamplePlan(), &p); err != nil {
		panic(fmt.Sprintf("the sample plan: %v", err))
	}
	return &p
}

// The sample plan reads into the engine's plan and writes back to the
// letter: the plan the tests below start from lost nothing of it.
func TestSamplePlanReadsWhole(t *testing.T) {
	if got, want := encoderJSON(t, samplePlan()), jsonplantest.SamplePlan(); !bytes.Equal(got, want) {
		t.Errorf("the sample plan written again:\n%s\nwant:\n%s", got, want)
	}
}

func encoderJSON(t testing.TB, v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func streamJSON(t testing.TB, p *Plan) []byte {
	var b bytes.Buffer
	if err := p.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// The saved plan is the JSON json.Encoder made before it was streamed, and
// its digest.
func TestWriteJSONIsTheEncodersJSON(t *testing.T) {
	for name, p := range map[string]*Plan{"sample": samplePlan(), "zero": {}, "empty lists": {
		AssignmentChanges: []AssignmentChange{}, CRMChanges: []CRMChange{}, PendingPush: []CRMChange{}, Conflicts: []Conflict{}, Warnings: []Warning{},
	}} {
		if got, want := streamJSON(t, p), jsonplantest.Sealed(encoderJSON(t, p)); !bytes.Equal(got, want) {
			t.Errorf("%s: WriteJSON differs from json.Encoder:\n%s\nwant:\n%s", name, got, want)
		}
	}
}

func TestReadPlanReadsWhatWriteJSONWrites(t *testing.T) {
	want := streamJSON(t, samplePlan())
	compact, err := json.Marshal(samplePlan())
	if err != nil {
		t.Fatal(err)
	}
	// Both the saved form and any other JSON of a plan, with a field this
	// alignctl does not know.
	other := append([]byte(`{"future_field": [1, {"a": null}], `), compact[1:]...)
	for name, in := range map[string][]byte{"saved": want, "compact": compact, "unknown field": other} {
		p, err := ReadPlan(bytes.NewReader(in))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := streamJSON(t, p); !bytes.Equal(got, want) {
			t.Errorf("%s: read back differs:\n%s\nwant:\n%s", name, got, want)
		}
	}
	if _, err := ReadPlan(bytes.NewReader([]byte(`{"assignment_changes": {}}`))); err == nil {
		t.Error("ReadPlan took an object for a list")
	}
}

// syntheticPlan is a first plan of n assignment creates and nearly as many
// account territories to push, as at 1 M accounts.
func syntheticPlan(n int) *Plan {
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	p := &Plan{FormatVersion: FormatVersion, Now: now, Conflicts: []Conflict{}, Warnings: []Warning{},
		AssignmentChanges: make([]AssignmentChange, n), CRMChanges: make([]CRMChange, 0, n)}
	for i := range p.AssignmentChanges {
		rule := fmt.Sprintf("r-%04d", i%10000)
		terr := fmt.Sprintf("T%04d", i%5000)
		p.AssignmentChanges[i] = AssignmentChange{Action: "create", Account: fmt.Sprintf("ACC-%08d", i), Territory: terr, Instance: "us",
			Source: "rule", Rule: rule, Origin: rule, StartDate: now, SendToCRM: true, Reason: "matches rule " + rule}
		if i%20 != 0 {
			p.CRMChanges = append(p.CRMChanges, CRMChange{Instance: "us", Object: "account_territory__v", Action: "create",
				Record: fmt.Sprintf("AT-%09d", i), Fields: CRMFields{{Name: "account__v", Value: fmt.Sprintf("ACC-%08d", i)}, {Name: "territory__v", Value: terr}}})
		}
	}
	return p
}

// BenchmarkSavedPlan writes a saved plan of 1 M assignment changes to a file
// and reads it back: "encoder" is how it was done before (json.Encoder with
// indent, os.ReadFile and json.Unmarshal), "stream" is WriteJSON and
// ReadPlan. Compare B/op.
func BenchmarkSavedPlan(b *testing.B) {
	p := syntheticPlan(1_000_000)
	path := filepath.Join(b.TempDir(), "plan.json")
	b.Run("encoder", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			f, err := os.Create(path)
			if err != nil {
				b.Fatal(err)
			}
			enc := json.NewEncoder(f)
			enc.SetIndent("", "  ")
			if err := enc.Encode(p); err != nil {
				b.Fatal(err)
			}
			f.Close()
			data, err := os.ReadFile(path)
			if err != nil {
				b.Fatal(err)
			}
			var q Plan
			if err := json.Unmarshal(data, &q); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("stream", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			f, err := os.Create(path)
			if err != nil {
				b.Fatal(err)
			}
			if err := p.WriteJSON(f); err != nil {
				b.Fatal(err)
			}
			f.Close()
			f, err = os.Open(path)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := ReadPlan(f); err != nil {
				b.Fatal(err)
			}
			f.Close()
		}
	})
}

// A saved plan is applied only as it was written: an edited body, a
// missing or moved digest, an older or newer format, a file cut short or
// not JSON are each refused with one line saying to plan again.
func TestSavedPlanRefusedUnlessAsWritten(t *testing.T) {
	saved := streamJSON(t, samplePlan())
	old := samplePlan()
	old.FormatVersion = "1"
	newer := samplePlan()
	newer.FormatVersion = "4"
	compact, err := json.Marshal(samplePlan())
	if err != nil {
		t.Fatal(err)
	}
	digestLine := saved[bytes.LastIndex(saved, []byte(",\n  \"digest\"")):]
	for _, tc := range []struct {
		name string
		in   []byte
		want string // "" for accepted
	}{
		{"as written", saved, ""},
		{"an account changed", bytes.Replace(saved, []byte(`"account": "A01"`), []byte(`"account": "A09"`), 1), "its body does not match its digest"},
		{"the violations deleted", bytes.Replace(saved, []byte(`"guardrail_violations": [`), []byte(`"guardrail_violations": [], "was": [`), 1), "its body does not match its digest"},
		{"one blank added", bytes.Replace(saved, []byte("{\n"), []byte("{ \n"), 1), "its body does not match its digest"},
		{"reformatted", append(compact[:len(compact)-1], digestLine...), "its body does not match its digest"},
		{"the digest changed", bytes.Replace(saved, []byte(`"sha256:`), []byte(`"sha256:0`), 1), "its body does not match its digest"},
		{"no digest", encoderJSON(t, samplePlan()), "plan has no digest"},
		{"the digest not last", bytes.Replace(saved, []byte("\n}\n"), []byte(",\n  \"x\": 1\n}\n"), 1), "its digest is not its last field"},
		{"an older format_version", streamJSON(t, old), `older alignctl (format_version "1"; this one reads "2" and "3"); run alignctl plan again`},
		{"an older plan, no digest", encoderJSON(t, old), `older alignctl (format_version "1"`},
		{"a newer format_version", streamJSON(t, newer), "newer alignctl"},
		{"no format_version", []byte(`{"now": "2026-03-01T09:00:00Z"}`), "no format_version"},
		{"cut short", saved[:len(saved)/2], "the file ends before the plan does (cut short?)"},
		{"cut short in the digest", saved[:len(saved)-20], "cut short?"},
		{"not JSON", []byte("plan: yes\n"), "not a saved plan: invalid character"},
		{"empty", nil, "cut short?"},
		{"data after the plan", append(bytes.Clone(saved), "{}"...), "not a saved plan: data after"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadSavedPlan(bytes.NewReader(tc.in))
			checkPlanFileError(t, err, tc.want)
		})
	}
}

// The digest is checked while the plan is read, whatever the sizes of the
// reads that bring its bytes: the bytes held back for the digest field
// straddle reads of one byte, of half the asked, and of whole buffers.
func TestSavedPlanDigestAcrossReads(t *testing.T) {
	saved := streamJSON(t, syntheticPlan(5000))
	edited := bytes.Replace(saved, []byte(`"ACC-00004999"`), []byte(`"ACC-00004998"`), 1)
	for name, wrap := range map[string]func(io.Reader) io.Reader{
		"whole": func(r io.Reader) io.Reader { return r }, "one byte": iotest.OneByteReader, "half": iotest.HalfReader,
		"data with EOF": iotest.DataErrReader,
	} {
		if _, err := ReadSavedPlan(wrap(bytes.NewReader(saved))); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if _, err := ReadSavedPlan(wrap(bytes.NewReader(edited))); err == nil || !strings.Contains(err.Error(), "does not match its digest") {
			t.Errorf("%s: an edit near the end: %v", name, err)
		}
	}
}

// checkPlanFileError fails unless err is what reading a plan file should
// give: nil when want is "", else a one-line *PlanFileError that says want.
func checkPlanFileError(t *testing.T, err error, want string) {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Fatalf("refused: %v", err)
	case want != "" && err == nil:
		t.Fatal("accepted")
	case want != "" && !strings.Contains(err.Error(), want):
		t.Fatalf("error %q does not say %q", err, want)
	case err != nil && strings.Contains(err.Error(), "\n"):
		t.Fatalf("error is not one line: %q", err)
	}
	var pf *PlanFileError
	if err != nil && !errors.As(err, &pf) {
		t.Fatalf("error %T is not a *PlanFileError", err)
	}
}
