package vaulttest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// auth answers POST /api/{v}/auth (form fields username and password).
func (s *Server) auth(r *http.Request) reply {
	username, password := r.FormValue("username"), r.FormValue("password")
	authFailed := func(errType, msg string) reply {
		f := failure(errType, msg)
		f.body = append(f.body, member{"errorType", "AUTHENTICATION_FAILED"})
		return *f
	}
	switch {
	case username == "":
		return authFailed(ErrParameterRequired, "Missing required parameter [username]")
	case password == "":
		return authFailed(ErrNoPasswordProvided, "No password was provided for the login call.")
	}
	want, ok := s.cfg.users[username]
	if !ok || want != password {
		return authFailed(ErrUsernameOrPasswordIncorrect, "Authentication failed for user: "+username)
	}
	uid := userID(slices.Index(s.cfg.userOrder, username))
	// "User Name and Password": vaultIds lists the user's Vaults (id, name,
	// url of its API), vaultId the one the session is for.
	vaults := []ordered{{
		{"id", s.cfg.vaultID},
		{"name", "vaulttest"},
		{"url", "http://" + r.Host + "/api"},
	}}
	vaultID := s.cfg.vaultID
	if o := s.defaultTo; o != nil {
		vaults = append(vaults, ordered{{"id", o.id}, {"name", "other"}, {"url", o.url + "/api"}})
		vaultID = o.id
	}
	return success(
		member{"sessionId", s.newSession(uid)},
		member{"userId", uid},
		member{"vaultIds", vaults},
		member{"vaultId", vaultID},
	)
}

// queryResult is a query's whole result, kept for its next_page and
// previous_page links (Vault keeps them for 72 hours; the fake, for its
// life).
type queryResult struct {
	object   string
	fields   []string
	rows     [][]string
	pageSize int
}

// query answers POST /api/{v}/query (form field q).
func (s *Server) query(r *http.Request, rt route) reply {
	q := r.FormValue("q")
	if strings.TrimSpace(q) == "" {
		return *failure(ErrParameterRequired, "Missing required parameter [q]")
	}
	if len(q) > MaxVQLLength {
		// Choice: Vault documents the limit, not its error type.
		return *failure(ErrInvalidData, fmt.Sprintf("The query is %d characters long: the maximum length of a VQL query string is %d", len(q), MaxVQLLength))
	}
	vq, err := parseVQL(q)
	if err != nil {
		return *failure(ErrIncorrectQuerySyntax, err.Error())
	}
	o := s.store.objects[vq.from]
	if o == nil {
		return *failure(ErrInvalidData, fmt.Sprintf("Invalid object [%s] in FROM clause", vq.from))
	}
	for _, f := range vq.referencedFields() {
		if !o.has[f] {
			return *failure(ErrInvalidData, fmt.Sprintf("Invalid field [%s] for object [%s]", f, o.name))
		}
	}
	var recs []map[string]string
	for _, rec := range o.rows {
		if vq.match(rec) {
			recs = append(recs, rec)
		}
	}
	slices.SortFunc(recs, vq.compare)
	res := &queryResult{object: o.name, fields: vq.fields, pageSize: s.cfg.pageSize}
	if vq.pageSize > 0 {
		res.pageSize = min(vq.pageSize, s.cfg.pageSize)
	}
	for _, rec := range recs {
		row := make([]string, len(vq.fields))
		for i, f := range vq.fields {
			row[i] = rec[f]
			if t := s.fieldType(o.name, f); (t == "LongText" || t == "RichText") && !vq.whole[i] {
				// "other queries will only return the first 250
				// characters" ("Queryable Field Types").
				if r := []rune(row[i]); len(r) > 250 {
					row[i] = string(r[:250])
				}
			}
		}
		res.rows = append(res.rows, row)
	}
	s.querySeq++
	id := fmt.Sprintf("%08d-0000-4000-8000-%012d", s.cfg.vaultID, s.querySeq)
	s.queries[id] = res
	return s.page(rt.version, id, res, vq.pageOffset, res.pageSize)
}

