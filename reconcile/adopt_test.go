package reconcile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestValidIDRefusesWhatAReviewerCannotSee(t *testing.T) {
	for _, c := range []struct {
		id, why string
	}{
		{"ONC-101", ""},
		{"Boston & Northern New England", ""},
		{"", "is empty"},
		{" ONC-101", "has leading or trailing white space"},
		{"ONC-101\t", "has leading or trailing white space"},
		{"ONC\x00101", "holds a control character"},
		{"ONC\n101", "holds a control character"},
	} {
		if got := validID(c.id); got != c.why {
			t.Errorf("validID(%q) = %q, want %q", c.id, got, c.why)
		}
	}
}

func TestScalarReadsBackAsTheSameString(t *testing.T) {
	for _, s := range []string{"ONC-101", "2026-01-01", "null", "true", "007", "1e3", "a: b", "- x", "# not a comment",
		"Cardio One, Boston", "{x}", "[y]", "it's", `say "hi"`, "two\nlines", " padded ", "*star", "&anchor", "!tag", "%", "@x", "`x"} {
		var back struct{ V string }
		if err := yaml.Unmarshal([]byte("v: "+scalar(s)+"\n"), &back); err != nil {
			t.Errorf("scalar(%q) = %s: %v", s, scalar(s), err)
			continue
		}
		if back.V != s {
			t.Errorf("scalar(%q) = %s reads back as %q", s, scalar(s), back.V)
		}
	}
}

func TestFileNameIsSafeOnEverySystem(t *testing.T) {
	for in, want := range map[string]string{
		"ONC-NAT":      "ONC-NAT",
		"a/b":          "a_b",
		"..":           "",
		".hidden":      "hidden",
		"Région Sud":   "R_gion_Sud",
		"C:\\x":        "C__x",
		"v1.2_final-3": "v1.2_final-3",
	} {
		if got := fileName(in); got != want {
			t.Errorf("fileName(%q) = %q, want %q", in, got, want)
		}
	}
	n := fileNames{}
	if a, b := n.of("territories", "a/b"), n.of("territories", "a_b"); a == b {
		t.Errorf("two ids got one file: %s", a)
	}
}

func TestWriteAdoptionNeverOverwrites(t *testing.T) {
	dir := t.TempDir()
	a := &Adoption{Files: []AdoptedFile{{Path: "field-forces.yaml", Data: []byte("new\n")}, {Path: "territories/X.yaml", Data: []byte("new\n")}}}
	if err := os.MkdirAll(filepath.Join(dir, "territories"), 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "territories", "X.yaml"), []byte("mine\n"), 0o666); err != nil {
		t.Fatal(err)
	}
	err := WriteAdoption(dir, a)
	if err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("WriteAdoption over an existing file: %v, want already exists", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "field-forces.yaml")); !os.IsNotExist(err) {
		t.Errorf("field-forces.yaml was written beside a file in the way: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "territories", "X.yaml")); string(b) != "mine\n" {
		t.Errorf("the file in the way holds %q", b)
	}
}

func TestHoldsComparesEveryWrittenField(t *testing.T) {
	rec := map[string]string{"id": "T1", "name__v": "ONC-101", "description__v": "Boston", "parent_territory__v": "T0", "modified_date__v": "x"}
	for _, c := range []struct {
		fields map[string]string
		want   bool
	}{
		{map[string]string{"name__v": "ONC-101", "description__v": "Boston", "parent_territory__v": "T0"}, true},
		{map[string]string{"name__v": "ONC-101", "description__v": "Boston", "parent_territory__v": "T0", "external_id__v": "aln:ter:ONC-101"}, true},
		{map[string]string{"name__v": "ONC-101", "description__v": "Boston North"}, false},
		{map[string]string{"name__v": "ONC-101", "region_code__c": ""}, true},
		{map[string]string{"name__v": "ONC-101", "country__v": "US"}, false},
		{map[string]string{"name__v": "ONC-101", "region_code__c": "US-MAIN"}, false},
	} {
		if got := holds(rec, c.fields); got != c.want {
			t.Errorf("holds(%v) = %v, want %v", c.fields, got, c.want)
		}
	}
	if holds(nil, map[string]string{}) {
		t.Error("a record the state never saw holds nothing")
	}
}
