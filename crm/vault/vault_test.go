package vault

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alignctl/alignctl/crm"
	"github.com/alignctl/alignctl/crm/crmtest"
)

const (
	testUser     = "integration@example.com"
	testPassword = "hunter2-Pa55w0rd-XYZ"
	testVersion  = "v25.2"
)

var testNow = time.Date(2026, 11, 1, 9, 30, 0, 0, time.UTC)

// sleeps records the waits a client asked for; nothing really sleeps.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.d)
}

func newClient(t *testing.T, baseURL string, edit ...func(*Config)) (*Client, *sleeps) {
	t.Helper()
	sl := &sleeps{}
	cfg := Config{
		BaseURL:      baseURL,
		APIVersion:   testVersion,
		Username:     testUser,
		Password:     testPassword,
		Now:          func() time.Time { return testNow },
		RetryMax:     3,
		RetryWaitMin: 100 * time.Millisecond,
		RetryWaitMax: 800 * time.Millisecond,
		Sleep:        sl.sleep,
	}
	for _, e := range edit {
		e(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c, sl
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

type obj = map[string]any

func success(extra obj) obj {
	m := obj{"responseStatus": "SUCCESS"}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

func failure(typ, msg string) obj {
	return obj{"responseStatus": "FAILURE", "errors": []obj{{"type": typ, "message": msg}}}
}

// scripted is a test server: /auth hands out session ids sess-1, sess-2, ...;
// every other request goes to api, with the number of API requests so far.
type scripted struct {
	*httptest.Server
	mu     sync.Mutex
	auths  int
	calls  []*http.Request
	bodies []string
	api    func(w http.ResponseWriter, r *http.Request, body string, n int)
	auth   func(w http.ResponseWriter, r *http.Request, n int) bool // optional: true when handled
}

func newScripted(t *testing.T, api func(w http.ResponseWriter, r *http.Request, body string, n int)) *scripted {
	t.Helper()
	s := &scripted{api: api}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *scripted) serve(w http.ResponseWriter, r *http.Request) {
	// Vault's clock, which the client reads from the Date header.
	w.Header().Set("Date", testNow.Format(http.TimeFormat))
	b, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(b))
	if r.URL.Path == "/api/"+testVersion+"/auth" {
		s.mu.Lock()
		s.auths++
		n := s.auths
		s.mu.Unlock()
		if s.auth != nil && s.auth(w, r, n) {
			return
		}
		writeJSON(w, 200, success(obj{"sessionId": "sess-" + strconv.Itoa(n), "userId": 12021, "vaultId": 1776,
			"vaultIds": []obj{{"id": 1776, "name": "CRM", "url": s.URL + "/api"}}}))
		return
	}
	s.mu.Lock()
	s.calls = append(s.calls, r)
	s.bodies = append(s.bodies, string(b))
	n := len(s.calls)
	s.mu.Unlock()
	s.api(w, r, string(b), n)
}

func (s *scripted) counts() (auths, calls int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.auths, len(s.calls)
}

var territoryMetadata = success(obj{"object": obj{"name": "territory__v", "fields": []obj{
	{"name": "id", "type": "ID"},
	{"name": "name__v", "type": "String"},
	{"name": "modified_date__v", "type": "DateTime"},
}}})

// --- the contract, against a small in-memory Vault --------------------------

func TestContract(t *testing.T) {
	crmtest.Run(t, func(t *testing.T, seed map[string][][]string) crm.Connector {
		mv := newMiniVault(seed)
		srv := httptest.NewServer(mv)
		t.Cleanup(srv.Close)
		c, _ := newClient(t, srv.URL)
		return c
	})
}

// miniVault implements, in memory, the part of the Vault REST API the
// client uses, as Vault documents it.
type miniVault struct {
	mu       sync.Mutex
	sessions map[string]bool
	schema   map[string][]string
	rows     map[string][]map[string]string
	deleted  []map[string]string // object, id, deleted_date, merged_into
	seq      int
	pages    map[string][]map[string]any
}

var miniSchema = map[string][]string{
	crm.Account:          {"id", "name__v", "country__v", "record_type__v", "primary_parent__v", "specialty_1__v", "modified_date__v"},
	crm.Address:          {"id", "account__v", "country__v", "postal_code__v", "primary__v", "modified_date__v"},
	crm.ChildAccount:     {"id", "parent_account__v", "child_account__v", "modified_date__v"},
	crm.ProductMetrics:   {"id", "account__v", "product__v", "modified_date__v"},
	crm.Call:             {"id", "account__v", "call_date__v", "modified_date__v"},
	crm.User:             {"id", "username__sys", "federated_id__sys", "status__v", "modified_date__v"},
	crm.Territory:        {"id", "name__v", "parent_territory__v", "country__v", "modified_date__v"},
	crm.AccountTerritory: {"id", "account__v", "territory__v", "created_by__v", "modified_date__v"},
	crm.UserTerritory:    {"id", "user__v", "territory__v", "modified_date__v"},
	crm.MySetupProducts:  {"id", "territory__v", "product__v", "modified_date__v"},
}

func newMiniVault(seed map[string][][]string) *miniVault {
	mv := &miniVault{sessions: map[string]bool{}, schema: map[string][]string{}, rows: map[string][]map[string]string{}, pages: map[string][]map[string]any{}}
	for o, f := range miniSchema {
		mv.schema[o] = slices.Clone(f)
	}
	for o, rows := range seed {
		for _, r := range rows[1:] {
			m := map[string]string{}
			for i, f := range rows[0] {
				m[f] = r[i]
			}
			if o == crm.Deletions {
				mv.deleted = append(mv.deleted, m)
				continue
			}
			mv.rows[o] = append(mv.rows[o], m)
		}
		if o != crm.Deletions {
			for _, f := range rows[0] {
				if !slices.Contains(mv.schema[o], f) {
					mv.schema[o] = append(mv.schema[o], f)
				}
			}
		}
	}
	return mv
}

var selectRe = regexp.MustCompile(`^SELECT (.+) FROM (\w+)(?: WHERE modified_date__v >= '([^']+)')?(?: PAGESIZE (\d+))?$`)

func (mv *miniVault) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	mv.mu.Lock()
	defer mv.mu.Unlock()
	w.Header().Set("Date", testNow.Format(http.TimeFormat))
	prefix := "/api/" + testVersion + "/"
	if !strings.HasPrefix(r.URL.Path, prefix) {
		http.NotFound(w, r)
		return
	}
	p := strings.Split(strings.TrimPrefix(r.URL.Path, prefix), "/")
	if p[0] == "auth" {
		r.ParseForm()
		if r.PostForm.Get("username") != testUser || r.PostForm.Get("password") != testPassword {
			writeJSON(w, 200, failure("USERNAME_OR_PASSWORD_INCORRECT", "Authentication failed"))
			return
		}
		mv.seq++
		sid := fmt.Sprintf("SESSION%06d", mv.seq)
		mv.sessions[sid] = true
		writeJSON(w, 200, success(obj{"sessionId": sid, "userId": 1, "vaultId": 1776,
			"vaultIds": []obj{{"id": 1776, "name": "CRM", "url": "http://" + r.Host + "/api"}}}))
		return
	}
	if !mv.sessions[r.Header.Get("Authorization")] {
		writeJSON(w, 200, failure(InvalidSessionID, "Invalid or expired session ID."))
		return
	}
	switch {
	case r.Method == "GET" && len(p) == 3 && p[0] == "metadata" && p[1] == "vobjects":
		fields, ok := mv.schema[p[2]]
		if !ok {
			writeJSON(w, 200, failure(MalformedURL, "The specified resource cannot be found."))
			return
		}
		var fs []obj
		for _, f := range fields {
			fs = append(fs, obj{"name": f, "type": "String"})
		}
		writeJSON(w, 200, success(obj{"object": obj{"name": p[2], "fields": fs}}))
	case r.Method == "POST" && p[0] == "query" && len(p) == 1:
		r.ParseForm()
		m := selectRe.FindStringSubmatch(r.PostForm.Get("q"))
		if m == nil {
			writeJSON(w, 200, failure("INCORRECT_QUERY_SYNTAX_ERROR", "bad query"))
			return
		}
		fields, object := strings.Split(m[1], ", "), m[2]
		if _, ok := mv.schema[object]; !ok {
			writeJSON(w, 200, failure(InvalidData, "no such object"))
			return
		}
		var since time.Time
		if m[3] != "" {
			since, _ = time.Parse(time.RFC3339, m[3])
		}
		size := 1000
		if m[4] != "" {
			size, _ = strconv.Atoi(m[4])
		}
		var out []map[string]any
		for _, row := range mv.rows[object] {
			md, _ := time.Parse(time.RFC3339Nano, row["modified_date__v"])
			if md.Before(since) {
				continue
			}
			rec := map[string]any{}
			for _, f := range fields {
				if v := row[f]; v != "" {
					rec[f] = v
				} else {
					rec[f] = nil
				}
			}
			out = append(out, rec)
		}
		mv.seq++
		tok := strconv.Itoa(mv.seq)
		mv.pages[tok] = out
		mv.page(w, tok, size, 0)
	case r.Method == "POST" && p[0] == "query" && len(p) == 2:
		size, _ := strconv.Atoi(r.URL.Query().Get("pagesize"))
		off, _ := strconv.Atoi(r.URL.Query().Get("pageoffset"))
		mv.page(w, p[1], size, off)
	case r.Method == "GET" && len(p) == 4 && p[0] == "objects" && p[1] == "deletions" && p[2] == "vobjects":
		if _, ok := mv.schema[p[3]]; !ok {
			writeJSON(w, 200, failure(MalformedURL, "The specified resource cannot be found."))
			return
		}
		var data []obj
		for _, d := range mv.deleted {
			if d["object"] == p[3] {
				data = append(data, obj{"id": d["id"], "deleted_date": d["deleted_date"], "merged_into": d["merged_into"]})
			}
		}
		writeJSON(w, 200, success(obj{"responseDetails": obj{"total": len(data), "size": len(data), "limit": 1000, "offset": 0}, "data": data}))
	case p[0] == "vobjects" && len(p) == 2:
		mv.write(w, r, p[1])
	default:
		writeJSON(w, 404, failure(MalformedURL, "The specified resource cannot be found."))
	}
}

func (mv *miniVault) page(w http.ResponseWriter, tok string, size, off int) {
	all, ok := mv.pages[tok]
	if !ok {
		writeJSON(w, 200, failure(InvalidData, "unknown page"))
		return
	}
	end := min(off+size, len(all))
	data := all[off:end]
	rd := obj{"pagesize": size, "pageoffset": off, "size": len(data), "total": len(all)}
	if end < len(all) {
		rd["next_page"] = fmt.Sprintf("/api/%s/query/%s?pagesize=%d&pageoffset=%d", testVersion, tok, size, end)
	}
	writeJSON(w, 200, success(obj{"responseDetails": rd, "data": data}))
}

func (mv *miniVault) write(w http.ResponseWriter, r *http.Request, object string) {
	fields, ok := mv.schema[object]
	if !ok {
		writeJSON(w, 200, failure(InvalidData, "Object not found"))
		return
	}
	if r.Header.Get("Content-Type") != "application/json" {
		writeJSON(w, 200, failure(InvalidData, "Content-Type"))
		return
	}
	var recs []map[string]string
	if err := json.NewDecoder(r.Body).Decode(&recs); err != nil {
		writeJSON(w, 200, failure(InvalidData, "body is not a JSON array of records"))
		return
	}
	if len(recs) > 500 {
		writeJSON(w, 200, failure(InvalidData, "batch larger than 500"))
		return
	}
	now := testNow.Format(time.RFC3339)
	find := func(id string) int {
		return slices.IndexFunc(mv.rows[object], func(m map[string]string) bool { return m["id"] == id })
	}
	var data []obj
	for _, rec := range recs {
		bad := ""
		for f := range rec {
			if !slices.Contains(fields, f) {
				bad = "unknown field " + f
			}
		}
		id := rec["id"]
		switch {
		case bad != "":
		case r.Method == "POST" && id != "":
			bad = "id is not editable"
		case r.Method != "POST" && find(id) < 0:
			bad = "record not found: " + id
		}
		if bad != "" {
			data = append(data, failure(InvalidData, bad))
			continue
		}
		upsert := -1
		if key := r.URL.Query().Get("idParam"); r.Method == "POST" && key != "" && rec[key] != "" {
			upsert = slices.IndexFunc(mv.rows[object], func(m map[string]string) bool { return m[key] == rec[key] })
		}
		switch {
		case upsert >= 0:
			row := mv.rows[object][upsert]
			for k, v := range rec {
				row[k] = v
			}
			row["modified_date__v"] = now
			id = row["id"]
		case r.Method == "POST":
			mv.seq++
			id = fmt.Sprintf("V%d", mv.seq)
			row := map[string]string{}
			for k, v := range rec {
				row[k] = v
			}
			row["id"], row["modified_date__v"] = id, now
			mv.rows[object] = append(mv.rows[object], row)
		case r.Method == "PUT":
			row := mv.rows[object][find(id)]
			for k, v := range rec {
				row[k] = v
			}
			row["modified_date__v"] = now
		case r.Method == "DELETE":
			mv.rows[object] = slices.Delete(mv.rows[object], find(id), find(id)+1)
			mv.deleted = append(mv.deleted, map[string]string{"object": object, "id": id, "deleted_date": now})
		}
		data = append(data, success(obj{"data": obj{"id": id, "url": "/api/" + testVersion + "/vobjects/" + object + "/" + id}}))
	}
	writeJSON(w, 200, success(obj{"data": data}))
}

// --- requests -------------------------------------------------------------

func TestLoginAndHeaders(t *testing.T) {
	s := newScripted(t, func(w http.ResponseWriter, r *http.Request, body string, n int) {
		if got := r.Header.Get("Authorization"); got != "sess-1" {
			t.Errorf("Authorization = %q, want the bare session id sess-1", got)
		}
		if got := r.Header.Get("Accept"); got != "application/json" {
			t.Errorf("Accept = %q", got)
		}
		if r.Method != "GET" || r.URL.Path != "/api/v25.2/metadata/vobjects/territory__v" {
			t.Errorf("request %s %s", r.Method, r.URL.Path)
		}
		writeJSON(w, 200, territoryMetadata)
	})
	s.auth = func(w http.ResponseWriter, r *http.Request, n int) bool {
		if r.Method != "POST" || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" || r.Header.Get("Accept") != "application/json" {
			t.Errorf("auth: %s, Content-Type %q, Accept %q", r.Method, r.Header.Get("Content-Type"), r.Header.Get("Accept"))
		}
		if r.Header.Get("Authorization") != "" {
			t.Error("auth sent an Authorization header")
		}
		if err := r.ParseForm(); err != nil {
			t.Error(err)
		}
		if r.PostForm.Get("username") != testUser || r.PostForm.Get("password") != testPassword || r.URL.RawQuery != "" {
			t.Errorf("auth form %v, query %q: want username and password in the body only", r.PostForm, r.URL.RawQuery)
		}
		return false
	}
	c, _ := newClient(t, s.URL, func(cfg *Config) { cfg.APIVersion = "25.2" })
	for range 2 {
		got, err := c.Fields(t.Context(), crm.Territory)
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"id", "name__v", "modified_date__v"}; !slices.Equal(got, want) {
			t.Errorf("Fields = %v, want %v", got, want)
		}
	}
	if auths, calls := s.counts(); auths != 1 || calls != 2 {
		t.Errorf("%d logins and %d calls, want 1 and 2", auths, calls)
	}
}