// queryPage answers a next_page or previous_page link.
func (s *Server) queryPage(r *http.Request, rt route) reply {
	res := s.queries[rt.queryID]
	if res == nil {
		return *failure(ErrMalformedURL, fmt.Sprintf("Query [%s] not found or expired: submit the query again", rt.queryID))
	}
	size, offset := res.pageSize, 0
	for name, dst := range map[string]*int{"pagesize": &size, "pageoffset": &offset} {
		if v := r.URL.Query().Get(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || name == "pagesize" && n == 0 {
				return *failure(ErrInvalidData, fmt.Sprintf("Invalid value [%s] for parameter [%s]", v, name))
			}
			*dst = n
		}
	}
	return s.page(rt.version, rt.queryID, res, offset, min(size, s.cfg.pageSize))
}

// page renders one page of a query result.
func (s *Server) page(version, id string, res *queryResult, offset, size int) reply {
	total := len(res.rows)
	lo := min(offset, total)
	hi := min(lo+size, total)
	data := make([]ordered, 0, hi-lo)
	for _, row := range res.rows[lo:hi] {
		rec := make(ordered, len(res.fields))
		for i, f := range res.fields {
			rec[i] = member{f, nullable(row[i])}
		}
		data = append(data, rec)
	}
	details := ordered{
		{"pagesize", size},
		{"pageoffset", offset},
		{"size", hi - lo},
		{"total", total},
	}
	link := func(off int) string {
		return fmt.Sprintf("/api/%s/query/%s?pagesize=%d&pageoffset=%d", version, id, size, off)
	}
	if offset > 0 {
		details = append(details, member{"previous_page", link(max(offset-size, 0))})
	}
	if hi < total {
		details = append(details, member{"next_page", link(hi)})
	}
	return success(member{"responseDetails", details}, member{"data", data})
}

