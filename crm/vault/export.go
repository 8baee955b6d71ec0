package vault

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
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/alignctl/alignctl/crm"
)

// Field names every exported object has, and the columns of the deletions
// export (the snapshot format of crm/file).
const (
	fieldID           = "id"
	fieldModifiedDate = "modified_date__v"
)

var deletionsHeader = []string{"object", "id", "deleted_date", "merged_into"}

// checkName rejects anything that is not a Vault object or field name, so
// that a name can go into a VQL statement or a URL path unescaped.
func checkName(kind, name string) error {
	if name == "" {
		return fmt.Errorf("vault: empty %s name", kind)
	}
	for _, r := range name {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '_') {
			return fmt.Errorf("vault: %s %q: a Vault %s name has only letters, digits and _", kind, name, kind)
		}
	}
	return nil
}

// Fields returns the object's field names from the object metadata
// (GET /api/{version}/metadata/vobjects/{object}). An object Vault does not
// have is an error wrapping crm.ErrUnknownObject.
func (c *Client) Fields(ctx context.Context, object string) ([]string, error) {
	md, err := c.metadata(ctx, object)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(md.Fields))
	for _, f := range md.Fields {
		names = append(names, f.Name)
	}
	return names, nil
}

func (c *Client) metadata(ctx context.Context, object string) (*objectMetadata, error) {
	if err := checkName("object", object); err != nil {
		return nil, err
	}
	u := c.endpoint(nil, "metadata", "vobjects", object)
	env, err := c.call(ctx, http.MethodGet, u, "", nil)
	if err != nil {
		return nil, err
	}
	if !env.ok() {
		e := c.apiError(http.MethodGet, u, env)
		if absent(env) {
			return nil, fmt.Errorf("vault: object %s: %w: %w", object, crm.ErrUnknownObject, e)
		}
		return nil, fmt.Errorf("vault: metadata of object %s: %w", object, e)
	}
	if env.Object == nil {
		return nil, fmt.Errorf("vault: GET %s: the response has no object metadata", pathOf(u))
	}
	return env.Object, nil
}

// absent reports whether a failed response says the object does not exist.
// Vault documents no error type for "no such object"; MALFORMED_URL is its
// type for "The specified resource cannot be found". INVALID_DATA says the
// request was wrong, not that the object is missing: it is an error naming
// the object, never a silent skip.
func absent(env *envelope) bool {
	return env.has(MalformedURL)
}

// Export writes the object's records to a temporary CSV file in the
// snapshot format. Records come from a VQL query of every active field
// of the object metadata, WHERE modified_date__v >= since when since is
// set, following responseDetails.next_page to the end. An object Vault
// does not have exports as Path "". crm.Deletions is the deleted record ids
// of every object alignctl imports (see exportDeletions).
func (c *Client) Export(ctx context.Context, object string, since time.Time) (crm.Export, error) {
	none := crm.Export{Cleanup: func() {}}
	if object == crm.Deletions {
		return c.exportDeletions(ctx, since)
	}
	md, err := c.metadata(ctx, object)
	if errors.Is(err, crm.ErrUnknownObject) {
		return none, nil
	}
	if err != nil {
		return none, err
	}
	fields, err := selectFields(object, md)
	if err != nil {
		return none, err
	}
	where := ""
	if !since.IsZero() {
		where = fieldModifiedDate + " >= '" + since.UTC().Format("2006-01-02T15:04:05.000Z") + "'"
	}
	return c.exportQuery(ctx, object, fields, []string{where})
}

