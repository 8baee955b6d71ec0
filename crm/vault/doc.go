// Package vault is the Vault CRM connector: a crm.Connector over Veeva's
// Vault REST API (session auth, VQL export, bulk object writes).
//
// # Requests
//
// Every path is /api/{version}/..., relative to Config.BaseURL; every
// request sends Accept: application/json, and every request but the login
// sends Authorization: {sessionId} (the documented header, without Bearer).
//
//   - Login ("User Name and Password"): POST /auth, Content-Type
//     application/x-www-form-urlencoded, body username=...&password=...;
//     reads responseStatus, sessionId, vaultId and vaultIds[].url.
//   - Fields ("Retrieve Object Metadata"): GET /metadata/vobjects/{object};
//     reads object.fields[].name, type and status.
//   - Export ("Submitting a Query"): POST /query, Content-Type
//     application/x-www-form-urlencoded, body q=SELECT {fields} FROM {object}
//     [WHERE modified_date__v >= '{since, YYYY-MM-DDTHH:MM:SS.SSSZ UTC}']
//     [PAGESIZE {Config.PageSize}]; reads data[] and
//     responseDetails.next_page, which is followed with a POST and no body
//     until absent ("Pagination Best Practices"), and responseDetails.total.
//   - Export of crm.Deletions ("Retrieve Deleted Object Record ID"):
//     GET /objects/deletions/vobjects/{object}[?start_date=YYYY-MM-DDTHH:MM:SSZ]
//     [&limit={PageSize, at most 5000}][&offset=n] for each object of
//     crm.ImportObjects; reads data[].id, data[].date_deleted (or
//     deleted_date, its name on older pages) and responseDetails (next_page
//     when given, else offset, size, total).
//   - ExportAccounts (crm.AccountExporter): the export query with WHERE f1
//     CONTAINS ('a', ...) OR f2 CONTAINS (...), in as many statements as
//     keep each under 50,000 characters ("Execution Constraints").
//   - ExportIDs (crm.DeletionWindow): SELECT id FROM {object}.
//   - Create, Update, Delete ("Create/Update/Delete Object Records"):
//     POST, PUT, DELETE /vobjects/{object}, Content-Type application/json, a
//     JSON array of at most Config.BatchSize (max 500) objects whose values
//     are JSON strings (delete: [{"id": ...}]); reads data[i].responseStatus,
//     data[i].data.id and data[i].errors[] (type, message), in request order.
//
// # Responses, retries and rate limits
//
// Outcomes are decided on responseStatus (SUCCESS and WARNING succeed,
// FAILURE and EXCEPTION fail, as *APIError) and on errors[].type, never on
// the HTTP status, as the "Errors" reference asks — except for retries,
// which go through hashicorp/go-retryablehttp with a CheckRetry of ours:
// transport errors (timeouts, resets, dropped connections), any 5xx, a 429
// without a Vault body, and a 2xx response whose body is not a Vault JSON
// response (not JSON, or JSON without responseStatus) are retried up to
// Config.RetryMax times with exponential backoff from RetryWaitMin doubling
// to RetryWaitMax (a Retry-After on 429/503 is honoured up to RetryWaitMax).
// A 4xx carrying a Vault JSON body is not retried: its responseStatus
// decides. A 4xx without one fails at once (a wrong url, most likely). Every
// wait goes through Config.Sleep, and a cancelled context ends any call or
// wait at once.
//
// After every response the client reads Vault's clock (the Date header:
// ServerTime) and its limits ("Vault API Rate Limits"). Past the burst
// limit Vault delays each answer itself and reports the delay in
// X-VaultAPI-ResponseDelay: that time has passed when the answer arrives,
// so the client does not wait again. While calls are left but fewer than a
// tenth of X-VaultAPI-BurstLimit (50 when the limit is not given), it
// spreads them over the fixed 5-minute window's remaining time (a window
// begins when the remaining count goes up; until one is seen, its end is
// taken as 5 minutes after the first answer), never waiting longer than
// that time. Once X-VaultAPI-DailyLimitRemaining reaches 0 (API versions
// before v21.1), or a call fails with API_LIMIT_EXCEEDED, every call fails
// at once with one line naming the host and the limit: the command stops
// cleanly.
//
// A response with an error of type INVALID_SESSION_ID (the session expired)
// logs in again and repeats the call once. One login runs at a time;
// concurrent calls share the session. A login Vault refuses for the
// credentials (USERNAME_OR_PASSWORD_INCORRECT, NO_PASSWORD_PROVIDED, ...) is
// not tried again by the same client: every later call returns that error,
// since repeated wrong passwords lock the user out. Any other refusal
// (EXCEPTION, API_LIMIT_EXCEEDED of the Auth API's one-minute burst limit)
// is retried with backoff, and not remembered. A session for another Vault
// than the configured host's (Vault's "authentication defaulting": vaultId's
// entry in vaultIds has another url), or than Config.VaultID, is refused for
// good. A login that failed in transit is retried by the next call.
//
// Config.BaseURL must be https; plain http is taken for loopback hosts only
// (127.0.0.0/8, ::1, localhost), where tests and local fakes run.
//
// # Secrets
//
// Nothing is logged (retryablehttp's logger is off). The password and
// every session id are removed from every error text this package builds,
// including messages Vault sends back; response bodies are never quoted in
// errors. A failed login names the host and the username only. Redirects
// are followed on the Vault's own host only: a redirect elsewhere is an
// error, so that neither the login form nor the session leaves the host;
// for the same reason a next_page URL on another host is refused.
//
// # Choices where Vault's documentation is silent
//
//   - Unknown object: Vault documents no error type for it. A FAILURE of type
//     MALFORMED_URL ("the specified resource cannot be found") from the
//     object metadata call means the object does not exist: Fields returns
//     an error wrapping crm.ErrUnknownObject, Export returns Path "" and no
//     error; the deleted-records call skips the object. INVALID_DATA says
//     the request was wrong: an error naming the object.
//   - Export fields: the metadata's fields in its order, leaving out those
//     whose status is not active__v (a field without status is taken as
//     active); id and modified_date__v are always selected. A row's value is
//     read under the field's name, or else under LONGTEXT(f)/RICHTEXT(f).
//     Query values become CSV text: strings as they are, null as "", numbers
//     and booleans as written, arrays (picklists) joined with ",", objects as
//     compact JSON. An empty result is a header-only file. A last page
//     without next_page while total says rows are missing is an error rather
//     than a silently short export; a next_page on another host is refused
//     (it would receive the session id).
//   - merged_into: the deleted-records response documents only id and
//     date_deleted. A record merge moves the duplicate's inbound references
//     to the main record and deletes the duplicate (Vault Help on record
//     merges), and no documented read call names the main record of a
//     deleted duplicate afterwards. The client reads an undocumented
//     merged_into, or else main_record_id (the record-merge API's word for
//     the winner), from each deleted record when present; otherwise "".
//   - Deletions window: Vault lists deleted ids for 30 days and refuses a
//     start_date further back, both on its own clock. start_date is sent
//     when since is within the window (with an hour's margin) on
//     ServerTime; otherwise everything Vault still lists is exported, and
//     DeletionsCover tells the import to find the rest by a full id read
//     (ExportIDs).
//   - Per-record outcomes: SUCCESS and WARNING are successes. A FAILURE
//     entry becomes a *crm.RecordError with the first error's type and the
//     messages joined; its ID is the record id, or, for a create, the
//     record's index in the records passed to Create. The call's own
//     responseStatus decides only when data does not hold one result per
//     record sent. A create reported as a success without data.id is a
//     failed result (not a *crm.RecordError): the record may exist, but
//     alignctl cannot know it.
//   - Records Vault would refuse are failed locally and not sent: a create
//     carrying an id (INVALID_DATA), an update or delete without one
//     (PARAMETER_REQUIRED). An empty id in a create is dropped.
//   - Batches: when the first call of a Create/Update/Delete fails as a whole
//     (after retries), the method returns the error and no results. When a
//     later call fails, the earlier batches were written, so the method stops
//     there and returns results, the failed and unsent records carrying the
//     call's error: a create's new ids are never lost.
//   - A retried create (after a timeout or a dropped connection) may have
//     been applied by Vault the first time: the DESIGN asks for retries, and
//     Vault offers no idempotency key.
//   - EXCEPTION responses and the RACE_CONDITION type are not retried: they
//     come back as errors (per record, or for the call).
//   - No X-VaultAPI-ClientID is sent: with Client ID Filtering on, Vault
//     rejects client ids it does not know.
//   - Config.APIVersion "25.2" is read as v25.2; BaseURL must be scheme and
//     host (a path prefix is kept for the paths built here, but next_page
//     paths are resolved against the host as Vault gives them).
package vault
