package vault

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/alignctl/alignctl/crm"
)

// The fuzzed client's secrets: a response may echo them, an error never.
const (
	fuzzPassword = "fuzz-Pa55word-Q7"
	fuzzSession  = "FUZZSESSION7C1A9E2B44D0"
)

// FuzzDecodeResponse feeds arbitrary bytes to the Vault response decoder,
// first alone, then as the answer to every call of a client (metadata,
// query pages, deleted records, bulk create, update and delete): nothing
// panics or loops, a body that is not JSON is an error, a write returns
// one result per record, an export is a CSV file whose rows all have the
// header's width, and no error holds the password or the session id, even
// when the response does. The seed corpus (testdata/fuzz/FuzzDecodeResponse)
// holds real-looking responses: SUCCESS, FAILURE with errors, query pages
// with responseDetails.next_page, per-record results, garbage.
func FuzzDecodeResponse(f *testing.F) {
	f.Add([]byte(`{"responseStatus":"SUCCESS"}`))
	f.Add([]byte(`{"responseStatus":"FAILURE","errors":[{"type":"INVALID_DATA","message":"` + fuzzPassword + `"}]}`))
	f.Add([]byte(`<html>502 Bad Gateway</html>`))
	f.Fuzz(func(t *testing.T, body []byte) {
		checkDecode(t, body)
		checkClient(t, body)
	})
}

// checkDecode is the decoder alone: decodeEnvelope and what reads its
// parts (rows and their cells, record results, deleted records, paging).
func checkDecode(t *testing.T, body []byte) {
	env, err := decodeEnvelope(body)
	if err != nil {
		if env != nil {
			t.Fatalf("an error and an envelope")
		}
		return
	}
	if !json.Valid(body) {
		t.Fatalf("body is not JSON, decoded as %+v", env)
	}
	if env.ResponseStatus == "" {
		t.Fatalf("decoded without a responseStatus")
	}
	c := &Client{secrets: []string{fuzzPassword, fuzzSession}}
	e := c.apiError(http.MethodPost, "https://vault.example.com/api/v25.2/query", env)
	noSecret(t, "apiError", e.Error())
	env.has(InvalidSessionID)
	env.ResponseDetails.total()
	scalar(env.VaultID)
	if rows, err := decodeRows(env.Data); err == nil {
		for _, row := range rows {
			for _, v := range row {
				checkCell(t, v)
			}
		}
	}
	var results []recordResult
	if json.Unmarshal(env.Data, &results) == nil {
		for i, r := range results {
			scalar(r.Data.ID)
			re := c.recordError(crm.Territory, "k", r)
			if re.Type == "" || re.Msg == "" {
				t.Fatalf("record %d: error %+v without a type or message", i, re)
			}
			noSecret(t, "record error", re.Error())
		}
	}
	var deleted []deletedRecord
	if json.Unmarshal(env.Data, &deleted) == nil {
		for _, d := range deleted {
			scalar(d.ID)
			scalar(d.MergedInto)
			scalar(d.MainRecordID)
		}
	}
}

// checkCell: a JSON string becomes its text, and every cell is text a
// snapshot CSV can hold.
func checkCell(t *testing.T, v json.RawMessage) {
	got := cell(v)
	var s string
	if json.Unmarshal(v, &s) == nil && got != s {
		t.Fatalf("cell(%s) = %q, want the string %q", v, got, s)
	}
	if !utf8.ValidString(got) {
		t.Fatalf("cell(%s) = %q is not UTF-8", v, got)
	}
}

// checkClient runs every call of a client against a Vault that answers
// body to everything but the login.
func checkClient(t *testing.T, body []byte) {
	ctx := context.Background()
	c, err := New(Config{
		BaseURL:    "https://fuzz.veevavault.example",
		APIVersion: "v25.2",
		Username:   "fuzz@example.com",
		Password:   fuzzPassword,
		HTTPClient: &http.Client{Transport: answer(body)},
		Now:        func() time.Time { return time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC) },
		BatchSize:  2,
		RetryMax:   -1,
		Sleep:      func(ctx context.Context, d time.Duration) error { return ctx.Err() },
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Fields(ctx, crm.Account)
	noSecretErr(t, "fields", err)
	for _, object := range []string{crm.Account, crm.Deletions} {
		exp, err := c.Export(ctx, object, time.Date(2026, 2, 20, 0, 0, 0, 0, time.UTC))
		noSecretErr(t, "export "+object, err)
		if err == nil {
			checkExport(t, exp)
		}
	}
	recs := []crm.Record{{"name__v": "a"}, {"name__v": "b"}, {"name__v": "c"}}
	res, err := c.Create(ctx, crm.Territory, recs)
	checkResults(t, "create", len(recs), res, err)
	res, err = c.Update(ctx, crm.Territory, []crm.Record{{"id": "V1", "name__v": "a"}})
	checkResults(t, "update", 1, res, err)
	res, err = c.Delete(ctx, crm.AccountTerritory, []string{"V1", "V2", "V3"})
	checkResults(t, "delete", 3, res, err)
}

func checkResults(t *testing.T, op string, n int, res []crm.Result, err error) {
	noSecretErr(t, op, err)
	if err != nil {
		if res != nil {
			t.Fatalf("%s: an error and results", op)
		}
		return
	}
	if len(res) != n {
		t.Fatalf("%s: %d results for %d records", op, len(res), n)
	}
	for _, r := range res {
		noSecretErr(t, op+" record", r.Err)
		if r.Err == nil && r.ID == "" {
			t.Fatalf("%s: a record written without an id", op)
		}
	}
}

func checkExport(t *testing.T, exp crm.Export) {
	defer exp.Cleanup()
	if exp.Path == "" {
		return
	}
	f, err := os.Open(exp.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("export is not CSV: %v", err)
	}
	if len(rows) == 0 || rows[0][0] == "" {
		t.Fatalf("export has no header")
	}
	for _, row := range rows {
		for _, v := range row {
			if !utf8.ValidString(v) {
				t.Fatalf("export holds %q, not UTF-8", v)
			}
		}
	}
}

func noSecretErr(t *testing.T, what string, err error) {
	if err != nil {
		noSecret(t, what, err.Error())
	}
}

func noSecret(t *testing.T, what, msg string) {
	for _, s := range []string{fuzzPassword, fuzzSession} {
		if strings.Contains(msg, s) {
			t.Fatalf("%s: %q holds the secret %q", what, msg, s)
		}
	}
}

// answer is a Vault without a network: the login gets fuzzSession, every
// other call gets body.
type answer []byte

func (a answer) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	body := []byte(a)
	if strings.HasSuffix(r.URL.Path, "/auth") {
		body = []byte(`{"responseStatus":"SUCCESS","sessionId":"` + fuzzSession + `","vaultId":1776,"vaultIds":[{"id":1776,"url":"` +
			r.URL.Scheme + `://` + r.URL.Host + `/api"}]}`)
	}
	return &http.Response{
		StatusCode: http.StatusOK,
		Header:     http.Header{"Content-Type": {"application/json;charset=UTF-8"}},
		Body:       io.NopCloser(bytes.NewReader(body)),
		Request:    r,
	}, nil
}
