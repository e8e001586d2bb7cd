package prom

import (
	"strings"
	"testing"
)

// A password in the Prometheus URL never reaches a message.
func TestURLPasswordIsHidden(t *testing.T) {
	for raw, want := range map[string]string{
		"http://user:secret@prom:9090/x": "http://user:xxxxx@prom:9090/x",
		"http://prom:9090":               "http://prom:9090",
		"http://user:secret@pr om:9090":  "(unparseable URL)",
	} {
		if got := Redacted(raw); got != want {
			t.Errorf("Redacted(%q) = %q, want %q", raw, got, want)
		}
	}
	for _, raw := range []string{"ftp://user:secret@prom:9090", "http://user:secret@pr om:9090", "user:secret@prom:9090"} {
		_, err := Config{URL: raw}.withDefaults()
		if err == nil || strings.Contains(err.Error(), "secret") {
			t.Errorf("%q: err = %v, want an error without the password", raw, err)
		}
	}
}
