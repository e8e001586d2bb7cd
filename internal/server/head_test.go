package server_test

import (
	"net/http"
	"testing"
)

// HEAD answers like GET, without the body, where monitors and probes look.
func TestHead(t *testing.T) {
	h := newHandler(t, snapshot(t), &memStore{}, testConfig())
	for _, path := range []string{"/healthz", "/readyz", "/metrics", "/"} {
		get := send(t, h, http.MethodGet, path, "", nil)
		head := send(t, h, http.MethodHead, path, "", nil)
		if head.Code != http.StatusOK || get.Code != http.StatusOK {
			t.Errorf("%s: HEAD %d, GET %d, want 200 for both", path, head.Code, get.Code)
		}
		if head.Body.Len() != 0 {
			t.Errorf("HEAD %s sent a body: %.80q", path, head.Body)
		}
		if got, want := head.Header().Get("Content-Type"), get.Header().Get("Content-Type"); got != want {
			t.Errorf("HEAD %s: Content-Type %q, GET has %q", path, got, want)
		}
	}
}
