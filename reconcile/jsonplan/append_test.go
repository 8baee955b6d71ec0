package jsonplan

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/alignctl/alignctl/reconcile/jsonplan/jsonplantest"
)

// elemJSON is what Write wrote for a list element before the
// hand-written path: json.Encoder at depth 2, without the newline.
func elemJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("    ", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// checkElem compares the hand-written JSON of v with encoding/json's. Where
// the hand-written path declines, encoding/json must fail too: it declines
// nothing encoding/json could write.
func checkElem(t *testing.T, v any) {
	t.Helper()
	want, err := elemJSON(v)
	got, ok := AppendElem([]byte("prefix"), v)
	if !ok {
		if err == nil {
			t.Fatalf("hand-written path declined %#v, which encoding/json writes:\n%s", v, want)
		}
		return
	}
	if err != nil {
		t.Fatalf("hand-written path wrote %#v, which encoding/json fails on (%v):\n%s", v, err, got)
	}
	got, found := bytes.CutPrefix(got, []byte("prefix"))
	if !found || !bytes.Equal(got, want) {
		t.Fatalf("%#v:\nhand-written:\n%s\nencoding/json:\n%s", v, got, want)
	}
}

func TestHandWrittenLayout(t *testing.T) {
	if !handWritten {
		t.Fatal("a field of AssignmentChange, Interval, CRMChange or CRMField changed: update the appenders in append.go and their layout check")
	}
}

// The pieces random strings are made of: everything encoding/json escapes
// or replaces, and what it leaves alone.
var stringPieces = func() []string {
	p := []string{"", "a", "Z", "0", " ", "ACC-00000001", "matches rule r-1", `"`, `\`, "<", ">", "&", "</script>",
		"/", "'", "\u007f", "é", "日本", "\U0001F600", "\u2028", "\u2029", "\u2027", "\u202a", "\ufffd", "\ufeff",
		"\xff", "\xc3", "\xe2\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xc0\xaf", "\x80"}
	for c := range 0x20 {
		p = append(p, string(rune(c)))
	}
	return p
}()

func randString(r *rand.Rand) string {
	if r.IntN(4) == 0 {
		return ""
	}
	var b strings.Builder
	for range r.IntN(8) {
		b.WriteString(stringPieces[r.IntN(len(stringPieces))])
	}
	return b.String()
}

var zones = []*time.Location{time.UTC, time.Local, time.FixedZone("IST", 5*3600+1800), time.FixedZone("PST", -8*3600),
	time.FixedZone("", 0), time.FixedZone("odd", -(23*3600 + 59*60 + 59)), time.FixedZone("sec", 61), time.FixedZone("24h", 24*3600)}

// randTime is the zero time, or one in a random zone, some of them outside
// what RFC 3339 (and so time.Time's MarshalJSON) can write.
func randTime(r *rand.Rand) time.Time {
	switch r.IntN(6) {
	case 0:
		return time.Time{}
	case 1:
		years := []int{-1, 0, 1, 1969, 9999, 10000, 292277026596}
		return time.Date(years[r.IntN(len(years))], time.December, 31, 23, 59, 59, r.IntN(1e9), zones[r.IntN(len(zones))])
	}
	nsec := []int{0, 1, 500_000_000, 123_456_789, 999_999_999, 100}[r.IntN(6)]
	t := time.Date(2000+r.IntN(40), time.Month(1+r.IntN(12)), 1+r.IntN(28), r.IntN(24), r.IntN(60), r.IntN(60), nsec, zones[r.IntN(len(zones)-1)])
	if r.IntN(8) == 0 {
		t = time.Now() // a monotonic clock reading, which JSON ignores
	}
	return t
}

func randTimePtr(r *rand.Rand) *time.Time {
	if r.IntN(3) == 0 {
		return nil
	}
	t := randTime(r)
	return &t
}

func randChange(r *rand.Rand) *AssignmentChange {
	c := &AssignmentChange{Action: randString(r), ID: randString(r), Account: randString(r), Territory: randString(r),
		Instance: randString(r), Source: randString(r), Rule: randString(r), Origin: randString(r),
		StartDate: randTime(r), EndDate: randTimePtr(r), SendToCRM: r.IntN(2) == 0, Reason: randString(r)}
	if r.IntN(2) == 0 {
		c.Before = &Interval{StartDate: randTime(r), EndDate: randTimePtr(r)}
	}
	return c
}

func randCRMChange(r *rand.Rand) *CRMChange {
	c := &CRMChange{Instance: randString(r), Object: randString(r), Action: randString(r), Record: randString(r)}
	switch r.IntN(4) {
	case 0: // nil
	case 1:
		c.Fields = CRMFields{}
	default:
		for range r.IntN(5) {
			c.Fields = append(c.Fields, CRMField{randString(r), randString(r)})
		}
		if len(c.Fields) > 0 && r.IntN(4) == 0 { // a name twice
			c.Fields = append(c.Fields, c.Fields[0])
		}
	}
	return c
}

func TestHandWrittenElementsAreEncodingJSONs(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		checkElem(t, randChange(r))
		checkElem(t, randCRMChange(r))
	}
	// Every byte value, alone and in context, in every string field.
	for c := range 256 {
		s := string([]byte{byte(c)})
		for _, s := range []string{s, "a" + s + "b", s + s} {
			checkElem(t, &AssignmentChange{Action: s, ID: s, Account: s, Territory: s, Instance: s, Source: s, Rule: s, Origin: s, Reason: s})
			checkElem(t, &CRMChange{Instance: s, Object: s, Action: s, Record: s, Fields: CRMFields{{s, s}}})
		}
	}
	// Values, not pointers, and other types are not hand-written.
	for _, v := range []any{AssignmentChange{}, CRMChange{}, &TerritoryChange{}, "x"} {
		if _, ok := AppendElem(nil, v); ok {
			t.Errorf("hand-written path took %T", v)
		}
	}
}

// Whole plans of random elements: Write is still json.Encoder's JSON, with
// the digest.
func TestWriteRandomPlans(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 200 {
		p := samplePlan()
		var changes []AssignmentChange
		var crm, pending []CRMChange
		for range r.IntN(20) {
			c := randChange(r)
			if r.IntN(10) == 0 { // an element encoding/json fails on
				c.StartDate = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
			}
			changes = append(changes, *c)
		}
		for range r.IntN(20) {
			crm = append(crm, *randCRMChange(r))
		}
		if r.IntN(2) == 0 {
			pending = []CRMChange{*randCRMChange(r)}
		}
		p.AssignmentChanges, p.CRMChanges, p.PendingPush = ListOf(changes), ListOf(crm), ListOf(pending)
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetIndent("", "  ")
		wantErr := enc.Encode(p)
		var got bytes.Buffer
		gotErr := Write(&got, p)
		if (gotErr != nil) != (wantErr != nil) {
			t.Fatalf("Write error %v, json.Encoder error %v", gotErr, wantErr)
		}
		if wantErr == nil && !bytes.Equal(got.Bytes(), jsonplantest.Sealed(want.Bytes())) {
			t.Fatalf("Write differs from json.Encoder:\n%s\nwant:\n%s", got.Bytes(), want.Bytes())
		}
	}
}

// FuzzPlanElementJSON compares the hand-written JSON of an AssignmentChange
// and a CRMChange made of the fuzzer's strings and times with encoding/json's.
func FuzzPlanElementJSON(f *testing.F) {
	f.Add("create", "matches rule r<1> & \"more\" é \u2028", "A\x00\xff\n", int64(1772355600), int64(0), 0, uint8(0xff))
	f.Add("", "", "", int64(0), int64(0), 0, uint8(0))
	f.Add("\\", "\xed\xa0\x80", "\u2029\t", int64(-62135596800), int64(999999999), -8*3600, uint8(0x55))
	f.Add("x", "y", "z", int64(253402300800), int64(1), 24*3600, uint8(0xaa))
	f.Fuzz(func(t *testing.T, a, b, c string, sec, nsec int64, offset int, flags uint8) {
		zone := time.UTC
		if flags&1 != 0 {
			zone = time.FixedZone(b, offset)
		}
		tm := time.Unix(sec, nsec).In(zone)
		if flags&2 != 0 {
			tm = time.Time{}
		}
		end := tm.Add(time.Duration(nsec))
		ch := &AssignmentChange{Action: a, Account: b, Territory: c, Instance: a + b, Source: b + c, Origin: c + a,
			StartDate: tm, SendToCRM: flags&4 != 0, Reason: a + c}
		if flags&8 != 0 {
			ch.ID, ch.Rule = b, c
		}
		if flags&16 != 0 {
			ch.EndDate = &end
		}
		if flags&32 != 0 {
			ch.Before = &Interval{StartDate: end}
			if flags&64 != 0 {
				ch.Before.EndDate = &tm
			}
		}
		checkElem(t, ch)
		crm := &CRMChange{Instance: a, Object: b, Action: c, Record: a + b + c}
		switch flags >> 6 {
		case 1:
			crm.Fields = CRMFields{}
		case 2:
			crm.Fields = CRMFields{{a, b}}
		case 3:
			crm.Fields = CRMFields{{a, b}, {c, a}, {b, c}}
		}
		checkElem(t, crm)
	})
}

// mapFields is how CRMFields.UnmarshalJSON read every object before
// plainFields.
func mapFields(b []byte) (CRMFields, error) {
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	return FieldsOf(m), nil
}

// checkPlainFields: where plainFields reads an object, the map reads the
// same fields (nil and empty told apart).
func checkPlainFields(t *testing.T, b []byte) {
	t.Helper()
	got, ok := plainFields(b)
	if !ok {
		return
	}
	want, err := mapFields(b)
	if err != nil {
		t.Fatalf("plainFields read %q, which the map fails on: %v", b, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%q: plainFields %#v, map %#v", b, got, want)
	}
}

func TestPlainFieldsIsTheMaps(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	ws := []string{"", " ", "\n        ", "\t", "\r\n", "\v", "\u00a0"}
	other := []string{`null`, `1`, `true`, `{}`, `""`, `"\"`, `"\u0041"`, `"a\"b"`}
	plain := 0
	for range 50000 {
		var b strings.Builder
		b.WriteString(ws[r.IntN(len(ws))])
		if r.IntN(20) == 0 {
			b.WriteString(other[r.IntN(len(other))])
		} else {
			b.WriteString("{" + ws[r.IntN(len(ws))])
			names := []string{"account__v", "territory__v", "name__v", "a", "", "é", "\xff", "A\\u0041", "</x>"}
			n := r.IntN(4)
			for i := range n {
				if i > 0 {
					b.WriteString([]string{",", ", ", ",\n", ";", ""}[r.IntN(5)] + ws[r.IntN(len(ws))])
				}
				name := names[r.IntN(len(names))]
				if r.IntN(10) == 0 {
					name = randString(r)
				}
				value := randString(r)
				if r.IntN(2) == 0 {
					q, _ := json.Marshal(value)
					value = string(q)
				} else if r.IntN(10) != 0 {
					value = `"` + value + `"`
				}
				b.WriteString(`"` + name + `"` + ws[r.IntN(len(ws))] + []string{":", ": ", "", "="}[r.IntN(4)] + value + ws[r.IntN(len(ws))])
			}
			b.WriteString([]string{"}", "}", "}", "", "},", "}}"}[r.IntN(6)])
		}
		b.WriteString(ws[r.IntN(len(ws))])
		if _, ok := plainFields([]byte(b.String())); ok {
			plain++
		}
		checkPlainFields(t, []byte(b.String()))
	}
	if plain < 1000 {
		t.Errorf("plainFields read only %d of the random objects", plain)
	}
	// What Write writes, read back by the plain path.
	for _, f := range []CRMFields{{}, {{"account__v", "A01"}, {"territory__v", "ONC-1"}}, {{"a", "b"}, {"c", "é"}}} {
		b, err := elemJSON(&CRMChange{Fields: f})
		if err != nil {
			t.Fatal(err)
		}
		var c CRMChange
		if err := json.Unmarshal(b, &c); err != nil || !reflect.DeepEqual(c.Fields, f) && len(f) > 0 {
			t.Errorf("%s read back as %#v (%v)", b, c.Fields, err)
		}
		obj := []byte(`{}`)
		if len(f) > 0 {
			_, obj, _ = bytes.Cut(b, []byte(`"fields": `))
			obj = bytes.TrimSuffix(obj, []byte("\n    }"))
		}
		if got, ok := plainFields(obj); !ok || !reflect.DeepEqual(got, f) {
			t.Errorf("plainFields(%s) = %#v, %v", obj, got, ok)
		}
	}
}

// FuzzCRMFieldsUnmarshal compares plainFields with the map it spares.
func FuzzCRMFieldsUnmarshal(f *testing.F) {
	f.Add([]byte(`{"account__v":"A01","territory__v":"ONC-1"}`))
	f.Add([]byte("{\n        \"a\": \"b\",\n        \"c\": \"\\u003c\"\n      }"))
	f.Add([]byte(`{}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`{"b":"1","a":"2","a":"3"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		checkPlainFields(t, b)
	})
}
