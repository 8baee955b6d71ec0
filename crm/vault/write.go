package vault

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/alignctl/alignctl/crm"
)

// item is one record of a write: the JSON object to send, or the reason it
// is not sent at all.
type item struct {
	key  string            // crm.RecordError.ID: the record id, or its index
	body map[string]string // nil when bad is set
	id   string            // the known record id (update, delete)
	bad  *crm.RecordError  // a record Vault would refuse, failed here
}

// Create creates records: POST /api/{version}/vobjects/{object}, a JSON
// array of at most BatchSize records per call. A record carrying an id
// fails alone with INVALID_DATA and is not sent. When records carry
// external_id__v the call is an upsert (?idParam=external_id__v): a record
// whose external id Vault holds is updated, not created again.
func (c *Client) Create(ctx context.Context, object string, recs []crm.Record) ([]crm.Result, error) {
	items := make([]item, len(recs))
	for i, r := range recs {
		it := item{key: strconv.Itoa(i)}
		if id := r[fieldID]; id != "" {
			it.bad = &crm.RecordError{Object: object, ID: it.key, Type: InvalidData, Msg: "a record to create carries id " + strconv.Quote(id) + ": Vault assigns ids"}
		} else {
			it.body = withoutID(r)
		}
		items[i] = it
	}
	return c.write(ctx, "create", object, items)
}

// Update updates records by id: PUT /api/{version}/vobjects/{object}, each
// record with its id and the fields to change. A record without an id fails
// alone with PARAMETER_REQUIRED and is not sent.
func (c *Client) Update(ctx context.Context, object string, recs []crm.Record) ([]crm.Result, error) {
	items := make([]item, len(recs))
	for i, r := range recs {
		id := r[fieldID]
		it := item{key: id, id: id}
		if id == "" {
			it.key = strconv.Itoa(i)
			it.bad = &crm.RecordError{Object: object, ID: it.key, Type: ParameterMissing, Msg: "a record to update has no id"}
		} else {
			it.body = map[string]string(r)
		}
		items[i] = it
	}
	return c.write(ctx, "update", object, items)
}

// Delete deletes records by id: DELETE /api/{version}/vobjects/{object},
// a JSON array of {"id": ...}. An empty id fails alone with
// PARAMETER_REQUIRED.
func (c *Client) Delete(ctx context.Context, object string, ids []string) ([]crm.Result, error) {
	items := make([]item, len(ids))
	for i, id := range ids {
		it := item{key: id, id: id}
		if id == "" {
			it.key = strconv.Itoa(i)
			it.bad = &crm.RecordError{Object: object, ID: it.key, Type: ParameterMissing, Msg: "a record to delete has no id"}
		} else {
			it.body = map[string]string{fieldID: id}
		}
		items[i] = it
	}
	return c.write(ctx, "delete", object, items)
}

func withoutID(r crm.Record) map[string]string {
	m := make(map[string]string, len(r))
	for k, v := range r {
		if k != fieldID {
			m[k] = v
		}
	}
	return m
}

// write sends the items to be sent in batches of at most c.batch and maps
// Vault's per-record results back onto the items, in order.
//
// When the first call fails as a whole, write returns the error and no
// results: nothing was written. When a later call fails, the earlier
// batches are written and their results are worth keeping (a create's new
// ids above all), so write stops there and returns the results, each record
// of the failed batch and of the batches not sent carrying the call's error.
func (c *Client) write(ctx context.Context, op, object string, items []item) ([]crm.Result, error) {
	if object == crm.Deletions {
		return nil, fmt.Errorf("vault: %s: %s is not a Vault object", op, object)
	}
	if err := checkName("object", object); err != nil {
		return nil, err
	}
	res := make([]crm.Result, len(items))
	var send []int // indexes of the items to send
	for i, it := range items {
		if it.bad != nil {
			res[i] = crm.Result{ID: it.id, Err: it.bad}
			continue
		}
		send = append(send, i)
	}
	for start := 0; start < len(send); start += c.batch {
		batch := send[start:min(start+c.batch, len(send))]
		err := c.writeBatch(ctx, op, object, items, batch, res)
		if err == nil {
			continue
		}
		if start == 0 {
			return nil, err
		}
		for _, i := range send[start:] {
			res[i] = crm.Result{ID: items[i].id, Err: fmt.Errorf("%s %s %s: not written: %w", op, object, items[i].key, err)}
		}
		break
	}
	return res, nil
}

func (c *Client) writeBatch(ctx context.Context, op, object string, items []item, batch []int, res []crm.Result) error {
	bodies := make([]map[string]string, len(batch))
	for j, i := range batch {
		bodies[j] = items[i].body
	}
	body, err := json.Marshal(bodies)
	if err != nil {
		return fmt.Errorf("vault: %s %s: %w", op, object, err)
	}
	method := methodOf(op)
	var query url.Values
	if op == "create" {
		for _, b := range bodies {
			if b[crm.ExternalID] != "" {
				// Upsert: Vault updates the record that holds the
				// external id instead of creating a second one.
				query = url.Values{"idParam": {crm.ExternalID}}
				break
			}
		}
	}
	u := c.endpoint(query, "vobjects", object)
	env, err := c.call(ctx, method, u, "application/json", body)
	if err != nil {
		return err
	}
	var results []recordResult
	if len(env.Data) > 0 && string(env.Data) != "null" {
		if jerr := json.Unmarshal(env.Data, &results); jerr != nil && env.ok() {
			return fmt.Errorf("vault: %s %s: data is not an array of record results: %w", method, pathOf(u), jerr)
		}
	}
	if len(results) != len(batch) {
		if !env.ok() {
			return c.apiError(method, u, env)
		}
		return fmt.Errorf("vault: %s %s: %d results for %d records", method, pathOf(u), len(results), len(batch))
	}
	// Per-record statuses decide, whatever the call's own status: Vault
	// reports a batch whose records all failed per record too.
	for j, i := range batch {
		r := results[j]
		id := scalar(r.Data.ID)
		if id == "" {
			id = items[i].id
		}
		if r.ResponseStatus == StatusSuccess || r.ResponseStatus == StatusWarning {
			res[i] = crm.Result{ID: id}
			if id == "" {
				res[i].Err = fmt.Errorf("vault: %s %s: record %s: %s, but the response has no id", method, pathOf(u), items[i].key, r.ResponseStatus)
			}
			continue
		}
		res[i] = crm.Result{ID: items[i].id, Err: c.recordError(object, items[i].key, r)}
	}
	return nil
}

func (c *Client) recordError(object, key string, r recordResult) *crm.RecordError {
	e := &crm.RecordError{Object: object, ID: key, Type: r.ResponseStatus}
	if e.Type == "" {
		e.Type = StatusFailure
	}
	var msgs []string
	for k, x := range r.Errors {
		if k == 0 && x.Type != "" {
			e.Type = c.redact(x.Type)
		}
		if k > 0 && x.Type != "" {
			msgs = append(msgs, c.redact(x.Type)+": "+c.redact(x.Message))
		} else {
			msgs = append(msgs, c.redact(x.Message))
		}
	}
	e.Msg = strings.Join(msgs, "; ")
	if e.Msg == "" {
		e.Msg = "Vault gave no message"
	}
	return e
}
