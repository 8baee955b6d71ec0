// Package vaulttest is an in-process fake Veeva Vault for tests: the Vault
// REST API endpoints alignctl uses, over an in-memory store, on loopback.
//
// It follows Veeva's published Vault API reference (developer.veevavault.com;
// the same pages under limited.veevavault.dev) for request and response
// shapes. Where the reference is silent the fake had to choose; every such
// choice is marked "Choice:" below, so that the client (crm/vault) can be
// checked against the documentation rather than against this fake.
//
// # Use
//
//	s := vaulttest.New(vaulttest.WithClock(clock), vaulttest.WithPageSize(2))
//	defer s.Close()
//	s.SeedTables(crmtest.Seed())
//	// point the client at s.URL(), log in as DefaultUsername/DefaultPassword
//	s.FailNext(1, 503, vaulttest.Writes(""))
//	... s.Rows("territory__v"), s.Deletions(), s.Calls() ...
//
// # Common to every call
//
// Paths are /api/{version}/..., version any vNN.N (v24.1, v25.2, ...); other
// prefixes answer MALFORMED_URL. Every answer Vault itself gives is HTTP 200
// with a JSON body whose responseStatus is SUCCESS or FAILURE, and on FAILURE
// errors: [{"type": ..., "message": ...}]: the reference says "When Vault
// processes an API request, it returns an HTTP response status code of 200"
// and to base logic on responseStatus and error types. Only the injected
// faults produce other HTTP statuses. Error types are the documented ones
// (see the Err constants); messages are informal. WARNING and EXCEPTION are
// never sent. Responses carry Content-Type application/json;charset=UTF-8
// and X-VaultAPI-Status (the responseStatus, as Vault sends from v23.2).
//
// Every call but auth needs the header Authorization: {sessionId} (also
// accepted: Authorization: Bearer {sessionId}, as documented). A missing,
// unknown or expired session answers FAILURE INVALID_SESSION_ID, HTTP 200.
// Choice: an unknown path answers MALFORMED_URL before the session is
// checked; a known path with the wrong method answers METHOD_NOT_SUPPORTED
// after it.
//
// Response headers on every answer (documented under "Response Headers" and
// "Vault API Rate Limits"): Date (the server clock, WithClock),
// X-VaultAPI-BurstLimit, X-VaultAPI-BurstLimitRemaining, X-VaultAPI-VaultId,
// X-VaultAPI-ExecutionId, X-VaultAPI-ResponseDelay (milliseconds) on a call
// over the burst limit, and with WithDailyLimit X-VaultAPI-DailyLimit and
// X-VaultAPI-DailyLimitRemaining (the daily limit of versions before v21.1;
// past it every call fails with API_LIMIT_EXCEEDED until the next UTC day).
// The burst window is fixed ("a fixed 5-minute period"), on the server
// clock: it begins at the first call, and BurstWindow later a new one
// begins with the full limit (ResetBurst begins one at once; SpendBurst
// spends calls as other integrations would). Past the limit Vault "delays
// responses": the fake serves the delay (WithResponseDelay, default 500 ms,
// Vault Help's figure) through WithServerDelay, which tests point at their
// clock; without it the delay is only reported. Auth calls are not counted
// against the burst limit; WithAuthBurstLimit gives them their one-minute
// Auth API limit, past which a login fails with API_LIMIT_EXCEEDED.
// Injected faults are counted like any call.
//
// # POST /api/{v}/auth
//
// Form fields username, password (application/x-www-form-urlencoded or
// multipart/form-data). Success:
//
//	{"responseStatus":"SUCCESS","sessionId":"3B3C...","userId":61001,
//	 "vaultIds":[{"id":1776,"name":"vaulttest","url":"http://127.0.0.1:port/api"}],
//	 "vaultId":1776}
//
// DefaultLoginsTo answers every later login with a session for another Vault
// ("Authentication Defaulting": vaultId names the other, vaultIds lists
// both with their urls).
//
// Failure, with the documented top-level "errorType":"AUTHENTICATION_FAILED":
// USERNAME_OR_PASSWORD_INCORRECT (unknown user, wrong password),
// NO_PASSWORD_PROVIDED (no password; the documented example), and, a choice,
// PARAMETER_REQUIRED for a missing username. Session ids are 128 upper-case
// hex characters like the documented example, deterministic per server (a
// hash of a counter and the vault id); each login makes a new one. Choice:
// users get ids 61001, 61002, ... in WithUser order; without WithUser the one
// user is DefaultUsername / DefaultPassword.
//
// # POST /api/{v}/query
//
// Form field q (body or URL), documented Content-Type
// application/x-www-form-urlencoded. The supported VQL subset:
//
//	SELECT f1, LONGTEXT(f2), RICHTEXT(f3), ... FROM object
//	  [WHERE cond [AND|OR cond ...]] [ORDER BY f [ASC|DESC], ...]
//	  [PAGESIZE n] [PAGEOFFSET n]
//
// cond is field = != <> < <= > >= 'text' (or a number), or field CONTAINS
// ('a', 'b') ("Logical Operators"); AND binds tighter than OR; quotes
// inside text are escaped \'. IN takes a subquery in VQL, never a list:
// the fake refuses it. A statement longer than 50,000 characters
// ("Execution Constraints") fails INVALID_DATA (choice: the type is not
// documented). Long Text and Rich Text fields (WithFieldType) come back cut
// to 250 characters unless selected through LONGTEXT() or RICHTEXT()
// ("Queryable Field Types"); choice: the value's key is the field's name
// either way. Keywords are case-insensitive, names are not. Answer
// (documented shape):
//
//	{"responseStatus":"SUCCESS",
//	 "responseDetails":{"pagesize":1000,"pageoffset":0,"size":2,"total":5,
//	   "next_page":"/api/v24.1/query/00001776-0000-4000-8000-000000000001?pagesize=2&pageoffset=2"},
//	 "data":[{"id":"ter-1","name__v":"ONC-NAT","parent_territory__v":null}, ...]}
//
// previous_page appears from the second page on, next_page while records
// remain; both are paths (as Vault gives them), to be called with POST, as
// the VQL pagination guide says ("Call these URLs with a POST request");
// choice: GET works too (Veeva's Java library uses GET). Pages are a
// snapshot of the result when the query ran, kept for the server's life
// (Vault: 72 hours). Each record holds the selected fields in SELECT order;
// every value is a JSON string, and a blank value is null (as Vault renders
// empty fields). Choices: values compare as instants when both sides parse
// as RFC 3339 date-times or YYYY-MM-DD dates (so '2020-02-02T00:00:00Z',
// '2020-02-02T00:00:00.000Z' and '2020-02-02' are the same moment), else as
// text; a blank (null) field satisfies no condition, != included; without
// ORDER BY records come sorted by id, and id breaks ties. Page size is
// WithPageSize (default 1000, Vault's default), which is also the largest a
// PAGESIZE clause or a pagesize parameter may ask for.
//
// Errors: PARAMETER_REQUIRED (no q); INCORRECT_QUERY_SYNTAX_ERROR (VQL that
// does not parse, and valid VQL outside the subset: parentheses, SELECT *,
// FIND, relationship queries); choice: INVALID_DATA for an unknown object
// in FROM or an unknown field anywhere in the query; MALFORMED_URL for an
// unknown query id in a page link.
//
// # Create, update, delete: /api/{v}/vobjects/{object}
//
// POST creates, PUT updates, DELETE deletes (also POST with ?_method=DELETE,
// the documented workaround for clients that cannot send a DELETE body).
// Body: Content-Type application/json, a JSON array of 1 to 500 records,
// each an object of field -> value; updates and deletes name records by
// "id" (a delete record needs nothing else). ?idParam=FIELD on a POST makes
// it an upsert on that field ("Create & Upsert Object Records"); a second
// record naming the same idParam value in one request fails INVALID_DATA
// (choice, as for duplicate ids in a bulk update). Answer (documented shape):
//
//	{"responseStatus":"SUCCESS","data":[
//	  {"responseStatus":"SUCCESS","data":{"id":"VTR000000000001","url":"/api/v24.1/vobjects/territory__v/VTR000000000001"}},
//	  {"responseStatus":"FAILURE","errors":[{"type":"INVALID_DATA","message":"..."}]}]}
//
// one result per record, in request order. The overall responseStatus is
// SUCCESS whenever the batch was processed, whatever became of its records:
// that is what every documented example shows (SUCCESS around FAILURE
// records); the reference documents no WARNING or FAILURE for partly
// failed batches. Clients must read each record's responseStatus. Choice:
// delete successes carry data {id, url} like create and update (the oldest
// documented example shows only responseStatus; a client should not rely on
// data for deletes).
//
// The whole call fails (FAILURE, nothing written) for: an object the vault
// lacks, MALFORMED_URL (choice); a body that is not a JSON array, an empty
// array, a Content-Type other than application/json (the fake takes no
// CSV), more than 500 records ("The maximum batch size is 500"; the type is
// not documented: choice INVALID_DATA), and an idParam on anything but a
// POST, or naming a field the object lacks: all INVALID_DATA.
//
// Per-record failures, all INVALID_DATA (choice: Vault documents INVALID_DATA
// for "invalid data provided" and no record-level not-found type): a create
// record that carries id (any value); an update or delete record without id,
// or naming no record of the object; the second and later records naming an
// id already named in the same request (documented: "If you provide
// duplicate IDs, the bulk update fails any duplicate records"; choice: the
// first one is applied); a value that is an object or array; a field the
// object lacks, unless WithLenientFields. FailRecords injects others.
//
// Values: JSON strings are stored as sent; numbers as written, booleans as
// true/false, null as blank (the store is text, as the snapshot CSVs are).
// Choices: modified_date__v in a create or update is ignored (Vault manages
// it); every create and update stamps modified_date__v with the server clock
// (WithClock) in Vault's rendering, UTC with milliseconds:
// 2026-11-01T09:30:00.000Z (so a client's incremental export should ask for
// modified_date__v >= its since time truncated to the millisecond); an
// update with no other field still stamps. With WithLenientFields a field
// the object lacks is added to it (its metadata grows), as the file CRM
// does.
//
// New ids: IDPrefix(object) (V plus a two-letter code: VTR territory__v, VAT
// account_territory__v, VUT user_territory__v, VMS my_setup_products__v, VAC
// account__v, ...) and a 12-digit sequence shared by all objects: 15
// characters, like Vault ids. Ids are never reused: the sequence only moves
// forward and skips any id a record ever had, seeded and deleted ones
// included. A delete removes the record and logs it with deleted_date = now.
//
// # GET /api/{v}/metadata/vobjects/{object}
//
// Documented shape, reduced to what alignctl reads:
//
//	{"responseStatus":"SUCCESS","object":{"name":"territory__v","label":"territory__v",
//	  "label_plural":"territory__v","prefix":"VTR","source":"standard",
//	  "fields":[{"name":"id","label":"id","type":"ID","required":false,"editable":false,
//	    "unique":true,"source":"standard","status":["active__v"]}, ...]}}
//
// Fields come in order: id first, then the object's own (an object of the
// schema: its fields, then modified_date__v; an object created by seeding:
// the header's order, modified_date__v where the header has it, else last),
// then fields that later seeding or writes added. Choices:
// types are ID (id), DateTime (modified_date__v), what WithFieldType says,
// else String; status is ["active__v"], or ["inactive__v"] for a field of
// WithInactiveField (which can still be queried); labels are the names; source is custom for __c names. An object the vault
// lacks answers FAILURE MALFORMED_URL (choice: the documented meaning of
// MALFORMED_URL is "The specified resource cannot be found"): a client's
// Fields maps that to crm.ErrUnknownObject.
//
// # GET /api/{v}/objects/deletions/vobjects/{object}
//
// Query parameters start_date, end_date (YYYY-MM-DDTHH:MM:SSZ, or a date for
// its midnight UTC; other RFC 3339 forms are accepted too), limit (1..5000,
// default 1000) and offset, as documented. Answer (documented shape plus one
// extension):
//
//	{"responseStatus":"SUCCESS",
//	 "responseDetails":{"total":3,"size":2,"limit":2,"offset":0,
//	   "next_page":"/api/v24.1/objects/deletions/vobjects/account__v?limit=2&offset=2"},
//	 "data":[{"id":"acc-0","date_deleted":"2026-10-20T00:00:00Z","merged_into":"acc-1"},
//	         {"id":"acc-7","date_deleted":"2026-11-01T09:30:00.000Z"}]}
//
// The time is date_deleted, as the current reference shows; the pages of
// v17.3 and before show deleted_date. Choice: the reference does not say
// when the name changed; the fake sends deleted_date below v18.1.
//
// Extension: merged_into, the winning record's id, present only when a merge
// deleted the record. Vault has no such field: a real client learns of a
// merge from the re-parented child records (DESIGN.md section 6); the fake
// carries what the file CRM's deletions.csv says so both connectors can
// pass one contract suite, and a client must treat the field as optional.
// Choices: start_date and end_date are inclusive; entries come in the order
// the records were deleted (oldest first); next_page and previous_page are
// GET paths with limit and offset (the reference documents limit and offset
// but shows no link); an object the vault lacks answers MALFORMED_URL, a bad
// parameter INVALID_DATA. Deleted ids are listed for 30 days of the server
// clock ("After that, they cannot be retrieved"; WithDeletionRetention(0)
// lists them forever, for the contract suite whose seeds are from 2020), and
// a start_date or end_date more than 30 days past ("no more than 30 days
// past") fails INVALID_DATA (choice: the type is not documented).
//
// # The store
//
// DefaultSchema holds the objects of DESIGN.md section 3 with their key
// fields; WithSchema replaces it, WithObject adds to it, and seeding adds
// objects and fields. Seed, SeedTable and SeedTables keep ids and values
// verbatim; the pseudo-object "deletions" (crm.Deletions) seeds the deletion
// log (object, id, deleted_date, merged_into). Rows, Fields, Deletions and
// Calls read the state back; Merge reproduces a Vault CRM account merge.
//
// # Faults
//
// Each knob arms a fault for the next n calls that satisfy its Match
// arguments (On, Writes, NotAuth, or any func(Call) bool; none: every call,
// auth included). A call takes at most one fault of each class, oldest armed
// first: BurstExhausted (headers only); DelayNext or HoldNext (before
// handling); and one of FailNext, DropConnectionNext, MalformedNext,
// LoseResponseNext (the outcome). FailNext, DropConnectionNext and
// MalformedNext apply nothing; LoseResponseNext applies the call in full and
// then loses the answer. A delayed or held call that the client abandons is
// dropped unhandled. FailRecords fails chosen records inside batches until
// stopped. Call.Fault records what was injected. All knobs are safe for
// concurrent use.
package vaulttest