func TestVaultIDCheck(t *testing.T) {
	s := newScripted(t, func(w http.ResponseWriter, r *http.Request, body string, n int) {
		writeJSON(w, 200, territoryMetadata)
	})
	c, _ := newClient(t, s.URL, func(cfg *Config) { cfg.VaultID = "1776" })
	if _, err := c.Fields(t.Context(), crm.Territory); err != nil {
		t.Fatalf("matching vault id: %v", err)
	}
	c, _ = newClient(t, s.URL, func(cfg *Config) { cfg.VaultID = "2001" })
	_, err := c.Fields(t.Context(), crm.Territory)
	if err == nil || !strings.Contains(err.Error(), "1776") || !strings.Contains(err.Error(), "2001") {
		t.Fatalf("vault id mismatch: err = %v, want both ids named", err)
	}
	if _, calls := s.counts(); calls != 1 {
		t.Errorf("%d API calls, want only the first client's: the mismatched session must not be used", calls)
	}
	noSecrets(t, "vault id mismatch", err, "sess-2")
}

func TestReloginOnInvalidSession(t *testing.T) {
	s := newScripted(t, func(w http.ResponseWriter, r *http.Request, body string, n int) {
		if r.Header.Get("Authorization") == "sess-1" {
			writeJSON(w, 401, failure(InvalidSessionID, "Invalid or expired session ID."))
			return
		}
		writeJSON(w, 200, territoryMetadata)
	})
	c, sl := newClient(t, s.URL)
	if _, err := c.Fields(t.Context(), crm.Territory); err != nil {
		t.Fatal(err)
	}
	if auths, calls := s.counts(); auths != 2 || calls != 2 {
		t.Errorf("%d logins and %d calls, want 2 and 2", auths, calls)
	}
	if len(sl.all()) != 0 {
		t.Errorf("slept %v: a 4xx with a Vault body is not retried", sl.all())
	}
}

func TestReloginOnce(t *testing.T) {
	s := newScripted(t, func(w http.ResponseWriter, r *http.Request, body string, n int) {
		writeJSON(w, 200, failure(InvalidSessionID, "Invalid or expired session ID."))
	})
	c, _ := newClient(t, s.URL)
	_, err := c.Fields(t.Context(), crm.Territory)
	var ae *APIError
	if !errors.As(err, &ae) || !ae.Has(InvalidSessionID) {
		t.Fatalf("err = %v, want an APIError of type INVALID_SESSION_ID", err)
	}
	if auths, calls := s.counts(); auths != 2 || calls != 2 {
		t.Errorf("%d logins and %d calls, want 2 and 2", auths, calls)
	}
}

