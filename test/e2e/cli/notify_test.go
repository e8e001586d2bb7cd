package cli

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/api"
	"github.com/slo-dev/slo/internal/testing/slodtest"
)

const hookSecret = "e2e-notify-signing-secret"

// hook is a webhook receiver on loopback. While held, it keeps every
// request open (a receiver that hangs); released, it accepts at once.
// It checks each body's signature itself and counts deliveries by event.
type hook struct {
	t        *testing.T
	srv      *httptest.Server
	release  chan struct{}
	mu       sync.Mutex
	open     int
	accepted map[string]int
	at       map[string]time.Time
	// failing makes it answer 500 instead (the dead-letter receiver).
	failing bool
}

func newHook(t *testing.T, held, failing bool) *hook {
	h := &hook{t: t, release: make(chan struct{}), accepted: map[string]int{}, at: map[string]time.Time{}, failing: failing}
	if !held {
		close(h.release)
	}
	h.srv = httptest.NewServer(http.HandlerFunc(h.serve))
	t.Cleanup(func() { h.unhold(); h.srv.Close() })
	return h
}

func (h *hook) unhold() {
	h.mu.Lock()
	defer h.mu.Unlock()
	select {
	case <-h.release:
	default:
		close(h.release)
	}
}

func (h *hook) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	h.open++
	h.mu.Unlock()
	defer func() { h.mu.Lock(); h.open--; h.mu.Unlock() }()
	select {
	case <-h.release:
	case <-r.Context().Done():
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.failing {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	mac := hmac.New(sha256.New, []byte(hookSecret))
	mac.Write(body)
	if got, want := r.Header.Get("X-Slod-Signature"), "sha256="+hex.EncodeToString(mac.Sum(nil)); got != want {
		h.t.Errorf("signature %q, want %q", got, want)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var ev api.Event
	if err := json.Unmarshal(body, &ev); err != nil || ev.ID != r.Header.Get("Idempotency-Key") {
		h.t.Errorf("body %s with key %q: %v", body, r.Header.Get("Idempotency-Key"), err)
	}
	h.accepted[ev.ID]++
	if _, ok := h.at[ev.ID]; !ok {
		h.at[ev.ID] = time.Now()
	}
	w.WriteHeader(http.StatusOK)
}

func (h *hook) state() (open int, accepted map[string]int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	acc := map[string]int{}
	for k, v := range h.accepted {
		acc[k] = v
	}
	return h.open, acc
}

var overrideIDRE = regexp.MustCompile(`^Override ([0-9]+) created`)

// TestNotificationsAgainstSlod runs the slod and sloctl binaries with two
// webhook targets: one that hangs, one that fails. Override writes put
// events in the outbox; the hanging receiver delays neither evaluation nor
// can-deploy; the failing one's delivery ends in the dead-letter table;
// slod is killed with deliveries in flight and, restarted, delivers every
// one; fixed, the failing receiver gets its dead letter once after
// `sloctl notifications retry`.
func TestNotificationsAgainstSlod(t *testing.T) {
	prom, _ := startPrometheus(t, time.Now())
	slow, dead := newHook(t, true, false), newHook(t, false, true)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "secret"), []byte(hookSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "notify.yaml")
	if err := os.WriteFile(cfg, fmt.Appendf(nil, `max_attempts: 3
backoff_base: 100ms
backoff_max: 500ms
breaker_failures: 100
targets:
  - name: slow
    type: webhook
    url: %s
    secret_file: secret
    timeout: 5m
    events: ["override.*"]
  - name: dead
    type: webhook
    url: %s
    secret_file: secret
    timeout: 2s
    events: ["override.revoked"]
`, slow.srv.URL, dead.srv.URL), 0o600); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(t.TempDir(), "slod.db")
	flags := []string{"--slos", writeSpecs(t), "--prometheus-url", prom.URL, "--db", db, "--interval", "1s", "--log-format", "text", "--notify-config", cfg}
	env := append(hostEnv(), "SLOD_TOKENS="+token)
	slod := slodtest.StartBinary(t, slodBin, env, flags...)
	slod.WaitEvaluated(t, time.Minute)
	run := func(env []string, args ...string) result {
		t.Helper()
		r := runSloctl(t, append([]string{"SLOCTL_SERVER=" + slod.URL, "USER=e2e-user"}, env...), args...)
		wantExit(t, r, 0)
		return r
	}
	withToken := []string{"SLOCTL_TOKEN=" + token}

	// Three overrides, the first revoked: four events for slow, one for dead.
	var ids []string
	for i := range 3 {
		r := run(withToken, "override", "create", healthy, "--reason", fmt.Sprintf("e2e notify %d", i), "--for", "1h")
		m := overrideIDRE.FindStringSubmatch(r.stdout)
		if m == nil {
			t.Fatalf("no override id in %s", r)
		}
		ids = append(ids, m[1])
	}
	run(withToken, "override", "revoke", healthy, ids[0], "--actor", "e2e-user")

	// The hanging receiver holds four tries (the sender's concurrency).
	slodtest.WaitFor(t, time.Minute, "four deliveries held open by the slow receiver", func() bool { open, _ := slow.state(); return open == 4 })
	var outbox api.NotificationList
	if err := json.Unmarshal([]byte(run(nil, "notifications", "list", "--state", "pending", "-o", "json").stdout), &outbox); err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, n := range outbox.Notifications {
		if n.Target == "slow" {
			want[n.Event.ID] = true
		}
	}
	if len(want) != 4 {
		t.Fatalf("pending for slow: %d events, want 4 (3 created, 1 revoked): %+v", len(want), outbox)
	}

	// With every delivery slot held: evaluation goes on and can-deploy
	// answers.
	before := slod.Service(t, healthy).EvaluatedAt
	var slowest time.Duration
	for range 20 {
		began := time.Now()
		g := slod.CanDeploy(t, healthy, "normal", "v-notify")
		slowest = max(slowest, time.Since(began))
		if !g.Allowed {
			t.Fatalf("healthy with an active override denied: %+v", g)
		}
	}
	slodtest.WaitFor(t, time.Minute, "two more evaluations", func() bool {
		now := slod.Service(t, healthy).EvaluatedAt
		return now != nil && before != nil && now.Sub(*before) >= 2*time.Second
	})
	if open, acc := slow.state(); open != 4 || len(acc) != 0 {
		t.Fatalf("the slow receiver was released early: %d open, %d accepted", open, len(acc))
	}
	t.Logf("figures: with 4 deliveries hanging, 20 can-deploy POSTs took at most %v and evaluations went on", slowest.Round(time.Millisecond))

	// The failing receiver's delivery is dead-lettered after 3 tries.
	var dlq api.NotificationList
	slodtest.WaitFor(t, time.Minute, "the dead letter", func() bool {
		dlq = api.NotificationList{}
		_ = json.Unmarshal([]byte(run(nil, "notifications", "dlq", "-o", "json").stdout), &dlq)
		return len(dlq.Notifications) == 1
	})
	if d := dlq.Notifications[0]; d.Target != "dead" || d.Attempts != 3 || d.Event.Type != "override.revoked" || !strings.Contains(d.LastError, "500") {
		t.Fatalf("dead letter %+v", d)
	}

	// kill -9 with four deliveries in flight; the receiver recovers; a new
	// slod on the same database delivers all four.
	slod.Kill(t)
	slow.unhold()
	restarted := time.Now()
	slod = slodtest.StartBinary(t, slodBin, env, flags...)
	slodtest.WaitFor(t, time.Minute, "every pending event delivered after the restart", func() bool {
		_, acc := slow.state()
		for id := range want {
			if acc[id] == 0 {
				return false
			}
		}
		return true
	})
	_, acc := slow.state()
	var latest time.Duration
	slow.mu.Lock()
	for id := range want {
		latest = max(latest, slow.at[id].Sub(restarted))
	}
	slow.mu.Unlock()
	dups := 0
	for id, n := range acc {
		if !want[id] {
			t.Errorf("slow received event %s it was not sent", id)
		}
		dups += n - 1
	}
	t.Logf("figures: after kill -9 and restart, all 4 delivered within %v of the restart (%d duplicates)", latest.Round(time.Millisecond), dups)

	// Fixed, the dead receiver gets its dead letter once on retry.
	dead.mu.Lock()
	dead.failing = false
	dead.mu.Unlock()
	id := dlq.Notifications[0].Event.ID
	retried := time.Now()
	if r := run(withToken, "notifications", "retry", id); !strings.Contains(r.stdout, "1 dead-lettered notification(s) queued again") {
		t.Fatalf("retry: %s", r)
	}
	slodtest.WaitFor(t, time.Minute, "the retried delivery", func() bool { _, acc := dead.state(); return acc[id] == 1 })
	dead.mu.Lock()
	took := dead.at[id].Sub(retried)
	dead.mu.Unlock()
	if r := run(nil, "notifications", "dlq", "-o", "json"); strings.Contains(r.stdout, id) {
		t.Errorf("still dead-lettered after the retry:\n%s", r)
	}
	time.Sleep(time.Second)
	if _, acc := dead.state(); len(acc) != 1 || acc[id] != 1 {
		t.Errorf("dead receiver accepted %v, want %s once", acc, id)
	}
	t.Logf("figures: dead letter delivered %v after sloctl notifications retry", took.Round(time.Millisecond))
	if r := runSloctl(t, []string{"SLOCTL_SERVER=" + slod.URL, "SLOCTL_TOKEN=" + token}, "notifications", "retry", "no-such-event", "--timeout", "5s"); r.code != 2 || !strings.Contains(r.stderr, "no-such-event") {
		t.Errorf("retrying an unknown event: %s", r)
	}
}
