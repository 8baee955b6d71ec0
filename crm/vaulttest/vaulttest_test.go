package vaulttest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alignctl/alignctl/crm"
	"github.com/alignctl/alignctl/crm/crmtest"
	"github.com/alignctl/alignctl/crm/vaulttest"
)

var now = time.Date(2026, 11, 1, 9, 30, 0, 0, time.UTC)

const nowStamp = "2026-11-01T09:30:00.000Z"

func clock() time.Time { return now }

// newServer is a fake vault holding crmtest's seed.
func newServer(t *testing.T, opts ...vaulttest.Option) *vaulttest.Server {
	t.Helper()
	s := vaulttest.New(append([]vaulttest.Option{vaulttest.WithClock(clock)}, opts...)...)
	t.Cleanup(s.Close)
	s.SeedTables(crmtest.Seed())
	return s
}

// client is a bare Vault API client: plain net/http, as the tests of an API
// should be.
type client struct {
	t       *testing.T
	s       *vaulttest.Server
	hc      *http.Client
	session string
}

func newClient(t *testing.T, s *vaulttest.Server) *client {
	c := &client{t: t, s: s, hc: s.Client()}
	c.login(vaulttest.DefaultUsername, vaulttest.DefaultPassword)
	return c
}

// answer is a decoded response.
type answer struct {
	status int
	header http.Header
	body   map[string]any
	raw    []byte
}

func (a answer) responseStatus() string { s, _ := a.body["responseStatus"].(string); return s }

// errorType is the type of the first error.
func (a answer) errorType() string {
	errs, _ := a.body["errors"].([]any)
	if len(errs) == 0 {
		return ""
	}
	e, _ := errs[0].(map[string]any)
	s, _ := e["type"].(string)
	return s
}

func (a answer) details() map[string]any {
	d, _ := a.body["responseDetails"].(map[string]any)
	return d
}

func (a answer) data() []map[string]any {
	items, _ := a.body["data"].([]any)
	out := make([]map[string]any, len(items))
	for i, it := range items {
		out[i], _ = it.(map[string]any)
	}
	return out
}

func (c *client) send(req *http.Request) (answer, error) {
	if c.session != "" && req.Header.Get("Authorization") == "" {
		req.Header.Set("Authorization", c.session)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return answer{}, err
	}
	a := answer{status: resp.StatusCode, header: resp.Header, raw: raw}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&a.body); err != nil {
			return a, fmt.Errorf("response is not JSON: %w: %s", err, raw)
		}
	}
	return a, nil
}

