package file_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alignctl/alignctl/crm"
	"github.com/alignctl/alignctl/crm/crmtest"
	"github.com/alignctl/alignctl/crm/file"
)

var now = time.Date(2026, 11, 1, 9, 30, 0, 0, time.UTC)

func clock() time.Time { return now }

func TestContract(t *testing.T) {
	crmtest.Run(t, func(t *testing.T, seed map[string][][]string) crm.Connector {
		dir := t.TempDir()
		for object, rows := range seed {
			writeCSV(t, filepath.Join(dir, object+".csv"), rows)
		}
		return file.New(dir, clock)
	})
}

func TestExportIsTheFile(t *testing.T) {
	dir := t.TempDir()
	writeCSV(t, filepath.Join(dir, "account__v.csv"), [][]string{{"id", "modified_date__v"}, {"ACC-000001", "2026-01-05T10:00:00Z"}})
	c := file.New(dir, clock)
	ex, err := c.Export(t.Context(), crm.Account, now)
	if err != nil {
		t.Fatal(err)
	}
	ex.Cleanup()
	if want := filepath.Join(dir, "account__v.csv"); ex.Path != want {
		t.Errorf("Export path = %q, want %q", ex.Path, want)
	}
	if _, err := os.Stat(ex.Path); err != nil {
		t.Errorf("Cleanup removed the CRM's own file: %v", err)
	}
	ex, err = c.Export(t.Context(), crm.Call, time.Time{})
	if err != nil || ex.Path != "" || ex.Cleanup == nil {
		t.Errorf("Export of a missing file = %+v, %v; want no path and no error", ex, err)
	}
	if _, err := c.Export(t.Context(), "../account__v", time.Time{}); err == nil {
		t.Error("Export of ../account__v: no error")
	}
}

func TestFields(t *testing.T) {
	dir := t.TempDir()
	header := []string{"id", "name__v", "tier__c", "modified_date__v"}
	writeCSV(t, filepath.Join(dir, "account__v.csv"), [][]string{header})
	c := file.New(dir, clock)
	got, err := c.Fields(t.Context(), crm.Account)
	if err != nil || !slices.Equal(got, header) {
		t.Errorf("Fields = %v, %v; want %v", got, err, header)
	}
	_, err = c.Fields(t.Context(), crm.Call)
	if !errors.Is(err, crm.ErrUnknownObject) {
		t.Errorf("Fields of a missing file: %v, want crm.ErrUnknownObject", err)
	}
}

func TestIDPrefix(t *testing.T) {
	for object, want := range map[string]string{
		crm.Territory:        "TER-",
		crm.AccountTerritory: "ATR-",
		crm.UserTerritory:    "UTR-",
		crm.MySetupProducts:  "MSP-",
		crm.Account:          "ACC-",
		crm.Call:             "CAL-",
		"x_y__c":             "XYC-",
		"a1b2c3d":            "ABC-",
	} {
		if got := file.IDPrefix(object); got != want {
			t.Errorf("IDPrefix(%s) = %q, want %q", object, got, want)
		}
	}
}

