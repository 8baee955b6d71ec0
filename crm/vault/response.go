package vault

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Vault's responseStatus values ("Errors" in the Vault API reference).
const (
	StatusSuccess   = "SUCCESS"
	StatusWarning   = "WARNING"   // processed, with warnings
	StatusFailure   = "FAILURE"   // not processed: user error
	StatusException = "EXCEPTION" // not processed: system error
)

// Vault error types this package acts on ("Error Types" in the Vault API
// reference).
const (
	InvalidSessionID = "INVALID_SESSION_ID"
	MalformedURL     = "MALFORMED_URL" // "The specified resource cannot be found."
	InvalidData      = "INVALID_DATA"
	ParameterMissing = "PARAMETER_REQUIRED"
)

// decodeEnvelope decodes a Vault JSON response; a body that is not one JSON
// value (trailing bytes included), or JSON without responseStatus, is an
// error.
func decodeEnvelope(body []byte) (*envelope, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var env envelope
	if err := dec.Decode(&env); err != nil {
		return nil, fmt.Errorf("not JSON (%d bytes): %w", len(body), err)
	}
	// Decoder.More would let a stray ] or } after the value through.
	if rest := bytes.TrimLeft(body[dec.InputOffset():], " \t\r\n"); len(rest) > 0 {
		return nil, fmt.Errorf("trailing data after the JSON response (%d bytes)", len(body))
	}
	if env.ResponseStatus == "" {
		return nil, fmt.Errorf("JSON without responseStatus (%d bytes)", len(body))
	}
	return &env, nil
}

// envelope is every field of a Vault JSON response this package reads.
type envelope struct {
	ResponseStatus  string  `json:"responseStatus"`
	ResponseMessage string  `json:"responseMessage"`
	Errors          []Error `json:"errors"`
	ErrorType       string  `json:"errorType"`

	// POST /auth
	SessionID string          `json:"sessionId"`
	VaultID   json.RawMessage `json:"vaultId"`
	VaultIDs  []struct {
		ID  json.RawMessage `json:"id"`
		URL string          `json:"url"`
	} `json:"vaultIds"`

	// POST /query, GET /objects/deletions/vobjects/{object}
	ResponseDetails *details        `json:"responseDetails"`
	Data            json.RawMessage `json:"data"` // rows, or per-record results

	// GET /metadata/vobjects/{object}
	Object *objectMetadata `json:"object"`
}

type details struct {
	Total    json.Number `json:"total"`
	Size     json.Number `json:"size"`
	Offset   json.Number `json:"offset"`
	Limit    json.Number `json:"limit"`
	NextPage string      `json:"next_page"`
}

type objectMetadata struct {
	Name   string          `json:"name"`
	Fields []fieldMetadata `json:"fields"`
}

// fieldMetadata is one entry of object.fields ("Retrieve Object
// Metadata"): name, type (LongText and RichText come back cut to 250
// characters unless selected through LONGTEXT() or RICHTEXT(): "Queryable
// Field Types" in the VQL reference) and status (["active__v"] or
// ["inactive__v"]).
type fieldMetadata struct {
	Name   string   `json:"name"`
	Type   string   `json:"type"`
	Status []string `json:"status"`
}

// active reports whether the field is active; a field without a status is
// taken as active (the oldest documented metadata has none).
func (f fieldMetadata) active() bool {
	return len(f.Status) == 0 || slices.Contains(f.Status, "active__v")
}

// selector is how a SELECT names the field so that its value comes back
// whole.
func (f fieldMetadata) selector() string {
	switch f.Type {
	case "LongText":
		return "LONGTEXT(" + f.Name + ")"
	case "RichText":
		return "RICHTEXT(" + f.Name + ")"
	}
	return f.Name
}

// recordResult is one entry of the data array of a bulk create, update or
// delete response, in the order of the request.
type recordResult struct {
	ResponseStatus string  `json:"responseStatus"`
	Errors         []Error `json:"errors"`
	Data           struct {
		ID json.RawMessage `json:"id"`
	} `json:"data"`
}

