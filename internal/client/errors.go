package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/slo-dev/slo/internal/api"
)

// ProblemError is an error answer from slod: an RFC 7807 problem, or one
// made up from the status line when the answer was not a problem (a proxy's
// error page, say).
type ProblemError struct {
	api.Problem
}

// Error is "title: detail", the way sloctl shows it to people.
func (e *ProblemError) Error() string {
	if e.Detail == "" {
		return e.Title
	}
	return e.Title + ": " + e.Detail
}

// maxDetail bounds a detail taken from a plain-text body.
const maxDetail = 200

// parseProblem reads an error answer. Only plain text is used as a detail
// when the body is not a problem: an HTML error page is noise.
func parseProblem(resp *http.Response, body []byte) *ProblemError {
	var p ProblemError
	if json.Unmarshal(body, &p) == nil && p.Title != "" {
		if p.Status == 0 {
			p.Status = resp.StatusCode
		}
		return &p
	}
	p = ProblemError{api.Problem{Status: resp.StatusCode, Title: http.StatusText(resp.StatusCode)}}
	if p.Title == "" {
		p.Title = fmt.Sprintf("HTTP %d", resp.StatusCode)
	}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		line, _, _ := strings.Cut(strings.TrimSpace(string(body)), "\n")
		if len(line) > maxDetail {
			line = line[:maxDetail] + "..."
		}
		p.Detail = line
	}
	return &p
}

// UnreachableError means no complete answer came back from slod.
type UnreachableError struct {
	// URL is the server's base URL.
	URL string
	Err error
}

// Error is one line naming the server, without Go's nested
// `Post "...": dial tcp ...` chain.
func (e *UnreachableError) Error() string {
	return fmt.Sprintf("cannot reach slod at %s: %s", e.URL, cause(e.Err))
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// neverSent reports whether the attempt failed while dialing, so the
// request cannot have reached slod and is safe to send again even when it
// is not idempotent.
func (e *UnreachableError) neverSent() bool {
	var op *net.OpError
	return errors.As(e.Err, &op) && op.Op == "dial"
}

// cause is the innermost useful part of a transport error, e.g.
// "connect: connection refused".
func cause(err error) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return "no answer before the timeout"
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err.Error()
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}
