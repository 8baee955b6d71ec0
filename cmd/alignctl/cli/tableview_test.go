package cli

import (
	"bytes"
	"testing"
)

func TestWriteVersioned(t *testing.T) {
	for _, tc := range []struct {
		name string
		obj  any
		want string
	}{
		{"fields after the version", struct {
			A int    `json:"a"`
			B string `json:"b"`
		}{1, "<x>"}, "{\n  \"format_version\": \"1\",\n  \"a\": 1,\n  \"b\": \"\\u003cx\\u003e\"\n}\n"},
		{"an empty object", struct{}{}, "{\n  \"format_version\": \"1\"\n}\n"},
		{"a map", map[string]int{"rows": 2}, "{\n  \"format_version\": \"1\",\n  \"rows\": 2\n}\n"},
	} {
		var b bytes.Buffer
		if err := writeVersioned(&b, tc.obj); err != nil || b.String() != tc.want {
			t.Errorf("%s: %q (%v), want %q", tc.name, b.String(), err, tc.want)
		}
	}
	if err := writeVersioned(&bytes.Buffer{}, []int{1}); err == nil {
		t.Error("a list was written as an object")
	}
}

func TestListJSON(t *testing.T) {
	var b bytes.Buffer
	if err := (listJSON[int]{"rows"}).render(&b, nil); err != nil {
		t.Fatal(err)
	}
	if want := "{\n  \"format_version\": \"1\",\n  \"rows\": []\n}\n"; b.String() != want {
		t.Errorf("%q, want %q", b.String(), want)
	}
}
