package cli

import (
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slo-dev/slo/internal/version"
)

// TestVersions checks what the binaries make build stamped say about
// themselves: slod --version, sloctl version, slod_build_info on /metrics
// and the version header on every answer, an error's included.
func TestVersions(t *testing.T) {
	want := stampVersion + " (commit " + stampCommit + ", built " + stampDate + ", go"
	out, err := exec.Command(slodBin, "--version").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "slod "+want) {
		t.Errorf("slod --version: %v\n%s\nwant it to start with slod %s", err, out, want)
	}
	r := runSloctl(t, nil, "version")
	wantExit(t, r, 0)
	if !strings.HasPrefix(r.stdout, "sloctl "+want) {
		t.Errorf("sloctl version printed %q, want it to start with sloctl %s", r.stdout, want)
	}

	dir := t.TempDir()
	_, addr := startOffline(t, filepath.Join(dir, "slod.db"), writeSpecs(t), filepath.Join(dir, "slod.log"))
	for path, status := range map[string]int{"/metrics": http.StatusOK, "/api/v1/services/nope": http.StatusNotFound} {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != status || resp.Header.Get(version.Header) != stampVersion {
			t.Errorf("GET %s: %d with %s %q, want %d with %q", path, resp.StatusCode, version.Header, resp.Header.Get(version.Header), status, stampVersion)
		}
		if path == "/metrics" {
			line := `slod_build_info{commit="` + stampCommit + `",date="` + stampDate + `",goversion="go`
			if !strings.Contains(string(body), line) || !strings.Contains(string(body), `version="`+stampVersion+`"} 1`) {
				t.Errorf("/metrics lacks slod_build_info for this build (%s ...)", line)
			}
		}
	}
}