func TestLoginFailure(t *testing.T) {
	s := newScripted(t, func(w http.ResponseWriter, r *http.Request, body string, n int) {
		t.Error("an API call after a failed login")
	})
	s.auth = func(w http.ResponseWriter, r *http.Request, n int) bool {
		r.ParseForm()
		// A server that echoes what it got must not get it into the error.
		writeJSON(w, 200, obj{"responseStatus": "FAILURE", "errorType": "AUTHENTICATION_FAILED",
			"errors": []obj{{"type": "USERNAME_OR_PASSWORD_INCORRECT", "message": "Authentication failed for " + r.PostForm.Get("username") + " / " + r.PostForm.Get("password")}}})
		return true
	}
	c, _ := newClient(t, s.URL)
	_, err := c.Fields(t.Context(), crm.Territory)
	if err == nil || !strings.Contains(err.Error(), "USERNAME_OR_PASSWORD_INCORRECT") || !strings.Contains(err.Error(), testUser) {
		t.Fatalf("err = %v, want the error type and the username", err)
	}
	noSecrets(t, "login failure", err)
	// A refused login is not tried again: wrong passwords lock users out.
	_, err2 := c.Create(t.Context(), crm.Territory, []crm.Record{{"name__v": "x"}})
	if err2 == nil || err2.Error() != err.Error() {
		t.Errorf("second call: %v, want the same refusal", err2)
	}
	if auths, _ := s.counts(); auths != 1 {
		t.Errorf("%d logins, want 1", auths)
	}
}

func TestLoginRetriedAfterTransportFailure(t *testing.T) {
	s := newScripted(t, func(w http.ResponseWriter, r *http.Request, body string, n int) {
		writeJSON(w, 200, territoryMetadata)
	})
	s.auth = func(w http.ResponseWriter, r *http.Request, n int) bool {
		if n <= 2 { // the first Fields: two attempts, then it gives up
			http.Error(w, "down", 503)
			return true
		}
		return false
	}
	c, _ := newClient(t, s.URL, func(cfg *Config) { cfg.RetryMax = 1 })
	if _, err := c.Fields(t.Context(), crm.Territory); err == nil {
		t.Fatal("no error while the login is down")
	}
	if _, err := c.Fields(t.Context(), crm.Territory); err != nil {
		t.Fatalf("a login that failed in transit must be tried again: %v", err)
	}
}

func TestRedirectElsewhereRefused(t *testing.T) {
	other := newScripted(t, func(w http.ResponseWriter, r *http.Request, body string, n int) {
		t.Errorf("the other host got %s %s", r.Method, r.URL)
	})
	s := newScripted(t, func(w http.ResponseWriter, r *http.Request, body string, n int) {})
	s.auth = func(w http.ResponseWriter, r *http.Request, n int) bool {
		http.Redirect(w, r, other.URL+r.URL.Path, http.StatusTemporaryRedirect)
		return true
	}
	c, _ := newClient(t, s.URL)
	_, err := c.Fields(t.Context(), crm.Territory)
	if err == nil || !strings.Contains(err.Error(), "not followed") {
		t.Fatalf("err = %v, want the redirect refused", err)
	}
	if auths, _ := other.counts(); auths != 0 {
		t.Errorf("the password went to the other host %d times", auths)
	}
	noSecrets(t, "redirect", err)
}

// --- export -----------------------------------------------------------------

func TestExportPagination(t *testing.T) {
	pages := [][]obj{
		{{"id": "ter-1", "name__v": "ONC, \"NAT\"", "country__v": []string{"US"}, "rank__c": 1.50, "modified_date__v": "2020-02-01T00:00:00.000Z"},
			{"id": "ter-2", "name__v": "line\nbreak", "country__v": nil, "rank__c": 2, "modified_date__v": "2020-02-02T00:00:00.000Z"}},
		{{"id": "ter-3", "name__v": "Ñandú", "country__v": []string{"US", "PR"}, "rank__c": true, "modified_date__v": "2020-02-03T00:00:00.000Z"},
			{"id": "ter-4", "name__v": "", "country__v": []string{}, "rank__c": nil, "modified_date__v": "2020-02-04T00:00:00.000Z"}},
		{{"id": "ter-5", "name__v": "last", "modified_date__v": "2020-02-05T00:00:00.000Z"}},
	}
	wantQ := "SELECT id, name__v, country__v, rank__c, modified_date__v FROM territory__v WHERE modified_date__v >= '2020-02-02T00:00:00.000Z' PAGESIZE 2"
	s := newScripted(t, func(w http.ResponseWriter, r *http.Request, body string, n int) {
		switch {
		case r.URL.Path == "/api/v25.2/metadata/vobjects/territory__v":
			writeJSON(w, 200, success(obj{"object": obj{"name": "territory__v", "fields": []obj{
				{"name": "id"}, {"name": "name__v"}, {"name": "country__v"}, {"name": "formula__c", "status": []string{"inactive__v"}},
				{"name": "rank__c", "status": []string{"active__v"}}, {"name": "modified_date__v"},
			}}}))
		case r.Method == "POST" && r.URL.Path == "/api/v25.2/query":
			if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
				t.Errorf("query Content-Type %q", ct)
			}
			v, _ := url.ParseQuery(body)
			if v.Get("q") != wantQ {
				t.Errorf("q =\n%s\nwant\n%s", v.Get("q"), wantQ)
			}
			writeJSON(w, 200, success(obj{"responseDetails": obj{"pagesize": 2, "pageoffset": 0, "size": 2, "total": 5,
				"next_page": "/api/v25.2/query/0000-1?pagesize=2&pageoffset=2"}, "data": pages[0]}))
		case r.Method == "POST" && r.URL.Path == "/api/v25.2/query/0000-1":
			if r.Header.Get("Authorization") != "sess-1" {
				t.Error("next_page request without the session")
			}
			off := r.URL.Query().Get("pageoffset")
			rd := obj{"pagesize": 2, "size": 2, "total": 5}
			data := pages[1]
			if off == "4" {
				data = pages[2]
			} else {
				rd["next_page"] = "/api/v25.2/query/0000-1?pagesize=2&pageoffset=4"
			}
			writeJSON(w, 200, success(obj{"responseDetails": rd, "data": data}))
		default:
			t.Errorf("unexpected %s %s", r.Method, r.URL)
			writeJSON(w, 404, failure(MalformedURL, "no"))
		}
	})
	c, _ := newClient(t, s.URL, func(cfg *Config) { cfg.PageSize = 2 })
	since := time.Date(2020, 2, 1, 19, 0, 0, 0, time.FixedZone("EST", -5*3600))
	header, rows := exportRows(t, c, crm.Territory, since)
	if want := []string{"id", "name__v", "country__v", "rank__c", "modified_date__v"}; !slices.Equal(header, want) {
		t.Errorf("header %v, want %v", header, want)
	}
	want := [][]string{
		{"ter-1", "ONC, \"NAT\"", "US", "1.5", "2020-02-01T00:00:00.000Z"},
		{"ter-2", "line\nbreak", "", "2", "2020-02-02T00:00:00.000Z"},
		{"ter-3", "Ñandú", "US,PR", "true", "2020-02-03T00:00:00.000Z"},
		{"ter-4", "", "", "", "2020-02-04T00:00:00.000Z"},
		{"ter-5", "last", "", "", "2020-02-05T00:00:00.000Z"},
	}
	if !slices.EqualFunc(rows, want, slices.Equal) {
		t.Errorf("rows\n%q\nwant\n%q", rows, want)
	}
}

