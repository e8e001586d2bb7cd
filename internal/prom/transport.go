package prom

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/slo-dev/slo/internal/version"
)

// errCredentials marks failures to build a request's credentials; retrying
// cannot fix them.
var errCredentials = errors.New("prometheus credentials")

// transport adds auth and headers to every request and records what the
// response said about retrying, which client_golang's API does not expose.
type transport struct {
	base      http.RoundTripper
	token     string
	tokenFile string
	user      string
	password  string
	headers   map[string]string
}

func newTransport(cfg Config) (*transport, error) {
	base := http.DefaultTransport.(*http.Transport).Clone()
	if cfg.CAFile != "" || cfg.InsecureSkipVerify {
		tc := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: cfg.InsecureSkipVerify}
		if cfg.CAFile != "" {
			pem, err := os.ReadFile(cfg.CAFile)
			if err != nil {
				return nil, fmt.Errorf("read CA file: %w", err)
			}
			tc.RootCAs = x509.NewCertPool()
			if !tc.RootCAs.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("CA file %s: no PEM certificates found", cfg.CAFile)
			}
		}
		base.TLSClientConfig = tc
	}
	t := &transport{
		base:      base,
		token:     cfg.BearerToken,
		tokenFile: cfg.BearerTokenFile,
		user:      cfg.BasicAuthUser,
		password:  cfg.BasicAuthPassword,
		headers:   cfg.Headers,
	}
	// Fail at start-up rather than on the first query.
	if _, err := t.bearerToken(); err != nil {
		return nil, err
	}
	return t, nil
}

func (t *transport) bearerToken() (string, error) {
	if t.tokenFile == "" {
		return t.token, nil
	}
	b, err := os.ReadFile(t.tokenFile)
	if err != nil {
		return "", fmt.Errorf("%w: read bearer token file: %w", errCredentials, err)
	}
	return strings.TrimSpace(string(b)), nil
}

// RoundTrip implements http.RoundTripper.
func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	token, err := t.bearerToken()
	if err != nil {
		return nil, err
	}
	// A RoundTripper must not modify the caller's request.
	r := req.Clone(req.Context())
	// Before the configured headers, which may replace it.
	r.Header.Set("User-Agent", version.UserAgent("slod"))
	for k, v := range t.headers {
		r.Header.Set(k, v)
	}
	switch {
	case token != "":
		r.Header.Set("Authorization", "Bearer "+token)
	case t.user != "":
		r.SetBasicAuth(t.user, t.password)
	}
	resp, err := t.base.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	if info, ok := req.Context().Value(respInfoKey{}).(*respInfo); ok {
		info.status = resp.StatusCode
		info.retryAfter = resp.Header.Get("Retry-After")
	}
	return resp, nil
}

// respInfo is what the last response of one attempt said; it is written and
// read on the attempt's goroutine.
type respInfo struct {
	status     int
	retryAfter string
}

type respInfoKey struct{}

func withRespInfo(ctx context.Context, info *respInfo) context.Context {
	return context.WithValue(ctx, respInfoKey{}, info)
}