func (c *client) mustSend(req *http.Request) answer {
	c.t.Helper()
	a, err := c.send(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	if a.status != http.StatusOK {
		c.t.Fatalf("%s %s: HTTP %d: %s", req.Method, req.URL.Path, a.status, a.raw)
	}
	return a
}

func (c *client) form(method, path string, form url.Values) *http.Request {
	req, err := http.NewRequest(method, c.s.URL()+path, strings.NewReader(form.Encode()))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	return req
}

func (c *client) jsonReq(method, path string, body any) *http.Request {
	b, err := json.Marshal(body)
	if err != nil {
		c.t.Fatal(err)
	}
	req, err := http.NewRequest(method, c.s.URL()+path, bytes.NewReader(b))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	return req
}

func (c *client) login(user, password string) answer {
	c.t.Helper()
	a := c.mustSend(c.form("POST", "/api/v24.1/auth", url.Values{"username": {user}, "password": {password}}))
	if a.responseStatus() == vaulttest.StatusSuccess {
		c.session = a.body["sessionId"].(string)
	}
	return a
}

func (c *client) query(q string) answer {
	c.t.Helper()
	return c.mustSend(c.form("POST", "/api/v24.1/query", url.Values{"q": {q}}))
}

func (c *client) write(method, object string, recs []map[string]any) answer {
	c.t.Helper()
	return c.mustSend(c.jsonReq(method, "/api/v24.1/vobjects/"+object, recs))
}

func wantFailure(t *testing.T, what string, a answer, errType string) {
	t.Helper()
	if a.status != http.StatusOK || a.responseStatus() != vaulttest.StatusFailure || a.errorType() != errType {
		t.Errorf("%s: HTTP %d %s %s, want HTTP 200 FAILURE %s: %s", what, a.status, a.responseStatus(), a.errorType(), errType, a.raw)
	}
}

func wantSuccess(t *testing.T, what string, a answer) {
	t.Helper()
	if a.responseStatus() != vaulttest.StatusSuccess {
		t.Fatalf("%s: %s %s: %s", what, a.responseStatus(), a.errorType(), a.raw)
	}
}

// recordResults are a bulk answer's per-record (status, id, error type).
func recordResults(t *testing.T, a answer) [][3]string {
	t.Helper()
	wantSuccess(t, "bulk write", a)
	var out [][3]string
	for _, r := range a.data() {
		st, _ := r["responseStatus"].(string)
		var id, typ string
		if d, ok := r["data"].(map[string]any); ok {
			id, _ = d["id"].(string)
		}
		if errs, ok := r["errors"].([]any); ok && len(errs) > 0 {
			typ, _ = errs[0].(map[string]any)["type"].(string)
		}
		out = append(out, [3]string{st, id, typ})
	}
	return out
}

func TestAuth(t *testing.T) {
	s := newServer(t, vaulttest.WithUser("ana@pharma.example", "s3cret"), vaulttest.WithVaultID(4242))
	c := &client{t: t, s: s, hc: s.Client()}

	a := c.login("ana@pharma.example", "s3cret")
	wantSuccess(t, "auth", a)
	if sid, _ := a.body["sessionId"].(string); len(sid) < 32 {
		t.Errorf("sessionId = %q, want a long token", sid)
	}
	if v, _ := a.body["vaultId"].(json.Number); v.String() != "4242" || s.VaultID() != 4242 {
		t.Errorf("vaultId = %v, VaultID() = %d, want 4242", a.body["vaultId"], s.VaultID())
	}
	if _, ok := a.body["userId"].(json.Number); !ok {
		t.Errorf("userId = %v, want a number", a.body["userId"])
	}
	ids, _ := a.body["vaultIds"].([]any)
	if len(ids) != 1 || ids[0].(map[string]any)["url"] != s.URL()+"/api" {
		t.Errorf("vaultIds = %v", a.body["vaultIds"])
	}
	first := c.session
	if c.login("ana@pharma.example", "s3cret"); c.session == first {
		t.Error("a second login got the same session id")
	}

	// The default user exists only when no user is configured.
	wantFailure(t, "auth of the default user on a server with its own", c.login(vaulttest.DefaultUsername, vaulttest.DefaultPassword), vaulttest.ErrUsernameOrPasswordIncorrect)
	a = c.login("ana@pharma.example", "wrong")
	wantFailure(t, "auth with a wrong password", a, vaulttest.ErrUsernameOrPasswordIncorrect)
	if a.body["errorType"] != "AUTHENTICATION_FAILED" {
		t.Errorf("failed auth: errorType = %v, want AUTHENTICATION_FAILED", a.body["errorType"])
	}
	wantFailure(t, "auth without a password", c.login("ana@pharma.example", ""), vaulttest.ErrNoPasswordProvided)
	wantFailure(t, "auth without a username", c.login("", "s3cret"), vaulttest.ErrParameterRequired)

	// Any vNN.N works; other prefixes do not.
	c.session = ""
	for _, v := range []string{"v18.3", "v25.2", "v99.9"} {
		a := c.mustSend(c.form("POST", "/api/"+v+"/auth", url.Values{"username": {"ana@pharma.example"}, "password": {"s3cret"}}))
		wantSuccess(t, "auth at "+v, a)
	}
	for _, p := range []string{"/api/24.1/auth", "/api/latest/auth", "/auth"} {
		a := c.mustSend(c.form("POST", p, url.Values{"username": {"ana@pharma.example"}, "password": {"s3cret"}}))
		wantFailure(t, "auth at "+p, a, vaulttest.ErrMalformedURL)
	}
	a = c.mustSend(c.form("GET", "/api/v24.1/auth", nil))
	wantFailure(t, "GET auth", a, vaulttest.ErrMethodNotSupported)
}

func TestSessionRequired(t *testing.T) {
	s := newServer(t)
	c := newClient(t, s)
	sid := c.session

	c.session = ""
	wantFailure(t, "query without a session", c.query("SELECT id FROM territory__v"), vaulttest.ErrInvalidSessionID)
	req := c.form("POST", "/api/v24.1/query", url.Values{"q": {"SELECT id FROM territory__v"}})
	req.Header.Set("Authorization", "not-a-session")
	wantFailure(t, "query with an unknown session", c.mustSend(req), vaulttest.ErrInvalidSessionID)

	req = c.form("POST", "/api/v24.1/query", url.Values{"q": {"SELECT id FROM territory__v"}})
	req.Header.Set("Authorization", "Bearer "+sid)
	wantSuccess(t, "query with a Bearer session", c.mustSend(req))

	c.session = sid
	wantSuccess(t, "query with the session", c.query("SELECT id FROM territory__v"))
	s.ExpireSessions()
	a := c.query("SELECT id FROM territory__v")
	wantFailure(t, "query after ExpireSessions", a, vaulttest.ErrInvalidSessionID)
	if a.header.Get("X-VaultAPI-Status") != vaulttest.StatusFailure {
		t.Errorf("X-VaultAPI-Status = %q, want FAILURE", a.header.Get("X-VaultAPI-Status"))
	}
	c.login(vaulttest.DefaultUsername, vaulttest.DefaultPassword)
	wantSuccess(t, "query after logging in again", c.query("SELECT id FROM territory__v"))
}

func TestQuery(t *testing.T) {
	s := newServer(t)
	c := newClient(t, s)

	a := c.query("SELECT id, name__v, parent_territory__v, modified_date__v FROM territory__v")
	wantSuccess(t, "query", a)
	d := a.details()
	for k, want := range map[string]string{"pagesize": "1000", "pageoffset": "0", "size": "3", "total": "3"} {
		if got := fmt.Sprint(d[k]); got != want {
			t.Errorf("responseDetails.%s = %s, want %s", k, got, want)
		}
	}
	if _, ok := d["next_page"]; ok {
		t.Errorf("one page has a next_page: %v", d)
	}
	rows := a.data()
	if len(rows) != 3 || rows[0]["id"] != "ter-1" || rows[2]["name__v"] != "ONC-101" {
		t.Fatalf("data = %v", rows)
	}
	// A blank field is null, as in Vault.
	if v, ok := rows[0]["parent_territory__v"]; !ok || v != nil {
		t.Errorf("blank parent_territory__v = %#v, want null", v)
	}
	// Fields come in SELECT order.
	if i, j := bytes.Index(a.raw, []byte(`"name__v"`)), bytes.Index(a.raw, []byte(`"parent_territory__v"`)); i < 0 || j < i {
		t.Errorf("fields not in SELECT order: %s", a.raw)
	}
	// Text comes back exactly as seeded.
	a = c.query("SELECT id, name__v FROM account__v WHERE id = 'acc-3'")
	if rows := a.data(); len(rows) != 1 || rows[0]["name__v"] != "Charles River\nCancer Center" {
		t.Errorf("acc-3 = %v", rows)
	}

	// WHERE on modified_date__v compares instants, whatever the precision.
	for _, since := range []string{"2020-02-02T00:00:00Z", "2020-02-02T00:00:00.000Z", "2020-02-02"} {
		a := c.query("SELECT id FROM territory__v WHERE modified_date__v >= '" + since + "' ORDER BY modified_date__v DESC")
		if got := ids(a.data()); !slices.Equal(got, []string{"ter-3", "ter-2"}) {
			t.Errorf("since %s: ids %v, want ter-3 ter-2", since, got)
		}
	}
	a = c.query("select id from account_territory__v where territory__v = 'ter-3' and account__v contains ('acc-2', 'acc-9') pagesize 5")
	if got := ids(a.data()); !slices.Equal(got, []string{"at-2"}) {
		t.Errorf("AND, CONTAINS, lower-case keywords: %v", got)
	}
	a = c.query(`SELECT id FROM account__v WHERE name__v = 'Quincy "Q" Adams'`)
	if got := ids(a.data()); !slices.Equal(got, []string{"acc-2"}) {
		t.Errorf("quoted text: %v", got)
	}
	a = c.query(`SELECT id FROM territory__v WHERE name__v != 'ONC-NE'`)
	if got := ids(a.data()); !slices.Equal(got, []string{"ter-1", "ter-3"}) {
		t.Errorf("!=: %v", got)
	}

	// An object with no records is no error.
	a = c.query("SELECT id, territory__v, product__v FROM my_setup_products__v")
	wantSuccess(t, "query of an empty object", a)
	if len(a.data()) != 0 || fmt.Sprint(a.details()["total"]) != "0" {
		t.Errorf("empty object: %s", a.raw)
	}

	wantFailure(t, "unknown object", c.query("SELECT id FROM alignctl_no_such_object__c"), vaulttest.ErrInvalidData)
	wantFailure(t, "unknown field", c.query("SELECT id, nope__v FROM territory__v"), vaulttest.ErrInvalidData)
	wantFailure(t, "unknown WHERE field", c.query("SELECT id FROM territory__v WHERE nope__v = 'x'"), vaulttest.ErrInvalidData)
	for _, q := range []string{
		"SELECT FROM territory__v",
		"SELECT * FROM territory__v",
		"SELECT id FROM territory__v WHERE name__v IN ('a', 'b')",
		"SELECT id FROM territory__v WHERE (name__v = 'a')",
		"SELECT id FROM territory__v WHERE name__v = 'unterminated",
		"SELECT id territory__v",
		"DELETE FROM territory__v",
	} {
		wantFailure(t, q, c.query(q), vaulttest.ErrIncorrectQuerySyntax)
	}
	wantFailure(t, "no q", c.mustSend(c.form("POST", "/api/v24.1/query", nil)), vaulttest.ErrParameterRequired)
}

func ids(rows []map[string]any) []string {
	var out []string
	for _, r := range rows {
		id, _ := r["id"].(string)
		out = append(out, id)
	}
	return out
}

func TestQueryPagination(t *testing.T) {
	s := newServer(t, vaulttest.WithPageSize(2))
	recs := make([]map[string]string, 7)
	for i := range recs {
		recs[i] = map[string]string{"id": fmt.Sprintf("msp-%d", i+1), "territory__v": "ter-3", "product__v": fmt.Sprintf("P%d", i+1), "modified_date__v": "2026-01-01T00:00:00Z"}
	}
	s.Seed(crm.MySetupProducts, recs)
	c := newClient(t, s)

	var got []string
	a := c.query("SELECT id, product__v FROM my_setup_products__v ORDER BY product__v")
	pages := 1
	for {
		wantSuccess(t, "page", a)
		d := a.details()
		if fmt.Sprint(d["total"]) != "7" || fmt.Sprint(d["pagesize"]) != "2" {
			t.Fatalf("responseDetails = %v", d)
		}
		got = append(got, ids(a.data())...)
		next, _ := d["next_page"].(string)
		if next == "" {
			break
		}
		if !strings.HasPrefix(next, "/api/v24.1/query/") {
			t.Fatalf("next_page = %q, want a path under /api/v24.1/query/", next)
		}
		if pages > 1 {
			if prev, _ := d["previous_page"].(string); prev == "" {
				t.Errorf("page %d has no previous_page", pages)
			}
		}
		// Vault documents POST for the page links; GET works too.
		method := "POST"
		if pages%2 == 0 {
			method = "GET"
		}
		req, _ := http.NewRequest(method, s.URL()+next, nil)
		a = c.mustSend(req)
		pages++
	}
	if pages != 4 {
		t.Errorf("%d pages of 2 for 7 records, want 4", pages)
	}
	want := []string{"msp-1", "msp-2", "msp-3", "msp-4", "msp-5", "msp-6", "msp-7"}
	if !slices.Equal(got, want) {
		t.Errorf("paged ids = %v, want %v", got, want)
	}
	// The pages are a snapshot of the result when the query ran.
	calls := s.Calls()
	if n := countCalls(calls, vaulttest.EndpointQueryPage); n != 3 {
		t.Errorf("%d query page calls recorded, want 3", n)
	}
	if last := calls[len(calls)-1]; last.Object != crm.MySetupProducts {
		t.Errorf("page call object = %q, want %s", last.Object, crm.MySetupProducts)
	}

	// PAGESIZE asks for smaller pages; PAGEOFFSET starts later.
	a = c.query("SELECT id FROM my_setup_products__v PAGESIZE 1 PAGEOFFSET 5")
	if got := ids(a.data()); !slices.Equal(got, []string{"msp-6"}) || fmt.Sprint(a.details()["pagesize"]) != "1" {
		t.Errorf("PAGESIZE 1 PAGEOFFSET 5: %s", a.raw)
	}
	req, _ := http.NewRequest("POST", s.URL()+"/api/v24.1/query/no-such-query", nil)
	wantFailure(t, "an unknown query page", c.mustSend(req), vaulttest.ErrMalformedURL)
}

func countCalls(calls []vaulttest.Call, e vaulttest.Endpoint) int {
	n := 0
	for _, c := range calls {
		if c.Endpoint == e {
			n++
		}
	}
	return n
}

func TestCreate(t *testing.T) {
	s := newServer(t, vaulttest.WithLenientFields())
	c := newClient(t, s)

	res := recordResults(t, c.write("POST", crm.Territory, []map[string]any{
		{"name__v": "ONC-102", "parent_territory__v": "ter-2", "country__v": "US"},
		{"id": "ter-99", "name__v": "ONC-103"},
		{"name__v": "ONC-104, Boston \"South\"", "parent_territory__v": "ter-2", "rank__c": 3, "active__c": true, "note__c": nil},
	}))
	if res[0][0] != "SUCCESS" || res[2][0] != "SUCCESS" || res[1] != [3]string{"FAILURE", "", vaulttest.ErrInvalidData} {
		t.Fatalf("per-record results = %v", res)
	}
	id0, id2 := res[0][1], res[2][1]
	if !strings.HasPrefix(id0, vaulttest.IDPrefix(crm.Territory)) || len(id0) != 15 || id0 == id2 {
		t.Errorf("new ids %s, %s: want distinct 15-character ids with prefix %s", id0, id2, vaulttest.IDPrefix(crm.Territory))
	}
	rows := s.Rows(crm.Territory)
	if len(rows) != 5 {
		t.Fatalf("Rows after create: %d records, want 5", len(rows))
	}
	got := rows[slices.IndexFunc(rows, func(r map[string]string) bool { return r["id"] == id2 })]
	for f, want := range map[string]string{"name__v": "ONC-104, Boston \"South\"", "rank__c": "3", "active__c": "true", "note__c": "", "modified_date__v": nowStamp} {
		if got[f] != want {
			t.Errorf("created %s: %s = %q, want %q", id2, f, got[f], want)
		}
	}
	if !slices.Contains(s.Fields(crm.Territory), "rank__c") {
		t.Errorf("a new field did not join the object: %v", s.Fields(crm.Territory))
	}
	// The url is the record's.
	a := c.write("POST", crm.Territory, []map[string]any{{"name__v": "ONC-105"}})
	if u := a.data()[0]["data"].(map[string]any)["url"]; !strings.HasPrefix(fmt.Sprint(u), "/api/v24.1/vobjects/territory__v/V") {
		t.Errorf("url = %v", u)
	}

	// Creating in an object with no records works; an unknown object does not.
	wantSuccess(t, "create in an empty object", c.write("POST", crm.MySetupProducts, []map[string]any{{"territory__v": "ter-3", "product__v": "KEYTRUDA"}}))
	wantFailure(t, "create in an unknown object", c.write("POST", "alignctl_no_such_object__c", []map[string]any{{"name__v": "x"}}), vaulttest.ErrMalformedURL)

	calls := s.Calls()
	last := calls[len(calls)-2]
	if last.Method != "POST" || last.Endpoint != vaulttest.EndpointCreate || last.Object != crm.MySetupProducts || last.Records != 1 || last.Status != 200 || last.ResponseStatus != "SUCCESS" {
		t.Errorf("recorded call = %+v", last)
	}
}

// Vault's objects have the fields their configuration gives them: a write
// naming another fails that record.
func TestUnknownFieldFailsTheRecord(t *testing.T) {
	s := newServer(t)
	c := newClient(t, s)
	res := recordResults(t, c.write("POST", crm.Territory, []map[string]any{{"name__v": "A"}, {"name__v": "B", "nope__c": "x"}}))
	if res[0][0] != "SUCCESS" || res[1][2] != vaulttest.ErrInvalidData {
		t.Errorf("strict fields: %v", res)
	}
	res = recordResults(t, c.write("PUT", crm.Territory, []map[string]any{{"id": "ter-1", "nope__c": "x"}}))
	if res[0][2] != vaulttest.ErrInvalidData {
		t.Errorf("strict fields on update: %v", res)
	}
}

func TestUpdate(t *testing.T) {
	s := newServer(t)
	c := newClient(t, s)
	res := recordResults(t, c.write("PUT", crm.Account, []map[string]any{
		{"id": "acc-1", "specialty_1__v": "Hematology/Oncology", "modified_date__v": "1999-01-01T00:00:00Z"},
		{"id": "acc-404", "specialty_1__v": "Cardiology"},
		{"name__v": "no id"},
		{"id": "acc-3", "name__v": "Charles River Cancer Center"},
		{"id": "acc-3", "name__v": "twice"},
	}))
	want := [][3]string{
		{"SUCCESS", "acc-1", ""},
		{"FAILURE", "", vaulttest.ErrInvalidData},
		{"FAILURE", "", vaulttest.ErrInvalidData},
		{"SUCCESS", "acc-3", ""},
		{"FAILURE", "", vaulttest.ErrInvalidData},
	}
	if !slices.Equal(res, want) {
		t.Errorf("per-record results = %v, want %v", res, want)
	}
	rows := s.Rows(crm.Account)
	if len(rows) != 3 {
		t.Fatalf("Rows after update = %v", rows)
	}
	if r := rows[0]; r["specialty_1__v"] != "Hematology/Oncology" || r["name__v"] != "Ana Núñez" || r["modified_date__v"] != nowStamp {
		t.Errorf("acc-1 after update = %v", r)
	}
	if r := rows[1]; r["modified_date__v"] != "2020-01-06T10:00:00Z" {
		t.Errorf("acc-2 changed: %v", r)
	}
	if r := rows[2]; r["name__v"] != "Charles River Cancer Center" {
		t.Errorf("acc-3 after update = %v", r)
	}
}

func TestDeleteAndDeletions(t *testing.T) {
	s := newServer(t)
	c := newClient(t, s)

	res := recordResults(t, c.write("DELETE", crm.Territory, []map[string]any{{"id": "ter-404"}, {"id": "ter-3"}, {"id": "ter-3"}, {}}))
	want := [][3]string{
		{"FAILURE", "", vaulttest.ErrInvalidData},
		{"SUCCESS", "ter-3", ""},
		{"FAILURE", "", vaulttest.ErrInvalidData},
		{"FAILURE", "", vaulttest.ErrInvalidData},
	}
	if !slices.Equal(res, want) {
		t.Errorf("delete results = %v, want %v", res, want)
	}
	// Vault's workaround for clients that cannot send a DELETE body.
	res = recordResults(t, c.write("POST", crm.AccountTerritory+"?_method=DELETE", []map[string]any{{"id": "at-1"}}))
	if res[0][0] != "SUCCESS" {
		t.Errorf("POST ?_method=DELETE: %v", res)
	}
	if got := ids(toAny(s.Rows(crm.Territory))); !slices.Equal(got, []string{"ter-1", "ter-2"}) {
		t.Errorf("territories after delete: %v", got)
	}
	wantLog := []vaulttest.Deletion{
		{Object: crm.Account, ID: "acc-0", DeletedDate: "2020-01-02T00:00:00Z", MergedInto: "acc-1"},
		{Object: crm.Territory, ID: "ter-3", DeletedDate: nowStamp},
		{Object: crm.AccountTerritory, ID: "at-1", DeletedDate: nowStamp},
	}
	if got := s.Deletions(); !slices.Equal(got, wantLog) {
		t.Errorf("Deletions() = %v, want %v", got, wantLog)
	}

	get := func(path string) answer {
		req, _ := http.NewRequest("GET", s.URL()+path, nil)
		return c.mustSend(req)
	}
	// Deleted ids are listed for 30 days: acc-0 went in 2020.
	a := get("/api/v24.1/objects/deletions/vobjects/account__v")
	wantSuccess(t, "deletions", a)
	if d := a.data(); len(d) != 0 {
		t.Errorf("account deletions = %s, want none: acc-0 was deleted more than 30 days ago", a.raw)
	}
	a = get("/api/v24.1/objects/deletions/vobjects/territory__v?start_date=2026-11-01T09:30:00Z")
	if d := a.data(); len(d) != 1 || d[0]["id"] != "ter-3" || d[0]["date_deleted"] != nowStamp {
		t.Errorf("territory deletions since now = %s, want ter-3 with date_deleted", a.raw)
	}
	// The pages of v17.3 and before name the time deleted_date.
	a = get("/api/v17.3/objects/deletions/vobjects/territory__v")
	if d := a.data(); len(d) != 1 || d[0]["deleted_date"] != nowStamp {
		t.Errorf("v17.3 territory deletions = %s, want deleted_date", a.raw)
	}
	if _, ok := a.data()[0]["merged_into"]; ok {
		t.Errorf("a plain deletion has merged_into: %s", a.raw)
	}
	a = get("/api/v24.1/objects/deletions/vobjects/territory__v?start_date=2026-11-02")
	if len(a.data()) != 0 || fmt.Sprint(a.details()["total"]) != "0" {
		t.Errorf("territory deletions since tomorrow = %s", a.raw)
	}
	// "Specify a date (no more than 30 days past)".
	wantFailure(t, "an end_date more than 30 days past", get("/api/v24.1/objects/deletions/vobjects/account__v?end_date=2020-01-01T00:00:00Z"), vaulttest.ErrInvalidData)
	wantFailure(t, "a start_date more than 30 days past", get("/api/v24.1/objects/deletions/vobjects/account__v?start_date=2026-10-01T09:29:59Z"), vaulttest.ErrInvalidData)
	wantSuccess(t, "deletions of an object with none", get("/api/v24.1/objects/deletions/vobjects/my_setup_products__v"))
	wantFailure(t, "deletions of an unknown object", get("/api/v24.1/objects/deletions/vobjects/alignctl_no_such_object__c"), vaulttest.ErrMalformedURL)
	wantFailure(t, "a bad start_date", get("/api/v24.1/objects/deletions/vobjects/account__v?start_date=yesterday"), vaulttest.ErrInvalidData)
	wantFailure(t, "a bad limit", get("/api/v24.1/objects/deletions/vobjects/account__v?limit=9000"), vaulttest.ErrInvalidData)
}

func toAny(rows []map[string]string) []map[string]any {
	out := make([]map[string]any, len(rows))
	for i, r := range rows {
		out[i] = map[string]any{}
		for k, v := range r {
			out[i][k] = v
		}
	}
	return out
}

func TestDeletionsPagination(t *testing.T) {
	s := newServer(t)
	var dels []map[string]string
	for i := range 5 {
		dels = append(dels, map[string]string{"object": crm.Account, "id": fmt.Sprintf("gone-%d", i), "deleted_date": fmt.Sprintf("2026-10-1%dT00:00:00Z", i+1)})
	}
	s.Seed(crm.Deletions, dels)
	c := newClient(t, s)
	var got []string
	path := "/api/v24.1/objects/deletions/vobjects/account__v?start_date=2026-10-05T00:00:00Z&limit=2"
	for path != "" {
		req, _ := http.NewRequest("GET", s.URL()+path, nil)
		a := c.mustSend(req)
		wantSuccess(t, "deletions page", a)
		got = append(got, ids(a.data())...)
		path, _ = a.details()["next_page"].(string)
	}
	if want := []string{"gone-0", "gone-1", "gone-2", "gone-3", "gone-4"}; !slices.Equal(got, want) {
		t.Errorf("paged deletions = %v, want %v", got, want)
	}
}

func TestBatchLimit(t *testing.T) {
	s := newServer(t)
	c := newClient(t, s)
	recs := make([]map[string]any, vaulttest.MaxBatch+1)
	for i := range recs {
		recs[i] = map[string]any{"territory__v": "ter-3", "product__v": strconv.Itoa(i)}
	}
	wantFailure(t, "501 records", c.write("POST", crm.MySetupProducts, recs), vaulttest.ErrInvalidData)
	if n := len(s.Rows(crm.MySetupProducts)); n != 0 {
		t.Errorf("a refused batch wrote %d records", n)
	}
	res := recordResults(t, c.write("POST", crm.MySetupProducts, recs[:vaulttest.MaxBatch]))
	if len(res) != vaulttest.MaxBatch {
		t.Errorf("500 records: %d results", len(res))
	}
	calls := s.Calls()
	if last := calls[len(calls)-1]; last.Records != vaulttest.MaxBatch {
		t.Errorf("Calls: last Records = %d, want 500", last.Records)
	}

	wantFailure(t, "an empty batch", c.write("POST", crm.Territory, []map[string]any{}), vaulttest.ErrInvalidData)
	req := c.jsonReq("POST", "/api/v24.1/vobjects/territory__v", map[string]any{"name__v": "not an array"})
	wantFailure(t, "an object body", c.mustSend(req), vaulttest.ErrInvalidData)
	req, _ = http.NewRequest("POST", s.URL()+"/api/v24.1/vobjects/territory__v", strings.NewReader("name__v\nX\n"))
	req.Header.Set("Content-Type", "text/csv")
	wantFailure(t, "a CSV body", c.mustSend(req), vaulttest.ErrInvalidData)
	req, _ = http.NewRequest("PATCH", s.URL()+"/api/v24.1/vobjects/territory__v", nil)
	wantFailure(t, "PATCH", c.mustSend(req), vaulttest.ErrMethodNotSupported)
}

func TestIDsNeverReused(t *testing.T) {
	s := newServer(t)
	// A seeded id that looks like the next one the fake would make.
	next := vaulttest.IDPrefix(crm.AccountTerritory) + "000000000001"
	s.Seed(crm.AccountTerritory, []map[string]string{{"id": next, "account__v": "acc-1", "territory__v": "ter-1"}})
	c := newClient(t, s)
	used := map[string]bool{"at-1": true, "at-2": true, next: true}
	for range 3 {
		res := recordResults(t, c.write("POST", crm.AccountTerritory, []map[string]any{{"account__v": "acc-3", "territory__v": "ter-1"}, {"account__v": "acc-3", "territory__v": "ter-2"}}))
		var del []map[string]any
		for _, r := range res {
			if used[r[1]] || r[1] == "" {
				t.Fatalf("id %q reused or empty (used %v)", r[1], used)
			}
			used[r[1]] = true
			del = append(del, map[string]any{"id": r[1]})
		}
		recordResults(t, c.write("DELETE", crm.AccountTerritory, del))
	}
}

func TestMetadata(t *testing.T) {
	s := newServer(t, vaulttest.WithObject("custom_thing__c", "label__c"))
	c := newClient(t, s)
	get := func(object string) answer {
		req, _ := http.NewRequest("GET", s.URL()+"/api/v24.1/metadata/vobjects/"+object, nil)
		return c.mustSend(req)
	}
	a := get(crm.Territory)
	wantSuccess(t, "metadata", a)
	obj, _ := a.body["object"].(map[string]any)
	if obj["name"] != crm.Territory || obj["prefix"] != vaulttest.IDPrefix(crm.Territory) {
		t.Errorf("object = %v", obj)
	}
	var names []string
	for _, f := range obj["fields"].([]any) {
		names = append(names, f.(map[string]any)["name"].(string))
	}
	for _, f := range crmtest.Seed()[crm.Territory][0] {
		if !slices.Contains(names, f) {
			t.Errorf("metadata fields %v lack %s", names, f)
		}
	}
	if names[0] != "id" {
		t.Errorf("first field = %s, want id", names[0])
	}
	a = get("custom_thing__c")
	if obj := a.body["object"].(map[string]any); obj["source"] != "custom" || len(obj["fields"].([]any)) != 3 {
		t.Errorf("custom object metadata = %s", a.raw)
	}
	wantFailure(t, "metadata of an unknown object", get("alignctl_no_such_object__c"), vaulttest.ErrMalformedURL)

	s2 := vaulttest.New(vaulttest.WithSchema(map[string][]string{"only__c": {"x__c"}}))
	defer s2.Close()
	if s2.Fields(crm.Territory) != nil || !slices.Equal(s2.Fields("only__c"), []string{"id", "x__c", "modified_date__v"}) {
		t.Errorf("WithSchema: territory %v, only__c %v", s2.Fields(crm.Territory), s2.Fields("only__c"))
	}
}

func TestMerge(t *testing.T) {
	s := newServer(t)
	if err := s.Merge(crm.Account, "acc-2", "acc-1"); err != nil {
		t.Fatal(err)
	}
	for _, r := range s.Rows(crm.AccountTerritory) {
		if r["account__v"] == "acc-2" {
			t.Errorf("%s still points at the loser", r["id"])
		}
		if r["id"] == "at-2" && (r["account__v"] != "acc-1" || r["modified_date__v"] != nowStamp) {
			t.Errorf("at-2 after merge = %v", r)
		}
	}
	dels := s.Deletions()
	if last := dels[len(dels)-1]; last != (vaulttest.Deletion{Object: crm.Account, ID: "acc-2", DeletedDate: nowStamp, MergedInto: "acc-1"}) {
		t.Errorf("merge deletion = %+v", last)
	}
	if err := s.Merge(crm.Account, "acc-2", "acc-1"); err == nil {
		t.Error("merging a deleted record: no error")
	}
}

func TestBurstHeaders(t *testing.T) {
	s := newServer(t, vaulttest.WithBurstLimit(3), vaulttest.WithResponseDelay(250*time.Millisecond))
	c := newClient(t, s) // auth is not counted
	remaining := func(a answer) string { return a.header.Get("X-VaultAPI-BurstLimitRemaining") }

	var got []string
	for range 4 {
		a := c.query("SELECT id FROM territory__v")
		if a.header.Get("X-VaultAPI-BurstLimit") != "3" {
			t.Errorf("X-VaultAPI-BurstLimit = %q", a.header.Get("X-VaultAPI-BurstLimit"))
		}
		got = append(got, remaining(a)+"/"+a.header.Get("X-VaultAPI-ResponseDelay"))
	}
	if want := []string{"2/", "1/", "0/", "0/250"}; !slices.Equal(got, want) {
		t.Errorf("remaining/delay per call = %v, want %v", got, want)
	}
	s.ResetBurst()
	if a := c.query("SELECT id FROM territory__v"); remaining(a) != "2" || a.header.Get("X-VaultAPI-ResponseDelay") != "" {
		t.Errorf("after ResetBurst: %v", a.header)
	}

	s.BurstExhausted(2, vaulttest.On(vaulttest.EndpointQuery, ""))
	for i := range 2 {
		a := c.query("SELECT id FROM territory__v")
		wantSuccess(t, "an exhausted call", a)
		if remaining(a) != "0" || a.header.Get("X-VaultAPI-ResponseDelay") != "250" {
			t.Errorf("exhausted call %d: %v", i, a.header)
		}
	}
	s.ResetBurst()
	if a := c.query("SELECT id FROM territory__v"); remaining(a) != "2" {
		t.Errorf("after BurstExhausted ran out: %v", a.header)
	}
	calls := s.Calls()
	if f := calls[len(calls)-2].Fault; f != vaulttest.FaultBurst {
		t.Errorf("Fault of an exhausted call = %q", f)
	}
}

func TestFailNext(t *testing.T) {
	s := newServer(t)
	c := newClient(t, s)
	s.FailNext(2, http.StatusServiceUnavailable, vaulttest.Writes(crm.Territory))

	// Another object, and a query, pass.
	wantSuccess(t, "query", c.query("SELECT id FROM territory__v"))
	wantSuccess(t, "create elsewhere", c.write("POST", crm.MySetupProducts, []map[string]any{{"product__v": "A"}}))
	for i := range 2 {
		a, err := c.send(c.jsonReq("POST", "/api/v24.1/vobjects/territory__v", []map[string]any{{"name__v": "X"}}))
		if err != nil || a.status != http.StatusServiceUnavailable || a.body != nil {
			t.Errorf("failed call %d: %d %s %v", i, a.status, a.raw, err)
		}
	}
	if n := len(s.Rows(crm.Territory)); n != 3 {
		t.Errorf("a failed call wrote: %d territories", n)
	}
	wantSuccess(t, "the third create", c.write("POST", crm.Territory, []map[string]any{{"name__v": "X"}}))
	calls := s.Calls()
	if c := calls[len(calls)-2]; c.Status != 503 || c.Fault != vaulttest.FaultFail || c.ResponseStatus != "" {
		t.Errorf("recorded failed call = %+v", c)
	}
}

func TestDropConnectionNext(t *testing.T) {
	s := newServer(t)
	c := newClient(t, s)
	s.DropConnectionNext(1, vaulttest.NotAuth)
	_, err := c.send(c.jsonReq("POST", "/api/v24.1/vobjects/territory__v", []map[string]any{{"name__v": "X"}}))
	if err == nil {
		t.Fatal("dropped call: no error")
	}
	if n := len(s.Rows(crm.Territory)); n != 3 {
		t.Errorf("a dropped call wrote: %d territories", n)
	}
	wantSuccess(t, "the next call", c.write("POST", crm.Territory, []map[string]any{{"name__v": "X"}}))
	if calls := s.Calls(); calls[len(calls)-2].Fault != vaulttest.FaultDrop || calls[len(calls)-2].Status != 0 {
		t.Errorf("recorded dropped call = %+v", calls[len(calls)-2])
	}
}

func TestMalformedNext(t *testing.T) {
	s := newServer(t)
	c := newClient(t, s)
	s.MalformedNext(1)
	a, err := c.send(c.form("POST", "/api/v24.1/query", url.Values{"q": {"SELECT id FROM territory__v"}}))
	if err == nil || a.status != http.StatusOK || json.Valid(a.raw) {
		t.Errorf("malformed answer: %d %s %v, want HTTP 200 with invalid JSON", a.status, a.raw, err)
	}
	wantSuccess(t, "the next call", c.query("SELECT id FROM territory__v"))
}

func TestLoseResponseNext(t *testing.T) {
	for _, status := range []int{0, http.StatusInternalServerError} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			s := newServer(t)
			c := newClient(t, s)
			s.LoseResponseNext(1, status, vaulttest.Writes(""))
			a, err := c.send(c.jsonReq("POST", "/api/v24.1/vobjects/territory__v", []map[string]any{{"name__v": "ONC-LOST"}}))
			if status == 0 && err == nil || status != 0 && (err != nil || a.status != status) {
				t.Errorf("lost answer: %d %v", a.status, err)
			}
			// The write happened although the client saw it fail.
			rows := s.Rows(crm.Territory)
			if !slices.ContainsFunc(rows, func(r map[string]string) bool { return r["name__v"] == "ONC-LOST" }) {
				t.Errorf("the lost batch was not applied: %v", rows)
			}
			a = c.query("SELECT id FROM territory__v WHERE name__v = 'ONC-LOST'")
			if len(a.data()) != 1 {
				t.Errorf("query after the lost answer: %s", a.raw)
			}
		})
	}
}

