package vaulttest

import (
	"bytes"
	"encoding/json"
)

// The responseStatus values of the Vault API.
const (
	StatusSuccess   = "SUCCESS"
	StatusWarning   = "WARNING"
	StatusFailure   = "FAILURE"
	StatusException = "EXCEPTION"
)

// The error types the fake answers with, from Vault's documented list.
const (
	// ErrInvalidSessionID: no Authorization header, or a session that does
	// not exist or has expired.
	ErrInvalidSessionID = "INVALID_SESSION_ID"
	// ErrUsernameOrPasswordIncorrect: auth with an unknown user or a wrong
	// password.
	ErrUsernameOrPasswordIncorrect = "USERNAME_OR_PASSWORD_INCORRECT"
	// ErrNoPasswordProvided: auth without a password.
	ErrNoPasswordProvided = "NO_PASSWORD_PROVIDED"
	// ErrParameterRequired: auth without a username, a query without q.
	ErrParameterRequired = "PARAMETER_REQUIRED"
	// ErrInvalidData: a query naming an unknown object or field, a bad
	// request body, a batch over MaxBatch, a bad deletions parameter, and
	// every per-record failure (unknown or missing id, id on create, ...).
	ErrInvalidData = "INVALID_DATA"
	// ErrMalformedURL: a path the fake does not serve, an object in the
	// path (vobjects, metadata, deletions) that the vault lacks, an unknown
	// or expired query page.
	ErrMalformedURL = "MALFORMED_URL"
	// ErrMethodNotSupported: a known path with the wrong HTTP method.
	ErrMethodNotSupported = "METHOD_NOT_SUPPORTED"
	// ErrIncorrectQuerySyntax: VQL the fake cannot parse (including valid
	// VQL outside the supported subset).
	ErrIncorrectQuerySyntax = "INCORRECT_QUERY_SYNTAX_ERROR"
	// ErrAPILimitExceeded: the daily limit or the Auth API burst limit is
	// spent ("Vault API Rate Limits").
	ErrAPILimitExceeded = "API_LIMIT_EXCEEDED"
)

// reply is a Vault JSON answer.
type reply struct {
	status string // responseStatus, also sent as X-VaultAPI-Status
	body   ordered
}

// ordered is a JSON object whose keys keep their order, so that answers
// read like Vault's (responseStatus first, fields in SELECT order).
type ordered []member

type member struct {
	key   string
	value any
}

func (o ordered) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(m.key)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		v, err := json.Marshal(m.value)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func success(members ...member) reply {
	return reply{status: StatusSuccess, body: append(ordered{{"responseStatus", StatusSuccess}}, members...)}
}

// failure is a call that failed as a whole.
func failure(errType, msg string) *reply {
	return &reply{status: StatusFailure, body: ordered{
		{"responseStatus", StatusFailure},
		{"errors", []ordered{errorEntry(errType, msg)}},
	}}
}

func errorEntry(errType, msg string) ordered {
	return ordered{{"type", errType}, {"message", msg}}
}

// recordFailure is one failed record of a bulk write.
func recordFailure(errType, msg string) ordered {
	return ordered{{"responseStatus", StatusFailure}, {"errors", []ordered{errorEntry(errType, msg)}}}
}

// recordSuccess is one written record of a bulk write.
func recordSuccess(id, url string) ordered {
	return ordered{{"responseStatus", StatusSuccess}, {"data", ordered{{"id", id}, {"url", url}}}}
}

// nullable renders a blank field as null, as Vault does.
func nullable(v string) any {
	if v == "" {
		return nil
	}
	return v
}
