package vaulttest_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
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

// TestContract runs the connector contract suite through a deliberately
// minimal Vault client, to show the fake serves everything the suite needs.
// It is no substitute for crm/vault: no retries, no rate limiting.
func TestContract(t *testing.T) {
	crmtest.Run(t, func(t *testing.T, seed map[string][][]string) crm.Connector {
		// The suite's deletions are years old: listed forever here.
		s := vaulttest.New(vaulttest.WithClock(clock), vaulttest.WithPageSize(2), vaulttest.WithDeletionRetention(0))
		t.Cleanup(s.Close)
		s.SeedTables(seed)
		return &miniClient{base: s.URL() + "/api/v24.1", hc: s.Client(), dir: t.TempDir()}
	})
}

type miniClient struct {
	base string
	hc   *http.Client
	dir  string

	mu      sync.Mutex // guards session: the suite calls concurrently
	session string
}

// vaultAnswer is the part of Vault's answers the mini client reads.
type vaultAnswer struct {
	ResponseStatus string `json:"responseStatus"`
	Errors         []struct {
		Type    string `json:"type"`
		Message string `json:"message"`
	} `json:"errors"`
	SessionID       string `json:"sessionId"`
	ResponseDetails struct {
		NextPage string `json:"next_page"`
	} `json:"responseDetails"`
	Data   json.RawMessage `json:"data"`
	Object struct {
		Fields []struct{ Name string } `json:"fields"`
	} `json:"object"`
}

func (a *vaultAnswer) err() error {
	if a.ResponseStatus == vaulttest.StatusSuccess {
		return nil
	}
	if len(a.Errors) > 0 {
		return fmt.Errorf("%s: %s: %s", a.ResponseStatus, a.Errors[0].Type, a.Errors[0].Message)
	}
	return errors.New(a.ResponseStatus)
}

func (c *miniClient) call(ctx context.Context, method, path, contentType string, body []byte) (*vaultAnswer, error) {
	session, err := c.login(ctx, path)
	if err != nil {
		return nil, err
	}
	u := c.base + path
	if strings.HasPrefix(path, "/api/") { // a next_page link
		u = strings.TrimSuffix(c.base, "/api/v24.1") + path
	}
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Authorization", session)
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var a vaultAnswer
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		return nil, err
	}
	return &a, nil
}

