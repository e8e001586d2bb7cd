// Package prom measures SLOs against Prometheus. Every query goes through a
// bulkhead (bounded concurrency), retries with full-jitter backoff for
// transient failures only, a circuit breaker that fails fast while
// Prometheus is down, and a timeout per attempt.
package prom

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/model"
	"github.com/sony/gobreaker/v2"

	"github.com/slo-dev/slo/internal/backoff"
)

// Source runs instant and range queries against one Prometheus. It is safe
// for concurrent use.
type Source struct {
	cfg     Config
	api     v1.API
	log     *slog.Logger
	breaker *gobreaker.CircuitBreaker[model.Value]
	slots   chan struct{}
	m       *metrics
}

// New builds a Source and registers its metrics on reg (nil: unregistered).
func New(cfg Config, reg prometheus.Registerer, log *slog.Logger) (*Source, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("prometheus config: %w", err)
	}
	rt, err := newTransport(cfg)
	if err != nil {
		return nil, fmt.Errorf("prometheus config: %w", err)
	}
	client, err := api.NewClient(api.Config{Address: cfg.URL, RoundTripper: rt})
	if err != nil {
		return nil, fmt.Errorf("prometheus client: %w", err)
	}
	m, err := newMetrics(reg)
	if err != nil {
		return nil, fmt.Errorf("prometheus client metrics: %w", err)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("dependency", "prometheus")
	s := &Source{
		cfg:   cfg,
		api:   v1.NewAPI(client),
		log:   log,
		slots: make(chan struct{}, cfg.MaxConcurrent),
		m:     m,
	}
	s.breaker = gobreaker.NewCircuitBreaker[model.Value](gobreaker.Settings{
		Name:    "prometheus",
		Timeout: cfg.BreakerOpenTimeout,
		ReadyToTrip: func(c gobreaker.Counts) bool {
			return c.ConsecutiveFailures >= uint32(cfg.BreakerFailures)
		},
		IsSuccessful: func(err error) bool {
			k, ok := kindOf(err)
			// A backend that drops its newest points answers, and
			// promptly: failing fast would only hide why.
			return err == nil || (ok && k == kindQuery) || errors.Is(err, ErrNewestPointsDropped)
		},
		IsExcluded: func(err error) bool {
			k, ok := kindOf(err)
			return ok && k == kindCanceled
		},
		OnStateChange: s.onStateChange,
	})
	return s, nil
}

func (s *Source) onStateChange(_ string, from, to gobreaker.State) {
	// gobreaker's states are numbered as the metric wants: 0, 1, 2.
	s.m.breaker.Set(float64(to))
	level := slog.LevelInfo
	if to == gobreaker.StateOpen {
		level = slog.LevelWarn
	}
	s.log.Log(context.Background(), level, "circuit breaker state changed", "from", from.String(), "to", to.String())
}

// Idle withdraws slod_prometheus_up: a replica that stopped evaluating (it
// follows another on a shared store) no longer asks Prometheus, and its
// last reading would go on claiming Prometheus is down (or up) long after
// anyone knows. The next query sets it again.
func (s *Source) Idle() { s.m.up.Reset() }

// CircuitState is the breaker's state: "closed", "half-open" or "open".
// Reading it also moves an open breaker whose timeout passed to half-open.
func (s *Source) CircuitState() string { return s.breaker.State().String() }

// Query runs the instant query q at time at (the server's now when zero).
// A single sample or a scalar gives its value; an empty result (or NaN/Inf)
// gives ok=false; several series are an ErrBadQuery error, since SLO
// queries must aggregate.
func (s *Source) Query(ctx context.Context, q string, at time.Time) (value float64, ok bool, err error) {
	value, ok, sent, err := s.query(ctx, q, at)
	s.count(1, sent, err)
	if err != nil {
		return 0, false, fmt.Errorf("query %q: %w", q, err)
	}
	return value, ok, nil
}

// query reports with sent whether any attempt reached Prometheus.
func (s *Source) query(ctx context.Context, q string, at time.Time) (value float64, ok, sent bool, err error) {
	release, err := s.acquire(ctx)
	if err != nil {
		return 0, false, false, err
	}
	defer release()
	v, sent, err := s.retry(ctx, evaluation{q: q, at: at})
	if err != nil {
		return 0, false, sent, err
	}
	value, ok, err = sampleValue(v)
	return value, ok, true, err
}

// count records the outcome of n queries in slod_prometheus_queries_total;
// sent says whether any attempt for them reached Prometheus.
func (s *Source) count(n int, sent bool, err error) {
	result := resultError
	switch {
	case err == nil:
		result = resultSuccess
	case !sent && (errors.Is(err, ErrCircuitOpen) || errors.Is(err, ErrBulkheadFull)):
		// Rejected means Prometheus never saw the query; a query that
		// timed out and then met the opened circuit on retry is an error.
		result = resultRejected
	}
	s.m.queries.WithLabelValues(result).Add(float64(n))
}

// evaluation is what one request asks Prometheus: q at the instant at, or
// over rng when set.
type evaluation struct {
	q   string
	at  time.Time
	rng *v1.Range
	// probe is the batch label of q's probe leg (withProbe); empty when q
	// has none.
	probe model.LabelValue
}

// check rejects an answer computed for another time than asked (an
// instant query's, the one step of a range whose start is its end, or the
// steps of a longer range), then one whose probe leg lacks its newest point.
func (e evaluation) check(v model.Value) error {
	if e.rng == nil {
		return answeredAt(v, e.at)
	}
	m, ok := v.(model.Matrix)
	if !ok {
		return nil
	}
	var err error
	if e.rng.Start.Equal(e.rng.End) {
		err = stepAnsweredAt(m, e.rng.Start)
	} else {
		err = onGrid(m, *e.rng)
	}
	if err == nil && e.probe != "" {
		err = probed(m, *e.rng, e.probe)
	}
	return err
}