func exportRows(t *testing.T, c *Client, object string, since time.Time) ([]string, [][]string) {
	t.Helper()
	ex, err := c.Export(t.Context(), object, since)
	if err != nil {
		t.Fatalf("Export(%s): %v", object, err)
	}
	defer ex.Cleanup()
	if ex.Path == "" {
		t.Fatalf("Export(%s): no file", object)
	}
	f, err := os.Open(ex.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	all, err := csv.NewReader(f).ReadAll()
	if err != nil || len(all) == 0 {
		t.Fatalf("export is not CSV with a header: %v", err)
	}
	return all[0], all[1:]
}

func TestExportCleanup(t *testing.T) {
	s := newScripted(t, func(w http.ResponseWriter, r *http.Request, body string, n int) {
		if strings.HasSuffix(r.URL.Path, "/query") {
			writeJSON(w, 200, success(obj{"responseDetails": obj{"size": 0, "total": 0}, "data": []obj{}}))
			return
		}
		writeJSON(w, 200, territoryMetadata)
	})
	c, _ := newClient(t, s.URL)
	ex, err := c.Export(t.Context(), crm.Territory, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(ex.Path)
	if err != nil || string(b) != "id,name__v,modified_date__v\n" {
		t.Errorf("empty export = %q, %v; want the header alone", b, err)
	}
	s.mu.Lock()
	query := s.bodies[1]
	s.mu.Unlock()
	if v, _ := url.ParseQuery(query); strings.Contains(v.Get("q"), "WHERE") || strings.Contains(v.Get("q"), "PAGESIZE") {
		t.Errorf("q = %q: a zero since and page size add no clause", v.Get("q"))
	}
	ex.Cleanup()
	if _, err := os.Stat(ex.Path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Cleanup left %s", ex.Path)
	}
}

func TestExportShortWithoutNextPage(t *testing.T) {
	s := newScripted(t, func(w http.ResponseWriter, r *http.Request, body string, n int) {
		if strings.HasSuffix(r.URL.Path, "/query") {
			writeJSON(w, 200, success(obj{"responseDetails": obj{"size": 1, "total": 3}, "data": []obj{{"id": "ter-1"}}}))
			return
		}
		writeJSON(w, 200, territoryMetadata)
	})
	c, _ := newClient(t, s.URL)
	_, err := c.Export(t.Context(), crm.Territory, time.Time{})
	if err == nil || !strings.Contains(err.Error(), "1 of 3") || !strings.Contains(err.Error(), "territory__v") {
		t.Fatalf("err = %v, want the missing rows reported", err)
	}
}

func TestNextPageElsewhereRefused(t *testing.T) {
	s := newScripted(t, func(w http.ResponseWriter, r *http.Request, body string, n int) {
		if strings.HasSuffix(r.URL.Path, "/query") {
			writeJSON(w, 200, success(obj{"responseDetails": obj{"size": 1, "total": 2, "next_page": "https://evil.example.com/api/v25.2/query/x"}, "data": []obj{{"id": "ter-1"}}}))
			return
		}
		writeJSON(w, 200, territoryMetadata)
	})
	c, _ := newClient(t, s.URL)
	if _, err := c.Export(t.Context(), crm.Territory, time.Time{}); err == nil || !strings.Contains(err.Error(), "evil.example.com") {
		t.Fatalf("err = %v, want the foreign next_page refused", err)
	}
}

// INVALID_DATA on the metadata or deletions call says the request was
// wrong, not that the object is missing: an error naming the object.
func TestInvalidDataIsAnErrorNamingTheObject(t *testing.T) {
	s := newScripted(t, func(w http.ResponseWriter, r *http.Request, body string, n int) {
		writeJSON(w, 200, failure(InvalidData, "bad request"))
	})
	c, _ := newClient(t, s.URL)
	if _, err := c.Fields(t.Context(), "tier__c"); err == nil || errors.Is(err, crm.ErrUnknownObject) || !strings.Contains(err.Error(), "object tier__c") {
		t.Errorf("Fields: err = %v, want an error naming object tier__c", err)
	}
	if _, err := c.Export(t.Context(), "tier__c", time.Time{}); err == nil || !strings.Contains(err.Error(), "object tier__c") {
		t.Errorf("Export: err = %v, want an error naming object tier__c", err)
	}
	if _, err := c.Export(t.Context(), crm.Deletions, time.Time{}); err == nil || !strings.Contains(err.Error(), "deleted records of object account__v") {
		t.Errorf("deletions: err = %v, want an error naming object account__v", err)
	}
}

func TestUnknownObject(t *testing.T) {
	for _, typ := range []string{MalformedURL} {
		t.Run(typ, func(t *testing.T) {
			s := newScripted(t, func(w http.ResponseWriter, r *http.Request, body string, n int) {
				writeJSON(w, 200, failure(typ, "no such object"))
			})
			c, _ := newClient(t, s.URL)
			if _, err := c.Fields(t.Context(), "nope__c"); !errors.Is(err, crm.ErrUnknownObject) {
				t.Errorf("Fields: err = %v, want crm.ErrUnknownObject", err)
			}
			ex, err := c.Export(t.Context(), "nope__c", time.Time{})
			if err != nil || ex.Path != "" || ex.Cleanup == nil {
				t.Errorf("Export = %+v, %v; want Path \"\" and no error", ex, err)
			}
		})
	}
	s := newScripted(t, func(w http.ResponseWriter, r *http.Request, body string, n int) {
		writeJSON(w, 200, failure("INSUFFICIENT_ACCESS", "no"))
	})
	c, _ := newClient(t, s.URL)
	if _, err := c.Export(t.Context(), crm.Territory, time.Time{}); err == nil || errors.Is(err, crm.ErrUnknownObject) {
		t.Errorf("INSUFFICIENT_ACCESS: err = %v, want an error that is not ErrUnknownObject", err)
	}
	if _, err := c.Fields(t.Context(), "bad name"); err == nil || !strings.Contains(err.Error(), "letters, digits and _") {
		t.Errorf("a name that is not a Vault name: err = %v", err)
	}
}

func TestDeletions(t *testing.T) {
	var mu sync.Mutex
	starts := map[string][]string{}
	s := newScripted(t, func(w http.ResponseWriter, r *http.Request, body string, n int) {
		object := strings.TrimPrefix(r.URL.Path, "/api/v25.2/objects/deletions/vobjects/")
		if r.Method != "GET" || object == r.URL.Path {
			t.Errorf("unexpected %s %s", r.Method, r.URL)
		}
		q := r.URL.Query()
		mu.Lock()
		starts[object] = append(starts[object], q.Get("start_date"))
		mu.Unlock()
		switch object {
		case crm.Account:
			if q.Get("limit") != "2" {
				t.Errorf("limit = %q, want the page size", q.Get("limit"))
			}
			if q.Get("offset") == "" {
				writeJSON(w, 200, success(obj{"responseDetails": obj{"total": 3, "size": 2, "offset": 0, "limit": 2},
					"data": []obj{{"id": "acc-0", "deleted_date": "2026-10-20T05:24:20Z", "merged_into": "acc-1"}, {"id": "acc-9", "deleted_date": "2026-10-21T05:24:20Z"}}}))
				return
			}
			if q.Get("offset") != "2" {
				t.Errorf("offset = %q, want 2", q.Get("offset"))
			}
			writeJSON(w, 200, success(obj{"responseDetails": obj{"total": 3, "size": 1, "offset": 2, "limit": 2},
				"data": []obj{{"id": "acc-7", "deleted_date": "2026-10-22T05:24:20Z", "main_record_id": "acc-2"}}}))
		case crm.Call:
			writeJSON(w, 200, failure(MalformedURL, "The specified resource cannot be found."))
		case crm.AccountTerritory:
			writeJSON(w, 200, success(obj{"responseDetails": obj{"total": 1, "size": 1, "offset": 0, "limit": 1000},
				"data": []obj{{"id": "at-1", "deleted_date": "2026-10-23T00:00:00Z"}}}))
		default:
			writeJSON(w, 200, success(obj{"responseDetails": obj{"total": 0, "size": 0, "offset": 0, "limit": 1000}, "data": []obj{}}))
		}
	})
	c, _ := newClient(t, s.URL, func(cfg *Config) { cfg.PageSize = 2 })
	header, rows := exportRows(t, c, crm.Deletions, testNow.Add(-48*time.Hour+500*time.Millisecond))
	if !slices.Equal(header, deletionsHeader) {
		t.Errorf("header %v", header)
	}
	want := [][]string{
		{crm.Account, "acc-0", "2026-10-20T05:24:20Z", "acc-1"},
		{crm.Account, "acc-9", "2026-10-21T05:24:20Z", ""},
		{crm.Account, "acc-7", "2026-10-22T05:24:20Z", "acc-2"},
		{crm.AccountTerritory, "at-1", "2026-10-23T00:00:00Z", ""},
	}
	if !slices.EqualFunc(rows, want, slices.Equal) {
		t.Errorf("rows %q, want %q", rows, want)
	}
	for _, o := range crm.ImportObjects {
		if o != crm.Deletions && len(starts[o]) == 0 {
			t.Errorf("deleted records of %s not asked for", o)
		}
	}
	if got := starts[crm.Territory]; !slices.Equal(got, []string{"2026-10-30T09:30:00Z"}) {
		t.Errorf("start_date = %q, want since in seconds", got)
	}
	// Outside Vault's 30-day window: no start_date, everything Vault has.
	exportRows(t, c, crm.Deletions, testNow.AddDate(0, -2, 0))
	if got := starts[crm.Territory]; len(got) != 2 || got[1] != "" {
		t.Errorf("start_date = %q, want none for a since older than 30 days", got)
	}
}

// --- writes -----------------------------------------------------------------

func TestCreateBatches(t *testing.T) {
	var mu sync.Mutex
	var sizes []int
	next := 0
	s := newScripted(t, func(w http.ResponseWriter, r *http.Request, body string, n int) {
		if r.Method != "POST" || r.URL.Path != "/api/v25.2/vobjects/account_territory__v" || r.Header.Get("Content-Type") != "application/json" || r.Header.Get("Accept") != "application/json" {
			t.Errorf("%s %s Content-Type %q", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
		}
		var recs []map[string]any
		if err := json.Unmarshal([]byte(body), &recs); err != nil {
			t.Errorf("body is not a JSON array: %v", err)
		}
		mu.Lock()
		defer mu.Unlock()
		sizes = append(sizes, len(recs))
		var data []obj
		for _, rec := range recs {
			if _, ok := rec["territory__v"].(string); !ok {
				t.Errorf("record %v: values must be JSON strings", rec)
			}
			next++
			data = append(data, success(obj{"data": obj{"id": fmt.Sprintf("new-%d", next), "url": "/x"}}))
		}
		writeJSON(w, 200, success(obj{"data": data}))
	})
	c, _ := newClient(t, s.URL)
	recs := make([]crm.Record, 1201)
	for i := range recs {
		recs[i] = crm.Record{"account__v": fmt.Sprintf("acc-%d", i), "territory__v": "ter-1", "rank__c": "7"}
	}
	res, err := c.Create(t.Context(), crm.AccountTerritory, recs)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sizes, []int{500, 500, 201}) {
		t.Errorf("batch sizes %v, want 500, 500, 201", sizes)
	}
	for i, r := range res {
		if r.Err != nil || r.ID != fmt.Sprintf("new-%d", i+1) {
			t.Fatalf("result %d = %+v", i, r)
		}
	}
	if res, err := c.Create(t.Context(), crm.AccountTerritory, nil); err != nil || len(res) != 0 {
		t.Errorf("Create of nothing = %v, %v", res, err)
	}
	if _, calls := s.counts(); calls != 3 {
		t.Errorf("%d calls, want 3", calls)
	}
}

func TestPerRecordResults(t *testing.T) {
	s := newScripted(t, func(w http.ResponseWriter, r *http.Request, body string, n int) {
		var recs []map[string]string
		json.Unmarshal([]byte(body), &recs)
		switch r.Method {
		case "PUT":
			if len(recs) != 3 || recs[0]["id"] != "ter-1" || recs[0]["name__v"] != "A, \"b\"" {
				t.Errorf("PUT body %s", body)
			}
			writeJSON(w, 200, success(obj{"data": []obj{
				success(obj{"data": obj{"id": "ter-1"}}),
				{"responseStatus": "FAILURE", "errors": []obj{{"type": "INVALID_DATA", "message": "Record not found"}, {"type": "OPERATION_NOT_ALLOWED", "message": "also"}}},
				{"responseStatus": "WARNING", "data": obj{"id": "ter-3"}, "warnings": []obj{{"warning_type": "NO_DATA_CHANGES", "message": "unchanged"}}},
			}}))
		case "POST":
			if len(recs) != 1 || recs[0]["name__v"] != "new" {
				t.Errorf("POST body %s: the record with an id must not be sent", body)
			}
			writeJSON(w, 200, success(obj{"data": []obj{success(obj{"data": obj{"id": "ter-9"}})}}))
		case "DELETE":
			if body != `[{"id":"ter-1"},{"id":"ter-404"}]` {
				t.Errorf("DELETE body %s", body)
			}
			writeJSON(w, 200, success(obj{"data": []obj{
				{"responseStatus": "SUCCESS"},
				{"responseStatus": "FAILURE", "errors": []obj{{"type": "INVALID_DATA", "message": "Error message describing why this object record was not deleted."}}},
			}}))
		}
	})
	c, _ := newClient(t, s.URL)
	res, err := c.Update(t.Context(), crm.Territory, []crm.Record{
		{"id": "ter-1", "name__v": "A, \"b\""}, {"name__v": "no id"}, {"id": "ter-404", "name__v": "x"}, {"id": "ter-3", "name__v": "y"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Err != nil || res[0].ID != "ter-1" || res[3].Err != nil || res[3].ID != "ter-3" {
		t.Errorf("successes: %+v, %+v", res[0], res[3])
	}
	wantRecordError(t, res[1].Err, crm.RecordError{Object: crm.Territory, ID: "1", Type: ParameterMissing, Msg: "a record to update has no id"})
	wantRecordError(t, res[2].Err, crm.RecordError{Object: crm.Territory, ID: "ter-404", Type: "INVALID_DATA", Msg: "Record not found; OPERATION_NOT_ALLOWED: also"})

	res, err = c.Create(t.Context(), crm.Territory, []crm.Record{{"id": "ter-77", "name__v": "has id"}, {"id": "", "name__v": "new"}})
	if err != nil {
		t.Fatal(err)
	}
	wantRecordError(t, res[0].Err, crm.RecordError{Object: crm.Territory, ID: "0", Type: InvalidData, Msg: `a record to create carries id "ter-77": Vault assigns ids`})
	if res[1].Err != nil || res[1].ID != "ter-9" {
		t.Errorf("created: %+v", res[1])
	}

	res, err = c.Delete(t.Context(), crm.Territory, []string{"ter-1", "ter-404", ""})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Err != nil || res[0].ID != "ter-1" {
		t.Errorf("deleted: %+v", res[0])
	}
	wantRecordError(t, res[1].Err, crm.RecordError{Object: crm.Territory, ID: "ter-404", Type: "INVALID_DATA", Msg: "Error message describing why this object record was not deleted."})
	wantRecordError(t, res[2].Err, crm.RecordError{Object: crm.Territory, ID: "2", Type: ParameterMissing, Msg: "a record to delete has no id"})
}

func TestCreatedWithoutID(t *testing.T) {
	s := newScripted(t, func(w http.ResponseWriter, r *http.Request, body string, n int) {
		writeJSON(w, 200, success(obj{"data": []obj{{"responseStatus": "SUCCESS"}, success(obj{"data": obj{"id": 42}})}}))
	})
	c, _ := newClient(t, s.URL)
	res, err := c.Create(t.Context(), crm.Territory, []crm.Record{{"name__v": "a"}, {"name__v": "b"}})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Err == nil || !strings.Contains(res[0].Err.Error(), "no id") {
		t.Errorf("a create without data.id: %+v, want an error", res[0])
	}
	if res[1].Err != nil || res[1].ID != "42" {
		t.Errorf("a numeric id: %+v, want 42", res[1])
	}
}

func wantRecordError(t *testing.T, err error, want crm.RecordError) {
	t.Helper()
	var re *crm.RecordError
	if !errors.As(err, &re) {
		t.Errorf("err = %v, want %+v", err, want)
		return
	}
	if *re != want {
		t.Errorf("RecordError = %+v, want %+v", *re, want)
	}
}

func TestWholeCallFailure(t *testing.T) {
	s := newScripted(t, func(w http.ResponseWriter, r *http.Request, body string, n int) {
		if n == 1 || n == 3 {
			writeJSON(w, 200, success(obj{"data": []obj{success(obj{"data": obj{"id": fmt.Sprint("a", n)}}), success(obj{"data": obj{"id": fmt.Sprint("b", n)}})}}))
			return
		}
		writeJSON(w, 400, failure("OPERATION_NOT_ALLOWED", "object is locked"))
	})
	c, _ := newClient(t, s.URL, func(cfg *Config) { cfg.BatchSize = 2 })
	recs := []crm.Record{{"name__v": "1"}, {"name__v": "2"}, {"name__v": "3"}, {"name__v": "4"}, {"name__v": "5"}}
	// Call 1 succeeds, call 2 fails: the first batch is written and kept.
	res, err := c.Create(t.Context(), crm.Territory, recs)
	if err != nil {
		t.Fatalf("a failure after a written batch: err = %v, want results", err)
	}
	if res[0].ID != "a1" || res[1].ID != "b1" || res[0].Err != nil || res[1].Err != nil {
		t.Errorf("written batch: %+v", res[:2])
	}
	for _, r := range res[2:] {
		var ae *APIError
		if !errors.As(r.Err, &ae) || !ae.Has("OPERATION_NOT_ALLOWED") {
			t.Errorf("unwritten record: %+v, want the call's error", r)
		}
	}
	if _, calls := s.counts(); calls != 2 {
		t.Errorf("%d calls: no batch is sent after a failed one", calls)
	}
	// Call 3 succeeds; call 4, the first of this Create, fails: an error.
	c.Create(t.Context(), crm.Territory, recs[:2])
	res, err = c.Create(t.Context(), crm.Territory, recs[:2])
	var ae *APIError
	if !errors.As(err, &ae) || res != nil {
		t.Fatalf("a failed first call: %v, %v; want an APIError and no results", res, err)
	}
	if ae.Status != "FAILURE" || !strings.Contains(err.Error(), "object is locked") {
		t.Errorf("err = %v", err)
	}
	if _, err := c.Create(t.Context(), crm.Deletions, recs); err == nil {
		t.Error("a write to deletions succeeded")
	}
}

// --- retries, rate limits, cancellation ----------------------------------------

// metadataServer answers the object metadata of territory__v, unless fail
// answers first.
func metadataServer(t *testing.T, fail func(w http.ResponseWriter, r *http.Request, n int) bool) *scripted {
	return newScripted(t, func(w http.ResponseWriter, r *http.Request, body string, n int) {
		if fail != nil && fail(w, r, n) {
			return
		}
		writeJSON(w, 200, territoryMetadata)
	})
}

// queryServer answers the metadata and an empty query result, unless fail
// answers the query (its n counting query attempts) first.
func queryServer(t *testing.T, fail func(w http.ResponseWriter, r *http.Request, n int) bool) (*scripted, func() int) {
	var mu sync.Mutex
	queries := 0
	s := newScripted(t, func(w http.ResponseWriter, r *http.Request, body string, n int) {
		if r.Method == "GET" {
			writeJSON(w, 200, territoryMetadata)
			return
		}
		mu.Lock()
		queries++
		q := queries
		mu.Unlock()
		if fail(w, r, q) {
			return
		}
		writeJSON(w, 200, success(obj{"responseDetails": obj{"size": 0, "total": 0}, "data": []obj{}}))
	})
	return s, func() int { mu.Lock(); defer mu.Unlock(); return queries }
}

func TestRetries(t *testing.T) {
	hijack := func(w http.ResponseWriter) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			panic(err)
		}
		conn.Close()
	}
	for _, tc := range []struct {
		name string
		fail func(w http.ResponseWriter)
	}{
		{"500", func(w http.ResponseWriter) { http.Error(w, "<html>oops</html>", 500) }},
		{"503 with a Vault body", func(w http.ResponseWriter) { writeJSON(w, 503, obj{"responseStatus": "EXCEPTION"}) }},
		{"dropped connection", hijack},
		{"malformed JSON", func(w http.ResponseWriter) { w.WriteHeader(200); io.WriteString(w, `{"responseStatus": "SUCC`) }},
		{"JSON without responseStatus", func(w http.ResponseWriter) { writeJSON(w, 200, obj{"data": []obj{}}) }},
		{"HTML at 200", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, "<html>maintenance</html>")
		}},
		{"429 without a Vault body", func(w http.ResponseWriter) { http.Error(w, "slow down", 429) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, queries := queryServer(t, func(w http.ResponseWriter, r *http.Request, n int) bool {
				if n <= 2 {
					tc.fail(w)
					return true
				}
				return false
			})
			c, sl := newClient(t, s.URL)
			// The query is a POST, which net/http itself never retries:
			// every attempt seen is one of the client's.
			ex, err := c.Export(t.Context(), crm.Territory, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			ex.Cleanup()
			if n := queries(); n != 3 {
				t.Errorf("%d attempts, want 3", n)
			}
			if got, want := sl.all(), []time.Duration{100 * time.Millisecond, 200 * time.Millisecond}; !slices.Equal(got, want) {
				t.Errorf("backoff %v, want %v", got, want)
			}
		})
	}
	t.Run("dropped POST", func(t *testing.T) {
		s := newScripted(t, func(w http.ResponseWriter, r *http.Request, body string, n int) {
			if n == 1 {
				hijack(w)
				return
			}
			if !strings.Contains(body, "ONC") {
				t.Errorf("retried body %q: the body must be sent again", body)
			}
			writeJSON(w, 200, success(obj{"data": []obj{success(obj{"data": obj{"id": "ter-9"}})}}))
		})
		c, sl := newClient(t, s.URL)
		res, err := c.Create(t.Context(), crm.Territory, []crm.Record{{"name__v": "ONC"}})
		if err != nil || res[0].ID != "ter-9" {
			t.Fatalf("%v, %v", res, err)
		}
		if len(sl.all()) != 1 {
			t.Errorf("slept %v, want one backoff", sl.all())
		}
	})
}

func TestGiveUp(t *testing.T) {
	s := metadataServer(t, func(w http.ResponseWriter, r *http.Request, n int) bool {
		http.Error(w, "bad gateway", 502)
		return true
	})
	c, sl := newClient(t, s.URL, func(cfg *Config) { cfg.RetryMax = 4 })
	_, err := c.Fields(t.Context(), crm.Territory)
	if err == nil || !strings.Contains(err.Error(), "giving up after 5 attempts") || !strings.Contains(err.Error(), "502") {
		t.Fatalf("err = %v", err)
	}
	want := []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond}
	if got := sl.all(); !slices.Equal(got, want) {
		t.Errorf("backoff %v, want %v (capped at RetryWaitMax)", got, want)
	}
	c, _ = newClient(t, s.URL, func(cfg *Config) { cfg.RetryMax = -1 })
	_, calls0 := s.counts()
	c.Fields(t.Context(), crm.Territory)
	if _, calls := s.counts(); calls != calls0+1 {
		t.Errorf("RetryMax -1: %d attempts, want 1", calls-calls0)
	}
}

func TestNoRetryOn4xx(t *testing.T) {
	t.Run("Vault body", func(t *testing.T) {
		s := metadataServer(t, func(w http.ResponseWriter, r *http.Request, n int) bool {
			writeJSON(w, 400, failure("INSUFFICIENT_ACCESS", "User not licensed"))
			return true
		})
		c, sl := newClient(t, s.URL)
		_, err := c.Fields(t.Context(), crm.Territory)
		var ae *APIError
		if !errors.As(err, &ae) || !ae.Has("INSUFFICIENT_ACCESS") {
			t.Fatalf("err = %v, want the APIError", err)
		}
		if _, calls := s.counts(); calls != 1 || len(sl.all()) != 0 {
			t.Errorf("%d attempts, slept %v; want 1 and none", calls, sl.all())
		}
	})
	t.Run("no Vault body", func(t *testing.T) {
		s := metadataServer(t, func(w http.ResponseWriter, r *http.Request, n int) bool {
			http.Error(w, "not here", 404)
			return true
		})
		c, _ := newClient(t, s.URL)
		_, err := c.Fields(t.Context(), crm.Territory)
		if err == nil || !strings.Contains(err.Error(), "not a Vault API response") {
			t.Fatalf("err = %v", err)
		}
		if _, calls := s.counts(); calls != 1 {
			t.Errorf("%d attempts, want 1", calls)
		}
	})
}

// The client waits only where Vault's headers ask it to: never for a delay
// Vault already served (X-VaultAPI-ResponseDelay), and while few calls are
// left, the window's remaining time spread over them, at most that time.
func TestBurstLimitPausesOnlyNearTheEndOfTheWindow(t *testing.T) {
	headers := []map[string]string{
		{HeaderBurstLimit: "2000", HeaderBurstLimitRemaining: "1990"},
		{HeaderBurstLimit: "2000", HeaderBurstLimitRemaining: "199"},
		{HeaderBurstLimit: "2000", HeaderBurstLimitRemaining: "4", "Date": testNow.Add(4 * time.Minute).Format(http.TimeFormat)},
		{HeaderBurstLimit: "2000", HeaderBurstLimitRemaining: "0", HeaderResponseDelay: "1500"},
		{HeaderResponseDelay: "1500"},
		{HeaderBurstLimitRemaining: "60"}, // more than before: a new window
		{HeaderBurstLimitRemaining: "9"},
	}
	s := metadataServer(t, func(w http.ResponseWriter, r *http.Request, n int) bool {
		for k, v := range headers[n-1] {
			w.Header().Set(k, v)
		}
		return false
	})
	c, sl := newClient(t, s.URL)
	for range headers {
		if _, err := c.Fields(t.Context(), crm.Territory); err != nil {
			t.Fatal(err)
		}
	}
	want := []time.Duration{
		1500 * time.Millisecond, // 199 < 200: the 5 min left / 200
		12 * time.Second,        // 4 left, 1 min of the window left: 60 s / 5
		30 * time.Second,        // a new window, no limit given: 9 < 50, 5 min / 10
	}
	if got := sl.all(); !slices.Equal(got, want) {
		t.Errorf("pauses %v, want %v", got, want)
	}
}

func TestContextCancel(t *testing.T) {
	t.Run("during a request", func(t *testing.T) {
		arrived := make(chan struct{})
		var once sync.Once
		s := newScripted(t, func(w http.ResponseWriter, r *http.Request, body string, n int) {
			once.Do(func() { close(arrived) })
			<-r.Context().Done()
		})
		c, _ := newClient(t, s.URL)
		ctx, cancel := context.WithCancel(t.Context())
		go func() { <-arrived; cancel() }()
		start := time.Now()
		_, err := c.Export(ctx, crm.Territory, time.Time{})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("took %v after cancel", d)
		}
	})
	t.Run("during a backoff", func(t *testing.T) {
		s := metadataServer(t, func(w http.ResponseWriter, r *http.Request, n int) bool {
			http.Error(w, "down", 500)
			return true
		})
		ctx, cancel := context.WithCancel(t.Context())
		c, _ := newClient(t, s.URL, func(cfg *Config) {
			cfg.Sleep = func(sctx context.Context, d time.Duration) error {
				cancel()
				<-sctx.Done()
				return sctx.Err()
			}
		})
		_, err := c.Fields(ctx, crm.Territory)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
		if _, calls := s.counts(); calls != 1 {
			t.Errorf("%d attempts after cancel, want 1", calls)
		}
	})
	t.Run("before login", func(t *testing.T) {
		s := metadataServer(t, func(w http.ResponseWriter, r *http.Request, n int) bool { return false })
		c, _ := newClient(t, s.URL)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if _, err := c.Create(ctx, crm.Territory, []crm.Record{{"name__v": "x"}}); !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	})
}

