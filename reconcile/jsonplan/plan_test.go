package jsonplan

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"
)

func samplePlan() *Plan {
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	end := now.AddDate(1, 0, 0)
	yes := true
	four := 4
	return &Plan{
		FormatVersion: FormatVersion, Now: now, StateSerial: 7,
		Config: ConfigRef{Commit: "abc", Hash: "h", Files: map[string]string{"settings.yaml": "1", "a.yaml": "2"}},
		Scope:  Scope{Territory: "ONC-1", Territories: []string{"ONC-1", "ONC-2"}, SendToCRM: &yes},
		AssignmentChanges: ListOf([]AssignmentChange{
			{Action: "create", Account: "A01", Territory: "ONC-1", Instance: "us", Source: "rule", Rule: "r<1>", Origin: "r<1>",
				StartDate: now, SendToCRM: true, Reason: "matches rule r<1> & \"more\" é \u2028"},
			{Action: "end", ID: "AT-000000002", Account: "A03", Territory: "ONC-2", Instance: "us", Source: "crm", Origin: "V0X",
				StartDate: now, EndDate: &now, Before: &Interval{StartDate: now, EndDate: &end}, Reason: "territory ended"},
		}),
		TerritoryChanges: []TerritoryChange{{Action: "create", Territory: "ONC-1"}, {Action: "update", Territory: "ONC-2", Fields: []string{"name"}}},
		ConfigChanges:    []ConfigChange{},
		CRMChanges: ListOf([]CRMChange{
			{Instance: "us", Object: "account_territory__v", Action: "create", Record: "AT-1", Fields: CRMFields{{"account__v", "A01"}, {"territory__v", "ONC-1"}}},
			{Instance: "us", Object: "account_territory__v", Action: "delete", Record: "AT-2"},
		}),
		PendingPush:         ListOf([]CRMChange{}),
		Conflicts:           []string{"field force X is exclusive"},
		GuardrailViolations: []GuardrailViolation{{Territory: "ONC-1", Accounts: 3, Min: &four, Message: "under"}},
		Balance: []FieldForceBalance{{FieldForce: "ONC", Territories: 2, Before: Spread{Min: 1, Median: 1.5, Max: 2, CV: 0.143},
			Furthest: []TerritoryAccounts{{Territory: "ONC-1", Before: 1, After: 2}}}},
		Summary: Summary{Create: 1, End: 1, PerTerritory: map[string]TerritoryCount{"ONC-1": {Create: 1}, "ONC-2": {End: 1}}},
		Base:    &ConfigRef{Commit: "b0", Ref: "v1"},
		Command: "alignctl plan --base v1",
	}
}

// sealedJSON is a plan's JSON as json.Encoder writes it with the digest
// field the definition gives.
func sealedJSON(encoded []byte) []byte {
	body := bytes.TrimSuffix(encoded, []byte("}\n"))
	body = bytes.TrimSuffix(body, []byte("\n"))
	sum := sha256.Sum256(body)
	sep := ","
	if bytes.Equal(body, []byte("{")) {
		sep = ""
	}
	return fmt.Appendf(bytes.Clone(body), "%s\n  \"digest\": \"sha256:%x\"\n}\n", sep, sum)
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
	if !p.AssignmentChanges.Listed || !p.PendingPush.Listed || len(pending) != 0 || len(changes) != 2 || len(crm) != 2 {
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
// digest.
func TestMarshalIsWrite(t *testing.T) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(samplePlan()); err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if err := Write(&got, samplePlan()); err != nil {
		t.Fatal(err)
	}
	if want := sealedJSON(b.Bytes()); !bytes.Equal(got.Bytes(), want) {
		t.Errorf("Write:\n%s\nencoding/json:\n%s", got.Bytes(), want)
	}
}