func TestDelayNext(t *testing.T) {
	s := newServer(t)
	c := newClient(t, s)
	// The client gives up long before the delay ends: the call is dropped
	// unhandled and the test does not wait out the delay.
	s.DelayNext(1, time.Hour, vaulttest.Writes(""))
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	req := c.jsonReq("POST", "/api/v24.1/vobjects/territory__v", []map[string]any{{"name__v": "SLOW"}}).WithContext(ctx)
	start := time.Now()
	if _, err := c.send(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("delayed call: err = %v, want a deadline", err)
	}
	if time.Since(start) > 10*time.Second {
		t.Error("the delayed call held the client too long")
	}
	waitFor(t, func() bool { calls := s.Calls(); return calls[len(calls)-1].Fault == vaulttest.FaultDelay })
	wantSuccess(t, "the next call", c.write("POST", crm.Territory, []map[string]any{{"name__v": "FAST"}}))
	for _, r := range s.Rows(crm.Territory) {
		if r["name__v"] == "SLOW" {
			t.Error("the abandoned delayed call was applied")
		}
	}
	// A short delay is waited out, then the call is handled.
	s.DelayNext(1, time.Millisecond)
	wantSuccess(t, "a briefly delayed call", c.query("SELECT id FROM territory__v"))
}

// waitFor polls cond: the server finishes a call shortly after the client
// gives up on it.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 5s")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestHoldNext(t *testing.T) {
	s := newServer(t)
	c := newClient(t, s)
	h := s.HoldNext(2, vaulttest.On(vaulttest.EndpointCreate, crm.Territory))
	var wg sync.WaitGroup
	results := make([]answer, 2)
	for i := range 2 {
		wg.Go(func() {
			a, err := c.send(c.jsonReq("POST", "/api/v24.1/vobjects/territory__v", []map[string]any{{"name__v": fmt.Sprintf("HELD-%d", i)}}))
			if err != nil {
				t.Errorf("held call %d: %v", i, err)
			}
			results[i] = a
		})
	}
	<-h.Arrived()
	<-h.Arrived()
	// Other calls pass while these wait.
	wantSuccess(t, "a query during the hold", c.query("SELECT id FROM territory__v"))
	if n := len(s.Rows(crm.Territory)); n != 3 {
		t.Errorf("held calls were applied before release: %d territories", n)
	}
	h.Release()
	wg.Wait()
	for i, a := range results {
		if a.responseStatus() != vaulttest.StatusSuccess {
			t.Errorf("released call %d: %s", i, a.raw)
		}
	}
	if n := len(s.Rows(crm.Territory)); n != 5 {
		t.Errorf("after release: %d territories, want 5", n)
	}
}