// writeObject finds the object a write names and decodes its records, or
// answers the failure of the whole call.
func (s *Server) writeObject(r *http.Request, rt route, body []byte) (*object, []map[string]any, *reply) {
	o := s.store.objects[rt.object]
	if o == nil {
		return nil, nil, failure(ErrMalformedURL, fmt.Sprintf("Object [%s] not found", rt.object))
	}
	if p := r.URL.Query().Get("idParam"); r.URL.Query().Has("idParam") && (r.Method != http.MethodPost || !slices.Contains(o.fields, p)) {
		return nil, nil, failure(ErrInvalidData, fmt.Sprintf("idParam [%s]: an upsert (POST) names a field of object [%s]", p, o.name))
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		return nil, nil, failure(ErrInvalidData, fmt.Sprintf("Content-Type [%s] not supported: vaulttest takes a JSON array of records (application/json)", r.Header.Get("Content-Type")))
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var recs []map[string]any
	if err := dec.Decode(&recs); err != nil {
		return nil, nil, failure(ErrInvalidData, "The request body must be a JSON array of records: "+err.Error())
	}
	switch {
	case len(recs) == 0:
		return nil, nil, failure(ErrInvalidData, "The request holds no records")
	case len(recs) > MaxBatch:
		return nil, nil, failure(ErrInvalidData, fmt.Sprintf("The request holds %d records: the maximum batch size is %d", len(recs), MaxBatch))
	}
	return o, recs, nil
}

// textRecord turns a JSON record into field values: text as it is,
// numbers as written, booleans as true/false, null as blank.
func textRecord(raw map[string]any) (map[string]string, error) {
	rec := make(map[string]string, len(raw))
	for f, v := range raw {
		switch v := v.(type) {
		case string:
			rec[f] = v
		case json.Number:
			rec[f] = v.String()
		case bool:
			rec[f] = strconv.FormatBool(v)
		case nil:
			rec[f] = ""
		default:
			return nil, fmt.Errorf("field [%s]: a value must be text, a number, a boolean or null", f)
		}
		if f == "" {
			return nil, fmt.Errorf("a field has an empty name")
		}
	}
	return rec, nil
}

// unknownField returns a field of rec that o lacks, when fields are strict.
func (s *Server) unknownField(o *object, rec map[string]string) string {
	if s.cfg.lenientFields {
		return ""
	}
	for _, f := range slices.Sorted(maps.Keys(rec)) {
		if !o.has[f] {
			return f
		}
	}
	return ""
}

func recordURL(version, object, id string) string {
	return fmt.Sprintf("/api/%s/vobjects/%s/%s", version, object, id)
}

// bulk wraps per-record results: the call succeeded as a whole, whatever
// became of each record (Vault's documented examples answer SUCCESS with
// FAILURE records inside).
func bulk(results []ordered) reply {
	return success(member{"data", results})
}

// create answers POST /api/{v}/vobjects/{object}.
func (s *Server) create(r *http.Request, rt route, body []byte) reply {
	o, raws, fail := s.writeObject(r, rt, body)
	if fail != nil {
		return *fail
	}
	stamp := s.now()
	results := make([]ordered, len(raws))
	// ?idParam=FIELD makes the call an upsert on that unique field.
	idParam := r.URL.Query().Get("idParam")
	keys := map[string]bool{}
	for i, raw := range raws {
		rec, err := textRecord(raw)
		if err != nil {
			results[i] = recordFailure(ErrInvalidData, err.Error())
			continue
		}
		if key := rec[idParam]; idParam != "" && key != "" {
			// Choice: as for duplicate ids in a bulk update ("the bulk
			// update fails any duplicate records"), the second and later
			// records naming one idParam value fail; the first is applied.
			if keys[key] {
				results[i] = recordFailure(ErrInvalidData, fmt.Sprintf("Duplicate value [%s] for idParam [%s] in the request", key, idParam))
				continue
			}
			keys[key] = true
		}
		if _, has := raw[FieldID]; has {
			results[i] = recordFailure(ErrInvalidData, "Field [id] is set by Vault: a record to create must not carry one")
			continue
		}
		if key := rec[idParam]; idParam != "" && key != "" {
			if id := o.findBy(idParam, key); id != "" {
				delete(rec, FieldModifiedDate)
				for f, v := range rec {
					o.rows[id][f] = v
				}
				o.rows[id][FieldModifiedDate] = stamp
				o.addFields(slices.Sorted(maps.Keys(rec))...)
				results[i] = recordSuccess(id, recordURL(rt.version, o.name, id))
				continue
			}
		}
		delete(rec, FieldModifiedDate) // system-managed: Vault stamps it
		if f := s.unknownField(o, rec); f != "" {
			results[i] = recordFailure(ErrInvalidData, fmt.Sprintf("Field [%s] does not exist on object [%s]", f, o.name))
			continue
		}
		if t := s.injectedFailure(o.name, maps.Clone(rec)); t != "" {
			results[i] = recordFailure(t, "vaulttest: injected failure of this record")
			continue
		}
		id := s.store.newID(o.name)
		rec[FieldID] = id
		rec[FieldModifiedDate] = stamp
		o.addFields(slices.Sorted(maps.Keys(rec))...)
		o.rows[id] = rec
		results[i] = recordSuccess(id, recordURL(rt.version, o.name, id))
	}
	return bulk(results)
}

// recordsByID checks the id of each record of an update or delete: present,
// listed once in the request, and a record of the object. It returns the
// per-record failures (nil where the record may go ahead).
func recordsByID(o *object, recs []map[string]string) []ordered {
	fails := make([]ordered, len(recs))
	seen := map[string]bool{}
	for i, rec := range recs {
		if rec == nil {
			continue // already failed
		}
		id := rec[FieldID]
		switch {
		case id == "":
			fails[i] = recordFailure(ErrInvalidData, "Missing required field [id]")
		case seen[id]:
			fails[i] = recordFailure(ErrInvalidData, fmt.Sprintf("Record [%s] appears more than once in the request", id))
		case o.rows[id] == nil:
			fails[i] = recordFailure(ErrInvalidData, fmt.Sprintf("Record [%s] not found for object [%s]", id, o.name))
		}
		seen[id] = true
	}
	return fails
}

// textRecords converts a batch, failing the records that cannot convert.
func textRecords(raws []map[string]any) ([]map[string]string, []ordered) {
	recs := make([]map[string]string, len(raws))
	fails := make([]ordered, len(raws))
	for i, raw := range raws {
		rec, err := textRecord(raw)
		if err != nil {
			fails[i] = recordFailure(ErrInvalidData, err.Error())
			continue
		}
		recs[i] = rec
	}
	return recs, fails
}

// update answers PUT /api/{v}/vobjects/{object}.
func (s *Server) update(r *http.Request, rt route, body []byte) reply {
	o, raws, fail := s.writeObject(r, rt, body)
	if fail != nil {
		return *fail
	}
	recs, results := textRecords(raws)
	idFails := recordsByID(o, recs)
	stamp := s.now()
	for i, rec := range recs {
		if results[i] != nil {
			continue
		}
		if idFails[i] != nil {
			results[i] = idFails[i]
			continue
		}
		delete(rec, FieldModifiedDate) // system-managed: Vault stamps it
		if f := s.unknownField(o, rec); f != "" {
			results[i] = recordFailure(ErrInvalidData, fmt.Sprintf("Field [%s] does not exist on object [%s]", f, o.name))
			continue
		}
		id := rec[FieldID]
		after := maps.Clone(o.rows[id])
		maps.Copy(after, rec)
		if t := s.injectedFailure(o.name, maps.Clone(after)); t != "" {
			results[i] = recordFailure(t, "vaulttest: injected failure of this record")
			continue
		}
		after[FieldModifiedDate] = stamp
		o.addFields(slices.Sorted(maps.Keys(rec))...)
		o.rows[id] = after
		results[i] = recordSuccess(id, recordURL(rt.version, o.name, id))
	}
	return bulk(results)
}

// delete answers DELETE /api/{v}/vobjects/{object} (body: [{"id": ...}]).
func (s *Server) delete(r *http.Request, rt route, body []byte) reply {
	o, raws, fail := s.writeObject(r, rt, body)
	if fail != nil {
		return *fail
	}
	recs, results := textRecords(raws)
	idFails := recordsByID(o, recs)
	stamp := s.now()
	for i, rec := range recs {
		if results[i] != nil {
			continue
		}
		if idFails[i] != nil {
			results[i] = idFails[i]
			continue
		}
		id := rec[FieldID]
		if t := s.injectedFailure(o.name, maps.Clone(o.rows[id])); t != "" {
			results[i] = recordFailure(t, "vaulttest: injected failure of this record")
			continue
		}
		s.store.delete(o, id, stamp, "")
		results[i] = recordSuccess(id, recordURL(rt.version, o.name, id))
	}
	return bulk(results)
}

// metadata answers GET /api/{v}/metadata/vobjects/{object}.
func (s *Server) metadata(rt route) reply {
	o := s.store.objects[rt.object]
	if o == nil {
		return *failure(ErrMalformedURL, fmt.Sprintf("Object [%s] not found", rt.object))
	}
	fields := make([]ordered, len(o.fields))
	for i, f := range o.fields {
		typ := s.fieldType(o.name, f)
		status := "active__v"
		if s.cfg.inactive[o.name][f] {
			status = "inactive__v"
		}
		system := f == FieldID || f == FieldModifiedDate
		fields[i] = ordered{
			{"name", f},
			{"label", f},
			{"type", typ},
			{"required", false},
			{"editable", !system},
			{"unique", f == FieldID},
			{"source", source(f)},
			{"status", []string{status}},
		}
	}
	return success(member{"object", ordered{
		{"name", o.name},
		{"label", o.name},
		{"label_plural", o.name},
		{"prefix", IDPrefix(o.name)},
		{"source", source(o.name)},
		{"fields", fields},
	}})
}

// fieldType is a field's metadata type: ID, DateTime, or what
// WithFieldType says, else String.
func (s *Server) fieldType(object, field string) string {
	switch field {
	case FieldID:
		return "ID"
	case FieldModifiedDate:
		return "DateTime"
	}
	if t := s.cfg.fieldTypes[object][field]; t != "" {
		return t
	}
	return "String"
}

// source is "custom" for __c names, else "standard".
func source(name string) string {
	if strings.HasSuffix(name, "__c") {
		return "custom"
	}
	return "standard"
}

// deletedDateKey is the name of a deleted record's time: date_deleted in
// the current reference ("Retrieve Deleted Object Record ID"), deleted_date
// on the pages of API v17.3 and before. Choice: the reference does not say
// in which version the name changed; v18.1 and later send date_deleted.
func deletedDateKey(version string) string {
	var major, minor int
	if _, err := fmt.Sscanf(version, "v%d.%d", &major, &minor); err == nil && (major < 18 || major == 18 && minor < 1) {
		return "deleted_date"
	}
	return "date_deleted"
}

// deletions answers GET /api/{v}/objects/deletions/vobjects/{object}
// (optional start_date, end_date, limit, offset).
func (s *Server) deletions(r *http.Request, rt route) reply {
	if s.store.objects[rt.object] == nil {
		return *failure(ErrMalformedURL, fmt.Sprintf("Object [%s] not found", rt.object))
	}
	params := r.URL.Query()
	var bounds [2]string
	now := s.cfg.clock()
	for i, name := range []string{"start_date", "end_date"} {
		if v := params.Get(name); v != "" {
			at, ok := parseInstant(v)
			if !ok {
				return *failure(ErrInvalidData, fmt.Sprintf("Invalid value [%s] for parameter [%s]: use YYYY-MM-DDTHH:MM:SSZ", v, name))
			}
			// "Specify a date (no more than 30 days past)". Choice: the
			// type is INVALID_DATA, Vault's type for a bad parameter value.
			if at.Before(now.Add(-DeletionRetention)) {
				return *failure(ErrInvalidData, fmt.Sprintf("Invalid value [%s] for parameter [%s]: no more than 30 days past", v, name))
			}
			bounds[i] = v
		}
	}
	limit, offset := 1000, 0
	for name, dst := range map[string]*int{"limit": &limit, "offset": &offset} {
		if v := params.Get(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || name == "limit" && (n < 1 || n > 5000) {
				return *failure(ErrInvalidData, fmt.Sprintf("Invalid value [%s] for parameter [%s]", v, name))
			}
			*dst = n
		}
	}
	var hits []Deletion
	for _, d := range s.store.deletions {
		if at, ok := parseInstant(d.DeletedDate); ok && s.cfg.retention > 0 && at.Before(now.Add(-s.cfg.retention)) {
			continue // "After that, they cannot be retrieved."
		}
		if d.Object != rt.object ||
			bounds[0] != "" && compareValues(d.DeletedDate, bounds[0]) < 0 ||
			bounds[1] != "" && compareValues(d.DeletedDate, bounds[1]) > 0 {
			continue
		}
		hits = append(hits, d)
	}
	total := len(hits)
	lo := min(offset, total)
	hi := min(lo+limit, total)
	data := make([]ordered, 0, hi-lo)
	for _, d := range hits[lo:hi] {
		e := ordered{{"id", d.ID}, {deletedDateKey(rt.version), d.DeletedDate}}
		if d.MergedInto != "" {
			e = append(e, member{"merged_into", d.MergedInto})
		}
		data = append(data, e)
	}
	details := ordered{{"total", total}, {"size", hi - lo}, {"limit", limit}, {"offset", offset}}
	link := func(off int) string {
		q := url.Values{}
		for i, name := range []string{"start_date", "end_date"} {
			if bounds[i] != "" {
				q.Set(name, bounds[i])
			}
		}
		q.Set("limit", strconv.Itoa(limit))
		q.Set("offset", strconv.Itoa(off))
		return fmt.Sprintf("/api/%s/objects/deletions/vobjects/%s?%s", rt.version, rt.object, q.Encode())
	}
	if offset > 0 {
		details = append(details, member{"previous_page", link(max(offset-limit, 0))})
	}
	if hi < total {
		details = append(details, member{"next_page", link(hi)})
	}
	return success(member{"responseDetails", details}, member{"data", data})
}