func TestDeterministicIDs(t *testing.T) {
	dir := t.TempDir()
	writeCSV(t, filepath.Join(dir, "territory__v.csv"), [][]string{
		{"id", "name__v", "modified_date__v"},
		{"TER-000003", "ONC-NAT", "2026-01-05T10:00:00Z"},
		{"TER-00000X", "odd id", "2026-01-05T10:00:00Z"},
		{"V0B000000000201", "made in Vault", "2026-01-05T10:00:00Z"},
	})
	writeCSV(t, filepath.Join(dir, "deletions.csv"), [][]string{
		{"object", "id", "deleted_date", "merged_into"},
		{"territory__v", "TER-000007", "2026-02-01T00:00:00Z", ""},
		{"account__v", "TER-000050", "2026-02-01T00:00:00Z", ""}, // another object's: no effect
	})
	c := file.New(dir, clock)
	ids := create(t, c, crm.Territory, crm.Record{"name__v": "ONC-NE"}, crm.Record{"name__v": "ONC-101"})
	if want := []string{"TER-000008", "TER-000009"}; !slices.Equal(ids, want) {
		t.Errorf("Create ids = %v, want %v", ids, want)
	}
	ids = create(t, c, "foo_bar__c", crm.Record{"b": "2", "a": "1"})
	if want := []string{"FOO-000001"}; !slices.Equal(ids, want) {
		t.Errorf("Create ids in a new file = %v, want %v", ids, want)
	}
	if got, want := readFile(t, filepath.Join(dir, "foo_bar__c.csv")), "id,a,b,modified_date__v\nFOO-000001,1,2,2026-11-01T09:30:00Z\n"; got != want {
		t.Errorf("new file =\n%s\nwant\n%s", got, want)
	}
	// Delete the newest record: its sequence is still taken.
	if res, err := c.Delete(t.Context(), crm.Territory, []string{"TER-000009"}); err != nil || res[0].Err != nil {
		t.Fatalf("Delete: %v %v", err, res)
	}
	ids = create(t, c, crm.Territory, crm.Record{"name__v": "ONC-102"})
	if want := []string{"TER-000010"}; !slices.Equal(ids, want) {
		t.Errorf("Create after Delete ids = %v, want %v", ids, want)
	}
}

func TestCreateWritesNowAndExtendsHeader(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "account_territory__v.csv")
	writeCSV(t, path, [][]string{
		{"id", "account__v", "territory__v", "modified_date__v"},
		{"ATR-000001", "ACC-000001", "TER-000001", "2026-01-05T10:00:00Z"},
	})
	c := file.New(dir, clock)
	create(t, c, crm.AccountTerritory, crm.Record{"account__v": "ACC-000002", "territory__v": "TER-000001", "created_by__v": "USE-000001"})
	want := "id,account__v,territory__v,modified_date__v,created_by__v\n" +
		"ATR-000001,ACC-000001,TER-000001,2026-01-05T10:00:00Z,\n" +
		"ATR-000002,ACC-000002,TER-000001,2026-11-01T09:30:00Z,USE-000001\n"
	if got := readFile(t, path); got != want {
		t.Errorf("after Create:\n%s\nwant\n%s", got, want)
	}
	res, err := c.Update(t.Context(), crm.AccountTerritory, []crm.Record{{"id": "ATR-000001", "note__c": "kept, \"quoted\""}})
	if err != nil || res[0].Err != nil {
		t.Fatalf("Update: %v %v", err, res)
	}
	want = "id,account__v,territory__v,modified_date__v,created_by__v,note__c\n" +
		"ATR-000001,ACC-000001,TER-000001,2026-11-01T09:30:00Z,,\"kept, \"\"quoted\"\"\"\n" +
		"ATR-000002,ACC-000002,TER-000001,2026-11-01T09:30:00Z,USE-000001,\n"
	if got := readFile(t, path); got != want {
		t.Errorf("after Update:\n%s\nwant\n%s", got, want)
	}
}

func TestUpdateKeepsOtherRows(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "territory__v.csv")
	rows := [][]string{
		{"name__v", "id", "description__v", "modified_date__v"}, // id need not come first
		{"ONC-NAT", "TER-000001", "Oncology, national \"root\"", "2026-01-05T10:00:00Z"},
		{"ONC-NE", "TER-000002", "two\nlines", "2026-01-05T10:00:00Z"},
		{"ONC-101", "TER-000003", "  São Paulo, Zürich  ", "2026-01-05T10:00:00Z"},
		{"", "TER-000004", "", "2026-01-05T10:00:00Z"},
	}
	writeCSV(t, path, rows)
	c := file.New(dir, clock)
	res, err := c.Update(t.Context(), crm.Territory, []crm.Record{{"id": "TER-000002", "description__v": "Northeast"}})
	if err != nil || res[0].Err != nil {
		t.Fatalf("Update: %v %v", err, res)
	}
	got := parseCSV(t, path)
	want := slices.Clone(rows)
	want[2] = []string{"ONC-NE", "TER-000002", "Northeast", "2026-11-01T09:30:00Z"}
	if !equalRows(got, want) {
		t.Errorf("after Update:\n%q\nwant\n%q", got, want)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("folder holds %d entries after a write, want the one file (no temporary files left)", len(entries))
	}
}