func TestHoldReleasedByClose(t *testing.T) {
	s := vaulttest.New()
	c := newClient(t, s)
	h := s.HoldNext(1, vaulttest.NotAuth)
	done := make(chan error, 1)
	go func() {
		_, err := c.send(c.form("POST", "/api/v24.1/query", url.Values{"q": {"SELECT id FROM territory__v"}}))
		done <- err
	}()
	<-h.Arrived()
	s.Close() // must not hang on the held call
	if err := <-done; err == nil {
		t.Error("a call held at Close got an answer")
	}
}

func TestFailRecords(t *testing.T) {
	s := newServer(t)
	c := newClient(t, s)
	stop := s.FailRecords(crm.AccountTerritory, func(r map[string]string) bool { return r["account__v"] == "acc-3" }, "RACE_CONDITION")
	res := recordResults(t, c.write("POST", crm.AccountTerritory, []map[string]any{
		{"account__v": "acc-1", "territory__v": "ter-1"},
		{"account__v": "acc-3", "territory__v": "ter-1"},
		{"account__v": "acc-2", "territory__v": "ter-1"},
	}))
	if res[0][0] != "SUCCESS" || res[1] != [3]string{"FAILURE", "", "RACE_CONDITION"} || res[2][0] != "SUCCESS" {
		t.Errorf("results = %v", res)
	}
	// Updates see the record as it would become; deletes the stored one.
	res = recordResults(t, c.write("PUT", crm.AccountTerritory, []map[string]any{{"id": "at-1", "account__v": "acc-3"}, {"id": "at-2", "created_by__v": "usr-2"}}))
	if res[0][2] != "RACE_CONDITION" || res[1][0] != "SUCCESS" {
		t.Errorf("update results = %v", res)
	}
	stop()
	res = recordResults(t, c.write("POST", crm.AccountTerritory, []map[string]any{{"account__v": "acc-3", "territory__v": "ter-1"}}))
	if res[0][0] != "SUCCESS" {
		t.Errorf("after stop: %v", res)
	}
	stop = s.FailRecords(crm.AccountTerritory, func(r map[string]string) bool { return r["id"] == "at-1" }, "")
	defer stop()
	res = recordResults(t, c.write("DELETE", crm.AccountTerritory, []map[string]any{{"id": "at-1"}, {"id": "at-2"}}))
	if res[0][2] != vaulttest.ErrInvalidData || res[1][0] != "SUCCESS" {
		t.Errorf("delete results = %v", res)
	}
}

