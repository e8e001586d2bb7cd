package prom

import (
	"errors"
	"net/url"
)

// Redacted is raw with its password, if any, written as "xxxxx"
// (url.URL.Redacted), for logs and messages: a Prometheus URL may carry
// basic-auth credentials (http://user:pass@host).
func Redacted(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		// The text may hold credentials; say only that it is broken.
		return "(unparseable URL)"
	}
	return u.Redacted()
}

// parseError is url.Parse's error without the URL it quotes.
func parseError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
