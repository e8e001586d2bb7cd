package prom

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/slo-dev/slo/internal/metricnames"
)

// Query outcomes, the values of slod_prometheus_queries_total{result}.
const (
	resultSuccess  = "success"
	resultError    = "error"
	resultRetry    = "retry"
	resultRejected = "rejected"
)

// metrics are the client's own metrics. Their names are a contract with
// the generated alert rules (see internal/metricnames).
type metrics struct {
	queries  *prometheus.CounterVec
	duration prometheus.Histogram
	breaker  prometheus.Gauge
	up       *prometheus.GaugeVec
	inFlight prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	queries, err := register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: metricnames.PrometheusQueries,
		Help: "Prometheus queries by outcome: success, error, retry (one per retried attempt), rejected (circuit open or bulkhead full).",
	}, []string{"result"}))
	if err != nil {
		return nil, err
	}
	duration, err := register(reg, prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    metricnames.PrometheusQueryDuration,
		Help:    "Duration of each query attempt sent to Prometheus.",
		Buckets: prometheus.DefBuckets,
	}))
	if err != nil {
		return nil, err
	}
	// The next two are shared with other dependencies and bulkheads of
	// slod, so they are vectors that may already be registered.
	breaker, err := register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: metricnames.CircuitBreakerState,
		Help: "Circuit breaker state per dependency: 0 closed, 1 half-open, 2 open.",
	}, []string{"dependency"}))
	if err != nil {
		return nil, err
	}
	inFlight, err := register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: metricnames.BulkheadInFlight,
		Help: "Calls currently holding a slot of each bulkhead.",
	}, []string{"bulkhead"}))
	if err != nil {
		return nil, err
	}
	// A vector without labels exports nothing until the first Set, so
	// "slod_prometheus_up == 0" alerts only after a real failure, not while
	// slod has had nothing to query yet.
	up, err := register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: metricnames.PrometheusUp,
		Help: "1 if the last query attempt reached Prometheus and succeeded, 0 if it failed for a reason other than a PromQL error; absent before the first such attempt.",
	}, nil))
	if err != nil {
		return nil, err
	}
	m := &metrics{
		queries:  queries,
		duration: duration,
		breaker:  breaker.WithLabelValues("prometheus"),
		up:       up,
		inFlight: inFlight.WithLabelValues("prometheus"),
	}
	// Export every outcome from the start so rate() and absent() work
	// before the first failure.
	for _, r := range []string{resultSuccess, resultError, resultRetry, resultRejected} {
		m.queries.WithLabelValues(r)
	}
	return m, nil
}

// register registers c, or returns the collector already registered under
// the same descriptor (a second Source on one registry, or a shared vector).
func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	if reg == nil {
		return c, nil
	}
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing, nil
			}
		}
		return c, fmt.Errorf("register metric: %w", err)
	}
	return c, nil
}