// --- secrets ------------------------------------------------------------------

// noSecrets fails when err's text holds the password or a session id.
func noSecrets(t *testing.T, what string, err error, sessions ...string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error", what)
		return
	}
	msg := err.Error()
	for _, s := range append([]string{testPassword, "sess-1", "sess-2", "sess-3"}, sessions...) {
		if strings.Contains(msg, s) {
			t.Errorf("%s: error %q holds the secret %q", what, msg, s)
		}
	}
}

func TestSecretsNeverInErrors(t *testing.T) {
	echo := func(r *http.Request) string {
		r.ParseForm()
		return "you sent " + r.Header.Get("Authorization") + " " + r.PostForm.Get("password")
	}
	for _, tc := range []struct {
		name string
		auth func(w http.ResponseWriter, r *http.Request) bool
		api  func(w http.ResponseWriter, r *http.Request)
		edit func(*Config)
	}{
		{name: "login failure", auth: func(w http.ResponseWriter, r *http.Request) bool {
			writeJSON(w, 200, failure("USERNAME_OR_PASSWORD_INCORRECT", echo(r)))
			return true
		}},
		{name: "login without a session id", auth: func(w http.ResponseWriter, r *http.Request) bool {
			writeJSON(w, 200, success(obj{"responseMessage": echo(r)}))
			return true
		}},
		{name: "login at 500", auth: func(w http.ResponseWriter, r *http.Request) bool {
			http.Error(w, echo(r), 500)
			return true
		}},
		{name: "login with malformed JSON", auth: func(w http.ResponseWriter, r *http.Request) bool {
			io.WriteString(w, `{"responseStatus":"SUCCESS","sessionId":"sess-1"`)
			return true
		}},
		{name: "vault id mismatch", edit: func(c *Config) { c.VaultID = "99" }},
		{name: "call failure", api: func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 200, failure("INSUFFICIENT_ACCESS", echo(r)))
		}},
		{name: "exception", api: func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 200, obj{"responseStatus": "EXCEPTION", "responseMessage": echo(r)})
		}},
		{name: "expired session", api: func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 200, failure(InvalidSessionID, echo(r)))
		}},
		{name: "500", api: func(w http.ResponseWriter, r *http.Request) { http.Error(w, echo(r), 500) }},
		{name: "malformed", api: func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, echo(r)) }},
		{name: "404", api: func(w http.ResponseWriter, r *http.Request) { http.Error(w, echo(r), 404) }},
		{name: "dropped", api: func(w http.ResponseWriter, r *http.Request) {
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
		}},
		{name: "unknown object", api: func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 200, failure(MalformedURL, echo(r)))
		}},
		{name: "per-record failure", api: func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/api/v25.2/metadata/vobjects/territory__v" {
				writeJSON(w, 200, territoryMetadata)
				return
			}
			writeJSON(w, 200, success(obj{"data": []obj{failure("INVALID_DATA", echo(r))}}))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newScripted(t, func(w http.ResponseWriter, r *http.Request, body string, n int) {
				if tc.api != nil {
					tc.api(w, r)
					return
				}
				writeJSON(w, 200, territoryMetadata)
			})
			if tc.auth != nil {
				s.auth = func(w http.ResponseWriter, r *http.Request, n int) bool { return tc.auth(w, r) }
			}
			edits := []func(*Config){func(c *Config) { c.RetryMax = 1 }}
			if tc.edit != nil {
				edits = append(edits, tc.edit)
			}
			c, _ := newClient(t, s.URL, edits...)
			ctx := t.Context()
			_, err := c.Fields(ctx, crm.Territory)
			if tc.name == "per-record failure" {
				if err != nil {
					t.Fatal(err)
				}
				res, cerr := c.Create(ctx, crm.Territory, []crm.Record{{"name__v": "x"}})
				if cerr != nil {
					t.Fatal(cerr)
				}
				err = res[0].Err
				var re *crm.RecordError
				if !errors.As(err, &re) || !strings.Contains(re.Msg, "[redacted]") {
					t.Errorf("record error %v: want the echoed secrets redacted", err)
				}
			}
			noSecrets(t, tc.name, err)
			_, err = c.Export(ctx, crm.Territory, time.Time{})
			if tc.name != "unknown object" && tc.name != "per-record failure" {
				noSecrets(t, tc.name+" (export)", err)
			}
			_, err = c.Create(ctx, crm.Territory, []crm.Record{{"name__v": "x"}})
			if tc.name != "per-record failure" {
				noSecrets(t, tc.name+" (create)", err)
			}
		})
	}
	t.Run("cancelled", func(t *testing.T) {
		s := metadataServer(t, func(w http.ResponseWriter, r *http.Request, n int) bool { return false })
		c, _ := newClient(t, s.URL)
		c.Fields(t.Context(), crm.Territory) // a session to leak, if anything did
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		_, err := c.Fields(ctx, crm.Territory)
		noSecrets(t, "cancelled", err)
	})
}

