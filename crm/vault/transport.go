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

// Vault's rate-limit response headers ("Response Headers" and "Vault API
// Rate Limits" in the Vault API reference). The daily limit headers are
// those of API versions before v21.1, which had a daily limit; a Vault that
// does not send them has none.
const (
	HeaderBurstLimit          = "X-VaultAPI-BurstLimit"
	HeaderBurstLimitRemaining = "X-VaultAPI-BurstLimitRemaining"
	HeaderResponseDelay       = "X-VaultAPI-ResponseDelay" // milliseconds
	HeaderDailyLimit          = "X-VaultAPI-DailyLimit"
	HeaderDailyLimitRemaining = "X-VaultAPI-DailyLimitRemaining"
)

// APILimitExceeded is Vault's error type for a spent limit: the daily
// limit, and the Auth API burst limit of /auth ("Vault API Rate Limits").
const APILimitExceeded = "API_LIMIT_EXCEEDED"

const (
	// burstWindow is Vault's fixed burst-limit window ("Vault API Rate
	// Limits": "a fixed 5-minute period").
	burstWindow = 5 * time.Minute
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
		pause = c.observe(resp.Header)
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

// observe reads what a response says about Vault's clock and limits, and
// returns how long to wait before the next call.
//
// Past the burst limit Vault delays each response itself and says by how
// much in X-VaultAPI-ResponseDelay: that delay has been served by the time
// the response arrives, so the client does not wait it again. While calls
// are left but few (under a tenth of X-VaultAPI-BurstLimit), the client
// spreads them over what remains of the window, so that other integrations
// sharing the limit are not starved; it never waits longer than the
// window's remaining time, and never once the limit is spent (Vault then
// paces every call itself).
func (c *Client) observe(h http.Header) time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t, err := http.ParseTime(h.Get("Date")); err == nil {
		c.serverTime = t.UTC()
	}
	if n, err := strconv.Atoi(h.Get(HeaderDailyLimitRemaining)); err == nil && n <= 0 {
		c.dailyLimit = h.Get(HeaderDailyLimit)
		c.dailySpent = true
	}
	remaining, err := strconv.Atoi(h.Get(HeaderBurstLimitRemaining))
	if err != nil || remaining < 0 {
		return 0
	}
	now := c.serverTime
	if now.IsZero() {
		now = c.now()
	}
	// A window is fixed: when more calls are left than before, a new one
	// began with this response; until the first such reset is seen, its end
	// is at most a window away.
	if c.windowEnd.IsZero() || remaining > c.burstLeft || !now.Before(c.windowEnd) {
		c.windowEnd = now.Add(burstWindow)
	}
	c.burstLeft = remaining
	low := unknownLimitLowWater
	if limit, err := strconv.Atoi(h.Get(HeaderBurstLimit)); err == nil && limit > 0 {
		low = max(limit/10, 1)
	}
	if remaining == 0 || remaining >= low {
		return 0
	}
	left := c.windowEnd.Sub(now)
	if left <= 0 {
		return 0
	}
	return left / time.Duration(remaining+1)
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
