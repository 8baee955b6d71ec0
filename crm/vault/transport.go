package vault

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// Vault's rate-limit response headers (Vault API reference, "Response
// Headers" and "API Rate Limits").
const (
	HeaderBurstLimit          = "X-VaultAPI-BurstLimit"
	HeaderBurstLimitRemaining = "X-VaultAPI-BurstLimitRemaining"
	HeaderResponseDelay       = "X-VaultAPI-ResponseDelay" // milliseconds
)

const (
	// burstWindow is Vault's fixed burst-limit window.
	burstWindow = 5 * time.Minute
	// maxBurstPause bounds one pause for a low burst limit: the window may
	// be about to reset, and Vault delays (never refuses) calls past the limit.
	maxBurstPause = 30 * time.Second
	// unknownLimitLowWater is the "low" remaining count when Vault does not
	// say what the limit is.
	unknownLimitLowWater = 50
)

// attempt is the state of one send across retryablehttp's attempts; it
// rides in the request's context, which is what CheckRetry receives.
type attempt struct {
	n   int       // attempts so far
	env *envelope // the last response, decoded
}

type attemptKey struct{}

// send makes one API request, with retries, and returns Vault's decoded
// response. sid, when not empty, goes in the Authorization header. Errors
// read "METHOD PATH: cause"; the caller adds the package's prefix.
func (c *Client) send(ctx context.Context, method, u, sid, contentType string, body []byte) (*envelope, error) {
	st := &attempt{}
	var raw any
	if len(body) > 0 {
		raw = body
	}
	req, err := retryablehttp.NewRequestWithContext(context.WithValue(ctx, attemptKey{}, st), method, u, raw)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, pathOf(u), err)
	}
	req.Header.Set("Accept", "application/json")
	if sid != "" {
		req.Header.Set("Authorization", sid)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, fmt.Errorf("%s %s: %w", method, pathOf(u), ctxErr)
		}
		return nil, fmt.Errorf("%s %s: %w", method, pathOf(u), err)
	}
	resp.Body.Close()
	if st.env == nil { // checkRetry decodes every response it lets through
		return nil, fmt.Errorf("%s %s: no response decoded", method, pathOf(u))
	}
	return st.env, nil
}

// checkRetry is retryablehttp's CheckRetry. It reads and decodes the body,
// decides whether the attempt is worth repeating, and does the waiting
// itself through Config.Sleep: the backoff before a retry, and the pause
// Vault's burst-limit headers ask for.
//
// Retried: transport errors (timeouts, resets, refused connections, except
// what retryablehttp deems permanent: bad scheme, redirect loops, TLS
// trust), 5xx, 429 without a Vault body, and any 2xx response whose body is
// not a Vault JSON response. A 4xx with a Vault JSON body is not retried:
// the caller decides on its responseStatus and error types. A 4xx without
// one, and a redirect to another host, are errors.
func (c *Client) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	st, _ := ctx.Value(attemptKey{}).(*attempt)
	if st == nil {
		st = &attempt{}
	}
	st.n++
	st.env = nil
	if ctxErr := ctx.Err(); ctxErr != nil {
		return false, ctxErr
	}
	var (
		retry bool
		why   error
		pause time.Duration
	)
	if err != nil {
		retry, _ = retryablehttp.DefaultRetryPolicy(ctx, nil, err)
		why = err
	} else {
		pause = burstPause(resp.Header)
		body, rerr := io.ReadAll(resp.Body)
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(body))
		env, derr := decodeEnvelope(body)
		switch {
		case rerr != nil:
			retry, why = true, fmt.Errorf("HTTP %d: reading the response: %w", resp.StatusCode, rerr)
		case resp.StatusCode >= 300 && resp.StatusCode < 400:
			why = fmt.Errorf("HTTP %d: redirected to %q: not followed, check the CRM instance's url", resp.StatusCode, redirectHost(resp))
		case resp.StatusCode >= 500:
			retry, why = true, fmt.Errorf("HTTP %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
		case derr != nil && resp.StatusCode == http.StatusTooManyRequests:
			retry, why = true, fmt.Errorf("HTTP 429 %s", http.StatusText(resp.StatusCode))
		case derr != nil && resp.StatusCode >= 400:
			why = fmt.Errorf("HTTP %d %s: not a Vault API response (%s, %d bytes): check the CRM instance's url", resp.StatusCode, http.StatusText(resp.StatusCode), contentTypeOf(resp), len(body))
		case derr != nil:
			retry, why = true, fmt.Errorf("HTTP %d: malformed response: %w", resp.StatusCode, derr)
		default:
			st.env = env
		}
	}
	if retry && st.n <= c.retryMax {
		pause = max(pause, min(retryablehttp.DefaultBackoff(c.waitMin, c.waitMax, st.n-1, resp), c.waitMax))
	} else if retry {
		pause = 0 // giving up: nothing left to wait for
	}
	if pause > 0 {
		if err := c.sleep(ctx, pause); err != nil {
			return false, err
		}
	}
	if !retry && why == nil {
		return false, nil
	}
	return retry, why
}

// giveUp is retryablehttp's ErrorHandler: the error of the last attempt,
// with the number of attempts when there were several.
func giveUp(resp *http.Response, err error, attempts int) (*http.Response, error) {
	if resp != nil {
		resp.Body.Close()
	}
	if err == nil {
		err = errors.New("request failed")
	}
	if attempts > 1 && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		return nil, fmt.Errorf("giving up after %d attempts: %w", attempts, err)
	}
	return nil, err
}

// burstPause is how long to wait after a response with these headers:
// Vault's X-VaultAPI-ResponseDelay when it throttled the call, and, when
// the calls left in the burst window run low (under a tenth of
// X-VaultAPI-BurstLimit), the window spread over the calls left.
func burstPause(h http.Header) time.Duration {
	var d time.Duration
	if ms, err := strconv.Atoi(h.Get(HeaderResponseDelay)); err == nil && ms > 0 {
		d = min(time.Duration(ms)*time.Millisecond, burstWindow)
	}
	remaining, err := strconv.Atoi(h.Get(HeaderBurstLimitRemaining))
	if err != nil || remaining < 0 {
		return d
	}
	low := unknownLimitLowWater
	if limit, err := strconv.Atoi(h.Get(HeaderBurstLimit)); err == nil && limit > 0 {
		low = max(limit/10, 1)
	}
	if remaining < low {
		d = max(d, min(burstWindow/time.Duration(remaining+1), maxBurstPause))
	}
	return d
}

func redirectHost(resp *http.Response) string {
	if loc, err := resp.Location(); err == nil {
		return loc.Host
	}
	return "?"
}

func contentTypeOf(resp *http.Response) string {
	if ct := resp.Header.Get("Content-Type"); ct != "" {
		return ct
	}
	return "no content type"
}

// pathOf is the path of an URL, for error messages: the query string may be
// long and says nothing the caller does not know.
func pathOf(u string) string {
	if p, err := url.Parse(u); err == nil {
		return p.Path
	}
	return u
}