// --- configuration ------------------------------------------------------------

func TestCredentialsFromEnv(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	u, p, err := CredentialsFromEnv("ALIGN_US", env(map[string]string{"ALIGN_US_USERNAME": "svc@x.com", "ALIGN_US_PASSWORD": "s3cret!"}))
	if err != nil || u != "svc@x.com" || p != "s3cret!" {
		t.Errorf("= %q, %q, %v", u, p, err)
	}
	for _, tc := range []struct {
		env      map[string]string
		want     []string
		notWants []string
	}{
		{map[string]string{}, []string{"ALIGN_US_USERNAME", "ALIGN_US_PASSWORD", "not set"}, nil},
		{map[string]string{"ALIGN_US_USERNAME": "svc@x.com"}, []string{"ALIGN_US_PASSWORD", "not set"}, []string{"svc@x.com", "ALIGN_US_USERNAME"}},
		{map[string]string{"ALIGN_US_PASSWORD": "s3cret!"}, []string{"ALIGN_US_USERNAME", "not set"}, []string{"s3cret!", "ALIGN_US_PASSWORD"}},
		{map[string]string{"ALIGN_US_USERNAME": "", "ALIGN_US_PASSWORD": "s3cret!"}, []string{"ALIGN_US_USERNAME"}, []string{"s3cret!"}},
	} {
		u, p, err := CredentialsFromEnv("ALIGN_US", env(tc.env))
		if err == nil || u != "" || p != "" {
			t.Errorf("%v: %q, %q, %v; want an error", tc.env, u, p, err)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%v: %q lacks %q", tc.env, err, w)
			}
		}
		for _, w := range tc.notWants {
			if strings.Contains(err.Error(), w) {
				t.Errorf("%v: %q holds %q", tc.env, err, w)
			}
		}
	}
	if _, _, err := CredentialsFromEnv("", env(nil)); err == nil || !strings.Contains(err.Error(), "credentials_env") {
		t.Errorf("empty prefix: %v", err)
	}
	t.Setenv("ALIGNCTL_VAULT_TEST_USERNAME", "u")
	t.Setenv("ALIGNCTL_VAULT_TEST_PASSWORD", "p")
	if u, p, err := CredentialsFromEnv("ALIGNCTL_VAULT_TEST", nil); err != nil || u != "u" || p != "p" {
		t.Errorf("os.Getenv: %q, %q, %v", u, p, err)
	}
}

