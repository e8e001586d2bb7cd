// Package chaos proves slod's promises under faults: every can-deploy
// answer a client received survives kill -9 (and the database stays
// intact); a Prometheus that errs, stalls, drops connections, truncates
// bodies and answers for the wrong time never opens the gate, while every
// check is still answered, marked stale as the numbers age, and fresh again
// once the faults stop; and `slod backup` copies a database slod is
// writing to. It runs the built slod binary (TestMain builds it) or slod
// in-process against a real Prometheus (internal/testing/promtest) loaded
// with synthetic traffic (internal/demo/synth). Random choices come from one
// seeded source; the seed is logged and CHAOS_SEED replays it.
//
// The package has no code of its own; everything is in its tests.
package chaos

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/demo/synth"
	"github.com/slo-dev/slo/internal/testing/promtest"
)

// slodBin is the slod binary TestMain built.
var slodBin string

// TestMain builds cmd/slod once, so the crash and backup tests run what
// `make build` ships.
func TestMain(m *testing.M) {
	os.Exit(buildAndRun(m))
}

func buildAndRun(m *testing.M) int {
	flag.Parse()
	dir, err := os.MkdirTemp("", "chaos-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "chaos:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	// go test puts its own go first in PATH.
	cmd := exec.Command("go", "build", "-o", dir+string(filepath.Separator), "./cmd/slod")
	cmd.Dir = filepath.Join("..", "..")
	if out, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "chaos: %s: %v\n%s", cmd, err, out)
		return 1
	}
	slodBin = filepath.Join(dir, "slod")
	return m.Run()
}

// TestChaos starts one Prometheus with the suite's history and runs the
// fault scenarios against it.
func TestChaos(t *testing.T) {
	if testing.Short() {
		t.Skip("chaos: skipped in -short mode")
	}
	began := time.Now()
	h := newHistory(began)
	srv := promtest.Start(t, h.healthy, h.exhausted, h.burning)
	rng := newRand(t)

	// The proxy runs first: one shifted answer of burning shows only while
	// its incident is younger than 43 minutes (see newHistory).
	t.Run("flaky prometheus", func(t *testing.T) { testFlakyPrometheus(t, srv, allFaults, rng) })
	t.Run("answers for the wrong time", func(t *testing.T) { testFlakyPrometheus(t, srv, timeShiftOnly, rng) })
	t.Run("kill -9", func(t *testing.T) { testKill(t, srv, rng) })
	t.Run("backup while serving", func(t *testing.T) { testBackup(t, srv) })
	t.Run("leader failover on postgres", func(t *testing.T) { testFailover(t, srv, rng) })
	t.Logf("TestChaos took %v", time.Since(began).Round(100*time.Millisecond))
}

// newRand is the suite's random source, seeded from CHAOS_SEED or the
// clock; the seed is logged so a failing run can be replayed.
func newRand(t *testing.T) *rand.Rand {
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("CHAOS_SEED"); v != "" {
		s, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("CHAOS_SEED=%q: %v", v, err)
		}
		seed = s
	}
	t.Logf("random seed %d (replay with CHAOS_SEED=%d)", seed, seed)
	return rand.New(rand.NewPCG(seed, seed))
}

// history is the suite's synthetic traffic: 31 days up to now+Lead, one
// service per gate state.
type history struct {
	// healthy: 0.02% errors, 20% of a 99.9%/30d budget: allowed.
	healthy synth.Scenario
	// exhausted: 3% errors for two days, 20 days ago (200%): denied.
	exhausted synth.Scenario
	// burning: 5% errors (burn 50) since 20 minutes before the start, 2%
	// of the budget: denied by the fast burn alone. Over 1h (burn
	// 50*20/60 = 17 > 14.4) and 5m the page condition holds; over 6h
	// (50*20/360 = 2.8 < 6) it does not until the incident is 43 minutes
	// old, so until then one answer for an hour earlier (no incident) of
	// its 1h or 5m errors query would allow. Every window has errors now,
	// none an hour before the incident.
	burning synth.Scenario
}

func newHistory(now time.Time) history {
	start, end := now.Add(-31*synth.Day), now.Add(promtest.Lead)
	sc := func(service string, def synth.Traffic, segs ...synth.Segment) synth.Scenario {
		return synth.Scenario{Service: service, Start: start, End: end, Default: def, Segments: segs}
	}
	return history{
		healthy: sc("healthy", synth.Traffic{RPS: 10, ErrorRatio: 0.0002}),
		exhausted: sc("exhausted", synth.Traffic{RPS: 10},
			synth.Segment{From: now.Add(-20 * synth.Day), To: now.Add(-18 * synth.Day), Traffic: synth.Traffic{RPS: 10, ErrorRatio: 0.03}}),
		burning: sc("burning", synth.Traffic{RPS: 10},
			synth.Segment{From: now.Add(-20 * time.Minute), To: end, Traffic: synth.Traffic{RPS: 10, ErrorRatio: 0.05}}),
	}
}

// spec is a one-SLO availability spec (99.9% over 30d) for a service of
// the history, trusting its last good numbers for maxStaleness.
func spec(service, maxStaleness string) string {
	return fmt.Sprintf(`service: %[1]s
slos:
  - name: availability
    target: 99.9%%
    window: 30d
    sli:
      events:
        errors: sum(rate(http_requests_total{service=%[1]q,code=~"5.."}[{{.window}}]))
        total: sum(rate(http_requests_total{service=%[1]q}[{{.window}}]))
policy:
  min_events: 100
  max_staleness: %[2]s
`, service, maxStaleness)
}

// hostEnv is the test's environment without SLOD_ settings, so slod runs
// with exactly the flags a test gives it.
func hostEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SLOD_") {
			env = append(env, kv)
		}
	}
	return env
}