// exportQuery runs one SELECT of fields per condition (a whole object for
// ""), and writes their rows to one CSV in the snapshot format.
func (c *Client) exportQuery(ctx context.Context, object string, fields []fieldMetadata, wheres []string) (crm.Export, error) {
	none := crm.Export{Cleanup: func() {}}
	out := newCSVFile(object)
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.Name
	}
	if err := out.w.Write(names); err != nil {
		return none, out.fail(err)
	}
	// A record can answer two statements (a parent in one batch of
	// accounts, its child in another): it is written once.
	seen := map[string]bool{}
	for _, where := range wheres {
		if err := c.query(ctx, vql(object, fields, where, c.pageSize), func(row map[string]json.RawMessage) error {
			if len(wheres) > 1 {
				id := cell(row[fieldID])
				if seen[id] {
					return nil
				}
				seen[id] = true
			}
			rec := make([]string, len(fields))
			for i, f := range fields {
				v, ok := row[f.Name]
				if !ok {
					v = row[f.selector()]
				}
				rec[i] = cell(v)
			}
			return out.w.Write(rec)
		}); err != nil {
			return none, out.fail(err)
		}
	}
	return out.done()
}

// selectFields is the SELECT list: the metadata's active fields in its
// order, with id and modified_date__v always there (the snapshot format
// needs them). An inactive field holds nothing an import may use.
func selectFields(object string, md *objectMetadata) ([]fieldMetadata, error) {
	var fields []fieldMetadata
	has := func(name string) bool {
		return slices.ContainsFunc(fields, func(f fieldMetadata) bool { return f.Name == name })
	}
	for _, f := range md.Fields {
		if !f.active() && f.Name != fieldID && f.Name != fieldModifiedDate {
			continue
		}
		if err := checkName("field", f.Name); err != nil {
			return nil, fmt.Errorf("%s: %w", object, err)
		}
		if !has(f.Name) {
			fields = append(fields, f)
		}
	}
	if !has(fieldID) {
		fields = slices.Insert(fields, 0, fieldMetadata{Name: fieldID})
	}
	if !has(fieldModifiedDate) {
		fields = append(fields, fieldMetadata{Name: fieldModifiedDate})
	}
	return fields, nil
}

// vql is an export query. VQL DateTimes are YYYY-MM-DDTHH:MM:SS.SSSZ in
// UTC; since is truncated to the millisecond, which can only widen the set.
func vql(object string, fields []fieldMetadata, where string, pageSize int) string {
	sel := make([]string, len(fields))
	for i, f := range fields {
		sel[i] = f.selector()
	}
	q := "SELECT " + strings.Join(sel, ", ") + " FROM " + object
	if where != "" {
		q += " WHERE " + where
	}
	if pageSize > 0 {
		q += " PAGESIZE " + strconv.Itoa(pageSize)
	}
	return q
}