func TestFaultsOnAuth(t *testing.T) {
	s := newServer(t)
	c := &client{t: t, s: s, hc: s.Client()}
	s.FailNext(1, http.StatusBadGateway, vaulttest.On(vaulttest.EndpointAuth, ""))
	a, err := c.send(c.form("POST", "/api/v24.1/auth", url.Values{"username": {vaulttest.DefaultUsername}, "password": {vaulttest.DefaultPassword}}))
	if err != nil || a.status != http.StatusBadGateway {
		t.Errorf("failed auth call: %d %v", a.status, err)
	}
	wantSuccess(t, "auth after the fault", c.login(vaulttest.DefaultUsername, vaulttest.DefaultPassword))
	h := s.HoldNext(1, vaulttest.On(vaulttest.EndpointQuery, ""))
	held := make(chan answer, 1)
	go func() {
		a, _ := c.send(c.form("POST", "/api/v24.1/query", url.Values{"q": {"SELECT id FROM territory__v"}}))
		held <- a
	}()
	<-h.Arrived()
	s.FailNext(5, http.StatusBadGateway) // armed after the held call took its faults
	s.ClearFaults()                      // releases the waiting call and disarms FailNext
	if a := <-held; a.responseStatus() != vaulttest.StatusSuccess {
		t.Errorf("held call after ClearFaults: %s", a.raw)
	}
	wantSuccess(t, "query after ClearFaults", c.query("SELECT id FROM territory__v"))
}