// UnmarshalJSON keeps a record's responseStatus only when it is one of
// Vault's four: any other text is a failure whose status goes into a
// message, where the client's redaction of Vault's messages reaches it
// (the status becomes the record error's type, which is not redacted).
func (r *recordResult) UnmarshalJSON(b []byte) error {
	type plain recordResult
	if err := json.Unmarshal(b, (*plain)(r)); err != nil {
		return err
	}
	switch r.ResponseStatus {
	case StatusSuccess, StatusWarning, StatusFailure, StatusException:
	default:
		r.Errors = append(r.Errors, Error{Message: "unknown responseStatus " + strconv.Quote(r.ResponseStatus)})
		r.ResponseStatus = StatusFailure
	}
	return nil
}

func (e *envelope) ok() bool {
	return e.ResponseStatus == StatusSuccess || e.ResponseStatus == StatusWarning
}

// has reports whether the response failed with an error of type typ.
func (e *envelope) has(typ string) bool {
	return !e.ok() && slices.ContainsFunc(e.Errors, func(x Error) bool { return x.Type == typ })
}

// Error is one entry of a Vault response's errors.
type Error struct {
	Type    string `json:"type"`
	Message string `json:"message"`
}

// APIError is a Vault response whose responseStatus is neither SUCCESS nor
// WARNING. Its messages have the password and session ids removed.
type APIError struct {
	Op        string // method and path, e.g. "POST /api/v25.2/query"
	Status    string // responseStatus: FAILURE or EXCEPTION
	ErrorType string // the response's errorType, when it has one
	Errors    []Error
}

func (e *APIError) Error() string { return "vault: " + e.Op + ": " + e.detail() }

// detail is the error without the request: status, errorType, errors.
func (e *APIError) detail() string {
	var b strings.Builder
	b.WriteString(e.Status)
	if e.ErrorType != "" {
		fmt.Fprintf(&b, " (%s)", e.ErrorType)
	}
	for i, x := range e.Errors {
		sep := "; "
		if i == 0 {
			sep = ": "
		}
		b.WriteString(sep + x.Type)
		if x.Message != "" {
			b.WriteString(": " + x.Message)
		}
	}
	return b.String()
}

// Has reports whether Vault gave an error of type typ.
func (e *APIError) Has(typ string) bool {
	return slices.ContainsFunc(e.Errors, func(x Error) bool { return x.Type == typ })
}

func (c *Client) apiError(method, u string, env *envelope) *APIError {
	e := &APIError{Op: method + " " + pathOf(u), Status: c.redact(env.ResponseStatus), ErrorType: c.redact(env.ErrorType)}
	if e.Status == "" {
		e.Status = StatusFailure
	}
	for _, x := range env.Errors {
		e.Errors = append(e.Errors, Error{Type: c.redact(x.Type), Message: c.redact(x.Message)})
	}
	if len(e.Errors) == 0 && env.ResponseMessage != "" {
		e.Errors = []Error{{Type: e.Status, Message: c.redact(env.ResponseMessage)}}
	}
	return e
}

// cell renders one JSON field value of a query row as CSV text: a string
// as is, null as "", a number or boolean as written, an array (a picklist)
// as its values joined by commas, an object (a subquery) as compact JSON.
func cell(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return ""
	}
	switch raw[0] {
	case '"':
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
	case 'n':
		return ""
	case '[':
		var items []json.RawMessage
		if json.Unmarshal(raw, &items) == nil {
			parts := make([]string, len(items))
			for i, it := range items {
				parts[i] = cell(it)
			}
			return strings.Join(parts, ",")
		}
	case '{':
		var b bytes.Buffer
		if json.Compact(&b, raw) == nil {
			// Compact copies the bytes of strings as they are; a snapshot
			// CSV holds UTF-8 only.
			return strings.ToValidUTF8(b.String(), "\uFFFD")
		}
	}
	return strings.ToValidUTF8(string(raw), "\uFFFD")
}

// methodOf names the HTTP method of a write, for messages.
func methodOf(op string) string {
	switch op {
	case "create":
		return http.MethodPost
	case "update":
		return http.MethodPut
	default:
		return http.MethodDelete
	}
}
