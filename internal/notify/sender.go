package notify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/sony/gobreaker/v2"

	"github.com/slo-dev/slo/internal/backoff"
	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

// Outbox is the durable queue the sender works from (internal/store.Store).
type Outbox interface {
	RouteEvents(ctx context.Context, route func(slo.Event) []string, now time.Time, limit int) (int, error)
	DueDeliveries(ctx context.Context, target string, now time.Time, limit int) ([]slo.Delivery, error)
	DeliverySent(ctx context.Context, eventID, target string, attempts int, at time.Time) error
	DeliveryFailed(ctx context.Context, eventID, target string, attempts int, next time.Time, lastErr string) error
	Postpone(ctx context.Context, eventID, target string, next time.Time) error
	DeadLetter(ctx context.Context, eventID, target string, attempts int, lastErr string, at time.Time) error
	OutboxStats(ctx context.Context) (store.OutboxStats, error)
}

// Sender delivers the outbox: each pending delivery is tried when due,
// at most Concurrency at a time per target (a hanging receiver holds its
// own slots, never another target's), each try bounded by its target's
// timeout and guarded by the target's circuit breaker. A failed try is scheduled
// again after a full-jitter backoff (or the receiver's Retry-After); after
// MaxAttempts tries, or a refusal that no retry can change (4xx), it goes
// to the dead-letter table. The schedule is in the store, so a restart
// resumes it; a try cut off by the restart is made again (at least once).
type Sender struct {
	outbox  Outbox
	cfg     Config
	targets map[string]*target
	client  *http.Client
	log     *slog.Logger
	metrics *Metrics
	clock   func() time.Time
	// Poll is how often due deliveries are looked for without a Wake.
	poll time.Duration
	wake chan struct{}

	mu       sync.Mutex
	inFlight map[string]bool
}

type target struct {
	Target
	breaker *gobreaker.CircuitBreaker[struct{}]
	// slots bound the target's tries in flight.
	slots chan struct{}
}

// SenderOptions tune a sender.
type SenderOptions struct {
	Clock func() time.Time
	// Poll defaults to 1s.
	Poll time.Duration
	// Client defaults to a plain http.Client; timeouts are per target.
	Client *http.Client
}

// NewSender builds a sender for cfg's targets.
func NewSender(outbox Outbox, cfg Config, m *Metrics, log *slog.Logger, opts SenderOptions) *Sender {
	s := &Sender{
		outbox: outbox, cfg: cfg, log: log, metrics: m, clock: opts.Clock, poll: opts.Poll, client: opts.Client,
		targets: map[string]*target{}, wake: make(chan struct{}, 1), inFlight: map[string]bool{},
	}
	if s.clock == nil {
		s.clock = time.Now
	}
	if s.poll <= 0 {
		s.poll = time.Second
	}
	if s.client == nil {
		s.client = &http.Client{}
	}
	for _, t := range cfg.Targets {
		s.targets[t.Name] = &target{Target: t, slots: make(chan struct{}, max(cfg.Concurrency, 1)), breaker: gobreaker.NewCircuitBreaker[struct{}](gobreaker.Settings{
			Name:    t.Name,
			Timeout: cfg.BreakerOpen,
			ReadyToTrip: func(c gobreaker.Counts) bool {
				return c.ConsecutiveFailures >= uint32(cfg.BreakerFailures)
			},
			// A receiver that refuses an event is up: only failures that
			// a retry may cure count against it.
			IsSuccessful: func(err error) bool { return err == nil || isRefused(err) },
			OnStateChange: func(name string, from, to gobreaker.State) {
				log.Warn("notification target circuit breaker changed", "target", name, "from", from.String(), "to", to.String())
			},
		})}
	}
	return s
}

// Wake makes the sender look for work now (new events were written).
func (s *Sender) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run delivers until ctx ends, then waits for the tries in flight.
func (s *Sender) Run(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	t := time.NewTicker(s.poll)
	defer t.Stop()
	for {
		s.round(ctx, &wg)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.wake:
		}
	}
}

// round routes new events to their targets and starts the due tries
// there are slots for; the rest wait for the next round.
func (s *Sender) round(ctx context.Context, wg *sync.WaitGroup) {
	now := s.clock()
	for {
		n, err := s.outbox.RouteEvents(ctx, s.cfg.Route, now, 500)
		if err != nil {
			s.log.Error("routing notifications", "err", err)
			break
		}
		if n < 500 {
			break
		}
	}
	for _, t := range s.targets {
		due, err := s.outbox.DueDeliveries(ctx, t.Name, now, 2*cap(t.slots))
		if err != nil {
			s.log.Error("reading due notifications", "target", t.Name, "err", err)
			continue
		}
		s.start(ctx, wg, t, due)
	}
	// Deliveries to targets since removed from the config.
	if due, err := s.outbox.DueDeliveries(ctx, "", now, 100); err == nil {
		for _, d := range due {
			if _, ok := s.targets[d.Target]; !ok {
				s.dead(ctx, d, d.Attempts, fmt.Sprintf("target %q is no longer in the notify config", d.Target))
			}
		}
	}
	s.updateStats(ctx, now)
}