func TestNewChecksConfig(t *testing.T) {
	ok := Config{BaseURL: "https://example.veevavault.com", APIVersion: "v25.2", Username: "u", Password: "p"}
	for _, tc := range []struct {
		edit func(*Config)
		want string
	}{
		{func(c *Config) { c.BaseURL = "example.veevavault.com" }, "base url"},
		{func(c *Config) { c.BaseURL = "ftp://example.veevavault.com" }, "scheme"},
		{func(c *Config) { c.BaseURL = "https://u:pw@example.veevavault.com" }, "scheme and host only"},
		{func(c *Config) { c.APIVersion = "" }, "api version"},
		{func(c *Config) { c.APIVersion = "latest" }, "api version"},
		{func(c *Config) { c.Password = "" }, "password"},
		{func(c *Config) { c.BatchSize = 501 }, "1 to 500"},
		{func(c *Config) { c.PageSize = -1 }, "page size"},
	} {
		cfg := ok
		tc.edit(&cfg)
		if _, err := New(cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: err = %v, want %q", cfg, err, tc.want)
		} else if strings.Contains(err.Error(), "pw@") {
			t.Errorf("err %q holds the url's password", err)
		}
	}
	if _, err := New(ok); err != nil {
		t.Error(err)
	}
}

// --- pure functions ---------------------------------------------------------

func TestCell(t *testing.T) {
	for in, want := range map[string]string{
		`"a, \"b\""`:      `a, "b"`,
		`null`:            ``,
		`12.50`:           `12.50`,
		`false`:           `false`,
		`["a","b"]`:       `a,b`,
		`[]`:              ``,
		`{"x": [1, 2]}`:   `{"x":[1,2]}`,
		` "ü" `:           `ü`,
		``:                ``,
		`"2020-01-05T10"`: `2020-01-05T10`,
	} {
		if got := cell(json.RawMessage(in)); got != want {
			t.Errorf("cell(%s) = %q, want %q", in, got, want)
		}
	}
}

func TestRedactErr(t *testing.T) {
	c, _ := newClient(t, "https://example.veevavault.com")
	c.secrets = append(c.secrets, "SESSION-XYZ")
	err := c.redactErr(fmt.Errorf("sent %s with %s: %w", testPassword, "SESSION-XYZ", context.Canceled))
	if msg := err.Error(); strings.Contains(msg, testPassword) || strings.Contains(msg, "SESSION-XYZ") || !strings.Contains(msg, "[redacted]") {
		t.Errorf("redacted error %q", msg)
	}
	if !errors.Is(err, context.Canceled) {
		t.Error("the redacted error lost context.Canceled")
	}
	if u := errors.Unwrap(err); u != context.Canceled {
		t.Errorf("Unwrap = %v, want only the sentinel", u)
	}
	plain := errors.New("nothing secret")
	if c.redactErr(plain) != plain || c.redactErr(nil) != nil {
		t.Error("an error without secrets must come back as it is")
	}
}

