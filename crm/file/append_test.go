package file_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/alignctl/alignctl/crm"
	"github.com/alignctl/alignctl/crm/file"
)

const atHeader = "id,account__v,territory__v,external_id__v,modified_date__v\n"

func atRecord(i int) crm.Record {
	return crm.Record{"account__v": fmt.Sprintf("ACC-%06d", i), "territory__v": "TER-000001", crm.ExternalID: fmt.Sprintf("aln:at:%d", i)}
}

func TestCreateAppendsAndUpserts(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "account_territory__v.csv")
	write(t, path, atHeader+"ATR-000007,ACC-000000,TER-000001,aln:at:0,2026-01-05T10:00:00Z\n")
	c := file.New(dir, clock)
	if ids := create(t, c, crm.AccountTerritory, atRecord(1), atRecord(2)); !slices.Equal(ids, []string{"ATR-000008", "ATR-000009"}) {
		t.Errorf("appended ids = %v, want ATR-000008, ATR-000009", ids)
	}
	// An external id the file holds, whether from before or from an
	// append, updates its row.
	r := atRecord(2)
	r["territory__v"] = "TER-000002"
	if ids := create(t, c, crm.AccountTerritory, atRecord(0), r, atRecord(3)); !slices.Equal(ids, []string{"ATR-000007", "ATR-000009", "ATR-000010"}) {
		t.Errorf("upserted ids = %v, want ATR-000007, ATR-000009, ATR-000010", ids)
	}
	if ids := create(t, c, crm.AccountTerritory, atRecord(4)); !slices.Equal(ids, []string{"ATR-000011"}) {
		t.Errorf("id after a rewrite = %v, want ATR-000011", ids)
	}
	want := atHeader +
		"ATR-000007,ACC-000000,TER-000001,aln:at:0,2026-11-01T09:30:00Z\n" +
		"ATR-000008,ACC-000001,TER-000001,aln:at:1,2026-11-01T09:30:00Z\n" +
		"ATR-000009,ACC-000002,TER-000002,aln:at:2,2026-11-01T09:30:00Z\n" +
		"ATR-000010,ACC-000003,TER-000001,aln:at:3,2026-11-01T09:30:00Z\n" +
		"ATR-000011,ACC-000004,TER-000001,aln:at:4,2026-11-01T09:30:00Z\n"
	if got := readFile(t, path); got != want {
		t.Errorf("file:\n%s\nwant\n%s", got, want)
	}
	if _, err := os.Stat(filepath.Join(dir, ".account_territory__v.csv.append")); !os.IsNotExist(err) {
		t.Errorf("intent record left after the appends: %v", err)
	}
}

// A file changed behind the CRM's back between two creates is read again:
// ids stay unique and upserts see the new rows.
func TestCreateSeesOutsideChanges(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "account_territory__v.csv")
	write(t, path, atHeader)
	c := file.New(dir, clock)
	create(t, c, crm.AccountTerritory, atRecord(1))
	write(t, path, readFile(t, path)+"ATR-000050,ACC-000002,TER-000001,aln:at:2,2026-01-05T10:00:00Z\n")
	if ids := create(t, c, crm.AccountTerritory, atRecord(2), atRecord(3)); !slices.Equal(ids, []string{"ATR-000050", "ATR-000051"}) {
		t.Errorf("ids = %v, want ATR-000050 (upserted), ATR-000051", ids)
	}
}

// A file without a final newline (made by hand) is never cut, and rows are
// not appended to its last line.
func TestNoFinalNewline(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "account_territory__v.csv")
	write(t, path, atHeader+"ATR-000001,ACC-000000,TER-000001,aln:at:0,2026-01-05T10:00:00Z")
	c := file.New(dir, clock)
	create(t, c, crm.AccountTerritory, atRecord(1))
	create(t, c, crm.AccountTerritory, atRecord(2))
	rows := parseCSV(t, path)
	if len(rows) != 4 || rows[1][0] != "ATR-000001" || rows[3][0] != "ATR-000003" {
		t.Errorf("rows = %v, want the hand-made row and two new ones", rows)
	}
}

// An append cut short by a crash leaves an intent record; the next open of
// the object, by import's Export or by a write, drops everything after the
// recorded length, torn line and complete rows alike, as none was
// acknowledged. The same external ids created again make one row each.
func TestTornTailRecovery(t *testing.T) {
	for _, tc := range []struct {
		name string
		tail string // what the dead append left after the acknowledged rows
		open func(c *file.CRM) error
	}{
		{"torn line, Export", "ATR-000003,ACC-000002,TER-0", export},
		{"torn quoted field, Export", "ATR-000003,ACC-000002,\"TER-\n", export},
		{"whole rows, Fields", "ATR-000003,ACC-000002,TER-000001,aln:at:2,2026-11-01T09:30:00Z\nATR-000004,ACC-000003,TER-00", fields},
		{"torn last field, Create", "ATR-000003,ACC-000002,TER-000001,aln:at:2,2026-11-01T09:3", nil},
		{"nothing written yet, Delete", "", deleteNone},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "account_territory__v.csv")
			write(t, path, atHeader)
			create(t, file.New(dir, clock), crm.AccountTerritory, atRecord(0), atRecord(1))
			whole := readFile(t, path)
			write(t, filepath.Join(dir, ".account_territory__v.csv.append"), strconv.Itoa(len(whole))+"\n")
			write(t, path, whole+tc.tail)

			c := file.New(dir, clock)
			if tc.open != nil {
				if err := tc.open(c); err != nil {
					t.Fatal(err)
				}
				if got := readFile(t, path); got != whole {
					t.Errorf("after recovery:\n%q\nwant\n%q", got, whole)
				}
			}
			ids := create(t, c, crm.AccountTerritory, atRecord(1), atRecord(2), atRecord(3))
			if !slices.Equal(ids, []string{"ATR-000002", "ATR-000003", "ATR-000004"}) {
				t.Errorf("ids = %v, want ATR-000002 (upserted), ATR-000003, ATR-000004", ids)
			}
			if rows := parseCSV(t, path); len(rows) != 5 {
				t.Errorf("%d rows, want header and 4: %v", len(rows), rows)
			}
			if _, err := os.Stat(filepath.Join(dir, ".account_territory__v.csv.append")); !os.IsNotExist(err) {
				t.Errorf("intent record left: %v", err)
			}
		})
	}
}