func TestConcurrentWritesAndFaults(t *testing.T) {
	s := newServer(t)
	c := newClient(t, s)
	s.FailNext(3, http.StatusServiceUnavailable, vaulttest.Writes(""))
	s.BurstExhausted(5)
	const workers, each = 8, 10
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		ok     []string
		failed int
	)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				a, err := c.send(c.jsonReq("POST", "/api/v24.1/vobjects/my_setup_products__v", []map[string]any{{"territory__v": "ter-3", "product__v": fmt.Sprintf("P-%d-%d", w, i)}}))
				mu.Lock()
				switch {
				case err != nil:
					t.Errorf("worker %d: %v", w, err)
				case a.status == http.StatusServiceUnavailable:
					failed++
				default:
					id, _ := a.data()[0]["data"].(map[string]any)["id"].(string)
					ok = append(ok, id)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if failed != 3 || len(ok) != workers*each-3 {
		t.Errorf("%d failed, %d succeeded; want 3 and %d", failed, len(ok), workers*each-3)
	}
	slices.Sort(ok)
	if len(slices.Compact(slices.Clone(ok))) != len(ok) {
		t.Error("concurrent creates got duplicate ids")
	}
	if n := len(s.Rows(crm.MySetupProducts)); n != len(ok) {
		t.Errorf("%d records stored, %d acknowledged", n, len(ok))
	}
	if n := countCalls(s.Calls(), vaulttest.EndpointCreate); n != workers*each {
		t.Errorf("%d create calls recorded, want %d", n, workers*each)
	}
}

