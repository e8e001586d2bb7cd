// Package client is a small typed client for slod's HTTP API. sloctl uses
// it, and so can tests that drive a running slod.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/slo-dev/slo/internal/backoff"
	"github.com/slo-dev/slo/internal/version"
)

// DefaultServer is where slod listens unless told otherwise.
const DefaultServer = "http://127.0.0.1:8080"

// Retry defaults: a CI gate should ride out a slod restart of a second or
// two, and give up well inside a typical 10s step timeout.
const (
	defaultRetryBase = 100 * time.Millisecond
	defaultRetryMax  = 2 * time.Second
	// defaultRetryWindow bounds retries when the context has no deadline.
	defaultRetryWindow = 30 * time.Second
	// maxAnswer caps how much of an answer is read: slod's largest answers
	// (all services with their SLOs) are far below it.
	maxAnswer = 16 << 20
)

// Client talks to one slod. Its zero value is not usable; call New.
type Client struct {
	server string
	// shown is server with any password hidden, for messages.
	shown string
	token string
	http  *http.Client

	// RetryBase and RetryMax shape the full-jitter backoff between
	// attempts: before retry n the wait is uniform in
	// [0, min(RetryMax, RetryBase*2^n)).
	RetryBase, RetryMax time.Duration
	// OnRetry, when set, hears about each failed attempt before the wait.
	OnRetry func(err error, wait time.Duration)
	// OnVersionSkew, when set, hears once about an answer from a slod
	// whose major version (its X-Slod-Version header) differs from this
	// build's.
	OnVersionSkew func(server string)
	skewTold      atomic.Bool
	// own is this build's version, compared with the server's.
	own string
}

// New returns a client for the slod at server (http or https base URL,
// optionally with a path prefix). token, when not empty, is sent as a
// bearer token with writes, never with reads; it must be printable ASCII
// without spaces, or New fails (a *TokenError) rather than every request.
func New(server, token string) (*Client, error) {
	if err := checkToken(token); err != nil {
		return nil, err
	}
	u, err := url.Parse(server)
	if err != nil {
		// url.Parse's message quotes the URL, password and all.
		return nil, errors.New("invalid server URL: want http://host:port")
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("invalid server URL: want http://host:port, not scheme %q and host %q", u.Scheme, u.Host)
	}
	return &Client{
		server:    strings.TrimSuffix(server, "/"),
		shown:     strings.TrimSuffix(u.Redacted(), "/"),
		token:     token,
		http:      &http.Client{},
		own:       version.Get().Version,
		RetryBase: defaultRetryBase,
		RetryMax:  defaultRetryMax,
	}, nil
}

// do sends one API call and decodes a 2xx answer into out (when not nil).
// It retries inside ctx's deadline, and only when that is safe:
//
//   - GET is idempotent: any connection error or 5xx is retried.
//   - Other methods are not (a POSTed can-deploy check is written to the
//     audit log): they are retried only when the request surely did not
//     reach slod (an error while dialing), or on 429/502/503/504, which
//     slod's load shedding, a failed audit write or a proxy send without
//     acting on the request. A 504 may hide a check that was logged but
//     whose answer was lost; a duplicate line in the audit log is an
//     acceptable price for answering the pipeline.
//
// Other 4xx answers are never retried: asking again gets the same answer.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, body, out any) error {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return fmt.Errorf("encode %s %s: %w", method, path, err)
		}
	}
	target := c.server + path
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	idempotent := method == http.MethodGet

	// last is the latest error not caused by ctx ending: when the deadline
	// cuts the final attempt short, an earlier "Service Unavailable:
	// starting up" or "connection refused" says more than "no answer
	// before the timeout".
	var last error
	attempt := func() ([]byte, error) {
		data, err := c.send(ctx, method, target, payload)
		if err == nil {
			return data, nil
		}
		if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
			last = err
		}
		if retryable(err, idempotent) {
			return nil, err
		}
		return nil, backoff.Permanent(err)
	}
	window := defaultRetryWindow
	if deadline, ok := ctx.Deadline(); ok {
		window = time.Until(deadline)
	}
	data, err := backoff.Retry(ctx, backoff.Policy{
		Base: c.RetryBase,
		Max:  c.RetryMax,
		// Stop before a wait that would outlast the deadline, so the
		// caller sees the last real error rather than "context deadline
		// exceeded".
		MaxElapsed: window,
		Notify:     c.OnRetry,
	}, attempt)
	if err != nil {
		if ctx.Err() != nil && last != nil {
			return last
		}
		return err
	}
	if out == nil || len(data) == 0 {
		return nil
	}
	if raw, ok := out.(*[]byte); ok {
		*raw = data
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("decode answer to %s %s from %s: %w", method, path, c.shown, err)
	}
	return nil
}

// TokenError is a token that cannot be sent in an Authorization header: a
// configuration mistake, never slod's fault.
type TokenError struct {
	// Index is the byte at fault, and Byte its value.
	Index int
	Byte  byte
}

func (e *TokenError) Error() string {
	return fmt.Sprintf("the token has byte %#02x at %d; a bearer token is printable ASCII without spaces", e.Byte, e.Index)
}

// checkToken accepts an empty token or one of printable ASCII without
// spaces (RFC 6750's b64token is narrower still). Anything else, such as a
// newline read with the token from a file, would make every request fail
// in the transport, which looks like slod being down.
func checkToken(token string) error {
	for i := range len(token) {
		if b := token[i]; b <= ' ' || b > '~' {
			return &TokenError{Index: i, Byte: b}
		}
	}
	return nil
}

// send makes one attempt and returns the body of a 2xx answer; otherwise
// an *UnreachableError (no complete answer) or a *ProblemError.
func (c *Client) send(ctx context.Context, method, target string, payload []byte) ([]byte, error) {
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return nil, fmt.Errorf("build %s %s: %w", method, target, err)
	}
	req.Header.Set("Accept", "application/json, application/problem+json")
	req.Header.Set("User-Agent", "sloctl/"+c.own)
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	// Reads need no token; it is not sent where it is not needed.
	if c.token != "" && method != http.MethodGet {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, &UnreachableError{URL: c.shown, Err: err}
	}
	defer resp.Body.Close()
	c.checkVersion(resp.Header.Get(version.Header))
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return nil, &UnreachableError{URL: c.shown, Err: fmt.Errorf("answer cut off: %w", err)}
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return data, nil
	}
	return nil, parseProblem(resp, data)
}

// checkVersion tells OnVersionSkew, once, about a server of another major
// version: its API may have moved on.
func (c *Client) checkVersion(server string) {
	if c.OnVersionSkew != nil && version.Skewed(server, c.own) && !c.skewTold.Swap(true) {
		c.OnVersionSkew(server)
	}
}

// retryable applies the rules documented on do.
func retryable(err error, idempotent bool) bool {
	var ue *UnreachableError
	if errors.As(err, &ue) {
		return idempotent || ue.neverSent()
	}
	var pe *ProblemError
	if errors.As(err, &pe) {
		switch pe.Status {
		case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			return true
		}
		return idempotent && pe.Status >= 500
	}
	return false
}