func TestDeleteLogsDeletions(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "user_territory__v.csv")
	writeCSV(t, path, [][]string{
		{"id", "user__v", "territory__v", "modified_date__v"},
		{"UTR-000001", "USE-000001", "TER-000001", "2026-01-05T10:00:00Z"},
		{"UTR-000002", "USE-000002", "TER-000001", "2026-01-05T10:00:00Z"},
		{"UTR-000003", "USE-000003", "TER-000001", "2026-01-05T10:00:00Z"},
	})
	c := file.New(dir, clock)
	res, err := c.Delete(t.Context(), crm.UserTerritory, []string{"UTR-000003", "UTR-000404", "UTR-000001", "UTR-000003", ""})
	if err != nil {
		t.Fatal(err)
	}
	for i, wantErr := range []bool{false, true, false, true, true} {
		if (res[i].Err != nil) != wantErr {
			t.Errorf("result %d = %+v, want error %v", i, res[i], wantErr)
		}
		var re *crm.RecordError
		if wantErr && (!errors.As(res[i].Err, &re) || re.Type != file.InvalidData) {
			t.Errorf("result %d: err = %v, want a RecordError of type %s", i, res[i].Err, file.InvalidData)
		}
	}
	if got, want := readFile(t, path), "id,user__v,territory__v,modified_date__v\nUTR-000002,USE-000002,TER-000001,2026-01-05T10:00:00Z\n"; got != want {
		t.Errorf("after Delete:\n%s\nwant\n%s", got, want)
	}
	want := "object,id,deleted_date,merged_into\n" +
		"user_territory__v,UTR-000003,2026-11-01T09:30:00Z,\n" +
		"user_territory__v,UTR-000001,2026-11-01T09:30:00Z,\n"
	if got := readFile(t, filepath.Join(dir, "deletions.csv")); got != want {
		t.Errorf("deletions.csv:\n%s\nwant\n%s", got, want)
	}
}

func TestUnknownIDsWriteNothing(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "territory__v.csv")
	writeCSV(t, path, [][]string{{"id", "modified_date__v"}, {"TER-000001", "2026-01-05T10:00:00Z"}})
	before := readFile(t, path)
	c := file.New(dir, clock)
	res, err := c.Update(t.Context(), crm.Territory, []crm.Record{{"id": "TER-000404", "new__c": "x"}, {"name__v": "no id"}})
	if err != nil || res[0].Err == nil || res[1].Err == nil {
		t.Fatalf("Update = %v, %v; want two record errors", res, err)
	}
	if res[1].ID != "1" {
		t.Errorf("record without id: result ID = %q, want its index 1", res[1].ID)
	}
	if res, err := c.Delete(t.Context(), crm.Territory, []string{"TER-000404"}); err != nil || res[0].Err == nil {
		t.Fatalf("Delete = %v, %v; want a record error", res, err)
	}
	if res, err := c.Create(t.Context(), crm.Territory, []crm.Record{{"id": "TER-000002"}}); err != nil || res[0].Err == nil {
		t.Fatalf("Create = %v, %v; want a record error", res, err)
	}
	if got := readFile(t, path); got != before {
		t.Errorf("file changed by failed records:\n%s", got)
	}
	if _, err := os.Stat(filepath.Join(dir, "deletions.csv")); err == nil {
		t.Error("deletions.csv written for an unknown id")
	}
	// Updating or deleting in a missing file: every record is unknown.
	res, err = c.Update(t.Context(), crm.UserTerritory, []crm.Record{{"id": "UTR-000001"}})
	if err != nil || res[0].Err == nil {
		t.Errorf("Update of a missing file = %v, %v; want a record error", res, err)
	}
}

func TestWritesCreateTheFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "not", "yet")
	c := file.New(dir, clock)
	ids := create(t, c, crm.MySetupProducts, crm.Record{"territory__v": "TER-000001", "product__v": "KEYTRUDA"})
	if ids[0] != "MSP-000001" {
		t.Errorf("id = %s, want MSP-000001", ids[0])
	}
	if got, want := readFile(t, filepath.Join(dir, "my_setup_products__v.csv")), "id,product__v,territory__v,modified_date__v\nMSP-000001,KEYTRUDA,TER-000001,2026-11-01T09:30:00Z\n"; got != want {
		t.Errorf("new file:\n%s\nwant\n%s", got, want)
	}
}