func TestSeedShapes(t *testing.T) {
	s := vaulttest.New(vaulttest.WithClock(clock))
	defer s.Close()
	s.Seed("widget__c", []map[string]string{{"label__c": "no id"}, {"id": "w-1", "label__c": "one"}})
	rows := s.Rows("widget__c")
	if len(rows) != 2 || rows[1]["id"] != "w-1" || !strings.HasPrefix(rows[0]["id"], vaulttest.IDPrefix("widget__c")) || rows[0]["modified_date__v"] != nowStamp {
		t.Errorf("Seed rows = %v", rows)
	}
	if got := s.Fields("widget__c"); !slices.Equal(got, []string{"id", "label__c", "modified_date__v"}) {
		t.Errorf("Seed fields = %v", got)
	}
	defer func() {
		if recover() == nil {
			t.Error("SeedTable of a ragged table did not panic")
		}
	}()
	s.SeedTable("gadget__c", [][]string{{"name__v", "id", "modified_date__v", "size__c"}, {"g", "g-1", "2026-01-01T00:00:00Z", "L"}})
	if got := s.Fields("gadget__c"); !slices.Equal(got, []string{"id", "name__v", "modified_date__v", "size__c"}) {
		t.Errorf("SeedTable fields = %v", got)
	}
	s.SeedTable(crm.Territory, [][]string{{"id", "name__v"}, {"only-id"}})
}
