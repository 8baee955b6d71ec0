package jsonplan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"

	"github.com/alignctl/alignctl/reconcile/jsonplan/jsonplantest"
)

// samplePlan is the plan of jsonplantest.SamplePlan, which reconcile's
// tests share: a value in every kind of plan field, and strings that
// encoding/json escapes.
func samplePlan() *Plan {
	var changes []AssignmentChange
	var crm, pending []CRMChange
	p := Plan{
		AssignmentChanges: List[AssignmentChange]{Add: func(c *AssignmentChange) { changes = append(changes, *c) }},
		CRMChanges:        List[CRMChange]{Add: func(c *CRMChange) { crm = append(crm, *c) }},
		PendingPush:       List[CRMChange]{Add: func(c *CRMChange) { pending = append(pending, *c) }},
	}
	if err := json.Unmarshal(jsonplantest.SamplePlan(), &p); err != nil {
		panic(fmt.Sprintf("the sample plan: %v", err))
	}
	p.AssignmentChanges = ListOf(listed(changes, p.AssignmentChanges.Listed))
	p.CRMChanges = ListOf(listed(crm, p.CRMChanges.Listed))
	p.PendingPush = ListOf(listed(pending, p.PendingPush.Listed))
	return &p
}

// listed is the elements read of a list: [] rather than nil when the JSON
// had the list, so that it is written again as it was.
func listed[T any](s []T, listed bool) []T {
	if listed && s == nil {
		return []T{}
	}
	return s
}

// Read hands Write's lists back element by element, tells null from empty
// from absent, and seals what it read.
func TestReadWhatWriteWrote(t *testing.T) {
	var saved bytes.Buffer
	if err := Write(&saved, samplePlan()); err != nil {
		t.Fatal(err)
	}
	var changes []AssignmentChange
	crm, pending := []CRMChange{}, []CRMChange{}
	p := Plan{
		AssignmentChanges: List[AssignmentChange]{Add: func(c *AssignmentChange) { changes = append(changes, *c) }},
		CRMChanges:        List[CRMChange]{Add: func(c *CRMChange) { crm = append(crm, *c) }},
		PendingPush:       List[CRMChange]{Add: func(c *CRMChange) { pending = append(pending, *c) }},
	}
	seal, err := Read(bytes.NewReader(saved.Bytes()), &p)
	if err != nil {
		t.Fatal(err)
	}
	if !seal.Last || seal.Digest == "" || seal.Digest != seal.Sum {
		t.Errorf("seal %+v", seal)
	}
	if !p.AssignmentChanges.Listed || !p.PendingPush.Listed || len(pending) != 0 || len(changes) != 3 || len(crm) != 3 {
		t.Fatalf("read %d changes, %d CRM changes, %d pending", len(changes), len(crm), len(pending))
	}
	want := samplePlan()
	var wantChanges []AssignmentChange
	for i := range want.AssignmentChanges.Len {
		var c AssignmentChange
		want.AssignmentChanges.Elem(i, &c)
		wantChanges = append(wantChanges, c)
	}
	if !reflect.DeepEqual(changes, wantChanges) {
		t.Errorf("changes %+v, want %+v", changes, wantChanges)
	}
	p.AssignmentChanges, p.CRMChanges, p.PendingPush = ListOf(changes), ListOf(crm), ListOf(pending)
	var again bytes.Buffer
	if err := Write(&again, &p); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.Bytes(), saved.Bytes()) {
		t.Errorf("written again:\n%s\nwant:\n%s", again.Bytes(), saved.Bytes())
	}
	var none Plan
	if _, err := Read(bytes.NewReader([]byte(`{"crm_changes": null}`)), &none); err != nil || none.CRMChanges.Listed || none.AssignmentChanges.Listed {
		t.Errorf("null and absent lists read as listed (%v)", err)
	}
}

// A Plan marshalled whole by encoding/json is Write's JSON without the
// digest; the sample plan so marshalled is the JSON it was read from.
func TestMarshalIsWrite(t *testing.T) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(samplePlan()); err != nil {
		t.Fatal(err)
	}
	if want := jsonplantest.SamplePlan(); !bytes.Equal(b.Bytes(), want) {
		t.Errorf("the sample plan read and written again:\n%s\nwant:\n%s", b.Bytes(), want)
	}
	var got bytes.Buffer
	if err := Write(&got, samplePlan()); err != nil {
		t.Fatal(err)
	}
	if want := jsonplantest.Sealed(b.Bytes()); !bytes.Equal(got.Bytes(), want) {
		t.Errorf("Write:\n%s\nencoding/json:\n%s", got.Bytes(), want)
	}
}