// query runs a VQL statement (POST /api/{version}/query, form q=...) and
// hands each row to fn, following responseDetails.next_page (a POST, as
// Vault documents) until there is none.
func (c *Client) query(ctx context.Context, q string, fn func(map[string]json.RawMessage) error) error {
	u := c.endpoint(nil, "query")
	body := []byte(url.Values{"q": {q}}.Encode())
	ctype := "application/x-www-form-urlencoded"
	seen := map[string]bool{}
	rows := 0
	for {
		env, err := c.call(ctx, http.MethodPost, u, ctype, body)
		if err != nil {
			return err
		}
		if !env.ok() {
			e := c.apiError(http.MethodPost, u, env)
			e.Op += " of " + fromOf(q)
			return e
		}
		page, err := decodeRows(env.Data)
		if err != nil {
			return fmt.Errorf("vault: POST %s: %w", pathOf(u), err)
		}
		for _, row := range page {
			if err := fn(row); err != nil {
				return err
			}
		}
		rows += len(page)
		next := ""
		if env.ResponseDetails != nil {
			next = env.ResponseDetails.NextPage
		}
		if next == "" {
			if total, err := env.ResponseDetails.total(); err == nil && total > rows {
				return fmt.Errorf("vault: query of %s: %d of %d rows came back and there is no next_page", fromOf(q), rows, total)
			}
			return nil
		}
		if seen[next] {
			return fmt.Errorf("vault: query of %s: next_page %s repeats itself", fromOf(q), c.redact(pathOf(next)))
		}
		seen[next] = true
		if u, err = c.follow(next); err != nil {
			return err
		}
		body, ctype = nil, ""
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

// follow resolves a next_page URL against the base URL. Vault gives a path
// (/api/{version}/query/...); an absolute URL elsewhere is refused, since
// the request would carry the session id there.
func (c *Client) follow(next string) (string, error) {
	// The link is the response's: it is redacted like Vault's messages.
	ref, err := url.Parse(next)
	if err != nil {
		return "", c.redactErr(fmt.Errorf("vault: next_page %q: %w", next, err))
	}
	u := c.base.ResolveReference(ref)
	if u.Scheme != c.base.Scheme || u.Host != c.base.Host {
		return "", fmt.Errorf("vault: next_page points at %s, not at %s: refusing to send the session there", c.redact(u.Host), c.base.Host)
	}
	return u.String(), nil
}

func (d *details) total() (int, error) {
	if d == nil || d.Total == "" {
		return 0, errors.New("no total")
	}
	n, err := d.Total.Int64()
	return int(n), err
}

func decodeRows(data json.RawMessage) ([]map[string]json.RawMessage, error) {
	if len(data) == 0 || string(data) == "null" {
		return nil, nil
	}
	var rows []map[string]json.RawMessage
	if err := json.Unmarshal(data, &rows); err != nil {
		return nil, fmt.Errorf("data is not an array of records: %w", err)
	}
	return rows, nil
}

func fromOf(q string) string {
	if i := strings.Index(q, " FROM "); i >= 0 {
		if f := strings.Fields(q[i+len(" FROM "):]); len(f) > 0 {
			return f[0]
		}
	}
	return "?"
}

// exportDeletions is crm.Deletions: for every object alignctl imports,
// GET /api/{version}/objects/deletions/vobjects/{object} (Vault's "Retrieve
// Deleted Object Record ID"), with start_date = since when since is within
// Vault's 30-day window, following next_page or, when Vault gives none,
// offset += size while offset + size < total. An object Vault does not have
// is skipped. Columns: object, id, deleted_date (Vault's date_deleted, as
// it gives it) and merged_into, which Vault does not document: it is the record's merged_into
// or main_record_id when the response carries one, else "".
func (c *Client) exportDeletions(ctx context.Context, since time.Time) (crm.Export, error) {
	none := crm.Export{Cleanup: func() {}}
	out := newCSVFile(crm.Deletions)
	if err := out.w.Write(deletionsHeader); err != nil {
		return none, out.fail(err)
	}
	q := url.Values{}
	// Outside Vault's window start_date is refused: everything Vault still
	// lists is read, and the import finds older deletions by a full id read
	// (DeletionsCover).
	if !since.IsZero() && c.DeletionsCover(since) {
		// Seconds only; truncating widens the set.
		q.Set("start_date", since.UTC().Truncate(time.Second).Format("2006-01-02T15:04:05Z"))
	}
	if c.pageSize > 0 {
		q.Set("limit", strconv.Itoa(min(c.pageSize, 5000)))
	}
	for _, object := range crm.ImportObjects {
		if object == crm.Deletions {
			continue
		}
		if err := c.deletions(ctx, object, q, func(id, date, mergedInto string) error {
			return out.w.Write([]string{object, id, date, mergedInto})
		}); err != nil {
			return none, out.fail(err)
		}
	}
	return out.done()
}

// deletedRecord is one entry of "Retrieve Deleted Object Record ID": the
// current reference names the time date_deleted, older versions of the
// page deleted_date; both are read.
type deletedRecord struct {
	ID           json.RawMessage `json:"id"`
	DateDeleted  string          `json:"date_deleted"`
	DeletedDate  string          `json:"deleted_date"`
	MergedInto   json.RawMessage `json:"merged_into"`
	MainRecordID json.RawMessage `json:"main_record_id"`
}

func (c *Client) deletions(ctx context.Context, object string, q url.Values, fn func(id, date, mergedInto string) error) error {
	if err := checkName("object", object); err != nil {
		return err
	}
	q = cloneValues(q)
	u := c.endpoint(q, "objects", "deletions", "vobjects", object)
	seen := map[string]bool{u: true}
	for {
		env, err := c.call(ctx, http.MethodGet, u, "", nil)
		if err != nil {
			return err
		}
		if !env.ok() {
			if absent(env) {
				return nil
			}
			return fmt.Errorf("vault: deleted records of object %s: %w", object, c.apiError(http.MethodGet, u, env))
		}
		var recs []deletedRecord
		if len(env.Data) > 0 && string(env.Data) != "null" {
			if err := json.Unmarshal(env.Data, &recs); err != nil {
				return fmt.Errorf("vault: GET %s: data is not an array of deleted records: %w", pathOf(u), err)
			}
		}
		for _, r := range recs {
			merged := scalar(r.MergedInto)
			if merged == "" {
				merged = scalar(r.MainRecordID)
			}
			date := r.DateDeleted
			if date == "" {
				date = r.DeletedDate
			}
			if err := fn(scalar(r.ID), date, merged); err != nil {
				return err
			}
		}
		next := ""
		if d := env.ResponseDetails; d != nil && d.NextPage != "" {
			if next, err = c.follow(d.NextPage); err != nil {
				return err
			}
		} else if d != nil && len(recs) > 0 {
			offset, _ := d.Offset.Int64()
			size, _ := d.Size.Int64()
			if size <= 0 {
				size = int64(len(recs))
			}
			if total, err := d.total(); err == nil && offset+size < int64(total) {
				q.Set("offset", strconv.FormatInt(offset+size, 10))
				next = c.endpoint(q, "objects", "deletions", "vobjects", object)
			}
		}
		if next == "" {
			return nil
		}
		if seen[next] {
			return fmt.Errorf("vault: deleted records of %s: the next page %s repeats itself", object, c.redact(pathOf(next)))
		}
		seen[next] = true
		u = next
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

// csvFile is an export being written. Its rows collect in memory until
// there are spillAt bytes of them, then go to a temporary file, removed on
// failure: an export that fails on its first page (an error answer, a
// refused query) never touches the disk.
type csvFile struct {
	object string
	buf    bytes.Buffer
	f      *os.File
	w      *csv.Writer
}

const spillAt = 1 << 20

func newCSVFile(object string) *csvFile {
	o := &csvFile{object: object}
	o.w = csv.NewWriter(o)
	return o
}

// Write takes the csv.Writer's output.
func (o *csvFile) Write(p []byte) (int, error) {
	if o.f == nil {
		if o.buf.Len()+len(p) <= spillAt {
			return o.buf.Write(p)
		}
		if err := o.spill(); err != nil {
			return 0, err
		}
	}
	return o.f.Write(p)
}

// spill moves the rows held in memory to a new temporary file.
func (o *csvFile) spill() error {
	f, err := os.CreateTemp("", "alignctl-vault-"+o.object+"-*.csv")
	if err != nil {
		return fmt.Errorf("vault: export of %s: %w", o.object, err)
	}
	o.f = f
	if _, err := f.Write(o.buf.Bytes()); err != nil {
		return fmt.Errorf("vault: export of %s: %w", o.object, err)
	}
	o.buf = bytes.Buffer{}
	return nil
}

func (o *csvFile) fail(err error) error {
	if o.f != nil {
		o.f.Close()
		os.Remove(o.f.Name())
	}
	return err
}

func (o *csvFile) done() (crm.Export, error) {
	none := crm.Export{Cleanup: func() {}}
	o.w.Flush()
	if err := o.w.Error(); err != nil {
		return none, o.fail(err)
	}
	if o.f == nil {
		if err := o.spill(); err != nil {
			return none, o.fail(err)
		}
	}
	if err := o.f.Close(); err != nil {
		os.Remove(o.f.Name())
		return none, err
	}
	path := o.f.Name()
	return crm.Export{Path: path, Cleanup: func() { os.Remove(path) }}, nil
}
