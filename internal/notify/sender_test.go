package notify

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/api"
	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

const testSecret = "0123456789abcdef-test-secret"

// receiver is a real HTTP endpoint on loopback that fails its first
// failures requests (the first with Retry-After) and then accepts, and
// records what it accepted.
type receiver struct {
	t        *testing.T
	srv      *httptest.Server
	mu       sync.Mutex
	failures int
	calls    int
	accepted []accepted
	// lastFailure is when it last failed a request.
	lastFailure time.Time
}

type accepted struct {
	body      api.Event
	key       string
	signature string
	at        time.Time
}

func newReceiver(t *testing.T, failures int, retryAfter string) *receiver {
	r := &receiver{t: t, failures: failures}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, err := io.ReadAll(req.Body)
		if err != nil {
			t.Errorf("receiver: read body: %v", err)
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		r.calls++
		if r.calls <= r.failures {
			r.lastFailure = time.Now()
			if r.calls == 1 && retryAfter != "" {
				w.Header().Set("Retry-After", retryAfter)
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		// The signature is checked here, independently of Sign.
		mac := hmac.New(sha256.New, []byte(testSecret))
		mac.Write(body)
		want := "sha256=" + hex.EncodeToString(mac.Sum(nil))
		var b api.Event
		if err := json.Unmarshal(body, &b); err != nil {
			t.Errorf("receiver: body is not JSON: %v", err)
		}
		r.accepted = append(r.accepted, accepted{body: b, key: req.Header.Get(HeaderIdempotencyKey), signature: req.Header.Get(HeaderSignature), at: time.Now()})
		if got := req.Header.Get(HeaderSignature); got != want {
			t.Errorf("signature %q, want %q", got, want)
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) snapshot() (calls int, acc []accepted, lastFailure time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls, append([]accepted(nil), r.accepted...), r.lastFailure
}

func openStore(t *testing.T) *store.Store {
	st, err := store.Open(filepath.Join(t.TempDir(), "slod.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func testConfig(url string, maxAttempts int) Config {
	c := defaults()
	c.MaxAttempts = maxAttempts
	c.BackoffBase, c.BackoffMax = 50*time.Millisecond, 400*time.Millisecond
	c.BreakerFailures, c.BreakerOpen = 100, time.Second
	c.Targets = []Target{{Name: "hook", Kind: KindWebhook, URL: url, Secret: []byte(testSecret), Timeout: 2 * time.Second, MinSeverity: slo.SeverityInfo}}
	return c
}

func testEvent(id string) slo.Event {
	return slo.Event{ID: id, Type: slo.EventDecisionChanged, Service: "checkout", At: time.Date(2026, 11, 3, 3, 0, 0, 0, time.UTC),
		Severity: slo.SeverityCritical, Summary: "checkout: normal deploys are denied (was allow)", Details: json.RawMessage(`{"from":"allow","to":"deny"}`)}
}

func runSender(t *testing.T, s *Sender) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A receiver that fails three times (a 503 with Retry-After: 1, then two
// 500s) and then accepts gets the event exactly once, signed, with the
// event ID as idempotency key, and the store says four attempts.
func TestSenderRetriesUntilAccepted(t *testing.T) {
	rcv := newReceiver(t, 3, "1")
	st := openStore(t)
	ev := testEvent("gate.decision_changed:flaky")
	if err := st.RecordNotifyState(context.Background(), nil, []slo.Event{ev}); err != nil {
		t.Fatal(err)
	}
	s := NewSender(st, testConfig(rcv.srv.URL, 10), NewMetrics(nil), slog.New(slog.DiscardHandler), SenderOptions{Poll: 20 * time.Millisecond})
	began := time.Now()
	runSender(t, s)

	waitFor(t, "the delivery to be recorded as sent", func() bool {
		ds, err := st.Notifications(context.Background(), slo.NotificationQuery{State: slo.DeliverySent})
		return err == nil && len(ds) == 1
	})
	// Give a duplicate a chance to arrive before counting.
	time.Sleep(300 * time.Millisecond)
	calls, acc, lastFailure := rcv.snapshot()
	if calls != 4 || len(acc) != 1 {
		t.Fatalf("receiver saw %d calls and accepted %d, want 4 and 1", calls, len(acc))
	}
	a := acc[0]
	if a.key != ev.ID || a.body.ID != ev.ID || a.body.Summary != ev.Summary || string(a.body.Details) != string(ev.Details) {
		t.Errorf("accepted %+v with key %q, want event %s", a.body, a.key, ev.ID)
	}
	ds, _ := st.Notifications(context.Background(), slo.NotificationQuery{State: slo.DeliverySent})
	if ds[0].Attempts != 4 {
		t.Errorf("store says %d attempts, want 4", ds[0].Attempts)
	}
	// Retry-After: 1 held the second try back by at least a second.
	if took := acc[0].at.Sub(began); took < time.Second {
		t.Errorf("delivered %v after the first try; Retry-After asked for 1s", took)
	}
	t.Logf("figures: 4 attempts, delivered %v after the first try (1s of it Retry-After), %v after the last failure (the backoff's wait)",
		a.at.Sub(began).Round(time.Millisecond), a.at.Sub(lastFailure).Round(time.Millisecond))
}

// A receiver that keeps failing sends the delivery to the dead-letter
// table after MaxAttempts; retried once the receiver works, it is
// delivered once.
func TestSenderDeadLettersAndRetry(t *testing.T) {
	rcv := newReceiver(t, 1<<30, "")
	st := openStore(t)
	ev := testEvent("gate.decision_changed:dead")
	if err := st.RecordNotifyState(context.Background(), nil, []slo.Event{ev}); err != nil {
		t.Fatal(err)
	}
	s := NewSender(st, testConfig(rcv.srv.URL, 3), NewMetrics(nil), slog.New(slog.DiscardHandler), SenderOptions{Poll: 20 * time.Millisecond})
	runSender(t, s)
	waitFor(t, "the dead letter", func() bool {
		ds, err := st.Notifications(context.Background(), slo.NotificationQuery{State: slo.DeliveryDead})
		return err == nil && len(ds) == 1
	})
	ds, _ := st.Notifications(context.Background(), slo.NotificationQuery{State: slo.DeliveryDead})
	if ds[0].Attempts != 3 || ds[0].Event.ID != ev.ID || ds[0].LastError == "" {
		t.Fatalf("dead letter %+v, want event %s after 3 attempts with its error", ds[0], ev.ID)
	}
	if calls, _, _ := rcv.snapshot(); calls != 3 {
		t.Fatalf("receiver saw %d calls, want 3", calls)
	}
	pending, _ := st.Notifications(context.Background(), slo.NotificationQuery{State: slo.DeliveryPending})
	if len(pending) != 0 {
		t.Fatalf("still pending: %+v", pending)
	}

	rcv.mu.Lock()
	rcv.failures = 0
	rcv.mu.Unlock()
	q := NewQueue(st, s.Wake, nil)
	if _, err := q.Retry(context.Background(), "no-such-event"); err == nil {
		t.Error("retrying an unknown event succeeded")
	}
	retried := time.Now()
	n, err := q.Retry(context.Background(), ev.ID)
	if err != nil || n != 1 {
		t.Fatalf("retry: %d, %v", n, err)
	}
	waitFor(t, "the retried delivery", func() bool { _, acc, _ := rcv.snapshot(); return len(acc) == 1 })
	time.Sleep(300 * time.Millisecond)
	_, acc, _ := rcv.snapshot()
	if len(acc) != 1 || acc[0].key != ev.ID {
		t.Fatalf("accepted %d deliveries, want one of %s", len(acc), ev.ID)
	}
	dead, _ := st.Notifications(context.Background(), slo.NotificationQuery{State: slo.DeliveryDead})
	if len(dead) != 0 {
		t.Errorf("dead letters left after the retry: %+v", dead)
	}
	t.Logf("figures: dead-lettered after 3 attempts; delivered %v after the retry", acc[0].at.Sub(retried).Round(time.Millisecond))
}
