package vaulttest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
)

// versionRE is an API version path segment: v24.1 and the like.
var versionRE = regexp.MustCompile(`^v[0-9]+\.[0-9]+$`)

// route is what a request asks for.
type route struct {
	endpoint Endpoint
	version  string
	object   string
	queryID  string
	records  int
	bad      *reply // the answer to a URL or method the fake does not serve
}

func classify(r *http.Request, body []byte) route {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	rt := route{endpoint: EndpointUnknown}
	if len(parts) < 3 || parts[0] != "api" || !versionRE.MatchString(parts[1]) {
		rt.bad = failure(ErrMalformedURL, fmt.Sprintf("Resource not found: %s (want /api/{version}/..., version like v24.1)", r.URL.Path))
		return rt
	}
	rt.version = parts[1]
	rest := parts[2:]
	method := r.Method
	want := func(e Endpoint, methods ...string) {
		rt.endpoint = e
		if !slices.Contains(methods, method) {
			rt.bad = failure(ErrMethodNotSupported, fmt.Sprintf("The resource %s does not support the %s method", r.URL.Path, method))
		}
	}
	switch {
	case len(rest) == 1 && rest[0] == "auth":
		want(EndpointAuth, http.MethodPost)
	case len(rest) == 1 && rest[0] == "query":
		want(EndpointQuery, http.MethodPost, http.MethodGet)
	case len(rest) == 2 && rest[0] == "query":
		rt.queryID = rest[1]
		want(EndpointQueryPage, http.MethodPost, http.MethodGet)
	case len(rest) == 2 && rest[0] == "vobjects":
		rt.object = rest[1]
		switch {
		case method == http.MethodPut:
			want(EndpointUpdate, http.MethodPut)
		case method == http.MethodDelete || method == http.MethodPost && strings.EqualFold(r.URL.Query().Get("_method"), "DELETE"):
			want(EndpointDelete, method)
		default:
			want(EndpointCreate, http.MethodPost)
		}
		var recs []json.RawMessage
		if json.Unmarshal(body, &recs) == nil {
			rt.records = len(recs)
		}
	case len(rest) == 3 && rest[0] == "metadata" && rest[1] == "vobjects":
		rt.object = rest[2]
		want(EndpointMetadata, http.MethodGet)
	case len(rest) == 4 && rest[0] == "objects" && rest[1] == "deletions" && rest[2] == "vobjects":
		rt.object = rest[3]
		want(EndpointDeletions, http.MethodGet)
	default:
		rt.bad = failure(ErrMalformedURL, fmt.Sprintf("Resource not found: %s", r.URL.Path))
	}
	return rt
}