func TestDeletionsIsNotWritable(t *testing.T) {
	c := file.New(t.TempDir(), clock)
	if _, err := c.Create(t.Context(), crm.Deletions, []crm.Record{{"object": "x"}}); err == nil {
		t.Error("Create(deletions): no error")
	}
	if _, err := c.Delete(t.Context(), crm.Deletions, []string{"x"}); err == nil {
		t.Error("Delete(deletions): no error")
	}
	if _, err := c.Create(t.Context(), "../etc/passwd", []crm.Record{{"a": "b"}}); err == nil {
		t.Error("Create(../etc/passwd): no error")
	}
}

func TestByteOrderMark(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "territory__v.csv")
	write(t, path, "\ufeffid,name__v,modified_date__v\nTER-000001,ONC-NAT,2026-01-05T10:00:00Z\n")
	c := file.New(dir, clock)
	got, err := c.Fields(t.Context(), crm.Territory)
	if err != nil || got[0] != "id" {
		t.Fatalf("Fields = %q, %v", got, err)
	}
	if ids := create(t, c, crm.Territory, crm.Record{"name__v": "ONC-NE"}); ids[0] != "TER-000002" {
		t.Errorf("id = %s, want TER-000002", ids[0])
	}
}

func TestStrictReading(t *testing.T) {
	for _, tc := range []struct {
		name, content, want string
	}{
		{"too few fields", "id,name__v,modified_date__v\nTER-000001,A,2026-01-05T10:00:00Z\nTER-000002,B\n", "territory__v.csv:3: record has 2 fields, the header has 3"},
		{"too many fields", "id,name__v,modified_date__v\nTER-000001,A,2026-01-05T10:00:00Z,x\n", "territory__v.csv:2: record has 4 fields"},
		{"bad UTF-8", "id,name__v,modified_date__v\nTER-000001,A,2026-01-05T10:00:00Z\nTER-000002,B\xff,2026-01-05T10:00:00Z\n", "territory__v.csv:3:12: field name__v is not valid UTF-8"},
		{"bad UTF-8 in header", "id,name\xfe,modified_date__v\n", "territory__v.csv:1:4: header field 2 is not valid UTF-8"},
		{"bare quote", "id,name__v,modified_date__v\nTER-000001,A \"B\",2026-01-05T10:00:00Z\n", "territory__v.csv:2:14: bare \" in non-quoted-field"},
		{"unterminated quote", "id,name__v,modified_date__v\nTER-000001,\"A,2026-01-05T10:00:00Z\n", "territory__v.csv:2:36: extraneous or missing \" in quoted-field"},
		{"empty file", "", "territory__v.csv:1: empty file"},
		{"duplicate field", "id,name__v,name__v\n", "territory__v.csv:1:12: field \"name__v\" appears twice"},
		{"empty field name", "id,,modified_date__v\n", "territory__v.csv:1:4: header field 2 is empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "territory__v.csv")
			write(t, path, tc.content)
			c := file.New(dir, clock)
			ctx := t.Context()
			calls := map[string]func() error{
				"Create": func() error { _, err := c.Create(ctx, crm.Territory, []crm.Record{{"name__v": "X"}}); return err },
				"Update": func() error { _, err := c.Update(ctx, crm.Territory, []crm.Record{{"id": "TER-000001"}}); return err },
				"Delete": func() error { _, err := c.Delete(ctx, crm.Territory, []string{"TER-000001"}); return err },
			}
			if strings.Contains(tc.want, ":1:") {
				calls["Fields"] = func() error { _, err := c.Fields(ctx, crm.Territory); return err }
			}
			for name, call := range calls {
				err := call()
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("%s: err = %v, want %q", name, err, tc.want)
				}
				if !strings.HasPrefix(err.Error(), path) {
					t.Errorf("%s: err = %v, want it to start with the file path", name, err)
				}
			}
			if got := readFile(t, path); got != tc.content {
				t.Errorf("a failed write changed the file:\n%q", got)
			}
			entries, _ := os.ReadDir(dir)
			if len(entries) != 1 {
				t.Errorf("folder holds %d entries, want the one file", len(entries))
			}
		})
	}
}