func TestSleepTimer(t *testing.T) {
	if err := sleepTimer(t.Context(), 0); err != nil {
		t.Error(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := sleepTimer(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("a cancelled sleep: %v", err)
	}
}

// --- Vault as documented ------------------------------------------------------

// Only a refusal of the credentials ends a login for good: an EXCEPTION and
// the Auth API burst limit pass, so the login is tried again with backoff.
func TestLoginRetriesTransientRefusals(t *testing.T) {
	for _, typ := range []string{"EXCEPTION", APILimitExceeded} {
		t.Run(typ, func(t *testing.T) {
			s := metadataServer(t, nil)
			s.auth = func(w http.ResponseWriter, r *http.Request, n int) bool {
				if n > 2 {
					return false
				}
				status := "FAILURE"
				if typ == "EXCEPTION" {
					status = "EXCEPTION"
				}
				writeJSON(w, 200, obj{"responseStatus": status, "errors": []obj{{"type": typ, "message": "try later"}}})
				return true
			}
			c, sl := newClient(t, s.URL)
			if _, err := c.Fields(t.Context(), crm.Territory); err != nil {
				t.Fatalf("a transient login refusal must be retried: %v", err)
			}
			if auths, _ := s.counts(); auths != 3 {
				t.Errorf("%d logins, want 3", auths)
			}
			want := []time.Duration{100 * time.Millisecond, 200 * time.Millisecond} // RetryWaitMin doubling
			if typ == APILimitExceeded {
				want = []time.Duration{time.Minute, time.Minute} // the Auth API window
			}
			if got := sl.all(); !slices.Equal(got, want) {
				t.Errorf("waits %v, want %v", got, want)
			}
		})
	}
	t.Run("given up, then tried again by the next call", func(t *testing.T) {
		s := metadataServer(t, nil)
		s.auth = func(w http.ResponseWriter, r *http.Request, n int) bool {
			if n > 2 {
				return false
			}
			writeJSON(w, 200, obj{"responseStatus": "EXCEPTION", "errors": []obj{{"type": "UNEXPECTED_ERROR", "message": "x"}}})
			return true
		}
		c, _ := newClient(t, s.URL, func(cfg *Config) { cfg.RetryMax = 1 })
		if _, err := c.Fields(t.Context(), crm.Territory); err == nil || !strings.Contains(err.Error(), "run the command again later") {
			t.Fatalf("err = %v, want the transient refusal", err)
		}
		if _, err := c.Fields(t.Context(), crm.Territory); err != nil {
			t.Fatalf("a transient refusal must not be remembered: %v", err)
		}
	})
}

// Vault hands a user who cannot log in to the Vault of the URL a session
// for another of theirs ("Authentication Defaulting"): the client compares
// the answering vault's url with the configured host, always.
func TestForeignVaultRefused(t *testing.T) {
	s := metadataServer(t, nil)
	s.auth = func(w http.ResponseWriter, r *http.Request, n int) bool {
		writeJSON(w, 200, success(obj{"sessionId": "sess-" + strconv.Itoa(n), "userId": 12021, "vaultId": 2001,
			"vaultIds": []obj{{"id": 1776, "name": "CRM", "url": s.URL + "/api"}, {"id": 2001, "name": "Other", "url": "https://other.veevavault.com/api"}}}))
		return true
	}
	c, _ := newClient(t, s.URL)
	_, err := c.Fields(t.Context(), crm.Territory)
	host := strings.TrimPrefix(s.URL, "http://")
	if err == nil || !strings.Contains(err.Error(), "other.veevavault.com") || !strings.Contains(err.Error(), host) {
		t.Fatalf("err = %v, want both Vaults named", err)
	}
	noSecrets(t, "foreign vault", err, "sess-1")
	if _, calls := s.counts(); calls != 0 {
		t.Errorf("%d API calls with the foreign session, want none", calls)
	}
	if _, err := c.Fields(t.Context(), crm.Territory); err == nil {
		t.Error("second call: no error")
	}
	if auths, _ := s.counts(); auths != 1 {
		t.Errorf("%d logins, want 1: the refusal is final", auths)
	}
}

// Plain http sends the password in clear text: refused except for loopback.
func TestPlainHTTPOnlyForLoopback(t *testing.T) {
	for url, ok := range map[string]bool{
		"http://example.veevavault.com":  false,
		"http://10.0.0.1:8080":           false,
		"http://127.0.0.1:8080":          true,
		"http://127.1.2.3":               true,
		"http://[::1]:9000":              true,
		"http://localhost:9000":          true,
		"https://example.veevavault.com": true,
	} {
		_, err := New(Config{BaseURL: url, APIVersion: "v25.2", Username: "u", Password: "p"})
		if ok != (err == nil) {
			t.Errorf("%s: err = %v", url, err)
		}
		if err != nil && !strings.Contains(err.Error(), "must be https") {
			t.Errorf("%s: err = %v, want it to say https is required", url, err)
		}
	}
}

// The current reference names a deleted record's time date_deleted, older
// pages deleted_date: both are read.
func TestDeletedRecordsDateDeleted(t *testing.T) {
	s := newScripted(t, func(w http.ResponseWriter, r *http.Request, body string, n int) {
		switch strings.TrimPrefix(r.URL.Path, "/api/v25.2/objects/deletions/vobjects/") {
		case crm.Account:
			writeJSON(w, 200, success(obj{"responseDetails": obj{"total": 2, "size": 2, "offset": 0, "limit": 1000},
				"data": []obj{{"id": "acc-1", "date_deleted": "2026-10-20T05:24:20Z"}, {"id": "acc-2", "deleted_date": "2026-10-21T05:24:20Z"}}}))
		default:
			writeJSON(w, 200, success(obj{"responseDetails": obj{"total": 0, "size": 0, "offset": 0, "limit": 1000}, "data": []obj{}}))
		}
	})
	c, _ := newClient(t, s.URL)
	_, rows := exportRows(t, c, crm.Deletions, testNow.Add(-72*time.Hour))
	want := [][]string{{crm.Account, "acc-1", "2026-10-20T05:24:20Z", ""}, {crm.Account, "acc-2", "2026-10-21T05:24:20Z", ""}}
	if !slices.EqualFunc(rows, want, slices.Equal) {
		t.Errorf("rows %q, want %q", rows, want)
	}
}

// Once Vault says its daily limit is spent, the client stops sending and
// every call fails with one line naming the host and the limit.
func TestDailyLimitStopsCleanly(t *testing.T) {
	s := metadataServer(t, func(w http.ResponseWriter, r *http.Request, n int) bool {
		w.Header().Set(HeaderDailyLimit, "1000")
		w.Header().Set(HeaderDailyLimitRemaining, strconv.Itoa(1-n))
		return false
	})
	c, _ := newClient(t, s.URL)
	if _, err := c.Fields(t.Context(), crm.Territory); err != nil {
		t.Fatal(err)
	}
	_, err := c.Fields(t.Context(), crm.Territory)
	host := strings.TrimPrefix(s.URL, "http://")
	if err == nil || !strings.Contains(err.Error(), host) || !strings.Contains(err.Error(), "daily API limit") || !strings.Contains(err.Error(), "1000") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("err = %v, want one line naming the host and the daily limit", err)
	}
	if _, calls := s.counts(); calls != 1 {
		t.Errorf("%d calls, want 1: nothing is sent once the limit is spent", calls)
	}
	s2 := metadataServer(t, func(w http.ResponseWriter, r *http.Request, n int) bool {
		writeJSON(w, 200, failure(APILimitExceeded, "API limit exceeded"))
		return true
	})
	c2, _ := newClient(t, s2.URL)
	if _, err := c2.Fields(t.Context(), crm.Territory); err == nil || !strings.Contains(err.Error(), "daily API limit") {
		t.Fatalf("API_LIMIT_EXCEEDED: err = %v", err)
	}
}

// ServerTime is Vault's clock from the Date header of its latest answer.
func TestServerTimeFromDateHeader(t *testing.T) {
	s := metadataServer(t, nil)
	c, _ := newClient(t, s.URL)
	if !c.ServerTime().IsZero() {
		t.Error("ServerTime before any response is not zero")
	}
	if _, err := c.Fields(t.Context(), crm.Territory); err != nil {
		t.Fatal(err)
	}
	if got := c.ServerTime(); !got.Equal(testNow) {
		t.Errorf("ServerTime = %v, want %v", got, testNow)
	}
}

// An export that fails on its first page writes no temporary file: its rows
// collect in memory until there are enough of them to spill.
func TestExportFailureLeavesNoFile(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	s := newScripted(t, func(w http.ResponseWriter, r *http.Request, body string, n int) {
		if strings.HasSuffix(r.URL.Path, "/query") {
			writeJSON(w, 200, obj{"responseStatus": "FAILURE", "errors": []obj{{"type": "MALFORMED_URL", "message": "bad query"}}})
			return
		}
		writeJSON(w, 200, territoryMetadata)
	})
	c, _ := newClient(t, s.URL)
	if _, err := c.Export(t.Context(), crm.Territory, time.Time{}); err == nil {
		t.Fatal("Export of a failed query succeeded")
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("a failed export left %v in TMPDIR", left)
	}
}

// An export larger than what is held in memory goes to its file whole, in
// order.
func TestExportSpillsLargeExportsToAFile(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	const n = 3000
	name := strings.Repeat("x", 600) // 3,000 rows of 600 bytes: past spillAt
	s := newScripted(t, func(w http.ResponseWriter, r *http.Request, body string, _ int) {
		if !strings.HasSuffix(r.URL.Path, "/query") {
			writeJSON(w, 200, territoryMetadata)
			return
		}
		data := make([]obj, n)
		for i := range data {
			data[i] = obj{"id": fmt.Sprintf("ter-%d", i), "name__v": name, "modified_date__v": "2020-02-01T00:00:00.000Z"}
		}
		writeJSON(w, 200, success(obj{"responseDetails": obj{"size": n, "total": n}, "data": data}))
	})
	c, _ := newClient(t, s.URL)
	_, rows := exportRows(t, c, crm.Territory, time.Time{})
	if len(rows) != n || n*len(name) <= spillAt {
		t.Fatalf("%d rows exported, want %d (more than %d bytes)", len(rows), n, spillAt)
	}
	for i, r := range rows {
		if r[0] != fmt.Sprintf("ter-%d", i) || r[1] != name {
			t.Fatalf("row %d = %.40q", i, r)
		}
	}
}