// login returns the session, logging in first when there is none.
func (c *miniClient) login(ctx context.Context, path string) (string, error) {
	if strings.HasSuffix(path, "/auth") {
		return "", nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.session == "" {
		a, err := c.call(ctx, "POST", "/auth", "application/x-www-form-urlencoded",
			[]byte(url.Values{"username": {vaulttest.DefaultUsername}, "password": {vaulttest.DefaultPassword}}.Encode()))
		if err != nil {
			return "", err
		}
		if err := a.err(); err != nil {
			return "", err
		}
		c.session = a.SessionID
	}
	return c.session, nil
}

func (c *miniClient) Fields(ctx context.Context, object string) ([]string, error) {
	a, err := c.call(ctx, "GET", "/metadata/vobjects/"+object, "", nil)
	if err != nil {
		return nil, err
	}
	if len(a.Errors) > 0 && a.Errors[0].Type == vaulttest.ErrMalformedURL {
		return nil, fmt.Errorf("%s: %w", object, crm.ErrUnknownObject)
	}
	if err := a.err(); err != nil {
		return nil, err
	}
	var out []string
	for _, f := range a.Object.Fields {
		out = append(out, f.Name)
	}
	return out, nil
}

func (c *miniClient) Export(ctx context.Context, object string, since time.Time) (crm.Export, error) {
	none := crm.Export{Cleanup: func() {}}
	var header []string
	var rows [][]string
	if object == crm.Deletions {
		header = []string{"object", "id", "deleted_date", "merged_into"}
		for _, o := range crm.ImportObjects[:len(crm.ImportObjects)-1] {
			next := "/objects/deletions/vobjects/" + o
			for next != "" {
				a, err := c.call(ctx, "GET", next, "", nil)
				if err != nil {
					return none, err
				}
				if err := a.err(); err != nil {
					return none, err
				}
				var data []map[string]string
				if err := json.Unmarshal(a.Data, &data); err != nil {
					return none, err
				}
				for _, d := range data {
					rows = append(rows, []string{o, d["id"], d["date_deleted"], d["merged_into"]})
				}
				next = a.ResponseDetails.NextPage
			}
		}
	} else {
		fields, err := c.Fields(ctx, object)
		if err != nil {
			return none, err
		}
		header = fields
		q := "SELECT " + strings.Join(fields, ", ") + " FROM " + object
		if !since.IsZero() {
			q += " WHERE modified_date__v >= '" + since.UTC().Format(time.RFC3339Nano) + "'"
		}
		a, err := c.call(ctx, "POST", "/query", "application/x-www-form-urlencoded", []byte(url.Values{"q": {q}}.Encode()))
		for {
			if err != nil {
				return none, err
			}
			if err := a.err(); err != nil {
				return none, err
			}
			var data []map[string]*string
			if err := json.Unmarshal(a.Data, &data); err != nil {
				return none, err
			}
			for _, d := range data {
				row := make([]string, len(fields))
				for i, f := range fields {
					if v := d[f]; v != nil {
						row[i] = *v
					}
				}
				rows = append(rows, row)
			}
			if a.ResponseDetails.NextPage == "" {
				break
			}
			a, err = c.call(ctx, "POST", a.ResponseDetails.NextPage, "", nil)
		}
	}
	f, err := os.CreateTemp(c.dir, object+"-*.csv")
	if err != nil {
		return none, err
	}
	w := csv.NewWriter(f)
	_ = w.Write(header)
	_ = w.WriteAll(rows)
	if err := f.Close(); err != nil {
		return none, err
	}
	return crm.Export{Path: filepath.Clean(f.Name()), Cleanup: func() { os.Remove(f.Name()) }}, nil
}

func (c *miniClient) write(ctx context.Context, method, object string, recs []map[string]string) ([]crm.Result, error) {
	var out []crm.Result
	for start := 0; start < len(recs); start += vaulttest.MaxBatch {
		batch := recs[start:min(start+vaulttest.MaxBatch, len(recs))]
		body, err := json.Marshal(batch)
		if err != nil {
			return nil, err
		}
		path := "/vobjects/" + object
		if method == "POST" && slices.ContainsFunc(batch, func(r map[string]string) bool { return r[crm.ExternalID] != "" }) {
			path += "?idParam=" + crm.ExternalID // an upsert
		}
		a, err := c.call(ctx, method, path, "application/json", body)
		if err != nil {
			return nil, err
		}
		if err := a.err(); err != nil {
			return nil, err
		}
		var results []vaultAnswer
		if err := json.Unmarshal(a.Data, &results); err != nil {
			return nil, err
		}
		if len(results) != len(batch) {
			return nil, fmt.Errorf("%d results for %d records", len(results), len(batch))
		}
		for i, r := range results {
			var res crm.Result
			if r.ResponseStatus == vaulttest.StatusSuccess {
				var d struct{ ID string }
				_ = json.Unmarshal(r.Data, &d)
				res.ID = d.ID
			} else {
				id := batch[i]["id"]
				if id == "" {
					id = strconv.Itoa(start + i)
				}
				re := &crm.RecordError{Object: object, ID: id, Type: r.ResponseStatus}
				if len(r.Errors) > 0 {
					re.Type, re.Msg = r.Errors[0].Type, r.Errors[0].Message
				}
				res.ID, res.Err = id, re
			}
			out = append(out, res)
		}
	}
	return out, nil
}

func (c *miniClient) Create(ctx context.Context, object string, recs []crm.Record) ([]crm.Result, error) {
	return c.write(ctx, "POST", object, records(recs))
}

func (c *miniClient) Update(ctx context.Context, object string, recs []crm.Record) ([]crm.Result, error) {
	return c.write(ctx, "PUT", object, records(recs))
}

func (c *miniClient) Delete(ctx context.Context, object string, ids []string) ([]crm.Result, error) {
	recs := make([]map[string]string, len(ids))
	for i, id := range ids {
		recs[i] = map[string]string{"id": id}
	}
	return c.write(ctx, "DELETE", object, recs)
}

func records(recs []crm.Record) []map[string]string {
	out := make([]map[string]string, len(recs))
	for i, r := range recs {
		out[i] = r
	}
	return out
}
