package reconcile

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func savedBytes(t testing.TB, p *Plan) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := p.WriteSaved(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func readSavedBytes(t testing.TB, b []byte) (*Plan, error) {
	t.Helper()
	p, err := readSaved(bytes.NewReader(b), int64(len(b)), t.TempDir())
	if p != nil {
		t.Cleanup(func() { p.Close() })
	}
	return p, err
}

// A saved plan read back, its body loaded, is the plan's JSON again, byte
// for byte: the body loses nothing the JSON holds.
func TestSavedPlanRoundTrip(t *testing.T) {
	for name, p := range map[string]*Plan{"sample": samplePlan(), "no changes": {FormatVersion: FormatVersion,
		AssignmentChanges: []AssignmentChange{}, CRMChanges: []CRMChange{}}} {
		t.Run(name, func(t *testing.T) {
			saved := savedBytes(t, p)
			if !bytes.HasPrefix(saved, []byte("{\n  \"format_version\": \"3\",")) {
				t.Fatalf("the saved plan does not start with its header: %q", saved[:40])
			}
			got, err := readSavedBytes(t, saved)
			if err != nil {
				t.Fatal(err)
			}
			if got.Body == nil || got.body == nil || got.Body.AssignmentChanges.Rows != len(p.AssignmentChanges) {
				t.Fatalf("body not read: %+v", got.Body)
			}
			if err := got.LoadBody(context.Background()); err != nil {
				t.Fatal(err)
			}
			if want, have := streamJSON(t, p), streamJSON(t, got); !bytes.Equal(want, have) {
				t.Fatalf("the plan read back differs:\n%s\nwant:\n%s", have, want)
			}
		})
	}
}

// The body keeps the plan's order at any size: DuckDB writes Parquet in
// parallel, row groups of 122,880 rows.
func TestSavedPlanKeepsOrder(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a plan of 400,000 changes")
	}
	p := syntheticPlan(400000)
	got, err := readSavedBytes(t, savedBytes(t, p))
	if err != nil {
		t.Fatal(err)
	}
	if err := got.LoadBody(context.Background()); err != nil {
		t.Fatal(err)
	}
	for i := range p.AssignmentChanges {
		if got.AssignmentChanges[i].Account != p.AssignmentChanges[i].Account {
			t.Fatalf("change %d is %s, want %s", i, got.AssignmentChanges[i].Account, p.AssignmentChanges[i].Account)
		}
	}
	for i := range p.CRMChanges {
		if got.CRMChanges[i].Record != p.CRMChanges[i].Record {
			t.Fatalf("CRM change %d is %s, want %s", i, got.CRMChanges[i].Record, p.CRMChanges[i].Record)
		}
	}
}

// Every byte of a saved plan is sealed: the header by its digest, the body
// by the digests the header gives, the footer by the lengths it must match.
func TestSavedPlanRefusesEdits(t *testing.T) {
	saved := savedBytes(t, syntheticPlan(2000))
	headerLen, _, err := savedHeaderLen(bytes.NewReader(saved), int64(len(saved)))
	if err != nil {
		t.Fatal(err)
	}
	flip := func(at int64) []byte {
		b := bytes.Clone(saved)
		b[at] ^= 1
		return b
	}
	bodyLen := int64(len(saved)) - footerLen - headerLen
	for _, tc := range []struct {
		name string
		in   []byte
		want string
	}{
		{"as saved", saved, ""},
		{"a header byte", bytes.Replace(saved, []byte(`"state_serial": 0`), []byte(`"state_serial": 1`), 1), "its body does not match its digest"},
		{"the first body byte", flip(headerLen), "its body does not match its digest"},
		{"a body byte", flip(headerLen + bodyLen/2), "its body does not match its digest"},
		{"the last body byte", flip(headerLen + bodyLen - 1), "its body does not match its digest"},
		{"a byte added to the body", append(append(bytes.Clone(saved[:headerLen+1]), 'x'), saved[headerLen+1:]...), "do not fill it"},
		{"cut in the body", append(bytes.Clone(saved[:headerLen+10]), saved[len(saved)-int(footerLen):]...), "do not fill it"},
		{"footer length too long", append(bytes.Clone(saved[:len(saved)-int(footerLen)]), fmt.Sprintf("%020d alignctl-plan\n", len(saved))...), "footer"},
		{"footer length not a number", append(bytes.Clone(saved[:len(saved)-int(footerLen)]), "0000000000000000000x alignctl-plan\n"...), "footer"},
		{"footer cut", saved[:len(saved)-3], "not a saved plan"},
		{"header without body", saved[:headerLen], "without its body"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := readSavedBytes(t, tc.in)
			checkPlanFileError(t, err, tc.want)
		})
	}
}

// A plan's JSON (format_version "2": plan --format json, or a plan saved
// by an earlier alignctl) is still a plan to apply.
func TestSavedPlanReadsJSON(t *testing.T) {
	p, err := readSavedBytes(t, streamJSON(t, samplePlan()))
	if err != nil {
		t.Fatal(err)
	}
	if p.body != nil || len(p.AssignmentChanges) != 3 || p.FormatVersion != FormatVersion {
		t.Fatalf("read %+v", p)
	}
}

// FuzzSavedPlan: whatever the bytes (header, offsets, footer), reading a
// saved plan returns a plan or a one-line error, never a panic.
func FuzzSavedPlan(f *testing.F) {
	saved := savedBytes(f, samplePlan())
	f.Add(saved)
	f.Add(streamJSON(f, samplePlan()))
	f.Add([]byte("{}00000000000000000002 alignctl-plan\n"))
	f.Add([]byte("00000000000000000000 alignctl-plan\n"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := readSaved(bytes.NewReader(b), int64(len(b)), dir)
		if err != nil {
			var pf *PlanFileError
			if errors.As(err, &pf) && strings.Contains(err.Error(), "\n") {
				t.Fatalf("error is not one line: %q", err)
			}
			return
		}
		defer p.Close()
		// Only a body whose digests the sealed header gives is accepted:
		// one alignctl wrote, which reads back.
		if err := p.LoadBody(context.Background()); err != nil {
			t.Fatalf("an accepted body does not read back: %v", err)
		}
	})
}