func TestBadDeletionsFails(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "deletions.csv"), "object,id,deleted_date,merged_into\nterritory__v,TER-000001\n")
	c := file.New(dir, clock)
	_, err := c.Create(t.Context(), crm.Territory, []crm.Record{{"name__v": "X"}})
	if err == nil || !strings.Contains(err.Error(), "deletions.csv:2:") {
		t.Errorf("Create with a malformed deletions.csv: err = %v, want deletions.csv:2", err)
	}
}

func TestCanceled(t *testing.T) {
	c := file.New(t.TempDir(), clock)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := c.Create(ctx, crm.Territory, []crm.Record{{"name__v": "X"}}); !errors.Is(err, context.Canceled) {
		t.Errorf("Create with a canceled context: %v", err)
	}
}

// TestPushSkipsAccounts: a write never reads another object's file, so a
// huge (here: unreadable) account file costs a push nothing.
func TestPushSkipsAccounts(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "account__v.csv"), "id,\"broken\n")
	c := file.New(dir, clock)
	create(t, c, crm.AccountTerritory, crm.Record{"account__v": "ACC-000001", "territory__v": "TER-000001"})
}

func create(t *testing.T, c *file.CRM, object string, recs ...crm.Record) []string {
	t.Helper()
	res, err := c.Create(t.Context(), object, recs)
	if err != nil {
		t.Fatalf("Create(%s): %v", object, err)
	}
	ids := make([]string, len(res))
	for i, r := range res {
		if r.Err != nil {
			t.Fatalf("Create(%s) record %d: %v", object, i, r.Err)
		}
		ids[i] = r.ID
	}
	return ids
}

func writeCSV(t *testing.T, path string, rows [][]string) {
	t.Helper()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	if err := w.WriteAll(rows); err != nil {
		t.Fatal(err)
	}
	write(t, path, b.String())
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// parseCSV returns the file's rows, header first.
func parseCSV(t *testing.T, path string) [][]string {
	t.Helper()
	header, rows := crmtest.ReadCSV(t, path)
	return append([][]string{header}, rows...)
}

func equalRows(a, b [][]string) bool {
	return slices.EqualFunc(a, b, func(x, y []string) bool { return slices.Equal(x, y) })
}

func TestRecordNotUTF8(t *testing.T) {
	dir := t.TempDir()
	c := file.New(dir, clock)
	res, err := c.Create(t.Context(), crm.Territory, []crm.Record{{"name__v": "ONC\xff"}, {"": "x"}, {"name__v": "ONC-NE"}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		var re *crm.RecordError
		if !errors.As(res[i].Err, &re) || re.ID != strconv.Itoa(i) || re.Type != file.InvalidData {
			t.Errorf("record %d: err = %v, want an INVALID_DATA RecordError naming index %d", i, res[i].Err, i)
		}
	}
	if res[2].Err != nil || res[2].ID != "TER-000001" {
		t.Errorf("record 2 = %+v, want TER-000001", res[2])
	}
	if got, want := readFile(t, filepath.Join(dir, "territory__v.csv")), "id,name__v,modified_date__v\nTER-000001,ONC-NE,2026-11-01T09:30:00Z\n"; got != want {
		t.Errorf("file:\n%s\nwant\n%s", got, want)
	}
}

func TestSubSecondNow(t *testing.T) {
	dir := t.TempDir()
	c := file.New(dir, func() time.Time { return time.Date(2026, 11, 1, 9, 30, 0, 250_000_000, time.FixedZone("EST", -5*3600)) })
	create(t, c, crm.Territory, crm.Record{"name__v": "ONC-NE"})
	if got, want := readFile(t, filepath.Join(dir, "territory__v.csv")), "id,name__v,modified_date__v\nTER-000001,ONC-NE,2026-11-01T14:30:00.25Z\n"; got != want {
		t.Errorf("file:\n%s\nwant\n%s", got, want)
	}
}