// start begins tries of due deliveries to t while it has free slots; the
// rest wait for a later round.
func (s *Sender) start(ctx context.Context, wg *sync.WaitGroup, t *target, due []slo.Delivery) {
	for _, d := range due {
		k := d.Event.ID + "\x00" + d.Target
		s.mu.Lock()
		busy := s.inFlight[k]
		s.mu.Unlock()
		if busy {
			continue
		}
		select {
		case t.slots <- struct{}{}:
		default:
			return
		}
		s.mu.Lock()
		s.inFlight[k] = true
		s.mu.Unlock()
		wg.Go(func() {
			s.deliver(ctx, t, d)
			s.mu.Lock()
			delete(s.inFlight, k)
			s.mu.Unlock()
			<-t.slots
			s.Wake()
		})
	}
}

func (s *Sender) updateStats(ctx context.Context, now time.Time) {
	st, err := s.outbox.OutboxStats(ctx)
	if err != nil {
		s.log.Error("measuring the notification queue", "err", err)
		return
	}
	s.metrics.observeQueue(st, now)
}

// deliver makes one try of d and records its outcome.
func (s *Sender) deliver(ctx context.Context, t *target, d slo.Delivery) {
	_, err := t.breaker.Execute(func() (struct{}, error) { return struct{}{}, s.send(ctx, t.Target, d.Event) })
	if ctx.Err() != nil {
		// Shutting down: the try is cut off and made again after restart.
		return
	}
	now := s.clock()
	if errors.Is(err, gobreaker.ErrOpenState) || errors.Is(err, gobreaker.ErrTooManyRequests) {
		if err := s.outbox.Postpone(ctx, d.Event.ID, d.Target, now.Add(s.cfg.BreakerOpen)); err != nil {
			s.log.Error("postponing a notification", "event", d.Event.ID, "target", d.Target, "err", err)
		}
		return
	}
	attempts := d.Attempts + 1
	if err == nil {
		s.metrics.sent.WithLabelValues(d.Target).Inc()
		s.log.Info("notification delivered", "event", d.Event.ID, "target", d.Target, "attempts", attempts)
		if err := s.outbox.DeliverySent(ctx, d.Event.ID, d.Target, attempts, now); err != nil {
			s.log.Error("recording a delivered notification; it will be sent again", "event", d.Event.ID, "target", d.Target, "err", err)
		}
		return
	}
	s.metrics.failed.WithLabelValues(d.Target).Inc()
	if isRefused(err) || attempts >= s.cfg.MaxAttempts {
		s.dead(ctx, d, attempts, err.Error())
		return
	}
	wait := retryAfterOf(err)
	if wait <= 0 {
		wait = backoff.FullJitter{Base: s.cfg.BackoffBase, Max: s.cfg.BackoffMax}.Wait(attempts - 1)
	}
	s.log.Warn("notification failed; retrying", "event", d.Event.ID, "target", d.Target, "attempts", attempts, "wait", wait, "err", err)
	if err := s.outbox.DeliveryFailed(ctx, d.Event.ID, d.Target, attempts, now.Add(wait), err.Error()); err != nil {
		s.log.Error("recording a failed notification", "event", d.Event.ID, "target", d.Target, "err", err)
	}
}

func (s *Sender) dead(ctx context.Context, d slo.Delivery, attempts int, why string) {
	s.metrics.dead.WithLabelValues(d.Target).Inc()
	s.log.Error("notification dead-lettered", "event", d.Event.ID, "target", d.Target, "attempts", attempts, "err", why)
	if err := s.outbox.DeadLetter(ctx, d.Event.ID, d.Target, attempts, why, s.clock()); err != nil {
		s.log.Error("dead-lettering a notification", "event", d.Event.ID, "target", d.Target, "err", err)
	}
}

// deliveryError is a failed try; refused marks an answer no retry can
// change (a 4xx other than 408 and 429).
type deliveryError struct {
	msg        string
	refused    bool
	retryAfter time.Duration
}

func (e *deliveryError) Error() string { return e.msg }

func isRefused(err error) bool {
	var d *deliveryError
	return errors.As(err, &d) && d.refused
}

func retryAfterOf(err error) time.Duration {
	var d *deliveryError
	if errors.As(err, &d) {
		return d.retryAfter
	}
	return 0
}

// send makes one HTTP try of e to t within t's timeout.
func (s *Sender) send(ctx context.Context, t Target, e slo.Event) error {
	ctx, cancel := context.WithTimeout(ctx, t.Timeout)
	defer cancel()
	req, err := request(ctx, t, e)
	if err != nil {
		return &deliveryError{msg: err.Error(), refused: true}
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return &deliveryError{msg: fmt.Sprintf("POST %s: %v", redact(req.URL.String()), errors.Unwrap(err))}
	}
	defer resp.Body.Close()
	// Read a little of the answer for the error, and let the connection
	// be reused.
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 256))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	de := &deliveryError{msg: fmt.Sprintf("%s answered %s: %q", t.Name, resp.Status, snippet)}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable:
		de.retryAfter = backoff.ParseRetryAfter(resp.Header.Get("Retry-After"))
	case resp.StatusCode == http.StatusRequestTimeout:
	case resp.StatusCode >= 400 && resp.StatusCode < 500:
		de.refused = true
	}
	return de
}