func export(c *file.CRM) error {
	_, err := c.Export(testContext(), crm.AccountTerritory, now)
	return err
}

func fields(c *file.CRM) error {
	_, err := c.Fields(testContext(), crm.AccountTerritory)
	return err
}

func deleteNone(c *file.CRM) error {
	_, err := c.Delete(testContext(), crm.AccountTerritory, []string{"ATR-999999"})
	return err
}

// A torn intent record (an unparsable length) stops the CRM rather than cut
// the file at a guess.
func TestBadIntentRecord(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "account_territory__v.csv")
	write(t, path, atHeader)
	write(t, filepath.Join(dir, ".account_territory__v.csv.append"), "12x")
	_, err := file.New(dir, clock).Export(t.Context(), crm.AccountTerritory, now)
	if err == nil || !strings.Contains(err.Error(), "remove it if") {
		t.Errorf("Export with a bad intent record: %v, want an error saying what to do", err)
	}
}

// crashChildEnv makes the test binary a child that creates batches in the
// folder it names, printing the number of each batch Create acknowledged,
// until it is killed.
const crashChildEnv = "ALIGNCTL_TEST_APPEND_CHILD"

func TestMain(m *testing.M) {
	if dir := os.Getenv(crashChildEnv); dir != "" {
		c := file.New(dir, nil)
		for b := 0; ; b++ {
			if _, err := c.Create(testContext(), crm.AccountTerritory, batch(b)); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(2)
			}
			fmt.Println(b)
		}
	}
	os.Exit(m.Run())
}

// batch is batch b of the crash test: 500 records with long fields, so that
// a write takes long enough to be cut.
func batch(b int) []crm.Record {
	recs := make([]crm.Record, 500)
	for i := range recs {
		n := b*len(recs) + i
		r := atRecord(n)
		r["note__c"] = strings.Repeat("x, \"y\"\n", 40)
		recs[i] = r
	}
	return recs
}

// A process killed (SIGKILL) at random points while it appends leaves a
// file the CRM reads, holding every acknowledged batch; creating all the
// batches again ends with each record exactly once.
func TestKilledWhileAppending(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "account_territory__v.csv")
	write(t, path, "id,account__v,territory__v,external_id__v,note__c,modified_date__v\n")
	acked := -1
	for round := range 6 {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), crashChildEnv+"="+dir)
		if round == 0 {
			// The first round dies half-way through its first append, for
			// sure; the others wherever the kill finds them.
			cmd.Env = append(cmd.Env, "ALIGNCTL_CRASH_AT="+file.CrashTornAppend)
		}
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(out)
		for n := 0; n < 3+round && sc.Scan(); n++ {
			b, _ := strconv.Atoi(sc.Text())
			acked = max(acked, b)
		}
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		if round == 0 {
			if acked != -1 {
				t.Fatalf("batch %d acknowledged by a process killed in its first append", acked)
			}
			if got := readFile(t, path); !strings.Contains(got, "aln:at:1,") {
				t.Fatalf("the killed append left no torn tail of rows:\n%.300s", got)
			}
			if _, err := os.Stat(filepath.Join(dir, ".account_territory__v.csv.append")); err != nil {
				t.Fatalf("the killed append left no intent record: %v", err)
			}
		}

		c := file.New(dir, clock)
		if err := export(c); err != nil {
			t.Fatalf("round %d: Export after the kill: %v", round, err)
		}
		ext := map[string]bool{}
		for _, row := range parseCSV(t, path)[1:] {
			ext[row[3]] = true
		}
		for n := 0; n < (acked+1)*500; n++ {
			if !ext[fmt.Sprintf("aln:at:%d", n)] {
				t.Fatalf("round %d: acknowledged record aln:at:%d lost", round, n)
			}
		}
	}
	c := file.New(dir, clock)
	for b := 0; b <= acked+3; b++ {
		if _, err := c.Create(t.Context(), crm.AccountTerritory, batch(b)); err != nil {
			t.Fatal(err)
		}
	}
	rows := parseCSV(t, path)[1:]
	seen := map[string]bool{}
	for _, row := range rows {
		if seen[row[3]] || seen[row[0]] {
			t.Fatalf("duplicate row %v", row)
		}
		seen[row[3]], seen[row[0]] = true, true
	}
	if want := (acked + 4) * 500; len(rows) != want {
		t.Errorf("%d rows, want %d", len(rows), want)
	}
}

func testContext() context.Context { return context.Background() }