// send makes one request for e, telling Prometheus the timeout so that it
// stops evaluating a query nobody waits for any more.
func (e evaluation) send(ctx context.Context, api v1.API, timeout time.Duration) (model.Value, v1.Warnings, error) {
	opt := v1.WithTimeout(serverTimeout(timeout))
	if e.rng != nil {
		v, warnings, _, err := api.QueryRange(ctx, e.q, *e.rng, opt)
		return v, warnings, err
	}
	v, warnings, _, err := api.Query(ctx, e.q, e.at, opt)
	return v, warnings, err
}

// acquire takes a bulkhead slot, so a slow Prometheus holds at most
// MaxConcurrent goroutines and connections.
func (s *Source) acquire(ctx context.Context) (release func(), err error) {
	select {
	case s.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: %w", ErrBulkheadFull, ctx.Err())
	}
	s.m.inFlight.Inc()
	return func() {
		s.m.inFlight.Dec()
		<-s.slots
	}, nil
}

// retry runs attempts until one succeeds, a failure is not retryable, the
// retries are used up or ctx ends. sent is false when the circuit let no
// attempt through.
func (s *Source) retry(ctx context.Context, e evaluation) (_ model.Value, sent bool, _ error) {
	var last error
	op := func() (model.Value, error) {
		v, err := s.attempt(ctx, e)
		sent = sent || !errors.Is(err, ErrCircuitOpen)
		if err == nil {
			return v, nil
		}
		last = err
		var ae *attemptError
		if !errors.As(err, &ae) || ae.kind != kindUnavailable {
			return nil, backoff.Permanent(err)
		}
		return nil, backoff.RetryAfter(ctx, err, ae.retryAfter)
	}
	v, err := backoff.Retry(ctx, backoff.Policy{
		Base:     s.cfg.BackoffBase,
		Max:      s.cfg.BackoffMax,
		MaxTries: uint(s.cfg.MaxRetries) + 1, // bounded by MaxRetries and ctx, not by time
		Notify: func(err error, wait time.Duration) {
			s.m.queries.WithLabelValues(resultRetry).Inc()
			s.log.Debug("retrying prometheus query", "query", e.q, "wait", wait, "err", err)
		},
	}, op)
	// backoff.Retry reports only ctx's error when ctx ends between
	// attempts; keep the failure that caused the wait.
	if err != nil && last != nil && ctx.Err() != nil && !errors.Is(err, last) {
		return nil, sent, fmt.Errorf("%w (last attempt: %w)", err, last)
	}
	return v, sent, err
}

// attempt is one request through the breaker, bounded by QueryTimeout.
func (s *Source) attempt(ctx context.Context, e evaluation) (model.Value, error) {
	v, err := s.breaker.Execute(func() (model.Value, error) {
		actx, cancel := context.WithTimeout(ctx, s.cfg.QueryTimeout)
		defer cancel()
		info := &respInfo{}
		start := time.Now()
		v, warnings, err := e.send(withRespInfo(actx, info), s.api, s.cfg.QueryTimeout)
		s.m.duration.Observe(time.Since(start).Seconds())
		if err != nil {
			ae := classify(ctx, err, info, s.cfg.QueryTimeout)
			if ae.kind == kindUnavailable || ae.kind == kindFailed {
				s.m.up.WithLabelValues().Set(0)
			}
			return nil, ae
		}
		if err := e.check(v); err != nil {
			// Another instant's numbers would be judged as now's, or
			// missing ones as no traffic.
			s.m.up.WithLabelValues().Set(0)
			return nil, &attemptError{kind: kindFailed, err: err}
		}
		s.m.up.WithLabelValues().Set(1)
		if len(warnings) > 0 {
			s.log.Warn("prometheus query warnings", "query", e.q, "warnings", []string(warnings))
		}
		return v, nil
	})
	if errors.Is(err, gobreaker.ErrOpenState) || errors.Is(err, gobreaker.ErrTooManyRequests) {
		// ErrTooManyRequests: half-open and the one probe is in flight.
		return nil, fmt.Errorf("%w: %w", ErrCircuitOpen, err)
	}
	return v, err
}

// sampleValue turns a query result into one number.
func sampleValue(v model.Value) (float64, bool, error) {
	var f float64
	switch r := v.(type) {
	case model.Vector:
		switch len(r) {
		case 0:
			return 0, false, nil
		case 1:
			if r[0].Histogram != nil {
				return 0, false, fmt.Errorf("%w: result is a native histogram, want a number", ErrBadQuery)
			}
			f = float64(r[0].Value)
		default:
			return 0, false, fmt.Errorf("%w: %d series returned, want one: aggregate with sum(...)", ErrBadQuery, len(r))
		}
	case *model.Scalar:
		f = float64(r.Value)
	default:
		return 0, false, fmt.Errorf("%w: result type %s, want vector or scalar", ErrBadQuery, typeName(v))
	}
	// 0/0 from a ratio over no traffic: no data, never a number to store.
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false, nil
	}
	return f, true, nil
}

func typeName(v model.Value) string {
	if v == nil {
		return "none"
	}
	return v.Type().String()
}

// serverTimeout rounds the query timeout up to whole seconds for the
// server: client_golang sends it as Go duration text, and Prometheus
// rejects a fractional one such as "1.5s" as bad_data.
func serverTimeout(d time.Duration) time.Duration {
	return time.Duration(math.Ceil(d.Seconds())) * time.Second
}
