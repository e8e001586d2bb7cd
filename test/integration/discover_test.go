package integration

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/api"
	"github.com/slo-dev/slo/internal/app"
	"github.com/slo-dev/slo/internal/testing/kubetest"
	"github.com/slo-dev/slo/internal/testing/proctest"
	"github.com/slo-dev/slo/internal/testing/slodtest"
)

// TestSlodDiscovery runs slod on a seed-style services/ tree that has no
// spec yet and on a ConfigMap volume holding an invalid one: it starts
// with zero services, says so on /readyz and lists the problems; a kubelet
// swap and a new service folder then bring services in. Nothing is
// measured, so no Prometheus is needed (queries fail fast on a closed
// port).
func TestSlodDiscovery(t *testing.T) {
	base := t.TempDir()
	services := filepath.Join(base, "services")
	if err := os.MkdirAll(filepath.Join(services, "payment-api", "src"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(services, "payment-api", "README.md"), "# payment-api")
	mount := filepath.Join(base, "checkout")
	good := eventsSpec("checkout", "checkout", "99.9%", "window: 30d", "")
	cm := kubetest.NewConfigMap(t, mount, map[string]string{"slo.yaml": strings.Replace(good, "99.9%", "100%", 1)})
	closed, err := proctest.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	d := slodtest.Start(t, slodtest.Options{PrometheusURL: "http://" + closed, Tune: func(c *app.Config) { c.SLOs = []string{services, mount} }})

	// The start-up log names the paths and the one file found.
	if !strings.Contains(d.Log(), `msg="no valid service in the spec paths: add slo.yaml files or fix the problems" paths="[`+services+" "+mount+`]" exclude=[] files=1 services=0 problems=2`) {
		t.Errorf("the start-up log does not name the paths searched and the files found:\n%s", d.Log())
	}

	status, header, body := d.Do(t, http.MethodGet, "/readyz", nil, nil)
	var p api.Problem
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("/readyz: %v: %s", err, body)
	}
	wantDetail := "no service is loaded: searched " + services + ", " + mount + " and found 2 spec problems"
	if status != http.StatusServiceUnavailable || !strings.HasPrefix(header.Get("Content-Type"), "application/problem+json") || !strings.HasPrefix(p.Detail, wantDetail) {
		t.Errorf("/readyz = %d %s %+v, want 503 problem+json starting %q", status, header.Get("Content-Type"), p, wantDetail)
	}

	list := listServices(t, d)
	want := []api.SpecProblem{
		// Sorted by file: .../checkout/slo.yaml before .../services.
		{File: filepath.Join(mount, "slo.yaml"), Line: 4, Field: "slos[0].target"},
		{File: services, Message: "folder has no *.yaml or *.yml spec files (searched recursively)"},
	}
	if len(list.Services) != 0 || len(list.ConfigProblems) != 2 {
		t.Fatalf("GET /services = %+v, want no services and 2 problems", list)
	}
	got := list.ConfigProblems
	if got[0].File != want[0].File || got[0].Line != want[0].Line || got[0].Field != want[0].Field || !strings.Contains(got[0].Message, "100%") {
		t.Errorf("problem 0 = %+v, want %+v about 100%%", got[0], want[0])
	}
	if got[1] != want[1] {
		t.Errorf("problem 1 = %+v, want %+v", got[1], want[1])
	}

	// The kubelet swaps in a fixed spec: only ..data changes.
	cm.Update(t, map[string]string{"slo.yaml": good})
	slodtest.WaitFor(t, 15*time.Second, "checkout after the ConfigMap update", func() bool {
		list = listServices(t, d)
		return len(list.Services) == 1 && list.Services[0].Service == "checkout" && len(list.ConfigProblems) == 1 && list.ConfigProblems[0].File == services
	})
	if slos := list.Services[0].SLOs; len(slos) != 1 || slos[0].Target != 0.999 {
		t.Errorf("checkout SLOs = %+v, want one at 0.999", slos)
	}

	// The seed's layout: a new service folder, named after it.
	writeFile(t, filepath.Join(services, "payment-api", "slo.yaml"),
		strings.Replace(eventsSpec("payment-api", "payment-api", "99.5%", "window: 7d", ""), "service: payment-api\n", "", 1))
	slodtest.WaitFor(t, 15*time.Second, "payment-api from its new slo.yaml", func() bool {
		list = listServices(t, d)
		return len(list.Services) == 2 && list.Services[1].Service == "payment-api" && len(list.ConfigProblems) == 0
	})
	if !strings.Contains(d.Log(), "files=2 services=2 problems=0") {
		t.Errorf("the reload log does not count the two files:\n%s", d.Log())
	}
	slodtest.WaitFor(t, 15*time.Second, "/readyz 200 with services loaded", func() bool {
		status, _, _ := d.Do(t, http.MethodGet, "/readyz", nil, nil)
		return status == http.StatusOK
	})
}

// listServices GETs the service list. A fresh value each time: decoding into
// an old one would keep config_problems, which is left out when empty.
func listServices(t *testing.T, d *slodtest.Slod) api.ServiceList {
	t.Helper()
	var l api.ServiceList
	d.GetJSON(t, "/api/v1/services", &l)
	return l
}
